//! The service-item catalogue (事项目录, GB/T 39046—2020 §6.1): one item version is an
//! immutable document with every element of the standard, using its code tables verbatim.
//! Validation and the field-by-field diff between versions live here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{CreditCode, DepartmentId, WindowId};
use crate::org::FieldErrors;

mod changes;
pub mod form;
mod prerequisites;
pub use changes::{FieldChange, code_table_of, diff, display_value, element_label};
pub use form::{Condition, FieldType, FormField};
pub use prerequisites::PrerequisiteGraph;

/// A code table: (code, Chinese name), exactly as printed in the standard.
pub type CodeTable = &'static [(&'static str, &'static str)];

/// A.1 事项类型代码.
pub const ITEM_TYPES: CodeTable = &[
    ("00", "行政权力事项"),
    ("01", "行政许可"),
    ("02", "行政处罚"),
    ("03", "行政强制"),
    ("04", "行政征收"),
    ("05", "行政给付"),
    ("06", "行政检查"),
    ("07", "行政确认"),
    ("08", "行政奖励"),
    ("09", "行政裁决"),
    ("10", "其他类别事项"),
    ("20", "公共服务事项"),
];
/// A.2 行使层级代码.
pub const EXERCISE_LEVELS: CodeTable = &[
    ("1", "国家级/局(署、会)"),
    ("2", "省级/直属"),
    ("3", "市级/隶属"),
    ("4", "县级"),
    ("5", "镇(乡、街道)级"),
    ("6", "村(社区)级"),
    ("7", "分级管理"),
];
/// A.3 实施主体性质代码.
pub const BODY_NATURES: CodeTable = &[
    ("1", "法定机关"),
    ("2", "授权组织"),
    ("3", "受委托组织"),
    ("9", "其他"),
];
/// A.4 服务对象代码.
pub const SERVICE_TARGETS: CodeTable = &[
    ("1", "自然人"),
    ("2", "企业法人"),
    ("3", "事业法人"),
    ("4", "社会组织法人"),
    ("5", "行政机关"),
    ("6", "其他组织"),
];
/// A.5 办理形式代码.
pub const HANDLING_FORMS: CodeTable = &[
    ("1", "窗口办理"),
    ("2", "电脑端网上办理"),
    ("3", "移动端网上申请"),
    ("4", "快递申请"),
    ("9", "其他"),
];
/// A.6 办件类型代码.
pub const CASE_TYPES: CodeTable = &[("1", "即办件"), ("2", "承诺件"), ("9", "其他")];

crate::code_enum! {
    /// A.6 办件类型 as case handling reads it: an instant case (即办件) is decided at the window
    /// and has no promised limit; a promised case (承诺件) runs against one. Parsed once, where a
    /// catalogue version becomes a case's item.
    pub enum CaseType {
        Instant = "1", "即办件";
        Promised = "2", "承诺件";
        Other = "9", "其他";
    }
}

crate::code_enum! {
    /// Where an item stands in the catalogue.
    pub enum ItemStatus {
        Draft = "draft", "未发布";
        Active = "active", "已发布";
        Suspended = "suspended", "暂停办理";
        Withdrawn = "withdrawn", "已取消/下放";
    }
}

crate::code_enum! {
    /// Where one version of an item stands.
    pub enum VersionStatus {
        Draft = "draft", "草稿";
        Scheduled = "scheduled", "待生效";
        Published = "published", "现行";
        Superseded = "superseded", "已替代";
    }
}

/// A.7 特别程序种类代码.
pub const SPECIAL_PROCEDURE_KINDS: CodeTable = &[("1", "延长审批"), ("2", "除延长审批之外的情况")];
/// 网上办理深度 (一级 information only … 四级 fully online), 0 when not online at all.
pub const ONLINE_DEPTHS: CodeTable = &[
    ("0", "不可网办"),
    ("1", "一级：网上咨询与下载"),
    ("2", "二级：网上预审"),
    ("3", "三级：网上受理，到现场一次"),
    ("4", "四级：全程网办，零跑动"),
];
/// Who reviews a step.
pub const STEP_ROLES: CodeTable = &[
    ("clerk", "受理"),
    ("reviewer", "审查"),
    ("approver", "审批"),
    ("chief_representative", "首席代表审核"),
];
/// Where a material comes from.
pub const MATERIAL_SOURCES: CodeTable =
    &[("applicant", "申请人自备"), ("government", "政府部门核发")];
