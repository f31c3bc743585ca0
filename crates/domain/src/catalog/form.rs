//! An item version's application form (申请表): the fields an applicant fills in online, each
//! with a key, a Chinese label, a type, whether it is required, help text and a simple
//! condition (shown only when an earlier field has a value, or a given value). The definition
//! is checked when the version is published; the answers are checked against it when an
//! application is submitted, each problem named by its field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::ids::{CreditCode, ResidentId};
use crate::org::FieldErrors;

code_enum! {
    /// What a form field holds, and so how its answer is checked.
    #[derive(Default)]
    pub enum FieldType {
        #[default]
        Text = "text", "单行文字";
        MultiLine = "multiline", "多行文字";
        Number = "number", "数字";
        Date = "date", "日期";
        Choice = "choice", "选择";
        ResidentId = "resident_id", "居民身份证号码";
        CreditCode = "credit_code", "统一社会信用代码";
        Mobile = "mobile", "手机号码";
        Address = "address", "地址";
        Amount = "amount", "金额（元）";
    }
}

/// The most fields a form may have, and the most options a choice may offer.
pub const MAX_FIELDS: usize = 100;
pub const MAX_OPTIONS: usize = 50;

/// One field of an application form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Lower-case letters, digits and `_`, starting with a letter; unique in the form.
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: String,
    /// The choices of a `choice` field, in the order shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Shown (and asked) only when this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_when: Option<Condition>,
}

/// A field is shown when an earlier field has an answer (`equals` empty) or that very answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default)]
    pub equals: String,
}

impl Condition {
    /// A condition written in one line, as the item editor and the demo's forms write it:
    /// `key` (has an answer) or `key=value`; none for blank text.
    pub fn parse(text: &str) -> Option<Condition> {
        let text = text.trim();
        (!text.is_empty()).then(|| {
            let (field, equals) = text.split_once('=').unwrap_or((text, ""));
            Condition {
                field: field.trim().to_owned(),
                equals: equals.trim().to_owned(),
            }
        })
    }

    /// The one-line form `parse` reads.
    pub fn text(&self) -> String {
        if self.equals.is_empty() {
            self.field.clone()
        } else {
            format!("{}={}", self.field, self.equals)
        }
    }
}

/// Whether `key` can name a form field: a lower-case letter, then lower-case letters, digits
/// and `_`, 32 bytes at most.
pub fn valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 32
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Every rule a form definition must satisfy, each broken rule named by its path
/// (`form[2].options`). Conditions may only name an earlier field, so no form can loop.
pub fn check_form(form: &[FormField], e: &mut FieldErrors) {
    if form.len() > MAX_FIELDS {
        e.add("form", format!("申请表最多 {MAX_FIELDS} 个字段"));
    }
    for (i, f) in form.iter().enumerate() {
        let at = |name: &str| format!("form[{i}].{name}");
        if !valid_key(&f.key) {
            e.add(
                &at("key"),
                "字段标识须以小写字母开头，只含小写字母、数字和下划线，最长 32 位",
            );
        } else if form[..i].iter().any(|g| g.key == f.key) {
            e.add(&at("key"), format!("字段标识“{}”重复", f.key));
        }
        super::check_len(e, &at("label"), &f.label, 50, true);
        super::check_len(e, &at("help"), &f.help, 200, false);
        match f.field_type {
            FieldType::Choice if f.options.is_empty() => {
                e.add(&at("options"), "选择题至少需要一个选项")
            }
            FieldType::Choice if f.options.len() > MAX_OPTIONS => {
                e.add(&at("options"), format!("最多 {MAX_OPTIONS} 个选项"))
            }
            FieldType::Choice => {
                for (j, o) in f.options.iter().enumerate() {
                    if o.trim().is_empty() || o.chars().count() > 50 {
                        e.add(&at(&format!("options[{j}]")), "选项须为 1–50 个字符");
                    } else if f.options[..j].contains(o) {
                        e.add(&at(&format!("options[{j}]")), format!("选项“{o}”重复"));
                    }
                }
            }
            _ if !f.options.is_empty() => e.add(&at("options"), "只有选择题可以设置选项"),
            _ => {}
        }
        if let Some(c) = &f.shown_when {
            match form[..i].iter().find(|g| g.key == c.field) {
                None => e.add(
                    &at("shown_when"),
                    format!("显示条件须引用排在前面的字段，“{}”不是", c.field),
                ),
                Some(g)
                    if g.field_type == FieldType::Choice
                        && !c.equals.is_empty()
                        && !g.options.contains(&c.equals) =>
                {
                    e.add(
                        &at("shown_when"),
                        format!("“{}”不是字段“{}”的选项", c.equals, g.label),
                    )
                }
                Some(_) => {}
            }
        }
    }
}

