//! The case event log on every backend: optimistic concurrency, and tampering with the
//! database directly (update, delete, insert, reorder, cut the tail) is caught and named.

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::*;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::Role;
use onewindow_store::case::log::Provenance;
use onewindow_store::case::log_tree::LogEntry;
use onewindow_store::on_every_backend;
use onewindow_store::testing::submission;

use onewindow_store::{Store, StoreError};

fn item() -> ItemRef {
    ItemRef {
        item_id: ItemId(1),
        version: 1,
        name: "食品经营许可".into(),
        department_id: DepartmentId(7),
        case_type: CaseType::Promised,
        promised_days: 5,
        statutory_days: 20,
        steps: vec![
            StepRef {
                name: "受理".into(),
                role: Role::Clerk,
                department_id: DepartmentId(7),
                limit_days: 1,
            },
            StepRef {
                name: "审查".into(),
                role: Role::Reviewer,
                department_id: DepartmentId(7),
                limit_days: 3,
            },
            StepRef {
                name: "决定".into(),
                role: Role::Approver,
                department_id: DepartmentId(7),
                limit_days: 1,
            },
        ],
        fee_standard_fen: 0,
        region_code: "371300000000".into(),
        online_only: false,
        branches: vec![],
        materials: vec![MaterialRef {
            name: "申请书".into(),
            required: true,
            deficiency_allowed: false,
        }],
    }
}

fn clerk() -> Actor {
    Actor::staff(
        AccountId(1),
        StaffId(1),
        &[Role::Clerk],
        Some(DepartmentId(7)),
    )
}

/// A case submitted, accepted and past its first step: three events.
async fn accepted_case(store: &Store, n: u32) -> CaseId {
    let cal = WorkCalendar::official().unwrap();
    let actor = clerk();
    let ctx = |today: &str| Ctx {
        today: NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap(),
        actor: &actor,
        calendar: &cal,
        case_no: format!("SJ202609240000{n:02}"),
        query_code: format!("Q{n:05}"),
    };
    let by = Provenance {
        actor_id: AccountId(1),
        command_id: "cmd",
        at: 1,
        today: chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
    };
    let submit = submission(Channel::Window, item(), "张伟", &["申请书"]);
    let events = decide(&CaseState::default(), &submit, &ctx("2026-09-24")).unwrap();
    let (id, state) = store.cases().create_case(&events, &by).await.unwrap();
    let events = decide(&state, &Command::Accept, &ctx("2026-09-24")).unwrap();
    let state = store
        .cases()
        .append_case_events(id, state.version, &events, &by)
        .await
        .unwrap();
    assert_eq!(state.version, 3);
    id
}

async fn concurrency_and_tamper_evidence(store: &Store) {
    let cases: Vec<CaseId> = {
        let mut v = Vec::new();
        for n in 0..6 {
            v.push(accepted_case(store, n).await);
        }
        v
    };
    assert!(
        store.cases().verify_case_log().await.unwrap().is_empty(),
        "an untouched log verifies"
    );

    // A stale version is a conflict and writes nothing.
    let by = Provenance {
        actor_id: AccountId(1),
        command_id: "late",
        at: 2,
        today: chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
    };
    let withdraw = [Event::Withdrawn {
        reason: "撤回".into(),
    }];
    match store
        .cases()
        .append_case_events(cases[0], 2, &withdraw, &by)
        .await
    {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.cases().case_events(cases[0]).await.unwrap().len(), 3);

    let pool = store.pool();
    let exec = |sql: String| async move {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .unwrap()
    };
    // 1: an event's content is changed.
    exec(format!("UPDATE case_events SET payload = REPLACE(payload, '材料齐全', '材料不全') WHERE case_id = {} AND seq = 3", cases[1])).await;
    // 2: a middle event is deleted.
    exec(format!(
        "DELETE FROM case_events WHERE case_id = {} AND seq = 2",
        cases[2]
    ))
    .await;
    // 3: an event is inserted at the end without touching the case record.
    let last = store
        .cases()
        .case_events(cases[3])
        .await
        .unwrap()
        .pop()
        .unwrap();
    exec(format!(
        "INSERT INTO case_events (case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash)
         VALUES ({}, 4, 'withdrawn', '{{}}', 1, 'forged', 3, '{}', '{}')",
        cases[3], last.hash, last.hash
    ))
    .await;
    // 4: two events swap places.
    exec(format!(
        "UPDATE case_events SET seq = 99 WHERE case_id = {} AND seq = 2",
        cases[4]
    ))
    .await;
    exec(format!(
        "UPDATE case_events SET seq = 2 WHERE case_id = {} AND seq = 3",
        cases[4]
    ))
    .await;
    exec(format!(
        "UPDATE case_events SET seq = 3 WHERE case_id = {} AND seq = 99",
        cases[4]
    ))
    .await;
    // 5: the tail is cut (the read model still says 3 events).
    exec(format!(
        "DELETE FROM case_events WHERE case_id = {} AND seq = 3",
        cases[5]
    ))
    .await;

    let problems = store.cases().verify_case_log().await.unwrap();
    let found: Vec<(CaseId, i64)> = problems
        .iter()
        .map(|p| (CaseId(p.case_id.get()), p.seq))
        .collect();
    assert_eq!(
        found,
        vec![
            (cases[1], 3),
            (cases[2], 3),
            (cases[3], 4),
            (cases[4], 2),
            (cases[5], 3)
        ],
        "{problems:#?}"
    );
    assert!(problems[0].problem.contains("被修改"));
    assert!(problems[1].problem.contains("序号不连续"));
    assert!(problems[4].problem.contains("截断"));
    assert!(
        !found.iter().any(|(c, _)| *c == cases[0]),
        "the untouched case stays clean"
    );
}

