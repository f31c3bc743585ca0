use super::*;

#[test]
fn findings_follow_their_events() {
    let mut after = CaseState::default();
    let notice = |second| Event::SupplementRequested {
        missing: vec![],
        second,
        reason: "仍不完整".into(),
        since: d("2026-09-28"),
        supply_by: None,
        case_no: None,
        query_code: None,
    };
    assert_eq!(finding_of(&notice(false), &after), None);
    assert_eq!(
        finding_of(&notice(true), &after).unwrap().0,
        "second_supplement"
    );
    let fee = |amount_fen| Event::FeeCollected {
        amount_fen,
        standard_fen: 1000,
        override_reason: Some("加急".into()),
    };
    assert_eq!(finding_of(&fee(1000), &after), None);
    assert_eq!(finding_of(&fee(1001), &after).unwrap().0, "fee_override");
    let back = Event::StepReturned {
        to_step: 0,
        reasons: "材料存疑".into(),
        on: d("2026-09-28"),
    };
    after.returns = 1;
    assert_eq!(finding_of(&back, &after), None, "one return is normal work");
    after.returns = 2;
    assert_eq!(finding_of(&back, &after).unwrap().0, "repeated_returns");
    // An item that must be handled online, taken at a window; online, or with a window
    // among its forms, it is fine.
    let submitted = |channel, online_only| Event::Submitted {
        application: None,
        channel,
        item: Box::new(ItemRef {
            online_only,
            ..item("2")
        }),
        applicant: Applicant {
            kind: "individual".into(),
            name: "张伟".into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials: vec![],
    };
    assert_eq!(
        finding_of(&submitted(Channel::Window, true), &after)
            .unwrap()
            .0,
        "online_only_at_window"
    );
    assert_eq!(finding_of(&submitted(Channel::Online, true), &after), None);
    assert_eq!(finding_of(&submitted(Channel::Window, false), &after), None);
    let mut doc = crate::catalog::tests::sample();
    assert!(
        !ItemRef::from_doc(ItemId(1), 1, &doc, "")
            .unwrap()
            .online_only
    );
    doc.handling_forms = vec!["2".into(), "3".into()];
    assert!(
        ItemRef::from_doc(ItemId(1), 1, &doc, "")
            .unwrap()
            .online_only
    );
}

/// A version's codes are parsed once, into types: an unknown role or case type is an error
/// naming the field, never a reviewer or an instant case by default.
#[test]
fn unknown_codes_in_a_version_are_errors_naming_the_field() {
    let mut doc = crate::catalog::tests::sample();
    let item = ItemRef::from_doc(ItemId(1), 1, &doc, "").unwrap();
    assert_eq!(item.case_type, CaseType::Promised);
    assert_eq!(item.steps[0].role, Role::Clerk);
    doc.case_type = "7".into();
    doc.steps[0].role = "janitor".into();
    let errors = ItemRef::from_doc(ItemId(1), 1, &doc, "").unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["case_type", "steps[0].role"]);
    assert_eq!(serde_json::to_value(CaseType::Instant).unwrap(), "1");
}

#[test]
fn pages_offer_only_what_the_aggregate_would_allow() {
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let cal = WorkCalendar::official().unwrap();
    let offered = |actor: &Actor, state: &CaseState| {
        available_commands(
            state,
            &Ctx {
                today: d("2026-09-24"),
                actor,
                calendar: &cal,
                case_no: String::new(),
                query_code: String::new(),
            },
        )
    };
    let clerk = staff(1, &[Role::Clerk], &[]);
    let reviewer = staff(2, &[Role::Reviewer], &[]);
    assert_eq!(
        offered(&clerk, &c.state),
        vec![
            "accept",
            "accept_with_deficiencies",
            "refuse_acceptance",
            "request_supplement",
            "withdraw"
        ]
    );
    assert!(offered(&reviewer, &c.state).is_empty());
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    // Acceptance ended the 受理 step: the clerk is not offered a second completion of it.
    assert_eq!(
        offered(&clerk, &c.state),
        vec![
            "request_supplement",
            "start_special_procedure",
            "collect_fee",
            "withdraw"
        ]
    );
    assert!(offered(&reviewer, &c.state).contains(&"complete_step"));
    assert!(!offered(&reviewer, &c.state).contains(&"return_step"));
    // While steps remain an approver is not offered the decision.
    let approver = staff(3, &[Role::Approver], &[]);
    assert!(!offered(&approver, &c.state).contains(&"decide"));
    // At the approver's last step the decision is the act, not a separate completion.
    c.complete_step(&reviewer, "2026-09-28");
    let offered_now = offered(&approver, &c.state);
    assert!(offered_now.contains(&"decide") && !offered_now.contains(&"complete_step"));
}

