//! The online hall through the store on every backend, as an applicant and a clerk live it:
//! a draft resumed, saved and guarded against a stale tab; files attached within the centre's
//! limits; an incomplete submission refused field by field; a submission that makes exactly
//! one case however often it is sent; a one-time notice that reopens only what it names; the
//! corrected application sent back; messages; the applicant's window cases; and a draft moved
//! to the item's new version.

use chrono::NaiveDate;
use onewindow_domain::case::{Channel, Command, Missing, Stage};
use onewindow_domain::catalog::form::{FieldType, FormField};
use onewindow_domain::catalog::{ItemDoc, Material};
use onewindow_domain::hall::{DeliveryMethod, DraftContent, FileKind, Limits};
use onewindow_domain::ids::{AccountId, CaseId, ItemId};
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::testing::{item_doc, register_applicant, seed_org, seed_staff};
use onewindow_store::{Store, StoreError, on_every_backend};

const RESIDENT: &str = "11010519491231002X";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn doc(dept: onewindow_domain::ids::DepartmentId) -> ItemDoc {
    let mut d = item_doc("01", "个体工商户设立登记", dept);
    d.handling_forms = vec!["1".into(), "2".into()];
    d.materials.push(Material {
        name: "经营场所使用证明".into(),
        copies: 1,
        requirement: "required".into(),
        source: "applicant".into(),
        ..Default::default()
    });
    d.form = vec![FormField {
        key: "shop".into(),
        label: "字号名称".into(),
        field_type: FieldType::Text,
        required: true,
        ..Default::default()
    }];
    d
}

async fn published(store: &Store, doc: ItemDoc) -> ItemId {
    let item = store
        .catalog()
        .create_item(doc, AccountId(1))
        .await
        .unwrap();
    store
        .catalog()
        .publish(item.id, AccountId(1))
        .await
        .unwrap();
    item.id
}

async fn applicant(store: &Store) -> AccountId {
    register_applicant(store, "王小明", RESIDENT, "13900000000").await
}

