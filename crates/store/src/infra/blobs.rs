//! Uploaded files (form templates, samples, applicants' materials): content-addressed by SHA-256 on the local disk.
//! A file is written to a temporary name, flushed to disk, then renamed into place, so an
//! acknowledged upload survives a crash and a half-written one is never visible.

use std::io::Write;
use std::path::{Path, PathBuf};

use onewindow_domain::org::FieldErrors;
use sha2::{Digest, Sha256};

use crate::{StoreError, StoreResult};

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// What people attach to a guide: documents, spreadsheets, images, and OFD (China's format).
const ALLOWED: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("ofd", "application/ofd"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("wps", "application/vnd.ms-works"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
];

/// The content type for a file name, when its kind is accepted.
pub fn content_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    ALLOWED.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// A reference stored in an item document: `sha256:<hex>/<file name>`.
pub fn file_ref(sha256: &str, filename: &str) -> String {
    format!("sha256:{sha256}/{filename}")
}

/// Splits a document value into (hash, file name) when it refers to an uploaded file.
pub fn parse_file_ref(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("sha256:")?;
    let (hash, name) = rest.split_once('/')?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !name.is_empty())
        .then_some((hash, name))
}

/// Checks a file as every upload is checked: a plain name of at most 100 characters of an
/// accepted kind, not empty, at most `MAX_FILE_BYTES`; problems go to `field`.
pub fn check_file(errors: &mut FieldErrors, field: &str, filename: &str, bytes: &[u8]) {
    let name = filename.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.chars().count() > 100 {
        errors.add(field, "文件名无效（不超过 100 个字符，不含斜杠）");
    } else if content_type(name).is_none() {
        let kinds: Vec<&str> = ALLOWED.iter().map(|(e, _)| *e).collect();
        errors.add(
            field,
            format!("不支持的文件类型，可上传：{}", kinds.join("、")),
        );
    }
    if bytes.is_empty() {
        errors.add(field, "文件为空");
    } else if bytes.len() > MAX_FILE_BYTES {
        errors.add(field, "文件不能超过 10 MB");
    }
}

/// Cheap to clone (every request's state carries one).
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: std::sync::Arc<std::path::Path>,
}

impl BlobStore {
    pub fn new(dir: impl Into<PathBuf>) -> BlobStore {
        BlobStore {
            dir: dir.into().into(),
        }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(&sha256[..2]).join(sha256)
    }

    /// Checks and stores a file; returns its SHA-256. Storing the same content twice is free.
    pub fn put(&self, filename: &str, bytes: &[u8]) -> StoreResult<String> {
        let mut errors = FieldErrors::new();
        check_file(&mut errors, "file", filename, bytes);
        errors.into_result()?;
        self.put_content(bytes)
    }

    /// Stores bytes whose kind the caller has checked; returns their SHA-256. Written to a
    /// temporary name, flushed and renamed, so an acknowledged file survives a crash.
    pub fn put_content(&self, bytes: &[u8]) -> StoreResult<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let target = self.path(&sha256);
        if target.exists() {
            return Ok(sha256);
        }
        let parent = target
            .parent()
            .ok_or_else(|| StoreError::Config("blob path".into()))?;
        let io = |e: std::io::Error| StoreError::Config(format!("storing upload: {e}"));
        std::fs::create_dir_all(parent).map_err(io)?;
        let temp = parent.join(format!(".{sha256}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&temp).map_err(io)?;
            f.write_all(bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&temp, &target).map_err(io)?;
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(sha256)
    }

    pub fn get(&self, sha256: &str) -> StoreResult<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound("file"));
        }
        std::fs::read(self.path(sha256)).map_err(|_| StoreError::NotFound("file"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_content_addressed_and_checked() {
        let dir = std::env::temp_dir().join(format!("ow-blobs-{}", std::process::id()));
        let store = BlobStore::new(&dir);
        let a = store.put("申请书.docx", b"PK\x03\x04 form").unwrap();
        assert_eq!(store.put("另一个名字.docx", b"PK\x03\x04 form").unwrap(), a);
        assert_eq!(store.get(&a).unwrap(), b"PK\x03\x04 form");
        assert!(store.put("病毒.exe", b"MZ").is_err());
        assert!(store.put("空.pdf", b"").is_err());
        assert!(store.get("../../etc/passwd").is_err());
        let r = file_ref(&a, "申请书.docx");
        assert_eq!(parse_file_ref(&r), Some((a.as_str(), "申请书.docx")));
        assert_eq!(parse_file_ref("申请书（空白）"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
