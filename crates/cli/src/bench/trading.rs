//! `onewindow bench trading`: 公共资源交易's targets. (1) Sealed bids of 1 MB taken by
//! concurrent clients on one lot: each checked, sealed (HPKE) file and header, its sealed file
//! stored as a blob (fsynced), its receipt appended to the lot's log (SQLite FULL by default);
//! (2) the opening of them all: shares checked, the key rebuilt, every header opened and read,
//! the record signed and published; (3) the expert draw from a 100,000-expert pool: the eligible
//! list queried, committed by its hash and stored, then the seeds and the picks; (4) and (5), the
//! OCDS export and a watched listing auction, are in `trading_live`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::Duration as Days;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::AccountId;
use onewindow_store::blobs::BlobStore;
use onewindow_store::case::checkpoints::AuditKey;
use onewindow_store::testing::{company_code, seed_org, seed_staff};
use onewindow_store::trading::{LotInput, ProjectInput, PublishInput, local_date};
use onewindow_store::{Store, now_ms};

use crate::bench::{ScratchDb, report};
use crate::hotline::progress;

#[derive(Debug, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub db: crate::bench::Database,
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Bids on the lot, one per company.
    #[arg(long, default_value_t = 10_000)]
    pub bids: usize,
    /// Bytes of each bid's file.
    #[arg(long, default_value_t = 1 << 20)]
    pub bid_bytes: usize,
    /// Experts in the pool, all of the drawn specialty.
    #[arg(long, default_value_t = 100_000)]
    pub experts: usize,
    /// Draws timed.
    #[arg(long, default_value_t = 20)]
    pub draws: usize,
    /// OCDS releases exported (each seeded lot gives six); 0 skips.
    #[arg(long, default_value_t = 100_000)]
    pub releases: usize,
    /// Browsers watching a listing auction's live feed; 0 skips.
    #[arg(long, default_value_t = 200)]
    pub viewers: usize,
    /// Bids taken while they watch.
    #[arg(long, default_value_t = 100)]
    pub auction_bids: usize,
}

const PASS: &str = "bench-opening-passphrase";

pub async fn trading(o: Options) -> anyhow::Result<()> {
    let (scratch, store, label) =
        ScratchDb::with_store(&o.db.database, "trading", &o.db.synchronous).await?;
    println!(
        "公共资源交易 on {label}: {} bids of {} bytes from {} clients",
        o.bids, o.bid_bytes, o.clients
    );
    let org = seed_org(&store).await;
    let mut officials = Vec::new();
    for n in 0..3 {
        let s = seed_staff(
            &store,
            &format!("opener{n}"),
            &["trading_officer"],
            Some(org.centre),
            None,
        )
        .await;
        store.trading().set_opening_key(s.id, PASS).await?;
        officials.push(s.id);
    }
    let by = seed_staff(
        &store,
        "tradingclerk",
        &["trading_officer"],
        Some(org.centre),
        None,
    )
    .await
    .account_id;
    let t = store.trading();
    let project = t
        .create_project(
            &ProjectInput {
                code: "BENCH-1".into(),
                name: "基准测试项目".into(),
                sector: "procurement".into(),
                method: "open_tender".into(),
                owner_name: "临沂市财政局".into(),
                owner_credit_code: company_code(1),
                budget: "100000000".into(),
                funding_source: "财政资金".into(),
                lots: vec![LotInput {
                    name: "一包".into(),
                    budget: "100000000".into(),
                }],
                ..Default::default()
            },
            by,
        )
        .await?;
    let lot = t.lots(project.id).await?.remove(0);
    let today = local_date(now_ms());
    let deadline = (today + Days::days(30))
        .and_hms_opt(1, 30, 0)
        .unwrap_or_default()
        .and_utc();
    t.publish_lot(
        lot.id,
        &PublishInput {
            title: "基准测试招标公告".into(),
            body: "基准测试".into(),
            docs: ("招标文件.pdf".into(), "0".repeat(64)),
            docs_issued_on: today,
            bid_deadline: deadline,
            opening_at: deadline,
            officials: officials.clone(),
            threshold: 2,
        },
        &WorkCalendar::official()?,
        by,
        now_ms(),
    )
    .await?;
    let companies = seed_companies(&store, lot.id, o.bids).await?;
    let blobs = BlobStore::new(scratch_blobs());

    // (1) Bids.
    let done = Arc::new(AtomicU64::new(0));
    let total = companies.len() as u64;
    let per = companies.len().div_ceil(o.clients.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in companies.chunks(per.max(1)) {
        let (store, blobs, chunk, done) =
            (store.clone(), blobs.clone(), chunk.to_vec(), done.clone());
        let (lot, size) = (lot.id, o.bid_bytes);
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(chunk.len());
            for (n, company) in chunk.into_iter().enumerate() {
                let mut file = vec![0u8; size];
                file.iter_mut().enumerate().for_each(|(i, b)| {
                    *b = (i as u64 * 31 + company.get() as u64 + n as u64) as u8
                });
                let t0 = Instant::now();
                store
                    .trading()
                    .submit_bid(
                        lot,
                        company,
                        100_000 + company.get(),
                        vec![("投标文件.pdf".into(), file)],
                        &blobs,
                        now_ms(),
                    )
                    .await?;
                times.push(t0.elapsed());
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if d % 200 == 0 || d == total {
                    progress("密封投标", d, total);
                }
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await??);
    }
    let elapsed = started.elapsed();
    println!(
        "bids accepted and sealed: {} in {:.1} s = {:.0} bids/s ({:.0} MB/s)",
        times.len(),
        elapsed.as_secs_f64(),
        times.len() as f64 / elapsed.as_secs_f64(),
        (times.len() * o.bid_bytes) as f64 / 1e6 / elapsed.as_secs_f64()
    );
    report("  one bid (sealed, stored, logged)", times);

    // (2) The opening.
    let mut shares = Vec::new();
    for s in &officials[..2] {
        shares.push(t.take_share(lot.id, *s, PASS).await?);
    }
    let key = AuditKey::from_seed([5; 32]);
    let t0 = Instant::now();
    let record = t
        .open_lot(lot.id, &shares, &key, by, deadline.timestamp_millis())
        .await?;
    let opening = t0.elapsed();
    anyhow::ensure!(
        record.bids.len() == o.bids,
        "opened {} of {} bids",
        record.bids.len(),
        o.bids
    );
    println!(
        "opening (key rebuilt, {} bids opened and read, record signed and published): {:.2} s",
        record.bids.len(),
        opening.as_secs_f64()
    );

    // (3) The draw.
    seed_experts(&store, o.experts).await?;
    let mut commits = Vec::new();
    let mut last = None;
    for _ in 0..o.draws {
        let t0 = Instant::now();
        let d = t
            .commit_draw(
                lot.id,
                "建筑工程",
                5,
                180,
                false,
                by,
                deadline.timestamp_millis(),
            )
            .await?;
        commits.push(t0.elapsed());
        anyhow::ensure!(
            d.record.pool.len() == o.experts,
            "pool of {}",
            d.record.pool.len()
        );
        last = Some(d);
    }
    report(&format!("  draw commit ({} experts)", o.experts), commits);
    if let Some(d) = last {
        for s in &officials[..2] {
            t.add_seed(d.id, *s, "20261205", deadline.timestamp_millis())
                .await?;
        }
        let t0 = Instant::now();
        let drawn = t.run_draw(d.id).await?;
        let run = t0.elapsed();
        onewindow_domain::trading::draw::verify(&drawn.record)
            .map_err(|m| anyhow::anyhow!("{m}"))?;
        let t0 = Instant::now();
        onewindow_domain::trading::draw::verify(&drawn.record)
            .map_err(|m| anyhow::anyhow!("{m}"))?;
        println!(
            "draw (seeds, picks, logged): {:.1} ms; re-derived by verify-draw in {:.1} ms",
            run.as_secs_f64() * 1e3,
            t0.elapsed().as_secs_f64() * 1e3
        );
    }
    if o.releases > 0 {
        super::trading_live::ocds(&store, o.releases).await?;
    }
    if o.viewers > 0 && o.auction_bids > 0 {
        super::trading_live::auction_viewers(&store, by, o.viewers, o.auction_bids).await?;
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(scratch_blobs());
    scratch.remove().await?;
    Ok(())
}

fn scratch_blobs() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("onewindow_trading_blobs_{}", std::process::id()))
}

