//! Joint approval beyond one item (`bundles`): 一件事一次办 bundles that administrators put
//! together from published items, and the joint case's item a bundle's application is filed
//! under — the lead item's steps, the other items as branches of their departments, one set of
//! materials — once the items' prerequisites (前置审批) are met: each is in the bundle itself
//! (handled in parallel by the bundle's rule) or concluded for the same applicant before.

pub mod prereview;
pub mod projects;

use onewindow_domain::case::ItemRef;
use onewindow_domain::catalog::ItemDoc;
use onewindow_domain::ids::{AccountId, BundleId, ItemId};
use onewindow_domain::joint::{BundleInput, FieldMapping, ItemForm, bundle_doc, bundle_item};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;

use crate::error::unique_as;
use crate::{StoreError, StoreResult, now_ms};

/// An item of a bundle as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleItemView {
    pub id: ItemId,
    pub name: String,
    pub department: String,
    /// Whether it can be applied for now (published and not suspended).
    pub available: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    pub id: BundleId,
    pub name: String,
    pub description: String,
    pub active: bool,
    /// The leading item first.
    pub items: Vec<BundleItemView>,
    /// Items' form fields asked under another key of the merged form.
    pub field_map: Vec<FieldMapping>,
}

/// A bundle's one application form and materials, from the versions of its items in force
/// (or those an application was filled in against).
#[derive(Debug, Clone)]
pub struct BundleDoc {
    pub doc: ItemDoc,
    /// Each item with its version, the leading item first.
    pub versions: Vec<(ItemId, i64)>,
    /// How many fields the items' own forms ask together (the merged form asks fewer).
    pub item_fields: usize,
}

#[derive(sqlx::FromRow)]
struct BundleRow {
    id: BundleId,
    name: String,
    description: String,
    item_ids: String,
    active: i64,
    field_map: String,
}

/// A bundle's items as stored: a JSON list of ids, the leading item first.
fn item_list(input: &BundleInput) -> StoreResult<String> {
    serde_json::to_string(&input.item_ids).map_err(|e| StoreError::Config(e.to_string()))
}

fn field_map(input: &BundleInput) -> StoreResult<String> {
    serde_json::to_string(&input.field_map).map_err(|e| StoreError::Config(e.to_string()))
}

