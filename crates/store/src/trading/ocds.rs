//! The OCDS facts of published lots, a page at a time (each lot is one contracting process), and
//! the releases each stage of a lot produces: planning (the project and its budget), tender (the
//! announcement and its period), an amendment per clarification, the opening or the listing's
//! end (the tenderers; a failed tender is `unsuccessful`), the award and the contract. Each
//! release carries the process as it stood then, so compiling them gives the latest state.

use std::collections::HashMap;

use onewindow_domain::trading::ocds::{self, add_party, date_of, date_time, money, reference};
use onewindow_domain::trading::{AnnouncementKind, LotStatus, Method, Sector};
use serde_json::{Value, json};

use super::{Announcement, LOT_COLS, Lot, PROJECT_COLS, Project};
use crate::{StoreResult, TradingStore};

/// The most lots in one page.
pub const MAX_PAGE: i64 = 1_000;

/// Everything a lot's releases are made of.
#[derive(Debug, Clone)]
pub struct OcdsLot {
    pub project: Project,
    pub lot: Lot,
    /// The bid deadline (or listing end) as first published, before any clarification moved it.
    pub first_deadline: Option<i64>,
    pub announcements: Vec<Announcement>,
    /// The bidders read at the opening, or who bid in the listing (credit code, name).
    pub tenderers: Vec<(String, String)>,
    pub award: Option<OcdsAward>,
    pub contract: Option<OcdsContract>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OcdsAward {
    pub lot_id: i64,
    pub company: String,
    pub credit_code: String,
    pub amount_fen: i64,
    pub awarded_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OcdsContract {
    pub lot_id: i64,
    pub amount_fen: i64,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
    pub recorded_at: i64,
}

impl TradingStore<'_> {
    /// Published lots after lot `after` (by id), at most `limit`, with the facts of their
    /// releases: six queries a page, whatever its size.
    pub async fn ocds_page(self, after: i64, limit: i64) -> StoreResult<Vec<OcdsLot>> {
        let pool = &self.store.pool;
        let lots: Vec<Lot> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {LOT_COLS} FROM trading_lots WHERE id > $1 AND published_at IS NOT NULL
             ORDER BY id LIMIT CAST($2 AS BIGINT)"
        )))
        .bind(after)
        .bind(limit.clamp(1, MAX_PAGE))
        .fetch_all(pool)
        .await?;
        let (Some(first), Some(last)) = (lots.first(), lots.last()) else {
            return Ok(vec![]);
        };
        let (lo, hi) = (first.id - 1, last.id);
        let projects: HashMap<i64, Project> =
            sqlx::query_as::<_, Project>(sqlx::AssertSqlSafe(format!(
                "SELECT {PROJECT_COLS} FROM trading_projects WHERE id IN
                 (SELECT project_id FROM trading_lots WHERE id > $1 AND id <= $2)"
            )))
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut announcements: HashMap<i64, Vec<Announcement>> = HashMap::new();
        for a in in_page::<Announcement>(
            pool,
            "SELECT id, project_id, lot_id, kind, title, body, moved_to, published_at
             FROM trading_announcements WHERE lot_id > $1 AND lot_id <= $2 ORDER BY id",
            (lo, hi),
        )
        .await?
        {
            announcements
                .entry(a.lot_id.unwrap_or(0))
                .or_default()
                .push(a);
        }
        let mut first_deadline: HashMap<i64, i64> = HashMap::new();
        for (lot, body) in in_page::<(i64, String)>(
            pool,
            "SELECT lot_id, body FROM trading_log WHERE kind IN ('published', 'listing')
             AND lot_id > $1 AND lot_id <= $2",
            (lo, hi),
        )
        .await?
        {
            let v: Value = serde_json::from_str(&body).unwrap_or_default();
            if let Some(d) = v["bid_deadline"].as_i64().or(v["listing_ends_at"].as_i64()) {
                first_deadline.insert(lot, d);
            }
        }
        let mut tenderers: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (lot, code, name) in in_page::<(i64, String, String)>(
            pool,
            "SELECT lot_id, credit_code, company FROM trading_bids
             WHERE status IN ('opened', 'offered') AND lot_id > $1 AND lot_id <= $2 ORDER BY lot_id, id",
            (lo, hi),
        )
        .await?
        {
            let list = tenderers.entry(lot).or_default();
            if !list.iter().any(|(c, _)| *c == code) {
                list.push((code, name));
            }
        }
        let mut awards: HashMap<i64, OcdsAward> = in_page::<OcdsAward>(
            pool,
            "SELECT lot_id, company, credit_code, amount_fen, awarded_at FROM trading_awards
             WHERE lot_id > $1 AND lot_id <= $2",
            (lo, hi),
        )
        .await?
        .into_iter()
        .map(|a| (a.lot_id, a))
        .collect();
        let mut contracts: HashMap<i64, OcdsContract> = in_page::<OcdsContract>(
            pool,
            "SELECT lot_id, amount_fen, signed_on, starts_on, ends_on, recorded_at FROM trading_contracts
             WHERE lot_id > $1 AND lot_id <= $2",
            (lo, hi),
        )
        .await?
        .into_iter()
        .map(|c| (c.lot_id, c))
        .collect();
        Ok(lots
            .into_iter()
            .filter_map(|lot| {
                let project = projects.get(&lot.project_id)?.clone();
                Some(OcdsLot {
                    project,
                    first_deadline: first_deadline.get(&lot.id).copied(),
                    announcements: announcements.remove(&lot.id).unwrap_or_default(),
                    tenderers: tenderers.remove(&lot.id).unwrap_or_default(),
                    award: awards.remove(&lot.id),
                    contract: contracts.remove(&lot.id),
                    lot,
                })
            })
            .collect())
    }
}

