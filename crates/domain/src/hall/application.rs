//! An online application (网上申请) before and after it becomes a case: the draft the applicant
//! fills in (answers, delivery, 容缺 promises) and the uploads attached to it; the limits the
//! centre sets on uploads; the check that turns a draft into a submission; and what a
//! one-time notice (一次性告知) reopens for the applicant to correct.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::Missing;
use crate::catalog::ItemDoc;
use crate::catalog::form::{MAX_FIELDS, check_answers};
use crate::code_enum;
use crate::org::{FieldErrors, validate_mobile};

/// The longest answer kept in a draft, in characters (a multi-line field's text).
pub const MAX_ANSWER: usize = 2_000;
/// The longest delivery address, in characters.
pub const MAX_ADDRESS: usize = 200;

/// What the centre allows applicants to upload (set by its administrator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of one application's files, in bytes.
    pub max_application_bytes: u64,
    /// Most files for one material.
    pub max_files_per_material: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 10 * MIB,
            max_application_bytes: 50 * MIB,
            max_files_per_material: 5,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Bytes as people read a limit: `10 MB`, `512 KB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

impl Limits {
    /// The bounds an administrator may set: a file of 100 KB to 100 MB, an application of at
    /// least one file and at most 1 GB, 1 to 20 files per material.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if !(100 * 1024..=100 * MIB).contains(&self.max_file_bytes) {
            e.add("max_file_bytes", "单个文件上限应在 100 KB 至 100 MB 之间");
        }
        if self.max_application_bytes < self.max_file_bytes
            || self.max_application_bytes > 1024 * MIB
        {
            e.add(
                "max_application_bytes",
                "每件申请的文件总量上限应不小于单个文件上限，且不超过 1024 MB",
            );
        }
        if !(1..=20).contains(&self.max_files_per_material) {
            e.add("max_files_per_material", "每项材料的文件数应为 1 至 20 个");
        }
        e.into_result()
    }
}

code_enum! {
    /// How the applicant receives the result.
    pub enum DeliveryMethod {
        Pickup = "pickup", "窗口领取";
        Express = "express", "快递寄送";
        Electronic = "electronic", "电子送达";
    }
}

/// The applicant's choice of delivery; an express delivery names where to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryChoice {
    #[serde(default)]
    pub method: Option<DeliveryMethod>,
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub address: String,
}

impl DeliveryChoice {
    /// One line for the case page and the applicant: `快递寄送：张三 138…，云南省…`.
    pub fn text(&self) -> String {
        match self.method {
            None => "未选择".into(),
            Some(DeliveryMethod::Express) => format!(
                "快递寄送：{} {}，{}",
                self.recipient, self.mobile, self.address
            ),
            Some(m) => m.label().into(),
        }
    }
}

/// What the applicant has typed so far; saved as they go, checked only on submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftContent {
    /// Answers by form field key.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub delivery: DeliveryChoice,
    /// 容缺 materials the applicant promises to bring after acceptance instead of uploading.
    #[serde(default)]
    pub deferred: Vec<String>,
}

impl DraftContent {
    /// Bounds on what a draft may hold, whatever the form: a hostile client cannot store
    /// megabytes of answers or thousands of keys.
    pub fn check_bounds(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if self.answers.len() > MAX_FIELDS {
            e.add("answers", format!("申请表最多 {MAX_FIELDS} 项"));
        }
        for (k, v) in &self.answers {
            if k.is_empty() || k.len() > 40 {
                e.add("answers", "申请表项目名称无效");
            } else if v.chars().count() > MAX_ANSWER {
                e.add(
                    &format!("answers.{k}"),
                    format!("不能超过 {MAX_ANSWER} 个字符"),
                );
            }
        }
        let d = &self.delivery;
        if d.recipient.chars().count() > 50 || d.mobile.chars().count() > 20 {
            e.add("delivery.recipient", "收件人或电话过长");
        }
        if d.address.chars().count() > MAX_ADDRESS {
            e.add(
                "delivery.address",
                format!("地址不能超过 {MAX_ADDRESS} 个字符"),
            );
        }
        if self.deferred.len() > 100 || self.deferred.iter().any(|m| m.chars().count() > 200) {
            e.add("deferred", "容缺材料过多或名称过长");
        }
        e.into_result()
    }
}

/// A file attached to a draft, as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub material: String,
    pub size: u64,
}

/// Whether one more file of `size` bytes may be attached to `material`: the item has the
/// material, the file is within the limit, the material has room for another file, and the
/// application's total stays within its limit.
pub fn check_upload(
    doc: &ItemDoc,
    limits: &Limits,
    attached: &[Upload],
    material: &str,
    size: u64,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if !doc.materials.iter().any(|m| m.name == material) {
        e.add("material", "本事项没有这项材料");
        return e.into_result();
    }
    if size == 0 {
        e.add("file", "文件为空");
    } else if size > limits.max_file_bytes {
        e.add(
            "file",
            format!("文件不能超过 {}", size_text(limits.max_file_bytes)),
        );
    }
    let count = attached.iter().filter(|u| u.material == material).count();
    if count >= limits.max_files_per_material as usize {
        e.add(
            "file",
            format!(
                "“{material}”最多上传 {} 个文件",
                limits.max_files_per_material
            ),
        );
    }
    let total: u64 = attached.iter().map(|u| u.size).sum();
    if total.saturating_add(size) > limits.max_application_bytes {
        e.add(
            "file",
            format!(
                "本申请的文件总量不能超过 {}（已上传 {}）",
                size_text(limits.max_application_bytes),
                size_text(total)
            ),
        );
    }
    e.into_result()
}

/// A draft that passed every check, ready for the case engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The answers, normalised (fields hidden by their conditions dropped).
    pub answers: BTreeMap<String, String>,
    /// The materials handed in: those with at least one file.
    pub materials: Vec<String>,
    /// The 容缺 materials promised for later.
    pub deferred: Vec<String>,
}

/// Checks a draft against the item version: every answer by its field, every required
/// material uploaded (or, where the catalogue allows 容缺, promised), the delivery chosen
/// (an express delivery with recipient, mobile and address). Problems are named by field:
/// `answers.<key>`, `materials[<i>]`, `delivery.<part>`.
pub fn check_submission(
    doc: &ItemDoc,
    draft: &DraftContent,
    uploads: &[Upload],
) -> Result<Submission, FieldErrors> {
    draft.check_bounds()?;
    let mut e = FieldErrors::new();
    let answers = match check_answers(&doc.form, &draft.answers) {
        Ok(a) => a,
        Err(errors) => {
            e.0.extend(errors.0);
            BTreeMap::new()
        }
    };
    let mut materials = Vec::new();
    let mut deferred = Vec::new();
    for (i, m) in doc.materials.iter().enumerate() {
        let uploaded = uploads.iter().any(|u| u.material == m.name);
        let promised = draft.deferred.contains(&m.name);
        if uploaded {
            materials.push(m.name.clone());
        } else if promised && m.deficiency_allowed {
            deferred.push(m.name.clone());
        } else if promised {
            e.add(
                &format!("materials[{i}]"),
                format!("“{}”不是可容缺材料，请上传", m.name),
            );
        } else if m.requirement == "required" {
            e.add(
                &format!("materials[{i}]"),
                if m.deficiency_allowed {
                    format!("请上传“{}”，或承诺受理后补交（容缺）", m.name)
                } else {
                    format!("请上传“{}”", m.name)
                },
            );
        }
    }
    for name in &draft.deferred {
        if !doc.materials.iter().any(|m| &m.name == name) {
            e.add("deferred", format!("“{name}”不是本事项的材料"));
        }
    }
    let d = &draft.delivery;
    match d.method {
        None => e.add("delivery.method", "请选择结果领取方式"),
        Some(DeliveryMethod::Express) => {
            if d.recipient.trim().is_empty() {
                e.add("delivery.recipient", "请填写收件人");
            }
            validate_mobile(&mut e, "delivery.mobile", &d.mobile);
            if d.address.trim().chars().count() < 5 {
                e.add("delivery.address", "请填写详细的收件地址");
            }
        }
        Some(_) => {}
    }
    e.into_result()?;
    Ok(Submission {
        answers,
        materials,
        deferred,
    })
}

/// What a one-time notice reopens: the form fields it names (by key) and the materials (by
/// name). Everything else stays as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reopened {
    pub fields: Vec<String>,
    pub materials: Vec<String>,
}

impl Reopened {
    pub fn of(asked: &[Missing], doc: &ItemDoc) -> Reopened {
        let mut r = Reopened::default();
        for m in asked {
            match &m.field {
                Some(key) if doc.form.iter().any(|f| &f.key == key) => {
                    r.fields.push(key.clone());
                }
                Some(_) => {}
                None if doc.materials.iter().any(|x| x.name == m.material) => {
                    r.materials.push(m.material.clone());
                }
                None => {}
            }
        }
        r
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.materials.is_empty()
    }

    /// The draft after an edit while correcting: only the reopened answers take the new
    /// values; the delivery and the rest stay as submitted.
    pub fn merge(&self, submitted: &DraftContent, edited: &DraftContent) -> DraftContent {
        let mut out = submitted.clone();
        for key in &self.fields {
            match edited.answers.get(key) {
                Some(v) => out.answers.insert(key.clone(), v.clone()),
                None => out.answers.remove(key),
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Material;
    use crate::catalog::form::{FieldType, FormField};
    use crate::catalog::tests::sample;

    fn doc() -> ItemDoc {
        let mut d = sample();
        d.materials.push(Material {
            name: "经营场所证明".into(),
            copies: 1,
            requirement: "required".into(),
            deficiency_allowed: true,
            source: "applicant".into(),
            ..Default::default()
        });
        d.form = vec![
            FormField {
                key: "shop".into(),
                label: "店名".into(),
                field_type: FieldType::Text,
                required: true,
                ..Default::default()
            },
            FormField {
                key: "area".into(),
                label: "面积".into(),
                field_type: FieldType::Number,
                ..Default::default()
            },
        ];
        d
    }

    fn upload(material: &str, size: u64) -> Upload {
        Upload {
            material: material.into(),
            size,
        }
    }

    fn paths(e: &FieldErrors) -> Vec<&str> {
        e.0.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn uploads_stay_within_the_limits() {
        let doc = doc();
        let limits = Limits {
            max_file_bytes: 1000,
            max_application_bytes: 2500,
            max_files_per_material: 2,
        };
        let m = doc.materials[0].name.clone();
        assert!(check_upload(&doc, &limits, &[], &m, 1000).is_ok());
        let e = check_upload(&doc, &limits, &[], &m, 1001).unwrap_err();
        assert!(e.message_for("file").unwrap().contains("1 KB"), "{e:?}");
        let two = [upload(&m, 900), upload(&m, 900)];
        assert!(check_upload(&doc, &limits, &two, &m, 10).is_err());
        let other = doc.materials[1].name.clone();
        assert!(check_upload(&doc, &limits, &two, &other, 700).is_ok());
        assert!(check_upload(&doc, &limits, &two, &other, 701).is_err());
        assert!(check_upload(&doc, &limits, &[], "不存在的材料", 1).is_err());
        assert!(check_upload(&doc, &limits, &[], &m, 0).is_err());
        assert!(Limits::default().check().is_ok());
        let bad = Limits {
            max_file_bytes: 10,
            max_application_bytes: 5,
            max_files_per_material: 0,
        };
        assert_eq!(
            paths(&bad.check().unwrap_err()),
            [
                "max_file_bytes",
                "max_application_bytes",
                "max_files_per_material"
            ]
        );
    }

    #[test]
    fn a_submission_names_every_problem_by_field() {
        let doc = doc();
        let e = check_submission(&doc, &DraftContent::default(), &[]).unwrap_err();
        let p = paths(&e);
        assert!(p.contains(&"answers.shop"), "{p:?}");
        assert!(p.contains(&"delivery.method"), "{p:?}");
        let required: Vec<usize> = doc
            .materials
            .iter()
            .enumerate()
            .filter(|(_, m)| m.requirement == "required")
            .map(|(i, _)| i)
            .collect();
        for i in &required {
            assert!(p.contains(&format!("materials[{i}]").as_str()), "{p:?}");
        }
        let mut draft = DraftContent::default();
        draft.answers.insert("shop".into(), " 好味小吃 ".into());
        draft.answers.insert("area".into(), "许多".into());
        draft.delivery.method = Some(DeliveryMethod::Express);
        let uploads: Vec<Upload> = doc.materials.iter().map(|m| upload(&m.name, 5)).collect();
        let e = check_submission(&doc, &draft, &uploads).unwrap_err();
        assert_eq!(
            paths(&e),
            [
                "answers.area",
                "delivery.recipient",
                "delivery.mobile",
                "delivery.address"
            ]
        );
        draft.answers.insert("area".into(), "35".into());
        draft.delivery = DeliveryChoice {
            method: Some(DeliveryMethod::Express),
            recipient: "张三".into(),
            mobile: "13800138000".into(),
            address: "云南省昆明市五华区人民中路 1 号".into(),
        };
        let ok = check_submission(&doc, &draft, &uploads).unwrap();
        assert_eq!(ok.answers["shop"], "好味小吃");
        assert_eq!(ok.materials.len(), doc.materials.len());
    }

    #[test]
    fn a_notice_reopens_only_what_it_names() {
        let doc = doc();
        let asked = vec![
            Missing {
                material: doc.materials[1].name.clone(),
                reason: "复印件不清晰".into(),
                field: None,
            },
            Missing {
                material: "店名".into(),
                reason: "与营业执照不一致".into(),
                field: Some("shop".into()),
            },
        ];
        let r = Reopened::of(&asked, &doc);
        assert_eq!(r.fields, ["shop"]);
        assert_eq!(r.materials, [doc.materials[1].name.clone()]);
        let mut submitted = DraftContent::default();
        submitted.answers.insert("shop".into(), "旧名".into());
        submitted.answers.insert("area".into(), "35".into());
        let mut edited = submitted.clone();
        edited.answers.insert("shop".into(), "新名".into());
        edited.answers.insert("area".into(), "9999".into());
        edited.delivery.method = Some(DeliveryMethod::Electronic);
        let merged = r.merge(&submitted, &edited);
        assert_eq!(merged.answers["shop"], "新名");
        assert_eq!(merged.answers["area"], "35");
        assert_eq!(merged.delivery.method, None);
    }
}
