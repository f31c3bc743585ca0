//! What changed between two versions of an item, and how a diff page names it: the element's
//! Chinese label and its values as people read them (codes by their labels, money in yuan).

use super::*;

/// One changed element between two versions, addressed by its path (e.g. `materials[2].copies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub path: String,
    /// The element as people read it (`申请表“经营场所类型” › 选项`).
    pub label: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

fn change(path: String, before: Option<Value>, after: Option<Value>) -> FieldChange {
    FieldChange {
        path,
        label: String::new(),
        before,
        after,
    }
}

/// Field-by-field differences between two versions, in document order.
pub fn diff(before: &ItemDoc, after: &ItemDoc) -> Vec<FieldChange> {
    let (a, b) = (
        serde_json::to_value(before).unwrap_or(Value::Null),
        serde_json::to_value(after).unwrap_or(Value::Null),
    );
    let mut out = Vec::new();
    diff_values("", &a, &b, &mut out);
    // Form fields are matched by key but named by their label (the newer one).
    let labels: BTreeMap<&str, &str> = before
        .form
        .iter()
        .chain(&after.form)
        .map(|f| (f.key.as_str(), f.label.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.contains(['[', ']', '.']))
        .collect();
    for c in &mut out {
        let named = match c.path.strip_prefix("form[").and_then(|r| r.split_once(']')) {
            Some((key, rest)) if labels.contains_key(key) => {
                format!("form[{}]{rest}", labels[key])
            }
            _ => c.path.clone(),
        };
        c.label = element_label(&named);
    }
    out
}

fn diff_values(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeMap<&String, ()> = x.keys().chain(y.keys()).map(|k| (k, ())).collect();
            for k in keys.keys() {
                let p = if path.is_empty() {
                    (*k).clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(*k), y.get(*k)) {
                    (Some(u), Some(v)) => diff_values(&p, u, v, out),
                    (u, v) => out.push(change(p, u.cloned(), v.cloned())),
                }
            }
        }
        // Lists of codes, names or ids (topics, aliases, windows) are sets: an order that
        // changed is no change; otherwise the list is one change, shown whole.
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y).all(|v| !v.is_object() && !v.is_array()) =>
        {
            let sorted = |l: &Vec<Value>| {
                let mut keys: Vec<String> = l.iter().map(Value::to_string).collect();
                keys.sort();
                keys
            };
            if sorted(x) != sorted(y) {
                out.push(change(path.to_owned(), Some(a.clone()), Some(b.clone())));
            }
        }
        // Lists of named records (materials, steps, fees …) are matched by name: a record
        // moved is not every record after it changed. Only the steps' order means something
        // (the order the case passes through them); a new order is one change.
        (Value::Array(x), Value::Array(y)) if by_name(x).is_some() && by_name(y).is_some() => {
            let (before, after) = (
                by_name(x).unwrap_or_default(),
                by_name(y).unwrap_or_default(),
            );
            let names = |l: &[(String, &Value)]| -> Vec<Value> {
                l.iter().map(|(n, _)| Value::String(n.clone())).collect()
            };
            let mut kept: Vec<Value> = names(&after);
            kept.retain(|n| before.iter().any(|(b, _)| Value::String(b.clone()) == *n));
            let mut was: Vec<Value> = names(&before);
            was.retain(|n| after.iter().any(|(a, _)| Value::String(a.clone()) == *n));
            if path == "steps" && kept != was {
                out.push(change(
                    path.to_owned(),
                    Some(Value::Array(names(&before))),
                    Some(Value::Array(names(&after))),
                ));
            }
            for (name, u) in &before {
                let p = format!("{path}[{name}]");
                match after.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => diff_values(&p, u, v, out),
                    None => out.push(change(p, Some((*u).clone()), None)),
                }
            }
            for (name, v) in after
                .iter()
                .filter(|(n, _)| !before.iter().any(|(b, _)| b == n))
            {
                out.push(change(format!("{path}[{name}]"), None, Some((*v).clone())));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(v)) => diff_values(&p, u, v, out),
                    (u, v) => out.push(change(p, u.cloned(), v.cloned())),
                }
            }
        }
        _ if a != b => out.push(change(path.to_owned(), Some(a.clone()), Some(b.clone()))),
        _ => {}
    }
}

