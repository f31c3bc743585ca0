//! Service windows (窗口): the list, a window's page and its form.

use super::*;
use onewindow_domain::ids::{DepartmentId, WindowId};

// ---- windows ----

/// Departments this user may attach windows or staff to: all for administrators, their own
/// for a chief representative.
pub(super) fn manageable_departments(
    p: &Principal,
    action: OrgAction,
    depts: &[Department],
) -> Vec<(String, String)> {
    depts
        .iter()
        .filter(|d| d.active.get() && can(p, action, Some(d.id)))
        .map(|d| (d.id.to_string(), d.name.clone()))
        .collect()
}

pub(super) async fn window_form(
    state: &AppState,
    p: &Principal,
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
) -> Result<Form, PageError> {
    let centres = state.store.org().list_centres().await?;
    let depts = state.store.org().list_departments(None).await?;
    let mut zones = Vec::new();
    for c in &centres {
        for z in state.store.org().list_centre_zones(Some(c.id)).await? {
            zones.push((z.id.to_string(), format!("{} · {}", c.name, z.name)));
        }
    }
    let centre_opts = centres
        .iter()
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    let blank_dept = if can(p, OrgAction::ManageWindows, None) {
        Some("（综合窗口，受理各部门事项）")
    } else {
        None
    };
    Ok(FormBuilder::new(action, submit, data, errors)
        .title(if submit == "新增" {
            "新增窗口"
        } else {
            "修改窗口"
        })
        .select("centre_id", "所属中心", true, None, centre_opts)
        .text("number", "窗口编号", true, "叫号屏显示的编号，如 A01")
        .text("name", "窗口名称", true, "")
        .select(
            "department_id",
            "所属部门",
            false,
            blank_dept,
            manageable_departments(p, OrgAction::ManageWindows, &depts),
        )
        .select("zone_id", "所在区域", false, Some("（未指定）"), zones)
        .checkbox("is_open", "开放中")
        .build())
}

pub(super) fn window_input(data: &FormData, errors: &mut FieldErrors) -> WindowInput {
    WindowInput {
        centre_id: data.i64(errors, "centre_id"),
        number: data.text("number"),
        name: data.text("name"),
        department_id: data.opt_i64(errors, "department_id"),
        zone_id: data.opt_i64(errors, "zone_id"),
        is_open: data.flag("is_open"),
    }
}

/// 服务窗口: a department's or comprehensive (综合窗口).
pub(super) struct Windows;

impl FormList for Windows {
    const PATH: &'static str = "/admin/windows";

    async fn list(fp: FormPage<'_>) -> PageResult {
        let (state, p) = (fp.state, &fp.user.principal);
        gate(state, fp.user, OrgAction::View, None).await?;
        let windows = state.store.org().list_windows(None, None).await?;
        let depts = state.store.org().list_departments(None).await?;
        let dept_name = |id: Option<DepartmentId>| short_name(&depts, id);
        let rows = windows
            .iter()
            .map(|w| {
                vec![
                    Cell::link(&w.number, format!("/admin/windows/{}", w.id)),
                    Cell::text(&w.name),
                    if w.is_comprehensive() {
                        Cell::tag("综合窗口", "warn")
                    } else {
                        Cell::text("部门窗口")
                    },
                    Cell::text(dept_name(w.department_id)),
                    if w.is_open.get() {
                        Cell::tag("开放", "on")
                    } else {
                        Cell::tag("关闭", "off")
                    },
                    Cell::active(w.active.get()),
                    Cell::toggle(
                        "windows",
                        w.id,
                        w.active.get(),
                        can(p, OrgAction::ManageWindows, w.department_id),
                    ),
                ]
            })
            .collect();
        let mut sections = vec![Section::table(
            "",
            vec!["编号", "名称", "类型", "部门", "开放", "状态", ""],
            rows,
        )];
        let may_create = can(p, OrgAction::ManageWindows, None)
            || can(p, OrgAction::ManageWindows, p.department_id);
        if may_create {
            let open_by_default = FormData::from_pairs([("is_open", "1".to_owned())]);
            let data = fp.data_or(&open_by_default);
            sections.push(Section::form(
                window_form(state, p, Self::PATH.into(), "新增", data, fp.errors).await?,
            ));
        }
        fp.render(
            "服务窗口",
            vec![],
            "综合窗口不隶属于某个部门，可受理所有事项（一窗受理）。",
            sections,
        )
    }

    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        let input = window_input(data, &mut form.errors);
        gate(state, user, OrgAction::ManageWindows, input.department_id).await?;
        let saved = form.save(state.store.org().create_window(&input)).await?;
        Ok(saved.map(|_| Saved::created(Self::PATH)))
    }
}

impl Register for Windows {
    type Key = WindowId;

    async fn record(fp: FormPage<'_>, &id: &WindowId) -> PageResult {
        let (state, p) = (fp.state, &fp.user.principal);
        gate(state, fp.user, OrgAction::View, None).await?;
        let w = state.store.org().get_window(id).await?;
        let manage = can(p, OrgAction::ManageWindows, w.department_id);
        let mut sections = vec![];
        if manage {
            let current = FormData::from_pairs([
                ("centre_id", w.centre_id.to_string()),
                ("number", w.number.clone()),
                ("name", w.name.clone()),
                ("department_id", opt_string(w.department_id)),
                ("zone_id", opt_string(w.zone_id)),
                (
                    "is_open",
                    if w.is_open.get() {
                        "1".into()
                    } else {
                        String::new()
                    },
                ),
            ]);
            let action = format!("{}/{id}", Self::PATH);
            let data = fp.data_or(&current);
            sections.push(Section::form(
                window_form(state, p, action, "保存", data, fp.errors).await?,
            ));
        } else {
            sections.push(Section::table(
                "",
                vec!["编号", "名称", "状态"],
                vec![vec![
                    Cell::text(&w.number),
                    Cell::text(&w.name),
                    Cell::active(w.active.get()),
                ]],
            ));
        }
        sections.extend(
            seats::seat_sections(state, &w, manage, &FormData::default(), fp.errors).await?,
        );
        fp.render(
            &format!("{} 号窗口", w.number),
            crumb("服务窗口", Self::PATH),
            "",
            sections,
        )
    }

    async fn update(form: &mut Submitted<'_>, &id: &WindowId) -> SaveResult<()> {
        let (state, user, data) = (form.state, form.user, form.data);
        let current = state.store.org().get_window(id).await?;
        gate(state, user, OrgAction::ManageWindows, current.department_id).await?;
        let input = window_input(data, &mut form.errors);
        gate(state, user, OrgAction::ManageWindows, input.department_id).await?;
        let saved = form
            .save(state.store.org().update_window(id, &input))
            .await?;
        Ok(saved.map(|_| ()))
    }
}
