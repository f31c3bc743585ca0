//! Sealed bids and their opening. A bid is sealed the moment it arrives (`seal`), to the lot's
//! opening key, whose secret exists only as the officials' shares; its receipt is an entry of the
//! lot's hash-chained log. At the opening, k officials present their shares, the key is rebuilt
//! in memory, every bid's header (bidder, price, files' hashes) is opened and read, and the
//! opening record is signed into the log and published.

use onewindow_domain::ids::{AccountId, StaffId};
use onewindow_domain::trading::{AnnouncementKind, BidStatus, LotStatus, MAX_FEN, fen_to_yuan};
use serde::{Deserialize, Serialize};

use super::seal::{self, SealError};
use super::{Lot, invalid, open_for_bids, share_aad};
use crate::blobs::{BlobStore, check_file};
use crate::case::checkpoints::AuditKey;
use crate::{StoreError, StoreResult, TradingStore, now_ms};

/// The most files with one bid, and all its files together.
pub const MAX_BID_FILES: usize = 20;
pub const MAX_BID_BYTES: usize = 100 * 1024 * 1024;
/// The shortest opening passphrase.
pub const MIN_PASSPHRASE: usize = 10;

/// What a bidder keeps: proof of what arrived and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BidReceipt {
    pub bid_id: i64,
    pub lot_id: i64,
    /// SHA-256 of the sealed bid (its sealed header, then its sealed files' hashes).
    pub sealed_hash: String,
    pub submitted_at: i64,
    /// The receipt's place in the lot's log, and that entry's hash.
    pub log_seq: i64,
    pub log_hash: String,
}

/// A file of a bid as the opening reads it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BidFile {
    pub name: String,
    /// SHA-256 of the file as the bidder sent it.
    pub sha256: String,
    pub size: i64,
    /// The blob holding it sealed.
    pub sealed: String,
}

/// The sealed part of a bid.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    lot: i64,
    bidder: String,
    company: String,
    price_fen: i64,
    files: Vec<BidFile>,
}

/// A bid as read at the opening.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenedBid {
    pub bid_id: i64,
    pub bidder_credit_code: String,
    pub company: String,
    pub price_fen: i64,
    pub price: String,
    pub files: Vec<BidFile>,
    pub sealed_hash: String,
}

/// The opening record, as signed into the lot's log and published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpeningRecord {
    pub lot_id: i64,
    pub opened_at: i64,
    /// The officials whose shares rebuilt the key.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub officials: Vec<StaffId>,
    pub bids: Vec<OpenedBid>,
    /// Fewer valid bids than the method needs: the tender failed (流标).
    pub failed: bool,
    /// The record's entry in the lot's log, its hash and the deployment's Ed25519 signature of
    /// that hash.
    #[serde(default)]
    pub log_seq: i64,
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub signature: String,
}

impl OpeningRecord {
    /// The company that made a bid read at this opening.
    pub fn company(&self, bid_id: i64) -> Option<&str> {
        self.bids
            .iter()
            .find(|b| b.bid_id == bid_id)
            .map(|b| b.company.as_str())
    }
}

/// A bid as its bidder or the lot's staff see it before the opening: no price.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BidView {
    pub id: i64,
    pub lot_id: i64,
    pub company: String,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: BidStatus,
    pub sealed_hash: String,
    pub log_seq: i64,
    pub submitted_at: i64,
    /// Known after the opening.
    pub price_fen: Option<i64>,
}

/// An official's share as they keep it: `OWS1-<lot>-<staff>-<hex>`.
pub struct ShareText;

impl ShareText {
    pub fn format(lot: i64, staff: StaffId, share: &[u8]) -> String {
        format!("OWS1-{lot}-{staff}-{}", hex::encode(share))
    }

    /// The lot, the official and the share's bytes.
    pub fn parse(text: &str) -> Option<(i64, StaffId, Vec<u8>)> {
        let mut parts = text.trim().splitn(4, '-');
        if parts.next()? != "OWS1" {
            return None;
        }
        let lot = parts.next()?.parse().ok()?;
        let staff = parts.next()?.parse().ok()?;
        let bytes = hex::decode(parts.next()?).ok()?;
        (bytes.len() == 33).then_some((lot, staff, bytes))
    }
}

