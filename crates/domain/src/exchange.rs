//! Case records reported by departments' own systems (部门自建业务系统), in the shape of the
//! national exchange tables (`up_pro_accept`, `up_pro_process`, `up_pro_result`; see
//! shared/reference §10), and the supervision signals they carry: a result with no acceptance
//! on record and a decision dated before acceptance (体外循环), a refusal without reasons, and
//! an item that must be handled online taken at a window.
//!
//! The exchange tables name their code columns without code tables; where GB/T 39046 gives
//! one (A.4, A.5, A.6) it is used, and the others are OneWindow's reading, listed below.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::catalog::{CASE_TYPES, CodeTable, HANDLING_FORMS, SERVICE_TARGETS, check_code};
use crate::ids::{CreditCode, ResidentId};
use crate::org::{FieldErrors, required_text};

/// 业务动作 of a step (GB lists 通过 / 退回 / 其他, without codes).
pub const PROCESS_ACTIONS: CodeTable = &[("1", "通过"), ("2", "退回"), ("9", "其他")];

/// 办结结果 (the exchange table gives no values).
pub const RESULT_TYPES: CodeTable = &[
    ("1", "准予"),
    ("2", "不予准予"),
    ("3", "不予受理"),
    ("4", "撤回"),
    ("5", "退件"),
    ("9", "其他"),
];

/// The result type of a refusal to accept (不予受理), which needs reasons and no acceptance.
pub const REFUSED: &str = "3";

/// `up_pro_accept`: an application and its acceptance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcceptRecord {
    /// 记录唯一标识: a record sent twice is stored once.
    pub row_guid: String,
    /// 办件编号.
    pub project_no: String,
    /// 实施编码 of the item.
    pub task_code: String,
    pub task_name: String,
    /// 办件类型 (A.6).
    pub project_type: String,
    pub applyer_name: String,
    /// 服务对象 (A.4): 1 自然人 (a resident id is checked), 2–4 legal persons (a credit code).
    pub applyer_type: String,
    pub applyer_page_code: String,
    /// 申请时间, `YYYY-MM-DD hh:mm:ss`.
    pub apply_date: String,
    /// 办理形式 (A.5) the application came by: 1 窗口办理 …
    pub apply_type: String,
    pub handle_user_name: String,
    /// 受理时间.
    pub accept_date: String,
    /// 承诺办结时间.
    pub promise_date: Option<String>,
}

/// `up_pro_process`: one step of handling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessRecord {
    pub row_guid: String,
    pub project_no: String,
    pub process_name: String,
    /// 业务动作: 1 通过, 2 退回, 9 其他.
    pub event_name: String,
    pub event_start_time: String,
    pub event_end_time: String,
    pub handle_user_name: String,
    pub handle_explain: String,
}

/// `up_pro_result`: the conclusion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResultRecord {
    pub row_guid: String,
    pub project_no: String,
    /// 办结时间.
    pub result_date: String,
    /// 办结结果: 1 准予, 2 不予准予, 3 不予受理, 4 撤回, 5 退件, 9 其他.
    pub result_type: String,
    /// 办件结果描述: for a refusal, its reasons.
    pub result_explain: String,
    pub result_cetr_name: String,
    pub result_cetr_no: String,
    /// 是否快递递送结果: 0 or 1.
    pub is_delivery_results: String,
    pub handle_user_name: String,
}

/// One report from a department's system: records of any of the three tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    pub accept: Vec<AcceptRecord>,
    pub process: Vec<ProcessRecord>,
    pub result: Vec<ResultRecord>,
}

/// At most this many records in one report.
pub const MAX_RECORDS: usize = 1000;

/// A date-time as the exchange writes it (`YYYY-MM-DD hh:mm:ss`, also with a `T`, or
/// `YYYYMMDDhhmmss`), in the one form stored and compared: `YYYY-MM-DD hh:mm:ss`.
pub fn normalize_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn time(errors: &mut FieldErrors, field: &str, value: &mut String) {
    if value.trim().is_empty() {
        errors.add(field, "不能为空");
        return;
    }
    match normalize_time(value) {
        Some(t) => *value = t,
        None => errors.add(field, "时间格式应为 YYYY-MM-DD hh:mm:ss"),
    }
}

fn text(errors: &mut FieldErrors, field: &str, value: &mut String, max: usize) {
    *value = required_text(errors, field, value, max);
}

fn optional(errors: &mut FieldErrors, field: &str, value: &mut String, max: usize) {
    *value = value.trim().to_owned();
    if value.chars().count() > max {
        errors.add(field, format!("不能超过 {max} 个字符"));
    }
}

