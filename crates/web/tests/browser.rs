//! A real browser journey in headless Chromium (Debian's chromium + chromedriver): an admin
//! logs in, creates a department, a window and a staff member, and the new staff member can
//! log in. Runs when chromedriver is installed, and must run under CI=true.

#[macro_use]
mod common;

use common::browser::*;
use common::*;
use fantoccini::{Client, Locator};
use onewindow_store::Backend;
use serde_json::json;

#[tokio::test]
async fn admin_creates_department_window_and_staff_who_can_log_in() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let org = app.seed_org().await;
    app.staff("admin", &["centre_admin"], None, None).await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    login(&client, &base, "admin", PASSWORD).await;
    screenshot(&client, "after-login").await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/admin")
    );
    assert!(page_text(&client).await.contains("管理后台"));

    // A department: first with a wrong check digit, which the page explains, then corrected.
    client
        .goto(&format!("{base}/admin/departments"))
        .await
        .unwrap();
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    fill(&client, "f-name", "临沂市民政局").await;
    fill(&client, "f-short_name", "民政").await;
    fill(&client, "f-credit_code", "12371300MB2859876X").await;
    submit_main_form(&client).await;
    assert!(
        page_text(&client)
            .await
            .contains("统一社会信用代码校验码错误")
    );
    screenshot(&client, "department-error").await;
    fill(&client, "f-credit_code", "12371300MB2859876T").await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已创建") && text.contains("临沂市民政局"),
        "{text}"
    );
    let dept = app
        .store
        .org()
        .list_departments(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.short_name == "民政")
        .unwrap();

    client.goto(&format!("{base}/admin/windows")).await.unwrap();
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    fill(&client, "f-number", "C03").await;
    fill(&client, "f-name", "民政窗口").await;
    select(&client, "f-department_id", &dept.id.to_string()).await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("已创建") && text.contains("C03"), "{text}");

    client.goto(&format!("{base}/admin/staff")).await.unwrap();
    fill(&client, "f-name", "陈晓明").await;
    fill(&client, "f-mobile", "13905391111").await;
    fill(&client, "f-login", "chenxm").await;
    fill(&client, "f-password", "welcome2026").await;
    select(&client, "f-centre_id", &org.centre.to_string()).await;
    select(&client, "f-department_id", &dept.id.to_string()).await;
    client
        .find(Locator::Css("input[name=roles][value=clerk]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("已创建") && text.contains("chenxm"), "{text}");
    screenshot(&client, "staff-created").await;

    // Log out, and the new clerk logs in.
    click_and_wait(&client, "nav form button").await;
    login(&client, &base, "chenxm", "welcome2026").await;
    let text = page_text(&client).await;
    assert!(text.contains("陈晓明"), "{text}");
    assert!(text.contains("管理后台"));
    client.goto(&format!("{base}/me")).await.unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("窗口人员") && text.contains("临沂市民政局"),
        "{text}"
    );
    screenshot(&client, "clerk-account").await;

    client.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn search_guide_then_admin_edits_and_publishes_a_new_version() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let org = app.seed_org().await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let doc: onewindow_domain::catalog::ItemDoc = serde_json::from_value(json!({
        "basic_code": "0102001", "implementation_code": "010200101", "name": "个体工商户设立登记",
        "item_type": "01", "exercise_level": "3",
        "legal_bases": [{"law": "《中华人民共和国市场主体登记管理条例》", "article": "第三条", "text": ""}],
        "department_id": org.dept, "implementing_body": "", "implementing_body_code": "", "body_nature": "1",
        "case_type": "2", "statutory_limit_days": 15, "promised_limit_days": 3,
        "acceptance_conditions": "申请材料齐全、符合法定形式",
        "steps": [{"name": "受理", "role": "clerk", "department_id": org.dept, "limit_days": 1},
                  {"name": "审批", "role": "approver", "department_id": org.dept, "limit_days": 2}],
        "result_name": "营业执照", "result_type": "licence", "service_targets": ["1"], "handling_forms": ["1"],
        "appointment": true, "online_payment": false, "express_delivery": false, "online_depth": "3", "max_visits": 1,
        "location": "一楼", "hours": "工作日", "consult_phone": "0539-1", "supervise_phone": "12345",
        "materials": [{"name": "个体工商户登记（备案）申请书", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"}]
    }))
    .unwrap();
    let item = app
        .store
        .catalog()
        .import_items(vec![doc], admin.account_id)
        .await
        .map(|_| ())
        .and(app.store.catalog().item_by_code("010200101").await)
        .unwrap();
    app.store
        .catalog()
        .set_synonym("个体户", &["个体工商户".to_owned()])
        .await
        .unwrap();
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    // A visitor searches the everyday word and opens the guide.
    client.goto(&format!("{base}/")).await.unwrap();
    fill(&client, "q", "个体户").await;
    click_and_wait(&client, "form.search button").await;
    assert!(page_text(&client).await.contains("个体工商户设立登记"));
    screenshot(&client, "search-results").await;
    click_and_wait(&client, ".hit h3 a").await;
    let text = page_text(&client).await;
    assert!(text.contains("法定 15 个工作日，承诺 3 个工作日"), "{text}");
    client.set_window_size(375, 900).await.unwrap();
    assert_stacked(&client, "table.materials").await;
    screenshot(&client, "guide-375").await;
    client.set_window_size(1280, 1000).await.unwrap();
    assert!(text.contains("个体工商户登记（备案）申请书"));
    assert!(
        client.find(Locator::Css(".flow svg")).await.is_ok(),
        "the steps are drawn"
    );

    // The administrator shortens the promised limit and publishes.
    login(&client, &base, "admin", PASSWORD).await;
    client
        .goto(&format!("{base}/admin/items/{}/edit", item.id))
        .await
        .unwrap();
    fill(&client, "f-promised_limit_days", "20").await;
    click_and_wait(&client, "form.item-form button[type=submit]").await;
    assert!(
        page_text(&client)
            .await
            .contains("承诺时限（20 个工作日）不能超过法定时限（15 个工作日）")
    );
    screenshot(&client, "item-edit-error").await;
    fill(&client, "f-promised_limit_days", "2").await;
    fill(&client, "steps[1].limit_days", "1").await;
    // The application form gains a field: a choice with no options is refused on its row.
    fill(&client, "form[0].key", "premises_kind").await;
    fill(&client, "form[0].label", "经营场所类型").await;
    select(&client, "form[0].field_type", "choice").await;
    click_and_wait(&client, "form.item-form button[type=submit]").await;
    assert!(page_text(&client).await.contains("选择题至少需要一个选项"));
    fill(&client, "form[0].options", "自有、租赁").await;
    click_and_wait(&client, "form.item-form button[type=submit]").await;
    assert!(page_text(&client).await.contains("第 2 版草稿"));
    screenshot(&client, "item-draft").await;
    click_and_wait(&client, "form[action$='/publish'] button").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已保存") && text.contains("第 2 版"),
        "{text}"
    );
    screenshot(&client, "item-published").await;
    client
        .goto(&format!("{base}/admin/items/{}/diff?from=1&to=2", item.id))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("申请表“经营场所类型”") && text.contains("自有、租赁"),
        "{text}"
    );
    screenshot(&client, "item-diff-form").await;

    client
        .goto(&format!("{base}/items/{}", item.id))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("承诺 2 个工作日"), "{text}");
    // The guide tells the applicant what the online form will ask.
    assert!(
        text.contains("网上申请需填写") && text.contains("可选：自有、租赁。"),
        "{text}"
    );
    client.set_window_size(375, 900).await.unwrap();
    assert_stacked(&client, "table.form-fields").await;
    client.set_window_size(1280, 1000).await.unwrap();
    client
        .goto(&format!("{base}/items/{}?version=1", item.id))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("承诺 3 个工作日") && text.contains("已被第 2 版替代"),
        "{text}"
    );

    client.close().await.unwrap();
    app.stop().await;
}

