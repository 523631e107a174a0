-- Failed attempts per slowing key (an account, a device, an address, a user's password
-- changes), for servers that count them in the database rather than in memory. One row per
-- failure still inside its window; a success removes its own row.
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL  -- microseconds since the epoch, UTC
);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);
