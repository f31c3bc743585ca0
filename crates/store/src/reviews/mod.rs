//! 好差评: the centre's reasons and deadlines, ratings of cases (through the case engine, as an
//! event of the case) and of visits (the windows' tablets, `tablets`), the reviews as the
//! department (anonymous, in the web layer) and supervisors (real-name) read them, the answers
//! to bad reviews and appeals (`answers`), and the figures from the day's rollups. The review
//! tables are written here and by the reviews projection only.

mod answers;
pub mod complaints;
pub mod consult;
pub mod hotline;
mod tablets;

pub use answers::{Answerer, Appeal, HandlingView, LogEntry};
pub use tablets::{Tablet, Visit};

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, Command};
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{RatingInput, ReviewChannel, ReviewPolicy, check_reason};
use serde::Serialize;

use crate::case::commands::CommandRequest;
use crate::hall::applicant_actor as applicant;
use crate::infra::batch::{WriteBatch, sql};
use crate::supervision::rate;
use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// Adds `n` reviews (1, or -1 for one an appeal excludes) and `rectified` rectifications to the
/// figures of the review whose source is `source`, on its day, in each dimension it has.
pub(crate) fn rollup(
    batch: &mut WriteBatch,
    source: &str,
    n: i64,
    rectified: i64,
) -> StoreResult<()> {
    for dimension in Dimension::ALL {
        batch.add(
            sql!(
                "INSERT INTO review_rollups (dimension, day, unit, department_id, reviews, good, medium, bad,
                                             answerable, rectified)
                 SELECT :dimension, r.day,
                        CASE :dimension WHEN 'department' THEN CAST(r.department_id AS TEXT)
                                        WHEN 'window' THEN CAST(r.window_id AS TEXT)
                                        WHEN 'staff' THEN CAST(r.staff_id AS TEXT)
                                        WHEN 'item' THEN CAST(r.item_id AS TEXT)
                                        ELSE r.channel END,
                        r.department_id, :n,
                        CASE WHEN r.grade = 'good' THEN :n ELSE 0 END,
                        CASE WHEN r.grade = 'medium' THEN :n ELSE 0 END,
                        CASE WHEN r.grade = 'bad' THEN :n ELSE 0 END,
                        CASE WHEN r.grade = 'bad' AND r.real_name = 1 THEN :n ELSE 0 END,
                        :rectified
                 FROM reviews r
                 WHERE r.source = :source
                   AND (CASE :dimension WHEN 'window' THEN r.window_id WHEN 'staff' THEN r.staff_id
                                        WHEN 'item' THEN r.item_id ELSE 0 END) IS NOT NULL
                 ON CONFLICT (dimension, day, unit, department_id) DO UPDATE SET
                    reviews = review_rollups.reviews + excluded.reviews,
                    good = review_rollups.good + excluded.good,
                    medium = review_rollups.medium + excluded.medium,
                    bad = review_rollups.bad + excluded.bad,
                    answerable = review_rollups.answerable + excluded.answerable,
                    rectified = review_rollups.rectified + excluded.rectified"
            ),
            vec![
                ("dimension", dimension.key().into()),
                ("n", n.into()),
                ("rectified", rectified.into()),
                ("source", source.into()),
            ],
        )?;
    }
    Ok(())
}

/// Appends a step to one of the context's logs (`sql` inserts record, step, body, account,
/// name and time, in that order): what was done to a record and by whom is kept, never edited.
pub(crate) async fn log_step(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &'static str,
    (id, step, body): (i64, &str, &str),
    (by, name, at): (AccountId, &str, i64),
) -> StoreResult<()> {
    sqlx::query(sql)
        .bind(id)
        .bind(step)
        .bind(body)
        .bind(by)
        .bind(name)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

onewindow_domain::code_enum! {
    /// What the figures are counted by.
    pub enum Dimension {
        Department = "department", "部门";
        Window = "window", "窗口";
        Staff = "staff", "工作人员";
        Item = "item", "事项";
        Channel = "channel", "评价渠道";
    }
}

/// A reason a bad review may give, as the centre keeps its list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    pub id: i64,
    pub text: String,
    #[sqlx(try_from = "i64")]
    pub active: crate::Flag,
}

