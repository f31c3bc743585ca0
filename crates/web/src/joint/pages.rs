//! Bundles on the web: the public 一件事一次办 list and each bundle's page (what it covers, the
//! departments that handle it at once, one set of materials, the joint limit), and the centre
//! administrator's page that defines them.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use onewindow_domain::auth::JointAction;
use onewindow_domain::ids::{BundleId, ItemId};
use onewindow_domain::joint::project::StagePlan;
use onewindow_domain::joint::{BundleInput, FieldMapping, MAX_ITEMS};
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use onewindow_store::catalog::ItemFilter;
use onewindow_store::joint::Bundle;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::error::PageError;
use crate::kit::{Cell, Section, page, redirect, saved};
use crate::pages::{Chrome, FormBuilder, FormData, PageResult, gate, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bundles", get(list))
        .route("/bundles/{id}", get(show))
        .route("/admin/bundles", get(admin).post(admin_create))
        .route("/admin/bundles/{id}/active", post(admin_active))
        .route("/admin/bundles/stages", post(admin_stages))
}

#[derive(Template)]
#[template(path = "joint/bundles.html")]
struct ListPage {
    chrome: Chrome,
    bundles: Vec<Bundle>,
}

async fn list(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    render(&ListPage {
        chrome: Chrome::new("一件事一次办", &ctx),
        bundles: state.store.joint().bundles(true).await?,
    })
}

#[derive(Template)]
#[template(path = "joint/bundle.html")]
struct BundlePage {
    chrome: Chrome,
    bundle: Bundle,
    promised_days: u32,
    materials: Vec<super::BundleMaterial>,
    /// A window of the leading item's department, where the bundle is accepted.
    lead: String,
    /// The one merged form's fields, and how many the items' forms ask together; or why the
    /// bundle cannot be applied for online now.
    fields: usize,
    item_fields: usize,
    online_error: String,
}

async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<BundleId>,
) -> PageResult {
    let bundle = state.store.joint().bundle(id).await?;
    if !bundle.active {
        return Err(PageError::NotFound);
    }
    let (promised_days, materials) = super::bundle_materials(&state, &bundle).await?;
    let lead = bundle
        .items
        .first()
        .map(|i| i.department.clone())
        .unwrap_or_default();
    let (fields, item_fields, online_error) = match state.store.joint().bundle_doc_now(id).await {
        Ok(b) => (b.doc.form.len(), b.item_fields, String::new()),
        Err(StoreError::Invalid(e)) => (0, 0, e.summary()),
        Err(e) => return Err(e.into()),
    };
    render(&BundlePage {
        chrome: Chrome::new(format!("一件事：{}", bundle.name), &ctx),
        bundle,
        promised_days,
        materials,
        lead,
        fields,
        item_fields,
        online_error,
    })
}

async fn admin(State(state): State<AppState>, user: PageUser) -> PageResult {
    admin_view(&state, &user, &FormData::default(), &FieldErrors::new()).await
}

async fn admin_view(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    gate(state, user, JointAction::ManageBundles, None).await?;
    let bundles = state.store.joint().bundles(false).await?;
    let rows = bundles
        .iter()
        .map(|b| {
            vec![
                Cell::link(&b.name, format!("/bundles/{}", b.id)),
                Cell::text(
                    b.items
                        .iter()
                        .map(|i| format!("{}（{}）", i.name, i.department))
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                Cell::active(b.active),
                Cell::toggle("bundles", b.id, b.active, true),
            ]
        })
        .collect();
    let items = state
        .store
        .catalog()
        .list_items(&ItemFilter {
            department_id: None,
            status: Some("active".into()),
            item_type: None,
        })
        .await?;
    let options: Vec<(String, String)> = items
        .iter()
        .filter(|i| i.current_version.is_some())
        .map(|i| (i.id.to_string(), i.name.clone()))
        .collect();
    let plan = state.store.joint().stage_plan().await?;
    let names = |id| {
        bundles
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.name.clone())
            .unwrap_or_default()
    };
    let plan_text: String = plan
        .iter()
        .map(|s| format!("{}：{}", s.name, names(s.bundle_id)))
        .collect::<Vec<_>>()
        .join("\n");
    let stage_data = if data.text("stages").is_empty() {
        FormData::from_pairs([("stages", plan_text)])
    } else {
        data.clone()
    };
    let sections = vec![
        Section::table(
            "一件事",
            vec!["名称", "事项（第一个为牵头事项）", "状态", ""],
            rows,
        ),
        Section::form(
            FormBuilder::new("/admin/bundles", "新增一件事", data, errors)
                .title("新增一件事")
                .text("name", "名称", true, "按群众和企业的说法，如“开办餐饮店”")
                .textarea("description", "说明", false)
                .select(
                    "lead",
                    "牵头事项（其部门一次受理、作出决定）",
                    true,
                    Some("请选择"),
                    options.clone(),
                )
                .checkboxes(
                    "others",
                    &format!("并联办理的其他事项（1 至 {} 个）", MAX_ITEMS - 1),
                    true,
                    options,
                )
                .textarea(
                    "field_map",
                    "申请表字段映射（可不填）：各事项申请表中标识相同的字段只填一次；含义相同但标识不同的，每行写“事项名称.字段标识=合并后的字段标识”",
                    false,
                )
                .build(),
        ),
        Section::form(
            FormBuilder::new("/admin/bundles/stages", "保存审批阶段", &stage_data, errors)
                .title("投资项目审批阶段")
                .textarea(
                    "stages",
                    "每行一个阶段，按顺序写“阶段名称：一件事名称”",
                    true,
                )
                .build(),
        ),
    ];
    page(
        user,
        "一件事一次办",
        vec![],
        "一件事由多个已发布的事项组成：申请人一次申请、一套材料，牵头事项的窗口一次受理，各事项的部门同步审查，全部会签后统一决定、统一送达。",
        sections,
        errors,
    )
}

