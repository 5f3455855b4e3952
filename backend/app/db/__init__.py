"""The database's lifecycle: its URL (url), the engine and sessions (engine), the migration revision
the database is at versus the code's (revision), migrating it (migrate: `python -m app.db.migrate`),
and the migration that runs in the background at start-up (startup)."""
