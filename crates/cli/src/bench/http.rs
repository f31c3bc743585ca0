//! `onewindow bench http`: starts `onewindow demo` as its own process on a fresh data folder,
//! loads each page with a fixed number of keep-alive connections for a bounded time, and prints
//! throughput, p50 and p99 per page next to `/healthz` measured in the same run, with the
//! server's resident memory after each page; then the clerk's inbox, signed in as the demo's
//! window clerk, with its own number of connections.

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
    /// Connections for the signed-in pages (the clerk's inbox); 0 skips them.
    pub staff_connections: usize,
    /// Pages to load signed in; empty: the clerk's inbox.
    pub staff_paths: Vec<String>,
}

/// Pages loaded signed in as the demo's window clerk.
const STAFF_PAGES: &[&str] = &["/work"];
const CLERK: (&str, &str) = ("chuangkou", "demo2026");

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
        let (count, errors, latencies) =
            load(&address, path, None, options.connections, options.seconds).await?;
        let rate = count as f64 / options.seconds as f64;
        if path == "/healthz" {
            healthz = Some(rate);
        }
        let share = healthz
            .filter(|_| path != "/healthz")
            .map(|h| format!("  = {:.0}% of /healthz", 100.0 * rate / h))
            .unwrap_or_default();
        report(path, rate, errors, latencies, pid, &share);
    }
    if options.staff_connections > 0 {
        let cookie = sign_in(&address, CLERK).await?;
        println!(
            "以 {} 登录，每页 {} 个连接：",
            CLERK.0, options.staff_connections
        );
        let staff_paths: Vec<String> = if options.staff_paths.is_empty() {
            STAFF_PAGES.iter().map(|p| (*p).to_owned()).collect()
        } else {
            options.staff_paths.clone()
        };
        for path in &staff_paths {
            let (count, errors, latencies) = load(
                &address,
                path,
                Some(&cookie),
                options.staff_connections,
                options.seconds,
            )
            .await?;
            let rate = count as f64 / options.seconds as f64;
            report(path, rate, errors, latencies, pid, "");
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

fn report(
    path: &str,
    rate: f64,
    errors: usize,
    mut latencies: Vec<Duration>,
    pid: u32,
    share: &str,
) {
    latencies.sort();
    let ms = |q: f64| super::percentile(&latencies, q).as_secs_f64() * 1000.0;
    println!(
        "{path:<40} {rate:>9.0} req/s  p50={:>7.2} ms  p99={:>7.2} ms  errors={errors}  rss={} MB{share}",
        ms(0.50),
        ms(0.99),
        rss_mb(pid)
    );
}

/// Signs in through the login form and returns the session cookie (`name=value`). The form's
/// CSRF token is one this client makes up and sends as the cookie too, as a browser's first
/// visit would have been given.
async fn sign_in(address: &str, (login, password): (&str, &str)) -> anyhow::Result<String> {
    let csrf = onewindow_store::random_hex(24);
    let body = format!("login={login}&password={password}&next=%2Fwork&_csrf={csrf}");
    let stream = tokio::net::TcpStream::connect(address).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::post("/login")
        .header(hyper::header::HOST, address)
        .header(hyper::header::COOKIE, format!("ow_csrf={csrf}"))
        .header(
            hyper::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(http_body_util::Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    response
        .headers()
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("ow_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .with_context(|| format!("signing in as {login}: {}", response.status()))
}

/// `connections` keep-alive connections each sending GET `path` (with `cookie`, when given) for
/// `seconds`: the responses counted, the failures and non-2xx answers, and every latency.
async fn load(
    address: &str,
    path: &str,
    cookie: Option<&str>,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<(usize, usize, Vec<Duration>)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (address, path) = (address.to_owned(), path.to_owned());
        let cookie = cookie.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let stream = tokio::net::TcpStream::connect(&address).await?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
            tokio::spawn(connection);
            while Instant::now() < until {
                let mut request = hyper::Request::get(path.as_str())
                    .header(hyper::header::HOST, address.as_str());
                if let Some(cookie) = &cookie {
                    request = request.header(hyper::header::COOKIE, cookie.as_str());
                }
                let request = request.body(Empty::<Bytes>::new())?;
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
