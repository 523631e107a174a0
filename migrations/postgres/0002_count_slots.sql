-- Ticket counts in slots: creations no longer take turns on one counter row.
--
-- Every ticket created Open, Medium and unassigned added 1 to the same ticket_counts row,
-- whose lock its transaction then held until it committed (its WAL flushed): creations
-- across every server went one at a time. Now each connection adds to its own slot of a
-- bucket (its backend's process id modulo 16), so concurrent transactions on different
-- connections touch different rows and commit together. A bucket's count is the sum of its
-- slots; a slot may go negative (a ticket counted in one slot and moved out through another),
-- the sum never does. ticket_counts_fold() moves the other slots back into slot 0, so the
-- table stays near one row per bucket; the server runs it every minute.
--
-- Writers rarely wait for each other on counts: a transaction uses its connection's slot, and
-- two connections share one only when their process ids do modulo 16. When they do, a
-- statement that changes many tickets at once (unassigning a deactivated agent's) takes its
-- buckets in row order and may deadlock with another change in the same slot; PostgreSQL then
-- fails one of the two transactions, answered 429 with Retry-After (nothing written; send it again).

ALTER TABLE ticket_counts DROP CONSTRAINT ticket_counts_pkey;
ALTER TABLE ticket_counts DROP CONSTRAINT ticket_counts_n_check;
ALTER TABLE ticket_counts
    ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0 CHECK (slot BETWEEN 0 AND 15);
ALTER TABLE ticket_counts ADD PRIMARY KEY (status, priority, assigned_agent_id, slot);

-- Adds `delta` to one bucket, in this connection's slot. (PL/pgSQL keeps the statement's plan
-- for the session; an SQL-language function called from a trigger is planned at every call.)
CREATE OR REPLACE FUNCTION ticket_counts_add(p_status BIGINT, p_priority BIGINT, p_agent BIGINT,
                                             p_delta INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts AS c (status, priority, assigned_agent_id, slot, n)
    VALUES (p_status, p_priority, p_agent, pg_backend_pid() % 16, p_delta)
    ON CONFLICT (status, priority, assigned_agent_id, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
END
$$;

-- Inserts: once per row, one upsert (the application inserts one ticket at a time, and a
-- statement-level trigger's transition table cost twice this per ticket, measured). Bulk
-- loads turn it off inside their transaction and count once at the end (see the
-- migrate-to-postgres copy and the data generator).
DROP TRIGGER tickets_count_insert ON tickets;

CREATE FUNCTION tickets_count_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts AS c (status, priority, assigned_agent_id, slot, n)
    VALUES (NEW.status, NEW.priority, coalesce(NEW.assigned_agent_id, 0), pg_backend_pid() % 16, 1)
    ON CONFLICT (status, priority, assigned_agent_id, slot) DO UPDATE SET n = c.n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_count_insert();

-- Deletes: once per statement, one statement for every bucket it touched, in key order.
CREATE OR REPLACE FUNCTION tickets_count_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts AS c (status, priority, assigned_agent_id, slot, n)
    SELECT status, priority, coalesce(assigned_agent_id, 0), pg_backend_pid() % 16,
           -count(*)::INTEGER
    FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (status, priority, assigned_agent_id, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

-- Moves every slot but 0 into slot 0, skipping rows a transaction holds (they are folded next
-- time). Meant to run under a short lock_timeout: it gives way to writers rather than wait.
CREATE FUNCTION ticket_counts_fold() RETURNS void
LANGUAGE sql AS $$
    WITH taken AS (
        SELECT status, priority, assigned_agent_id, slot FROM ticket_counts
        WHERE slot <> 0
        ORDER BY status, priority, assigned_agent_id, slot
        FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM ticket_counts c USING taken t
        WHERE (c.status, c.priority, c.assigned_agent_id, c.slot)
            = (t.status, t.priority, t.assigned_agent_id, t.slot)
        RETURNING c.status, c.priority, c.assigned_agent_id, c.n
    )
    INSERT INTO ticket_counts AS c (status, priority, assigned_agent_id, slot, n)
    SELECT status, priority, assigned_agent_id, 0, sum(n)::INTEGER FROM moved
    GROUP BY status, priority, assigned_agent_id
    ORDER BY status, priority, assigned_agent_id
    ON CONFLICT (status, priority, assigned_agent_id, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
    DELETE FROM ticket_counts WHERE n = 0;
$$;