impl Report {
    pub fn len(&self) -> usize {
        self.accept.len() + self.process.len() + self.result.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks every record, naming each problem by its path (`accept[0].accept_date`), and
    /// brings text and times into their stored form.
    pub fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if self.is_empty() {
            e.add("accept", "没有可报送的记录");
        }
        if self.len() > MAX_RECORDS {
            e.add(
                "accept",
                format!("一次最多报送 {MAX_RECORDS} 条记录，请分批报送"),
            );
        }
        for (i, r) in self.accept.iter_mut().enumerate() {
            let f = |name: &str| format!("accept[{i}].{name}");
            text(&mut e, &f("row_guid"), &mut r.row_guid, 50);
            text(&mut e, &f("project_no"), &mut r.project_no, 50);
            text(&mut e, &f("task_code"), &mut r.task_code, 50);
            text(&mut e, &f("task_name"), &mut r.task_name, 1000);
            check_code(
                &mut e,
                &f("project_type"),
                CASE_TYPES,
                r.project_type.trim(),
            );
            text(&mut e, &f("applyer_name"), &mut r.applyer_name, 100);
            check_code(
                &mut e,
                &f("applyer_type"),
                SERVICE_TARGETS,
                r.applyer_type.trim(),
            );
            r.applyer_page_code = r.applyer_page_code.trim().to_owned();
            let id_check = match r.applyer_type.trim() {
                "1" => ResidentId::parse(&r.applyer_page_code).err(),
                "2" | "3" | "4" => CreditCode::parse(&r.applyer_page_code).err(),
                _ => None,
            };
            if let Some(err) = id_check {
                e.add(&f("applyer_page_code"), err.to_string());
            } else if r.applyer_page_code.is_empty() {
                e.add(&f("applyer_page_code"), "不能为空");
            }
            time(&mut e, &f("apply_date"), &mut r.apply_date);
            check_code(
                &mut e,
                &f("apply_type"),
                HANDLING_FORMS,
                r.apply_type.trim(),
            );
            optional(&mut e, &f("handle_user_name"), &mut r.handle_user_name, 100);
            time(&mut e, &f("accept_date"), &mut r.accept_date);
            if let Some(p) = r.promise_date.as_mut() {
                if p.trim().is_empty() {
                    r.promise_date = None;
                } else {
                    time(&mut e, &f("promise_date"), p);
                }
            }
            if normalize_time(&r.apply_date).is_some()
                && normalize_time(&r.accept_date).is_some()
                && r.accept_date < r.apply_date
            {
                e.add(&f("accept_date"), "受理时间早于申请时间");
            }
        }
        for (i, r) in self.process.iter_mut().enumerate() {
            let f = |name: &str| format!("process[{i}].{name}");
            text(&mut e, &f("row_guid"), &mut r.row_guid, 50);
            text(&mut e, &f("project_no"), &mut r.project_no, 50);
            text(&mut e, &f("process_name"), &mut r.process_name, 1000);
            check_code(
                &mut e,
                &f("event_name"),
                PROCESS_ACTIONS,
                r.event_name.trim(),
            );
            time(&mut e, &f("event_start_time"), &mut r.event_start_time);
            time(&mut e, &f("event_end_time"), &mut r.event_end_time);
            text(&mut e, &f("handle_user_name"), &mut r.handle_user_name, 100);
            text(&mut e, &f("handle_explain"), &mut r.handle_explain, 2000);
            if normalize_time(&r.event_start_time).is_some()
                && normalize_time(&r.event_end_time).is_some()
                && r.event_end_time < r.event_start_time
            {
                e.add(&f("event_end_time"), "环节结束时间早于开始时间");
            }
        }
        for (i, r) in self.result.iter_mut().enumerate() {
            let f = |name: &str| format!("result[{i}].{name}");
            text(&mut e, &f("row_guid"), &mut r.row_guid, 50);
            text(&mut e, &f("project_no"), &mut r.project_no, 50);
            time(&mut e, &f("result_date"), &mut r.result_date);
            check_code(
                &mut e,
                &f("result_type"),
                RESULT_TYPES,
                r.result_type.trim(),
            );
            // Blank reasons are a supervision finding, not bad input: they are what was decided.
            optional(&mut e, &f("result_explain"), &mut r.result_explain, 2000);
            optional(
                &mut e,
                &f("result_cetr_name"),
                &mut r.result_cetr_name,
                1000,
            );
            optional(&mut e, &f("result_cetr_no"), &mut r.result_cetr_no, 2000);
            if !matches!(r.is_delivery_results.trim(), "0" | "1") {
                e.add(&f("is_delivery_results"), "应为 0（否）或 1（是）");
            }
            optional(&mut e, &f("handle_user_name"), &mut r.handle_user_name, 100);
        }
        for r in &mut self.accept {
            r.project_type = r.project_type.trim().to_owned();
            r.applyer_type = r.applyer_type.trim().to_owned();
            r.apply_type = r.apply_type.trim().to_owned();
        }
        for r in &mut self.process {
            r.event_name = r.event_name.trim().to_owned();
        }
        for r in &mut self.result {
            r.result_type = r.result_type.trim().to_owned();
            r.is_delivery_results = r.is_delivery_results.trim().to_owned();
        }
        e.into_result()
    }
}

