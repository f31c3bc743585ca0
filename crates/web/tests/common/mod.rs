//! The test harness: `spawn_app` starts the real application on port 0 against a fresh
//! database, and `TestApp` has a helper for each thing a user or client does.

#![allow(dead_code, unused_imports, unused_macros)]

pub mod browser;

use onewindow_domain::catalog::ItemDoc;
use onewindow_domain::ids::{AccountId, CentreId, DepartmentId, ItemId};
use std::net::SocketAddr;

use onewindow_domain::auth::TokenScope;
use onewindow_store::org::*;
use onewindow_store::testing::TestDb;
use onewindow_store::{Backend, Store};
use onewindow_web::AppState;
use serde_json::{Value, json};

pub use onewindow_store::testing::backends;

pub use onewindow_store::testing::{Org, PASSWORD};

/// Runs an application test, `async fn case(app: &TestApp)`, against a fresh database of every
/// backend; with a date, the application's business date is fixed to it.
macro_rules! on_every_backend {
    ($case:ident) => {
        for backend in backends() {
            let app = spawn_app(backend).await;
            $case(&app).await;
            app.stop().await;
        }
    };
    ($case:ident, $today:expr) => {
        for backend in backends() {
            let app = spawn_app_on(backend, Some($today)).await;
            $case(&app).await;
            app.stop().await;
        }
    };
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub db: Option<TestDb>,
    pub backend: Backend,
    server: tokio::task::JoinHandle<()>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_on(backend, None).await
}

/// The application with its business date fixed (deadlines then do not depend on the day the
/// tests run).
pub async fn spawn_app_on(backend: Backend, today: Option<&str>) -> TestApp {
    spawn_app_at(backend, today, None).await
}

