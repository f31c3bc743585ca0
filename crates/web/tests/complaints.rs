//! 效能投诉, 咨询 and the hotline over the API and pages on every backend: an applicant
//! complains on the web and the supervisor assigns it, the department replies (another
//! department cannot), the supervisor accepts it and the applicant rates the handling; a
//! question asked on a guide is answered and approved onto the guide's FAQ; a hotline export
//! with a bad row is refused naming it, then imported, and a transferred call becomes a
//! complaint from its page.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::json;

async fn journey(app: &TestApp) {
    let org = app.seed_org().await;
    let chief = app
        .dept_staff(&org, org.dept, "chief", &["chief_representative"])
        .await;
    let other = app
        .dept_staff(
            &org,
            org.other_dept,
            "otherchief",
            &["chief_representative"],
        )
        .await;
    let supervisor = app
        .staff("jiancha", &["supervisor"], Some(org.centre), None)
        .await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let item = publish_item(app, org.dept, chief.account_id).await;
    let me = register(app, "张伟", "11010519491231002X").await;
    let t_me = app.token(me, TokenScope::Write).await;
    let t_chief = app.token(chief.account_id, TokenScope::Write).await;
    let t_other = app.token(other.account_id, TokenScope::Write).await;
    let t_sup = app.token(supervisor.account_id, TokenScope::Write).await;
    let t_sup_read = app.token(supervisor.account_id, TokenScope::Read).await;

    // A web complaint: refused without its content, then filed.
    let complaint = json!({"channel": "web", "subject": "department", "subject_ref": org.dept.get().to_string(),
        "title": "窗口推诿", "content": "", "anonymous": false});
    let (status, body) = app.post(&t_me, "/complaints", complaint.clone()).await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["content"]);
    let mut filed = complaint.clone();
    filed["content"] = json!("窗口让我去别的窗口，别的窗口又让我回来");
    let (status, c) = app.post(&t_me, "/complaints", filed).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["name"], "张伟", "the account's name");
    let steps = format!("/complaints/{id}/steps");
    let (status, _) = app
        .post(
            &t_sup_read,
            &steps,
            json!({"step": "assign", "department_id": org.dept}),
        )
        .await;
    assert_eq!(status, 403, "a read token");
    let (status, _) = app
        .post(
            &t_chief,
            &steps,
            json!({"step": "assign", "department_id": org.dept}),
        )
        .await;
    assert_eq!(status, 403, "departments do not assign");
    let (status, body) = app
        .post(
            &t_sup,
            &steps,
            json!({"step": "assign", "department_id": org.dept}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "assigned");
    let (status, _) = app
        .post(
            &t_other,
            &steps,
            json!({"step": "reply", "text": "与我无关"}),
        )
        .await;
    assert_eq!(status, 403, "another department");
    let (status, _) = app
        .post(
            &t_chief,
            &steps,
            json!({"step": "reply", "text": "已核实，对窗口人员批评教育"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(&t_sup, &steps, json!({"step": "accept", "text": ""}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["note"]);
    let (status, _) = app
        .post(
            &t_sup,
            &steps,
            json!({"step": "accept", "text": "处理得当"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            &t_me,
            &format!("/complaints/{id}/rating"),
            json!({"satisfied": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rating"], "satisfied");
    let (_, mine) = app.get(&t_me, "/complaints").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (status, _) = app.get(&t_other, &format!("/complaints/{id}")).await;
    assert_eq!(status, 404, "another department's complaint");

    // A question on the guide, answered, approved onto its FAQ.
    let (status, q) = app
        .post(
            &t_me,
            "/consultations",
            json!({"item_id": item, "channel": "online", "question": "能否邮寄送达？"}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &t_other,
            &format!("/consultations/{qid}/answer"),
            json!({"answer": "可以"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post(
            &t_chief,
            &format!("/consultations/{qid}/answer"),
            json!({"answer": "可以，申请时选择快递送达"}),
        )
        .await;
    assert_eq!(status, 200);
    let (chief_page, _) = app.login("chief", PASSWORD).await;
    let page = app
        .page(&chief_page, &format!("/work/consultations/{qid}"))
        .await;
    let csrf = csrf_of(&page);
    let resp = chief_page
        .post(app.url(&format!("/work/consultations/{qid}/propose")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let (admin_page, _) = app.login("admin", PASSWORD).await;
    let page = app
        .page(&admin_page, "/work/consultations?faq=proposed")
        .await;
    assert!(page.contains("能否邮寄送达"), "{page}");
    let csrf = csrf_of(&page);
    let resp = admin_page
        .post(app.url(&format!("/work/consultations/{qid}/approve")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let guide = app.page(&browser(), &format!("/items/{item}")).await;
    assert!(guide.contains("申请时选择快递送达"), "the FAQ on the guide");
    let _ = admin;

    // The hotline: a bad row named, nothing written; then imported, and a call taken on.
    let header =
        "call_id,time,caller,category,answered,transferred_to,transfer_result,satisfaction\n";
    let bad = format!("{header}H1,2026-11-02 09:00:00,13912345678,投诉,1,,,\n");
    let import = |csv: String| {
        reqwest::Client::new()
            .post(app.url("/api/v1/hotline/imports"))
            .bearer_auth(&t_sup)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let resp = import(bad).await.unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&body), ["rows[2].caller"]);
    let good = format!(
        "{header}H1,2026-11-02 09:00:00,139****5678,投诉,1,临沂市市场监督管理局,成功,不满意\n\
         H2,2026-11-02 09:10:00,139****0000,咨询,1,,,满意\n"
    );
    let resp = import(good).await.unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let report: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(report["added"], 2);
    let (_, figures) = app
        .get(&t_sup, "/hotline/figures?from=2026-11-01&to=2026-11-30")
        .await;
    let total: i64 = figures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["calls"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2);
    let (status, _) = app
        .get(&t_chief, "/hotline/figures?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(status, 403);
    let (sup_page, _) = app.login("jiancha", PASSWORD).await;
    let page = app.page(&sup_page, "/work/hotline/calls/H1").await;
    let csrf = csrf_of(&page);
    let resp = sup_page
        .post(app.url("/work/hotline/calls/H1/complaint"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "热线转办：窗口推诿"),
            ("content", "来电人反映窗口推诿"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let page = app.page(&sup_page, "/work/hotline").await;
    assert!(page.contains("投诉 #2"), "{page}");
}

#[tokio::test]
async fn complaints_consultations_and_the_hotline() {
    on_every_backend!(journey, "2026-12-03");
}
