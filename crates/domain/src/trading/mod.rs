//! 公共资源交易: projects put out to tender or procurement (and land and property put up for
//! listing), their lots (标段/包) each with its own timeline, the announcements the law requires
//! with its minimum periods (`periods`), sealed bids opened by k of the lot's n opening
//! officials, and the expert draw anyone can re-derive (`draw`). The rules here are pure: the
//! store encrypts, records and counts; the web shows.

pub mod auction;
pub mod draw;
pub mod evaluation;
pub mod ocds;
pub mod periods;

use crate::code_enum;
use crate::org::FieldErrors;

crate::actions! {
    /// What people do in trading.
    pub enum TradingAction {
        /// Read projects, lots, bids' receipts and openings as staff.
        View => Read,
        /// Create projects and lots, publish announcements, answer questions, run draws.
        Manage => Write,
        /// Present an opening share, take one's share (the lot's opening officials).
        Open => Write,
        /// Set one's own opening passphrase (any trading official).
        SetOpeningKey => Write,
        /// Register for a lot, ask, bid, withdraw (companies).
        Bid => Write,
        /// Keep the expert pool.
        ManageExperts => Write,
    }
}

code_enum! {
    /// 交易领域: the five sectors of the national catalogue of public resource trading.
    pub enum Sector {
        Construction = "construction", "工程建设招标投标";
        Procurement = "procurement", "政府采购";
        LandMineral = "land_mineral", "土地使用权和矿业权出让";
        StateProperty = "state_property", "国有产权交易";
        RuralProperty = "rural_property", "农村产权交易";
    }
}

code_enum! {
    /// 交易方式.
    pub enum Method {
        OpenTender = "open_tender", "公开招标";
        InvitedTender = "invited_tender", "邀请招标";
        Negotiation = "negotiation", "竞争性谈判";
        Consultation = "consultation", "竞争性磋商";
        Inquiry = "inquiry", "询价";
        SingleSource = "single_source", "单一来源";
        Auction = "auction", "拍卖/挂牌";
    }
}

impl Method {
    /// Whether sealed bids are taken and opened (every method but the listing auction).
    pub fn takes_sealed_bids(self) -> bool {
        self != Method::Auction
    }

    /// The fewest valid bids with which the lot may go on after opening (公开招标 needs three:
    /// 《招标投标法》第二十八条; fewer fails the tender, 流标).
    pub fn min_bids(self) -> usize {
        match self {
            Method::OpenTender | Method::InvitedTender | Method::Negotiation | Method::Inquiry => 3,
            Method::Consultation => 3,
            Method::SingleSource | Method::Auction => 1,
        }
    }

    /// The OCDS procurementMethod (open, selective, limited, direct).
    pub fn ocds_method(self) -> &'static str {
        match self {
            Method::OpenTender | Method::Auction => "open",
            Method::InvitedTender => "selective",
            Method::Negotiation | Method::Consultation | Method::Inquiry => "limited",
            Method::SingleSource => "direct",
        }
    }
}

code_enum! {
    /// Where a lot stands.
    pub enum LotStatus {
        Draft = "draft", "未发布";
        Published = "published", "公告中";
        Opened = "opened", "已开标";
        Failed = "failed", "流标";
        Evaluated = "evaluated", "已评标";
        Awarded = "awarded", "已定标";
        Contracted = "contracted", "已签约";
    }
}

code_enum! {
    /// 公告类别.
    pub enum AnnouncementKind {
        Tender = "tender", "招标（采购）公告";
        Clarification = "clarification", "澄清更正公告";
        SingleSource = "single_source", "单一来源公示";
        Opening = "opening", "开标记录";
        Failed = "failed", "流标公告";
        Candidates = "candidates", "中标候选人公示";
        Award = "award", "中标结果公告";
        Listing = "listing", "挂牌出让公告";
        ListingResult = "listing_result", "挂牌出让结果公告";
    }
}

code_enum! {
    /// A bid's state.
    pub enum BidStatus {
        Sealed = "sealed", "已密封";
        Withdrawn = "withdrawn", "已撤回";
        Replaced = "replaced", "已替换";
        Opened = "opened", "已开启";
        /// A listing auction's bid: public from the start.
        Offered = "offered", "已报价";
    }
}

/// A project's or lot's budget, a bid's price: an amount of yuan in fen (分), positive and at
/// most one trillion yuan.
pub const MAX_FEN: i64 = 100_000_000_000_000;

/// Reads an amount of yuan as people write it (`1234.5`, `1,234.50`) into fen; `field` names the
/// form field in the error.
pub fn parse_yuan(errors: &mut FieldErrors, field: &str, raw: &str) -> i64 {
    match yuan_to_fen(raw) {
        Some(f) if f > 0 && f <= MAX_FEN => f,
        Some(_) => {
            errors.add(field, "金额应大于 0 且不超过一万亿元");
            0
        }
        None => {
            errors.add(field, "金额格式不正确（如 1234.56，单位元，最多两位小数）");
            0
        }
    }
}

fn yuan_to_fen(raw: &str) -> Option<i64> {
    let s: String = raw.trim().chars().filter(|c| *c != ',').collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || whole.len() > 13 || frac.len() > 2 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Fen as yuan with two decimals, for pages and exports.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Free text of a trading record (names, announcements, questions), required, at most `max`
/// characters, by the rule every free text follows.
pub fn text(errors: &mut FieldErrors, field: &str, raw: &str, what: &str, max: usize) -> String {
    crate::reviews::bounded_text(errors, field, raw, what, max, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_reads_as_people_write_it() {
        assert_eq!(yuan_to_fen("1234.5"), Some(123_450));
        assert_eq!(yuan_to_fen("1,234.56"), Some(123_456));
        assert_eq!(yuan_to_fen("7"), Some(700));
        for bad in ["", "-1", "1.234", "1e5", "abc", ".5", "99999999999999"] {
            assert_eq!(yuan_to_fen(bad), None, "{bad}");
        }
        let mut e = FieldErrors::new();
        assert_eq!(parse_yuan(&mut e, "price", "0"), 0);
        assert!(!e.is_empty());
        assert_eq!(fen_to_yuan(123_405), "1234.05");
    }
}
