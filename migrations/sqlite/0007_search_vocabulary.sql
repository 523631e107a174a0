-- Every search word of two or more characters is now matched as a prefix (`pass` finds
-- "password"). FTS5 answers a prefix term by merging the doclists of every word it begins before
-- the first row comes out; a list of those words, OR-ed, is read lazily in the index's order.
-- The server expands a prefix into the words it begins from the index's vocabulary
-- (`db::search`). Prefix indexes (`prefix = '2 3'`) were measured as the alternative for short
-- prefixes: they made every write that indexes a ticket a fifth slower (BENCHMARKS.md).
CREATE VIRTUAL TABLE ticket_search_vocab USING fts5vocab(ticket_search, row);

-- A ticket is indexed again only when its title or description really changed: a change of
-- status or assignee (which sets every column) no longer rewrites its index rows, nor does a
-- comment edit that leaves the text as it was.
DROP TRIGGER tickets_search_update;
CREATE TRIGGER tickets_search_update AFTER UPDATE OF title, description ON tickets
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.id, 0);
END;

DROP TRIGGER comments_search_update;
CREATE TRIGGER comments_search_update AFTER UPDATE OF description ON comments
WHEN old.description IS NOT new.description BEGIN
    INSERT OR IGNORE INTO search_pending (ticket_id, is_new) VALUES (new.ticket_id, 0);
END;
