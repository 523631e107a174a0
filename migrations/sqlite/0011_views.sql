-- Saved views: a user's named ticket-list query (filters and sort, as a query string), shown
-- as a queue tab with its live count; a SysAdmin may share one with every staff member
-- (docs/API.md, "Saved views").
CREATE TABLE views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    query      TEXT    NOT NULL CHECK (length(query) <= 2000),
    shared     INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX views_shared ON views (shared) WHERE shared = 1;