/// A supervision signal: the rule's code and what happened.
pub type Signal = (&'static str, String);

/// What an acceptance record shows: an online-only item taken at a window; or, when the case's
/// result was reported before, that result dated before this acceptance.
pub fn accept_signals(
    r: &AcceptRecord,
    online_only: bool,
    earlier_result: Option<(&str, &str)>,
) -> Vec<Signal> {
    let mut out = Vec::new();
    if online_only && r.apply_type == "1" {
        out.push((
            "online_only_at_window",
            format!(
                "事项“{}”应网上办理，本件在窗口申请（{}）",
                r.task_name, r.apply_date
            ),
        ));
    }
    if let Some((result_date, result_type)) = earlier_result
        && result_type != REFUSED
        && result_date < r.accept_date.as_str()
    {
        out.push(before_acceptance(result_date, &r.accept_date));
    }
    out
}

fn before_acceptance(result_date: &str, accept_date: &str) -> Signal {
    (
        "decision_before_acceptance",
        format!("办结时间 {result_date} 早于受理时间 {accept_date}"),
    )
}

/// What a result record shows, given when the case was accepted (reported, or on the
/// platform), if it was: a result with no acceptance, a result dated before it, a refusal
/// without reasons.
pub fn result_signals(r: &ResultRecord, accepted: Option<&str>) -> Vec<Signal> {
    let mut out = Vec::new();
    if r.result_type == REFUSED {
        if r.result_explain.trim().chars().count() < 2 {
            out.push((
                "refused_without_reasons",
                format!("{} 不予受理，未说明理由", r.result_date),
            ));
        }
        return out;
    }
    match accepted {
        None => out.push((
            "result_without_case",
            format!("办结时间 {}，无受理记录", r.result_date),
        )),
        Some(a) if r.result_date.as_str() < a => out.push(before_acceptance(&r.result_date, a)),
        Some(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept() -> AcceptRecord {
        AcceptRecord {
            row_guid: "a1".into(),
            project_no: "SC2026001".into(),
            task_code: "11371300004323789A400011710700001".into(),
            task_name: "食品经营许可".into(),
            project_type: "2".into(),
            applyer_name: "张伟".into(),
            applyer_type: "1".into(),
            applyer_page_code: "11010519491231002X".into(),
            apply_date: "2026-11-02 09:00:00".into(),
            apply_type: "2".into(),
            handle_user_name: "李四".into(),
            accept_date: "2026-11-02T09:30:00".into(),
            promise_date: Some("".into()),
        }
    }

    fn result(kind: &str, date: &str, explain: &str) -> ResultRecord {
        ResultRecord {
            row_guid: "r1".into(),
            project_no: "SC2026001".into(),
            result_date: date.into(),
            result_type: kind.into(),
            result_explain: explain.into(),
            is_delivery_results: "0".into(),
            ..Default::default()
        }
    }

    #[test]
    fn validation_names_each_field_and_normalizes_times() {
        let mut ok = Report {
            accept: vec![accept()],
            ..Default::default()
        };
        ok.validate().unwrap();
        assert_eq!(ok.accept[0].accept_date, "2026-11-02 09:30:00");
        assert_eq!(ok.accept[0].promise_date, None);

        let mut bad = accept();
        bad.applyer_page_code = "110105194912310021".into();
        bad.accept_date = "2026-11-01 08:00:00".into();
        bad.apply_type = "7".into();
        let mut r = Report {
            accept: vec![bad],
            result: vec![result("8", "昨天", "")],
            ..Default::default()
        };
        let e = r.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "accept[0].applyer_page_code",
                "accept[0].apply_type",
                "accept[0].accept_date",
                "result[0].result_date",
                "result[0].result_type",
            ]
        );
        assert_eq!(
            e.message_for("accept[0].applyer_page_code"),
            Some("校验码错误")
        );
        assert!(Report::default().validate().is_err());
    }

    #[test]
    fn signals_of_results() {
        let accepted = Some("2026-11-02 09:30:00");
        assert!(result_signals(&result("1", "2026-11-05 10:00:00", ""), accepted).is_empty());
        assert_eq!(
            result_signals(&result("1", "2026-11-05 10:00:00", ""), None)[0].0,
            "result_without_case"
        );
        assert_eq!(
            result_signals(&result("1", "2026-11-01 10:00:00", ""), accepted)[0].0,
            "decision_before_acceptance"
        );
        // A refusal needs reasons, and no acceptance.
        assert_eq!(
            result_signals(&result("3", "2026-11-02 10:00:00", " "), None)[0].0,
            "refused_without_reasons"
        );
        assert!(
            result_signals(
                &result("3", "2026-11-02 10:00:00", "申请人不具备食品经营场所"),
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn signals_of_acceptances() {
        let mut a = accept();
        a.accept_date = "2026-11-02 09:30:00".into();
        assert!(accept_signals(&a, true, None).is_empty(), "applied online");
        a.apply_type = "1".into();
        assert_eq!(accept_signals(&a, true, None)[0].0, "online_only_at_window");
        assert!(accept_signals(&a, false, None).is_empty());
        let earlier = accept_signals(&a, false, Some(("2026-11-01 16:00:00", "1")));
        assert_eq!(earlier[0].0, "decision_before_acceptance");
        assert!(accept_signals(&a, false, Some(("2026-11-03 16:00:00", "1"))).is_empty());
        assert!(accept_signals(&a, false, Some(("2026-11-01 16:00:00", "3"))).is_empty());
    }
}
