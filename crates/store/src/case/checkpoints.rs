//! Signed checkpoints of the case event log. A checkpoint records every case's version and
//! head hash, their Merkle root, and an Ed25519 signature by the key in the data folder, so a
//! tail cut below a checkpoint is caught even when the case records were rewritten to match.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::case::log::AuditProblem;
use crate::{StoreError, StoreResult, now_ms};

/// The signing key of a deployment, kept in `DATA_DIR/audit-key` (created on first start).
pub struct AuditKey {
    key: SigningKey,
}

impl AuditKey {
    pub fn load_or_create(path: &Path) -> StoreResult<AuditKey> {
        let io =
            |e: std::io::Error| StoreError::Config(format!("audit key {}: {e}", path.display()));
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(io)?;
            let bytes: [u8; 32] = hex::decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    StoreError::Config(format!("audit key {} is not 32 hex bytes", path.display()))
                })?;
            return Ok(AuditKey {
                key: SigningKey::from_bytes(&bytes),
            });
        }
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(path).map_err(io)?;
        f.write_all(hex::encode(seed).as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(AuditKey {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// An in-memory key, for tests and benchmarks.
    pub fn from_seed(seed: [u8; 32]) -> AuditKey {
        AuditKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }
}

/// One case's head at checkpoint time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub case_id: i64,
    pub version: i64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub id: i64,
    pub at: i64,
    pub case_count: i64,
    pub merkle_root: String,
    pub heads: String,
    pub public_key: String,
    pub signature: String,
}

/// The Merkle root over the heads (leaves in case order; an odd node is carried up).
pub fn merkle_root(heads: &[Head]) -> String {
    let mut level: Vec<[u8; 32]> = heads
        .iter()
        .map(|h| {
            Sha256::digest(format!("{}:{}:{}", h.case_id, h.version, h.hash).as_bytes()).into()
        })
        .collect();
    if level.is_empty() {
        return hex::encode(Sha256::digest(b""));
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => {
                    let mut h = Sha256::new();
                    h.update(a);
                    h.update(b);
                    h.finalize().into()
                }
                [a] => *a,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
    }
    hex::encode(level[0])
}

fn signed_message(at: i64, count: i64, root: &str) -> Vec<u8> {
    format!("onewindow-checkpoint:{at}:{count}:{root}").into_bytes()
}

impl crate::CaseStore<'_> {
    /// Signs every case's current head; returns the checkpoint.
    pub async fn checkpoint(self, key: &AuditKey) -> StoreResult<Checkpoint> {
        let heads: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT id, version, head_hash FROM cases ORDER BY id")
                .fetch_all(&self.store.pool)
                .await?;
        let heads: Vec<Head> = heads
            .into_iter()
            .map(|(case_id, version, hash)| Head {
                case_id,
                version,
                hash,
            })
            .collect();
        let root = merkle_root(&heads);
        let at = now_ms();
        let count = heads.len() as i64;
        let signature = key.key.sign(&signed_message(at, count, &root));
        let heads_json =
            serde_json::to_string(&heads).map_err(|e| StoreError::Config(e.to_string()))?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO audit_checkpoints (at, case_count, merkle_root, heads, public_key, signature)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(at)
        .bind(count)
        .bind(&root)
        .bind(&heads_json)
        .bind(key.public_key_hex())
        .bind(hex::encode(signature.to_bytes()))
        .fetch_one(&self.store.pool)
        .await?;
        Ok(Checkpoint {
            id,
            at,
            case_count: count,
            merkle_root: root,
            heads: heads_json,
            public_key: key.public_key_hex(),
            signature: hex::encode(signature.to_bytes()),
        })
    }

    /// Checks the latest checkpoint: signed by `trusted_key` (hex), its root matches its heads,
    /// and every checkpointed head is still in its case's chain. Problems are named as for
    /// `verify_case_log`; case 0 means the checkpoint itself.
    pub async fn verify_latest_checkpoint(
        self,
        trusted_key: &str,
    ) -> StoreResult<Vec<AuditProblem>> {
        let latest: Option<Checkpoint> = sqlx::query_as(
            "SELECT id, at, case_count, merkle_root, heads, public_key, signature FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.store.pool)
        .await?;
        let Some(cp) = latest else {
            return Ok(Vec::new());
        };
        let bad = |problem: &str| {
            vec![AuditProblem {
                case_id: 0,
                seq: cp.id,
                problem: problem.to_owned(),
            }]
        };
        let key = hex::decode(trusted_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok());
        let signature = hex::decode(&cp.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b));
        let (Some(key), Some(signature)) = (key, signature) else {
            return Ok(bad("检查点签名或公钥格式无效"));
        };
        if key
            .verify(
                &signed_message(cp.at, cp.case_count, &cp.merkle_root),
                &signature,
            )
            .is_err()
        {
            return Ok(bad("检查点签名无效：检查点被篡改或不是本系统密钥签发"));
        }
        let heads: Vec<Head> =
            serde_json::from_str(&cp.heads).map_err(|e| StoreError::Config(e.to_string()))?;
        if merkle_root(&heads) != cp.merkle_root || heads.len() as i64 != cp.case_count {
            return Ok(bad("检查点记录的办件链头与其 Merkle 根不符"));
        }
        let mut problems = Vec::new();
        for head in heads.iter().filter(|h| h.version > 0) {
            let found: Option<(String,)> =
                sqlx::query_as("SELECT hash FROM case_events WHERE case_id = $1 AND seq = $2")
                    .bind(head.case_id)
                    .bind(head.version)
                    .fetch_optional(&self.store.pool)
                    .await?;
            if found.map(|(h,)| h) != Some(head.hash.clone()) {
                problems.push(AuditProblem {
                    case_id: head.case_id,
                    seq: head.version,
                    problem: format!("事件链在已签名检查点（第 {} 号）之下被截断或改写", cp.id),
                });
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merkle_roots_change_with_any_head() {
        let heads: Vec<Head> = (1..=5)
            .map(|i| Head {
                case_id: i,
                version: i,
                hash: format!("{i:064}"),
            })
            .collect();
        let root = merkle_root(&heads);
        let mut changed = heads.clone();
        changed[4].version = 4;
        assert_ne!(merkle_root(&changed), root);
        assert_ne!(merkle_root(&heads[..4]), root);
        assert_eq!(merkle_root(&heads), root);
    }
}
