//! Staff: the list in the user's scope, a member's page, roles and granted powers.

use super::*;
use onewindow_domain::ids::{DepartmentId, StaffId};

// ---- staff ----

/// The department whose staff this user sees; None means every department.
pub(super) fn staff_scope(p: &Principal) -> Option<DepartmentId> {
    if p.has_role(Role::CentreAdmin) || p.has_role(Role::Supervisor) {
        None
    } else {
        p.department_id
    }
}

/// Roles this user may hand out: centre-wide roles only by those who manage the organisation.
pub(super) fn assignable_roles(p: &Principal) -> Vec<(String, String)> {
    let all = can(p, OrgAction::Manage, None);
    Role::ALL
        .iter()
        .filter(|r| all || !matches!(r, Role::CentreAdmin | Role::Supervisor))
        .map(|r| (r.key().to_owned(), r.label().to_owned()))
        .collect()
}

pub(super) async fn staff_form(
    state: &AppState,
    p: &Principal,
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
    own_id: Option<StaffId>,
) -> Result<Form, PageError> {
    let centres = state.store.org().list_centres().await?;
    let depts = state.store.org().list_departments(None).await?;
    let colleagues = state.store.org().list_staff(None, staff_scope(p)).await?;
    let backups = colleagues
        .iter()
        .filter(|s| Some(s.id) != own_id && s.active.get())
        .map(|s| (s.id.to_string(), format!("{}（{}）", s.name, s.login)))
        .collect();
    let centre_opts = centres
        .iter()
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    let all_depts = can(p, OrgAction::ManageStaff, None);
    let b = FormBuilder::new(action, submit, data, errors)
        .title(if own_id.is_none() {
            "新增工作人员"
        } else {
            "修改工作人员"
        })
        .text("name", "姓名", true, "")
        .tel("mobile", "手机号码", true);
    let b = if own_id.is_none() {
        b.text(
            "login",
            "登录名",
            true,
            "3–32 位小写字母、数字、点、下划线或连字符",
        )
        .password("password", "初始密码", "至少 8 位，须同时包含字母和数字")
    } else {
        b
    };
    Ok(b.select(
        "centre_id",
        "所属中心",
        all_depts,
        if all_depts {
            Some("（平台级，不属于任何中心）")
        } else {
            None
        },
        centre_opts,
    )
    .select(
        "department_id",
        "所属部门",
        !all_depts,
        if all_depts {
            Some("（不属于部门）")
        } else {
            None
        },
        manageable_departments(p, OrgAction::ManageStaff, &depts),
    )
    .checkboxes("roles", "角色", true, assignable_roles(p))
    .select(
        "backup_staff_id",
        "B 岗（AB岗）",
        false,
        Some("（无）"),
        backups,
    )
    .build())
}

pub(super) fn staff_input(data: &FormData, errors: &mut FieldErrors) -> StaffInput {
    StaffInput {
        centre_id: data.opt_i64(errors, "centre_id"),
        department_id: data.opt_i64(errors, "department_id"),
        name: data.text("name"),
        mobile: data.text("mobile"),
        roles: data.all("roles"),
        backup_staff_id: data.opt_i64(errors, "backup_staff_id"),
    }
}

/// The same two checks as the API: manage staff of the department, and only organisation
/// managers hand out centre-wide roles.
pub(super) async fn gate_staff_change(
    state: &AppState,
    user: &PageUser,
    dept: Option<DepartmentId>,
    roles: &[String],
) -> Result<(), PageError> {
    gate(state, user, OrgAction::ManageStaff, dept).await?;
    if roles
        .iter()
        .any(|r| r == Role::CentreAdmin.key() || r == Role::Supervisor.key())
    {
        gate(state, user, OrgAction::Manage, None).await?;
    }
    Ok(())
}

