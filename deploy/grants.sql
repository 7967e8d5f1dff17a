-- Run as warmth_owner in the warmth database after every `warmth init` (safe twice).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO warmth_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO warmth_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO warmth_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO warmth_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO warmth_app;
-- the audit trail is append-only, and the schema's revision is the owner's
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM warmth_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM warmth_app;
