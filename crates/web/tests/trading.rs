//! 公共资源交易 over the pages and the API on every backend: a listing auction's page and live
//! feed (a bid made on the page reaches a watcher over SSE; a bid below the increment is refused
//! with the reason by the field), the OCDS package paged with its next link and a bad page size
//! refused, and the statistics page with its CSV.

#[macro_use]
mod common;

use common::*;
use onewindow_store::testing::{PASSWORD, company_code, register_company};
use onewindow_store::trading::{ListingInput, LotInput, ProjectInput};

async fn listing(app: &TestApp) {
    let org = app.seed_org().await;
    let clerk = app
        .staff("jiaoyi", &["trading_officer"], Some(org.centre), None)
        .await;
    let t = app.store.trading();
    let p = t
        .create_project(
            &ProjectInput {
                code: "LYTD-2026-20".into(),
                name: "兰山区 2026-20 号地块".into(),
                sector: "land_mineral".into(),
                method: "auction".into(),
                owner_name: "临沂市自然资源和规划局".into(),
                owner_credit_code: company_code(7),
                budget: "5000000".into(),
                funding_source: "土地出让".into(),
                lots: vec![LotInput {
                    name: "挂牌出让".into(),
                    budget: "5000000".into(),
                }],
                ..Default::default()
            },
            clerk.account_id,
        )
        .await
        .unwrap();
    let lot = t.lots(p.id).await.unwrap().remove(0).id;
    let now = onewindow_store::now_ms();
    let day = 86_400_000;
    let ms = |v: i64| chrono::DateTime::from_timestamp_millis(v).unwrap();
    t.publish_listing(
        lot,
        &ListingInput {
            title: "兰山区 2026-20 号地块挂牌出让公告".into(),
            body: "住宅用地，出让年限 70 年。".into(),
            docs: ("出让文件.pdf".into(), "0".repeat(64)),
            starting_price: "5000000".into(),
            increment: "100000".into(),
            reserve_price: None,
            listing_starts_at: ms(now - 2 * day),
            listing_ends_at: ms(now + 9 * day),
            round_secs: 300,
        },
        &onewindow_domain::calendar::WorkCalendar::official().unwrap(),
        clerk.account_id,
        now - 25 * day,
    )
    .await
    .unwrap();
    let company = register_company(&app.store, "临沂置业有限公司", 31).await;
    t.register(lot, company, now - day).await.unwrap();

    // A watcher opens the live feed and gets the whole state first.
    let anon = browser();
    let page = app.page(&anon, &format!("/trading/lots/{lot}")).await;
    assert!(
        page.contains("网上挂牌竞价") && page.contains("距挂牌截止"),
        "{page}"
    );
    assert!(page.contains("竞买人请以法人账号登录"));
    let mut feed = anon
        .get(app.url(&format!("/trading/lots/{lot}/live")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        feed.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let first = String::from_utf8(feed.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(
        first.contains("event: auction") && first.contains("\"offers\":[]"),
        "{first}"
    );

    // The company bids on the page; too low is refused by the field, in Chinese.
    let (me, _) = app.login(&company_code(31), PASSWORD).await;
    let page = app.page(&me, &format!("/trading/lots/{lot}")).await;
    assert!(page.contains("我的报价"), "{page}");
    let csrf = csrf_of(&page);
    let low = me
        .post(app.url(&format!("/trading/lots/{lot}/offer")))
        .form(&[("_csrf", csrf.as_str()), ("amount", "4000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(low.status().as_u16(), 422);
    assert!(
        low.text()
            .await
            .unwrap()
            .contains("报价应不低于 5000000.00 元")
    );
    let ok = me
        .post(app.url(&format!("/trading/lots/{lot}/offer")))
        .form(&[("_csrf", csrf.as_str()), ("amount", "5,000,000")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    let mut event = String::new();
    while !event.contains("\n\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), feed.chunk())
            .await
            .expect("the bid reaches the watcher")
            .unwrap()
            .unwrap();
        event.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        event.contains("\"seq\":1") && event.contains("\"amount\":\"5000000.00\""),
        "{event}"
    );
    assert!(
        !event.contains("临沂置业"),
        "bidders are shown by number only"
    );
    let state = app
        .json(&anon, &format!("/api/v1/trading/lots/{lot}/auction"))
        .await;
    assert_eq!(state["next_minimum_fen"], 510_000_000);

    // OCDS, paged: one lot a page, the next link while there are more.
    let first_page = app
        .json(&anon, "/api/v1/trading/ocds/releases?limit=1")
        .await;
    assert_eq!(first_page["version"], "1.1");
    assert_eq!(
        first_page["releases"][0]["ocid"],
        format!("ocds-onewin-{lot}")
    );
    assert!(
        first_page["links"]["next"]
            .as_str()
            .unwrap()
            .contains(&format!("after={lot}"))
    );
    let records = app.json(&anon, "/api/v1/trading/ocds/records").await;
    assert_eq!(
        records["records"][0]["compiledRelease"]["tag"][0],
        "compiled"
    );
    let resp = anon
        .get(app.url("/api/v1/trading/ocds/releases?limit=1000"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["limit"]);

    // Statistics, on the page and as CSV.
    let stats = app.page(&anon, "/trading/statistics").await;
    assert!(stats.contains("土地使用权和矿业权出让") && stats.contains("拍卖/挂牌"));
    let csv = anon
        .get(app.url("/trading/statistics?format=csv"))
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.text().await.unwrap().contains("节约资金"));
}

#[tokio::test]
async fn a_listing_auction_live_with_its_ocds_and_figures() {
    on_every_backend!(listing);
}