/// Appends an entry to a lot's log: its hash is SHA-256 over the previous entry's hash, a
/// newline and the body's JSON; `key` signs that hash (the opening). Returns (seq, hash).
pub(super) async fn append_log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lot: i64,
    kind: &str,
    body: &serde_json::Value,
    key: Option<&AuditKey>,
    at: i64,
) -> StoreResult<(i64, String, Option<String>)> {
    // Taking the lot's next place locks its row until commit: one log writer per lot.
    let (seq, prev): (i64, String) = sqlx::query_as(
        "UPDATE trading_lots SET log_seq = log_seq + 1 WHERE id = $1 RETURNING log_seq, log_head",
    )
    .bind(lot)
    .fetch_one(&mut **tx)
    .await?;
    let body = body.to_string();
    let hash = seal::sha256_hex(format!("{prev}\n{kind}\n{body}").as_bytes());
    let signature = key.map(|k| k.sign_hex(hash.as_bytes()));
    sqlx::query(
        "INSERT INTO trading_log (lot_id, seq, kind, body, prev_hash, hash, signature, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(lot)
    .bind(seq)
    .bind(kind)
    .bind(&body)
    .bind(&prev)
    .bind(&hash)
    .bind(&signature)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE trading_lots SET log_head = $1 WHERE id = $2")
        .bind(&hash)
        .bind(lot)
        .execute(&mut **tx)
        .await?;
    Ok((seq, hash, signature))
}

impl TradingStore<'_> {
    /// Sets (or changes) an official's opening passphrase: the server keeps a salt and the public
    /// key it gives, never the passphrase. Refused while a share sealed to the old key waits.
    pub async fn set_opening_key(self, staff: StaffId, passphrase: &str) -> StoreResult<()> {
        if passphrase.chars().count() < MIN_PASSPHRASE || passphrase.len() > 200 {
            return Err(invalid(
                "passphrase",
                format!("开标口令至少 {MIN_PASSPHRASE} 个字符（不超过 200 字节）"),
            ));
        }
        let waiting: Option<(i64,)> = sqlx::query_as(
            "SELECT lot_id FROM trading_shares WHERE staff_id = $1 AND sealed IS NOT NULL LIMIT 1",
        )
        .bind(staff)
        .fetch_optional(&self.store.pool)
        .await?;
        if let Some((lot,)) = waiting {
            return Err(invalid(
                "passphrase",
                format!("标段 {lot} 的开标密钥份额尚未领取，领取后才能更换口令"),
            ));
        }
        let salt = seal::new_salt();
        let pass = passphrase.to_owned();
        let salt2 = salt.clone();
        let (_, pk) =
            tokio::task::spawn_blocking(move || seal::official_key(&pass, salt2.as_bytes()))
                .await
                .map_err(|e| StoreError::Config(e.to_string()))?
                .map_err(|e| invalid("passphrase", e.to_string()))?;
        sqlx::query(
            "INSERT INTO trading_opening_keys (staff_id, salt, public_key, set_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (staff_id) DO UPDATE SET salt = excluded.salt, public_key = excluded.public_key,
                 set_at = excluded.set_at",
        )
        .bind(staff)
        .bind(salt)
        .bind(pk)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The officials' public keys, in the order given; an official without one is named.
    pub(super) async fn official_keys(
        self,
        officials: &[StaffId],
    ) -> StoreResult<Vec<(StaffId, String)>> {
        let mut out = Vec::with_capacity(officials.len());
        for staff in officials {
            let row: Option<(String, i64)> = sqlx::query_as(
                "SELECT s.name, (SELECT COUNT(*) FROM trading_opening_keys k WHERE k.staff_id = s.id)
                 FROM staff s WHERE s.id = $1",
            )
            .bind(*staff)
            .fetch_optional(&self.store.pool)
            .await?;
            let key: Option<(String,)> =
                sqlx::query_as("SELECT public_key FROM trading_opening_keys WHERE staff_id = $1")
                    .bind(*staff)
                    .fetch_optional(&self.store.pool)
                    .await?;
            match (row, key) {
                (None, _) => return Err(invalid("officials", format!("工作人员 {staff} 不存在"))),
                (Some((name, _)), None) => {
                    return Err(invalid(
                        "officials",
                        format!("开标人{name}尚未设置开标口令"),
                    ));
                }
                (Some(_), Some((pk,))) => out.push((*staff, pk)),
            }
        }
        Ok(out)
    }

    /// An official takes their share of a lot's key, once: opened with their passphrase and
    /// returned as text for them to keep; the server then forgets it.
    pub async fn take_share(
        self,
        lot_id: i64,
        staff: StaffId,
        passphrase: &str,
    ) -> StoreResult<String> {
        let row: Option<(Option<String>, String, String)> = sqlx::query_as(
            "SELECT s.sealed, k.salt, k.public_key FROM trading_shares s
             JOIN trading_opening_keys k ON k.staff_id = s.staff_id
             WHERE s.lot_id = $1 AND s.staff_id = $2",
        )
        .bind(lot_id)
        .bind(staff)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((sealed, salt, pk)) = row else {
            return Err(invalid("lot", "您不是该标段的开标人"));
        };
        let Some(sealed) = sealed else {
            return Err(invalid("lot", "您的密钥份额已领取，服务器不再保存"));
        };
        let pass = passphrase.to_owned();
        let share = tokio::task::spawn_blocking(move || {
            let (sk, derived) = seal::official_key(&pass, salt.as_bytes())?;
            if derived != pk {
                return Err(SealError::WrongPassphrase);
            }
            let bytes = hex::decode(sealed).map_err(|_| SealError::Corrupt)?;
            seal::open(&sk, share_aad(lot_id, staff).as_bytes(), &bytes)
        })
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(|e| invalid("passphrase", e.to_string()))?;
        let taken = sqlx::query(
            "UPDATE trading_shares SET sealed = NULL, taken_at = $1
             WHERE lot_id = $2 AND staff_id = $3 AND sealed IS NOT NULL",
        )
        .bind(now_ms())
        .bind(lot_id)
        .bind(staff)
        .execute(&self.store.pool)
        .await?;
        if taken.rows_affected() != 1 {
            return Err(invalid("lot", "您的密钥份额已领取，服务器不再保存"));
        }
        Ok(ShareText::format(lot_id, staff, &share))
    }

    /// Takes a registered company's bid before the deadline, sealed on arrival: the files are
    /// sealed and stored as blobs, the header (price and the files' names and hashes) sealed into
    /// the row. A bid already in is replaced. Nothing readable is written.
    pub async fn submit_bid(
        self,
        lot_id: i64,
        account: AccountId,
        price_fen: i64,
        files: Vec<(String, Vec<u8>)>,
        blobs: &BlobStore,
        now: i64,
    ) -> StoreResult<BidReceipt> {
        let lot = self.lot(lot_id).await?;
        open_for_bids(&lot, now)?;
        let reg: Option<(String, String)> = sqlx::query_as(
            "SELECT credit_code, company FROM trading_registrations WHERE lot_id = $1 AND account_id = $2",
        )
        .bind(lot_id)
        .bind(account)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((bidder, company)) = reg else {
            return Err(invalid("lot", "未报名的单位不能投标"));
        };
        check_bid(price_fen, &files)?;
        let pk = lot
            .public_key
            .clone()
            .ok_or(StoreError::NotFound("lot key"))?;
        let blobs = blobs.clone();
        let (header, sealed_hash) = tokio::task::spawn_blocking(move || {
            seal_bid(lot_id, &pk, bidder, company, price_fen, files, &blobs)
        })
        .await
        .map_err(|e| StoreError::Config(e.to_string()))??;
        let at = now;
        let _one_writer = match self.store.backend {
            crate::Backend::Sqlite => Some(self.store.bid_writer.lock().await),
            crate::Backend::Postgres => None,
        };
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE trading_bids SET status = 'replaced' WHERE lot_id = $1 AND account_id = $2 AND status = 'sealed'",
        )
        .bind(lot_id)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        let (seq, hash, _) = append_log(
            &mut tx,
            lot_id,
            "bid",
            &serde_json::json!({ "sealed_hash": sealed_hash, "at": at }),
            None,
            at,
        )
        .await?;
        let (bid_id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_bids (lot_id, account_id, credit_code, company, status, header, files,
                 sealed_hash, log_seq, submitted_at)
             SELECT $1, $2, credit_code, company, 'sealed', $3, '[]', $4, $5, $6
             FROM trading_registrations WHERE lot_id = $1 AND account_id = $2 RETURNING id",
        )
        .bind(lot_id)
        .bind(account)
        .bind(&header)
        .bind(&sealed_hash)
        .bind(seq)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        // The deadline is checked again inside the transaction: a bid that lost the race to a
        // moved or passed deadline is not kept.
        let open: Option<(i64,)> = sqlx::query_as(
            "UPDATE trading_lots SET last_receipt = $1 WHERE id = $2 AND status = 'published' AND bid_deadline > $3
             RETURNING id",
        )
        .bind(&hash)
        .bind(lot_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            return Err(invalid("lot", "已过投标截止时间"));
        }
        tx.commit().await?;
        Ok(BidReceipt {
            bid_id,
            lot_id,
            sealed_hash,
            submitted_at: at,
            log_seq: seq,
            log_hash: hash,
        })
    }

    /// Withdraws a company's bid before the deadline.
    pub async fn withdraw_bid(self, lot_id: i64, account: AccountId, now: i64) -> StoreResult<()> {
        let lot = self.lot(lot_id).await?;
        open_for_bids(&lot, now)?;
        let at = now;
        let mut tx = self.store.pool.begin().await?;
        let bid: Option<(i64, String)> = sqlx::query_as(
            "UPDATE trading_bids SET status = 'withdrawn' WHERE lot_id = $1 AND account_id = $2 AND status = 'sealed'
             RETURNING id, sealed_hash",
        )
        .bind(lot_id)
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, hash)) = bid else {
            return Err(invalid("lot", "没有可撤回的投标"));
        };
        append_log(
            &mut tx,
            lot_id,
            "withdrawn",
            &serde_json::json!({ "bid_id": id, "sealed_hash": hash, "at": at }),
            None,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A lot's bids, newest first (the active one of each company and those it replaced).
    pub async fn bids(self, lot_id: i64, account: Option<AccountId>) -> StoreResult<Vec<BidView>> {
        Ok(sqlx::query_as(
            "SELECT id, lot_id, company, status, sealed_hash, log_seq, submitted_at, price_fen
             FROM trading_bids WHERE lot_id = $1 AND ($2 IS NULL OR account_id = $2) ORDER BY id DESC",
        )
        .bind(lot_id)
        .bind(account)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Opens a lot at or after its opening time with at least k shares: rebuilds the key, opens
    /// every sealed bid's header, signs the record into the log and publishes it; fewer valid
    /// bids than the method needs fail the tender.
    pub async fn open_lot(
        self,
        lot_id: i64,
        shares: &[String],
        key: &AuditKey,
        by: AccountId,
        now: i64,
    ) -> StoreResult<OpeningRecord> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        match (lot.status, lot.opening_at) {
            (LotStatus::Published, Some(at)) if now >= at => {}
            (LotStatus::Published, _) => return Err(invalid("lot", "未到开标时间")),
            _ => return Err(invalid("lot", "该标段已开标或未发布")),
        }
        let presented = self.check_shares(&lot, shares).await?;
        let k = u8::try_from(lot.threshold).unwrap_or(u8::MAX);
        let pk = lot
            .public_key
            .clone()
            .ok_or(StoreError::NotFound("lot key"))?;
        let bytes: Vec<Vec<u8>> = presented.iter().map(|p| p.1.clone()).collect();
        let sealed: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, header, sealed_hash FROM trading_bids WHERE lot_id = $1 AND status = 'sealed' ORDER BY id",
        )
        .bind(lot_id)
        .fetch_all(&self.store.pool)
        .await?;
        let opened = tokio::task::spawn_blocking(move || open_bids(lot_id, k, &bytes, &pk, sealed))
            .await
            .map_err(|e| StoreError::Config(e.to_string()))??;
        let at = now;
        let failed = opened.len() < project.method.min_bids();
        let mut record = OpeningRecord {
            lot_id,
            opened_at: at,
            officials: presented.iter().map(|p| p.0).collect(),
            bids: opened,
            failed,
            log_seq: 0,
            hash: String::new(),
            signature: String::new(),
        };
        let mut tx = self.store.pool.begin().await?;
        for b in &record.bids {
            sqlx::query(
                "UPDATE trading_bids SET status = 'opened', price_fen = $1, files = $2, opened = $3
                 WHERE id = $4 AND status = 'sealed'",
            )
            .bind(b.price_fen)
            .bind(serde_json::to_string(&b.files).unwrap_or_default())
            .bind(at)
            .bind(b.bid_id)
            .execute(&mut *tx)
            .await?;
        }
        for (staff, _) in &presented {
            sqlx::query(
                "UPDATE trading_shares SET presented_at = $1 WHERE lot_id = $2 AND staff_id = $3",
            )
            .bind(at)
            .bind(lot_id)
            .bind(*staff)
            .execute(&mut *tx)
            .await?;
        }
        let body = serde_json::to_value(&record).map_err(|e| StoreError::Config(e.to_string()))?;
        let (seq, hash, signature) =
            append_log(&mut tx, lot_id, "opening", &body, Some(key), at).await?;
        record.log_seq = seq;
        record.hash = hash;
        record.signature = signature.unwrap_or_default();
        let status = if failed {
            LotStatus::Failed
        } else {
            LotStatus::Opened
        };
        super::move_lot(
            &mut tx,
            lot_id,
            (LotStatus::Published, status),
            Some(at),
            "该标段已开标",
        )
        .await?;
        let mut lines: Vec<String> = record
            .bids
            .iter()
            .map(|b| {
                format!(
                    "{}（{}）：投标报价 {} 元",
                    b.company, b.bidder_credit_code, b.price
                )
            })
            .collect();
        if lines.is_empty() {
            lines.push("无有效投标".into());
        }
        super::announce(
            &mut tx,
            &project,
            Some(lot_id),
            AnnouncementKind::Opening,
            &format!("{} {} 开标记录", project.name, lot.name),
            &format!(
                "{}\n\n开标记录摘要（SHA-256）：{}\n签名（Ed25519）：{}",
                lines.join("\n"),
                record.hash,
                record.signature
            ),
            None,
            by,
            at,
        )
        .await?;
        if failed {
            super::announce(
                &mut tx,
                &project,
                Some(lot_id),
                AnnouncementKind::Failed,
                &format!("{} {} 流标公告", project.name, lot.name),
                &format!(
                    "有效投标不足 {} 家（实收 {} 家），本标段招标失败。",
                    project.method.min_bids(),
                    record.bids.len()
                ),
                None,
                by,
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(record)
    }

    /// Checks each presented share against the hash kept when the lot was published; a share
    /// that is not this lot's, or not its official's, is refused by name. Returns (official,
    /// share) once each.
    async fn check_shares(
        self,
        lot: &Lot,
        shares: &[String],
    ) -> StoreResult<Vec<(StaffId, Vec<u8>)>> {
        let kept: Vec<(StaffId, String, String)> = sqlx::query_as(
            "SELECT s.staff_id, s.share_hash, st.name FROM trading_shares s JOIN staff st ON st.id = s.staff_id
             WHERE s.lot_id = $1",
        )
        .bind(lot.id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut out: Vec<(StaffId, Vec<u8>)> = Vec::new();
        for (n, text) in shares.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let field = format!("shares[{n}]");
            let Some((l, staff, bytes)) = ShareText::parse(text) else {
                return Err(invalid(&field, "密钥份额格式不正确"));
            };
            let Some((_, hash, name)) = kept.iter().find(|k| k.0 == staff) else {
                return Err(invalid(&field, "该份额不属于本标段的开标人"));
            };
            if l != lot.id || seal::sha256_hex(&bytes) != *hash {
                return Err(invalid(&field, format!("{name}的密钥份额不正确")));
            }
            if !out.iter().any(|o| o.0 == staff) {
                out.push((staff, bytes));
            }
        }
        if out.len() < lot.threshold as usize {
            return Err(invalid(
                "shares",
                SealError::TooFewShares {
                    needed: lot.threshold as usize,
                    got: out.len(),
                }
                .to_string(),
            ));
        }
        Ok(out)
    }

    /// A lot's published opening record.
    pub async fn opening(self, lot_id: i64) -> StoreResult<Option<OpeningRecord>> {
        let row: Option<(String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT body, seq, hash, signature FROM trading_log WHERE lot_id = $1 AND kind = 'opening'",
        )
        .bind(lot_id)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(row.and_then(|(body, seq, hash, signature)| {
            let mut r: OpeningRecord = serde_json::from_str(&body).ok()?;
            r.log_seq = seq;
            r.hash = hash;
            r.signature = signature.unwrap_or_default();
            Some(r)
        }))
    }
}

fn check_bid(price_fen: i64, files: &[(String, Vec<u8>)]) -> StoreResult<()> {
    let mut e = onewindow_domain::org::FieldErrors::new();
    if price_fen <= 0 || price_fen > MAX_FEN {
        e.add("price", "投标报价应为大于 0 且不超过一万亿元的金额");
    }
    if files.is_empty() || files.len() > MAX_BID_FILES {
        e.add("files", format!("投标文件应为 1–{MAX_BID_FILES} 个"));
    }
    let mut total = 0usize;
    for (n, (name, bytes)) in files.iter().enumerate() {
        check_file(&mut e, &format!("files[{n}]"), name, bytes);
        total = total.saturating_add(bytes.len());
    }
    if total > MAX_BID_BYTES {
        e.add("files", "投标文件合计不能超过 100 MB");
    }
    Ok(e.into_result()?)
}

/// Seals a bid's files as blobs and its header; returns the sealed header (hex) and the bid's
/// sealed hash.
fn seal_bid(
    lot: i64,
    pk: &str,
    bidder: String,
    company: String,
    price_fen: i64,
    files: Vec<(String, Vec<u8>)>,
    blobs: &BlobStore,
) -> StoreResult<(String, String)> {
    let fail = |e: SealError| StoreError::Config(e.to_string());
    let mut sealed_files = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let sha256 = seal::sha256_hex(&bytes);
        let aad = format!("lot:{lot}:file:{sha256}");
        let sealed = seal::seal(pk, aad.as_bytes(), &bytes).map_err(fail)?;
        let blob = blobs.put_content(&sealed)?;
        sealed_files.push(BidFile {
            name,
            sha256,
            size: bytes.len() as i64,
            sealed: blob,
        });
    }
    let header = Header {
        lot,
        bidder,
        company,
        price_fen,
        files: sealed_files,
    };
    let plain = serde_json::to_vec(&header).map_err(|e| StoreError::Config(e.to_string()))?;
    let sealed = seal::seal(pk, format!("lot:{lot}:bid").as_bytes(), &plain).map_err(fail)?;
    let mut whole = sealed.clone();
    for f in &header.files {
        whole.extend_from_slice(f.sealed.as_bytes());
    }
    Ok((hex::encode(sealed), seal::sha256_hex(&whole)))
}

/// Rebuilds the key and opens every header.
fn open_bids(
    lot: i64,
    k: u8,
    shares: &[Vec<u8>],
    pk: &str,
    sealed: Vec<(i64, String, String)>,
) -> StoreResult<Vec<OpenedBid>> {
    let sk = seal::rebuild(k, shares, pk).map_err(|e| invalid("shares", e.to_string()))?;
    let aad = format!("lot:{lot}:bid");
    sealed
        .into_iter()
        .map(|(id, header, sealed_hash)| {
            let bytes = hex::decode(header).map_err(|_| StoreError::Config(format!("bid {id}")))?;
            let plain = seal::open(&sk, aad.as_bytes(), &bytes)
                .map_err(|e| StoreError::Config(format!("bid {id}: {e}")))?;
            let h: Header = serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Config(format!("bid {id}: {e}")))?;
            Ok(OpenedBid {
                bid_id: id,
                bidder_credit_code: h.bidder,
                company: h.company,
                price_fen: h.price_fen,
                price: fen_to_yuan(h.price_fen),
                files: h.files,
                sealed_hash,
            })
        })
        .collect()
}
