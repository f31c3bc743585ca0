//! `onewindow audit verify` against a real data folder: clean, then tampered.

use std::process::Command as Process;

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::*;
use onewindow_domain::org::Role;
use onewindow_store::Store;
use onewindow_store::case::log::Provenance;

fn verify(dir: &std::path::Path) -> (i32, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_onewindow"))
        .args(["--data-dir", dir.to_str().unwrap(), "audit", "verify"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn audit_verify_names_the_first_bad_event_and_fails() {
    let dir = std::env::temp_dir().join(format!("ow-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&format!("sqlite://{}/onewindow.db", dir.display()))
        .await
        .unwrap();
    let actor = Actor::staff(1, 1, &[Role::Clerk], Some(7));
    let cal = WorkCalendar::official().unwrap();
    let ctx = Ctx {
        today: NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
        actor: &actor,
        calendar: &cal,
        case_no: "SJ1".into(),
        query_code: "Q1".into(),
    };
    let item = ItemRef {
        item_id: 1,
        version: 1,
        name: "婚姻登记".into(),
        department_id: 7,
        case_type: CaseType::Instant,
        promised_days: 0,
        statutory_days: 1,
        steps: vec![StepRef {
            name: "受理并办结".into(),
            role: Role::Clerk,
            department_id: 7,
            limit_days: 0,
        }],
        fee_standard_fen: 0,
        region_code: "371300000000".into(),
        online_only: false,
        materials: vec![],
    };
    let submit = Command::Submit {
        channel: Channel::Window,
        item: Box::new(item),
        applicant: Applicant {
            kind: "individual".into(),
            name: "张伟".into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials: vec![],
    };
    let by = Provenance {
        actor_id: 1,
        command_id: "c1",
        at: 1,
        today: chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
    };
    let (id, state) = store
        .cases()
        .create_case(&decide(&CaseState::default(), &submit, &ctx).unwrap(), &by)
        .await
        .unwrap();
    store
        .cases()
        .append_case_events(
            id,
            state.version,
            &decide(&state, &Command::Accept, &ctx).unwrap(),
            &by,
        )
        .await
        .unwrap();

    let (code, out) = verify(&dir);
    assert_eq!(code, 0, "{out}");
    // Sign a checkpoint, then cut the case's last event and rewrite its record to match.
    let out = Process::new(env!("CARGO_BIN_EXE_onewindow"))
        .args(["--data-dir", dir.to_str().unwrap(), "audit", "checkpoint"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        dir.join("audit-key").exists(),
        "the key is created in the data folder"
    );
    let events = store.cases().case_events(id).await.unwrap();
    let last = events.last().unwrap().clone();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM case_events WHERE case_id = {id} AND seq = {}",
        last.seq
    )))
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE cases SET version = {}, head_hash = '{}' WHERE id = {id}",
        last.seq - 1,
        events[events.len() - 2].hash
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(out.contains("检查点") && out.contains("截断"), "{out}");
    // Put the event back so that the next check looks at content tampering alone.
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(last.case_id)
    .bind(last.seq)
    .bind(&last.kind)
    .bind(&last.payload)
    .bind(last.actor_id)
    .bind(&last.command_id)
    .bind(last.at)
    .bind(&last.prev_hash)
    .bind(&last.hash)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE cases SET version = {}, head_hash = '{}' WHERE id = {id}",
        last.seq, last.hash
    )))
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(verify(&dir).0, 0, "restored");
    sqlx::query("UPDATE case_events SET payload = REPLACE(payload, 'SJ1', 'SJ9') WHERE seq = 2")
        .execute(store.pool())
        .await
        .unwrap();
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("办件 {id} 第 2 个事件")) && out.contains("被修改"),
        "{out}"
    );
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
