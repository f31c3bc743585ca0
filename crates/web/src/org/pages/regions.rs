//! Administrative regions (行政区划): the list, the form that adds one and the page that edits one.

use super::*;

// ---- regions ----

pub(super) fn region_form(
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
    regions: &[Region],
    editing: bool,
) -> Form {
    let levels = RegionLevel::ALL
        .iter()
        .map(|l| ((*l as i64).to_string(), l.label().to_owned()))
        .collect();
    let parents = regions
        .iter()
        .map(|r| (r.code.clone(), format!("{} {}", r.code, r.name)))
        .collect();
    let b = FormBuilder::new(action, submit, data, errors).title(if editing {
        "修改区划"
    } else {
        "新增区划"
    });
    let b = if editing {
        b
    } else {
        b.text("code", "区划代码", true, "12 位数字，如 371300000000")
    };
    b.text("name", "名称", true, "")
        .select("level", "层级", true, None, levels)
        .select("parent_code", "上级区划", false, Some("（无）"), parents)
        .build()
}

pub(super) fn region_input(
    data: &FormData,
    errors: &mut FieldErrors,
    code: Option<&str>,
) -> RegionInput {
    RegionInput {
        code: code.map_or_else(|| data.text("code"), str::to_owned),
        name: data.text("name"),
        level: data.i64(errors, "level"),
        parent_code: Some(data.text("parent_code")).filter(|p| !p.is_empty()),
    }
}

/// 行政区划, keyed by their 12-digit code.
pub(super) struct Regions;

impl FormList for Regions {
    const PATH: &'static str = "/admin/regions";

    async fn list(fp: FormPage<'_>) -> PageResult {
        gate(fp.state, fp.user, OrgAction::View, None).await?;
        let regions = fp.state.store.org().list_regions().await?;
        let manage = can(&fp.user.principal, OrgAction::Manage, None);
        let rows = regions
            .iter()
            .map(|r| {
                vec![
                    Cell::link(&r.code, format!("/admin/regions/{}", r.code)),
                    Cell::text(&r.name),
                    Cell::text(RegionLevel::from_code(r.level).map_or("", |l| l.label())),
                    Cell::text(r.parent_code.clone().unwrap_or_default()),
                    Cell::active(r.active.get()),
                    Cell::toggle("regions", &r.code, r.active.get(), manage),
                ]
            })
            .collect();
        let mut sections = vec![Section::table(
            "",
            vec!["代码", "名称", "层级", "上级", "状态", ""],
            rows,
        )];
        if manage {
            sections.push(Section::form(region_form(
                Self::PATH.into(),
                "新增",
                fp.data(),
                fp.errors,
                &regions,
                false,
            )));
        }
        fp.render(
            "行政区划",
            vec![],
            "行政区划代码为 12 位（GB/T 2260 扩展至乡镇、村）。",
            sections,
        )
    }

    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let input = region_input(data, &mut form.errors, None);
        let saved = form.save(state.store.org().create_region(&input)).await?;
        Ok(saved.map(|_| Saved::created(Self::PATH)))
    }
}

impl Register for Regions {
    type Key = String;

    async fn record(fp: FormPage<'_>, code: &String) -> PageResult {
        gate(fp.state, fp.user, OrgAction::View, None).await?;
        let region = fp.state.store.org().get_region(code).await?;
        let regions: Vec<Region> = fp
            .state
            .store
            .org()
            .list_regions()
            .await?
            .into_iter()
            .filter(|r| &r.code != code)
            .collect();
        let current = FormData::from_pairs([
            ("name", region.name.clone()),
            ("level", region.level.to_string()),
            (
                "parent_code",
                region.parent_code.clone().unwrap_or_default(),
            ),
        ]);
        let mut sections = vec![Section::table(
            "",
            vec!["代码", "名称", "状态"],
            vec![vec![
                Cell::text(&region.code),
                Cell::text(&region.name),
                Cell::active(region.active.get()),
            ]],
        )];
        if can(&fp.user.principal, OrgAction::Manage, None) {
            sections.push(Section::form(region_form(
                format!("{}/{code}", Self::PATH),
                "保存",
                fp.data_or(&current),
                fp.errors,
                &regions,
                true,
            )));
        }
        fp.render(&region.name, crumb("行政区划", Self::PATH), "", sections)
    }

    async fn update(form: &mut Submitted<'_>, code: &String) -> SaveResult<()> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let input = region_input(data, &mut form.errors, Some(code));
        let saved = form
            .save(state.store.org().update_region(code, &input))
            .await?;
        Ok(saved.map(|_| ()))
    }
}
