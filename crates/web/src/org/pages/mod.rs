//! Organisation administration pages. Each page is a list and the forms that change it, built
//! from the generic table and form pieces; every change goes through `require` first.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};

use axum::routing::{get, post};
use onewindow_domain::auth::{AccountAction, HallAction, OrgAction, Principal, SupervisionAction};
use onewindow_domain::org::{CentreKind, FieldErrors, Power, RegionLevel, Role};
use onewindow_store::org::*;

use crate::AppState;
use crate::auth::{PageUser, activation_gate, deactivatable};
use crate::error::PageError;
use crate::kit::{
    Cell, FormList, FormPage, PostButton, Register, SaveResult, Saved, Section, Submitted, crumb,
    opt_string, redirect, register, saved, short_name,
};
use crate::pages::{
    Chrome, Form, FormBuilder, FormData, PageResult, can, gate, render, role_labels,
};

mod seats;

mod regions;
use regions::*;
mod centres;
use centres::*;
mod departments;
use departments::*;
mod windows;
use windows::*;
mod staff;
use staff::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(seats::router())
        .route("/admin", get(index))
        .merge(register::<Regions>())
        .merge(register::<Centres>())
        .merge(register::<Departments>())
        .merge(register::<Windows>())
        .merge(register::<StaffRegister>())
        .route("/admin/centres/{id}/halls", post(create_hall))
        .route("/admin/halls/{id}/zones", post(create_zone))
        .route("/admin/staff/{id}/powers", post(change_power))
        .route("/admin/{kind}/{id}/active", post(set_active))
}

// ---- index ----

struct IndexCard {
    title: &'static str,
    href: &'static str,
    count: String,
    hint: &'static str,
}

#[derive(Template)]
#[template(path = "org/admin_index.html")]
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
            count: s.org().list_regions().await?.len().to_string(),
            hint: "省、市、县、乡镇、村",
        },
        IndexCard {
            title: "政务服务中心",
            href: "/admin/centres",
            count: s.org().list_centres().await?.len().to_string(),
            hint: "中心、分中心、大厅与区域",
        },
        IndexCard {
            title: "进驻部门",
            href: "/admin/departments",
            count: s.org().list_departments(None).await?.len().to_string(),
            hint: "名称、简称、统一社会信用代码",
        },
        IndexCard {
            title: "服务窗口",
            href: "/admin/windows",
            count: s.org().list_windows(None, None).await?.len().to_string(),
            hint: "部门窗口与综合窗口",
        },
        IndexCard {
            title: "工作日历",
            href: "/admin/calendar",
            count: s.calendar().calendar_days().await?.len().to_string(),
            hint: "法定节假日、调休与地方调整",
        },
    ];
    if can(p, OrgAction::ViewStaff, p.department_id) {
        let dept = staff_scope(p);
        cards.push(IndexCard {
            title: "工作人员",
            href: "/admin/staff",
            count: s.org().list_staff(None, dept).await?.len().to_string(),
            hint: "角色、AB岗、首席代表授权",
        });
    }
    if can(p, HallAction::Configure, None) {
        cards.push(IndexCard {
            title: "网上大厅设置",
            href: "/admin/hall",
            count: "设置".into(),
            hint: "大厅预约时间、预约规则、上传限制",
        });
    }
    if can(p, onewindow_domain::auth::JointAction::ManageBundles, None) {
        cards.push(IndexCard {
            title: "一件事一次办",
            href: "/admin/bundles",
            count: s.joint().bundles(false).await?.len().to_string(),
            hint: "多个事项合成一件事，一次受理、并联审批",
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
    if can(p, onewindow_domain::auth::ReviewAction::Supervise, None)
        || can(
            p,
            onewindow_domain::auth::ReviewAction::View,
            p.department_id,
        )
    {
        cards.push(IndexCard {
            title: "好差评",
            href: "/work/reviews",
            count: "查看".into(),
            hint: "评价、差评回访整改、申诉与统计",
        });
    }
    if can(p, onewindow_domain::auth::ReviewAction::Configure, None) {
        cards.push(IndexCard {
            title: "好差评设置",
            href: "/admin/reviews",
            count: "设置".into(),
            hint: "差评原因、回访整改期限、窗口评价器",
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
    state.store.org().set_active(what, &id, active).await?;
    let back = match what {
        Deactivatable::Hall | Deactivatable::Zone => "/admin/centres".to_owned(),
        _ => format!("/admin/{kind}"),
    };
    redirect(&back, if active { "activated" } else { "deactivated" })
}
