//! The application as an attacker probes it: redirects after sign-in that leave the site,
//! framing and sniffing, cached pages on a shared window PC, and spreadsheet formulas in exports.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::ids::DepartmentId;

async fn sign_in_stays_on_the_site(app: &TestApp) {
    app.staff("admin", &["centre_admin"], None, None).await;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/a\nb",
    ] {
        let client = browser();
        let page = app.page(&client, "/login").await;
        let resp = client
            .post(app.url("/login"))
            .form(&[
                ("_csrf", csrf_of(&page).as_str()),
                ("login", "admin"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{next:?}");
        assert_eq!(resp.headers()["location"], "/admin", "{next:?}");
    }
}

#[tokio::test]
async fn sign_in_never_redirects_off_the_site() {
    on_every_backend!(sign_in_stays_on_the_site);
}

async fn headers_on_every_response(app: &TestApp) {
    app.staff("admin", &["centre_admin"], None, None).await;
    let public = browser().get(app.url("/")).send().await.unwrap();
    let h = public.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert!(!h.contains_key("strict-transport-security"), "no TLS here");
    let (client, _) = app.login("admin", PASSWORD).await;
    let admin = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(admin.headers()["cache-control"], "no-store");
    let api = browser()
        .get(app.url("/api/v1/regions"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    on_every_backend!(headers_on_every_response);
}

#[test]
fn exported_cells_never_start_a_formula() {
    use onewindow_web::kit::inert_cell;
    assert_eq!(
        inert_cell("=HYPERLINK(\"http://x\")"),
        "'=HYPERLINK(\"http://x\")"
    );
    for cell in ["+1", "-1", "@SUM(A1)", "\t=1"] {
        assert!(inert_cell(cell).starts_with('\''), "{cell}");
    }
    assert_eq!(inert_cell("张伟"), "张伟");
}

/// The catalogue's CSV exchange is opened in spreadsheets too: its text cells are inert, and a
/// file read back gives the items exactly as exported (byte for byte when written again).
#[test]
fn the_catalogue_csv_exchange_never_starts_a_formula_and_round_trips() {
    use onewindow_store::catalog::csv;
    let mut doc = onewindow_store::testing::item_doc(
        "01",
        "=HYPERLINK(\"http://x\",\"食品\")",
        DepartmentId(1),
    );
    doc.statutory_limit_note = "'已加引号".into();
    doc.consult_phone = "+86 0539 8888888".into();
    doc.location = "@大厅".into();
    let text = csv::write(std::slice::from_ref(&doc)).unwrap();
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula cell: {cell}"
            );
        }
    }
    let back = csv::parse(text.as_bytes()).unwrap();
    assert_eq!(back, vec![doc]);
    assert_eq!(csv::write(&back).unwrap(), text);
}

async fn nul_and_query_tokens_refused(app: &TestApp) {
    app.staff("admin", &["centre_admin"], None, None).await;
    for path in ["/items?q=%00", "/progress?case_no=1%00&query_code=x"] {
        let resp = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        assert!(resp.text().await.unwrap().contains("空字符"), "{path}");
    }
    let api = browser()
        .get(app.url("/api/v1/items/search?q=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 400);
    assert_eq!(
        api.headers()["content-type"],
        "application/problem+json",
        "problem+json under /api"
    );
    // A NUL escaped in a JSON body is refused before it reaches the database.
    let admin = app.staff("root", &["centre_admin"], None, None).await;
    let token = app
        .token(admin.account_id, onewindow_domain::auth::TokenScope::Write)
        .await;
    let body = serde_json::json!({"code": "370000000000", "name": "山东\u{0}省", "level": 2});
    let (status, problem) = app.post(&token, "/regions", body).await;
    assert_eq!(status, 400, "{problem}");
    let (status, _) = app
        .post(
            &token,
            "/regions",
            serde_json::json!({"code": "370000000000", "name": "山东\\u0000省", "level": 2}),
        )
        .await;
    assert_eq!(
        status, 201,
        "an escaped backslash before u0000 is text, not a NUL"
    );
    // A NUL in a sign-in form is refused, not a server error.
    let client = browser();
    let page = app.page(&client, "/login").await;
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("login", "ad\0min"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // The CSRF token travels in the form body or a header, not in the URL of a plain form.
    let csrf = csrf_of(&page);
    let resp = client
        .post(app.url(&format!("/login?_csrf={csrf}")))
        .form(&[("login", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn nul_bytes_and_tokens_in_urls_are_refused() {
    on_every_backend!(nul_and_query_tokens_refused);
}

async fn cookies_behind_tls(app: &TestApp) {
    app.staff("admin", &["centre_admin"], None, None).await;
    let client = browser();
    let login = client
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let set: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        set.iter()
            .any(|c| c.starts_with("__Host-ow_csrf=") && c.contains("; Secure")),
        "{set:?}"
    );
    let plain = browser().get(app.url("/login")).send().await.unwrap();
    let cookie = plain.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("ow_csrf=") && !cookie.contains("Secure"));
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_and_host_only() {
    on_every_backend!(cookies_behind_tls);
}

async fn checkpoints_are_published(app: &TestApp) {
    let key = onewindow_store::case::checkpoints::AuditKey::from_seed([1; 32]);
    let signed = app.store.cases().checkpoint(&key).await.unwrap().unwrap();
    // The server's own checkpointer may have signed one beside it.
    let listed = app.json(&browser(), "/api/v1/audit/checkpoints").await;
    let ours = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == signed.id)
        .expect("the new checkpoint is listed");
    assert_eq!(ours["signature"], signed.signature.as_str());
    assert!(ours.get("heads").is_none(), "heads stay in the database");
    // Consistency proofs are public; an event's inclusion proof is for supervisors.
    let same = app
        .json(
            &browser(),
            &format!("/api/v1/audit/consistency?from={0}&to={0}", signed.id),
        )
        .await;
    assert_eq!(same["proof"], serde_json::json!([]), "{same}");
    let anonymous = browser()
        .get(app.url("/api/v1/audit/proof?case=1&seq=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let page = app.page(&browser(), "/audit").await;
    assert!(page.contains("办件日志检查点") && page.contains(&signed.merkle_root));
    assert!(page.contains(&key.public_key_hex()));
}

#[tokio::test]
async fn checkpoints_are_published_for_witnesses() {
    on_every_backend!(checkpoints_are_published);
}

async fn malformed_addresses_explained(app: &TestApp) {
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let token = app
        .token(admin.account_id, onewindow_domain::auth::TokenScope::Read)
        .await;
    // Programs get problem+json with the status the extractor chose.
    for path in [
        "/api/v1/cases/abc",
        "/api/v1/items/abc",
        "/api/v1/items/search?min_depth=deep",
        "/api/v1/audit/proof?case=1",
    ] {
        let resp = browser()
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{path}");
        let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(kind, "application/problem+json", "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["status"], 400, "{path}");
        assert!(!body.to_string().contains("Cannot parse"), "{path}: {body}");
    }
    // People get the Chinese page.
    let (client, _) = app.login("admin", PASSWORD).await;
    for path in ["/items/abc", "/admin/items/1/diff", "/work/cases/abc"] {
        let resp = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{path}");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("网址中的编号或参数格式不正确") && !page.contains("deserialize"),
            "{path}: {page}"
        );
    }
}

#[tokio::test]
async fn malformed_paths_and_queries_are_explained() {
    on_every_backend!(malformed_addresses_explained);
}

async fn handover_at_a_shared_pc(app: &TestApp) {
    let org = app.seed_org().await;
    app.dept_staff(&org, org.dept, "clerk_a", &["clerk"]).await;
    app.dept_staff(&org, org.dept, "clerk_b", &["clerk"]).await;
    app.staff("jiancha", &["supervisor"], Some(org.centre), None)
        .await;
    let sign_in = |client: reqwest::Client, login: &'static str| async move {
        let page = app.page(&client, "/login").await;
        let resp = client
            .post(app.url("/login"))
            .form(&[
                ("_csrf", csrf_of(&page).as_str()),
                ("login", login),
                ("password", PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        let cookie = resp.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        (
            page,
            resp.headers()["location"].to_str().unwrap().to_owned(),
            cookie,
        )
    };
    // Staff who handle cases start at their inbox; supervisors at supervision.
    let client = browser();
    let (_, landed, a_cookie) = sign_in(client.clone(), "clerk_a").await;
    assert_eq!(landed, "/work");
    let (_, landed, _) = sign_in(browser(), "jiancha").await;
    assert_eq!(landed, "/admin/supervision");
    // B signs in at A's PC: the page says who is signed in, A is signed out, B is told.
    let (page, landed, _) = sign_in(client.clone(), "clerk_b").await;
    assert!(page.contains("继续登录将退出其登录"), "{page}");
    assert_eq!(landed, "/work?notice=handover");
    let inbox = app.page(&client, &landed).await;
    assert!(inbox.contains("已退出本机上一位用户的登录"), "{inbox}");
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/work"))
        .header("cookie", a_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 303, "A's session has ended");
}

#[tokio::test]
async fn signing_in_at_a_shared_pc_signs_the_last_person_out() {
    on_every_backend!(handover_at_a_shared_pc);
}
