//! Departments stationed in a centre: the list and a department's page.

use super::*;
use onewindow_domain::ids::{CentreId, DepartmentId};

// ---- departments ----

pub(super) fn department_form(
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
    centres: &[Centre],
    editing: bool,
) -> Form {
    let centre_opts = centres
        .iter()
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    let b = FormBuilder::new(action, submit, data, errors).title(if editing {
        "修改部门"
    } else {
        "新增进驻部门"
    });
    let b = if editing {
        b
    } else {
        b.select("centre_id", "所属中心", true, None, centre_opts)
    };
    b.text("name", "部门全称", true, "如：临沂市市场监督管理局")
        .text("short_name", "简称", true, "如：市场监管")
        .text(
            "credit_code",
            "统一社会信用代码",
            true,
            "18 位，按 GB 32100 校验",
        )
        .tel("phone", "咨询电话", false)
        .build()
}

pub(super) fn department_input(
    data: &FormData,
    errors: &mut FieldErrors,
    centre_id: Option<CentreId>,
) -> DepartmentInput {
    DepartmentInput {
        centre_id: centre_id.unwrap_or_else(|| data.i64(errors, "centre_id")),
        name: data.text("name"),
        short_name: data.text("short_name"),
        credit_code: data.text("credit_code"),
        phone: data.text("phone"),
    }
}

/// 进驻部门.
pub(super) struct Departments;

impl FormList for Departments {
    const PATH: &'static str = "/admin/departments";

    async fn list(fp: FormPage<'_>) -> PageResult {
        gate(fp.state, fp.user, OrgAction::View, None).await?;
        let centres = fp.state.store.org().list_centres().await?;
        let depts = fp.state.store.org().list_departments(None).await?;
        let manage = can(&fp.user.principal, OrgAction::Manage, None);
        let centre_name = |id: CentreId| {
            centres
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let rows = depts
            .iter()
            .map(|d| {
                vec![
                    Cell::link(&d.name, format!("/admin/departments/{}", d.id)),
                    Cell::text(&d.short_name),
                    Cell::text(&d.credit_code),
                    Cell::text(centre_name(d.centre_id)),
                    Cell::active(d.active.get()),
                    Cell::toggle("departments", d.id, d.active.get(), manage),
                ]
            })
            .collect();
        let mut sections = vec![Section::table(
            "",
            vec!["部门", "简称", "统一社会信用代码", "中心", "状态", ""],
            rows,
        )];
        if manage {
            sections.push(Section::form(department_form(
                Self::PATH.into(),
                "新增",
                fp.data(),
                fp.errors,
                &centres,
                false,
            )));
        }
        fp.render("进驻部门", vec![], "", sections)
    }

    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let input = department_input(data, &mut form.errors, None);
        let saved = form
            .save(state.store.org().create_department(&input))
            .await?;
        Ok(saved.map(|_| Saved::created(Self::PATH)))
    }
}

impl Register for Departments {
    type Key = DepartmentId;

    async fn record(fp: FormPage<'_>, &id: &DepartmentId) -> PageResult {
        gate(fp.state, fp.user, OrgAction::View, None).await?;
        let d = fp.state.store.org().get_department(id).await?;
        let windows = fp.state.store.org().list_windows(None, Some(id)).await?;
        let rows = windows
            .iter()
            .map(|w| {
                vec![
                    Cell::link(&w.number, format!("/admin/windows/{}", w.id)),
                    Cell::text(&w.name),
                    Cell::active(w.active.get()),
                ]
            })
            .collect();
        let mut sections = vec![];
        if can(&fp.user.principal, OrgAction::Manage, None) {
            let current = FormData::from_pairs([
                ("name", d.name.clone()),
                ("short_name", d.short_name.clone()),
                ("credit_code", d.credit_code.clone()),
                ("phone", d.phone.clone()),
            ]);
            sections.push(Section::form(department_form(
                format!("{}/{id}", Self::PATH),
                "保存",
                fp.data_or(&current),
                fp.errors,
                &[],
                true,
            )));
        }
        sections.push(Section::table(
            "本部门窗口",
            vec!["编号", "名称", "状态"],
            rows,
        ));
        fp.render(
            &d.name,
            crumb("进驻部门", Self::PATH),
            &format!("统一社会信用代码：{}", d.credit_code),
            sections,
        )
    }

    async fn update(form: &mut Submitted<'_>, &id: &DepartmentId) -> SaveResult<()> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let current = state.store.org().get_department(id).await?;
        let input = department_input(data, &mut form.errors, Some(current.centre_id));
        let saved = form
            .save(state.store.org().update_department(id, &input))
            .await?;
        Ok(saved.map(|_| ()))
    }
}
