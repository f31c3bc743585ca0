//! Identity numbers that arrive from outside: resident ids (GB 11643) and unified social credit
//! codes (GB 32100). Each is parsed once into a type that cannot hold an invalid value.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why an identity number was rejected. The Chinese message is what applicants and clerks read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("不能为空")]
    Empty,
    #[error("含有全角字符，请使用半角字母和数字")]
    FullWidth,
    #[error("应为 {expected} 位，实际 {actual} 位")]
    Length { expected: usize, actual: usize },
    #[error("字母须大写（第 {position} 位）")]
    LowerCase { position: usize },
    #[error("第 {position} 位字符“{ch}”不允许出现")]
    InvalidChar { position: usize, ch: char },
    #[error("出生日期 {0} 无效")]
    BirthDate(String),
    #[error("校验码错误")]
    CheckDigit,
}

impl IdError {
    /// A stable English code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "empty",
            IdError::FullWidth => "full_width",
            IdError::Length { .. } => "length",
            IdError::LowerCase { .. } => "lower_case",
            IdError::InvalidChar { .. } => "invalid_char",
            IdError::BirthDate(_) => "birth_date",
            IdError::CheckDigit => "check_digit",
        }
    }
}

fn common_checks(raw: &str, expected_len: usize) -> Result<Vec<char>, IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    // Full-width forms (U+FF01..U+FF5E) and the ideographic space are the usual IME accident.
    if raw
        .chars()
        .any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}')
    {
        return Err(IdError::FullWidth);
    }
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() != expected_len {
        return Err(IdError::Length {
            expected: expected_len,
            actual: chars.len(),
        });
    }
    Ok(chars)
}

/// 居民身份证号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence,
/// and an ISO 7064 MOD 11-2 check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl ResidentId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let chars = common_checks(raw, 18)?;
        for (i, &c) in chars[..17].iter().enumerate() {
            if !c.is_ascii_digit() {
                return Err(IdError::InvalidChar {
                    position: i + 1,
                    ch: c,
                });
            }
        }
        match chars[17] {
            'x' => return Err(IdError::LowerCase { position: 18 }),
            c if c.is_ascii_digit() || c == 'X' => {}
            c => {
                return Err(IdError::InvalidChar {
                    position: 18,
                    ch: c,
                });
            }
        }
        let birth: String = chars[6..14].iter().collect();
        let date = NaiveDate::parse_from_str(&birth, "%Y%m%d")
            .map_err(|_| IdError::BirthDate(birth.clone()))?;
        if date < NaiveDate::from_ymd_opt(1850, 1, 1).unwrap_or(NaiveDate::MIN) {
            return Err(IdError::BirthDate(birth));
        }
        if resident_check_char(&chars[..17]) != chars[17] {
            return Err(IdError::CheckDigit);
        }
        Ok(ResidentId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Proven at parse time.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated birth date")
    }

    /// The number with the middle digits hidden, for pages that must not show it whole.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// The GB 11643 check character for 17 leading digits.
pub fn resident_check_char(first17: &[char]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(RESIDENT_WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    RESIDENT_CHECK[(sum % 11) as usize]
}

/// 统一社会信用代码 (GB 32100-2015): registration authority, entity category, 6-digit division
/// code, 9-character organisation code, and a MOD 31 check character. Letters I O Z S V are
/// never used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_value(c: char) -> Option<u32> {
    CREDIT_ALPHABET.find(c).map(|i| i as u32)
}