#[tokio::test]
async fn case_log_concurrency_and_tamper_evidence() {
    on_every_backend!(concurrency_and_tamper_evidence);
}

async fn signed_checkpoints_catch_a_consistent_truncation(store: &Store) {
    use onewindow_store::case::checkpoints::AuditKey;
    let key = AuditKey::from_seed([7; 32]);
    let trusted = key.public_key_hex();
    let a = accepted_case(store, 1).await;
    let b = accepted_case(store, 2).await;
    let pool = store.pool();
    let verify = || async { store.cases().verify_checkpoints(&trusted).await.unwrap() };
    let forget_checkpoints = || async {
        sqlx::query("DELETE FROM audit_checkpoints")
            .execute(pool)
            .await
            .unwrap();
    };
    // A checkpoint signed by another key, or edited, is itself refused.
    let other = AuditKey::from_seed([8; 32]);
    store.cases().checkpoint(&other).await.unwrap().unwrap();
    assert!(verify().await[0].problem.contains("签名无效"));
    forget_checkpoints().await;
    store.cases().checkpoint(&key).await.unwrap().unwrap();
    sqlx::query("UPDATE audit_checkpoints SET tree_size = tree_size - 1")
        .execute(pool)
        .await
        .unwrap();
    assert!(verify().await[0].problem.contains("签名无效"));
    forget_checkpoints().await;

    store.cases().checkpoint(&key).await.unwrap().unwrap();
    assert!(verify().await.is_empty());
    // A careful attacker cuts case b's last event and rewrites its record to match: the chain
    // alone looks whole, but the signed checkpoint remembers the old head.
    let events = store.cases().case_events(b).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM case_events WHERE case_id = {b} AND seq = 3"
    )))
    .execute(pool)
    .await
    .unwrap();
    let folded = CaseState::from_events(
        &events[..2]
            .iter()
            .map(|e| serde_json::from_str::<Event>(&e.payload).unwrap())
            .collect::<Vec<_>>(),
    );
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE cases SET version = 2, head_hash = '{}', state = '{}', stage = '{}' WHERE id = {b}",
        events[1].hash,
        serde_json::to_string(&folded).unwrap(),
        folded.stage().key()
    )))
    .execute(pool)
    .await
    .unwrap();
    assert!(
        store.cases().verify_case_log().await.unwrap().is_empty(),
        "the chain alone cannot see it"
    );
    let problems = verify().await;
    // The signed log tree misses the event (its place in the tree is named).
    assert!(
        !problems.is_empty() && problems.iter().all(|p| p.problem.contains("日志树")),
        "{problems:#?}"
    );
    assert!(!problems.iter().any(|p| p.case_id == CaseId(a.get())));
    // And no new checkpoint is signed over the cut log (which would hide the cut for good).
    let refused = store.cases().checkpoint(&key).await.unwrap();
    assert!(refused.is_err());
}

#[tokio::test]
async fn case_log_signed_checkpoints() {
    on_every_backend!(signed_checkpoints_catch_a_consistent_truncation);
}

