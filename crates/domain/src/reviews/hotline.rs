//! The 12345 / 96128 hotline's call records, as its system exports them, read row by row. The
//! file is CSV (UTF-8) with this header, in this order:
//!
//! `call_id,time,caller,category,answered,transferred_to,transfer_result,satisfaction`
//!
//! - `call_id`: the hotline's own id (1–40 letters, digits, `-` or `_`); a call imported twice is
//!   kept once.
//! - `time`: `YYYY-MM-DD HH:MM:SS`, Beijing time.
//! - `caller`: the caller's number, masked (`138****1234`); a number with seven digits in a row
//!   is refused, so that no unmasked number is stored.
//! - `category`: 咨询, 投诉, 求助, 建议, 表扬 or 其他.
//! - `answered`: `1` or `0` (是/否 also read).
//! - `transferred_to`: the department the call was handed to (its name or short name), or empty.
//! - `transfer_result`: 成功 or 失败 when transferred, empty otherwise.
//! - `satisfaction`: 满意, 基本满意, 不满意, or empty when the caller was not asked.

use chrono::NaiveDateTime;

use crate::code_enum;

/// The header a file must start with.
pub const HEADER: [&str; 8] = [
    "call_id",
    "time",
    "caller",
    "category",
    "answered",
    "transferred_to",
    "transfer_result",
    "satisfaction",
];

code_enum! {
    /// What the call was about.
    pub enum CallCategory {
        Consultation = "咨询", "咨询";
        Complaint = "投诉", "投诉";
        Help = "求助", "求助";
        Suggestion = "建议", "建议";
        Praise = "表扬", "表扬";
        Other = "其他", "其他";
    }
}

code_enum! {
    /// The caller's word on the handling.
    pub enum CallSatisfaction {
        Satisfied = "满意", "满意";
        Basic = "基本满意", "基本满意";
        Dissatisfied = "不满意", "不满意";
    }
}

/// One call, read and checked; the department is still a name for the store to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub call_id: String,
    pub at: NaiveDateTime,
    pub caller: String,
    pub category: CallCategory,
    pub answered: bool,
    pub transferred_to: Option<String>,
    /// Whether the transfer succeeded, when there was one.
    pub transfer_ok: Option<bool>,
    pub satisfaction: Option<CallSatisfaction>,
}

/// A row's problem: its line in the file (the header is line 1), the column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: &'static str,
    pub message: String,
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "1" | "是" => Some(true),
        "0" | "否" => Some(false),
        _ => None,
    }
}

/// Reads one data row (`fields` in the header's order) at `line`.
pub fn read_row(line: u64, fields: &[&str]) -> Result<Call, RowError> {
    let err = |column: &'static str, message: &str| RowError {
        line,
        column,
        message: message.to_owned(),
    };
    if fields.len() != HEADER.len() {
        return Err(err(
            "call_id",
            &format!("应有 {} 列，实有 {} 列", HEADER.len(), fields.len()),
        ));
    }
    let f = |i: usize| fields[i].trim();
    let call_id = f(0);
    if call_id.is_empty()
        || call_id.len() > 40
        || !call_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(err("call_id", "话单编号应为 1 至 40 位字母、数字、- 或 _"));
    }
    let at = NaiveDateTime::parse_from_str(f(1), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| err("time", "时间格式应为 YYYY-MM-DD HH:MM:SS"))?;
    let caller = f(2);
    let mut run = 0;
    let mut longest = 0;
    for c in caller.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    if caller.is_empty() || caller.chars().count() > 20 || longest >= 7 {
        return Err(err("caller", "来电号码须脱敏（如 138****1234）"));
    }
    let category = f(3).parse::<CallCategory>().map_err(|_| {
        err(
            "category",
            "诉求类别应为 咨询、投诉、求助、建议、表扬 或 其他",
        )
    })?;
    let answered = flag(f(4)).ok_or_else(|| err("answered", "是否接通应为 1 或 0"))?;
    let transferred_to = match f(5) {
        "" => None,
        d if d.chars().count() <= 50 => Some(d.to_owned()),
        _ => return Err(err("transferred_to", "转办部门名称过长")),
    };
    let transfer_ok = match (f(6), &transferred_to) {
        ("", None) => None,
        ("成功", Some(_)) => Some(true),
        ("失败", Some(_)) => Some(false),
        (_, None) => return Err(err("transfer_result", "未转办的来电不应有转办结果")),
        (_, Some(_)) => return Err(err("transfer_result", "转办结果应为 成功 或 失败")),
    };
    if transferred_to.is_some() && !answered {
        return Err(err("transferred_to", "未接通的来电不能转办"));
    }
    let satisfaction = match f(7) {
        "" => None,
        s => Some(
            s.parse::<CallSatisfaction>()
                .map_err(|_| err("satisfaction", "满意度应为 满意、基本满意、不满意 或留空"))?,
        ),
    };
    Ok(Call {
        call_id: call_id.to_owned(),
        at,
        caller: caller.to_owned(),
        category,
        answered,
        transferred_to,
        transfer_ok,
        satisfaction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: [&str; 8] = [
        "ZT20261101-0001",
        "2026-11-01 09:15:02",
        "138****1234",
        "投诉",
        "1",
        "临沂市市场监督管理局",
        "成功",
        "满意",
    ];

    #[test]
    fn a_good_row_reads_whole() {
        let call = read_row(2, &ROW).unwrap();
        assert_eq!(call.category, CallCategory::Complaint);
        assert_eq!(call.transfer_ok, Some(true));
        assert_eq!(call.satisfaction, Some(CallSatisfaction::Satisfied));
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let with = |i: usize, v: &'static str| {
            let mut row = ROW;
            row[i] = v;
            read_row(7, &row).unwrap_err()
        };
        assert_eq!(
            with(2, "13805391234").column,
            "caller",
            "an unmasked number"
        );
        assert_eq!(with(1, "2026/11/01").column, "time");
        assert_eq!(with(3, "闲聊").column, "category");
        assert_eq!(with(6, "").column, "transfer_result");
        assert_eq!(with(7, "很好").column, "satisfaction");
        assert_eq!(with(0, "id with spaces").line, 7);
        let mut unanswered = ROW;
        unanswered[4] = "0";
        assert_eq!(
            read_row(3, &unanswered).unwrap_err().column,
            "transferred_to"
        );
        assert!(read_row(3, &ROW[..5]).is_err());
    }
}
