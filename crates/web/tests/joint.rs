//! 并联审批 end to end on every backend: a four-department joint case accepted once by the lead,
//! in every co-department's inbox at once, one co-department's supplement sent in the lead's one
//! notice, the decision refused until the last branch signs, the case page's branch forms and
//! the printed joint signing form.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

fn branches(body: &Value) -> Vec<Value> {
    body["state"]["branches"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn joint_case(app: &TestApp) {
    let org = app.seed_org().await;
    let fire = app
        .department(&org, "临沂市消防救援支队", "消防", "11371300MB2853977")
        .await;
    let land = app
        .department(
            &org,
            "临沂市自然资源和规划局",
            "自然资源",
            "11371300004323755",
        )
        .await;
    let bystander = app
        .department(&org, "临沂市教育局", "教育", "11371300004323819")
        .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let reviewer = app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    let approver = app.dept_staff(&org, org.dept, "appr", &["approver"]).await;
    let mut co = Vec::new();
    for (i, d) in [org.other_dept, fire, land].into_iter().enumerate() {
        let r = app
            .dept_staff(&org, d, &format!("co{i}r"), &["reviewer"])
            .await;
        let a = app
            .dept_staff(&org, d, &format!("co{i}a"), &["approver"])
            .await;
        co.push((
            app.token(r.account_id, TokenScope::Write).await,
            app.token(a.account_id, TokenScope::Write).await,
        ));
    }
    let outsider = app.dept_staff(&org, bystander, "edu", &["reviewer"]).await;
    let t_outsider = app.token(outsider.account_id, TokenScope::Write).await;
    let mut doc = food_licence_doc(org.dept);
    doc["joint_department_ids"] = json!([org.other_dept, fire, land]);
    doc["joint_limit_days"] = json!(3);
    let item = import_item(app, doc, clerk.account_id).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let t_appr = app.token(approver.account_id, TokenScope::Write).await;

    let (status, opened) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": ["申请书"],
            "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["case_id"].as_i64().unwrap();
    // Before acceptance no co-department sees it.
    let (status, _) = app.get(&co[1].0, &format!("/cases/{id}")).await;
    assert_eq!(status, 403);
    let (status, body) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200, "{body}");

    // 即时分送: every co-department has it in its inbox at once, and may read it.
    for (t_review, _) in &co {
        let (status, inbox) = app.get(t_review, "/inbox").await;
        assert_eq!(status, 200, "{inbox}");
        assert!(
            inbox["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "{inbox}"
        );
    }
    let (status, body) = app.get(&co[1].0, &format!("/cases/{id}")).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<String> = body["state"]["item"]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["department_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "临沂市公安局",
            "临沂市消防救援支队",
            "临沂市自然资源和规划局"
        ]
    );
    assert!(branches(&body).iter().all(|b| b["status"] == "open"));
    // A department with no branch neither sees nor acts.
    let (status, _) = app.get(&t_outsider, &format!("/cases/{id}")).await;
    assert_eq!(status, 403);
    let complete = |branch: usize| json!({"type": "complete_branch_step", "branch": branch, "opinion": "同意"});
    let (status, _) = app.command(&t_outsider, id, complete(1)).await;
    assert_eq!(status, 403);
    // Not another co-department's branch, and not with a read-only token.
    let (status, _) = app.command(&co[0].0, id, complete(1)).await;
    assert_eq!(status, 403);
    let read_only = app.token(outsider.account_id, TokenScope::Read).await;
    let (status, _) = app.command(&read_only, id, complete(1)).await;
    assert_eq!(status, 403);
    let (status, body) = app
        .command(
            &co[1].0,
            id,
            json!({"type": "complete_branch_step", "branch": 99, "opinion": "x"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The fire brigade asks for a supplement; the lead sends it with its own in one notice.
    let (status, body) = app
        .command(
            &co[1].0,
            id,
            json!({"type": "ask_branch_supplement", "branch": 1,
            "missing": [{"material": "消防设计文件", "reason": "缺少消防设施平面图"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "request_supplement", "missing": [], "reason": ""}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.get(&t_clerk, &format!("/cases/{id}")).await;
    let asked = body["state"]["asked"].as_array().unwrap();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0]["reason"]
            .as_str()
            .unwrap()
            .contains("临沂市消防救援支队")
    );
    // While the applicant supplements nobody's branch moves.
    let (status, _) = app.command(&co[0].0, id, complete(0)).await;
    assert_eq!(status, 422);
    let (status, body) = app
        .command(
            &t_clerk,
            id,
            json!({"type": "supplement_received", "materials": []}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The lead reviews in parallel; co-departments sign one by one.
    let (status, body) = app
        .command(
            &t_rev,
            id,
            json!({"type": "complete_step", "opinion": "符合条件"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let decide =
        json!({"type": "decide", "decision": {"approved": true, "reasons": "", "legal_basis": ""}});
    for (i, (t_review, t_sign)) in co.iter().enumerate() {
        let (status, body) = app.command(&t_appr, id, decide.clone()).await;
        assert_eq!(status, 409, "decided with {i} branches signed: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains("未会签"),
            "{body}"
        );
        for t in [t_review, t_sign] {
            let (status, body) = app.command(t, id, complete(i)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    let (_, body) = app.get(&t_clerk, &format!("/cases/{id}")).await;
    assert!(
        branches(&body).iter().all(|b| b["status"] == "signed"),
        "{body}"
    );
    let (status, body) = app.command(&t_appr, id, decide).await;
    assert_eq!(status, 200, "{body}");
    // The co-departments' work is done: only the lead's line is left.
    let (_, inbox) = app.get(&co[2].0, "/inbox").await;
    assert!(
        !inbox["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );

    // The joint signing form prints every department's opinion with its signer.
    let (client, _) = app.login("clerk", PASSWORD).await;
    let form = app
        .page(&client, &format!("/work/cases/{id}/joint-form"))
        .await;
    assert!(form.contains("并联审批会签表"), "{form}");
    for name in [
        "临沂市公安局",
        "临沂市消防救援支队",
        "临沂市自然资源和规划局",
        "会签",
        "各会办部门均已会签",
    ] {
        assert!(form.contains(name), "{name} missing");
    }
    let page = app.page(&client, &format!("/work/cases/{id}")).await;
    assert!(
        page.contains("并联审批") && page.contains("已会签"),
        "{page}"
    );
}

#[tokio::test]
async fn a_joint_case_waits_for_every_department() {
    on_every_backend!(joint_case, "2026-09-28");
}

/// The co-department's staff work their branch from the case page.
async fn branch_forms(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    app.dept_staff(&org, org.other_dept, "polrev", &["reviewer"])
        .await;
    let mut doc = food_licence_doc(org.dept);
    doc["joint_department_ids"] = json!([org.other_dept]);
    let item = import_item(app, doc, clerk.account_id).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let (_, opened) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": ["申请书"],
            "applicant": {"kind": "individual", "name": "张伟", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    let id = opened["case_id"].as_i64().unwrap();
    app.command(&t_clerk, id, json!({"type": "accept"})).await;

    let (client, _) = app.login("polrev", PASSWORD).await;
    let page = app.page(&client, &format!("/work/cases/{id}")).await;
    assert!(
        page.contains("name=\"action\" value=\"complete_branch_step\""),
        "{page}"
    );
    assert!(!page.contains("name=\"action\" value=\"complete_step\""));
    // An empty opinion is refused in Chinese; the page keeps the case.
    let post = |opinion: &'static str| {
        let csrf = csrf_of(&page);
        let client = client.clone();
        let url = app.url(&format!("/work/cases/{id}/act"));
        async move {
            client
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("action", "complete_branch_step"),
                    ("branch", "0"),
                    ("opinion", opinion),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let resp = post("").await;
    assert_eq!(resp.status().as_u16(), 422);
    assert!(resp.text().await.unwrap().contains("须填写会办意见"));
    let resp = post("消防设施符合要求").await;
    assert_eq!(resp.status().as_u16(), 303);
    let (_, body) = app.get(&t_clerk, &format!("/cases/{id}")).await;
    assert_eq!(branches(&body)[0]["step"], 1);
}

#[tokio::test]
async fn co_departments_work_their_branch_on_the_case_page() {
    on_every_backend!(branch_forms, "2026-09-28");
}
