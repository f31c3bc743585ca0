//! The item editor: every GB/T 39046 element of an `ItemDoc` as form fields named by the
//! document's own paths (`materials[2].copies`), so the domain's validation messages land on
//! the exact input. Lists are rows of inputs; blank rows are dropped.

use onewindow_domain::catalog::*;
use onewindow_domain::org::FieldErrors;
use onewindow_store::org::{Department, Window};

use crate::pages::{Choice, Form, FormBuilder, FormData};

/// One input in a list row.
pub struct RowCell {
    pub name: String,
    pub label: &'static str,
    /// text, number, select, checkbox
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub options: Vec<Choice>,
}

/// A list element (materials, steps, …) as a table of inputs.
pub struct RowGroup {
    pub title: &'static str,
    pub help: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<RowCell>>,
    pub error: Option<String>,
}

/// A column of a list element: (key, label, kind, options for selects).
struct Column {
    key: &'static str,
    label: &'static str,
    kind: &'static str,
    options: Vec<(String, String)>,
}

fn col(key: &'static str, label: &'static str, kind: &'static str) -> Column {
    Column {
        key,
        label,
        kind,
        options: vec![],
    }
}

fn select_col(key: &'static str, label: &'static str, options: Vec<(String, String)>) -> Column {
    Column {
        key,
        label,
        kind: "select",
        options,
    }
}

fn table(t: CodeTable) -> Vec<(String, String)> {
    t.iter()
        .map(|(c, l)| ((*c).to_owned(), format!("{c} {l}")))
        .collect()
}

fn plain(t: CodeTable) -> Vec<(String, String)> {
    t.iter()
        .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
        .collect()
}

/// Yuan with two decimals, from fen.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn parse_yuan(s: &str) -> Option<u64> {
    form::parse_yuan(s.trim()).ok()
}

fn flag(b: bool) -> String {
    if b { "1".into() } else { String::new() }
}

/// The list elements, their columns, and how many blank rows to offer.
fn list_specs(
    depts: &[(String, String)],
) -> Vec<(&'static str, &'static str, &'static str, Vec<Column>)> {
    vec![
        (
            "legal_bases",
            "设定依据",
            "法律法规名称、条款及条文。",
            vec![
                col("law", "法律法规", "text"),
                col("article", "条款", "text"),
                col("text", "条文", "text"),
            ],
        ),
        (
            "steps",
            "办理流程（环节）",
            "按顺序填写；各环节时限之和不得超过承诺时限。",
            vec![
                col("name", "环节名称", "text"),
                select_col("role", "环节角色", plain(STEP_ROLES)),
                select_col("department_id", "办理部门", depts.to_vec()),
                col("limit_days", "时限（工作日）", "number"),
                col("description", "说明", "text"),
            ],
        ),
        (
            "special_procedures",
            "特别程序",
            "听证、专家评审、现场核查、延长审批等；“不计入时限”的时间从办结时限中扣除。",
            vec![
                select_col("kind", "种类", table(SPECIAL_PROCEDURE_KINDS)),
                col("name", "名称", "text"),
                col("limit_days", "时限（工作日）", "number"),
                col("excluded_from_limit", "不计入时限", "checkbox"),
                col("note", "说明", "text"),
            ],
        ),
        (
            "fees",
            "收费项目",
            "不收费则不填。",
            vec![
                col("name", "收费项目", "text"),
                col("standard_yuan", "标准（元）", "text"),
                col("basis", "收费依据", "text"),
            ],
        ),
        (
            "materials",
            "申请材料",
            "必要材料不能设为容缺；情形必要的材料须写明情形。",
            vec![
                col("name", "材料名称", "text"),
                col("originals", "原件", "number"),
                col("copies", "复印件", "number"),
                select_col("requirement", "是否必要", plain(MATERIAL_REQUIREMENTS)),
                col("condition", "适用情形", "text"),
                col("deficiency_allowed", "容缺", "checkbox"),
                select_col("source", "来源", plain(MATERIAL_SOURCES)),
                col("issuer", "出具机构", "text"),
                col("licence_type", "可用电子证照", "text"),
                col("template", "空白表格", "text"),
                col("sample", "示例样表", "text"),
                col("notes", "填报说明", "text"),
            ],
        ),
        (
            "form",
            "申请表（网上申请时填写）",
            "申请人的姓名、证件号码和手机号码取自其账户，无须列入。字段标识用小写字母、数字和下划线；选项用顿号分隔；显示条件写“字段标识”（有值时显示）或“字段标识=取值”。",
            vec![
                col("key", "字段标识", "text"),
                col("label", "字段名称", "text"),
                select_col(
                    "field_type",
                    "类型",
                    FieldType::ALL
                        .iter()
                        .map(|t| (t.key().to_owned(), t.label().to_owned()))
                        .collect(),
                ),
                col("required", "必填", "checkbox"),
                col("help", "填写提示", "text"),
                col("options", "选项", "text"),
                col("shown_when", "显示条件", "text"),
            ],
        ),
        (
            "faqs",
            "常见问题",
            "",
            vec![
                col("question", "问题", "text"),
                col("answer", "解答", "text"),
            ],
        ),
    ]
}

