-- Fair auto-assignment, as SQLite's migration 0013: the server-wide settings (the assignment
-- mode and the agent given the previous ticket, a JSON value per name) and who is away.
-- The value is JSON text, as in SQLite (the server reads and writes it whole).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

ALTER TABLE users ADD COLUMN is_away BOOLEAN NOT NULL DEFAULT FALSE;
