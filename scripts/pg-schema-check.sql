-- Checks of the PostgreSQL schema (migrations/postgres/0001_init.sql), run against a database it was loaded into.
-- Not a migration: it changes nothing (everything is rolled back) and fails at the first
-- check that does not hold.
--   psql -X -v ON_ERROR_STOP=1 -f scripts/pg-schema-check.sql "$DATABASE_URL"
\set ON_ERROR_STOP 1
\set QUIET 1
\o /dev/null
BEGIN;

CREATE FUNCTION pg_temp.expect(ok BOOLEAN, what TEXT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'check failed: %', what;
    END IF;
END
$$;

-- Runs `stmt`, which must fail with SQLSTATE `state` (and, if given, name `cname`).
CREATE FUNCTION pg_temp.refused(stmt TEXT, state TEXT, cname TEXT DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    got_state TEXT;
    got_name TEXT;
BEGIN
    BEGIN
        EXECUTE stmt;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS got_state = RETURNED_SQLSTATE, got_name = CONSTRAINT_NAME;
        IF got_state <> state OR (cname IS NOT NULL AND got_name IS DISTINCT FROM cname) THEN
            RAISE EXCEPTION 'check failed: % gave % (%), expected % (%)',
                stmt, got_state, got_name, state, cname;
        END IF;
        RETURN;
    END;
    RAISE EXCEPTION 'check failed: accepted: %', stmt;
END
$$;

-- The tickets a search finds (a tsquery of the tms_search configuration), in id order.
CREATE FUNCTION pg_temp.found(q TEXT) RETURNS BIGINT[]
LANGUAGE sql AS $$
    SELECT coalesce(array_agg(ticket_id ORDER BY ticket_id), '{}')
    FROM ticket_search WHERE doc @@ to_tsquery('tms_search', q)
$$;

-- Whether ticket_counts holds exactly the counts of tickets (summed over slots, buckets at 0
-- aside).
CREATE FUNCTION pg_temp.counts_agree() RETURNS BOOLEAN
LANGUAGE sql AS $$
    SELECT NOT EXISTS (
        (SELECT status, priority, assigned_agent_id, sum(n)::BIGINT FROM ticket_counts
         GROUP BY 1, 2, 3 HAVING sum(n) <> 0
         EXCEPT
         SELECT status, priority, coalesce(assigned_agent_id, 0), count(*) FROM tickets GROUP BY 1, 2, 3)
        UNION ALL
        (SELECT status, priority, coalesce(assigned_agent_id, 0), count(*) FROM tickets GROUP BY 1, 2, 3
         EXCEPT
         SELECT status, priority, assigned_agent_id, sum(n)::BIGINT FROM ticket_counts
         GROUP BY 1, 2, 3 HAVING sum(n) <> 0))
$$;

-- Users, with explicit ids as a copy inserts them, then the sequence set past them.
INSERT INTO users (id, username, email, role, password_hash, created_at, updated_at) VALUES
    (1, 'admin', 'admin@example.com', 'SysAdmin', '$argon2id$v=19$x', 1, 1),
    (2, 'Agent.One', 'one@example.com', 'Helpdesk Agent', '$argon2id$v=19$x', 1, 1),
    (3, 'agent2', 'two@example.com', 'Helpdesk Agent', '$argon2id$v=19$x', 1, 1),
    (4, 'jane', 'jane@example.com', 'Requester', '$argon2id$v=19$x', 1, 1);
SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users;
INSERT INTO users (username, email, role, password_hash, created_at, updated_at)
VALUES ('loner', 'loner@example.com', 'Requester', '$argon2id$v=19$x', 2, 2);
SELECT pg_temp.expect((SELECT id = 5 AND is_active FROM users WHERE username = 'loner'),
                      'identity continues after setval; is_active defaults to true');

INSERT INTO tickets (id, title, description, status, priority, creation_date, updated_at,
                     resolution_date, requester_id, assigned_agent_id) VALUES
    (1, 'Printer jams on floor 3', 'The laser printer in room B-12 makes a grinding noise',
     0, 2, 10, 10, NULL, 4, NULL),
    (2, 'Pächter café login', 'jane@example.com cannot log in since the update to v2.3.1',
     1, 1, 20, 20, NULL, 4, 2),
    (3, 'naïve user—Привет', 'Ünïcode ÆSIR straße e-mail', 3, 0, 30, 30, 31, 4, 2),
    (4, 'VPN drops', 'Every hour or so', 0, 2, 40, 40, NULL, 4, NULL),
    (5, 'Monitor flickers', 'Since Monday', 0, 0, 50, 50, NULL, 1, 3);
SELECT setval(pg_get_serial_sequence('tickets', 'id'), 5);
INSERT INTO tickets (title, description, status, priority, creation_date, updated_at,
                     requester_id, assigned_agent_id)
SELECT 'Bulk ' || i, 'Filed in bulk number ' || i, i % 2, i % 3, 100 + i, 100 + i, 4,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 2 + i % 2 END
FROM generate_series(1, 200) AS i;
SELECT pg_temp.expect((SELECT max(id) = 205 FROM tickets), 'ticket ids continue after setval');
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts after inserts');
SELECT pg_temp.expect((SELECT count(*) = 205 FROM ticket_search), 'every ticket is indexed');

INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at) VALUES
    (1, 2, 'Replaced the toner cartridge', 11, 11),
    (1, 4, 'Still jamming after the toner swap', 12, 12),
    (4, 3, 'Ask about the Wi-Fi dongle', 41, 41);
INSERT INTO ticket_history (ticket_id, at, actor_id, kind, old_value, new_value)
VALUES (1, 13, 2, 'status', 'Open', 'In Progress');
INSERT INTO activity_log (user_id, activity_type, details, activity_date, ticket_id)
VALUES (4, 'Create', 'created ticket 1', 10, 1);
INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at)
VALUES (4, '\x0102', 1, 1, 100), (5, '\x0304', 1, 1, 100);
INSERT INTO server_keys (name, value) VALUES ('device_key', '\xdeadbeef');
INSERT INTO login_failures (key, at) VALUES ('address:127.0.0.1', 5);

