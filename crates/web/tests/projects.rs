//! Investment projects end to end on every backend: the centre's path of stages, a project
//! registered by its national code (every bad part named), its stages started in order — each
//! one joint case over the stage's bundle for the investor — and the monthly bulletin with the
//! zero reports.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

fn project(code: &str) -> Value {
    json!({"code": code, "name": "临沂国际商贸城二期", "investor": "临沂市沂蒙建设集团有限公司",
        "investor_code": "91371302MA3C7Q5K8E", "location": "兰山区北城新区", "investment": "51480.5",
        "industry": "房地产业"})
}

async fn projects(app: &TestApp) {
    let org = app.seed_org().await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    let daiban = app
        .staff("daiban", &["clerk"], Some(org.centre), None)
        .await;
    let rev = app
        .dept_staff(&org, org.dept, "rev", &["reviewer", "approver"])
        .await;
    let police = app
        .dept_staff(&org, org.other_dept, "police", &["reviewer", "approver"])
        .await;
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let t_daiban = app.token(daiban.account_id, TokenScope::Write).await;
    let t_rev = app.token(rev.account_id, TokenScope::Write).await;
    let t_police = app.token(police.account_id, TokenScope::Write).await;
    let mut items = Vec::new();
    for (i, dept) in [org.dept, org.other_dept, org.dept, org.other_dept]
        .into_iter()
        .enumerate()
    {
        let mut doc = food_licence_doc(dept);
        doc["implementation_code"] = json!(format!("010200137130000{i}"));
        doc["name"] = json!(format!("审批事项{i}"));
        items.push(import_item(app, doc, admin.account_id).await);
    }
    let mut bundles = Vec::new();
    for (name, pair) in [("立项用地规划许可", &items[..2]), ("施工许可", &items[2..])] {
        let (status, b) = app
            .post(
                &t_admin,
                "/bundles",
                json!({"name": name, "item_ids": pair}),
            )
            .await;
        assert_eq!(status, 201, "{b}");
        bundles.push(b["id"].as_i64().unwrap());
    }
    let (status, body) = app
        .api(
            &t_admin,
            reqwest::Method::PUT,
            "/project-stages",
            Some(json!([
            {"name": "立项用地规划许可", "bundle_id": bundles[0]},
            {"name": "施工许可", "bundle_id": bundles[1]}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Every bad part of a registration is named; nothing is written.
    let mut bad = project("2017-530102-47-05-012345");
    bad["investor_code"] = json!("91371302MA3C7Q5K8X");
    bad["investment"] = json!("-3");
    let (status, body) = app.post(&t_daiban, "/projects", bad).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        problem_fields(&body),
        ["code", "investor_code", "investment"]
    );
    let (status, body) = app
        .post(&t_daiban, "/projects", project("2017-530102-47-03-012345"))
        .await;
    assert_eq!(status, 422, "a region the centre does not know: {body}");
    assert!(body.to_string().contains("530102"), "{body}");
    // A department's staff do not register projects.
    let (status, _) = app
        .post(&t_rev, "/projects", project("2017-371300-47-03-012345"))
        .await;
    assert_eq!(status, 403);

    let (status, p) = app
        .post(&t_daiban, "/projects", project("2017-371300-47-03-012345"))
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["investment"], "51480.50");
    assert_eq!(p["kind"], "备案");
    let id = p["id"].as_i64().unwrap();
    let (status, _) = app
        .post(&t_daiban, "/projects", project("2017-371300-47-03-012345"))
        .await;
    assert_eq!(status, 422, "the code is registered once");

    // 代办: the comprehensive window's staff member acts for the investor under its letter.
    let agent = |until: &str| json!({"staff_id": daiban.id, "authorisation": "委托书 YM-2026-001：全部审批阶段", "valid_until": until});
    let put = |path: String, body: Value| {
        let t = t_daiban.clone();
        async move { app.api(&t, reqwest::Method::PUT, &path, Some(body)).await }
    };
    let (status, body) = put(format!("/projects/{id}/agent"), agent("2026-09-01")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["valid_until"]);
    let (status, body) = put(format!("/projects/{id}/agent"), agent("2027-09-30")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agent"]["name"], "测试daiban");
    // 会商: the departments present must have been invited; the minutes are kept.
    let meeting = |attended: Value| {
        json!({"held_on": "2026-09-28", "topic": "用地规划方案会商",
        "invited": [org.dept, org.other_dept], "attended": attended,
        "minutes": "各部门对用地规划方案提出意见", "decisions": "按修改后的方案办理"})
    };
    let (status, body) = app
        .post(
            &t_daiban,
            &format!("/projects/{id}/meetings"),
            meeting(json!([99])),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .post(
            &t_daiban,
            &format!("/projects/{id}/meetings"),
            meeting(json!([org.dept])),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["meetings"][0]["attended"],
        json!(["临沂市市场监督管理局"])
    );

    // Stages in order: the second waits for the first to be concluded.
    let start = |stage: i64| format!("/projects/{id}/stages/{stage}/start");
    let (status, body) = app
        .post(&t_daiban, &start(2), json!({"materials": ["申请书"]}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains("须先办结上一阶段“立项用地规划许可”"),
        "{body}"
    );
    let (status, started) = app
        .post(&t_daiban, &start(1), json!({"materials": ["申请书"]}))
        .await;
    assert_eq!(status, 201, "{started}");
    let case = started["case_id"].as_i64().unwrap();
    let (status, _) = app
        .post(&t_daiban, &start(1), json!({"materials": ["申请书"]}))
        .await;
    assert_eq!(status, 422, "started once");
    let (_, view) = app.get(&t_daiban, &format!("/cases/{case}")).await;
    assert_eq!(
        view["state"]["applicant"]["id_number"],
        "91371302MA3C7Q5K8E"
    );
    assert_eq!(
        view["state"]["item"]["branches"].as_array().unwrap().len(),
        1
    );

    // The stage's joint case, from acceptance to conclusion.
    let complete_branch = json!({"type": "complete_branch_step", "branch": 0, "opinion": "同意"});
    for (token, command) in [
        (&t_daiban, json!({"type": "accept"})),
        (&t_rev, json!({"type": "complete_step", "opinion": "符合"})),
        (&t_police, complete_branch.clone()),
        (&t_police, complete_branch.clone()),
        (
            &t_rev,
            json!({"type": "decide", "decision": {"approved": true, "reasons": "", "legal_basis": ""}}),
        ),
        (&t_rev, json!({"type": "conclude"})),
    ] {
        let (status, body) = app.command(token, case, command).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, p) = app.get(&t_daiban, &format!("/projects/{id}")).await;
    assert_eq!(p["stages"][0]["status"], "concluded", "{p}");
    assert_eq!(p["stages"][0]["on_time"], true);
    let (status, body) = app
        .post(&t_daiban, &start(2), json!({"materials": ["申请书"]}))
        .await;
    assert_eq!(status, 201, "{body}");

    // 月通报: one project, its stage's two items, on time; a department with nothing reports zero.
    let (status, b) = app.get(&t_rev, "/projects/bulletin?month=2026-09").await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["projects"], 1);
    assert_eq!(b["items"], 2);
    assert_eq!(b["investment"], "51480.50");
    assert_eq!(b["on_time_percent"], 100.0);
    assert_eq!(b["lines"][0]["concluded"], json!(["立项用地规划许可"]));
    let (_, empty) = app.get(&t_rev, "/projects/bulletin?month=2026-08").await;
    assert_eq!(empty["projects"], 0);
    assert_eq!(
        empty["zero_reports"].as_array().unwrap().len(),
        2,
        "{empty}"
    );
    let (status, _) = app.get(&t_rev, "/projects/bulletin?month=2026-13").await;
    assert_eq!(status, 422);

    // The agent is named on the stage's case as acting for the investor.
    let (client, _) = app.login("daiban", PASSWORD).await;
    let timeline = app.page(&client, &format!("/work/cases/{case}")).await;
    assert!(
        timeline.contains("代办员，受临沂市沂蒙建设集团有限公司委托"),
        "{timeline}"
    );

    // The pages.
    let page = app.page(&client, &format!("/work/projects/{id}")).await;
    assert!(
        page.contains("立项用地规划许可") && page.contains("已办结"),
        "{page}"
    );
    let bulletin = app
        .page(&client, "/work/projects/bulletin?month=2026-09")
        .await;
    assert!(
        bulletin.contains("100.0%") && bulletin.contains("临沂国际商贸城二期"),
        "{bulletin}"
    );
}

#[tokio::test]
async fn projects_go_through_their_stages_in_order() {
    on_every_backend!(projects, "2026-09-28");
}