pub(super) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn item(case_type: &str) -> ItemRef {
    let step = |name: &str, role, limit_days| StepRef {
        name: name.into(),
        role,
        department_id: DepartmentId(7),
        limit_days,
    };
    ItemRef {
        item_id: ItemId(1),
        version: 3,
        name: "食品经营许可".into(),
        department_id: DepartmentId(7),
        case_type: case_type.parse().expect("a case type code"),
        promised_days: if case_type == "1" { 0 } else { 5 },
        statutory_days: 20,
        steps: vec![
            step("受理", Role::Clerk, 1),
            step("审查", Role::Reviewer, 3),
            step("决定", Role::Approver, 1),
        ],
        fee_standard_fen: 0,
        region_code: "371300000000".into(),
        online_only: false,
        branches: vec![],
        materials: vec![
            MaterialRef {
                name: "申请书".into(),
                required: true,
                deficiency_allowed: false,
            },
            MaterialRef {
                name: "健康证明".into(),
                required: false,
                deficiency_allowed: true,
            },
        ],
    }
}

pub(super) fn staff(id: i64, roles: &[Role], powers: &[Power]) -> Actor {
    Actor::staff(AccountId(id), StaffId(id), roles, Some(DepartmentId(7))).with_powers(powers)
}

pub(super) struct Case {
    pub(super) state: CaseState,
    cal: WorkCalendar,
}

impl Case {
    pub(super) fn new() -> Case {
        Case {
            state: CaseState::default(),
            cal: WorkCalendar::official().unwrap(),
        }
    }
    pub(super) fn run(
        &mut self,
        actor: &Actor,
        today: &str,
        cmd: Command,
    ) -> Result<Vec<Event>, CaseError> {
        let ctx = Ctx {
            today: d(today),
            actor,
            calendar: &self.cal,
            case_no: "SJ20260924000001".into(),
            query_code: "8K3Q7Z".into(),
        };
        let events = decide(&self.state, &cmd, &ctx)?;
        for e in &events {
            self.state.apply(e);
        }
        Ok(events)
    }
    /// The actor's step, completed on `today` with a plain opinion.
    pub(super) fn complete_step(&mut self, actor: &Actor, today: &str) {
        self.run(
            actor,
            today,
            Command::CompleteStep {
                opinion: "符合".into(),
            },
        )
        .unwrap();
    }
    pub(super) fn submit(&mut self, kind: &str, materials: &[&str]) {
        let clerk = staff(1, &[Role::Clerk], &[]);
        self.run(
            &clerk,
            "2026-09-24",
            Command::Submit {
                application: None,
                channel: Channel::Window,
                item: Box::new(item(kind)),
                applicant: Applicant {
                    kind: "individual".into(),
                    name: "张伟".into(),
                    id_number: "11010519491231002X".into(),
                    mobile: "13800000000".into(),
                },
                materials: materials.iter().map(|m| (*m).to_owned()).collect(),
            },
        )
        .unwrap();
    }
}

