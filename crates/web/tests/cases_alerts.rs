//! Supervision end to end over the API and the pages: an overdue case raised by the sweeper and
//! who is told, urging notices answered and decided, findings, the dashboard's live counts, the
//! indicators and bulletin, thresholds, yellow and red cards with appeals, the assessment, and
//! the finding rules' switches.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use reqwest::Method;
use serde_json::json;

async fn alerts_and_notifications(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let reviewer = app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    let supervisor = app.staff("jiancha", &["supervisor"], None, None).await;
    let t_sup = app.token(supervisor.account_id, TokenScope::Read).await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Read).await;
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
    // The reviewer's step (acceptance ended the clerk's) and the case are overdue: one
    // message of both to the reviewer; the clerk, whose work is done, is not told.
    let (_, mine) = app.get(&t_rev, "/notifications").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert!(
        mine[0]["body"].as_str().unwrap().starts_with("2 件超期："),
        "{mine}"
    );
    let (_, clerks) = app.get(&t_clerk, "/notifications").await;
    assert_eq!(clerks.as_array().unwrap().len(), 0, "{clerks}");
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
    let page = page.text().await.unwrap();
    assert!(
        page.contains("超期 1 件，预警 0 件"),
        "one case, as the headline counts: {page}"
    );
    let (client, _) = app.login("clerk", PASSWORD).await;
    let page = client
        .get(app.url("/admin/supervision"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    let (client, _) = app.login("rev", PASSWORD).await;
    let inbox = app.page(&client, "/work").await;
    assert!(
        inbox.contains("时限提醒")
            && inbox.contains("2 件超期：")
            && inbox.contains("已超过期限 2026-"),
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
    // The same by hand on the dashboard: a wrong number is named, then the notice is issued.
    let dashboard = app.page(&client, "/admin/supervision").await;
    let urge = |case_no: String| {
        let (client, csrf) = (client.clone(), csrf_of(&dashboard));
        let url = app.url("/admin/supervision/urgings");
        async move {
            client
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("case_no", case_no.as_str()),
                    ("reason", "群众来电反映办理缓慢"),
                    ("reply_days", "2"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = urge("371300000000000000000".into()).await;
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.text().await.unwrap().contains("未找到该办件编号"));
    let case_no = app.get(&t_clerk, &format!("/cases/{id}")).await.1["row"]["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let issued = urge(case_no).await;
    assert_eq!(issued.status().as_u16(), 303);
    let location = issued.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/admin/supervision/urgings/"),
        "{location}"
    );
    let issued = app.page(&client, &location).await;
    assert!(
        issued.contains("催办通知书已发出") && issued.contains("群众来电反映办理缓慢"),
        "{issued}"
    );
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
    assert_eq!(
        rules.as_array().unwrap().len(),
        15,
        "with the rules of 好差评 and complaints"
    );
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
        // Urged by the red limit, through the API and on the dashboard.
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(ours["conclusion_rate"].as_f64(), Some(0.0));
    assert_eq!(ours["urging_rate"].as_f64(), Some(300.0));
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
            "\u{feff}名称,受理,得分,星级,等级,差评（次）,差评（扣分）,一般问题（次）,一般问题（扣分）",
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
