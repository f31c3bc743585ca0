//! `onewindow bench trading`'s last two targets. (4) The OCDS export: lots that went from
//! announcement (with a clarification) through opening to award and contract are written straight
//! into the trading tables (the trading commands are measured above), then every release is
//! exported, streamed a page of lots at a time; the time, the size and the process's peak memory
//! before and after are reported. (5) A listing auction watched by many browsers: the platform
//! serves on a local port, each viewer holds the lot's live feed (SSE) open, and bids are taken
//! one after another; each bid's latency is from just before the store takes it to each viewer
//! having read and parsed the event that carries it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::AccountId;
use onewindow_store::testing::company_code;
use onewindow_store::trading::ocds::{Package, Publication};
use onewindow_store::trading::{ListingInput, LotInput, ProjectInput};
use onewindow_store::{Store, now_ms};

use crate::bench::report;
use crate::hotline::progress;

/// Releases each seeded lot gives: planning, tender, amendment, opening, award, contract.
const RELEASES_PER_LOT: usize = 6;

/// The process's peak resident memory so far (VmHWM), in MB, where the system tells it.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub async fn ocds(store: &Store, releases: usize) -> anyhow::Result<()> {
    let lots = releases.div_ceil(RELEASES_PER_LOT);
    seed_finished_lots(store, lots).await?;
    let path = std::env::temp_dir().join(format!("onewindow-ocds-{}.json", std::process::id()));
    let p = Publication {
        prefix: "ocds-onewin".into(),
        base_url: "http://127.0.0.1:8080".into(),
    };
    let before = peak_mb();
    let t0 = Instant::now();
    let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let n = store
        .trading()
        .write_ocds(
            &p,
            Package::Releases,
            "http://127.0.0.1:8080/ocds",
            now_ms(),
            file,
        )
        .await?;
    let took = t0.elapsed();
    let size = std::fs::metadata(&path)?.len();
    let _ = std::fs::remove_file(&path);
    println!(
        "OCDS export: {n} releases of {lots} lots in {:.2} s ({:.0} releases/s, {:.0} MB); peak memory {} MB before, {} MB after",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        size as f64 / 1e6,
        before.map_or("?".into(), |m| format!("{m:.0}")),
        peak_mb().map_or("?".into(), |m| format!("{m:.0}")),
    );
    Ok(())
}

