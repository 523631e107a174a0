-- Fair auto-assignment (docs/API.md, "Auto-assignment"): the mode, and who is away.
--
-- Server-wide settings, one row each, a JSON value: `assignment` holds
-- {"mode": "off" | "round_robin" | "least_loaded", "last": <the agent given the previous
-- ticket, or null>}. A ticket's creation that assigns it reads and writes this row in its own
-- transaction, so on PostgreSQL two servers assigning at once take turns on it. No row means
-- the default (assignment off).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL CHECK (json_valid(value))
) WITHOUT ROWID;

-- Staff who are away are skipped by auto-assignment (they keep what they have).
ALTER TABLE users ADD COLUMN is_away INTEGER NOT NULL DEFAULT 0 CHECK (is_away IN (0, 1));