/// Whether a material must be submitted.
pub const MATERIAL_REQUIREMENTS: CodeTable = &[
    ("required", "必要"),
    ("conditional", "情形必要"),
    ("optional", "非必要"),
];
/// Kinds of result.
pub const RESULT_TYPES: CodeTable = &[("licence", "证照"), ("approval", "批文"), ("other", "其他")];
/// Life-event themes for 个人办事 (p_…) and 法人办事 (c_…).
pub const TOPICS: CodeTable = &[
    ("p_birth", "生育收养"),
    ("p_household", "户籍办理"),
    ("p_marriage", "婚姻登记"),
    ("p_education", "教育科研"),
    ("p_employment", "就业创业"),
    ("p_social_security", "社会保障"),
    ("p_housing", "住房保障"),
    ("p_medical", "医疗卫生"),
    ("p_transport", "交通出行"),
    ("p_travel", "出境入境"),
    ("p_property", "不动产"),
    ("p_culture", "文化体育"),
    ("p_aid", "社会救助"),
    ("p_funeral", "死亡殡葬"),
    ("c_setup", "设立变更"),
    ("c_permits", "准营准办"),
    ("c_construction", "工程建设"),
    ("c_tax", "税收财务"),
    ("c_hr", "人力资源"),
    ("c_environment", "环保绿化"),
    ("c_safety", "安全生产"),
    ("c_transport", "交通运输"),
    ("c_agriculture", "农林牧渔"),
    ("c_culture", "文化旅游"),
    ("c_closure", "注销退出"),
];

pub fn label(table: CodeTable, code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// 设定依据: a law, the article, and the text of that article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
    pub text: String,
}

/// A step of the handling procedure (办理流程), with its own limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    /// STEP_ROLES key.
    pub role: String,
    pub department_id: DepartmentId,
    pub limit_days: u32,
    #[serde(default)]
    pub description: String,
}

/// A special procedure (特别程序) the item may need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialProcedure {
    /// A.7 code.
    pub kind: String,
    pub name: String,
    pub limit_days: u32,
    /// Whether the time is excluded from the promised limit (otherwise it extends it).
    pub excluded_from_limit: bool,
    #[serde(default)]
    pub note: String,
}

/// A fee item (收费项目). No fee items means free of charge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    /// Standard amount in fen (分), so that money is never a float.
    pub standard_fen: u64,
    pub basis: String,
}

/// An application material (申请材料).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    /// MATERIAL_REQUIREMENTS key.
    pub requirement: String,
    /// For conditional materials: when it is needed.
    #[serde(default)]
    pub condition: String,
    /// 容缺: may be supplied after acceptance against a written commitment.
    #[serde(default)]
    pub deficiency_allowed: bool,
    /// MATERIAL_SOURCES key.
    pub source: String,
    #[serde(default)]
    pub issuer: String,
    /// The e-licence type that satisfies it (then it is not asked again).
    #[serde(default)]
    pub licence_type: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub sample: String,
    #[serde(default)]
    pub notes: String,
}

