//! Durability: commands acknowledged over HTTP survive SIGKILL of the server mid-load. The
//! server runs as its own process on SQLite with synchronous=FULL (the default) and on
//! PostgreSQL; after the kill a restarted server finds every acknowledged command's events,
//! and `onewindow audit verify` is clean.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onewindow_domain::auth::TokenScope;
use onewindow_domain::catalog::ItemDoc;
use onewindow_store::testing::{TestDb, backends, seed_org, seed_staff};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_onewindow");

/// A centre with one department, a clerk who may do every step, a published item; returns
/// the clerk's API token and the item id.
async fn seed(url: &str) -> (String, i64) {
    let store = onewindow_store::Store::open(url).await.unwrap();
    let org = seed_org(&store).await;
    let clerk = seed_staff(
        &store,
        "clerk",
        &["clerk", "reviewer", "approver"],
        Some(org.centre),
        Some(org.dept),
    )
    .await;
    let doc: ItemDoc = serde_json::from_value(json!({
        "basic_code": "0102001", "implementation_code": "0102001371300009", "name": "食品经营许可",
        "item_type": "01", "exercise_level": "3",
        "legal_bases": [{"law": "《中华人民共和国食品安全法》", "article": "第三十五条", "text": ""}],
        "department_id": org.dept, "implementing_body": "", "implementing_body_code": "", "body_nature": "1",
        "case_type": "2", "statutory_limit_days": 20, "promised_limit_days": 5,
        "acceptance_conditions": "申请材料齐全",
        "steps": [{"name": "受理", "role": "clerk", "department_id": org.dept, "limit_days": 1},
                  {"name": "审查", "role": "reviewer", "department_id": org.dept, "limit_days": 2},
                  {"name": "决定", "role": "approver", "department_id": org.dept, "limit_days": 1}],
        "result_name": "食品经营许可证", "result_type": "licence", "service_targets": ["1"], "handling_forms": ["1"],
        "topics": [], "appointment": false, "online_payment": false, "express_delivery": false,
        "online_depth": "3", "max_visits": 1, "location": "一楼", "hours": "工作日", "consult_phone": "0539-1",
        "supervise_phone": "12345",
        "materials": [{"name": "申请书", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"}]
    }))
    .unwrap();
    store
        .catalog()
        .import_items(vec![doc], clerk.account_id)
        .await
        .unwrap();
    let item = store
        .catalog()
        .list_items(&Default::default())
        .await
        .unwrap()[0]
        .id;
    let token = store
        .accounts()
        .create_token(clerk.account_id, "load", TokenScope::Write)
        .await
        .unwrap()
        .1;
    store.close().await;
    (token, item.get())
}

/// Starts `onewindow serve`; returns the process and its address once it listens.
fn start(url: &str, dir: &std::path::Path) -> (Child, String) {
    let mut child = Process::new(BIN)
        .args([
            "--database-url",
            url,
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--today",
            "2026-09-24",
            "serve",
        ])
        .env("ONEWINDOW_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split_once("http://") {
            break rest.1.trim_end_matches('/').to_owned();
        }
    };
    (child, addr)
}

/// One client's loop: open a case and take it through its steps, recording every
/// acknowledged (case, version).
async fn load(
    addr: String,
    token: String,
    item: i64,
    until: Instant,
    acked: Arc<Mutex<Vec<(i64, u64)>>>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let commands = [
        json!({"type": "accept"}),
        json!({"type": "complete_step", "opinion": "符合条件"}),
        json!({"type": "decide", "decision": {"approved": true, "reasons": "符合条件", "legal_basis": ""}}),
        json!({"type": "conclude"}),
    ];
    while Instant::now() < until {
        let Ok(resp) = http
            .post(format!("http://{addr}/api/v1/cases"))
            .bearer_auth(&token)
            .json(&json!({"item_id": item, "materials": ["申请书"],
                "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
            .send()
            .await
        else {
            return;
        };
        if resp.status() != 201 {
            return;
        }
        let Ok(body) = resp.json::<Value>().await else {
            return;
        };
        let id = body["case_id"].as_i64().unwrap();
        acked
            .lock()
            .unwrap()
            .push((id, body["version"].as_u64().unwrap()));
        let mut version = body["version"].as_u64().unwrap();
        for c in &commands {
            let Ok(resp) = http
                .post(format!("http://{addr}/api/v1/cases/{id}/commands"))
                .bearer_auth(&token)
                .json(&json!({"expected_version": version, "command": c}))
                .send()
                .await
            else {
                return;
            };
            if resp.status() != 200 {
                return;
            }
            let Ok(body) = resp.json::<Value>().await else {
                return;
            };
            version = body["version"].as_u64().unwrap();
            acked.lock().unwrap().push((id, version));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_commands_survive_sigkill() {
    for backend in backends() {
        let db = TestDb::create(backend).await;
        let dir = std::env::temp_dir().join(format!(
            "ow-durability-{}-{}",
            std::process::id(),
            backend.name()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (token, item) = seed(&db.url).await;
        let (mut server, addr) = start(&db.url, &dir);

        let acked = Arc::new(Mutex::new(Vec::new()));
        let until = Instant::now() + Duration::from_secs(30);
        let clients: Vec<_> = (0..8)
            .map(|_| {
                tokio::spawn(load(
                    addr.clone(),
                    token.clone(),
                    item,
                    until,
                    acked.clone(),
                ))
            })
            .collect();
        // Kill mid-load, once a good number of commands are acknowledged.
        let started = Instant::now();
        while acked.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        for c in clients {
            let _ = c.await;
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() >= 100,
            "{}: only {} acknowledged",
            backend.name(),
            acked.len()
        );

        // Restart: every acknowledged command's events are there.
        let (mut server, addr) = start(&db.url, &dir);
        let http = reqwest::Client::new();
        let store = onewindow_store::Store::open(&db.url).await.unwrap();
        for (case, version) in &acked {
            let events = store
                .cases()
                .case_events(onewindow_domain::ids::CaseId(*case))
                .await
                .unwrap();
            assert!(
                events.len() as u64 >= *version,
                "{}: case {case} acknowledged at version {version} but has {} events",
                backend.name(),
                events.len()
            );
        }
        let resp = http
            .get(format!("http://{addr}/api/v1/cases/{}", acked[0].0))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        server.kill().unwrap();
        server.wait().unwrap();
        store.close().await;
        let audit = |args: &[&str]| {
            Process::new(BIN)
                .args([
                    "--database-url",
                    &db.url,
                    "--data-dir",
                    dir.to_str().unwrap(),
                ])
                .args(args)
                .output()
                .unwrap()
        };
        let public_key = String::from_utf8(audit(&["audit", "public-key"]).stdout).unwrap();
        let out = audit(&["audit", "verify", "--audit-public-key", public_key.trim()]);
        assert!(
            out.status.success(),
            "{}: audit verify after the crash: {}",
            backend.name(),
            String::from_utf8_lossy(&out.stdout)
        );
        let _ = std::fs::remove_dir_all(&dir);
        db.cleanup().await;
    }
}
