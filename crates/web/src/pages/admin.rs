//! Organisation administration pages. Each page is a list and the forms that change it, built
//! from the generic table and form pieces; every change goes through `require` first.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};

use axum::routing::{get, post};
use onewindow_domain::auth::{AccountAction, OrgAction, Principal, SupervisionAction};
use onewindow_domain::org::{CentreKind, FieldErrors, Power, RegionLevel, Role};
use onewindow_store::org::*;
use serde::Deserialize;

use super::{
    Chrome, Form, FormBuilder, FormData, Notice, PageResult, can, form_outcome, gate, render,
    role_labels,
};
use crate::AppState;
use crate::auth::{PageUser, activation_gate, deactivatable};
use crate::error::PageError;
use crate::kit::{Cell, PostButton, Section, crumb, opt_string, page, redirect, short_name};

mod seats;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(seats::router())
        .route("/admin", get(index))
        .route("/admin/regions", get(regions).post(create_region))
        .route("/admin/regions/{code}", get(region).post(update_region))
        .route("/admin/centres", get(centres).post(create_centre))
        .route("/admin/centres/{id}", get(centre).post(update_centre))
        .route("/admin/centres/{id}/halls", post(create_hall))
        .route("/admin/halls/{id}/zones", post(create_zone))
        .route(
            "/admin/departments",
            get(departments).post(create_department),
        )
        .route(
            "/admin/departments/{id}",
            get(department).post(update_department),
        )
        .route("/admin/windows", get(windows).post(create_window))
        .route("/admin/windows/{id}", get(window).post(update_window))
        .route("/admin/staff", get(staff_list).post(create_staff))
        .route("/admin/staff/{id}", get(staff_member).post(update_staff))
        .route("/admin/staff/{id}/powers", post(change_power))
        .route("/admin/{kind}/{id}/active", post(set_active))
        .route("/admin/security", get(security))
}

// ---- index ----

struct IndexCard {
    title: &'static str,
    href: &'static str,
    count: String,
    hint: &'static str,
}

#[derive(Template)]
#[template(path = "admin_index.html")]
struct IndexPage {
    chrome: Chrome,
    who: String,
    roles: String,
    cards: Vec<IndexCard>,
}

async fn index(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let p = &user.principal;
    let s = &state.store;
    let mut cards = vec![
        IndexCard {
            title: "行政区划",
            href: "/admin/regions",
            count: s.list_regions().await?.len().to_string(),
            hint: "省、市、县、乡镇、村",
        },
        IndexCard {
            title: "政务服务中心",
            href: "/admin/centres",
            count: s.list_centres().await?.len().to_string(),
            hint: "中心、分中心、大厅与区域",
        },
        IndexCard {
            title: "进驻部门",
            href: "/admin/departments",
            count: s.list_departments(None).await?.len().to_string(),
            hint: "名称、简称、统一社会信用代码",
        },
        IndexCard {
            title: "服务窗口",
            href: "/admin/windows",
            count: s.list_windows(None, None).await?.len().to_string(),
            hint: "部门窗口与综合窗口",
        },
        IndexCard {
            title: "工作日历",
            href: "/admin/calendar",
            count: s.calendar_days().await?.len().to_string(),
            hint: "法定节假日、调休与地方调整",
        },
    ];
    if can(p, OrgAction::ViewStaff, p.department_id) {
        let dept = staff_scope(p);
        cards.push(IndexCard {
            title: "工作人员",
            href: "/admin/staff",
            count: s.list_staff(None, dept).await?.len().to_string(),
            hint: "角色、AB岗、首席代表授权",
        });
    }
    if can(p, SupervisionAction::View, None) {
        cards.push(IndexCard {
            title: "电子监察",
            href: "/admin/supervision",
            count: "查看".into(),
            hint: "办件预警、超期与提醒",
        });
    }
    if can(p, AccountAction::ViewSecurityLog, None) {
        cards.push(IndexCard {
            title: "安全日志",
            href: "/admin/security",
            count: "查看".into(),
            hint: "登录、锁定、越权与令牌记录",
        });
    }
    render(&IndexPage {
        chrome: Chrome::new("管理后台", &user.ctx),
        who: p.display_name.clone(),
        roles: role_labels(p),
        cards,
    })
}

