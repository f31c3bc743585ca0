//! 并联审批: a joint case across the National Day holiday with three co-departments.

use super::tests::{Case, d, item, staff};
use super::*;

fn of(department: i64, roles: &[Role]) -> Actor {
    Actor::staff(
        AccountId(department * 100 + roles.len() as i64),
        StaffId(department * 100 + roles.len() as i64),
        roles,
        Some(DepartmentId(department)),
    )
}

fn joint_item() -> ItemRef {
    let branch = |id: i64, name: &str| BranchRef {
        department_name: name.into(),
        ..BranchRef::review(DepartmentId(id), 4)
    };
    ItemRef {
        branches: vec![
            branch(8, "市自然资源局"),
            branch(9, "市消防救援支队"),
            branch(10, "市生态环境局"),
        ],
        ..item("2")
    }
}

fn submitted() -> Case {
    let mut case = Case::new();
    case.run(
        &staff(1, &[Role::Clerk], &[]),
        "2026-09-28",
        Command::Submit {
            application: None,
            channel: Channel::Window,
            item: Box::new(joint_item()),
            applicant: Applicant {
                kind: "company".into(),
                name: "临沂某建设有限公司".into(),
                id_number: "91371302MA3C7Q5K8E".into(),
                mobile: "13800000000".into(),
            },
            materials: vec!["申请书".into()],
        },
    )
    .unwrap();
    case
}

fn sign(case: &mut Case, branch: usize, department: i64, on: &str) {
    for role in [Role::Reviewer, Role::Approver] {
        case.run(
            &of(department, &[role]),
            on,
            Command::CompleteBranchStep {
                branch,
                opinion: "同意".into(),
            },
        )
        .unwrap();
    }
}

