//! The catalogue in the database: items and their immutable versions, the publish workflow
//! (进驻事项动态管理), all-or-nothing import, and JSON/CSV export. Publishing keeps the search
//! index in step.

pub mod csv;

use onewindow_domain::ids::{AccountId, DepartmentId, ItemId, WindowId};
use std::collections::HashSet;

use onewindow_domain::catalog::{ItemDoc, ItemStatus, OrgLookup, PrerequisiteGraph, VersionStatus};
use onewindow_domain::org::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSummary {
    pub id: ItemId,
    pub implementation_code: String,
    pub department_id: DepartmentId,
    /// draft, active, suspended or withdrawn.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ItemStatus,
    pub name: String,
    pub item_type: String,
    /// The published version number, if any.
    pub current_version: Option<i64>,
    /// The draft version number, if one is being edited.
    pub draft_version: Option<i64>,
    /// A version published to take effect on a later day.
    pub scheduled_version: Option<i64>,
    pub scheduled_date: Option<String>,
    pub withdrawn_kind: Option<String>,
    pub withdrawn_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemVersion {
    pub id: i64,
    pub item_id: ItemId,
    pub version: i64,
    /// draft, scheduled, published or superseded.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: VersionStatus,
    pub effective_date: Option<String>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub doc: ItemDoc,
}

#[derive(sqlx::FromRow)]
struct PublishedRow {
    #[sqlx(flatten)]
    item: ItemSummary,
    current_doc: String,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    item_id: ItemId,
    version: i64,
    status: String,
    effective_date: Option<String>,
    created_at: i64,
    published_at: Option<i64>,
    doc: String,
}

impl TryFrom<VersionRow> for ItemVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> StoreResult<ItemVersion> {
        let doc = serde_json::from_str(&r.doc)
            .map_err(|e| StoreError::Config(format!("item version {} is unreadable: {e}", r.id)))?;
        Ok(ItemVersion {
            id: r.id,
            item_id: r.item_id,
            version: r.version,
            status: r
                .status
                .parse()
                .map_err(|e| StoreError::Config(format!("item version {}: {e}", r.id)))?,
            effective_date: r.effective_date,
            created_at: r.created_at,
            published_at: r.published_at,
            doc,
        })
    }
}

/// Filters for the item list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ItemFilter {
    pub department_id: Option<DepartmentId>,
    pub status: Option<String>,
    pub item_type: Option<String>,
}

/// How an item leaves the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Withdrawal {
    /// 取消.
    Cancelled,
    /// 下放 (devolved to a lower level).
    Devolved,
}

impl Withdrawal {
    pub fn label(self) -> &'static str {
        match self {
            Withdrawal::Cancelled => "取消",
            Withdrawal::Devolved => "下放",
        }
    }
}

/// The organisation as the catalogue's validation sees it.
pub struct OrgSnapshot {
    departments: HashSet<DepartmentId>,
    windows: HashSet<WindowId>,
}

impl OrgLookup for OrgSnapshot {
    fn department_exists(&self, id: DepartmentId) -> bool {
        self.departments.contains(&id)
    }
    fn window_exists(&self, id: WindowId) -> bool {
        self.windows.contains(&id)
    }
}

/// The exchange file of our own: the standard's elements under their documented names.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// Always `onewindow.catalog/1`.
    pub schema: String,
    pub items: Vec<ItemDoc>,
}

pub const CATALOG_SCHEMA: &str = "onewindow.catalog/1";

const SUMMARY_COLS: &str = "i.id, i.implementation_code, i.department_id, i.status,
        v.name, v.item_type, c.version AS current_version, d.version AS draft_version,
        s.version AS scheduled_version, s.effective_date AS scheduled_date,
        i.withdrawn_kind, i.withdrawn_reason";

const SUMMARY_FROM: &str = "FROM items i
    LEFT JOIN item_versions c ON c.id = i.current_version_id
    LEFT JOIN item_versions d ON d.id = i.draft_version_id
    LEFT JOIN item_versions s ON s.id = i.scheduled_version_id
    JOIN item_versions v ON v.id = COALESCE(i.draft_version_id, i.scheduled_version_id, i.current_version_id)";

