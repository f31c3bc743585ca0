//! 好差评 in headless Chromium: on a phone (375 px) the applicant follows the receipt's QR code
//! to 办件查询, goes on to rate the concluded case, is told a bad review needs a reason, gives
//! one and is thanked; at 1366 px the department's chief representative finds the review
//! without the reviewer's name and records the callback. Runs when chromedriver is installed,
//! and must run under CI=true.

#[macro_use]
mod common;

use common::browser::*;
use common::*;
use fantoccini::Locator;
use onewindow_store::Backend;

#[tokio::test]
async fn rate_from_the_receipt_on_a_phone() {
    let Some(driver_path) = chromedriver() else {
        eprintln!("chromedriver not installed; browser test not run");
        return;
    };
    let app = spawn_app_on(Backend::Sqlite, Some("2026-12-03")).await;
    let org = app.seed_org().await;
    let (_, case_no, code) = concluded_case(&app, &org, "clerk").await;
    app.dept_staff(&org, org.dept, "chief", &["chief_representative"])
        .await;
    let base = app.url("");
    let (_driver, client) = start_browser(&driver_path).await;

    // The QR code on the receipt opens 办件查询 with the case's number and code.
    client.set_window_size(375, 812).await.unwrap();
    client
        .goto(&format!(
            "{base}/progress?case_no={case_no}&query_code={code}"
        ))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("已办结"), "{text}");
    click_and_wait(&client, "#rate-invite a").await;
    let text = page_text(&client).await;
    assert!(text.contains("您对本次服务的满意程度"), "{text}");
    // The five choices stand one under another, nothing runs off the side.
    let layout = client
        .execute(
            "const l = [...document.querySelectorAll('.level')].map(e => e.getBoundingClientRect());
             return [l.length, l[1].top > l[0].top, document.documentElement.scrollWidth > window.innerWidth].join('|');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layout.as_str(), Some("5|true|false"), "{layout}");

    // 不满意 without a reason: refused on its field, the choice kept.
    client
        .find(Locator::Css("label.level-4"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&client, "f-comment", "排队等了一个小时").await;
    click_and_wait(&client, "#rate-form button[type=submit]").await;
    let text = page_text(&client).await;
    assert!(text.contains("差评请至少选择一项原因"), "{text}");
    screenshot(&client, "reviews-refused-375").await;
    let kept = client
        .execute(
            "return document.querySelector('input[name=level][value=\"4\"]').checked;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept.as_bool(), Some(true));
    client
        .find(Locator::Css("input[name=reasons][value='等候时间长']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_and_wait(&client, "#rate-form button[type=submit]").await;
    let text = page_text(&client).await;
    assert!(text.contains("感谢您的评价"), "{text}");
    assert!(text.contains("您的评价：不满意"), "{text}");
    assert!(text.contains("追评"), "a follow-up is offered: {text}");
    screenshot(&client, "reviews-rated-375").await;

    // The department: anonymous, and the callback recorded.
    client.set_window_size(1366, 900).await.unwrap();
    login(&client, &base, "chief", PASSWORD).await;
    client
        .goto(&format!("{base}/work/reviews?open=1"))
        .await
        .unwrap();
    let text = page_text(&client).await;
    assert!(text.contains("不满意") && text.contains("待回访"), "{text}");
    assert!(
        !text.contains("张伟"),
        "anonymous to the department: {text}"
    );
    let review = app
        .store
        .reviews()
        .list(&onewindow_store::reviews::ReviewFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    click_and_wait(&client, &format!("a[href='/work/reviews/{}']", review.id)).await;
    fill(&client, "notes", "已致电申请人致歉，核实等候时间").await;
    click_and_wait(&client, "form[action$='/callback'] button[type=submit]").await;
    let text = page_text(&client).await;
    assert!(text.contains("待整改"), "{text}");
    assert!(text.contains("已致电申请人致歉"), "{text}");
    screenshot(&client, "reviews-callback-1366").await;
    app.stop().await;
}
