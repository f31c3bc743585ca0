//! The online hall (网上办事大厅): applications kept as drafts on the server, the files attached
//! to their materials, submission through the case engine (channel `online`, idempotent),
//! corrections after a one-time notice, and the centre's upload limits. Every function takes
//! the applicant's account and refuses another's application as not found, so ids cannot be
//! probed. The applicant's messages are the accounts' message centre (`outbox().messages`).

pub mod bookings;

use onewindow_domain::case::{Actor, ApplicationRef, CaseState, Channel, Command, Pause};
use onewindow_domain::catalog::{ItemDoc, ItemStatus, diff, element_label};
use onewindow_domain::hall::{
    ACCEPTED, DraftContent, FileKind, Limits, Reopened, Upload, check_submission, check_upload,
    sniff,
};
use onewindow_domain::ids::{AccountId, BundleId, CaseId, ItemId};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::blobs::BlobStore;
use crate::case::commands::CommandRequest;
use crate::{StoreError, StoreResult, now_ms};

/// A file attached to an application's material.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachedFile {
    pub id: i64,
    pub material: String,
    pub sha256: String,
    pub filename: String,
    pub size: i64,
    /// pdf, jpeg, png or ofd, as sniffed from the bytes.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: FileKind,
    pub uploaded_at: i64,
    /// Set when the file was replaced during a correction (kept for the record).
    pub removed_at: Option<i64>,
}

/// An online application: a draft until submitted, then the case it became.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub account_id: AccountId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub item_id: ItemId,
    pub item_version: i64,
    /// A bundle's application (一件事): the bundle, and the versions of its items the merged
    /// form was filled in against (item_id and item_version are the leading item's).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub bundle_id: Option<BundleId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<i64>>))]
    pub item_versions: Vec<(ItemId, i64)>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub content: DraftContent,
    /// Counts the saves; an autosave names the revision it edited.
    pub revision: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub submitted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The files attached now (replaced ones left out).
    pub files: Vec<AttachedFile>,
}

impl Application {
    pub fn uploads(&self) -> Vec<Upload> {
        self.files
            .iter()
            .map(|f| Upload {
                material: f.material.clone(),
                size: f.size as u64,
            })
            .collect()
    }

    /// A SHA-256 over what is submitted: the item version, the answers, the delivery and the
    /// files' hashes by material. Recorded in the case's events.
    pub fn digest(&self) -> String {
        let files: Vec<(&str, &str)> = self
            .files
            .iter()
            .map(|f| (f.material.as_str(), f.sha256.as_str()))
            .collect();
        let canonical = match self.bundle_id {
            None => serde_json::to_string(&(self.item_id, self.item_version, &self.content, files)),
            Some(bundle) => {
                serde_json::to_string(&(bundle, &self.item_versions, &self.content, files))
            }
        }
        .unwrap_or_default();
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    fn reference(&self) -> ApplicationRef {
        ApplicationRef {
            id: self.id,
            digest: self.digest(),
        }
    }
}

/// An application as the applicant's list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationSummary {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub item_id: ItemId,
    pub item_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub updated_at: i64,
}

/// Where a submitted application stands for its applicant.
#[derive(Debug, Clone)]
pub struct Standing {
    pub case: CaseState,
    /// What an open one-time notice lets the applicant change (empty otherwise).
    pub reopened: Reopened,
}

