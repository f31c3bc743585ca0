//! The security log (安全日志) of sign-ins, refusals and token use, for centre administrators.

use super::*;

#[derive(Deserialize)]
pub(super) struct SecurityQuery {
    before: Option<i64>,
}

pub(super) fn event_label(kind: &str) -> (&'static str, &'static str) {
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

pub(super) async fn security(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SecurityQuery>,
) -> PageResult {
    gate(&state, &user, AccountAction::ViewSecurityLog, None).await?;
    const PAGE: i64 = 100;
    let events = state
        .store
        .accounts()
        .list_security_events(q.before, PAGE)
        .await?;
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
                Cell::text(crate::pages::local_time(e.at)),
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
        &FieldErrors::new(),
    )
}
