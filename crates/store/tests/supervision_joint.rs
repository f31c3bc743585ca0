//! Supervision of a joint case (并联审批) on every backend: each co-department's branch is a
//! clock of its own, answerable to that department — its warning and its lateness are alerts
//! of the co-department, a branch over its limit is a finding against it, and its reviewers are
//! told — while a signed branch's clock stops.

use onewindow_domain::case::*;
use onewindow_domain::ids::StaffId;
use onewindow_domain::org::Role;
use onewindow_store::Store;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::on_every_backend;
use onewindow_store::testing::seed_staff;

mod supervision_support;
use supervision_support::*;

async fn branch_clocks(store: &Store) {
    let mut w = world(store).await;
    let org = store.org();
    let departments = org.list_departments(None).await.unwrap();
    let police = departments
        .iter()
        .find(|d| d.name == "临沂市公安局")
        .unwrap()
        .clone();
    let reviewer = seed_staff(
        store,
        "polrev",
        &["reviewer"],
        Some(police.centre_id),
        Some(police.id),
    )
    .await;
    w.item.branches = vec![BranchRef {
        department_name: police.name.clone(),
        ..BranchRef::review(police.id, 2)
    }];
    // Accepted Thursday 24 September: the branch has 2 working days, 28 and 29 September
    // (the 25th is Mid-Autumn Festival).
    let id = open_case(store, &w, "张伟").await;
    let as_police = Actor::staff(
        reviewer.account_id,
        StaffId(reviewer.id.get()),
        &[Role::Reviewer],
        Some(police.id),
    );
    let sweep = |day: &'static str| async move {
        levels(&store.supervision().sweep(d(day)).await.unwrap())
    };
    // 28th: the lead's 审查 step and the branch both have a day left.
    assert_eq!(sweep("2026-09-28").await, report(2, 0));
    assert_eq!(
        sweep("2026-09-30").await,
        report(0, 2),
        "both over their limits"
    );
    let alerts = store.supervision().alerts(None, false, 100).await.unwrap();
    let branch: Vec<_> = alerts
        .iter()
        .filter(|a| a.timer_kind == "branch_1")
        .collect();
    assert_eq!(branch.len(), 2, "{alerts:#?}");
    assert!(
        branch.iter().all(|a| a.department_id == police.id),
        "{branch:#?}"
    );
    let findings = store.supervision().findings(true, 100).await.unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.rule_code == "step_overdue" && f.department_id == police.id),
        "{findings:#?}"
    );
    // The co-department's reviewer is the one told.
    let told = store
        .outbox()
        .messages(reviewer.account_id, None, 10)
        .await
        .unwrap();
    assert!(!told.is_empty(), "the branch's reviewer hears of it");
    assert!(
        told.iter().any(|m| m.body.contains("并联审批会办")),
        "{told:#?}"
    );

    // Signed: the branch's clock stops; nothing more is raised for it.
    for role in [Role::Reviewer, Role::Approver] {
        store
            .cases()
            .execute(CommandRequest {
                case_id: Some(id),
                expected_version: None,
                command: Command::CompleteBranchStep {
                    branch: 0,
                    opinion: "同意".into(),
                },
                actor: Actor {
                    roles: vec![role],
                    ..as_police.clone()
                },
                idempotency_key: None,
                today: d("2026-10-09"),
                at: 1,
            })
            .await
            .unwrap();
    }
    let view = store.cases().case_view(id).await.unwrap();
    assert_eq!(view.state.branches[0].status, BranchStatus::Signed);
    let timers: Vec<(String,)> = sqlx::query_as("SELECT kind FROM case_timers WHERE case_id = $1")
        .bind(id)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(
        !timers.iter().any(|(k,)| k.starts_with("branch")),
        "{timers:?}"
    );
}

#[tokio::test]
async fn each_branch_is_watched_against_its_own_department() {
    on_every_backend!(branch_clocks);
}
