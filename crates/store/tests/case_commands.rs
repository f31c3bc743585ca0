//! Case commands through the store on every backend: the lifecycle with its read models
//! (tasks, timers, rollups), idempotency keys, stale versions, group commit of concurrent
//! commands with a refused one among them, and calendar corrections.

use chrono::NaiveDate;
use onewindow_domain::case::*;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::{Power, Role};
use onewindow_store::case::commands::{CommandOutcome, CommandRequest};
use onewindow_store::case::queries::{CaseFilter, InboxFilter};
use onewindow_store::on_every_backend;
use onewindow_store::testing::submission;
use onewindow_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn item() -> ItemRef {
    ItemRef {
        item_id: ItemId(11),
        version: 2,
        materials: vec![MaterialRef {
            name: "申请书".into(),
            required: true,
            deficiency_allowed: false,
        }],
        ..onewindow_store::testing::food_licence_ref(DepartmentId(7))
    }
}

fn staff(id: i64, role: Role) -> Actor {
    let actor = Actor::staff(AccountId(id), StaffId(id), &[role], Some(DepartmentId(7)));
    if role == Role::ChiefRepresentative {
        actor.with_powers(Power::ALL)
    } else {
        actor
    }
}

fn submit(name: &str) -> Command {
    submission(Channel::Window, item(), name, &["申请书"])
}

async fn run(
    store: &Store,
    case_id: Option<CaseId>,
    actor: &Actor,
    today: &str,
    command: Command,
) -> Result<CommandOutcome, StoreError> {
    store
        .cases()
        .execute(CommandRequest {
            case_id,
            expected_version: None,
            command,
            actor: actor.clone(),
            idempotency_key: None,
            today: d(today),
            at: 1_790_000_000_000,
        })
        .await
}

