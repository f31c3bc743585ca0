//! Catalogue pages: the public guides (办事指南: browse, search, the guide of an item at any
//! published version, a print view) and the administration of items (drafts, publishing,
//! versions and their differences, suspension and withdrawal, synonyms, import and export).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use onewindow_domain::auth::{CatalogAction, OrgAction};
use onewindow_domain::catalog::*;
use onewindow_domain::org::FieldErrors;
use onewindow_store::catalog::{
    ITEM_STATUSES, ItemFilter, ItemSummary, ItemVersion, Withdrawal, parse_catalog_json,
};
use onewindow_store::search::{SearchFilter, SearchHit, check_query};
use serde::Deserialize;

use super::item_form::{RowGroup, doc_to_form, form_to_doc, groups, sections};
use super::{
    Chrome, Form, FormBuilder, FormData, Notice, PageResult, can, form_outcome, gate, read_upload,
    render, render_with_status,
};
use crate::AppState;
use crate::auth::{PageUser, RequestCtx, catalog_step_gate};
use crate::error::PageError;
use crate::kit::{Cell, PostButton, Section, page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/items", get(browse))
        .route("/items/{id}", get(guide))
        .route("/admin/items", get(admin_items))
        .route("/admin/items/new", get(new_item).post(create_item))
        .route("/admin/items/{id}", get(admin_item))
        .route("/admin/items/{id}/edit", get(edit_item).post(save_item))
        .route("/admin/items/{id}/diff", get(diff_page))
        .route(
            "/admin/items/{id}/files",
            post(upload_file).layer(axum::extract::DefaultBodyLimit::max(
                onewindow_store::blobs::MAX_FILE_BYTES + 1024 * 1024,
            )),
        )
        .route("/files/{sha256}/{name}", get(download))
        .route("/admin/items/{id}/{action}", post(item_action))
        .route("/admin/synonyms", get(synonyms).post(save_synonym))
        .route(
            "/admin/catalog/import",
            get(import_page)
                .post(import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/admin/catalog/export", get(export))
}

// ---- public ----

#[derive(Debug, Default, Deserialize)]
struct BrowseQuery {
    q: Option<String>,
    department_id: Option<i64>,
    topic: Option<String>,
    item_type: Option<String>,
    audience: Option<String>,
    level: Option<String>,
    min_depth: Option<u8>,
}

#[derive(Template)]
#[template(path = "items.html")]
struct BrowsePage {
    chrome: Chrome,
    q: String,
    error: String,
    summary: String,
    expanded: String,
    hits: Vec<SearchHit>,
    topics: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    types: Vec<(String, String)>,
    topic: Option<String>,
    department: Option<i64>,
    audience: Option<String>,
}

/// How many results a page shows.
const PAGE_HITS: usize = 50;

async fn browse(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<BrowseQuery>,
) -> PageResult {
    let filter = SearchFilter {
        department_id: q.department_id,
        item_type: q.item_type.clone(),
        topic: q.topic.clone(),
        level: q.level.clone(),
        min_depth: q.min_depth,
        audience: q.audience.clone(),
    };
    let query = q.q.clone().unwrap_or_default();
    let mut error = String::new();
    let mut status = StatusCode::OK;
    let results = match (&q.q, check_query(&query)) {
        (Some(_), Err(message)) => {
            error = message;
            status = StatusCode::UNPROCESSABLE_ENTITY;
            None
        }
        (Some(_), Ok(())) => Some(state.store.search().search(&query, &filter, PAGE_HITS)?),
        (None, _) => Some(state.store.search().search("", &filter, 500)?),
    };
    let (summary, expanded, hits) = match results {
        Some(r) if q.q.is_some() => (
            format!("找到 {} 个相关事项", r.total),
            r.expanded_with.join("、"),
            r.hits,
        ),
        Some(mut r) => {
            r.hits
                .sort_by(|a, b| a.department.cmp(&b.department).then(a.name.cmp(&b.name)));
            (format!("共 {} 个事项", r.total), String::new(), r.hits)
        }
        None => (String::new(), String::new(), Vec::new()),
    };
    let departments = state
        .store
        .list_departments(None)
        .await?
        .into_iter()
        .filter(|d| d.active.get())
        .map(|d| (d.id, d.short_name))
        .collect();
    let audience_prefix = match q.audience.as_deref() {
        Some("individual") => "p_",
        Some("company") => "c_",
        _ => "",
    };
    let page = BrowsePage {
        chrome: Chrome::new("办事指南", &ctx),
        q: query,
        error,
        summary,
        expanded,
        hits,
        topics: TOPICS
            .iter()
            .filter(|(k, _)| k.starts_with(audience_prefix))
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
            .collect(),
        departments,
        types: ITEM_TYPES
            .iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
            .collect(),
        topic: q.topic,
        department: q.department_id,
        audience: q.audience,
    };
    render_with_status(status, &page)
}

struct MaterialRow {
    name: String,
    originals: u32,
    copies: u32,
    requirement: String,
    source: String,
    notes: String,
    /// Downloads: (label, link).
    files: Vec<(String, String)>,
}

/// A link for a document value that refers to an uploaded file.
fn file_link(value: &str) -> Option<String> {
    onewindow_store::blobs::parse_file_ref(value).map(|(hash, name)| {
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        format!("/files/{hash}/{name}")
    })
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    chrome: Chrome,
    item_id: i64,
    version: i64,
    doc: ItemDoc,
    banner: String,
    limits: String,
    online: bool,
    print: bool,
    basics: Vec<(&'static str, String)>,
    contact: Vec<(&'static str, String)>,
    materials: Vec<MaterialRow>,
    fees: Vec<(String, String, String)>,
    specials: Vec<String>,
    flow_svg: String,
    result_sample: Option<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct GuideQuery {
    version: Option<i64>,
    #[serde(default)]
    print: Option<u8>,
}

fn labels(table: CodeTable, codes: &[String]) -> String {
    codes
        .iter()
        .filter_map(|c| label(table, c))
        .collect::<Vec<_>>()
        .join("、")
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The handling procedure as a vertical flow chart: one box per step with its role and limit.
pub fn flow_svg(doc: &ItemDoc, dept_name: &dyn Fn(i64) -> String) -> String {
    const W: i64 = 360;
    const BOX_H: i64 = 64;
    const GAP: i64 = 34;
    let n = doc.steps.len() as i64 + 2;
    let height = n * BOX_H + (n - 1) * GAP + 4;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="办理流程图"><defs><marker id="arrow" markerWidth="10" markerHeight="10" refX="5" refY="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#14438a"/></marker></defs>"##
    );
    let mut boxes: Vec<(String, String, bool)> =
        vec![("申请".into(), "申请人提交申请材料".into(), true)];
    for s in &doc.steps {
        let limit = if s.limit_days == 0 {
            "当场".to_owned()
        } else {
            format!("{} 个工作日", s.limit_days)
        };
        boxes.push((
            s.name.clone(),
            format!(
                "{} · {} · {limit}",
                label(STEP_ROLES, &s.role).unwrap_or(""),
                dept_name(s.department_id)
            ),
            false,
        ));
    }
    boxes.push(("办结".into(), format!("出具：{}", doc.result_name), true));
    for (i, (title, detail, terminal)) in boxes.iter().enumerate() {
        let y = i as i64 * (BOX_H + GAP) + 2;
        let (fill, stroke, rx) = if *terminal {
            ("#fdecea", "#b3261e", 32)
        } else {
            ("#e8eef8", "#14438a", 8)
        };
        svg.push_str(&format!(
            r##"<rect x="2" y="{y}" width="{w}" height="{BOX_H}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="2"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="17" font-weight="700" fill="#1c2330">{t}</text><text x="{cx}" y="{dy}" text-anchor="middle" font-size="13" fill="#5b6474">{d}</text>"##,
            w = W - 4,
            cx = W / 2,
            ty = y + 27,
            dy = y + 50,
            t = escape_xml(title),
            d = escape_xml(detail),
        ));
        if i + 1 < boxes.len() {
            let y1 = y + BOX_H;
            svg.push_str(&format!(
                r##"<line x1="{cx}" y1="{y1}" x2="{cx}" y2="{y2}" stroke="#14438a" stroke-width="2" marker-end="url(#arrow)"/>"##,
                cx = W / 2,
                y2 = y1 + GAP - 6
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Renders the guide of one version; the page handler and the benchmark share it.
pub fn render_guide(
    version: &ItemVersion,
    current: Option<i64>,
    status: &str,
    dept_names: &[(i64, String)],
    ctx: &RequestCtx,
    print: bool,
) -> Result<String, PageError> {
    let doc = &version.doc;
    let dept_name = |id: i64| {
        dept_names
            .iter()
            .find(|(d, _)| *d == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let banner = match (current, status) {
        _ if version.status == "scheduled" => format!(
            "第 {} 版将于 {} 起施行，此前仍按现行版本办理。",
            version.version,
            version.effective_date.as_deref().unwrap_or("")
        ),
        (_, "suspended") => "该事项暂停办理，恢复时间请咨询窗口。".to_owned(),
        (_, "withdrawn") => "该事项已取消或下放，以下为历史办事指南。".to_owned(),
        (Some(c), _) if c != version.version => format!(
            "您正在查看第 {} 版（已被第 {c} 版替代），仅供按该版本受理的办件参考。",
            version.version
        ),
        _ => String::new(),
    };
    let yesno = |b: bool| if b { "是" } else { "否" }.to_owned();
    let basics = vec![
        (
            "事项类型",
            label(ITEM_TYPES, &doc.item_type).unwrap_or("").to_owned(),
        ),
        ("实施主体", doc.implementing_body.clone()),
        (
            "实施主体性质",
            label(BODY_NATURES, &doc.body_nature)
                .unwrap_or("")
                .to_owned(),
        ),
        (
            "行使层级",
            label(EXERCISE_LEVELS, &doc.exercise_level)
                .unwrap_or("")
                .to_owned(),
        ),
        ("服务对象", labels(SERVICE_TARGETS, &doc.service_targets)),
        (
            "办件类型",
            label(CASE_TYPES, &doc.case_type).unwrap_or("").to_owned(),
        ),
        (
            "法定办结时限",
            format!(
                "{} 个工作日 {}",
                doc.statutory_limit_days, doc.statutory_limit_note
            ),
        ),
        (
            "承诺办结时限",
            if doc.case_type == "1" {
                "当场办结".into()
            } else {
                format!(
                    "{} 个工作日 {}",
                    doc.promised_limit_days, doc.promised_limit_note
                )
            },
        ),
        ("办理形式", labels(HANDLING_FORMS, &doc.handling_forms)),
        (
            "网上办理深度",
            label(ONLINE_DEPTHS, &doc.online_depth)
                .unwrap_or("")
                .to_owned(),
        ),
        ("支持预约", yesno(doc.appointment)),
        ("支持网上支付", yesno(doc.online_payment)),
        ("支持物流快递", yesno(doc.express_delivery)),
        (
            "结果名称",
            format!(
                "{}（{}）",
                doc.result_name,
                label(RESULT_TYPES, &doc.result_type).unwrap_or("")
            ),
        ),
        (
            "共同实施部门",
            if doc.joint_department_ids.is_empty() {
                "无".into()
            } else {
                doc.joint_department_ids
                    .iter()
                    .map(|d| dept_name(*d))
                    .collect::<Vec<_>>()
                    .join("、")
            },
        ),
        (
            "中介服务",
            if doc.intermediary_services.is_empty() {
                "无".into()
            } else {
                doc.intermediary_services.join("、")
            },
        ),
        (
            "数量限制",
            if doc.quantity_limit.is_empty() {
                "无".into()
            } else {
                doc.quantity_limit.clone()
            },
        ),
        ("基本编码", doc.basic_code.clone()),
        ("实施编码", doc.implementation_code.clone()),
        (
            "版本",
            format!(
                "第 {} 版{}",
                version.version,
                version
                    .effective_date
                    .as_deref()
                    .map(|d| format!("，{d} 起施行"))
                    .unwrap_or_default()
            ),
        ),
    ];
    let result_sample = file_link(&doc.result_sample).map(|href| ("结果样本".to_owned(), href));
    let contact = vec![
        ("办理地点", doc.location.clone()),
        ("办理时间", doc.hours.clone()),
        ("咨询电话", doc.consult_phone.clone()),
        ("监督电话", doc.supervise_phone.clone()),
    ];
    let materials = doc
        .materials
        .iter()
        .map(|m| {
            let mut requirement = label(MATERIAL_REQUIREMENTS, &m.requirement)
                .unwrap_or("")
                .to_owned();
            if !m.condition.is_empty() {
                requirement.push_str(&format!("（{}）", m.condition));
            }
            if m.deficiency_allowed {
                requirement.push_str("，可容缺");
            }
            let mut source = label(MATERIAL_SOURCES, &m.source).unwrap_or("").to_owned();
            if !m.licence_type.is_empty() {
                source.push_str("；可用电子证照，免提交");
            }
            let mut notes = m.notes.clone();
            let mut files = Vec::new();
            for (label, value) in [("空白表格", &m.template), ("示例样表", &m.sample)] {
                match file_link(value) {
                    Some(href) => files.push((label.to_owned(), href)),
                    None if !value.is_empty() => notes.push_str(&format!(" {label}：{value}")),
                    None => {}
                }
            }
            MaterialRow {
                name: m.name.clone(),
                originals: m.originals,
                copies: m.copies,
                requirement,
                source,
                notes,
                files,
            }
        })
        .collect();
    let fees = doc
        .fees
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                format!("{}.{:02} 元", f.standard_fen / 100, f.standard_fen % 100),
                f.basis.clone(),
            )
        })
        .collect();
    let specials = doc
        .special_procedures
        .iter()
        .map(|p| {
            format!(
                "{}：{} 个工作日，{}。{}",
                p.name,
                p.limit_days,
                if p.excluded_from_limit {
                    "不计入办结时限"
                } else {
                    "计入办结时限"
                },
                p.note
            )
        })
        .collect();
    let page = GuidePage {
        chrome: Chrome::new(doc.name.clone(), ctx),
        item_id: version.item_id,
        version: version.version,
        banner,
        limits: doc.limits_in_words(),
        online: doc.online_depth.parse::<u8>().unwrap_or(0) >= 2 && status == "active",
        print,
        basics,
        contact,
        materials,
        fees,
        specials,
        flow_svg: flow_svg(doc, &dept_name),
        result_sample,
        doc: doc.clone(),
    };
    page.render().map_err(|e| PageError::Internal(e.into()))
}

async fn guide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<GuideQuery>,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    let current = item.current_version;
    let wanted = q.version.or(current).ok_or(PageError::NotFound)?;
    let version = state.store.get_version(id, wanted).await?;
    // Drafts are not public.
    if version.status == "draft" {
        return Err(PageError::NotFound);
    }
    let depts: Vec<(i64, String)> = state
        .store
        .list_departments(None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let html = render_guide(
        &version,
        current,
        &item.status,
        &depts,
        &ctx,
        q.print == Some(1),
    )?;
    Ok(axum::response::Html(html).into_response())
}

// ---- administration ----

fn status_label(status: &str) -> &'static str {
    ITEM_STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or("", |(_, l)| l)
}

fn status_tag(status: &str) -> &'static str {
    match status {
        "active" => "on",
        "draft" => "warn",
        "suspended" => "warn",
        _ => "off",
    }
}

#[derive(Debug, Default, Deserialize)]
struct AdminItemsQuery {
    department_id: Option<i64>,
    status: Option<String>,
    #[serde(default)]
    notice: String,
}

async fn admin_items(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<AdminItemsQuery>,
) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let p = &user.principal;
    let manage_all = can(p, CatalogAction::Publish, None);
    let department_id = if manage_all {
        q.department_id
    } else {
        p.department_id.or(q.department_id)
    };
    let filter = ItemFilter {
        department_id,
        status: q.status.clone().filter(|s| !s.is_empty()),
        item_type: None,
    };
    let items = state.store.list_items(&filter).await?;
    let depts = state.store.list_departments(None).await?;
    let dept = |id: i64| {
        depts
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.short_name.clone())
            .unwrap_or_default()
    };
    let rows = items
        .iter()
        .map(|i| {
            vec![
                Cell::link(&i.name, format!("/admin/items/{}", i.id)),
                Cell::text(&i.implementation_code),
                Cell::text(dept(i.department_id)),
                Cell::text(label(ITEM_TYPES, &i.item_type).unwrap_or("")),
                Cell::tag(status_label(&i.status), status_tag(&i.status)),
                Cell::text(
                    i.current_version
                        .map(|v| format!("第 {v} 版"))
                        .unwrap_or_default(),
                ),
                if i.draft_version.is_some() {
                    Cell::tag("有草稿", "warn")
                } else {
                    Cell::text("")
                },
            ]
        })
        .collect();
    let mut links = vec![Cell::link("新建事项", "/admin/items/new")];
    if manage_all {
        links.push(Cell::link("导入目录", "/admin/catalog/import"));
        links.push(Cell::link("导出 JSON", "/admin/catalog/export?format=json"));
        links.push(Cell::link("导出 CSV", "/admin/catalog/export?format=csv"));
        links.push(Cell::link("搜索同义词", "/admin/synonyms"));
    }
    let status_links: Vec<Cell> = std::iter::once(Cell::link("全部", "/admin/items"))
        .chain(
            ITEM_STATUSES
                .iter()
                .map(|(k, l)| Cell::link(*l, format!("/admin/items?status={k}"))),
        )
        .collect();
    let sections = vec![
        Section::table("", vec!["", "", "", "", ""], vec![links]),
        Section::table("按状态", vec!["", "", "", "", ""], vec![status_links]),
        Section::table(
            &format!("共 {} 个事项", items.len()),
            vec![
                "事项名称",
                "实施编码",
                "部门",
                "类型",
                "状态",
                "现行版本",
                "",
            ],
            rows,
        ),
    ];
    let notice = Notice { notice: q.notice };
    page(
        &user,
        "事项目录",
        vec![],
        "进驻事项动态管理：部门编辑本部门事项的草稿，中心管理员审核发布。",
        sections,
        &notice,
        &FieldErrors::new(),
    )
}

#[derive(Template)]
#[template(path = "item_edit.html")]
struct EditPage {
    chrome: Chrome,
    back: Option<(String, String)>,
    action: String,
    has_errors: bool,
    error_list: Vec<String>,
    sections: Vec<Form>,
    groups: Vec<RowGroup>,
}

/// Where the editor posts to and what it is editing.
struct EditTarget {
    title: String,
    action: String,
    back: Option<(String, String)>,
    /// An existing item: its codes are fixed.
    editing: bool,
}

impl EditTarget {
    fn new_item() -> EditTarget {
        EditTarget {
            title: "新建事项".into(),
            action: "/admin/items/new".into(),
            back: None,
            editing: false,
        }
    }
    fn existing(item: &ItemSummary) -> EditTarget {
        EditTarget {
            title: format!("编辑：{}", item.name),
            action: format!("/admin/items/{}/edit", item.id),
            back: Some((item.name.clone(), format!("/admin/items/{}", item.id))),
            editing: true,
        }
    }
}

async fn edit_page(
    state: &AppState,
    user: &PageUser,
    target: EditTarget,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let p = &user.principal;
    let all_depts = state.store.list_departments(None).await?;
    let depts: Vec<_> = all_depts
        .iter()
        .filter(|d| d.active.get())
        .cloned()
        .collect();
    let own: Vec<_> = depts
        .iter()
        .filter(|d| can(p, CatalogAction::Edit, Some(d.id)))
        .cloned()
        .collect();
    let windows = state
        .store
        .list_windows(None, None)
        .await?
        .into_iter()
        .filter(|w| w.active.get())
        .collect::<Vec<_>>();
    let scalar = sections(data, errors, &own, &depts, &windows, target.editing);
    let page = EditPage {
        chrome: Chrome::new(target.title, &user.ctx),
        back: target.back,
        action: target.action,
        has_errors: !errors.is_empty(),
        error_list: errors
            .0
            .iter()
            .map(|(f, m)| format!("{}：{m}", element_label(f)))
            .collect(),
        sections: scalar,
        groups: groups(data, errors, &depts),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// A new item starts from sensible defaults for this centre.
fn new_item_defaults(user: &PageUser) -> FormData {
    let mut d = FormData::from_pairs([
        ("item_type", "01".to_owned()),
        ("exercise_level", "3".to_owned()),
        ("body_nature", "1".to_owned()),
        ("case_type", "2".to_owned()),
        ("result_type", "licence".to_owned()),
        ("online_depth", "3".to_owned()),
        ("max_visits", "1".to_owned()),
        ("appointment", "1".to_owned()),
        ("supervise_phone", "12345".to_owned()),
        (
            "department_id",
            user.principal
                .department_id
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ]);
    d.0.push(("service_targets".into(), "1".into()));
    d.0.push(("handling_forms".into(), "1".into()));
    d
}

async fn new_item(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(
        &state,
        &user,
        CatalogAction::Edit,
        user.principal.department_id,
    )
    .await?;
    edit_page(
        &state,
        &user,
        EditTarget::new_item(),
        &new_item_defaults(&user),
        &FieldErrors::new(),
    )
    .await
}

async fn create_item(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let data = FormData::parse(&body);
    let (doc, mut errors) = form_to_doc(&data);
    gate(&state, &user, CatalogAction::Edit, Some(doc.department_id)).await?;
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .create_item(doc, user.principal.account_id)
                .await,
        )? {
            Ok(item) => {
                return Ok(
                    Redirect::to(&format!("/admin/items/{}?notice=created", item.id))
                        .into_response(),
                );
            }
            Err(e) => errors = e,
        }
    }
    edit_page(&state, &user, EditTarget::new_item(), &data, &errors).await
}

async fn working_doc(state: &AppState, item: &ItemSummary) -> Result<ItemVersion, PageError> {
    let v = item
        .draft_version
        .or(item.current_version)
        .ok_or(PageError::NotFound)?;
    Ok(state.store.get_version(item.id, v).await?)
}

async fn edit_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    gate(&state, &user, CatalogAction::Edit, Some(item.department_id)).await?;
    let version = working_doc(&state, &item).await?;
    edit_page(
        &state,
        &user,
        EditTarget::existing(&item),
        &doc_to_form(&version.doc),
        &FieldErrors::new(),
    )
    .await
}

async fn save_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    gate(&state, &user, CatalogAction::Edit, Some(item.department_id)).await?;
    let mut data = FormData::parse(&body);
    data.0
        .retain(|(k, _)| k != "basic_code" && k != "implementation_code");
    let base = working_doc(&state, &item).await?.doc;
    data.0.push(("basic_code".into(), base.basic_code.clone()));
    data.0.push((
        "implementation_code".into(),
        base.implementation_code.clone(),
    ));
    let (doc, mut errors) = form_to_doc(&data);
    gate(&state, &user, CatalogAction::Edit, Some(doc.department_id)).await?;
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .save_draft(id, doc, user.principal.account_id)
                .await,
        )? {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/admin/items/{id}?notice=saved")).into_response());
            }
            Err(e) => errors = e,
        }
    }
    edit_page(&state, &user, EditTarget::existing(&item), &data, &errors).await
}

fn button(action: String, label: &str, fields: Vec<(String, String)>) -> Cell {
    let mut c = Cell::text("");
    c.post = Some(PostButton {
        action,
        label: label.to_owned(),
        fields,
    });
    c
}

async fn admin_item_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    notice: &Notice,
    errors: &FieldErrors,
    withdraw_data: &FormData,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    gate(state, user, OrgAction::View, None).await?;
    let p = &user.principal;
    let versions = state.store.list_versions(id).await?;
    let edit = can(p, CatalogAction::Edit, Some(item.department_id)) && item.status != "withdrawn";
    let publish = can(p, CatalogAction::Publish, None);
    let summary = vec![vec![
        Cell::text(&item.implementation_code),
        Cell::tag(status_label(&item.status), status_tag(&item.status)),
        Cell::text(
            item.current_version
                .map(|v| format!("第 {v} 版"))
                .unwrap_or_else(|| "未发布".into()),
        ),
        Cell::text(
            item.draft_version
                .map(|v| format!("第 {v} 版草稿"))
                .unwrap_or_default(),
        ),
        Cell::text(
            item.scheduled_version
                .map(|v| {
                    format!(
                        "第 {v} 版将于 {} 起施行",
                        item.scheduled_date.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
        ),
        Cell::text(
            item.withdrawn_kind
                .clone()
                .map(|k| format!("{k}：{}", item.withdrawn_reason.clone().unwrap_or_default()))
                .unwrap_or_default(),
        ),
    ]];
    let mut actions = Vec::new();
    if edit {
        actions.push(Cell::link(
            if item.draft_version.is_some() {
                "编辑草稿"
            } else {
                "修改（生成新草稿）"
            },
            format!("/admin/items/{id}/edit"),
        ));
    }
    let publish_form = publish && item.draft_version.is_some() && item.status != "withdrawn";
    if edit && item.draft_version.is_some() && item.current_version.is_some() {
        actions.push(button(
            format!("/admin/items/{id}/discard"),
            "丢弃草稿",
            vec![],
        ));
    }
    if publish && item.status == "active" {
        actions.push(button(
            format!("/admin/items/{id}/suspend"),
            "暂停办理",
            vec![],
        ));
    }
    if publish && item.status == "suspended" {
        actions.push(button(
            format!("/admin/items/{id}/resume"),
            "恢复办理",
            vec![],
        ));
    }
    if item.current_version.is_some() {
        actions.push(Cell::link("查看办事指南", format!("/items/{id}")));
    }
    let latest_published = versions
        .iter()
        .find(|v| v.status != "draft")
        .map(|v| v.version);
    let version_rows = versions
        .iter()
        .map(|v| {
            let diff_link = match latest_published {
                Some(l) if l != v.version => Cell::link(
                    "与现行版比较",
                    format!("/admin/items/{id}/diff?from={l}&to={}", v.version),
                ),
                _ => Cell::text(""),
            };
            vec![
                Cell::text(format!("第 {} 版", v.version)),
                Cell::tag(
                    match v.status.as_str() {
                        "draft" => "草稿",
                        "published" => "现行",
                        "scheduled" => "待生效",
                        _ => "已替代",
                    },
                    match v.status.as_str() {
                        "published" => "on",
                        "draft" | "scheduled" => "warn",
                        _ => "off",
                    },
                ),
                Cell::text(v.effective_date.clone().unwrap_or_default()),
                if v.status == "draft" {
                    Cell::text(&v.doc.name)
                } else {
                    Cell::link(&v.doc.name, format!("/items/{id}?version={}", v.version))
                },
                diff_link,
            ]
        })
        .collect();
    let mut sections = vec![
        Section::table(
            "",
            vec![
                "实施编码",
                "状态",
                "现行版本",
                "草稿",
                "待生效",
                "取消/下放",
            ],
            summary,
        ),
        Section::table("操作", vec!["", "", "", "", "", ""], vec![actions]),
        Section::table(
            "版本历史",
            vec!["版本", "状态", "生效日期", "名称", ""],
            version_rows,
        ),
    ];
    if edit {
        let working = working_doc(state, &item).await?.doc;
        let mut targets: Vec<(String, String)> = Vec::new();
        for (i, m) in working.materials.iter().enumerate() {
            targets.push((
                format!("materials[{i}].template"),
                format!("{}：空白表格", m.name),
            ));
            targets.push((
                format!("materials[{i}].sample"),
                format!("{}：示例样表", m.name),
            ));
        }
        targets.push((
            "result_sample".into(),
            format!("结果样本：{}", working.result_name),
        ));
        let defaults = FormData::default();
        let data = if withdraw_data.0.iter().any(|(k, _)| k == "target") {
            withdraw_data
        } else {
            &defaults
        };
        sections.push(Section::form(
            FormBuilder::new(format!("/admin/items/{id}/files"), "上传", data, errors)
                .title("上传空白表格、示例样表或结果样本")
                .select("target", "用于", true, None, targets)
                .file(
                    "file",
                    "文件",
                    "PDF、OFD、Word、Excel、WPS 或图片，不超过 10 MB；上传后存入草稿，发布后公开",
                    &user.ctx.csrf,
                )
                .build(),
        ));
    }
    if publish_form {
        let defaults =
            FormData::from_pairs([("effective_date", onewindow_store::catalog::today_shanghai())]);
        let data = if withdraw_data.0.iter().any(|(k, _)| k == "effective_date") {
            withdraw_data
        } else {
            &defaults
        };
        sections.insert(
            2,
            Section::form(
                FormBuilder::new(
                    format!("/admin/items/{id}/publish"),
                    "发布草稿",
                    data,
                    errors,
                )
                .title("发布")
                .text(
                    "effective_date",
                    "生效日期",
                    true,
                    "今天发布即生效；填写以后的日期则到期自动生效，此前仍按现行版本办理",
                )
                .build(),
            ),
        );
    }
    if publish && item.status != "withdrawn" && item.current_version.is_some() {
        let kinds = vec![
            ("cancelled".to_owned(), "取消".to_owned()),
            ("devolved".to_owned(), "下放".to_owned()),
        ];
        sections.push(Section {
            heading: String::new(),
            table: None,
            form: Some(
                FormBuilder::new(
                    format!("/admin/items/{id}/withdraw"),
                    "确认取消/下放",
                    withdraw_data,
                    errors,
                )
                .title("取消或下放事项")
                .select("kind", "方式", true, None, kinds)
                .text(
                    "reason",
                    "原因",
                    true,
                    "如：根据《国务院关于取消和下放一批行政许可事项的决定》",
                )
                .build(),
            ),
        });
    }
    page(
        user,
        &item.name,
        vec![("事项目录".into(), "/admin/items".into())],
        "",
        sections,
        notice,
        errors,
    )
}

async fn admin_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    admin_item_page(
        &state,
        &user,
        id,
        &notice,
        &FieldErrors::new(),
        &FormData::default(),
    )
    .await
}

async fn item_action(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    let (needed, dept) =
        catalog_step_gate(&action, item.department_id).ok_or(PageError::NotFound)?;
    gate(&state, &user, needed, dept).await?;
    let by = user.principal.account_id;
    let store = &state.store;
    let result = match action.as_str() {
        "publish" => {
            let data = FormData::parse(&body);
            match form_outcome(
                store
                    .publish_on(id, by, Some(&data.text("effective_date")))
                    .await,
            )? {
                Ok(_) => Ok("saved"),
                Err(errors) => {
                    return admin_item_page(&state, &user, id, &Notice::default(), &errors, &data)
                        .await;
                }
            }
        }
        "discard" => store.discard_draft(id).await.map(|_| "saved"),
        "suspend" | "resume" => store
            .set_item_suspended(id, action == "suspend")
            .await
            .map(|_| "saved"),
        "withdraw" => {
            let data = FormData::parse(&body);
            let kind = match data.text("kind").as_str() {
                "devolved" => Withdrawal::Devolved,
                _ => Withdrawal::Cancelled,
            };
            match form_outcome(store.withdraw_item(id, kind, &data.text("reason")).await)? {
                Ok(_) => Ok("saved"),
                Err(errors) => {
                    return admin_item_page(&state, &user, id, &Notice::default(), &errors, &data)
                        .await;
                }
            }
        }
        _ => return Err(PageError::NotFound),
    };
    match form_outcome(result)? {
        Ok(notice) => {
            Ok(Redirect::to(&format!("/admin/items/{id}?notice={notice}")).into_response())
        }
        Err(errors) => Err(PageError::BadRequest(
            errors
                .0
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("；"),
        )),
    }
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    from: i64,
    to: i64,
}

fn show_value(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "（无）".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        Some(other) => other.to_string(),
    }
}

async fn diff_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let item = state.store.get_item(id).await?;
    let a = state.store.get_version(id, q.from).await?;
    let b = state.store.get_version(id, q.to).await?;
    let rows: Vec<Vec<Cell>> = diff(&a.doc, &b.doc)
        .iter()
        .map(|c| {
            vec![
                Cell::text(element_label(&c.path)),
                Cell::text(show_value(&c.before)),
                Cell::text(show_value(&c.after)),
            ]
        })
        .collect();
    let heading = format!("第 {} 版 → 第 {} 版：{} 处不同", q.from, q.to, rows.len());
    page(
        &user,
        &format!("{}：版本比较", item.name),
        vec![
            ("事项目录".into(), "/admin/items".into()),
            (item.name.clone(), format!("/admin/items/{id}")),
        ],
        "",
        vec![Section::table(
            &heading,
            vec!["要素", "原版本", "新版本"],
            rows,
        )],
        &Notice::default(),
        &FieldErrors::new(),
    )
}

