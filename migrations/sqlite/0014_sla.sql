-- SLA clocks on tickets (docs/API.md, "SLA clocks"; docs/ARCHITECTURE.md, "SLA"). Instants in
-- µs since the epoch. A ticket filed while the SLA is on gets two clocks, each a due time and
-- an at-risk time (a fifth of the target or less left); both move on by every pause. The
-- server keeps them (`tms_core::sla::TicketClock`); SQL only reads them.
ALTER TABLE tickets ADD COLUMN sla_first_response_due  INTEGER;
ALTER TABLE tickets ADD COLUMN sla_first_response_risk INTEGER;
ALTER TABLE tickets ADD COLUMN sla_resolution_due      INTEGER;
ALTER TABLE tickets ADD COLUMN sla_resolution_risk     INTEGER;
ALTER TABLE tickets ADD COLUMN sla_first_responded_at  INTEGER;
-- Since when the clocks stand still (the ticket is Waiting), and the business time paused so far.
ALTER TABLE tickets ADD COLUMN sla_paused_at           INTEGER;
ALTER TABLE tickets ADD COLUMN sla_paused_us           INTEGER NOT NULL DEFAULT 0;
-- A clock stopped (or was paused) after its due time: breached for good.
ALTER TABLE tickets ADD COLUMN sla_breached            INTEGER NOT NULL DEFAULT 0
    CHECK (sla_breached IN (0, 1));
-- The earliest due and at-risk times of the clocks running now; when none runs (no clocks,
-- paused, everything met) the due time is the largest integer and the at-risk time NULL, so
-- that `sort=due` walks one index with pending deadlines first and the `sla=` filters are
-- ranges on it: the state is derived at read time from these and `now`.
ALTER TABLE tickets ADD COLUMN sla_next_due            INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE tickets ADD COLUMN sla_next_risk           INTEGER;

CREATE INDEX tickets_sla_due  ON tickets (sla_next_due, id);
-- The next at-risk instant after now bounds how long a count of a state stays true.
CREATE INDEX tickets_sla_risk ON tickets (sla_next_risk) WHERE sla_next_risk IS NOT NULL;
