//! 效能投诉, 咨询 and the hotline through the store on every backend: a complaint through its
//! whole life (filed on the web, assigned, replied late — a finding — sent back, replied,
//! accepted, the complainant told and rating it; no reply once closed); questions recorded at
//! the window and asked online, answered and approved onto the item's FAQ, with the counts; a
//! hotline export with bad rows refused whole, then imported, imported again (nothing twice),
//! its figures, and a transferred call taken on as a complaint once.

use chrono::NaiveDate;
use onewindow_domain::ids::AccountId;
use onewindow_domain::reviews::complaints::{ComplaintInput, ComplaintStep};
use onewindow_domain::reviews::consult::{ConsultationInput, FaqState};
use onewindow_store::reviews::complaints::{ComplaintFilter, Filer};
use onewindow_store::reviews::consult::ConsultationFilter;
use onewindow_store::testing::{item_doc, register_applicant, seed_org, seed_staff};
use onewindow_store::{Store, StoreError, on_every_backend};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn applicant(store: &Store) -> AccountId {
    register_applicant(store, "张伟", "11010519491231002X", "13900000000").await
}

async fn a_complaint_s_life(store: &Store) {
    let org = seed_org(store).await;
    let me = applicant(store).await;
    let chief = seed_staff(
        store,
        "chief",
        &["chief_representative"],
        Some(org.centre),
        Some(org.dept),
    )
    .await;
    let supervisor = seed_staff(store, "jiancha", &["supervisor"], Some(org.centre), None).await;
    let reviews = store.reviews();
    let web = |subject_ref: String| ComplaintInput {
        channel: "web".into(),
        subject: "department".into(),
        subject_ref,
        title: "办事指南与窗口要求不一致".into(),
        content: "指南写明无需经营场所证明，窗口却要求提供".into(),
        anonymous: true,
        ..Default::default()
    };
    let filer = || Filer::Account {
        id: me,
        name: "张伟".into(),
        mobile: "13900000000".into(),
    };
    let e = reviews
        .file_complaint(&web("99999".into()), filer(), d("2026-12-01"), None)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["subject_ref"]);
    let c = reviews
        .file_complaint(
            &web(org.dept.get().to_string()),
            filer(),
            d("2026-12-01"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(c.state, "received");
    assert_eq!(c.department_id, Some(org.dept));
    assert_eq!(c.clone().anonymous_to_department().name, "匿名");

    let sup = (supervisor.account_id, "测试jiancha");
    let boss = (chief.account_id, "测试chief");
    // Not replied before being assigned; assigned with five working days.
    assert_eq!(
        fields(
            reviews
                .complaint_step(
                    c.id,
                    ComplaintStep::Reply,
                    Some(org.dept),
                    "已整改",
                    boss,
                    d("2026-12-01")
                )
                .await
                .unwrap_err()
        ),
        ["state"]
    );
    let assigned = reviews
        .complaint_step(
            c.id,
            ComplaintStep::Assign,
            Some(org.dept),
            "",
            sup,
            d("2026-12-01"),
        )
        .await
        .unwrap();
    assert_eq!(assigned.reply_by.as_deref(), Some("2026-12-08"));
    // Late: a finding, once.
    store.supervision().sweep(d("2026-12-09")).await.unwrap();
    store.supervision().sweep(d("2026-12-10")).await.unwrap();
    let findings = store.supervision().findings(true, 100).await.unwrap();
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.rule_code == "complaint_overdue")
            .count(),
        1,
        "{findings:#?}"
    );
    // Another department cannot reply.
    assert!(matches!(
        reviews
            .complaint_step(
                c.id,
                ComplaintStep::Reply,
                Some(org.other_dept),
                "x",
                boss,
                d("2026-12-10")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    reviews
        .complaint_step(
            c.id,
            ComplaintStep::Reply,
            Some(org.dept),
            "已核实，指南已更正",
            boss,
            d("2026-12-10"),
        )
        .await
        .unwrap();
    let back = reviews
        .complaint_step(
            c.id,
            ComplaintStep::SendBack,
            None,
            "请说明对窗口人员的处理",
            sup,
            d("2026-12-10"),
        )
        .await
        .unwrap();
    assert_eq!(
        (back.state.as_str(), back.reply_by.as_deref()),
        ("assigned", Some("2026-12-17"))
    );
    reviews
        .complaint_step(
            c.id,
            ComplaintStep::Reply,
            Some(org.dept),
            "指南已更正，窗口人员已批评教育",
            boss,
            d("2026-12-11"),
        )
        .await
        .unwrap();
    let closed = reviews
        .complaint_step(
            c.id,
            ComplaintStep::Accept,
            None,
            "处理到位",
            sup,
            d("2026-12-11"),
        )
        .await
        .unwrap();
    assert_eq!(closed.state, "closed");
    assert!(
        reviews
            .complaint_step(
                c.id,
                ComplaintStep::Reply,
                Some(org.dept),
                "补充",
                boss,
                d("2026-12-12")
            )
            .await
            .is_err(),
        "no reply after closing"
    );
    let told = store.outbox().messages(me, None, 10).await.unwrap();
    assert!(
        told.iter().any(|m| m.title == "您的投诉已办结"),
        "{told:#?}"
    );
    assert!(matches!(
        reviews
            .rate_complaint(c.id, AccountId(999), true, "x")
            .await,
        Err(StoreError::NotFound(_))
    ));
    let rated = reviews
        .rate_complaint(c.id, me, true, "张伟")
        .await
        .unwrap();
    assert_eq!(rated.rating.as_deref(), Some("satisfied"));
    assert!(
        reviews
            .rate_complaint(c.id, me, false, "张伟")
            .await
            .is_err()
    );
    let steps: Vec<String> = reviews
        .complaint_log(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.step)
        .collect();
    assert_eq!(
        steps,
        [
            "filed",
            "assigned",
            "replied",
            "sent_back",
            "replied",
            "accepted",
            "rated"
        ]
    );
    let mine = reviews
        .complaints(&ComplaintFilter {
            account: Some(me),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
}

async fn consultations_and_the_hotline(store: &Store) {
    let org = seed_org(store).await;
    let me = applicant(store).await;
    let clerk = seed_staff(store, "clerk", &["clerk"], Some(org.centre), Some(org.dept)).await;
    let item = store
        .catalog()
        .create_item(item_doc("01", "个体工商户设立登记", org.dept), AccountId(1))
        .await
        .unwrap();
    store
        .catalog()
        .publish(item.id, AccountId(1))
        .await
        .unwrap();
    let reviews = store.reviews();
    let today = d("2026-12-03");
    let by = (clerk.account_id, "测试clerk");
    let recorded = reviews
        .record_consultation(
            &ConsultationInput {
                item_id: Some(item.id.get()),
                channel: "window".into(),
                question: "个体户设立需要带什么材料".into(),
                answer: "身份证、经营场所证明".into(),
            },
            Some(org.dept),
            by,
            today,
            None,
        )
        .await
        .unwrap();
    assert_eq!(recorded.department_id, org.dept);
    let asked = reviews
        .ask(
            &ConsultationInput {
                item_id: Some(item.id.get()),
                channel: "online".into(),
                question: "可以网上办理吗".into(),
                answer: String::new(),
            },
            (me, "张伟"),
            today,
        )
        .await
        .unwrap();
    assert_eq!(asked.answer_by.as_deref(), Some("2026-12-07"));
    assert_eq!(
        fields(
            reviews
                .set_faq(asked.id, Some(org.dept), FaqState::Proposed)
                .await
                .unwrap_err()
        ),
        ["faq"],
        "not answered yet"
    );
    reviews
        .answer_consultation(asked.id, Some(org.dept), "可以，在网上办事大厅申请", by)
        .await
        .unwrap();
    assert!(
        reviews
            .answer_consultation(asked.id, Some(org.dept), "再答", by)
            .await
            .is_err()
    );
    assert!(
        store
            .outbox()
            .messages(me, None, 10)
            .await
            .unwrap()
            .iter()
            .any(|m| m.title == "您的咨询已答复")
    );
    reviews
        .set_faq(asked.id, Some(org.dept), FaqState::Proposed)
        .await
        .unwrap();
    assert!(
        reviews.faq(item.id).await.unwrap().is_empty(),
        "not before approval"
    );
    reviews
        .set_faq(asked.id, None, FaqState::Approved)
        .await
        .unwrap();
    assert_eq!(reviews.faq(item.id).await.unwrap()[0].0, "可以网上办理吗");
    let counts = reviews
        .consultation_counts("2026-12-01", "2026-12-31")
        .await
        .unwrap();
    assert_eq!((counts[0].consultations, counts[0].answered), (2, 2));
    let open = reviews
        .consultations(&ConsultationFilter {
            open: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(open.is_empty());

    // The hotline: bad rows refused whole, naming each; nothing written.
    let header =
        "call_id,time,caller,category,answered,transferred_to,transfer_result,satisfaction\n";
    let bad = format!(
        "{header}C1,2026-11-01 09:00:00,138****1234,咨询,1,,,满意\n\
         C2,2026-11-01 09:05:00,13805391234,投诉,1,临沂市市场监督管理局,成功,\n\
         C3,2026-11-01 09:07:00,139****0000,投诉,1,不存在的局,成功,\n\
         C1,2026-11-01 09:09:00,139****0000,咨询,1,,,\n"
    );
    let e = reviews
        .import_hotline(bad.as_bytes(), &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(
        fields(e),
        [
            "rows[3].caller",
            "rows[4].transferred_to",
            "rows[5].call_id"
        ]
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM hotline_calls")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing half-written");
    assert_eq!(
        fields(
            reviews
                .import_hotline(b"a,b\n", &|_, _| {})
                .await
                .unwrap_err()
        ),
        ["file"]
    );
    let good = format!(
        "{header}C1,2026-11-01 09:00:00,138****1234,咨询,1,,,满意\n\
         C2,2026-11-01 09:05:00,138****5678,投诉,1,临沂市市场监督管理局,成功,满意\n\
         C3,2026-11-02 10:00:00,139****0000,投诉,1,市场监管,失败,不满意\n\
         C4,2026-11-02 10:30:00,137****1111,求助,0,,,\n"
    );
    let first = reviews
        .import_hotline(good.as_bytes(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!((first.rows, first.added, first.already), (4, 4, 0));
    let again = reviews
        .import_hotline(good.as_bytes(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (again.added, again.already),
        (0, 4),
        "imported twice, kept once"
    );
    let figures = reviews
        .hotline_figures("2026-11-01", "2026-11-30")
        .await
        .unwrap();
    let market = figures
        .iter()
        .find(|f| f.department_id == Some(org.dept))
        .unwrap();
    assert_eq!(
        (
            market.calls,
            market.answered,
            market.transferred,
            market.transferred_ok,
            market.satisfied
        ),
        (2, 2, 2, 1, 1)
    );
    let all: i64 = figures.iter().map(|f| f.calls).sum();
    assert_eq!(all, 4);
    // A transferred call becomes one complaint, not two.
    let complaint = ComplaintInput {
        channel: "hotline".into(),
        subject: "department".into(),
        subject_ref: org.dept.get().to_string(),
        title: "热线转办：窗口推诿".into(),
        content: "来电人反映窗口推诿".into(),
        anonymous: true,
        ..Default::default()
    };
    let c = reviews
        .file_complaint(
            &complaint,
            Filer::Staff(clerk.account_id),
            today,
            Some("C2"),
        )
        .await
        .unwrap();
    assert_eq!(c.hotline_call.as_deref(), Some("C2"));
    let twice = reviews
        .file_complaint(
            &complaint,
            Filer::Staff(clerk.account_id),
            today,
            Some("C2"),
        )
        .await;
    assert_eq!(fields(twice.unwrap_err()), ["call_id"]);
    assert_eq!(
        reviews
            .complaints(&ComplaintFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1,
        "the refused one left nothing"
    );
    let call = reviews.transferred_call("C2").await.unwrap();
    assert_eq!(call.complaint_id, Some(c.id));
    assert!(
        reviews
            .file_complaint(
                &complaint,
                Filer::Staff(clerk.account_id),
                today,
                Some("C1")
            )
            .await
            .is_err(),
        "C1 was not transferred"
    );
}

#[tokio::test]
async fn a_complaint_through_its_whole_life() {
    on_every_backend!(a_complaint_s_life);
}

#[tokio::test]
async fn consultations_faq_and_hotline_import() {
    on_every_backend!(consultations_and_the_hotline);
}
