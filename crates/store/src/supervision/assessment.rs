//! Supervision, second part: holding units to account. Yellow and red cards (黄牌 / 红牌) for
//! departments, windows and staff by configurable rules, with appeals; indicators per window
//! and per staff member; and the 100-point deduction scheme behind star ratings (星级评定),
//! quarterly grades and red-flag windows (红旗窗口).
//!
//! Who answers for a case: its department, the clerk who accepted it (首问负责) and the window
//! that clerk sat at (座席, `window_staff`) when they accepted it (`cases.accepted_window`).

use chrono::{Datelike, NaiveDate};
use onewindow_domain::ids::{AccountId, DepartmentId, StaffId, WindowId};
use serde::Serialize;

use onewindow_domain::case::{Actor, CaseError};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::supervision::CardStatus;

use crate::supervision::{average, rate};
use crate::{StoreError, StoreResult, now_ms};

/// A period of assessment: a month (2026-11) or a quarter (2026-Q4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub key: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub label: String,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    date(ny, nm, 1).pred_opt().expect("a day before")
}

impl Period {
    pub fn month_of(d: NaiveDate) -> Period {
        Period {
            key: format!("{:04}-{:02}", d.year(), d.month()),
            from: date(d.year(), d.month(), 1),
            to: month_end(d.year(), d.month()),
            label: format!("{}年{}月", d.year(), d.month()),
        }
    }

    pub fn quarter_of(d: NaiveDate) -> Period {
        let q = (d.month() - 1) / 3 + 1;
        Period {
            key: format!("{:04}-Q{q}", d.year()),
            from: date(d.year(), q * 3 - 2, 1),
            to: month_end(d.year(), q * 3),
            label: format!(
                "{}年第{}季度",
                d.year(),
                ["一", "二", "三", "四"][q as usize - 1]
            ),
        }
    }

    /// `YYYY-MM` or `YYYY-Qn`.
    pub fn parse(s: &str) -> Result<Period, FieldErrors> {
        let bad = || FieldErrors::single("period", "考核周期应为 2026-11（月）或 2026-Q4（季度）");
        let (y, rest) = s.trim().split_once('-').ok_or_else(bad)?;
        let y: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&y) {
            return Err(bad());
        }
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            return Ok(Period::quarter_of(date(y, q * 3, 1)));
        }
        let m: u32 = rest.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&m) {
            return Err(bad());
        }
        Ok(Period::month_of(date(y, m, 1)))
    }

    fn range(&self) -> (String, String) {
        (self.from.to_string(), self.to.to_string())
    }
}

/// What a card or a score is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Department,
    Window,
    Staff,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Department, Target::Window, Target::Staff];
    pub fn key(self) -> &'static str {
        match self {
            Target::Department => "department",
            Target::Window => "window",
            Target::Staff => "staff",
        }
    }
    pub fn from_key(k: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.key() == k)
    }
    pub fn label(self) -> &'static str {
        match self {
            Target::Department => "部门",
            Target::Window => "窗口",
            Target::Staff => "人员",
        }
    }
    /// The unit a row of a supervision table belongs to (`x`: the row, `c`: its case,
    /// `s`: the accepting clerk).
    fn column(self) -> &'static str {
        match self {
            Target::Department => "x.department_id",
            Target::Window => "c.accepted_window",
            Target::Staff => "s.id",
        }
    }
    /// The unit a case belongs to (`c`: the case, `s` as joined by `ACCEPTED_BY`).
    fn case_column(self) -> &'static str {
        match self {
            Target::Department => "c.department_id",
            _ => self.column(),
        }
    }
    /// A unit's display name, from its id in `id`.
    fn name_sql(self, id: &str) -> String {
        match self {
            Target::Department => format!("(SELECT name FROM departments WHERE id = {id})"),
            Target::Window => {
                format!("(SELECT number || '号窗口 ' || name FROM windows WHERE id = {id})")
            }
            Target::Staff => format!("(SELECT name FROM staff WHERE id = {id})"),
        }
    }
}

