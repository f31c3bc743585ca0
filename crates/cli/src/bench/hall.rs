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
use onewindow_domain::ids::ItemId;
use onewindow_store::Store;
use onewindow_store::accounts::IndividualRegistration;
use onewindow_store::blobs::BlobStore;
use onewindow_store::testing::{Org, item_doc, seed_applicants, seed_org, seed_windows};

use crate::bench::{ScratchDb, report};

#[derive(Debug, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub db: crate::bench::Database,
    #[arg(long, default_value_t = 2_000)]
    pub saves: usize,
    #[arg(long, default_value_t = 200)]
    pub applications: usize,
    /// Appointment bookings made by `clients` applicants' clients at once.
    #[arg(long, default_value_t = 8_000)]
    pub bookings: usize,
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
}

const MATERIALS: usize = 5;
const FILE_BYTES: usize = 1024 * 1024;

pub async fn hall(o: Options) -> anyhow::Result<()> {
    let o = Options {
        saves: o.saves.max(1),
        applications: o.applications.max(1),
        bookings: o.bookings.clamp(1, 100_000),
        clients: o.clients.clamp(1, 256),
        ..o
    };
    let params = if o.db.database == "sqlite" {
        format!("?synchronous={}", o.db.synchronous)
    } else {
        String::new()
    };
    let db = ScratchDb::create(&o.db.database, "hall", &params).await?;
    let store = Store::open(&db.url).await?;
    let blobs = BlobStore::new(
        std::env::temp_dir().join(format!("onewindow_hall_files_{}", std::process::id())),
    );
    let org = seed_org(&store).await;
    let mut doc = item_doc("01", "个体工商户设立登记", org.dept);
    doc.handling_forms = vec!["1".into(), "2".into()];
    doc.appointment = true;
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
        o.db.synchronous,
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
    bookings(&store, org, item.id, &o).await?;
    let _ = std::fs::remove_dir_all(blobs.dir());
    store.close().await;
    db.remove().await?;
    Ok(())
}

/// Appointments: `clients` clients book at once for many applicants (each person's bookings on
/// different days, in slots chosen at random), then race for the ten places of one slot; every
/// slot's count is checked against its capacity and its bookings.
async fn bookings(store: &Store, org: Org, item: ItemId, o: &Options) -> anyhow::Result<()> {
    use onewindow_domain::hall::booking::{BookingRules, Schedule};
    use onewindow_store::hall::bookings::BookingRequest;
    use rand::Rng;

    let windows = 10;
    seed_windows(store, org.centre, org.hall, Some(org.dept), 1, windows).await;
    let schedule = Schedule {
        per_window: 20,
        ..Schedule::default()
    };
    store
        .hall()
        .set_schedule(org.hall, &schedule, AccountId(1))
        .await?;
    store
        .hall()
        .set_booking_rules(
            &BookingRules {
                max_open: 10,
                ..BookingRules::default()
            },
            AccountId(1),
        )
        .await?;
    // Monday 7 December 2026 at 08:00; ten working days for the load, the eleventh for the race.
    let now = NaiveDate::from_ymd_opt(2026, 12, 7)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("date");
    let days: Vec<NaiveDate> = store
        .hall()
        .days(item, org.hall, now)
        .await?
        .into_iter()
        .filter(|d| d.closed.is_none())
        .filter_map(|d| NaiveDate::parse_from_str(&d.day, "%Y-%m-%d").ok())
        .collect();
    anyhow::ensure!(days.len() >= 11, "eleven working days in the horizon");
    let slots = schedule.slots();
    let per_person = 5;
    let people = seed_applicants(store, 1, o.bookings.div_ceil(per_person) as u32).await;
    println!(
        "appointments: {} bookings by {} clients for {} applicants, {} places a slot",
        o.bookings,
        o.clients,
        people.len(),
        windows * schedule.per_window
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..o.clients {
        let store = store.clone();
        let (people, days, slots) = (people.clone(), days.clone(), slots.clone());
        let (clients, total, hall) = (o.clients, o.bookings, org.hall);
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut refused = 0usize;
            let mut n = c;
            while n < total {
                let (person, k) = (people[n / per_person], n % per_person);
                let slot = slots[rand::rng().random_range(0..slots.len())];
                let req = BookingRequest {
                    item_id: item,
                    hall_id: hall,
                    day: days[k],
                    start: slot.start,
                    key: format!("bench-{n}"),
                };
                let t = Instant::now();
                match store.hall().book(person, &req, now).await {
                    Ok(_) => times.push(t.elapsed()),
                    Err(onewindow_store::StoreError::Invalid(_)) => refused += 1,
                    Err(e) => return Err(anyhow::anyhow!("{e:?}")),
                }
                n += clients;
            }
            Ok::<_, anyhow::Error>((times, refused))
        }));
    }
    let (mut times, mut refused) = (Vec::new(), 0);
    for t in tasks {
        let (mut t, r) = t.await??;
        times.append(&mut t);
        refused += r;
    }
    let elapsed = started.elapsed();
    println!(
        "bookings: {} made, {refused} refused (full) in {:.2} s: {:.0} bookings/s",
        times.len(),
        elapsed.as_secs_f64(),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    report("booking (16 clients)", times);

    // The last places: ten in one slot, 16 clients × 8 applicants racing for them.
    store
        .hall()
        .set_schedule(
            org.hall,
            &Schedule {
                per_window: 1,
                ..schedule.clone()
            },
            AccountId(1),
        )
        .await?;
    let racers = seed_applicants(store, 50_000, 128).await;
    let mut tasks = Vec::new();
    for (i, who) in racers.into_iter().enumerate() {
        let store = store.clone();
        let req = BookingRequest {
            item_id: item,
            hall_id: org.hall,
            day: days[10],
            start: slots[0].start,
            key: format!("race-{i}"),
        };
        tasks.push(tokio::spawn(async move {
            store.hall().book(who, &req, now).await.is_ok()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await?);
    }
    // Every slot: no more taken than its capacity, and as many bookings as taken.
    let over = store.hall().slots_over_capacity().await?;
    println!("race for 10 places: {won} booked; slots over capacity or miscounted: {over}");
    anyhow::ensure!(won == 10 && over == 0, "capacity broken");
    Ok(())
}
