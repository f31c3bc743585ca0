//! Signing in and out, registration of applicants (individuals and companies), and the
//! account page (`/me`).

use super::*;

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub(super) struct LoginPage {
    chrome: Chrome,
    error: String,
    login: String,
    next: String,
    /// Who is signed in on this browser now: signing in ends their session (a shared window PC
    /// at an A/B handover).
    signed_in_as: String,
}

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Only same-site paths are followed after login; anything else means "the usual place". A
/// path is printable ASCII without backslashes: browsers drop tabs and line breaks from URLs,
/// so `/\t/evil.example` would otherwise become the other site `//evil.example`.
pub(super) fn safe_next(next: &str) -> String {
    let printable = next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    if printable && next.starts_with('/') && !next.starts_with("//") {
        next.to_owned()
    } else {
        String::new()
    }
}

pub(super) async fn login_page(ctx: RequestCtx, Query(q): Query<LoginQuery>) -> PageResult {
    render(&LoginPage {
        chrome: Chrome::new("登录", &ctx),
        error: String::new(),
        login: String::new(),
        next: safe_next(&q.next),
        signed_in_as: signed_in_as(&ctx),
    })
}

pub(super) async fn login_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    let login = form.text("login").trim().to_owned();
    let next = safe_next(&form.text("next"));
    let outcome = state
        .store
        .accounts()
        .authenticate(&login, &form.text("password"), ctx.remote.as_deref())
        .await?;
    let error = match outcome {
        Ok(principal) => {
            let session = state
                .store
                .accounts()
                .create_session(principal.account_id)
                .await?;
            // The person signed in before on this browser is signed out, and told so.
            let mut handover = false;
            if let Some(previous) = &ctx.session {
                state
                    .store
                    .accounts()
                    .delete_session(previous.session_id)
                    .await?;
                handover = previous.principal.account_id != principal.account_id;
            }
            let next = match next.as_str() {
                "" => principal.home().to_owned(),
                other => other.to_owned(),
            };
            let next = if handover {
                let joiner = if next.contains('?') { '&' } else { '?' };
                format!("{next}{joiner}notice=handover")
            } else {
                next
            };
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &session.token,
                    SESSION_MS / 1000,
                    ctx.secure,
                ),
            );
            return Ok(response);
        }
        Err(LoginFailure::BadCredentials {
            remaining_attempts: n,
        }) if n <= 2 => {
            format!("账号或密码错误。再错 {n} 次将暂时锁定 15 分钟。")
        }
        Err(LoginFailure::BadCredentials { .. }) => "账号或密码错误。".to_owned(),
        Err(LoginFailure::Locked { until_ms }) => {
            let minutes = ((until_ms - onewindow_store::now_ms()) / 60_000).max(1);
            format!("密码错误次数过多，已锁定，请 {minutes} 分钟后再试或联系管理员。")
        }
        Err(LoginFailure::Throttled) => {
            "本机登录失败次数过多，请 15 分钟后再试或联系管理员。".to_owned()
        }
        Err(LoginFailure::Disabled) => "该账号已停用，请联系中心管理员。".to_owned(),
    };
    render_with_status(
        StatusCode::UNAUTHORIZED,
        &LoginPage {
            chrome: Chrome::new("登录", &ctx),
            error,
            login,
            next,
            signed_in_as: signed_in_as(&ctx),
        },
    )
}

fn signed_in_as(ctx: &RequestCtx) -> String {
    ctx.principal()
        .map(|p| p.display_name.clone())
        .unwrap_or_default()
}

pub(super) async fn logout(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    if let Some(session) = &ctx.session {
        state
            .store
            .accounts()
            .delete_session(session.session_id)
            .await?;
        let p = &session.principal;
        state
            .store
            .accounts()
            .record_security_event(
                "logout",
                Some(p.account_id),
                Some(&p.login),
                ctx.remote.as_deref(),
                "",
            )
            .await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, ctx.secure),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/register.html")]
pub(super) struct RegisterPage {
    chrome: Chrome,
    kind: String,
    form: Form,
}

#[derive(Deserialize)]
pub(super) struct RegisterQuery {
    #[serde(default)]
    kind: String,
}

pub(super) fn register_form(kind: &str, data: &FormData, errors: &FieldErrors) -> Form {
    let b = FormBuilder::new(format!("/register?kind={kind}"), "注册", data, errors);
    let b = if kind == "company" {
        b.text("name", "企业名称", true, "")
            .text("credit_code", "统一社会信用代码", true, "18 位，字母须大写")
            .text("legal_representative", "法定代表人", true, "")
    } else {
        b.text("name", "姓名", true, "").text(
            "resident_id",
            "居民身份证号码",
            true,
            "18 位，末位 X 须大写",
        )
    };
    b.tel("mobile", "手机号码", true)
        .password("password", "密码", "至少 8 位，须同时包含字母和数字")
        .build()
}

pub(super) fn register_kind(kind: &str) -> &'static str {
    if kind == "company" {
        "company"
    } else {
        "individual"
    }
}

pub(super) async fn register_page(ctx: RequestCtx, Query(q): Query<RegisterQuery>) -> PageResult {
    let kind = register_kind(&q.kind);
    render(&RegisterPage {
        chrome: Chrome::new("注册", &ctx),
        kind: kind.to_owned(),
        form: register_form(kind, &FormData::default(), &FieldErrors::new()),
    })
}

pub(super) async fn register_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<RegisterQuery>,
    body: Bytes,
) -> PageResult {
    let kind = register_kind(&q.kind);
    let data = FormData::parse(&body);
    let result = if kind == "company" {
        state
            .store
            .accounts()
            .register_company(
                &CompanyRegistration {
                    name: data.text("name"),
                    credit_code: data.text("credit_code"),
                    legal_representative: data.text("legal_representative"),
                    mobile: data.text("mobile"),
                    password: data.text("password"),
                },
                ctx.remote.as_deref(),
            )
            .await
    } else {
        state
            .store
            .accounts()
            .register_individual(
                &IndividualRegistration {
                    name: data.text("name"),
                    resident_id: data.text("resident_id"),
                    mobile: data.text("mobile"),
                    password: data.text("password"),
                },
                ctx.remote.as_deref(),
            )
            .await
    };
    match form_outcome(result)? {
        Ok(_) => Ok(Redirect::to("/login?notice=registered").into_response()),
        Err(errors) => render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                chrome: Chrome::new("注册", &ctx),
                kind: kind.to_owned(),
                form: register_form(kind, &data, &errors),
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "accounts/me.html")]
pub(super) struct MePage {
    chrome: Chrome,
    name: String,
    login: String,
    kind: String,
    roles: String,
    department: String,
}

pub(super) async fn me(State(state): State<AppState>, user: PageUser) -> PageResult {
    let p = &user.principal;
    let department = match p.department_id {
        Some(d) => state.store.org().get_department(d).await?.name,
        None => String::new(),
    };
    render(&MePage {
        chrome: Chrome::new("我的账号", &user.ctx),
        name: p.display_name.clone(),
        login: p.login.clone(),
        kind: p.kind.label().to_owned(),
        roles: role_labels(p),
        department,
    })
}
