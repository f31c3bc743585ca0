//! 投资项目: an investment project approved in stages, each stage a joint case over the items of
//! a bundle (立项用地规划许可 → 工程规划许可 → 施工许可 → 竣工验收, as the centre configures
//! them). A project is known by its national code, `2017-530102-47-03-012345`: the year, the
//! region's six-digit division code, the industry (国民经济行业门类/大类 two digits), the kind
//! (01 审批, 02 核准, 03 备案) and a sequence number.

use serde::{Deserialize, Serialize};

use crate::ids::{BundleId, CreditCode};
use crate::org::FieldErrors;

crate::code_enum! {
    /// How the project is approved (项目管理类型).
    pub enum ProjectKind {
        Approval = "01", "审批";
        Verification = "02", "核准";
        Filing = "03", "备案";
    }
}

/// A parsed 投资项目代码.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCode {
    pub year: i32,
    /// Six-digit administrative division code.
    pub region: String,
    pub industry: u8,
    pub kind: ProjectKind,
    pub sequence: u32,
}

impl ProjectCode {
    /// Reads `YYYY-RRRRRR-II-TT-NNNNNN`, with the year no later than `this_year`. Errors say
    /// which part is wrong.
    pub fn parse(text: &str, this_year: i32) -> Result<ProjectCode, String> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let [year, region, industry, kind, sequence] = parts[..] else {
            return Err("格式应为“年份-区划-行业-类型-流水号”，如 2017-530102-47-03-012345".into());
        };
        if !digits(year, 4) {
            return Err("年份应为四位数字".into());
        }
        let year: i32 = year.parse().map_err(|_| "年份应为四位数字".to_owned())?;
        if !(2000..=this_year).contains(&year) {
            return Err(format!("年份应在 2000 至 {this_year} 之间"));
        }
        if !digits(region, 6) || region.starts_with("00") {
            return Err("区划应为六位行政区划代码".into());
        }
        if !digits(industry, 2) {
            return Err("行业应为两位数字".into());
        }
        let industry: u8 = industry
            .parse()
            .map_err(|_| "行业应为两位数字".to_owned())?;
        if !(1..=97).contains(&industry) {
            return Err("行业代码应在 01 至 97 之间（国民经济行业分类大类）".into());
        }
        let kind: ProjectKind = kind
            .parse()
            .map_err(|_| "类型应为 01（审批）、02（核准）或 03（备案）".to_owned())?;
        if !digits(sequence, 6) || sequence == "000000" {
            return Err("流水号应为六位数字，且不为 000000".into());
        }
        Ok(ProjectCode {
            year,
            region: region.to_owned(),
            industry,
            kind,
            sequence: sequence.parse().unwrap_or_default(),
        })
    }
}

/// A project as registered.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInput {
    /// 投资项目代码, e.g. 2017-530102-47-03-012345.
    pub code: String,
    pub name: String,
    /// The investor (项目单位) and its unified social credit code.
    pub investor: String,
    pub investor_code: String,
    pub location: String,
    /// 概算投资 in 万元, up to two decimals ("51480.5").
    pub investment: String,
    /// The industry as people name it (e.g. 房地产业).
    #[serde(default)]
    pub industry: String,
}

/// At most 1 万亿元 (10^8 万元), in hundredths of 万元.
pub const MAX_INVESTMENT: i64 = 100_000_000 * 100;

/// A registered project's checked values: the code parsed, the investment in hundredths of
/// 万元 (百元).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProject {
    pub code: ProjectCode,
    pub investor_code: String,
    pub investment: i64,
}