// ---- synonyms, import, export ----

async fn synonyms_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, CatalogAction::Publish, None).await?;
    let rows = state
        .store
        .list_synonyms()
        .await?
        .into_iter()
        .map(|(t, e)| {
            vec![
                Cell::text(&t),
                Cell::text(e.join("、")),
                button(
                    "/admin/synonyms".into(),
                    "删除",
                    vec![("term".into(), t), ("expansions".into(), String::new())],
                ),
            ]
        })
        .collect();
    let form = FormBuilder::new("/admin/synonyms", "保存", data, errors)
        .title("新增或修改")
        .text("term", "群众常用说法", true, "如：个体户")
        .text(
            "expansions",
            "对应的规范说法",
            true,
            "多个用顿号分隔，如：个体工商户",
        )
        .build();
    page(
        user,
        "搜索同义词",
        vec![("事项目录".into(), "/admin/items".into())],
        "搜索某个说法时，同时搜索它对应的规范说法。",
        vec![
            Section::table("", vec!["说法", "同时搜索", ""], rows),
            Section::form(form),
        ],
        notice,
        errors,
    )
}

async fn synonyms(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    synonyms_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn save_synonym(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, CatalogAction::Publish, None).await?;
    let data = FormData::parse(&body);
    let expansions: Vec<String> = data
        .text("expansions")
        .split(['、', ',', '，'])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    match form_outcome(
        state
            .store
            .set_synonym(&data.text("term"), &expansions)
            .await,
    )? {
        Ok(()) => Ok(Redirect::to("/admin/synonyms?notice=saved").into_response()),
        Err(errors) => synonyms_page(&state, &user, &data, &errors, &Notice::default()).await,
    }
}

