-- Every ticket carries a version that grows with every change of it or of its thread, so that
-- a client can say which version its change was made against (`If-Match`) and be refused with
-- 412 instead of silently overwriting a colleague's change (docs/API.md, "Versions").
-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
