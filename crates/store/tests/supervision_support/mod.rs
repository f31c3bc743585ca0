//! What the supervision tests share: a department with its staff and an item, a command runner,
//! cases at the window, and a quick way to take a case to its conclusion.

#![allow(dead_code, unused_imports)]

use chrono::NaiveDate;
use onewindow_domain::case::*;
use onewindow_domain::exchange::{AcceptRecord, ProcessRecord, Report, ResultRecord};
use onewindow_domain::ids::{AccountId, CaseId, WindowId};
use onewindow_domain::org::{Power, Role};
use onewindow_domain::supervision::AlertLevel;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::on_every_backend;
use onewindow_store::org::*;
use onewindow_store::supervision::assessment::{Assessment, CardRuleChange, Period, Target};
use onewindow_store::supervision::reported::ReportOutcome;
use onewindow_store::supervision::{SupervisionSettings, SweepReport};
use onewindow_store::testing::{
    TestDb, backends, food_licence_ref, seed_org, seed_staff, submission,
};
use onewindow_store::{Store, StoreError};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct World {
    pub item: ItemRef,
    pub clerk: Actor,
    pub reviewer_account: AccountId,
    pub chief_account: AccountId,
    pub supervisor_account: AccountId,
    pub clerk_account: AccountId,
}

pub async fn world(store: &Store) -> World {
    let org = seed_org(store).await;
    let dept = org.dept;
    let centre = Some(org.centre);
    let clerk = seed_staff(store, "clerk", &["clerk"], centre, Some(dept)).await;
    let reviewer = seed_staff(store, "rev", &["reviewer"], centre, Some(dept)).await;
    let chief = seed_staff(
        store,
        "chief",
        &["chief_representative"],
        centre,
        Some(dept),
    )
    .await;
    let supervisor = seed_staff(store, "jiancha", &["supervisor"], centre, None).await;
    World {
        item: food_licence_ref(dept),
        clerk: Actor::staff(clerk.account_id, clerk.id, &[Role::Clerk], Some(dept))
            .with_powers(&[Power::SupplementVerification]),
        reviewer_account: reviewer.account_id,
        chief_account: chief.account_id,
        supervisor_account: supervisor.account_id,
        clerk_account: clerk.account_id,
    }
}

pub async fn run(
    store: &Store,
    w: &World,
    case: Option<CaseId>,
    day: &str,
    command: Command,
) -> Result<CaseId, StoreError> {
    store
        .cases()
        .execute(CommandRequest {
            case_id: case,
            expected_version: None,
            command,
            actor: w.clerk.clone(),
            idempotency_key: None,
            today: d(day),
            at: 1,
        })
        .await
        .map(|o| o.case_id)
}

/// A case submitted at the window on 24 September, not yet accepted.
pub async fn submit_case(store: &Store, w: &World, name: &str) -> CaseId {
    run(
        store,
        w,
        None,
        "2026-09-24",
        submission(Channel::Window, w.item.clone(), name, &[]),
    )
    .await
    .unwrap()
}

pub async fn open_case(store: &Store, w: &World, name: &str) -> CaseId {
    let id = submit_case(store, w, name).await;
    run(store, w, Some(id), "2026-09-24", Command::Accept)
        .await
        .unwrap();
    id
}

pub fn report(yellow: u64, red: u64) -> (u64, u64) {
    (yellow, red)
}

pub fn levels(r: &SweepReport) -> (u64, u64) {
    (r.yellow, r.red)
}

/// A clerk who may also review and approve (to take a case through quickly).
pub fn all_roles(w: &World) -> Actor {
    Actor {
        roles: vec![Role::Clerk, Role::Reviewer, Role::Approver],
        ..w.clerk.clone()
    }
}

pub async fn conclude_quickly(store: &Store, w: &World, id: CaseId, day: &str) {
    let commands = [
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合法定条件".into(),
                legal_basis: "《中华人民共和国行政许可法》第三十八条".into(),
            },
        },
        Command::Conclude,
    ];
    for command in commands {
        store
            .cases()
            .execute(CommandRequest {
                case_id: Some(id),
                expected_version: None,
                command,
                actor: all_roles(w),
                idempotency_key: None,
                today: d(day),
                at: 1,
            })
            .await
            .unwrap();
    }
}

pub fn settings(warn_percent: i64, warn_min_days: i64, red_flag_score: i64) -> SupervisionSettings {
    SupervisionSettings {
        warn_percent,
        warn_min_days,
        red_flag_score,
    }
}

pub fn field_of(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

pub async fn urged_on(store: &Store, w: &World, day: &str) -> i64 {
    let figures = store.supervision().indicators(day, day).await.unwrap();
    figures
        .iter()
        .find(|f| f.department_id == w.item.department_id)
        .unwrap()
        .urged
}
