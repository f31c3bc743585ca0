//! `onewindow bench hall`: the online hall's hot paths in process, on a fresh database (SQLite
//! with `synchronous=FULL` by default, as production runs): a draft's autosave, and an
//! application with five materials of 1 MB each — uploads through the path the pages and the
//! API take (sniffed, written and fsynced to the blob store, attached within the limits) and
//! the submission through the case engine.

use std::time::Instant;

use chrono::NaiveDate;
use onewindow_domain::catalog::Material;
use onewindow_domain::catalog::form::{FieldType, FormField};
use onewindow_domain::hall::{DeliveryMethod, DraftContent};
use onewindow_domain::ids::AccountId;
use onewindow_store::Store;
use onewindow_store::accounts::IndividualRegistration;
use onewindow_store::blobs::BlobStore;
use onewindow_store::testing::{item_doc, seed_org};

use crate::bench::{ScratchDb, report};

pub struct Options {
    pub database: String,
    pub synchronous: String,
    pub saves: usize,
    pub applications: usize,
}

const MATERIALS: usize = 5;
const FILE_BYTES: usize = 1024 * 1024;

pub async fn hall(o: Options) -> anyhow::Result<()> {
    let params = if o.database == "sqlite" {
        format!("?synchronous={}", o.synchronous)
    } else {
        String::new()
    };
    let db = ScratchDb::create(&o.database, "hall", &params).await?;
    let store = Store::open(&db.url).await?;
    let blobs = BlobStore::new(
        std::env::temp_dir().join(format!("onewindow_hall_files_{}", std::process::id())),
    );
    let org = seed_org(&store).await;
    let mut doc = item_doc("01", "个体工商户设立登记", org.dept);
    doc.handling_forms = vec!["1".into(), "2".into()];
    doc.materials = (1..=MATERIALS)
        .map(|i| Material {
            name: format!("材料{i}"),
            copies: 1,
            requirement: "required".into(),
            source: "applicant".into(),
            ..Default::default()
        })
        .collect();
    doc.form = vec![
        FormField {
            key: "shop".into(),
            label: "名称".into(),
            field_type: FieldType::Text,
            required: true,
            ..Default::default()
        },
        FormField {
            key: "note".into(),
            label: "说明".into(),
            field_type: FieldType::MultiLine,
            ..Default::default()
        },
    ];
    let item = store.catalog().create_item(doc, AccountId(1)).await?;
    store.catalog().publish(item.id, AccountId(1)).await?;
    let me = store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "王小明".into(),
                resident_id: "11010519491231002X".into(),
                mobile: "13900000000".into(),
                password: "bench2026x".into(),
            },
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .id;
    let hall = store.hall();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
    println!(
        "online hall on {} ({}), {} autosaves, {} applications of {MATERIALS} × 1 MB",
        store.backend().name(),
        o.synchronous,
        o.saves,
        o.applications
    );

    // Autosave: what a script sends as the applicant types.
    let draft = hall.start(me, item.id).await?;
    let mut content = DraftContent::default();
    content.delivery.method = Some(DeliveryMethod::Pickup);
    let mut saves = Vec::with_capacity(o.saves);
    for i in 0..o.saves {
        content
            .answers
            .insert("shop".into(), format!("好味小吃店{i}"));
        content.answers.insert(
            "note".into(),
            "经营场所位于临沂市兰山区，".repeat(i % 20 + 1),
        );
        let t = Instant::now();
        hall.save(me, draft.id, &content, None).await?;
        saves.push(t.elapsed());
    }
    report("autosave (draft)", saves);

    // Applications: five 1 MB uploads each, then the submission.
    let mut uploads = Vec::with_capacity(o.applications);
    let mut submits = Vec::with_capacity(o.applications);
    let mut totals = Vec::with_capacity(o.applications);
    let mut app_id = draft.id;
    for n in 0..o.applications {
        let started = Instant::now();
        for m in 1..=MATERIALS {
            let mut bytes = format!("%PDF-1.7\n% application {n} material {m}\n").into_bytes();
            bytes.resize(FILE_BYTES, b' ');
            hall.upload(&blobs, me, app_id, &format!("材料{m}"), "扫描件.pdf", bytes)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        uploads.push(started.elapsed());
        let t = Instant::now();
        hall.submit(me, app_id, today)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        submits.push(t.elapsed());
        totals.push(started.elapsed());
        let next = hall.start(me, item.id).await?;
        hall.save(me, next.id, &content, None).await?;
        app_id = next.id;
    }
    report("5 uploads × 1 MB", uploads);
    report("submit (case engine)", submits);
    report("uploads + submit", totals);
    let _ = std::fs::remove_dir_all(blobs.dir());
    store.close().await;
    db.remove().await?;
    Ok(())
}
