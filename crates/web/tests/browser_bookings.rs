//! Appointments in headless Chromium at 8:45 on a Monday: on a phone-sized screen an applicant
//! opens a guide, books a slot (the first day's slots, a holiday closed), sees the voucher with
//! its code and QR image, moves it to another time and finds it in their list; at the window
//! (1366 px) the clerk sees the day and checks the applicant in by code; a wrong code is told
//! apart. Runs when chromedriver is installed, and must run under CI=true.

#[macro_use]
mod common;

use common::browser::*;
use common::*;
use fantoccini::Locator;
use onewindow_store::Backend;
use onewindow_store::accounts::IndividualRegistration;
use serde_json::json;

#[tokio::test]
async fn book_move_and_check_in() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_at(Backend::Sqlite, Some("2026-09-28"), Some("08:45")).await;
    let org = app.seed_org().await;
    onewindow_store::testing::seed_windows(&app.store, org.centre, org.hall, Some(org.dept), 1, 2)
        .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let mut doc = food_licence_doc(org.dept);
    doc["appointment"] = json!(true);
    let item = import_item(&app, doc, clerk.account_id).await;
    app.store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "王小明".into(),
                resident_id: "11010519491231002X".into(),
                mobile: "13912345678".into(),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .unwrap();
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;
    client.set_window_size(375, 900).await.unwrap();
    login(&client, &base, "11010519491231002X", PASSWORD).await;

    // From the guide to the booking page: today's slots, National Day closed.
    client
        .goto(&format!("{base}/items/{}", item.0))
        .await
        .unwrap();
    click_and_wait(&client, &format!("a[href='/book/{}']", item.0)).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("9月28日 周一") && text.contains("国庆节"),
        "{text}"
    );
    assert!(
        text.contains("09:00–09:30") && text.contains("余 4 个"),
        "{text}"
    );
    screenshot(&client, "booking-choose-375").await;
    // Chooses ten o'clock and books.
    client
        .find(Locator::Css("input[name=start][value='10:00']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_and_wait(&client, "form[action^='/book/'] button[type=submit]").await;
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/my/bookings/"), "{url}");
    let code = client
        .find(Locator::Id("check-in-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 8);
    let text = page_text(&client).await;
    assert!(
        text.contains("预约成功") && text.contains("10:00–10:30"),
        "{text}"
    );
    assert!(client.find(Locator::Css(".qr svg")).await.is_ok());
    screenshot(&client, "booking-voucher-375").await;

    // Moves it to the next morning; the code stays.
    click_and_wait(&client, "a[href$='/move']").await;
    click_and_wait(&client, "a.day[href*='2026-09-29']").await;
    client
        .find(Locator::Css("input[name=start][value='09:00']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_and_wait(&client, "form.form button[type=submit]").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("已改期") && text.contains("9月29日 周二 09:00–09:30"),
        "{text}"
    );
    assert!(text.contains(&code));
    client.goto(&format!("{base}/my/bookings")).await.unwrap();
    assert_stacked(&client, "#bookings").await;
    screenshot(&client, "booking-list-375").await;
    click_and_wait(&client, "form[action='/logout'] button").await;

    // The clerk's day at the window: tomorrow's list; checking in too early is explained.
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "clerk", PASSWORD).await;
    client
        .goto(&format!("{base}/work/bookings?day=2026-09-29"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(
        text.contains("预约 1 人") && text.contains("王小明"),
        "{text}"
    );
    fill(&client, "code", &code).await;
    click_and_wait(&client, "form[method=post][action='/work/bookings'] button").await;
    let text = page_text(&client).await;
    assert!(text.contains("尚未到签到时间"), "{text}");
    fill(&client, "code", "ZZZZ2222").await;
    click_and_wait(&client, "form[method=post][action='/work/bookings'] button").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("签到码无效") && text.contains("王小明"),
        "{text}"
    );
    screenshot(&client, "booking-desk-1366").await;
    app.stop().await;
}