/// The application with its business date and time of day fixed (`08:45`).
pub async fn spawn_app_at(backend: Backend, today: Option<&str>, time: Option<&str>) -> TestApp {
    let db = TestDb::create(backend).await;
    let store = db.store().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let blobs = onewindow_store::blobs::BlobStore::new(std::env::temp_dir().join(format!(
        "ow-files-{}-{}",
        std::process::id(),
        addr.port()
    )));
    let state = AppState::from(onewindow_web::Services {
        store: store.clone(),
        blobs,
        audit_key: std::sync::Arc::new(onewindow_store::case::checkpoints::AuditKey::from_seed(
            [1; 32],
        )),
        secure_cookies: false,
        trusted_proxies: Default::default(),
        clock: onewindow_web::case::Clock {
            fixed: today.map(|d| d.parse().expect("test date")),
            time: time.map(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M").expect("test time")),
        },
        ocds: onewindow_store::trading::ocds::Publication {
            prefix: "ocds-onewin".into(),
            base_url: format!("http://{addr}"),
        },
        auctions: Default::default(),
    });
    let server = tokio::spawn(async move {
        let _ = onewindow_web::serve(listener, state, vec![], vec![]).await;
    });
    TestApp {
        addr,
        store,
        db: Some(db),
        backend,
        server,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the first hidden `_csrf` field in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let len = html[start..].find('"').expect("closing quote");
    html[start..start + len].to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn stop(mut self) {
        self.server.abort();
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    /// A region, a centre with a hall, and two departments.
    pub async fn seed_org(&self) -> Org {
        onewindow_store::testing::seed_org(&self.store).await
    }

    /// A staff member with these roles and an account that logs in with PASSWORD.
    pub async fn staff(
        &self,
        login: &str,
        roles: &[&str],
        centre: Option<CentreId>,
        dept: Option<DepartmentId>,
    ) -> Staff {
        onewindow_store::testing::seed_staff(&self.store, login, roles, centre, dept).await
    }

    /// A staff member of `dept` in the fixture's centre.
    pub async fn dept_staff(
        &self,
        org: &Org,
        dept: DepartmentId,
        login: &str,
        roles: &[&str],
    ) -> Staff {
        self.staff(login, roles, Some(org.centre), Some(dept)).await
    }

    /// Another department of the fixture's centre, its credit code completed from its first
    /// 17 characters.
    pub async fn department(
        &self,
        org: &Org,
        name: &str,
        short: &str,
        first17: &str,
    ) -> DepartmentId {
        let chars: Vec<char> = first17.chars().collect();
        let code = format!(
            "{first17}{}",
            onewindow_domain::ids::credit_check_char(&chars)
        );
        self.store
            .org()
            .create_department(&DepartmentInput {
                centre_id: org.centre,
                name: name.into(),
                short_name: short.into(),
                credit_code: code,
                phone: String::new(),
            })
            .await
            .expect("department")
            .id
    }

    /// A page's HTML as a signed-in (or anonymous) client sees it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        let resp = client.get(self.url(path)).send().await.unwrap();
        resp.text().await.unwrap()
    }

    /// A JSON document as the client's session reads it.
    pub async fn json(&self, client: &reqwest::Client, path: &str) -> Value {
        let resp = client.get(self.url(path)).send().await.unwrap();
        resp.json().await.unwrap()
    }

    /// An API read with a token.
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.api(token, reqwest::Method::GET, path, None).await
    }

    /// An API write with a token and a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.api(token, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// A case command (`{"type": …}`) through the API, with no expected version or key.
    pub async fn command(&self, token: &str, case: i64, command: Value) -> (u16, Value) {
        let path = format!("/cases/{case}/commands");
        self.post(token, &path, serde_json::json!({ "command": command }))
            .await
    }

    pub async fn token(&self, account_id: AccountId, scope: TokenScope) -> String {
        self.store
            .accounts()
            .create_token(account_id, "test", scope)
            .await
            .unwrap()
            .1
    }

    /// Logs in through the page form; returns the client holding the session.
    pub async fn login(&self, login: &str, password: &str) -> (reqwest::Client, reqwest::Response) {
        let client = browser();
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/admin"),
            ])
            .send()
            .await
            .unwrap();
        (client, resp)
    }

    pub async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = browser()
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Registers an individual applicant who signs in with PASSWORD.
pub async fn register(app: &TestApp, name: &str, resident_id: &str) -> AccountId {
    app.store
        .accounts()
        .register_individual(
            &onewindow_store::accounts::IndividualRegistration {
                name: name.into(),
                resident_id: resident_id.into(),
                mobile: "13900000000".into(),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .unwrap()
        .id
}

/// Uploads `bytes` as a file of `material` to an online application over the API.
pub async fn upload(
    app: &TestApp,
    token: &str,
    id: i64,
    material: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let resp = browser()
        .post(app.url(&format!("/api/v1/hall/applications/{id}/files")))
        .query(&[("material", material), ("name", name)])
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A real one-page PDF for uploads, made here.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// A real 1×1 PNG image.
pub const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The fields named in a problem+json body.
pub fn problem_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// An item like the food licence of `dept` under another implementation code and name, each
/// of `materials` one required original from the applicant.
pub fn food_like_doc(
    dept: DepartmentId,
    implementation_code: &str,
    name: &str,
    materials: &[&str],
) -> Value {
    let mut doc = food_licence_doc(dept);
    doc["implementation_code"] = json!(implementation_code);
    doc["name"] = json!(name);
    doc["materials"] = Value::Array(
        materials
            .iter()
            .map(|m| json!({"name": m, "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"}))
            .collect(),
    );
    doc
}

/// A required field of an application form.
pub fn required_field(key: &str, label: &str, field_type: &str) -> Value {
    json!({"key": key, "label": label, "field_type": field_type, "required": true})
}

/// The 食品经营许可 catalogue document of `dept`: window acceptance, review, approval; 5
/// working days; a fee of 10 yuan; a required application form and a health certificate that
/// may come later.
pub fn food_licence_doc(dept: DepartmentId) -> Value {
    json!({
        "basic_code": "0102001", "implementation_code": "0102001371300009", "name": "食品经营许可",
        "item_type": "01", "exercise_level": "3",
        "legal_bases": [{"law": "《中华人民共和国食品安全法》", "article": "第三十五条", "text": ""}],
        "department_id": dept, "implementing_body": "", "implementing_body_code": "", "body_nature": "1",
        "case_type": "2", "statutory_limit_days": 20, "promised_limit_days": 5,
        "acceptance_conditions": "申请材料齐全、符合法定形式",
        "steps": [{"name": "受理", "role": "clerk", "department_id": dept, "limit_days": 1},
                  {"name": "审查", "role": "reviewer", "department_id": dept, "limit_days": 2},
                  {"name": "决定", "role": "approver", "department_id": dept, "limit_days": 1}],
        "fees": [{"name": "工本费", "standard_fen": 1000, "basis": "测试"}],
        "result_name": "食品经营许可证", "result_type": "licence", "service_targets": ["1"], "handling_forms": ["1", "2"],
        "topics": [], "appointment": false, "online_payment": false, "express_delivery": true,
        "online_depth": "3", "max_visits": 1, "location": "一楼", "hours": "工作日", "consult_phone": "0539-1",
        "supervise_phone": "12345",
        "materials": [{"name": "申请书", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"},
                      {"name": "健康证明", "originals": 1, "copies": 0, "requirement": "optional", "deficiency_allowed": true, "source": "applicant"}]
    })
}

/// Imports a catalogue document (published at once) and returns its item.
pub async fn import_item(app: &TestApp, doc: Value, by: AccountId) -> ItemId {
    let doc: ItemDoc = serde_json::from_value(doc).unwrap();
    let code = doc.implementation_code.clone();
    app.store
        .catalog()
        .import_items(vec![doc], by)
        .await
        .unwrap();
    app.store.catalog().item_by_code(&code).await.unwrap().id
}

/// A published promised item of `dept` (`food_licence_doc`).
pub async fn publish_item(app: &TestApp, dept: DepartmentId, by: AccountId) -> ItemId {
    import_item(app, food_licence_doc(dept), by).await
}

/// A case of the published item, opened at the window and accepted on 24 September by `clerk`
/// (an account of `dept`); returns it and the clerk's token.
pub async fn accepted_case(app: &TestApp, dept: DepartmentId, clerk: AccountId) -> (i64, String) {
    let item = publish_item(app, dept, clerk).await;
    let t_clerk = app.token(clerk, TokenScope::Write).await;
    let (_, opened) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": ["申请书"],
                "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    let id = opened["case_id"].as_i64().unwrap();
    let (status, _) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200);
    (id, t_clerk)
}

/// A case of an instant item (即办件) filed at the window for 张伟: concluded on acceptance.
pub async fn concluded_case(app: &TestApp, org: &Org, clerk: &str) -> (i64, String, String) {
    let mut doc = food_like_doc(org.dept, "0102001371300077", "食品小作坊登记", &["申请书"]);
    doc["case_type"] = json!("1");
    doc["promised_limit_days"] = json!(0);
    doc["fees"] = json!([]);
    let clerk = app.dept_staff(org, org.dept, clerk, &["clerk"]).await;
    let item = import_item(app, doc, clerk.account_id).await;
    let t = app.token(clerk.account_id, TokenScope::Write).await;
    let (status, opened) = app
        .post(&t, "/cases", json!({"item_id": item, "materials": ["申请书"],
                "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["case_id"].as_i64().unwrap();
    let (status, body) = app.command(&t, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200, "{body}");
    let view = app
        .store
        .cases()
        .case_view(onewindow_domain::ids::CaseId(id))
        .await
        .unwrap();
    assert_eq!(view.row.stage, "concluded");
    (
        id,
        view.row.case_no.clone().unwrap(),
        view.state.query_code.clone().unwrap(),
    )
}