/// A review with the names it refers to; the reviewer's name, id number and mobile are for
/// supervisors (`anonymous` clears them for the department's staff).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    pub department: String,
    pub window: Option<String>,
    pub staff: Option<String>,
    pub item: Option<String>,
    /// pc, mobile, qr, tablet, terminal, phone, sms.
    pub channel: String,
    /// A.8 code, 1 非常满意 … 5 非常不满意.
    pub level: i64,
    /// good, medium or bad.
    pub grade: String,
    pub reasons: Vec<String>,
    pub comment: String,
    /// A follow-up review (追评).
    pub follow_up: bool,
    pub reviewer_name: String,
    pub reviewer_id_number: String,
    pub reviewer_mobile: String,
    pub real_name: bool,
    pub day: String,
    pub at: i64,
    /// The last day the department may appeal.
    pub appeal_by: String,
    /// Taken out of the figures by an upheld appeal (kept in the record).
    pub excluded: bool,
    /// A real-name bad review's answer.
    pub handling: Option<answers::HandlingView>,
    pub appeal: Option<answers::Appeal>,
    /// Every step of the answer, oldest first (on a review read alone).
    pub log: Vec<answers::LogEntry>,
}

impl Review {
    /// The review as the department's staff see it: without who gave it (好差评 is anonymous
    /// to the window staff).
    pub fn anonymous(mut self) -> Review {
        self.reviewer_name = "匿名".into();
        self.reviewer_id_number.clear();
        self.reviewer_mobile.clear();
        self
    }

    pub fn level_label(&self) -> &'static str {
        onewindow_domain::reviews::Satisfaction::from_code(self.level).map_or("", |s| s.label())
    }

    pub fn channel_label(&self) -> &'static str {
        self.channel
            .parse::<ReviewChannel>()
            .map_or("", ReviewChannel::label)
    }
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    case_id: Option<CaseId>,
    case_no: Option<String>,
    department_id: DepartmentId,
    department: Option<String>,
    window: Option<String>,
    staff: Option<String>,
    item: Option<String>,
    channel: String,
    level: i64,
    grade: String,
    reasons: String,
    comment: String,
    follow_up: i64,
    reviewer_name: String,
    reviewer_id_number: String,
    reviewer_mobile: String,
    real_name: i64,
    day: String,
    at: i64,
    appeal_by: String,
    excluded: i64,
    h_state: Option<String>,
    h_callback_by: Option<String>,
    h_rectify_by: Option<String>,
    h_rounds: Option<i64>,
    a_kind: Option<String>,
    a_grounds: Option<String>,
    a_filed_name: Option<String>,
    a_filed_at: Option<i64>,
    a_decision: Option<String>,
    a_note: Option<String>,
    a_decided_name: Option<String>,
}

impl From<ReviewRow> for Review {
    fn from(r: ReviewRow) -> Review {
        let handling = match (r.h_state, r.h_callback_by, r.h_rectify_by) {
            (Some(state), Some(callback_by), Some(rectify_by)) => Some(answers::HandlingView {
                state,
                callback_by,
                rectify_by,
                rounds: r.h_rounds.unwrap_or_default(),
            }),
            _ => None,
        };
        let appeal = match (r.a_kind, r.a_grounds, r.a_filed_name, r.a_filed_at) {
            (Some(kind), Some(grounds), Some(filed_by), Some(filed_at)) => Some(answers::Appeal {
                kind,
                grounds,
                filed_by,
                filed_at,
                decision: r.a_decision,
                note: r.a_note,
                decided_by: r.a_decided_name,
            }),
            _ => None,
        };
        Review {
            id: r.id,
            case_id: r.case_id,
            case_no: r.case_no,
            department_id: r.department_id,
            department: r.department.unwrap_or_else(|| "中心综合窗口".into()),
            window: r.window,
            staff: r.staff,
            item: r.item,
            channel: r.channel,
            level: r.level,
            grade: r.grade,
            reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
            comment: r.comment,
            follow_up: r.follow_up != 0,
            reviewer_name: r.reviewer_name,
            reviewer_id_number: r.reviewer_id_number,
            reviewer_mobile: r.reviewer_mobile,
            real_name: r.real_name != 0,
            day: r.day,
            at: r.at,
            appeal_by: r.appeal_by,
            excluded: r.excluded != 0,
            handling,
            appeal,
            log: Vec::new(),
        }
    }
}