#[test]
fn a_promised_case_from_window_to_delivery_across_national_day() {
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    // Accepted Thursday 24 September: 5 working days end Friday 9 October.
    assert_eq!(c.state.due, Some(d("2026-10-09")));
    assert_eq!(
        c.state.remaining_days(d("2026-09-24"), &c.cal).unwrap(),
        Some(5)
    );
    c.run(
        &reviewer,
        "2026-09-29",
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
    )
    .unwrap();
    // The approver must finish the last step before deciding... which is the decision step.
    c.run(
        &approver,
        "2026-09-30",
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合条件".into(),
                legal_basis: String::new(),
            },
        },
    )
    .unwrap();
    c.run(&approver, "2026-10-08", Command::Conclude).unwrap();
    assert!(matches!(c.state.stage(), Stage::Concluded));
    c.run(
        &clerk,
        "2026-10-09",
        Command::Deliver {
            delivery: Delivery::Express {
                waybill: "SF1234567890".into(),
            },
        },
    )
    .unwrap();
    assert_eq!(c.state.stage(), Stage::Delivered);
    assert_eq!(c.state.version, 7);
}

#[test]
fn instant_cases_conclude_on_acceptance() {
    let mut c = Case::new();
    c.submit("1", &["申请书"]);
    let events = c
        .run(
            &staff(1, &[Role::Clerk], &[]),
            "2026-09-24",
            Command::Accept,
        )
        .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(c.state.stage(), Stage::Concluded);
}

#[test]
fn the_first_notice_before_acceptance_numbers_the_case_and_acceptance_keeps_the_number() {
    let clerk = staff(1, &[Role::Clerk], &[]);
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let at = |today: &str, number: &str| Ctx {
        today: d(today),
        actor: &clerk,
        calendar: &c.cal,
        case_no: number.into(),
        query_code: format!("Q{number}"),
    };
    let notice = |supply_by: Option<&str>, reason: &str| Command::RequestSupplement {
        missing: vec![Missing::material("健康证明", "已过期")],
        reason: reason.into(),
        supply_by: supply_by.map(d),
    };
    // A day to bring the materials by must lie ahead.
    assert!(matches!(
        decide(
            &c.state,
            &notice(Some("2026-09-24"), ""),
            &at("2026-09-24", "A")
        ),
        Err(CaseError::Rule(_))
    ));
    let events = decide(
        &c.state,
        &notice(Some("2026-09-30"), ""),
        &at("2026-09-24", "A"),
    )
    .unwrap();
    let mut state = c.state.clone();
    events.iter().for_each(|e| state.apply(e));
    assert_eq!(
        state.case_no.as_deref(),
        Some("A"),
        "numbered with the notice"
    );
    assert_eq!(state.query_code.as_deref(), Some("QA"));
    assert_eq!(state.accepted_on, None, "but not accepted");
    let received = decide(
        &state,
        &Command::SupplementReceived {
            application: None,
            materials: vec!["健康证明".into()],
        },
        &at("2026-09-25", "B"),
    )
    .unwrap();
    received.iter().for_each(|e| state.apply(e));
    let accepted = decide(&state, &Command::Accept, &at("2026-09-25", "C")).unwrap();
    assert!(
        matches!(&accepted[0], Event::Accepted { case_no, query_code, .. }
            if case_no == "A" && query_code == "QA"),
        "the number on the notice stays: {accepted:?}"
    );
    // A second notice does not number the case again.
    accepted.iter().for_each(|e| state.apply(e));
    let again = decide(
        &state,
        &notice(None, "证明仍不完整"),
        &at("2026-09-28", "D"),
    )
    .unwrap();
    assert!(matches!(
        &again[0],
        Event::SupplementRequested {
            case_no: None,
            query_code: None,
            ..
        }
    ));
}

