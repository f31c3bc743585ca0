//! The catalogue in the store, on every backend: versions and publishing, validation that
//! writes nothing, all-or-nothing import, byte-identical round trips, and search.

use onewindow_domain::catalog::Material;
use onewindow_domain::ids::{AccountId, DepartmentId};
use onewindow_store::catalog::csv as catalog_csv;
use onewindow_store::catalog::{ItemFilter, Withdrawal, parse_catalog_json};
use onewindow_store::on_every_backend;
use onewindow_store::search::{SearchFilter, check_query};
use onewindow_store::testing::item_doc as doc;
use onewindow_store::{Store, StoreError};

/// The shared organisation's two departments; returns their ids.
async fn org(store: &Store) -> (i64, i64) {
    let org = onewindow_store::testing::seed_org(store).await;
    (org.dept.get(), org.other_dept.get())
}

/// The first ten results of a search without filters.
fn search(store: &Store, query: &str) -> onewindow_store::search::SearchResults {
    store
        .search()
        .search(query, &SearchFilter::default(), 10)
        .unwrap()
}

/// How many published items a search finds.
fn found(store: &Store, query: &str) -> usize {
    search(store, query).total
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn versions_and_publishing(store: &Store) {
    let (d1, _) = org(store).await;
    let item = store
        .catalog()
        .create_item(
            doc("01", "个体工商户设立登记", DepartmentId(d1)),
            AccountId(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (item.status.key(), item.draft_version, item.current_version),
        ("draft", Some(1), None)
    );
    // The implementing body is filled in from the department.
    assert_eq!(
        store
            .catalog()
            .get_version(item.id, 1)
            .await
            .unwrap()
            .doc
            .implementing_body,
        "临沂市市场监督管理局"
    );
    let item = store
        .catalog()
        .publish(item.id, AccountId(1))
        .await
        .unwrap();
    assert_eq!(
        (item.status.key(), item.current_version, item.draft_version),
        ("active", Some(1), None)
    );

    // Editing a published item opens a new draft; the public still sees version 1.
    let mut changed = doc("01", "个体工商户设立登记", DepartmentId(d1));
    changed.promised_limit_days = 2;
    changed.steps[1].limit_days = 1;
    changed.materials.push(Material {
        name: "经营场所使用证明".into(),
        originals: 1,
        requirement: "required".into(),
        source: "applicant".into(),
        ..Default::default()
    });
    let item = store
        .catalog()
        .save_draft(item.id, changed.clone(), AccountId(1))
        .await
        .unwrap();
    assert_eq!(item.draft_version, Some(2));
    assert_eq!(
        store
            .catalog()
            .current_version(item.id)
            .await
            .unwrap()
            .doc
            .promised_limit_days,
        3
    );
    // Saving again edits the same draft.
    let item = store
        .catalog()
        .save_draft(item.id, changed, AccountId(1))
        .await
        .unwrap();
    assert_eq!(item.draft_version, Some(2));
    let item = store
        .catalog()
        .publish(item.id, AccountId(1))
        .await
        .unwrap();
    assert_eq!(item.current_version, Some(2));
    // A case filed under version 1 still reads version 1, now superseded.
    let old = store.catalog().get_version(item.id, 1).await.unwrap();
    assert_eq!(
        (old.status.key(), old.doc.promised_limit_days),
        ("superseded", 3)
    );
    let changes = onewindow_domain::catalog::diff(
        &old.doc,
        &store.catalog().get_version(item.id, 2).await.unwrap().doc,
    );
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "materials[经营场所使用证明]",
            "promised_limit_days",
            "steps[审批].limit_days"
        ]
    );

    // Suspension hides it from search; withdrawal needs a reason and is final.
    assert_eq!(found(store, "个体工商户"), 1);
    store
        .catalog()
        .set_item_suspended(item.id, true)
        .await
        .unwrap();
    assert_eq!(found(store, "个体工商户"), 0);
    store
        .catalog()
        .set_item_suspended(item.id, false)
        .await
        .unwrap();
    assert_eq!(
        fields(
            store
                .catalog()
                .withdraw_item(item.id, Withdrawal::Devolved, " ")
                .await
                .unwrap_err()
        ),
        vec!["reason"]
    );
    let item = store
        .catalog()
        .withdraw_item(item.id, Withdrawal::Devolved, "下放至县级实施")
        .await
        .unwrap();
    assert_eq!(
        (item.status.key(), item.withdrawn_kind.as_deref()),
        ("withdrawn", Some("下放"))
    );
    assert!(
        store
            .catalog()
            .save_draft(item.id, doc("01", "x", DepartmentId(d1)), AccountId(1))
            .await
            .is_err()
    );
    assert_eq!(found(store, "个体工商户"), 0);
}

