//! Appointments through the store on every backend: the days and slots the calendar and the
//! hall's hours give, booking within the rules (full slot, past slot, holiday, one per item and
//! day, open bookings, no-shows), idempotent requests, cancel and move, check-in at the window
//! by code, the window's day, the reminder the day before; and races for the last place and
//! for one person's limit with concurrent clients.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use onewindow_domain::auth::Principal;
use onewindow_domain::hall::booking::{BookingRules, BookingStatus, Schedule};
use onewindow_domain::ids::{AccountId, ItemId};
use onewindow_domain::org::{AccountKind, Role};
use onewindow_store::hall::bookings::{BookingRequest, Pool};
use onewindow_store::testing::{item_doc, seed_applicants, seed_org, seed_staff, seed_windows};
use onewindow_store::{Store, StoreError, on_every_backend};

fn at(d: &str, t: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(&format!("{d} {t}"), "%Y-%m-%d %H:%M").unwrap()
}
fn day(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}
fn time(t: &str) -> NaiveTime {
    NaiveTime::parse_from_str(t, "%H:%M").unwrap()
}

async fn bookable_item(
    store: &Store,
    dept: onewindow_domain::ids::DepartmentId,
    code: &str,
    appointment: bool,
) -> ItemId {
    let mut doc = item_doc(code, "个体工商户设立登记", dept);
    doc.appointment = appointment;
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

fn request(
    item: ItemId,
    hall: onewindow_domain::ids::HallId,
    d: &str,
    t: &str,
    key: &str,
) -> BookingRequest {
    BookingRequest {
        item_id: item,
        hall_id: hall,
        day: day(d),
        start: time(t),
        key: key.into(),
    }
}

fn refusal(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(e)) => e.summary(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn principal(staff: &onewindow_store::org::Staff, roles: &[Role]) -> Principal {
    Principal {
        account_id: staff.account_id,
        login: staff.login.clone(),
        display_name: staff.name.clone(),
        kind: AccountKind::Staff,
        roles: roles.to_vec(),
        department_id: staff.department_id,
        staff_id: Some(staff.id),
        token_scope: None,
    }
}

async fn appointments(store: &Store) {
    let org = seed_org(store).await;
    let windows = seed_windows(store, org.centre, org.hall, Some(org.dept), 1, 2).await;
    let item = bookable_item(store, org.dept, "01", true).await;
    let no_booking = bookable_item(store, org.dept, "02", false).await;
    let hall = store.hall();
    let admin = AccountId(1);
    hall.set_schedule(
        org.hall,
        &Schedule {
            per_window: 1,
            ..Schedule::default()
        },
        admin,
    )
    .await
    .unwrap();
    let people = seed_applicants(store, 1, 4).await;
    let (a, b, c, d) = (people[0], people[1], people[2], people[3]);
    let monday = at("2026-09-28", "10:00");

    // Where and when: the department's two windows; National Day closed, its make-up
    // Saturday open; this morning's first slots already begun.
    assert!(refusal(hall.places(no_booking).await).contains("不支持预约"));
    let places = hall.places(item).await.unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!(places[0].pool, Pool::Department(org.dept));
    assert_eq!(places[0].windows, 2);
    let days = hall.days(item, org.hall, monday).await.unwrap();
    assert_eq!(days.len(), 15);
    let oct2 = days.iter().find(|d| d.day == "2026-10-02").unwrap();
    assert!(oct2.closed.as_deref().unwrap().contains("国庆"));
    let oct10 = days.iter().find(|d| d.day == "2026-10-10").unwrap();
    assert!(oct10.closed.is_none() && !oct10.slots.is_empty());
    let today = &days[0];
    assert!(!today.slots[0].bookable && today.slots.last().unwrap().bookable);
    assert_eq!(today.slots[0].capacity, 2);

    // Two places in a slot; the same key books once; the third person is told it is full.
    let first = hall
        .book(
            a,
            &request(item, org.hall, "2026-09-29", "09:00", "k-a1"),
            monday,
        )
        .await
        .unwrap();
    assert_eq!(first.code.len(), 8);
    assert_eq!(first.status, BookingStatus::Booked);
    let again = hall
        .book(
            a,
            &request(item, org.hall, "2026-09-29", "09:00", "k-a1"),
            monday,
        )
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let second = hall
        .book(
            b,
            &request(item, org.hall, "2026-09-29", "09:00", "k-b1"),
            monday,
        )
        .await
        .unwrap();
    let full = hall
        .book(
            c,
            &request(item, org.hall, "2026-09-29", "09:00", "k-c1"),
            monday,
        )
        .await;
    assert!(refusal(full).contains("已约满"));

    // Bad requests, each with its reason and nothing written.
    for (d, t, why) in [
        ("2026-09-29", "09:30", "每天只能预约一次"),
        ("2026-10-02", "09:00", "国庆"),
        ("2026-09-28", "09:30", "已过去"),
        ("2026-09-30", "12:30", "不是本大厅的预约时段"),
        ("2026-10-20", "09:00", "天内的时段"),
    ] {
        let r = hall
            .book(a, &request(item, org.hall, d, t, "k-bad"), monday)
            .await;
        let m = refusal(r);
        assert!(m.contains(why), "{d} {t}: {m}");
    }
    assert!(
        refusal(
            hall.book(
                a,
                &request(no_booking, org.hall, "2026-09-30", "09:00", "k-x"),
                monday
            )
            .await
        )
        .contains("不支持预约")
    );
    assert_eq!(hall.bookings(a, 10).await.unwrap().len(), 1);

    // At most two open bookings each.
    hall.set_booking_rules(
        &BookingRules {
            max_open: 2,
            no_show_limit: 1,
            ..BookingRules::default()
        },
        admin,
    )
    .await
    .unwrap();
    let later = hall
        .book(
            a,
            &request(item, org.hall, "2026-09-30", "09:00", "k-a2"),
            monday,
        )
        .await
        .unwrap();
    let m = refusal(
        hall.book(
            a,
            &request(item, org.hall, "2026-10-08", "09:00", "k-a3"),
            monday,
        )
        .await,
    );
    assert!(m.contains("最多 2 个"), "{m}");

    // Cancelling frees the place at once.
    let cancelled = hall.cancel(a, first.id, monday).await.unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert!(refusal(hall.cancel(a, first.id, monday).await).contains("已取消"));
    let third = hall
        .book(
            c,
            &request(item, org.hall, "2026-09-29", "09:00", "k-c2"),
            monday,
        )
        .await
        .unwrap();

    // Moving into a full slot leaves the booking as it was; into a free one keeps the code.
    let m = refusal(
        hall.reschedule(a, later.id, day("2026-09-29"), time("09:00"), monday)
            .await,
    );
    assert!(m.contains("已约满"), "{m}");
    assert_eq!(hall.booking(a, later.id).await.unwrap().day, "2026-09-30");
    let moved = hall
        .reschedule(a, later.id, day("2026-09-29"), time("09:30"), monday)
        .await
        .unwrap();
    assert_eq!(
        (moved.day.as_str(), moved.start_minute),
        ("2026-09-29", 570)
    );
    assert_eq!(moved.code, later.code);
    // Another applicant's booking is not found.
    assert!(matches!(
        hall.cancel(d, moved.id, monday).await,
        Err(StoreError::NotFound(_))
    ));

    // The reminder goes out once, the day before, for bookings made before that day.
    assert_eq!(
        hall.send_reminders(at("2026-09-29", "08:00"))
            .await
            .unwrap(),
        0
    );
    let reminded = hall
        .send_reminders(at("2026-09-28", "18:00"))
        .await
        .unwrap();
    assert_eq!(reminded, 0, "made today: the confirmation suffices");
    let next_day = at("2026-09-29", "00:30");
    hall.book(
        d,
        &request(item, org.hall, "2026-09-30", "10:00", "k-d1"),
        monday,
    )
    .await
    .unwrap();
    assert_eq!(hall.send_reminders(next_day).await.unwrap(), 1);
    assert_eq!(hall.send_reminders(next_day).await.unwrap(), 0);
    let messages = store.outbox().messages(d, None, 10).await.unwrap();
    assert_eq!(messages[0].title, "预约提醒");
    assert!(messages[0].body.contains("签到码"));

    // Check-in by code at the window, by the department's clerk, from an hour before.
    let clerk = seed_staff(
        store,
        "clerk1",
        &["clerk"],
        Some(org.centre),
        Some(org.dept),
    )
    .await;
    let other = seed_staff(
        store,
        "clerk2",
        &["clerk"],
        Some(org.centre),
        Some(org.other_dept),
    )
    .await;
    let clerk_p = principal(&clerk, &[Role::Clerk]);
    let other_p = principal(&other, &[Role::Clerk]);
    let w = Some(windows[0].id);
    let early = hall
        .check_in(&clerk_p, &second.code, w, at("2026-09-29", "07:30"))
        .await;
    assert!(refusal(early).contains("尚未到签到时间"));
    let foreign = hall
        .check_in(&other_p, &second.code, w, at("2026-09-29", "08:30"))
        .await;
    assert!(refusal(foreign).contains("签到码无效"));
    assert!(
        refusal(
            hall.check_in(&clerk_p, "not-a-code", w, at("2026-09-29", "08:30"))
                .await
        )
        .contains("签到码无效")
    );
    let lower = second.code.to_lowercase();
    let arrived = hall
        .check_in(&clerk_p, &lower, w, at("2026-09-29", "08:30"))
        .await
        .unwrap();
    assert_eq!(arrived.status, BookingStatus::CheckedIn);
    assert_eq!(arrived.checked_in_window, w);
    assert!(
        refusal(
            hall.check_in(&clerk_p, &second.code, w, at("2026-09-29", "08:40"))
                .await
        )
        .contains("已签到")
    );

    // The window's day, for its department's staff only.
    let list = hall
        .window_bookings(&clerk_p, windows[0].id, day("2026-09-29"))
        .await
        .unwrap();
    let codes: Vec<&str> = list.iter().map(|b| b.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            first.code.as_str(),
            second.code.as_str(),
            third.code.as_str(),
            moved.code.as_str()
        ]
    );
    assert!(matches!(
        hall.window_bookings(&other_p, windows[0].id, day("2026-09-29"))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // A no-show suspends booking (limit 1 in 30 days) until it has aged out.
    let after = at("2026-09-29", "11:00");
    let m = refusal(
        hall.book(
            c,
            &request(item, org.hall, "2026-10-09", "09:00", "k-c3"),
            after,
        )
        .await,
    );
    assert!(m.contains("预约功能暂停至 2026年10月29日"), "{m}");
    hall.book(
        c,
        &request(item, org.hall, "2026-11-02", "09:00", "k-c4"),
        at("2026-10-29", "10:00"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn appointments_on_every_backend() {
    on_every_backend!(appointments);
}

/// Many applicants race for a slot with three places, and one applicant races themselves for
/// more bookings than the rules allow: exactly three and exactly the limit get through.
async fn races(store: &Store) {
    let org = seed_org(store).await;
    seed_windows(store, org.centre, org.hall, Some(org.dept), 1, 3).await;
    let item = bookable_item(store, org.dept, "01", true).await;
    store
        .hall()
        .set_schedule(
            org.hall,
            &Schedule {
                per_window: 1,
                ..Schedule::default()
            },
            AccountId(1),
        )
        .await
        .unwrap();
    let people = seed_applicants(store, 1, 24).await;
    let now = at("2026-09-28", "10:00");
    let mut tasks = Vec::new();
    for (i, who) in people.iter().copied().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let req = request(item, org.hall, "2026-09-29", "14:00", &format!("race-{i}"));
            store.hall().book(who, &req, now).await
        }));
    }
    let mut booked = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => booked += 1,
            Err(StoreError::Invalid(e)) => assert!(e.summary().contains("已约满"), "{e:?}"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(booked, 3);
    let days = store.hall().days(item, org.hall, now).await.unwrap();
    let slot = days[1].slots.iter().find(|s| s.start == "14:00").unwrap();
    assert_eq!((slot.taken, slot.capacity), (3, 3));

    // One person, eight requests at once for eight days: the limit of three holds.
    let me = seed_applicants(store, 100, 1).await[0];
    let open_days = [
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
        "2026-09-29",
        "2026-10-11",
        "2026-10-12",
    ];
    let mut tasks = Vec::new();
    for (i, d) in open_days.iter().enumerate() {
        let store = store.clone();
        let req = request(item, org.hall, d, "09:00", &format!("mine-{i}"));
        tasks.push(tokio::spawn(async move {
            store.hall().book(me, &req, now).await
        }));
    }
    let mut mine = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            mine += 1;
        }
    }
    assert_eq!(mine, 3);
    assert_eq!(store.hall().slots_over_capacity().await.unwrap(), 0);
    assert_eq!(store.hall().bookings(me, 20).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn races_for_the_last_place_on_every_backend() {
    on_every_backend!(races);
}
