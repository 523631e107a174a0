-- The full-text index is brought up to date once per group commit instead of inside each write.
-- FTS5 writes the terms it holds in memory out as a new index segment at every savepoint, and
-- the writer runs each write in a savepoint of its own: indexing inside the write made a
-- segment per ticket, and a fifth of the writer's time went to writing and merging them. The
-- triggers now only note which tickets to index again; the writer indexes them after the
-- batch's writes, in the same transaction (see `db::index_pending`).
CREATE TABLE search_pending (
    ticket_id INTEGER PRIMARY KEY,
    -- 1 for a ticket filed in this transaction: it has no index row to remove yet.
    is_new    INTEGER NOT NULL CHECK (is_new IN (0, 1))
);

DROP TRIGGER tickets_search_insert;
DROP TRIGGER tickets_search_update;
DROP TRIGGER tickets_search_delete;
DROP TRIGGER comments_search_insert;
DROP TRIGGER comments_search_update;
DROP TRIGGER comments_search_delete;

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.id, 1);
END;

CREATE TRIGGER tickets_search_update AFTER UPDATE OF title, description ON tickets BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.id, 0);
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (old.id, 0);
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.ticket_id, 0);
END;

CREATE TRIGGER comments_search_update AFTER UPDATE OF description ON comments BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.ticket_id, 0);
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (old.ticket_id, 0);
END;
