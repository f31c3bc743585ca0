//! The public side of the catalogue: browsing and searching items, and the guide of an item
//! (办事指南) at any published version, with its flow chart and a print view.

use super::*;
use onewindow_domain::ids::{DepartmentId, ItemId};

// ---- public ----

#[derive(Debug, Default, Deserialize)]
pub(super) struct BrowseQuery {
    q: Option<String>,
    department_id: Option<DepartmentId>,
    topic: Option<String>,
    item_type: Option<String>,
    audience: Option<String>,
    level: Option<String>,
    min_depth: Option<u8>,
    /// 1-based.
    page: Option<usize>,
}

#[derive(Template)]
#[template(path = "catalog/items.html")]
pub(super) struct BrowsePage {
    chrome: Chrome,
    q: String,
    error: String,
    summary: String,
    expanded: String,
    hits: Vec<SearchHit>,
    /// Nothing matched: the hits are the nearest items, shown with the departments and phones.
    nearest: bool,
    /// Nothing matched, not even by characters.
    nothing: bool,
    /// Links to the previous and next pages, and where this one stands ("第 2 / 5 页").
    prev: String,
    next: String,
    position: String,
    hotline: String,
    topics: Vec<(String, String)>,
    departments: Vec<(DepartmentId, String, String)>,
    types: Vec<(String, String)>,
    topic: Option<String>,
    department: Option<DepartmentId>,
    audience: Option<String>,
}

/// How many items a listing without words gathers before paging (the whole of a centre's
/// catalogue).
const MAX_LISTED: usize = onewindow_store::search::MAX_PAGE;
/// How many results a page shows.
pub(super) const PAGE_HITS: usize = 20;
/// The deepest page offered.
const MAX_PAGES: usize = 500;

