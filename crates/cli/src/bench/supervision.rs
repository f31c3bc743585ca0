//! `onewindow bench supervision`: the sweeper over a large open caseload. The open cases and
//! their timers are written as the case engine writes them, in bulk (SQL), so that a million
//! can be seeded in seconds; the sweep itself is the server's. The centre has staff in every
//! department, and a history of alerts and notifications from earlier months.

use std::time::Instant;

use chrono::NaiveDate;
use onewindow_store::Store;
use onewindow_store::org::*;

use crate::bench::{ScratchDb, percentile};

pub struct Options {
    pub database: String,
    pub cases: usize,
    pub due: usize,
    pub history: usize,
    pub mornings: usize,
    pub runs: usize,
}

/// The mornings measured: on each, the `due` cases due on the working day before are newly
/// overdue (and turn yellow no earlier than their due day, so not on an earlier morning).
pub const MORNINGS: [(&str, &str); 5] = [
    ("2026-11-20", "2026-11-23"),
    ("2026-11-24", "2026-11-25"),
    ("2026-11-26", "2026-11-27"),
    ("2026-11-30", "2026-12-01"),
    ("2026-12-02", "2026-12-03"),
];

pub async fn supervision(opts: Options) -> anyhow::Result<()> {
    let scratch = ScratchDb::create(&opts.database, "bench_supervision", "").await?;
    let url = scratch.url.clone();
    let store = Store::open(&url).await?;
    println!(
        "bench supervision: {}, {} open cases, {} of them newly overdue on each of {} mornings, {} earlier alerts",
        store.backend().name(),
        opts.cases,
        opts.due,
        opts.mornings,
        opts.history
    );
    // A department with a supervisor and a chief representative, who are notified.
    let (centre, _) = onewindow_store::testing::seed_centre(&store).await;
    // The demo centre's 18 departments; the open cases belong to the first.
    let mut departments = Vec::new();
    for input in crate::demo::department_inputs(centre) {
        departments.push(store.org().create_department(&input).await?);
    }
    let dept = departments[0].clone();
    for (login, role, department) in [
        ("jiancha", "supervisor", None),
        ("shouxi", "chief_representative", Some(dept.id)),
    ] {
        store
            .org()
            .create_staff(&NewStaff {
                staff: StaffInput {
                    centre_id: Some(centre),
                    department_id: department,
                    name: login.into(),
                    mobile: "13800000000".into(),
                    roles: vec![role.into()],
                    backup_staff_id: None,
                },
                login: login.into(),
                password: "bench2026pass".into(),
            })
            .await?;
    }

    // Open cases in chunks: each with its row, its task and its case timer, due at the end of
    // the year; then the last `due` times `mornings` are moved to the mornings' due days.
    let t = Instant::now();
    let chunk = 50_000usize;
    let mut done = 0usize;
    while done < opts.cases {
        let n = chunk.min(opts.cases - done);
        let first = done as i64 + 1;
        let last = (done + n) as i64;
        let mut tx = store.pool().begin().await?;
        sqlx::query(
            "WITH RECURSIVE seq(n) AS (SELECT $1 UNION ALL SELECT n + 1 FROM seq WHERE n < $2)
             INSERT INTO cases (id, stage, item_id, item_version, department_id, case_no, query_code, applicant,
                                accepted_on, due, version, head_hash, created_at, updated_at, state, item_name,
                                applicant_id, channel, step_name, paused, submitted_on)
             SELECT n, 'in_review', 1, 1, $3, '371300202611' || CAST(n AS TEXT), 'Q', '申请人',
                    '2026-11-02', '2026-12-31', 2, '', 0, 0,
                    '{}', '食品经营许可', '', 'window', '审查', 0, '2026-11-02'
             FROM seq",
        )
        .bind(first)
        .bind(last)
        .bind(dept.id)
        .execute(&mut *tx)
        .await?;
        // Each case's own task (slot 0), whose id is case_id * 1024 (migration 0020).
        sqlx::query(
            "INSERT INTO case_tasks (id, case_id, department_id, role, assignee, what, since, due)
             SELECT id * 1024, id, department_id, 'reviewer', NULL, '审查', accepted_on, due FROM cases
             WHERE id >= $1 AND id <= $2",
        )
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_timers (case_id, kind, department_id, warn_on, due_on, fresh)
             SELECT id, 'case', department_id, '2026-12-28', due, 0 FROM cases WHERE id >= $1 AND id <= $2",
        )
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += n;
        let filled = done * 40 / opts.cases.max(1);
        eprint!(
            "\rseeding [{}{}] {done}/{}",
            "#".repeat(filled),
            ".".repeat(40 - filled),
            opts.cases
        );
    }
    eprintln!();
    for (m, (due, _)) in MORNINGS[..opts.mornings].iter().enumerate() {
        let last = (opts.cases - m * opts.due) as i64;
        let first = last - opts.due as i64 + 1;
        for sql in [
            "UPDATE cases SET due = $1 WHERE id >= $2 AND id <= $3",
            "UPDATE case_tasks SET due = $1 WHERE id >= $2 * 1024 AND id <= $3 * 1024",
            "UPDATE case_timers SET due_on = $1, warn_on = $1 WHERE case_id >= $2 AND case_id <= $3",
        ] {
            sqlx::query(sql)
                .bind(due)
                .bind(first)
                .bind(last)
                .execute(store.pool())
                .await?;
        }
    }

    // The timers were written before Sunday 1 November, which the sweeps have reached.
    sqlx::query("UPDATE supervision_sweeps SET swept_on = '2026-11-01'")
        .execute(store.pool())
        .await?;

    // The rest of the centre's staff: eight in each other department (clerks, reviewers,
    // approvers and their chief representative), whom these alerts do not concern.
    for d in &departments[1..] {
        for (n, role) in [
            "clerk",
            "clerk",
            "clerk",
            "reviewer",
            "reviewer",
            "approver",
            "approver",
            "chief_representative",
        ]
        .iter()
        .enumerate()
        {
            store
                .org()
                .create_staff(&NewStaff {
                    staff: StaffInput {
                        centre_id: Some(centre),
                        department_id: Some(d.id),
                        name: format!("{}{n}", d.short_name),
                        mobile: "13800000000".into(),
                        roles: vec![(*role).into()],
                        backup_staff_id: None,
                    },
                    login: format!("staff{}_{n}", d.id),
                    password: "bench2026pass".into(),
                })
                .await?;
        }
    }
    // Earlier months' alerts on concluded cases, two notifications each.
    let mut done = 0usize;
    while done < opts.history {
        let n = chunk.min(opts.history - done);
        let first = (opts.cases + done) as i64 + 1;
        let last = first + n as i64 - 1;
        let mut tx = store.pool().begin().await?;
        sqlx::query(
            "WITH RECURSIVE seq(n) AS (SELECT $1 UNION ALL SELECT n + 1 FROM seq WHERE n < $2)
             INSERT INTO supervision_alerts (case_id, timer_kind, level, due_on, department_id,
                                             raised_on, raised_at, sweep_id)
             SELECT n, 'case', 'red', '2026-06-30', $3, '2026-07-01', 0, 'history' FROM seq",
        )
        .bind(first)
        .bind(last)
        .bind(dept.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO notifications (account_id, case_id, alert_id, title, body, created_at,
                                        read_at, dispatched_at)
             SELECT s.account_id, a.case_id, a.id, '办件超期', '办件已超过期限 2026-06-30', 0, 0, 0
             FROM supervision_alerts a JOIN staff s ON s.department_id = $3 OR s.department_id IS NULL
             WHERE a.case_id >= $1 AND a.case_id <= $2",
        )
        .bind(first)
        .bind(last)
        .bind(dept.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += n;
    }
    if store.backend() == onewindow_store::Backend::Postgres {
        // Vacuumed as a running centre's tables long since are, so that autovacuum does not
        // set about the freshly written millions during the measurements.
        sqlx::query("VACUUM (ANALYZE)")
            .execute(store.pool())
            .await?;
        // The seeding's WAL is written out now rather than by a checkpoint during the
        // measurements (needs a superuser or pg_checkpoint; skipped otherwise).
        if let Err(e) = sqlx::query("CHECKPOINT").execute(store.pool()).await {
            eprintln!("CHECKPOINT skipped: {e}");
        }
    }
    println!("seeded in {:.1} s", t.elapsed().as_secs_f64());

    // Nothing due: Monday 2 November.
    let quiet = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    quiet_sweeps(&store, quiet, opts.runs, "sweep with nothing due").await?;
    // Each morning the day before's `due` cases are overdue at once; those of the mornings
    // before stay open and overdue, already raised.
    let mut times = Vec::with_capacity(opts.mornings);
    for (_, morning) in &MORNINGS[..opts.mornings] {
        let day = NaiveDate::parse_from_str(morning, "%Y-%m-%d")?;
        let t = Instant::now();
        let r = store.supervision().sweep(day).await?;
        let took = t.elapsed();
        println!(
            "sweep on {morning} with {} newly overdue: {:.1} ms ({} red, {} yellow, {} urging notices, {} findings, {} notifications)",
            opts.due,
            took.as_secs_f64() * 1e3,
            r.red,
            r.yellow,
            r.urged,
            r.findings,
            r.notified
        );
        anyhow::ensure!(
            r.red == opts.due as u64 && r.yellow == 0,
            "each morning raises its own cases: {r:?}"
        );
        times.push(took);
    }
    times.sort();
    println!(
        "sweep with {} newly overdue: median {:.1} ms, worst {:.1} ms over {} mornings",
        opts.due,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        opts.mornings
    );
    // The last morning again: nothing new, with every overdue case of the mornings open.
    let last = NaiveDate::parse_from_str(MORNINGS[opts.mornings - 1].1, "%Y-%m-%d")?;
    let label = format!(
        "sweep with nothing new due and {} open cases overdue",
        opts.due * opts.mornings
    );
    quiet_sweeps(&store, last, opts.runs, &label).await?;
    // What the sweeper does after a morning with red alerts: the month's cards (issued once;
    // each run counts the month again), and the quarter's assessment of the departments.
    let (_, took) = timed(opts.runs, async || {
        Ok(store.supervision().issue_cards(last).await?)
    })
    .await?;
    println!(
        "the month's cards after those mornings: {took} over {} runs",
        opts.runs
    );
    let quarter = onewindow_store::supervision::assessment::Period::quarter_of(last);
    let department = onewindow_store::supervision::assessment::Target::Department;
    let (_, took) = timed(opts.runs, async || {
        Ok(store.supervision().assessment(department, &quarter).await?)
    })
    .await?;
    println!(
        "the quarter's assessment of every department: {took} over {} runs",
        opts.runs
    );

    // A month's indicators for every department over 10,000,000 concluded cases: the daily
    // rollups of 40 items per department for October, as the case engine keeps them, and an
    // urging notice (answered) for each overdue case, with its rollup, as the sweep keeps them.
    let per_row = 10_000_000 / (31 * departments.len() as i64 * 40);
    for d in &departments {
        sqlx::query(
            "WITH RECURSIVE days(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM days WHERE n < 31),
                           k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $2)
             INSERT INTO urgings (case_id, department_id, addressee_staff, alert_id, issued_by,
                                  issued_on, reply_by, reason, explanation, created_at)
             SELECT i, $1, NULL, NULL, NULL, day, day,
                    '办件已超过承诺办结期限，请于答复期限前说明超期原因并尽快办结', '已说明', 0
             FROM (SELECT '2026-10-' || CASE WHEN n < 10 THEN '0' ELSE '' END || CAST(n AS TEXT) AS day
                   FROM days) d, k",
        )
        .bind(d.id)
        .bind(per_row / 50 * 40)
        .execute(store.pool())
        .await?;
        sqlx::query(
            "WITH RECURSIVE days(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM days WHERE n < 31),
                           items(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM items WHERE i < 40)
             INSERT INTO case_rollups (day, department_id, item_id, received, accepted, concluded, instant,
                                       promised, concluded_on_time, overdue)
             SELECT '2026-10-' || CASE WHEN n < 10 THEN '0' ELSE '' END || CAST(n AS TEXT), $1, i,
                    $2, $2, $2, $2 / 4, $2 - $2 / 4, $2 - $2 / 50, $2 / 50
             FROM days, items",
        )
        .bind(d.id)
        .bind(per_row)
        .execute(store.pool())
        .await?;
    }
    sqlx::query(
        "INSERT INTO urging_rollups (day, department_id, urged)
         SELECT issued_on, department_id, COUNT(*) FROM urgings
         WHERE issued_on >= '2026-10-01' AND issued_on <= '2026-10-31'
         GROUP BY issued_on, department_id",
    )
    .execute(store.pool())
    .await?;
    if store.backend() == onewindow_store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(store.pool()).await?;
    }
    let (figures, took) = timed(opts.runs, async || {
        Ok(store
            .supervision()
            .indicators("2026-10-01", "2026-10-31")
            .await?)
    })
    .await?;
    let concluded = figures.iter().map(|f| f.concluded).sum::<i64>();
    let urged = figures.iter().map(|f| f.urged).sum::<i64>();
    println!(
        "a month's indicators for {} departments over {concluded} concluded cases ({urged} urged): {took} over {} runs",
        departments.len(),
        opts.runs
    );
    store.close().await;
    scratch.remove().await
}

/// `runs` sweeps on `day` that must raise nothing, timed.
async fn quiet_sweeps(
    store: &Store,
    day: NaiveDate,
    runs: usize,
    label: &str,
) -> anyhow::Result<()> {
    let (_, took) = timed(runs, async || {
        let r = store.supervision().sweep(day).await?;
        anyhow::ensure!(r.yellow + r.red == 0, "nothing new should be due: {r:?}");
        Ok(())
    })
    .await?;
    println!("{label}: {took} over {runs} sweeps");
    Ok(())
}

/// Runs `f` `runs` times (at least once): its last answer, and its times as
/// "p50 … ms, p99 … ms".
async fn timed<T>(
    runs: usize,
    mut f: impl AsyncFnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(T, String)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |p| percentile(&times, p).as_secs_f64() * 1e3;
    let took = format!("p50 {:.2} ms, p99 {:.2} ms", ms(0.5), ms(0.99));
    Ok((last.expect("ran at least once"), took))
}
