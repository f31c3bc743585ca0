//! Service centres with their halls and zones: the list, a centre's page, and the forms that add
//! halls and zones to it.

use super::*;
use onewindow_domain::ids::{CentreId, HallId};

// ---- centres, halls, zones ----

pub(super) fn centre_form(
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
    regions: &[Region],
    centres: &[Centre],
) -> Form {
    let kinds = CentreKind::ALL
        .iter()
        .map(|k| (k.key().to_owned(), k.label().to_owned()))
        .collect();
    let region_opts = regions
        .iter()
        .map(|r| (r.code.clone(), format!("{} {}", r.code, r.name)))
        .collect();
    let parents = centres
        .iter()
        .filter(|c| c.kind == CentreKind::Main.key())
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    FormBuilder::new(action, submit, data, errors)
        .title(if submit == "新增" {
            "新增中心"
        } else {
            "修改中心"
        })
        .text("name", "名称", true, "")
        .select("kind", "类型", true, None, kinds)
        .select("region_code", "行政区划", true, Some("请选择"), region_opts)
        .select(
            "parent_centre_id",
            "所属中心",
            false,
            Some("（无，分中心须选择）"),
            parents,
        )
        .text("address", "地址", true, "")
        .tel("phone", "咨询电话", true)
        .text(
            "hours",
            "办公时间",
            true,
            "如：周一至周五 9:00-12:00，13:30-17:00",
        )
        .build()
}

pub(super) fn centre_input(data: &FormData, errors: &mut FieldErrors) -> CentreInput {
    CentreInput {
        name: data.text("name"),
        kind: data.text("kind"),
        region_code: data.text("region_code"),
        parent_centre_id: data.opt_i64(errors, "parent_centre_id"),
        address: data.text("address"),
        phone: data.text("phone"),
        hours: data.text("hours"),
    }
}

/// 政务服务中心 with their halls and zones.
pub(super) struct Centres;

impl FormList for Centres {
    const PATH: &'static str = "/admin/centres";

    async fn list(fp: FormPage<'_>) -> PageResult {
        gate(fp.state, fp.user, OrgAction::View, None).await?;
        let centres = fp.state.store.org().list_centres().await?;
        let manage = can(&fp.user.principal, OrgAction::Manage, None);
        let rows = centres
            .iter()
            .map(|c| {
                vec![
                    Cell::link(&c.name, format!("/admin/centres/{}", c.id)),
                    Cell::text(c.kind.parse::<CentreKind>().map_or("", |k| k.label())),
                    Cell::text(&c.region_code),
                    Cell::text(&c.address),
                    Cell::active(c.active.get()),
                    Cell::toggle("centres", c.id, c.active.get(), manage),
                ]
            })
            .collect();
        let mut sections = vec![Section::table(
            "",
            vec!["名称", "类型", "区划", "地址", "状态", ""],
            rows,
        )];
        if manage {
            let regions = fp.state.store.org().list_regions().await?;
            sections.push(Section::form(centre_form(
                Self::PATH.into(),
                "新增",
                fp.data(),
                fp.errors,
                &regions,
                &centres,
            )));
        }
        fp.render("政务服务中心", vec![], "", sections)
    }

    /// A new centre opens on its own page, where its halls and zones are added.
    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let input = centre_input(data, &mut form.errors);
        let saved = form.save(state.store.org().create_centre(&input)).await?;
        Ok(saved.map(|c| Saved::created(format!("{}/{}", Self::PATH, c.id))))
    }
}

impl Register for Centres {
    type Key = CentreId;

    async fn record(fp: FormPage<'_>, &id: &CentreId) -> PageResult {
        centre_page(fp, id, CentreForm::Centre).await
    }

    async fn update(form: &mut Submitted<'_>, &id: &CentreId) -> SaveResult<()> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, OrgAction::Manage, None).await?;
        let input = centre_input(data, &mut form.errors);
        let saved = form
            .save(state.store.org().update_centre(id, &input))
            .await?;
        Ok(saved.map(|_| ()))
    }
}

/// Which of the centre page's three forms a refused submission belongs to.
#[derive(PartialEq)]
pub(super) enum CentreForm {
    Centre,
    Hall,
    Zone,
}