#[test]
fn four_departments_review_at_once_and_the_decision_waits_for_the_last_signature() {
    let mut case = submitted();
    let (clerk, reviewer, approver) = (
        staff(1, &[Role::Clerk], &[]),
        staff(2, &[Role::Reviewer], &[]),
        staff(3, &[Role::Approver], &[]),
    );
    // 一家受理, 即时分送: acceptance sends every branch the same day.
    let events = case.run(&clerk, "2026-09-28", Command::Accept).unwrap();
    assert!(events.contains(&Event::BranchesSent {
        on: d("2026-09-28")
    }));
    let tasks = case.state.open_tasks();
    assert_eq!(tasks.len(), 4, "{tasks:#?}");
    assert_eq!(
        tasks
            .iter()
            .map(|t| t.department_id.get())
            .collect::<Vec<_>>(),
        vec![7, 8, 9, 10]
    );
    assert!(tasks[1..].iter().all(|t| t.role == Role::Reviewer));
    assert_eq!(
        tasks.iter().map(|t| t.slot).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );

    // A branch is the co-department's: neither another department nor the lead acts on it.
    let complete = |branch| Command::CompleteBranchStep {
        branch,
        opinion: "同意".into(),
    };
    assert!(matches!(
        case.run(&of(8, &[Role::Reviewer]), "2026-09-29", complete(1)),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        case.run(&reviewer, "2026-09-29", complete(0)),
        Err(CaseError::NotAllowed(_))
    ));
    // The reviewer of the department signs nothing: the approver's step is 会签.
    case.run(&of(8, &[Role::Reviewer]), "2026-09-29", complete(0))
        .unwrap();
    assert!(matches!(
        case.run(&of(8, &[Role::Reviewer]), "2026-09-29", complete(0)),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        case.run(&of(8, &[Role::Reviewer]), "2026-09-29", complete(7)),
        Err(CaseError::Invalid { .. })
    ));

    // The fire brigade needs a supplement: the lead sends it in the case's one notice.
    case.run(
        &of(9, &[Role::Reviewer]),
        "2026-09-29",
        Command::AskBranchSupplement {
            branch: 1,
            missing: vec![Missing::material("消防设计文件", "缺少消防设施平面图")],
        },
    )
    .unwrap();
    assert_eq!(case.state.gathered_supplements().len(), 1);
    let notice = case
        .run(
            &clerk,
            "2026-09-30",
            Command::RequestSupplement {
                missing: vec![Missing::material("申请书", "法定代表人未签字")],
                reason: String::new(),
                supply_by: None,
            },
        )
        .unwrap();
    let Event::SupplementRequested { missing, .. } = &notice[0] else {
        panic!("{notice:?}");
    };
    assert_eq!(
        missing.len(),
        2,
        "one notice carries both lists: {missing:?}"
    );
    assert!(missing[1].reason.contains("市消防救援支队"));
    assert!(case.state.gathered_supplements().is_empty());
    // While the applicant supplements, the whole case waits: no branch work is offered.
    assert_eq!(case.state.open_tasks().len(), 1);
    assert!(matches!(
        case.run(&of(10, &[Role::Reviewer]), "2026-09-30", complete(2)),
        Err(CaseError::Rule(_))
    ));
    // Answered after the holiday: 2026-09-30 to 2026-10-09 is one working day of pause
    // (the 30th itself; October 1–8 is the National Day holiday, the 9th is when it resumes).
    case.run(
        &clerk,
        "2026-10-09",
        Command::SupplementReceived {
            materials: vec![],
            application: None,
        },
    )
    .unwrap();
    let paused = case.state.paused_days;
    assert!(paused >= 1, "{paused}");
    assert!(case.state.branches.iter().all(|b| b.paused_days == paused));
    let cal = WorkCalendar::official().unwrap();
    let due = case.state.branches[1]
        .due(&joint_item().branches[1], &cal)
        .unwrap()
        .unwrap();
    assert_eq!(
        due,
        cal.add_working_days(d("2026-09-28"), 4 + paused).unwrap(),
        "the branch's limit moves with the pause"
    );

    // The lead's own review proceeds in parallel.
    case.complete_step(&reviewer, "2026-10-09");
    sign(&mut case, 1, 9, "2026-10-10");
    // The environment bureau returns its branch; the lead sends it again.
    case.run(
        &of(10, &[Role::Reviewer]),
        "2026-10-10",
        Command::ReturnBranch {
            branch: 2,
            reasons: "项目不在本局审批范围，请核实是否需要环评批复".into(),
        },
    )
    .unwrap();
    assert_eq!(case.state.branches[2].status, BranchStatus::Returned);
    assert!(matches!(
        case.run(
            &of(10, &[Role::Reviewer]),
            "2026-10-10",
            Command::ResendBranch {
                branch: 2,
                note: "-".into()
            }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    case.run(
        &clerk,
        "2026-10-12",
        Command::ResendBranch {
            branch: 2,
            note: "已补充环评批复，请会办".into(),
        },
    )
    .unwrap();
    assert_eq!(case.state.branches[2].status, BranchStatus::Open);

    // The decision is refused while any branch is open, naming the departments.
    let decide = Command::Decide {
        decision: Decision {
            approved: true,
            reasons: String::new(),
            legal_basis: String::new(),
        },
    };
    match case.run(&approver, "2026-10-12", decide.clone()) {
        Err(CaseError::NotYet(m)) => {
            assert!(
                m.contains("市自然资源局") && m.contains("市生态环境局"),
                "{m}"
            );
            assert!(!m.contains("市消防救援支队"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // 自然资源 reviewed on 09-29; its approver signs now.
    case.run(&of(8, &[Role::Approver]), "2026-10-12", complete(0))
        .unwrap();
    assert!(matches!(
        case.run(&approver, "2026-10-12", decide.clone()),
        Err(CaseError::NotYet(_))
    ));
    // The lead's task line waits for the co-departments once its own steps are done.
    assert_eq!(case.state.open_tasks()[0].what, "等待会办部门会签");
    sign(&mut case, 2, 10, "2026-10-13");
    assert!(case.state.unsigned_branches().is_empty());
    assert_eq!(case.state.open_tasks().len(), 1);
    case.run(&approver, "2026-10-13", decide).unwrap();
    case.run(&approver, "2026-10-13", Command::Conclude)
        .unwrap();
    assert_eq!(case.state.stage(), Stage::Concluded);

    // Each department's time is its own: sent on 09-28, paused with the case, signed when done.
    let used = |i: usize| {
        case.state.branches[i]
            .days_used(d("2026-10-20"), &cal)
            .unwrap()
            .unwrap()
    };
    assert!(used(1) < used(0), "{} {}", used(0), used(1));
    assert_eq!(used(2), 1, "a resent branch's clock starts again");
    assert_eq!(case.state.branches[0].opinions.len(), 2);
}

#[test]
fn branch_commands_offer_only_what_the_department_may_do() {
    let mut case = submitted();
    case.run(
        &staff(1, &[Role::Clerk], &[]),
        "2026-09-28",
        Command::Accept,
    )
    .unwrap();
    let cal = WorkCalendar::official().unwrap();
    let offered = |actor: &Actor| {
        branch_commands(
            &case.state,
            &Ctx {
                today: d("2026-09-29"),
                actor,
                calendar: &cal,
                case_no: String::new(),
                query_code: String::new(),
            },
        )
    };
    let fire = of(9, &[Role::Reviewer]);
    assert_eq!(
        offered(&fire),
        vec![
            (1, "complete_branch_step"),
            (1, "ask_branch_supplement"),
            (1, "return_branch")
        ]
    );
    assert!(offered(&staff(2, &[Role::Reviewer], &[])).is_empty());
    // An instant item (即办件) never becomes a joint case.
    let mut doc = crate::catalog::ItemDoc {
        case_type: "1".into(),
        joint_department_ids: vec![DepartmentId(8)],
        ..Default::default()
    };
    let instant = ItemRef::from_doc(ItemId(1), 1, &doc, "").unwrap();
    assert!(instant.branches.is_empty());
    doc.case_type = "2".into();
    doc.promised_limit_days = 10;
    let promised = ItemRef::from_doc(ItemId(1), 1, &doc, "").unwrap();
    assert_eq!(promised.branches.len(), 1);
    assert_eq!(
        promised.branches[0].limit_days, 10,
        "0: the whole promised limit"
    );
}
