//! 网上挂牌 (online listing) of land-use rights and property: a listing period with a starting
//! price and an increment, bids in public order, and, when two or more bidders have bid by the
//! listing's end, a timed competitive round (限时竞价) in which every bid restarts the clock; the
//! highest bid wins if it reaches the reserve price (底价). Where an auction stands is a pure
//! function of its rules, its bids and the time: the store records bids and settles the result,
//! the pages and the live feed show it, and a test can move the clock.

use serde::Serialize;

use super::MAX_FEN;

const DAY_MS: i64 = 86_400_000;

/// The shortest and longest countdown of the timed round, in seconds.
pub const MIN_ROUND_SECS: i64 = 10;
pub const MAX_ROUND_SECS: i64 = 3_600;

/// An auction's rules, times in UTC milliseconds (as the store's columns name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Rules {
    pub starting_fen: i64,
    pub increment_fen: i64,
    /// 底价: the lowest price that can win; unpublished until the result.
    pub reserve_fen: Option<i64>,
    pub listing_starts_at: i64,
    pub listing_ends_at: i64,
    /// 限时竞价: the countdown each bid restarts.
    pub round_secs: i64,
}

/// A bid as recorded, in the order it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub bidder: i64,
    pub amount_fen: i64,
    pub at: i64,
}

/// Where an auction stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Announced; bidding has not begun.
    Upcoming { opens_at: i64 },
    /// The listing period: bids are taken until `ends_at`.
    Listing { ends_at: i64 },
    /// The timed round: bids are taken until `ends_at`, and each one moves it.
    Round { ends_at: i64 },
    /// Over: won by the highest bid at or above the reserve, or failed.
    Ended { at: i64, outcome: Outcome },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Won {
        bidder: i64,
        amount_fen: i64,
    },
    /// No one bid.
    NoBids,
    /// The highest bid did not reach the reserve price.
    BelowReserve,
}

