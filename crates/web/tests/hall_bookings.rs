//! Appointments over the API and the pages on every backend, at 08:45 on a Monday: the halls
//! and slots of an item, a booking made once however often it is sent, refusals with field
//! messages, another applicant's booking not found, a read token refused, the clerk's check-in
//! by code and the window's day, the centre's rules guarded; and the applicant's pages.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

async fn book(app: &TestApp, token: &str, key: &str, body: Value) -> (u16, Value) {
    let resp = browser()
        .post(app.url("/api/v1/hall/bookings"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn journey(app: &TestApp) {
    let org = app.seed_org().await;
    let windows = onewindow_store::testing::seed_windows(
        &app.store,
        org.centre,
        org.hall,
        Some(org.dept),
        1,
        1,
    )
    .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let stranger = app
        .dept_staff(&org, org.other_dept, "police", &["clerk"])
        .await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let mut doc = food_licence_doc(org.dept);
    doc["appointment"] = json!(true);
    let item = import_item(app, doc, clerk.account_id).await;
    let me = register(app, "王小明", "11010519491231002X").await;
    let other = register(app, "李四", "110105198001011238").await;
    let token = app.token(me, TokenScope::Write).await;
    let read_only = app.token(me, TokenScope::Read).await;
    let other_token = app.token(other, TokenScope::Write).await;

    let (s, places) = app
        .get(&token, &format!("/hall/items/{}/places", item.0))
        .await;
    assert_eq!(s, 200);
    assert_eq!(places[0]["windows"], 1);
    assert_eq!(places[0]["pool"], format!("dept:{}", org.dept.0));
    let (s, days) = app
        .get(
            &token,
            &format!("/hall/items/{}/slots?hall_id={}", item.0, org.hall.0),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(days[0]["day"], "2026-09-28");
    assert_eq!(days[0]["slots"][0]["start"], "09:00");
    assert_eq!(days[0]["slots"][0]["bookable"], true);
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == "2026-10-01" && d["closed"].as_str().unwrap().contains("国庆"))
    );

    // One booking however often it is sent; its code and slot.
    let body = json!({"item_id": item, "hall_id": org.hall, "day": "2026-09-28", "start": "09:00"});
    let (s, first) = book(app, &token, "k-1", body.clone()).await;
    assert_eq!(s, 201, "{first}");
    let (s, again) = book(app, &token, "k-1", body.clone()).await;
    assert_eq!((s, &again["id"]), (201, &first["id"]));
    let code = first["code"].as_str().unwrap().to_owned();
    // One window seeing two people a slot (the default): the third person finds it full.
    let (s, p) = book(app, &other_token, "k-o", body.clone()).await;
    assert_eq!(s, 201, "{p}");
    let third = register(app, "张三", "110105198001010016").await;
    let third_token = app.token(third, TokenScope::Write).await;
    let (s, p) = book(app, &third_token, "k-t", body.clone()).await;
    assert_eq!(s, 422);
    assert!(p.to_string().contains("已约满"), "{p}");

    // Refusals name the field.
    let (s, p) = book(
        app,
        &token,
        "k-2",
        json!({"item_id": item, "hall_id": org.hall, "day": "2026-10-02", "start": "09:00"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["slot"]);
    let (s, p) = book(
        app,
        &token,
        "k-3",
        json!({"item_id": item, "hall_id": org.hall, "day": "明天", "start": "9点"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["day", "start"]);
    let (s, _) = book(app, &read_only, "k-4", body.clone()).await;
    assert_eq!(s, 403);
    let id = first["id"].as_i64().unwrap();
    let (s, _) = app.get(&other_token, &format!("/hall/bookings/{id}")).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .post(
            &other_token,
            &format!("/hall/bookings/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 404);

    // The clerk checks the applicant in at 08:45; the other department cannot.
    let clerk_token = app.token(clerk.account_id, TokenScope::Write).await;
    let stranger_token = app.token(stranger.account_id, TokenScope::Write).await;
    let (s, p) = app
        .post(
            &stranger_token,
            "/hall/check-ins",
            json!({"code": code, "window_id": windows[0].id}),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = app
        .post(
            &clerk_token,
            "/hall/check-ins",
            json!({"code": code.to_lowercase(), "window_id": windows[0].id}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "checked_in");
    let (s, day) = app
        .get(
            &clerk_token,
            &format!("/hall/windows/{}/bookings?day=2026-09-28", windows[0].id.0),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(day.as_array().unwrap().len(), 2);
    let (s, _) = app
        .get(
            &stranger_token,
            &format!("/hall/windows/{}/bookings", windows[0].id.0),
        )
        .await;
    assert_eq!(s, 404);
    // A checked-in booking can no longer be cancelled.
    let (s, _) = app
        .post(&token, &format!("/hall/bookings/{id}/cancel"), json!({}))
        .await;
    assert_eq!(s, 422);

    // The rules and hours are the administrators'.
    let rules = json!({"max_open": 0, "no_show_limit": 3, "no_show_days": 30, "days_ahead": 14});
    let (s, _) = app
        .api(
            &clerk_token,
            reqwest::Method::PUT,
            "/hall/booking-rules",
            Some(rules.clone()),
        )
        .await;
    assert_eq!(s, 403);
    let admin_token = app.token(admin.account_id, TokenScope::Write).await;
    let (s, p) = app
        .api(
            &admin_token,
            reqwest::Method::PUT,
            "/hall/booking-rules",
            Some(rules),
        )
        .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["max_open".to_owned()]));
    let (s, p) = app
        .api(
            &admin_token,
            reqwest::Method::PUT,
            &format!("/hall/halls/{}/schedule", org.hall.0),
            Some(json!({"sessions": "08:30-17:30", "slot_minutes": 30, "per_window": 3})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["no_lunch_break"], true);

    // The applicant's pages: the booking form, the list, the voucher with its QR image.
    let (client, _) = app.login("11010519491231002X", PASSWORD).await;
    let page = app.page(&client, &format!("/book/{}", item.0)).await;
    assert!(
        page.contains("确认预约") && page.contains("12:00–12:30"),
        "午间不休 slots"
    );
    let page = app.page(&client, "/my/bookings").await;
    assert!(page.contains(&code));
    let page = app.page(&client, &format!("/my/bookings/{id}")).await;
    assert!(page.contains("<svg") && page.contains("已签到"));
}

#[tokio::test]
async fn appointments_over_the_api_and_pages() {
    for backend in backends() {
        let app = spawn_app_at(backend, Some("2026-09-28"), Some("08:45")).await;
        journey(&app).await;
        app.stop().await;
    }
}