-- Search: words of a title, of a description and of a comment, by prefix.
SELECT pg_temp.expect(pg_temp.found('print:*') = '{1}', 'title word by prefix');
SELECT pg_temp.expect(pg_temp.found('grind:*') = '{1}', 'description word by prefix');
SELECT pg_temp.expect(pg_temp.found('ton:*') = '{1}', 'comment word by prefix');
SELECT pg_temp.expect(pg_temp.found('dong:*') = '{4}', 'comment word by prefix');
SELECT pg_temp.expect(pg_temp.found('PRINT:* & jam:*') = '{1}', 'words ANDed, any case');
SELECT pg_temp.expect(pg_temp.found('bulk:* & 17') = '{22}', 'a whole word');
SELECT pg_temp.expect(pg_temp.found('print:* & dong:*') = '{}', 'AND of two tickets');
SELECT pg_temp.expect(pg_temp.found('printerz:*') = '{}', 'no such word');
-- Diacritics and case folded on both sides, punctuation splits words.
SELECT pg_temp.expect(pg_temp.found('pach:*') = '{2}', 'Pächter by pach');
SELECT pg_temp.expect(pg_temp.found('pä:*') = '{2}', 'Pächter by pä');
SELECT pg_temp.expect(pg_temp.found('cafe:*') = '{2}', 'café by cafe');
SELECT pg_temp.expect(pg_temp.found('naive') = '{3}', 'naïve by naive');
SELECT pg_temp.expect(pg_temp.found('unicode:*') = '{3}', 'Ünïcode by unicode');
SELECT pg_temp.expect(pg_temp.found('strasse') = '{3}', 'straße by strasse');
SELECT pg_temp.expect(pg_temp.found('straß:*') = '{3}', 'straße by straß');
SELECT pg_temp.expect(pg_temp.found('mail') = '{3}', 'e-mail is e and mail');
SELECT pg_temp.expect(pg_temp.found('example:* & jane') = '{2}', 'an address is words');
SELECT pg_temp.expect(pg_temp.found('v2 & 3 & 1') = '{2}', 'a version is words');
SELECT pg_temp.expect(pg_temp.found('12 & b') = '{1}', 'B-12 is b and 12');
SELECT pg_temp.expect(pg_temp.found('wi:* & fi') = '{4}', 'Wi-Fi is wi and fi');
SELECT pg_temp.expect(
    current_setting('lc_ctype') = 'C' OR pg_temp.found('привет:*') = '{3}',
    'Привет by привет (with a UTF-8 LC_CTYPE)');
SELECT pg_temp.expect(
    current_setting('lc_ctype') = 'C' OR pg_temp.found('user & привет') = '{3}',
    'an em dash separates words (with a UTF-8 LC_CTYPE)');