/// `n` lots from announcement to contract, written directly in batches.
async fn seed_finished_lots(store: &Store, n: usize) -> anyhow::Result<()> {
    let pool = store.pool();
    let at = now_ms() - 60 * 86_400_000;
    let day = 86_400_000;
    for (b, chunk) in (0..n).collect::<Vec<_>>().chunks(500).enumerate() {
        let mut sql = String::from(
            "INSERT INTO trading_projects (code, name, sector, method, owner_name, owner_credit_code,
                 budget_fen, funding_source, created_by, created_at) VALUES ",
        );
        for (k, i) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('OCDS-{i}', '基准项目{i}', 'construction', 'open_tender', '招标人{i}', '{}', 100000000, '财政资金', 1, {at})",
                company_code(500_000 + (*i % 1000) as u32)
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        let first = format!("OCDS-{}", chunk[0]);
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM trading_projects WHERE code LIKE 'OCDS-%' AND id >= (SELECT id FROM trading_projects WHERE code = $1) ORDER BY id",
        )
        .bind(&first)
        .fetch_all(pool)
        .await?;
        let mut sql = String::from(
            "INSERT INTO trading_lots (project_id, seq, name, budget_fen, status, threshold, docs_name, docs_sha256,
                 docs_issued_on, bid_deadline, opening_at, public_key, published_at, opened_at, created_at) VALUES ",
        );
        for (k, (pid,)) in ids.iter().enumerate() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({pid}, 1, '施工标段', 100000000, 'contracted', 2, '招标文件.pdf', '{}', '2026-10-01', {d}, {d}, 'ab', {at}, {d}, {at})",
                "0".repeat(64),
                d = at + 25 * day
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        let lots: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, project_id FROM trading_lots WHERE project_id >= $1 ORDER BY id",
        )
        .bind(ids[0].0)
        .fetch_all(pool)
        .await?;
        let rows = |f: &dyn Fn(i64, i64) -> String| {
            lots.iter()
                .map(|(l, p)| f(*l, *p))
                .collect::<Vec<_>>()
                .join(",")
        };
        for sql in [
            format!(
                "INSERT INTO trading_announcements (project_id, lot_id, kind, title, body, moved_to, published_by, published_at) VALUES {},{}",
                rows(&|l, p| format!(
                    "({p}, {l}, 'tender', '招标公告', '资格要求：施工总承包三级。', NULL, 1, {at})"
                )),
                rows(&|l, p| format!(
                    "({p}, {l}, 'clarification', '澄清公告', '工程量清单第 3 项更正。', {}, 1, {})",
                    at + 30 * day,
                    at + 15 * day
                )),
            ),
            format!(
                "INSERT INTO trading_log (lot_id, seq, kind, body, prev_hash, hash, at) VALUES {}",
                rows(&|l, _| format!(
                    "({l}, 1, 'published', '{{\"bid_deadline\":{}}}', '', 'h', {at})",
                    at + 25 * day
                )),
            ),
            format!(
                "INSERT INTO trading_bids (lot_id, account_id, credit_code, company, status, header, files, sealed_hash, log_seq, submitted_at, price_fen) VALUES {}",
                rows(&|l, _| (0..3)
                    .map(|k| format!(
                        "({l}, 0, '{}', '投标人{k}', 'opened', '', '[]', 'h', {}, {}, {})",
                        company_code(600_000 + k),
                        2 + k,
                        at + 20 * day,
                        95_000_000 + i64::from(k) * 1_000_000
                    ))
                    .collect::<Vec<_>>()
                    .join(",")),
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
        let bids: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT lot_id, MIN(id) FROM trading_bids WHERE lot_id >= $1 AND status = 'opened' GROUP BY lot_id ORDER BY lot_id",
        )
        .bind(lots[0].0)
        .fetch_all(pool)
        .await?;
        let awards = bids
            .iter()
            .map(|(l, bid)| {
                format!(
                    "({l}, {bid}, 0, '投标人0', '{}', 95000000, {})",
                    company_code(600_000),
                    at + 40 * day
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO trading_awards (lot_id, bid_id, account_id, company, credit_code, amount_fen, awarded_at) VALUES {awards}"
        )))
        .execute(pool)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO trading_contracts (lot_id, amount_fen, signed_on, starts_on, ends_on, recorded_at) VALUES {}",
            rows(&|l, _| format!("({l}, 95000000, '2026-11-20', '2026-12-01', '2027-06-30', {})", at + 50 * day))
        )))
        .execute(pool)
        .await?;
        progress("OCDS 标段", ((b + 1) * 500).min(n) as u64, n as u64);
    }
    Ok(())
}