/// The clerk who accepted case `c` (`s`).
const ACCEPTED_BY: &str = "LEFT JOIN staff s ON s.account_id = c.accepted_by";

/// What is counted against a unit in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    OverdueCases,
    OverdueSteps,
    Urgings,
    RejectedExplanations,
    MinorFindings,
    MajorFindings,
    YellowCards,
    RedCards,
    /// 差评 not taken out by an upheld appeal (好差评).
    BadReviews,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::OverdueCases,
        Metric::OverdueSteps,
        Metric::Urgings,
        Metric::RejectedExplanations,
        Metric::MinorFindings,
        Metric::MajorFindings,
        Metric::YellowCards,
        Metric::RedCards,
        Metric::BadReviews,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Metric::OverdueCases => "overdue_cases",
            Metric::OverdueSteps => "overdue_steps",
            Metric::Urgings => "urgings",
            Metric::RejectedExplanations => "rejected_explanations",
            Metric::MinorFindings => "minor_findings",
            Metric::MajorFindings => "major_findings",
            Metric::YellowCards => "yellow_cards",
            Metric::RedCards => "red_cards",
            Metric::BadReviews => "bad_reviews",
        }
    }
    pub fn from_key(k: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == k)
    }
    pub fn label(self) -> &'static str {
        match self {
            Metric::OverdueCases => "超期办件",
            Metric::OverdueSteps => "环节超期",
            Metric::Urgings => "被催办",
            Metric::RejectedExplanations => "超期说明不予采纳",
            Metric::MinorFindings => "一般问题",
            Metric::MajorFindings => "严重问题",
            Metric::YellowCards => "黄牌",
            Metric::RedCards => "红牌",
            Metric::BadReviews => "差评",
        }
    }
    /// Cards are issued on what happened, not on other cards.
    pub fn can_raise_cards(self) -> bool {
        !matches!(self, Metric::YellowCards | Metric::RedCards)
    }

    /// Rows counted, as `FROM … WHERE …` with the period in $1..$2.
    fn source(self, target: Target) -> String {
        // The case and who accepted it, for the units that come from the case (windows,
        // staff); a department's rows name their department themselves.
        let case = |join: &str| match target {
            Target::Department => String::new(),
            _ => format!("{join} cases c ON c.id = x.case_id {ACCEPTED_BY}"),
        };
        let cards = |color: &str| {
            format!(
                "FROM cards x WHERE x.color = '{color}' AND x.status <> 'revoked' AND x.target = '{}'
                   AND x.issued_on >= $1 AND x.issued_on <= $2",
                target.key()
            )
        };
        match self {
            Metric::OverdueCases | Metric::OverdueSteps => format!(
                "FROM supervision_alerts x {} WHERE x.level = 'red' AND {}
                   AND x.raised_on >= $1 AND x.raised_on <= $2",
                case("JOIN"),
                if self == Metric::OverdueCases {
                    "x.timer_kind = 'case'"
                } else {
                    // A co-department over its branch's limit is a step over its limit.
                    "(x.timer_kind = 'step' OR x.timer_kind LIKE 'branch%')"
                }
            ),
            Metric::Urgings => format!(
                "FROM urgings x {} WHERE x.issued_on >= $1 AND x.issued_on <= $2",
                case("JOIN")
            ),
            Metric::RejectedExplanations => format!(
                "FROM urgings x {} WHERE x.decision = 'rejected'
                   AND x.issued_on >= $1 AND x.issued_on <= $2",
                case("JOIN")
            ),
            // A finding on a case a department's system reported has no case of ours: it
            // counts for the department only.
            Metric::MinorFindings | Metric::MajorFindings => format!(
                "FROM findings x JOIN finding_rules r ON r.code = x.rule_code {}
                 WHERE r.severity = '{}' AND x.raised_on >= $1 AND x.raised_on <= $2",
                case("LEFT JOIN"),
                if self == Metric::MinorFindings {
                    "minor"
                } else {
                    "major"
                }
            ),
            Metric::YellowCards => cards("yellow"),
            Metric::RedCards => cards("red"),
            // A review names its window and staff member itself (a visit has no case).
            Metric::BadReviews => "FROM reviews x
                 LEFT JOIN (SELECT id, id AS accepted_window FROM windows) c ON c.id = x.window_id
                 LEFT JOIN staff s ON s.id = x.staff_id
                 WHERE x.grade = 'bad' AND x.excluded = 0 AND x.day >= $1 AND x.day <= $2"
                .to_owned(),
        }
    }

    /// `SELECT unit, count` per unit over the period in $1..$2.
    fn count_sql(self, target: Target) -> String {
        let unit = match self {
            Metric::YellowCards | Metric::RedCards => "x.target_id",
            _ => target.column(),
        };
        format!(
            "SELECT {unit} AS unit_id, COUNT(*) AS n {} AND {unit} IS NOT NULL GROUP BY {unit}",
            self.source(target)
        )
    }
}

