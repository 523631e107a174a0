-- Every search word of two or more characters is now matched as a prefix (`pass` finds
-- "password"). FTS5 answers a prefix query by merging the doclists of every term that begins
-- with it, which for a two- or three-letter prefix can be thousands of terms; prefix indexes
-- for those lengths make such a query one doclist lookup. Longer prefixes begin few terms.
-- The rebuild follows 0003; the triggers of 0005 refer to the table by name.
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5 (
    title, description, comments,
    content = '', contentless_delete = 1, detail = none, prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO ticket_search (rowid, title, description, comments)
SELECT t.id, t.title, t.description,
       coalesce((SELECT group_concat(c.description, char(10)) FROM comments c WHERE c.ticket_id = t.id), '')
FROM tickets t;

-- The index's words, for expanding a longer prefix into the words it begins: OR-ed words are
-- read lazily in the index's order, where a prefix term is merged whole first (`db::search`).
CREATE VIRTUAL TABLE ticket_search_vocab USING fts5vocab(ticket_search, row);

-- The rebuild indexed every ticket, including those still noted for indexing.
DELETE FROM search_pending;

-- The merge setting of 0004 lived in the dropped table's configuration.
INSERT INTO ticket_search (ticket_search, rank) VALUES ('usermerge', 2);
