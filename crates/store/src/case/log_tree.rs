//! The log as one append-only Merkle tree (RFC 6962 / RFC 9162): every case event and every
//! security log entry is a leaf holding its chain hash (the two hash different, tagged bytes), in the order the checkpointer gave it a position (`log_index`, assigned
//! only when a checkpoint is signed, so the tree grows only at its end whatever order concurrent
//! writers commit in). Checkpoints sign the tree's size and root; an inclusion proof shows that an
//! event is in a signed tree, a consistency proof that a later tree extends an earlier one.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use serde::Serialize;

use onewindow_domain::ids::CaseId;

use super::checkpoints::{PUBLISHED_COLUMNS, PublishedCheckpoint};
use crate::{StoreError, StoreResult};

type Hash = sha2_ct::Sha256;
pub(crate) type Tree = MemoryBackedTree<Hash, [u8; 32]>;

/// A leaf from its hex chain hash.
pub(crate) fn leaf(hash_hex: &str) -> StoreResult<[u8; 32]> {
    hex::decode(hash_hex)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| StoreError::Config(format!("event hash {hash_hex:?} is not 32 hex bytes")))
}

/// The tree's root as stored and signed (hex).
pub(crate) fn root_hex(tree: &Tree) -> String {
    hex::encode(tree.root().as_bytes())
}

/// The positioned entries' leaves (case events and security entries) in position order, checked to run 0, 1, 2 … without a gap.
pub(crate) async fn leaves(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
) -> StoreResult<Vec<[u8; 32]>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT log_index, hash FROM case_events WHERE log_index IS NOT NULL
         UNION ALL
         SELECT log_index, hash FROM security_events WHERE log_index IS NOT NULL
         ORDER BY 1",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .enumerate()
        .map(|(i, (index, hash))| {
            if *index != i as i64 {
                return Err(StoreError::Config(format!(
                    "日志树第 {i} 个位置缺失或重复：事件被删除或插入"
                )));
            }
            leaf(hash)
        })
        .collect()
}

pub(crate) fn tree_of(leaves: &[[u8; 32]]) -> Tree {
    let mut tree = Tree::new();
    for l in leaves {
        tree.push(*l);
    }
    tree
}

/// An event's proof of inclusion in a signed tree.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionReceipt {
    /// The event's chain hash (the leaf).
    pub leaf: String,
    /// Its position in the tree.
    pub leaf_index: i64,
    /// The checkpoint whose signed tree holds it.
    pub checkpoint: PublishedCheckpoint,
    /// The sibling hashes from the leaf up (RFC 9162 §2.1.3), hex.
    pub proof: Vec<String>,
}

/// A proof that a later signed tree extends an earlier one.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyReceipt {
    pub from: PublishedCheckpoint,
    pub to: PublishedCheckpoint,
    /// RFC 9162 §2.1.4 proof, hex digests.
    pub proof: Vec<String>,
}

/// An entry of the log tree.
#[derive(Debug, Clone, Copy)]
pub enum LogEntry {
    /// A case's event, by its number in the case (1, 2 …).
    Case(CaseId, i64),
    /// The security log's entry at this place in its chain.
    Security(i64),
}

fn digests(bytes: &[u8]) -> Vec<String> {
    bytes.chunks(32).map(hex::encode).collect()
}

