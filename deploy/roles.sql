-- Warmth's roles on PostgreSQL, run once by a superuser (deploy/stack.py does it with
-- psql-style parameters :owner, :app and their passwords):
--   warmth_owner  owns the database and its schema; `warmth init` (migrations) and
--                 `warmth demo` run as this role, never the dashboard;
--   warmth_app    what the dashboard servers connect as: reads, imports and undo (rows),
--                 the audit trail append-only, and no DDL: it cannot create, alter or drop.
-- Default privileges give warmth_app the same rights on every table a later migration
-- makes; deploy/grants.sql is run by the owner after each `warmth init`.
CREATE ROLE warmth_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE warmth_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE warmth OWNER warmth_owner ENCODING 'UTF8' TEMPLATE template0;
