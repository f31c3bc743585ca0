//! Commands as an attacker would send them: another department's staff acting on a case,
//! numbers that overflow, dates and texts without bounds, invisible and reordering characters.
//! Each is refused before anything is recorded.

use super::tests::{Case, d, staff};
use super::*;

fn other_department(id: i64, roles: &[Role], powers: &[Power]) -> Actor {
    Actor::staff(id, id, roles, Some(8)).with_powers(powers)
}

fn field_of(e: CaseError) -> String {
    match e {
        CaseError::Invalid { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

/// A case accepted, reviewed, decided and concluded by department 7.
fn concluded() -> Case {
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let opinion = || Command::CompleteStep {
        opinion: "同意".into(),
    };
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    c.run(&clerk, "2026-09-24", opinion()).unwrap();
    c.run(&reviewer, "2026-09-25", opinion()).unwrap();
    let decision = Decision {
        approved: true,
        reasons: String::new(),
        legal_basis: String::new(),
    };
    c.run(&approver, "2026-09-25", Command::Decide { decision })
        .unwrap();
    c.run(&approver, "2026-09-25", Command::Conclude).unwrap();
    c
}

#[test]
fn another_departments_staff_cannot_withdraw_deliver_or_return_a_case() {
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let outsider = other_department(9, &[Role::Clerk], &[]);
    let withdraw = Command::Withdraw {
        reason: "申请人要求".into(),
    };
    assert!(matches!(
        c.run(&outsider, "2026-09-24", withdraw.clone()),
        Err(CaseError::NotAllowed(_))
    ));
    let chief = other_department(10, &[Role::ChiefRepresentative], Power::ALL);
    let back = Command::ReturnCase {
        reasons: "不属于本部门".into(),
    };
    assert!(matches!(
        c.run(&chief, "2026-09-24", back.clone()),
        Err(CaseError::NotAllowed(_))
    ));
    // The department's own chief may; a comprehensive-window clerk may withdraw for them.
    let own_chief = staff(11, &[Role::ChiefRepresentative], Power::ALL);
    assert!(c.run(&own_chief, "2026-09-24", back).is_ok());
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let comprehensive = Actor::staff(12, 12, &[Role::Clerk], None);
    assert!(c.run(&comprehensive, "2026-09-24", withdraw).is_ok());

    let mut c = concluded();
    let deliver = Command::Deliver {
        delivery: Delivery::Pickup,
    };
    assert!(matches!(
        c.run(&outsider, "2026-09-26", deliver.clone()),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(
        c.run(&staff(1, &[Role::Clerk], &[]), "2026-09-26", deliver)
            .is_ok()
    );
}

#[test]
fn an_extension_that_would_wrap_around_is_refused() {
    let (clerk, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    let extend = |days| Command::Extend {
        days,
        reason: "需现场核查".into(),
    };
    c.run(&approver, "2026-09-24", extend(10)).unwrap();
    // 10 + 4,294,967,286 wraps to 0 in 32 bits.
    assert!(matches!(
        c.run(&approver, "2026-09-24", extend(4_294_967_286)),
        Err(CaseError::Rule(_))
    ));
    assert_eq!(c.state.extended_days, 10);
}

#[test]
fn values_without_bounds_are_refused_naming_their_field() {
    let clerk = staff(1, &[Role::Clerk], &[]);
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let deficiencies = |supply_by: &str| Command::AcceptWithDeficiencies {
        pending: vec!["健康证明".into()],
        supply_by: d(supply_by),
        commitment: "按期补交".into(),
    };
    let e = c.run(&clerk, "2026-09-24", deficiencies("9999-12-31"));
    assert_eq!(field_of(e.unwrap_err()), "supply_by");
    let e = c.run(&clerk, "2026-09-24", deficiencies("2026-09-01"));
    assert_eq!(field_of(e.unwrap_err()), "supply_by");
    let long = Command::Withdraw {
        reason: "理".repeat(300_000),
    };
    assert_eq!(
        field_of(c.run(&clerk, "2026-09-24", long).unwrap_err()),
        "reason"
    );
    let nul = Command::RequestSupplement {
        missing: vec![],
        reason: "缺\0材料".into(),
    };
    assert_eq!(
        field_of(c.run(&clerk, "2026-09-24", nul).unwrap_err()),
        "reason"
    );
    assert!(
        c.run(&clerk, "2026-09-24", deficiencies("2026-10-20"))
            .is_ok()
    );

    let submit = |name: &str, materials: Vec<String>| Command::Submit {
        channel: Channel::Window,
        item: Box::new(super::tests::item("2")),
        applicant: Applicant {
            kind: "individual".into(),
            name: name.into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials,
    };
    let many = (0..10_000).map(|i| format!("材料{i}")).collect();
    let e = Case::new().run(&clerk, "2026-09-24", submit("张伟", many));
    assert_eq!(field_of(e.unwrap_err()), "materials");
    // "张伟" shown as "伟张" by a right-to-left override, and a name of zero-width spaces.
    for name in ["\u{202E}伟张", "\u{200B}\u{200B}"] {
        let e = Case::new().run(&clerk, "2026-09-24", submit(name, vec![]));
        assert_eq!(field_of(e.unwrap_err()), "applicant.name", "{name:?}");
    }
    assert!(
        Case::new()
            .run(&clerk, "2026-09-24", submit("张伟", vec!["申请书".into()]))
            .is_ok()
    );
}

#[test]
fn a_fee_beyond_any_administrative_charge_is_refused() {
    let clerk = staff(1, &[Role::Clerk], &[]);
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    let fee = |amount_fen| Command::CollectFee {
        amount_fen,
        override_reason: Some("加急".into()),
    };
    let e = c.run(&clerk, "2026-09-24", fee(u64::MAX)).unwrap_err();
    assert_eq!(field_of(e), "amount_fen");
    assert!(c.run(&clerk, "2026-09-24", fee(2_000)).is_ok());
}