#[test]
fn supplement_pauses_the_clock_and_a_second_notice_needs_a_reason() {
    let clerk = staff(1, &[Role::Clerk], &[]);
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    let missing = vec![Missing::material("健康证明", "已过期")];
    c.run(
        &clerk,
        "2026-09-28",
        Command::RequestSupplement {
            missing: missing.clone(),
            reason: String::new(),
            supply_by: None,
        },
    )
    .unwrap();
    assert_eq!(
        c.state.remaining_days(d("2026-09-29"), &c.cal).unwrap(),
        None,
        "paused clocks do not count"
    );
    assert!(matches!(
        c.run(
            &clerk,
            "2026-09-29",
            Command::CompleteStep {
                opinion: "x".into()
            }
        ),
        Err(CaseError::Rule(_))
    ));
    // Notice on Monday 28 September (a day worked), received Thursday 8 October: the clock
    // stood still on 29 and 30 September and 8 October. Saturday 10 October is a make-up day.
    let e = c
        .run(
            &clerk,
            "2026-10-08",
            Command::SupplementReceived {
                materials: vec![],
                application: None,
            },
        )
        .unwrap();
    assert!(matches!(
        e[0],
        Event::SupplementReceived { paused_days: 3, .. }
    ));
    assert_eq!(c.state.due, Some(d("2026-10-13")));
    assert!(matches!(
        c.run(
            &clerk,
            "2026-10-09",
            Command::RequestSupplement {
                missing: missing.clone(),
                reason: " ".into(),
                supply_by: None,
            }
        ),
        Err(CaseError::Rule(_))
    ));
    let e = c
        .run(
            &clerk,
            "2026-10-09",
            Command::RequestSupplement {
                missing,
                reason: "申请人补交的证明仍不完整".into(),
                supply_by: None,
            },
        )
        .unwrap();
    assert!(matches!(
        e[0],
        Event::SupplementRequested { second: true, .. }
    ));
}

#[test]
fn a_pledge_is_verified_once_by_the_department_after_approval() {
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let pledge_timer = |c: &Case| {
        c.state
            .timers(&c.cal, &WarnThreshold::default())
            .unwrap()
            .into_iter()
            .find(|t| t.kind == TimerKind::PledgeVerification)
    };
    let verify = |truthful, notes: &str| Command::VerifyPledge {
        truthful,
        notes: notes.into(),
    };
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    assert!(
        matches!(
            c.run(&reviewer, "2026-09-24", verify(true, "属实")),
            Err(CaseError::WrongStage(_))
        ),
        "nothing to verify before an approval on pledge"
    );
    c.complete_step(&reviewer, "2026-09-28");
    c.run(
        &approver,
        "2026-09-28",
        Command::ApproveOnPledge {
            pledge: "申请人承诺经营场所符合食品安全要求".into(),
            verify_by: d("2026-10-28"),
        },
    )
    .unwrap();
    c.run(&approver, "2026-09-28", Command::Conclude).unwrap();
    assert_eq!(
        pledge_timer(&c).map(|t| t.due_on),
        Some(d("2026-10-28")),
        "the verification deadline runs on after conclusion"
    );
    assert!(matches!(
        c.run(&clerk, "2026-10-20", verify(true, "现场核查属实")),
        Err(CaseError::NotAllowed(_))
    ));
    let mut other = staff(5, &[Role::Reviewer], &[]);
    other.department_id = Some(DepartmentId(8));
    assert!(matches!(
        c.run(&other, "2026-10-20", verify(true, "现场核查属实")),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        c.run(&reviewer, "2026-10-20", verify(false, " ")),
        Err(CaseError::Rule(m)) if m.contains("不实情况")
    ));
    let events = c
        .run(
            &reviewer,
            "2026-10-20",
            verify(false, "经营场所与承诺不符，已责令限期整改并纳入信用记录"),
        )
        .unwrap();
    assert!(matches!(
        &events[..],
        [Event::PledgeVerified { on, truthful: false, .. }] if *on == d("2026-10-20")
    ));
    assert_eq!(
        c.state.pledge_check,
        Some(PledgeCheck {
            on: d("2026-10-20"),
            truthful: false
        })
    );
    assert_eq!(
        pledge_timer(&c),
        None,
        "verified: supervision stops watching"
    );
    assert!(matches!(
        c.run(&reviewer, "2026-10-21", verify(true, "复查")),
        Err(CaseError::WrongStage(_))
    ));
    assert_eq!(
        finding_of(&events[0], &c.state),
        None,
        "an untrue pledge is the applicant's, not a handling fault"
    );
}

