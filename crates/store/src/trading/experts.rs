//! The expert pool (专家库) and the draws (`onewindow_domain::trading::draw`): the eligible list by
//! the lot's rules (specialty, available, a clean credit record, no one employed by the owner or
//! a bidder, no one drawn for the same owner in the last N days) committed first, the seed values
//! entered after, then the picks; declines are replaced by the next pick. The experts' names stay
//! out of every draw view.

use onewindow_domain::ids::{AccountId, StaffId};
use onewindow_domain::org::{FieldErrors, validate_mobile};
use onewindow_domain::trading::draw::{self, DrawRecord, Pick};
use onewindow_domain::trading::{LotStatus, text};
use serde::{Deserialize, Serialize};

use super::bids::append_log;
use super::{credit, invalid};
use crate::{StoreError, StoreResult, TradingStore, now_ms};

/// The most experts one draw takes, days of the avoidance window, characters of a seed value.
pub const MAX_DRAW: i64 = 50;
pub const MAX_AVOID_DAYS: i64 = 3650;
pub const MAX_SEED: usize = 64;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpertInput {
    pub name: String,
    /// The specialty's code or name as the centre's pool names it (e.g. `建筑工程`).
    pub specialty: String,
    pub region: String,
    pub employer: String,
    pub employer_credit_code: String,
    pub mobile: String,
}

impl ExpertInput {
    fn check(&self) -> Result<[String; 6], FieldErrors> {
        let mut e = FieldErrors::new();
        let name = text(&mut e, "name", &self.name, "姓名", 50);
        let specialty = text(&mut e, "specialty", &self.specialty, "专业", 50);
        let region = text(&mut e, "region", &self.region, "地区", 50);
        let employer = text(&mut e, "employer", &self.employer, "工作单位", 200);
        let code = credit(&mut e, "employer_credit_code", &self.employer_credit_code);
        let mobile = validate_mobile(&mut e, "mobile", &self.mobile);
        e.into_result()?;
        Ok([name, specialty, region, employer, code, mobile])
    }
}

/// An expert as the pool's keepers see them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expert {
    pub id: i64,
    pub name: String,
    pub specialty: String,
    pub region: String,
    pub employer: String,
    pub employer_credit_code: String,
    pub available: i64,
    pub credit_bad: i64,
}

/// A draw as published: everything needed to re-derive it, and no names.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draw {
    pub id: i64,
    pub lot_id: i64,
    pub specialty: String,
    pub count: i64,
    pub avoid_days: i64,
    pub committed_at: i64,
    pub drawn_at: Option<i64>,
    /// The seed values entered so far (before the draw) or used (after).
    pub seeds_entered: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub record: DrawRecord,
}