async fn import_page_with(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &str,
) -> PageResult {
    gate(state, user, CatalogAction::Publish, None).await?;
    let form = FormBuilder::new("/admin/catalog/import", "导入", data, errors)
        .title("上传目录文件")
        .file(
            "file",
            "目录文件",
            "本系统导出的 .json（onewindow.catalog/1）或 .csv（UTF-8）文件",
            &user.ctx.csrf,
        )
        .build();
    let mut rows = Vec::new();
    if !notice.is_empty() {
        rows.push(vec![Cell::tag(notice, "on")]);
    }
    for (f, m) in &errors.0 {
        rows.push(vec![Cell::tag(format!("{f}：{m}"), "bad")]);
    }
    let sections = vec![
        Section::table("结果", vec!["说明"], rows),
        Section::form(form),
    ];
    let title = "导入事项目录";
    page(
        user,
        title,
        vec![("事项目录".into(), "/admin/items".into())],
        "全部校验通过才写入，有任何一项出错则不导入任何内容。新事项直接发布；已有事项内容有变化的发布为新版本。",
        sections,
        &Notice::default(),
        errors,
    )
}

async fn import_page(State(state): State<AppState>, user: PageUser) -> PageResult {
    import_page_with(&state, &user, &FormData::default(), &FieldErrors::new(), "").await
}