/// A card rule: e.g. a red card to a department with two overdue cases in a month.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardRule {
    pub code: String,
    pub name: String,
    /// department, window or staff.
    pub target: String,
    /// yellow or red.
    pub color: String,
    /// What is counted in the month (overdue_cases, overdue_steps, urgings, …).
    pub metric: String,
    /// The count in one month that earns the card.
    pub threshold: i64,
    #[sqlx(try_from = "i64")]
    pub enabled: crate::Flag,
    /// A change scheduled for the start of a later period.
    pub pending_from: Option<String>,
    pub pending_enabled: Option<i64>,
    pub pending_threshold: Option<i64>,
}

/// A change to a card rule; it takes effect at the start of a month.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardRuleChange {
    pub enabled: bool,
    pub threshold: i64,
    /// The first day of the month from which the change applies (YYYY-MM-01); at the earliest
    /// the next month, because a period is judged by one set of rules.
    pub from: String,
}

/// A card issued, with its appeal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    pub id: i64,
    pub rule_code: String,
    pub target: String,
    pub target_id: i64,
    pub target_name: Option<String>,
    pub color: String,
    /// The month (YYYY-MM).
    pub period: String,
    pub count: i64,
    pub reason: String,
    pub issued_on: String,
    /// issued, appealed, upheld or revoked.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: CardStatus,
    pub appeal: Option<String>,
    pub appealed_by: Option<AccountId>,
    pub decision_note: Option<String>,
    pub decided_by: Option<AccountId>,
}

/// One item of the 100-point deduction scheme.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deduction {
    pub code: String,
    pub name: String,
    pub points: i64,
}

/// A unit's assessment for a period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub target_id: i64,
    pub name: String,
    /// Cases the unit accepted in the period.
    pub accepted: i64,
    /// Per item of the scheme: how often and the points deducted.
    pub deductions: Vec<DeductionLine>,
    pub score: i64,
    /// 1–5 stars.
    pub stars: u8,
    /// 优秀 / 良好 / 合格 / 不合格.
    pub grade: &'static str,
    /// A window with at least the red-flag score, accepted cases and no card in the period.
    pub red_flag: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeductionLine {
    pub code: String,
    pub count: i64,
    pub points: i64,
}

/// Stars from a score: 95+ five, 90+ four, 80+ three, 70+ two, else one.
pub fn stars(score: i64) -> u8 {
    match score {
        95.. => 5,
        90..=94 => 4,
        80..=89 => 3,
        70..=79 => 2,
        _ => 1,
    }
}

/// The grade of a score: 优秀 90+, 良好 80+, 合格 60+, else 不合格.
pub fn grade(score: i64) -> &'static str {
    match score {
        90.. => "优秀",
        80..=89 => "良好",
        60..=79 => "合格",
        _ => "不合格",
    }
}

/// A window's or a staff member's indicators for cases received in a period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitIndicators {
    pub unit_id: i64,
    pub name: String,
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    pub concluded_on_time: i64,
    pub overdue: i64,
    pub urged: i64,
    pub conclusion_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub urging_rate: Option<f64>,
    pub delay_rate: Option<f64>,
    pub accuracy_rate: Option<f64>,
    pub avg_days_used: Option<f64>,
}