impl ProjectInput {
    /// Every field's problem at once.
    pub fn check(&self, this_year: i32) -> Result<CheckedProject, FieldErrors> {
        let mut e = FieldErrors::new();
        let code = ProjectCode::parse(&self.code, this_year);
        if let Err(m) = &code {
            e.add("code", format!("投资项目代码{m}"));
        }
        for (field, value, max) in [
            ("name", &self.name, 100),
            ("investor", &self.investor, 100),
            ("location", &self.location, 200),
        ] {
            let n = value.trim().chars().count();
            if n == 0 || n > max {
                e.add(field, format!("请填写（{max} 字以内）"));
            }
        }
        if self.industry.chars().count() > 50 {
            e.add("industry", "不能超过 50 个字符");
        }
        let investor_code = CreditCode::parse(self.investor_code.trim());
        if let Err(m) = &investor_code {
            e.add("investor_code", format!("统一社会信用代码{m}"));
        }
        let investment = parse_wan(&self.investment);
        if let Err(m) = &investment {
            e.add("investment", m.clone());
        }
        e.into_result()?;
        Ok(CheckedProject {
            code: code.map_err(|m| FieldErrors::single("code", m))?,
            investor_code: investor_code
                .map(|c| c.as_str().to_owned())
                .map_err(|m| FieldErrors::single("investor_code", m.to_string()))?,
            investment: investment.map_err(|m| FieldErrors::single("investment", m))?,
        })
    }
}

/// 万元 with up to two decimals into hundredths of 万元, above zero and at most 1 万亿元.
pub fn parse_wan(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 9
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err("概算投资请填写万元数，最多两位小数".into());
    }
    let value = whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(format!("{frac:0<2}").parse::<i64>().unwrap_or(0)))
        .ok_or_else(|| "概算投资超出范围".to_owned())?;
    if value <= 0 || value > MAX_INVESTMENT {
        return Err("概算投资应大于 0 且不超过 1 万亿元".into());
    }
    Ok(value)
}

/// Hundredths of 万元 as people write them: 51480.50 万元 → "51480.50".
pub fn wan_text(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// One stage of the centre's approval path for projects, handled as a joint case over the
/// items of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StagePlan {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bundle_id: BundleId,
}

/// The path's own rules: one to eight stages, each named once.
pub fn check_plan(plan: &[StagePlan]) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if plan.is_empty() || plan.len() > 8 {
        e.add("stages", "审批阶段应为 1 至 8 个");
    }
    for (i, s) in plan.iter().enumerate() {
        let n = s.name.trim().chars().count();
        if n == 0 || n > 30 {
            e.add(&format!("stages[{i}].name"), "请填写阶段名称（30 字以内）");
        } else if plan[..i].iter().any(|p| p.name.trim() == s.name.trim()) {
            e.add(&format!("stages[{i}].name"), "阶段名称重复");
        }
    }
    e.into_result()
}

/// 代办: the centre's agent for a project, under the investor's letter of authorisation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentInput {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub staff_id: crate::ids::StaffId,
    /// The letter's number and what it covers (委托书编号及代办范围).
    pub authorisation: String,
    /// YYYY-MM-DD, today or later.
    pub valid_until: String,
}

impl AgentInput {
    pub fn check(&self, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, FieldErrors> {
        let mut e = FieldErrors::new();
        let n = self.authorisation.trim().chars().count();
        if n == 0 || n > 200 {
            e.add("authorisation", "请填写委托书编号及代办范围（200 字以内）");
        }
        let until = chrono::NaiveDate::parse_from_str(self.valid_until.trim(), "%Y-%m-%d");
        match until {
            Ok(d) if d < today => e.add("valid_until", "委托期限不能早于今天"),
            Ok(_) => {}
            Err(_) => e.add("valid_until", "日期格式应为 YYYY-MM-DD"),
        }
        e.into_result()?;
        until.map_err(|_| FieldErrors::single("valid_until", "日期格式应为 YYYY-MM-DD"))
    }
}

/// 会商: a consultation meeting on a complex project.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingInput {
    /// YYYY-MM-DD, recorded on or after the day.
    pub held_on: String,
    pub topic: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub invited: Vec<crate::ids::DepartmentId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub attended: Vec<crate::ids::DepartmentId>,
    pub minutes: String,
    pub decisions: String,
}

