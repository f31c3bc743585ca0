//! 好差评 through the store on every backend, on the injected day: a window case concluded,
//! the applicant invited, a bad review that is called back late (a finding), rectified and
//! confirmed; the follow-up and no third review; ratings refused for an open case, another's
//! case, a level outside 1–5 and a bad review without a reason; a review by query code and one
//! entered by phone; an appeal out of time and an upheld one leaving the figures but not the
//! record; and a window's tablet rating the service its clerk lit it for.

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, CaseType, Channel, Command};
use onewindow_domain::ids::{AccountId, CaseId, StaffId};
use onewindow_domain::org::Role;
use onewindow_domain::reviews::{AppealDecisionInput, AppealInput, HandlingStep, RatingInput};
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::reviews::{Answerer, Dimension, Rater};
use onewindow_store::testing::{
    food_licence_ref, register_applicant, seed_org, seed_staff, seed_windows, submission,
};
use onewindow_store::{Store, StoreError, on_every_backend};

const RESIDENT: &str = "11010519491231002X";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn rating(level: i64, reasons: &[&str]) -> RatingInput {
    RatingInput {
        level: Some(level),
        channel: "mobile".into(),
        reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        comment: "排队太久".into(),
    }
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

struct World {
    clerk: Actor,
    clerk_staff: StaffId,
    chief: (AccountId, onewindow_domain::ids::DepartmentId),
    supervisor: AccountId,
    me: AccountId,
    org: onewindow_store::testing::Org,
}

async fn world(store: &Store) -> World {
    let org = seed_org(store).await;
    let clerk = seed_staff(store, "clerk", &["clerk"], Some(org.centre), Some(org.dept)).await;
    let chief = seed_staff(
        store,
        "chief",
        &["chief_representative"],
        Some(org.centre),
        Some(org.dept),
    )
    .await;
    let supervisor = seed_staff(store, "jiancha", &["supervisor"], Some(org.centre), None).await;
    let me = register_applicant(store, "张伟", RESIDENT, "13900000000").await;
    World {
        clerk: Actor::staff(clerk.account_id, clerk.id, &[Role::Clerk], Some(org.dept)),
        clerk_staff: clerk.id,
        chief: (chief.account_id, org.dept),
        supervisor: supervisor.account_id,
        me,
        org,
    }
}

/// A case filed for 张伟 at the window; instant ones conclude on acceptance.
async fn window_case(store: &Store, w: &World, case_type: CaseType, today: NaiveDate) -> CaseId {
    let item = onewindow_domain::case::ItemRef {
        case_type,
        promised_days: if case_type == CaseType::Instant { 0 } else { 5 },
        ..food_licence_ref(w.org.dept)
    };
    let run = |case_id, command| CommandRequest {
        case_id,
        expected_version: None,
        command,
        actor: w.clerk.clone(),
        idempotency_key: None,
        today,
        at: onewindow_store::now_ms(),
    };
    let out = store
        .cases()
        .execute(run(None, submission(Channel::Window, item, "张伟", &[])))
        .await
        .unwrap();
    store
        .cases()
        .execute(run(Some(out.case_id), Command::Accept))
        .await
        .unwrap();
    out.case_id
}

fn department(w: &World) -> Answerer {
    Answerer::Department {
        department: Some(w.chief.1),
        account: w.chief.0,
        name: "测试chief".into(),
    }
}

async fn a_bad_review_answered(store: &Store) {
    let w = world(store).await;
    let reviews = store.reviews();
    let today = d("2026-12-03");
    let open = window_case(store, &w, CaseType::Promised, today).await;
    let done = window_case(store, &w, CaseType::Instant, today).await;

    // The applicant is invited once the case is done.
    let invited = store.outbox().messages(w.me, Some(done), 10).await.unwrap();
    assert!(
        invited.iter().any(|m| m.title.contains("评价")),
        "{invited:#?}"
    );

    // Refused: an open case, a level outside 1–5, a bad review without a reason, another's
    // case.
    let early = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(open),
            &rating(1, &[]),
            today,
            None,
        )
        .await;
    assert!(
        matches!(&early, Err(StoreError::Rejected(e)) if e.to_string().contains("办结后")),
        "{early:?}"
    );
    let bad_level = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(6, &[]),
            today,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(fields(bad_level), ["level"]);
    let no_reason = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(5, &[]),
            today,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(fields(no_reason), ["reasons"]);
    assert!(matches!(
        reviews
            .rate_case(
                Rater::Account(w.supervisor),
                Some(done),
                &rating(1, &[]),
                today,
                None
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        reviews.of_case(done).await.unwrap().is_empty(),
        "nothing half-written"
    );

    // A bad review: called back by Tuesday 8 December, rectified by 24 December.
    let bad = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(5, &["等候时间长", "服务态度差"]),
            today,
            Some("rate-1".into()),
        )
        .await
        .unwrap();
    assert_eq!(bad.grade, "bad");
    assert_eq!(bad.reviewer_name, "张伟");
    assert_eq!(bad.channel, "mobile");
    assert!(bad.real_name);
    let h = bad.handling.clone().unwrap();
    assert_eq!(
        (h.state.as_str(), h.callback_by.as_str()),
        ("callback", "2026-12-08")
    );
    assert_eq!(h.rectify_by, "2026-12-24");
    // The same request again returns the first review.
    let again = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(5, &["等候时间长", "服务态度差"]),
            today,
            Some("rate-1".into()),
        )
        .await
        .unwrap();
    assert_eq!(again.id, bad.id);
    // Anonymous to the department's staff.
    let anon = reviews.get(bad.id).await.unwrap().anonymous();
    assert_eq!(anon.reviewer_name, "匿名");
    assert!(anon.reviewer_id_number.is_empty());

    // The callback is late: one finding on the day after, not two.
    let late = store.supervision().sweep(d("2026-12-09")).await.unwrap();
    assert!(late.findings >= 1, "{late:?}");
    store.supervision().sweep(d("2026-12-10")).await.unwrap();
    let findings = store.supervision().findings(true, 100).await.unwrap();
    let callbacks: Vec<_> = findings
        .iter()
        .filter(|f| f.rule_code == "review_callback_late")
        .collect();
    assert_eq!(callbacks.len(), 1, "{findings:#?}");
    assert_eq!(callbacks[0].department_id, w.org.dept);

    // The department answers in order; the applicant confirms.
    let rectify = HandlingStep::Rectify {
        measures: "增开午间窗口".into(),
    };
    assert_eq!(
        fields(
            reviews
                .answer(bad.id, department(&w), &rectify, d("2026-12-10"))
                .await
                .unwrap_err()
        ),
        ["step"]
    );
    reviews
        .answer(
            bad.id,
            department(&w),
            &HandlingStep::Callback {
                notes: "已电话致歉，了解情况".into(),
            },
            d("2026-12-10"),
        )
        .await
        .unwrap();
    reviews
        .answer(bad.id, department(&w), &rectify, d("2026-12-11"))
        .await
        .unwrap();
    let confirm = HandlingStep::Confirm {
        satisfied: true,
        note: String::new(),
    };
    assert!(
        reviews
            .answer(bad.id, department(&w), &confirm, d("2026-12-11"))
            .await
            .is_err(),
        "the department does not confirm for the applicant"
    );
    let closed = reviews
        .answer(
            bad.id,
            Answerer::Reviewer {
                account: w.me,
                name: "张伟".into(),
            },
            &confirm,
            d("2026-12-11"),
        )
        .await
        .unwrap();
    assert_eq!(closed.handling.unwrap().state, "resolved");
    let steps: Vec<&str> = closed.log.iter().map(|l| l.step.as_str()).collect();
    assert_eq!(steps, ["callback", "rectify", "confirm"]);
    // Rectified late? No: by 24 December. No rectification finding.
    store.supervision().sweep(d("2026-12-28")).await.unwrap();
    let findings = store.supervision().findings(true, 100).await.unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_code == "review_rectify_late")
    );

    // One follow-up, then no more.
    let follow = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(2, &[]),
            d("2026-12-11"),
            None,
        )
        .await
        .unwrap();
    assert!(follow.follow_up);
    let third = reviews
        .rate_case(
            Rater::Account(w.me),
            Some(done),
            &rating(1, &[]),
            d("2026-12-11"),
            None,
        )
        .await;
    assert!(matches!(third, Err(StoreError::Rejected(_))), "{third:?}");

    // Figures for December: two reviews, one good, one bad, rectified.
    let figures = reviews
        .figures(Dimension::Department, "2026-12-01", "2026-12-31", None)
        .await
        .unwrap();
    let market = figures
        .iter()
        .find(|f| f.unit == w.org.dept.get().to_string())
        .unwrap();
    assert_eq!(
        (
            market.reviews,
            market.good,
            market.bad,
            market.answerable,
            market.rectified
        ),
        (2, 1, 1, 1, 1)
    );
    assert_eq!(market.satisfaction_rate, Some(50.0));
    // The bad review costs the department a point in the 100-point scheme.
    let scores = store
        .supervision()
        .assessment(
            onewindow_store::supervision::assessment::Target::Department,
            &onewindow_store::supervision::assessment::Period::month_of(today),
        )
        .await
        .unwrap();
    let scored = scores
        .iter()
        .find(|a| a.target_id == w.org.dept.get())
        .unwrap();
    let bad_line = scored
        .deductions
        .iter()
        .find(|d| d.code == "bad_reviews")
        .unwrap();
    assert_eq!((bad_line.count, bad_line.points), (1, 1));
    assert_eq!(market.rectify_rate, Some(100.0));
    let by_channel = reviews
        .figures(Dimension::Channel, "2026-12-01", "2026-12-31", None)
        .await
        .unwrap();
    assert_eq!(
        by_channel
            .iter()
            .find(|f| f.unit == "mobile")
            .unwrap()
            .reviews,
        2
    );
    assert_eq!(
        by_channel.iter().find(|f| f.unit == "mobile").unwrap().name,
        "移动服务端"
    );
}

