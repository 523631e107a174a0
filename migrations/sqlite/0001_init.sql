-- tms schema, version 1.
-- Timestamps are INTEGER microseconds since the Unix epoch, UTC: compact, exact to compare
-- (a resolution date echoed back by a client must equal the stored one), and ordered.
-- Ticket status and priority are stored as their rank (0, 1, 2) so that sorting by them
-- follows the workflow and urgency, not the alphabet; tms-core maps ranks to wire strings.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Unique regardless of case: "Jane" and "jane" would be indistinguishable to people.
    username      TEXT    NOT NULL COLLATE NOCASE UNIQUE
                  CHECK (length(username) BETWEEN 3 AND 32),
    -- Stored lower-case, so plain equality is case-insensitive matching.
    email         TEXT    NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    role          TEXT    NOT NULL CHECK (role IN ('Requester', 'Helpdesk Agent', 'SysAdmin')),
    -- Deleting a user deactivates them: their tickets, comments and log entries stay.
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    -- An argon2id PHC string; never anything else.
    password_hash TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_role ON users (role, is_active);

-- AUTOINCREMENT: a ticket number is never reused, even after a deletion.
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description       TEXT    NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
    -- 0 Open, 1 In Progress, 2 Resolved
    status            INTEGER NOT NULL CHECK (status IN (0, 1, 2)),
    -- 0 Low, 1 Medium, 2 High
    priority          INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),
    creation_date     INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- Set exactly when the ticket is Resolved.
    resolution_date   INTEGER CHECK ((resolution_date IS NOT NULL) = (status = 2)),
    requester_id      INTEGER NOT NULL REFERENCES users (id),
    -- NULL means unassigned; deactivating an agent unassigns their open tickets.
    assigned_agent_id INTEGER REFERENCES users (id)
);
-- One index per list filter, each ending in the default sort so a filtered first page is a
-- range scan; id breaks ties so pages are stable.
CREATE INDEX tickets_created   ON tickets (creation_date, id);
CREATE INDEX tickets_updated   ON tickets (updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_id, creation_date, id);
CREATE INDEX tickets_agent     ON tickets (assigned_agent_id, status, creation_date, id);
CREATE INDEX tickets_status    ON tickets (status, creation_date, id);
CREATE INDEX tickets_priority  ON tickets (priority, creation_date, id);

CREATE TABLE comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Deleting a ticket deletes its thread.
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    commented_by_id INTEGER NOT NULL REFERENCES users (id),
    description     TEXT    NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
    creation_date   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);
CREATE INDEX comments_author ON comments (commented_by_id);

CREATE TABLE activity_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    activity_type TEXT    NOT NULL CHECK (activity_type IN ('Create', 'Read', 'Update', 'Delete', 'Auth')),
    details       TEXT    NOT NULL,
    activity_date INTEGER NOT NULL,
    -- Not a foreign key: the entry must outlive the ticket it speaks of.
    ticket_id     INTEGER
);
CREATE INDEX activity_log_user   ON activity_log (user_id, id);
CREATE INDEX activity_log_ticket ON activity_log (ticket_id, id);
CREATE INDEX activity_log_type   ON activity_log (activity_type, id);

-- Only the SHA-256 of a session token is stored: a database leak yields no usable token.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- Absolute expiry; idle expiry is last_seen_at plus the server's idle limit.
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Full-text index, one row per ticket (rowid = ticket id): title, description and the text of
-- all its comments. Contentless: the text lives once, in tickets and comments. The triggers
-- below keep it in step inside the same transaction as every change.
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    title, description, comments,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, title, description, comments)
    VALUES (new.id, new.title, new.description, '');
END;

CREATE TRIGGER tickets_search_update AFTER UPDATE OF title, description ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
    INSERT INTO ticket_search (rowid, title, description, comments)
    VALUES (new.id, new.title, new.description,
            coalesce((SELECT group_concat(description, char(10)) FROM comments WHERE ticket_id = new.id), ''));
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    DELETE FROM ticket_search WHERE rowid = new.ticket_id;
    INSERT INTO ticket_search (rowid, title, description, comments)
    SELECT t.id, t.title, t.description,
           coalesce((SELECT group_concat(c.description, char(10)) FROM comments c WHERE c.ticket_id = t.id), '')
    FROM tickets t WHERE t.id = new.ticket_id;
END;

CREATE TRIGGER comments_search_update AFTER UPDATE OF description ON comments BEGIN
    DELETE FROM ticket_search WHERE rowid = new.ticket_id;
    INSERT INTO ticket_search (rowid, title, description, comments)
    SELECT t.id, t.title, t.description,
           coalesce((SELECT group_concat(c.description, char(10)) FROM comments c WHERE c.ticket_id = t.id), '')
    FROM tickets t WHERE t.id = new.ticket_id;
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    DELETE FROM ticket_search WHERE rowid = old.ticket_id;
    INSERT INTO ticket_search (rowid, title, description, comments)
    SELECT t.id, t.title, t.description,
           coalesce((SELECT group_concat(c.description, char(10)) FROM comments c WHERE c.ticket_id = t.id), '')
    FROM tickets t WHERE t.id = old.ticket_id;
END;