// ---- regions ----

fn region_form(
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

fn region_input(data: &FormData, errors: &mut FieldErrors, code: Option<&str>) -> RegionInput {
    RegionInput {
        code: code.map_or_else(|| data.text("code"), str::to_owned),
        name: data.text("name"),
        level: data.i64(errors, "level"),
        parent_code: Some(data.text("parent_code")).filter(|p| !p.is_empty()),
    }
}

async fn regions_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let regions = state.store.list_regions().await?;
    let manage = can(&user.principal, OrgAction::Manage, None);
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
            "/admin/regions".into(),
            "新增",
            data,
            errors,
            &regions,
            false,
        )));
    }
    page(
        user,
        "行政区划",
        vec![],
        "行政区划代码为 12 位（GB/T 2260 扩展至乡镇、村）。",
        sections,
        notice,
        errors,
    )
}

async fn regions(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    regions_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn create_region(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = region_input(&data, &mut errors, None);
    if errors.is_empty() {
        match form_outcome(state.store.create_region(&input).await)? {
            Ok(_) => return redirect("/admin/regions", "created"),
            Err(e) => errors = e,
        }
    }
    regions_page(&state, &user, &data, &errors, &Notice::default()).await
}

async fn region_page(
    state: &AppState,
    user: &PageUser,
    code: &str,
    data: Option<&FormData>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let region = state.store.get_region(code).await?;
    let regions: Vec<Region> = state
        .store
        .list_regions()
        .await?
        .into_iter()
        .filter(|r| r.code != code)
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
    if can(&user.principal, OrgAction::Manage, None) {
        sections.push(Section::form(region_form(
            format!("/admin/regions/{code}"),
            "保存",
            data.unwrap_or(&current),
            errors,
            &regions,
            true,
        )));
    }
    page(
        user,
        &region.name,
        crumb("行政区划", "/admin/regions"),
        "",
        sections,
        notice,
        errors,
    )
}

async fn region(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(notice): Query<Notice>,
) -> PageResult {
    region_page(&state, &user, &code, None, &FieldErrors::new(), &notice).await
}

async fn update_region(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = region_input(&data, &mut errors, Some(&code));
    if errors.is_empty() {
        match form_outcome(state.store.update_region(&code, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/regions/{code}"), "saved"),
            Err(e) => errors = e,
        }
    }
    region_page(
        &state,
        &user,
        &code,
        Some(&data),
        &errors,
        &Notice::default(),
    )
    .await
}

// ---- centres, halls, zones ----

fn centre_form(
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

fn centre_input(data: &FormData, errors: &mut FieldErrors) -> CentreInput {
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

async fn centres_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let centres = state.store.list_centres().await?;
    let manage = can(&user.principal, OrgAction::Manage, None);
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
        let regions = state.store.list_regions().await?;
        sections.push(Section::form(centre_form(
            "/admin/centres".into(),
            "新增",
            data,
            errors,
            &regions,
            &centres,
        )));
    }
    page(user, "政务服务中心", vec![], "", sections, notice, errors)
}

async fn centres(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    centres_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn create_centre(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = centre_input(&data, &mut errors);
    if errors.is_empty() {
        match form_outcome(state.store.create_centre(&input).await)? {
            Ok(c) => return redirect(&format!("/admin/centres/{}", c.id), "created"),
            Err(e) => errors = e,
        }
    }
    centres_page(&state, &user, &data, &errors, &Notice::default()).await
}

/// Which of the centre page's three forms a failed submission belongs to.
enum CentreFormData<'a> {
    None,
    Centre(&'a FormData),
    Hall(&'a FormData),
    Zone(&'a FormData),
}

async fn centre_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    submitted: CentreFormData<'_>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let s = &state.store;
    let centre = s.get_centre(id).await?;
    let manage = can(&user.principal, OrgAction::Manage, None);
    let halls = s.list_halls(id).await?;
    let zones = s.list_centre_zones(id).await?;
    let hall_name = |hall_id: i64| {
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
    let mut sections = vec![];
    let empty = FormData::default();
    let no_errors = FieldErrors::new();
    let pick = |which: bool, data: &'_ FormData| -> (FormData, FieldErrors) {
        if which {
            (data.clone(), errors.clone())
        } else {
            (empty.clone(), no_errors.clone())
        }
    };
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
        let (data, errs) = match submitted {
            CentreFormData::Centre(d) => (d.clone(), errors.clone()),
            _ => (current, no_errors.clone()),
        };
        let regions = s.list_regions().await?;
        let others: Vec<Centre> = s
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
        let (data, errs) = match submitted {
            CentreFormData::Hall(d) => pick(true, d),
            _ => pick(false, &empty),
        };
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
            let (data, errs) = match submitted {
                CentreFormData::Zone(d) => pick(true, d),
                _ => pick(false, &empty),
            };
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
    page(
        user,
        &centre.name,
        crumb("政务服务中心", "/admin/centres"),
        "",
        sections,
        notice,
        errors,
    )
}

async fn centre(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    centre_page(
        &state,
        &user,
        id,
        CentreFormData::None,
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn update_centre(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = centre_input(&data, &mut errors);
    if errors.is_empty() {
        match form_outcome(state.store.update_centre(id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/centres/{id}"), "saved"),
            Err(e) => errors = e,
        }
    }
    centre_page(
        &state,
        &user,
        id,
        CentreFormData::Centre(&data),
        &errors,
        &Notice::default(),
    )
    .await
}

async fn create_hall(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
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
    if errors.is_empty() {
        match form_outcome(state.store.create_hall(id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/centres/{id}"), "created"),
            Err(e) => errors = e,
        }
    }
    centre_page(
        &state,
        &user,
        id,
        CentreFormData::Hall(&data),
        &errors,
        &Notice::default(),
    )
    .await
}

/// The hall comes from the form's drop-down (the path segment is a placeholder for forms).
async fn create_zone(
    State(state): State<AppState>,
    user: PageUser,
    Path(path_hall): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let hall_id = data.opt_i64(&mut errors, "hall_id").unwrap_or(path_hall);
    let hall = state.store.get_hall(hall_id).await?;
    let input = ZoneInput {
        name: data.text("name"),
        purpose: data.text("purpose"),
    };
    if errors.is_empty() {
        match form_outcome(state.store.create_zone(hall_id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/centres/{}", hall.centre_id), "created"),
            Err(e) => errors = e,
        }
    }
    centre_page(
        &state,
        &user,
        hall.centre_id,
        CentreFormData::Zone(&data),
        &errors,
        &Notice::default(),
    )
    .await
}

// ---- departments ----

fn department_form(
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

fn department_input(
    data: &FormData,
    errors: &mut FieldErrors,
    centre_id: Option<i64>,
) -> DepartmentInput {
    DepartmentInput {
        centre_id: centre_id.unwrap_or_else(|| data.i64(errors, "centre_id")),
        name: data.text("name"),
        short_name: data.text("short_name"),
        credit_code: data.text("credit_code"),
        phone: data.text("phone"),
    }
}

async fn departments_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let centres = state.store.list_centres().await?;
    let depts = state.store.list_departments(None).await?;
    let manage = can(&user.principal, OrgAction::Manage, None);
    let centre_name = |id: i64| {
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
            "/admin/departments".into(),
            "新增",
            data,
            errors,
            &centres,
            false,
        )));
    }
    page(user, "进驻部门", vec![], "", sections, notice, errors)
}

async fn departments(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    departments_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn create_department(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = department_input(&data, &mut errors, None);
    if errors.is_empty() {
        match form_outcome(state.store.create_department(&input).await)? {
            Ok(_) => return redirect("/admin/departments", "created"),
            Err(e) => errors = e,
        }
    }
    departments_page(&state, &user, &data, &errors, &Notice::default()).await
}

async fn department_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: Option<&FormData>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let d = state.store.get_department(id).await?;
    let windows = state.store.list_windows(None, Some(id)).await?;
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
    if can(&user.principal, OrgAction::Manage, None) {
        let current = FormData::from_pairs([
            ("name", d.name.clone()),
            ("short_name", d.short_name.clone()),
            ("credit_code", d.credit_code.clone()),
            ("phone", d.phone.clone()),
        ]);
        sections.push(Section::form(department_form(
            format!("/admin/departments/{id}"),
            "保存",
            data.unwrap_or(&current),
            errors,
            &[],
            true,
        )));
    }
    sections.push(Section::table(
        "本部门窗口",
        vec!["编号", "名称", "状态"],
        rows,
    ));
    page(
        user,
        &d.name,
        crumb("进驻部门", "/admin/departments"),
        &format!("统一社会信用代码：{}", d.credit_code),
        sections,
        notice,
        errors,
    )
}

async fn department(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    department_page(&state, &user, id, None, &FieldErrors::new(), &notice).await
}

async fn update_department(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::Manage, None).await?;
    let current = state.store.get_department(id).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = department_input(&data, &mut errors, Some(current.centre_id));
    if errors.is_empty() {
        match form_outcome(state.store.update_department(id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/departments/{id}"), "saved"),
            Err(e) => errors = e,
        }
    }
    department_page(&state, &user, id, Some(&data), &errors, &Notice::default()).await
}

// ---- windows ----

/// Departments this user may attach windows or staff to: all for administrators, their own
/// for a chief representative.
fn manageable_departments(
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

async fn window_form(
    state: &AppState,
    p: &Principal,
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
) -> Result<Form, PageError> {
    let centres = state.store.list_centres().await?;
    let depts = state.store.list_departments(None).await?;
    let mut zones = Vec::new();
    for c in &centres {
        for z in state.store.list_centre_zones(c.id).await? {
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

fn window_input(data: &FormData, errors: &mut FieldErrors) -> WindowInput {
    WindowInput {
        centre_id: data.i64(errors, "centre_id"),
        number: data.text("number"),
        name: data.text("name"),
        department_id: data.opt_i64(errors, "department_id"),
        zone_id: data.opt_i64(errors, "zone_id"),
        is_open: data.flag("is_open"),
    }
}

async fn windows_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let p = &user.principal;
    let windows = state.store.list_windows(None, None).await?;
    let depts = state.store.list_departments(None).await?;
    let dept_name = |id: Option<i64>| short_name(&depts, id);
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
    let may_create =
        can(p, OrgAction::ManageWindows, None) || can(p, OrgAction::ManageWindows, p.department_id);
    if may_create {
        let defaults;
        let data = if data.0.is_empty() {
            defaults = FormData::from_pairs([("is_open", "1".to_owned())]);
            &defaults
        } else {
            data
        };
        sections.push(Section::form(
            window_form(state, p, "/admin/windows".into(), "新增", data, errors).await?,
        ));
    }
    page(
        user,
        "服务窗口",
        vec![],
        "综合窗口不隶属于某个部门，可受理所有事项（一窗受理）。",
        sections,
        notice,
        errors,
    )
}

async fn windows(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    windows_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn create_window(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = window_input(&data, &mut errors);
    gate(&state, &user, OrgAction::ManageWindows, input.department_id).await?;
    if errors.is_empty() {
        match form_outcome(state.store.create_window(&input).await)? {
            Ok(_) => return redirect("/admin/windows", "created"),
            Err(e) => errors = e,
        }
    }
    windows_page(&state, &user, &data, &errors, &Notice::default()).await
}

async fn window_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: Option<&FormData>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, OrgAction::View, None).await?;
    let w = state.store.get_window(id).await?;
    let mut sections = vec![];
    if can(&user.principal, OrgAction::ManageWindows, w.department_id) {
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
        sections.push(Section::form(
            window_form(
                state,
                &user.principal,
                format!("/admin/windows/{id}"),
                "保存",
                data.unwrap_or(&current),
                errors,
            )
            .await?,
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
    let manage = can(&user.principal, OrgAction::ManageWindows, w.department_id);
    sections.extend(seats::seat_sections(state, &w, manage, &FormData::default(), errors).await?);
    page(
        user,
        &format!("{} 号窗口", w.number),
        crumb("服务窗口", "/admin/windows"),
        "",
        sections,
        notice,
        errors,
    )
}

async fn window(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    window_page(&state, &user, id, None, &FieldErrors::new(), &notice).await
}

async fn update_window(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let current = state.store.get_window(id).await?;
    gate(
        &state,
        &user,
        OrgAction::ManageWindows,
        current.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = window_input(&data, &mut errors);
    gate(&state, &user, OrgAction::ManageWindows, input.department_id).await?;
    if errors.is_empty() {
        match form_outcome(state.store.update_window(id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/windows/{id}"), "saved"),
            Err(e) => errors = e,
        }
    }
    window_page(&state, &user, id, Some(&data), &errors, &Notice::default()).await
}

// ---- staff ----

/// The department whose staff this user sees; None means every department.
fn staff_scope(p: &Principal) -> Option<i64> {
    if p.has_role(Role::CentreAdmin) || p.has_role(Role::Supervisor) {
        None
    } else {
        p.department_id
    }
}

/// Roles this user may hand out: centre-wide roles only by those who manage the organisation.
fn assignable_roles(p: &Principal) -> Vec<(String, String)> {
    let all = can(p, OrgAction::Manage, None);
    Role::ALL
        .iter()
        .filter(|r| all || !matches!(r, Role::CentreAdmin | Role::Supervisor))
        .map(|r| (r.key().to_owned(), r.label().to_owned()))
        .collect()
}

async fn staff_form(
    state: &AppState,
    p: &Principal,
    action: String,
    submit: &str,
    data: &FormData,
    errors: &FieldErrors,
    own_id: Option<i64>,
) -> Result<Form, PageError> {
    let centres = state.store.list_centres().await?;
    let depts = state.store.list_departments(None).await?;
    let colleagues = state.store.list_staff(None, staff_scope(p)).await?;
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

fn staff_input(data: &FormData, errors: &mut FieldErrors) -> StaffInput {
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
async fn gate_staff_change(
    state: &AppState,
    user: &PageUser,
    dept: Option<i64>,
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

fn role_names(keys: &[String]) -> String {
    keys.iter()
        .filter_map(|k| k.parse::<Role>().ok())
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

async fn staff_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    let p = &user.principal;
    let scope = staff_scope(p);
    gate(state, user, OrgAction::ViewStaff, scope).await?;
    let staff = state.store.list_staff(None, scope).await?;
    let depts = state.store.list_departments(None).await?;
    let dept_name = |id: Option<i64>| short_name(&depts, id);
    let name_of = |id: Option<i64>| {
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
        sections.push(Section::form(
            staff_form(state, p, "/admin/staff".into(), "新增", data, errors, None).await?,
        ));
    }
    page(
        user,
        "工作人员",
        vec![],
        "每位工作人员可设 B 岗，A 岗不在时由 B 岗代为办理。停用人员后其账号立即无法登录。",
        sections,
        notice,
        errors,
    )
}

async fn staff_list(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    staff_page(
        &state,
        &user,
        &FormData::default(),
        &FieldErrors::new(),
        &notice,
    )
    .await
}

async fn create_staff(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = NewStaff {
        staff: staff_input(&data, &mut errors),
        login: data.text("login"),
        password: data.text("password"),
    };
    gate_staff_change(&state, &user, input.staff.department_id, &input.staff.roles).await?;
    if errors.is_empty() {
        match form_outcome(state.store.create_staff(&input).await)? {
            Ok(_) => return redirect("/admin/staff", "created"),
            Err(e) => errors = e,
        }
    }
    staff_page(&state, &user, &data, &errors, &Notice::default()).await
}

async fn staff_member_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: Option<&FormData>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    let s = state.store.get_staff(id).await?;
    gate(state, user, OrgAction::ViewStaff, s.department_id).await?;
    let p = &user.principal;
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
        sections.push(Section::form(
            staff_form(
                state,
                p,
                format!("/admin/staff/{id}"),
                "保存",
                data.unwrap_or(&current),
                errors,
                Some(id),
            )
            .await?,
        ));
    }
    if s.roles.iter().any(|r| r == Role::ChiefRepresentative.key()) {
        let grant = can(p, OrgAction::GrantPowers, None);
        let rows = Power::ALL
            .iter()
            .map(|power| {
                let held = s.powers.iter().any(|h| h == power.key());
                let button = if grant {
                    Cell {
                        post: Some(PostButton {
                            action: format!("/admin/staff/{id}/powers"),
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
        sections.push(Section::table(
            "首席代表授权",
            vec!["权限", "状态", ""],
            rows,
        ));
    }
    page(
        user,
        &s.name,
        crumb("工作人员", "/admin/staff"),
        &format!("登录名：{}；角色：{}", s.login, role_names(&s.roles)),
        sections,
        notice,
        errors,
    )
}

async fn staff_member(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    staff_member_page(&state, &user, id, None, &FieldErrors::new(), &notice).await
}

async fn update_staff(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let current = state.store.get_staff(id).await?;
    gate_staff_change(&state, &user, current.department_id, &current.roles).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = staff_input(&data, &mut errors);
    gate_staff_change(&state, &user, input.department_id, &input.roles).await?;
    if errors.is_empty() {
        match form_outcome(state.store.update_staff(id, &input).await)? {
            Ok(_) => return redirect(&format!("/admin/staff/{id}"), "saved"),
            Err(e) => errors = e,
        }
    }
    staff_member_page(&state, &user, id, Some(&data), &errors, &Notice::default()).await
}

async fn change_power(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, OrgAction::GrantPowers, None).await?;
    let data = FormData::parse(&body);
    let power: Power = data.text("power").parse().map_err(PageError::BadRequest)?;
    let by = user.principal.account_id;
    if data.flag("grant") {
        state.store.grant_power(id, power, by).await?;
        redirect(&format!("/admin/staff/{id}"), "granted")
    } else {
        state.store.revoke_power(id, power, by).await?;
        redirect(&format!("/admin/staff/{id}"), "revoked")
    }
}

// ---- activation, security log ----

async fn set_active(
    State(state): State<AppState>,
    user: PageUser,
    Path((kind, id)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let what = deactivatable(&kind).ok_or(PageError::NotFound)?;
    let (action, dept) = activation_gate(&state, what, &id).await?;
    gate(&state, &user, action, dept).await?;
    let active = FormData::parse(&body).flag("active");
    state.store.set_active(what, &id, active).await?;
    let back = match what {
        Deactivatable::Hall | Deactivatable::Zone => "/admin/centres".to_owned(),
        _ => format!("/admin/{kind}"),
    };
    redirect(&back, if active { "activated" } else { "deactivated" })
}

#[derive(Deserialize)]
struct SecurityQuery {
    before: Option<i64>,
}

fn event_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "login_ok" => ("登录成功", "on"),
        "login_failed" => ("登录失败", "warn"),
        "lockout" => ("账号锁定", "bad"),
        "login_blocked" => ("拒绝登录", "bad"),
        "logout" => ("退出", "off"),
        "denied" => ("越权操作", "bad"),
        "csrf_rejected" => ("表单校验失败", "bad"),
        "token_rejected" => ("令牌无效", "bad"),
        "token_created" => ("创建令牌", "on"),
        "token_revoked" => ("吊销令牌", "warn"),
        "account_registered" => ("注册", "on"),
        _ => ("其他", "off"),
    }
}

async fn security(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SecurityQuery>,
) -> PageResult {
    gate(&state, &user, AccountAction::ViewSecurityLog, None).await?;
    const PAGE: i64 = 100;
    let events = state.store.list_security_events(q.before, PAGE).await?;
    let more = if events.len() as i64 == PAGE {
        events
            .last()
            .map(|e| format!("/admin/security?before={}", e.id))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let rows = events
        .iter()
        .map(|e| {
            let (label, tag) = event_label(&e.kind);
            vec![
                Cell::text(super::local_time(e.at)),
                Cell::tag(label, tag),
                Cell::text(e.login.clone().unwrap_or_default()),
                Cell::text(e.remote.clone().unwrap_or_default()),
                Cell::text(&e.detail),
            ]
        })
        .collect();
    let mut section = Section::table(
        "",
        vec!["时间（北京时间）", "事件", "账号", "来源地址", "详情"],
        rows,
    );
    if let Some(t) = section.table.as_mut() {
        t.more = more;
    }
    page(
        &user,
        "安全日志",
        vec![],
        "记录每次登录、退出、锁定、越权操作和令牌使用。",
        vec![section],
        &Notice::default(),
        &FieldErrors::new(),
    )
}
