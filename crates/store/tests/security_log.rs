//! The security log joins the case log's protection on every backend: chained, authenticated by
//! the writer, placed in the signed tree; tampering with it is named, and no checkpoint is signed
//! over it.

use onewindow_store::Store;
use onewindow_store::case::checkpoints::{AuditKey, EventKey};
use onewindow_store::case::log::LogPart;
use onewindow_store::case::log_tree::{LogEntry, verify_inclusion};
use onewindow_store::testing::TestDb;

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(store.pool())
        .await
        .unwrap();
}

async fn record(store: &Store, n: usize) {
    for i in 0..n {
        store
            .accounts()
            .record_security_event(
                "login_failed",
                None,
                Some(&format!("user{i}")),
                Some("10.0.0.9"),
                "",
            )
            .await
            .unwrap();
    }
}

async fn security_problems(store: &Store) -> Vec<String> {
    store
        .accounts()
        .verify_security_log()
        .await
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p.part, LogPart::Security);
            p.to_string()
        })
        .collect()
}

async fn chained_authenticated_and_signed(db: &TestDb) {
    let mut store = db.store().await;
    // Entries written before the chain existed (as after the upgrade) …
    for login in ["old1", "old2", "old3"] {
        exec(
            &store,
            &format!(
                "INSERT INTO security_events (at, kind, login, detail)
                 VALUES (1, 'login_failed', '{login}', '')"
            ),
        )
        .await;
    }
    // … are chained once, in the order written, when the store gets its key.
    store
        .set_event_key(EventKey::from_bytes([3; 32]))
        .await
        .unwrap();
    assert_eq!(security_problems(&store).await, Vec::<String>::new());

    // Writers at once each take their own place.
    let mut writers = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let store = store.clone();
        writers.spawn(async move { record(&store, 3).await });
    }
    writers.join_all().await;
    assert_eq!(security_problems(&store).await, Vec::<String>::new());
    let (count, max): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM security_events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!((count, max), (39, 39));

    // The next checkpoint places the entries in the tree, with the case events.
    let key = AuditKey::from_seed([7; 32]);
    let cp = store.cases().checkpoint(&key).await.unwrap().unwrap();
    assert_eq!(cp.tree_size, Some(39));
    let receipt = store
        .cases()
        .inclusion(LogEntry::Security(5))
        .await
        .unwrap()
        .expect("in the signed tree");
    assert!(verify_inclusion(
        cp.tree_root.as_deref().unwrap(),
        39,
        &receipt.leaf,
        receipt.leaf_index as u64,
        &receipt.proof
    ));
    record(&store, 1).await;
    assert!(
        store
            .cases()
            .inclusion(LogEntry::Security(40))
            .await
            .unwrap()
            .is_none(),
        "not in a signed tree until the next checkpoint"
    );

    // A failed login rewritten to look like someone else's: named, and nothing is signed over it.
    exec(
        &store,
        "UPDATE security_events SET login = 'nobody' WHERE seq = 40",
    )
    .await;
    let problems = security_problems(&store).await;
    assert!(
        problems.len() == 1
            && problems[0].contains("安全日志第 40 条")
            && problems[0].contains("被修改"),
        "{problems:?}"
    );
    let refused = store.cases().checkpoint(&key).await.unwrap();
    assert!(refused.is_err(), "never signed over a broken log");
    exec(&store, "DELETE FROM security_events WHERE seq = 40").await;
    assert!(security_problems(&store).await.is_empty(), "the tail gone");

    // An entry inserted behind the writer's back, outside the chain: named, and never taken
    // into it at the next start.
    exec(
        &store,
        "INSERT INTO security_events (at, kind, login, detail) VALUES (2, 'login_ok', 'admin', '')",
    )
    .await;
    let mut restarted = db.store().await;
    restarted
        .set_event_key(EventKey::from_bytes([3; 32]))
        .await
        .unwrap();
    let problems = security_problems(&restarted).await;
    assert!(
        problems.len() == 1 && problems[0].contains("不在链中"),
        "{problems:?}"
    );
    exec(&store, "DELETE FROM security_events WHERE seq IS NULL").await;

    // An entry forged with a correct chain hash but without the writer's key.
    let (hash,): (String,) = sqlx::query_as("SELECT hash FROM security_events WHERE seq = 39")
        .fetch_one(store.pool())
        .await
        .unwrap();
    exec(
        &store,
        &format!(
            "INSERT INTO security_events (at, kind, login, detail, seq, prev_hash, hash, mac)
             VALUES (3, 'login_ok', 'admin', '', 40, '{hash}', '{hash}', '{}')",
            "00".repeat(32)
        ),
    )
    .await;
    assert!(
        security_problems(&store).await[0].contains("安全日志第 40 条"),
        "forged"
    );
    exec(&store, "DELETE FROM security_events WHERE seq = 40").await;

    // Below a checkpoint, even an insider holding the event key cannot remove an entry: the
    // chain is rebuilt to match, but the signed tree remembers.
    exec(&store, "DELETE FROM security_events WHERE seq = 39").await;
    assert!(security_problems(&store).await.is_empty());
    let problems = store
        .cases()
        .verify_log(&key.public_key_hex())
        .await
        .unwrap();
    assert!(
        problems.iter().any(|p| p.problem.contains("日志树")),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn the_security_log_is_chained_authenticated_and_signed() {
    // Each start of the server is a store of its own on the same database.
    for backend in onewindow_store::testing::backends() {
        let db = TestDb::create(backend).await;
        chained_authenticated_and_signed(&db).await;
        db.cleanup().await;
    }
}