/// The form values of a document.
pub fn doc_to_form(doc: &ItemDoc) -> FormData {
    let mut f = FormData::default();
    let mut put = |k: &str, v: String| f.0.push((k.to_owned(), v));
    put("basic_code", doc.basic_code.clone());
    put("implementation_code", doc.implementation_code.clone());
    put("name", doc.name.clone());
    put("aliases", doc.aliases.join("、"));
    put("item_type", doc.item_type.clone());
    put("exercise_level", doc.exercise_level.clone());
    put("division_of_powers", doc.division_of_powers.clone());
    put("exercise_content", doc.exercise_content.clone());
    put("department_id", doc.department_id.to_string());
    put("body_nature", doc.body_nature.clone());
    put("case_type", doc.case_type.clone());
    put("statutory_limit_days", doc.statutory_limit_days.to_string());
    put("statutory_limit_note", doc.statutory_limit_note.clone());
    put("promised_limit_days", doc.promised_limit_days.to_string());
    put("promised_limit_note", doc.promised_limit_note.clone());
    put("acceptance_conditions", doc.acceptance_conditions.clone());
    put(
        "intermediary_services",
        doc.intermediary_services.join("\n"),
    );
    put("quantity_limit", doc.quantity_limit.clone());
    put("result_name", doc.result_name.clone());
    put("result_type", doc.result_type.clone());
    put("result_sample", doc.result_sample.clone());
    put("appointment", flag(doc.appointment));
    put("online_payment", flag(doc.online_payment));
    put("express_delivery", flag(doc.express_delivery));
    put("online_depth", doc.online_depth.clone());
    put("max_visits", doc.max_visits.to_string());
    put("online_url", doc.online_url.clone());
    put("location", doc.location.clone());
    put("hours", doc.hours.clone());
    put("consult_phone", doc.consult_phone.clone());
    put("supervise_phone", doc.supervise_phone.clone());
    for t in &doc.service_targets {
        put("service_targets", t.clone());
    }
    for t in &doc.handling_forms {
        put("handling_forms", t.clone());
    }
    for t in &doc.topics {
        put("topics", t.clone());
    }
    for w in &doc.window_ids {
        put("window_ids", w.to_string());
    }
    for d in &doc.joint_department_ids {
        put("joint_department_ids", d.to_string());
    }
    put("joint_limit_days", doc.joint_limit_days.to_string());
    put("prerequisites", doc.prerequisites.join("\n"));
    for (i, b) in doc.legal_bases.iter().enumerate() {
        put(&format!("legal_bases[{i}].law"), b.law.clone());
        put(&format!("legal_bases[{i}].article"), b.article.clone());
        put(&format!("legal_bases[{i}].text"), b.text.clone());
    }
    for (i, s) in doc.steps.iter().enumerate() {
        put(&format!("steps[{i}].name"), s.name.clone());
        put(&format!("steps[{i}].role"), s.role.clone());
        put(
            &format!("steps[{i}].department_id"),
            s.department_id.to_string(),
        );
        put(&format!("steps[{i}].limit_days"), s.limit_days.to_string());
        put(&format!("steps[{i}].description"), s.description.clone());
    }
    for (i, p) in doc.special_procedures.iter().enumerate() {
        put(&format!("special_procedures[{i}].kind"), p.kind.clone());
        put(&format!("special_procedures[{i}].name"), p.name.clone());
        put(
            &format!("special_procedures[{i}].limit_days"),
            p.limit_days.to_string(),
        );
        put(
            &format!("special_procedures[{i}].excluded_from_limit"),
            flag(p.excluded_from_limit),
        );
        put(&format!("special_procedures[{i}].note"), p.note.clone());
    }
    for (i, fee) in doc.fees.iter().enumerate() {
        put(&format!("fees[{i}].name"), fee.name.clone());
        put(&format!("fees[{i}].standard_yuan"), yuan(fee.standard_fen));
        put(&format!("fees[{i}].basis"), fee.basis.clone());
    }
    for (i, m) in doc.materials.iter().enumerate() {
        let k = |name: &str| format!("materials[{i}].{name}");
        put(&k("name"), m.name.clone());
        put(&k("originals"), m.originals.to_string());
        put(&k("copies"), m.copies.to_string());
        put(&k("requirement"), m.requirement.clone());
        put(&k("condition"), m.condition.clone());
        put(&k("deficiency_allowed"), flag(m.deficiency_allowed));
        put(&k("source"), m.source.clone());
        put(&k("issuer"), m.issuer.clone());
        put(&k("licence_type"), m.licence_type.clone());
        put(&k("template"), m.template.clone());
        put(&k("sample"), m.sample.clone());
        put(&k("notes"), m.notes.clone());
    }
    for (i, field) in doc.form.iter().enumerate() {
        let k = |name: &str| format!("form[{i}].{name}");
        put(&k("key"), field.key.clone());
        put(&k("label"), field.label.clone());
        put(&k("field_type"), field.field_type.key().to_owned());
        put(&k("required"), flag(field.required));
        put(&k("help"), field.help.clone());
        put(&k("options"), field.options.join("、"));
        put(
            &k("shown_when"),
            field
                .shown_when
                .as_ref()
                .map(Condition::text)
                .unwrap_or_default(),
        );
    }
    for (i, q) in doc.faqs.iter().enumerate() {
        put(&format!("faqs[{i}].question"), q.question.clone());
        put(&format!("faqs[{i}].answer"), q.answer.clone());
    }
    f
}

