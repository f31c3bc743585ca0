//! The applicant's pages: start an application from a guide or a bundle, fill in the form and
//! upload the materials (one form that works without JavaScript; a small script autosaves), ask
//! for joint pre-review, submit, correct after a one-time notice; and the files of an online
//! application for the staff who handle its case. My cases and messages are `my`.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_domain::auth::HallAction;
use onewindow_domain::catalog::form::FieldType;
use onewindow_domain::catalog::{ItemDoc, MATERIAL_REQUIREMENTS, label};
use onewindow_domain::hall::{DeliveryMethod, Limits, size_text};
use onewindow_domain::ids::{BundleId, CaseId, ItemId, ResidentId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::hall::{Application, Standing};
use onewindow_store::{StoreError, now_ms};

use crate::AppState;
use crate::auth::{PageUser, require};
use crate::error::{ApiError, PageError};
use crate::hall::my::plain_state;
use crate::hall::{draft_from_form, file_response};
use crate::pages::{Chrome, FormData, PageResult, local_time, render, render_with_status};

/// The most a page upload may carry: the largest application an administrator may allow.
const MAX_UPLOAD_BODY: usize = 1024 * 1024 * 1024 + 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply/{item_id}", get(start_page).post(start))
        .route(
            "/apply/bundle/{bundle_id}",
            get(start_bundle_page).post(start_bundle),
        )
        .route(
            "/my/applications/{id}",
            get(application_page)
                .post(application_post)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BODY)),
        )
        .route("/my/applications/{id}/autosave", post(autosave))
        .route("/my/applications/{id}/files/{file}", get(own_file))
        .route("/work/cases/{id}/files/{file}", get(case_file))
}

/// Only applicants apply; staff who open these pages are told so.
pub(super) async fn applicant(state: &AppState, user: &PageUser) -> Result<(), PageError> {
    require(
        state,
        &user.principal,
        user.ctx.remote.as_deref(),
        HallAction::Apply,
        None,
    )
    .await
    .map_err(|_| PageError::Forbidden("网上申请须使用申请人（自然人或法人）账号登录".into()))
}

// ---- starting ----

#[derive(Template)]
#[template(path = "hall/start.html")]
struct StartPage {
    chrome: Chrome,
    /// Where the guide is (the item's or the bundle's page) and where the form posts.
    guide: String,
    action: String,
    /// For a bundle: its items, handled by their departments at once.
    items: Vec<String>,
    name: String,
    materials: Vec<(String, String)>,
    fields: usize,
    error: String,
}

/// What an application is started for: an item, or a bundle (一件事).
#[derive(Clone, Copy)]
enum Target {
    Item(ItemId),
    Bundle(BundleId),
}

/// The start page for an item's published version (or a bundle's merged form over its
/// items'), with a refusal when there is one.
async fn start_view(
    state: &AppState,
    user: &PageUser,
    target: Target,
    mut error: String,
) -> Result<StartPage, PageError> {
    let (doc, guide, action, items) = match target {
        Target::Item(item_id) => (
            state.store.catalog().current_version(item_id).await?.doc,
            format!("/items/{item_id}"),
            format!("/apply/{item_id}"),
            vec![],
        ),
        Target::Bundle(id) => {
            let bundle = state.store.joint().bundle(id).await?;
            if !bundle.active {
                return Err(PageError::NotFound);
            }
            let items = bundle
                .items
                .iter()
                .map(|i| format!("{}（{}）", i.name, i.department))
                .collect();
            let doc = match state.store.joint().bundle_doc_now(id).await {
                Ok(b) => b.doc,
                Err(StoreError::Invalid(e)) => {
                    if error.is_empty() {
                        error = e.summary();
                    }
                    ItemDoc {
                        name: bundle.name.clone(),
                        ..Default::default()
                    }
                }
                Err(e) => return Err(e.into()),
            };
            (
                doc,
                format!("/bundles/{id}"),
                format!("/apply/bundle/{id}"),
                items,
            )
        }
    };
    Ok(StartPage {
        chrome: Chrome::new(format!("在线办理 · {}", doc.name), &user.ctx),
        guide,
        action,
        items,
        materials: doc
            .materials
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    label(MATERIAL_REQUIREMENTS, &m.requirement)
                        .unwrap_or("")
                        .to_owned(),
                )
            })
            .collect(),
        fields: doc.form.len(),
        name: doc.name,
        error,
    })
}

