//! The PostgreSQL schema: `migrations/postgres/`, applied in order, each in the transaction
//! that records it in `tms_schema`. Servers starting at once take turns (an advisory lock);
//! a database migrated by a newer tms-server is refused.

use deadpool_postgres::Client;

use crate::store::StoreError;

/// The migrations, in order; the version of each is its position, from 1.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../../migrations/postgres/0002_count_slots.sql"),
    include_str!("../../../../migrations/postgres/0003_ticket_version.sql"),
    include_str!("../../../../migrations/postgres/0004_views.sql"),
    include_str!("../../../../migrations/postgres/0005_waiting_tags_notes.sql"),
    include_str!("../../../../migrations/postgres/0006_assignment.sql"),
    include_str!("../../../../migrations/postgres/0007_sla.sql"),
    include_str!("../../../../migrations/postgres/0008_bcrypt_hashes.sql"),
    include_str!("../../../../migrations/postgres/0009_notifications.sql"),
    include_str!("../../../../migrations/postgres/0010_dashboard.sql"),
];

/// The advisory lock key that serialises migrations ("tms" in ASCII, and a 1).
const MIGRATION_LOCK: i64 = 0x746d_7301;

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database at `shown` up to [`latest`], or refuses one that is newer.
pub async fn apply(client: &mut Client, shown: &str) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS tms_schema (
             version    BIGINT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let found: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM tms_schema", &[])
        .await?
        .try_get(0)?;
    if found > latest() {
        return Err(StoreError::Other(format!(
            "the database at {shown} has schema version {found}, newer than this tms-server supports ({}); upgrade tms-server",
            latest()
        )));
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let version = i as i64 + 1;
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO tms_schema (version) VALUES ($1)", &[&version])
            .await?;
        tracing::info!(version, "applied a PostgreSQL migration");
    }
    tx.commit().await?;
    Ok(())
}
