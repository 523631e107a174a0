-- Secrets the server generates for itself, kept in the database so that every process serving
-- it shares them and a restart keeps them. `device_key` signs the device tokens of the login
-- slowing (see `auth::device`): with it in the database, a device trusted by one server process
-- is trusted by all, and rotating it (deleting the row) untrusts every device at once.
CREATE TABLE server_keys (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