/// A window journey's start, on Thursday 24 September 2026 (the day before the Mid-Autumn
/// Festival): the organisation, the window clerk `clerk`, the 食品经营许可 item, and a browser
/// (None when chromedriver is not installed, outside CI).
struct Journey {
    app: TestApp,
    org: onewindow_store::testing::Org,
    item: onewindow_domain::ids::ItemId,
    base: String,
    _driver: Driver,
    client: Client,
}

async fn window_journey() -> Option<Journey> {
    let driver_path = chromedriver()?;
    let app = spawn_app_on(Backend::Sqlite, Some("2026-09-24")).await;
    let org = app.seed_org().await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let item = food_licence(&app, &org, clerk.account_id).await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;
    Some(Journey {
        app,
        org,
        item,
        base,
        _driver,
        client,
    })
}

/// The clerk opens window acceptance for `item` and enters the applicant 王小明.
async fn at_the_window(
    client: &Client,
    base: &str,
    item: onewindow_domain::ids::ItemId,
    id_number: &str,
) {
    client.goto(&format!("{base}/work/accept")).await.unwrap();
    select(client, "pick-item", &item.to_string()).await;
    click_and_wait(client, "form.filters button").await;
    fill(client, "f-applicant_name", "王小明").await;
    fill(client, "f-applicant_id_number", id_number).await;
    fill(client, "f-applicant_mobile", "13812345678").await;
}

