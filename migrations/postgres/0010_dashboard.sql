-- The dashboard's counts, as SQLite's migration 0017: tickets resolved per day over a range of
-- resolution dates, and breached tickets as two index ranges (past due on `tickets_sla_due`,
-- flagged breached with nothing past due below).
CREATE INDEX tickets_resolved     ON tickets (resolution_date) WHERE resolution_date IS NOT NULL;
CREATE INDEX tickets_sla_breached ON tickets (sla_next_due) WHERE sla_breached;
