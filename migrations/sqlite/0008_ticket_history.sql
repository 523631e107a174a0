-- Every change of a ticket's fields, one row per field changed, in the transaction of the change:
-- who changed what from which value to which, and when. It is what "changed since you read it"
-- is decided by: a full-object PUT (the form of the web client, which sends back every field it
-- read) that resends a field's value from before a colleague's later change keeps the
-- colleague's value (`routes::tickets::update`), instead of silently undoing it.
CREATE TABLE ticket_history (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    actor_id  INTEGER NOT NULL REFERENCES users (id),
    -- The field: title, description, status, priority, assignee, resolution_date.
    kind      TEXT NOT NULL CHECK (kind IN ('title', 'description', 'status', 'priority',
                                            'assignee', 'resolution_date')),
    -- Values as text: wire strings for status and priority, the user id for an assignee,
    -- microseconds for a resolution date; NULL for none.
    old_value TEXT,
    new_value TEXT
);

-- The latest change of one field of one ticket, and a ticket's history in order.
CREATE INDEX ticket_history_by_field ON ticket_history (ticket_id, kind, id);
