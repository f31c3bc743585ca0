//! Signed checkpoints of the log. A checkpoint signs (Ed25519, the key in the data folder) the
//! size and root of the log tree over every case event and security log entry, the digest of the
//! checkpoint before it, and the Merkle root of every case's head, so that anything cut,
//! changed or inserted below it is caught even when the case records were rewritten to match.
//! Checkpoints signed before the tree kept the heads themselves and are checked against them.

use onewindow_domain::ids::CaseId;
use std::io::Write;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::case::log::AuditProblem;
use crate::case::log_tree;
use crate::{StoreError, StoreResult, now_ms};

/// The signing key of a deployment, kept in `DATA_DIR/audit-key` (created on first start).
pub struct AuditKey {
    key: SigningKey,
}

/// A 32-byte secret kept as hex in `path` (owner-only), made on first use. Returns it and
/// whether it was made now.
fn load_or_create_secret(path: &Path, what: &str) -> StoreResult<([u8; 32], bool)> {
    let io = |e: std::io::Error| StoreError::Config(format!("{what} {}: {e}", path.display()));
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(io)?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                StoreError::Config(format!("{what} {} is not 32 hex bytes", path.display()))
            })?;
        return Ok((bytes, false));
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
    Ok((seed, true))
}

impl AuditKey {
    pub fn load_or_create(path: &Path) -> StoreResult<AuditKey> {
        let (seed, _) = load_or_create_secret(path, "audit key")?;
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

    /// An Ed25519 signature of `message`, in hex (trading's opening records).
    pub fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.key.sign(message).to_bytes())
    }
}

/// The case writer's key: every event it appends carries HMAC-SHA256(key, event hash). It lives
/// outside the database (a file with its own permissions, or the environment), so that someone
/// who can write the database but cannot read the key cannot forge or alter an event.
pub struct EventKey {
    key: [u8; 32],
    /// Made by this start: the events already in the database are authenticated once, now.
    pub fresh: bool,
}

impl EventKey {
    pub fn load_or_create(path: &Path) -> StoreResult<EventKey> {
        let (key, fresh) = load_or_create_secret(path, "event key")?;
        Ok(EventKey { key, fresh })
    }

    /// A key from its hex form (`ONEWINDOW_EVENT_KEY`), or an in-memory one for tests.
    pub fn from_bytes(key: [u8; 32]) -> EventKey {
        EventKey { key, fresh: false }
    }

    /// The MAC of an event's chain hash, hex.
    pub fn mac(&self, hash: &str) -> String {
        use hmac::Mac;
        hex::encode(self.keyed(hash).finalize().into_bytes())
    }

    /// Whether `mac` is this key's MAC of `hash` (compared in constant time).
    pub fn verifies(&self, hash: &str, mac: &str) -> bool {
        use hmac::Mac;
        hex::decode(mac).is_ok_and(|given| self.keyed(hash).verify_slice(&given).is_ok())
    }

    fn keyed(&self, hash: &str) -> hmac::Hmac<Sha256> {
        use hmac::Mac;
        let mut m =
            hmac::Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(b"onewindow-event:");
        m.update(hash.as_bytes());
        m
    }
}

/// A checkpoint as published and as witnesses keep it: everything its signature covers but the
/// heads (which its Merkle root stands for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedCheckpoint {
    pub id: i64,
    /// When it was signed (UTC milliseconds).
    pub at: i64,
    pub case_count: i64,
    pub merkle_root: String,
    /// Digest of the checkpoint before (absent on those signed before checkpoints were chained).
    pub prev_digest: Option<String>,
    /// How many events the signed log tree holds, and its RFC 9162 root (hex).
    pub tree_size: Option<i64>,
    pub tree_root: Option<String>,
    /// Ed25519 signature (hex) by the key of `GET /api/v1/audit/public-key`.
    pub signature: String,
}

