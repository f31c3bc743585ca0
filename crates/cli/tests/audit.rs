//! `onewindow audit verify` against a real data folder: clean, then tampered by someone who can
//! write the database but holds neither the event key nor the signing key.

use std::process::Command as Process;

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::*;
use onewindow_domain::org::Role;
use onewindow_store::Store;
use onewindow_store::case::checkpoints::{AuditKey, EventKey};
use onewindow_store::case::log::{Provenance, StoredEvent};

fn onewindow(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_onewindow"))
        .args(["--data-dir", dir.to_str().unwrap()])
        .args(args)
        .env_remove("ONEWINDOW_AUDIT_PUBLIC_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Writes an event row as someone with SQL access would, with the MAC and log position given.
async fn insert_event(store: &Store, e: &StoredEvent, mac: Option<&str>, position: Option<i64>) {
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash, mac, log_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(e.case_id)
    .bind(e.seq)
    .bind(&e.kind)
    .bind(&e.payload)
    .bind(e.actor_id)
    .bind(&e.command_id)
    .bind(e.at)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .bind(mac)
    .bind(position)
    .execute(store.pool())
    .await
    .unwrap();
}

/// `audit verify` with the public key recorded when the deployment started.
fn verify(dir: &std::path::Path) -> (i32, String) {
    let (code, key) = onewindow(dir, &["audit", "public-key"]);
    assert_eq!(code, 0, "{key}");
    onewindow(dir, &["audit", "verify", "--audit-public-key", key.trim()])
}

#[tokio::test]
async fn audit_verify_names_the_first_bad_event_and_fails() {
    let dir = std::env::temp_dir().join(format!("ow-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&format!("sqlite://{}/onewindow.db", dir.display()))
        .await
        .unwrap();
    // As the server does: the writer's event key, made on first start.
    let key = EventKey::load_or_create(&dir.join("audit-event-key")).unwrap();
    store.set_event_key(key).await.unwrap();
    let actor = Actor::staff(
        AccountId(1),
        StaffId(1),
        &[Role::Clerk],
        Some(DepartmentId(7)),
    );
    let cal = WorkCalendar::official().unwrap();
    let ctx = Ctx {
        today: NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
        actor: &actor,
        calendar: &cal,
        case_no: "SJ1".into(),
        query_code: "Q1".into(),
    };
    let item = ItemRef {
        item_id: ItemId(1),
        version: 1,
        name: "婚姻登记".into(),
        department_id: DepartmentId(7),
        case_type: CaseType::Instant,
        promised_days: 0,
        statutory_days: 1,
        steps: vec![StepRef {
            name: "受理并办结".into(),
            role: Role::Clerk,
            department_id: DepartmentId(7),
            limit_days: 0,
        }],
        fee_standard_fen: 0,
        region_code: "371300000000".into(),
        online_only: false,
        branches: vec![],
        materials: vec![],
    };
    let submit = onewindow_store::testing::submission(Channel::Window, item, "张伟", &[]);
    let by = Provenance {
        actor_id: AccountId(1),
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
    // No trust without a pinned key: the key beside the database is never taken.
    let (code, out) = onewindow(&dir, &["audit", "verify"]);
    assert_eq!(code, 2, "{out}");
    // Sign two checkpoints, then cut the case's last event and rewrite its record to match.
    for _ in 0..2 {
        let (code, out) = onewindow(&dir, &["audit", "checkpoint"]);
        assert_eq!(code, 0, "{out}");
    }
    assert!(
        dir.join("audit-key").exists(),
        "the key is created in the data folder"
    );
    let events = store.cases().case_events(id).await.unwrap();
    let last = events.last().unwrap().clone();
    let (mac, position): (Option<String>, Option<i64>) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT mac, log_index FROM case_events WHERE case_id = {id} AND seq = {}",
            last.seq
        )))
        .fetch_one(store.pool())
        .await
        .unwrap();
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
    assert!(out.contains("检查点") && out.contains("日志树"), "{out}");
    // Put the event back so that the next check looks at content tampering alone.
    insert_event(&store, &last, mac.as_deref(), position).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE cases SET version = {}, head_hash = '{}' WHERE id = {id}",
        last.seq, last.hash
    )))
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(verify(&dir).0, 0, "restored");

    // A forged event appended with a correct chain hash and the case row fixed up: without the
    // writer's key it has no valid MAC.
    let forged = Event::Withdrawn {
        reason: "伪造".into(),
    };
    let mut stored = last.clone();
    stored.seq = last.seq + 1;
    stored.prev_hash = last.hash.clone();
    stored.kind = "withdrawn".into();
    stored.payload = serde_json::to_string(&forged).unwrap();
    stored.hash = onewindow_store::case::log::chain_hash(&stored.prev_hash, &stored);
    insert_event(&store, &stored, Some(&"00".repeat(32)), None).await;
    let mut state = store.cases().case_view(id).await.unwrap().state;
    state.apply(&forged);
    sqlx::query(
        "UPDATE cases SET version = $1, head_hash = $2, state = $3, stage = $4 WHERE id = $5",
    )
    .bind(stored.seq)
    .bind(&stored.hash)
    .bind(serde_json::to_string(&state).unwrap())
    .bind(state.stage().key())
    .bind(id.get())
    .execute(store.pool())
    .await
    .unwrap();
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("办件 {id} 第 {} 个事件", stored.seq)) && out.contains("认证码"),
        "{out}"
    );
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM case_events WHERE case_id = {id} AND seq = {}",
        stored.seq
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let mut restored = CaseState::default();
    for e in store.cases().case_events(id).await.unwrap() {
        restored.apply(&serde_json::from_str::<Event>(&e.payload).unwrap());
    }
    sqlx::query(
        "UPDATE cases SET version = $1, head_hash = $2, state = $3, stage = $4 WHERE id = $5",
    )
    .bind(last.seq)
    .bind(&last.hash)
    .bind(serde_json::to_string(&restored).unwrap())
    .bind(restored.stage().key())
    .bind(id.get())
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(verify(&dir).0, 0, "restored");

    // A witness keeps today's checkpoints.
    let witness = dir.join("witness.json");
    let published = store.cases().published_checkpoints(100).await.unwrap();
    std::fs::write(&witness, serde_json::to_string(&published).unwrap()).unwrap();
    let with_witness = |dir: &std::path::Path| {
        let (_, key) = onewindow(dir, &["audit", "public-key"]);
        let w = witness.to_str().unwrap().to_owned();
        let args = [
            "audit",
            "verify",
            "--audit-public-key",
            key.trim(),
            "--witness",
            &w,
        ];
        onewindow(dir, &args)
    };
    assert_eq!(with_witness(&dir).0, 0);

    // The first of the two checkpoints deleted: the second no longer follows a known one.
    sqlx::query("DELETE FROM audit_checkpoints WHERE id = (SELECT MIN(id) FROM audit_checkpoints)")
        .execute(store.pool())
        .await
        .unwrap();
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(out.contains("检查点链断裂"), "{out}");
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(store.pool())
        .await
        .unwrap();
    // Dropping every checkpoint is what a witness's saved copy catches; the log itself is whole.
    assert_eq!(verify(&dir).0, 0, "restored");
    let (code, out) = with_witness(&dir);
    assert_eq!(code, 1);
    assert!(out.contains("见证过的检查点已被删除"), "{out}");
    // With the signing key stolen, a checkpoint is signed anew over today's log: only the
    // witness's copy shows that the history it vouched for is gone.
    let stolen = AuditKey::load_or_create(&dir.join("audit-key")).unwrap();
    store.cases().checkpoint(&stolen).await.unwrap().unwrap();
    assert_eq!(verify(&dir).0, 0, "consistent without the witness");
    let (code, out) = with_witness(&dir);
    assert_eq!(code, 1);
    assert!(out.contains("见证"), "{out}");
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(store.pool())
        .await
        .unwrap();
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