#[test]
fn deficiencies_block_conclusion_until_supplied_or_waived() {
    let (clerk, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    assert!(
        matches!(
            c.run(
                &clerk,
                "2026-09-24",
                Command::AcceptWithDeficiencies {
                    pending: vec!["申请书".into()],
                    supply_by: d("2026-10-20"),
                    commitment: "承诺".into()
                }
            ),
            Err(CaseError::Rule(_))
        ),
        "required materials are never 容缺"
    );
    c.run(
        &clerk,
        "2026-09-24",
        Command::AcceptWithDeficiencies {
            pending: vec!["健康证明".into()],
            supply_by: d("2026-10-20"),
            commitment: "本人承诺十五日内补交".into(),
        },
    )
    .unwrap();
    c.run(
        &staff(2, &[Role::Reviewer], &[]),
        "2026-09-28",
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
    )
    .unwrap();
    c.run(
        &approver,
        "2026-09-28",
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: String::new(),
                legal_basis: String::new(),
            },
        },
    )
    .unwrap();
    assert!(
        matches!(c.run(&approver, "2026-09-28", Command::Conclude), Err(CaseError::Rule(m)) if m.contains("健康证明"))
    );
    let chief_without = staff(4, &[Role::ChiefRepresentative], &[]);
    assert!(matches!(
        c.run(
            &chief_without,
            "2026-09-28",
            Command::WaiveDeficiency {
                material: "健康证明".into(),
                reason: "已核实".into()
            }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    let chief = staff(
        4,
        &[Role::ChiefRepresentative],
        &[Power::SupplementVerification],
    );
    c.run(
        &chief,
        "2026-09-28",
        Command::WaiveDeficiency {
            material: "健康证明".into(),
            reason: "已通过电子证照核实".into(),
        },
    )
    .unwrap();
    c.run(&approver, "2026-09-28", Command::Conclude).unwrap();
}

#[test]
fn illegal_transitions_and_wrong_people_are_refused() {
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &[]);
    let decide_now = Command::Decide {
        decision: Decision {
            approved: true,
            reasons: String::new(),
            legal_basis: String::new(),
        },
    };
    assert!(
        matches!(
            c.run(&approver, "2026-09-24", decide_now.clone()),
            Err(CaseError::WrongStage(_))
        ),
        "decide before acceptance"
    );
    assert!(
        matches!(
            c.run(&clerk, "2026-09-24", Command::Accept),
            Err(CaseError::Rule(_))
        ),
        "required material missing"
    );
    assert!(
        matches!(
            c.run(
                &clerk,
                "2026-09-24",
                Command::RefuseAcceptance {
                    reasons: "不符合条件".into(),
                    legal_basis: String::new()
                }
            ),
            Err(CaseError::Rule(_))
        ),
        "legal basis required"
    );
    let mut other_dept = clerk.clone();
    other_dept.department_id = Some(DepartmentId(8));
    assert!(matches!(
        c.run(&other_dept, "2026-09-24", Command::Accept),
        Err(CaseError::NotAllowed(_))
    ));
    c.state.materials.push("申请书".into());
    let accepted = c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    assert!(
        matches!(
            accepted[..],
            [Event::Accepted { .. }, Event::StepCompleted { step: 0, .. }]
        ),
        "acceptance is the 受理 step's act"
    );
    assert!(
        matches!(
            c.run(
                &clerk,
                "2026-09-25",
                Command::CompleteStep {
                    opinion: "x".into()
                }
            ),
            Err(CaseError::NotAllowed(_))
        ),
        "the reviewer's step now"
    );
    assert!(
        matches!(
            c.run(
                &reviewer,
                "2026-09-25",
                Command::ReturnStep {
                    reasons: "x".into()
                }
            ),
            Err(CaseError::WrongStage(_))
        ),
        "a return does not undo acceptance"
    );
    assert!(
        matches!(
            c.run(&approver, "2026-09-28", decide_now),
            Err(CaseError::NotYet(_))
        ),
        "steps remain"
    );
    assert!(matches!(
        c.run(
            &clerk,
            "2026-09-28",
            Command::ReturnCase {
                reasons: "x".into()
            }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(
        matches!(
            c.run(
                &clerk,
                "2026-09-28",
                Command::CollectFee {
                    amount_fen: 100,
                    override_reason: None
                }
            ),
            Err(CaseError::Rule(_))
        ),
        "above the standard"
    );
    c.run(
        &clerk,
        "2026-09-28",
        Command::CollectFee {
            amount_fen: 100,
            override_reason: Some("工本费标准调整，经批准".into()),
        },
    )
    .unwrap();
    assert!(matches!(
        c.run(
            &reviewer,
            "2026-09-28",
            Command::Withdraw { reason: "x".into() }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    c.run(
        &clerk,
        "2026-09-28",
        Command::Withdraw {
            reason: "申请人主动撤回".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        c.run(
            &clerk,
            "2026-09-28",
            Command::SupplementReceived {
                materials: vec![],
                application: None,
            }
        ),
        Err(CaseError::WrongStage(_))
    ));
}

#[test]
fn extensions_need_approval_and_move_the_deadline() {
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
    assert!(matches!(
        c.run(
            &reviewer,
            "2026-09-28",
            Command::Extend {
                days: 5,
                reason: "复杂".into()
            }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        c.run(
            &approver,
            "2026-09-28",
            Command::Extend {
                days: 11,
                reason: "复杂".into()
            }
        ),
        Err(CaseError::Rule(_))
    ));
    c.run(
        &approver,
        "2026-09-28",
        Command::Extend {
            days: 5,
            reason: "需现场核查".into(),
        },
    )
    .unwrap();
    // 10 working days after 24 September, counting the make-up Saturday 10 October.
    assert_eq!(c.state.due, Some(d("2026-10-15")));
    // An excluded special procedure pauses, then moves the deadline by its working days.
    c.run(
        &reviewer,
        "2026-09-29",
        Command::StartSpecialProcedure {
            name: "专家评审".into(),
            excluded: true,
        },
    )
    .unwrap();
    c.run(&reviewer, "2026-10-09", Command::EndSpecialProcedure)
        .unwrap();
    assert_eq!(c.state.paused_days, 3, "30 Sep, 8 Oct, 9 Oct");
    assert_eq!(c.state.due, Some(d("2026-10-20")));
}

#[test]
fn a_deadline_beyond_the_calendar_data_is_refused_not_guessed() {
    let mut c = Case::new();
    c.submit("2", &["申请书"]);
    let late = c.run(
        &staff(1, &[Role::Clerk], &[]),
        "2026-12-30",
        Command::Accept,
    );
    assert!(matches!(
        late,
        Err(CaseError::Calendar(CalendarError::OutOfRange { .. }))
    ));
    assert_eq!(c.state.stage(), Stage::Submitted, "nothing happened");
}

#[test]
fn events_round_trip_through_json() {
    let e = Event::Delivered {
        delivery: Delivery::Express {
            waybill: "SF1".into(),
        },
    };
    let text = serde_json::to_string(&e).unwrap();
    assert_eq!(
        text,
        r#"{"type":"delivered","delivery":{"method":"express","waybill":"SF1"}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);
}

#[test]
fn supplements_at_the_window_lead_to_acceptance() {
    let clerk = staff(1, &[Role::Clerk], &[]);
    let mut c = Case::new();
    c.submit("2", &[]);
    // Without the application form the case cannot be accepted: tell once what is missing.
    assert!(matches!(
        c.run(&clerk, "2026-09-24", Command::Accept),
        Err(CaseError::Rule(_))
    ));
    c.run(
        &clerk,
        "2026-09-24",
        Command::RequestSupplement {
            missing: vec![Missing::material("申请书", "未提交")],
            reason: String::new(),
            supply_by: None,
        },
    )
    .unwrap();
    // Something that is not the item's material is named; what came in is recorded, with no
    // deadline before acceptance.
    assert!(matches!(
        c.run(
            &clerk,
            "2026-09-28",
            Command::SupplementReceived {
                application: None,
                materials: vec!["户口本".into()]
            }
        ),
        Err(CaseError::Rule(_))
    ));
    let e = c
        .run(
            &clerk,
            "2026-09-28",
            Command::SupplementReceived {
                application: None,
                materials: vec!["申请书".into()],
            },
        )
        .unwrap();
    assert!(matches!(&e[0], Event::SupplementReceived { due: None, .. }));
    assert!(c.state.materials.contains(&"申请书".to_owned()));
    c.run(&clerk, "2026-09-28", Command::Accept).unwrap();
    assert_eq!(c.state.stage(), Stage::InReview);
}