impl crate::CaseStore<'_> {
    /// The proof that a case event or security log entry is in the latest signed tree; None
    /// while no checkpoint holds it yet (the next one, within ten minutes, will).
    pub async fn inclusion(self, entry: LogEntry) -> StoreResult<Option<InclusionReceipt>> {
        let event: Option<(Option<i64>, String)> = match entry {
            LogEntry::Case(case_id, seq) => {
                sqlx::query_as(
                    "SELECT log_index, hash FROM case_events WHERE case_id = $1 AND seq = $2",
                )
                .bind(case_id.get())
                .bind(seq)
                .fetch_optional(&self.store.pool)
                .await?
            }
            LogEntry::Security(seq) => {
                sqlx::query_as("SELECT log_index, hash FROM security_events WHERE seq = $1")
                    .bind(seq)
                    .fetch_optional(&self.store.pool)
                    .await?
            }
        };
        let (Some(index), hash) = event.ok_or(StoreError::NotFound("event"))? else {
            return Ok(None);
        };
        let checkpoint: Option<PublishedCheckpoint> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PUBLISHED_COLUMNS} FROM audit_checkpoints
             WHERE tree_size > $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(index)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some(checkpoint) = checkpoint else {
            return Ok(None);
        };
        let tree = self.signed_tree(&checkpoint).await?;
        let proof = digests(tree.prove_inclusion(index as usize).as_bytes());
        Ok(Some(InclusionReceipt {
            leaf: hash,
            leaf_index: index,
            checkpoint,
            proof,
        }))
    }

    /// The proof that checkpoint `to`'s tree extends checkpoint `from`'s.
    pub async fn consistency(self, from: i64, to: i64) -> StoreResult<ConsistencyReceipt> {
        let (from, to) = (
            self.tree_checkpoint(from).await?,
            self.tree_checkpoint(to).await?,
        );
        let (Some(small), Some(large)) = (from.tree_size, to.tree_size) else {
            return Err(StoreError::NotFound("checkpoint"));
        };
        if small > large {
            return Err(StoreError::Invalid(
                onewindow_domain::org::FieldErrors::single(
                    "from",
                    "起始检查点的日志树不能大于终止检查点的",
                ),
            ));
        }
        let tree = self.signed_tree(&to).await?;
        // Every tree extends the empty one and itself: nothing to prove.
        let proof = if small == 0 || small == large {
            Vec::new()
        } else {
            digests(tree.prove_consistency((large - small) as usize).as_bytes())
        };
        Ok(ConsistencyReceipt { from, to, proof })
    }

    async fn tree_checkpoint(self, id: i64) -> StoreResult<PublishedCheckpoint> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PUBLISHED_COLUMNS} FROM audit_checkpoints WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .filter(|c: &PublishedCheckpoint| c.tree_size.is_some())
        .ok_or(StoreError::NotFound("checkpoint"))
    }

    /// The tree as the checkpoint signed it, rebuilt from the stored events; an error when they
    /// no longer give its root (the log was changed: `audit verify` names how).
    async fn signed_tree(self, checkpoint: &PublishedCheckpoint) -> StoreResult<Tree> {
        let size = checkpoint.tree_size.unwrap_or(0).max(0) as usize;
        let leaves = leaves(&self.store.pool).await?;
        let tree = tree_of(&leaves[..size.min(leaves.len())]);
        if Some(root_hex(&tree)) != checkpoint.tree_root || tree.len() as usize != size {
            return Err(StoreError::Config(
                "现存事件与检查点签名的日志树不符，无法给出证明；请运行 onewindow audit verify"
                    .into(),
            ));
        }
        Ok(tree)
    }
}

/// Checks an inclusion proof as any outsider would, from the signed root alone.
pub fn verify_inclusion(
    root_hex: &str,
    tree_size: u64,
    leaf_hex: &str,
    index: u64,
    proof: &[String],
) -> bool {
    let (Some(root), Ok(leaf), Some(proof)) =
        (root_of(root_hex, tree_size), leaf(leaf_hex), joined(proof))
    else {
        return false;
    };
    InclusionProof::<Hash>::try_from_bytes(proof)
        .is_ok_and(|p| root.verify_inclusion(&leaf, index, &p).is_ok())
}

/// Checks that the tree of (`to_root`, `to_size`) extends that of (`from_root`, `from_size`).
pub fn verify_consistency(
    (from_root, from_size): (&str, u64),
    (to_root, to_size): (&str, u64),
    proof: &[String],
) -> bool {
    if from_size == 0 {
        return true;
    }
    if from_size == to_size {
        return from_root == to_root && proof.is_empty();
    }
    let (Some(from), Some(to), Some(proof)) = (
        root_of(from_root, from_size),
        root_of(to_root, to_size),
        joined(proof),
    ) else {
        return false;
    };
    ConsistencyProof::<Hash>::try_from_bytes(proof)
        .is_ok_and(|p| to.verify_consistency(&from, &p).is_ok())
}

fn root_of(root_hex: &str, size: u64) -> Option<RootHash<Hash>> {
    let bytes = hex::decode(root_hex).ok()?;
    let digest = sha2_ct::digest::Output::<Hash>::try_from(bytes.as_slice()).ok()?;
    Some(RootHash::new(digest, size))
}

fn joined(proof: &[String]) -> Option<Vec<u8>> {
    proof.iter().try_fold(Vec::new(), |mut all, d| {
        all.extend(hex::decode(d).ok()?);
        Some(all)
    })
}
