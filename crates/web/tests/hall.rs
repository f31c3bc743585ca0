//! The online hall over the API and its pages, as an applicant and the department's staff live
//! it: apply with real uploads (a renamed program refused by its bytes), an incomplete
//! submission refused field by field, one case however often it is sent, pre-review with an
//! itemised 补正 that reopens one field and one material, the correction, handling to delivery,
//! and the applicant's cases and messages; another applicant sees nothing of it.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

/// The food licence with an online form: the shop's name, and its floor area.
fn item_with_form(dept: onewindow_domain::ids::DepartmentId) -> Value {
    let mut doc = food_licence_doc(dept);
    doc["form"] = json!([
        {"key": "shop", "label": "店铺名称", "field_type": "text", "required": true},
        {"key": "area", "label": "经营面积（平方米）", "field_type": "number", "required": true}
    ]);
    doc
}

async fn journey(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let reviewer = app
        .dept_staff(&org, org.dept, "reviewer", &["reviewer"])
        .await;
    let approver = app
        .dept_staff(&org, org.dept, "approver", &["approver"])
        .await;
    let item = import_item(app, item_with_form(org.dept), clerk.account_id).await;
    let me = register(app, "王小明", "11010519491231002X").await;
    let other = register(app, "李四", "110105198001011238").await;
    let t_me = app.token(me, TokenScope::Write).await;
    let t_other = app.token(other, TokenScope::Write).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;

    // A draft, resumed by a second start.
    let (status, draft) = app
        .post(&t_me, "/hall/applications", json!({"item_id": item}))
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let (_, again) = app
        .post(&t_me, "/hall/applications", json!({"item_id": item}))
        .await;
    assert_eq!(again["id"].as_i64(), Some(id));
    // Staff do not apply online.
    let (status, _) = app
        .post(&t_clerk, "/hall/applications", json!({"item_id": item}))
        .await;
    assert_eq!(status, 403);

    // Uploads: judged by their bytes.
    let (status, body) = upload(
        app,
        &t_me,
        id,
        "申请书",
        "申请书.pdf",
        b"MZ\x90\0\x03\0\0\0 not a pdf",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["file"]);
    let (status, pdf) = upload(app, &t_me, id, "申请书", "申请书.pdf", PDF).await;
    assert_eq!(status, 201, "{pdf}");
    assert_eq!(pdf["kind"], "pdf");
    let (status, png) = upload(app, &t_me, id, "健康证明", "健康证明.jpg", PNG).await;
    assert_eq!(status, 201);
    assert_eq!(png["kind"], "png", "the bytes decide, not the name");
    // Another applicant cannot read, change or upload to it.
    let (status, _) = app.get(&t_other, &format!("/hall/applications/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) = upload(app, &t_other, id, "申请书", "x.pdf", PDF).await;
    assert_eq!(status, 404);

    // Incomplete: every problem named.
    let (status, body) = app
        .api(&t_me, reqwest::Method::PUT, &format!("/hall/applications/{id}"),
            Some(json!({"content": {"answers": {"shop": "好味小吃", "area": "很大"}}, "revision": 0})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(&t_me, &format!("/hall/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["answers.area", "delivery.method"]);
    let content = json!({"answers": {"shop": "好味小吃", "area": "35"},
        "delivery": {"method": "express", "recipient": "王小明", "mobile": "13900000000", "address": "山东省临沂市兰山区北城新区 1 号"}});
    let (status, _) = app
        .api(
            &t_me,
            reqwest::Method::PUT,
            &format!("/hall/applications/{id}"),
            Some(json!({"content": content})),
        )
        .await;
    assert_eq!(status, 200);
    // A read-only token cannot submit.
    let t_read = app.token(me, TokenScope::Read).await;
    let (status, _) = app
        .post(
            &t_read,
            &format!("/hall/applications/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    // Submitted twice: one case.
    let (status, first) = app
        .post(&t_me, &format!("/hall/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = app
        .post(&t_me, &format!("/hall/applications/{id}/submit"), json!({}))
        .await;
    let case = first["case_id"].as_i64().unwrap();
    assert_eq!(second["case_id"].as_i64(), Some(case));
    let (status, _) = app.get(&t_other, &format!("/cases/{case}")).await;
    assert_eq!(status, 404);

    // Pre-review: the clerk sees the online submission with its materials and the file itself.
    let (clerk_web, _) = app.login("clerk", PASSWORD).await;
    let page = app.page(&clerk_web, &format!("/work/cases/{case}")).await;
    assert!(page.contains("网上申请内容"), "{page}");
    assert!(page.contains("好味小吃"));
    let file_url = format!("/work/cases/{case}/files/{}", pdf["id"]);
    let resp = clerk_web.get(app.url(&file_url)).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);
    // An itemised notice: one field, one material.
    let (status, body) = app
        .command(&t_clerk, case, json!({"type": "request_supplement", "reason": "",
            "missing": [{"material": "经营面积（平方米）", "reason": "与租赁合同不符", "field": "area"},
                        {"material": "申请书", "reason": "缺少法定代表人签字"}]}))
        .await;
    assert_eq!(status, 200, "{body}");

    // The applicant corrects only what was named: the other upload stays.
    let (_, app_now) = app.get(&t_me, &format!("/hall/applications/{id}")).await;
    assert_eq!(app_now["files"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .api(
            &t_me,
            reqwest::Method::DELETE,
            &format!("/hall/applications/{id}/files/{}", png["id"]),
            None,
        )
        .await;
    assert_eq!(status, 422, "the health certificate was not reopened");
    let (status, _) = app
        .api(
            &t_me,
            reqwest::Method::DELETE,
            &format!("/hall/applications/{id}/files/{}", pdf["id"]),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = upload(app, &t_me, id, "申请书", "申请书（已签字）.pdf", PDF).await;
    assert_eq!(status, 201);
    let mut corrected = content.clone();
    corrected["answers"]["area"] = json!("42");
    corrected["answers"]["shop"] = json!("改名无效");
    app.api(
        &t_me,
        reqwest::Method::PUT,
        &format!("/hall/applications/{id}"),
        Some(json!({"content": corrected})),
    )
    .await;
    let (status, body) = app
        .post(
            &t_me,
            &format!("/hall/applications/{id}/resubmit"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, app_now) = app.get(&t_me, &format!("/hall/applications/{id}")).await;
    assert_eq!(app_now["content"]["answers"]["area"], "42");
    assert_eq!(app_now["content"]["answers"]["shop"], "好味小吃");

    // Accepted and handled to delivery.
    for (token, command) in [
        (&t_clerk, json!({"type": "accept"})),
        (
            &app.token(reviewer.account_id, TokenScope::Write).await,
            json!({"type": "complete_step", "opinion": "符合条件"}),
        ),
        (
            &app.token(approver.account_id, TokenScope::Write).await,
            json!({"type": "decide", "decision": {"approved": true, "reasons": "", "legal_basis": ""}}),
        ),
        (&t_clerk, json!({"type": "conclude"})),
        (
            &t_clerk,
            json!({"type": "deliver", "delivery": {"method": "express", "waybill": "SF1234567890"}}),
        ),
    ] {
        let (status, body) = app.command(token, case, command).await;
        assert_eq!(status, 200, "{body}");
    }

    // A window case under the applicant's id number is theirs too.
    let (_, window) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": ["申请书"],
            "applicant": {"kind": "individual", "name": "王小明", "id_number": "11010519491231002X", "mobile": "13900000000"}}))
        .await;
    let window = window["case_id"].as_i64().unwrap();
    let (_, mine) = app.get(&t_me, "/hall/cases").await;
    let ids: Vec<i64> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [window, case]);
    let (status, _) = app.get(&t_me, &format!("/cases/{window}")).await;
    assert_eq!(status, 200);
    let (_, theirs) = app.get(&t_other, "/hall/cases").await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);

    // Every step reached the applicant's messages.
    let (_, messages) = app.get(&t_me, "/hall/messages").await;
    let titles: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "办理结果已送达",
            "邀请您评价本次服务",
            "已办结",
            "已作出决定",
            "申请已受理",
            "需要补正",
            "已收到您的网上申请"
        ]
    );

    // The applicant's pages: my cases, the case with its public timeline, messages.
    let (web, _) = app.login("11010519491231002X", PASSWORD).await;
    let my = app.page(&web, "/my").await;
    assert!(
        my.contains("食品经营许可") && my.contains("结果已送达"),
        "{my}"
    );
    let case_page = app.page(&web, &format!("/my/cases/{case}")).await;
    assert!(case_page.contains("SF1234567890"), "{case_page}");
    assert!(
        !case_page.contains("符合条件"),
        "staff opinions stay internal"
    );
    let receipt = web
        .get(app.url(&format!("/work/cases/{case}/receipt")))
        .send()
        .await
        .unwrap();
    assert_eq!(receipt.status(), 200);
    let (web_other, _) = app.login("110105198001011238", PASSWORD).await;
    let resp = web_other
        .get(app.url(&format!("/my/cases/{case}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = web_other
        .get(app.url(&format!("/my/applications/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn apply_online_to_delivery_over_the_api() {
    on_every_backend!(journey);
}
