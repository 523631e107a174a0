-- Let the server's idle-time maintenance merge the full-text index as soon as two of its
-- segments share a level. Every write transaction adds a small segment, and a search looks a
-- term up in each: after a burst of writes a million-ticket index had 21 segments and a
-- one-ticket search took 15 times as long as on a merged index. The writer thread runs
-- `merge` steps while no write is waiting (see `db::writer_loop`); this sets how eagerly.
INSERT INTO ticket_search (ticket_search, rank) VALUES ('usermerge', 2);