const REVIEW_SELECT: &str = "SELECT r.id, r.case_id, c.case_no, r.department_id, d.name AS department,
        w.number || '号窗口 ' || w.name AS window, s.name AS staff, c.item_name AS item, r.channel, r.level,
        r.grade, r.reasons, r.comment, r.follow_up, r.reviewer_name, r.reviewer_id_number, r.reviewer_mobile,
        r.real_name, r.day, r.at, r.appeal_by, r.excluded,
        h.state AS h_state, h.callback_by AS h_callback_by, h.rectify_by AS h_rectify_by, h.rounds AS h_rounds,
        a.kind AS a_kind, a.grounds AS a_grounds, a.filed_name AS a_filed_name, a.filed_at AS a_filed_at,
        a.decision AS a_decision, a.note AS a_note, a.decided_name AS a_decided_name
    FROM reviews r
    LEFT JOIN cases c ON c.id = r.case_id
    LEFT JOIN departments d ON d.id = r.department_id
    LEFT JOIN windows w ON w.id = r.window_id
    LEFT JOIN staff s ON s.id = r.staff_id
    LEFT JOIN review_handling h ON h.review_id = r.id
    LEFT JOIN review_appeals a ON a.review_id = r.id";

/// Which reviews a list shows.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    /// One department's (none: every department's).
    pub department: Option<DepartmentId>,
    /// good, medium or bad.
    pub grade: Option<String>,
    /// Only bad reviews whose answer is still open, or whose appeal awaits the centre.
    pub open: bool,
    /// Only reviews with an appeal waiting for the centre's decision.
    pub appealed: bool,
    pub limit: i64,
}

/// Who rates a case.
pub enum Rater {
    /// The applicant, signed in: the account that filed the case online, or whose id number
    /// the case was filed under at a window.
    Account(AccountId),
    /// Whoever holds the case's number and query code (the QR code on the receipt).
    Code {
        case_no: String,
        code: String,
        remote: Option<String>,
    },
    /// Staff entering a review given by phone, with the caller's consent.
    Staff(Actor),
}

/// Review figures of one unit over a period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// The unit's id (a channel's key for channels).
    pub unit: String,
    pub name: String,
    pub reviews: i64,
    pub good: i64,
    pub medium: i64,
    pub bad: i64,
    /// Real-name bad reviews (to be called back and rectified) and those rectified.
    pub answerable: i64,
    pub rectified: i64,
    /// 满意率 = good ÷ all, percent, one decimal; none without reviews.
    pub satisfaction_rate: Option<f64>,
    /// 差评率 = bad ÷ all.
    pub bad_rate: Option<f64>,
    /// 差评整改率 = rectified ÷ real-name bad.
    pub rectify_rate: Option<f64>,
}

impl Figures {
    fn of(unit: String, name: String, n: [i64; 6]) -> Figures {
        let [reviews, good, medium, bad, answerable, rectified] = n;
        Figures {
            unit,
            name,
            reviews,
            good,
            medium,
            bad,
            answerable,
            rectified,
            satisfaction_rate: rate(good, reviews),
            bad_rate: rate(bad, reviews),
            rectify_rate: rate(rectified, answerable),
        }
    }
}

/// The centre's review deadlines and reasons in force, as last read.
#[derive(Clone)]
pub(crate) struct Settings {
    policy: ReviewPolicy,
    reasons: Vec<String>,
    read: std::time::Instant,
}

