//! One daemon per SQLite state: `run` and `once` hold an exclusive `flock`
//! on a lock file beside the database for as long as they live, and write
//! their process id into it, so a second one says who is in the way
//! instead of delivering the same queue twice.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "the state database {database} is in use by process {holder} (a running `newswatch run` or `once`); \
         stop it first, or use the read-only commands (feeds, alerts, sinks) beside it"
    )]
    Held {
        /// The database file.
        database: PathBuf,
        /// The holder's process id, as it wrote it (or "unknown").
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl StateLock {
    /// Takes the lock for the SQLite database at `database`, without
    /// waiting.
    pub fn acquire(database: &Path) -> Result<StateLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // SAFETY: flock on a descriptor this function owns.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            let error = std::io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(io(error));
            }
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockError::Held {
                database: database.to_path_buf(),
                holder: if holder.is_empty() {
                    "unknown".into()
                } else {
                    holder.chars().take(20).collect()
                },
            });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(StateLock { _file: file })
    }
}

/// `newswatch.db` locks `newswatch.db.lock`, in the same directory.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// The file of a SQLite URL (`sqlite://PATH?...`, `sqlite:PATH`); `None`
/// for an in-memory database or another kind of URL.
/// Read as sqlx reads it (escapes and all), so the lock and the size on
/// disk are those of the file sqlx opens.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") {
        return None;
    }
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = dir.path().join("newswatch.db");
        let first = StateLock::acquire(&database).expect("first");
        match StateLock::acquire(&database) {
            Err(LockError::Held { holder, .. }) => {
                assert_eq!(holder, std::process::id().to_string())
            }
            other => panic!("{other:?}"),
        }
        drop(first);
        StateLock::acquire(&database).expect("free again");
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/n/n.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/n/n.db"))
        );
        assert_eq!(sqlite_file("sqlite:n.db"), Some(PathBuf::from("n.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