/// What authorisation and the inboxes read from a case's row (department, applicant's account,
/// stage, deadline, number, assignee) is compared with the events: editing it to reach a case is
/// named, column by column.
async fn authorisation_columns_are_checked(store: &Store) {
    let mut cases = Vec::new();
    for n in 0..6 {
        cases.push(accepted_case(store, n).await);
    }
    assert!(store.cases().verify_case_log().await.unwrap().is_empty());
    let edits = [
        "department_id = department_id + 1",
        "applicant_account = 424242",
        "stage = 'concluded'",
        "due = '2099-01-01'",
        "case_no = 'SJ20260924999999'",
        "assignee = 424242",
    ];
    for (case, edit) in cases.iter().zip(edits) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE cases SET {edit} WHERE id = {case}"
        )))
        .execute(store.pool())
        .await
        .unwrap();
    }
    let problems = store.cases().verify_case_log().await.unwrap();
    let named: Vec<(CaseId, &str)> = problems
        .iter()
        .map(|p| (CaseId(p.case_id.get()), p.problem.as_str()))
        .collect();
    let columns = [
        "承办部门",
        "申请人账号",
        "办理阶段",
        "办结期限",
        "办件编号",
        "指定办理人",
    ];
    assert_eq!(named.len(), 6, "{problems:#?}");
    for ((case, problem), (want_case, column)) in named.iter().zip(cases.iter().zip(columns)) {
        assert_eq!(case, want_case);
        assert!(problem.contains(column), "{problem}");
    }
}

#[tokio::test]
async fn case_log_checks_the_columns_authorisation_reads() {
    on_every_backend!(authorisation_columns_are_checked);
}

/// Two signers at once (two instances, or the CLI beside the server) never fork the chain of
/// checkpoints: one extends the other.
async fn racing_signers_keep_one_chain(store: &Store) {
    use onewindow_store::case::checkpoints::AuditKey;
    let key = AuditKey::from_seed([7; 32]);
    accepted_case(store, 1).await;
    let (a, b) = tokio::join!(
        store.cases().checkpoint(&key),
        store.cases().checkpoint(&key)
    );
    assert!(a.unwrap().is_ok() && b.unwrap().is_ok());
    let problems = store
        .cases()
        .verify_checkpoints(&key.public_key_hex())
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn case_log_racing_signers_keep_one_chain() {
    on_every_backend!(racing_signers_keep_one_chain);
}

/// All events form one signed tree: an event's inclusion proof checks against a checkpoint's
/// root alone, a later checkpoint's tree provably extends an earlier one's, and changing an event
/// below a checkpoint changes the signed root.
async fn one_tree_over_all_events(store: &Store) {
    use onewindow_store::case::checkpoints::AuditKey;
    use onewindow_store::case::log_tree::{verify_consistency, verify_inclusion};
    let key = AuditKey::from_seed([7; 32]);
    let a = accepted_case(store, 1).await;
    let first = store.cases().checkpoint(&key).await.unwrap().unwrap();
    assert_eq!(
        store
            .cases()
            .inclusion(LogEntry::Case(a, 1))
            .await
            .unwrap()
            .unwrap()
            .checkpoint
            .id,
        first.id
    );
    let b = accepted_case(store, 2).await;
    assert!(
        store
            .cases()
            .inclusion(LogEntry::Case(b, 1))
            .await
            .unwrap()
            .is_none(),
        "not in a signed tree until the next checkpoint"
    );
    let second = store.cases().checkpoint(&key).await.unwrap().unwrap();
    let receipt = store
        .cases()
        .inclusion(LogEntry::Case(b, 2))
        .await
        .unwrap()
        .unwrap();
    let size = second.tree_size.unwrap() as u64;
    let root = second.tree_root.clone().unwrap();
    assert!(verify_inclusion(
        &root,
        size,
        &receipt.leaf,
        receipt.leaf_index as u64,
        &receipt.proof
    ));
    assert!(
        !verify_inclusion(
            &root,
            size,
            &receipt.leaf,
            receipt.leaf_index as u64 + 1,
            &receipt.proof
        ),
        "a proof holds for its own place only"
    );
    let c = store
        .cases()
        .consistency(first.id, second.id)
        .await
        .unwrap();
    let from = (
        first.tree_root.as_deref().unwrap(),
        first.tree_size.unwrap() as u64,
    );
    assert!(verify_consistency(from, (&root, size), &c.proof));
    assert!(!verify_consistency(
        (&root, first.tree_size.unwrap() as u64),
        (&root, size),
        &c.proof
    ));

    // An event of case a changed below both checkpoints, with its case's chain, head and
    // state rewritten to match: only the signed tree still remembers the old event.
    let events = store.cases().case_events(a).await.unwrap();
    let mut changed = events[0].clone();
    changed.payload = changed.payload.replace("张伟", "李四");
    changed.hash = onewindow_store::case::log::chain_hash(&changed.prev_hash, &changed);
    sqlx::query("UPDATE case_events SET payload = $1, hash = $2 WHERE case_id = $3 AND seq = 1")
        .bind(&changed.payload)
        .bind(&changed.hash)
        .bind(a.get())
        .execute(store.pool())
        .await
        .unwrap();
    let problems = store
        .cases()
        .verify_checkpoints(&key.public_key_hex())
        .await
        .unwrap();
    assert!(
        problems.iter().any(|p| p.problem.contains("日志树")),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn case_log_is_one_signed_tree_with_proofs() {
    on_every_backend!(one_tree_over_all_events);
}