/// The records of a list by their names, when every record has a name of its own (no other
/// characters than a name may hold would break a path: `[`, `]` and `.` are refused).
fn by_name(list: &[Value]) -> Option<Vec<(String, &Value)>> {
    let mut named = Vec::with_capacity(list.len());
    for v in list {
        // Form fields are named by their key.
        let name = v.get("name").or_else(|| v.get("key"))?.as_str()?.trim();
        if name.is_empty()
            || name.contains(['[', ']', '.'])
            || named.iter().any(|(n, _): &(String, &Value)| n == name)
        {
            return None;
        }
        named.push((name.to_owned(), v));
    }
    Some(named)
}

/// The code table a document element's values come from, by its name (`topics` → TOPICS).
pub fn code_table_of(element: &str) -> Option<CodeTable> {
    Some(match element {
        "item_type" => ITEM_TYPES,
        "exercise_level" => EXERCISE_LEVELS,
        "body_nature" => BODY_NATURES,
        "service_targets" => SERVICE_TARGETS,
        "handling_forms" => HANDLING_FORMS,
        "case_type" => CASE_TYPES,
        "kind" => SPECIAL_PROCEDURE_KINDS,
        "online_depth" => ONLINE_DEPTHS,
        "role" => STEP_ROLES,
        "source" => MATERIAL_SOURCES,
        "requirement" => MATERIAL_REQUIREMENTS,
        "result_type" => RESULT_TYPES,
        "topics" => TOPICS,
        _ => return None,
    })
}

/// A value of the element at `path` as people read it: codes by their labels, lists joined,
/// yes and no, money in yuan, a whole material or step by its name.
pub fn display_value(path: &str, value: Option<&Value>) -> String {
    let element = path
        .rsplit('.')
        .next()
        .unwrap_or(path)
        .split('[')
        .next()
        .unwrap_or_default();
    let table = code_table_of(element);
    let scalar = |v: &Value| -> String {
        match v {
            Value::String(s) if element == "field_type" => s
                .parse::<FieldType>()
                .map_or_else(|_| s.clone(), |t| t.label().to_owned()),
            Value::String(s) => table
                .and_then(|t| label(t, s))
                .map_or_else(|| s.clone(), str::to_owned),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
            Value::Number(n) if element.ends_with("_fen") => n.as_u64().map_or_else(
                || n.to_string(),
                |f| format!("{}.{:02} 元", f / 100, f % 100),
            ),
            Value::Number(n) => n.to_string(),
            Value::Null => "（无）".to_owned(),
            // A form field: its label, type and choices (经营场所类型（选择：自有、租赁）).
            Value::Object(o) if o.contains_key("field_type") => {
                match serde_json::from_value::<FormField>(v.clone()) {
                    Ok(f) if f.options.is_empty() => {
                        format!("{}（{}）", f.label, f.field_type.label())
                    }
                    Ok(f) => format!(
                        "{}（{}：{}）",
                        f.label,
                        f.field_type.label(),
                        f.options.join("、")
                    ),
                    Err(_) => "（一项）".to_owned(),
                }
            }
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("law"))
                .or_else(|| o.get("question"))
                .or_else(|| o.get("label"))
                .and_then(Value::as_str)
                .map_or_else(|| "（一项）".to_owned(), str::to_owned),
            Value::Array(_) => String::new(),
        }
    };
    match value {
        None => "（无）".to_owned(),
        Some(Value::Array(items)) if items.is_empty() => "（无）".to_owned(),
        Some(Value::Array(items)) => items.iter().map(scalar).collect::<Vec<_>>().join("、"),
        Some(v) if v.as_str().is_some_and(str::is_empty) => "（空）".to_owned(),
        Some(v) => scalar(v),
    }
}

