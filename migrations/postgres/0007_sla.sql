-- SLA clocks on tickets, as SQLite's migration 0014 (instants in µs since the epoch; the
-- earliest running due time is the largest BIGINT when none runs).
ALTER TABLE tickets
    ADD COLUMN sla_first_response_due  BIGINT,
    ADD COLUMN sla_first_response_risk BIGINT,
    ADD COLUMN sla_resolution_due      BIGINT,
    ADD COLUMN sla_resolution_risk     BIGINT,
    ADD COLUMN sla_first_responded_at  BIGINT,
    ADD COLUMN sla_paused_at           BIGINT,
    ADD COLUMN sla_paused_us           BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN sla_breached            BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN sla_next_due            BIGINT NOT NULL DEFAULT 9223372036854775807,
    ADD COLUMN sla_next_risk           BIGINT;

CREATE INDEX tickets_sla_due  ON tickets (sla_next_due, id);
CREATE INDEX tickets_sla_risk ON tickets (sla_next_risk) WHERE sla_next_risk IS NOT NULL;
