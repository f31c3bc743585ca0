//! Case data reported by a department's own system, end to end on every backend: who may
//! report, bad records refused with every field named and nothing stored, the findings a
//! report proves in the answer, and the supervisors' pages that show them.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use serde_json::{Value, json};

fn accept(no: &str, at: &str) -> Value {
    json!({"row_guid": format!("a-{no}"), "project_no": no, "task_code": "X1", "task_name": "食品经营许可",
        "project_type": "2", "applyer_name": "张伟", "applyer_type": "1",
        "applyer_page_code": "11010519491231002X", "apply_date": "2026-11-02 08:00:00",
        "apply_type": "2", "handle_user_name": "李娜", "accept_date": at})
}

fn result(no: &str, kind: &str, at: &str, explain: &str) -> Value {
    json!({"row_guid": format!("r-{no}"), "project_no": no, "result_date": at, "result_type": kind,
        "result_explain": explain, "is_delivery_results": "0"})
}

async fn reports(app: &TestApp) {
    let org = app.seed_org().await;
    let system = app.dept_staff(&org, org.dept, "bumen", &["clerk"]).await;
    let supervisor = app.staff("jiancha", &["supervisor"], None, None).await;
    let other = app
        .dept_staff(&org, org.other_dept, "other", &["clerk"])
        .await;
    let write = app.token(system.account_id, TokenScope::Write).await;
    let read = app.token(system.account_id, TokenScope::Read).await;
    let t_sup = app.token(supervisor.account_id, TokenScope::Write).await;
    let t_other = app.token(other.account_id, TokenScope::Read).await;

    let body = json!({
        "accept": [accept("BJ1", "2026-11-02 09:00:00"), accept("BJ2", "2026-11-03 09:00:00")],
        "result": [result("BJ1", "1", "2026-11-03 10:00:00", "准予"),
                   result("BJ2", "1", "2026-11-02 16:00:00", ""),
                   result("BJ3", "3", "2026-11-02 16:00:00", "")]
    });
    // A read-only token, and an account of no department, may not report.
    let (status, _) = app.post(&read, "/exchange/cases", body.clone()).await;
    assert_eq!(status, 403);
    let (status, p) = app.post(&t_sup, "/exchange/cases", body.clone()).await;
    assert_eq!(status, 403, "{p}");

    // Bad records: every field named, nothing stored.
    let mut bad = accept("BJ9", "2026-11-01 09:00:00");
    bad["applyer_page_code"] = json!("110105194912310021");
    let (status, p) = app
        .post(
            &write,
            "/exchange/cases",
            json!({"accept": [bad], "result": [result("BJ9", "7", "11月3日", "")]}),
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        problem_fields(&p),
        [
            "accept[0].applyer_page_code",
            "accept[0].accept_date",
            "result[0].result_date",
            "result[0].result_type"
        ]
    );
    assert!(
        app.store
            .supervision()
            .reported_cases(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, p) = app
        .post(&write, "/exchange/cases", json!({"accept": 5}))
        .await;
    assert_eq!(status, 422, "{p}");

    // A good report: stored, and the answer names what it proved.
    let (status, out) = app.post(&write, "/exchange/cases", body.clone()).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (out["stored"].as_u64(), out["duplicates"].as_u64()),
        (Some(5), Some(0))
    );
    let rules: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["decision_before_acceptance", "refused_without_reasons"]
    );
    let (_, again) = app.post(&write, "/exchange/cases", body).await;
    assert_eq!(
        (again["stored"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(5))
    );
    assert!(again["findings"].as_array().unwrap().is_empty());

    // The findings list links them to the reported case; its records are readable by
    // supervisors and the department, not by another department.
    let (_, findings) = app.get(&t_sup, "/supervision/findings?open=true").await;
    let f = &findings[0];
    assert_eq!(
        (f["case_id"].is_null(), f["case_no"].as_str()),
        (true, Some("BJ3"))
    );
    let report = f["report_id"].as_i64().unwrap();
    let (status, rc) = app.get(&t_sup, &format!("/exchange/cases/{report}")).await;
    assert_eq!(status, 200);
    assert_eq!(rc["records"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .get(&t_other, &format!("/exchange/cases/{report}"))
        .await;
    assert_eq!(status, 403);

    // The pages: the list, one case, and the dashboard's link to it.
    let (client, _) = app.login("jiancha", PASSWORD).await;
    let get = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, list) = get("/admin/supervision/reported".into()).await;
    assert_eq!(status, 200);
    assert!(list.contains("BJ2") && list.contains("不予受理"), "{list}");
    let (status, one) = get(format!("/admin/supervision/reported/{report}")).await;
    assert_eq!(status, 200);
    assert!(
        one.contains("不予受理未说明理由") && one.contains("结果信息"),
        "{one}"
    );
    let (_, dashboard) = get("/admin/supervision".into()).await;
    assert!(dashboard.contains(&format!("/admin/supervision/reported/{report}")));
    let (client, _) = app.login("other", PASSWORD).await;
    let r = client
        .get(app.url(&format!("/admin/supervision/reported/{report}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn exchange_reports_raise_findings() {
    on_every_backend!(reports, "2026-11-04");
}
