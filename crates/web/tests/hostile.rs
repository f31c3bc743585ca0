//! The application as an attacker probes it: redirects after sign-in that leave the site,
//! framing and sniffing, cached pages on a shared window PC, and spreadsheet formulas in exports.

#[macro_use]
mod common;

use common::*;

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
