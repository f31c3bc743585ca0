//! The case API end to end on every backend: window registration with validated ids, acceptance
//! with an Idempotency-Key, stale versions, refusals by rule, role and department, the whole
//! lifecycle through review, decision, conclusion and delivery, the public progress lookup, and
//! online applications by applicants.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use reqwest::Method;
use serde_json::{Value, json};

async fn command(
    app: &TestApp,
    token: &str,
    case: i64,
    key: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = browser()
        .post(app.url(&format!("/api/v1/cases/{case}/commands")))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn lifecycle(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let reviewer = app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    let approver = app.dept_staff(&org, org.dept, "appr", &["approver"]).await;
    let outsider = app
        .dept_staff(&org, org.other_dept, "other", &["clerk", "reviewer"])
        .await;
    let item = publish_item(app, org.dept, clerk.account_id).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let t_appr = app.token(approver.account_id, TokenScope::Write).await;
    let t_out = app.token(outsider.account_id, TokenScope::Write).await;
    let t_read = app.token(clerk.account_id, TokenScope::Read).await;

    // A wrong check digit is named on its field; nothing is opened.
    let mut application = json!({"item_id": item, "materials": ["申请书"],
        "applicant": {"kind": "individual", "name": "张伟", "id_number": "110105194912310021", "mobile": "13800000000"}});
    let (status, body) = app.post(&t_clerk, "/cases", application.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), vec!["applicant.id_number"]);
    application["applicant"]["id_number"] = json!("11010519491231002X");
    let (status, body) = app.post(&t_clerk, "/cases", application).await;
    assert_eq!(status, 201, "{body}");
    let id = body["case_id"].as_i64().unwrap();
    assert_eq!(body["version"], 1);

    // Read-only tokens and other departments cannot act.
    let (status, _) = app.command(&t_read, id, json!({"type": "accept"})).await;
    assert_eq!(status, 403);
    let (status, body) = app.command(&t_out, id, json!({"type": "accept"})).await;
    assert_eq!(status, 403, "{body}");

    // Acceptance with a key: a retry returns the first result, another body is refused.
    let accept = json!({"expected_version": 1, "command": {"type": "accept"}});
    let (status, first) = command(app, &t_clerk, id, Some("acc-1"), accept.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["events"][0]["due"], "2026-10-09");
    let (status, again) = command(app, &t_clerk, id, Some("acc-1"), accept).await;
    assert_eq!(status, 200);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["events"], first["events"]);
    let (status, body) = command(
        app,
        &t_clerk,
        id,
        Some("acc-1"),
        json!({"expected_version": 1, "command": {"type": "withdraw", "reason": "x"}}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );

    // A stale version: 409 with the current one.
    let (status, body) = command(
        app,
        &t_clerk,
        id,
        None,
        json!({"expected_version": 1, "command": {"type": "complete_step", "opinion": "齐全"}}),
    )
    .await;
    assert_eq!(
        (status, body["current_version"].as_u64()),
        (409, Some(3)),
        "acceptance and the end of the 受理 step: {body}"
    );
    // Illegal transitions and broken rules name the rule.
    let (status, body) = app.command(&t_appr, id, json!({"type": "conclude"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("illegal_transition")),
        "{body}"
    );
    let (status, body) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "collect_fee", "amount_fen": 2000}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("rule")),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("超过标准"));
    let (status, body) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "complete_step", "opinion": "x"}),
        )
        .await;
    assert_eq!(status, 403, "acceptance ended the clerk's step: {body}");

    // The lifecycle; each role's inbox holds the case when it is their turn.
    let steps: [(&str, Value); 2] = [
        (
            &t_rev,
            json!({"type": "complete_step", "opinion": "符合条件"}),
        ),
        (
            &t_appr,
            json!({"type": "decide", "decision": {"approved": true, "reasons": "符合条件", "legal_basis": ""}}),
        ),
    ];
    for (token, cmd) in steps {
        let (_, inbox) = app.get(token, "/inbox").await;
        assert_eq!(inbox["rows"][0]["id"], id, "{inbox}");
        let (status, body) = app.command(token, id, cmd).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = app.command(&t_appr, id, json!({"type": "conclude"})).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "deliver", "delivery": {"method": "express", "waybill": "SF1001"}}),
        )
        .await;
    assert_eq!((status, body["version"].as_u64()), (200, Some(7)), "{body}");

    // Staff read the case with its timeline; other departments may not.
    let (status, view) = app.get(&t_rev, &format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(view["events"].as_array().unwrap().len(), 7);
    assert_eq!(view["row"]["stage"], "delivered");
    let (status, _) = app.get(&t_out, &format!("/cases/{id}")).await;
    assert_eq!(status, 403);
    // The decision as a document to hand over: what was decided, and its place in the log.
    let (approver_page, _) = app.login("appr", PASSWORD).await;
    let document = app
        .page(&approver_page, &format!("/work/cases/{id}/decision"))
        .await;
    let number = view["row"]["case_no"].as_str().unwrap();
    for expected in [
        "准予决定书",
        "符合条件",
        number,
        "不可篡改的办件日志",
        "已寄出，快递单号 SF1001",
    ] {
        assert!(document.contains(expected), "{expected}: {document}");
    }
    let (status, found) = app.get(&t_clerk, "/cases?applicant=%E5%BC%A0").await;
    assert_eq!((status, found["rows"].as_array().unwrap().len()), (200, 1));
    let (_, found) = app.get(&t_out, "/cases").await;
    assert!(
        found["rows"].as_array().unwrap().is_empty(),
        "other departments see none"
    );

    // The public lookup: number and code, progress only.
    let case_no = view["row"]["case_no"].as_str().unwrap().to_owned();
    let code = view["state"]["query_code"].as_str().unwrap().to_lowercase();
    let resp = browser()
        .get(app.url(&format!(
            "/api/v1/progress?case_no={case_no}&query_code={code}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("已寄出，快递单号 SF1001"), "{text}");
    assert!(
        !text.contains("张伟") && !text.contains("1101051949"),
        "nothing personal: {text}"
    );
    let resp = browser()
        .get(app.url(&format!(
            "/api/v1/progress?case_no={case_no}&query_code=AAAAAA"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let page = app
        .page(
            &browser(),
            &format!("/progress?case_no={case_no}&query_code={code}"),
        )
        .await;
    assert!(
        page.contains("2026-10-09") && page.contains("已送达"),
        "{page}"
    );

    // An applicant applies online as themselves and sees only their own cases.
    app.store
        .accounts()
        .register_individual(
            &onewindow_store::accounts::IndividualRegistration {
                name: "李娜".into(),
                resident_id: "440524188001010014".into(),
                mobile: "13900000000".into(),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .unwrap();
    let (client, _) = app.login("440524188001010014", PASSWORD).await;
    let csrf = csrf_of(&app.page(&client, "/me").await);
    let resp = client
        .post(app.url("/api/v1/cases"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"item_id": item, "materials": ["申请书"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let online: Value = resp.json().await.unwrap();
    assert_eq!(online["events"][0]["channel"], "online");
    assert_eq!(online["events"][0]["applicant"]["name"], "李娜");
    let mine: Value = app.json(&client, "/api/v1/cases").await;
    assert_eq!(mine["rows"].as_array().unwrap().len(), 1);
    let other = client
        .get(app.url(&format!("/api/v1/cases/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "another applicant's case is not there");
    // The window clerk sees the online application waiting for acceptance.
    let (_, inbox) = app.get(&t_clerk, "/inbox?what=%E5%8F%97%E7%90%86").await;
    assert_eq!(inbox["rows"][0]["id"], online["case_id"], "{inbox}");
    assert!(
        app.store
            .cases()
            .verify_case_log()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn cases_lifecycle_through_the_api() {
    on_every_backend!(lifecycle, "2026-09-24");
}

async fn calendar_corrections(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let day =
        json!({"region_code": "371300", "day": "2026-10-12", "workday": false, "name": "台风停工"});
    let (status, _) = app
        .api(&t_clerk, Method::PUT, "/calendar/days", Some(day.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .api(
            &t_admin,
            Method::PUT,
            "/calendar/days",
            Some(json!({"day": "2026-02-30", "workday": true, "name": ""})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), vec!["day", "name"]);
    let (status, _) = app
        .api(&t_admin, Method::PUT, "/calendar/days", Some(day))
        .await;
    assert_eq!(status, 200);
    let (_, here) = app
        .get(
            &t_clerk,
            "/calendar/deadline?from=2026-09-30&working_days=5&region_code=371300000000",
        )
        .await;
    let (_, elsewhere) = app
        .get(
            &t_clerk,
            "/calendar/deadline?from=2026-09-30&working_days=5",
        )
        .await;
    assert_eq!(
        (here["deadline"].as_str(), elsewhere["deadline"].as_str()),
        (Some("2026-10-14"), Some("2026-10-13"))
    );
    // The administrator's page lists it.
    let (client, _) = app.login("admin", PASSWORD).await;
    let page = app.page(&client, "/admin/calendar").await;
    assert!(
        page.contains("台风停工") && page.contains("371300000000"),
        "{page}"
    );
    // A date picker, this month and the next as grids, and a way to withdraw a correction.
    assert!(page.contains(r#"type="date""#) && page.contains("2026 年 9 月（全部地区）"));
    assert!(
        page.contains("25 休") && page.contains("2026 年 10 月"),
        "Mid-Autumn shows"
    );
    let withdrawn = client
        .post(app.url("/admin/calendar/withdraw"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("region_code", "371300000000"),
            ("day", "2026-10-12"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status().as_u16(), 303);
    let page = app.page(&client, "/admin/calendar").await;
    assert!(!page.contains("2026-10-12"), "{page}");
    // The countdown on the lists runs on the case's regional calendar: a case accepted today is
    // due 9 October; closing 30 September in its region leaves four working days, not five.
    accepted_case(app, org.dept, clerk.account_id).await;
    let (clerk_client, _) = app.login("clerk", PASSWORD).await;
    let list = app.page(&clerk_client, "/work/search").await;
    assert!(list.contains("剩余 5 个工作日"), "{list}");
    let closed =
        json!({"region_code": "371300", "day": "2026-09-30", "workday": false, "name": "停电"});
    let (status, _) = app
        .api(&t_admin, Method::PUT, "/calendar/days", Some(closed))
        .await;
    assert_eq!(status, 200);
    let list = app.page(&clerk_client, "/work/search").await;
    assert!(list.contains("剩余 4 个工作日"), "{list}");
}

#[tokio::test]
async fn cases_calendar_corrections() {
    on_every_backend!(calendar_corrections, "2026-09-24");
}

/// A case approved on pledge waits on the reviewer's inbox until its verification is recorded
/// on the case page; an empty report is refused on its form.
async fn pledge_verification(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let reviewer = app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    let approver = app.dept_staff(&org, org.dept, "appr", &["approver"]).await;
    let (id, t_clerk) = accepted_case(app, org.dept, clerk.account_id).await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let t_appr = app.token(approver.account_id, TokenScope::Write).await;
    for (token, body) in [
        (
            &t_rev,
            json!({"type": "complete_step", "opinion": "申请人签署告知承诺书"}),
        ),
        (
            &t_appr,
            json!({"type": "approve_on_pledge", "pledge": "经营场所符合要求", "verify_by": "2026-10-30"}),
        ),
        (&t_appr, json!({"type": "conclude"})),
    ] {
        let (status, out) = command(app, token, id, None, json!({ "command": body })).await;
        assert_eq!(status, 200, "{out}");
    }
    // The clerk may not verify; the API names the rule.
    let (status, _) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "verify_pledge", "truthful": true, "notes": "属实"}),
        )
        .await;
    assert_eq!(status, 403);

    let (client, _) = app.login("rev", PASSWORD).await;
    let get = |path: String| {
        let client = client.clone();
        async move {
            let r = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.unwrap()
        }
    };
    let inbox = get("/work".into()).await;
    assert!(
        inbox.contains("告知承诺待核查")
            && inbox.contains(&format!("/work/cases/{id}"))
            && inbox.contains("请于 2026-10-30 前核查承诺事项"),
        "{inbox}"
    );
    let page = get(format!("/work/cases/{id}")).await;
    assert!(page.contains("告知承诺核查（期限 2026-10-30）"), "{page}");
    let post = |fields: Vec<(&'static str, &'static str)>, page: String| {
        let client = client.clone();
        async move {
            let csrf = csrf_of(&page);
            let mut form = vec![("_csrf", csrf.as_str()), ("action", "verify_pledge")];
            form.extend(fields);
            client
                .post(app.url(&format!("/work/cases/{id}/act")))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let refused = post(vec![("truthful", "0"), ("notes", " ")], page.clone()).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("须填写核查发现的不实情况及处理措施")
    );
    let done = post(
        vec![("truthful", "1"), ("notes", "现场核查，经营场所与承诺一致")],
        page,
    )
    .await;
    assert_eq!(done.status(), 303);
    let page = get(format!("/work/cases/{id}")).await;
    assert!(
        page.contains("告知承诺核查：承诺属实") && page.contains("现场核查，经营场所与承诺一致"),
        "{page}"
    );
    assert!(!page.contains("登记核查结果"), "verified once");
    assert!(!get("/work".into()).await.contains("告知承诺待核查"));
}

#[tokio::test]
async fn cases_pledge_verification_on_the_workbench() {
    on_every_backend!(pledge_verification, "2026-09-24");
}

/// What the fake SMS gateway received: (Idempotency-Key, body).
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// A stand-in for the centre's SMS gateway: records each post, and answers 503 while
/// `failures` is above zero.
async fn fake_gateway(failures: usize) -> (String, Received) {
    use axum::http::{HeaderMap, StatusCode};
    let received: Received = Default::default();
    let left = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(failures));
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post({
            let received = received.clone();
            move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                let received = received.clone();
                let left = left.clone();
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    received.lock().unwrap().push((key, body));
                    let failing = left
                        .fetch_update(
                            std::sync::atomic::Ordering::SeqCst,
                            std::sync::atomic::Ordering::SeqCst,
                            |n| n.checked_sub(1),
                        )
                        .is_ok();
                    if failing {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::OK
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/sms"), received)
}

async fn notifier(app: &TestApp) {
    use onewindow_web::notify::{DispatchReport, Notifier, WebhookNotifier, dispatch_once};
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    app.staff("jiancha", &["supervisor"], None, None).await;
    accepted_case(app, org.dept, clerk.account_id).await;
    app.store
        .supervision()
        .sweep(chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap())
        .await
        .unwrap();

    // The SMS gateway fails once; an e-mail gateway is configured but down.
    let (sms_url, received) = fake_gateway(1).await;
    let notifiers: Vec<std::sync::Arc<dyn Notifier>> = vec![
        std::sync::Arc::new(WebhookNotifier::new("sms", &sms_url).unwrap()),
        std::sync::Arc::new(WebhookNotifier::new("email", "http://127.0.0.1:9/mail").unwrap()),
    ];
    assert!(WebhookNotifier::new("sms", "https://sms.example.cn/send").is_err());
    let t0 = onewindow_store::now_ms();
    let first = dispatch_once(&app.store, &notifiers, t0).await.unwrap();
    let n = received.lock().unwrap().len() as u64;
    assert_eq!(
        n, 2,
        "the reviewer (whose step it is) and the supervisor, one message each for the case and the step overdue"
    );
    assert_eq!(
        first,
        DispatchReport {
            queued: 4,
            sent: 1,
            failed: 3
        }
    );
    {
        let got = received.lock().unwrap();
        let (key, body) = &got[1];
        assert!(
            key.starts_with("onewindow-") && key.ends_with("-sms"),
            "{key}"
        );
        assert_eq!(body["mobile"], "13800000000");
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .starts_with("【一窗通办】办件超期：")
        );
    }
    // Nothing is due again at once: failures back off.
    let again = dispatch_once(&app.store, &notifiers, t0).await.unwrap();
    assert_eq!(again, DispatchReport::default());
    // A minute later the failed SMS goes through, once; the e-mail keeps failing and is
    // abandoned after its fifth try. Nothing is sent twice.
    let mut sent = 0;
    for minutes in [1, 3, 7, 15, 31] {
        let r = dispatch_once(&app.store, &notifiers, t0 + minutes * 60_000)
            .await
            .unwrap();
        sent += r.sent;
    }
    assert_eq!(sent, 1);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    let mut keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 2, "the retry carries the same key");
    let counts = app.store.outbox().outbox_counts().await.unwrap();
    assert_eq!(
        (counts.sent, counts.abandoned, counts.pending, counts.failed),
        (2, 2, 0, 0)
    );
    // With no channel configured, new notifications (the month's cards) are only marked as
    // handed on: none waits for a gateway.
    let cards = app
        .store
        .supervision()
        .issue_cards(chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap())
        .await
        .unwrap();
    assert!(cards > 0);
    let quiet = dispatch_once(&app.store, &[], t0).await.unwrap();
    assert_eq!(quiet, DispatchReport::default());
    assert_eq!(app.store.outbox().outbox_counts().await.unwrap().waiting, 0);
}

#[tokio::test]
async fn cases_notifications_go_to_gateways() {
    on_every_backend!(notifier, "2026-09-24");
}

/// 补正 at the window: a case registered without its application form is told once what is
/// missing; the clerk records what the applicant brings back, and acceptance then passes.
async fn window_supplement(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let item = publish_item(app, org.dept, clerk.account_id).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let (_, opened) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": [],
                "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    let id = opened["case_id"].as_i64().unwrap();
    let (status, _) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 422, "the application form is missing");
    let (status, _) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "request_supplement", "missing": [{"material": "申请书", "reason": "未提交"}],
                   "reason": "", "supply_by": "2026-10-09"}),
        )
        .await;
    assert_eq!(status, 200);
    let (client, _) = app.login("clerk", PASSWORD).await;
    let page = app.page(&client, &format!("/work/cases/{id}")).await;
    assert!(page.contains(r#"name="received" value="申请书""#), "{page}");
    // The printed notice: what is missing and why, by when, and the number to follow it by,
    // which the public lookup knows while the case waits for the supplement.
    assert!(page.contains(&format!("/work/cases/{id}/notice")), "{page}");
    let notice = app.page(&client, &format!("/work/cases/{id}/notice")).await;
    let (_, view) = app.get(&t_clerk, &format!("/cases/{id}")).await;
    let case_no = view["state"]["case_no"]
        .as_str()
        .expect("numbered")
        .to_owned();
    let code = view["state"]["query_code"]
        .as_str()
        .expect("a query code")
        .to_owned();
    for expected in [
        "一次性告知书",
        "申请书",
        "未提交",
        "2026-10-09",
        &case_no,
        &code,
        "<svg",
    ] {
        assert!(notice.contains(expected), "{expected}: {notice}");
    }
    let progress = app
        .page(
            &browser(),
            &format!("/progress?case_no={case_no}&query_code={code}"),
        )
        .await;
    assert!(progress.contains(&case_no), "{progress}");
    let received = client
        .post(app.url(&format!("/work/cases/{id}/act")))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("action", "supplement_received"),
            ("received", "申请书"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(received.status(), 303);
    let page = app.page(&client, &format!("/work/cases/{id}")).await;
    assert!(
        page.contains("已收到补正材料：申请书") && !page.contains("办结日期"),
        "no deadline before acceptance: {page}"
    );
    let (status, body) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200, "{body}");
    let receipt = app
        .page(&client, &format!("/work/cases/{id}/receipt"))
        .await;
    assert!(
        receipt.contains(&case_no),
        "the notice's number stays: {receipt}"
    );
}

#[tokio::test]
async fn cases_supplement_at_the_window_then_acceptance() {
    on_every_backend!(window_supplement, "2026-09-24");
}