impl crate::JointStore<'_> {
    /// The bundles, the active ones only when asked, by name.
    pub async fn bundles(self, active_only: bool) -> StoreResult<Vec<Bundle>> {
        let rows: Vec<BundleRow> = sqlx::query_as(
            "SELECT id, name, description, item_ids, active, field_map FROM bundles
             WHERE ($1 = 0 OR active = 1) ORDER BY id",
        )
        .bind(i64::from(active_only))
        .fetch_all(&self.store.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.view(r).await?);
        }
        Ok(out)
    }

    pub async fn bundle(self, id: BundleId) -> StoreResult<Bundle> {
        let row: BundleRow = sqlx::query_as(
            "SELECT id, name, description, item_ids, active, field_map FROM bundles WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("bundle"))?;
        self.view(row).await
    }

    async fn view(self, r: BundleRow) -> StoreResult<Bundle> {
        let ids: Vec<ItemId> =
            serde_json::from_str(&r.item_ids).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let item = self.store.catalog().get_item(id).await?;
            let department = self.store.org().get_department(item.department_id).await?;
            items.push(BundleItemView {
                id,
                name: item.name,
                department: department.name,
                available: item.status == onewindow_domain::catalog::ItemStatus::Active
                    && item.current_version.is_some(),
            });
        }
        Ok(Bundle {
            id: r.id,
            name: r.name,
            description: r.description,
            active: r.active == 1,
            items,
            field_map: serde_json::from_str(&r.field_map)
                .map_err(|e| StoreError::Config(e.to_string()))?,
        })
    }

    /// Checks a bundle's definition against the catalogue: its own rules, every item
    /// published and open for applications, and the items' forms merging into one.
    async fn check(self, input: &BundleInput) -> StoreResult<()> {
        let mut errors = match input.check() {
            Ok(()) => FieldErrors::new(),
            Err(e) => e,
        };
        let mut docs = Vec::with_capacity(input.item_ids.len());
        for (i, id) in input.item_ids.iter().enumerate() {
            match self.store.cases().item_ref_for_case(*id).await {
                Ok(item) => docs.push((
                    *id,
                    self.store
                        .catalog()
                        .get_version(*id, item.version)
                        .await?
                        .doc,
                )),
                Err(StoreError::Invalid(_) | StoreError::NotFound(_)) => errors.add(
                    &format!("item_ids[{i}]"),
                    "该事项未发布、已暂停或已取消，不能列入一件事",
                ),
                Err(other) => return Err(other),
            }
        }
        if errors.is_empty() {
            let items = ItemForm::of(&docs);
            if let Err(e) = bundle_doc(&input.name, &items, &input.field_map) {
                errors.0.extend(e.0);
            }
        }
        Ok(errors.into_result()?)
    }

    /// The bundle's one application as its items are published now, for a new application:
    /// refused, naming the item, when the bundle is off or an item is no longer open, and
    /// naming the fields when the items' forms no longer merge.
    pub async fn bundle_doc_now(self, id: BundleId) -> StoreResult<BundleDoc> {
        let bundle = self.bundle(id).await?;
        if !bundle.active {
            return Err(FieldErrors::single("bundle_id", "该一件事已停办").into());
        }
        let mut versions = Vec::with_capacity(bundle.items.len());
        for view in &bundle.items {
            let item = self.store.catalog().get_item(view.id).await?;
            match (item.status, item.current_version) {
                (onewindow_domain::catalog::ItemStatus::Active, Some(v)) => {
                    versions.push((view.id, v))
                }
                _ => {
                    return Err(FieldErrors::single(
                        "bundle_id",
                        format!("一件事中的“{}”已暂停或取消，暂不能申请", view.name),
                    )
                    .into());
                }
            }
        }
        self.bundle_doc_at(&bundle, versions).await
    }

    /// The bundle's one application over the given versions of its items.
    pub async fn bundle_doc_at(
        self,
        bundle: &Bundle,
        versions: Vec<(ItemId, i64)>,
    ) -> StoreResult<BundleDoc> {
        let mut docs = Vec::with_capacity(versions.len());
        for (item_id, version) in &versions {
            docs.push((
                *item_id,
                self.store
                    .catalog()
                    .get_version(*item_id, *version)
                    .await?
                    .doc,
            ));
        }
        let items = ItemForm::of(&docs);
        let doc = bundle_doc(&bundle.name, &items, &bundle.field_map).map_err(|e| {
            StoreError::Invalid(FieldErrors::single(
                "bundle_id",
                format!(
                    "一件事的申请表合并失败，请联系中心管理员调整：{}",
                    e.summary()
                ),
            ))
        })?;
        let item_fields = docs.iter().map(|(_, d)| d.form.len()).sum();
        Ok(BundleDoc {
            doc,
            versions,
            item_fields,
        })
    }

    pub async fn create_bundle(self, input: &BundleInput, by: AccountId) -> StoreResult<Bundle> {
        self.check(input).await?;
        let now = now_ms();
        let (id,): (BundleId,) = sqlx::query_as(
            "INSERT INTO bundles (name, description, item_ids, lead_item_id, active, created_by,
                                  created_at, updated_at, field_map)
             VALUES ($1, $2, $3, $4, 1, $5, $6, $6, $7) RETURNING id",
        )
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(item_list(input)?)
        .bind(input.item_ids[0])
        .bind(by)
        .bind(now)
        .bind(field_map(input)?)
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("name", "已有同名的一件事"))?;
        self.bundle(id).await
    }

    pub async fn update_bundle(self, id: BundleId, input: &BundleInput) -> StoreResult<Bundle> {
        self.bundle(id).await?;
        self.check(input).await?;
        sqlx::query(
            "UPDATE bundles SET name = $1, description = $2, item_ids = $3, lead_item_id = $4,
                    updated_at = $5, field_map = $7 WHERE id = $6",
        )
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(item_list(input)?)
        .bind(input.item_ids[0])
        .bind(now_ms())
        .bind(id)
        .bind(field_map(input)?)
        .execute(&self.store.pool)
        .await
        .map_err(unique_as("name", "已有同名的一件事"))?;
        self.bundle(id).await
    }

    /// Takes a bundle off (or back onto) the hall's list; its cases keep it.
    pub async fn set_bundle_active(self, id: BundleId, active: bool) -> StoreResult<Bundle> {
        let done = sqlx::query("UPDATE bundles SET active = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(active))
            .bind(now_ms())
            .bind(id)
            .execute(&self.store.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("bundle"));
        }
        self.bundle(id).await
    }

    /// The items concluded for the applicant with this id number: each concluded case's item,
    /// and the items a joint case handled on its branches.
    async fn concluded_items(self, applicant_id: &str) -> StoreResult<Vec<ItemId>> {
        let rows: Vec<(ItemId, String)> = sqlx::query_as(
            "SELECT item_id, state FROM cases
             WHERE applicant_id = $1 AND stage IN ('concluded', 'delivered')",
        )
        .bind(applicant_id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut items = Vec::new();
        for (item_id, state) in rows {
            items.push(item_id);
            let state: onewindow_domain::case::CaseState =
                serde_json::from_str(&state).map_err(|e| StoreError::Config(e.to_string()))?;
            if let Some(item) = state.item {
                items.extend(
                    item.branches
                        .iter()
                        .filter_map(|b| b.item.as_ref().map(|i| i.item_id)),
                );
            }
        }
        Ok(items)
    }

    /// What an application of bundle `id` by the applicant with this id number is filed under:
    /// one joint case over the items as published now. Refused, naming the item, when the
    /// bundle is off, an item is no longer open, or an item's prerequisite is neither in the
    /// bundle nor concluded for the applicant.
    pub async fn case_item(self, id: BundleId, applicant_id: &str) -> StoreResult<ItemRef> {
        let bundle = self.bundle(id).await?;
        if !bundle.active {
            return Err(FieldErrors::single("bundle_id", "该一件事已停办").into());
        }
        let mut items = Vec::with_capacity(bundle.items.len());
        let mut codes = Vec::with_capacity(bundle.items.len());
        let mut prerequisites = Vec::new();
        for view in &bundle.items {
            let item = self
                .store
                .cases()
                .item_ref_for_case(view.id)
                .await
                .map_err(|e| match e {
                    StoreError::Invalid(_) => StoreError::Invalid(FieldErrors::single(
                        "bundle_id",
                        format!("一件事中的“{}”已暂停或取消，暂不能受理", view.name),
                    )),
                    other => other,
                })?;
            let doc = self
                .store
                .catalog()
                .get_version(item.item_id, item.version)
                .await?
                .doc;
            codes.push(doc.implementation_code.clone());
            prerequisites.extend(
                doc.prerequisites
                    .iter()
                    .map(|p| (view.name.clone(), p.clone())),
            );
            items.push(item);
        }
        let mut errors = FieldErrors::new();
        // The applicant's concluded work: each case's item, and the items of its branches.
        let mut done: Option<Vec<ItemId>> = None;
        for (name, code) in prerequisites {
            if codes.contains(&code) {
                continue;
            }
            let needed = self.store.catalog().item_by_code(&code).await.ok();
            if done.is_none() {
                done = Some(self.concluded_items(applicant_id).await?);
            }
            let met = needed
                .as_ref()
                .is_some_and(|n| done.as_ref().is_some_and(|d| d.contains(&n.id)));
            if !met {
                let needed = needed.map_or(code.clone(), |i| i.name);
                errors.add("bundle_id", format!("“{name}”须先办结前置事项“{needed}”"));
            }
        }
        errors.into_result()?;
        let mut joint = bundle_item(&bundle.name, &items)?;
        self.store.cases().name_branches(&mut joint).await?;
        Ok(joint)
    }
}