/// Rows of one of a page's tables: those of the lots after `lo` up to `hi`.
async fn in_page<T>(
    pool: &sqlx::AnyPool,
    sql: &'static str,
    (lo, hi): (i64, i64),
) -> StoreResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as(sql)
        .bind(lo)
        .bind(hi)
        .fetch_all(pool)
        .await?)
}

/// Where the packages say they come from and what their processes are called.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The deployment's ocid prefix (`ocds-` and six letters or digits).
    pub prefix: String,
    /// The deployment's public address, without a trailing slash.
    pub base_url: String,
}

impl OcdsLot {
    pub fn ocid(&self, p: &Publication) -> String {
        ocds::ocid(&p.prefix, self.lot.id)
    }

    /// The lot's releases, oldest first.
    pub fn releases(&self, p: &Publication) -> Vec<Value> {
        let ocid = self.ocid(p);
        let (project, lot) = (&self.project, &self.lot);
        let mut parties = Vec::new();
        add_party(
            &mut parties,
            &project.owner_credit_code,
            &project.owner_name,
            "buyer",
        );
        let procuring = match (&project.agency_credit_code, &project.agency_name) {
            (Some(code), Some(name)) => (code.as_str(), name.as_str()),
            _ => (
                project.owner_credit_code.as_str(),
                project.owner_name.as_str(),
            ),
        };
        add_party(&mut parties, procuring.0, procuring.1, "procuringEntity");
        let page = format!("{}/trading/lots/{}", p.base_url, lot.id);
        let mut tender = json!({
            "id": format!("{ocid}-tender"),
            "title": format!("{} {}", project.name, lot.name),
            "status": "planning",
            "value": money(lot.budget_fen),
            "procurementMethod": project.method.ocds_method(),
            "procurementMethodDetails": project.method.label(),
            "procuringEntity": reference(procuring.0, procuring.1),
        });
        if let Some(c) = category(project.sector) {
            tender["mainProcurementCategory"] = json!(c);
        }
        let mut out = Vec::new();
        let release = |stage: &str, at: i64, tag: &str, tender: &Value, parties: &[Value]| {
            json!({
                "ocid": ocid,
                "id": format!("{ocid}-{stage}"),
                "date": date_time(at),
                "tag": [tag],
                "initiationType": "tender",
                "language": "zh",
                "buyer": reference(&project.owner_credit_code, &project.owner_name),
                "parties": parties,
                "planning": {
                    "budget": {
                        "id": project.code,
                        "description": project.funding_source,
                        "amount": money(lot.budget_fen),
                        "project": project.name,
                        "projectID": project.code,
                    },
                },
                "tender": tender,
            })
        };
        out.push(release(
            "planning",
            project.created_at,
            "planning",
            &tender,
            &parties,
        ));

        let Some(published) = lot.published_at else {
            return out;
        };
        let notice = self.announcements.iter().find(|a| {
            matches!(
                a.kind,
                AnnouncementKind::Tender | AnnouncementKind::SingleSource
            )
        });
        tender["status"] = json!("active");
        tender["submissionMethod"] = json!(["electronicSubmission"]);
        tender["tenderPeriod"] = json!({
            "startDate": lot.docs_issued_on.as_deref().and_then(|d| d.parse().ok())
                .map(date_of).unwrap_or_else(|| date_time(published)),
            "endDate": self.first_deadline.or(lot.bid_deadline).map(date_time),
        });
        let mut documents = Vec::new();
        if let Some(n) = notice {
            tender["description"] = json!(n.title);
            documents.push(document(n, "tenderNotice", &page));
        }
        if let (Some(name), Some(hash)) = (&lot.docs_name, &lot.docs_sha256) {
            documents.push(json!({
                "id": format!("docs-{}", &hash[..hash.len().min(16)]),
                "documentType": "biddingDocuments",
                "title": name,
                "description": format!("SHA-256 {hash}"),
                "url": page,
                "datePublished": date_time(published),
            }));
        }
        tender["documents"] = json!(documents);
        out.push(release("tender", published, "tender", &tender, &parties));

        let mut amendments = Vec::new();
        for a in self
            .announcements
            .iter()
            .filter(|a| a.kind == AnnouncementKind::Clarification)
        {
            amendments.push(json!({
                "id": a.id.to_string(),
                "date": date_time(a.published_at),
                "description": a.title,
                "rationale": a.body,
            }));
            tender["amendments"] = json!(amendments);
            if let Some(moved) = a.moved_to {
                tender["tenderPeriod"]["endDate"] = json!(date_time(moved));
            }
            if let Some(docs) = tender["documents"].as_array_mut() {
                docs.push(document(a, "clarifications", &page));
            }
            out.push(release(
                &format!("amendment-{}", a.id),
                a.published_at,
                "tenderAmendment",
                &tender,
                &parties,
            ));
        }

        let failed = self
            .announcements
            .iter()
            .find(|a| a.kind == AnnouncementKind::Failed);
        let closed_at = lot.opened_at.or(failed.map(|f| f.published_at));
        if let Some(at) = closed_at {
            for (code, name) in &self.tenderers {
                add_party(&mut parties, code, name, "tenderer");
            }
            tender["tenderers"] = json!(
                self.tenderers
                    .iter()
                    .map(|(c, n)| reference(c, n))
                    .collect::<Vec<_>>()
            );
            tender["numberOfTenderers"] = json!(self.tenderers.len());
            if lot.status == LotStatus::Failed {
                tender["status"] = json!("unsuccessful");
            }
            let stage = if project.method == Method::Auction {
                "listing-closed"
            } else {
                "opening"
            };
            out.push(release(stage, at, "tenderUpdate", &tender, &parties));
        }

        let Some(award) = &self.award else {
            return out;
        };
        add_party(&mut parties, &award.credit_code, &award.company, "supplier");
        tender["status"] = json!("complete");
        let award_id = format!("{ocid}-award");
        let mut with_award = release("award", award.awarded_at, "award", &tender, &parties);
        with_award["awards"] = json!([{
            "id": award_id,
            "title": format!("{} {} 中标（成交）结果", project.name, lot.name),
            "status": "active",
            "date": date_time(award.awarded_at),
            "value": money(award.amount_fen),
            "suppliers": [reference(&award.credit_code, &award.company)],
        }]);
        out.push(with_award.clone());

        if let Some(c) = &self.contract {
            let mut with_contract = with_award;
            with_contract["id"] = json!(format!("{ocid}-contract"));
            with_contract["date"] = json!(date_time(c.recorded_at));
            with_contract["tag"] = json!(["contract"]);
            let day = |d: &str| d.parse().ok().map(date_of);
            with_contract["contracts"] = json!([{
                "id": format!("{ocid}-contract"),
                "awardID": award_id,
                "title": format!("{} {} 合同", project.name, lot.name),
                "status": "active",
                "value": money(c.amount_fen),
                "period": { "startDate": day(&c.starts_on), "endDate": day(&c.ends_on) },
                "dateSigned": day(&c.signed_on),
            }]);
            out.push(with_contract);
        }
        out
    }