async fn appeals_and_other_channels(store: &Store) {
    let w = world(store).await;
    let reviews = store.reviews();
    let today = d("2026-12-03");
    let case = window_case(store, &w, CaseType::Instant, today).await;
    let (case_no, code) = {
        let v = store.cases().case_view(case).await.unwrap();
        (
            v.row.case_no.clone().unwrap(),
            v.state.query_code.clone().unwrap(),
        )
    };
    // By the receipt's query code: a wrong code finds nothing.
    let wrong = reviews
        .rate_case(
            Rater::Code {
                case_no: case_no.clone(),
                code: "WRONG1".into(),
                remote: None,
            },
            None,
            &rating(4, &["多次跑动"]),
            today,
            None,
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::NotFound(_))), "{wrong:?}");
    let by_code = reviews
        .rate_case(
            Rater::Code {
                case_no,
                code,
                remote: None,
            },
            None,
            &RatingInput {
                channel: "qr".into(),
                ..rating(4, &["多次跑动"])
            },
            today,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (by_code.channel.as_str(), by_code.grade.as_str()),
        ("qr", "bad")
    );

    // An appeal after its period is refused; within it, once.
    let chief = (w.chief.0, "测试chief");
    let appeal = AppealInput {
        kind: "malicious".into(),
        grounds: "评价内容与办件无关".into(),
    };
    let late = reviews
        .appeal(by_code.id, Some(w.chief.1), &appeal, chief, d("2026-12-31"))
        .await
        .unwrap_err();
    assert_eq!(fields(late), ["review"]);
    let other = reviews
        .appeal(by_code.id, Some(w.org.other_dept), &appeal, chief, today)
        .await;
    assert!(matches!(other, Err(StoreError::NotFound(_))));
    reviews
        .appeal(by_code.id, Some(w.chief.1), &appeal, chief, today)
        .await
        .unwrap();
    assert_eq!(
        fields(
            reviews
                .appeal(by_code.id, Some(w.chief.1), &appeal, chief, today)
                .await
                .unwrap_err()
        ),
        ["review"]
    );
    let before = reviews
        .figures(
            Dimension::Department,
            "2026-12-01",
            "2026-12-31",
            Some(w.org.dept),
        )
        .await
        .unwrap();
    assert_eq!((before[0].reviews, before[0].bad), (1, 1));
    // Upheld: out of the figures, still in the record, nothing more due.
    let decided = reviews
        .decide_appeal(
            by_code.id,
            &AppealDecisionInput {
                decision: "upheld".into(),
                note: "经核实，评价人当日未到中心".into(),
            },
            (w.supervisor, "测试jiancha"),
        )
        .await
        .unwrap();
    assert!(decided.excluded);
    assert_eq!(decided.handling.unwrap().state, "excluded");
    assert_eq!(decided.appeal.unwrap().decision.as_deref(), Some("upheld"));
    let after = reviews
        .figures(
            Dimension::Department,
            "2026-12-01",
            "2026-12-31",
            Some(w.org.dept),
        )
        .await
        .unwrap();
    assert_eq!(
        (after[0].reviews, after[0].bad, after[0].answerable),
        (0, 0, 0)
    );
    assert_eq!(
        reviews.of_case(case).await.unwrap().len(),
        1,
        "kept in the record"
    );
    store.supervision().sweep(d("2026-12-31")).await.unwrap();
    let findings = store.supervision().findings(true, 100).await.unwrap();
    assert!(
        !findings.iter().any(|f| f.rule_code.starts_with("review_")),
        "an upheld appeal leaves nothing due: {findings:#?}"
    );

    // Entered by phone by the window's clerk, as the follow-up.
    let phone = reviews
        .rate_case(
            Rater::Staff(w.clerk.clone()),
            Some(case),
            &RatingInput {
                channel: "phone".into(),
                ..rating(1, &[])
            },
            today,
            None,
        )
        .await
        .unwrap();
    assert_eq!((phone.channel.as_str(), phone.follow_up), ("phone", true));
}

