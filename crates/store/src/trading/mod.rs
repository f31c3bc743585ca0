//! 公共资源交易 in the store: projects and lots, announcements (with the law's minimum periods,
//! a late clarification moving the deadline), bidders' registrations, document downloads and
//! questions (`mod`); the officials' keys, the lots' shares, sealed bids and the opening, with
//! each lot's hash-chained log (`bids`); the expert pool and the draws (`experts`). The trading
//! tables are written here only.

mod auction;
mod award;
mod bids;
mod evaluation;
mod experts;
pub mod ocds;
pub mod seal;
pub mod statistics;

pub use auction::{AuctionView, ListingInput, OfferView};
pub use award::{Award, Candidate, Contract, Objection, Publicity};
pub use bids::{BidReceipt, BidView, OpenedBid, OpeningRecord, ShareText};
pub use evaluation::Evaluation;
pub use experts::{Draw, Expert, ExpertInput};

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::{AccountId, CreditCode, StaffId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::trading::{
    AnnouncementKind, LotStatus, Method, Sector, parse_yuan, periods, text,
};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult, TradingStore, now_ms};

/// The most lots in one project, opening officials of one lot.
pub const MAX_LOTS: usize = 50;
pub const MAX_OFFICIALS: usize = 9;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, message))
}

/// A project as entered: names, the owner and agency by credit code, budget, its lots.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInput {
    /// 项目编号, unique.
    pub code: String,
    pub name: String,
    pub sector: String,
    pub method: String,
    pub owner_name: String,
    pub owner_credit_code: String,
    #[serde(default)]
    pub agency_name: Option<String>,
    #[serde(default)]
    pub agency_credit_code: Option<String>,
    /// Yuan, as text (`1234.56`).
    pub budget: String,
    pub funding_source: String,
    pub lots: Vec<LotInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotInput {
    pub name: String,
    /// Yuan, as text.
    pub budget: String,
}

/// A project as pages and the API show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: i64,
    pub code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub sector: Sector,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub method: Method,
    pub owner_name: String,
    pub owner_credit_code: String,
    pub agency_name: Option<String>,
    pub agency_credit_code: Option<String>,
    pub budget_fen: i64,
    pub funding_source: String,
    pub created_at: i64,
}

/// A lot with its timeline.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lot {
    pub id: i64,
    pub project_id: i64,
    pub seq: i64,
    pub name: String,
    pub budget_fen: i64,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: LotStatus,
    /// k: shares needed to open.
    pub threshold: i64,
    pub docs_name: Option<String>,
    pub docs_sha256: Option<String>,
    pub docs_issued_on: Option<String>,
    /// UTC milliseconds.
    pub bid_deadline: Option<i64>,
    pub opening_at: Option<i64>,
    /// The opening key's public half (hex): bids are sealed to it.
    pub public_key: Option<String>,
    pub published_at: Option<i64>,
    pub opened_at: Option<i64>,
    /// The lot log's last entry: its position and hash.
    pub log_seq: i64,
    pub log_head: String,
    /// The hash of the last bid receipt (a seed value of the expert draw).
    pub last_receipt: Option<String>,
}

/// An announcement as published.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Announcement {
    pub id: i64,
    pub project_id: i64,
    pub lot_id: Option<i64>,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: AnnouncementKind,
    pub title: String,
    pub body: String,
    /// The bid deadline this clarification moved to (UTC ms).
    pub moved_to: Option<i64>,
    pub published_at: i64,
}

/// A lot's publication: the documents, the timeline and the opening officials.
#[derive(Debug, Clone)]
pub struct PublishInput {
    pub title: String,
    pub body: String,
    /// The documents as stored in the blob store: name and SHA-256.
    pub docs: (String, String),
    pub docs_issued_on: NaiveDate,
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    pub officials: Vec<StaffId>,
    pub threshold: u8,
}

/// A clarification or change of a lot's documents (澄清更正).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clarification {
    pub title: String,
    pub body: String,
    /// Whether it changes the documents (then a late one moves the deadline).
    #[serde(default)]
    pub changes_documents: bool,
}

/// A question and its answer as every registered bidder reads them: who asked is not shown.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub id: i64,
    pub lot_id: i64,
    pub question: String,
    pub answer: Option<String>,
    pub asked_at: i64,
    pub answered_at: Option<i64>,
}