impl Checkpoint {
    /// The checkpoint as published, without its heads.
    pub fn published(&self) -> PublishedCheckpoint {
        PublishedCheckpoint {
            id: self.id,
            at: self.at,
            case_count: self.case_count,
            merkle_root: self.merkle_root.clone(),
            prev_digest: self.prev_digest.clone(),
            tree_size: self.tree_size,
            tree_root: self.tree_root.clone(),
            signature: self.signature.clone(),
        }
    }
}

/// One case's head at checkpoint time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub case_id: CaseId,
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
    /// The digest of the checkpoint before this one, which this one's signature covers.
    pub prev_digest: Option<String>,
    /// The log tree's size and root (hex) it signs (absent on those signed before the tree).
    pub tree_size: Option<i64>,
    pub tree_root: Option<String>,
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

/// What a checkpoint's signature covers.
struct Signed<'a> {
    at: i64,
    case_count: i64,
    heads_root: &'a str,
    /// The previous checkpoint's digest and the log tree's size and root; none on checkpoints
    /// signed before they were chained.
    chain: Option<(&'a str, i64, &'a str)>,
}

impl Signed<'_> {
    fn message(&self) -> Vec<u8> {
        let (at, count, root) = (self.at, self.case_count, self.heads_root);
        match self.chain {
            Some((prev, size, tree)) => {
                format!("onewindow-checkpoint:{at}:{count}:{root}:{prev}:{size}:{tree}")
            }
            None => format!("onewindow-checkpoint:{at}:{count}:{root}"),
        }
        .into_bytes()
    }
}

impl PublishedCheckpoint {
    fn signed(&self) -> Signed<'_> {
        Signed {
            at: self.at,
            case_count: self.case_count,
            heads_root: &self.merkle_root,
            chain: match (&self.prev_digest, self.tree_size, &self.tree_root) {
                (Some(prev), Some(size), Some(root)) => Some((prev, size, root)),
                _ => None,
            },
        }
    }
}

/// A public key from its hex form.
fn parse_key(hex_key: &str) -> Option<VerifyingKey> {
    hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
}

