-- The agents' tools, as SQLite's migration 0012: a fourth status, Waiting, between In Progress
-- and Resolved (ranks 0 Open, 1 In Progress, 2 Waiting, 3 Resolved); tags on tickets; internal
-- notes, comments only staff see.

-- Status ranks. The counts move with the tickets, without the per-row count trigger.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets DROP CONSTRAINT tickets_resolution_date_check;
ALTER TABLE ticket_counts DROP CONSTRAINT ticket_counts_status_check;
ALTER TABLE tickets DISABLE TRIGGER tickets_count_update;
UPDATE tickets SET status = 3 WHERE status = 2;
ALTER TABLE tickets ENABLE TRIGGER tickets_count_update;
UPDATE ticket_counts SET status = 3 WHERE status = 2;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN (0, 1, 2, 3));
ALTER TABLE tickets ADD CONSTRAINT tickets_resolution_date_check
    CHECK ((resolution_date IS NOT NULL) = (status = 3));
ALTER TABLE ticket_counts ADD CONSTRAINT ticket_counts_status_check CHECK (status IN (0, 1, 2, 3));

-- Tags: the distinct names in order (tms_core::validate::tag_set), read with the row;
-- `ticket_tags` indexes them for the list's `tag=` filter and `GET /api/v1/tags/`.
ALTER TABLE tickets ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}';

CREATE TABLE ticket_tags (
    tag       TEXT   NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, ticket_id)
);
CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_id);

CREATE FUNCTION tickets_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM ticket_tags WHERE ticket_id = NEW.id;
    END IF;
    INSERT INTO ticket_tags (tag, ticket_id) SELECT DISTINCT unnest(NEW.tags), NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_tags_insert AFTER INSERT ON tickets
    FOR EACH ROW WHEN (cardinality(NEW.tags) > 0) EXECUTE FUNCTION tickets_tags();

CREATE TRIGGER tickets_tags_update AFTER UPDATE OF tags ON tickets
    FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags) EXECUTE FUNCTION tickets_tags();

-- History records tag changes too (values: the tags separated by spaces).
ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_kind_check;
ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_kind_check
    CHECK (kind IN ('title', 'description', 'status', 'priority', 'assignee', 'resolution_date',
                    'tags'));

-- Internal notes. `doc` keeps indexing every comment, so that staff find internal notes;
-- `public_doc` is, for a ticket with internal notes only, the text a Requester may read (NULL
-- otherwise, when `doc` is that text). A Requester's search matches a ticket with notes by
-- `public_doc` alone (`store::postgres::list`).
ALTER TABLE comments ADD COLUMN is_internal BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX comments_internal ON comments (ticket_id) WHERE is_internal;
ALTER TABLE ticket_search ADD COLUMN public_doc tsvector;

-- The words of a ticket's title, description and comments (`internal`: the internal notes too).
CREATE OR REPLACE FUNCTION ticket_search_text(p_id BIGINT, p_title TEXT, p_description TEXT,
                                              internal BOOLEAN) RETURNS tsvector
LANGUAGE plpgsql STABLE AS $$
DECLARE
    body TEXT := concat_ws(E'\n', p_title, p_description,
                           (SELECT string_agg(c.description, E'\n' ORDER BY c.id)
                            FROM comments c
                            WHERE c.ticket_id = p_id AND (internal OR NOT c.is_internal)));
BEGIN
    IF length(body) <= 100000 THEN
        RETURN ticket_search_words(body);
    END IF;
    BEGIN
        RETURN ticket_search_words(body);
    EXCEPTION WHEN program_limit_exceeded THEN
        RETURN ticket_search_words(left(body, 100000));
    END;
END
$$;

CREATE OR REPLACE FUNCTION ticket_search_doc(p_id BIGINT, p_title TEXT, p_description TEXT)
RETURNS tsvector
LANGUAGE sql STABLE
RETURN ticket_search_text(p_id, p_title, p_description, TRUE);

-- NULL unless the ticket has internal notes.
CREATE FUNCTION ticket_search_public_doc(p_id BIGINT, p_title TEXT, p_description TEXT)
RETURNS tsvector
LANGUAGE sql STABLE
RETURN CASE WHEN EXISTS (SELECT 1 FROM comments c WHERE c.ticket_id = p_id AND c.is_internal)
            THEN ticket_search_text(p_id, p_title, p_description, FALSE) END;

CREATE OR REPLACE FUNCTION ticket_search_refresh(p_id BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM tickets WHERE id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;  -- the ticket is being deleted: its index row goes with it
    END IF;
    INSERT INTO ticket_search (ticket_id, doc, public_doc)
    SELECT t.id, ticket_search_doc(t.id, t.title, t.description),
           ticket_search_public_doc(t.id, t.title, t.description)
    FROM tickets t WHERE t.id = p_id
    ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc, public_doc = EXCLUDED.public_doc;
END
$$;

CREATE OR REPLACE FUNCTION tickets_search_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_search (ticket_id, doc, public_doc)
    VALUES (NEW.id, ticket_search_doc(NEW.id, NEW.title, NEW.description),
            ticket_search_public_doc(NEW.id, NEW.title, NEW.description))
    ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc, public_doc = EXCLUDED.public_doc;
    RETURN NULL;
END
$$;
