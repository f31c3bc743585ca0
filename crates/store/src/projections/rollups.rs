//! The day's figures per department and item (`case_rollups`, statistics): received,
//! accepted, concluded, on time, accuracy and days used, which the indicators and reports sum.

use onewindow_domain::case::{CaseType, Event};

use super::{Change, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};

pub(crate) struct Rollups;

/// What one command adds to the day's figures for its department and item.
#[derive(Default)]
struct Counts {
    received: i64,
    accepted: i64,
    concluded: i64,
    instant: i64,
    promised: i64,
    on_time: i64,
    overdue: i64,
}

impl Projection for Rollups {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let Some(item) = &c.after.item else {
            return Ok(());
        };
        let mut n = Counts::default();
        for event in c.events {
            match event {
                Event::Submitted { .. } => n.received += 1,
                Event::Accepted { .. } | Event::AcceptedWithDeficiencies { .. } => {
                    n.accepted += 1;
                    if item.case_type == CaseType::Instant {
                        n.instant += 1;
                    } else {
                        n.promised += 1;
                    }
                }
                Event::Concluded { on_time, .. } => {
                    n.concluded += 1;
                    if *on_time {
                        n.on_time += 1;
                    } else {
                        n.overdue += 1;
                    }
                }
                _ => {}
            }
        }
        if n.received + n.accepted + n.concluded == 0 {
            return Ok(());
        }
        let days_promised = if c.concluded_on.is_some() {
            i64::from(item.promised_days + c.after.extended_days)
        } else {
            0
        };
        batch.add(
            sql!(
                "INSERT INTO case_rollups (day, department_id, item_id, received, accepted, concluded, instant, promised,
                                           concluded_on_time, overdue, accurate, days_used, days_promised)
                 VALUES (:day, :department_id, :item_id, :received, :accepted, :concluded, :instant, :promised,
                         :on_time, :overdue, :accurate, :days_used, :days_promised)
                 ON CONFLICT (day, department_id, item_id) DO UPDATE SET
                    received = case_rollups.received + excluded.received,
                    accepted = case_rollups.accepted + excluded.accepted,
                    concluded = case_rollups.concluded + excluded.concluded,
                    instant = case_rollups.instant + excluded.instant,
                    promised = case_rollups.promised + excluded.promised,
                    concluded_on_time = case_rollups.concluded_on_time + excluded.concluded_on_time,
                    overdue = case_rollups.overdue + excluded.overdue,
                    accurate = case_rollups.accurate + excluded.accurate,
                    days_used = case_rollups.days_used + excluded.days_used,
                    days_promised = case_rollups.days_promised + excluded.days_promised"
            ),
            vec![
                ("day", c.by.today.to_string().into()),
                ("department_id", item.department_id.into()),
                ("item_id", item.item_id.into()),
                ("received", n.received.into()),
                ("accepted", n.accepted.into()),
                ("concluded", n.concluded.into()),
                ("instant", n.instant.into()),
                ("promised", n.promised.into()),
                ("on_time", n.on_time.into()),
                ("overdue", n.overdue.into()),
                ("accurate", c.conclusion.is_some_and(|k| k.accurate).into()),
                ("days_used", c.conclusion.map_or(0, |k| k.days_used).into()),
                ("days_promised", days_promised.into()),
            ],
        )
    }
}