/// Catalogue files can be large: about 4 KB per item in JSON.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

async fn import_submit(
    State(state): State<AppState>,
    user: PageUser,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    gate(&state, &user, CatalogAction::Publish, None).await?;
    let upload = read_upload(
        &mut multipart,
        "file",
        "文件过大（不超过 64 MB）或上传被中断",
    )
    .await;
    let outcome = match upload {
        Err(errors) => Err(errors),
        Ok((None, _)) => Err(FieldErrors::single("file", "请选择要导入的文件")),
        Ok((Some((name, bytes)), _)) => {
            let docs = if name.to_ascii_lowercase().ends_with(".csv") {
                onewindow_store::catalog_csv::parse(&bytes)
            } else {
                std::str::from_utf8(&bytes)
                    .map_err(|_| FieldErrors::single("file", "文件不是 UTF-8 编码"))
                    .and_then(parse_catalog_json)
            };
            match docs {
                Ok(docs) => form_outcome(
                    state
                        .store
                        .import_items(docs, user.principal.account_id)
                        .await,
                )?,
                Err(e) => Err(e),
            }
        }
    };
    match outcome {
        Ok(r) => {
            let notice = format!(
                "导入完成：新增 {} 项，更新 {} 项，未变 {} 项。",
                r.created, r.updated, r.unchanged
            );
            import_page_with(
                &state,
                &user,
                &FormData::default(),
                &FieldErrors::new(),
                &notice,
            )
            .await
        }
        Err(errors) => import_page_with(&state, &user, &FormData::default(), &errors, "").await,
    }
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let csv = q.format.as_deref() == Some("csv");
    let (body, mime, name) = if csv {
        (
            state.store.export_csv().await?,
            "text/csv; charset=utf-8",
            "catalog.csv",
        )
    } else {
        (
            state.store.export_json().await?,
            "application/json",
            "catalog.json",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn upload_file(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let item = state.store.get_item(id).await?;
    gate(&state, &user, CatalogAction::Edit, Some(item.department_id)).await?;
    let (file, data) = match read_upload(&mut multipart, "file", "文件不能超过 10 MB，或上传被中断")
        .await
    {
        Ok(read) => read,
        Err(errors) => {
            return admin_item_page(
                &state,
                &user,
                id,
                &Notice::default(),
                &errors,
                &FormData::default(),
            )
            .await;
        }
    };
    let target = data.text("target");
    let Some((filename, bytes)) = file else {
        let errors = FieldErrors::single("file", "请选择文件");
        return admin_item_page(&state, &user, id, &Notice::default(), &errors, &data).await;
    };
    let sha = match form_outcome(state.blobs.put(&filename, &bytes))? {
        Ok(sha) => sha,
        Err(errors) => {
            return admin_item_page(&state, &user, id, &Notice::default(), &errors, &data).await;
        }
    };
    let reference = onewindow_store::blobs::file_ref(&sha, filename.trim());
    let mut doc = working_doc(&state, &item).await?.doc;
    let slot = if target == "result_sample" {
        Some(&mut doc.result_sample)
    } else {
        target
            .strip_prefix("materials[")
            .and_then(|r| r.split_once("]."))
            .and_then(|(i, kind)| Some((i.parse::<usize>().ok()?, kind)))
            .and_then(|(i, kind)| {
                let m = doc.materials.get_mut(i)?;
                match kind {
                    "template" => Some(&mut m.template),
                    "sample" => Some(&mut m.sample),
                    _ => None,
                }
            })
    };
    let Some(slot) = slot else {
        return admin_item_page(
            &state,
            &user,
            id,
            &Notice::default(),
            &FieldErrors::single("target", "请选择文件的用途"),
            &data,
        )
        .await;
    };
    *slot = reference;
    match form_outcome(
        state
            .store
            .save_draft(id, doc, user.principal.account_id)
            .await,
    )? {
        Ok(_) => Ok(Redirect::to(&format!("/admin/items/{id}?notice=saved")).into_response()),
        Err(errors) => admin_item_page(&state, &user, id, &Notice::default(), &errors, &data).await,
    }
}

/// A published file. Its address is its content's hash, so it may be cached for ever.
async fn download(
    State(state): State<AppState>,
    Path((sha256, name)): Path<(String, String)>,
) -> PageResult {
    let bytes = state.blobs.get(&sha256)?;
    let mime = onewindow_store::blobs::content_type(&name).unwrap_or("application/octet-stream");
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