impl TradingStore<'_> {
    pub async fn add_expert(self, input: &ExpertInput) -> StoreResult<i64> {
        let [name, specialty, region, employer, code, mobile] = input.check()?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_experts (name, specialty, region, employer, employer_credit_code, mobile,
                 available, credit_bad, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7) RETURNING id",
        )
        .bind(name)
        .bind(specialty)
        .bind(region)
        .bind(employer)
        .bind(code)
        .bind(mobile)
        .bind(now_ms())
        .fetch_one(&self.store.pool)
        .await?;
        Ok(id)
    }

    /// Marks an expert (un)available, or their credit record bad (失信: never drawn).
    pub async fn set_expert(self, id: i64, available: bool, credit_bad: bool) -> StoreResult<()> {
        let r =
            sqlx::query("UPDATE trading_experts SET available = $1, credit_bad = $2 WHERE id = $3")
                .bind(i64::from(available))
                .bind(i64::from(credit_bad))
                .bind(id)
                .execute(&self.store.pool)
                .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound("expert"));
        }
        Ok(())
    }

    pub async fn experts(self, specialty: Option<&str>, limit: i64) -> StoreResult<Vec<Expert>> {
        Ok(sqlx::query_as(
            "SELECT id, name, specialty, region, employer, employer_credit_code, available, credit_bad
             FROM trading_experts WHERE ($1 IS NULL OR specialty = $1) ORDER BY id LIMIT CAST($2 AS BIGINT)",
        )
        .bind(specialty)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Step 1: the eligible list for a lot's draw, committed by its hash. Taken after the bid
    /// deadline (the bidders' employers are avoided); refused when seed values come with it.
    #[allow(clippy::too_many_arguments)]
    pub async fn commit_draw(
        self,
        lot_id: i64,
        specialty: &str,
        count: i64,
        avoid_days: i64,
        seeds_given: bool,
        by: AccountId,
        now: i64,
    ) -> StoreResult<Draw> {
        if seeds_given {
            return Err(invalid(
                "seeds",
                "种子值须在专家库摘要公布之后由开标人录入，不能随抽取申请提交",
            ));
        }
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        let after_deadline = lot.bid_deadline.is_some_and(|d| now >= d);
        if !matches!(lot.status, LotStatus::Published | LotStatus::Opened) || !after_deadline {
            return Err(invalid("lot", "投标截止后、评标前方可抽取专家"));
        }
        let mut e = FieldErrors::new();
        let specialty = text(&mut e, "specialty", specialty, "专业", 50);
        if !(1..=MAX_DRAW).contains(&count) {
            e.add("count", format!("抽取人数应为 1–{MAX_DRAW}"));
        }
        if !(0..=MAX_AVOID_DAYS).contains(&avoid_days) {
            e.add("avoid_days", format!("回避天数应为 0–{MAX_AVOID_DAYS}"));
        }
        e.into_result()?;
        let since = now - avoid_days * 86_400_000;
        // The list comes back as one text of ids (a row per expert costs more than the query):
        // group_concat on SQLite, string_agg on PostgreSQL; sorted here.
        let concat = match self.store.backend {
            crate::Backend::Sqlite => "group_concat(e.id, ',')",
            crate::Backend::Postgres => "string_agg(CAST(e.id AS TEXT), ',')",
        };
        let (pool,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {concat} FROM trading_experts e
             WHERE e.specialty = $1 AND e.available = 1 AND e.credit_bad = 0
               AND e.employer_credit_code <> $2
               AND e.employer_credit_code NOT IN
                   (SELECT credit_code FROM trading_bids WHERE lot_id = $3 AND status IN ('sealed', 'opened'))
               AND e.id NOT IN
                   (SELECT p.expert_id FROM trading_draw_picks p JOIN trading_draws d ON d.id = p.draw_id
                    WHERE d.lot_id = $3)
               AND e.id NOT IN
                   (SELECT p.expert_id FROM trading_draw_picks p
                    JOIN trading_draws d ON d.id = p.draw_id
                    JOIN trading_lots l ON l.id = d.lot_id
                    JOIN trading_projects pr ON pr.id = l.project_id
                    WHERE p.declined = 0 AND pr.owner_credit_code = $2 AND d.drawn_at >= $4)"
        )))
        .bind(&specialty)
        .bind(&project.owner_credit_code)
        .bind(lot_id)
        .bind(since)
        .fetch_one(&self.store.pool)
        .await?;
        let mut pool: Vec<i64> = pool
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect();
        pool.sort_unstable();
        if (pool.len() as i64) < count {
            return Err(invalid(
                "count",
                format!("符合条件的专家只有 {} 名，不足 {count} 名", pool.len()),
            ));
        }
        let pool_hash = draw::pool_hash(&pool);
        let pool_json =
            serde_json::to_string(&pool).map_err(|e| StoreError::Config(e.to_string()))?;
        let at = now;
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_draws (lot_id, specialty, count, avoid_days, pool, pool_hash, committed_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(lot_id)
        .bind(&specialty)
        .bind(count)
        .bind(avoid_days)
        .bind(&pool_json)
        .bind(&pool_hash)
        .bind(at)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        append_log(
            &mut tx,
            lot_id,
            "draw_committed",
            &serde_json::json!({ "draw_id": id, "pool_hash": pool_hash, "pool_size": pool.len() }),
            None,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(Draw {
            id,
            lot_id,
            specialty,
            count,
            avoid_days,
            committed_at: at,
            drawn_at: None,
            seeds_entered: 0,
            record: DrawRecord {
                pool,
                pool_hash,
                seeds: Vec::new(),
                count: count as usize,
                picks: Vec::new(),
            },
        })
    }

    /// Step 2: an opening official's random contribution, entered after the commitment.
    pub async fn add_seed(
        self,
        draw_id: i64,
        staff: StaffId,
        value: &str,
        now: i64,
    ) -> StoreResult<Draw> {
        let d = self.draw(draw_id).await?;
        if d.drawn_at.is_some() {
            return Err(invalid("value", "本次抽取已完成，不能再录入种子值"));
        }
        let official: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM trading_shares WHERE lot_id = $1 AND staff_id = $2")
                .bind(d.lot_id)
                .bind(staff)
                .fetch_optional(&self.store.pool)
                .await?;
        if official.is_none() {
            return Err(invalid("value", "只有本标段的开标人可以录入种子值"));
        }
        let v = value.trim();
        if v.is_empty() || v.chars().count() > MAX_SEED || !v.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(invalid(
                "value",
                format!("种子值应为 1–{MAX_SEED} 个可见的 ASCII 字符（如随机数字）"),
            ));
        }
        let at = now;
        if at < d.committed_at {
            return Err(invalid("value", "种子值不能早于专家库摘要公布"));
        }
        sqlx::query(
            "INSERT INTO trading_draw_seeds (draw_id, staff_id, value, entered_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (draw_id, staff_id) DO NOTHING",
        )
        .bind(draw_id)
        .bind(staff)
        .bind(v)
        .bind(at)
        .execute(&self.store.pool)
        .await?;
        self.draw(draw_id).await
    }

    /// Steps 3 and 4: with at least k officials' seed values, adds the lot's last receipt hash
    /// and draws.
    pub async fn run_draw(self, draw_id: i64) -> StoreResult<Draw> {
        let d = self.draw(draw_id).await?;
        if d.drawn_at.is_some() {
            return Err(invalid("draw", "本次抽取已完成"));
        }
        let lot = self.lot(d.lot_id).await?;
        let seeds: Vec<(String, i64)> = sqlx::query_as(
            "SELECT value, entered_at FROM trading_draw_seeds WHERE draw_id = $1 ORDER BY entered_at, staff_id",
        )
        .bind(draw_id)
        .fetch_all(&self.store.pool)
        .await?;
        if (seeds.len() as i64) < lot.threshold.max(1) {
            return Err(invalid(
                "seeds",
                format!(
                    "至少需要 {} 名开标人录入种子值，现有 {} 名",
                    lot.threshold,
                    seeds.len()
                ),
            ));
        }
        if seeds.iter().any(|s| s.1 < d.committed_at) {
            return Err(invalid("seeds", "有种子值早于专家库摘要公布，本次抽取无效"));
        }
        let mut values: Vec<String> = seeds.into_iter().map(|s| s.0).collect();
        values.push(lot.last_receipt.clone().unwrap_or_else(|| "none".into()));
        let picks = draw::derive(&d.record.pool, &values, d.count as usize, &[]);
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE trading_draws SET seeds = $1, drawn_at = $2 WHERE id = $3 AND drawn_at IS NULL",
        )
        .bind(serde_json::to_string(&values).unwrap_or_default())
        .bind(at)
        .bind(draw_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(invalid("draw", "本次抽取已完成"));
        }
        insert_picks(&mut tx, draw_id, &picks).await?;
        append_log(
            &mut tx,
            d.lot_id,
            "draw",
            &serde_json::json!({ "draw_id": draw_id, "seeds": values, "picks": picks }),
            None,
            at,
        )
        .await?;
        tx.commit().await?;
        self.draw(draw_id).await
    }

    /// An expert's answer to the notice: a decline is replaced by the next pick.
    pub async fn answer_pick(self, draw_id: i64, expert: i64, accept: bool) -> StoreResult<Draw> {
        let d = self.draw(draw_id).await?;
        let Some(pick) = d.record.picks.iter().find(|p| p.expert == expert) else {
            return Err(invalid("expert", "该专家不在本次抽取结果中"));
        };
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let answered = sqlx::query(
            "UPDATE trading_draw_picks SET declined = $1, answer = $2, answered_at = $3
             WHERE draw_id = $4 AND i = $5 AND answer IS NULL",
        )
        .bind(i64::from(!accept))
        .bind(if accept { "accepted" } else { "declined" })
        .bind(at)
        .bind(draw_id)
        .bind(i64::from(pick.i))
        .execute(&mut *tx)
        .await?;
        if answered.rows_affected() != 1 {
            return Err(invalid("expert", "该专家已答复"));
        }
        if !accept {
            let mut declined: Vec<i64> = d
                .record
                .picks
                .iter()
                .filter(|p| p.declined)
                .map(|p| p.expert)
                .collect();
            declined.push(expert);
            let again = draw::derive(&d.record.pool, &d.record.seeds, d.count as usize, &declined);
            insert_picks(&mut tx, draw_id, &again[d.record.picks.len()..]).await?;
            append_log(
                &mut tx,
                d.lot_id,
                "draw_declined",
                &serde_json::json!({ "draw_id": draw_id, "declined": expert, "picks": again }),
                None,
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.draw(draw_id).await
    }

    pub async fn draw(self, id: i64) -> StoreResult<Draw> {
        #[allow(clippy::type_complexity)]
        let row: Option<(i64, String, i64, i64, String, String, i64, Option<String>, Option<i64>)> =
            sqlx::query_as(
                "SELECT lot_id, specialty, count, avoid_days, pool, pool_hash, committed_at, seeds, drawn_at
                 FROM trading_draws WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.store.pool)
            .await?;
        let Some((
            lot_id,
            specialty,
            count,
            avoid_days,
            pool,
            pool_hash,
            committed_at,
            seeds,
            drawn_at,
        )) = row
        else {
            return Err(StoreError::NotFound("draw"));
        };
        let entered: Vec<(String,)> = sqlx::query_as(
            "SELECT value FROM trading_draw_seeds WHERE draw_id = $1 ORDER BY entered_at, staff_id",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        let picks: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT i, expert_id, declined FROM trading_draw_picks WHERE draw_id = $1 ORDER BY i",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        let corrupt = |e: serde_json::Error| StoreError::Config(format!("draw {id}: {e}"));
        let seeds: Vec<String> = match seeds {
            Some(s) => serde_json::from_str(&s).map_err(corrupt)?,
            None => Vec::new(),
        };
        Ok(Draw {
            id,
            lot_id,
            specialty,
            count,
            avoid_days,
            committed_at,
            drawn_at,
            seeds_entered: entered.len() as i64,
            record: DrawRecord {
                pool: serde_json::from_str(&pool).map_err(corrupt)?,
                pool_hash,
                seeds,
                count: count as usize,
                picks: picks
                    .into_iter()
                    .map(|(i, expert, declined)| Pick {
                        i: i as u32,
                        expert,
                        declined: declined != 0,
                    })
                    .collect(),
            },
        })
    }

    /// The names of the experts with these ids (shown once the evaluation has ended).
    pub async fn expert_names(self, ids: &[i64]) -> StoreResult<Vec<(i64, String, String)>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT name, employer FROM trading_experts WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&self.store.pool)
                    .await?;
            if let Some((name, employer)) = row {
                out.push((*id, name, employer));
            }
        }
        Ok(out)
    }

    /// A lot's draws.
    pub async fn draws(self, lot_id: i64) -> StoreResult<Vec<Draw>> {
        let ids: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM trading_draws WHERE lot_id = $1 ORDER BY id")
                .bind(lot_id)
                .fetch_all(&self.store.pool)
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.draw(id).await?);
        }
        Ok(out)
    }
}

async fn insert_picks(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    draw_id: i64,
    picks: &[Pick],
) -> StoreResult<()> {
    for p in picks {
        sqlx::query("INSERT INTO trading_draw_picks (draw_id, i, expert_id, declined) VALUES ($1, $2, $3, $4)")
            .bind(draw_id)
            .bind(i64::from(p.i))
            .bind(p.expert)
            .bind(i64::from(p.declined))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
