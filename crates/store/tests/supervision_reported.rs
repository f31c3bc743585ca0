//! Cases reported by other systems (the exchange's accept/process/result records) as findings,
//! and online-only items handled at the window.

use onewindow_domain::case::*;
use onewindow_domain::exchange::{AcceptRecord, ProcessRecord, Report, ResultRecord};
use onewindow_store::Store;
use onewindow_store::on_every_backend;
use onewindow_store::supervision::assessment::{Period, Target};
use onewindow_store::supervision::reported::ReportOutcome;
use onewindow_store::testing::submission;

mod supervision_support;
use supervision_support::*;

fn accept(no: &str, guid: &str, task_code: &str, apply_type: &str, at: &str) -> AcceptRecord {
    AcceptRecord {
        row_guid: guid.into(),
        project_no: no.into(),
        task_code: task_code.into(),
        task_name: "个体工商户设立登记".into(),
        project_type: "2".into(),
        applyer_name: "张伟".into(),
        applyer_type: "1".into(),
        applyer_page_code: "11010519491231002X".into(),
        apply_date: "2026-11-02 08:30:00".into(),
        apply_type: apply_type.into(),
        handle_user_name: "李娜".into(),
        accept_date: at.into(),
        promise_date: None,
    }
}

fn result(no: &str, guid: &str, kind: &str, at: &str, explain: &str) -> ResultRecord {
    ResultRecord {
        row_guid: guid.into(),
        project_no: no.into(),
        result_date: at.into(),
        result_type: kind.into(),
        result_explain: explain.into(),
        is_delivery_results: "0".into(),
        ..Default::default()
    }
}

fn raised(o: &ReportOutcome) -> Vec<(&str, &str)> {
    o.findings
        .iter()
        .map(|f| (f.rule_code.as_str(), f.project_no.as_str()))
        .collect()
}