impl CreditCode {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let chars = common_checks(raw, 18)?;
        for (i, &c) in chars.iter().enumerate() {
            let position = i + 1;
            if c.is_ascii_lowercase() {
                return Err(IdError::LowerCase { position });
            }
            let allowed = if (3..=8).contains(&position) {
                c.is_ascii_digit()
            } else {
                credit_value(c).is_some()
            };
            if !allowed {
                return Err(IdError::InvalidChar { position, ch: c });
            }
        }
        if credit_check_char(&chars[..17]) != chars[17] {
            return Err(IdError::CheckDigit);
        }
        Ok(CreditCode(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The GB 32100 check character for 17 leading characters from the code's alphabet.
pub fn credit_check_char(first17: &[char]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(CREDIT_WEIGHTS)
        .map(|(&c, w)| credit_value(c).unwrap_or(0) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_ALPHABET
        .chars()
        .nth(check as usize)
        .expect("check value is below 31")
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.0
            }
        }
    };
}
string_newtype_impls!(ResidentId);
string_newtype_impls!(CreditCode);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_resident_ids_pass() {
        // The worked examples printed in GB 11643-1999.
        for id in ["11010519491231002X", "440524188001010014"] {
            assert!(ResidentId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn published_credit_code_passes() {
        // The example printed in GB 32100-2015 and on the national credit-code site.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
    }

    #[test]
    fn resident_id_errors_are_specific() {
        assert_eq!(
            ResidentId::parse("11010519491231002x"),
            Err(IdError::LowerCase { position: 18 })
        );
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002"),
            Err(IdError::Length {
                expected: 18,
                actual: 17
            })
        );
        assert_eq!(
            ResidentId::parse("１１010519491231002X"),
            Err(IdError::FullWidth)
        );
        assert!(matches!(
            ResidentId::parse("110105194902300027"),
            Err(IdError::BirthDate(_))
        ));
    }

    #[test]
    fn credit_code_errors_are_specific() {
        assert_eq!(
            CreditCode::parse("91350100m000100Y43"),
            Err(IdError::LowerCase { position: 9 })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100I43"),
            Err(IdError::InvalidChar {
                position: 16,
                ch: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("９1350100M000100Y43"),
            Err(IdError::FullWidth)
        );
    }

    fn resident_strategy() -> impl Strategy<Value = String> {
        (
            100000u32..=659999,
            (1900i32..=2025, 1u32..=12, 1u32..=28),
            0u32..=999,
        )
            .prop_map(|(area, (y, m, d), seq)| {
                let body = format!("{area:06}{y:04}{m:02}{d:02}{seq:03}");
                let chars: Vec<char> = body.chars().collect();
                format!("{body}{}", resident_check_char(&chars))
            })
    }

    fn credit_strategy() -> impl Strategy<Value = String> {
        let alphabet: Vec<char> = CREDIT_ALPHABET.chars().collect();
        let any_char = proptest::sample::select(alphabet);
        (
            proptest::sample::select(vec!['1', '5', '9', 'Y']),
            proptest::sample::select(vec!['1', '2', '3', '9']),
            100000u32..=659999,
            proptest::collection::vec(any_char, 9),
        )
            .prop_map(|(authority, category, division, org)| {
                let org: String = org.into_iter().collect();
                let body = format!("{authority}{category}{division:06}{org}");
                let chars: Vec<char> = body.chars().collect();
                format!("{body}{}", credit_check_char(&chars))
            })
    }

    proptest! {
        #[test]
        fn generated_resident_ids_pass(id in resident_strategy()) {
            prop_assert!(ResidentId::parse(&id).is_ok());
        }

        #[test]
        fn any_single_change_to_a_resident_id_fails(
            id in resident_strategy(), pos in 0usize..18, replacement in proptest::sample::select("0123456789X".chars().collect::<Vec<_>>())
        ) {
            let mut chars: Vec<char> = id.chars().collect();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn generated_credit_codes_pass(code in credit_strategy()) {
            prop_assert!(CreditCode::parse(&code).is_ok());
        }

        #[test]
        fn any_single_change_to_a_credit_code_fails(
            code in credit_strategy(), pos in 0usize..18, replacement in proptest::sample::select(CREDIT_ALPHABET.chars().collect::<Vec<_>>())
        ) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}

/// Declares record keys as types of their own: the key of one kind of record cannot be passed
/// where another kind's is expected. Each is sent as a plain number and read from the integer
/// column it is stored in.
#[macro_export]
macro_rules! id_types {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);

        impl $name {
            /// The number as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> $name {
                $name(v)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> i64 {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

id_types! {
    /// A case (办件).
    CaseId;
    /// A service item (事项) of the catalogue.
    ItemId;
    /// A department (部门) of a centre.
    DepartmentId;
    /// A centre (政务服务中心).
    CentreId;
    /// A hall (大厅) of a centre.
    HallId;
    /// A window (窗口) of a hall.
    WindowId;
    /// A staff member's record (工作人员), linked to their account.
    StaffId;
    /// An account (账户) of staff or of an applicant.
    AccountId;
    /// A 一件事一次办 bundle of items.
    BundleId;
}