/// The business date of a UTC instant (Asia/Shanghai).
pub fn local_date(ms: i64) -> NaiveDate {
    crate::local(ms).date()
}

const PROJECT_COLS: &str = "id, code, name, sector, method, owner_name, owner_credit_code,
    agency_name, agency_credit_code, budget_fen, funding_source, created_at";

const LOT_COLS: &str = "id, project_id, seq, name, budget_fen, status, threshold, docs_name, docs_sha256,
    docs_issued_on, bid_deadline, opening_at, public_key, published_at, opened_at, log_seq, log_head,
    last_receipt";

impl TradingStore<'_> {
    /// Records a project and its lots (drafts until each is published).
    pub async fn create_project(self, input: &ProjectInput, by: AccountId) -> StoreResult<Project> {
        let mut e = FieldErrors::new();
        let code = text(&mut e, "code", &input.code, "项目编号", 40);
        let name = text(&mut e, "name", &input.name, "项目名称", 200);
        let sector = input.sector.parse::<Sector>().unwrap_or_else(|_| {
            e.add("sector", "请选择交易领域");
            Sector::Procurement
        });
        let method = input.method.parse::<Method>().unwrap_or_else(|_| {
            e.add("method", "请选择交易方式");
            Method::OpenTender
        });
        let owner = text(
            &mut e,
            "owner_name",
            &input.owner_name,
            "招标人（采购人）",
            200,
        );
        let owner_code = credit(&mut e, "owner_credit_code", &input.owner_credit_code);
        let agency = match input.agency_name.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => Some(text(&mut e, "agency_name", a, "代理机构", 200)),
            _ => None,
        };
        let agency_code = match (&agency, input.agency_credit_code.as_deref()) {
            (Some(_), Some(c)) => Some(credit(&mut e, "agency_credit_code", c)),
            (Some(_), None) => {
                e.add("agency_credit_code", "请填写代理机构的统一社会信用代码");
                None
            }
            (None, _) => None,
        };
        let budget = parse_yuan(&mut e, "budget", &input.budget);
        let funding = text(
            &mut e,
            "funding_source",
            &input.funding_source,
            "资金来源",
            100,
        );
        if input.lots.is_empty() || input.lots.len() > MAX_LOTS {
            e.add("lots", format!("一个项目应有 1–{MAX_LOTS} 个标段（包）"));
        }
        let lots: Vec<(String, i64)> = input
            .lots
            .iter()
            .take(MAX_LOTS)
            .enumerate()
            .map(|(n, l)| {
                (
                    text(&mut e, &format!("lots[{n}].name"), &l.name, "标段名称", 200),
                    parse_yuan(&mut e, &format!("lots[{n}].budget"), &l.budget),
                )
            })
            .collect();
        if lots.iter().map(|l| l.1).sum::<i64>() > budget && budget > 0 {
            e.add("lots", "各标段预算之和不能超过项目预算");
        }
        e.into_result()?;
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_projects (code, name, sector, method, owner_name, owner_credit_code,
                 agency_name, agency_credit_code, budget_fen, funding_source, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(&code)
        .bind(&name)
        .bind(sector.key())
        .bind(method.key())
        .bind(&owner)
        .bind(&owner_code)
        .bind(&agency)
        .bind(&agency_code)
        .bind(budget)
        .bind(&funding)
        .bind(by)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| unique(err, "code", "项目编号已存在"))?;
        for (n, (lot, budget)) in lots.iter().enumerate() {
            sqlx::query(
                "INSERT INTO trading_lots (project_id, seq, name, budget_fen, status, threshold, created_at)
                 VALUES ($1, $2, $3, $4, 'draft', 0, $5)",
            )
            .bind(id)
            .bind(n as i64 + 1)
            .bind(lot)
            .bind(budget)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.project(id).await
    }

    pub async fn project(self, id: i64) -> StoreResult<Project> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM trading_projects WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("project"))
    }

    /// The newest projects first.
    pub async fn projects(self, limit: i64) -> StoreResult<Vec<Project>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM trading_projects ORDER BY id DESC LIMIT CAST($1 AS BIGINT)"
        )))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn lot(self, id: i64) -> StoreResult<Lot> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {LOT_COLS} FROM trading_lots WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("lot"))
    }

    pub async fn lots(self, project: i64) -> StoreResult<Vec<Lot>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {LOT_COLS} FROM trading_lots WHERE project_id = $1 ORDER BY seq"
        )))
        .bind(project)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Publishes a lot: checks the law's period for its method, makes its opening key, seals each
    /// official's share to their key, and publishes the tender (or 单一来源) announcement.
    pub async fn publish_lot(
        self,
        lot_id: i64,
        input: &PublishInput,
        cal: &WorkCalendar,
        by: AccountId,
        now: i64,
    ) -> StoreResult<Announcement> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        if lot.status != LotStatus::Draft {
            return Err(invalid("lot", "该标段已发布"));
        }
        if !project.method.takes_sealed_bids() {
            return Err(invalid("lot", "拍卖/挂牌标的请发布挂牌出让公告"));
        }
        let mut e = FieldErrors::new();
        let title = text(&mut e, "title", &input.title, "公告标题", 200);
        let body = text(&mut e, "body", &input.body, "公告正文", 20_000);
        let deadline = input.bid_deadline.timestamp_millis();
        let opening = input.opening_at.timestamp_millis();
        if let Err(b) = periods::response_period(project.method).check(
            cal,
            input.docs_issued_on,
            local_date(deadline),
        ) {
            e.add("bid_deadline", b.0);
        }
        if input.docs_issued_on < local_date(now) {
            e.add("docs_issued_on", "文件发出日期不能早于今天");
        }
        if opening < deadline {
            e.add("opening_at", "开标时间不能早于投标截止时间");
        }
        let mut officials = input.officials.clone();
        officials.sort_unstable();
        officials.dedup();
        let n = officials.len();
        let k = usize::from(input.threshold);
        if !(2..=MAX_OFFICIALS).contains(&n) {
            e.add("officials", format!("开标人应为 2–{MAX_OFFICIALS} 名"));
        } else if k < 2 || k > n {
            e.add(
                "threshold",
                format!("开标所需份额应在 2 与开标人数 {n} 之间"),
            );
        }
        e.into_result()?;
        let keys = self.official_keys(&officials).await?;
        let lot_key = seal::new_lot_key(input.threshold, n as u8);
        let mut sealed = Vec::with_capacity(n);
        for ((staff, pk), share) in keys.iter().zip(&lot_key.shares) {
            let aad = share_aad(lot_id, *staff);
            let s = seal::seal(pk, aad.as_bytes(), share)
                .map_err(|e| invalid("officials", e.to_string()))?;
            sealed.push((*staff, share[0], hex::encode(s), seal::sha256_hex(share)));
        }
        drop(lot_key.shares);
        let at = now;
        let mut tx = self.store.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE trading_lots SET status = 'published', threshold = $1, docs_name = $2, docs_sha256 = $3,
                 docs_issued_on = $4, bid_deadline = $5, opening_at = $6, public_key = $7, published_at = $8
             WHERE id = $9 AND status = 'draft'",
        )
        .bind(i64::from(input.threshold))
        .bind(&input.docs.0)
        .bind(&input.docs.1)
        .bind(input.docs_issued_on.to_string())
        .bind(deadline)
        .bind(opening)
        .bind(&lot_key.public_key)
        .bind(at)
        .bind(lot_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(invalid("lot", "该标段已发布"));
        }
        for (staff, idx, sealed, hash) in &sealed {
            sqlx::query(
                "INSERT INTO trading_shares (lot_id, staff_id, idx, sealed, share_hash) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(lot_id)
            .bind(*staff)
            .bind(i64::from(*idx))
            .bind(sealed)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        }
        let kind = if project.method == Method::SingleSource {
            AnnouncementKind::SingleSource
        } else {
            AnnouncementKind::Tender
        };
        let id = announce(
            &mut tx,
            &project,
            Some(lot_id),
            kind,
            &title,
            &body,
            None,
            by,
            at,
        )
        .await?;
        bids::append_log(
            &mut tx,
            lot_id,
            "published",
            &serde_json::json!({
                "public_key": lot_key.public_key,
                "threshold": input.threshold,
                "officials": officials,
                "bid_deadline": deadline,
                "opening_at": opening,
                "docs_sha256": input.docs.1,
            }),
            None,
            at,
        )
        .await?;
        tx.commit().await?;
        self.announcement(id).await
    }

    /// Publishes a clarification or change (澄清更正). One that changes the documents too close
    /// to the deadline moves the deadline (and the opening with it) as far as the law requires.
    pub async fn clarify(
        self,
        lot_id: i64,
        input: &Clarification,
        cal: &WorkCalendar,
        by: AccountId,
        now: i64,
    ) -> StoreResult<Announcement> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        let deadline = match (lot.status, lot.bid_deadline) {
            (LotStatus::Published, Some(d)) if now < d => d,
            _ => return Err(invalid("lot", "投标截止后不能再发布澄清更正")),
        };
        let mut e = FieldErrors::new();
        let title = text(&mut e, "title", &input.title, "公告标题", 200);
        let body = text(&mut e, "body", &input.body, "公告正文", 20_000);
        e.into_result()?;
        let moved = periods::moved_deadline(
            project.method,
            cal,
            local_date(now),
            local_date(deadline),
            input.changes_documents,
        )
        .map_err(|b| invalid("body", b.0))?
        .map(|day| {
            // The same time of day, on the first day the law allows.
            deadline + (day - local_date(deadline)).num_milliseconds()
        });
        let at = now;
        let mut tx = self.store.pool.begin().await?;
        if let Some(to) = moved {
            let shift = to - deadline;
            sqlx::query(
                "UPDATE trading_lots SET bid_deadline = $1, opening_at = opening_at + $2 WHERE id = $3",
            )
            .bind(to)
            .bind(shift)
            .bind(lot_id)
            .execute(&mut *tx)
            .await?;
        }
        let id = announce(
            &mut tx,
            &project,
            Some(lot_id),
            AnnouncementKind::Clarification,
            &title,
            &body,
            moved,
            by,
            at,
        )
        .await?;
        tx.commit().await?;
        self.announcement(id).await
    }

    pub async fn announcement(self, id: i64) -> StoreResult<Announcement> {
        sqlx::query_as(
            "SELECT id, project_id, lot_id, kind, title, body, moved_to, published_at
             FROM trading_announcements WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("announcement"))
    }

    /// Announcements, newest first; of one project when named.
    pub async fn announcements(
        self,
        project: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Announcement>> {
        Ok(sqlx::query_as(
            "SELECT id, project_id, lot_id, kind, title, body, moved_to, published_at
             FROM trading_announcements WHERE ($1 IS NULL OR project_id = $1)
             ORDER BY published_at DESC, id DESC LIMIT CAST($2 AS BIGINT)",
        )
        .bind(project)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Registers a company for a lot (报名) while bids are taken.
    pub async fn register(self, lot_id: i64, account: AccountId, now: i64) -> StoreResult<()> {
        let lot = self.lot(lot_id).await?;
        open_for_bids(&lot, now)?;
        let company: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT credit_code, display_name FROM accounts WHERE id = $1 AND kind = 'company'",
        )
        .bind(account)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((Some(code), name)) = company else {
            return Err(invalid(
                "account",
                "只有以统一社会信用代码注册的法人账户可以报名",
            ));
        };
        sqlx::query(
            "INSERT INTO trading_registrations (lot_id, account_id, credit_code, company, registered_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (lot_id, account_id) DO NOTHING",
        )
        .bind(lot_id)
        .bind(account)
        .bind(code)
        .bind(name)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// Whether the company registered for the lot.
    pub async fn is_registered(self, lot_id: i64, account: AccountId) -> StoreResult<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM trading_registrations WHERE lot_id = $1 AND account_id = $2",
        )
        .bind(lot_id)
        .bind(account)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The documents for a registered bidder (name and SHA-256), their download recorded.
    pub async fn download_documents(
        self,
        lot_id: i64,
        account: AccountId,
    ) -> StoreResult<(String, String)> {
        let lot = self.lot(lot_id).await?;
        if !self.is_registered(lot_id, account).await? {
            return Err(invalid("lot", "请先报名再下载招标（采购）文件"));
        }
        sqlx::query(
            "UPDATE trading_registrations SET downloaded_at = COALESCE(downloaded_at, $1)
             WHERE lot_id = $2 AND account_id = $3",
        )
        .bind(now_ms())
        .bind(lot_id)
        .bind(account)
        .execute(&self.store.pool)
        .await?;
        match (lot.docs_name, lot.docs_sha256) {
            (Some(n), Some(h)) => Ok((n, h)),
            _ => Err(StoreError::NotFound("documents")),
        }
    }

    /// A registered bidder's question (答疑), before the deadline.
    pub async fn ask(
        self,
        lot_id: i64,
        account: AccountId,
        question: &str,
        now: i64,
    ) -> StoreResult<Question> {
        let lot = self.lot(lot_id).await?;
        open_for_bids(&lot, now)?;
        if !self.is_registered(lot_id, account).await? {
            return Err(invalid("lot", "请先报名再提问"));
        }
        let mut e = FieldErrors::new();
        let q = text(&mut e, "question", question, "问题", 2000);
        e.into_result()?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_questions (lot_id, account_id, question, asked_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(lot_id)
        .bind(account)
        .bind(q)
        .bind(now_ms())
        .fetch_one(&self.store.pool)
        .await?;
        self.question(id).await
    }

    /// Answers a question; the answer goes to every registered bidder, without who asked.
    pub async fn answer(self, question_id: i64, answer: &str) -> StoreResult<Question> {
        let mut e = FieldErrors::new();
        let a = text(&mut e, "answer", answer, "答复", 5000);
        e.into_result()?;
        let q = self.question(question_id).await?;
        if q.answer.is_some() {
            return Err(invalid("answer", "该问题已答复"));
        }
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("UPDATE trading_questions SET answer = $1, answered_at = $2 WHERE id = $3 AND answer IS NULL")
            .bind(&a)
            .bind(at)
            .bind(question_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO notifications (account_id, case_id, title, body, created_at)
             SELECT account_id, NULL, '招标（采购）答疑', $1, $2 FROM trading_registrations WHERE lot_id = $3",
        )
        .bind(format!("问：{}\n答：{a}", q.question))
        .bind(at)
        .bind(q.lot_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.question(question_id).await
    }

    pub async fn question(self, id: i64) -> StoreResult<Question> {
        sqlx::query_as(
            "SELECT id, lot_id, question, answer, asked_at, answered_at FROM trading_questions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("question"))
    }

    /// A lot's questions; only the answered ones unless `all` (its staff).
    pub async fn questions(self, lot_id: i64, all: bool) -> StoreResult<Vec<Question>> {
        Ok(sqlx::query_as(
            "SELECT id, lot_id, question, answer, asked_at, answered_at FROM trading_questions
             WHERE lot_id = $1 AND ($2 = 1 OR answer IS NOT NULL) ORDER BY id",
        )
        .bind(lot_id)
        .bind(i64::from(all))
        .fetch_all(&self.store.pool)
        .await?)
    }
}

/// Bids are taken from publication until the deadline.
fn open_for_bids(lot: &Lot, now: i64) -> StoreResult<()> {
    match (lot.status, lot.bid_deadline) {
        (LotStatus::Published, Some(d)) if now < d => Ok(()),
        (LotStatus::Published, Some(_)) => Err(invalid("lot", "已过投标截止时间")),
        _ => Err(invalid("lot", "该标段未在公告期内")),
    }
}

fn credit(e: &mut FieldErrors, field: &str, raw: &str) -> String {
    match CreditCode::parse(raw.trim()) {
        Ok(c) => c.to_string(),
        Err(_) => {
            e.add(field, "统一社会信用代码不正确（18 位，校验码须正确）");
            String::new()
        }
    }
}

fn unique(err: sqlx::Error, field: &str, message: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(d) if d.is_unique_violation() => invalid(field, message),
        _ => err.into(),
    }
}

fn share_aad(lot: i64, staff: StaffId) -> String {
    format!("lot:{lot}:share:{staff}")
}

/// Moves a lot from one status to the next in the caller's transaction (with the time it was
/// opened or its listing ended, when given); refused with `refusal` when the lot is no longer in
/// the first, so that two commands cannot both move it.
pub(super) async fn move_lot(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lot_id: i64,
    (from, to): (LotStatus, LotStatus),
    opened_at: Option<i64>,
    refusal: &str,
) -> StoreResult<()> {
    let moved = sqlx::query(
        "UPDATE trading_lots SET status = $1, opened_at = COALESCE($2, opened_at)
         WHERE id = $3 AND status = $4",
    )
    .bind(to.key())
    .bind(opened_at)
    .bind(lot_id)
    .bind(from.key())
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(invalid("lot", refusal));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn announce(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project: &Project,
    lot: Option<i64>,
    kind: AnnouncementKind,
    title: &str,
    body: &str,
    moved_to: Option<i64>,
    by: AccountId,
    at: i64,
) -> StoreResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO trading_announcements (project_id, lot_id, kind, title, body, moved_to, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(project.id)
    .bind(lot)
    .bind(kind.key())
    .bind(title)
    .bind(body)
    .bind(moved_to)
    .bind(by)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
