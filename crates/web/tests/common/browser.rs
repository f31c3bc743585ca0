//! Driving headless Chromium (Debian's chromium + chromedriver) for the browser journeys:
//! start it, fill and choose by id or name, click and wait for the next page, screenshots, and
//! the small-screen checks.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn chromedriver() -> Option<String> {
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

pub async fn start_browser(driver_path: &str) -> (Driver, Client) {
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

pub async fn screenshot(client: &Client, name: &str) {
    let dir = std::env::temp_dir().join("onewindow-screens");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

/// The table's header row is hidden and its first row is laid out as a block (a card), with
/// its cells labelled, and nothing runs off the side of the page.
pub async fn assert_stacked(client: &Client, table: &str) {
    let script = format!(
        "const t = document.querySelector('{table}');
         const head = getComputedStyle(t.querySelector('thead')).display;
         const row = getComputedStyle(t.querySelector('tbody tr')).display;
         const label = getComputedStyle(t.querySelector('tbody td'), '::before').content;
         const wide = document.documentElement.scrollWidth > window.innerWidth;
         return [head, row, label, String(wide)].join('|');"
    );
    let seen = client.execute(&script, vec![]).await.unwrap();
    let seen = seen.as_str().unwrap_or_default().to_owned();
    let parts: Vec<&str> = seen.split('|').collect();
    assert_eq!(parts[0], "none", "{table}: {seen}");
    assert_eq!(parts[1], "block", "{table}: {seen}");
    assert!(parts[2].len() > 2, "{table}: cells labelled: {seen}");
    assert_eq!(parts[3], "false", "{table}: no sideways scrolling: {seen}");
}

/// Fills the input with this id, or else this name.
pub async fn fill(client: &Client, id: &str, value: &str) {
    let el = match client.find(Locator::Id(id)).await {
        Ok(el) => el,
        Err(_) => client
            .find(Locator::Css(&format!("[name='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("field {id}: {e}")),
    };
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

/// Chooses `value` in the drop-down with this id, or else this name.
pub async fn select(client: &Client, id: &str, value: &str) {
    let el = match client.find(Locator::Id(id)).await {
        Ok(el) => el,
        Err(_) => client
            .find(Locator::Css(&format!("select[name='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("drop-down {id}: {e}")),
    };
    el.select_by_value(value).await.unwrap();
}

/// Clicks and waits until a new, fully loaded page has replaced the current one.
pub async fn click_and_wait(client: &Client, css: &str) {
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

pub async fn submit_main_form(client: &Client) {
    click_and_wait(client, "form.form button[type=submit]").await;
}

pub async fn page_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn login(client: &Client, base: &str, login: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    fill(client, "login", login).await;
    fill(client, "password", password).await;
    submit_main_form(client).await;
}

/// Clicks the submit button of the case page's form for `action`.
pub async fn act(client: &Client, action: &str) {
    click_and_wait(
        client,
        &format!("form.action-form:has(input[name=action][value={action}]) button[type=submit]"),
    )
    .await;
}

/// A file of `bytes` under `name` in a temporary folder, to choose in a file input.
pub fn sample_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ow-hall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// Chooses the file at `path` in the file input named `name`.
pub async fn choose_file(client: &Client, name: &str, path: &str) {
    client
        .find(Locator::Css(&format!("input[name='{name}']")))
        .await
        .unwrap_or_else(|e| panic!("file input {name}: {e}"))
        .send_keys(path)
        .await
        .unwrap();
}

/// Signs out through the page header's button.
pub async fn sign_out(client: &Client) {
    click_and_wait(client, "form[action='/logout'] button").await;
}