/// The Chinese name of a document path's element, for diff pages (`materials[2].copies` →
/// 申请材料 › 复印件份数).
pub fn element_label(path: &str) -> String {
    path.split('.')
        .map(|segment| {
            let (name, index) = match segment.split_once('[') {
                Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
                None => (segment, None),
            };
            let label = ELEMENT_LABELS
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(name, |(_, l)| l);
            match index.map(|i| (i, i.parse::<usize>())) {
                Some((_, Ok(n))) => format!("{label}第{}项", n + 1),
                Some((name, Err(_))) => format!("{label}“{name}”"),
                None => label.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

const ELEMENT_LABELS: &[(&str, &str)] = &[
    ("basic_code", "基本编码"),
    ("implementation_code", "实施编码"),
    ("name", "名称"),
    ("aliases", "别名"),
    ("item_type", "事项类型"),
    ("exercise_level", "行使层级"),
    ("division_of_powers", "权限划分"),
    ("exercise_content", "行使内容"),
    ("legal_bases", "设定依据"),
    ("law", "法律法规"),
    ("article", "条款"),
    ("text", "条文"),
    ("department_id", "实施部门"),
    ("implementing_body", "实施主体"),
    ("implementing_body_code", "实施主体代码"),
    ("body_nature", "实施主体性质"),
    ("case_type", "办件类型"),
    ("statutory_limit_days", "法定办结时限"),
    ("statutory_limit_note", "法定时限说明"),
    ("promised_limit_days", "承诺办结时限"),
    ("promised_limit_note", "承诺时限说明"),
    ("acceptance_conditions", "受理条件"),
    ("steps", "办理环节"),
    ("role", "环节角色"),
    ("limit_days", "时限"),
    ("description", "说明"),
    ("joint_department_ids", "共同实施部门"),
    ("joint_limit_days", "会办时限"),
    ("prerequisites", "前置事项"),
    ("intermediary_services", "中介服务"),
    ("quantity_limit", "数量限制"),
    ("special_procedures", "特别程序"),
    ("kind", "种类"),
    ("excluded_from_limit", "不计入时限"),
    ("note", "说明"),
    ("result_name", "结果名称"),
    ("result_type", "结果类型"),
    ("result_sample", "结果样本"),
    ("fees", "收费项目"),
    ("standard_fen", "收费标准（分）"),
    ("basis", "依据"),
    ("service_targets", "服务对象"),
    ("handling_forms", "办理形式"),
    ("topics", "服务主题"),
    ("appointment", "支持预约"),
    ("online_payment", "支持网上支付"),
    ("express_delivery", "支持物流快递"),
    ("online_depth", "网办深度"),
    ("max_visits", "最多跑几次"),
    ("online_url", "网办地址"),
    ("location", "办理地点"),
    ("hours", "办理时间"),
    ("consult_phone", "咨询电话"),
    ("supervise_phone", "监督电话"),
    ("faqs", "常见问题"),
    ("question", "问题"),
    ("answer", "解答"),
    ("window_ids", "办理窗口"),
    ("materials", "申请材料"),
    ("originals", "原件份数"),
    ("copies", "复印件份数"),
    ("requirement", "是否必要"),
    ("condition", "适用情形"),
    ("deficiency_allowed", "容缺"),
    ("source", "来源"),
    ("issuer", "出具机构"),
    ("licence_type", "可用电子证照"),
    ("template", "空白表格"),
    ("sample", "示例样表"),
    ("notes", "填报说明"),
    ("form", "申请表"),
    ("key", "字段标识"),
    ("label", "字段名称"),
    ("field_type", "字段类型"),
    ("required", "必填"),
    ("help", "填写提示"),
    ("options", "选项"),
    ("shown_when", "显示条件"),
    ("field", "依据字段"),
    ("equals", "取值"),
];
