-- Ticket counts per (status, priority, assignee), kept by triggers in the same transaction as
-- every change, so a list's `total` is a sum over a few hundred rows instead of a count over a
-- million tickets. assigned_agent_id 0 stands for "unassigned" (NULL cannot be in a key).
CREATE TABLE ticket_counts (
    status            INTEGER NOT NULL CHECK (status IN (0, 1, 2)),
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