SELECT pg_temp.expect(
    (SELECT doc = strip(doc) FROM ticket_search WHERE ticket_id = 1), 'no positions are kept');

-- The index can serve a prefix search.
CREATE FUNCTION pg_temp.plan(q TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    line TEXT;
    plan TEXT := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$$;
SET LOCAL enable_seqscan = off;
SELECT pg_temp.expect(
    pg_temp.plan($$SELECT ticket_id FROM ticket_search WHERE doc @@ to_tsquery('tms_search', 'print:*')$$)
        LIKE '%ticket_search_gin%',
    'the GIN index serves a prefix search');
RESET enable_seqscan;

-- Comments edited and deleted: the index follows.
UPDATE comments SET description = 'Replaced the drum unit' WHERE ticket_id = 1 AND commented_by_id = 2;
SELECT pg_temp.expect(pg_temp.found('drum:*') = '{1}', 'edited comment: new word');
SELECT pg_temp.expect(pg_temp.found('cartrid:*') = '{}', 'edited comment: old word gone');
SELECT pg_temp.expect(pg_temp.found('swap') = '{1}', 'other comments stay indexed');
DELETE FROM comments WHERE ticket_id = 1 AND description LIKE 'Still%';
SELECT pg_temp.expect(pg_temp.found('swap:*') = '{}', 'deleted comment: not found');
SELECT pg_temp.expect(pg_temp.found('drum') = '{1}', 'remaining comment: found');
SELECT pg_temp.expect(pg_temp.found('print:*') = '{1}', 'title still found');

-- Title changes re-index; status or assignee changes leave the index row alone.
CREATE TEMP TABLE before AS SELECT ctid AS c FROM ticket_search WHERE ticket_id = 4;
UPDATE tickets SET status = 1, assigned_agent_id = 3, updated_at = 45 WHERE id = 4;
SELECT pg_temp.expect((SELECT ctid = (SELECT c FROM before) FROM ticket_search WHERE ticket_id = 4),
                      'a status change does not rewrite the index row');
UPDATE tickets SET title = title, description = description WHERE id = 4;
SELECT pg_temp.expect((SELECT ctid = (SELECT c FROM before) FROM ticket_search WHERE ticket_id = 4),
                      'an unchanged title does not rewrite the index row');
UPDATE tickets SET title = 'VPN disconnects' WHERE id = 4;
SELECT pg_temp.expect(pg_temp.found('disconn:*') = '{4}', 'new title found');
SELECT pg_temp.expect(pg_temp.found('drops') = '{}', 'old title gone');
SELECT pg_temp.expect(pg_temp.found('dongle') = '{4}', 'comments kept on a title change');

-- Counts follow updates (one row, many rows, to and from unassigned) and deletes.
UPDATE tickets SET status = 3, resolution_date = 60, updated_at = 60 WHERE id = 1;
UPDATE tickets SET status = 2 WHERE id = 5;
UPDATE tickets SET priority = 0 WHERE id BETWEEN 10 AND 60;
UPDATE tickets SET assigned_agent_id = NULL WHERE assigned_agent_id = 3 AND status IN (0, 1, 2);
UPDATE tickets SET assigned_agent_id = 2 WHERE id = 8;
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts after updates');
DELETE FROM tickets WHERE id BETWEEN 100 AND 150;
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts after deletes');
SELECT pg_temp.expect(pg_typeof((SELECT sum(n) FROM ticket_counts))::TEXT = 'bigint',
                      'sum(n) is a bigint');
SELECT pg_temp.expect((SELECT sum(n) FROM ticket_counts) = (SELECT count(*) FROM tickets),
                      'total of all counts');
SELECT pg_temp.expect((SELECT sum(n) FROM ticket_counts WHERE assigned_agent_id = 0)
                      = (SELECT count(*) FROM tickets WHERE assigned_agent_id IS NULL),
                      'unassigned tickets are counted under 0');

-- Counts in several slots (as several connections leave them, one slot each) fold into one.
UPDATE ticket_counts SET slot = (slot + 1) % 16 WHERE status = 0;
UPDATE tickets SET status = 1 WHERE id BETWEEN 2 AND 5 AND status = 0;
UPDATE tickets SET priority = 2 WHERE id BETWEEN 6 AND 9;
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts spread over slots');
SELECT ticket_counts_fold();
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts after a fold');
SELECT pg_temp.expect((SELECT count(*) = 0 FROM ticket_counts WHERE slot <> 0 OR n = 0),
                      'a fold leaves one non-empty row per bucket');

-- Deleting a ticket takes its comments, history and index row; its log entries stay.
DELETE FROM tickets WHERE id = 1;
SELECT pg_temp.expect((SELECT count(*) = 0 FROM comments WHERE ticket_id = 1), 'comments cascade');
SELECT pg_temp.expect((SELECT count(*) = 0 FROM ticket_history WHERE ticket_id = 1),
                      'history cascades');
SELECT pg_temp.expect((SELECT count(*) = 0 FROM ticket_search WHERE ticket_id = 1),
                      'index row cascades');
SELECT pg_temp.expect((SELECT count(*) = 1 FROM activity_log WHERE ticket_id = 1), 'log stays');
SELECT pg_temp.expect(pg_temp.found('drum') = '{}', 'a deleted ticket is not found');
SELECT pg_temp.expect(pg_temp.counts_agree(), 'counts after a cascade');
-- Users: deleting one with tickets is refused; sessions go with their user.
SELECT pg_temp.refused('DELETE FROM users WHERE id = 4', '23503');
DELETE FROM users WHERE id = 5;
SELECT pg_temp.expect((SELECT count(*) = 1 FROM sessions), 'sessions cascade');

-- Constraints refuse what SQLite's refuse.
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('t', 'd', 4, 0, 1, 1, 4)$$, '23514', 'tickets_status_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('t', 'd', 0, -1, 1, 1, 4)$$, '23514', 'tickets_priority_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('t', 'd', 3, 0, 1, 1, 4)$$, '23514', 'tickets_resolution_date_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, resolution_date, requester_id) VALUES ('t', 'd', 1, 0, 1, 1, 5, 4)$$, '23514', 'tickets_resolution_date_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('', 'd', 0, 0, 1, 1, 4)$$, '23514', 'tickets_title_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES (repeat('x', 201), 'd', 0, 0, 1, 1, 4)$$, '23514', 'tickets_title_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('t', repeat('d', 20001), 0, 0, 1, 1, 4)$$, '23514', 'tickets_description_check');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id) VALUES ('t', 'd', 0, 0, 1, 1, 99)$$, '23503');
SELECT pg_temp.refused($$INSERT INTO tickets (title, description, status, priority, creation_date, updated_at, requester_id, assigned_agent_id) VALUES ('t', 'd', 0, 0, 1, 1, 4, 99)$$, '23503');
SELECT pg_temp.refused($$UPDATE tickets SET status = 3 WHERE id = 2$$, '23514', 'tickets_resolution_date_check');
SELECT pg_temp.refused($$UPDATE tickets SET resolution_date = 5 WHERE id = 5$$, '23514', 'tickets_resolution_date_check');
SELECT pg_temp.refused($$INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at) VALUES (9999, 2, 'x', 1, 1)$$, '23503');
SELECT pg_temp.refused($$INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at) VALUES (2, 2, '', 1, 1)$$, '23514', 'comments_description_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('ab', 'ab@example.com', 'Requester', '$argon2id$x', 1, 1)$$, '23514', 'users_username_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('abc', 'Abc@example.com', 'Requester', '$argon2id$x', 1, 1)$$, '23514', 'users_email_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('abc', 'abc.example.com', 'Requester', '$argon2id$x', 1, 1)$$, '23514', 'users_email_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('abc', 'abc@example.com', 'Admin', '$argon2id$x', 1, 1)$$, '23514', 'users_role_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('abc', 'abc@example.com', 'Requester', '$2b$12$x', 1, 1)$$, '23514', 'users_password_hash_check');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('abc', 'jane@example.com', 'Requester', '$argon2id$x', 1, 1)$$, '23505', 'users_email_key');
SELECT pg_temp.refused($$INSERT INTO users (username, email, role, password_hash, created_at, updated_at) VALUES ('AGENT.one', 'abc@example.com', 'Requester', '$argon2id$x', 1, 1)$$, '23505', 'users_username_key');
SELECT pg_temp.refused($$UPDATE users SET username = 'JANE' WHERE id = 1$$, '23505', 'users_username_key');
SELECT pg_temp.refused($$INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (1, '\x0102', 1, 1, 1)$$, '23505', 'sessions_token_hash_key');
SELECT pg_temp.refused($$INSERT INTO activity_log (user_id, activity_type, details, activity_date) VALUES (1, 'Login', 'x', 1)$$, '23514', 'activity_log_activity_type_check');
SELECT pg_temp.refused($$INSERT INTO ticket_history (ticket_id, at, actor_id, kind) VALUES (2, 1, 1, 'requester')$$, '23514', 'ticket_history_kind_check');
SELECT pg_temp.refused($$INSERT INTO ticket_counts (status, priority, assigned_agent_id, slot, n) VALUES (0, 0, 0, 16, 1)$$, '23514', 'ticket_counts_slot_check');
SELECT pg_temp.refused($$INSERT INTO server_keys (name, value) VALUES ('device_key', '\x00')$$, '23505', 'server_keys_pkey');
SELECT pg_temp.expect((SELECT count(*) = 1 FROM users WHERE lower(username) = lower('AGENT.ONE')),
                      'usernames match regardless of case');