const VERSION_COLS: &str =
    "id, item_id, version, status, effective_date, created_at, published_at, doc";

/// Today's date in Asia/Shanghai, the business time zone.
pub fn today_shanghai() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

impl crate::CatalogStore<'_> {
    pub async fn org_snapshot(self) -> StoreResult<OrgSnapshot> {
        let depts: Vec<(DepartmentId,)> =
            sqlx::query_as("SELECT id FROM departments WHERE active = 1")
                .fetch_all(&self.store.pool)
                .await?;
        let windows: Vec<(WindowId,)> = sqlx::query_as("SELECT id FROM windows WHERE active = 1")
            .fetch_all(&self.store.pool)
            .await?;
        Ok(OrgSnapshot {
            departments: depts.into_iter().map(|(d,)| d).collect(),
            windows: windows.into_iter().map(|(w,)| w).collect(),
        })
    }

    /// Fills the implementing body from the department and checks every rule.
    async fn prepare_doc(self, doc: &mut ItemDoc, org: &OrgSnapshot) -> StoreResult<()> {
        if let Ok(dept) = self.store.org().get_department(doc.department_id).await {
            doc.implementing_body = dept.name;
            doc.implementing_body_code = dept.credit_code;
        }
        doc.validate(org)?;
        Ok(())
    }

    pub async fn list_items(self, filter: &ItemFilter) -> StoreResult<Vec<ItemSummary>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLS} {SUMMARY_FROM}
             WHERE ($1 IS NULL OR i.department_id = $1) AND ($2 IS NULL OR i.status = $2)
               AND ($3 IS NULL OR v.item_type = $3)
             ORDER BY i.department_id, i.implementation_code"
        )))
        .bind(filter.department_id)
        .bind(filter.status.as_deref())
        .bind(filter.item_type.as_deref())
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_item(self, id: ItemId) -> StoreResult<ItemSummary> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLS} {SUMMARY_FROM} WHERE i.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("item"))
    }

    pub async fn item_by_code(self, implementation_code: &str) -> StoreResult<ItemSummary> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLS} {SUMMARY_FROM} WHERE i.implementation_code = $1"
        )))
        .bind(implementation_code)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("item"))
    }

    pub async fn get_version(self, item_id: ItemId, version: i64) -> StoreResult<ItemVersion> {
        let row: VersionRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM item_versions WHERE item_id = $1 AND version = $2"
        )))
        .bind(item_id)
        .bind(version)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("item version"))?;
        row.try_into()
    }

    /// The version the public sees: the published one of an active item.
    pub async fn current_version(self, item_id: ItemId) -> StoreResult<ItemVersion> {
        let item = self.get_item(item_id).await?;
        let v = item
            .current_version
            .ok_or(StoreError::NotFound("published version"))?;
        self.get_version(item_id, v).await
    }

    pub async fn list_versions(self, item_id: ItemId) -> StoreResult<Vec<ItemVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM item_versions WHERE item_id = $1 ORDER BY version DESC"
        )))
        .bind(item_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Creates an item with its first version as a draft.
    pub async fn create_item(self, mut doc: ItemDoc, by: AccountId) -> StoreResult<ItemSummary> {
        let org = self.org_snapshot().await?;
        self.prepare_doc(&mut doc, &org).await?;
        let mut tx = self.store.pool.begin().await?;
        let id = insert_item(&mut tx, &doc, by).await?;
        tx.commit().await?;
        self.get_item(id).await
    }

    /// Saves a draft: edits the open draft, or opens a new one when the item is published.
    pub async fn save_draft(
        self,
        item_id: ItemId,
        mut doc: ItemDoc,
        by: AccountId,
    ) -> StoreResult<ItemSummary> {
        let item = self.get_item(item_id).await?;
        if item.status == ItemStatus::Withdrawn {
            return Err(FieldErrors::single("status", "已取消或下放的事项不能再编辑").into());
        }
        if doc.implementation_code != item.implementation_code {
            return Err(FieldErrors::single("implementation_code", "实施编码不可修改").into());
        }
        let org = self.org_snapshot().await?;
        self.prepare_doc(&mut doc, &org).await?;
        let json = to_json(&doc)?;
        let now = now_ms();
        let mut tx = self.store.pool.begin().await?;
        match item.draft_version {
            Some(v) => {
                sqlx::query(
                    "UPDATE item_versions SET doc = $1, name = $2, item_type = $3, created_by = $4, created_at = $5
                     WHERE item_id = $6 AND version = $7",
                )
                .bind(&json)
                .bind(&doc.name)
                .bind(&doc.item_type)
                .bind(by)
                .bind(now)
                .bind(item_id)
                .bind(v)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE items SET department_id = $1, updated_at = $2 WHERE id = $3")
                    .bind(doc.department_id)
                    .bind(now)
                    .bind(item_id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => insert_draft_version(&mut tx, item_id, &doc, by).await?,
        }
        tx.commit().await?;
        self.get_item(item_id).await
    }

    /// Publishes the open draft today: it becomes the version the public sees and new cases
    /// use; the previous one is kept, superseded, for the cases filed under it.
    pub async fn publish(self, item_id: ItemId, by: AccountId) -> StoreResult<ItemSummary> {
        self.publish_on(item_id, by, None).await
    }

    /// Publishes the open draft with an effective date (`YYYY-MM-DD`, today or later; None is
    /// today). A later date schedules it: the current version stays until that day.
    pub async fn publish_on(
        self,
        item_id: ItemId,
        by: AccountId,
        effective: Option<&str>,
    ) -> StoreResult<ItemSummary> {
        let today = today_shanghai();
        let effective = match effective.map(str::trim).filter(|d| !d.is_empty()) {
            None => today.clone(),
            Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) if date.format("%Y-%m-%d").to_string() >= today => {
                    date.format("%Y-%m-%d").to_string()
                }
                Ok(_) => {
                    return Err(
                        FieldErrors::single("effective_date", "生效日期不能早于今天").into(),
                    );
                }
                Err(_) => {
                    return Err(
                        FieldErrors::single("effective_date", "日期格式应为 YYYY-MM-DD").into(),
                    );
                }
            },
        };
        let item = self.get_item(item_id).await?;
        let Some(draft) = item.draft_version else {
            return Err(FieldErrors::single("status", "没有待发布的草稿").into());
        };
        if item.status == ItemStatus::Withdrawn {
            return Err(FieldErrors::single("status", "已取消或下放的事项不能发布").into());
        }
        // The organisation may have changed since the draft was saved.
        let version = self.get_version(item_id, draft).await?;
        version.doc.validate(&self.org_snapshot().await?)?;
        self.check_prerequisites(&[(&version.doc, "prerequisites".to_owned())])
            .await?;
        let mut tx = self.store.pool.begin().await?;
        if effective > today {
            schedule_in(&mut tx, item_id, by, &effective).await?;
        } else {
            publish_in(&mut tx, item_id, by).await?;
        }
        tx.commit().await?;
        let item = self.get_item(item_id).await?;
        self.index_item(&item).await?;
        Ok(item)
    }

    /// Makes every scheduled version whose effective date has come current (run by the server
    /// at start and every minute; idempotent). Returns how many items changed.
    pub async fn activate_due_versions(self, today: &str) -> StoreResult<usize> {
        let due: Vec<(ItemId, i64)> = sqlx::query_as(
            "SELECT i.id, s.id FROM items i JOIN item_versions s ON s.id = i.scheduled_version_id
             WHERE s.effective_date <= $1",
        )
        .bind(today)
        .fetch_all(&self.store.pool)
        .await?;
        for (item_id, version_id) in &due {
            let mut tx = self.store.pool.begin().await?;
            let still_due: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM items WHERE id = $1 AND scheduled_version_id = $2")
                    .bind(item_id)
                    .bind(version_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if still_due.is_none() {
                continue; // another instance got there first
            }
            make_current(&mut tx, *item_id, *version_id).await?;
            tx.commit().await?;
            let item = self.get_item(*item_id).await?;
            self.index_item(&item).await?;
        }
        Ok(due.len())
    }

    /// Drops the open draft, leaving the published version as it was.
    pub async fn discard_draft(self, item_id: ItemId) -> StoreResult<ItemSummary> {
        let item = self.get_item(item_id).await?;
        let Some(v) = item.draft_version else {
            return Err(FieldErrors::single("status", "没有草稿").into());
        };
        if item.current_version.is_none() {
            return Err(FieldErrors::single("status", "从未发布的事项不能丢弃唯一的草稿").into());
        }
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("UPDATE items SET draft_version_id = NULL, updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM item_versions WHERE item_id = $1 AND version = $2 AND status = 'draft'",
        )
        .bind(item_id)
        .bind(v)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get_item(item_id).await
    }

    /// Suspends or resumes a published item (暂停 / 恢复办理).
    pub async fn set_item_suspended(
        self,
        item_id: ItemId,
        suspended: bool,
    ) -> StoreResult<ItemSummary> {
        let item = self.get_item(item_id).await?;
        let (from, to) = if suspended {
            (ItemStatus::Active, ItemStatus::Suspended)
        } else {
            (ItemStatus::Suspended, ItemStatus::Active)
        };
        if item.status != from {
            return Err(FieldErrors::single(
                "status",
                if suspended {
                    "只有已发布的事项可以暂停"
                } else {
                    "只有暂停中的事项可以恢复"
                },
            )
            .into());
        }
        sqlx::query("UPDATE items SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(to.key())
            .bind(now_ms())
            .bind(item_id)
            .execute(&self.store.pool)
            .await?;
        let item = self.get_item(item_id).await?;
        self.index_item(&item).await?;
        Ok(item)
    }

    /// Withdraws an item from the catalogue (取消 or 下放), with the reason. Its versions stay.
    pub async fn withdraw_item(
        self,
        item_id: ItemId,
        kind: Withdrawal,
        reason: &str,
    ) -> StoreResult<ItemSummary> {
        let item = self.get_item(item_id).await?;
        let mut errors = FieldErrors::new();
        if item.status == ItemStatus::Withdrawn {
            errors.add("status", "事项已取消或下放");
        }
        if reason.trim().is_empty() {
            errors.add("reason", "须填写取消或下放的原因");
        } else if reason.chars().count() > 500 {
            errors.add("reason", "不能超过 500 个字符");
        }
        errors.into_result()?;
        sqlx::query(
            "UPDATE items SET status = 'withdrawn', withdrawn_kind = $1, withdrawn_reason = $2, updated_at = $3
             WHERE id = $4",
        )
        .bind(kind.label())
        .bind(reason.trim())
        .bind(now_ms())
        .bind(item_id)
        .execute(&self.store.pool)
        .await?;
        let item = self.get_item(item_id).await?;
        self.index_item(&item).await?;
        Ok(item)
    }

    /// The published documents of every item that is not withdrawn, in code order.
    pub async fn published_docs(self) -> StoreResult<Vec<(ItemSummary, ItemDoc)>> {
        let rows: Vec<PublishedRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLS}, c.doc AS current_doc {SUMMARY_FROM}
             WHERE i.status <> 'withdrawn' AND c.id IS NOT NULL"
        )))
        .fetch_all(&self.store.pool)
        .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                let doc: ItemDoc = serde_json::from_str(&r.current_doc)
                    .map_err(|e| StoreError::Config(e.to_string()))?;
                Ok((r.item, doc))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // Sorted here rather than in SQL: PostgreSQL's collation may differ from byte order,
        // and exports must be byte-identical on every database.
        out.sort_by(|a, b| a.1.implementation_code.cmp(&b.1.implementation_code));
        Ok(out)
    }

    /// 前置审批 checked at publication: the prerequisites of `docs` (each with the field its
    /// errors go under) are items of the catalogue, and none closes a loop with the published
    /// versions (互为前置). Only an item naming prerequisites can close a loop through itself.
    async fn check_prerequisites(self, docs: &[(&ItemDoc, String)]) -> StoreResult<()> {
        if docs.iter().all(|(d, _)| d.prerequisites.is_empty()) {
            return Ok(());
        }
        let mut graph = PrerequisiteGraph::default();
        for (_, d) in self.published_docs().await? {
            graph.set(&d.implementation_code, &d.name, &d.prerequisites);
        }
        for (d, _) in docs {
            graph.set(&d.implementation_code, &d.name, &d.prerequisites);
        }
        let changed: Vec<(String, String)> = docs
            .iter()
            .filter(|(d, _)| !d.prerequisites.is_empty())
            .map(|(d, field)| (d.implementation_code.clone(), field.clone()))
            .collect();
        Ok(graph.check(&changed)?)
    }

    /// How many items the public can find (active, with a published version).
    pub async fn count_active_items(self) -> StoreResult<u64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM items WHERE status = 'active' AND current_version_id IS NOT NULL",
        )
        .fetch_one(&self.store.pool)
        .await?;
        Ok(n as u64)
    }

    /// Imports a whole file, all or nothing: every document is checked first (problems are
    /// reported as `第 N 项 field`), then new items are created and changed ones get a new
    /// published version in one transaction. Unchanged documents write nothing.
    pub async fn import_items(
        self,
        docs: Vec<ItemDoc>,
        by: AccountId,
    ) -> StoreResult<ImportReport> {
        let org = self.org_snapshot().await?;
        let mut errors = FieldErrors::new();
        let mut prepared = Vec::with_capacity(docs.len());
        let mut seen = HashSet::new();
        for (i, mut doc) in docs.into_iter().enumerate() {
            let row = i + 1;
            if !seen.insert(doc.implementation_code.clone()) {
                errors.add(
                    &format!("第 {row} 项 implementation_code"),
                    format!("实施编码 {} 在文件中重复", doc.implementation_code),
                );
            }
            match self.prepare_doc(&mut doc, &org).await {
                Ok(()) => {}
                Err(StoreError::Invalid(f)) => {
                    for (field, message) in f.0 {
                        errors.add(&format!("第 {row} 项 {field}"), message);
                    }
                }
                Err(e) => return Err(e),
            }
            prepared.push(doc);
        }
        errors.into_result()?;
        let rows: Vec<(&ItemDoc, String)> = prepared
            .iter()
            .enumerate()
            .map(|(i, d)| (d, format!("第 {} 项 prerequisites", i + 1)))
            .collect();
        self.check_prerequisites(&rows).await?;
        let existing = self.published_docs().await?;
        let mut report = ImportReport::default();
        let mut tx = self.store.pool.begin().await?;
        let mut touched = Vec::new();
        for doc in prepared {
            let current = existing
                .iter()
                .find(|(_, d)| d.implementation_code == doc.implementation_code);
            match current {
                Some((_, d)) if *d == doc => report.unchanged += 1,
                Some((item, _)) => {
                    insert_version_and_publish(&mut tx, item.id, &doc, by).await?;
                    touched.push(item.id);
                    report.updated += 1;
                }
                None => {
                    let id = insert_item(&mut tx, &doc, by).await.map_err(|e| match e {
                        StoreError::Invalid(_) => FieldErrors::single(
                            "implementation_code",
                            format!("实施编码 {} 已被其他事项使用", doc.implementation_code),
                        )
                        .into(),
                        other => other,
                    })?;
                    publish_in(&mut tx, id, by).await?;
                    touched.push(id);
                    report.created += 1;
                }
            }
        }
        tx.commit().await?;
        for id in touched {
            let item = self.get_item(id).await?;
            self.index_item(&item).await?;
        }
        Ok(report)
    }

    /// The catalogue as our JSON exchange file, byte-for-byte stable for the same content.
    pub async fn export_json(self) -> StoreResult<String> {
        let items = self
            .published_docs()
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        let file = CatalogFile {
            schema: CATALOG_SCHEMA.to_owned(),
            items,
        };
        let mut text =
            serde_json::to_string_pretty(&file).map_err(|e| StoreError::Config(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    pub async fn export_csv(self) -> StoreResult<String> {
        let docs: Vec<ItemDoc> = self
            .published_docs()
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        crate::catalog::csv::write(&docs)
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Parses our JSON exchange file, with problems as field errors.
pub fn parse_catalog_json(text: &str) -> Result<Vec<ItemDoc>, FieldErrors> {
    let file: CatalogFile =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            FieldErrors::single(
                "file",
                format!(
                    "JSON 格式有误（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
    if file.schema != CATALOG_SCHEMA {
        return Err(FieldErrors::single(
            "schema",
            format!("不支持的格式“{}”，应为 {CATALOG_SCHEMA}", file.schema),
        ));
    }
    Ok(file.items)
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn insert_item(tx: &mut Tx<'_>, doc: &ItemDoc, by: AccountId) -> StoreResult<ItemId> {
    let now = now_ms();
    let (id,): (ItemId,) = sqlx::query_as(
        "INSERT INTO items (implementation_code, department_id, status, created_at, updated_at)
         VALUES ($1, $2, 'draft', $3, $3) RETURNING id",
    )
    .bind(&doc.implementation_code)
    .bind(doc.department_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(crate::error::unique_as(
        "implementation_code",
        "该实施编码已存在",
    ))?;
    insert_draft_version(tx, id, doc, by).await?;
    Ok(id)
}

async fn insert_version_and_publish(
    tx: &mut Tx<'_>,
    item_id: ItemId,
    doc: &ItemDoc,
    by: AccountId,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM item_versions WHERE item_id = $1 AND status = 'draft'")
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    insert_draft_version(tx, item_id, doc, by).await?;
    publish_in(tx, item_id, by).await
}

/// Inserts `doc` as the item's next version, a draft, and points the item at it.
async fn insert_draft_version(
    tx: &mut Tx<'_>,
    item_id: ItemId,
    doc: &ItemDoc,
    by: AccountId,
) -> StoreResult<()> {
    let now = now_ms();
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM item_versions WHERE item_id = $1",
    )
    .bind(item_id)
    .fetch_one(&mut **tx)
    .await?;
    let (vid,): (i64,) = sqlx::query_as(
        "INSERT INTO item_versions (item_id, version, status, name, item_type, doc, created_by, created_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(item_id)
    .bind(next)
    .bind(&doc.name)
    .bind(&doc.item_type)
    .bind(to_json(doc)?)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE items SET draft_version_id = $1, department_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(vid)
    .bind(doc.department_id)
    .bind(now)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn to_json(doc: &ItemDoc) -> StoreResult<String> {
    serde_json::to_string(doc).map_err(|e| StoreError::Config(e.to_string()))
}

/// Makes `version_id` the version the public sees and new cases use: the previous one is
/// superseded, and the draft or schedule that held it is cleared. A never-published item
/// becomes active.
async fn make_current(tx: &mut Tx<'_>, item_id: ItemId, version_id: i64) -> StoreResult<()> {
    let (current, status): (Option<i64>, String) =
        sqlx::query_as("SELECT current_version_id, status FROM items WHERE id = $1")
            .bind(item_id)
            .fetch_one(&mut **tx)
            .await?;
    if let Some(current) = current {
        sqlx::query("UPDATE item_versions SET status = 'superseded' WHERE id = $1")
            .bind(current)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE item_versions SET status = 'published' WHERE id = $1")
        .bind(version_id)
        .execute(&mut **tx)
        .await?;
    let status = if status == "draft" {
        "active".to_owned()
    } else {
        status
    };
    sqlx::query(
        "UPDATE items SET current_version_id = $1,
                draft_version_id = CASE WHEN draft_version_id = $1 THEN NULL ELSE draft_version_id END,
                scheduled_version_id = CASE WHEN scheduled_version_id = $1 THEN NULL ELSE scheduled_version_id END,
                status = $2, updated_at = $3
         WHERE id = $4",
    )
    .bind(version_id)
    .bind(&status)
    .bind(now_ms())
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Turns the draft into a version scheduled for `effective`, replacing an earlier schedule.
async fn schedule_in(
    tx: &mut Tx<'_>,
    item_id: ItemId,
    by: AccountId,
    effective: &str,
) -> StoreResult<()> {
    let (draft, scheduled): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT draft_version_id, scheduled_version_id FROM items WHERE id = $1")
            .bind(item_id)
            .fetch_one(&mut **tx)
            .await?;
    let draft =
        draft.ok_or_else(|| StoreError::from(FieldErrors::single("status", "没有待发布的草稿")))?;
    if let Some(old) = scheduled {
        sqlx::query("DELETE FROM item_versions WHERE id = $1 AND status = 'scheduled'")
            .bind(old)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "UPDATE item_versions SET status = 'scheduled', effective_date = $1, published_by = $2, published_at = $3
         WHERE id = $4",
    )
    .bind(effective)
    .bind(by)
    .bind(now_ms())
    .bind(draft)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE items SET scheduled_version_id = $1, draft_version_id = NULL, updated_at = $2 WHERE id = $3")
        .bind(draft)
        .bind(now_ms())
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Publishes the draft today, inside the caller's transaction.
async fn publish_in(tx: &mut Tx<'_>, item_id: ItemId, by: AccountId) -> StoreResult<()> {
    let (draft,): (Option<i64>,) =
        sqlx::query_as("SELECT draft_version_id FROM items WHERE id = $1")
            .bind(item_id)
            .fetch_one(&mut **tx)
            .await?;
    let draft =
        draft.ok_or_else(|| StoreError::from(FieldErrors::single("status", "没有待发布的草稿")))?;
    sqlx::query(
        "UPDATE item_versions SET effective_date = $1, published_by = $2, published_at = $3 WHERE id = $4",
    )
    .bind(today_shanghai())
    .bind(by)
    .bind(now_ms())
    .bind(draft)
    .execute(&mut **tx)
    .await?;
    make_current(tx, item_id, draft).await
}

/// Reads a JSON value's field as text for CSV and search.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl crate::CatalogStore<'_> {
    /// Brings one item's search entry in step with its state: indexed while active.
    pub(crate) async fn index_item(self, item: &ItemSummary) -> StoreResult<()> {
        let doc = match item.status {
            ItemStatus::Active => Some(self.current_version(item.id).await?.doc),
            _ => None,
        };
        self.store.search().update(&[(item.id, doc.as_ref())])?;
        self.store.public_changed();
        Ok(())
    }

    /// Rebuilds the search index from the database (`onewindow catalog reindex`).
    pub async fn reindex_catalog(self) -> StoreResult<usize> {
        self.load_synonyms().await?;
        let docs = self.published_docs().await?;
        let active: Vec<(ItemId, &ItemDoc)> = docs
            .iter()
            .filter(|(i, _)| i.status == ItemStatus::Active)
            .map(|(i, d)| (i.id, d))
            .collect();
        self.store.search().rebuild(&active)?;
        self.store.public_changed();
        Ok(active.len())
    }

    pub async fn list_synonyms(self) -> StoreResult<Vec<(String, Vec<String>)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT term, expansions FROM search_synonyms ORDER BY term")
                .fetch_all(&self.store.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(t, e)| {
                (
                    t,
                    e.split('|')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            })
            .collect())
    }

    pub(crate) async fn load_synonyms(self) -> StoreResult<()> {
        self.store
            .search()
            .set_synonyms(self.list_synonyms().await?.into_iter().collect());
        self.store.public_changed();
        Ok(())
    }

    /// Sets what a term also means (个体户 → 个体工商户); no expansions removes the term.
    pub async fn set_synonym(self, term: &str, expansions: &[String]) -> StoreResult<()> {
        let term = term.trim();
        let expansions: Vec<&str> = expansions
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty() && *e != term)
            .collect();
        let mut errors = FieldErrors::new();
        if term.is_empty() || term.chars().count() > 20 {
            errors.add("term", "词语应为 1–20 个字");
        }
        if expansions
            .iter()
            .any(|e| e.chars().count() > 20 || e.contains('|'))
        {
            errors.add("expansions", "同义词每个不超过 20 个字，且不能含“|”");
        }
        errors.into_result()?;
        if expansions.is_empty() {
            sqlx::query("DELETE FROM search_synonyms WHERE term = $1")
                .bind(term)
                .execute(&self.store.pool)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO search_synonyms (term, expansions, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (term) DO UPDATE SET expansions = excluded.expansions, updated_at = excluded.updated_at",
            )
            .bind(term)
            .bind(expansions.join("|"))
            .bind(now_ms())
            .execute(&self.store.pool)
            .await?;
        }
        self.load_synonyms().await
    }
}
