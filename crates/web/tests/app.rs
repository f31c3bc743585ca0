//! The application over HTTP, on every backend: organisation flows through the API, the
//! authorisation matrix, lockout, CSRF, tokens, error formats and health checks.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use onewindow_domain::ids::DepartmentId;
use reqwest::Method;
use serde_json::{Value, json};

async fn admin_builds_the_organisation_over_the_api(app: &TestApp) {
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let token = app.token(admin.account_id, TokenScope::Write).await;
    let (s, _) = app
        .post(
            &token,
            "/regions",
            json!({"code": "370000000000", "name": "山东省", "level": 2}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post(&token, "/regions", json!({"code": "371300000000", "name": "临沂市", "level": 3, "parent_code": "370000000000"}))
        .await;
    assert_eq!(s, 201);
    let (s, centre) = app
        .post(&token, "/centres", json!({"name": "临沂市政务服务中心", "kind": "main", "region_code": "371300000000", "address": "北城新区", "phone": "0539-12345", "hours": "工作日"}))
        .await;
    assert_eq!(s, 201, "{centre}");
    let centre_id = centre["id"].as_i64().unwrap();

    // Every kind of bad credit code is refused with a field message, and nothing is written.
    for bad in [
        "11371300004323789",
        "11371300004323789B",
        "11371300004323789a",
        "１1371300004323789A",
    ] {
        let (s, problem) = app
            .post(&token, "/departments", json!({"centre_id": centre_id, "name": "市场监管局", "short_name": "市场监管", "credit_code": bad}))
            .await;
        assert_eq!(s, 422, "{bad}");
        assert_eq!(problem_fields(&problem), vec!["credit_code"]);
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("统一社会信用代码")
        );
    }
    let (_, list) = app.get(&token, "/departments").await;
    assert_eq!(list.as_array().unwrap().len(), 0);

    let (s, dept) = app
        .post(&token, "/departments", json!({"centre_id": centre_id, "name": "临沂市市场监督管理局", "short_name": "市场监管", "credit_code": "11371300004323789A"}))
        .await;
    assert_eq!(s, 201);
    let dept_id = dept["id"].as_i64().unwrap();

    let window = json!({"centre_id": centre_id, "number": "A01", "name": "市场准入", "department_id": dept_id});
    let (s, w) = app.post(&token, "/windows", window.clone()).await;
    assert_eq!(s, 201);
    assert_eq!(w["is_open"], json!(true));
    let (s, problem) = app.post(&token, "/windows", window).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&problem), vec!["number"]);

    // A department of another centre is refused.
    let (_, other) = app
        .post(&token, "/centres", json!({"name": "兰山区政务服务中心", "kind": "main", "region_code": "371300000000", "address": "兰山", "phone": "1", "hours": "工作日"}))
        .await;
    let (s, problem) = app
        .post(&token, "/windows", json!({"centre_id": other["id"], "number": "A01", "name": "跨中心", "department_id": dept_id}))
        .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&problem), vec!["department_id"]);

    // Missing and mistyped fields name the field too.
    let (s, problem) = app
        .post(
            &token,
            "/windows",
            json!({"centre_id": centre_id, "name": "缺编号"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&problem), vec!["number"]);

    let (s, staff) = app
        .post(&token, "/staff", json!({"centre_id": centre_id, "department_id": dept_id, "name": "吴佳怡", "mobile": "13905390006", "roles": ["clerk"], "login": "wujiayi", "password": "window2026"}))
        .await;
    assert_eq!(s, 201, "{staff}");
    assert_eq!(staff["roles"], json!(["clerk"]));

    // The new staff member logs in and sees who they are over the API with their own token.
    let (_, resp) = app.login("wujiayi", "window2026").await;
    assert_eq!(resp.status().as_u16(), 303);
    let account = app.store.accounts().find_account("wujiayi").await.unwrap();
    let own = app.token(account.id, TokenScope::Read).await;
    let (s, me) = app.get(&own, "/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["department_id"], json!(dept_id));

    // Deactivate, never delete: the window stays, inactive.
    let path = format!("/windows/{}/active", w["id"]);
    let (s, _) = app
        .api(&token, Method::PUT, &path, Some(json!({"active": false})))
        .await;
    assert_eq!(s, 204);
    let (_, w) = app.get(&token, &format!("/windows/{}", w["id"])).await;
    assert_eq!(w["active"], json!(false));
}

async fn revoked_tokens_stop_working(app: &TestApp) {
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let token = app.token(admin.account_id, TokenScope::Write).await;
    let (s, created) = app
        .post(&token, "/tokens", json!({"name": "集成", "scope": "read"}))
        .await;
    assert_eq!(s, 201);
    let second = created["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&second, "/regions").await.0, 200);
    // A read token cannot change anything.
    let (s, _) = app
        .post(
            &second,
            "/regions",
            json!({"code": "370000000000", "name": "山东省", "level": 2}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .api(
            &token,
            Method::DELETE,
            &format!("/tokens/{}", created["id"]),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, problem) = app.get(&second, "/regions").await;
    assert_eq!(s, 401);
    assert_eq!(problem["code"], json!("unauthenticated"));
    let (_, events) = app.get(&token, "/security-events").await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"token_rejected"));
    assert!(kinds.contains(&"token_revoked"));
}

/// Every role against every API endpoint and admin page: allowed means neither 401 nor 403
/// (bodies may still be refused with 422), denied means exactly 403.
async fn authorisation_matrix(app: &TestApp) {
    let org = app.seed_org().await;
    let (c, d, d2) = (org.centre, org.dept, org.other_dept);
    let window = app
        .store
        .org()
        .create_window(&onewindow_store::org::WindowInput {
            centre_id: c,
            number: "A01".into(),
            name: "窗口".into(),
            department_id: Some(d),
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap();
    let target = app.staff("target", &["clerk"], Some(c), Some(d)).await;
    // Promoted to supervisor by the admin's case, after which only the admin may touch them.
    let promoted = app.staff("promoted", &["clerk"], Some(c), Some(d)).await;

    let roles: &[(&str, &[&str], Option<DepartmentId>)] = &[
        ("admin", &["centre_admin"], None),
        ("supervisor", &["supervisor"], None),
        ("chief", &["chief_representative"], Some(d)),
        ("approver", &["approver"], Some(d)),
        ("reviewer", &["reviewer"], Some(d)),
        ("clerk", &["clerk"], Some(d)),
    ];
    let mut principals: Vec<(String, String)> = Vec::new();
    for (name, r, dept) in roles {
        let s = app.staff(name, r, Some(c), *dept).await;
        principals.push((
            name.to_string(),
            app.token(s.account_id, TokenScope::Write).await,
        ));
    }
    let chief = app
        .store
        .org()
        .list_staff(None, Some(d))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.login == "chief")
        .unwrap();
    let person = app
        .store
        .accounts()
        .register_individual(
            &onewindow_store::accounts::IndividualRegistration {
                name: "张三".into(),
                resident_id: "11010519491231002X".into(),
                mobile: "13900000000".into(),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .unwrap();
    principals.push((
        "applicant".into(),
        app.token(person.id, TokenScope::Write).await,
    ));
    let admin_id = app.store.accounts().find_account("admin").await.unwrap().id;
    principals.push((
        "admin_read_token".into(),
        app.token(admin_id, TokenScope::Read).await,
    ));

    const STAFF: &[&str] = &[
        "admin",
        "supervisor",
        "chief",
        "approver",
        "reviewer",
        "clerk",
        "admin_read_token",
    ];
    const ALL: &[&str] = &[
        "admin",
        "supervisor",
        "chief",
        "approver",
        "reviewer",
        "clerk",
        "applicant",
        "admin_read_token",
    ];
    const SUPERVISORS: &[&str] = &["admin", "supervisor", "admin_read_token"];
    let w = window.id;
    let cases: Vec<(Method, String, Option<Value>, &[&str])> = vec![
        (Method::GET, "/me".into(), None, ALL),
        (Method::GET, "/regions".into(), None, STAFF),
        (
            Method::POST,
            "/regions".into(),
            Some(
                json!({"code": "371400000000", "name": "德州市", "level": 3, "parent_code": "370000000000"}),
            ),
            &["admin"],
        ),
        (
            Method::PUT,
            "/regions/371300000000".into(),
            Some(
                json!({"code": "371300000000", "name": "临沂市", "level": 3, "parent_code": "370000000000"}),
            ),
            &["admin"],
        ),
        (Method::GET, "/centres".into(), None, STAFF),
        (Method::GET, format!("/centres/{c}"), None, STAFF),
        (
            Method::POST,
            "/centres".into(),
            Some(
                json!({"name": "新中心", "kind": "main", "region_code": "371300000000", "address": "x", "phone": "1", "hours": "工作日"}),
            ),
            &["admin"],
        ),
        (
            Method::PUT,
            format!("/centres/{c}"),
            Some(
                json!({"name": "临沂市政务服务中心", "kind": "main", "region_code": "371300000000", "address": "北城新区", "phone": "0539-12345", "hours": "工作日"}),
            ),
            &["admin"],
        ),
        (Method::GET, format!("/centres/{c}/halls"), None, STAFF),
        (
            Method::POST,
            format!("/centres/{c}/halls"),
            Some(json!({"name": "二楼", "floor": 2})),
            &["admin"],
        ),
        (
            Method::GET,
            format!("/halls/{}/zones", org.hall),
            None,
            STAFF,
        ),
        (
            Method::POST,
            format!("/halls/{}/zones", org.hall),
            Some(json!({"name": "综合区"})),
            &["admin"],
        ),
        (Method::GET, "/departments".into(), None, STAFF),
        (Method::GET, format!("/departments/{d}"), None, STAFF),
        (
            Method::POST,
            "/departments".into(),
            Some(
                json!({"centre_id": c, "name": "民政局", "short_name": "民政", "credit_code": "11371300004323789A"}),
            ),
            &["admin"],
        ),
        (
            Method::PUT,
            format!("/departments/{d}"),
            Some(
                json!({"centre_id": c, "name": "临沂市市场监督管理局", "short_name": "市场监管", "credit_code": "11371300004323789A"}),
            ),
            &["admin"],
        ),
        (
            Method::PUT,
            format!("/departments/{d}/active"),
            Some(json!({"active": true})),
            &["admin"],
        ),
        (Method::GET, "/windows".into(), None, STAFF),
        (Method::GET, format!("/windows/{w}"), None, STAFF),
        (
            Method::POST,
            "/windows".into(),
            Some(json!({"centre_id": c, "number": "B01", "name": "本部门", "department_id": d})),
            &["admin", "chief"],
        ),
        (
            Method::POST,
            "/windows".into(),
            Some(json!({"centre_id": c, "number": "B02", "name": "他部门", "department_id": d2})),
            &["admin"],
        ),
        (
            Method::POST,
            "/windows".into(),
            Some(json!({"centre_id": c, "number": "Z01", "name": "综合"})),
            &["admin"],
        ),
        (
            Method::PUT,
            format!("/windows/{w}"),
            Some(json!({"centre_id": c, "number": "A01", "name": "窗口", "department_id": d})),
            &["admin", "chief"],
        ),
        (
            Method::PUT,
            format!("/windows/{w}/active"),
            Some(json!({"active": true})),
            &["admin", "chief"],
        ),
        (
            Method::GET,
            "/staff".into(),
            None,
            &["admin", "supervisor", "chief", "admin_read_token"],
        ),
        (
            Method::GET,
            format!("/staff/{}", target.id),
            None,
            &["admin", "supervisor", "chief", "admin_read_token"],
        ),
        (
            Method::POST,
            "/staff".into(),
            Some(
                json!({"centre_id": c, "department_id": d, "name": "新人", "mobile": "13800000009", "roles": ["clerk"], "login": "newbie", "password": "newbie123"}),
            ),
            &["admin", "chief"],
        ),
        (
            Method::POST,
            "/staff".into(),
            Some(
                json!({"centre_id": c, "name": "新管理员", "mobile": "13800000008", "roles": ["centre_admin"], "login": "newadmin", "password": "newadmin1"}),
            ),
            &["admin"],
        ),
        (
            Method::PUT,
            format!("/staff/{}", target.id),
            Some(
                json!({"centre_id": c, "department_id": d, "name": "测试target", "mobile": "13800000000", "roles": ["clerk"]}),
            ),
            &["admin", "chief"],
        ),
        (
            Method::PUT,
            format!("/staff/{}", promoted.id),
            Some(
                json!({"centre_id": c, "department_id": d, "name": "测试promoted", "mobile": "13800000000", "roles": ["clerk", "supervisor"]}),
            ),
            &["admin"],
        ),
        (
            Method::POST,
            format!("/staff/{}/powers", chief.id),
            Some(json!({"power": "seal_use"})),
            &["admin"],
        ),
        (
            Method::DELETE,
            format!("/staff/{}/powers/seal_use", chief.id),
            None,
            &["admin"],
        ),
        (Method::GET, "/tokens".into(), None, ALL),
        (Method::GET, "/tokens?all=true".into(), None, &["admin"]),
        (
            Method::GET,
            "/security-events".into(),
            None,
            &["admin", "supervisor", "admin_read_token"],
        ),
        // The working-day calendar: every staff member reads it, administrators correct it.
        (Method::GET, "/calendar/days".into(), None, STAFF),
        (
            Method::PUT,
            "/calendar/days".into(),
            Some(json!({"day": "2026-12-30", "workday": false, "name": "台风停工"})),
            &["admin"],
        ),
        // Supervision: supervisors read and act, administrators also configure.
        (Method::GET, "/supervision/alerts".into(), None, SUPERVISORS),
        (
            Method::GET,
            "/supervision/findings".into(),
            None,
            SUPERVISORS,
        ),
        (Method::GET, "/supervision/rules".into(), None, SUPERVISORS),
        (
            Method::GET,
            "/supervision/indicators?from=2026-11-01&to=2026-11-30".into(),
            None,
            SUPERVISORS,
        ),
        (
            Method::GET,
            "/supervision/settings".into(),
            None,
            SUPERVISORS,
        ),
        (
            Method::GET,
            "/supervision/card-rules".into(),
            None,
            SUPERVISORS,
        ),
        (Method::GET, "/supervision/scheme".into(), None, SUPERVISORS),
        (
            Method::GET,
            "/supervision/assessment?unit=department&period=2026-Q4".into(),
            None,
            SUPERVISORS,
        ),
        (
            Method::GET,
            "/supervision/unit-indicators?unit=window&period=2026-11".into(),
            None,
            SUPERVISORS,
        ),
        (
            Method::POST,
            "/supervision/urgings".into(),
            Some(json!({"case_id": 999999, "reason": "请说明", "reply_days": 2})),
            &["admin", "supervisor"],
        ),
        (
            Method::POST,
            "/supervision/urgings/999999/decision".into(),
            Some(json!({"accepted": true})),
            &["admin", "supervisor"],
        ),
        (
            Method::POST,
            "/supervision/findings/999999/close".into(),
            Some(json!({"disposition": "已整改"})),
            &["admin", "supervisor"],
        ),
        (
            Method::POST,
            "/supervision/cards/999999/decision".into(),
            Some(json!({"revoke": false, "note": "维持"})),
            &["admin", "supervisor"],
        ),
        // The unit concerned answers: staff of a department, for their own department.
        (
            Method::POST,
            "/supervision/urgings/999999/explanation".into(),
            Some(json!({"explanation": "系统故障"})),
            &[
                "admin",
                "supervisor",
                "chief",
                "approver",
                "reviewer",
                "clerk",
            ],
        ),
        (
            Method::POST,
            "/supervision/cards/999999/appeal".into(),
            Some(json!({"grounds": "已按期办结"})),
            &[
                "admin",
                "supervisor",
                "chief",
                "approver",
                "reviewer",
                "clerk",
            ],
        ),
        (
            Method::PUT,
            "/supervision/settings".into(),
            Some(json!({"warn_percent": 20, "warn_min_days": 1, "red_flag_score": 95})),
            &["admin"],
        ),
        (
            Method::PUT,
            "/supervision/rules/fee_override".into(),
            Some(json!({"enabled": true})),
            &["admin"],
        ),
        (
            Method::PUT,
            "/supervision/card-rules/department_yellow".into(),
            Some(json!({"enabled": true, "threshold": 3, "from": "2027-01-01"})),
            &["admin"],
        ),
        (
            Method::PUT,
            "/supervision/scheme/overdue".into(),
            Some(json!({"points": 2})),
            &["admin"],
        ),
    ];
    for (who, token) in &principals {
        for (method, path, body, allowed) in &cases {
            let (status, resp) = app.api(token, method.clone(), path, body.clone()).await;
            if allowed.contains(&who.as_str()) {
                assert!(
                    status != 401 && status != 403,
                    "{who} {method} {path}: expected allowed, got {status} {resp}"
                );
            } else {
                assert_eq!(
                    status, 403,
                    "{who} {method} {path}: expected 403, got {status} {resp}"
                );
                assert_eq!(resp["code"], json!("forbidden"));
            }
        }
    }
    // Roles against the admin pages, through a browser session.
    let pages: &[(&str, &[&str])] = &[
        ("/admin", STAFF),
        ("/admin/regions", STAFF),
        ("/admin/centres", STAFF),
        (&*format!("/admin/centres/{c}"), STAFF),
        ("/admin/departments", STAFF),
        (&*format!("/admin/departments/{d}"), STAFF),
        ("/admin/windows", STAFF),
        (&*format!("/admin/windows/{w}"), STAFF),
        ("/admin/staff", &["admin", "supervisor", "chief"]),
        (
            &*format!("/admin/staff/{}", target.id),
            &["admin", "supervisor", "chief"],
        ),
        ("/admin/security", &["admin", "supervisor"]),
    ];
    let mut sessions = Vec::new();
    for (name, _, _) in roles {
        sessions.push((name.to_string(), app.login(name, PASSWORD).await.0));
    }
    sessions.push((
        "applicant".into(),
        app.login("11010519491231002X", PASSWORD).await.0,
    ));
    for (who, client) in &sessions {
        for (path, allowed) in pages {
            let status = client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let expected = if allowed.contains(&who.as_str()) {
                200
            } else {
                403
            };
            assert_eq!(status, expected, "{who} GET {path}");
        }
    }
    // Every denial was recorded.
    let denied = app
        .store
        .accounts()
        .list_security_events(None, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "denied")
        .count();
    assert!(denied > 50, "denials recorded: {denied}");
}

/// Every state-changing operation of the API document, called with read-scope tokens of the
/// two most powerful roles: each is refused with 403, and no table changes (the security log
/// records the refusals, and a token's last use is noted).
async fn read_tokens_write_nothing(app: &TestApp) {
    let org = app.seed_org().await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let supervisor = app.staff("supervisor", &["supervisor"], None, None).await;
    let chief = app
        .dept_staff(&org, org.dept, "chief", &["chief_representative"])
        .await;
    let tokens = [
        app.token(admin.account_id, TokenScope::Read).await,
        app.token(supervisor.account_id, TokenScope::Read).await,
        app.token(chief.account_id, TokenScope::Read).await,
    ];
    let doc: Value = app.json(&browser(), "/api/v1/openapi.json").await;
    let db = app.db.as_ref().expect("test database");
    let unchanged = ["security_events", "api_tokens"];
    let before = db.fingerprint(&unchanged).await;
    let mut writes = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let method = match method.as_str() {
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            // Public operations (registration, search) take no token at all.
            if operation.get("security").is_none() {
                continue;
            }
            writes.push(format!("{method} {path}"));
            let concrete = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let api_path = concrete.trim_start_matches("/api/v1");
            for token in &tokens {
                let (status, body) = app
                    .api(token, method.clone(), api_path, Some(json!({})))
                    .await;
                assert_eq!(status, 403, "{method} {path}: {body}");
                assert_eq!(body["code"], json!("forbidden"), "{method} {path}");
            }
        }
    }
    // The document lists every write, the supervision ones too.
    assert!(writes.len() >= 37, "write operations: {writes:?}");
    assert!(writes.contains(&"POST /api/v1/supervision/urgings".to_owned()));
    assert_eq!(
        db.fingerprint(&unchanged).await,
        before,
        "a read-scope token changed something"
    );
    let refused = app
        .store
        .accounts()
        .list_security_events(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "denied")
        .count();
    assert!(
        refused >= writes.len() * tokens.len(),
        "refusals logged: {refused}"
    );
}

async fn five_failures_lock_the_account(app: &TestApp) {
    let org = app.seed_org().await;
    app.dept_staff(&org, org.dept, "lockme", &["clerk"]).await;
    for attempt in 1..=4 {
        let (_, resp) = app.login("lockme", "wrong-password9").await;
        assert_eq!(resp.status().as_u16(), 401);
        let text = resp.text().await.unwrap();
        assert!(text.contains("账号或密码错误"), "attempt {attempt}");
    }
    let (_, resp) = app.login("lockme", "wrong-password9").await;
    assert!(resp.text().await.unwrap().contains("已锁定"));
    // The right password no longer works for 15 minutes.
    let (_, resp) = app.login("lockme", PASSWORD).await;
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.text().await.unwrap().contains("已锁定"));
    let events = app
        .store
        .accounts()
        .list_security_events(None, 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "lockout" && e.login.as_deref() == Some("lockme"))
    );
    assert!(events.iter().any(|e| e.kind == "login_blocked"));
    // An unknown login gets the same answer as a wrong password.
    let (_, resp) = app.login("nobody", "wrong-password9").await;
    assert!(resp.text().await.unwrap().contains("账号或密码错误"));
}

async fn forms_without_csrf_are_refused(app: &TestApp) {
    let org = app.seed_org().await;
    app.staff("admin", &["centre_admin"], None, None).await;
    let (client, resp) = app.login("admin", PASSWORD).await;
    assert_eq!(resp.status().as_u16(), 303);
    let form = [
        ("centre_id", org.centre.to_string()),
        ("name", "临沂市民政局".into()),
        ("short_name", "民政".into()),
        ("credit_code", "91350100M000100Y43".into()),
    ];
    // No token, then a wrong token: refused, nothing written.
    let resp = client
        .post(app.url("/admin/departments"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.unwrap().contains("页面已过期"));
    let mut wrong = form.to_vec();
    wrong.push(("_csrf", "0".repeat(48)));
    assert_eq!(
        client
            .post(app.url("/admin/departments"))
            .form(&wrong)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        app.store.org().list_departments(None).await.unwrap().len(),
        2
    );
    // The API through a browser session needs the header.
    let body = json!({"centre_id": org.centre, "name": "临沂市民政局", "short_name": "民政", "credit_code": "11371300004323789A"});
    let resp = client
        .post(app.url("/api/v1/departments"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert!(
        app.store
            .accounts()
            .list_security_events(None, 50)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "csrf_rejected")
    );
    // With the page's token the same form works (and the duplicate credit code is then a field error).
    let page = app.page(&client, "/admin/departments").await;
    let csrf = csrf_of(&page);
    let mut good = form.to_vec();
    good.push(("_csrf", csrf.clone()));
    let resp = client
        .post(app.url("/admin/departments"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("该统一社会信用代码已被其他部门使用")
    );
    let resp = client.post(app.url("/api/v1/departments")).header("x-csrf-token", csrf).json(&json!({"centre_id": org.centre, "name": "临沂市民政局", "short_name": "民政", "credit_code": "12371300MB2859876T"})).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 201);
}

async fn errors_health_and_docs(app: &TestApp) {
    let client = browser();
    let resp = client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.headers().contains_key("x-request-id"));
    assert!(resp.text().await.unwrap().contains("页面不存在"));
    let resp = client.get(app.url("/api/v1/no-such")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(app.page(&client, "/readyz").await, "ready");
    let doc: Value = app.json(&client, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/departments",
        "/api/v1/windows/{id}",
        "/api/v1/staff/{id}/powers",
        "/api/v1/tokens",
        "/api/v1/applicants/individual",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
    let key: Value = app.json(&client, "/api/v1/audit/public-key").await;
    assert_eq!(key["public_key"].as_str().map(str::len), Some(64));
    assert_eq!(key["algorithm"], json!("Ed25519"));
    // Registration over the API validates the resident id.
    let resp = client
        .post(app.url("/api/v1/applicants/individual"))
        .json(&json!({"name": "张三", "resident_id": "11010519491231002x", "mobile": "13900000000", "password": "zhangsan1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&body), vec!["resident_id"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("大写")
    );
    // The public pages render.
    for path in ["/", "/login", "/register", "/register?kind=company"] {
        assert_eq!(
            client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200,
            "{path}"
        );
    }
    // Anonymous visitors to admin pages are sent to log in.
    let resp = client.get(app.url("/admin/windows")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fadmin%2Fwindows");
}

#[tokio::test]
async fn api_admin_builds_the_organisation() {
    on_every_backend!(admin_builds_the_organisation_over_the_api);
}

#[tokio::test]
async fn api_revoked_tokens_stop_working() {
    on_every_backend!(revoked_tokens_stop_working);
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_endpoint() {
    on_every_backend!(authorisation_matrix);
}

#[tokio::test]
async fn read_scope_tokens_cannot_write_anywhere() {
    on_every_backend!(read_tokens_write_nothing);
}

#[tokio::test]
async fn lockout_after_five_failures() {
    on_every_backend!(five_failures_lock_the_account);
}

#[tokio::test]
async fn csrf_is_enforced() {
    on_every_backend!(forms_without_csrf_are_refused);
}

#[tokio::test]
async fn errors_health_and_openapi() {
    on_every_backend!(errors_health_and_docs);
}