/// A frequently asked question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// One version of a service item: every GB/T 39046 §6.1 element. Field names are the
/// standard's elements in English; codes are the standard's codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDoc {
    /// 基本编码 (≤ 10).
    pub basic_code: String,
    /// 实施编码 (≤ 24), unique in the catalogue.
    pub implementation_code: String,
    /// 事项名称.
    pub name: String,
    /// Other names people search by.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A.1.
    pub item_type: String,
    /// A.2.
    pub exercise_level: String,
    #[serde(default)]
    pub division_of_powers: String,
    #[serde(default)]
    pub exercise_content: String,
    pub legal_bases: Vec<LegalBasis>,
    /// 实施主体: our department; its name and credit code are recorded in the version.
    pub department_id: DepartmentId,
    pub implementing_body: String,
    pub implementing_body_code: String,
    /// A.3.
    pub body_nature: String,
    /// A.6.
    pub case_type: String,
    /// 法定办结时限, working days.
    pub statutory_limit_days: u32,
    #[serde(default)]
    pub statutory_limit_note: String,
    /// 承诺办结时限, working days (0 for 即办件).
    pub promised_limit_days: u32,
    #[serde(default)]
    pub promised_limit_note: String,
    pub acceptance_conditions: String,
    pub steps: Vec<Step>,
    /// 共同实施部门.
    #[serde(default)]
    pub joint_department_ids: Vec<DepartmentId>,
    /// 会办时限: working days the co-departments have, from the day the case is sent to them,
    /// to sign their opinions; 0 means the whole promised limit.
    #[serde(default)]
    pub joint_limit_days: u32,
    /// 前置审批: the items (by implementation code) that must be approved first.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub intermediary_services: Vec<String>,
    #[serde(default)]
    pub quantity_limit: String,
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedure>,
    pub result_name: String,
    /// RESULT_TYPES key.
    pub result_type: String,
    #[serde(default)]
    pub result_sample: String,
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// A.4 codes.
    pub service_targets: Vec<String>,
    /// A.5 codes.
    pub handling_forms: Vec<String>,
    /// TOPICS keys.
    #[serde(default)]
    pub topics: Vec<String>,
    pub appointment: bool,
    pub online_payment: bool,
    pub express_delivery: bool,
    /// ONLINE_DEPTHS code.
    pub online_depth: String,
    /// 最多跑几次.
    pub max_visits: u32,
    #[serde(default)]
    pub online_url: String,
    pub location: String,
    pub hours: String,
    pub consult_phone: String,
    pub supervise_phone: String,
    #[serde(default)]
    pub faqs: Vec<Faq>,
    /// Windows that serve the item.
    #[serde(default)]
    pub window_ids: Vec<WindowId>,
    pub materials: Vec<Material>,
    /// The application form filled in online (申请表); none for items not applied for online.
    #[serde(default)]
    pub form: Vec<FormField>,
}

/// What validation needs to know about the organisation.
pub trait OrgLookup {
    fn department_exists(&self, id: DepartmentId) -> bool;
    fn window_exists(&self, id: WindowId) -> bool;
}

fn check_len(errors: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool) {
    let n = value.chars().count();
    if required && value.trim().is_empty() {
        errors.add(field, "不能为空");
    } else if n > max {
        errors.add(field, format!("不能超过 {max} 个字符"));
    }
}

pub(crate) fn check_code(errors: &mut FieldErrors, field: &str, table: CodeTable, code: &str) {
    if label(table, code).is_none() {
        let allowed: Vec<&str> = table.iter().map(|(c, _)| *c).collect();
        errors.add(
            field,
            format!("未知代码“{code}”，可选：{}", allowed.join("、")),
        );
    }
}

impl ItemDoc {
    /// An instant case (即办件, A.6 code 1).
    pub fn is_instant(&self) -> bool {
        self.case_type == CaseType::Instant.key()
    }

