//! 一件事一次办 end to end on every backend: an administrator defines bundles from published
//! items (bad definitions refused by field), the window files a bundle as one joint case with
//! one set of materials and a branch per item, prerequisites outside the bundle must be
//! concluded first, and the public pages and the window's acceptance page show the bundle.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use onewindow_domain::ids::{AccountId, DepartmentId, ItemId};
use serde_json::{Value, json};

/// A published item like the food licence, under another code and name, with these materials
/// and prerequisites (implementation codes).
async fn item(
    app: &TestApp,
    by: AccountId,
    dept: DepartmentId,
    code: &str,
    name: &str,
    materials: &[&str],
    prerequisites: &[String],
) -> (ItemId, String) {
    let implementation = format!("0102001371300{code}");
    let mut doc = food_like_doc(dept, &implementation, name, materials);
    doc["prerequisites"] = json!(prerequisites);
    (import_item(app, doc, by).await, implementation)
}

fn application(bundle: i64, materials: &[&str]) -> Value {
    json!({"bundle_id": bundle, "materials": materials,
        "applicant": {"kind": "individual", "name": "马丽", "id_number": "11010519491231002X", "mobile": "13800000000"}})
}

async fn bundles(app: &TestApp) {
    let org = app.seed_org().await;
    let fire = app
        .department(&org, "临沂市消防救援支队", "消防", "11371300MB2853977")
        .await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    app.dept_staff(&org, fire, "firerev", &["reviewer", "approver"])
        .await;
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let by = admin.account_id;
    let mut made = Vec::new();
    for (dept, code, name, materials) in [
        (
            org.dept,
            "001",
            "个体工商户设立登记",
            &["申请书", "身份证明"][..],
        ),
        (
            org.dept,
            "002",
            "食品经营许可",
            &["身份证明", "健康证明"][..],
        ),
        (
            fire,
            "003",
            "公众聚集场所消防安全检查",
            &["消防安全检查申报表"][..],
        ),
    ] {
        made.push(item(app, by, dept, code, name, materials, &[]).await.0);
    }
    let [licence, food, check] = made[..] else {
        unreachable!()
    };

    let define = async |token: &str, body: Value| app.post(token, "/bundles", body).await;
    // Bad definitions are refused by field, and nothing is written.
    let (status, body) = define(
        &t_admin,
        json!({"name": "开办餐饮店", "item_ids": [licence]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["item_ids"]);
    let (status, body) = define(
        &t_admin,
        json!({"name": "开办餐饮店", "item_ids": [licence, 99999]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["item_ids[1]"]);
    let (status, body) = define(
        &t_clerk,
        json!({"name": "开办餐饮店", "item_ids": [licence, food]}),
    )
    .await;
    assert_eq!(status, 403, "only centre administrators: {body}");
    let (_, listed) = app.get(&t_clerk, "/bundles").await;
    assert_eq!(listed, json!([]));

    let (status, bundle) = define(
        &t_admin,
        json!({"name": "开办餐饮店", "description": "一次申请",
            "item_ids": [licence, food, check]}),
    )
    .await;
    assert_eq!(status, 201, "{bundle}");
    let bundle_id = bundle["id"].as_i64().unwrap();
    assert_eq!(bundle["items"][2]["department"], "临沂市消防救援支队");
    let (status, body) = define(
        &t_admin,
        json!({"name": "开办餐饮店", "item_ids": [licence, food]}),
    )
    .await;
    assert_eq!(status, 422, "same name: {body}");

    // The window files the bundle once: one joint case, one set of materials.
    let (status, opened) = app
        .post(
            &t_clerk,
            "/cases",
            application(
                bundle_id,
                &["申请书", "身份证明", "健康证明", "消防安全检查申报表"],
            ),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["case_id"].as_i64().unwrap();
    let (_, case) = app.get(&t_clerk, &format!("/cases/{id}")).await;
    let joint = &case["state"]["item"];
    assert_eq!(joint["name"], "开办餐饮店");
    let materials: Vec<&str> = joint["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        materials,
        ["申请书", "身份证明", "健康证明", "消防安全检查申报表"]
    );
    let branches = joint["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 2);
    assert_eq!(branches[1]["item"]["name"], "公众聚集场所消防安全检查");
    assert_eq!(branches[1]["department_id"], json!(fire));
    // Accepted once; the fire brigade has its branch in its inbox at once.
    let (status, body) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200, "{body}");
    let fire_staff = app.store.org().list_staff(None, Some(fire)).await.unwrap();
    let t_fire = app.token(fire_staff[0].account_id, TokenScope::Write).await;
    let (_, inbox) = app.get(&t_fire, "/inbox").await;
    assert!(
        inbox["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{inbox}"
    );

    // Prerequisites: an item needing one outside the bundle waits until it is concluded for
    // the same applicant; inside the bundle it runs in parallel.
    let (permit, permit_code) = item(app, by, org.dept, "004", "前置许可", &["申请书"], &[]).await;
    let (needs, _) = item(
        app,
        by,
        org.dept,
        "005",
        "后续许可",
        &["申请书"],
        &[permit_code],
    )
    .await;
    let (_, parallel) = define(
        &t_admin,
        json!({"name": "许可一件事", "item_ids": [permit, needs]}),
    )
    .await;
    let (status, body) = app
        .post(
            &t_clerk,
            "/cases",
            application(parallel["id"].as_i64().unwrap(), &["申请书"]),
        )
        .await;
    assert_eq!(status, 201, "in the bundle, in parallel: {body}");
    let (_, after) = define(
        &t_admin,
        json!({"name": "后续一件事", "item_ids": [needs, food]}),
    )
    .await;
    let after = after["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &t_clerk,
            "/cases",
            application(after, &["申请书", "身份证明", "健康证明"]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("须先办结前置事项“前置许可”"),
        "{body}"
    );
    // The applicant's permit concluded, the bundle may start.
    let reviewer = app
        .dept_staff(&org, org.dept, "rev", &["reviewer", "approver"])
        .await;
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let (_, first) = app
        .post(&t_clerk, "/cases", json!({"item_id": permit, "materials": ["申请书"],
            "applicant": {"kind": "individual", "name": "马丽", "id_number": "11010519491231002X", "mobile": "13800000000"}}))
        .await;
    let first = first["case_id"].as_i64().unwrap();
    for (token, command) in [
        (&t_clerk, json!({"type": "accept"})),
        (&t_rev, json!({"type": "complete_step", "opinion": "符合"})),
        (
            &t_rev,
            json!({"type": "decide", "decision": {"approved": true, "reasons": "", "legal_basis": ""}}),
        ),
        (&t_rev, json!({"type": "conclude"})),
    ] {
        let (status, body) = app.command(token, first, command).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = app
        .post(
            &t_clerk,
            "/cases",
            application(after, &["申请书", "身份证明", "健康证明"]),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // A bundle taken off is no longer offered or accepted.
    let (status, _) = app
        .api(
            &t_admin,
            reqwest::Method::PUT,
            &format!("/bundles/{after}/active"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            &t_clerk,
            "/cases",
            application(after, &["申请书", "身份证明", "健康证明"]),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The public pages and the window's acceptance page.
    let anyone = browser();
    let list = app.page(&anyone, "/bundles").await;
    assert!(
        list.contains("开办餐饮店") && !list.contains("后续一件事"),
        "{list}"
    );
    let page = app.page(&anyone, &format!("/bundles/{bundle_id}")).await;
    assert_eq!(
        page.matches("<li>身份证明").count(),
        1,
        "one material, once: {page}"
    );
    assert!(
        page.contains("用于：个体工商户设立登记、食品经营许可"),
        "{page}"
    );
    let (client, _) = app.login("clerk", PASSWORD).await;
    let accept = app
        .page(&client, &format!("/work/accept?bundle_id={bundle_id}"))
        .await;
    assert!(accept.contains("一件事：开办餐饮店"), "{accept}");
    assert!(accept.contains("name=\"bundle_id\""), "{accept}");
}

#[tokio::test]
async fn bundles_are_applied_for_once_and_handled_together() {
    on_every_backend!(bundles, "2026-09-28");
}