/// Whether `field` is asked, given the answers so far.
fn shown(field: &FormField, answers: &BTreeMap<String, String>) -> bool {
    field.shown_when.as_ref().is_none_or(|c| {
        answers
            .get(&c.field)
            .is_some_and(|v| !v.is_empty() && (c.equals.is_empty() || *v == c.equals))
    })
}

/// The largest amount a form takes, in yuan: a trillion.
const MAX_YUAN: u64 = 1_000_000_000_000;

/// An amount in yuan (`12`, `12.5`, `12.50`) as fen, or why not.
pub fn parse_yuan(raw: &str) -> Result<u64, &'static str> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, "0"));
    if whole.is_empty()
        || frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("应为金额，如 1200 或 1200.50（最多两位小数）");
    }
    let yuan: u64 = whole.parse().map_err(|_| "金额过大")?;
    if yuan > MAX_YUAN {
        return Err("金额过大");
    }
    let fen: u64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(yuan * 100 + fen)
}

/// Checks one answer by the field's type; returns it normalised.
fn check_answer(field: &FormField, raw: &str) -> Result<String, String> {
    let value = raw.trim();
    let too_long = |max: usize| value.chars().count() > max;
    match field.field_type {
        FieldType::Text if too_long(200) => Err("不能超过 200 个字符".into()),
        FieldType::Address if too_long(200) => Err("不能超过 200 个字符".into()),
        FieldType::MultiLine if too_long(2000) => Err("不能超过 2000 个字符".into()),
        FieldType::Text | FieldType::Address => Ok(value.to_owned()),
        // Line breaks are kept; only the ends are trimmed.
        FieldType::MultiLine => Ok(value.replace("\r\n", "\n")),
        FieldType::Number => match value.parse::<f64>() {
            Ok(n) if n.is_finite() && n.abs() < 1e12 && value.len() <= 20 => Ok(value.to_owned()),
            _ => Err("应为数字".into()),
        },
        FieldType::Date => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(d) if (1900..=2100).contains(&chrono::Datelike::year(&d)) => {
                Ok(d.format("%Y-%m-%d").to_string())
            }
            _ => Err("应为日期，如 2026-12-04".into()),
        },
        FieldType::Choice if field.options.iter().any(|o| o == value) => Ok(value.to_owned()),
        FieldType::Choice => Err("请从选项中选择".into()),
        // A lower-case x or letter is what people type; the number is the same.
        FieldType::ResidentId => {
            let upper = value.to_uppercase();
            ResidentId::parse(&upper)
                .map(|_| upper)
                .map_err(|e| format!("居民身份证号码{e}"))
        }
        FieldType::CreditCode => {
            let upper = value.to_uppercase();
            CreditCode::parse(&upper)
                .map(|_| upper)
                .map_err(|e| format!("统一社会信用代码{e}"))
        }
        FieldType::Mobile
            if value.len() == 11
                && value.starts_with('1')
                && value.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(value.to_owned())
        }
        FieldType::Mobile => Err("应为 11 位手机号码".into()),
        FieldType::Amount => parse_yuan(value)
            .map(|fen| format!("{}.{:02}", fen / 100, fen % 100))
            .map_err(str::to_owned),
    }
}

