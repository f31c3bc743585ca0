//! A bundle applied for online with one merged form and one set of materials, and its online
//! joint pre-review, on every backend: mappings of fields of different types refused naming
//! both; the applicant fills the merged form (a field two items ask is asked once) and uploads
//! a material two items need once; every department concerned pre-reviews the draft at once
//! and the applicant sees the opinions together when the round is over; the draft, corrected,
//! is submitted as one joint case.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use onewindow_domain::ids::{AccountId, DepartmentId, ItemId};
use serde_json::{Value, json};

/// A published item like the food licence under another code and name, with this form and
/// these materials.
async fn item(
    app: &TestApp,
    by: AccountId,
    dept: DepartmentId,
    code: &str,
    name: &str,
    form: Value,
    materials: &[&str],
) -> ItemId {
    let mut doc = food_like_doc(dept, &format!("0102001371300{code}"), name, materials);
    doc["form"] = form;
    import_item(app, doc, by).await
}

async fn bundle_online(app: &TestApp) {
    let org = app.seed_org().await;
    let fire = app
        .department(&org, "临沂市消防救援支队", "消防", "11371300MB2853977")
        .await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    let reviewer = app
        .dept_staff(&org, org.dept, "rev", &["reviewer", "approver"])
        .await;
    let fire_reviewer = app
        .dept_staff(&org, fire, "firerev", &["reviewer", "approver"])
        .await;
    let fire_clerk = app.dept_staff(&org, fire, "fireclerk", &["clerk"]).await;
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let t_fire = app.token(fire_reviewer.account_id, TokenScope::Write).await;
    let t_fire_read = app.token(fire_reviewer.account_id, TokenScope::Read).await;
    let t_fire_clerk = app.token(fire_clerk.account_id, TokenScope::Write).await;
    let by = admin.account_id;
    let licence = item(
        app,
        by,
        org.dept,
        "001",
        "个体工商户设立登记",
        json!([
            required_field("trade_name", "个体工商户名称", "text"),
            required_field("premises", "经营场所", "address")
        ]),
        &["申请书", "身份证明"],
    )
    .await;
    let food = item(
        app,
        by,
        org.dept,
        "002",
        "食品经营许可",
        json!([
            required_field("operator_name", "经营者名称", "text"),
            required_field("premises", "经营场所", "address"),
            required_field("area", "经营场所面积（平方米）", "number")
        ]),
        &["身份证明", "健康证明"],
    )
    .await;
    let check = item(
        app,
        by,
        fire,
        "003",
        "公众聚集场所消防安全检查",
        json!([
            required_field("premises", "场所地址", "address"),
            required_field("area", "场所面积说明", "text")
        ]),
        &["消防安全检查申报表"],
    )
    .await;

    // `area` means a number to the food licence and a text to the fire check: not one field.
    let define = async |body: Value| app.post(&t_admin, "/bundles", body).await;
    let (status, body) =
        define(json!({"name": "开办餐饮店", "item_ids": [licence, food, check]})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["item_ids[2]"]);
    assert!(body.to_string().contains("类型不同"), "{body}");
    let (status, body) = define(
        json!({"name": "开办餐饮店", "item_ids": [licence, food, check],
        "field_map": [{"item_id": check, "field": "premises", "to": "trade_name"}]}),
    )
    .await;
    assert_eq!(status, 422, "mapped onto a field of another type: {body}");
    assert!(
        problem_fields(&body).contains(&"field_map[0].to".to_owned()),
        "{body}"
    );
    let (status, body) = define(
        json!({"name": "开办餐饮店", "item_ids": [licence, food, check],
        "field_map": [{"item_id": 99999, "field": "area", "to": "x"}]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["field_map[0].item_id"]);
    let (_, listed) = app.get(&t_admin, "/bundles").await;
    assert_eq!(listed, json!([]), "nothing half-written");
    let (status, bundle) = define(
        json!({"name": "开办餐饮店", "item_ids": [licence, food, check],
        "field_map": [{"item_id": food, "field": "operator_name", "to": "trade_name"},
                      {"item_id": check, "field": "area", "to": "hall_area"}]}),
    )
    .await;
    assert_eq!(status, 201, "{bundle}");
    let bundle_id = bundle["id"].as_i64().unwrap();

    // The applicant's one draft for the bundle: one form, one set of materials.
    let me = register(app, "马丽", "11010519491231002X").await;
    let t_me = app.token(me, TokenScope::Write).await;
    let (status, draft) = app
        .post(&t_me, "/hall/applications", json!({"bundle_id": bundle_id}))
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(draft["bundle_id"].as_i64(), Some(bundle_id));
    let (_, again) = app
        .post(&t_me, "/hall/applications", json!({"bundle_id": bundle_id}))
        .await;
    assert_eq!(again["id"].as_i64(), Some(id), "one draft per bundle");
    let (status, body) = app
        .post(
            &t_me,
            "/hall/applications",
            json!({"bundle_id": bundle_id, "item_id": food}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, form) = app
        .get(&t_me, &format!("/hall/applications/{id}/form"))
        .await;
    assert_eq!(status, 200, "{form}");
    let keys: Vec<&str> = form["form"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["trade_name", "premises", "area", "hall_area"],
        "seven fields asked as four"
    );
    let materials: Vec<&str> = form["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        materials,
        ["申请书", "身份证明", "健康证明", "消防安全检查申报表"]
    );
    assert_eq!(form["name"], "开办餐饮店");
    for m in &materials {
        let (status, body) = upload(app, &t_me, id, m, &format!("{m}.pdf"), PDF).await;
        assert_eq!(status, 201, "{body}");
    }
    let content = json!({"answers": {"trade_name": "好味小吃", "premises": "临沂市兰山区金雀山路 8 号",
            "area": "很大", "hall_area": "一层营业厅"},
        "delivery": {"method": "pickup"}});
    let (status, body) = app
        .api(
            &t_me,
            reqwest::Method::PUT,
            &format!("/hall/applications/{id}"),
            Some(json!({"content": content})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Online joint pre-review: both departments asked at once.
    let (status, round) = app
        .post(
            &t_me,
            &format!("/hall/applications/{id}/prereviews"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    let round_id = round["id"].as_i64().unwrap();
    assert_eq!(round["round"], 1);
    assert_eq!(round["opinions"].as_array().unwrap().len(), 2);
    assert!(
        round["due_on"].as_str().unwrap() > "2026-10-07",
        "three working days after 2026-09-29 fall after the National Day holiday: {round}"
    );
    let (status, body) = app
        .post(
            &t_me,
            &format!("/hall/applications/{id}/prereviews"),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "one round at a time: {body}");
    // Departments: their queue; a read token, a clerk, another department cannot answer.
    let (_, queue) = app.get(&t_fire, "/prereviews").await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["title"], "开办餐饮店");
    let answer = |verdict: &str, comment: &str| json!({"verdict": verdict, "comment": comment});
    let path = format!("/prereviews/{round_id}/opinions");
    let (status, _) = app.post(&t_fire_read, &path, answer("ok", "")).await;
    assert_eq!(status, 403, "read-only token");
    let (status, _) = app.post(&t_fire_clerk, &path, answer("ok", "")).await;
    assert_eq!(status, 403, "a clerk does not pre-review");
    let (status, body) = app.post(&t_fire, &path, answer("correct", "")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["comment"]);
    let (status, _) = app
        .post(
            &t_fire,
            &path,
            answer("correct", "场所面积说明请写明营业面积（平方米）和楼层"),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app.post(&t_fire, &path, answer("ok", "")).await;
    assert_eq!(status, 422, "answered once: {body}");
    // The applicant sees who answered, not what, until the round is over.
    let (_, rounds) = app
        .get(&t_me, &format!("/hall/applications/{id}/prereviews"))
        .await;
    let opinions = rounds[0]["opinions"].as_array().unwrap();
    assert!(opinions.iter().all(|o| o["verdict"].is_null()), "{rounds}");
    assert_eq!(
        opinions
            .iter()
            .filter(|o| o["answered_at"].is_i64())
            .count(),
        1
    );
    let other = register(app, "李四", "110105198001011238").await;
    let t_other = app.token(other, TokenScope::Write).await;
    let (status, _) = app
        .get(&t_other, &format!("/hall/applications/{id}/prereviews"))
        .await;
    assert_eq!(status, 404, "another's application");
    let (status, _) = app
        .post(&t_rev, &path, answer("correct", "经营场所面积应为数字"))
        .await;
    assert_eq!(status, 201);
    let (_, rounds) = app
        .get(&t_me, &format!("/hall/applications/{id}/prereviews"))
        .await;
    let said: Vec<&str> = rounds[0]["opinions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["comment"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(said.len(), 2);
    assert!(
        said.contains(&"经营场所面积应为数字"),
        "together once all answered: {rounds}"
    );
    // The page shows both opinions at once.
    let (client, _) = app.login("11010519491231002X", PASSWORD).await;
    let html = app.page(&client, &format!("/my/applications/{id}")).await;
    assert!(html.contains("第 1 轮预审：各部门意见已全部提出"), "{html}");
    assert!(html.contains("场所面积说明请写明营业面积"));

    // A second round may follow once the first is over.
    let (status, second) = app
        .post(
            &t_me,
            &format!("/hall/applications/{id}/prereviews"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["round"], 2);

    // Corrected and submitted: one joint case over the three items, a branch for each other
    // item, each shared material handed in once.
    let content = json!({"answers": {"trade_name": "好味小吃", "premises": "临沂市兰山区金雀山路 8 号",
            "area": "35", "hall_area": "一层营业厅 35 平方米"},
        "delivery": {"method": "pickup"}});
    let (status, _) = app
        .api(
            &t_me,
            reqwest::Method::PUT,
            &format!("/hall/applications/{id}"),
            Some(json!({"content": content})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, submitted) = app
        .post(&t_me, &format!("/hall/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, 200, "{submitted}");
    let case_id = submitted["case_id"].as_i64().unwrap();
    let (_, case) = app.get(&t_rev, &format!("/cases/{case_id}")).await;
    let joint = &case["state"]["item"];
    assert_eq!(joint["name"], "开办餐饮店");
    assert_eq!(joint["branches"].as_array().unwrap().len(), 2, "{case}");
    assert_eq!(case["state"]["channel"], "online");
    // Pre-review ends with the submission.
    let (status, body) = app
        .post(
            &t_me,
            &format!("/hall/applications/{id}/prereviews"),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, queue) = app.get(&t_fire, "/prereviews").await;
    assert_eq!(queue, json!([]), "nothing left to answer: {queue}");
}

#[tokio::test]
async fn a_bundle_applied_for_online_after_joint_pre_review() {
    on_every_backend!(bundle_online, "2026-09-29");
}
