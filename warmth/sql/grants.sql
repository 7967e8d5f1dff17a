-- The rights of the dashboard's database role on PostgreSQL (not the tables' owner: the
-- owner runs `warmth init` and the migrations). The role reads and writes the data tables,
-- and may only add to and read the audit trail: no UPDATE, DELETE or TRUNCATE there, so
-- the application cannot change or remove what it recorded.
--
--   psql -v app_role=warmth_app -f warmth/sql/grants.sql      (as the owner, after init)
--   python -c "..."  warmth.grants.apply(conn, 'warmth_app')  (the same, from Python)
--
-- Run it again after a migration adds a table.
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM :"app_role";
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE ON users, user_districts, user_departments FROM :"app_role";
REVOKE INSERT ON users, user_districts, user_departments FROM :"app_role";
