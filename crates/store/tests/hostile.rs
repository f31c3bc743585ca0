//! The store refuses what a hostile or careless caller sends past the pages: a case handed to
//! no one or to another department, a database file others on the machine could read, password
//! and query-code guessing, and sessions left open.

use chrono::NaiveDate;
use onewindow_domain::case::*;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::Role;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::org::Deactivatable;
use onewindow_store::testing::{Org, PASSWORD, TestDb, seed_org, seed_staff, submission};
use onewindow_store::{Backend, Store, StoreError, on_every_backend};

fn item(org: &Org) -> ItemRef {
    let step = |name: &str, role| StepRef {
        name: name.into(),
        role,
        department_id: org.dept,
        limit_days: 2,
    };
    ItemRef {
        item_id: ItemId(1),
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
        branches: vec![],
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
    let submit = submission(Channel::Window, item(&org), "张伟", &[]);
    let clerk = as_actor(&clerk, Role::Clerk);
    let id = run(store, None, &clerk, submit).await.unwrap();
    run(store, Some(id), &clerk, Command::Accept).await.unwrap();
    let chief = as_actor(&chief, Role::ChiefRepresentative);
    let reassign = |staff_id| Command::Reassign {
        staff_id,
        reason: "工作调整".into(),
    };
    for target in [StaffId(999_999), stranger.id, clerk.staff_id.unwrap()] {
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

async fn sign_in_failures_count_per_address(store: &Store) {
    use onewindow_store::accounts::{LoginFailure, MAX_FAILED_LOGINS};
    let admin = seed_staff(store, "admin", &["centre_admin"], None, None).await;
    let (attacker, office) = (Some("203.0.113.9"), Some("10.1.2.3"));
    let accounts = store.accounts();
    // A known and an unknown login get the same answers, attempt by attempt.
    for login in ["admin", "nobody"] {
        for i in 1..MAX_FAILED_LOGINS {
            let got = accounts.authenticate(login, "wrong-pass1", attacker).await;
            let want = LoginFailure::BadCredentials {
                remaining_attempts: MAX_FAILED_LOGINS - i,
            };
            assert_eq!(got.unwrap(), Err(want), "{login} attempt {i}");
        }
        let locked = accounts.authenticate(login, "wrong-pass1", attacker).await;
        assert!(
            matches!(locked.unwrap(), Err(LoginFailure::Locked { .. })),
            "{login}"
        );
    }
    // Locked for the attacker's address only: the administrator still signs in at the office.
    let there = accounts.authenticate("admin", PASSWORD, attacker).await;
    assert!(matches!(there.unwrap(), Err(LoginFailure::Locked { .. })));
    assert!(
        accounts
            .authenticate("admin", PASSWORD, office)
            .await
            .unwrap()
            .is_ok()
    );
    // An address that keeps guessing across logins is refused before any password work.
    for i in 0..30 {
        let login = format!("guess{i}");
        let _ = accounts
            .authenticate(&login, "wrong-pass1", attacker)
            .await
            .unwrap();
    }
    let refused = accounts.authenticate("admin", PASSWORD, attacker).await;
    assert_eq!(refused.unwrap(), Err(LoginFailure::Throttled));
    // Whether an account is disabled is told only to whoever knows its password.
    store
        .org()
        .set_active(Deactivatable::Staff, &admin.id.to_string(), false)
        .await
        .unwrap();
    let wrong = accounts.authenticate("admin", "wrong-pass1", office).await;
    assert!(matches!(
        wrong.unwrap(),
        Err(LoginFailure::BadCredentials { .. })
    ));
    let right = accounts.authenticate("admin", PASSWORD, office).await;
    assert_eq!(right.unwrap(), Err(LoginFailure::Disabled));
}

#[tokio::test]
async fn sign_in_failures_lock_a_login_for_the_guessing_address_only() {
    on_every_backend!(sign_in_failures_count_per_address);
}

async fn idle_sessions_end(store: &Store) {
    use onewindow_store::accounts::SESSION_IDLE_MS;
    let admin = seed_staff(store, "admin", &["centre_admin"], None, None).await;
    let session = store
        .accounts()
        .create_session(admin.account_id)
        .await
        .unwrap();
    assert!(
        store
            .accounts()
            .session(&session.token)
            .await
            .unwrap()
            .is_some()
    );
    // Left alone longer than the idle limit (as if the last request came then).
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(onewindow_store::now_ms() - SESSION_IDLE_MS - 1_000)
        .execute(store.pool())
        .await
        .unwrap();
    assert!(
        store
            .accounts()
            .session(&session.token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_session_left_idle_ends() {
    on_every_backend!(idle_sessions_end);
}

async fn progress_guessing_is_throttled(store: &Store) {
    use onewindow_store::case::queries::MAX_PROGRESS_MISSES;
    let cases = store.cases();
    let guesser = Some("203.0.113.9");
    for i in 0..MAX_PROGRESS_MISSES {
        let code = format!("{i:06}");
        let missed = cases.case_by_query_code("371300202609240001", &code, guesser);
        assert!(matches!(missed.await, Err(StoreError::NotFound(_))));
    }
    let refused = cases.case_by_query_code("371300202609240001", "ABCDEF", guesser);
    assert!(matches!(refused.await, Err(StoreError::TooManyAttempts)));
    let other = cases.case_by_query_code("371300202609240001", "ABCDEF", Some("10.1.2.3"));
    assert!(matches!(other.await, Err(StoreError::NotFound(_))));
}

#[tokio::test]
async fn guessing_query_codes_is_throttled_per_address() {
    on_every_backend!(progress_guessing_is_throttled);
}

mod catalogue_files {
    //! Catalogue files as uploaded (JSON or CSV exchange): any bytes parse into items or are
    //! refused with field errors, never a panic.
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("ONEWINDOW_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
        ))]
        #[test]
        fn any_csv_is_items_or_field_errors(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = onewindow_store::catalog::csv::parse(&bytes);
        }

        #[test]
        fn any_csv_shaped_text_is_items_or_field_errors(
            rows in proptest::collection::vec(proptest::collection::vec("[^\\n]{0,12}", 0..8), 0..6)
        ) {
            let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
            let _ = onewindow_store::catalog::csv::parse(text.as_bytes());
        }

        /// A real export with one cell replaced by anything: deep parsing is reached.
        #[test]
        fn an_export_with_any_cell_changed_is_items_or_field_errors(
            cell in 0usize..200,
            value in ".{0,30}",
        ) {
            let doc = onewindow_store::testing::item_doc("0102001", "食品经营许可", onewindow_domain::ids::DepartmentId(1));
            let text = onewindow_store::catalog::csv::write(&[doc]).unwrap();
            let mut reader = ::csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
            let mut rows: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            let data = rows.len() - 1;
            let width = rows[data].len();
            rows[data][cell % width] = value;
            let mut out = ::csv::Writer::from_writer(Vec::new());
            for r in &rows {
                out.write_record(r).unwrap();
            }
            let _ = onewindow_store::catalog::csv::parse(&out.into_inner().unwrap());
        }

        #[test]
        fn any_json_is_items_or_field_errors(text in ".{0,400}") {
            let _ = onewindow_store::catalog::parse_catalog_json(&text);
        }
    }
}

async fn a_broken_log_raises_a_red_alarm(store: &Store) {
    let org = seed_org(store).await;
    let supervisor = seed_staff(store, "jiancha", &["supervisor"], Some(org.centre), None).await;
    let admin = seed_staff(store, "admin", &["centre_admin"], None, None).await;
    let clerk = seed_staff(store, "clerk", &["clerk"], Some(org.centre), Some(org.dept)).await;
    for _ in 0..3 {
        store
            .cases()
            .raise_broken_log_alarm("办件 7 第 3 个事件：事件被修改")
            .await
            .unwrap();
    }
    for (who, expected) in [(&supervisor, 1), (&admin, 1), (&clerk, 0)] {
        let got = store
            .outbox()
            .messages(who.account_id, None, 10)
            .await
            .unwrap();
        assert_eq!(
            got.len(),
            expected,
            "{}: once a day, not per attempt",
            who.login
        );
        assert!(
            got.iter()
                .all(|n| n.title.contains("红色警报") && n.body.contains("事件被修改"))
        );
    }
}

#[tokio::test]
async fn a_log_that_fails_verification_alarms_supervisors_and_administrators() {
    on_every_backend!(a_broken_log_raises_a_red_alarm);
}
