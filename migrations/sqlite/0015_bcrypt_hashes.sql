-- Password hashes of the seed application: `tms-server import-seed` keeps its users' bcrypt
-- hashes ($2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash) until each
-- user's first successful login replaces theirs with argon2id (docs/ARCHITECTURE.md, "Moving
-- in from the seed application"). tms itself writes argon2id only.
--
-- SQLite cannot change a CHECK constraint in place, so `users` is rebuilt as migration 0012
-- rebuilt `tickets` (the runner turns foreign keys off around it and checks them before
-- committing), its columns in the same order.
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL COLLATE NOCASE UNIQUE
                  CHECK (length(username) BETWEEN 3 AND 32),
    email         TEXT    NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    role          TEXT    NOT NULL CHECK (role IN ('Requester', 'Helpdesk Agent', 'SysAdmin')),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    -- An argon2id PHC string, or a bcrypt hash kept from the seed application.
    password_hash TEXT    NOT NULL CHECK (
        password_hash LIKE '$argon2id$%'
        OR (length(password_hash) = 60
            AND password_hash GLOB '$2[aby]$[0-9][0-9]$*'
            AND NOT substr(password_hash, 8) GLOB '*[^./A-Za-z0-9]*')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    is_away       INTEGER NOT NULL DEFAULT 0 CHECK (is_away IN (0, 1))
);

INSERT INTO users_new (id, username, email, role, is_active, password_hash, created_at,
                       updated_at, is_away)
SELECT id, username, email, role, is_active, password_hash, created_at, updated_at, is_away
FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_role ON users (role, is_active);
