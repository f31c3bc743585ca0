//! A real browser journey in headless Chromium (Debian's chromium + chromedriver): an admin
//! logs in, creates a department, a window and a staff member, and the new staff member can
//! log in. Runs when chromedriver is installed, and must run under CI=true.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use onewindow_store::Backend;
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<String> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if std::path::Path::new(&path).exists() {
        Some(path)
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but chromedriver is missing at {path}: install chromium and chromium-driver"
        );
    } else {
        None
    }
}

async fn start_browser(driver_path: &str) -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = std::env::temp_dir().join(format!("ow-chrome-{}-{port}", std::process::id()));
    let caps = json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,1000",
                     format!("--user-data-dir={}", profile.display())]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    for _ in 0..50 {
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = connected {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start");
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::env::temp_dir().join("onewindow-screens");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

async fn fill(client: &Client, id: &str, value: &str) {
    let el = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("field {id}"));
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn select(client: &Client, id: &str, value: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Clicks and waits until a new, fully loaded page has replaced the current one.
async fn click_and_wait(client: &Client, css: &str) {
    client
        .execute("window.__owOldPage = true;", vec![])
        .await
        .unwrap();
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        let done = client
            .execute(
                "return window.__owOldPage === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no new page after clicking {css}");
}

async fn submit_main_form(client: &Client) {
    click_and_wait(client, "form.form button[type=submit]").await;
}

async fn page_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn login(client: &Client, base: &str, login: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    fill(client, "login", login).await;
    fill(client, "password", password).await;
    submit_main_form(client).await;
}

#[tokio::test]
async fn admin_creates_department_window_and_staff_who_can_log_in() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let org = app.seed_org().await;
    app.staff("admin", &["centre_admin"], None, None).await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    login(&client, &base, "admin", PASSWORD).await;
    screenshot(&client, "after-login").await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/admin")
    );
    assert!(page_text(&client).await.contains("管理后台"));

    // A department: first with a wrong check digit, which the page explains, then corrected.
    client
        .goto(&format!("{base}/admin/departments"))
        .await
        .unwrap();
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    fill(&client, "f-name", "临沂市民政局").await;
    fill(&client, "f-short_name", "民政").await;
    fill(&client, "f-credit_code", "12371300MB2859876X").await;
    submit_main_form(&client).await;
    assert!(
        page_text(&client)
            .await
            .contains("统一社会信用代码校验码错误")
    );
    screenshot(&client, "department-error").await;
    fill(&client, "f-credit_code", "12371300MB2859876T").await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已创建") && text.contains("临沂市民政局"),
        "{text}"
    );
    let dept = app
        .store
        .list_departments(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.short_name == "民政")
        .unwrap();

    client.goto(&format!("{base}/admin/windows")).await.unwrap();
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    fill(&client, "f-number", "C03").await;
    fill(&client, "f-name", "民政窗口").await;
    select(&client, "f-department_id", &dept.id.to_string()).await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("已创建") && text.contains("C03"), "{text}");

    client.goto(&format!("{base}/admin/staff")).await.unwrap();
    fill(&client, "f-name", "陈晓明").await;
    fill(&client, "f-mobile", "13905391111").await;
    fill(&client, "f-login", "chenxm").await;
    fill(&client, "f-password", "welcome2026").await;
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    select(&client, "f-department_id", &dept.id.to_string()).await;
    client
        .find(Locator::Css("input[name=roles][value=clerk]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("已创建") && text.contains("chenxm"), "{text}");
    screenshot(&client, "staff-created").await;

    // Log out, and the new clerk logs in.
    click_and_wait(&client, "nav form button").await;
    login(&client, &base, "chenxm", "welcome2026").await;
    let text = page_text(&client).await;
    assert!(text.contains("陈晓明"), "{text}");
    assert!(text.contains("管理后台"));
    client.goto(&format!("{base}/me")).await.unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("窗口人员") && text.contains("临沂市民政局"),
        "{text}"
    );
    screenshot(&client, "clerk-account").await;

    client.close().await.unwrap();
    app.stop().await;
}
