-- Rebuild the full-text index with detail=none: it stores which tickets hold a term, not where.
-- Searches are ANDs of single-word terms (the server splits what users type into words), which
-- need nothing more, and counting the matches of a common term then walks a doclist a fraction
-- of the size.
-- The triggers of 0001 refer to the table by name and keep working on the new one.
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5 (
    title, description, comments,
    content = '', contentless_delete = 1, detail = none,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO ticket_search (rowid, title, description, comments)
SELECT t.id, t.title, t.description,
       coalesce((SELECT group_concat(c.description, char(10)) FROM comments c WHERE c.ticket_id = t.id), '')
FROM tickets t;