-- A thread past a tsvector's 1 MB of distinct words still takes comments; the ticket is then
-- indexed by the start of its text. (The index trigger is off for all but the last comment,
-- which re-indexes the whole thread: one pass over it instead of sixty.)
ALTER TABLE comments DISABLE TRIGGER comments_search_insert;
INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at)
SELECT 2, 2, (SELECT string_agg(md5(i::TEXT || '-' || j::TEXT), ' ')
              FROM generate_series(1, 600) AS j), 70 + i, 70 + i
FROM generate_series(1, 59) AS i;
ALTER TABLE comments ENABLE TRIGGER comments_search_insert;
INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at)
SELECT 2, 2, (SELECT string_agg(md5('60-' || j::TEXT), ' ') FROM generate_series(1, 600) AS j),
       130, 130;
SELECT pg_temp.expect(pg_temp.found('pach:*') = '{2}', 'a huge ticket keeps its title');
SELECT pg_temp.expect(pg_temp.found(md5('1-1')) = '{2}', 'and the start of its thread');
SELECT pg_temp.expect(pg_temp.found(md5('60-600')) = '{}', 'but not all of it');
DELETE FROM comments WHERE ticket_id = 2 AND creation_date > 70;
SELECT pg_temp.expect(pg_temp.found(md5('1-1')) = '{}', 'its comments deleted, back to normal');