impl MeetingInput {
    /// Every field's problem at once; the meeting cannot be later than `today`.
    pub fn check(&self, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, FieldErrors> {
        let mut e = FieldErrors::new();
        let held = chrono::NaiveDate::parse_from_str(self.held_on.trim(), "%Y-%m-%d");
        match held {
            Ok(d) if d > today => e.add("held_on", "会商纪要在会后登记，日期不能晚于今天"),
            Ok(_) => {}
            Err(_) => e.add("held_on", "日期格式应为 YYYY-MM-DD"),
        }
        for (field, value, max) in [
            ("topic", &self.topic, 100),
            ("minutes", &self.minutes, 5000),
            ("decisions", &self.decisions, 2000),
        ] {
            let n = value.trim().chars().count();
            if n == 0 || n > max {
                e.add(field, format!("请填写（{max} 字以内）"));
            }
        }
        if self.invited.is_empty() || self.invited.len() > 50 {
            e.add("invited", "请选择受邀部门（至多 50 个）");
        }
        if let Some(d) = self.attended.iter().find(|d| !self.invited.contains(d)) {
            e.add("attended", format!("出席的部门 {d} 不在受邀部门中"));
        }
        e.into_result()?;
        held.map_err(|_| FieldErrors::single("held_on", "日期格式应为 YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_and_agents_are_checked() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 9, 28).unwrap();
        let meeting = MeetingInput {
            held_on: "2026-09-29".into(),
            topic: String::new(),
            invited: vec![crate::ids::DepartmentId(1)],
            attended: vec![crate::ids::DepartmentId(2)],
            minutes: "会议纪要".into(),
            decisions: String::new(),
        };
        let e = meeting.check(today).unwrap_err();
        for field in ["held_on", "topic", "attended", "decisions"] {
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
        let agent = AgentInput {
            staff_id: crate::ids::StaffId(1),
            authorisation: "委托书 2026-001：全部审批阶段".into(),
            valid_until: "2026-09-27".into(),
        };
        assert!(
            agent
                .check(today)
                .unwrap_err()
                .message_for("valid_until")
                .is_some()
        );
    }

    #[test]
    fn project_codes_are_read_part_by_part() {
        let code = ProjectCode::parse("2017-530102-47-03-012345", 2026).unwrap();
        assert_eq!(code.year, 2017);
        assert_eq!(code.region, "530102");
        assert_eq!(code.industry, 47);
        assert_eq!(code.kind, ProjectKind::Filing);
        assert_eq!(code.sequence, 12345);
        for (bad, part) in [
            ("2017-530102-47-03", "格式"),
            ("2030-530102-47-03-012345", "年份"),
            ("1999-530102-47-03-012345", "年份"),
            ("2017-53010-47-03-012345", "区划"),
            ("2017-530102-98-03-012345", "行业"),
            ("2017-530102-47-04-012345", "类型"),
            ("2017-530102-47-03-000000", "流水号"),
            ("２017-530102-47-03-012345", "年份"),
        ] {
            let m = ProjectCode::parse(bad, 2026).unwrap_err();
            assert!(m.contains(part), "{bad}: {m}");
        }
    }

    #[test]
    fn investments_are_wan_with_two_decimals() {
        assert_eq!(parse_wan("51480.5"), Ok(5_148_050));
        assert_eq!(wan_text(5_148_050), "51480.50");
        for bad in ["", "0", "-5", "1.234", "1e5", "100000001", "12,000"] {
            assert!(parse_wan(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_project_reports_every_bad_field() {
        let e = ProjectInput {
            code: "2017-530102-47-05-012345".into(),
            investor_code: "91371302MA3C7Q5K8X".into(),
            investment: "abc".into(),
            ..Default::default()
        }
        .check(2026)
        .unwrap_err();
        for field in [
            "code",
            "name",
            "investor",
            "location",
            "investor_code",
            "investment",
        ] {
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }
}
