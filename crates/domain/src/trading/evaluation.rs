//! 综合评分法: a lot's criteria (the price's points and each technical or commercial item's
//! maximum, 100 in all), the price score by the benchmark rule — the lowest valid price is the
//! benchmark and scores full marks, every other price `benchmark ÷ price × points`
//! (《政府采购货物和服务招标投标管理办法》第五十五条) — each item's score as the mean of the experts'
//! scores, the total, and the ranking (higher total first; on a tie the lower price).

use serde::{Deserialize, Serialize};

use crate::org::FieldErrors;

/// The most scored items of one lot.
pub const MAX_ITEMS: usize = 30;

/// One technical or commercial item with its maximum points.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub name: String,
    pub max: u32,
}

/// A lot's criteria: the price's points and the items; 100 points in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criteria {
    pub price_points: u32,
    pub items: Vec<Item>,
}

impl Criteria {
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if self.items.len() > MAX_ITEMS {
            e.add("items", format!("评分项不能超过 {MAX_ITEMS} 项"));
        }
        if !(10..=100).contains(&self.price_points) {
            e.add("price_points", "价格分应在 10–100 分之间");
        }
        let mut total = u64::from(self.price_points);
        for (n, item) in self.items.iter().enumerate() {
            let _ = super::text(
                &mut e,
                &format!("items[{n}].name"),
                &item.name,
                "评分项名称",
                50,
            );
            if item.max == 0 || item.max > 100 {
                e.add(&format!("items[{n}].max"), "分值应在 1–100 分之间");
            }
            total += u64::from(item.max);
        }
        if total != 100 {
            e.add(
                "items",
                format!("价格分与各评分项分值合计应为 100 分，现为 {total} 分"),
            );
        }
        e.into_result()
    }
}

/// A bid as it is ranked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ranked {
    pub bid_id: i64,
    pub price_fen: i64,
    pub price_score: f64,
    /// Each item's mean of the experts' scores, in the criteria's order.
    pub item_scores: Vec<f64>,
    pub total: f64,
    /// 1 for the first.
    pub rank: u32,
}

/// Price scores by the benchmark rule; `prices` in fen, all positive.
pub fn price_scores(prices: &[i64], points: u32) -> Vec<f64> {
    let Some(low) = prices.iter().copied().filter(|p| *p > 0).min() else {
        return vec![0.0; prices.len()];
    };
    prices
        .iter()
        .map(|p| {
            if *p <= 0 {
                0.0
            } else {
                round2(low as f64 / *p as f64 * f64::from(points))
            }
        })
        .collect()
}

/// Ranks the bids: `scores[b][x][i]` is expert x's score of bid b on item i (each checked to lie
/// within the item's maximum by the caller).
pub fn rank(criteria: &Criteria, bids: &[(i64, i64)], scores: &[Vec<Vec<u32>>]) -> Vec<Ranked> {
    let prices: Vec<i64> = bids.iter().map(|b| b.1).collect();
    let price = price_scores(&prices, criteria.price_points);
    let mut out: Vec<Ranked> = bids
        .iter()
        .enumerate()
        .map(|(b, (bid_id, price_fen))| {
            let experts = scores.get(b).map_or(&[][..], Vec::as_slice);
            let item_scores: Vec<f64> = (0..criteria.items.len())
                .map(|i| {
                    let given: Vec<u32> =
                        experts.iter().filter_map(|x| x.get(i).copied()).collect();
                    if given.is_empty() {
                        0.0
                    } else {
                        round2(
                            given.iter().map(|s| f64::from(*s)).sum::<f64>() / given.len() as f64,
                        )
                    }
                })
                .collect();
            let total = round2(price[b] + item_scores.iter().sum::<f64>());
            Ranked {
                bid_id: *bid_id,
                price_fen: *price_fen,
                price_score: price[b],
                item_scores,
                total,
                rank: 0,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then(a.price_fen.cmp(&b.price_fen))
            .then(a.bid_id.cmp(&b.bid_id))
    });
    for (n, r) in out.iter_mut().enumerate() {
        r.rank = n as u32 + 1;
    }
    out
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria() -> Criteria {
        Criteria {
            price_points: 30,
            items: vec![
                Item {
                    name: "技术方案".into(),
                    max: 50,
                },
                Item {
                    name: "商务条款".into(),
                    max: 20,
                },
            ],
        }
    }

    #[test]
    fn the_lowest_price_takes_full_marks_and_others_in_proportion() {
        assert_eq!(price_scores(&[100, 200, 125], 30), vec![30.0, 15.0, 24.0]);
    }

    #[test]
    fn criteria_add_up_to_a_hundred() {
        assert!(criteria().check().is_ok());
        let mut c = criteria();
        c.items[0].max = 40;
        assert!(c.check().is_err());
    }

    #[test]
    fn bids_rank_by_total_then_the_lower_price() {
        let bids = [(1, 1_000), (2, 800), (3, 900)];
        let scores = vec![
            vec![vec![45, 18], vec![47, 16]],
            vec![vec![30, 10], vec![32, 12]],
            vec![vec![44, 18], vec![46, 18]],
        ];
        let r = rank(&criteria(), &bids, &scores);
        assert_eq!(
            r.iter().map(|x| x.bid_id).collect::<Vec<_>>(),
            vec![3, 1, 2]
        );
        assert_eq!(r[0].item_scores, vec![45.0, 18.0]);
        assert_eq!(r[0].price_score, 26.67);
        assert_eq!(r[0].rank, 1);
    }
}