impl Rules {
    /// Checks the rules as entered: amounts positive and bounded, the listing at least the law's
    /// period (`periods::LISTING_PERIOD`, calendar days), the countdown within bounds. Returns
    /// each problem by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let amount = |v: i64| v > 0 && v <= MAX_FEN;
        if !amount(self.starting_fen) {
            out.push(("starting_price", "起始价应大于 0 且不超过一万亿元".into()));
        }
        if !amount(self.increment_fen) || self.increment_fen > self.starting_fen.max(1) {
            out.push(("increment", "加价幅度应大于 0 且不超过起始价".into()));
        }
        if let Some(r) = self.reserve_fen
            && (!amount(r) || r < self.starting_fen)
        {
            out.push(("reserve_price", "底价应不低于起始价".into()));
        }
        let rule = super::periods::LISTING_PERIOD;
        let days = match rule.span {
            super::periods::Span::Days(n) | super::periods::Span::WorkingDays(n) => i64::from(n),
        };
        if self.listing_ends_at.saturating_sub(self.listing_starts_at) < days * DAY_MS {
            out.push((
                "listing_ends_at",
                format!("{}不得少于 {} 日（{}）", rule.what, days, rule.source),
            ));
        }
        if !(MIN_ROUND_SECS..=MAX_ROUND_SECS).contains(&self.round_secs) {
            out.push((
                "round_secs",
                format!("限时竞价倒计时应为 {MIN_ROUND_SECS}–{MAX_ROUND_SECS} 秒"),
            ));
        }
        out
    }

    fn round_ms(&self) -> i64 {
        self.round_secs.saturating_mul(1000)
    }

    /// Where the auction stands at `now`, given its bids in the order taken (each taken while
    /// bidding was open, which `check` ensures).
    pub fn phase(&self, offers: &[Offer], now: i64) -> Phase {
        if now < self.listing_starts_at {
            return Phase::Upcoming {
                opens_at: self.listing_starts_at,
            };
        }
        if now < self.listing_ends_at {
            return Phase::Listing {
                ends_at: self.listing_ends_at,
            };
        }
        let listed: Vec<&Offer> = offers
            .iter()
            .filter(|o| o.at < self.listing_ends_at)
            .collect();
        let mut bidders: Vec<i64> = listed.iter().map(|o| o.bidder).collect();
        bidders.sort_unstable();
        bidders.dedup();
        if bidders.len() >= 2 {
            let ends_at = self.round_ends_at(offers);
            if now < ends_at {
                return Phase::Round { ends_at };
            }
            return Phase::Ended {
                at: ends_at,
                outcome: self.outcome(offers),
            };
        }
        Phase::Ended {
            at: self.listing_ends_at,
            outcome: self.outcome(offers),
        }
    }

    /// The round's end: the countdown after the listing's end, restarted by each later bid.
    fn round_ends_at(&self, offers: &[Offer]) -> i64 {
        let last = offers
            .iter()
            .map(|o| o.at)
            .filter(|at| *at >= self.listing_ends_at)
            .max()
            .unwrap_or(self.listing_ends_at);
        last.saturating_add(self.round_ms())
    }

    fn outcome(&self, offers: &[Offer]) -> Outcome {
        match offers.iter().max_by_key(|o| (o.amount_fen, -o.at)) {
            None => Outcome::NoBids,
            Some(o) if self.reserve_fen.is_some_and(|r| o.amount_fen < r) => Outcome::BelowReserve,
            Some(o) => Outcome::Won {
                bidder: o.bidder,
                amount_fen: o.amount_fen,
            },
        }
    }

    /// The lowest bid that may be made now: the starting price, or the highest bid and the
    /// increment.
    pub fn next_minimum(&self, offers: &[Offer]) -> i64 {
        match offers.iter().map(|o| o.amount_fen).max() {
            None => self.starting_fen,
            Some(top) => top.saturating_add(self.increment_fen),
        }
    }

    /// Whether `bidder` may bid `amount_fen` at `now`, and if not, why.
    pub fn check(
        &self,
        offers: &[Offer],
        bidder: i64,
        amount_fen: i64,
        now: i64,
    ) -> Result<(), String> {
        match self.phase(offers, now) {
            Phase::Upcoming { .. } => return Err("挂牌尚未开始".into()),
            Phase::Ended { .. } => return Err("竞价已结束".into()),
            Phase::Round { .. } if !self.in_round(offers, bidder) => {
                return Err("挂牌期间未报价的竞买人不能参加限时竞价".into());
            }
            Phase::Listing { .. } | Phase::Round { .. } => {}
        }
        if offers
            .iter()
            .max_by_key(|o| (o.amount_fen, -o.at))
            .is_some_and(|o| o.bidder == bidder)
        {
            return Err("您已是当前最高报价人，不能对自己的报价加价".into());
        }
        let min = self.next_minimum(offers);
        if amount_fen < min || amount_fen > MAX_FEN {
            return Err(format!(
                "报价应不低于 {} 元（当前价加加价幅度）",
                super::fen_to_yuan(min)
            ));
        }
        Ok(())
    }

    fn in_round(&self, offers: &[Offer], bidder: i64) -> bool {
        offers
            .iter()
            .any(|o| o.bidder == bidder && o.at < self.listing_ends_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 86_400_000;

    fn rules() -> Rules {
        Rules {
            starting_fen: 100_000_000,
            increment_fen: 1_000_000,
            reserve_fen: Some(103_000_000),
            listing_starts_at: 0,
            listing_ends_at: 10 * DAY,
            round_secs: 300,
        }
    }

    fn bid(offers: &mut Vec<Offer>, r: &Rules, bidder: i64, amount: i64, at: i64) {
        r.check(offers, bidder, amount, at).unwrap();
        offers.push(Offer {
            bidder,
            amount_fen: amount,
            at,
        });
    }

    #[test]
    fn a_listing_with_two_bidders_ends_in_a_timed_round() {
        let r = rules();
        assert!(r.problems().is_empty());
        let mut offers = vec![];
        assert_eq!(
            r.check(&offers, 1, 100_000_000, -1).unwrap_err(),
            "挂牌尚未开始"
        );
        assert!(
            r.check(&offers, 1, 99_000_000, DAY).is_err(),
            "below the start"
        );
        bid(&mut offers, &r, 1, 100_000_000, DAY);
        assert!(
            r.check(&offers, 1, 101_000_000, DAY)
                .unwrap_err()
                .contains("最高报价人")
        );
        assert!(
            r.check(&offers, 2, 100_500_000, DAY)
                .unwrap_err()
                .contains("1010000.00")
        );
        bid(&mut offers, &r, 2, 101_000_000, 2 * DAY);
        let end = 10 * DAY;
        assert_eq!(
            r.phase(&offers, end),
            Phase::Round {
                ends_at: end + 5 * MIN
            }
        );
        assert!(
            r.check(&offers, 3, 110_000_000, end)
                .unwrap_err()
                .contains("未报价")
        );
        // Each bid restarts the countdown.
        bid(&mut offers, &r, 1, 102_000_000, end + 4 * MIN);
        assert_eq!(
            r.phase(&offers, end + 6 * MIN),
            Phase::Round {
                ends_at: end + 9 * MIN
            }
        );
        bid(&mut offers, &r, 2, 103_000_000, end + 8 * MIN);
        bid(&mut offers, &r, 1, 104_000_000, end + 12 * MIN);
        assert_eq!(
            r.phase(&offers, end + 16 * MIN),
            Phase::Round {
                ends_at: end + 17 * MIN
            }
        );
        let over = r.phase(&offers, end + 17 * MIN);
        assert_eq!(
            over,
            Phase::Ended {
                at: end + 17 * MIN,
                outcome: Outcome::Won {
                    bidder: 1,
                    amount_fen: 104_000_000
                }
            }
        );
        assert_eq!(
            r.check(&offers, 2, 105_000_000, end + 17 * MIN)
                .unwrap_err(),
            "竞价已结束"
        );
    }

    #[test]
    fn one_bidder_or_a_low_price_ends_the_listing() {
        let r = rules();
        assert_eq!(
            r.phase(&[], 10 * DAY),
            Phase::Ended {
                at: 10 * DAY,
                outcome: Outcome::NoBids
            }
        );
        let one = [Offer {
            bidder: 7,
            amount_fen: 100_000_000,
            at: DAY,
        }];
        assert_eq!(
            r.phase(&one, 10 * DAY),
            Phase::Ended {
                at: 10 * DAY,
                outcome: Outcome::BelowReserve
            }
        );
        let no_reserve = Rules {
            reserve_fen: None,
            ..r
        };
        assert_eq!(
            no_reserve.phase(&one, 10 * DAY),
            Phase::Ended {
                at: 10 * DAY,
                outcome: Outcome::Won {
                    bidder: 7,
                    amount_fen: 100_000_000
                }
            }
        );
    }

    #[test]
    fn bad_rules_are_named() {
        let bad = Rules {
            starting_fen: 0,
            increment_fen: -1,
            reserve_fen: Some(5),
            listing_starts_at: 0,
            listing_ends_at: DAY,
            round_secs: 5,
        };
        let fields: Vec<&str> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "starting_price",
                "increment",
                "listing_ends_at",
                "round_secs"
            ]
        );
    }
}