    /// What a package of `kind` holds of this lot: its releases, or its record.
    pub fn items(&self, p: &Publication, kind: Package) -> Vec<Value> {
        match kind {
            Package::Releases => self.releases(p),
            Package::Records => vec![self.record(p)],
        }
    }

    /// The lot's record: its releases and their compiled release.
    pub fn record(&self, p: &Publication) -> Value {
        let ocid = self.ocid(p);
        let releases = self.releases(p);
        let compiled = ocds::compile(&ocid, &releases);
        json!({ "ocid": ocid, "releases": releases, "compiledRelease": compiled })
    }
}

fn document(a: &Announcement, kind: &str, url: &str) -> Value {
    json!({
        "id": format!("announcement-{}", a.id),
        "documentType": kind,
        "title": a.title,
        "url": url,
        "datePublished": date_time(a.published_at),
    })
}

/// The OCDS main procurement category a sector implies, where it implies one.
fn category(sector: Sector) -> Option<&'static str> {
    match sector {
        Sector::Construction => Some("works"),
        _ => None,
    }
}

/// The head of a package (everything but its releases or records), as a JSON object.
pub fn package_head(
    p: &Publication,
    uri: &str,
    published_ms: i64,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("uri".into(), json!(uri));
    m.insert("version".into(), json!(ocds::VERSION));
    m.insert("publishedDate".into(), json!(date_time(published_ms)));
    m.insert(
        "publisher".into(),
        json!({ "name": "一窗通办公共资源交易平台", "uri": p.base_url }),
    );
    m
}