fn complete() -> DraftContent {
    let mut c = DraftContent::default();
    c.answers.insert("shop".into(), "好味小吃店".into());
    c.delivery.method = Some(DeliveryMethod::Pickup);
    c
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn attach(store: &Store, who: AccountId, app: i64, material: &str, sha: &str, size: u64) {
    store
        .hall()
        .attach(who, app, material, "扫描件.pdf", sha, size, FileKind::Pdf)
        .await
        .unwrap();
}

async fn online_application(store: &Store) {
    let org = seed_org(store).await;
    let item = published(store, doc(org.dept)).await;
    let me = applicant(store).await;
    let hall = store.hall();

    // One draft per item: a second device resumes it.
    let app = hall.start(me, item).await.unwrap();
    assert_eq!(hall.start(me, item).await.unwrap().id, app.id);
    // Someone else's draft is not found.
    assert!(matches!(
        hall.application(AccountId(999), app.id).await,
        Err(StoreError::NotFound(_))
    ));

    // Saved as the applicant types; a stale tab's save does not undo a newer one.
    let r1 = hall.save(me, app.id, &complete(), Some(0)).await.unwrap();
    assert_eq!(r1, 1);
    assert!(matches!(
        hall.save(me, app.id, &DraftContent::default(), Some(0))
            .await,
        Err(StoreError::Conflict { current: 1 })
    ));

    // Files within the limits the centre set.
    hall.set_limits(
        &Limits {
            max_file_bytes: 200 * 1024,
            max_application_bytes: 300 * 1024,
            max_files_per_material: 2,
        },
        AccountId(1),
    )
    .await
    .unwrap();
    let err = hall
        .attach(
            me,
            app.id,
            "营业执照",
            "a.pdf",
            &"a".repeat(64),
            250 * 1024,
            FileKind::Pdf,
        )
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["file"]);
    assert!(
        hall.attach(
            me,
            app.id,
            "不存在",
            "a.pdf",
            &"a".repeat(64),
            10,
            FileKind::Pdf
        )
        .await
        .is_err()
    );
    attach(store, me, app.id, "营业执照", &"a".repeat(64), 150 * 1024).await;

    // Incomplete: every problem by field.
    let err = hall.submit(me, app.id, today()).await.unwrap_err();
    assert_eq!(fields(err), ["materials[1]"]);
    attach(
        store,
        me,
        app.id,
        "经营场所使用证明",
        &"b".repeat(64),
        100 * 1024,
    )
    .await;
    let err = hall
        .attach(
            me,
            app.id,
            "经营场所使用证明",
            "c.pdf",
            &"c".repeat(64),
            60 * 1024,
            FileKind::Pdf,
        )
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["file"], "the application's total is full");

    // Submitted at once from two tabs: one case.
    let (a, b) = tokio::join!(
        hall.submit(me, app.id, today()),
        hall.submit(me, app.id, today())
    );
    let case_id = a.unwrap();
    assert_eq!(b.unwrap(), case_id);
    assert_eq!(hall.submit(me, app.id, today()).await.unwrap(), case_id);
    let submitted = hall.application(me, app.id).await.unwrap();
    assert_eq!(submitted.case_id, Some(case_id));
    let state = store.cases().case_state(case_id).await.unwrap();
    assert_eq!(state.channel, Some(Channel::Online));
    assert_eq!(state.materials.len(), 2);
    // A submitted application cannot be edited, and a new start makes a new draft.
    assert!(hall.save(me, app.id, &complete(), None).await.is_err());
    assert_ne!(hall.start(me, item).await.unwrap().id, app.id);
    assert_eq!(
        store.outbox().messages(me, None, 10).await.unwrap()[0].title,
        "已收到您的网上申请"
    );

    // The clerk pre-reviews and sends an itemised notice: one field, one material.
    let clerk = seed_staff(store, "clerk", &["clerk"], Some(org.centre), Some(org.dept)).await;
    let clerk = store
        .cases()
        .case_actor(&store.accounts().principal(clerk.account_id).await.unwrap())
        .await
        .unwrap();
    let notice = Command::RequestSupplement {
        missing: vec![
            Missing {
                material: "字号名称".into(),
                reason: "与名称自主申报结果不一致".into(),
                field: Some("shop".into()),
            },
            Missing::material("经营场所使用证明", "租赁合同缺少出租方签字"),
        ],
        reason: String::new(),
        supply_by: None,
    };
    run(store, case_id, &clerk, notice).await;
    let app = hall.application(me, app.id).await.unwrap();
    let doc = hall.doc(&app).await.unwrap();
    let standing = hall.standing(&app, &doc).await.unwrap().unwrap();
    assert!(standing.correcting());
    assert_eq!(standing.reopened.fields, ["shop"]);
    assert_eq!(standing.reopened.materials, ["经营场所使用证明"]);

    // Only what the notice names can change; the other upload stays.
    let mut edit = complete();
    edit.answers.insert("shop".into(), "好味小吃".into());
    edit.delivery.method = Some(DeliveryMethod::Electronic);
    hall.save(me, app.id, &edit, None).await.unwrap();
    let app = hall.application(me, app.id).await.unwrap();
    assert_eq!(app.content.answers["shop"], "好味小吃");
    assert_eq!(app.content.delivery.method, Some(DeliveryMethod::Pickup));
    let licence = app.files.iter().find(|f| f.material == "营业执照").unwrap();
    assert!(hall.detach(me, app.id, licence.id).await.is_err());
    let lease = app
        .files
        .iter()
        .find(|f| f.material == "经营场所使用证明")
        .unwrap();
    hall.detach(me, app.id, lease.id).await.unwrap();
    // Resubmitting without the reopened material is refused.
    let err = hall.resubmit(me, app.id, today()).await.unwrap_err();
    assert_eq!(fields(err), ["materials[1]"]);
    attach(
        store,
        me,
        app.id,
        "经营场所使用证明",
        &"d".repeat(64),
        100 * 1024,
    )
    .await;
    // The replaced file stays on record.
    assert!(
        hall.file(app.id, lease.id)
            .await
            .unwrap()
            .removed_at
            .is_some()
    );
    hall.resubmit(me, app.id, today()).await.unwrap();
    let state = store.cases().case_state(case_id).await.unwrap();
    assert!(state.paused.is_none());
    assert!(state.asked.is_empty());
    assert_eq!(state.stage(), Stage::Submitted);
    let app = hall.application(me, app.id).await.unwrap();
    assert!(
        !hall
            .standing(&app, &doc)
            .await
            .unwrap()
            .unwrap()
            .correcting()
    );
    run(store, case_id, &clerk, Command::Accept).await;
    let titles: Vec<String> = store
        .outbox()
        .messages(me, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect();
    assert_eq!(titles, ["申请已受理", "需要补正", "已收到您的网上申请"]);
    assert_eq!(store.outbox().unread(me).await.unwrap(), 3);
    store.outbox().mark_read(me, Some(case_id)).await.unwrap();
    assert_eq!(store.outbox().unread(me).await.unwrap(), 0);

    // A case accepted at a window under the applicant's id number is theirs to see.
    let window = store
        .cases()
        .execute(CommandRequest {
            case_id: None,
            expected_version: None,
            command: onewindow_store::testing::submission(
                Channel::Window,
                store.cases().item_ref_for_case(item).await.unwrap(),
                "王小明",
                &["营业执照", "经营场所使用证明"],
            ),
            actor: clerk.clone(),
            idempotency_key: None,
            today: today(),
            at: 0,
        })
        .await
        .unwrap()
        .case_id;
    let mine: Vec<CaseId> = store
        .cases()
        .applicant_cases(me, RESIDENT, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(c, _)| c.id)
        .collect();
    assert_eq!(mine, [window, case_id]);
}

