//! The store suite, run against every backend this run covers (SQLite always; PostgreSQL when
//! ONEWINDOW_TEST_PG is set, and always under CI=true). Each case gets a fresh database.

use onewindow_domain::auth::TokenScope;
use onewindow_domain::ids::CentreId;
use onewindow_domain::org::Power;
use onewindow_store::accounts::{CompanyRegistration, IndividualRegistration, LoginFailure};
use onewindow_store::on_every_backend;
use onewindow_store::org::*;

use onewindow_store::{Store, StoreError};

/// Runs `case` once per backend on a fresh migrated database.
const DEPT_CODE: &str = "11371300004323789A";

async fn seed_centre(store: &Store) -> Centre {
    store
        .org()
        .create_region(&RegionInput {
            code: "370000000000".into(),
            name: "山东省".into(),
            level: 2,
            parent_code: None,
        })
        .await
        .unwrap();
    store
        .org()
        .create_region(&RegionInput {
            code: "371300000000".into(),
            name: "临沂市".into(),
            level: 3,
            parent_code: Some("370000000000".into()),
        })
        .await
        .unwrap();
    store
        .org()
        .create_centre(&CentreInput {
            name: "临沂市政务服务中心".into(),
            kind: "main".into(),
            region_code: "371300000000".into(),
            parent_centre_id: None,
            address: "临沂市北城新区".into(),
            phone: "0539-8721234".into(),
            hours: "周一至周五 9:00-17:00".into(),
        })
        .await
        .unwrap()
}