/// What a package holds: each lot's releases, or each lot's record (releases and compiled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Releases,
    Records,
}

impl Package {
    /// The package's list field, also the last part of its API path.
    pub fn field(self) -> &'static str {
        match self {
            Package::Releases => "releases",
            Package::Records => "records",
        }
    }
}

impl TradingStore<'_> {
    /// Writes every published lot's releases (or records) as one package, a page of lots at a
    /// time, so that memory stays the same however many there are. Returns how many releases
    /// (or records) were written.
    pub async fn write_ocds<W: std::io::Write>(
        self,
        p: &Publication,
        kind: Package,
        uri: &str,
        now: i64,
        mut out: W,
    ) -> StoreResult<u64> {
        let io = |e: std::io::Error| crate::StoreError::Config(format!("写出 OCDS 数据失败：{e}"));
        let head = package_head(p, uri, now);
        out.write_all(b"{").map_err(io)?;
        for (k, v) in &head {
            serde_json::to_writer(&mut out, k).map_err(|e| io(e.into()))?;
            out.write_all(b":").map_err(io)?;
            serde_json::to_writer(&mut out, v).map_err(|e| io(e.into()))?;
            out.write_all(b",").map_err(io)?;
        }
        write!(out, "\"{}\":[", kind.field()).map_err(io)?;
        let (mut after, mut written) = (0, 0u64);
        loop {
            let page = self.ocds_page(after, 200).await?;
            let Some(last) = page.last() else { break };
            after = last.lot.id;
            for lot in &page {
                for item in lot.items(p, kind) {
                    if written > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    serde_json::to_writer(&mut out, &item).map_err(|e| io(e.into()))?;
                    written += 1;
                }
            }
        }
        out.write_all(b"]}").map_err(io)?;
        out.flush().map_err(io)?;
        Ok(written)
    }
}
