//! 好差评 over the API and pages on every backend: the applicant rates a concluded case (a bad
//! review refused without a reason, a read token refused), the department sees it anonymous
//! and supervisors by name, the department calls back and appeals, the centre upholds the
//! appeal and the figures drop; the receipt's QR code leads from 办件查询 to a rating page
//! that needs no account; the public monthly figures.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

async fn journey(app: &TestApp) {
    let org = app.seed_org().await;
    let (case, case_no, code) = concluded_case(app, &org, "clerk").await;
    let chief = app
        .dept_staff(&org, org.dept, "chief", &["chief_representative"])
        .await;
    let supervisor = app
        .staff("jiancha", &["supervisor"], Some(org.centre), None)
        .await
        .account_id;
    let me = register(app, "张伟", "11010519491231002X").await;
    let t_me = app.token(me, TokenScope::Write).await;
    let t_me_read = app.token(me, TokenScope::Read).await;
    let t_chief = app.token(chief.account_id, TokenScope::Write).await;
    let t_supervisor = app.token(supervisor, TokenScope::Write).await;

    // Refused: a read token, a bad review without a reason, a level outside 1–5.
    let path = format!("/cases/{case}/reviews");
    let (status, _) = app
        .post(&t_me_read, &path, json!({"level": 1, "channel": "pc"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .post(&t_me, &path, json!({"level": 5, "channel": "pc"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["reasons"]);
    let (status, body) = app
        .post(&t_me, &path, json!({"level": 9, "channel": "pc"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["level"]);

    let (status, review) = app
        .post(
            &t_me,
            &path,
            json!({"level": 4, "channel": "pc", "reasons": ["等候时间长"], "comment": "等了一个小时"}),
        )
        .await;
    assert_eq!(status, 201, "{review}");
    let id = review["id"].as_i64().unwrap();
    assert_eq!(review["handling"]["state"], "callback");

    // Anonymous to the department, by name to supervisors.
    let (status, mine) = app.get(&t_chief, "/reviews").await;
    assert_eq!(status, 200);
    assert_eq!(mine[0]["reviewer_name"], "匿名");
    assert_eq!(mine[0]["reviewer_id_number"], "");
    let (_, all) = app.get(&t_supervisor, &format!("/reviews/{id}")).await;
    assert_eq!(all["reviewer_name"], "张伟");

    // The department calls back; the reviewer cannot call back for it.
    let step = format!("/reviews/{id}/handling");
    let (status, body) = app
        .post(&t_me, &step, json!({"step": "callback", "notes": "x"}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .post(
            &t_chief,
            &step,
            json!({"step": "callback", "notes": "已致电，了解等候情况"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["handling"]["state"], "rectify");

    // An appeal, decided by the centre only.
    let (status, body) = app
        .post(
            &t_chief,
            &format!("/reviews/{id}/appeal"),
            json!({"kind": "mistaken", "grounds": ""}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["grounds"]);
    let (status, _) = app
        .post(
            &t_chief,
            &format!("/reviews/{id}/appeal"),
            json!({"kind": "mistaken", "grounds": "评价对象为其他窗口"}),
        )
        .await;
    assert_eq!(status, 201);
    let decision = format!("/reviews/{id}/appeal/decision");
    let (status, _) = app
        .post(
            &t_chief,
            &decision,
            json!({"decision": "upheld", "note": "自己审核"}),
        )
        .await;
    assert_eq!(status, 403);
    let figures = "/reviews/figures?by=department&from=2026-12-01&to=2026-12-31";
    let (_, before) = app.get(&t_supervisor, figures).await;
    let unit = org.dept.get().to_string();
    let market = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|f| f["unit"] == unit.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(market(&before)["bad"], 1);
    let (status, body) = app
        .post(
            &t_supervisor,
            &decision,
            json!({"decision": "upheld", "note": "核实属误评"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["excluded"], true);
    let (_, after) = app.get(&t_supervisor, figures).await;
    assert_eq!(market(&after)["reviews"], 0);
    let (status, body) = app
        .get(
            &t_supervisor,
            "/reviews/figures?by=weather&from=2026-12-01&to=x",
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["by", "to"]);

    // The receipt's QR code: 办件查询 offers the rating, which needs no account.
    let anon = browser();
    let progress = app
        .page(
            &anon,
            &format!("/progress?case_no={case_no}&query_code={code}"),
        )
        .await;
    assert!(progress.contains("评价本次服务"), "{progress}");
    let rate = format!("/rate?case_no={case_no}&query_code={code}");
    let page = app.page(&anon, &rate).await;
    assert!(
        page.contains("追评"),
        "one review given: the follow-up is offered"
    );
    let csrf = csrf_of(&page);
    let resp = anon
        .post(app.url("/rate"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("case_no", case_no.as_str()),
            ("query_code", code.as_str()),
            ("level", "5"),
            ("comment", "还是不满意"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let refused = resp.text().await.unwrap();
    assert!(refused.contains("差评请至少选择一项原因"), "{refused}");
    let resp = anon
        .post(app.url("/rate"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("case_no", case_no.as_str()),
            ("query_code", code.as_str()),
            ("level", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("感谢您的评价"));
    let (status, _) = app
        .api(
            "",
            reqwest::Method::POST,
            "/reviews/by-code",
            Some(json!({"case_no": case_no, "query_code": "WRONG9", "level": 1, "channel": "qr"})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.store
            .reviews()
            .of_case(onewindow_domain::ids::CaseId(case))
            .await
            .unwrap()
            .len(),
        2
    );

    // 好差评公开: every department's month, for anyone.
    let public = app.page(&anon, "/reviews?month=2026-12").await;
    assert!(public.contains("好差评公开"), "{public}");
    assert!(public.contains("临沂市市场监督管理局"));
    let resp = anon.get(app.url("/tablet/not-a-key")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn reviews_from_rating_to_an_upheld_appeal() {
    on_every_backend!(journey, "2026-12-03");
}