fn field_of(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn dept_input(centre_id: CentreId, name: &str, code: &str) -> DepartmentInput {
    DepartmentInput {
        centre_id,
        name: name.into(),
        short_name: "市场监管".into(),
        credit_code: code.into(),
        phone: "".into(),
    }
}

async fn regions_and_centres(store: &Store) {
    let centre = seed_centre(store).await;
    assert!(centre.active.get());
    let regions = store.org().list_regions().await.unwrap();
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[1].parent_code.as_deref(), Some("370000000000"));
    // A county code under the wrong city is refused, and nothing is written.
    let err = store
        .org()
        .create_region(&RegionInput {
            code: "371402000000".into(),
            name: "错误县".into(),
            level: 4,
            parent_code: Some("371300000000".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(err), vec!["parent_code"]);
    assert_eq!(store.org().list_regions().await.unwrap().len(), 2);
    let dup = store
        .org()
        .create_region(&RegionInput {
            code: "370000000000".into(),
            name: "重复".into(),
            level: 2,
            parent_code: None,
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(dup), vec!["code"]);
    // A sub-centre hangs under the main centre.
    let sub = store
        .org()
        .create_centre(&CentreInput {
            name: "公安分中心".into(),
            kind: "sub".into(),
            region_code: "371300000000".into(),
            parent_centre_id: Some(centre.id),
            address: "临沂市兰山区".into(),
            phone: "0539-1".into(),
            hours: "工作日".into(),
        })
        .await
        .unwrap();
    assert_eq!(sub.parent_centre_id, Some(centre.id));
    let hall = store
        .org()
        .create_hall(
            centre.id,
            &HallInput {
                name: "一楼便民服务大厅".into(),
                floor: 1,
                description: "".into(),
            },
        )
        .await
        .unwrap();
    let zone = store
        .org()
        .create_zone(
            hall.id,
            &ZoneInput {
                name: "综合受理区".into(),
                purpose: "一窗受理".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .org()
            .list_centre_zones(Some(centre.id))
            .await
            .unwrap()[0]
            .id,
        zone.id
    );
}

async fn departments_and_windows(store: &Store) {
    let centre = seed_centre(store).await;
    let dept = store
        .org()
        .create_department(&dept_input(centre.id, "临沂市市场监督管理局", DEPT_CODE))
        .await
        .unwrap();
    assert_eq!(dept.credit_code, DEPT_CODE);
    // Bad credit codes: wrong check digit, lower case, full width.
    for bad in [
        "11371300004323789B",
        "1137130000432378ab",
        "１1371300004323789A",
    ] {
        let err = store
            .org()
            .create_department(&dept_input(centre.id, "另一个局", bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(err), vec!["credit_code"], "{bad}");
    }
    let dup = store
        .org()
        .create_department(&dept_input(centre.id, "另一个局", DEPT_CODE))
        .await
        .unwrap_err();
    assert_eq!(field_of(dup), vec!["credit_code"]);
    assert_eq!(
        store
            .org()
            .list_departments(Some(centre.id))
            .await
            .unwrap()
            .len(),
        1
    );

    let window = store
        .org()
        .create_window(&WindowInput {
            centre_id: centre.id,
            number: "A01".into(),
            name: "市场准入窗口".into(),
            department_id: Some(dept.id),
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap();
    assert!(!window.is_comprehensive());
    let dup = store
        .org()
        .create_window(&WindowInput {
            centre_id: centre.id,
            number: "A01".into(),
            name: "重复".into(),
            department_id: None,
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(dup), vec!["number"]);

    // A department of another centre cannot staff this centre's window.
    let other = store
        .org()
        .create_centre(&CentreInput {
            name: "兰山区政务服务中心".into(),
            kind: "main".into(),
            region_code: "371300000000".into(),
            parent_centre_id: None,
            address: "兰山区".into(),
            phone: "1".into(),
            hours: "工作日".into(),
        })
        .await
        .unwrap();
    let err = store
        .org()
        .create_window(&WindowInput {
            centre_id: other.id,
            number: "A01".into(),
            name: "跨中心".into(),
            department_id: Some(dept.id),
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(err), vec!["department_id"]);

    store
        .org()
        .set_active(Deactivatable::Window, &window.id.to_string(), false)
        .await
        .unwrap();
    let w = store.org().get_window(window.id).await.unwrap();
    assert!(!w.active);
    assert!(matches!(
        store
            .org()
            .set_active(Deactivatable::Window, "999999", false)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn staff_roles_powers_and_login(store: &Store) {
    let centre = seed_centre(store).await;
    let dept = store
        .org()
        .create_department(&dept_input(centre.id, "临沂市市场监督管理局", DEPT_CODE))
        .await
        .unwrap();
    let chief = store
        .org()
        .create_staff(&NewStaff {
            staff: StaffInput {
                centre_id: Some(centre.id),
                department_id: Some(dept.id),
                name: "王首席".into(),
                mobile: "13800000001".into(),
                roles: vec!["chief_representative".into(), "approver".into()],
                backup_staff_id: None,
            },
            login: "wangshou".into(),
            password: "secret123".into(),
        })
        .await
        .unwrap();
    assert_eq!(chief.roles, vec!["approver", "chief_representative"]);
    let granted = store
        .org()
        .grant_power(chief.id, Power::SealUse, chief.account_id)
        .await
        .unwrap();
    assert_eq!(granted.powers, vec!["seal_use"]);
    // Granting twice keeps one grant.
    let again = store
        .org()
        .grant_power(chief.id, Power::SealUse, chief.account_id)
        .await
        .unwrap();
    assert_eq!(again.powers.len(), 1);

    let clerk = store
        .org()
        .create_staff(&NewStaff {
            staff: StaffInput {
                centre_id: Some(centre.id),
                department_id: Some(dept.id),
                name: "李窗口".into(),
                mobile: "13800000002".into(),
                roles: vec!["clerk".into()],
                backup_staff_id: Some(chief.id),
            },
            login: "lichuang".into(),
            password: "secret123".into(),
        })
        .await
        .unwrap();
    assert_eq!(clerk.backup_staff_id, Some(chief.id));
    assert!(
        store
            .org()
            .grant_power(clerk.id, Power::SealUse, chief.account_id)
            .await
            .is_err()
    );

    // Duplicate login and a reviewer without department.
    let err = store
        .org()
        .create_staff(&NewStaff {
            staff: StaffInput {
                centre_id: Some(centre.id),
                department_id: None,
                name: "重复".into(),
                mobile: "13800000003".into(),
                roles: vec!["reviewer".into()],
                backup_staff_id: None,
            },
            login: "lichuang".into(),
            password: "secret123".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(err), vec!["department_id"]);

    // Login, then lockout after five failures.
    let principal = store
        .accounts()
        .authenticate("lichuang", "secret123", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(principal.department_id, Some(dept.id));
    for i in 1..=4 {
        match store
            .accounts()
            .authenticate("lichuang", "wrong-pass1", None)
            .await
            .unwrap()
        {
            Err(LoginFailure::BadCredentials { remaining_attempts }) => {
                assert_eq!(remaining_attempts, 5 - i)
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        store
            .accounts()
            .authenticate("lichuang", "wrong-pass1", None)
            .await
            .unwrap(),
        Err(LoginFailure::Locked { .. })
    ));
    // Even the right password is refused while locked.
    assert!(matches!(
        store
            .accounts()
            .authenticate("lichuang", "secret123", None)
            .await
            .unwrap(),
        Err(LoginFailure::Locked { .. })
    ));
    let kinds: Vec<String> = store
        .accounts()
        .list_security_events(None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"lockout".to_string()));
    // A new password lifts the lock.
    store
        .accounts()
        .set_password(clerk.account_id, "newpass456")
        .await
        .unwrap();
    assert!(
        store
            .accounts()
            .authenticate("lichuang", "newpass456", None)
            .await
            .unwrap()
            .is_ok()
    );

    // Deactivating staff disables their login and sessions.
    let session = store
        .accounts()
        .create_session(clerk.account_id)
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
    store
        .org()
        .set_active(Deactivatable::Staff, &clerk.id.to_string(), false)
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
    assert_eq!(
        store
            .accounts()
            .authenticate("lichuang", "newpass456", None)
            .await
            .unwrap(),
        Err(LoginFailure::Disabled)
    );
}

async fn tokens_and_applicants(store: &Store) {
    let person = store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "张三".into(),
                resident_id: "11010519491231002X".into(),
                mobile: "13900000000".into(),
                password: "zhangsan1".into(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(person.kind, "individual");
    let dup = store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "张三".into(),
                resident_id: "11010519491231002X".into(),
                mobile: "13900000000".into(),
                password: "zhangsan1".into(),
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(dup), vec!["resident_id"]);
    let bad = store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "".into(),
                resident_id: "110105194912310021".into(),
                mobile: "2".into(),
                password: "short".into(),
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_of(bad),
        vec!["name", "resident_id", "mobile", "password"]
    );
    let company = store
        .accounts()
        .register_company(
            &CompanyRegistration {
                name: "临沂某某科技有限公司".into(),
                credit_code: "91350100M000100Y43".into(),
                legal_representative: "李四".into(),
                mobile: "13900000001".into(),
                password: "company12".into(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(company.login, "91350100M000100Y43");

    let (token, plain) = store
        .accounts()
        .create_token(person.id, "集成", TokenScope::Read)
        .await
        .unwrap();
    let p = store
        .accounts()
        .token_principal(&plain)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.token_scope, Some(TokenScope::Read));
    store.accounts().revoke_token(token.id).await.unwrap();
    assert!(
        store
            .accounts()
            .token_principal(&plain)
            .await
            .unwrap()
            .is_none()
    );
}

async fn migrations_are_idempotent(store: &Store) {
    assert_eq!(store.migrate().await.unwrap(), 0);
    assert!(store.ping().await);
}

#[tokio::test]
async fn store_regions_and_centres() {
    on_every_backend!(regions_and_centres);
}

#[tokio::test]
async fn store_departments_and_windows() {
    on_every_backend!(departments_and_windows);
}

#[tokio::test]
async fn store_staff_roles_powers_and_login() {
    on_every_backend!(staff_roles_powers_and_login);
}

#[tokio::test]
async fn store_tokens_and_applicants() {
    on_every_backend!(tokens_and_applicants);
}

#[tokio::test]
async fn store_migrations_are_idempotent() {
    on_every_backend!(migrations_are_idempotent);
}
