//! The store refuses what a hostile or careless caller sends past the pages: a case handed to
//! no one or to another department, and a database file others on the machine could read.

use chrono::NaiveDate;
use onewindow_domain::case::*;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::Role;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::testing::{Org, TestDb, seed_org, seed_staff};
use onewindow_store::{Backend, Store, StoreError, on_every_backend};

fn item(org: &Org) -> ItemRef {
    let step = |name: &str, role| StepRef {
        name: name.into(),
        role,
        department_id: org.dept,
        limit_days: 2,
    };
    ItemRef {
        item_id: 1,
        version: 1,
        name: "食品经营许可".into(),
        department_id: org.dept,
        case_type: CaseType::Promised,
        promised_days: 5,
        statutory_days: 20,
        steps: vec![step("受理", Role::Clerk), step("审查", Role::Reviewer)],
        fee_standard_fen: 0,
        materials: vec![],
        region_code: "371300000000".into(),
        online_only: false,
    }
}

async fn run(
    store: &Store,
    case_id: Option<CaseId>,
    actor: &Actor,
    command: Command,
) -> Result<CaseId, StoreError> {
    let request = CommandRequest {
        case_id,
        expected_version: None,
        command,
        actor: actor.clone(),
        idempotency_key: None,
        today: NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
        at: 1,
    };
    Ok(store.cases().execute(request).await?.case_id)
}

async fn reassigned_only_to_the_steps_people(store: &Store) {
    let org = seed_org(store).await;
    let staff = |login, role, dept| seed_staff(store, login, role, Some(org.centre), Some(dept));
    let clerk = staff("clerk", &["clerk"], org.dept).await;
    let colleague = staff("rev2", &["reviewer"], org.dept).await;
    let stranger = staff("other", &["reviewer"], org.other_dept).await;
    let chief = staff("chief", &["chief_representative"], org.dept).await;
    let as_actor = |s: &onewindow_store::org::Staff, role| {
        Actor::staff(s.account_id, s.id, &[role], s.department_id)
    };
    let submit = Command::Submit {
        channel: Channel::Window,
        item: Box::new(item(&org)),
        applicant: Applicant {
            kind: "individual".into(),
            name: "张伟".into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials: vec![],
    };
    let clerk = as_actor(&clerk, Role::Clerk);
    let id = run(store, None, &clerk, submit).await.unwrap();
    run(store, Some(id), &clerk, Command::Accept).await.unwrap();
    let done = Command::CompleteStep {
        opinion: "齐全".into(),
    };
    run(store, Some(id), &clerk, done).await.unwrap();
    let chief = as_actor(&chief, Role::ChiefRepresentative);
    let reassign = |staff_id| Command::Reassign {
        staff_id,
        reason: "工作调整".into(),
    };
    for target in [999_999, stranger.id, clerk.staff_id.unwrap()] {
        let refused = run(store, Some(id), &chief, reassign(target)).await;
        assert!(
            matches!(refused, Err(StoreError::Rejected(CaseError::Invalid { ref field, .. })) if field == "staff_id"),
            "{target}: {refused:?}"
        );
    }
    let view = store.cases().case_view(id).await.unwrap();
    assert_eq!(view.row.assignee, None, "nothing was written");
    run(store, Some(id), &chief, reassign(colleague.id))
        .await
        .unwrap();
    let view = store.cases().case_view(id).await.unwrap();
    assert_eq!(view.row.assignee, Some(colleague.id));
}

#[tokio::test]
async fn a_case_is_reassigned_only_to_the_steps_people() {
    on_every_backend!(reassigned_only_to_the_steps_people);
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_is_readable_by_the_server_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::create(Backend::Sqlite).await;
    let store = db.store().await;
    let path = std::path::PathBuf::from(db.url.strip_prefix("sqlite://").unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{path:?}");
    store.close().await;
    db.cleanup().await;
}
