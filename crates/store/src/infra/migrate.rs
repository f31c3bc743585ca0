//! Versioned migrations, written once and rendered for each database. Each runs in its own
//! transaction and is recorded in `schema_migrations`, so a restart resumes where it stopped.

use sqlx::AnyPool;
use sqlx::AssertSqlSafe;

use crate::{Backend, StoreResult, now_ms};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "catalog",
        include_str!("../../migrations/0002_catalog.sql"),
    ),
    (
        3,
        "scheduled_versions",
        include_str!("../../migrations/0003_scheduled_versions.sql"),
    ),
    (
        4,
        "case_events",
        include_str!("../../migrations/0004_case_events.sql"),
    ),
    (
        5,
        "audit_checkpoints",
        include_str!("../../migrations/0005_audit_checkpoints.sql"),
    ),
    (
        6,
        "case_read_models",
        include_str!("../../migrations/0006_case_read_models.sql"),
    ),
    (
        7,
        "supervision_alerts",
        include_str!("../../migrations/0007_supervision_alerts.sql"),
    ),
    (
        8,
        "urgings",
        include_str!("../../migrations/0008_urgings.sql"),
    ),
    (
        9,
        "findings",
        include_str!("../../migrations/0009_findings.sql"),
    ),
    (
        10,
        "clustered_read_models",
        include_str!("../../migrations/0010_clustered_read_models.sql"),
    ),
    (
        11,
        "assessment",
        include_str!("../../migrations/0011_assessment.sql"),
    ),
    (
        12,
        "reported_cases",
        include_str!("../../migrations/0012_reported_cases.sql"),
    ),
    (
        13,
        "notification_outbox",
        include_str!("../../migrations/0013_notification_outbox.sql"),
    ),
    (
        14,
        "accepted_window",
        include_str!("../../migrations/0014_accepted_window.sql"),
    ),
    (
        15,
        "findings_partial_keys",
        include_str!("../../migrations/0015_findings_partial_keys.sql"),
    ),
    (
        16,
        "pledge_checks",
        include_str!("../../migrations/0016_pledge_checks.sql"),
    ),
    (
        17,
        "sweep_increments",
        include_str!("../../migrations/0017_sweep_increments.sql"),
    ),
    (
        18,
        "urging_rollups",
        include_str!("../../migrations/0018_urging_rollups.sql"),
    ),
    (
        19,
        "period_indexes",
        include_str!("../../migrations/0019_period_indexes.sql"),
    ),
    (
        20,
        "case_parallel_tasks",
        include_str!("../../migrations/0020_case_parallel_tasks.sql"),
    ),
    (
        21,
        "failed_attempts_idle_sessions",
        include_str!("../../migrations/0021_failed_attempts_idle_sessions.sql"),
    ),
    (
        22,
        "event_macs_chained_checkpoints",
        include_str!("../../migrations/0022_event_macs_chained_checkpoints.sql"),
    ),
    (
        23,
        "security_log_chain",
        include_str!("../../migrations/0023_security_log_chain.sql"),
    ),
    (
        24,
        "hall_applications",
        include_str!("../../migrations/0024_hall_applications.sql"),
    ),
    (
        25,
        "hall_bookings",
        include_str!("../../migrations/0025_hall_bookings.sql"),
    ),
    (
        26,
        "bundles",
        include_str!("../../migrations/0026_bundles.sql"),
    ),
    (
        27,
        "projects",
        include_str!("../../migrations/0027_projects.sql"),
    ),
    (
        28,
        "project_agents_meetings",
        include_str!("../../migrations/0028_project_agents_meetings.sql"),
    ),
    (
        29,
        "project_stage_facts",
        include_str!("../../migrations/0029_project_stage_facts.sql"),
    ),
    (
        30,
        "project_stage_conclusion",
        include_str!("../../migrations/0030_project_stage_conclusion.sql"),
    ),
    (
        31,
        "bundle_applications_prereviews",
        include_str!("../../migrations/0031_bundle_applications_prereviews.sql"),
    ),
    (
        32,
        "reviews",
        include_str!("../../migrations/0032_reviews.sql"),
    ),
    (
        33,
        "complaints_consultations_hotline",
        include_str!("../../migrations/0033_complaints_consultations_hotline.sql"),
    ),
    (
        34,
        "trading",
        include_str!("../../migrations/0034_trading.sql"),
    ),
    (
        35,
        "trading_evaluation",
        include_str!("../../migrations/0035_trading_evaluation.sql"),
    ),
    (
        36,
        "trading_award",
        include_str!("../../migrations/0036_trading_award.sql"),
    ),
    (
        37,
        "trading_auctions",
        include_str!("../../migrations/0037_trading_auctions.sql"),
    ),
];

/// A migration's text for one database. With `-- [sqlite]` and `-- [postgres]` sections, what
/// stands before the first section is for both, followed by that database's section.
fn section(sql: &str, backend: Backend) -> String {
    let marker = match backend {
        Backend::Sqlite => "-- [sqlite]",
        Backend::Postgres => "-- [postgres]",
    };
    let Some(start) = sql.find(marker) else {
        return sql.to_owned();
    };
    let common = sql.find("\n-- [").map_or("", |first| &sql[..first]);
    let body = &sql[start + marker.len()..];
    let end = body.find("\n-- [").unwrap_or(body.len());
    format!("{common}\n{}", &body[..end])
}

fn render(sql: &str, backend: Backend) -> String {
    let sql = section(sql, backend);
    let id = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    let blob = match backend {
        Backend::Sqlite => "BLOB",
        Backend::Postgres => "BYTEA",
    };
    sql.replace("{{id}}", id).replace("{{blob}}", blob)
}

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> StoreResult<usize> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await?;
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS {
        if applied.iter().any(|(v,)| v == version) {
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(AssertSqlSafe(render(sql, backend)))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(*name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
        ran += 1;
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_the_common_part() {
        let sql = "CREATE TABLE a (id {{id}});\n-- [sqlite]\nS;\n-- [postgres]\nP;\n";
        assert_eq!(
            section(sql, Backend::Sqlite),
            "CREATE TABLE a (id {{id}});\n\nS;"
        );
        assert_eq!(
            section(sql, Backend::Postgres),
            "CREATE TABLE a (id {{id}});\n\nP;\n"
        );
        assert_eq!(section("X;", Backend::Postgres), "X;");
    }
}