    /// Every rule an item version must satisfy, each broken rule named by its field path.
    pub fn validate(&self, org: &dyn OrgLookup) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        check_len(&mut e, "name", &self.name, 200, true);
        check_len(&mut e, "basic_code", &self.basic_code, 10, true);
        check_len(
            &mut e,
            "implementation_code",
            &self.implementation_code,
            24,
            true,
        );
        if !self
            .implementation_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
        {
            e.add("implementation_code", "只能包含字母和数字");
        } else if !self.basic_code.is_empty()
            && !self.implementation_code.starts_with(&self.basic_code)
        {
            e.add("implementation_code", "实施编码须以基本编码开头");
        }
        for (i, alias) in self.aliases.iter().enumerate() {
            check_len(&mut e, &format!("aliases[{i}]"), alias, 50, true);
        }
        check_code(&mut e, "item_type", ITEM_TYPES, &self.item_type);
        check_code(
            &mut e,
            "exercise_level",
            EXERCISE_LEVELS,
            &self.exercise_level,
        );
        check_code(&mut e, "body_nature", BODY_NATURES, &self.body_nature);
        check_code(&mut e, "case_type", CASE_TYPES, &self.case_type);
        check_code(&mut e, "online_depth", ONLINE_DEPTHS, &self.online_depth);
        check_code(&mut e, "result_type", RESULT_TYPES, &self.result_type);
        check_len(
            &mut e,
            "division_of_powers",
            &self.division_of_powers,
            1000,
            false,
        );
        if self.legal_bases.is_empty() {
            e.add("legal_bases", "至少填写一项设定依据");
        }
        for (i, b) in self.legal_bases.iter().enumerate() {
            check_len(&mut e, &format!("legal_bases[{i}].law"), &b.law, 200, true);
            check_len(
                &mut e,
                &format!("legal_bases[{i}].article"),
                &b.article,
                50,
                false,
            );
            check_len(
                &mut e,
                &format!("legal_bases[{i}].text"),
                &b.text,
                1000,
                false,
            );
        }
        if !org.department_exists(self.department_id) {
            e.add("department_id", "实施部门不存在");
        }
        check_len(
            &mut e,
            "implementing_body",
            &self.implementing_body,
            100,
            true,
        );
        if CreditCode::parse(&self.implementing_body_code).is_err() {
            e.add(
                "implementing_body_code",
                "实施主体代码应为有效的统一社会信用代码",
            );
        }
        if self.promised_limit_days > self.statutory_limit_days {
            e.add(
                "promised_limit_days",
                format!(
                    "承诺时限（{} 个工作日）不能超过法定时限（{} 个工作日）",
                    self.promised_limit_days, self.statutory_limit_days
                ),
            );
        }
        if self.statutory_limit_days > 365 {
            e.add("statutory_limit_days", "法定时限不能超过 365 个工作日");
        }
        if self.is_instant() && self.promised_limit_days != 0 {
            e.add("promised_limit_days", "即办件的承诺时限应为 0（当场办结）");
        }
        if self.case_type == CaseType::Promised.key() && self.promised_limit_days == 0 {
            e.add("promised_limit_days", "承诺件须填写承诺办结时限");
        }
        check_len(
            &mut e,
            "acceptance_conditions",
            &self.acceptance_conditions,
            4000,
            true,
        );
        if self.steps.is_empty() {
            e.add("steps", "至少填写一个办理环节");
        }
        let mut step_total = 0;
        for (i, s) in self.steps.iter().enumerate() {
            check_len(&mut e, &format!("steps[{i}].name"), &s.name, 50, true);
            check_code(&mut e, &format!("steps[{i}].role"), STEP_ROLES, &s.role);
            if !org.department_exists(s.department_id) {
                e.add(&format!("steps[{i}].department_id"), "环节的办理部门不存在");
            }
            step_total += s.limit_days;
        }
        if self.case_type == CaseType::Promised.key() && step_total > self.promised_limit_days {
            e.add(
                "steps",
                format!("各环节时限之和（{step_total} 个工作日）超过承诺时限"),
            );
        }
        for (i, d) in self.joint_department_ids.iter().enumerate() {
            if !org.department_exists(*d) {
                e.add(&format!("joint_department_ids[{i}]"), "共同实施部门不存在");
            } else if *d == self.department_id {
                e.add(
                    &format!("joint_department_ids[{i}]"),
                    "共同实施部门不能是实施部门本身",
                );
            }
        }
        let mut named = std::collections::BTreeSet::new();
        for (i, code) in self.prerequisites.iter().enumerate() {
            let field = format!("prerequisites[{i}]");
            if code.is_empty()
                || code.len() > 24
                || !code.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                e.add(&field, "前置事项应填写其实施编码（字母和数字，至多 24 位）");
            } else if *code == self.implementation_code {
                e.add(&field, "事项不能是自身的前置事项");
            } else if !named.insert(code) {
                e.add(&field, "前置事项重复");
            }
        }
        if self.joint_limit_days > self.promised_limit_days {
            e.add("joint_limit_days", "会办时限不能超过承诺时限");
        } else if self.joint_limit_days > 0 && self.joint_department_ids.is_empty() {
            e.add("joint_limit_days", "没有共同实施部门时无须填写会办时限");
        }
        for (i, p) in self.special_procedures.iter().enumerate() {
            check_code(
                &mut e,
                &format!("special_procedures[{i}].kind"),
                SPECIAL_PROCEDURE_KINDS,
                &p.kind,
            );
            check_len(
                &mut e,
                &format!("special_procedures[{i}].name"),
                &p.name,
                50,
                true,
            );
            if p.limit_days == 0 || p.limit_days > 365 {
                e.add(
                    &format!("special_procedures[{i}].limit_days"),
                    "时限应为 1–365 个工作日",
                );
            }
        }
        check_len(&mut e, "result_name", &self.result_name, 100, true);
        for (i, f) in self.fees.iter().enumerate() {
            check_len(&mut e, &format!("fees[{i}].name"), &f.name, 100, true);
            check_len(&mut e, &format!("fees[{i}].basis"), &f.basis, 500, true);
        }
        if self.service_targets.is_empty() {
            e.add("service_targets", "至少选择一个服务对象");
        }
        for (i, c) in self.service_targets.iter().enumerate() {
            check_code(&mut e, &format!("service_targets[{i}]"), SERVICE_TARGETS, c);
        }
        if self.handling_forms.is_empty() {
            e.add("handling_forms", "至少选择一种办理形式");
        }
        for (i, c) in self.handling_forms.iter().enumerate() {
            check_code(&mut e, &format!("handling_forms[{i}]"), HANDLING_FORMS, c);
        }
        for (i, c) in self.topics.iter().enumerate() {
            check_code(&mut e, &format!("topics[{i}]"), TOPICS, c);
        }
        if self.online_depth == "4" && self.max_visits != 0 {
            e.add("max_visits", "全程网办事项的“最多跑几次”应为 0");
        }
        if self.max_visits > 10 {
            e.add("max_visits", "不能超过 10 次");
        }
        check_len(&mut e, "location", &self.location, 100, true);
        check_len(&mut e, "hours", &self.hours, 150, true);
        check_len(&mut e, "consult_phone", &self.consult_phone, 18, true);
        check_len(&mut e, "supervise_phone", &self.supervise_phone, 18, true);
        for (i, w) in self.window_ids.iter().enumerate() {
            if !org.window_exists(*w) {
                e.add(&format!("window_ids[{i}]"), "窗口不存在");
            }
        }
        for (i, m) in self.materials.iter().enumerate() {
            let f = |name: &str| format!("materials[{i}].{name}");
            check_len(&mut e, &f("name"), &m.name, 200, true);
            check_code(
                &mut e,
                &f("requirement"),
                MATERIAL_REQUIREMENTS,
                &m.requirement,
            );
            check_code(&mut e, &f("source"), MATERIAL_SOURCES, &m.source);
            if m.originals > 99 || m.copies > 99 {
                e.add(&f("copies"), "份数不能超过 99");
            }
            if m.requirement == "conditional" && m.condition.trim().is_empty() {
                e.add(&f("condition"), "情形必要的材料须写明适用情形");
            }
            if m.deficiency_allowed && m.requirement == "required" {
                e.add(&f("deficiency_allowed"), "必要材料不能同时设为容缺材料");
            }
        }
        form::check_form(&self.form, &mut e);
        e.into_result()
    }

    pub fn is_free(&self) -> bool {
        self.fees.is_empty()
    }

    /// The limits in words, as the guide shows them.
    pub fn limits_in_words(&self) -> String {
        if self.is_instant() {
            format!(
                "法定 {} 个工作日，即办件当场办结",
                self.statutory_limit_days
            )
        } else {
            format!(
                "法定 {} 个工作日，承诺 {} 个工作日",
                self.statutory_limit_days, self.promised_limit_days
            )
        }
    }
}

