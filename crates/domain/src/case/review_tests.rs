//! 一事一评 in the case aggregate: rated once the case is over, once and once more as a
//! follow-up, by the applicant (or the holder of the query code), staff only for a caller.

use super::tests::{Case, d, staff};
use super::*;
use crate::reviews::{Grade, ReviewChannel, Satisfaction};

fn applicant() -> Actor {
    Actor {
        account_id: AccountId(50),
        staff_id: None,
        roles: vec![],
        department_id: None,
        powers: vec![],
        backup_for: vec![],
    }
}

fn review(level: Satisfaction, channel: ReviewChannel, code: Option<&str>) -> Command {
    Command::Review {
        rating: Rating {
            level,
            channel,
            reasons: if level.grade() == Grade::Bad {
                vec!["等候时间长".into()]
            } else {
                vec![]
            },
            comment: String::new(),
        },
        query_code: code.map(str::to_owned),
        policy: ReviewPolicy::default(),
    }
}

fn concluded() -> Case {
    let mut c = Case::new();
    c.submit("1", &["申请书"]);
    c.run(
        &staff(1, &[Role::Clerk], &[]),
        "2026-09-24",
        Command::Accept,
    )
    .unwrap();
    assert_eq!(c.state.stage(), Stage::Concluded);
    c
}

#[test]
fn a_case_is_rated_once_after_conclusion_and_followed_up_once() {
    let mut open = Case::new();
    open.submit("2", &["申请书"]);
    let early = open.run(
        &applicant(),
        "2026-09-24",
        review(Satisfaction::Satisfied, ReviewChannel::Pc, None),
    );
    assert!(matches!(early, Err(CaseError::Rule(m)) if m.contains("办结后")));

    let mut c = concluded();
    let first = c
        .run(
            &applicant(),
            "2026-09-25",
            review(Satisfaction::VeryDissatisfied, ReviewChannel::Mobile, None),
        )
        .unwrap();
    // A bad review on Friday 25 September: called back by Wednesday 30 September, rectified
    // over the National Day holiday by 22 October; appealed by 9 October.
    match &first[..] {
        [
            Event::Reviewed {
                follow_up: false,
                due: Some(due),
                appeal_by,
                ..
            },
        ] => {
            assert_eq!(due.callback_by, d("2026-09-30"));
            assert_eq!(due.rectify_by, d("2026-10-22"));
            assert_eq!(*appeal_by, d("2026-10-09"));
        }
        other => panic!("{other:?}"),
    }
    let again = c
        .run(
            &applicant(),
            "2026-10-12",
            review(Satisfaction::Satisfied, ReviewChannel::Pc, None),
        )
        .unwrap();
    assert!(matches!(
        &again[..],
        [Event::Reviewed {
            follow_up: true,
            due: None,
            ..
        }]
    ));
    let third = c.run(
        &applicant(),
        "2026-10-13",
        review(Satisfaction::VerySatisfied, ReviewChannel::Pc, None),
    );
    assert!(matches!(third, Err(CaseError::Rule(m)) if m.contains("不能修改")));
    assert_eq!(c.state.reviews, 2);
}

#[test]
fn the_query_code_must_match_and_staff_only_enter_phone_reviews() {
    let mut c = concluded();
    let wrong = c.run(
        &AnyCodeHolder::actor(),
        "2026-09-25",
        review(Satisfaction::Satisfied, ReviewChannel::Qr, Some("ZZZZZZ")),
    );
    assert!(matches!(wrong, Err(CaseError::NotAllowed(_))));
    let clerk = staff(1, &[Role::Clerk], &[]);
    let not_phone = c.run(
        &clerk,
        "2026-09-25",
        review(Satisfaction::Satisfied, ReviewChannel::Pc, None),
    );
    assert!(matches!(not_phone, Err(CaseError::NotAllowed(_))));
    let other_department = Actor::staff(
        AccountId(9),
        StaffId(9),
        &[Role::Clerk],
        Some(DepartmentId(8)),
    );
    let phone = review(Satisfaction::Basic, ReviewChannel::Phone, None);
    assert!(matches!(
        c.run(&other_department, "2026-09-25", phone.clone()),
        Err(CaseError::NotAllowed(_))
    ));
    let by_applicant_phone = c.run(&applicant(), "2026-09-25", phone.clone());
    assert!(
        matches!(by_applicant_phone, Err(CaseError::Invalid { field, .. }) if field == "channel")
    );
    c.run(&clerk, "2026-09-25", phone).unwrap();
    c.run(
        &AnyCodeHolder::actor(),
        "2026-09-25",
        review(Satisfaction::Satisfied, ReviewChannel::Qr, Some("8K3Q7Z")),
    )
    .unwrap();
    assert_eq!(c.state.reviews, 2);
}

#[test]
fn review_events_round_trip_with_their_a8_code() {
    let mut c = concluded();
    let events = c
        .run(
            &applicant(),
            "2026-09-25",
            review(Satisfaction::Basic, ReviewChannel::Sms, None),
        )
        .unwrap();
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["rating"]["level"], 3);
    assert_eq!(json["rating"]["channel"], "sms");
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, events[0]);
}

/// Whoever scans the receipt's QR code: no account of their own.
struct AnyCodeHolder;

impl AnyCodeHolder {
    fn actor() -> Actor {
        Actor {
            account_id: AccountId(0),
            ..applicant()
        }
    }
}
