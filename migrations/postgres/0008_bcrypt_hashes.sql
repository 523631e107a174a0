-- Password hashes of the seed application, as SQLite's migration 0015: bcrypt hashes ($2a$,
-- $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash) kept by `tms-server
-- import-seed` until each user's first successful login replaces theirs with argon2id.
ALTER TABLE users DROP CONSTRAINT users_password_hash_check;
ALTER TABLE users ADD CONSTRAINT users_password_hash_check CHECK (
    password_hash LIKE '$argon2id$%'
    OR password_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$');