async fn start_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(item_id): Path<ItemId>,
) -> PageResult {
    applicant(&state, &user).await?;
    render(&start_view(&state, &user, Target::Item(item_id), String::new()).await?)
}

async fn start(
    State(state): State<AppState>,
    user: PageUser,
    Path(item_id): Path<ItemId>,
) -> PageResult {
    start_target(&state, &user, Target::Item(item_id)).await
}

async fn start_bundle_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(bundle_id): Path<BundleId>,
) -> PageResult {
    applicant(&state, &user).await?;
    render(&start_view(&state, &user, Target::Bundle(bundle_id), String::new()).await?)
}

async fn start_bundle(
    State(state): State<AppState>,
    user: PageUser,
    Path(bundle_id): Path<BundleId>,
) -> PageResult {
    start_target(&state, &user, Target::Bundle(bundle_id)).await
}

/// Opens the applicant's draft (theirs already, or a new one) and goes to it.
async fn start_target(state: &AppState, user: &PageUser, target: Target) -> PageResult {
    applicant(state, user).await?;
    let me = user.principal.account_id;
    let started = match target {
        Target::Item(id) => state.store.hall().start(me, id).await,
        Target::Bundle(id) => state.store.hall().start_bundle(me, id).await,
    };
    match started {
        Ok(app) => Ok(Redirect::to(&format!("/my/applications/{}", app.id)).into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = start_view(state, user, target, e.summary()).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the application ----

pub struct FieldView {
    pub key: String,
    pub label: String,
    /// text, textarea, number, date, select, tel
    pub input: &'static str,
    pub value: String,
    pub required: bool,
    pub help: String,
    pub options: Vec<String>,
    /// `key=value` of the condition, for the script; empty when always shown.
    pub shown_when: String,
    pub condition_text: String,
    pub error: String,
    pub editable: bool,
    /// Named in the open notice, with its reason.
    pub asked: String,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub kind: String,
    pub href: String,
    pub image: bool,
}

pub struct MaterialView {
    pub index: usize,
    pub name: String,
    pub copies: String,
    pub requirement: String,
    pub notes: String,
    pub deficiency_allowed: bool,
    pub deferred: bool,
    pub files: Vec<FileView>,
    pub error: String,
    pub editable: bool,
    pub asked: String,
}

#[derive(Template)]
#[template(path = "hall/application.html")]
struct ApplicationPage {
    chrome: Chrome,
    id: i64,
    revision: i64,
    item_name: String,
    /// The guide it was filled in against: the item's version, or the bundle's page.
    guide: String,
    guide_text: String,
    /// Online joint pre-review: whether it may be asked for, and the rounds so far.
    can_prereview: bool,
    prereview_days: u32,
    prereviews: Vec<crate::joint::prereview::RoundView>,
    applicant_name: String,
    applicant_id: String,
    applicant_mobile: String,
    /// draft, submitted, correcting
    phase: &'static str,
    status: String,
    case_id: Option<CaseId>,
    asked: Vec<(String, String)>,
    fields: Vec<FieldView>,
    materials: Vec<MaterialView>,
    delivery: String,
    recipient: String,
    mobile: String,
    address: String,
    delivery_error: String,
    delivery_editable: bool,
    errors: Vec<String>,
    limits: String,
    accept: &'static str,
    updated: String,
}

fn input_of(t: FieldType) -> &'static str {
    match t {
        FieldType::MultiLine | FieldType::Address => "textarea",
        FieldType::Number => "number",
        FieldType::Date => "date",
        FieldType::Choice => "select",
        FieldType::Mobile => "tel",
        FieldType::Amount => "amount",
        FieldType::Text | FieldType::ResidentId | FieldType::CreditCode => "text",
    }
}

/// The application's page: its form as saved (or as just submitted, with `errors`).
async fn application_view(
    state: &AppState,
    user: &PageUser,
    app: &Application,
    typed: Option<&FormData>,
    errors: &FieldErrors,
) -> Result<ApplicationPage, PageError> {
    let hall = state.store.hall();
    let doc: ItemDoc = hall.doc(app).await?;
    let standing: Option<Standing> = hall.standing(app, &doc).await?;
    let correcting = standing.as_ref().is_some_and(Standing::correcting);
    let draft = app.case_id.is_none();
    let asked_of = |field: Option<&str>, material: &str| -> String {
        standing
            .as_ref()
            .filter(|s| s.correcting())
            .and_then(|s| {
                s.case.asked.iter().find(|m| match field {
                    Some(k) => m.field.as_deref() == Some(k),
                    None => m.field.is_none() && m.material == material,
                })
            })
            .map(|m| m.reason.clone())
            .unwrap_or_default()
    };
    let applicant = state
        .store
        .cases()
        .applicant_of(user.principal.account_id)
        .await?;
    let value = |key: &str| match typed {
        Some(d) => d.text(&format!("a.{key}")),
        None => app.content.answers.get(key).cloned().unwrap_or_default(),
    };
    let fields = doc
        .form
        .iter()
        .map(|f| FieldView {
            key: f.key.clone(),
            label: f.label.clone(),
            input: input_of(f.field_type),
            value: value(&f.key),
            required: f.required,
            help: f.help.clone(),
            options: f.options.clone(),
            shown_when: f.shown_when.as_ref().map(|c| c.text()).unwrap_or_default(),
            condition_text: f
                .shown_when
                .as_ref()
                .map(|c| {
                    let on = doc
                        .form
                        .iter()
                        .find(|x| x.key == c.field)
                        .map_or(c.field.as_str(), |x| x.label.as_str());
                    if c.equals.is_empty() {
                        format!("填写“{on}”后须填写")
                    } else {
                        format!("“{on}”为“{}”时须填写", c.equals)
                    }
                })
                .unwrap_or_default(),
            error: errors
                .message_for(&format!("answers.{}", f.key))
                .unwrap_or_default()
                .to_owned(),
            editable: draft
                || (correcting
                    && standing
                        .as_ref()
                        .is_some_and(|s| s.reopened.fields.contains(&f.key))),
            asked: asked_of(Some(&f.key), ""),
        })
        .collect();
    let materials = doc
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| MaterialView {
            index: i,
            name: m.name.clone(),
            copies: match (m.originals, m.copies) {
                (0, c) => format!("复印件 {c} 份"),
                (o, 0) => format!("原件 {o} 份"),
                (o, c) => format!("原件 {o} 份、复印件 {c} 份"),
            },
            requirement: if m.requirement == "conditional" && !m.condition.is_empty() {
                format!("情形必要：{}", m.condition)
            } else {
                label(MATERIAL_REQUIREMENTS, &m.requirement)
                    .unwrap_or("")
                    .to_owned()
            },
            notes: m.notes.clone(),
            deficiency_allowed: m.deficiency_allowed,
            deferred: match typed {
                Some(d) => d.all("deferred").contains(&m.name),
                None => app.content.deferred.contains(&m.name),
            },
            files: app
                .files
                .iter()
                .filter(|f| f.material == m.name)
                .map(|f| FileView {
                    id: f.id,
                    name: f.filename.clone(),
                    size: size_text(f.size as u64),
                    kind: f.kind.label().to_owned(),
                    href: format!("/my/applications/{}/files/{}", app.id, f.id),
                    image: f.kind.is_image(),
                })
                .collect(),
            error: errors
                .message_for(&format!("materials[{i}]"))
                .or_else(|| errors.message_for(&format!("file.{i}")))
                .unwrap_or_default()
                .to_owned(),
            editable: draft
                || (correcting
                    && standing
                        .as_ref()
                        .is_some_and(|s| s.reopened.materials.contains(&m.name))),
            asked: asked_of(None, &m.name),
        })
        .collect();
    let d = &app.content.delivery;
    let pick = |name: &str, stored: &str| match typed {
        Some(t) => t.text(name),
        None => stored.to_owned(),
    };
    let limits: Limits = hall.limits().await?;
    let (phase, status) = match &standing {
        None => (
            "draft",
            "草稿：填写内容会自动保存，可随时在其他设备上继续。".to_owned(),
        ),
        Some(s) if s.correcting() => (
            "correcting",
            "需要补正：请按下列一次性告知修改，其他内容保持不变，然后提交补正。".to_owned(),
        ),
        Some(s) => ("submitted", format!("已提交：{}", plain_state(&s.case))),
    };
    let delivery_error = [
        "delivery.method",
        "delivery.recipient",
        "delivery.mobile",
        "delivery.address",
    ]
    .iter()
    .filter_map(|k| errors.message_for(k))
    .collect::<Vec<_>>()
    .join("；");
    Ok(ApplicationPage {
        chrome: Chrome::new(format!("在线办理 · {}", doc.name), &user.ctx),
        id: app.id,
        revision: app.revision,
        item_name: doc.name.clone(),
        guide: match app.bundle_id {
            Some(b) => format!("/bundles/{b}"),
            None => format!("/items/{}?version={}", app.item_id, app.item_version),
        },
        guide_text: match app.bundle_id {
            Some(_) => "一件事说明".to_owned(),
            None => format!("办事指南（第 {} 版）", app.item_version),
        },
        can_prereview: draft && (app.bundle_id.is_some() || !doc.joint_department_ids.is_empty()),
        prereview_days: state.store.joint().prereview_days().await?,
        prereviews: state
            .store
            .joint()
            .prereviews_of(app.id)
            .await?
            .into_iter()
            .map(|r| {
                crate::joint::prereview::RoundView::of(
                    r.for_applicant(state.clock.today()),
                    state.clock.today(),
                )
            })
            .collect(),
        applicant_name: applicant.name,
        applicant_id: ResidentId::parse(&applicant.id_number)
            .map(|r| r.masked())
            .unwrap_or(applicant.id_number),
        applicant_mobile: applicant.mobile,
        phase,
        status,
        case_id: app.case_id,
        asked: standing
            .as_ref()
            .filter(|s| s.correcting())
            .map(|s| {
                s.case
                    .asked
                    .iter()
                    .map(|m| (m.material.clone(), m.reason.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        fields,
        materials,
        delivery: pick(
            "delivery.method",
            d.method.map(DeliveryMethod::key).unwrap_or_default(),
        ),
        recipient: pick("delivery.recipient", &d.recipient),
        mobile: pick("delivery.mobile", &d.mobile),
        address: pick("delivery.address", &d.address),
        delivery_error,
        delivery_editable: draft,
        errors: errors.0.iter().map(|(_, m)| m.clone()).collect(),
        limits: format!(
            "可上传 PDF、JPG、PNG、OFD（按文件内容识别）；单个文件不超过 {}，全部文件合计不超过 {}，每项材料最多 {} 个文件。",
            size_text(limits.max_file_bytes),
            size_text(limits.max_application_bytes),
            limits.max_files_per_material
        ),
        accept: ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png",
        updated: local_time(app.updated_at),
    })
}

async fn own_application(
    state: &AppState,
    user: &PageUser,
    id: i64,
) -> Result<Application, PageError> {
    Ok(state
        .store
        .hall()
        .application(user.principal.account_id, id)
        .await?)
}

async fn application_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    applicant(&state, &user).await?;
    let app = own_application(&state, &user, id).await?;
    render(&application_view(&state, &user, &app, None, &FieldErrors::new()).await?)
}

/// The one form of the application page: saves what was typed, attaches the files chosen,
/// removes a file, and submits or resubmits, as the pressed button says (`op`).
async fn application_post(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> PageResult {
    applicant(&state, &user).await?;
    let me = user.principal.account_id;
    let app = own_application(&state, &user, id).await?;
    let doc = state.store.hall().doc(&app).await?;
    let limits = state.store.hall().limits().await?;
    let mut data = FormData::default();
    let mut errors = FieldErrors::new();
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(_) => {
                errors.add("file", "上传中断或文件过大，请重新选择文件");
                break;
            }
        };
        let name = part.name().unwrap_or_default().to_owned();
        let Some(index) = name.strip_prefix("file.") else {
            let text = part.text().await.unwrap_or_default();
            if text.len() <= 10_000 {
                data.0.push((name, text));
            }
            continue;
        };
        let filename = part.file_name().unwrap_or_default().to_owned();
        let material = index
            .parse::<usize>()
            .ok()
            .and_then(|i| doc.materials.get(i))
            .map(|m| m.name.clone());
        let bytes = match read_limited(part, limits.max_file_bytes).await {
            Ok(b) => b,
            Err(message) => {
                errors.add(&name, message);
                continue;
            }
        };
        if bytes.is_empty() && filename.is_empty() {
            continue;
        }
        let Some(material) = material else {
            errors.add(&name, "本事项没有这项材料");
            continue;
        };
        let uploaded = state
            .store
            .hall()
            .upload(&state.blobs, me, id, &material, &filename, bytes)
            .await;
        match uploaded {
            Ok(_) => {}
            Err(StoreError::Invalid(f)) => {
                for (_, m) in f.0 {
                    errors.add(&name, m);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    let op = data.text("op");
    // What was typed is saved whatever the button (a submitted application keeps only what a
    // notice reopened).
    if app.case_id.is_none() || op == "resubmit" || op == "save" || op.starts_with("remove:") {
        match state
            .store
            .hall()
            .save(me, id, &draft_from_form(&data), None)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Invalid(f)) if app.case_id.is_none() => errors.0.extend(f.0),
            Err(StoreError::Invalid(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(file) = op.strip_prefix("remove:") {
        let file_id = file.parse::<i64>().map_err(|_| PageError::NotFound)?;
        if let Err(e) = state.store.hall().detach(me, id, file_id).await {
            match e {
                StoreError::Invalid(f) => errors.0.extend(f.0),
                other => return Err(other.into()),
            }
        }
    }
    if errors.is_empty() && op == "prereview" {
        let today = state.clock.today();
        let cal = state.store.calendar().calendar_for("").await?;
        match state
            .store
            .joint()
            .request_prereview(me, id, today, &cal)
            .await
        {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/my/applications/{id}?notice=prereview#prereview"
                ))
                .into_response());
            }
            Err(StoreError::Invalid(f)) => errors.0.extend(f.0),
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() {
        let today = state.clock.today();
        let outcome = match op.as_str() {
            "submit" => Some(state.store.hall().submit(me, id, today).await),
            "resubmit" => Some(state.store.hall().resubmit(me, id, today).await),
            _ => None,
        };
        match outcome {
            None => {
                return Ok(
                    Redirect::to(&format!("/my/applications/{id}?notice=saved")).into_response()
                );
            }
            Some(Ok(case_id)) => {
                let notice = if op == "submit" {
                    "submitted"
                } else {
                    "resubmitted"
                };
                return Ok(
                    Redirect::to(&format!("/my/cases/{case_id}?notice={notice}")).into_response(),
                );
            }
            Some(Err(StoreError::Invalid(f))) => errors.0.extend(f.0),
            Some(Err(StoreError::Rejected(e))) => errors.add("application", e.to_string()),
            Some(Err(e)) => return Err(e.into()),
        }
    }
    let app = own_application(&state, &user, id).await?;
    // Typed values are shown again only for fields that were editable.
    let typed = app.case_id.is_none().then_some(&data);
    let page = application_view(&state, &user, &app, typed, &errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A file part's bytes, refused once they pass `max` (the whole file is never held beyond it).
async fn read_limited(
    mut part: axum::extract::multipart::Field<'_>,
    max: u64,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    loop {
        match part.chunk().await {
            Ok(Some(chunk)) => {
                if (bytes.len() + chunk.len()) as u64 > max {
                    return Err(format!("文件不能超过 {}", size_text(max)));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(_) => return Err("上传中断，请重新选择文件".into()),
        }
    }
}

/// The script's autosave: the form's fields (no files) saved against the revision the page
/// was loaded with; JSON back (`revision`, or a conflict).
async fn autosave(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    crate::auth::require(
        &state,
        &user.principal,
        user.ctx.remote.as_deref(),
        HallAction::Apply,
        None,
    )
    .await?;
    let data = FormData::parse(&body);
    let base = data.text("revision").parse::<i64>().ok();
    let revision = state
        .store
        .hall()
        .save(user.principal.account_id, id, &draft_from_form(&data), base)
        .await?;
    Ok(
        axum::Json(serde_json::json!({ "revision": revision, "saved_at": local_time(now_ms()) }))
            .into_response(),
    )
}

async fn own_file(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let app = own_application(&state, &user, id).await?;
    let file = state.store.hall().file(app.id, file).await?;
    Ok(file_response(&state, &file)?)
}

/// A file of an online application, for the staff who may see its case.
async fn case_file(
    State(state): State<AppState>,
    user: PageUser,
    Path((case_id, file)): Path<(CaseId, i64)>,
) -> Result<Response, PageError> {
    crate::case::visible_case(&state, &user.principal, user.ctx.remote.as_deref(), case_id).await?;
    let app = state
        .store
        .hall()
        .application_of_case(case_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let file = state.store.hall().file(app.id, file).await?;
    Ok(file_response(&state, &file)?)
}
