//! `onewindow bench reviews`: 好差评's two targets. (1) Submitting a review: cases are carried
//! to conclusion through the case engine, then rated concurrently through the reviews store
//! (checked against the centre's reasons, appended as an event of the case, projected into
//! `reviews`, the handling of a bad one and five rollups), on SQLite FULL by default. (2) The
//! 满意率 of every department for a year over 10,000,000 reviews: the rollups such a year
//! leaves (one row a day per department, window, staff member, item and channel with reviews)
//! are written directly — their size, not the reviews behind them, decides the query's time —
//! and the figures are read from them, with their total checked.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use onewindow_domain::case::Actor;
use onewindow_domain::reviews::RatingInput;
use onewindow_store::reviews::{Dimension, Rater};
use onewindow_store::{Backend, Store};

use crate::bench::cases::{LIFECYCLE, actor, drive, lifecycle};
use crate::bench::{ScratchDb, percentile};

#[derive(Debug, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub db: crate::bench::Database,
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Cases concluded and then rated.
    #[arg(long, default_value_t = 2_000)]
    pub reviews: usize,
    /// Reviews in the year whose figures are read.
    #[arg(long, default_value_t = 10_000_000)]
    pub year_reviews: u64,
    #[arg(long, default_value_t = 40)]
    pub departments: i64,
    /// Readings of the year's figures.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Rows of a hotline export imported (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    pub hotline_rows: u64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The rating client `c` gives case `i`: mostly good, one in ten medium, one in twenty bad.
fn rating(i: usize) -> RatingInput {
    let level = match i % 20 {
        0 => 5,
        1 | 2 => 3,
        n if n % 2 == 0 => 1,
        _ => 2,
    };
    RatingInput {
        level: Some(level),
        channel: "phone".into(),
        reasons: if level >= 4 {
            vec!["等候时间长".into()]
        } else {
            vec![]
        },
        comment: "电话回访时申请人的评价".into(),
    }
}

async fn rate(
    store: Store,
    cases: Vec<onewindow_domain::ids::CaseId>,
    staff: Actor,
    today: NaiveDate,
    done: Arc<AtomicU64>,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(cases.len());
    for (i, case) in cases.into_iter().enumerate() {
        let t = Instant::now();
        store
            .reviews()
            .rate_case(
                Rater::Staff(staff.clone()),
                Some(case),
                &rating(i),
                today,
                None,
            )
            .await?;
        latencies.push(t.elapsed());
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(latencies)
}

/// Writes the rollups a year of `total` reviews leaves, a day at a time.
async fn year_of_rollups(store: &Store, opts: &Options, first: NaiveDate) -> anyhow::Result<u64> {
    const WINDOWS: i64 = 3;
    const STAFF: i64 = 8;
    const ITEMS: i64 = 25;
    const CHANNELS: [&str; 7] = ["pc", "mobile", "qr", "tablet", "terminal", "phone", "sms"];
    let days = 365u64;
    let per_day = opts.year_reviews / days;
    let mut rows = 0u64;
    for day in 0..days {
        let date = (first + chrono::Days::new(day)).to_string();
        let today_total = if day == days - 1 {
            opts.year_reviews - per_day * (days - 1)
        } else {
            per_day
        };
        let mut values: Vec<String> = Vec::new();
        for d in 1..=opts.departments {
            let n = today_total as i64 / opts.departments
                + i64::from(d <= today_total as i64 % opts.departments);
            // Split `n` over `units` units of a dimension (good 95%, medium 3%, bad the rest).
            let mut split = |dimension: &str, units: Vec<String>| {
                let k = units.len() as i64;
                for (j, unit) in units.into_iter().enumerate() {
                    let m = n / k + i64::from((j as i64) < n % k);
                    let (good, medium) = (m * 95 / 100, m * 3 / 100);
                    let bad = m - good - medium;
                    let answerable = bad * 4 / 5;
                    let rectified = answerable * 9 / 10;
                    values.push(format!(
                        "('{dimension}', '{date}', '{unit}', {d}, {m}, {good}, {medium}, {bad}, {answerable}, {rectified})"
                    ));
                }
            };
            split("department", vec![d.to_string()]);
            split(
                "window",
                (0..WINDOWS).map(|w| (d * 100 + w).to_string()).collect(),
            );
            split(
                "staff",
                (0..STAFF).map(|s| (d * 1000 + s).to_string()).collect(),
            );
            split(
                "item",
                (0..ITEMS).map(|i| (d * 10_000 + i).to_string()).collect(),
            );
            split(
                "channel",
                CHANNELS.iter().map(|c| (*c).to_owned()).collect(),
            );
        }
        rows += values.len() as u64;
        let mut tx = store.pool().begin().await?;
        for chunk in values.chunks(500) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO review_rollups (dimension, day, unit, department_id, reviews, good, medium, bad,
                                             answerable, rectified) VALUES {}",
                chunk.join(", ")
            )))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        crate::hotline::progress("一年的统计汇总", day + 1, days);
    }
    Ok(rows)
}