async fn a_tablet_rates_a_window_service(store: &Store) {
    let w = world(store).await;
    let reviews = store.reviews();
    let today = d("2026-12-03");
    let window = seed_windows(store, w.org.centre, w.org.hall, Some(w.org.dept), 1, 1)
        .await
        .remove(0);
    // Not set up yet: nothing to light.
    assert!(
        reviews
            .light(window.id, w.clerk.account_id, Some(w.clerk_staff), None)
            .await
            .is_err()
    );
    let key = reviews.new_tablet_key(window.id).await.unwrap();
    assert!(reviews.tablet(&key).await.unwrap().visit.is_none());
    assert!(matches!(
        reviews.tablet("not-a-key").await,
        Err(StoreError::NotFound(_))
    ));
    store
        .supervision()
        .seat_staff(w.clerk_staff, Some(window.id), AccountId(1))
        .await
        .unwrap();
    assert_eq!(
        reviews.seat_of(w.clerk_staff).await.unwrap(),
        Some(window.id)
    );
    let case = window_case(store, &w, CaseType::Instant, today).await;
    let visit = reviews
        .light(
            window.id,
            w.clerk.account_id,
            Some(w.clerk_staff),
            Some(case),
        )
        .await
        .unwrap();
    let tablet = reviews.tablet(&key).await.unwrap();
    assert_eq!(tablet.visit.as_ref().map(|v| v.id), Some(visit));
    assert_eq!(
        tablet.visit.unwrap().staff.as_deref(),
        Some("测试clerk"),
        "the tablet names who served"
    );
    let e = reviews
        .rate_visit(&key, visit, &rating(4, &[]), today)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["reasons"]);
    let r = reviews
        .rate_visit(&key, visit, &rating(4, &["等候时间长"]), today)
        .await
        .unwrap();
    assert_eq!(
        r.channel, "tablet",
        "the tablet's channel, whatever was sent"
    );
    assert_eq!(
        r.reviewer_name, "张伟",
        "the case's applicant stands behind it"
    );
    assert!(r.handling.is_some(), "a real-name bad review is answered");
    // Rated once; the tablet goes back to waiting.
    assert_eq!(
        fields(
            reviews
                .rate_visit(&key, visit, &rating(1, &[]), today)
                .await
                .unwrap_err()
        ),
        ["visit"]
    );
    assert!(reviews.tablet(&key).await.unwrap().visit.is_none());
    // An anonymous service (no case): counted, nothing to call back.
    let anonymous = reviews
        .light(window.id, w.clerk.account_id, Some(w.clerk_staff), None)
        .await
        .unwrap();
    let r = reviews
        .rate_visit(&key, anonymous, &rating(5, &["服务态度差"]), today)
        .await
        .unwrap();
    assert!(!r.real_name && r.handling.is_none());
    let by_window = reviews
        .figures(Dimension::Window, "2026-12-01", "2026-12-31", None)
        .await
        .unwrap();
    let mine = by_window
        .iter()
        .find(|f| f.unit == window.id.get().to_string())
        .unwrap();
    assert_eq!((mine.reviews, mine.bad, mine.answerable), (2, 2, 1));
    let by_staff = reviews
        .figures(Dimension::Staff, "2026-12-01", "2026-12-31", None)
        .await
        .unwrap();
    assert_eq!(by_staff[0].name, "测试clerk");
    let by_item = reviews
        .figures(Dimension::Item, "2026-12-01", "2026-12-31", None)
        .await
        .unwrap();
    assert_eq!(
        by_item[0].name, "食品经营许可",
        "the name the case was filed under"
    );

    // A reply to the invitation SMS rates 张伟's latest case that is over (the 13900000000 of
    // his account): the digit is the level, the reasons are found in the words.
    let e = reviews
        .rate_by_sms("13900000000", "好", today, None)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["text"]);
    assert!(matches!(
        reviews.rate_by_sms("13700000000", "1", today, None).await,
        Err(StoreError::NotFound(_))
    ));
    let e = reviews
        .rate_by_sms("13900000000", "５ 太差了", today, None)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["reasons"], "a bad review needs a reason");
    let sms = reviews
        .rate_by_sms(
            "13900000000",
            "4 等候时间长，排了一上午",
            today,
            Some("sms-1".into()),
        )
        .await
        .unwrap();
    assert_eq!((sms.channel.as_str(), sms.level), ("sms", 4));
    assert_eq!(sms.reasons, ["等候时间长"]);
    assert_eq!(sms.case_id, Some(case));
}

#[tokio::test]
async fn a_bad_review_is_called_back_rectified_and_confirmed() {
    on_every_backend!(a_bad_review_answered);
}

#[tokio::test]
async fn appeals_query_codes_and_phone_reviews() {
    on_every_backend!(appeals_and_other_channels);
}

#[tokio::test]
async fn a_window_tablet_rates_the_service_just_given() {
    on_every_backend!(a_tablet_rates_a_window_service);
}