/// The 食品经营许可 item (受理, 审查, 决定; an application form that is required and a health
/// certificate that may be supplied later), published, as the window journeys use it: the
/// materials under their full names, no fee, handled at the window only.
async fn food_licence(
    app: &TestApp,
    org: &onewindow_store::testing::Org,
    by: onewindow_domain::ids::AccountId,
) -> onewindow_domain::ids::ItemId {
    let mut doc = food_licence_doc(org.dept);
    doc["materials"] = json!([
        {"name": "食品经营许可申请书", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"},
        {"name": "从业人员健康证明", "originals": 0, "copies": 1, "requirement": "optional", "deficiency_allowed": true, "source": "applicant"}
    ]);
    doc["handling_forms"] = json!(["1"]);
    doc.as_object_mut().unwrap().remove("fees");
    import_item(app, doc, by).await
}

/// 补正 at the window: the application form is missing, so the clerk gives the one-time notice
/// and prints it (numbered, with the query code and a QR code to follow the case); the
/// applicant comes back with it, the clerk records what was brought, and acceptance passes with
/// the number on the notice.
#[tokio::test]
async fn a_window_supplement_from_the_printed_notice_to_acceptance() {
    let Some(Journey {
        app,
        org,
        item,
        base,
        _driver,
        client,
    }) = window_journey().await
    else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };

    login(&client, &base, "clerk", PASSWORD).await;
    at_the_window(&client, &base, item, "11010519491231002X").await;
    client
        .find(Locator::Css("input[name=action][value=request_supplement]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .execute(
            "document.getElementById('f-missing').closest('details').open = true;
             document.getElementById('f-supplement_by').value = '2026-10-09';",
            vec![],
        )
        .await
        .unwrap();
    fill(
        &client,
        "f-missing",
        "食品经营许可申请书：未提交，请填写后由法定代表人签字",
    )
    .await;
    submit_main_form(&client).await;

    // The notice to print, numbered.
    let text = page_text(&client).await;
    let row = &app
        .store
        .cases()
        .search_cases(&onewindow_store::case::queries::CaseFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows[0];
    let case_no = row.case_no.clone().expect("numbered by the notice");
    for expected in [
        "一次性告知书",
        "食品经营许可申请书",
        "请填写后由法定代表人签字",
        "2026-10-09",
        case_no.as_str(),
        "查询码",
        "/progress?case_no=",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(
        client
            .find(Locator::Css(".progress-qr .qr svg"))
            .await
            .is_ok()
    );
    screenshot(&client, "case-notice").await;
    client.set_window_size(375, 900).await.unwrap();
    assert_stacked(&client, "table.stack").await;
    screenshot(&client, "case-notice-375").await;
    client.set_window_size(1280, 1000).await.unwrap();

    // Back with the form: recorded, then accepted under the same number.
    client
        .goto(&format!("{base}/work/cases/{}", row.id))
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "input[name=received][value='食品经营许可申请书']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    act(&client, "supplement_received").await;
    act(&client, "accept").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("受理回执") && text.contains(&case_no),
        "the notice's number on the receipt: {text}"
    );
    screenshot(&client, "case-supplement-accepted").await;

    // The next person at this window PC signs in over the clerk's session: told that the
    // previous user was signed out, and taken to their own inbox.
    app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    login(&client, &base, "rev", PASSWORD).await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/work", "{url}");
    let text = page_text(&client).await;
    assert!(
        text.contains("已退出本机上一位用户的登录") && text.contains("测试rev"),
        "{text}"
    );
    screenshot(&client, "handover").await;

    // Acceptance ended the 受理 step: the case is at 审查. The approver is offered no decision
    // while steps remain (the aggregate would refuse one); what the page does offer, the
    // aggregate accepts (`available_commands`, tested against `decide` in the domain).
    app.dept_staff(&org, org.dept, "appr", &["approver"]).await;
    login(&client, &base, "appr", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{}", row.id))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("当前环节：审查") && !text.contains("作出决定"),
        "{text}"
    );

    client.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_case_from_the_window_to_delivery_followed_by_the_applicant() {
    let Some(Journey {
        app,
        org,
        item,
        base,
        _driver,
        client,
    }) = window_journey().await
    else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    app.dept_staff(&org, org.dept, "rev", &["reviewer"]).await;
    app.dept_staff(&org, org.dept, "appr", &["approver"]).await;

    // The clerk picks the item, enters the applicant (first with a wrong check digit), ticks
    // the materials checklist and accepts.
    login(&client, &base, "clerk", PASSWORD).await;
    at_the_window(&client, &base, item, "110105194912310021").await;
    client
        .find(Locator::Css(
            "input[name=materials][value='食品经营许可申请书']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    screenshot(&client, "case-accept-form").await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("校验码"), "{text}");
    screenshot(&client, "case-accept-error").await;
    fill(&client, "f-applicant_id_number", "11010519491231002X").await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    // Five working days after 24 September: 25 September is the Mid-Autumn Festival and
    // 1–7 October National Day, so 28, 29, 30 September, 8 and 9 October.
    assert!(
        text.contains("受理回执") && text.contains("2026-10-09"),
        "{text}"
    );
    // The receipt names who took the case and carries the progress page's full address, as a
    // QR code too.
    assert!(
        text.contains("经办人") && text.contains("/progress?case_no="),
        "{text}"
    );
    assert!(
        text.contains(&format!("{base}/progress?case_no=")),
        "{text}"
    );
    assert!(
        client
            .find(Locator::Css(".progress-qr .qr svg"))
            .await
            .is_ok()
    );
    screenshot(&client, "case-receipt").await;
    let view = app
        .store
        .cases()
        .search_cases(&onewindow_store::case::queries::CaseFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let id = view.rows[0].id;
    let case_no = view.rows[0].case_no.clone().unwrap();
    let code = app
        .store
        .cases()
        .case_view(id)
        .await
        .unwrap()
        .state
        .query_code
        .unwrap();
    assert!(text.contains(&case_no) && text.contains(&code));

    // Acceptance ended the 受理 step: the clerk is not asked to complete it again, and the
    // case waits on the reviewer; the approver follows.
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    assert!(client.find(Locator::Id("o-complete_step")).await.is_err());
    let text = page_text(&client).await;
    assert!(
        text.contains("材料齐全，予以受理") && text.contains("审查"),
        "{text}"
    );
    screenshot(&client, "case-accepted").await;
    click_and_wait(&client, "nav form button").await;

    login(&client, &base, "rev", PASSWORD).await;
    client.goto(&format!("{base}/work")).await.unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains(&case_no) && text.contains("剩余 5 个工作日"),
        "{text}"
    );
    screenshot(&client, "case-inbox").await;
    // At a phone's width each case is a card whose cells are labelled by their columns.
    client.set_window_size(375, 900).await.unwrap();
    assert_stacked(&client, "table.cases").await;
    screenshot(&client, "case-inbox-375").await;
    client.set_window_size(1280, 1000).await.unwrap();
    click_and_wait(&client, "table.cases a").await;
    fill(&client, "o-complete_step", "经审查，经营场所和设施符合要求").await;
    act(&client, "complete_step").await;
    click_and_wait(&client, "nav form button").await;

    login(&client, &base, "appr", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    fill(&client, "dr-decide", "符合法定条件、标准").await;
    act(&client, "decide").await;
    act(&client, "conclude").await;
    assert!(page_text(&client).await.contains("已办结"));
    click_and_wait(&client, "nav form button").await;

    login(&client, &base, "clerk", PASSWORD).await;
    client
        .goto(&format!("{base}/work/cases/{id}"))
        .await
        .unwrap();
    select(&client, "dm-deliver", "express").await;
    fill(&client, "wb-deliver", "SF1234567890").await;
    act(&client, "deliver").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已送达") && text.contains("已寄出，快递单号 SF1234567890"),
        "{text}"
    );
    screenshot(&client, "case-delivered").await;
    click_and_wait(&client, "p.documents a[href$='/decision']").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("准予决定书") && text.contains(&case_no),
        "{text}"
    );
    screenshot(&client, "case-decision").await;
    click_and_wait(&client, "nav form button").await;

    // The applicant follows the case with the number and code from the receipt.
    client.goto(&format!("{base}/progress")).await.unwrap();
    fill(&client, "f-case_no", &case_no).await;
    fill(&client, "f-query_code", &code.to_lowercase()).await;
    submit_main_form(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已送达") && text.contains("2026-10-09") && !text.contains("王小明"),
        "{text}"
    );
    screenshot(&client, "case-progress").await;

    client.close().await.unwrap();
    app.stop().await;
}