/// Whether a checkpoint's signature is `key`'s over what it says.
fn signature_holds(key: &VerifyingKey, cp: &PublishedCheckpoint) -> bool {
    hex::decode(&cp.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .is_some_and(|b| {
            key.verify(&cp.signed().message(), &Signature::from_bytes(&b))
                .is_ok()
        })
}

/// The digest a checkpoint's successor signs: SHA-256 of its signature, which covers the rest.
fn digest_of(cp: &Checkpoint) -> String {
    hex::encode(Sha256::digest(cp.signature.as_bytes()))
}

const CHECKPOINT_COLUMNS: &str = "id, at, case_count, merkle_root, heads, public_key, signature,
     prev_digest, tree_size, tree_root";
/// The red alarm's title when the log fails verification.
const BROKEN_LOG_TITLE: &str = "红色警报：办件事件日志校验未通过";

pub(crate) const PUBLISHED_COLUMNS: &str =
    "id, at, case_count, merkle_root, prev_digest, tree_size, tree_root, signature";

impl crate::CaseStore<'_> {
    /// Signs the log tree (and every case's current head), but only over a log that verifies
    /// since the last checkpoint (see `verify_since_last_checkpoint`): a broken log is never
    /// signed over, and its problems are returned instead.
    pub async fn checkpoint(
        self,
        key: &AuditKey,
    ) -> StoreResult<Result<Checkpoint, Vec<AuditProblem>>> {
        let problems = self.verify_since_last_checkpoint(key).await?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        // A signer racing this one extended the same checkpoint first, or holds SQLite's write
        // lock: sign again over the new latest.
        for attempt in 1..=5 {
            match self.sign_heads(key).await {
                Err(e) if e.lost_race() => {
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                signed => return signed.map(Ok),
            }
        }
        Err(StoreError::Busy)
    }

    /// What was written since the last checkpoint (the chains of the cases it touched, with
    /// their read models, and the security log's new entries), and the last checkpoint itself
    /// with the tree it signed: the signed tree covers everything before, so the work grows with
    /// what is new, not with the whole log. `audit verify` checks everything.
    async fn verify_since_last_checkpoint(self, key: &AuditKey) -> StoreResult<Vec<AuditProblem>> {
        let mut problems = self.verify_unplaced_cases().await?;
        problems.extend(
            self.store
                .accounts()
                .verify_unplaced_security_entries()
                .await?,
        );
        problems.extend(self.check_checkpoints(&key.public_key_hex(), true).await?);
        Ok(problems)
    }

    /// Everything `audit verify` checks against `trusted_key`: every case's chain and the read
    /// models authorisation uses, the security log's chain, and every checkpoint with its tree.
    pub async fn verify_log(self, trusted_key: &str) -> StoreResult<Vec<AuditProblem>> {
        let mut problems = self.verify_case_log().await?;
        problems.extend(self.store.accounts().verify_security_log().await?);
        problems.extend(self.verify_checkpoints(trusted_key).await?);
        Ok(problems)
    }

    /// In one transaction: gives the case events and security log entries written since the last
    /// checkpoint their places at the end of the log tree, and signs the heads and the tree.
    async fn sign_heads(self, key: &AuditKey) -> StoreResult<Checkpoint> {
        let mut tx = self.store.pool.begin().await?;
        let (last,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(m), -1) AS BIGINT) FROM (
                 SELECT MAX(log_index) AS m FROM case_events
                 UNION ALL SELECT MAX(log_index) AS m FROM security_events) AS placed",
        )
        .fetch_one(&mut *tx)
        .await?;
        // The case events, then the security entries, each in the order written, in one
        // statement per table.
        let mut next = last + 1;
        for (table, order) in [("case_events", "id"), ("security_events", "seq")] {
            let placed = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET log_index = fresh.pos
                 FROM (SELECT id, $1 + ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS pos
                       FROM {table} WHERE log_index IS NULL AND hash IS NOT NULL) AS fresh
                 WHERE {table}.id = fresh.id"
            )))
            .bind(next)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            next += placed as i64;
        }
        let tree = log_tree::tree_of(&log_tree::leaves(&mut *tx).await?);
        let (tree_size, tree_root) = (tree.len() as i64, log_tree::root_hex(&tree));
        let heads: Vec<(CaseId, i64, String)> =
            sqlx::query_as("SELECT id, version, head_hash FROM cases ORDER BY id")
                .fetch_all(&mut *tx)
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
        let latest: Option<Checkpoint> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
        )))
        .fetch_optional(&mut *tx)
        .await?;
        let prev = latest
            .as_ref()
            .map_or_else(|| "genesis".to_owned(), digest_of);
        let signed = Signed {
            at,
            case_count: count,
            heads_root: &root,
            chain: Some((&prev, tree_size, &tree_root)),
        };
        let signature = hex::encode(key.key.sign(&signed.message()).to_bytes());
        // The heads themselves are not kept: every event they name is a leaf of the signed tree,
        // and a list of every case's head in every checkpoint would grow the table by megabytes
        // every ten minutes on a large centre.
        let heads_json = String::new();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO audit_checkpoints (at, case_count, merkle_root, heads, public_key,
                 signature, prev_digest, tree_size, tree_root)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(at)
        .bind(count)
        .bind(&root)
        .bind(&heads_json)
        .bind(key.public_key_hex())
        .bind(&signature)
        .bind(&prev)
        .bind(tree_size)
        .bind(&tree_root)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Checkpoint {
            id,
            at,
            case_count: count,
            merkle_root: root,
            heads: heads_json,
            public_key: key.public_key_hex(),
            signature,
            prev_digest: Some(prev),
            tree_size: Some(tree_size),
            tree_root: Some(tree_root),
        })
    }

    /// Checks every checkpoint: signed by `trusted_key` (hex, never taken from the database),
    /// each covering the digest of the one before it (a deleted or replaced checkpoint breaks the
    /// chain), its log tree rebuilt from the stored events to the signed root (nothing below it
    /// changed, removed or inserted), its heads matching their root, and the latest one's heads
    /// still in their cases' chains (naming each case cut or rewritten). Problems are named as for
    /// `verify_case_log`; case 0 means a checkpoint itself.
    pub async fn verify_checkpoints(self, trusted_key: &str) -> StoreResult<Vec<AuditProblem>> {
        self.check_checkpoints(trusted_key, false).await
    }

    /// With `latest_only`, the latest checkpoint alone (its signature, its link to the one
    /// before and its tree): what the checkpointer checks before it signs the next, each earlier
    /// one having been checked when its successor was signed. Otherwise every checkpoint.
    async fn check_checkpoints(
        self,
        trusted_key: &str,
        latest_only: bool,
    ) -> StoreResult<Vec<AuditProblem>> {
        let mut checkpoints: Vec<Checkpoint> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT CAST($1 AS BIGINT)"
        )))
        .bind(if latest_only { 2 } else { i64::MAX })
        .fetch_all(&self.store.pool)
        .await?;
        checkpoints.reverse();
        // The one before the latest, when only the latest is checked: known good, the link.
        let before_latest = (latest_only && checkpoints.len() == 2).then(|| checkpoints.remove(0));
        let Some(key) = parse_key(trusted_key) else {
            return Ok(vec![AuditProblem::checkpoint(
                0,
                "受信任的公钥格式无效（应为 64 位十六进制）",
            )]);
        };
        let mut problems = Vec::new();
        // The positioned events, as one tree grown checkpoint by checkpoint.
        let leaves = match log_tree::leaves(&self.store.pool).await {
            Ok(leaves) => leaves,
            Err(StoreError::Config(why)) => {
                problems.push(AuditProblem::checkpoint(0, why));
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let mut tree = log_tree::tree_of(&[]);
        let mut previous: Option<&Checkpoint> = before_latest.as_ref();
        for cp in &checkpoints {
            let mut bad = |problem: String| problems.push(AuditProblem::checkpoint(cp.id, problem));
            let published = cp.published();
            let expected_prev = previous.map_or_else(|| "genesis".to_owned(), digest_of);
            if !signature_holds(&key, &published) {
                bad("检查点签名无效：检查点被篡改或不是受信任的密钥签发".into());
            } else if cp.prev_digest.as_ref().is_some_and(|p| *p != expected_prev) {
                bad("检查点链断裂：此前的检查点被删除或替换".into());
            } else if previous.is_some_and(|p| p.prev_digest.is_some()) && cp.prev_digest.is_none()
            {
                bad("检查点缺少前一检查点的摘要：检查点被伪造".into());
            } else {
                if let (Some(size), Some(root)) = (cp.tree_size, &cp.tree_root)
                    && !Self::tree_matches(&mut tree, &leaves, size, root)
                {
                    bad(format!(
                        "检查点签名的日志树（前 {size} 项）与现存记录不符：其下的办件事件或安全日志记录被改写、删除或插入"
                    ));
                }
                // Checkpoints signed before the tree recorded every case's head instead: those
                // are checked against their root, and the latest one's against the chains (heads
                // only grow, so it names every case cut or rewritten below any of them).
                if cp.tree_size.is_none() {
                    let heads: Vec<Head> = serde_json::from_str(&cp.heads)
                        .map_err(|e| StoreError::Config(e.to_string()))?;
                    if merkle_root(&heads) != cp.merkle_root || heads.len() as i64 != cp.case_count
                    {
                        bad("检查点记录的办件链头与其 Merkle 根不符".into());
                    } else if checkpoints.last().is_some_and(|last| last.id == cp.id) {
                        problems.extend(self.heads_still_in_chains(cp.id, &heads).await?);
                    }
                }
            }
            previous = Some(cp);
        }
        Ok(problems)
    }

    /// Grows `tree` with the stored leaves to `size` and compares its root with the signed one.
    fn tree_matches(tree: &mut log_tree::Tree, leaves: &[[u8; 32]], size: i64, root: &str) -> bool {
        let Ok(size) = usize::try_from(size) else {
            return false;
        };
        if size > leaves.len() || (size as u64) < tree.len() {
            return false;
        }
        for leaf in &leaves[tree.len() as usize..size] {
            tree.push(*leaf);
        }
        log_tree::root_hex(tree) == root
    }

    /// Tells every active supervisor and centre administrator that the log failed verification
    /// (in-app, and through the SMS and e-mail gateways as every notification is): once a day
    /// while it stays broken, not at every ten-minute attempt.
    pub async fn raise_broken_log_alarm(self, detail: &str) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO notifications (account_id, case_id, alert_id, title, body, created_at)
             SELECT DISTINCT s.account_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), $1, $2, $3
             FROM staff s JOIN staff_roles r ON r.staff_id = s.id
             WHERE s.active = 1 AND r.role IN ('supervisor', 'centre_admin')
               AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.title = $1 AND n.created_at > $4)",
        )
        .bind(BROKEN_LOG_TITLE)
        .bind(detail)
        .bind(now)
        .bind(now - 24 * 60 * 60 * 1000)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The newest checkpoints, newest first, as published for witnesses.
    pub async fn published_checkpoints(self, limit: i64) -> StoreResult<Vec<PublishedCheckpoint>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PUBLISHED_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT CAST($1 AS BIGINT)"
        )))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Compares checkpoints a witness saved earlier with today's: each witnessed one (if its
    /// signature holds under `trusted_key`) must still be stored, unchanged. A checkpoint deleted,
    /// or replaced by one signed anew (a stolen key re-signing a rewritten history), is named.
    pub async fn verify_witnessed(
        self,
        trusted_key: &str,
        witnessed: &[PublishedCheckpoint],
    ) -> StoreResult<Vec<AuditProblem>> {
        let key = parse_key(trusted_key);
        let mut problems = Vec::new();
        for w in witnessed {
            let mut bad = |problem: &str| problems.push(AuditProblem::checkpoint(w.id, problem));
            if !key.is_some_and(|k| signature_holds(&k, w)) {
                bad("见证副本的签名无效，不作为依据");
                continue;
            }
            let stored: Option<PublishedCheckpoint> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PUBLISHED_COLUMNS} FROM audit_checkpoints WHERE id = $1"
            )))
            .bind(w.id)
            .fetch_optional(&self.store.pool)
            .await?;
            match stored {
                None => bad("见证过的检查点已被删除"),
                Some(s) if s != *w => {
                    bad("检查点与见证副本不符：其下的历史被改写并重新签名（签名密钥可能已泄露）")
                }
                Some(_) => {}
            }
        }
        Ok(problems)
    }

    /// The heads a checkpoint recorded that are no longer in their case's chain.
    async fn heads_still_in_chains(
        self,
        checkpoint: i64,
        heads: &[Head],
    ) -> StoreResult<Vec<AuditProblem>> {
        let mut problems = Vec::new();
        for head in heads.iter().filter(|h| h.version > 0) {
            let found: Option<(String,)> =
                sqlx::query_as("SELECT hash FROM case_events WHERE case_id = $1 AND seq = $2")
                    .bind(head.case_id)
                    .bind(head.version)
                    .fetch_optional(&self.store.pool)
                    .await?;
            if found.map(|(h,)| h) != Some(head.hash.clone()) {
                problems.push(AuditProblem::case(
                    head.case_id,
                    head.version,
                    format!("事件链在已签名检查点（第 {checkpoint} 号）之下被截断或改写"),
                ));
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
                case_id: CaseId(i),
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
