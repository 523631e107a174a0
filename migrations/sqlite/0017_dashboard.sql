-- The dashboard (`GET /api/v1/stats`, docs/API.md "Statistics") counts tickets resolved per
-- day over a range of resolution dates, and breached tickets as two index ranges: past due
-- (`tickets_sla_due`) and flagged breached with nothing past due (below). Both are counted on
-- the index alone.
CREATE INDEX tickets_resolved     ON tickets (resolution_date) WHERE resolution_date IS NOT NULL;
CREATE INDEX tickets_sla_breached ON tickets (sla_next_due) WHERE sla_breached = 1;