pub(super) async fn browse(
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
    let page_no = q.page.unwrap_or(1).clamp(1, MAX_PAGES);
    let offset = (page_no - 1) * PAGE_HITS;
    let searching = !query.trim().is_empty();
    let results = match check_query(&query) {
        Err(message) => {
            error = message;
            status = StatusCode::UNPROCESSABLE_ENTITY;
            None
        }
        // No words: everything the filters let through, by department and name.
        Ok(()) if !searching => Some(state.store.search().search("", &filter, MAX_LISTED)?),
        Ok(()) => Some(
            state
                .store
                .search()
                .search_page(&query, &filter, offset, PAGE_HITS)?,
        ),
    };
    let (mut summary, mut expanded, mut hits, mut nearest, mut total) =
        (String::new(), String::new(), Vec::new(), false, 0);
    if let Some(mut r) = results {
        total = r.total;
        nearest = r.nearest;
        if searching {
            summary = if r.nearest {
                format!(
                    "没有找到与“{}”直接相关的事项，以下是名称相近的事项",
                    query.trim()
                )
            } else if r.total == 0 {
                format!("没有找到与“{}”相关的事项", query.trim())
            } else {
                format!("找到 {} 个相关事项", r.total)
            };
            expanded = r.expanded_with.join("、");
            hits = r.hits;
        } else {
            r.hits
                .sort_by(|a, b| a.department.cmp(&b.department).then(a.name.cmp(&b.name)));
            summary = if r.total > MAX_LISTED {
                format!("共 {} 个事项，请用搜索或左侧筛选缩小范围", r.total)
            } else {
                format!("共 {} 个事项", r.total)
            };
            total = total.min(MAX_LISTED);
            hits = r.hits.into_iter().skip(offset).take(PAGE_HITS).collect();
        }
    }
    let pages = total.div_ceil(PAGE_HITS).clamp(1, MAX_PAGES);
    let (department, depth) = (
        q.department_id.map(|d| d.to_string()).unwrap_or_default(),
        q.min_depth.map(|d| d.to_string()).unwrap_or_default(),
    );
    let given = |v: &Option<String>| v.as_deref().unwrap_or_default().to_owned();
    let (topic, item_type, audience, level) = (
        given(&q.topic),
        given(&q.item_type),
        given(&q.audience),
        given(&q.level),
    );
    let link = |page: usize| {
        let page = page.to_string();
        format!(
            "/items?{}",
            query_string(&[
                ("q", &query),
                ("department_id", &department),
                ("topic", &topic),
                ("item_type", &item_type),
                ("audience", &audience),
                ("level", &level),
                ("min_depth", &depth),
                ("page", &page),
            ])
        )
    };
    let (prev, next) = (
        if page_no > 1 {
            link(page_no - 1)
        } else {
            String::new()
        },
        if page_no < pages {
            link(page_no + 1)
        } else {
            String::new()
        },
    );
    let position = if pages > 1 {
        format!("第 {page_no} / {pages} 页")
    } else {
        String::new()
    };
    let departments = state
        .store
        .org()
        .list_departments(None)
        .await?
        .into_iter()
        .filter(|d| d.active.get())
        .map(|d| (d.id, d.short_name, d.phone))
        .collect();
    let hotline = state
        .store
        .org()
        .list_centres()
        .await?
        .into_iter()
        .find(|c| c.active.get() && !c.phone.trim().is_empty())
        .map(|c| c.phone)
        .unwrap_or_default();
    let audience_prefix = match q.audience.as_deref() {
        Some("individual") => "p_",
        Some("company") => "c_",
        _ => "",
    };
    let nothing = searching && hits.is_empty() && error.is_empty();
    let page = BrowsePage {
        nothing,
        chrome: Chrome::new("办事指南", &ctx),
        q: query,
        error,
        summary,
        expanded,
        nearest,
        hits,
        prev,
        next,
        position,
        hotline,
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

pub(super) struct MaterialRow {
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
pub(super) fn file_link(value: &str) -> Option<String> {
    onewindow_store::blobs::parse_file_ref(value).map(|(hash, name)| {
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        format!("/files/{hash}/{name}")
    })
}

#[derive(Template)]
#[template(path = "catalog/guide.html")]
pub(super) struct GuidePage {
    chrome: Chrome,
    item_id: ItemId,
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
    /// The online application form: (field, type, 必填/选填, when and how to fill it in).
    form: Vec<(String, &'static str, &'static str, String)>,
    flow_svg: String,
    result_sample: Option<(String, String)>,
    /// Questions answered and approved for the FAQ (常见问题), after the version's own.
    asked: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub(super) struct GuideQuery {
    version: Option<i64>,
    #[serde(default)]
    print: Option<u8>,
}

pub(super) fn labels(table: CodeTable, codes: &[String]) -> String {
    codes
        .iter()
        .filter_map(|c| label(table, c))
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The handling procedure as a vertical flow chart: one box per step with its role and limit.
pub fn flow_svg(doc: &ItemDoc, dept_name: &dyn Fn(DepartmentId) -> String) -> String {
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
/// What a guide shows beside its version: the names of its prerequisites (implementation code,
/// name), and the questions answered about it that an administrator approved for its FAQ.
#[derive(Default)]
pub struct GuideExtras<'a> {
    pub prerequisites: &'a [(String, String)],
    pub asked: &'a [(String, String)],
}

pub fn render_guide(
    version: &ItemVersion,
    current: Option<i64>,
    status: ItemStatus,
    dept_names: &[(DepartmentId, String)],
    extras: &GuideExtras<'_>,
    ctx: &RequestCtx,
    print: bool,
) -> Result<String, PageError> {
    let prerequisite_names = extras.prerequisites;
    let doc = &version.doc;
    let dept_name = |id: DepartmentId| {
        dept_names
            .iter()
            .find(|(d, _)| *d == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let banner = match (current, status) {
        _ if version.status == VersionStatus::Scheduled => format!(
            "第 {} 版将于 {} 起施行，此前仍按现行版本办理。",
            version.version,
            version.effective_date.as_deref().unwrap_or("")
        ),
        (_, ItemStatus::Suspended) => "该事项暂停办理，恢复时间请咨询窗口。".to_owned(),
        (_, ItemStatus::Withdrawn) => "该事项已取消或下放，以下为历史办事指南。".to_owned(),
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
            if doc.is_instant() {
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
            "前置审批",
            if doc.prerequisites.is_empty() {
                "无".into()
            } else {
                doc.prerequisites
                    .iter()
                    .map(|code| {
                        prerequisite_names
                            .iter()
                            .find(|(c, _)| c == code)
                            .map_or_else(|| code.clone(), |(_, name)| name.clone())
                    })
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
    let form = doc
        .form
        .iter()
        .map(|f| {
            let when = f.shown_when.as_ref().map(|c| {
                let of = doc
                    .form
                    .iter()
                    .find(|g| g.key == c.field)
                    .map_or(c.field.as_str(), |g| g.label.as_str());
                if c.equals.is_empty() {
                    format!("填写“{of}”后需填写。")
                } else {
                    format!("“{of}”为“{}”时填写。", c.equals)
                }
            });
            let choices =
                (!f.options.is_empty()).then(|| format!("可选：{}。", f.options.join("、")));
            (
                f.label.clone(),
                f.field_type.label(),
                if f.required { "必填" } else { "选填" },
                [when, choices, Some(f.help.clone())]
                    .into_iter()
                    .flatten()
                    .collect::<String>(),
            )
        })
        .collect();
    let page = GuidePage {
        chrome: Chrome::new(doc.name.clone(), ctx),
        item_id: version.item_id,
        version: version.version,
        banner,
        limits: doc.limits_in_words(),
        // Applied for online on the version in force only.
        online: doc.online_depth.parse::<u8>().unwrap_or(0) >= 2
            && status == ItemStatus::Active
            && current == Some(version.version),
        print,
        basics,
        contact,
        materials,
        fees,
        specials,
        form,
        flow_svg: flow_svg(doc, &dept_name),
        result_sample,
        asked: extras.asked.to_vec(),
        doc: doc.clone(),
    };
    page.render().map_err(|e| PageError::Internal(e.into()))
}

pub(super) async fn guide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<ItemId>,
    Query(q): Query<GuideQuery>,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
    let current = item.current_version;
    let wanted = q.version.or(current).ok_or(PageError::NotFound)?;
    let version = state.store.catalog().get_version(id, wanted).await?;
    // Drafts are not public.
    if version.status == VersionStatus::Draft {
        return Err(PageError::NotFound);
    }
    let depts: Vec<(DepartmentId, String)> = state
        .store
        .org()
        .list_departments(None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut prerequisites = Vec::new();
    for code in &version.doc.prerequisites {
        if let Ok(p) = state.store.catalog().item_by_code(code).await {
            prerequisites.push((code.clone(), p.name));
        }
    }
    let asked = state.store.reviews().faq(id).await?;
    let html = render_guide(
        &version,
        current,
        item.status,
        &depts,
        &GuideExtras {
            prerequisites: &prerequisites,
            asked: &asked,
        },
        &ctx,
        q.print == Some(1),
    )?;
    Ok(axum::response::Html(html).into_response())
}
