//! The case API end to end on every backend: window registration with validated ids, acceptance
//! with an Idempotency-Key, stale versions, refusals by rule, role and department, the whole
//! lifecycle through review, decision, conclusion and delivery, the public progress lookup, and
//! online applications by applicants.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use onewindow_domain::catalog::ItemDoc;
use onewindow_domain::ids::{AccountId, DepartmentId, ItemId};
use reqwest::Method;
use serde_json::{Value, json};

/// A published promised item of `dept`: window acceptance, review, approval; 5 working days;
/// a fee of 10 yuan.
async fn publish_item(app: &TestApp, dept: DepartmentId, by: AccountId) -> ItemId {
    let doc: ItemDoc = serde_json::from_value(json!({
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
    }))
    .unwrap();
    app.store
        .catalog()
        .import_items(vec![doc], by)
        .await
        .unwrap();
    app.store
        .catalog()
        .list_items(&Default::default())
        .await
        .unwrap()[0]
        .id
}

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
        (409, Some(2)),
        "{body}"
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
        .command(&t_rev, id, json!({"type": "complete_step", "opinion": "x"}))
        .await;
    assert_eq!(status, 403, "not the reviewer's step yet: {body}");

    // The lifecycle; each role's inbox holds the case when it is their turn.
    let steps: [(&str, Value); 3] = [
        (
            &t_clerk,
            json!({"type": "complete_step", "opinion": "材料齐全"}),
        ),
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
}

#[tokio::test]
async fn cases_calendar_corrections() {
    on_every_backend!(calendar_corrections, "2026-09-24");
}

