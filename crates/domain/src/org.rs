//! The organisation of a service centre (DOMAIN.md §1): regions, centres, departments,
//! windows and staff, with the rules that keep their values meaningful.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Field-level validation failures: (field, Chinese message). Collected so that a form shows
/// every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub const fn new() -> Self {
        Self(Vec::new())
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }
    /// `Ok(())` when nothing was collected.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
    /// Every message in one line, as a page's banner shows them.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// Checks a required free-text field and returns it trimmed.
pub fn required_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "不能为空");
    } else if v.chars().count() > max {
        errors.add(field, format!("不能超过 {max} 个字符"));
    }
    v.to_owned()
}

/// 行政区划代码: 12 digits (GB/T 2260 extended to township and village, GB/T 39046 A.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() != 12 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err("应为 12 位数字".into());
        }
        Ok(RegionCode(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The level implied by which digits are significant: 2 省, 3 市, 4 县, 5 乡镇, 6 村.
    /// All-zero province digits never occur; the national level has no code of its own here.
    pub fn implied_level(&self) -> RegionLevel {
        let b = self.0.as_bytes();
        let zero = |r: std::ops::Range<usize>| b[r].iter().all(|&d| d == b'0');
        if !zero(9..12) {
            RegionLevel::Village
        } else if !zero(6..9) {
            RegionLevel::Township
        } else if !zero(4..6) {
            RegionLevel::County
        } else if !zero(2..4) {
            RegionLevel::City
        } else {
            RegionLevel::Province
        }
    }
    /// Whether `self` lies inside `parent` (the parent's significant digits are a prefix).
    pub fn is_within(&self, parent: &RegionCode) -> bool {
        let significant = match parent.implied_level() {
            RegionLevel::National => 0,
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        };
        self != parent && self.0[..significant] == parent.0[..significant]
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 行政区划层级 (GB/T 39046 A.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RegionLevel {
    National = 1,
    Province = 2,
    City = 3,
    County = 4,
    Township = 5,
    Village = 6,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 6] = [
        RegionLevel::National,
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::County,
        RegionLevel::Township,
        RegionLevel::Village,
    ];
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|l| *l as i64 == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::National => "国家级",
            RegionLevel::Province => "省级",
            RegionLevel::City => "市级",
            RegionLevel::County => "县级",
            RegionLevel::Township => "乡镇级",
            RegionLevel::Village => "村级",
        }
    }
}

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable key stored in the database and used in the API.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            /// The Chinese name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($key => Ok($name::$variant),)+
                    other => Err(format!("未知取值“{other}”")),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

labelled_enum!(
    /// Staff roles. A staff member may hold several.
    Role {
        Clerk => ("clerk", "窗口人员"),
        Reviewer => ("reviewer", "审核人"),
        Approver => ("approver", "审批人"),
        ChiefRepresentative => ("chief_representative", "首席代表"),
        CentreAdmin => ("centre_admin", "中心管理员"),
        Supervisor => ("supervisor", "监察人员"),
        TradingOfficer => ("trading_officer", "交易中心工作人员"),
    }
);

labelled_enum!(
    /// Delegated powers of a window's chief representative (首席代表), granted explicitly.
    Power {
        InstantDecision => ("instant_decision", "即办件即办权"),
        PromisedSupervision => ("promised_supervision", "承诺件督办权"),
        JointCoordination => ("joint_coordination", "联办件协调权"),
        ReportedPreReview => ("reported_pre_review", "上报件初审权"),
        ReturnGatekeeping => ("return_gatekeeping", "退办件把关权"),
        SupplementVerification => ("supplement_verification", "补办件核实权"),
        SealUse => ("seal_use", "专用章使用权"),
    }
);

labelled_enum!(
    /// What kind of account logs in.
    AccountKind {
        Staff => ("staff", "工作人员"),
        Individual => ("individual", "自然人"),
        Company => ("company", "法人"),
    }
);

labelled_enum!(
    /// A centre is the main centre of its region or a specialised sub-centre (分中心).
    CentreKind {
        Main => ("main", "政务服务中心"),
        Sub => ("sub", "分中心"),
    }
);

/// A mobile number in mainland China: 11 digits starting with 1.
pub fn validate_mobile(errors: &mut FieldErrors, field: &str, raw: &str) -> String {
    let v = raw.trim();
    if v.len() != 11 || !v.starts_with('1') || !v.bytes().all(|b| b.is_ascii_digit()) {
        errors.add(field, "手机号码应为以 1 开头的 11 位数字");
    }
    v.to_owned()
}

/// Window numbers are what the queue display shows: short, letters and digits.
pub fn validate_window_number(errors: &mut FieldErrors, raw: &str) -> String {
    let v = raw.trim();
    if v.is_empty() || v.len() > 8 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        errors.add("number", "窗口编号应为 1–8 位字母、数字或连字符");
    }
    v.to_owned()
}

/// Login names for staff: 3–32 lower-case letters, digits, dot, underscore or hyphen.
pub fn validate_login(errors: &mut FieldErrors, raw: &str) -> String {
    let v = raw.trim();
    let ok = (3..=32).contains(&v.len())
        && v.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !ok {
        errors.add(
            "login",
            "登录名应为 3–32 位小写字母、数字、点、下划线或连字符",
        );
    }
    v.to_owned()
}

/// Passwords: at least 8 characters with letters and digits.
pub fn validate_password(errors: &mut FieldErrors, field: &str, raw: &str) {
    let long = raw.chars().count() >= 8;
    let mixed =
        raw.chars().any(|c| c.is_ascii_alphabetic()) && raw.chars().any(|c| c.is_ascii_digit());
    if !(long && mixed) || raw.len() > 128 {
        errors.add(field, "密码至少 8 位，须同时包含字母和数字");
    }
}

crate::actions! {
    /// What may be done with the organisation of a centre.
    pub enum OrgAction {
        /// See regions, centres, halls, departments and windows (all staff).
        View => Read,
        /// Create or change regions, centres, halls, zones and departments.
        Manage => Write,
        /// Create or change windows of a department (the whole centre when no department).
        ManageWindows => Write,
        /// See staff records of a department.
        ViewStaff => Read,
        /// Create or change staff, their roles and seats, of a department.
        ManageStaff => Write,
        /// Grant or revoke chief-representative powers.
        GrantPowers => Write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_levels_follow_significant_digits() {
        let p = RegionCode::parse("370000000000").unwrap();
        let c = RegionCode::parse("371300000000").unwrap();
        let k = RegionCode::parse("371302000000").unwrap();
        let t = RegionCode::parse("371302001000").unwrap();
        assert_eq!(p.implied_level(), RegionLevel::Province);
        assert_eq!(c.implied_level(), RegionLevel::City);
        assert_eq!(k.implied_level(), RegionLevel::County);
        assert_eq!(t.implied_level(), RegionLevel::Township);
        assert!(c.is_within(&p));
        assert!(k.is_within(&c));
        assert!(!k.is_within(&RegionCode::parse("371400000000").unwrap()));
        assert!(RegionCode::parse("37130000000").is_err());
    }

    #[test]
    fn enums_round_trip_through_their_keys() {
        for r in Role::ALL {
            assert_eq!(r.key().parse::<Role>(), Ok(*r));
        }
        assert!("boss".parse::<Role>().is_err());
    }
}