async fn admin_create(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let lead: Option<ItemId> = data.text("lead").parse().ok();
    if lead.is_none() {
        errors.add("lead", "请选择牵头事项");
    }
    let mut item_ids: Vec<ItemId> = lead.into_iter().collect();
    for v in data.all("others") {
        match v.parse::<ItemId>() {
            Ok(id) if Some(id) != lead => item_ids.push(id),
            Ok(_) => {}
            Err(_) => errors.add("others", "事项编号无效"),
        }
    }
    let field_map =
        parse_field_map(&state, &data.text("field_map"), &item_ids, &mut errors).await?;
    let input = BundleInput {
        name: data.text("name"),
        description: data.text("description"),
        item_ids,
        field_map,
    };
    let created = saved(
        &mut errors,
        state
            .store
            .joint()
            .create_bundle(&input, user.principal.account_id),
    )
    .await?;
    match created {
        Some(_) => redirect("/admin/bundles", "saved"),
        None => {
            // The bundle's own field names, as the form shows them.
            let mut shown = FieldErrors::new();
            for (field, message) in errors.0 {
                let field = match field.as_str() {
                    "item_ids" => "others".to_owned(),
                    f if f.starts_with("item_ids[") => "others".to_owned(),
                    f if f.starts_with("field_map") => "field_map".to_owned(),
                    f => f.to_owned(),
                };
                shown.add(&field, message);
            }
            admin_view(&state, &user, &data, &shown).await
        }
    }
}

/// Field mappings from lines of "事项名称.字段标识=合并后的字段标识", naming the bundle's items by
/// name; a line that does not read so is named in `errors`.
async fn parse_field_map(
    state: &AppState,
    text: &str,
    item_ids: &[ItemId],
    errors: &mut FieldErrors,
) -> Result<Vec<FieldMapping>, PageError> {
    let mut names = Vec::with_capacity(item_ids.len());
    for id in item_ids {
        names.push((*id, state.store.catalog().get_item(*id).await?.name));
    }
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parsed = line
            .split_once('=')
            .or_else(|| line.split_once('＝'))
            .and_then(|(from, to)| {
                let (item, field) = from.trim().rsplit_once('.')?;
                let id = names.iter().find(|(_, n)| n == item.trim())?.0;
                Some(FieldMapping {
                    item_id: id,
                    field: field.trim().to_owned(),
                    to: to.trim().to_owned(),
                })
            });
        match parsed {
            Some(m) => out.push(m),
            None => errors.add(
                "field_map",
                format!(
                    "“{line}”应写作“事项名称.字段标识=合并后的字段标识”，事项须是本一件事所选的事项"
                ),
            ),
        }
    }
    Ok(out)
}

/// The path of project stages from lines of "阶段名称：一件事名称".
async fn admin_stages(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    let data = FormData::parse(&body);
    let bundles = state.store.joint().bundles(true).await?;
    let mut errors = FieldErrors::new();
    let mut plan = Vec::new();
    for line in data
        .text("stages")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let (name, bundle) = line
            .split_once('：')
            .or_else(|| line.split_once(':'))
            .unwrap_or((line, ""));
        match bundles.iter().find(|b| b.name == bundle.trim()) {
            Some(b) => plan.push(StagePlan {
                name: name.trim().to_owned(),
                bundle_id: b.id,
            }),
            None => errors.add(
                "stages",
                format!("“{line}”：找不到名为“{}”的一件事", bundle.trim()),
            ),
        }
    }
    if errors.is_empty() {
        match state
            .store
            .joint()
            .set_stage_plan(&plan, user.principal.account_id)
            .await
        {
            Ok(()) => return redirect("/admin/bundles", "saved"),
            Err(onewindow_store::StoreError::Invalid(e)) => errors.add("stages", e.summary()),
            Err(e) => return Err(e.into()),
        }
    }
    admin_view(&state, &user, &data, &errors).await
}

async fn admin_active(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<BundleId>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    let data = FormData::parse(&body);
    state
        .store
        .joint()
        .set_bundle_active(id, data.text("active") == "1")
        .await?;
    redirect("/admin/bundles", "saved")
}
