//! `onewindow bench`: in-process benchmarks for the performance targets in the issues.
//! Figures are printed, never asserted: they are measurements, not tests.

pub mod cases;
pub mod hall;
pub mod http;
pub mod joint;
pub mod reviews;
pub mod supervision;
pub mod trading;
pub mod trading_live;

use onewindow_domain::ids::{CentreId, DepartmentId, ItemId};
use std::time::{Duration, Instant};

use anyhow::Context;
use onewindow_domain::catalog::ItemDoc;
use onewindow_store::Flag;
use onewindow_store::catalog::ItemVersion;
use onewindow_store::org::{Department, Window};
use onewindow_store::search::{CatalogIndex, SearchFilter};
use onewindow_web::auth::RequestCtx;

/// What people type into the search box, and a few filters.
const QUERIES: &[&str] = &[
    // As citizens ask: phrasings, traditional characters, pinyin, initials, a wrong character.
    "我想开一家奶茶店",
    "身份证过期了怎么办",
    "醫保報銷",
    "jiehun",
    "gongjijin",
    "sbk",
    "居民身份正换领",
    "药品零售许可证",
    "营业执照",
    "个体户",
    "身份证",
    "结婚登记",
    "公积金提取",
    "施工许可",
    "食品经营许可",
    "社保卡",
    "护照",
    "驾照",
    "二手房过户",
    "低保",
    "环评",
    "消防",
    "医师执业",
    "出生登记",
    "户口迁移",
    "退休",
    "失业保险金",
    "税务登记",
    "房产证",
    "发票",
    "开公司",
    "道路运输",
    "教师资格",
    "旅行社",
    "农药",
    "排污许可",
    "不动产登记",
    "异地就医",
];

const DISTRICTS: &[&str] = &[
    "",
    "（兰山区）",
    "（罗庄区）",
    "（河东区）",
    "（沂南县）",
    "（郯城县）",
    "（沂水县）",
    "（兰陵县）",
    "（费县）",
    "（平邑县）",
    "（莒南县）",
    "（蒙阴县）",
    "（临沭县）",
    "（经开区）",
    "（高新区）",
    "（临港区）",
];

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Where a benchmark's scratch database lives, for benchmarks that default to SQLite FULL.
#[derive(Debug, clap::Args)]
pub struct Database {
    /// `sqlite` (a fresh temporary file) or a postgres:// URL (a fresh database beside it).
    #[arg(long, default_value = "sqlite")]
    pub database: String,
    /// SQLite: `normal` or `full` (fsync on every commit).
    #[arg(long, default_value = "full")]
    pub synchronous: String,
}

/// A fresh database for one benchmark: an SQLite file in a temporary folder (with `params` on
/// its URL), or a new PostgreSQL database beside the server a postgres:// URL names.
pub(crate) struct ScratchDb {
    pub url: String,
    /// The SQLite file, when it is one.
    pub sqlite_path: Option<std::path::PathBuf>,
    dir: std::path::PathBuf,
    /// The server connection and the database's name, to drop it afterwards.
    postgres: Option<(onewindow_store::Store, String)>,
}

impl ScratchDb {
    pub async fn create(database: &str, name: &str, params: &str) -> anyhow::Result<ScratchDb> {
        let unique = format!("onewindow_{name}_{}", std::process::id());
        let dir = std::env::temp_dir().join(&unique);
        if database == "sqlite" {
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("bench.db");
            return Ok(ScratchDb {
                url: format!("sqlite://{}{params}", path.display()),
                sqlite_path: Some(path),
                dir,
                postgres: None,
            });
        }
        let admin = onewindow_store::Store::connect(database).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {unique}")))
            .execute(admin.pool())
            .await
            .context("creating the benchmark database")?;
        let (base, _) = database
            .rsplit_once('/')
            .context("a postgres URL ends with /database")?;
        Ok(ScratchDb {
            url: format!("{base}/{unique}"),
            sqlite_path: None,
            dir,
            postgres: Some((admin, unique)),
        })
    }

    /// A fresh database with SQLite's `synchronous` setting and a store on it that writes as a
    /// server does (every event authenticated with an event key), with the run's database as
    /// the header line names it (`SQLite synchronous=FULL`).
    pub async fn with_store(
        database: &str,
        name: &str,
        synchronous: &str,
    ) -> anyhow::Result<(ScratchDb, onewindow_store::Store, String)> {
        let scratch =
            ScratchDb::create(database, name, &format!("?synchronous={synchronous}")).await?;
        let mut store = onewindow_store::Store::open(&scratch.url).await?;
        store
            .set_event_key(onewindow_store::case::checkpoints::EventKey::from_bytes(
                [9; 32],
            ))
            .await?;
        let backend = store.backend();
        let label = if backend == onewindow_store::Backend::Sqlite {
            format!(
                "{} synchronous={}",
                backend.name(),
                synchronous.to_uppercase()
            )
        } else {
            backend.name().to_owned()
        };
        Ok((scratch, store, label))
    }