/// Whether `who` answers for the unit a card was given to: the staff member, staff of the
/// department, or staff seated at the window (`seats` as from `Store::seats`).
pub fn card_concerns(card: &Card, who: &Actor, seats: &[(WindowId, StaffId, String)]) -> bool {
    let Some(staff) = who.staff_id else {
        return false;
    };
    match card.target.as_str() {
        "staff" => staff.get() == card.target_id,
        "department" => who.department_id.map(DepartmentId::get) == Some(card.target_id),
        "window" => seats
            .iter()
            .any(|(window, s, _)| window.get() == card.target_id && *s == staff),
        _ => false,
    }
}

/// A card's columns, with the name of the unit it was given to.
static CARD_COLS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let names: String = Target::ALL
        .into_iter()
        .map(|t| format!(" WHEN '{}' THEN {}", t.key(), t.name_sql("target_id")))
        .collect();
    format!(
        "id, rule_code, target, target_id, CASE target{names} END AS target_name, color, period,
         count, reason, issued_on, status, appeal, appealed_by, decision_note, decided_by"
    )
});

impl crate::SupervisionStore<'_> {
    /// How often `metric` happened per unit of `target` in the period.
    pub async fn metric_counts(
        self,
        target: Target,
        metric: Metric,
        period: &Period,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let (from, to) = period.range();
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(metric.count_sql(target)))
                .bind(from)
                .bind(to)
                .fetch_all(&self.store.pool)
                .await?,
        )
    }

    pub async fn card_rules(self) -> StoreResult<Vec<CardRule>> {
        Ok(sqlx::query_as(
            "SELECT code, name, target, color, metric, threshold, enabled, pending_from, pending_enabled,
                    pending_threshold FROM card_rules ORDER BY target, color DESC, code",
        )
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Schedules a change to a card rule from the start of a later month: a month is judged by
    /// the rules it began with, so a change (switching off included) in the middle is refused.
    pub async fn change_card_rule(
        self,
        code: &str,
        change: &CardRuleChange,
        today: NaiveDate,
    ) -> StoreResult<CardRule> {
        let next = Period::month_of(today).to.succ_opt().expect("a next day");
        let mut errors = FieldErrors::new();
        match NaiveDate::parse_from_str(change.from.trim(), "%Y-%m-%d") {
            Ok(d) if d.day() == 1 && d >= next => {}
            Ok(_) => errors.add(
                "from",
                format!("考核规则不能在考核周期中途变更（含停用），最早自下一周期 {next} 起生效，且须为某月 1 日"),
            ),
            Err(_) => errors.add("from", "生效日期应为 YYYY-MM-01"),
        }
        if !(1..=100).contains(&change.threshold) {
            errors.add("threshold", "触发次数应为 1 至 100");
        }
        errors.into_result()?;
        let changed = sqlx::query(
            "UPDATE card_rules SET pending_from = $1, pending_enabled = $2, pending_threshold = $3
             WHERE code = $4",
        )
        .bind(change.from.trim())
        .bind(i64::from(change.enabled))
        .bind(change.threshold)
        .bind(code)
        .execute(&self.store.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound("card rule"));
        }
        self.card_rules()
            .await?
            .into_iter()
            .find(|r| r.code == code)
            .ok_or(StoreError::NotFound("card rule"))
    }

    /// Applies scheduled rule changes that have come into force, then issues the cards the
    /// month so far has earned (each rule, unit and month at most once) and notifies the unit.
    /// Returns the number of cards issued.
    pub async fn issue_cards(self, today: NaiveDate) -> StoreResult<u64> {
        let period = Period::month_of(today);
        let (from, to) = period.range();
        let day = today.to_string();
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE card_rules SET enabled = pending_enabled, threshold = pending_threshold,
                    pending_from = NULL, pending_enabled = NULL, pending_threshold = NULL
             WHERE pending_from IS NOT NULL AND pending_from <= $1",
        )
        .bind(&day)
        .execute(&mut *tx)
        .await?;
        let rules: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT code, name, target, color, metric, threshold FROM card_rules WHERE enabled = 1",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut issued = 0;
        for (code, name, target, color, metric, threshold) in rules {
            let (Some(target), Some(metric)) =
                (Target::from_key(&target), Metric::from_key(&metric))
            else {
                continue;
            };
            if !metric.can_raise_cards() {
                continue;
            }
            let sql = format!(
                "INSERT INTO cards (rule_code, target, target_id, color, period, count, reason, issued_on, issued_at)
                 SELECT $3, $4, t.unit_id, $5, $6, t.n, $7 || ' ' || CAST(t.n AS TEXT) || ' 次（' || $8 || '）', $9, $10
                 FROM ({}) t WHERE t.n >= $11
                 ON CONFLICT (rule_code, target_id, period) DO NOTHING",
                metric.count_sql(target)
            );
            issued += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&from)
                .bind(&to)
                .bind(&code)
                .bind(target.key())
                .bind(&color)
                .bind(&period.key)
                .bind(format!("{name}：{}", metric.label()))
                .bind(&period.label)
                .bind(&day)
                .bind(at)
                .bind(threshold)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if issued > 0 {
            sqlx::query(
                "INSERT INTO notifications (account_id, case_id, alert_id, title, body, created_at)
                 SELECT DISTINCT s.account_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
                        CASE k.color WHEN 'red' THEN '红牌警示' ELSE '黄牌警示' END, k.reason, $2
                 FROM cards k JOIN staff s ON s.active = 1 AND (
                     (k.target = 'staff' AND s.id = k.target_id)
                     OR (k.target = 'window' AND EXISTS (SELECT 1 FROM window_staff w
                            WHERE w.staff_id = s.id AND w.window_id = k.target_id))
                     OR (k.target = 'department' AND s.department_id = k.target_id AND EXISTS (
                            SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'chief_representative'))
                     OR EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'supervisor'))
                 WHERE k.issued_at = $1",
            )
            .bind(at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(issued)
    }

    /// Cards, newest first: of one month, or all.
    pub async fn cards(self, period: Option<&str>, limit: i64) -> StoreResult<Vec<Card>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM cards WHERE ($1 = '' OR period = $1) ORDER BY id DESC LIMIT CAST($2 AS BIGINT)",
            *CARD_COLS
        )))
        .bind(period.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The cards that concern `who` (see `card_concerns`), newest first: of one month, or all.
    pub async fn cards_concerning(
        self,
        who: &Actor,
        period: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<Card>> {
        let Some(staff) = who.staff_id else {
            return Ok(vec![]);
        };
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM cards WHERE ($1 = '' OR period = $1)
               AND ((target = 'staff' AND target_id = $2)
                 OR (target = 'department' AND target_id = $3)
                 OR (target = 'window'
                     AND target_id IN (SELECT window_id FROM window_staff WHERE staff_id = $2)))
             ORDER BY id DESC LIMIT CAST($4 AS BIGINT)",
            *CARD_COLS
        )))
        .bind(period.unwrap_or(""))
        .bind(staff)
        .bind(who.department_id.map_or(0, DepartmentId::get))
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn card(self, id: i64) -> StoreResult<Card> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM cards WHERE id = $1",
            *CARD_COLS
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("card"))
    }

    /// The unit appeals a card (申诉), once, with its grounds.
    pub async fn appeal_card(self, id: i64, who: &Actor, grounds: &str) -> StoreResult<Card> {
        let card = self.card(id).await?;
        if !card_concerns(&card, who, &self.seats().await?) {
            return Err(StoreError::Rejected(CaseError::NotAllowed(
                "只有被亮牌的部门、窗口或本人可以申诉",
            )));
        }
        if card.status != CardStatus::Issued {
            return Err(StoreError::Rejected(CaseError::Rule(
                "该牌已申诉过，不能再次申诉".into(),
            )));
        }
        if grounds.trim().is_empty() {
            return Err(FieldErrors::single("grounds", "请填写申诉理由").into());
        }
        sqlx::query(
            "UPDATE cards SET status = 'appealed', appeal = $1, appealed_by = $2, appealed_at = $3
             WHERE id = $4 AND status = 'issued'",
        )
        .bind(grounds.trim())
        .bind(who.account_id)
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await?;
        self.card(id).await
    }

    /// A supervisor decides an appeal: revoke the card (it no longer counts) or uphold it; the
    /// decision needs a note either way.
    pub async fn decide_card_appeal(
        self,
        id: i64,
        by: AccountId,
        revoke: bool,
        note: &str,
    ) -> StoreResult<Card> {
        let card = self.card(id).await?;
        if card.status != CardStatus::Appealed {
            return Err(StoreError::Rejected(CaseError::Rule(
                "该牌没有待审的申诉".into(),
            )));
        }
        if note.trim().is_empty() {
            return Err(FieldErrors::single("note", "请填写复核意见").into());
        }
        sqlx::query(
            "UPDATE cards SET status = $1, decision_note = $2, decided_by = $3, decided_at = $4
             WHERE id = $5 AND status = 'appealed'",
        )
        .bind(
            if revoke {
                CardStatus::Revoked
            } else {
                CardStatus::Upheld
            }
            .key(),
        )
        .bind(note.trim())
        .bind(by)
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await?;
        self.card(id).await
    }

    pub async fn deductions(self) -> StoreResult<Vec<Deduction>> {
        Ok(sqlx::query_as(
            "SELECT code, name, points FROM assessment_deductions ORDER BY points, code",
        )
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Sets the points one occurrence costs (0–100).
    pub async fn set_deduction(self, code: &str, points: i64) -> StoreResult<()> {
        if !(0..=100).contains(&points) {
            return Err(FieldErrors::single("points", "扣分应为 0 至 100 分").into());
        }
        let changed = sqlx::query("UPDATE assessment_deductions SET points = $1 WHERE code = $2")
            .bind(points)
            .bind(code)
            .execute(&self.store.pool)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound("deduction"));
        }
        Ok(())
    }

    /// Every active unit of a kind, with its name.
    async fn units(self, target: Target) -> StoreResult<Vec<(i64, String)>> {
        let sql = match target {
            Target::Department => "SELECT id, name FROM departments WHERE active = 1 ORDER BY id",
            Target::Window => {
                "SELECT id, number || '号窗口 ' || name FROM windows WHERE active = 1 ORDER BY number"
            }
            Target::Staff => {
                "SELECT s.id, s.name FROM staff s WHERE s.active = 1 AND s.department_id IS NOT NULL
                 ORDER BY s.department_id, s.id"
            }
        };
        Ok(sqlx::query_as(sql).fetch_all(&self.store.pool).await?)
    }

    /// Scores every unit of a kind for a period: 100 points less the scheme's deductions.
    pub async fn assessment(self, target: Target, period: &Period) -> StoreResult<Vec<Assessment>> {
        let scheme = self.deductions().await?;
        let red_flag_score = self.settings().await?.red_flag_score;
        let mut counts = Vec::new();
        for d in &scheme {
            if let Some(m) = Metric::from_key(&d.code) {
                counts.push((d, self.metric_counts(target, m, period).await?));
            }
        }
        let find =
            |rows: &[(i64, i64)], id: i64| rows.iter().find(|r| r.0 == id).map_or(0, |r| r.1);
        Ok(self
            .unit_indicators(target, period)
            .await?
            .into_iter()
            .map(
                |UnitIndicators {
                     unit_id: id,
                     name,
                     accepted,
                     ..
                 }| {
                    let deductions: Vec<DeductionLine> = counts
                        .iter()
                        .map(|(d, rows)| {
                            let n = find(rows, id);
                            DeductionLine {
                                code: d.code.clone(),
                                count: n,
                                points: n * d.points,
                            }
                        })
                        .collect();
                    let score = (100 - deductions.iter().map(|d| d.points).sum::<i64>()).max(0);
                    let cards = deductions
                        .iter()
                        .filter(|d| d.code == "yellow_cards" || d.code == "red_cards")
                        .map(|d| d.count)
                        .sum::<i64>();
                    Assessment {
                        target_id: id,
                        name,
                        accepted,
                        deductions,
                        score,
                        stars: stars(score),
                        grade: grade(score),
                        red_flag: target == Target::Window
                            && score >= red_flag_score
                            && cards == 0
                            && accepted > 0,
                    }
                },
            )
            .collect())
    }

    /// Indicators per window or per staff member for the cases received in a period (by the
    /// clerk who accepted them, and that clerk's window).
    pub async fn unit_indicators(
        self,
        target: Target,
        period: &Period,
    ) -> StoreResult<Vec<UnitIndicators>> {
        let unit = target.case_column();
        let (from, to) = period.range();
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {unit}, COUNT(*),
                CAST(SUM(CASE WHEN c.accepted_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN c.concluded_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN c.concluded_on IS NOT NULL AND c.concluded_on <= c.due THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN c.concluded_on IS NOT NULL AND c.concluded_on > c.due THEN 1 ELSE 0 END) AS BIGINT),
                CAST(COALESCE(SUM(c.accurate), 0) AS BIGINT),
                CAST(COALESCE(SUM(c.days_used), 0) AS BIGINT)
             FROM cases c {ACCEPTED_BY}
             WHERE c.submitted_on >= $1 AND c.submitted_on <= $2 AND {unit} IS NOT NULL
             GROUP BY {unit}"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?;
        let urged = self.metric_counts(target, Metric::Urgings, period).await?;
        Ok(self
            .units(target)
            .await?
            .into_iter()
            .map(|(id, name)| {
                let r = rows
                    .iter()
                    .find(|r| r.0 == id)
                    .copied()
                    .unwrap_or((id, 0, 0, 0, 0, 0, 0, 0));
                let (_, received, accepted, concluded, on_time, overdue, accurate, days) = r;
                let urged = urged.iter().find(|u| u.0 == id).map_or(0, |u| u.1);
                UnitIndicators {
                    unit_id: id,
                    name,
                    received,
                    accepted,
                    concluded,
                    concluded_on_time: on_time,
                    overdue,
                    urged,
                    conclusion_rate: rate(concluded, accepted),
                    on_time_rate: rate(on_time, concluded),
                    urging_rate: rate(urged, accepted),
                    delay_rate: rate(overdue, concluded),
                    accuracy_rate: rate(accurate, concluded),
                    avg_days_used: average(days, concluded),
                }
            })
            .collect())
    }

    /// Seats a staff member at a window (座席); None takes them off any window.
    pub async fn seat_staff(
        self,
        staff_id: StaffId,
        window_id: Option<WindowId>,
        by: AccountId,
    ) -> StoreResult<()> {
        let staff: Option<(i64,)> = sqlx::query_as("SELECT id FROM staff WHERE id = $1")
            .bind(staff_id)
            .fetch_optional(&self.store.pool)
            .await?;
        if staff.is_none() {
            return Err(StoreError::NotFound("staff"));
        }
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("DELETE FROM window_staff WHERE staff_id = $1")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
        if let Some(w) = window_id {
            let window: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM windows WHERE id = $1 AND active = 1")
                    .bind(w)
                    .fetch_optional(&mut *tx)
                    .await?;
            if window.is_none() {
                return Err(FieldErrors::single("window_id", "窗口不存在或已停用").into());
            }
            sqlx::query(
                "INSERT INTO window_staff (staff_id, window_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(staff_id)
            .bind(w)
            .bind(by)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Staff seated at each window: (window id, staff id, staff name).
    pub async fn seats(self) -> StoreResult<Vec<(WindowId, StaffId, String)>> {
        Ok(sqlx::query_as(
            "SELECT w.window_id, s.id, s.name FROM window_staff w JOIN staff s ON s.id = w.staff_id
             ORDER BY w.window_id, s.id",
        )
        .fetch_all(&self.store.pool)
        .await?)
    }
}