pub(super) fn role_names(keys: &[String]) -> String {
    keys.iter()
        .filter_map(|k| k.parse::<Role>().ok())
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// 工作人员, in the user's scope: everyone for administrators and supervisors, their own
/// department's for a chief representative.
pub(super) struct StaffRegister;

impl FormList for StaffRegister {
    const PATH: &'static str = "/admin/staff";

    async fn list(fp: FormPage<'_>) -> PageResult {
        let (state, p) = (fp.state, &fp.user.principal);
        let scope = staff_scope(p);
        gate(state, fp.user, OrgAction::ViewStaff, scope).await?;
        let staff = state.store.org().list_staff(None, scope).await?;
        let depts = state.store.org().list_departments(None).await?;
        let dept_name = |id: Option<DepartmentId>| short_name(&depts, id);
        let name_of = |id: Option<StaffId>| {
            id.and_then(|id| staff.iter().find(|s| s.id == id))
                .map(|s| s.name.clone())
                .unwrap_or_default()
        };
        let rows = staff
            .iter()
            .map(|s| {
                vec![
                    Cell::link(&s.name, format!("/admin/staff/{}", s.id)),
                    Cell::text(&s.login),
                    Cell::text(dept_name(s.department_id)),
                    Cell::text(role_names(&s.roles)),
                    Cell::text(name_of(s.backup_staff_id)),
                    Cell::text(if s.powers.is_empty() {
                        String::new()
                    } else {
                        format!("{} 项", s.powers.len())
                    }),
                    Cell::active(s.active.get()),
                    Cell::toggle(
                        "staff",
                        s.id,
                        s.active.get(),
                        can(p, OrgAction::ManageStaff, s.department_id),
                    ),
                ]
            })
            .collect();
        let mut sections = vec![Section::table(
            "",
            vec![
                "姓名",
                "登录名",
                "部门",
                "角色",
                "B岗",
                "首席代表授权",
                "状态",
                "",
            ],
            rows,
        )];
        if can(p, OrgAction::ManageStaff, None) || can(p, OrgAction::ManageStaff, p.department_id) {
            let form = staff_form(
                state,
                p,
                Self::PATH.into(),
                "新增",
                fp.data(),
                fp.errors,
                None,
            );
            sections.push(Section::form(form.await?));
        }
        fp.render(
            "工作人员",
            vec![],
            "每位工作人员可设 B 岗，A 岗不在时由 B 岗代为办理。停用人员后其账号立即无法登录。",
            sections,
        )
    }

    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        let input = NewStaff {
            staff: staff_input(data, &mut form.errors),
            login: data.text("login"),
            password: data.text("password"),
        };
        gate_staff_change(state, user, input.staff.department_id, &input.staff.roles).await?;
        let saved = form.save(state.store.org().create_staff(&input)).await?;
        Ok(saved.map(|_| Saved::created(Self::PATH)))
    }
}

impl Register for StaffRegister {
    type Key = StaffId;

    async fn record(fp: FormPage<'_>, &id: &StaffId) -> PageResult {
        let (state, p) = (fp.state, &fp.user.principal);
        let s = state.store.org().get_staff(id).await?;
        gate(state, fp.user, OrgAction::ViewStaff, s.department_id).await?;
        let mut sections = vec![];
        if can(p, OrgAction::ManageStaff, s.department_id) {
            let mut current = FormData::from_pairs([
                ("name", s.name.clone()),
                ("mobile", s.mobile.clone()),
                ("centre_id", opt_string(s.centre_id)),
                ("department_id", opt_string(s.department_id)),
                ("backup_staff_id", opt_string(s.backup_staff_id)),
            ]);
            current
                .0
                .extend(s.roles.iter().map(|r| ("roles".to_owned(), r.clone())));
            let action = format!("{}/{id}", Self::PATH);
            let data = fp.data_or(&current);
            let form = staff_form(state, p, action, "保存", data, fp.errors, Some(id));
            sections.push(Section::form(form.await?));
        }
        if s.roles.iter().any(|r| r == Role::ChiefRepresentative.key()) {
            sections.push(powers_section(&s, can(p, OrgAction::GrantPowers, None)));
        }
        fp.render(
            &s.name,
            crumb("工作人员", Self::PATH),
            &format!("登录名：{}；角色：{}", s.login, role_names(&s.roles)),
            sections,
        )
    }

    async fn update(form: &mut Submitted<'_>, &id: &StaffId) -> SaveResult<()> {
        let (state, user, data) = (form.state, form.user, form.data);
        let current = state.store.org().get_staff(id).await?;
        gate_staff_change(state, user, current.department_id, &current.roles).await?;
        let input = staff_input(data, &mut form.errors);
        gate_staff_change(state, user, input.department_id, &input.roles).await?;
        let saved = form
            .save(state.store.org().update_staff(id, &input))
            .await?;
        Ok(saved.map(|_| ()))
    }
}

/// A chief representative's powers (首席代表授权), each with the button that grants or revokes
/// it for those who may.
fn powers_section(s: &Staff, grant: bool) -> Section {
    let rows = Power::ALL
        .iter()
        .map(|power| {
            let held = s.powers.iter().any(|h| h == power.key());
            let button = if grant {
                Cell {
                    post: Some(PostButton {
                        action: format!("/admin/staff/{}/powers", s.id),
                        label: if held { "收回" } else { "授予" }.to_owned(),
                        fields: vec![
                            ("power".to_owned(), power.key().to_owned()),
                            ("grant".to_owned(), if held { "0" } else { "1" }.to_owned()),
                        ],
                    }),
                    ..Cell::text("")
                }
            } else {
                Cell::text("")
            };
            vec![
                Cell::text(power.label()),
                if held {
                    Cell::tag("已授权", "on")
                } else {
                    Cell::tag("未授权", "off")
                },
                button,
            ]
        })
        .collect();
    Section::table("首席代表授权", vec!["权限", "状态", ""], rows)
}

pub(super) async fn change_power(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<StaffId>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::GrantPowers, None).await?;
    let data = FormData::parse(&body);
    let power: Power = data.text("power").parse().map_err(PageError::BadRequest)?;
    let by = user.principal.account_id;
    if data.flag("grant") {
        state.store.org().grant_power(id, power, by).await?;
        redirect(&format!("/admin/staff/{id}"), "granted")
    } else {
        state.store.org().revoke_power(id, power, by).await?;
        redirect(&format!("/admin/staff/{id}"), "revoked")
    }
}