-- Tags: ticket_tags follows the column through inserts, changes and deletes (migration 0005).
INSERT INTO tickets (id, title, description, status, priority, creation_date, updated_at,
                     requester_id, tags)
VALUES (300, 'Tagged', 'd', 2, 0, 300, 300, 4, '{network,vpn}');
SELECT pg_temp.expect((SELECT array_agg(tag ORDER BY tag) FROM ticket_tags WHERE ticket_id = 300)
                      = '{network,vpn}', 'tags of a new ticket');
UPDATE tickets SET tags = '{vpn,wifi}' WHERE id = 300;
SELECT pg_temp.expect((SELECT array_agg(tag ORDER BY tag) FROM ticket_tags WHERE ticket_id = 300)
                      = '{vpn,wifi}', 'tags replaced');
UPDATE tickets SET title = 'Tagged still' WHERE id = 300;
SELECT pg_temp.expect((SELECT count(*) = 2 FROM ticket_tags WHERE ticket_id = 300),
                      'other changes leave tags alone');
DELETE FROM tickets WHERE id = 300;
SELECT pg_temp.expect((SELECT count(*) = 0 FROM ticket_tags WHERE ticket_id = 300),
                      'tags go with their ticket');

-- Internal notes: in the index staff search, never in the text a Requester's search reads.
SELECT pg_temp.expect((SELECT public_doc IS NULL FROM ticket_search WHERE ticket_id = 4),
                      'a ticket without notes has no separate public text');
INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at,
                      is_internal)
VALUES (4, 2, 'zanzibar escalation', 140, 140, TRUE);
SELECT pg_temp.expect(pg_temp.found('zanzibar') = '{4}', 'staff find an internal note');
SELECT pg_temp.expect((SELECT public_doc IS NOT NULL AND NOT public_doc @@ 'zanzibar'::tsquery
                              AND public_doc @@ 'dongle'::tsquery
                       FROM ticket_search WHERE ticket_id = 4),
                      'the public text of a ticket with notes has its comments, not its notes');
DELETE FROM comments WHERE ticket_id = 4 AND is_internal;
SELECT pg_temp.expect((SELECT public_doc IS NULL FROM ticket_search WHERE ticket_id = 4),
                      'its last note deleted, the public text goes');

ROLLBACK;
\o
\echo pg-schema-check.sql: all checks passed