crate::actions! {
    /// What may be done with the service-item catalogue.
    pub enum CatalogAction {
        /// Create items and edit drafts of a department's catalogue items.
        Edit => Write,
        /// Publish, suspend and withdraw items; import the catalogue; edit search synonyms.
        Publish => Write,
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub struct AllExist;
    impl OrgLookup for AllExist {
        fn department_exists(&self, id: DepartmentId) -> bool {
            id > DepartmentId(0)
        }
        fn window_exists(&self, id: WindowId) -> bool {
            id > WindowId(0)
        }
    }

    pub fn sample() -> ItemDoc {
        ItemDoc {
            basic_code: "000201001".into(),
            implementation_code: "000201001371300001".into(),
            name: "个体工商户设立登记".into(),
            aliases: vec!["个体户注册".into()],
            item_type: "01".into(),
            exercise_level: "3".into(),
            legal_bases: vec![LegalBasis {
                law: "《促进个体工商户发展条例》".into(),
                article: "第八条".into(),
                text: "申请登记为个体工商户，应当向经营场所所在地的登记机关申请注册登记。".into(),
            }],
            department_id: DepartmentId(1),
            implementing_body: "临沂市市场监督管理局".into(),
            implementing_body_code: "11371300004323789A".into(),
            body_nature: "1".into(),
            case_type: "2".into(),
            statutory_limit_days: 15,
            promised_limit_days: 1,
            acceptance_conditions: "有经营能力的公民".into(),
            steps: vec![Step {
                name: "受理".into(),
                role: "clerk".into(),
                department_id: DepartmentId(1),
                limit_days: 1,
                description: String::new(),
            }],
            result_name: "营业执照".into(),
            result_type: "licence".into(),
            service_targets: vec!["1".into()],
            handling_forms: vec!["1".into(), "2".into()],
            online_depth: "3".into(),
            max_visits: 1,
            location: "一楼".into(),
            hours: "工作日".into(),
            consult_phone: "0539-1".into(),
            supervise_phone: "12345".into(),
            materials: vec![Material {
                name: "身份证".into(),
                originals: 1,
                copies: 0,
                requirement: "required".into(),
                source: "applicant".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_sample_is_valid() {
        assert_eq!(sample().validate(&AllExist), Ok(()));
    }

    #[test]
    fn rules_name_their_fields() {
        let mut doc = sample();
        doc.promised_limit_days = 20;
        doc.item_type = "99".into();
        doc.steps[0].department_id = DepartmentId(0);
        doc.materials[0].deficiency_allowed = true;
        let fields: Vec<String> = doc
            .validate(&AllExist)
            .unwrap_err()
            .0
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            vec![
                "item_type",
                "promised_limit_days",
                "steps[0].department_id",
                "materials[0].deficiency_allowed"
            ]
        );
    }

    #[test]
    fn diff_names_changed_paths() {
        let a = sample();
        let mut b = sample();
        b.materials[0].copies = 2;
        b.materials.push(Material {
            name: "照片".into(),
            ..Default::default()
        });
        let changes = diff(&a, &b);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["materials[身份证].copies", "materials[照片]"]);
        assert_eq!(
            element_label("materials[身份证].copies"),
            "申请材料“身份证” › 复印件份数"
        );
        assert_eq!(
            element_label("materials[0].copies"),
            "申请材料第1项 › 复印件份数"
        );
        assert!(diff(&a, &a).is_empty());
        // Records are matched by name: the photo moved to the top is no change to the others;
        // steps in a new order are one change, their names before and after.
        let mut moved = b.clone();
        moved.materials.rotate_right(1);
        assert!(diff(&b, &moved).is_empty());
        let mut two = a.clone();
        two.steps.push(Step {
            name: "审查".into(),
            ..two.steps[0].clone()
        });
        let mut swapped = two.clone();
        swapped.steps.reverse();
        let changes = diff(&two, &swapped);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "steps");
        assert_eq!(changes[0].after, Some(serde_json::json!(["审查", "受理"])));
        // Only the order of a list changed: no change. A theme added: one change, in words.
        let mut c = a.clone();
        c.topics = vec!["c_setup".into(), "p_employment".into()];
        let mut d = a.clone();
        d.topics = vec!["p_employment".into(), "c_setup".into()];
        assert!(diff(&c, &d).is_empty());
        d.topics.push("c_permits".into());
        let changes = diff(&c, &d);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            display_value(&changes[0].path, changes[0].after.as_ref()),
            "就业创业、设立变更、准营准办"
        );
        assert_eq!(
            display_value("fees[0].standard_fen", Some(&serde_json::json!(1050))),
            "10.50 元"
        );
    }
}