/// The security log in a real data folder: a failed login removed or rewritten by someone with
/// SQL access is named by `audit verify`, below a checkpoint even with the entries re-chained.
#[tokio::test]
async fn audit_verify_catches_a_rewritten_security_log() {
    let dir = std::env::temp_dir().join(format!("ow-audit-sec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&format!("sqlite://{}/onewindow.db", dir.display()))
        .await
        .unwrap();
    let key = EventKey::load_or_create(&dir.join("audit-event-key")).unwrap();
    store.set_event_key(key).await.unwrap();
    for login in ["admin", "admin", "admin", "zhangsan"] {
        store
            .accounts()
            .record_security_event("login_failed", None, Some(login), Some("10.9.9.9"), "")
            .await
            .unwrap();
    }
    let (code, out) = onewindow(&dir, &["audit", "checkpoint"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(verify(&dir).0, 0);

    // The second failed login made to look like someone else's.
    let exec = |sql: &'static str| {
        let pool = store.pool().clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    exec("UPDATE security_events SET login = 'lisi' WHERE seq = 2").await;
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(
        out.contains("安全日志第 2 条") && out.contains("被修改"),
        "{out}"
    );
    exec("UPDATE security_events SET login = 'admin' WHERE seq = 2").await;
    assert_eq!(verify(&dir).0, 0, "restored");

    // The last failed login deleted: the tail of the chain is whole, the signed tree is not.
    exec("DELETE FROM security_events WHERE seq = 4").await;
    let (code, out) = verify(&dir);
    assert_eq!(code, 1);
    assert!(out.contains("日志树"), "{out}");
    let (code, out) = onewindow(&dir, &["audit", "checkpoint"]);
    assert_eq!(code, 1, "no checkpoint over a broken log: {out}");
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