async fn lifecycle_with_read_models(store: &Store) {
    let (clerk, reviewer, approver) = (
        staff(1, Role::Clerk),
        staff(2, Role::Reviewer),
        staff(3, Role::Approver),
    );
    let id = run(store, None, &clerk, "2026-09-24", submit("张伟"))
        .await
        .unwrap()
        .case_id;
    let accepted = run(store, Some(id), &clerk, "2026-09-24", Command::Accept)
        .await
        .unwrap();
    let Event::Accepted { case_no, due, .. } = &accepted.events[0] else {
        panic!("{:?}", accepted.events)
    };
    assert_eq!(case_no, &format!("37130020260924{id:06}"));
    assert_eq!(*due, d("2026-10-09"), "5 working days across National Day");

    // Acceptance ended the clerk's 受理 step: the reviewer's inbox holds the case.
    let inbox = store
        .cases()
        .inbox(
            &reviewer,
            &InboxFilter {
                limit: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(inbox.rows.len(), 1);
    assert_eq!(inbox.rows[0].step_name.as_deref(), Some("审查"));
    // The inbox's filter lists the kinds of work in this person's own list only.
    assert_eq!(
        store.cases().task_kinds(&reviewer).await.unwrap(),
        vec!["审查".to_owned()]
    );
    assert!(store.cases().task_kinds(&clerk).await.unwrap().is_empty());
    assert!(
        store
            .cases()
            .inbox(
                &clerk,
                &InboxFilter {
                    limit: 20,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    // Timers: the case limit (warned on its last working day, 8 October) and the step limit
    // (2 working days after Friday 25 September, Mid-Autumn Festival: 28 and 29 September).
    let timers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT kind, warn_on, due_on FROM case_timers WHERE case_id = $1 ORDER BY kind",
    )
    .bind(id.get())
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        timers,
        vec![
            ("case".into(), "2026-10-08".into(), "2026-10-09".into()),
            ("step".into(), "2026-09-28".into(), "2026-09-29".into()),
        ]
    );

    run(
        store,
        Some(id),
        &reviewer,
        "2026-09-28",
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
    )
    .await
    .unwrap();
    run(
        store,
        Some(id),
        &approver,
        "2026-09-29",
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合条件".into(),
                legal_basis: "《食品经营许可和备案管理办法》".into(),
            },
        },
    )
    .await
    .unwrap();
    run(store, Some(id), &approver, "2026-09-30", Command::Conclude)
        .await
        .unwrap();
    let delivered = run(
        store,
        Some(id),
        &clerk,
        "2026-10-09",
        Command::Deliver {
            delivery: Delivery::Pickup,
        },
    )
    .await
    .unwrap();
    assert_eq!(delivered.version, 7);
    let view = store.cases().case_view(id).await.unwrap();
    assert_eq!(view.row.stage, "delivered");
    assert_eq!(view.events.len(), 7);
    assert_eq!(view.events[1].actor_name, "");
    let (tasks, timers): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM case_tasks WHERE case_id = $1), (SELECT COUNT(*) FROM case_timers WHERE case_id = $1)",
    )
    .bind(id.get())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (tasks, timers),
        (0, 0),
        "a closed case leaves no work and no timers"
    );

    let sept = store
        .cases()
        .rollups("2026-09-01", "2026-09-30")
        .await
        .unwrap();
    assert_eq!(sept.len(), 1);
    let r = &sept[0];
    assert_eq!(
        (
            r.received,
            r.accepted,
            r.promised,
            r.concluded,
            r.concluded_on_time,
            r.overdue
        ),
        (1, 1, 1, 1, 1, 0)
    );

    // The public lookup needs both the number and the code.
    let code = view.state.query_code.clone().unwrap();
    assert!(
        store
            .cases()
            .case_by_query_code(case_no, &code, None)
            .await
            .is_ok()
    );
    assert!(matches!(
        store
            .cases()
            .case_by_query_code(case_no, "WRONG1", None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let found = store
        .cases()
        .search_cases(&CaseFilter {
            applicant: Some("张".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert!(store.cases().verify_case_log().await.unwrap().is_empty());
}

#[tokio::test]
async fn case_commands_lifecycle_with_read_models() {
    on_every_backend!(lifecycle_with_read_models);
}

async fn idempotency_and_versions(store: &Store) {
    let clerk = staff(1, Role::Clerk);
    let id = run(store, None, &clerk, "2026-09-24", submit("李娜"))
        .await
        .unwrap()
        .case_id;
    let request = |key: &str, expected, command| CommandRequest {
        case_id: Some(id),
        expected_version: Some(expected),
        command,
        actor: clerk.clone(),
        idempotency_key: Some(key.into()),
        today: d("2026-09-24"),
        at: 1,
    };
    let first = store
        .cases()
        .execute(request("k-1", 1, Command::Accept))
        .await
        .unwrap();
    let again = store
        .cases()
        .execute(request("k-1", 1, Command::Accept))
        .await
        .unwrap();
    assert!(again.replayed && !first.replayed);
    // Acceptance and the end of the 受理 step it is.
    assert_eq!((first.version, again.version), (3, 3));
    assert_eq!(
        first.events, again.events,
        "a retry returns the first result"
    );
    assert_eq!(
        store.cases().case_events(id).await.unwrap().len(),
        3,
        "and no second acceptance"
    );
    // The same key with another body is refused.
    assert!(matches!(
        store
            .cases()
            .execute(request("k-1", 1, Command::Withdraw { reason: "x".into() }))
            .await,
        Err(StoreError::IdempotencyMismatch)
    ));
    // A stale version is a conflict naming the current one; nothing is written.
    assert!(matches!(
        store
            .cases()
            .execute(request(
                "k-2",
                1,
                Command::CompleteStep {
                    opinion: "x".into()
                }
            ))
            .await,
        Err(StoreError::Conflict { current: 3 })
    ));
    // A refused command writes nothing either, and its key stays free.
    assert!(matches!(
        store
            .cases()
            .execute(request("k-3", 3, Command::Conclude))
            .await,
        Err(StoreError::Rejected(CaseError::WrongStage(_)))
    ));
    assert_eq!(store.cases().case_events(id).await.unwrap().len(), 3);
    store
        .cases()
        .execute(request(
            "k-3",
            3,
            Command::CollectFee {
                amount_fen: 0,
                override_reason: None,
            },
        ))
        .await
        .unwrap();
    // Another writer (another process) changes the case behind the store's back: the next
    // command is decided on what the database holds, not on a remembered state.
    store
        .cases()
        .append_case_events(
            id,
            4,
            &[Event::Withdrawn {
                reason: "申请人撤回".into(),
            }],
            &onewindow_store::case::log::Provenance {
                actor_id: AccountId(9),
                command_id: "elsewhere",
                at: 2,
                today: d("2026-09-25"),
            },
        )
        .await
        .unwrap();
    let mut late = request(
        "k-4",
        4,
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
    );
    late.expected_version = None;
    late.actor = staff(2, Role::Reviewer);
    assert!(matches!(
        store.cases().execute(late).await,
        Err(StoreError::Rejected(CaseError::WrongStage(_)))
    ));
    assert!(store.cases().verify_case_log().await.unwrap().is_empty());
}

#[tokio::test]
async fn case_commands_idempotency_and_versions() {
    on_every_backend!(idempotency_and_versions);
}

async fn group_commit(store: &Store) {
    let clerk = staff(1, Role::Clerk);
    let mut ids = Vec::new();
    for n in 0..24 {
        ids.push(
            run(
                store,
                None,
                &clerk,
                "2026-09-24",
                submit(&format!("申请人{n}")),
            )
            .await
            .unwrap()
            .case_id,
        );
    }
    // All at once: they share transactions; the one refused (a second acceptance) is undone
    // alone.
    let mut handles = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let store = store.clone();
        let clerk = clerk.clone();
        let id = *id;
        handles.push(tokio::spawn(async move {
            let command = if n == 5 {
                Command::CompleteStep {
                    opinion: "x".into(),
                }
            } else {
                Command::Accept
            };
            run(&store, Some(id), &clerk, "2026-09-24", command).await
        }));
    }
    let mut refused = 0;
    for h in handles {
        if h.await.unwrap().is_err() {
            refused += 1;
        }
    }
    assert_eq!(refused, 1);
    let (accepted,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM cases WHERE stage = 'in_review'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(accepted, 23);
    let numbers: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT case_no FROM cases WHERE stage = 'in_review'")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert!(numbers.iter().all(|(n,)| n.is_some()));
    assert!(store.cases().verify_case_log().await.unwrap().is_empty());
}

#[tokio::test]
async fn case_commands_group_commit() {
    on_every_backend!(group_commit);
}

async fn calendar_corrections(store: &Store) {
    let clerk = staff(1, Role::Clerk);
    // A day off for this city only (e.g. a typhoon closure) moves new deadlines by a day.
    store
        .calendar()
        .set_calendar_day("371300", "2026-10-12", false, "台风停工", AccountId(1))
        .await
        .unwrap();
    store
        .calendar()
        .set_calendar_day("440300", "2026-10-13", false, "其他城市", AccountId(1))
        .await
        .unwrap();
    let id = run(store, None, &clerk, "2026-09-30", submit("王芳"))
        .await
        .unwrap()
        .case_id;
    let out = run(store, Some(id), &clerk, "2026-09-30", Command::Accept)
        .await
        .unwrap();
    // From Wednesday 30 September: 8, 9, 10 (make-up Saturday), 13, 14 October; the other
    // city's day off does not apply here.
    let Event::Accepted { due, .. } = &out.events[0] else {
        panic!()
    };
    assert_eq!(*due, d("2026-10-14"));
    // Bad corrections are refused with field messages.
    match store
        .calendar()
        .set_calendar_day("12", "2026-13-01", true, " ", AccountId(1))
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert!(e.message_for("region_code").is_some());
            assert!(e.message_for("day").is_some());
            assert!(e.message_for("name").is_some());
        }
        other => panic!("{other:?}"),
    }
    // A deadline beyond the calendar data is refused, naming the rule, and nothing is written.
    let id = run(store, None, &clerk, "2026-12-30", submit("赵强"))
        .await
        .unwrap()
        .case_id;
    match run(store, Some(id), &clerk, "2026-12-30", Command::Accept).await {
        Err(StoreError::Rejected(CaseError::Calendar(e))) => {
            assert!(e.to_string().contains("超出工作日历"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.cases().case_events(id).await.unwrap().len(), 1);
    // Once next year's first holiday is entered, the year is open.
    store
        .calendar()
        .set_calendar_day("", "2027-01-01", false, "元旦", AccountId(1))
        .await
        .unwrap();
    let out = run(store, Some(id), &clerk, "2026-12-30", Command::Accept)
        .await
        .unwrap();
    let Event::Accepted { due, .. } = &out.events[0] else {
        panic!()
    };
    assert_eq!(*due, d("2027-01-07"));
}

#[tokio::test]
async fn case_commands_calendar_corrections() {
    on_every_backend!(calendar_corrections);
}

/// A case can wait on several people at once: with a second open task (a branch of a joint
/// case, here written as the joint-approval context will write it, slot 1 for department 8),
/// each department's inbox holds the case, and the writer keeps its own line (slot 0) up to
/// date without touching the branch.
async fn several_open_tasks(store: &Store) {
    let (clerk, reviewer) = (staff(1, Role::Clerk), staff(2, Role::Reviewer));
    let mut other = staff(4, Role::Reviewer);
    other.department_id = Some(DepartmentId(8));
    let id = run(store, None, &clerk, "2026-09-24", submit("王芳"))
        .await
        .unwrap()
        .case_id;
    run(store, Some(id), &clerk, "2026-09-24", Command::Accept)
        .await
        .unwrap();
    // Slot 1's task id is case_id * 1024 + 1 (migration 0020).
    sqlx::query(
        "INSERT INTO case_tasks (id, case_id, slot, department_id, role, assignee, what, since, due)
         VALUES ($1 * 1024 + 1, $1, 1, 8, 'reviewer', NULL, '联合审查', '2026-09-24', '2026-10-09')",
    )
    .bind(id.get())
    .execute(store.pool())
    .await
    .unwrap();
    let filter = InboxFilter {
        limit: 10,
        ..Default::default()
    };
    let mine = store.cases().inbox(&reviewer, &filter).await.unwrap();
    let theirs = store.cases().inbox(&other, &filter).await.unwrap();
    assert_eq!(mine.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert_eq!(theirs.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    let tasks: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT slot, department_id, what FROM case_tasks WHERE case_id = $1 ORDER BY slot",
    )
    .bind(id.get())
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        tasks,
        [(0, 7, "审查".to_owned()), (1, 8, "联合审查".to_owned())],
        "the case's own line moved on; the branch is as its context left it"
    );
}

#[tokio::test]
async fn a_case_waits_on_several_people_at_once() {
    on_every_backend!(several_open_tasks);
}
