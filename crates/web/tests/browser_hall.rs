//! The online hall in headless Chromium, on a phone-sized screen: a person registers, finds
//! 个体工商户 by search, applies online with real uploads, the clerk pre-reviews the files and
//! sends an itemised 补正, the applicant replaces one upload and resubmits, the clerk accepts,
//! and the applicant sees the case and its messages. Runs when chromedriver is installed, and
//! must run under CI=true.

#[macro_use]
mod common;

use common::browser::*;
use common::*;
use fantoccini::Locator;
use onewindow_store::Backend;
use serde_json::json;

#[tokio::test]
async fn register_apply_online_correct_and_follow_the_case() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-12-03")).await;
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let mut doc = food_licence_doc(org.dept);
    doc["implementation_code"] = json!("0102001371300077");
    doc["name"] = json!("个体工商户设立登记");
    doc["materials"] = json!([
        {"name": "经营者身份证明", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"},
        {"name": "经营场所使用证明", "originals": 0, "copies": 1, "requirement": "required", "source": "applicant"}
    ]);
    doc["form"] = json!([
        {"key": "shop", "label": "个体工商户名称", "field_type": "text", "required": true},
        {"key": "scope", "label": "经营范围", "field_type": "choice", "required": true, "options": ["餐饮服务", "食品销售", "日用百货"]},
        {"key": "area", "label": "经营面积（平方米）", "field_type": "number", "required": true}
    ]);
    doc.as_object_mut().unwrap().remove("fees");
    let item = import_item(&app, doc, clerk.account_id).await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;
    client.set_window_size(375, 900).await.unwrap();

    // Registers as an individual and signs in.
    client
        .goto(&format!("{base}/register?kind=individual"))
        .await
        .unwrap();
    fill(&client, "f-name", "王小明").await;
    fill(&client, "f-resident_id", "11010519491231002X").await;
    fill(&client, "f-mobile", "13912345678").await;
    fill(&client, "f-password", "xiaoming2026").await;
    submit_main_form(&client).await;
    login(&client, &base, "11010519491231002X", "xiaoming2026").await;

    // Finds the item by search and applies from its guide.
    client
        .goto(&format!("{base}/items?q=个体工商户"))
        .await
        .unwrap();
    click_and_wait(&client, &format!("a[href='/items/{item}']")).await;
    click_and_wait(&client, &format!("a[href='/apply/{item}']")).await;
    click_and_wait(&client, "form[action^='/apply/'] button").await;
    let text = page_text(&client).await;
    assert!(text.contains("王小明") && text.contains("申请表"), "{text}");

    // Submitting an empty form lists what is missing, in Chinese, field by field.
    click_and_wait(&client, "button[value=submit]").await;
    let text = page_text(&client).await;
    assert!(text.contains("请填写“个体工商户名称”"), "{text}");
    assert!(text.contains("请上传“经营者身份证明”"), "{text}");
    screenshot(&client, "hall-errors-375").await;

    // Fills the form, uploads both materials and submits.
    fill(&client, "a-shop", "好味小吃店").await;
    select(&client, "a-scope", "餐饮服务").await;
    fill(&client, "a-area", "35").await;
    client
        .find(Locator::Css("input[name='delivery.method'][value=pickup]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    choose_file(&client, "file.0", &sample_file("身份证.png", PNG)).await;
    choose_file(&client, "file.1", &sample_file("租赁合同.pdf", PDF)).await;
    click_and_wait(&client, "button[value=submit]").await;
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/my/cases/"), "{url}");
    let case: i64 = url.path().rsplit('/').next().unwrap().parse().unwrap();
    assert!(page_text(&client).await.contains("等待部门预审受理"));
    screenshot(&client, "hall-submitted-375").await;
    sign_out(&client).await;

    // The clerk pre-reviews with the files in view and sends an itemised notice.
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "clerk", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{case}"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("网上申请内容") && text.contains("好味小吃店"),
        "{text}"
    );
    let loaded = client
        .execute(
            "const i = document.querySelector('#online-application img.preview'); return i && i.complete && i.naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded.as_i64(), Some(1), "the uploaded image shows inline");
    fill(&client, "why:m:经营场所使用证明", "租赁合同缺少出租方签字").await;
    fill(
        &client,
        "why:f:area:经营面积（平方米）",
        "与租赁合同面积不一致",
    )
    .await;
    screenshot(&client, "hall-prereview-1366").await;
    click_and_wait(
        &client,
        "form.action-form:has(input[name=action][value=request_supplement]) button[type=submit]",
    )
    .await;
    sign_out(&client).await;

    // The applicant corrects only what was named: replaces the lease and the area.
    client.set_window_size(375, 900).await.unwrap();
    login(&client, &base, "11010519491231002X", "xiaoming2026").await;
    client.goto(&format!("{base}/my")).await.unwrap();
    assert!(page_text(&client).await.contains("需要补正"));
    click_and_wait(&client, &format!("a[href='/my/cases/{case}']")).await;
    click_and_wait(&client, "a.btn[href^='/my/applications/']").await;
    let text = page_text(&client).await;
    assert!(text.contains("租赁合同缺少出租方签字"), "{text}");
    let shop_disabled = client
        .execute("return document.getElementById('a-shop').disabled;", vec![])
        .await
        .unwrap();
    assert_eq!(
        shop_disabled.as_bool(),
        Some(true),
        "fields not named stay closed"
    );
    screenshot(&client, "hall-correct-375").await;
    click_and_wait(&client, "#material-1 button[value^='remove:']").await;
    fill(&client, "a-area", "42").await;
    choose_file(
        &client,
        "file.1",
        &sample_file("租赁合同（已签字）.pdf", PDF),
    )
    .await;
    click_and_wait(&client, "button[value=resubmit]").await;
    assert!(page_text(&client).await.contains("补正已提交"));
    sign_out(&client).await;

    // Accepted at once.
    login(&client, &base, "clerk", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{case}"))
        .await
        .unwrap();
    act(&client, "accept").await;
    sign_out(&client).await;

    // The applicant sees the case in plain words, with its timeline and messages.
    login(&client, &base, "11010519491231002X", "xiaoming2026").await;
    client
        .goto(&format!("{base}/my/cases/{case}"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("办理中"), "{text}");
    assert!(
        text.contains("申请已受理") && text.contains("需要补正"),
        "{text}"
    );
    assert!(text.contains("受理回执"), "{text}");
    let wide = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide.as_bool(),
        Some(false),
        "nothing runs off a phone's screen"
    );
    screenshot(&client, "hall-case-375").await;
    client.goto(&format!("{base}/my")).await.unwrap();
    assert_stacked(&client, "#cases").await;
    screenshot(&client, "hall-my-375").await;
    client.goto(&format!("{base}/my/messages")).await.unwrap();
    assert!(page_text(&client).await.contains("申请已受理"));
    screenshot(&client, "hall-messages-375").await;
    app.stop().await;
}