async fn run(
    store: &Store,
    case_id: CaseId,
    actor: &onewindow_domain::case::Actor,
    command: Command,
) {
    store
        .cases()
        .execute(CommandRequest {
            case_id: Some(case_id),
            expected_version: None,
            command,
            actor: actor.clone(),
            idempotency_key: None,
            today: today(),
            at: 0,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_online_application_from_draft_to_acceptance() {
    on_every_backend!(online_application);
}

async fn superseded_version(store: &Store) {
    let org = seed_org(store).await;
    let item = published(store, doc(org.dept)).await;
    let me = applicant(store).await;
    let hall = store.hall();
    let app = hall.start(me, item).await.unwrap();
    hall.save(me, app.id, &complete(), None).await.unwrap();
    attach(store, me, app.id, "营业执照", &"a".repeat(64), 1000).await;
    attach(store, me, app.id, "经营场所使用证明", &"b".repeat(64), 1000).await;
    // The department publishes a new version: the lease proof is no longer asked for.
    let mut changed = doc(org.dept);
    changed.materials.truncate(1);
    store
        .catalog()
        .save_draft(item, changed, AccountId(1))
        .await
        .unwrap();
    store.catalog().publish(item, AccountId(1)).await.unwrap();
    let err = hall.submit(me, app.id, today()).await.unwrap_err();
    let StoreError::Invalid(f) = err else {
        panic!("expected a refusal")
    };
    let message = f.message_for("item_version").unwrap();
    assert!(message.contains("第 2 版"), "{message}");
    let moved = hall.application(me, app.id).await.unwrap();
    assert_eq!(moved.item_version, 2);
    assert_eq!(moved.files.len(), 1);
    assert_eq!(moved.content.answers["shop"], "好味小吃店");
    // The applicant checks it and submits on the new version.
    hall.submit(me, app.id, today()).await.unwrap();
    // A suspended item takes no new drafts.
    let other = published(store, item_doc("02", "个体工商户变更登记", org.dept)).await;
    store
        .catalog()
        .set_item_suspended(other, true)
        .await
        .unwrap();
    assert_eq!(
        fields(hall.start(me, other).await.unwrap_err()),
        ["item_id"]
    );
}

#[tokio::test]
async fn a_draft_follows_the_item_to_its_new_version() {
    on_every_backend!(superseded_version);
}

/// Online joint pre-review over time: an item handled with a co-department goes to both at
/// once, due three working days later counted past the National Day holiday; the applicant
/// sees nothing of the opinions while the round runs and sees them (and who did not answer)
/// when its deadline has passed; rounds follow one another up to the limit, and end with the
/// formal submission. An item one department handles alone has no joint pre-review.
async fn prereview_rounds(store: &Store) {
    use onewindow_domain::joint::prereview::{MAX_ROUNDS, OpinionInput, RoundState, Verdict};
    let org = seed_org(store).await;
    let mut joint = doc(org.dept);
    joint.joint_department_ids = vec![org.other_dept];
    let item = published(store, joint).await;
    let alone = published(store, item_doc("02", "个体工商户变更登记", org.dept)).await;
    let me = applicant(store).await;
    let hall = store.hall();
    let cal = store.calendar().calendar_for("").await.unwrap();
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let solo = hall.start(me, alone).await.unwrap();
    assert_eq!(
        fields(
            store
                .joint()
                .request_prereview(me, solo.id, day(9, 29), &cal)
                .await
                .unwrap_err()
        ),
        ["application"]
    );
    let app = hall.start(me, item).await.unwrap();
    let round = store
        .joint()
        .request_prereview(me, app.id, day(9, 29), &cal)
        .await
        .unwrap();
    // 9-30, then the holiday to 10-07 (and its make-up day), then 10-09.
    assert_eq!(round.opinions.len(), 2);
    assert_eq!(
        round.due_on,
        cal.add_working_days(day(9, 29), 3).unwrap().to_string()
    );
    assert!(round.due_on.as_str() > "2026-10-07", "{}", round.due_on);
    let answer = OpinionInput {
        verdict: Some(Verdict::Correct),
        comment: "经营场所证明须为租赁合同全文".into(),
    };
    store
        .joint()
        .answer_prereview(round.id, org.dept, &answer, AccountId(1), "审查员")
        .await
        .unwrap();
    // Another applicant's application is not found; a department not asked cannot answer.
    let stranger = store
        .joint()
        .answer_prereview(
            round.id,
            onewindow_domain::ids::DepartmentId(9999),
            &answer,
            AccountId(1),
            "x",
        )
        .await
        .unwrap_err();
    assert_eq!(fields(stranger), ["department"]);
    let now = store.joint().prereview(round.id).await.unwrap();
    assert_eq!(now.state(day(9, 30)), RoundState::Waiting);
    let hidden = now.clone().for_applicant(day(9, 30));
    assert!(hidden.opinions.iter().all(|o| o.comment.is_none()));
    assert!(
        store
            .joint()
            .request_prereview(me, app.id, day(9, 30), &cal)
            .await
            .is_err(),
        "one round at a time"
    );
    // The deadline passes with the co-department silent: the applicant sees what was said.
    let late = NaiveDate::parse_from_str(&now.due_on, "%Y-%m-%d")
        .unwrap()
        .succ_opt()
        .unwrap();
    assert_eq!(now.state(late), RoundState::Overdue);
    let shown = now.for_applicant(late);
    assert_eq!(
        shown.opinions[0].comment.as_deref(),
        Some("经营场所证明须为租赁合同全文")
    );
    assert!(shown.opinions[1].answered_at.is_none());
    // Further rounds up to the limit.
    let mut last = 1;
    while last < MAX_ROUNDS {
        let r = store
            .joint()
            .request_prereview(me, app.id, late, &cal)
            .await
            .unwrap();
        last = r.round;
        for o in &r.opinions {
            let ok = OpinionInput {
                verdict: Some(Verdict::NoObjection),
                comment: String::new(),
            };
            store
                .joint()
                .answer_prereview(r.id, o.department_id, &ok, AccountId(1), "审查员")
                .await
                .unwrap();
        }
    }
    assert_eq!(
        fields(
            store
                .joint()
                .request_prereview(me, app.id, late, &cal)
                .await
                .unwrap_err()
        ),
        ["application"]
    );
    assert_eq!(
        store.joint().prereviews_of(app.id).await.unwrap().len() as i64,
        MAX_ROUNDS
    );
}

#[tokio::test]
async fn joint_pre_review_rounds_run_on_working_days() {
    on_every_backend!(prereview_rounds);
}
