-- The agents' tools (docs/API.md, "Waiting", "Tags", "Internal notes"):
--   * a fourth status, Waiting (on the customer), between In Progress and Resolved in the
--     workflow, so status ranks are now 0 Open, 1 In Progress, 2 Waiting, 3 Resolved;
--   * tags on tickets;
--   * internal notes: comments only staff see.
--
-- SQLite cannot change a CHECK constraint in place, so `tickets`, `ticket_counts` and
-- `ticket_history` are rebuilt (https://www.sqlite.org/lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"). The migration runner turns foreign keys off around every
-- migration and checks them before committing (`store::sqlite::migrate::apply`): with them on,
-- dropping the old `tickets` would delete every comment and history row through ON DELETE
-- CASCADE.

CREATE TABLE tickets_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description       TEXT    NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
    -- 0 Open, 1 In Progress, 2 Waiting, 3 Resolved
    status            INTEGER NOT NULL CHECK (status IN (0, 1, 2, 3)),
    -- 0 Low, 1 Medium, 2 High
    priority          INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),
    creation_date     INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- Set exactly when the ticket is Resolved.
    resolution_date   INTEGER CHECK ((resolution_date IS NOT NULL) = (status = 3)),
    requester_id      INTEGER NOT NULL REFERENCES users (id),
    -- NULL means unassigned; deactivating an agent unassigns their open tickets.
    assigned_agent_id INTEGER REFERENCES users (id),
    version           INTEGER NOT NULL DEFAULT 1,
    -- The tags, a JSON array of distinct names in order (tms_core::validate::tag_set). Read
    -- with the row; `ticket_tags` below indexes them for filters and counts.
    tags              TEXT    NOT NULL DEFAULT '[]' CHECK (json_type(tags) = 'array')
);

INSERT INTO tickets_new (id, title, description, status, priority, creation_date, updated_at,
                         resolution_date, requester_id, assigned_agent_id, version)
SELECT id, title, description, CASE status WHEN 2 THEN 3 ELSE status END, priority,
       creation_date, updated_at, resolution_date, requester_id, assigned_agent_id, version
FROM tickets;

-- A ticket number is never reused: carry over the highest number ever given out, which is
-- above the highest one left when the newest tickets were deleted.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'tickets_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tickets_new');
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0))
WHERE name = 'tickets_new';

DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;

CREATE INDEX tickets_created   ON tickets (creation_date, id);
CREATE INDEX tickets_updated   ON tickets (updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_id, creation_date, id);
CREATE INDEX tickets_agent     ON tickets (assigned_agent_id, status, creation_date, id);
CREATE INDEX tickets_status    ON tickets (status, creation_date, id);
CREATE INDEX tickets_priority  ON tickets (priority, creation_date, id);

-- The search triggers of migrations 0005 and 0007, which went with the old table.
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.id, 1);
END;

CREATE TRIGGER tickets_search_update AFTER UPDATE OF title, description ON tickets
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.id, 0);
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (old.id, 0);
END;

-- The counts of migration 0002, with the new ranks.
DROP TABLE ticket_counts;
CREATE TABLE ticket_counts (
    status            INTEGER NOT NULL CHECK (status IN (0, 1, 2, 3)),
    priority          INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),
    assigned_agent_id INTEGER NOT NULL,
    n                 INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (status, priority, assigned_agent_id)
) WITHOUT ROWID;

INSERT INTO ticket_counts (status, priority, assigned_agent_id, n)
SELECT status, priority, coalesce(assigned_agent_id, 0), count(*) FROM tickets GROUP BY 1, 2, 3;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (status, priority, assigned_agent_id, n)
    VALUES (new.status, new.priority, coalesce(new.assigned_agent_id, 0), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE status = old.status AND priority = old.priority
      AND assigned_agent_id = coalesce(old.assigned_agent_id, 0);
END;

CREATE TRIGGER tickets_count_update AFTER UPDATE OF status, priority, assigned_agent_id ON tickets
WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority
  OR old.assigned_agent_id IS NOT new.assigned_agent_id
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE status = old.status AND priority = old.priority
      AND assigned_agent_id = coalesce(old.assigned_agent_id, 0);
    INSERT INTO ticket_counts (status, priority, assigned_agent_id, n)
    VALUES (new.status, new.priority, coalesce(new.assigned_agent_id, 0), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Tags, one row per tag of a ticket, kept from `tickets.tags` by the triggers below: the list's
-- `tag=` filter is a range of this primary key, and `GET /api/v1/tags/` counts it.
CREATE TABLE ticket_tags (
    tag       TEXT    NOT NULL,
    ticket_id INTEGER NOT NULL,
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_id);

CREATE TRIGGER tickets_tags_insert AFTER INSERT ON tickets WHEN new.tags <> '[]' BEGIN
    INSERT INTO ticket_tags (tag, ticket_id) SELECT value, new.id FROM json_each(new.tags);
END;

CREATE TRIGGER tickets_tags_update AFTER UPDATE OF tags ON tickets
WHEN old.tags IS NOT new.tags BEGIN
    DELETE FROM ticket_tags WHERE ticket_id = new.id;
    INSERT INTO ticket_tags (tag, ticket_id) SELECT value, new.id FROM json_each(new.tags);
END;

CREATE TRIGGER tickets_tags_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_tags WHERE ticket_id = old.id;
END;

-- History: tag changes are recorded too.
CREATE TABLE ticket_history_new (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    actor_id  INTEGER NOT NULL REFERENCES users (id),
    kind      TEXT NOT NULL CHECK (kind IN ('title', 'description', 'status', 'priority',
                                            'assignee', 'resolution_date', 'tags')),
    -- Values as text: wire strings for status and priority, the user id for an assignee,
    -- microseconds for a resolution date, the tags separated by spaces; NULL for none.
    old_value TEXT,
    new_value TEXT
);
INSERT INTO ticket_history_new SELECT * FROM ticket_history;
DROP TABLE ticket_history;
ALTER TABLE ticket_history_new RENAME TO ticket_history;
CREATE INDEX ticket_history_by_field ON ticket_history (ticket_id, kind, id);

-- Internal notes. The full-text index (`ticket_search`) keeps indexing every comment, so that
-- staff find internal notes; `public_search` indexes, for the tickets that have internal
-- notes only, the text a Requester may read. A Requester's search matches a ticket with
-- notes through `public_search` alone (`store::sqlite::tickets`, `filters`). The writer
-- keeps both up to date from `search_pending` (`store::sqlite::writer::index_pending`).
ALTER TABLE comments ADD COLUMN is_internal INTEGER NOT NULL DEFAULT 0 CHECK (is_internal IN (0, 1));
CREATE INDEX comments_internal ON comments (ticket_id) WHERE is_internal = 1;

CREATE VIRTUAL TABLE public_search USING fts5 (
    title, description, comments,
    content = '', contentless_delete = 1, detail = none,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO public_search (public_search, rank) VALUES ('usermerge', 2);
