//! 并联审批 in headless Chromium: the fire brigade's reviewer finds the joint case in the inbox
//! and records the review, its approver signs (1366 px); the lead's approver on a phone (375 px)
//! sees every department's branch, is refused the decision while one is open, decides once all
//! have signed, and prints the joint signing form. Runs when chromedriver is installed, and
//! must run under CI=true.

#[macro_use]
mod common;

use common::browser::*;
use common::*;
use fantoccini::Locator;
use onewindow_domain::auth::TokenScope;
use onewindow_store::Backend;
use serde_json::json;

#[tokio::test]
async fn departments_sign_one_form() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-09-28")).await;
    let org = app.seed_org().await;
    let fire = app
        .department(&org, "临沂市消防救援支队", "消防", "11371300MB2853977")
        .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    app.dept_staff(&org, org.dept, "appr", &["reviewer", "approver"])
        .await;
    app.dept_staff(&org, fire, "firerev", &["reviewer"]).await;
    app.dept_staff(&org, fire, "firesign", &["approver"]).await;
    let police = app
        .dept_staff(&org, org.other_dept, "police", &["reviewer", "approver"])
        .await;
    let mut doc = food_licence_doc(org.dept);
    doc["joint_department_ids"] = json!([org.other_dept, fire]);
    doc["joint_limit_days"] = json!(3);
    let item = import_item(&app, doc, clerk.account_id).await;
    let t_clerk = app.token(clerk.account_id, TokenScope::Write).await;
    let (_, opened) = app
        .post(&t_clerk, "/cases", json!({"item_id": item, "materials": ["申请书"],
            "applicant": {"kind": "company", "name": "临沂某建设有限公司", "id_number": "91371302MA3C7Q5K8E", "mobile": "13800000000"}}))
        .await;
    let id = opened["case_id"].as_i64().expect("case opened");
    let (status, body) = app.command(&t_clerk, id, json!({"type": "accept"})).await;
    assert_eq!(status, 200, "{body}");
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    // The fire brigade's reviewer: the case is in the inbox; the branch form records the review.
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "firerev", PASSWORD).await;
    client.goto(&format!("{base}/work")).await.unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("食品经营许可"), "{text}");
    assert!(text.contains("会办审查"), "{text}");
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("并联审批")
            && text.contains("临沂市消防救援支队")
            && text.contains("临沂市公安局"),
        "{text}"
    );
    screenshot(&client, "joint-branch-1366").await;
    fill(&client, "bo-1", "消防设计文件齐全，符合要求").await;
    act(&client, "complete_branch_step").await;
    click_and_wait(&client, "form[action='/logout'] button").await;
    login(&client, &base, "firesign", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    fill(&client, "bo-1", "同意").await;
    act(&client, "complete_branch_step").await;
    let text = page_text(&client).await;
    assert!(text.contains("已会签"), "{text}");

    // The lead's approver on a phone: the branches as cards; no decision while 公安 is open.
    let t_police = app.token(police.account_id, TokenScope::Write).await;
    client.set_window_size(375, 900).await.unwrap();
    click_and_wait(&client, "form[action='/logout'] button").await;
    login(&client, &base, "appr", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    fill(&client, "o-complete_step", "符合条件").await;
    act(&client, "complete_step").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("等待会办部门会签") || text.contains("审查中"),
        "{text}"
    );
    assert_stacked(&client, "#joint table").await;
    assert!(
        client
            .find(fantoccini::Locator::Css(
                "form.action-form input[name=action][value=decide]"
            ))
            .await
            .is_err(),
        "no decision is offered while a branch is open"
    );
    screenshot(&client, "joint-case-375").await;
    for _ in 0..2 {
        let (status, body) = app
            .command(
                &t_police,
                id,
                json!({"type": "complete_branch_step", "branch": 0, "opinion": "同意"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    client.refresh().await.unwrap();
    fill(&client, "dr-decide", "符合法定条件").await;
    act(&client, "decide").await;
    client
        .goto(&format!("{base}/work/cases/{id}/joint-form"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("并联审批会签表") && text.contains("各会办部门均已会签"),
        "{text}"
    );
    assert!(text.contains("消防设计文件齐全，符合要求"), "{text}");
    screenshot(&client, "joint-form-375").await;
    client.set_window_size(1366, 900).await.unwrap();
    screenshot(&client, "joint-form-1366").await;
    app.stop().await;
}

/// 一件事一次办 as the public and the administrator see it: the bundle list and a bundle's
/// page on a phone (its items as cards, one material list), and the definition page at 1366 px
/// refusing a bundle of one item in Chinese.
#[tokio::test]
async fn a_bundle_on_a_phone_and_its_definition() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-09-28")).await;
    let org = app.seed_org().await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    let mut ids = Vec::new();
    for (dept, code, name) in [
        (org.dept, "0102001371300001", "个体工商户设立登记"),
        (org.dept, "0102001371300002", "食品经营许可"),
        (org.other_dept, "0102001371300003", "特种行业许可"),
    ] {
        let mut doc = food_licence_doc(dept);
        doc["implementation_code"] = json!(code);
        doc["name"] = json!(name);
        ids.push(import_item(&app, doc, admin.account_id).await);
    }
    let bundle = app
        .store
        .joint()
        .create_bundle(
            &onewindow_domain::joint::BundleInput {
                name: "开办餐饮店".into(),
                description: "营业执照、食品经营许可和特种行业许可，一次申请、并联审批。".into(),
                item_ids: ids.clone(),
                field_map: vec![],
            },
            admin.account_id,
        )
        .await
        .unwrap();
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;
    client.set_window_size(375, 900).await.unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    click_and_wait(&client, "a[href='/bundles']").await;
    screenshot(&client, "bundles-375").await;
    click_and_wait(&client, &format!("a[href='/bundles/{}']", bundle.id)).await;
    let text = page_text(&client).await;
    assert!(text.contains("3 个事项并联审批"), "{text}");
    assert_eq!(
        text.matches("申请书").count(),
        1,
        "one material, once: {text}"
    );
    assert_stacked(&client, "table.stack").await;
    screenshot(&client, "bundle-375").await;

    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "admin", PASSWORD).await;
    client.goto(&format!("{base}/admin/bundles")).await.unwrap();
    fill(&client, "name", "只有一项").await;
    select(&client, "lead", &ids[0].to_string()).await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("一件事须包含 2 至 10 个事项"), "{text}");
    screenshot(&client, "bundles-admin-1366").await;
    app.stop().await;
}

/// An investment project as the centre's 代办 staff see it: registered in the browser with a
/// wrong code first (named in Chinese), then its stages at 1366 px with the first one's
/// materials to tick and start, the started stage at 375 px, and the month's bulletin.
#[tokio::test]
async fn a_project_registered_and_started_in_the_browser() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-09-28")).await;
    let org = app.seed_org().await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    app.staff("daiban", &["clerk"], Some(org.centre), None)
        .await;
    let mut ids = Vec::new();
    for (i, dept) in [org.dept, org.other_dept].into_iter().enumerate() {
        let mut doc = food_licence_doc(dept);
        doc["implementation_code"] = json!(format!("010200137130000{i}"));
        doc["name"] = json!(["建设用地规划许可证核发", "建设项目环境影响报告表审批"][i]);
        ids.push(import_item(&app, doc, admin.account_id).await);
    }
    let t_admin = app.token(admin.account_id, TokenScope::Write).await;
    let (_, b) = app
        .post(
            &t_admin,
            "/bundles",
            json!({"name": "立项用地规划许可", "item_ids": ids}),
        )
        .await;
    let (status, _) = app
        .api(
            &t_admin,
            reqwest::Method::PUT,
            "/project-stages",
            Some(json!([{"name": "立项用地规划许可", "bundle_id": b["id"]}])),
        )
        .await;
    assert_eq!(status, 200);
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "daiban", PASSWORD).await;
    client.goto(&format!("{base}/work/projects")).await.unwrap();
    for (field, value) in [
        ("code", "2017-371300-47-05-012345"),
        ("name", "临沂国际商贸城二期"),
        ("investor", "临沂市沂蒙建设集团有限公司"),
        ("investor_code", "91371302MA3C7Q5K8E"),
        ("location", "兰山区北城新区"),
        ("investment", "51480.5"),
    ] {
        fill(&client, field, value).await;
    }
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("类型应为 01（审批）、02（核准）或 03（备案）"),
        "{text}"
    );
    fill(&client, "code", "2017-371300-47-03-012345").await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("立项用地规划许可") && text.contains("未启动"),
        "{text}"
    );
    screenshot(&client, "project-1366").await;
    for m in client
        .find_all(fantoccini::Locator::Css("input[name=materials]"))
        .await
        .unwrap()
    {
        m.click().await.unwrap();
    }
    submit_main_form(&client).await;
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/work/cases/"), "{url}");
    client.set_window_size(375, 900).await.unwrap();
    client.back().await.unwrap();
    client.refresh().await.unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("办理中"), "{text}");
    assert_stacked(&client, "table.stack").await;
    screenshot(&client, "project-375").await;
    client
        .goto(&format!("{base}/work/projects/bulletin?month=2026-09"))
        .await
        .unwrap();
    screenshot(&client, "bulletin-375").await;
    app.stop().await;
}