    /// Removes the database (close its stores first).
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Some((admin, db)) = self.postgres {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {db}")))
                .execute(admin.pool())
                .await?;
            admin.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

pub(crate) fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<34} n={:<6} p50={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap_or(&Duration::ZERO)),
    );
}

fn departments() -> Vec<Department> {
    crate::demo::department_inputs(CentreId(1))
        .into_iter()
        .enumerate()
        .map(|(i, d)| Department {
            id: DepartmentId(i as i64 + 1),
            centre_id: d.centre_id,
            name: d.name,
            short_name: d.short_name,
            credit_code: d.credit_code,
            phone: d.phone,
            active: Flag(true),
        })
        .collect()
}

/// `n` realistic items: the demo catalogue, repeated for every district of the city.
pub fn generate_items(n: usize) -> anyhow::Result<Vec<ItemDoc>> {
    let base =
        crate::demo::catalog::items(&departments(), &Vec::<Window>::new(), "工作日 9:00-17:00")?;
    let mut out = Vec::with_capacity(n);
    'outer: for round in 0.. {
        for doc in &base {
            if out.len() == n {
                break 'outer;
            }
            let mut d = doc.clone();
            d.name = format!("{}{}", d.name, DISTRICTS[round % DISTRICTS.len()]);
            d.implementation_code = format!("{}{:05}", d.basic_code, round);
            out.push(d);
        }
    }
    Ok(out)
}

pub fn catalog(items: usize, runs: usize) -> anyhow::Result<()> {
    println!("生成 {items} 个事项……");
    let docs = generate_items(items)?;
    let index = CatalogIndex::open(None)?;
    let started = Instant::now();
    let entries: Vec<(ItemId, &ItemDoc)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (ItemId(i as i64 + 1), d))
        .collect();
    index.rebuild(&entries)?;
    println!(
        "建立索引：{} 个事项，用时 {:.2} s",
        index.num_docs(),
        started.elapsed().as_secs_f64()
    );
    index.set_synonyms(crate::demo::catalog::search_terms().into_iter().collect());

    // Warm up the tokenizer's dictionary and the caches.
    for q in QUERIES {
        index.search(q, &SearchFilter::default(), 20)?;
    }
    let mut plain = Vec::with_capacity(runs);
    let mut filtered = Vec::with_capacity(runs);
    let mut hits = 0usize;
    for i in 0..runs {
        let q = QUERIES[i % QUERIES.len()];
        let t = Instant::now();
        hits += index.search(q, &SearchFilter::default(), 20)?.hits.len();
        plain.push(t.elapsed());
        let filter = SearchFilter {
            department_id: Some(DepartmentId((i % 18) as i64 + 1)),
            min_depth: Some(2),
            ..Default::default()
        };
        let t = Instant::now();
        index.search(q, &filter, 20)?;
        filtered.push(t.elapsed());
    }
    println!(
        "平均每次命中 {:.1} 条（每页 20 条）",
        hits as f64 / runs as f64
    );
    report("search (top 20, highlighted)", plain);
    report("search + department + depth filter", filtered);

    let depts: Vec<(DepartmentId, String)> =
        departments().into_iter().map(|d| (d.id, d.name)).collect();
    let ctx = RequestCtx {
        session: None,
        csrf: "0".repeat(48),
        remote: None,
        secure: false,
        notice: String::new(),
    };
    let mut renders = Vec::with_capacity(runs);
    let mut bytes = 0usize;
    for i in 0..runs {
        let doc = &docs[(i * 7919) % docs.len()];
        let version = ItemVersion {
            id: i as i64,
            item_id: ItemId(i as i64),
            version: 1,
            status: onewindow_domain::catalog::VersionStatus::Published,
            effective_date: Some("2026-11-22".into()),
            created_at: 0,
            published_at: Some(0),
            doc: doc.clone(),
        };
        let t = Instant::now();
        let html = onewindow_web::pages::render_guide(
            &version,
            Some(1),
            onewindow_domain::catalog::ItemStatus::Active,
            &depts,
            &Default::default(),
            &ctx,
            false,
        )
        .context("render")?;
        renders.push(t.elapsed());
        bytes += html.len();
    }
    println!(
        "办事指南页面平均 {:.1} KB",
        bytes as f64 / runs as f64 / 1024.0
    );
    report("guide page render", renders);
    Ok(())
}