/// (5) `viewers` browsers watching a listing auction as `bids` bids are taken.
pub async fn auction_viewers(
    store: &Store,
    by: AccountId,
    viewers: usize,
    bids: usize,
) -> anyhow::Result<()> {
    let t = store.trading();
    let project = t
        .create_project(
            &ProjectInput {
                code: "BENCH-LAND".into(),
                name: "基准测试地块".into(),
                sector: "land_mineral".into(),
                method: "auction".into(),
                owner_name: "临沂市自然资源和规划局".into(),
                owner_credit_code: company_code(2),
                budget: "10000000".into(),
                funding_source: "土地出让".into(),
                lots: vec![LotInput {
                    name: "挂牌出让".into(),
                    budget: "10000000".into(),
                }],
                ..Default::default()
            },
            by,
        )
        .await?;
    let lot = t.lots(project.id).await?.remove(0).id;
    let day = 86_400_000;
    let now = now_ms();
    let ms = |v: i64| chrono::DateTime::from_timestamp_millis(v).unwrap_or_default();
    t.publish_listing(
        lot,
        &ListingInput {
            title: "基准测试挂牌公告".into(),
            body: "基准测试".into(),
            docs: ("出让文件.pdf".into(), "0".repeat(64)),
            starting_price: "10000000".into(),
            increment: "1000".into(),
            reserve_price: None,
            listing_starts_at: ms(now - 5 * day),
            listing_ends_at: ms(now + 6 * day),
            round_secs: 300,
        },
        &WorkCalendar::official()?,
        by,
        now - 30 * day,
    )
    .await?;
    let companies: Vec<(AccountId,)> = sqlx::query_as(
        "SELECT id FROM accounts WHERE kind = 'company' ORDER BY id LIMIT CAST($1 AS BIGINT)",
    )
    .bind(2_i64)
    .fetch_all(store.pool())
    .await?;
    anyhow::ensure!(companies.len() == 2, "two companies to bid");
    for (c,) in &companies {
        t.register(lot, *c, now - 4 * day).await?;
    }

    let state = onewindow_web::AppState::from(onewindow_web::Services {
        store: store.clone(),
        blobs: onewindow_store::blobs::BlobStore::new(
            std::env::temp_dir().join(format!("onewindow-bench-auction-{}", std::process::id())),
        ),
        audit_key: Arc::new(onewindow_store::case::checkpoints::AuditKey::from_seed(
            [3; 32],
        )),
        secure_cookies: false,
        trusted_proxies: Default::default(),
        clock: Default::default(),
        ocds: Publication {
            prefix: "ocds-onewin".into(),
            base_url: String::new(),
        },
        auctions: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let serving = state.clone();
    let server = tokio::spawn(async move {
        let _ = onewindow_web::serve(listener, serving, vec![], vec![]).await;
    });

    // Each bid's send time, by its sequence number; each viewer's latencies.
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; bids + 1]));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(viewers);
    let mut tasks = Vec::new();
    for _ in 0..viewers {
        let (address, sent, ready) = (address.clone(), sent.clone(), ready_tx.clone());
        tasks.push(tokio::spawn(async move {
            watch(&address, lot, bids, sent, ready).await
        }));
    }
    drop(ready_tx);
    for _ in 0..viewers {
        ready_rx
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("a viewer failed to connect"))?;
    }
    progress("竞价观看者已连接", viewers as u64, viewers as u64);
    for seq in 1..=bids {
        let (company,) = companies[seq % 2];
        let amount = onewindow_domain::trading::fen_to_yuan(1_000_000_000 + seq as i64 * 100_000);
        sent.lock().unwrap_or_else(|p| p.into_inner())[seq] = Some(Instant::now());
        let (_, view) = t.offer(lot, company, &amount, now_ms()).await?;
        state.auctions.publish(&view);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    server.abort();
    anyhow::ensure!(
        latencies.len() == viewers * bids,
        "viewers received {} of {} bids",
        latencies.len(),
        viewers * bids
    );
    report(
        &format!("  bid to every viewer ({viewers} viewers × {bids} bids, SSE)"),
        latencies,
    );
    Ok(())
}

/// One viewer: opens the live feed, says it is ready after the first event, then reads events
/// until it has seen the last bid, timing each new bid from when it was sent.
async fn watch(
    address: &str,
    lot: i64,
    bids: usize,
    sent: Arc<Mutex<Vec<Option<Instant>>>>,
    ready: tokio::sync::mpsc::Sender<()>,
) -> anyhow::Result<Vec<Duration>> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get(format!("/trading/lots/{lot}/live"))
        .header(hyper::header::HOST, address)
        .header(hyper::header::ACCEPT, "text/event-stream")
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())?;
    let mut body = sender.send_request(request).await?.into_body();
    let (mut buffer, mut seen, mut out, mut first) = (String::new(), 0usize, Vec::new(), true);
    while seen < bids {
        let Some(frame) = body.frame().await else {
            anyhow::bail!("the live feed closed after {seen} bids");
        };
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        buffer.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let Some(json) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let view: serde_json::Value = serde_json::from_str(json)?;
            let arrived = Instant::now();
            if first {
                first = false;
                let _ = ready.send(()).await;
            }
            for o in view["offers"].as_array().into_iter().flatten() {
                let seq = o["seq"].as_u64().unwrap_or(0) as usize;
                if seq > seen {
                    let at = sent.lock().unwrap_or_else(|p| p.into_inner())[seq];
                    if let Some(at) = at {
                        out.push(arrived - at);
                    }
                    seen = seq;
                }
            }
        }
    }
    Ok(out)
}
