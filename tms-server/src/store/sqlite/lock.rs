//! The serving lock: a server holds an exclusive lock on `<database>-lock` for as long as it
//! serves, so that `restore` (which replaces the database under a server's feet, leaving its
//! sessions cached and its connections pointing at the old file) and a second server on the
//! same file refuse to run. The operating system drops the lock when the process ends, however
//! it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::{DbError, DbResult};

/// Held while a server serves the database; released when dropped.
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-lock");
    PathBuf::from(p)
}

/// Locks `db` for serving, or says who holds it.
pub fn lock(db: &Path) -> DbResult<ServeLock> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::create_dir_private(dir)?;
    }
    let path = lock_path(db);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| DbError::Task(format!("{}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(ServeLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(DbError::InUse(db.to_path_buf())),
        Err(TryLockError::Error(e)) => Err(DbError::Task(format!("{}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let held = lock(&db).unwrap();
        assert!(matches!(lock(&db), Err(DbError::InUse(_))));
        drop(held);
        lock(&db).unwrap();
    }
}