fn number<T: std::str::FromStr + Default>(
    data: &FormData,
    errors: &mut FieldErrors,
    name: &str,
) -> T {
    let v = data.text(name);
    if v.trim().is_empty() {
        return T::default();
    }
    v.trim().parse().unwrap_or_else(|_| {
        errors.add(name, "请填写非负整数");
        T::default()
    })
}

fn ids<T: std::str::FromStr>(data: &FormData, errors: &mut FieldErrors, name: &str) -> Vec<T> {
    data.all(name)
        .iter()
        .filter_map(|v| match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(name, "编号无效");
                None
            }
        })
        .collect()
}

/// Indices of the submitted rows of a list whose key field is filled in.
fn row_indices(data: &FormData, list: &str, key: &str) -> Vec<usize> {
    let prefix = format!("{list}[");
    let suffix = format!("].{key}");
    let mut out: Vec<usize> = data
        .0
        .iter()
        .filter(|(k, v)| k.starts_with(&prefix) && k.ends_with(&suffix) && !v.trim().is_empty())
        .filter_map(|(k, _)| k[prefix.len()..k.len() - suffix.len()].parse().ok())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads a submitted editor back into a document. Number-format problems come back as field
/// errors named like the inputs; the document's own rules are checked by the store.
pub fn form_to_doc(data: &FormData) -> (ItemDoc, FieldErrors) {
    let mut e = FieldErrors::new();
    let split = |s: String| -> Vec<String> {
        s.split(['、', ',', '，', '\n'])
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let mut doc = ItemDoc {
        basic_code: data.text("basic_code").trim().to_owned(),
        implementation_code: data.text("implementation_code").trim().to_owned(),
        name: data.text("name").trim().to_owned(),
        aliases: split(data.text("aliases")),
        item_type: data.text("item_type"),
        exercise_level: data.text("exercise_level"),
        division_of_powers: data.text("division_of_powers"),
        exercise_content: data.text("exercise_content"),
        department_id: number(data, &mut e, "department_id"),
        body_nature: data.text("body_nature"),
        case_type: data.text("case_type"),
        statutory_limit_days: number(data, &mut e, "statutory_limit_days"),
        statutory_limit_note: data.text("statutory_limit_note"),
        promised_limit_days: number(data, &mut e, "promised_limit_days"),
        promised_limit_note: data.text("promised_limit_note"),
        acceptance_conditions: data.text("acceptance_conditions"),
        intermediary_services: split(data.text("intermediary_services")),
        quantity_limit: data.text("quantity_limit"),
        result_name: data.text("result_name"),
        result_type: data.text("result_type"),
        result_sample: data.text("result_sample"),
        service_targets: data.all("service_targets"),
        handling_forms: data.all("handling_forms"),
        topics: data.all("topics"),
        appointment: data.flag("appointment"),
        online_payment: data.flag("online_payment"),
        express_delivery: data.flag("express_delivery"),
        online_depth: data.text("online_depth"),
        max_visits: number(data, &mut e, "max_visits"),
        online_url: data.text("online_url"),
        location: data.text("location"),
        hours: data.text("hours"),
        consult_phone: data.text("consult_phone"),
        supervise_phone: data.text("supervise_phone"),
        window_ids: ids(data, &mut e, "window_ids"),
        joint_department_ids: ids(data, &mut e, "joint_department_ids"),
        joint_limit_days: number(data, &mut e, "joint_limit_days"),
        prerequisites: split(data.text("prerequisites")),
        ..Default::default()
    };
    for i in row_indices(data, "legal_bases", "law") {
        let k = |n: &str| format!("legal_bases[{i}].{n}");
        doc.legal_bases.push(LegalBasis {
            law: data.text(&k("law")),
            article: data.text(&k("article")),
            text: data.text(&k("text")),
        });
    }
    for i in row_indices(data, "steps", "name") {
        let k = |n: &str| format!("steps[{i}].{n}");
        doc.steps.push(Step {
            name: data.text(&k("name")),
            role: data.text(&k("role")),
            department_id: number(data, &mut e, &k("department_id")),
            limit_days: number(data, &mut e, &k("limit_days")),
            description: data.text(&k("description")),
        });
    }
    for i in row_indices(data, "special_procedures", "name") {
        let k = |n: &str| format!("special_procedures[{i}].{n}");
        doc.special_procedures.push(SpecialProcedure {
            kind: data.text(&k("kind")),
            name: data.text(&k("name")),
            limit_days: number(data, &mut e, &k("limit_days")),
            excluded_from_limit: data.flag(&k("excluded_from_limit")),
            note: data.text(&k("note")),
        });
    }
    for i in row_indices(data, "fees", "name") {
        let k = |n: &str| format!("fees[{i}].{n}");
        let standard_fen = parse_yuan(&data.text(&k("standard_yuan"))).unwrap_or_else(|| {
            e.add(&k("standard_yuan"), "金额格式应为如 12 或 12.50");
            0
        });
        doc.fees.push(Fee {
            name: data.text(&k("name")),
            standard_fen,
            basis: data.text(&k("basis")),
        });
    }
    for i in row_indices(data, "materials", "name") {
        let k = |n: &str| format!("materials[{i}].{n}");
        doc.materials.push(Material {
            name: data.text(&k("name")),
            originals: number(data, &mut e, &k("originals")),
            copies: number(data, &mut e, &k("copies")),
            requirement: data.text(&k("requirement")),
            condition: data.text(&k("condition")),
            deficiency_allowed: data.flag(&k("deficiency_allowed")),
            source: data.text(&k("source")),
            issuer: data.text(&k("issuer")),
            licence_type: data.text(&k("licence_type")),
            template: data.text(&k("template")),
            sample: data.text(&k("sample")),
            notes: data.text(&k("notes")),
        });
    }
    for i in row_indices(data, "form", "key") {
        let k = |n: &str| format!("form[{i}].{n}");
        let field_type = data.text(&k("field_type")).parse().unwrap_or_else(|_| {
            e.add(&k("field_type"), "请选择字段类型");
            FieldType::Text
        });
        doc.form.push(FormField {
            key: data.text(&k("key")).trim().to_owned(),
            label: data.text(&k("label")),
            field_type,
            required: data.flag(&k("required")),
            help: data.text(&k("help")),
            options: split(data.text(&k("options"))),
            shown_when: Condition::parse(&data.text(&k("shown_when"))),
        });
    }
    for i in row_indices(data, "faqs", "question") {
        let k = |n: &str| format!("faqs[{i}].{n}");
        doc.faqs.push(Faq {
            question: data.text(&k("question")),
            answer: data.text(&k("answer")),
        });
    }
    (doc, e)
}

/// The scalar sections of the editor. `own` are the departments this user may make the item's
/// implementing department; joint departments may be any of `all`.
pub fn sections(
    data: &FormData,
    errors: &FieldErrors,
    own: &[Department],
    all: &[Department],
    windows: &[Window],
    editing: bool,
) -> Vec<Form> {
    let options = |depts: &[Department]| -> Vec<(String, String)> {
        depts
            .iter()
            .map(|d| (d.id.to_string(), d.name.clone()))
            .collect()
    };
    let dept_opts = options(own);
    let b = |title: &str| FormBuilder::new("", "", data, errors).title(title);
    let ident = b("基本信息");
    let ident = if editing {
        ident
    } else {
        ident
            .text(
                "basic_code",
                "基本编码",
                true,
                "国家基本目录编码，不超过 10 位",
            )
            .text(
                "implementation_code",
                "实施编码",
                true,
                "以基本编码开头，不超过 24 位，保存后不可修改",
            )
    };
    vec![
        ident
            .text("name", "事项名称", true, "")
            .text(
                "aliases",
                "别名（搜索用）",
                false,
                "多个用顿号分隔，如：个体户注册、个体户开业",
            )
            .select("item_type", "事项类型", true, None, table(ITEM_TYPES))
            .select(
                "exercise_level",
                "行使层级",
                true,
                None,
                table(EXERCISE_LEVELS),
            )
            .select("department_id", "实施部门", true, None, dept_opts.clone())
            .select(
                "body_nature",
                "实施主体性质",
                true,
                None,
                table(BODY_NATURES),
            )
            .textarea("division_of_powers", "权限划分", false)
            .textarea("exercise_content", "行使内容", false)
            .build(),
        b("时限")
            .select("case_type", "办件类型", true, None, table(CASE_TYPES))
            .number("statutory_limit_days", "法定办结时限（工作日）", true)
            .text("statutory_limit_note", "法定时限说明", false, "")
            .number("promised_limit_days", "承诺办结时限（工作日）", true)
            .text("promised_limit_note", "承诺时限说明", false, "")
            .build(),
        b("条件与结果")
            .textarea("acceptance_conditions", "受理条件", true)
            .checkboxes("joint_department_ids", "共同实施部门", false, options(all))
            .number(
                "joint_limit_days",
                "会办时限（工作日，0 为承诺时限）",
                false,
            )
            .textarea("prerequisites", "前置事项（每行一个实施编码）", false)
            .textarea("intermediary_services", "中介服务（每行一项）", false)
            .text("quantity_limit", "数量限制", false, "")
            .text("result_name", "结果名称", true, "")
            .select("result_type", "结果类型", true, None, plain(RESULT_TYPES))
            .text("result_sample", "结果样本", false, "")
            .build(),
        b("服务方式")
            .checkboxes("service_targets", "服务对象", true, table(SERVICE_TARGETS))
            .checkboxes("handling_forms", "办理形式", true, table(HANDLING_FORMS))
            .checkboxes("topics", "服务主题", false, plain(TOPICS))
            .select(
                "online_depth",
                "网上办理深度",
                true,
                None,
                plain(ONLINE_DEPTHS),
            )
            .number("max_visits", "最多跑几次", true)
            .checkbox("appointment", "支持预约办理")
            .checkbox("online_payment", "支持网上支付")
            .checkbox("express_delivery", "支持物流快递")
            .text("online_url", "网办地址", false, "")
            .build(),
        b("地点与咨询")
            .text("location", "办理地点", true, "")
            .text("hours", "办理时间", true, "")
            .tel("consult_phone", "咨询电话", true)
            .tel("supervise_phone", "监督电话", true)
            .checkboxes(
                "window_ids",
                "办理窗口",
                false,
                windows
                    .iter()
                    .map(|w| (w.id.to_string(), format!("{} {}", w.number, w.name)))
                    .collect(),
            )
            .build(),
    ]
}

/// The list sections: the submitted or saved rows plus blank ones.
pub fn groups(data: &FormData, errors: &FieldErrors, depts: &[Department]) -> Vec<RowGroup> {
    let dept_opts: Vec<(String, String)> = depts
        .iter()
        .map(|d| (d.id.to_string(), d.short_name.clone()))
        .collect();
    list_specs(&dept_opts)
        .into_iter()
        .map(|(list, title, help, columns)| {
            let filled = data
                .0
                .iter()
                .filter_map(|(k, _)| {
                    k.strip_prefix(&format!("{list}["))
                        .and_then(|r| r.split(']').next())
                        .and_then(|n| n.parse::<usize>().ok())
                })
                .max()
                .map_or(0, |m| m + 1);
            let blank = if list == "materials" { 3 } else { 2 };
            let rows = (0..filled + blank)
                .map(|i| {
                    columns
                        .iter()
                        .map(|c| {
                            let name = format!("{list}[{i}].{}", c.key);
                            let value = data.text(&name);
                            RowCell {
                                error: errors.message_for(&name).map(str::to_owned),
                                options: c
                                    .options
                                    .iter()
                                    .map(|(v, l)| Choice {
                                        selected: *v == value,
                                        value: v.clone(),
                                        label: l.clone(),
                                    })
                                    .collect(),
                                name,
                                label: c.label,
                                kind: c.kind,
                                value,
                            }
                        })
                        .collect()
                })
                .collect();
            RowGroup {
                title,
                help,
                columns: columns.iter().map(|c| c.label).collect(),
                rows,
                error: errors.message_for(list).map(str::to_owned),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_exactly() {
        assert_eq!(parse_yuan("12"), Some(1200));
        assert_eq!(parse_yuan("12.5"), Some(1250));
        assert_eq!(parse_yuan("0.05"), Some(5));
        assert_eq!(parse_yuan("1.005"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(yuan(12050), "120.50");
    }

    #[test]
    fn a_document_survives_the_form() {
        let doc = ItemDoc {
            name: "测试".into(),
            aliases: vec!["甲".into(), "乙".into()],
            materials: vec![Material {
                name: "身份证".into(),
                copies: 2,
                requirement: "optional".into(),
                deficiency_allowed: true,
                source: "applicant".into(),
                ..Default::default()
            }],
            fees: vec![Fee {
                name: "工本费".into(),
                standard_fen: 2050,
                basis: "依据".into(),
            }],
            steps: vec![Step {
                name: "受理".into(),
                role: "clerk".into(),
                department_id: onewindow_domain::ids::DepartmentId(3),
                limit_days: 1,
                description: String::new(),
            }],
            service_targets: vec!["1".into(), "2".into()],
            appointment: true,
            form: vec![
                FormField {
                    key: "kind".into(),
                    label: "申请类型".into(),
                    field_type: FieldType::Choice,
                    required: true,
                    options: vec!["新办".into(), "延续".into()],
                    ..Default::default()
                },
                FormField {
                    key: "old_no".into(),
                    label: "原许可证编号".into(),
                    shown_when: Some(Condition {
                        field: "kind".into(),
                        equals: "延续".into(),
                    }),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let (back, errors) = form_to_doc(&doc_to_form(&doc));
        assert!(errors.is_empty());
        assert_eq!(back, doc);
    }
}