/// A hotline export of `rows` calls over a month, a third of them transferred to one of three
/// departments, imported with a progress bar; then imported again (nothing added).
async fn hotline_import(store: &Store, rows: u64) -> anyhow::Result<()> {
    // The departments calls are transferred to (and calls the hotline settled itself).
    onewindow_store::testing::seed_org(store).await;
    let names = ["临沂市市场监督管理局", "临沂市公安局", ""];
    let mut csv = String::with_capacity(rows as usize * 96);
    csv.push_str(&onewindow_domain::reviews::hotline::HEADER.join(","));
    csv.push('\n');
    for i in 0..rows {
        let department = names[(i % 3) as usize];
        let (result, answered) = if department.is_empty() {
            ("", if i % 50 == 0 { "0" } else { "1" })
        } else if i % 10 == 0 {
            ("失败", "1")
        } else {
            ("成功", "1")
        };
        let satisfaction = ["满意", "基本满意", "", "不满意"][(i % 4) as usize];
        csv.push_str(&format!(
            "ZT{i:09},2026-11-{:02} {:02}:{:02}:{:02},138****{:04},{},{answered},{department},{result},{satisfaction}\n",
            1 + i % 30,
            8 + i % 10,
            i % 60,
            (i / 60) % 60,
            i % 10_000,
            ["咨询", "投诉", "求助", "建议"][(i % 4) as usize],
        ));
    }
    let t = Instant::now();
    let report = store
        .reviews()
        .import_hotline(csv.as_bytes(), &|done, total| {
            crate::hotline::progress("导入话单", done, total)
        })
        .await?;
    let first = t.elapsed();
    let t = Instant::now();
    let again = store
        .reviews()
        .import_hotline(csv.as_bytes(), &|_, _| {})
        .await?;
    println!(
        "hotline import of {rows} calls ({:.0} MB): {:.1} s ({} added); the same file again {:.1} s ({} added)",
        csv.len() as f64 / 1e6,
        first.as_secs_f64(),
        report.added,
        t.elapsed().as_secs_f64(),
        again.added,
    );
    Ok(())
}

pub async fn reviews(opts: Options) -> anyhow::Result<()> {
    let (scratch, store, database) =
        ScratchDb::with_store(&opts.db.database, "bench_reviews", &opts.db.synchronous).await?;
    let backend = store.backend();
    let clients = opts.clients.max(1);
    let n = opts.reviews.max(1);
    println!(
        "bench reviews: {database}, {clients} clients, {n} cases concluded then rated; a year of {} reviews over {} departments",
        opts.year_reviews, opts.departments,
    );
    drive(&store, clients, n, LIFECYCLE, Some("办结"), lifecycle).await?;
    let ids: Vec<(onewindow_domain::ids::CaseId,)> =
        sqlx::query_as("SELECT id FROM cases ORDER BY id")
            .fetch_all(store.pool())
            .await?;
    let today = NaiveDate::from_ymd_opt(2026, 9, 25).context("date")?;
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let share: Vec<_> = ids
            .iter()
            .skip(c)
            .step_by(clients)
            .map(|(id,)| *id)
            .collect();
        handles.push(tokio::spawn(rate(
            store.clone(),
            share,
            actor(),
            today,
            done.clone(),
        )));
    }
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await??);
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let (bad,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM review_handling")
        .fetch_one(store.pool())
        .await?;
    println!(
        "submitting a review: {} reviews in {:.2} s = {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({bad} bad ones opened for callback)",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );

    // A year of rollups, in a year the rated cases are not in.
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).context("date")?;
    let t = Instant::now();
    let rows = year_of_rollups(&store, &opts, first).await?;
    println!(
        "a year of rollups for {} reviews: {rows} rows written in {:.1} s",
        opts.year_reviews,
        t.elapsed().as_secs_f64()
    );
    if backend == Backend::Postgres {
        sqlx::query("ANALYZE review_rollups")
            .execute(store.pool())
            .await?;
    }
    let (from, to) = ("2025-01-01", "2025-12-31");
    for (dimension, runs) in [
        (Dimension::Department, opts.runs.max(1)),
        (Dimension::Item, (opts.runs / 10).max(1)),
    ] {
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let figures = store.reviews().figures(dimension, from, to, None).await?;
            times.push(t.elapsed());
            total = figures.iter().map(|f| f.reviews).sum::<i64>();
        }
        times.sort();
        anyhow::ensure!(
            total as u64 == opts.year_reviews,
            "the figures add up to {total}, not {}",
            opts.year_reviews
        );
        println!(
            "满意率 of every {} for a year ({total} reviews): p50 {:.1} ms, p99 {:.1} ms over {runs} readings",
            dimension.label(),
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
        );
    }
    if opts.hotline_rows > 0 {
        hotline_import(&store, opts.hotline_rows).await?;
    }
    store.close().await;
    scratch.remove().await
}