async fn bad_input_writes_nothing(store: &Store) {
    let (d1, _) = org(store).await;
    store
        .catalog()
        .create_item(doc("01", "食品经营许可", DepartmentId(d1)), AccountId(1))
        .await
        .unwrap();
    let mut bad = doc("02", "错误事项", DepartmentId(d1));
    bad.item_type = "99".into();
    bad.promised_limit_days = 30;
    bad.steps[0].department_id = DepartmentId(9999);
    bad.materials[0].deficiency_allowed = true;
    let got = fields(
        store
            .catalog()
            .create_item(bad, AccountId(1))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        got,
        vec![
            "item_type",
            "promised_limit_days",
            "steps[0].department_id",
            "materials[0].deficiency_allowed"
        ]
    );
    let dup = fields(
        store
            .catalog()
            .create_item(doc("01", "重复编码", DepartmentId(d1)), AccountId(1))
            .await
            .unwrap_err(),
    );
    assert_eq!(dup, vec!["implementation_code"]);
    assert_eq!(
        store
            .catalog()
            .list_items(&ItemFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn import_export_round_trip(store: &Store) {
    let (d1, d2) = org(store).await;
    let docs = vec![
        doc("01", "个体工商户设立登记", DepartmentId(d1)),
        doc("02", "食品经营许可", DepartmentId(d1)),
        doc("03", "居民身份证换领", DepartmentId(d2)),
    ];
    // One bad item: nothing at all is written, and the problem names the item and field.
    let mut with_bad = docs.clone();
    with_bad[1].case_type = "7".into();
    with_bad.push(doc("01", "重复", DepartmentId(d1)));
    let e = store
        .catalog()
        .import_items(with_bad, AccountId(1))
        .await
        .unwrap_err();
    let got = fields(e);
    assert!(got.contains(&"第 2 项 case_type".to_owned()), "{got:?}");
    assert!(
        got.contains(&"第 4 项 implementation_code".to_owned()),
        "{got:?}"
    );
    assert_eq!(
        store
            .catalog()
            .list_items(&ItemFilter::default())
            .await
            .unwrap()
            .len(),
        0
    );

    let report = store
        .catalog()
        .import_items(docs, AccountId(1))
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (3, 0, 0)
    );
    let json1 = store.catalog().export_json().await.unwrap();
    let again = store
        .catalog()
        .import_items(parse_catalog_json(&json1).unwrap(), AccountId(1))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(
        store.catalog().export_json().await.unwrap(),
        json1,
        "JSON export → import → export is byte-identical"
    );
    let csv1 = store.catalog().export_csv().await.unwrap();
    store
        .catalog()
        .import_items(catalog_csv::parse(csv1.as_bytes()).unwrap(), AccountId(1))
        .await
        .unwrap();
    assert_eq!(
        store.catalog().export_csv().await.unwrap(),
        csv1,
        "CSV export → import → export is byte-identical"
    );
    assert_eq!(store.catalog().export_json().await.unwrap(), json1);

    // A changed document becomes a new published version.
    let mut docs = parse_catalog_json(&json1).unwrap();
    docs[0].promised_limit_days = 2;
    docs[0].steps[1].limit_days = 1;
    let report = store
        .catalog()
        .import_items(docs, AccountId(1))
        .await
        .unwrap();
    assert_eq!((report.updated, report.unchanged), (1, 2));
    let item = store.catalog().item_by_code("010200101").await.unwrap();
    assert_eq!(item.current_version, Some(2));

    // Malformed CSV: missing columns, wrong encoding, broken quotes — each explained.
    assert!(
        catalog_csv::parse(b"name\n").unwrap_err().0[0]
            .1
            .contains("缺少列")
    );
    assert!(
        catalog_csv::parse(&[0xc9, 0xcc, 0xb5, 0xea]).unwrap_err().0[0]
            .1
            .contains("UTF-8")
    );
    let mut broken = csv1.clone();
    broken.push_str("\"010200109,\"unclosed\n");
    assert!(catalog_csv::parse(broken.as_bytes()).is_err());
    assert!(
        parse_catalog_json("{\"schema\": \"other/9\", \"items\": []}")
            .unwrap_err()
            .0[0]
            .1
            .contains("不支持")
    );
}

async fn search_with_synonyms_and_filters(store: &Store) {
    let (d1, d2) = org(store).await;
    let mut id_card = doc("03", "居民身份证换领", DepartmentId(d2));
    id_card.topics = vec!["p_household".into()];
    id_card.materials = vec![Material {
        name: "居民户口簿".into(),
        originals: 1,
        requirement: "required".into(),
        source: "government".into(),
        ..Default::default()
    }];
    store
        .catalog()
        .import_items(
            vec![
                doc("01", "个体工商户设立登记", DepartmentId(d1)),
                doc("02", "食品经营许可", DepartmentId(d1)),
                id_card,
            ],
            AccountId(1),
        )
        .await
        .unwrap();

    let r = search(store, "营业执照");
    assert!(
        r.total >= 2,
        "营业执照 is a material and a result of the licensing items"
    );
    assert!(
        r.hits
            .iter()
            .any(|h| h.excerpt_html.contains("<b>营业执照</b>"))
    );
    // Without the synonym, 个体户 does not mean 个体工商户 to the tokenizer.
    let before = search(store, "个体户");
    store
        .catalog()
        .set_synonym("个体户", &["个体工商户".to_owned()])
        .await
        .unwrap();
    let after = search(store, "个体户");
    assert_eq!(after.hits[0].name, "个体工商户设立登记");
    assert_eq!(after.expanded_with, vec!["个体工商户"]);
    assert!(after.hits[0].name_html.contains("<b>个体工商户</b>"));
    assert!(after.total >= before.total);
    store
        .catalog()
        .set_synonym("身份证", &["居民身份证".to_owned()])
        .await
        .unwrap();
    assert_eq!(search(store, "身份证").hits[0].name, "居民身份证换领");
    // Filters.
    let only_d2 = SearchFilter {
        department_id: Some(DepartmentId(d2)),
        ..Default::default()
    };
    assert_eq!(
        store
            .search()
            .search("营业执照", &only_d2, 10)
            .unwrap()
            .total,
        0
    );
    let household = SearchFilter {
        topic: Some("p_household".into()),
        ..Default::default()
    };
    assert_eq!(store.search().search("", &household, 10).unwrap().total, 1);
    // The index is rebuilt from the database with the same result.
    assert_eq!(store.catalog().reindex_catalog().await.unwrap(), 3);
    assert_eq!(search(store, "个体户").hits[0].name, "个体工商户设立登记");
    // People's input: an empty query lists; an enormous one is refused with a reason.
    assert!(check_query("   ").is_ok(), "an empty query lists");
    assert!(check_query(&"营".repeat(2 * 1024 * 1024 / 3)).is_err());
    assert!(
        store
            .search()
            .search("(营业 AND \"执照", &SearchFilter::default(), 10)
            .is_ok(),
        "syntax characters are words, not errors"
    );
}

async fn scheduled_publishing(store: &Store) {
    let (d1, _) = org(store).await;
    let item = store
        .catalog()
        .create_item(doc("01", "食品经营许可", DepartmentId(d1)), AccountId(1))
        .await
        .unwrap();
    store
        .catalog()
        .publish(item.id, AccountId(1))
        .await
        .unwrap();
    let mut next = doc("01", "食品经营许可", DepartmentId(d1));
    next.promised_limit_days = 2;
    next.steps[1].limit_days = 1;
    store
        .catalog()
        .save_draft(item.id, next, AccountId(1))
        .await
        .unwrap();
    let today =
        chrono::NaiveDate::parse_from_str(&onewindow_store::catalog::today_shanghai(), "%Y-%m-%d")
            .unwrap();
    let yesterday = (today - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let next_week = (today + chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        fields(
            store
                .catalog()
                .publish_on(item.id, AccountId(1), Some(&yesterday))
                .await
                .unwrap_err()
        ),
        vec!["effective_date"]
    );
    assert_eq!(
        fields(
            store
                .catalog()
                .publish_on(item.id, AccountId(1), Some("2026-13-01"))
                .await
                .unwrap_err()
        ),
        vec!["effective_date"]
    );
    let item = store
        .catalog()
        .publish_on(item.id, AccountId(1), Some(&next_week))
        .await
        .unwrap();
    assert_eq!(
        (
            item.current_version,
            item.scheduled_version,
            item.draft_version
        ),
        (Some(1), Some(2), None)
    );
    assert_eq!(item.scheduled_date.as_deref(), Some(next_week.as_str()));
    // Until the day comes the public and new cases keep version 1.
    assert_eq!(
        store
            .catalog()
            .activate_due_versions(&today.format("%Y-%m-%d").to_string())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .catalog()
            .current_version(item.id)
            .await
            .unwrap()
            .doc
            .promised_limit_days,
        3
    );
    assert_eq!(
        store
            .catalog()
            .activate_due_versions(&next_week)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .catalog()
            .activate_due_versions(&next_week)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    let item = store.catalog().get_item(item.id).await.unwrap();
    assert_eq!(
        (item.current_version, item.scheduled_version),
        (Some(2), None)
    );
    assert_eq!(
        store
            .catalog()
            .get_version(item.id, 1)
            .await
            .unwrap()
            .status
            .key(),
        "superseded"
    );
}

#[tokio::test]
async fn catalog_scheduled_publishing() {
    on_every_backend!(scheduled_publishing);
}

#[tokio::test]
async fn catalog_versions_and_publishing() {
    on_every_backend!(versions_and_publishing);
}

#[tokio::test]
async fn catalog_bad_input_writes_nothing() {
    on_every_backend!(bad_input_writes_nothing);
}

#[tokio::test]
async fn catalog_import_export_round_trip() {
    on_every_backend!(import_export_round_trip);
}

#[tokio::test]
async fn catalog_search() {
    on_every_backend!(search_with_synonyms_and_filters);
}

/// 前置审批: a chain of prerequisites publishes; a version that would close the loop
/// (互为前置) is refused naming it, and so is an unknown prerequisite; nothing is published.
async fn prerequisite_loops(store: &Store) {
    let (dept, _) = org(store).await;
    let dept = DepartmentId(dept);
    let by = AccountId(1);
    let with = |code: &str, name: &str, pre: &[&str]| {
        let mut d = doc(code, name, dept);
        d.prerequisites = pre.iter().map(|p| format!("0102001{p}")).collect();
        d
    };
    // A needs B, B needs C: a chain, in one file naming items of the same file.
    store
        .catalog()
        .import_items(
            vec![
                with("000000001", "建设用地规划许可", &["000000002"]),
                with("000000002", "建设项目用地预审", &["000000003"]),
                with("000000003", "项目立项备案", &[]),
            ],
            by,
        )
        .await
        .unwrap();
    // C needing A would close A → B → C → A.
    let c = store
        .catalog()
        .item_by_code("0102001000000003")
        .await
        .unwrap();
    store
        .catalog()
        .save_draft(c.id, with("000000003", "项目立项备案", &["000000001"]), by)
        .await
        .unwrap();
    let err = store.catalog().publish(c.id, by).await.unwrap_err();
    let StoreError::Invalid(fields) = err else {
        panic!("{err:?}");
    };
    let message = fields.message_for("prerequisites").unwrap();
    assert!(
        message.contains(
            "项目立项备案（0102001000000003） → 建设用地规划许可（0102001000000001） → 建设项目用地预审（0102001000000002） → 项目立项备案（0102001000000003）"
        ),
        "{message}"
    );
    let current = store.catalog().current_version(c.id).await.unwrap();
    assert!(current.doc.prerequisites.is_empty(), "nothing published");
    // Two items of one file naming each other, and an unknown item, are refused with their rows.
    let err = store
        .catalog()
        .import_items(
            vec![
                with("000000004", "甲", &["000000005"]),
                with("000000005", "乙", &["000000004"]),
                with("000000006", "丙", &["000000099"]),
            ],
            by,
        )
        .await
        .unwrap_err();
    let StoreError::Invalid(fields) = err else {
        panic!("{err:?}");
    };
    assert!(
        fields.message_for("第 1 项 prerequisites").is_some(),
        "{fields:?}"
    );
    assert!(
        fields
            .message_for("第 3 项 prerequisites")
            .is_some_and(|m| m.contains("不在事项目录中")),
        "{fields:?}"
    );
    assert!(
        store
            .catalog()
            .item_by_code("0102001000000004")
            .await
            .is_err()
    );
    // An item naming itself is refused by the document's own rules.
    let err = store
        .catalog()
        .import_items(vec![with("000000007", "丁", &["000000007"])], by)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
}

#[tokio::test]
async fn catalog_prerequisite_loops_are_refused() {
    on_every_backend!(prerequisite_loops);
}