impl Standing {
    pub fn correcting(&self) -> bool {
        matches!(self.case.paused, Some(Pause::Supplement { .. }))
            && self.case.channel == Some(Channel::Online)
            && !self.case.stage().is_closed()
    }
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    account_id: AccountId,
    item_id: ItemId,
    item_version: i64,
    bundle_id: Option<BundleId>,
    item_versions: Option<String>,
    content: String,
    revision: i64,
    case_id: Option<CaseId>,
    submitted_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const APPLICATION: &str =
    "SELECT id, account_id, item_id, item_version, bundle_id, item_versions, content, revision,
    case_id, submitted_at, created_at, updated_at FROM hall_applications";

const FILES: &str = "SELECT id, material, sha256, filename, size, kind, uploaded_at, removed_at
    FROM hall_files";

/// The keys of the upload limits in `hall_settings`.
const LIMIT_KEYS: [&str; 3] = [
    "max_file_bytes",
    "max_application_bytes",
    "max_files_per_material",
];

/// An application open for files of one material, with what checking a file against it
/// needs: its item version and the centre's limits.
struct Slot {
    app: Application,
    doc: ItemDoc,
    limits: Limits,
}

/// A file's name as the applicant knows it: 1–100 characters, no slashes.
fn check_filename(filename: &str) -> StoreResult<&str> {
    let name = filename.trim();
    if name.is_empty() || name.chars().count() > 100 || name.contains(['/', '\\']) {
        return Err(
            FieldErrors::single("file", "文件名无效（不超过 100 个字符，不含斜杠）").into(),
        );
    }
    Ok(name)
}

fn not_editable() -> StoreError {
    StoreError::Invalid(FieldErrors::single(
        "application",
        "申请已提交，只有一次性告知中列明的内容可以修改",
    ))
}

/// The actor an applicant is to the case engine: their account, no staff role (account 0 for
/// whoever holds a case's query code).
pub(crate) fn applicant_actor(account_id: AccountId) -> Actor {
    Actor {
        account_id,
        staff_id: None,
        roles: vec![],
        department_id: None,
        powers: vec![],
        backup_for: vec![],
    }
}

impl crate::HallStore<'_> {
    /// The upload limits the centre set.
    pub async fn limits(self) -> StoreResult<Limits> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT key, value FROM hall_settings")
            .fetch_all(&self.store.pool)
            .await?;
        let mut l = Limits::default();
        for (k, v) in rows {
            match k.as_str() {
                "max_file_bytes" => l.max_file_bytes = v.max(0) as u64,
                "max_application_bytes" => l.max_application_bytes = v.max(0) as u64,
                "max_files_per_material" => l.max_files_per_material = v.clamp(0, 1000) as u32,
                _ => {}
            }
        }
        Ok(l)
    }

    /// Sets the upload limits, within their bounds.
    pub async fn set_limits(self, limits: &Limits, by: AccountId) -> StoreResult<()> {
        limits.check()?;
        let values = [
            limits.max_file_bytes as i64,
            limits.max_application_bytes as i64,
            i64::from(limits.max_files_per_material),
        ];
        self.set_settings(&LIMIT_KEYS, &values, by).await
    }

    /// Writes settings of `hall_settings` together (keys and values in step).
    async fn set_settings(self, keys: &[&str], values: &[i64], by: AccountId) -> StoreResult<()> {
        let mut tx = self.store.pool.begin().await?;
        for (key, value) in keys.iter().zip(values) {
            sqlx::query(
                "UPDATE hall_settings SET value = $1, changed_by = $2, changed_at = $3 WHERE key = $4",
            )
            .bind(*value)
            .bind(by)
            .bind(now_ms())
            .bind(*key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The applicant's open draft for the item, or a new one on its published version: one
    /// draft per item, so that a second device resumes the first device's work.
    pub async fn start(self, account_id: AccountId, item_id: ItemId) -> StoreResult<Application> {
        let open: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM hall_applications
             WHERE account_id = $1 AND item_id = $2 AND case_id IS NULL AND bundle_id IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(item_id)
        .fetch_optional(&self.store.pool)
        .await?;
        if let Some((id,)) = open {
            return self.application(account_id, id).await;
        }
        // Only a verified applicant applies, for an item that is being accepted now.
        self.store.cases().applicant_of(account_id).await?;
        let version = self.open_version(item_id).await?;
        let content = serde_json::to_string(&DraftContent::default())
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let now = now_ms();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO hall_applications (account_id, item_id, item_version, content, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(account_id)
        .bind(item_id)
        .bind(version.version)
        .bind(content)
        .bind(now)
        .fetch_one(&self.store.pool)
        .await?;
        self.application(account_id, id).await
    }

    /// The applicant's open draft for a bundle (一件事), or a new one on the merged form of its
    /// items as published now: one draft per bundle, as for an item.
    pub async fn start_bundle(
        self,
        account_id: AccountId,
        bundle_id: BundleId,
    ) -> StoreResult<Application> {
        let open: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM hall_applications
             WHERE account_id = $1 AND bundle_id = $2 AND case_id IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(bundle_id)
        .fetch_optional(&self.store.pool)
        .await?;
        if let Some((id,)) = open {
            return self.application(account_id, id).await;
        }
        self.store.cases().applicant_of(account_id).await?;
        let now_doc = self.store.joint().bundle_doc_now(bundle_id).await?;
        let (lead, lead_version) = now_doc.versions[0];
        let content = serde_json::to_string(&DraftContent::default())
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let versions = serde_json::to_string(&now_doc.versions)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let now = now_ms();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO hall_applications (account_id, item_id, item_version, bundle_id,
                 item_versions, content, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(account_id)
        .bind(lead)
        .bind(lead_version)
        .bind(bundle_id)
        .bind(versions)
        .bind(content)
        .bind(now)
        .fetch_one(&self.store.pool)
        .await?;
        self.application(account_id, id).await
    }

    /// The published version of an item that accepts applications now.
    async fn open_version(self, item_id: ItemId) -> StoreResult<crate::catalog::ItemVersion> {
        let item = self.store.catalog().get_item(item_id).await?;
        match (item.status, item.current_version) {
            (ItemStatus::Active, Some(v)) => self.store.catalog().get_version(item_id, v).await,
            _ => Err(StoreError::Invalid(FieldErrors::single(
                "item_id",
                "该事项未发布、已暂停或已取消，暂不能在线申请",
            ))),
        }
    }

    /// One of the applicant's applications; another's is not found.
    pub async fn application(self, account_id: AccountId, id: i64) -> StoreResult<Application> {
        let row: ApplicationRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{APPLICATION} WHERE id = $1 AND account_id = $2"
        )))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("application"))?;
        self.with_files(row).await
    }

    /// An application by its id, for the departments a joint pre-review asked about it (the
    /// caller checks that they may see it).
    pub async fn application_by_id(self, id: i64) -> StoreResult<Application> {
        let row: ApplicationRow =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{APPLICATION} WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.store.pool)
                .await?
                .ok_or(StoreError::NotFound("application"))?;
        self.with_files(row).await
    }

    /// The application a case was submitted from, if it came from the hall (for the staff who
    /// handle the case; the caller checks that they may see it).
    pub async fn application_of_case(self, case_id: CaseId) -> StoreResult<Option<Application>> {
        let row: Option<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{APPLICATION} WHERE case_id = $1"
        )))
        .bind(case_id)
        .fetch_optional(&self.store.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_files(row).await?)),
            None => Ok(None),
        }
    }

    async fn with_files(self, row: ApplicationRow) -> StoreResult<Application> {
        let files: Vec<AttachedFile> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{FILES} WHERE application_id = $1 AND removed_at IS NULL ORDER BY id"
        )))
        .bind(row.id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(Application {
            id: row.id,
            account_id: row.account_id,
            item_id: row.item_id,
            item_version: row.item_version,
            bundle_id: row.bundle_id,
            item_versions: match &row.item_versions {
                Some(v) => serde_json::from_str(v)
                    .map_err(|e| StoreError::Config(format!("application {}: {e}", row.id)))?,
                None => Vec::new(),
            },
            content: serde_json::from_str(&row.content)
                .map_err(|e| StoreError::Config(format!("application {}: {e}", row.id)))?,
            revision: row.revision,
            case_id: row.case_id,
            submitted_at: row.submitted_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            files,
        })
    }

    /// A file of an application, replaced ones included (the record keeps them).
    pub async fn file(self, application_id: i64, file_id: i64) -> StoreResult<AttachedFile> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{FILES} WHERE application_id = $1 AND id = $2"
        )))
        .bind(application_id)
        .bind(file_id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("file"))
    }

    /// The applicant's applications, newest first.
    pub async fn applications(
        self,
        account_id: AccountId,
        limit: i64,
    ) -> StoreResult<Vec<ApplicationSummary>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.item_id, COALESCE(b.name, v.name) AS item_name, a.case_id, a.updated_at
             FROM hall_applications a
             JOIN item_versions v ON v.item_id = a.item_id AND v.version = a.item_version
             LEFT JOIN bundles b ON b.id = a.bundle_id
             WHERE a.account_id = $1 ORDER BY a.id DESC LIMIT CAST($2 AS BIGINT)",
        )
        .bind(account_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Where a submitted application stands, and what a notice reopened; None for a draft.
    /// `doc` is the application's item version (`doc`).
    pub async fn standing(self, app: &Application, doc: &ItemDoc) -> StoreResult<Option<Standing>> {
        let Some(case_id) = app.case_id else {
            return Ok(None);
        };
        let case = self.store.cases().case_state(case_id).await?;
        let reopened = Reopened::of(&case.asked, doc);
        Ok(Some(Standing { case, reopened }))
    }

    /// The item version the application is filled in against; for a bundle, the merged form
    /// and materials of the versions it was filled in against.
    pub async fn doc(self, app: &Application) -> StoreResult<ItemDoc> {
        if let Some(bundle) = app.bundle_id {
            let bundle = self.store.joint().bundle(bundle).await?;
            return Ok(self
                .store
                .joint()
                .bundle_doc_at(&bundle, app.item_versions.clone())
                .await?
                .doc);
        }
        Ok(self
            .store
            .catalog()
            .get_version(app.item_id, app.item_version)
            .await?
            .doc)
    }

    /// What an application would be filled in against now: the item's published version, or
    /// the bundle's merged form over its items' published versions; with the versions.
    async fn doc_now(self, app: &Application) -> StoreResult<(ItemDoc, Vec<(ItemId, i64)>)> {
        match app.bundle_id {
            Some(bundle) => {
                let b = self.store.joint().bundle_doc_now(bundle).await?;
                Ok((b.doc, b.versions))
            }
            None => {
                let v = self.open_version(app.item_id).await?;
                Ok((v.doc, vec![(app.item_id, v.version)]))
            }
        }
    }

    /// Saves what the applicant typed. A draft takes everything; a submitted application only
    /// the fields an open notice reopened. With `base` (the revision the client edited), a
    /// newer save from another tab or device is not overwritten: the answer is a conflict.
    pub async fn save(
        self,
        account_id: AccountId,
        id: i64,
        content: &DraftContent,
        base: Option<i64>,
    ) -> StoreResult<i64> {
        content.check_bounds()?;
        let json = serde_json::to_string(content).map_err(|e| StoreError::Config(e.to_string()))?;
        // A draft: one statement, nothing read first.
        let saved: Option<(i64,)> = sqlx::query_as(
            "UPDATE hall_applications SET content = $1, revision = revision + 1, updated_at = $2
             WHERE id = $3 AND account_id = $4 AND case_id IS NULL
               AND (CAST($5 AS BIGINT) IS NULL OR revision = CAST($5 AS BIGINT))
             RETURNING revision",
        )
        .bind(&json)
        .bind(now_ms())
        .bind(id)
        .bind(account_id)
        .bind(base)
        .fetch_optional(&self.store.pool)
        .await?;
        if let Some((revision,)) = saved {
            return Ok(revision);
        }
        let app = self.application(account_id, id).await?;
        if base.is_some_and(|b| b != app.revision) {
            return Err(StoreError::Conflict {
                current: app.revision as u64,
            });
        }
        let doc = self.doc(&app).await?;
        let standing = self.standing(&app, &doc).await?.ok_or(not_editable())?;
        if !standing.correcting() {
            return Err(not_editable());
        }
        let merged = standing.reopened.merge(&app.content, content);
        let json = serde_json::to_string(&merged).map_err(|e| StoreError::Config(e.to_string()))?;
        let (revision,): (i64,) = sqlx::query_as(
            "UPDATE hall_applications SET content = $1, revision = revision + 1, updated_at = $2
             WHERE id = $3 RETURNING revision",
        )
        .bind(json)
        .bind(now_ms())
        .bind(id)
        .fetch_one(&self.store.pool)
        .await?;
        Ok(revision)
    }

    /// Whether a material's files may change now: any material of a draft, only a reopened
    /// one of a submitted application under a notice.
    async fn check_material_open(
        self,
        app: &Application,
        doc: &ItemDoc,
        material: &str,
    ) -> StoreResult<()> {
        match self.standing(app, doc).await? {
            None => Ok(()),
            Some(s) if s.correcting() && s.reopened.materials.iter().any(|m| m == material) => {
                Ok(())
            }
            Some(_) => Err(not_editable()),
        }
    }

    /// The applicant's application, open for files of `material`, with what checking a file
    /// against it needs.
    async fn slot(self, account_id: AccountId, id: i64, material: &str) -> StoreResult<Slot> {
        let app = self.application(account_id, id).await?;
        let doc = self.doc(&app).await?;
        self.check_material_open(&app, &doc, material).await?;
        Ok(Slot {
            app,
            doc,
            limits: self.limits().await?,
        })
    }

    /// Checks, stores and attaches one uploaded file to a material. The kind comes from the
    /// bytes; the file name and the limits are checked before anything is written to disk,
    /// and the limits again, with the insert, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload(
        self,
        blobs: &BlobStore,
        account_id: AccountId,
        id: i64,
        material: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> StoreResult<AttachedFile> {
        let Some(kind) = sniff(&bytes) else {
            return Err(FieldErrors::single(
                "file",
                format!("“{filename}”的内容不是允许的文件类型（按文件内容识别，与文件名无关），可上传：{ACCEPTED}"),
            )
            .into());
        };
        let name = check_filename(filename)?;
        let slot = self.slot(account_id, id, material).await?;
        let size = bytes.len() as u64;
        check_upload(&slot.doc, &slot.limits, &slot.app.uploads(), material, size)?;
        let blobs = blobs.clone();
        let sha256 = tokio::task::spawn_blocking(move || blobs.put_content(&bytes))
            .await
            .map_err(|e| StoreError::Config(format!("storing upload: {e}")))??;
        self.insert_file(&slot, material, name, &sha256, size, kind)
            .await
    }

    /// Attaches a file already in the blob store (its bytes sniffed as `kind`) to a material,
    /// within the centre's limits.
    #[allow(clippy::too_many_arguments)]
    pub async fn attach(
        self,
        account_id: AccountId,
        id: i64,
        material: &str,
        filename: &str,
        sha256: &str,
        size: u64,
        kind: FileKind,
    ) -> StoreResult<AttachedFile> {
        let name = check_filename(filename)?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldErrors::single("file", "文件摘要无效").into());
        }
        let slot = self.slot(account_id, id, material).await?;
        self.insert_file(&slot, material, name, sha256, size, kind)
            .await
    }

    /// Inserts a file's row. The check and the insert share a transaction that first takes
    /// the application's row, so that parallel uploads cannot together pass a limit.
    async fn insert_file(
        self,
        slot: &Slot,
        material: &str,
        name: &str,
        sha256: &str,
        size: u64,
        kind: FileKind,
    ) -> StoreResult<AttachedFile> {
        let id = slot.app.id;
        let now = now_ms();
        let mut tx = self.store.pool.begin().await?;
        // Still as it was checked: a draft not submitted meanwhile (or the same case).
        let still = sqlx::query(
            "UPDATE hall_applications SET updated_at = $1
             WHERE id = $2 AND (case_id = CAST($3 AS BIGINT) OR (case_id IS NULL AND CAST($3 AS BIGINT) IS NULL))",
        )
        .bind(now)
        .bind(id)
        .bind(slot.app.case_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if still == 0 {
            return Err(not_editable());
        }
        let attached: Vec<(String, i64)> = sqlx::query_as(
            "SELECT material, size FROM hall_files WHERE application_id = $1 AND removed_at IS NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let uploads: Vec<Upload> = attached
            .into_iter()
            .map(|(material, size)| Upload {
                material,
                size: size.max(0) as u64,
            })
            .collect();
        check_upload(&slot.doc, &slot.limits, &uploads, material, size)?;
        let size = i64::try_from(size).map_err(|_| FieldErrors::single("file", "文件过大"))?;
        let (file_id,): (i64,) = sqlx::query_as(
            "INSERT INTO hall_files (application_id, material, sha256, filename, size, kind, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(material)
        .bind(sha256)
        .bind(name)
        .bind(size)
        .bind(kind.key())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.file(id, file_id).await
    }

    /// Takes a file off a material: deleted from a draft, kept for the record (marked
    /// replaced) on a submitted application.
    pub async fn detach(self, account_id: AccountId, id: i64, file_id: i64) -> StoreResult<()> {
        let app = self.application(account_id, id).await?;
        let file = app
            .files
            .iter()
            .find(|f| f.id == file_id)
            .ok_or(StoreError::NotFound("file"))?;
        let doc = self.doc(&app).await?;
        self.check_material_open(&app, &doc, &file.material).await?;
        let sql = if app.case_id.is_none() {
            "DELETE FROM hall_files WHERE id = $1 AND application_id = $2"
        } else {
            "UPDATE hall_files SET removed_at = $3 WHERE id = $1 AND application_id = $2"
        };
        let mut q = sqlx::query(sql).bind(file_id).bind(id);
        if app.case_id.is_some() {
            q = q.bind(now_ms());
        }
        q.execute(&self.store.pool).await?;
        Ok(())
    }

    /// Submits a draft as a case through the case engine, idempotently: a second click, a
    /// retry or a second device gets the case the first made. Refused, with every problem by
    /// field, when the draft is incomplete; when the item's published version changed since
    /// the draft began, the draft moves to the new version (answers and files that still fit
    /// are kept) and the refusal says what changed.
    pub async fn submit(
        self,
        account_id: AccountId,
        id: i64,
        today: chrono::NaiveDate,
    ) -> StoreResult<CaseId> {
        let app = self.application(account_id, id).await?;
        if let Some(case_id) = app.case_id {
            return Ok(case_id);
        }
        let (doc, versions) = self.doc_now(&app).await?;
        let changed = match app.bundle_id {
            Some(_) => versions != app.item_versions,
            None => versions[0].1 != app.item_version,
        };
        if changed {
            let message = self.move_to_version(&app, &doc, &versions).await?;
            return Err(FieldErrors::single("item_version", message).into());
        }
        let submission = check_submission(&doc, &app.content, &app.uploads())?;
        let applicant = self.store.cases().applicant_of(account_id).await?;
        let item = self.case_item(&app, &applicant.id_number).await?;
        let command = Command::Submit {
            channel: Channel::Online,
            item: Box::new(item),
            applicant,
            materials: submission.materials,
            application: Some(app.reference()),
        };
        let key = format!("hall-application-{id}");
        let outcome = self
            .as_applicant(account_id, None, command, key, today)
            .await;
        match outcome {
            Ok(o) => Ok(o.case_id),
            // Submitted meanwhile from elsewhere with other content: the case that exists.
            Err(StoreError::IdempotencyMismatch) => self
                .application(account_id, id)
                .await?
                .case_id
                .ok_or(StoreError::IdempotencyMismatch),
            Err(e) => Err(e),
        }
    }

    /// What the application would be filed under now for the applicant with this id number:
    /// its item as published, or its bundle's joint case over the items as published (their
    /// prerequisites checked).
    pub async fn case_item(
        self,
        app: &Application,
        applicant_id: &str,
    ) -> StoreResult<onewindow_domain::case::ItemRef> {
        match app.bundle_id {
            Some(bundle) => self.store.joint().case_item(bundle, applicant_id).await,
            None => self.store.cases().item_ref_for_case(app.item_id).await,
        }
    }

    /// Moves a draft to a newer version of its item (or of its bundle's items), keeping what
    /// still fits; returns what changed, as the applicant is told.
    async fn move_to_version(
        self,
        app: &Application,
        new: &ItemDoc,
        versions: &[(ItemId, i64)],
    ) -> StoreResult<String> {
        let version = versions[0].1;
        let item_versions = match app.bundle_id {
            Some(_) => Some(
                serde_json::to_string(versions).map_err(|e| StoreError::Config(e.to_string()))?,
            ),
            None => None,
        };
        let old = self.doc(app).await?;
        let mut content = app.content.clone();
        content
            .answers
            .retain(|k, _| new.form.iter().any(|f| &f.key == k));
        content
            .deferred
            .retain(|m| new.materials.iter().any(|x| &x.name == m));
        let json =
            serde_json::to_string(&content).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE hall_applications SET item_version = $1, content = $2, revision = revision + 1,
                updated_at = $3, item_versions = $5 WHERE id = $4 AND case_id IS NULL",
        )
        .bind(version)
        .bind(json)
        .bind(now_ms())
        .bind(app.id)
        .bind(item_versions)
        .execute(&mut *tx)
        .await?;
        for f in &app.files {
            if !new.materials.iter().any(|m| m.name == f.material) {
                sqlx::query("DELETE FROM hall_files WHERE id = $1")
                    .bind(f.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        let mut labels: Vec<String> = diff(&old, new)
            .into_iter()
            .map(|c| {
                if c.label.is_empty() {
                    element_label(&c.path)
                } else {
                    c.label
                }
            })
            .collect();
        labels.dedup();
        let more = labels.len().saturating_sub(8);
        labels.truncate(8);
        let updated = match app.bundle_id {
            Some(_) => "一件事所含事项的办事指南已更新".to_owned(),
            None => format!("办事指南已更新为第 {version} 版"),
        };
        Ok(format!(
            "{updated}，申请已转到新版本，请核对后再提交。变化：{}{}",
            labels.join("、"),
            if more > 0 {
                format!(" 等 {} 处", labels.len() + more)
            } else {
                String::new()
            }
        ))
    }

    /// Sends the corrected application back after a one-time notice: the reopened fields
    /// answered and the reopened materials uploaded, checked like a submission. The case's
    /// clock resumes as the case engine defines.
    pub async fn resubmit(
        self,
        account_id: AccountId,
        id: i64,
        today: chrono::NaiveDate,
    ) -> StoreResult<CaseId> {
        let app = self.application(account_id, id).await?;
        let doc = self.doc(&app).await?;
        let standing = self.standing(&app, &doc).await?.ok_or(not_editable())?;
        let case_id = app.case_id.ok_or(not_editable())?;
        if !standing.correcting() {
            return Err(StoreError::Invalid(FieldErrors::single(
                "application",
                "该申请当前没有需要补正的内容",
            )));
        }
        let uploads = app.uploads();
        check_submission(&doc, &app.content, &uploads)?;
        let mut e = FieldErrors::new();
        for (i, m) in doc.materials.iter().enumerate() {
            if standing.reopened.materials.contains(&m.name)
                && !uploads.iter().any(|u| u.material == m.name)
            {
                e.add(
                    &format!("materials[{i}]"),
                    format!("请上传补正后的“{}”", m.name),
                );
            }
        }
        e.into_result()?;
        let materials: Vec<String> = standing
            .reopened
            .materials
            .iter()
            .filter(|m| uploads.iter().any(|u| &u.material == *m))
            .cloned()
            .collect();
        let command = Command::SupplementReceived {
            materials,
            application: Some(app.reference()),
        };
        let key = format!("hall-correction-{id}-{}", standing.case.supplement_notices);
        self.as_applicant(account_id, Some(case_id), command, key, today)
            .await?;
        Ok(case_id)
    }

    /// Runs a command through the case engine as the applicant, under an idempotency key
    /// that makes a retry return the first result.
    async fn as_applicant(
        self,
        account_id: AccountId,
        case_id: Option<CaseId>,
        command: Command,
        key: String,
        today: chrono::NaiveDate,
    ) -> StoreResult<crate::case::commands::CommandOutcome> {
        self.store
            .cases()
            .execute(CommandRequest {
                case_id,
                expected_version: None,
                command,
                actor: applicant_actor(account_id),
                idempotency_key: Some(key),
                today,
                at: now_ms(),
            })
            .await
    }
}