/// `n` companies registered for the lot, written directly (the accounts' password hashing is
/// not what is measured).
async fn seed_companies(store: &Store, lot: i64, n: usize) -> anyhow::Result<Vec<AccountId>> {
    let at = now_ms();
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let mut accounts = String::from(
            "INSERT INTO accounts (kind, login, display_name, password_hash, mobile, credit_code, created_at, updated_at) VALUES ",
        );
        for (k, i) in chunk.iter().enumerate() {
            let code = company_code(10_000 + *i as u32);
            if k > 0 {
                accounts.push(',');
            }
            accounts.push_str(&format!(
                "('company', '{code}', '投标单位{i}', 'x', '13900000000', '{code}', {at}, {at})"
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(accounts))
            .execute(store.pool())
            .await?;
    }
    sqlx::query(
        "INSERT INTO trading_registrations (lot_id, account_id, credit_code, company, registered_at)
         SELECT $1, id, credit_code, display_name, $2 FROM accounts WHERE kind = 'company' AND login LIKE '9137%'",
    )
    .bind(lot)
    .bind(at)
    .execute(store.pool())
    .await?;
    let ids: Vec<(AccountId,)> = sqlx::query_as(
        "SELECT account_id FROM trading_registrations WHERE lot_id = $1 ORDER BY account_id",
    )
    .bind(lot)
    .fetch_all(store.pool())
    .await?;
    Ok(ids.into_iter().map(|r| r.0).collect())
}

async fn seed_experts(store: &Store, n: usize) -> anyhow::Result<()> {
    let at = now_ms();
    for (c, chunk) in (0..n).collect::<Vec<_>>().chunks(50).enumerate() {
        let mut sql = String::from(
            "INSERT INTO trading_experts (name, specialty, region, employer, employer_credit_code, mobile,
                 available, credit_bad, created_at) VALUES ",
        );
        for (k, i) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('专家{i}', '建筑工程', '临沂市', '单位{i}', '{}', '13700000000', 1, 0, {at})",
                company_code(900_000 + *i as u32)
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.pool())
            .await?;
        if c % 100 == 0 {
            progress("专家库", (c * 50) as u64, n as u64);
        }
    }
    progress("专家库", n as u64, n as u64);
    Ok(())
}