/// A bundle applied for online with its one form, and its joint pre-review: the applicant on
/// a phone (375 px) starts 开办餐饮店 from its page, fills one form in which the items' shared
/// fields appear once, uploads the shared material once and asks for pre-review; the fire
/// brigade's reviewer (1366 px) finds it in the queue and asks for a correction; once the
/// other department has answered, the applicant sees both opinions together.
#[tokio::test]
async fn a_bundle_applied_for_online_and_pre_reviewed() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-09-28")).await;
    let org = app.seed_org().await;
    let admin = app
        .staff("admin", &["centre_admin"], Some(org.centre), None)
        .await;
    let reviewer = app
        .dept_staff(&org, org.dept, "rev", &["reviewer", "approver"])
        .await;
    app.dept_staff(&org, org.other_dept, "firerev", &["reviewer", "approver"])
        .await;
    let field = required_field;
    let mut ids = Vec::new();
    for (dept, code, name, form, material) in [
        (
            org.dept,
            "0102001371300001",
            "个体工商户设立登记",
            json!([
                field("trade_name", "个体工商户名称", "text"),
                field("premises", "经营场所", "address")
            ]),
            "经营者身份证明",
        ),
        (
            org.dept,
            "0102001371300002",
            "食品经营许可",
            json!([
                field("operator_name", "经营者名称", "text"),
                field("premises", "经营场所", "address"),
                field("area", "经营场所面积（平方米）", "number")
            ]),
            "经营者身份证明",
        ),
        (
            org.other_dept,
            "0102001371300003",
            "公众聚集场所消防安全检查",
            json!([field("premises", "场所地址", "address")]),
            "消防安全检查申报表",
        ),
    ] {
        let mut doc = food_like_doc(dept, code, name, &[material]);
        doc["form"] = form;
        ids.push(import_item(&app, doc, admin.account_id).await);
    }
    let bundle = app
        .store
        .joint()
        .create_bundle(
            &onewindow_domain::joint::BundleInput {
                name: "开办餐饮店".into(),
                description: "营业执照、食品经营许可和消防安全检查，一次申请、并联审批。".into(),
                item_ids: ids.clone(),
                field_map: vec![onewindow_domain::joint::FieldMapping {
                    item_id: ids[1],
                    field: "operator_name".into(),
                    to: "trade_name".into(),
                }],
            },
            admin.account_id,
        )
        .await
        .unwrap();
    register(&app, "马丽", "11010519491231002X").await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    // The applicant, on a phone: one form of three fields for six, one upload per material.
    client.set_window_size(375, 900).await.unwrap();
    login(&client, &base, "11010519491231002X", PASSWORD).await;
    client
        .goto(&format!("{base}/bundles/{}", bundle.id))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("一张表 3 项（各事项合计 6 项"), "{text}");
    click_and_wait(&client, &format!("a[href='/apply/bundle/{}']", bundle.id)).await;
    click_and_wait(&client, "form[action^='/apply/bundle/'] button").await;
    let text = page_text(&client).await;
    assert!(text.contains("网上联合预审"), "{text}");
    assert_eq!(
        text.matches("经营场所").count(),
        2,
        "asked once (and its area): {text}"
    );
    fill(&client, "a-trade_name", "好味小吃店").await;
    fill(&client, "a-premises", "临沂市兰山区金雀山路 8 号").await;
    fill(&client, "a-area", "35").await;
    choose_file(&client, "file.0", &sample_file("身份证.png", PNG)).await;
    choose_file(&client, "file.1", &sample_file("消防申报表.pdf", PDF)).await;
    click_and_wait(&client, "button[value=prereview]").await;
    let text = page_text(&client).await;
    assert!(text.contains("第 1 轮预审：各部门预审中"), "{text}");
    assert!(text.contains("已提出 0/2"), "{text}");
    screenshot(&client, "bundle-apply-375").await;
    sign_out(&client).await;

    // The fire brigade's reviewer asks for a correction (1366 px).
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "firerev", PASSWORD).await;
    client
        .goto(&format!("{base}/work/prereviews"))
        .await
        .unwrap();
    click_and_wait(&client, "#prereviews a").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("好味小吃店") && text.contains("消防申报表.pdf"),
        "{text}"
    );
    click_and_wait(&client, "#answer form button[type=submit]").await;
    assert!(page_text(&client).await.contains("请选择预审意见"));
    client
        .find(Locator::Css("input[name=verdict][value=correct]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&client, "comment", "请补充场所平面图，并注明疏散通道").await;
    click_and_wait(&client, "#answer form button[type=submit]").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("预审意见已提出") && text.contains("需修改"),
        "{text}"
    );
    screenshot(&client, "prereview-department-1366").await;
    sign_out(&client).await;

    // The other department answers; the applicant sees both opinions together.
    let t_rev = app.token(reviewer.account_id, TokenScope::Write).await;
    let (_, rounds) = app.get(&t_rev, "/prereviews").await;
    let round = rounds[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &t_rev,
            &format!("/prereviews/{round}/opinions"),
            json!({"verdict": "ok"}),
        )
        .await;
    assert_eq!(status, 201);
    client.set_window_size(375, 900).await.unwrap();
    login(&client, &base, "11010519491231002X", PASSWORD).await;
    client.goto(&format!("{base}/my")).await.unwrap();
    click_and_wait(&client, "a[href^='/my/applications/']").await;
    let text = page_text(&client).await;
    assert!(text.contains("各部门意见已全部提出"), "{text}");
    assert!(
        text.contains("请补充场所平面图") && text.contains("无意见"),
        "{text}"
    );
    assert_stacked(&client, "#prereview table.stack").await;
    screenshot(&client, "bundle-prereviewed-375").await;
    app.stop().await;
}
