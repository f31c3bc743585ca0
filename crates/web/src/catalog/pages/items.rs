//! Administration of items: the list, new items, editing drafts, an item's page with its
//! versions and actions (publish, schedule, suspend, withdraw), and the difference of two versions.

use super::*;
use onewindow_domain::ids::{DepartmentId, ItemId};

// ---- administration ----

/// An item's status as a coloured tag.
pub(super) fn status_cell(status: ItemStatus) -> Cell {
    let tag = match status {
        ItemStatus::Active => "on",
        ItemStatus::Draft | ItemStatus::Suspended => "warn",
        ItemStatus::Withdrawn => "off",
    };
    Cell::tag(status.label(), tag)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AdminItemsQuery {
    department_id: Option<DepartmentId>,
    status: Option<String>,
}

pub(super) async fn admin_items(
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
    let items = state.store.catalog().list_items(&filter).await?;
    let depts = state.store.org().list_departments(None).await?;
    let dept = |id: DepartmentId| {
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
                status_cell(i.status),
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
        links.push(Cell::link("同义词与常用说法", "/admin/synonyms"));
    }
    let status_links: Vec<Cell> = std::iter::once(Cell::link("全部", "/admin/items"))
        .chain(
            ItemStatus::ALL
                .iter()
                .map(|s| Cell::link(s.label(), format!("/admin/items?status={s}"))),
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
    page(
        &user,
        "事项目录",
        vec![],
        "进驻事项动态管理：部门编辑本部门事项的草稿，中心管理员审核发布。",
        sections,
        &FieldErrors::new(),
    )
}

#[derive(Template)]
#[template(path = "catalog/item_edit.html")]
pub(super) struct EditPage {
    chrome: Chrome,
    back: Option<(String, String)>,
    action: String,
    has_errors: bool,
    error_list: Vec<String>,
    sections: Vec<Form>,
    groups: Vec<RowGroup>,
}

/// Where the editor posts to and what it is editing.
pub(super) struct EditTarget {
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

pub(super) async fn edit_page(
    state: &AppState,
    user: &PageUser,
    target: EditTarget,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let p = &user.principal;
    let all_depts = state.store.org().list_departments(None).await?;
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
        .org()
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
pub(super) fn new_item_defaults(user: &PageUser) -> FormData {
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

pub(super) async fn new_item(State(state): State<AppState>, user: PageUser) -> PageResult {
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

pub(super) async fn create_item(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let (doc, mut errors) = form_to_doc(&data);
    gate(&state, &user, CatalogAction::Edit, Some(doc.department_id)).await?;
    let by = user.principal.account_id;
    if let Some(item) = saved(&mut errors, state.store.catalog().create_item(doc, by)).await? {
        return redirect(&format!("/admin/items/{}", item.id), "created");
    }
    edit_page(&state, &user, EditTarget::new_item(), &data, &errors).await
}

pub(super) async fn working_doc(
    state: &AppState,
    item: &ItemSummary,
) -> Result<ItemVersion, PageError> {
    let v = item
        .draft_version
        .or(item.current_version)
        .ok_or(PageError::NotFound)?;
    Ok(state.store.catalog().get_version(item.id, v).await?)
}

pub(super) async fn edit_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<ItemId>,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
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

pub(super) async fn save_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<ItemId>,
    body: Bytes,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
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
    let by = user.principal.account_id;
    let save = state.store.catalog().save_draft(id, doc, by);
    if saved(&mut errors, save).await?.is_some() {
        return redirect(&format!("/admin/items/{id}"), "saved");
    }
    edit_page(&state, &user, EditTarget::existing(&item), &data, &errors).await
}

pub(super) fn button(action: String, label: &str, fields: Vec<(String, String)>) -> Cell {
    let mut c = Cell::text("");
    c.post = Some(PostButton {
        action,
        label: label.to_owned(),
        fields,
    });
    c
}

pub(super) async fn admin_item_page(
    state: &AppState,
    user: &PageUser,
    id: ItemId,
    errors: &FieldErrors,
    withdraw_data: &FormData,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
    gate(state, user, OrgAction::View, None).await?;
    let p = &user.principal;
    let versions = state.store.catalog().list_versions(id).await?;
    let edit = can(p, CatalogAction::Edit, Some(item.department_id))
        && item.status != ItemStatus::Withdrawn;
    let publish = can(p, CatalogAction::Publish, None);
    let summary = vec![vec![
        Cell::text(&item.implementation_code),
        status_cell(item.status),
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
    let publish_form =
        publish && item.draft_version.is_some() && item.status != ItemStatus::Withdrawn;
    if edit && item.draft_version.is_some() && item.current_version.is_some() {
        actions.push(button(
            format!("/admin/items/{id}/discard"),
            "丢弃草稿",
            vec![],
        ));
    }
    if publish && item.status == ItemStatus::Active {
        actions.push(button(
            format!("/admin/items/{id}/suspend"),
            "暂停办理",
            vec![],
        ));
    }
    if publish && item.status == ItemStatus::Suspended {
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
        .find(|v| v.status != VersionStatus::Draft)
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
                    v.status.label(),
                    match v.status {
                        VersionStatus::Published => "on",
                        VersionStatus::Draft | VersionStatus::Scheduled => "warn",
                        VersionStatus::Superseded => "off",
                    },
                ),
                Cell::text(v.effective_date.clone().unwrap_or_default()),
                if v.status == VersionStatus::Draft {
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
    if publish && item.status != ItemStatus::Withdrawn && item.current_version.is_some() {
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
        errors,
    )
}

pub(super) async fn admin_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<ItemId>,
) -> PageResult {
    admin_item_page(&state, &user, id, &FieldErrors::new(), &FormData::default()).await
}

pub(super) async fn item_action(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(ItemId, String)>,
    body: Bytes,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
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
                    .catalog()
                    .publish_on(id, by, Some(&data.text("effective_date")))
                    .await,
            )? {
                Ok(_) => Ok("saved"),
                Err(errors) => {
                    return admin_item_page(&state, &user, id, &errors, &data).await;
                }
            }
        }
        "discard" => store.catalog().discard_draft(id).await.map(|_| "saved"),
        "suspend" | "resume" => store
            .catalog()
            .set_item_suspended(id, action == "suspend")
            .await
            .map(|_| "saved"),
        "withdraw" => {
            let data = FormData::parse(&body);
            let kind = match data.text("kind").as_str() {
                "devolved" => Withdrawal::Devolved,
                _ => Withdrawal::Cancelled,
            };
            match form_outcome(
                store
                    .catalog()
                    .withdraw_item(id, kind, &data.text("reason"))
                    .await,
            )? {
                Ok(_) => Ok("saved"),
                Err(errors) => {
                    return admin_item_page(&state, &user, id, &errors, &data).await;
                }
            }
        }
        _ => return Err(PageError::NotFound),
    };
    match form_outcome(result)? {
        Ok(notice) => {
            Ok(Redirect::to(&format!("/admin/items/{id}?notice={notice}")).into_response())
        }
        Err(errors) => Err(PageError::BadRequest(errors.summary())),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct DiffQuery {
    from: i64,
    to: i64,
}

pub(super) async fn diff_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<ItemId>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let item = state.store.catalog().get_item(id).await?;
    let a = state.store.catalog().get_version(id, q.from).await?;
    let b = state.store.catalog().get_version(id, q.to).await?;
    let rows: Vec<Vec<Cell>> = diff(&a.doc, &b.doc)
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.label),
                Cell::text(display_value(&c.path, c.before.as_ref())),
                Cell::text(display_value(&c.path, c.after.as_ref())),
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
        &FieldErrors::new(),
    )
}
