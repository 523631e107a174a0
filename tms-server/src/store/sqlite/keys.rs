//! Queries on `server_keys`: secrets the server generates once and shares across processes.

use rusqlite::{Connection, OptionalExtension, params};

/// The key `name`, created with `len` random bytes if there is none yet.
pub fn get_or_create(conn: &Connection, name: &str, len: usize) -> rusqlite::Result<Vec<u8>> {
    let found: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM server_keys WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    if let Some(key) = found {
        return Ok(key);
    }
    let mut key = vec![0u8; len];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    conn.prepare_cached("INSERT INTO server_keys (name, value) VALUES (?1, ?2)")?
        .execute(params![name, key])?;
    Ok(key)
}