async fn reported_and_online_only(store: &Store) {
    let mut w = world(store).await;
    let dept = w.item.department_id;
    let by = w.clerk_account;
    let today = d("2026-11-04");
    let send = |r: Report| store.supervision().report_cases(dept, by, r, today);

    // An item that must be handled online, taken at the window, is a finding proved by the
    // submission; applied for online, or an item with a window, is not.
    let window_only = open_case(store, &w, "王芳").await;
    w.item.online_only = true;
    let online = run(
        store,
        &w,
        None,
        "2026-09-24",
        submission(Channel::Online, w.item.clone(), "赵敏", &[]),
    )
    .await
    .unwrap();
    assert!(
        store
            .supervision()
            .findings(false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let at_window = open_case(store, &w, "陈静").await;
    let found = store.supervision().findings(false, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].rule_code.as_str(),
            found[0].case_id,
            found[0].event_seq
        ),
        ("online_only_at_window", Some(at_window), Some(1))
    );
    assert!(window_only != online);

    // A department's own system reports. A case accepted and then concluded: nothing.
    let ok = Report {
        accept: vec![accept("BJ001", "a-1", "X1", "2", "2026-11-02 09:00:00")],
        process: vec![ProcessRecord {
            row_guid: "p-1".into(),
            project_no: "BJ001".into(),
            process_name: "审查".into(),
            event_name: "1".into(),
            event_start_time: "2026-11-02 09:00:00".into(),
            event_end_time: "2026-11-03 10:00:00".into(),
            handle_user_name: "李娜".into(),
            handle_explain: "同意".into(),
        }],
        result: vec![result(
            "BJ001",
            "r-1",
            "1",
            "2026-11-03 16:00:00",
            "准予登记",
        )],
    };
    let o = send(ok.clone()).await.unwrap();
    assert_eq!((o.stored, o.duplicates, o.findings.len()), (3, 0, 0));
    // Sent again: stored once, nothing raised twice.
    let o = send(ok).await.unwrap();
    assert_eq!((o.stored, o.duplicates, o.findings.len()), (0, 3, 0));

    // 体外循环: a result with no acceptance; a result dated before its acceptance (in one
    // report, and across two); a refusal without reasons (and one with them, which is fine).
    let o = send(Report {
        accept: vec![accept("BJ003", "a-3", "X1", "2", "2026-11-03 10:00:00")],
        result: vec![
            result("BJ002", "r-2", "1", "2026-11-03 16:00:00", ""),
            result("BJ003", "r-3", "1", "2026-11-02 15:00:00", ""),
            result("BJ004", "r-4", "1", "2026-11-01 15:00:00", ""),
            result("BJ005", "r-5", "3", "2026-11-02 15:00:00", " "),
            result(
                "BJ006",
                "r-6",
                "3",
                "2026-11-02 15:00:00",
                "经营场所不符合要求",
            ),
        ],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        raised(&o),
        [
            ("result_without_case", "BJ002"),
            ("decision_before_acceptance", "BJ003"),
            ("result_without_case", "BJ004"),
            ("refused_without_reasons", "BJ005"),
        ]
    );
    let late = Report {
        accept: vec![accept("BJ004", "a-4", "X1", "2", "2026-11-02 09:00:00")],
        ..Default::default()
    };
    let o = send(late).await.unwrap();
    assert_eq!(raised(&o), [("decision_before_acceptance", "BJ004")]);

    // A result for a case accepted on the platform (外网受理、内网办理) is not without a case.
    let case_no = store
        .cases()
        .case_view(at_window)
        .await
        .unwrap()
        .row
        .case_no
        .unwrap();
    let o = send(Report {
        result: vec![result(&case_no, "r-7", "1", "2026-09-25 10:00:00", "")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(o.findings.is_empty(), "{:?}", o.findings);

    // An online-only catalogue item reported as applied for at a window.
    let mut doc = onewindow_store::testing::item_doc("09", "网上申领", dept);
    doc.handling_forms = vec!["2".into(), "3".into()];
    doc.online_depth = "4".into();
    doc.max_visits = 0;
    let item = store.catalog().create_item(doc, by).await.unwrap();
    store.catalog().publish(item.id, by).await.unwrap();
    let code = item.implementation_code.clone();
    let o = send(Report {
        accept: vec![
            accept("BJ008", "a-8", &code, "2", "2026-11-03 09:00:00"),
            accept("BJ009", "a-9", &code, "1", "2026-11-03 09:00:00"),
            accept("BJ010", "a-10", "X1", "1", "2026-11-03 09:00:00"),
        ],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(raised(&o), [("online_only_at_window", "BJ009")]);

    // Switched off, a rule raises nothing.
    store
        .supervision()
        .set_finding_rule("result_without_case", false)
        .await
        .unwrap();
    let o = send(Report {
        result: vec![result("BJ011", "r-11", "1", "2026-11-03 16:00:00", "")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(o.findings.is_empty());

    // Bad records: every problem named, nothing stored.
    let mut bad = accept("BJ012", "a-12", "X1", "2", "2026-11-03 09:00:00");
    bad.applyer_page_code = "110105194912310021".into();
    let before = store
        .supervision()
        .reported_cases(Some(dept), 100)
        .await
        .unwrap()
        .len();
    let e = send(Report {
        accept: vec![bad],
        result: vec![result("BJ013", "r-13", "7", "2026-11-03", "")],
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(
        field_of(e),
        [
            "accept[0].applyer_page_code",
            "result[0].result_date",
            "result[0].result_type"
        ]
    );
    let cases = store
        .supervision()
        .reported_cases(Some(dept), 100)
        .await
        .unwrap();
    assert_eq!(cases.len(), before);

    // Findings link to the reported case and its record; they count for the department.
    let all = store.supervision().findings(false, 100).await.unwrap();
    let f = all
        .iter()
        .find(|f| f.rule_code == "refused_without_reasons")
        .unwrap();
    assert_eq!((f.case_id, f.case_no.as_deref()), (None, Some("BJ005")));
    let (case, records) = store
        .supervision()
        .reported_case(f.report_id.unwrap())
        .await
        .unwrap();
    assert_eq!((case.project_no.as_str(), case.findings), ("BJ005", 1));
    assert_eq!(records[0].id, f.record_id.unwrap());
    let (bj4, records) = store
        .supervision()
        .reported_case(cases.iter().find(|c| c.project_no == "BJ004").unwrap().id)
        .await
        .unwrap();
    assert_eq!(
        (bj4.findings, records.len(), bj4.accepted_at.as_deref()),
        (2, 2, Some("2026-11-02 09:00:00"))
    );
    let period = Period::parse("2026-11").unwrap();
    let a = store
        .supervision()
        .assessment(Target::Department, &period)
        .await
        .unwrap();
    let ours = a.iter().find(|x| x.target_id == dept.get()).unwrap();
    let majors = ours
        .deductions
        .iter()
        .find(|l| l.code == "major_findings")
        .map(|l| l.count);
    assert_eq!(majors, Some(5), "{ours:?}");
    store
        .supervision()
        .close_finding(f.id, w.supervisor_account, "已约谈部门，补录不予受理理由")
        .await
        .unwrap();
}

#[tokio::test]
async fn supervision_reported_cases_and_online_only() {
    on_every_backend!(reported_and_online_only);
}