/// Checks an application's answers against the form: every required field that is shown is
/// answered, every answer fits its type, no answer to a field the form lacks. Answers to
/// fields hidden by their condition are dropped. Returns the normalised answers, or every
/// problem by `answers.<key>`.
pub fn check_answers(
    form: &[FormField],
    answers: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, FieldErrors> {
    let mut e = FieldErrors::new();
    for key in answers.keys() {
        if !form.iter().any(|f| &f.key == key) {
            e.add(&format!("answers.{key}"), "申请表没有这一项");
        }
    }
    let mut out = BTreeMap::new();
    for f in form {
        if !shown(f, &out) {
            continue;
        }
        let path = format!("answers.{}", f.key);
        match answers
            .get(&f.key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            None if f.required => e.add(&path, format!("请填写“{}”", f.label)),
            None => {}
            Some(raw) => match check_answer(f, raw) {
                Ok(v) => {
                    out.insert(f.key.clone(), v);
                }
                Err(why) => e.add(&path, format!("“{}”{why}", f.label)),
            },
        }
    }
    e.into_result()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, field_type: FieldType) -> FormField {
        FormField {
            key: key.into(),
            label: key.to_uppercase(),
            field_type,
            ..Default::default()
        }
    }

    fn paths(e: &FieldErrors) -> Vec<&str> {
        e.0.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn a_form_definition_is_checked_field_by_field() {
        let mut form = vec![
            FormField {
                options: vec!["新办".into(), "延续".into()],
                ..field("kind", FieldType::Choice)
            },
            FormField {
                shown_when: Some(Condition {
                    field: "kind".into(),
                    equals: "延续".into(),
                }),
                ..field("old_no", FieldType::Text)
            },
        ];
        let mut e = FieldErrors::new();
        check_form(&form, &mut e);
        assert!(e.0.is_empty(), "{e:?}");
        form.push(field("Old", FieldType::Text));
        form.push(field("kind", FieldType::Text));
        form.push(FormField {
            options: vec!["a".into()],
            ..field("area", FieldType::Number)
        });
        form.push(field("shop", FieldType::Choice));
        // A condition on a later field (a loop could follow) or an option the choice lacks.
        form[0].shown_when = Some(Condition {
            field: "old_no".into(),
            equals: String::new(),
        });
        form[1].shown_when.as_mut().unwrap().equals = "变更".into();
        let mut e = FieldErrors::new();
        check_form(&form, &mut e);
        assert_eq!(
            paths(&e),
            [
                "form[0].shown_when",
                "form[1].shown_when",
                "form[2].key",
                "form[3].key",
                "form[4].options",
                "form[5].options"
            ]
        );
    }

    #[test]
    fn answers_are_checked_by_type_and_condition() {
        let form = vec![
            FormField {
                required: true,
                options: vec!["新办".into(), "延续".into()],
                ..field("kind", FieldType::Choice)
            },
            FormField {
                required: true,
                shown_when: Some(Condition {
                    field: "kind".into(),
                    equals: "延续".into(),
                }),
                ..field("old_no", FieldType::Text)
            },
            field("opened", FieldType::Date),
            field("capital", FieldType::Amount),
            field("owner", FieldType::ResidentId),
            field("phone", FieldType::Mobile),
            field("staff", FieldType::Number),
        ];
        let answers = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        // 新办: the old licence number is not asked, and its stray answer is dropped.
        let ok = check_answers(
            &form,
            &answers(&[
                ("kind", "新办"),
                ("old_no", "JY123"),
                ("opened", "2026-12-04"),
                ("capital", " 50000.5 "),
                ("owner", "11010519491231002x"),
                ("phone", "13800000000"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.get("old_no"), None);
        assert_eq!(ok["capital"], "50000.50");
        assert_eq!(ok["owner"], "11010519491231002X");
        // 延续 asks for it; every bad answer is named.
        let err = check_answers(
            &form,
            &answers(&[
                ("kind", "延续"),
                ("opened", "2026-02-30"),
                ("capital", "1.234"),
                ("owner", "110105194912310021"),
                ("phone", "1380000"),
                ("staff", "many"),
                ("unknown", "x"),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            paths(&err),
            [
                "answers.unknown",
                "answers.old_no",
                "answers.opened",
                "answers.capital",
                "answers.owner",
                "answers.phone",
                "answers.staff"
            ]
        );
        assert!(check_answers(&form, &answers(&[("kind", "其他")])).is_err());
    }

    #[test]
    fn a_version_carries_its_form_through_validation_and_the_diff() {
        use crate::catalog::{diff, display_value, element_label};
        let mut before = crate::catalog::tests::sample();
        before.form = vec![FormField {
            required: true,
            ..field("shop_name", FieldType::Text)
        }];
        let mut after = before.clone();
        after.form[0].label = "店铺名称".into();
        // Inserted in front: fields are matched by key, not by position.
        after.form.insert(0, field("area", FieldType::Number));
        let changes = diff(&before, &after);
        let changed: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(changed, ["form[shop_name].label", "form[area]"]);
        // Matched by key, named by label.
        assert_eq!(changes[0].label, "申请表“店铺名称” › 字段名称");
        assert_eq!(element_label("form[shop_name]"), "申请表“shop_name”");
        assert_eq!(
            display_value("form[area].field_type", Some(&serde_json::json!("number"))),
            "数字"
        );
        assert_eq!(after.validate(&crate::catalog::tests::AllExist), Ok(()));
        after.form.push(field("area", FieldType::Text));
        let err = after
            .validate(&crate::catalog::tests::AllExist)
            .unwrap_err();
        assert_eq!(paths(&err), ["form[2].key"]);
        // An unknown field type is refused where the document is read.
        let mut json = serde_json::to_value(&after).unwrap();
        json["form"][0]["field_type"] = "photo".into();
        assert!(serde_json::from_value::<crate::catalog::ItemDoc>(json).is_err());
    }

    #[test]
    fn amounts_in_yuan_are_bounded_and_exact() {
        assert_eq!(parse_yuan("0.01"), Ok(1));
        assert_eq!(parse_yuan("1200"), Ok(120_000));
        assert_eq!(parse_yuan("1200.5"), Ok(120_050));
        for bad in [
            "",
            ".5",
            "1.",
            "1.234",
            "-1",
            "1e3",
            "１２",
            "1000000000001",
        ] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
    }
}