/// How long settings read from the database are used (another instance's change shows within).
const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl ReviewStore<'_> {
    /// The deadlines and reasons in force, from memory when read in the last few seconds.
    async fn settings(self) -> StoreResult<Settings> {
        if let Some(s) = self
            .store
            .review_settings
            .read()
            .expect("review settings lock")
            .as_ref()
            .filter(|s| s.read.elapsed() < SETTINGS_TTL)
        {
            return Ok(s.clone());
        }
        let fresh = Settings {
            policy: self.read_policy().await?,
            reasons: self
                .reasons(false)
                .await?
                .into_iter()
                .map(|r| r.text)
                .collect(),
            read: std::time::Instant::now(),
        };
        *self
            .store
            .review_settings
            .write()
            .expect("review settings lock") = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forgets the settings in memory after a change made here.
    fn settings_changed(self) {
        *self
            .store
            .review_settings
            .write()
            .expect("review settings lock") = None;
    }

    /// The centre's deadlines for bad reviews and appeals.
    pub async fn policy(self) -> StoreResult<ReviewPolicy> {
        Ok(self.settings().await?.policy)
    }

    async fn read_policy(self) -> StoreResult<ReviewPolicy> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT key, value FROM review_settings")
            .fetch_all(&self.store.pool)
            .await?;
        let mut p = ReviewPolicy::default();
        for (key, value) in rows {
            let v = u32::try_from(value).unwrap_or(0);
            match key.as_str() {
                "callback_days" => p.callback_days = v,
                "rectify_days" => p.rectify_days = v,
                "appeal_days" => p.appeal_days = v,
                _ => {}
            }
        }
        Ok(p)
    }

    pub async fn set_policy(self, p: &ReviewPolicy) -> StoreResult<()> {
        p.check()?;
        let mut tx = self.store.pool.begin().await?;
        for (key, value) in [
            ("callback_days", p.callback_days),
            ("rectify_days", p.rectify_days),
            ("appeal_days", p.appeal_days),
        ] {
            sqlx::query(
                "INSERT INTO review_settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(i64::from(value))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.settings_changed();
        Ok(())
    }

    /// The reasons' list, in order; `all` includes those switched off.
    pub async fn reasons(self, all: bool) -> StoreResult<Vec<Reason>> {
        Ok(sqlx::query_as(
            "SELECT id, text, active FROM review_reasons WHERE ($1 = 1 OR active = 1) ORDER BY position, id",
        )
        .bind(i64::from(all))
        .fetch_all(&self.store.pool)
        .await?)
    }

    async fn reason_texts(self) -> StoreResult<Vec<String>> {
        Ok(self.settings().await?.reasons)
    }

    /// Adds a reason at the end of the list (at most 30 reasons).
    pub async fn add_reason(self, text: &str) -> StoreResult<()> {
        let text = check_reason(text)?;
        let all = self.reasons(true).await?;
        if all.iter().any(|r| r.text == text) {
            return Err(FieldErrors::single("reason", "该原因已在列表中").into());
        }
        if all.len() >= 30 {
            return Err(FieldErrors::single("reason", "原因列表最多 30 项").into());
        }
        sqlx::query("INSERT INTO review_reasons (text, active, position) VALUES ($1, 1, $2)")
            .bind(&text)
            .bind(all.len() as i64 + 1)
            .execute(&self.store.pool)
            .await?;
        self.settings_changed();
        Ok(())
    }

    /// Switches a reason on or off (reviews that gave it keep it).
    pub async fn set_reason_active(self, id: i64, active: bool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE review_reasons SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&self.store.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("reason"));
        }
        self.settings_changed();
        Ok(())
    }

    /// Rates a case (一事一评) through the case engine: the review is an event of the case,
    /// refused unless the case is over, the rater may rate it, and it has not been rated and
    /// followed up already. `key` makes a retry return the first result.
    pub async fn rate_case(
        self,
        rater: Rater,
        case_id: Option<CaseId>,
        input: &RatingInput,
        today: NaiveDate,
        key: Option<String>,
    ) -> StoreResult<Review> {
        let Settings {
            policy, reasons, ..
        } = self.settings().await?;
        let rating = input.check(&reasons)?;
        let (case_id, actor, query_code) = match rater {
            Rater::Account(account_id) => {
                let case_id = case_id.ok_or(StoreError::NotFound("case"))?;
                (
                    case_id,
                    applicant(account_id),
                    self.code_for(account_id, case_id).await?,
                )
            }
            Rater::Code {
                case_no,
                code,
                remote,
            } => {
                let view = self
                    .store
                    .cases()
                    .case_by_query_code(&case_no, &code, remote.as_deref())
                    .await?;
                (
                    view.row.id,
                    applicant(AccountId(0)),
                    view.state.query_code.clone(),
                )
            }
            Rater::Staff(actor) => (case_id.ok_or(StoreError::NotFound("case"))?, actor, None),
        };
        let out = self
            .store
            .cases()
            .execute(CommandRequest {
                case_id: Some(case_id),
                expected_version: None,
                command: Command::Review {
                    rating,
                    query_code,
                    policy,
                },
                actor,
                idempotency_key: key,
                today,
                at: now_ms(),
            })
            .await?;
        // The review is the command's one event; a new review has no answer steps yet.
        let source = format!("case:{}:{}", out.case_id, out.version);
        let row: Option<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT} WHERE r.source = $1"
        )))
        .bind(source)
        .fetch_optional(&self.store.pool)
        .await?;
        let review = Review::from(row.ok_or(StoreError::NotFound("review"))?);
        if out.replayed {
            return self.get(review.id).await;
        }
        Ok(review)
    }

    /// A review sent by SMS in reply to the invitation (channel `sms`): the text starts with the
    /// level's digit (1 非常满意 … 5 非常不满意); a bad one names its reasons in words (each of the
    /// centre's reasons the text contains), and the rest is the comment. It rates the latest
    /// case of the account with mobile `from` that is over and not rated and followed up yet.
    pub async fn rate_by_sms(
        self,
        from: &str,
        text: &str,
        today: NaiveDate,
        key: Option<String>,
    ) -> StoreResult<Review> {
        let text = text.trim();
        let mut chars = text.chars();
        let level = chars
            .next()
            .and_then(|c| {
                c.to_digit(10)
                    .or_else(|| "０１２３４５".find(c).map(|i| (i / 3) as u32))
            })
            .filter(|d| (1..=5).contains(d));
        let Some(level) = level else {
            return Err(FieldErrors::single(
                "text",
                "请回复数字 1 至 5：1 非常满意，2 满意，3 基本满意，4 不满意，5 非常不满意",
            )
            .into());
        };
        let rest = chars.as_str().trim();
        let reasons: Vec<String> = self
            .reason_texts()
            .await?
            .into_iter()
            .filter(|r| rest.contains(r.as_str()))
            .collect();
        let found: Option<(AccountId, CaseId)> = sqlx::query_as(
            "SELECT a.id, c.id FROM accounts a
             JOIN cases c ON c.applicant_account = a.id
                OR (c.applicant_id <> '' AND (c.applicant_id = a.resident_id OR c.applicant_id = a.credit_code))
             WHERE a.mobile = $1 AND a.kind <> 'staff'
               AND c.stage IN ('concluded', 'delivered', 'refused', 'returned')
               AND (SELECT COUNT(*) FROM reviews r WHERE r.case_id = c.id AND r.source LIKE 'case:%') < 2
             ORDER BY c.id DESC LIMIT 1",
        )
        .bind(from.trim())
        .fetch_optional(&self.store.pool)
        .await?;
        let (account, case_id) = found.ok_or(StoreError::NotFound("case"))?;
        let input = RatingInput {
            level: Some(i64::from(level)),
            channel: ReviewChannel::Sms.key().into(),
            reasons,
            comment: rest
                .chars()
                .take(onewindow_domain::reviews::MAX_COMMENT)
                .collect(),
        };
        self.rate_case(Rater::Account(account), Some(case_id), &input, today, key)
            .await
    }

    /// For an applicant rating a case filed at a window under their id number (no account of
    /// theirs on it), the case's query code, which vouches for them to the case engine; none
    /// for their own online cases (the engine checks the account). NotFound for anyone else.
    pub(super) async fn code_for(
        self,
        account_id: AccountId,
        case_id: CaseId,
    ) -> StoreResult<Option<String>> {
        let row: Option<(Option<AccountId>, String, Option<String>)> = sqlx::query_as(
            "SELECT applicant_account, applicant_id, query_code FROM cases WHERE id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((owner, applicant_id, code)) = row else {
            return Err(StoreError::NotFound("case"));
        };
        if owner == Some(account_id) {
            return Ok(None);
        }
        let holder: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM accounts WHERE id = $1 AND kind <> 'staff' AND $2 <> ''
               AND (resident_id = $2 OR credit_code = $2)",
        )
        .bind(account_id)
        .bind(&applicant_id)
        .fetch_optional(&self.store.pool)
        .await?;
        match (holder, code) {
            (Some(_), Some(code)) if owner.is_none() => Ok(Some(code)),
            _ => Err(StoreError::NotFound("case")),
        }
    }

    /// The case with number `case_no`, if any (staff entering a review by phone).
    pub async fn case_by_no(self, case_no: &str) -> StoreResult<Option<CaseId>> {
        let row: Option<(CaseId,)> = sqlx::query_as("SELECT id FROM cases WHERE case_no = $1")
            .bind(case_no.trim())
            .fetch_optional(&self.store.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// A review with its answer's steps.
    pub async fn get(self, id: i64) -> StoreResult<Review> {
        let row: Option<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?;
        let mut review = Review::from(row.ok_or(StoreError::NotFound("review"))?);
        review.log = self.log(id).await?;
        Ok(review)
    }

    /// A case's reviews, oldest first.
    pub async fn of_case(self, case_id: CaseId) -> StoreResult<Vec<Review>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT} WHERE r.case_id = $1 ORDER BY r.id"
        )))
        .bind(case_id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(Review::from).collect())
    }

    /// Reviews, newest first.
    pub async fn list(self, f: &ReviewFilter) -> StoreResult<Vec<Review>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT}
             WHERE ($1 = 0 OR r.department_id = $1) AND ($2 = '' OR r.grade = $2)
               AND ($3 = 0 OR h.state IN ('callback', 'rectify', 'confirm')
                    OR (a.review_id IS NOT NULL AND a.decided_at IS NULL))
               AND ($4 = 0 OR (a.review_id IS NOT NULL AND a.decided_at IS NULL))
             ORDER BY r.id DESC LIMIT CAST($5 AS BIGINT)"
        )))
        .bind(f.department.map_or(0, |d| d.get()))
        .bind(f.grade.clone().unwrap_or_default())
        .bind(i64::from(f.open))
        .bind(i64::from(f.appealed))
        .bind(f.limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(Review::from).collect())
    }

    /// The figures of every unit in `dimension` over the days `from..=to` (YYYY-MM-DD), of one
    /// department or all, from the day's rollups; busiest first.
    pub async fn figures(
        self,
        dimension: Dimension,
        from: &str,
        to: &str,
        department: Option<DepartmentId>,
    ) -> StoreResult<Vec<Figures>> {
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT unit, CAST(SUM(reviews) AS BIGINT), CAST(SUM(good) AS BIGINT), CAST(SUM(medium) AS BIGINT),
                    CAST(SUM(bad) AS BIGINT), CAST(SUM(answerable) AS BIGINT), CAST(SUM(rectified) AS BIGINT)
             FROM review_rollups
             WHERE dimension = $1 AND day >= $2 AND day <= $3 AND ($4 = 0 OR department_id = $4)
             GROUP BY unit",
        )
        .bind(dimension.key())
        .bind(from)
        .bind(to)
        .bind(department.map_or(0, |d| d.get()))
        .fetch_all(&self.store.pool)
        .await?;
        let names = self.names(dimension).await?;
        let mut by_unit: std::collections::HashMap<&str, &str> = names
            .iter()
            .map(|(u, n)| (u.as_str(), n.as_str()))
            .collect();
        // An item no longer in the catalogue keeps the name its cases were filed under.
        let mut filed: Vec<(String, String)> = Vec::new();
        if dimension == Dimension::Item {
            for (unit, ..) in rows.iter().filter(|r| !by_unit.contains_key(r.0.as_str())) {
                let found: Option<(String,)> =
                    sqlx::query_as("SELECT item_name FROM cases WHERE item_id = $1 LIMIT 1")
                        .bind(unit.parse::<i64>().unwrap_or(-1))
                        .fetch_optional(&self.store.pool)
                        .await?;
                if let Some((name,)) = found {
                    filed.push((unit.clone(), name));
                }
            }
            by_unit.extend(filed.iter().map(|(u, n)| (u.as_str(), n.as_str())));
        }
        let mut out: Vec<Figures> = rows
            .into_iter()
            .map(|(unit, a, b, c, d, e, f)| {
                let name = by_unit
                    .get(unit.as_str())
                    .map_or_else(|| unit.clone(), |n| (*n).to_owned());
                Figures::of(unit, name, [a, b, c, d, e, f])
            })
            .collect();
        if dimension == Dimension::Department {
            // Every active department is listed, with or without reviews.
            for (unit, name) in names {
                if !out.iter().any(|f| f.unit == unit) {
                    out.push(Figures::of(unit, name, [0; 6]));
                }
            }
        }
        out.sort_by(|a, b| b.reviews.cmp(&a.reviews).then(a.unit.cmp(&b.unit)));
        Ok(out)
    }

    /// The display names of a dimension's units.
    async fn names(self, dimension: Dimension) -> StoreResult<Vec<(String, String)>> {
        let sql = match dimension {
            Dimension::Department => {
                "SELECT CAST(id AS TEXT), name FROM departments WHERE active = 1 ORDER BY id"
            }
            Dimension::Window => {
                "SELECT CAST(id AS TEXT), number || '号窗口 ' || name FROM windows"
            }
            Dimension::Staff => "SELECT CAST(id AS TEXT), name FROM staff",
            // The catalogue's names, not the rollups scanned again for their items.
            Dimension::Item => {
                "SELECT CAST(i.id AS TEXT), v.name FROM items i
                 JOIN item_versions v ON v.id = i.current_version_id"
            }
            Dimension::Channel => {
                return Ok(ReviewChannel::ALL
                    .iter()
                    .map(|c| (c.key().to_owned(), c.label().to_owned()))
                    .collect());
            }
        };
        Ok(sqlx::query_as(sql).fetch_all(&self.store.pool).await?)
    }
}
