//! Commands as an attacker would send them: another department's staff acting on a case,
//! numbers that overflow, dates and texts without bounds, invisible and reordering characters.
//! Each is refused before anything is recorded.

use super::tests::{Case, d, staff};
use super::*;

fn other_department(id: i64, roles: &[Role], powers: &[Power]) -> Actor {
    Actor::staff(AccountId(id), StaffId(id), roles, Some(DepartmentId(8))).with_powers(powers)
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
    let comprehensive = Actor::staff(AccountId(12), StaffId(12), &[Role::Clerk], None);
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
        supply_by: None,
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
        application: None,
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

mod fuzz {
    //! Any command, with any text, number or date in it, from any stage and any person: the
    //! aggregate answers with events or a refusal, never a panic, and whatever it accepts fits
    //! the bounds and serializes.
    use proptest::prelude::*;

    use super::super::tests::{Case, staff};
    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,40}",
            "[\\x00-\\x1f\\u{200B}\\u{202E}a张]{0,8}",
            (0usize..3000).prop_map(|n| "理".repeat(n)),
        ]
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (-200_000i32..4_000_000)
            .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN))
    }

    fn command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Accept),
            (text(), text()).prop_map(|(reasons, legal_basis)| Command::RefuseAcceptance {
                reasons,
                legal_basis
            }),
            (proptest::collection::vec(text(), 0..4), date(), text()).prop_map(
                |(pending, supply_by, commitment)| Command::AcceptWithDeficiencies {
                    pending,
                    supply_by,
                    commitment
                }
            ),
            (text(), date())
                .prop_map(|(pledge, verify_by)| Command::ApproveOnPledge { pledge, verify_by }),
            (proptest::collection::vec((text(), text()), 0..4), text()).prop_map(
                |(missing, reason)| Command::RequestSupplement {
                    missing: missing
                        .into_iter()
                        .map(|(material, reason)| Missing::material(material, reason))
                        .collect(),
                    reason,
                    supply_by: None,
                }
            ),
            Just(Command::SupplementReceived {
                materials: vec![],
                application: None,
            }),
            text().prop_map(|opinion| Command::CompleteStep { opinion }),
            text().prop_map(|reasons| Command::ReturnStep { reasons }),
            (any::<i64>(), text()).prop_map(|(staff_id, reason)| Command::Reassign {
                staff_id: StaffId(staff_id),
                reason
            }),
            (text(), any::<bool>())
                .prop_map(|(name, excluded)| Command::StartSpecialProcedure { name, excluded }),
            Just(Command::EndSpecialProcedure),
            (any::<u32>(), text()).prop_map(|(days, reason)| Command::Extend { days, reason }),
            (any::<bool>(), text(), text()).prop_map(|(approved, reasons, legal_basis)| {
                Command::Decide {
                    decision: Decision {
                        approved,
                        reasons,
                        legal_basis,
                    },
                }
            }),
            (any::<u64>(), proptest::option::of(text())).prop_map(
                |(amount_fen, override_reason)| Command::CollectFee {
                    amount_fen,
                    override_reason
                }
            ),
            Just(Command::Conclude),
            text().prop_map(|waybill| Command::Deliver {
                delivery: Delivery::Express { waybill }
            }),
            text().prop_map(|reason| Command::Withdraw { reason }),
            text().prop_map(|reasons| Command::ReturnCase { reasons }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("ONEWINDOW_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
        ))]
        #[test]
        fn any_command_sequence_is_answered_without_panicking(
            commands in proptest::collection::vec((command(), 0usize..4), 1..12)
        ) {
            let people = [
                staff(1, &[Role::Clerk], &[]),
                staff(2, &[Role::Reviewer], &[]),
                staff(3, &[Role::Approver, Role::ChiefRepresentative], Power::ALL),
                Actor::staff(AccountId(4), StaffId(4), &[Role::Clerk], Some(DepartmentId(8))),
            ];
            let mut c = Case::new();
            c.submit("2", &["申请书"]);
            for (command, who) in commands {
                if let Ok(events) = c.run(&people[who], "2026-09-24", command) {
                    for e in &events {
                        prop_assert!(serde_json::to_string(e).is_ok());
                    }
                    prop_assert!(c.state.extended_days <= 10);
                }
            }
        }

        #[test]
        fn any_json_is_a_command_or_an_error(json in ".{0,200}") {
            let _ = serde_json::from_str::<Command>(&json);
        }

        /// A department system's report (数据交换): any JSON parses or is refused, and any
        /// report that parses validates or names its fields.
        #[test]
        fn any_exchange_report_is_checked_without_panicking(
            json in ".{0,200}",
            date in "[0-9T :-]{0,24}",
            text in ".{0,60}",
        ) {
            let _ = serde_json::from_str::<crate::exchange::Report>(&json);
            let built = format!(
                r#"{{"accept": [{{"case_no": {t}, "item_code": {t}, "applicant": {t}, "accept_date": {d}, "promised_date": {d}}}],
                    "process": [{{"case_no": {t}, "step": {t}, "handled_at": {d}}}],
                    "result": [{{"case_no": {t}, "result": {t}, "concluded_at": {d}}}]}}"#,
                t = serde_json::to_string(&text).unwrap(),
                d = serde_json::to_string(&date).unwrap(),
            );
            if let Ok(mut report) = serde_json::from_str::<crate::exchange::Report>(&built) {
                let _ = report.validate();
            }
        }
    }
}
