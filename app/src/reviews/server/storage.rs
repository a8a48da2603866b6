//! Where pack files live: one interface, [`PackStore`] (put / get / delete by key), so the generation run,
//! the download handler and the retention sweep never touch paths. The default is [`LocalDirStore`], a
//! directory on the server (`<data_dir>/packs`); a multi-node deployment needs shared storage behind the
//! same trait (the `object_store` crate is the recommended path to S3-compatible storage).
//!
//! Keys are relative, lowercase paths such as `w12/t34/pack-56.zip`: only `a-z 0-9 - / . _`, no empty
//! segment, no `.` or `..` segment, no leading `/`. Errors are logged without keys or contents and become
//! [`AppError::Internal`].

use std::path::{Path, PathBuf};

use crate::error::AppError;

/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 512;

/// Stores pack files by key.
#[async_trait::async_trait]
pub trait PackStore: Send + Sync + std::fmt::Debug {
    /// Writes `bytes` under `key`, replacing a previous file whole (readers never see a partial file).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), AppError>;
    /// The file under `key`; `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, AppError>;
    /// Removes the file under `key`; removing a missing file is not an error.
    async fn delete(&self, key: &str) -> Result<(), AppError>;
}

/// Whether `key` is a valid store key (see the module documentation).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'/' | b'.' | b'_'))
        && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// Files in a local directory: `root/<key>`. Writes go to a temporary file in the target directory and are
/// renamed into place (atomic on one file system); directories are created as needed.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// A store in a fresh directory under the system's temporary directory (benchmarks and tests that
    /// run packs without a data directory of their own).
    pub fn temporary() -> std::sync::Arc<dyn PackStore> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tenantpilot-packs-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::sync::Arc::new(Self::new(dir))
    }

    /// The directory the files live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, AppError> {
        if !valid_key(key) {
            return Err(AppError::validation("key", "invalid"));
        }
        Ok(self.root.join(key))
    }
}

fn io_error(op: &'static str, e: std::io::Error) -> AppError {
    tracing::warn!(op, kind = ?e.kind(), "pack store I/O failed");
    AppError::Internal
}

/// A temporary name next to `path`, unique within this process and across processes.
fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

#[async_trait::async_trait]
impl PackStore for LocalDirStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), AppError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| io_error("create_dir", e))?;
        }
        let tmp = temp_path(&path);
        let written = async {
            use tokio::io::AsyncWriteExt;
            let mut file = tokio::fs::File::create(&tmp).await?;
            file.write_all(bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&tmp, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io_error("write", e));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), AppError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("delete", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("tp-packstore-test-{}-{nanos}-{n}", std::process::id()))
    }

    #[test]
    fn keys_are_relative_lowercase_paths_without_traversal() {
        for ok in ["pack-1.zip", "w1/t2/pack-3.zip", "a_b/c.d", "x"] {
            assert!(valid_key(ok), "{ok}");
        }
        for bad in [
            "",
            "/abs.zip",
            "../up.zip",
            "a/../b",
            "a/./b",
            "a//b",
            "a/",
            ".",
            "..",
            "Upper.zip",
            "a\\b",
            "a b",
            "é.zip",
            "a\0b",
            &"x".repeat(MAX_KEY_LEN + 1),
        ] {
            assert!(!valid_key(bad), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn put_get_replace_delete_round_trip() {
        let root = temp_root();
        let store = LocalDirStore::new(&root);
        assert_eq!(store.get("w1/t2/pack-3.zip").await, Ok(None));
        store.put("w1/t2/pack-3.zip", b"first").await.expect("put");
        assert_eq!(store.get("w1/t2/pack-3.zip").await, Ok(Some(b"first".to_vec())));
        store.put("w1/t2/pack-3.zip", b"second").await.expect("replace");
        assert_eq!(store.get("w1/t2/pack-3.zip").await, Ok(Some(b"second".to_vec())));
        // No temporary files are left behind.
        let names: Vec<String> = std::fs::read_dir(root.join("w1/t2"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["pack-3.zip".to_string()]);
        store.delete("w1/t2/pack-3.zip").await.expect("delete");
        assert_eq!(store.get("w1/t2/pack-3.zip").await, Ok(None));
        store.delete("w1/t2/pack-3.zip").await.expect("deleting a missing file is fine");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[tokio::test]
    async fn invalid_keys_are_refused_before_touching_the_disk() {
        let root = temp_root();
        let store = LocalDirStore::new(root.join("packs"));
        for bad in ["../escape.zip", "/etc/passwd", "a/../../b"] {
            assert!(matches!(store.put(bad, b"x").await, Err(AppError::Validation(_))), "{bad}");
            assert!(matches!(store.get(bad).await, Err(AppError::Validation(_))), "{bad}");
            assert!(matches!(store.delete(bad).await, Err(AppError::Validation(_))), "{bad}");
        }
        assert!(!root.exists(), "nothing was created");
    }

    #[tokio::test]
    async fn unwritable_root_is_an_internal_error() {
        let root = temp_root();
        std::fs::create_dir_all(&root).expect("dir");
        // A file where the directory should be.
        std::fs::write(root.join("blocked"), b"file").expect("file");
        let store = LocalDirStore::new(root.join("blocked"));
        assert_eq!(store.put("a/b.zip", b"x").await, Err(AppError::Internal));
        let _ = std::fs::remove_dir_all(&root);
    }
}