/// A centre with its halls and zones, and for those who may, the forms that change the centre
/// and add halls and zones; a refused submission shows again in the form it came from.
async fn centre_page(fp: FormPage<'_>, id: CentreId, refused: CentreForm) -> PageResult {
    let (state, errors) = (fp.state, fp.errors);
    gate(state, fp.user, OrgAction::View, None).await?;
    let s = &state.store;
    let centre = s.org().get_centre(id).await?;
    let manage = can(&fp.user.principal, OrgAction::Manage, None);
    let halls = s.org().list_halls(Some(id)).await?;
    let zones = s.org().list_centre_zones(Some(id)).await?;
    let hall_name = |hall_id: HallId| {
        halls
            .iter()
            .find(|h| h.id == hall_id)
            .map(|h| h.name.clone())
            .unwrap_or_default()
    };
    let hall_rows = halls
        .iter()
        .map(|h| {
            vec![
                Cell::text(&h.name),
                Cell::text(h.floor.to_string()),
                Cell::text(&h.description),
                Cell::active(h.active.get()),
                Cell::toggle("halls", h.id, h.active.get(), manage),
            ]
        })
        .collect();
    let zone_rows = zones
        .iter()
        .map(|z| {
            vec![
                Cell::text(hall_name(z.hall_id)),
                Cell::text(&z.name),
                Cell::text(&z.purpose),
                Cell::active(z.active.get()),
                Cell::toggle("zones", z.id, z.active.get(), manage),
            ]
        })
        .collect();
    let empty = FormData::default();
    let no_errors = FieldErrors::new();
    // The submitted values and errors for the form they came from; the others start afresh.
    let form_state = |which: CentreForm, fresh: &FormData| -> (FormData, FieldErrors) {
        match fp.submitted {
            Some(d) if which == refused => (d.clone(), errors.clone()),
            _ => (fresh.clone(), no_errors.clone()),
        }
    };
    let mut sections = vec![];
    if manage {
        let current = FormData::from_pairs([
            ("name", centre.name.clone()),
            ("kind", centre.kind.clone()),
            ("region_code", centre.region_code.clone()),
            ("parent_centre_id", opt_string(centre.parent_centre_id)),
            ("address", centre.address.clone()),
            ("phone", centre.phone.clone()),
            ("hours", centre.hours.clone()),
        ]);
        let (data, errs) = form_state(CentreForm::Centre, &current);
        let regions = s.org().list_regions().await?;
        let others: Vec<Centre> = s
            .org()
            .list_centres()
            .await?
            .into_iter()
            .filter(|c| c.id != id)
            .collect();
        sections.push(Section::form(centre_form(
            format!("/admin/centres/{id}"),
            "保存",
            &data,
            &errs,
            &regions,
            &others,
        )));
    }
    let mut hall_section = Section::table(
        "大厅与楼层",
        vec!["大厅", "楼层", "说明", "状态", ""],
        hall_rows,
    );
    let mut zone_section = Section::table(
        "功能区域",
        vec!["大厅", "区域", "用途", "状态", ""],
        zone_rows,
    );
    if manage {
        let (data, errs) = form_state(CentreForm::Hall, &empty);
        hall_section.form = Some(
            FormBuilder::new(
                format!("/admin/centres/{id}/halls"),
                "新增大厅",
                &data,
                &errs,
            )
            .text("name", "大厅名称", true, "如：一楼便民服务大厅")
            .number("floor", "楼层", true)
            .text("description", "说明", false, "")
            .build(),
        );
        if !halls.is_empty() {
            let (data, errs) = form_state(CentreForm::Zone, &empty);
            let hall_opts = halls
                .iter()
                .map(|h| (h.id.to_string(), h.name.clone()))
                .collect();
            zone_section.form = Some(
                FormBuilder::new("/admin/halls/0/zones", "新增区域", &data, &errs)
                    .select("hall_id", "所在大厅", true, None, hall_opts)
                    .text("name", "区域名称", true, "如：综合受理区")
                    .text("purpose", "用途", false, "")
                    .build(),
            );
        }
    }
    sections.push(hall_section);
    sections.push(zone_section);
    fp.render(
        &centre.name,
        crumb("政务服务中心", Centres::PATH),
        "",
        sections,
    )
}

pub(super) async fn create_hall(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CentreId>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = HallInput {
        name: data.text("name"),
        floor: data.i64(&mut errors, "floor"),
        description: data.text("description"),
    };
    if saved(&mut errors, state.store.org().create_hall(id, &input))
        .await?
        .is_some()
    {
        return redirect(&format!("/admin/centres/{id}"), "created");
    }
    let fp = FormPage::refused(&state, &user, &data, &errors);
    centre_page(fp, id, CentreForm::Hall).await
}

/// The hall comes from the form's drop-down (the path segment is a placeholder for forms).
pub(super) async fn create_zone(
    State(state): State<AppState>,
    user: PageUser,
    Path(path_hall): Path<HallId>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let hall_id = data.opt_i64(&mut errors, "hall_id").unwrap_or(path_hall);
    let hall = state.store.org().get_hall(hall_id).await?;
    let input = ZoneInput {
        name: data.text("name"),
        purpose: data.text("purpose"),
    };
    if saved(&mut errors, state.store.org().create_zone(hall_id, &input))
        .await?
        .is_some()
    {
        return redirect(&format!("/admin/centres/{}", hall.centre_id), "created");
    }
    let fp = FormPage::refused(&state, &user, &data, &errors);
    centre_page(fp, hall.centre_id, CentreForm::Zone).await
}