/// A case of the published item, opened at the window and accepted on 24 September by `clerk`
/// (an account of `dept`); returns it and the clerk's token.
async fn accepted_case(app: &TestApp, dept: DepartmentId, clerk: AccountId) -> (i64, String) {
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

async fn alerts_and_notifications(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let supervisor = app.staff("jiancha", &["supervisor"], None, None).await;
    let t_sup = app.token(supervisor.account_id, TokenScope::Read).await;
    let (id, t_clerk) = accepted_case(app, org.dept, clerk.account_id).await;
    // Left alone past its deadline (9 October): the sweeper raises it.
    let report = app
        .store
        .supervision()
        .sweep(chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap())
        .await
        .unwrap();
    assert_eq!(report.red, 2, "{report:?}");
    let (status, alerts) = app.get(&t_sup, "/supervision/alerts").await;
    assert_eq!(status, 200);
    assert_eq!(alerts.as_array().unwrap().len(), 2);
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["level"] == "red")
    );
    let (status, _) = app.get(&t_clerk, "/supervision/alerts").await;
    assert_eq!(status, 403);
    // The clerk's step and the case are overdue: one message of both.
    let (_, mine) = app.get(&t_clerk, "/notifications").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert!(
        mine[0]["body"].as_str().unwrap().starts_with("2 件超期："),
        "{mine}"
    );
    let (_, theirs) = app.get(&t_sup, "/notifications").await;
    assert_eq!(theirs[0]["title"], "办件超期");
    // The supervisors' page lists it; the clerk sees the reminder on the inbox instead.
    let (client, _) = app.login("jiancha", PASSWORD).await;
    let page = client
        .get(app.url("/admin/supervision"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("超期 2 条"));
    let (client, _) = app.login("clerk", PASSWORD).await;
    let page = client
        .get(app.url("/admin/supervision"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    let inbox = app.page(&client, "/work").await;
    assert!(
        inbox.contains("时限提醒") && inbox.contains("已超过期限 2026-10-09"),
        "{inbox}"
    );

    // The red case limit issued an urging notice; the clerk's unit explains, the supervisor
    // accepts; a clerk may not urge.
    assert_eq!(report.urged, 1);
    let t_sup_w = app.token(supervisor.account_id, TokenScope::Write).await;
    let (_, urgings) = app.get(&t_sup, "/supervision/urgings").await;
    let u = urgings[0]["id"].as_i64().unwrap();
    assert_eq!(urgings[0]["reply_by"], "2026-10-14");
    let (status, body) = app
        .post(
            &t_clerk,
            &format!("/supervision/urgings/{u}/decision"),
            json!({"accepted": true}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = app
        .post(
            &t_clerk,
            &format!("/supervision/urgings/{u}/explanation"),
            json!({"explanation": "节后现场核查排期延误，已于当日办结"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &t_sup_w,
            &format!("/supervision/urgings/{u}/decision"),
            json!({"accepted": false}),
        )
        .await;
    assert_eq!(
        (status, problem_fields(&body)),
        (422, vec!["note".to_owned()])
    );
    let (status, body) = app
        .post(
            &t_sup_w,
            &format!("/supervision/urgings/{u}/decision"),
            json!({"accepted": true}),
        )
        .await;
    assert_eq!((status, body["decision"].as_str()), (200, Some("accepted")));
    let (status, _) = app
        .post(
            &t_clerk,
            "/supervision/urgings",
            json!({"case_id": id, "reason": "x", "reply_days": 2}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, manual) = app
        .post(
            &t_sup_w,
            "/supervision/urgings",
            json!({"case_id": id, "reason": "群众来电反映", "reply_days": 1}),
        )
        .await;
    assert_eq!(status, 201, "{manual}");
    let (client, _) = app.login("jiancha", PASSWORD).await;
    let notice = app
        .page(&client, &format!("/admin/supervision/urgings/{u}"))
        .await;
    assert!(
        notice.contains("催办通知书") && notice.contains("采纳"),
        "{notice}"
    );

    // The manual notice through the pages: the clerk sees it on the inbox and explains there,
    // the supervisor decides there.
    let m = manual["id"].as_i64().unwrap();
    let (clerk_client, _) = app.login("clerk", PASSWORD).await;
    let inbox = app.page(&clerk_client, "/work").await;
    assert!(
        inbox.contains("催办通知") && inbox.contains(&format!("/admin/supervision/urgings/{m}"))
    );
    let page = app
        .page(&clerk_client, &format!("/admin/supervision/urgings/{m}"))
        .await;
    assert!(page.contains("提交超期说明") && !page.contains("审核超期说明"));
    let csrf = csrf_of(&page);
    let empty = clerk_client
        .post(app.url(&format!("/admin/supervision/urgings/{m}/explain")))
        .form(&[("_csrf", csrf.as_str()), ("explanation", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("请填写超期原因"));
    let filed = clerk_client
        .post(app.url(&format!("/admin/supervision/urgings/{m}/explain")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("explanation", "已电话联系申请人并当日办结"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status(), 303);
    let page = app
        .page(&client, &format!("/admin/supervision/urgings/{m}"))
        .await;
    assert!(page.contains("审核超期说明") && page.contains("已电话联系申请人"));
    let csrf = csrf_of(&page);
    let refused = client
        .post(app.url(&format!("/admin/supervision/urgings/{m}/decide")))
        .form(&[("_csrf", csrf.as_str()), ("accepted", "0"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let decided = client
        .post(app.url(&format!("/admin/supervision/urgings/{m}/decide")))
        .form(&[("_csrf", csrf.as_str()), ("accepted", "1"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 303);

    // The two missed deadlines are findings; a supervisor closes one with its disposition but
    // may not switch rules off (administrators do).
    let (_, findings) = app.get(&t_sup, "/supervision/findings?open=true").await;
    assert_eq!(findings.as_array().unwrap().len(), 2, "{findings}");
    let f = findings[0]["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &t_sup_w,
            &format!("/supervision/findings/{f}/close"),
            json!({"disposition": ""}),
        )
        .await;
    assert_eq!(
        (status, problem_fields(&body)),
        (422, vec!["disposition".to_owned()])
    );
    let (status, _) = app
        .post(
            &t_sup_w,
            &format!("/supervision/findings/{f}/close"),
            json!({"disposition": "已约谈并整改"}),
        )
        .await;
    assert_eq!(status, 204);
    // The dashboard's live counts arrive as server-sent events.
    let mut live = client
        .get(app.url("/admin/supervision/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let first = String::from_utf8(live.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(
        first.contains("event: counts") && first.contains("\"red\":1"),
        "{first}"
    );
    drop(live);
    let (clerk_again, _) = app.login("clerk", PASSWORD).await;
    let denied = clerk_again
        .get(app.url("/admin/supervision/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);

    // The other one through the supervision page.
    let other = findings[1]["id"].as_i64().unwrap().to_string();
    let page = app.page(&client, "/admin/supervision").await;
    let csrf = csrf_of(&page);
    let empty = client
        .post(app.url("/admin/supervision/findings/close"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("finding_id", other.as_str()),
            ("disposition", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("请填写处理结果"));
    let closed = client
        .post(app.url("/admin/supervision/findings/close"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("finding_id", other.as_str()),
            ("disposition", "环节超期已整改"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 303);
    let (_, open) = app.get(&t_sup, "/supervision/findings?open=true").await;
    assert!(open.as_array().unwrap().is_empty());
    let (_, rules) = app.get(&t_sup, "/supervision/rules").await;
    assert_eq!(rules.as_array().unwrap().len(), 12);
    let (status, _) = app
        .api(
            &t_sup_w,
            Method::PUT,
            "/supervision/rules/step_overdue",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 403);

    // Indicators from the rollups, and the monthly bulletin as a page and as CSV.
    let (status, figures) = app
        .get(
            &t_sup,
            "/supervision/indicators?from=2026-09-01&to=2026-10-31",
        )
        .await;
    assert_eq!(status, 200, "{figures}");
    let ours = figures
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["department_id"] == org.dept.get())
        .unwrap();
    assert_eq!(
        (
            ours["received"].as_i64(),
            ours["accepted"].as_i64(),
            ours["urged"].as_i64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(ours["conclusion_rate"].as_f64(), Some(0.0));
    assert_eq!(ours["urging_rate"].as_f64(), Some(200.0));
    let (status, body) = app
        .get(
            &t_sup,
            "/supervision/indicators?from=2026-10-31&to=2026-10-01",
        )
        .await;
    assert_eq!(
        (status, problem_fields(&body)),
        (422, vec!["to".to_owned()])
    );
    let page = app
        .page(&client, "/admin/supervision/bulletin?month=2026-09")
        .await;
    assert!(
        page.contains("2026-09 月通报") && page.contains("临沂市市场监督管理局"),
        "{page}"
    );
    let csv = app
        .page(
            &client,
            "/admin/supervision/bulletin?month=2026-09&format=csv",
        )
        .await;
    assert!(
        csv.starts_with("\u{feff}部门,收件,受理") && csv.contains("临沂市市场监督管理局,1,1"),
        "{csv}"
    );
    let bad = client
        .get(app.url("/admin/supervision/bulletin?month=2026-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Thresholds: nonsense is refused field by field; a centre administrator sets them.
    let admin = app
        .staff("zhuren", &["centre_admin"], Some(org.centre), None)
        .await;
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let (status, body) = app
        .api(
            &t_admin,
            Method::PUT,
            "/supervision/settings",
            Some(json!({"warn_percent": 120, "warn_min_days": -1, "red_flag_score": 95})),
        )
        .await;
    assert_eq!(
        (status, problem_fields(&body)),
        (
            422,
            vec!["warn_percent".to_owned(), "warn_min_days".to_owned()]
        )
    );
    let (status, body) = app
        .api(
            &t_admin,
            Method::PUT,
            "/supervision/settings",
            Some(json!({"warn_percent": 30, "warn_min_days": 2, "red_flag_score": 90})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["warn_min_days"], 2);
    let (status, _) = app
        .api(
            &t_sup_w,
            Method::PUT,
            "/supervision/settings",
            Some(json!({"warn_percent": 30, "warn_min_days": 2, "red_flag_score": 90})),
        )
        .await;
    assert_eq!(status, 403, "supervisors watch; administrators set");

    // Cards: the overdue case earns the department and the accepting clerk a yellow card; the
    // clerk appeals, the supervisor upholds.
    let issued = app
        .store
        .supervision()
        .issue_cards(chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap())
        .await
        .unwrap();
    assert_eq!(issued, 2);
    let (_, cards) = app.get(&t_sup, "/supervision/cards?period=2026-10").await;
    assert_eq!(cards.as_array().unwrap().len(), 2, "{cards}");
    let (_, mine) = app.get(&t_clerk, "/supervision/cards").await;
    let staff_card = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target"] == "staff")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let appeal = format!("/supervision/cards/{staff_card}/appeal");
    let (status, body) = app.post(&t_clerk, &appeal, json!({"grounds": " "})).await;
    assert_eq!(
        (status, problem_fields(&body)),
        (422, vec!["grounds".to_owned()])
    );
    let (status, body) = app
        .post(
            &t_clerk,
            &appeal,
            json!({"grounds": "申请人未按时补交材料"}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("appealed")));
    let decision = format!("/supervision/cards/{staff_card}/decision");
    let (status, _) = app
        .post(
            &t_clerk,
            &decision,
            json!({"revoke": true, "note": "自己撤销"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .post(
            &t_sup_w,
            &decision,
            json!({"revoke": false, "note": "超期属实，维持"}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("upheld")));
    let inbox = client_clerk_inbox(app).await;
    assert!(
        inbox.contains("黄牌红牌") && inbox.contains("申诉已驳回"),
        "{inbox}"
    );

    // Assessment and unit indicators; bad periods and units are named.
    let (status, scores) = app
        .get(&t_sup, "/supervision/assessment?unit=staff&period=2026-Q4")
        .await;
    assert_eq!(status, 200, "{scores}");
    let clerk_score = scores
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target_id"] == clerk.id.get())
        .unwrap();
    assert!(
        clerk_score["score"].as_i64().unwrap() < 100,
        "{clerk_score}"
    );
    let (status, body) = app
        .get(&t_sup, "/supervision/assessment?unit=hall&period=2026-Q5")
        .await;
    assert_eq!(
        (status, problem_fields(&body)),
        (422, vec!["unit".to_owned(), "period".to_owned()])
    );
    let (status, _) = app
        .get(
            &t_sup,
            "/supervision/unit-indicators?unit=staff&period=2026-09",
        )
        .await;
    assert_eq!(status, 200);

    // The pages: assessment, cards, settings (with a refused threshold), the drill-down.
    for (path, expect) in [
        (
            "/admin/supervision/assessment?unit=staff&period=2026-Q4",
            "得分与星级",
        ),
        (
            "/admin/supervision/assessment?unit=staff&period=2026-Q4&format=csv",
            "\u{feff}名称,受理,得分,星级,等级,一般问题（次）,一般问题（扣分）",
        ),
        ("/admin/supervision/cards", "黄牌"),
        ("/admin/supervision/settings", "百分制扣分标准"),
        (
            &format!("/admin/supervision/departments/{}?month=2026-10", org.dept) as &str,
            &format!("/work/cases/{id}") as &str,
        ),
    ] {
        let page = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let text = page.text().await.unwrap();
        assert!(text.contains(expect), "{path}: {text}");
    }
    let (admin_client, _) = app.login("zhuren", PASSWORD).await;
    let page = app.page(&admin_client, "/admin/supervision/settings").await;
    let refused = admin_client
        .post(app.url("/admin/supervision/settings"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("warn_percent", "0"),
            ("warn_min_days", "0"),
            ("red_flag_score", "95"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("黄色预警须早于红色超期")
    );
    // The finding rules are listed with their switches; one is switched off.
    assert!(
        page.contains("result_without_case")
            && page.contains("/admin/supervision/finding-rules/fee_override")
    );
    let switched = admin_client
        .post(app.url("/admin/supervision/finding-rules/fee_override"))
        .form(&[("_csrf", csrf_of(&page).as_str()), ("enabled", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    let rules = app.store.supervision().finding_rules().await.unwrap();
    let fee = rules.iter().find(|r| r.code == "fee_override").unwrap();
    assert!(!fee.enabled.get());
}

async fn client_clerk_inbox(app: &TestApp) -> String {
    let (client, _) = app.login("clerk", PASSWORD).await;
    app.page(&client, "/work").await
}

#[tokio::test]
async fn cases_alerts_and_notifications() {
    on_every_backend!(alerts_and_notifications, "2026-09-24");
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
            &t_clerk,
            json!({"type": "complete_step", "opinion": "材料齐全"}),
        ),
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
        "clerk and supervisor, one message each for the case and the step overdue"
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
