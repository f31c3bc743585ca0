//! `onewindow bench http`: starts `onewindow demo` as its own process on a fresh data folder,
//! loads each page with a fixed number of keep-alive connections for a bounded time, and prints
//! throughput, p50 and p99 per page next to `/healthz` measured in the same run, with the
//! server's resident memory after each page.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct Options {
    pub connections: usize,
    pub seconds: u64,
    /// Paths to load; empty: the public pages the issue names.
    pub paths: Vec<String>,
}

const PAGES: &[&str] = &[
    "/healthz",
    "/",
    "/items",
    "/items/1",
    "/api/v1/items/search?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",
    "/items?q=%E6%88%91%E6%83%B3%E5%BC%80%E4%B8%80%E5%AE%B6%E5%A5%B6%E8%8C%B6%E5%BA%97",
];

pub async fn http(options: Options) -> anyhow::Result<()> {
    let data = std::env::temp_dir().join(format!("onewindow-bench-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting onewindow demo")?;
    let pid = server.id().context("the server's process id")?;
    let mut lines = BufReader::new(server.stdout.take().context("the server's output")?).lines();
    let address = loop {
        let Some(line) = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .context("waiting for the server")??
        else {
            bail!("the demo server stopped before it said where it listens");
        };
        if let Some(url) = line.split("已启动：http://").nth(1) {
            break url.trim_end_matches('/').to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    println!(
        "onewindow demo (pid {pid}) at http://{address}/；每页 {} 个连接、{} 秒；启动后常驻内存 {} MB",
        options.connections,
        options.seconds,
        rss_mb(pid)
    );
    let paths: Vec<String> = if options.paths.is_empty() {
        PAGES.iter().map(|p| (*p).to_owned()).collect()
    } else {
        options.paths.clone()
    };
    let mut healthz = None;
    for path in &paths {
        let (count, errors, mut latencies) =
            load(&address, path, options.connections, options.seconds).await?;
        latencies.sort();
        let rate = count as f64 / options.seconds as f64;
        if path == "/healthz" {
            healthz = Some(rate);
        }
        let share = healthz
            .filter(|_| path != "/healthz")
            .map(|h| format!("  = {:.0}% of /healthz", 100.0 * rate / h))
            .unwrap_or_default();
        let ms = |q: f64| super::percentile(&latencies, q).as_secs_f64() * 1000.0;
        println!(
            "{path:<40} {rate:>9.0} req/s  p50={:>7.2} ms  p99={:>7.2} ms  errors={errors}  rss={} MB{share}",
            ms(0.50),
            ms(0.99),
            rss_mb(pid)
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// `connections` keep-alive connections each sending GET `path` for `seconds`: the responses
/// counted, the failures and non-2xx answers, and every latency.
async fn load(
    address: &str,
    path: &str,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<(usize, usize, Vec<Duration>)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (address, path) = (address.to_owned(), path.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let stream = tokio::net::TcpStream::connect(&address).await?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
            tokio::spawn(connection);
            while Instant::now() < until {
                let request = hyper::Request::get(path.as_str())
                    .header(hyper::header::HOST, address.as_str())
                    .body(Empty::<Bytes>::new())?;
                let started = Instant::now();
                match sender.send_request(request).await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let body = response.into_body().collect().await;
                        if !ok || body.is_err() {
                            errors += 1;
                        }
                        latencies.push(started.elapsed());
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            anyhow::Ok((latencies, errors))
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (latencies, failed) = task.await??;
        all.extend(latencies);
        errors += failed;
    }
    Ok((all.len(), errors, all))
}

/// The process's resident memory in MB (Linux), or 0 where it cannot be read.
fn rss_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
