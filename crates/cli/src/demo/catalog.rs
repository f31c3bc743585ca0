//! The demo catalogue: items written by us in `catalog.txt` (one line each, legal bases
//! citing real laws), built into complete GB/T 39046 documents for the demo organisation.

use anyhow::{Context, bail};
use onewindow_domain::catalog::{
    Condition, Fee, FormField, ItemDoc, LegalBasis, Material, SpecialProcedure, Step,
};
use onewindow_domain::ids::{DepartmentId, WindowId};
use onewindow_store::org::{Department, Window};

const LINES: &str = include_str!("catalog.txt");

/// Synonyms a centre would start with: what people say, and what the catalogue calls it.
pub const SYNONYMS: &[(&str, &[&str])] = &[
    ("个体户", &["个体工商户"]),
    ("身份证", &["居民身份证"]),
    ("驾照", &["机动车驾驶证"]),
    ("房产证", &["不动产权证书"]),
    ("社保", &["社会保险"]),
    ("准生证", &["生育登记"]),
    ("环评", &["环境影响"]),
    ("开公司", &["有限责任公司设立登记"]),
    ("营业执照", &["设立登记"]),
];

const PHRASINGS: &str = include_str!("phrasings.txt");

const FORMS: &str = include_str!("forms.txt");

/// The application forms of `forms.txt`, by item name.
fn forms() -> anyhow::Result<std::collections::BTreeMap<String, Vec<FormField>>> {
    let mut out: std::collections::BTreeMap<String, Vec<FormField>> = Default::default();
    for line in FORMS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('|').collect();
        let [
            item,
            key,
            label,
            field_type,
            required,
            help,
            options,
            shown_when,
        ] = f[..]
        else {
            bail!("demo form line has {} fields: {line}", f.len());
        };
        out.entry(item.to_owned()).or_default().push(FormField {
            key: key.into(),
            label: label.into(),
            field_type: field_type
                .parse()
                .map_err(|e| anyhow::anyhow!("{e}: {line}"))?,
            required: required == "1",
            help: help.into(),
            options: options
                .split('、')
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            shown_when: Condition::parse(shown_when),
        });
    }
    Ok(out)
}

/// What the demo's search starts with: the synonyms and the everyday phrasings of
/// `phrasings.txt` (开奶茶店 → 食品经营许可), merged by term.
pub fn search_terms() -> Vec<(String, Vec<String>)> {
    let mut terms: std::collections::BTreeMap<String, Vec<String>> = SYNONYMS
        .iter()
        .map(|(t, e)| ((*t).to_owned(), e.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    for line in PHRASINGS.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((phrase, expansions)) = line.split_once('|') {
            let entry = terms.entry(phrase.trim().to_owned()).or_default();
            for e in expansions
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                if !entry.iter().any(|x| x == e) {
                    entry.push(e.to_owned());
                }
            }
        }
    }
    terms.into_iter().collect()
}

fn material(spec: &str) -> Material {
    let mut spec = spec.trim();
    let mut m = Material {
        originals: 1,
        requirement: "required".into(),
        source: "applicant".into(),
        ..Default::default()
    };
    if let Some(rest) = spec.strip_prefix('@') {
        spec = rest;
        m.source = "government".into();
        m.licence_type = rest
            .split(['#', '?', '~'])
            .next()
            .unwrap_or(rest)
            .to_owned();
        m.issuer = "政府部门".into();
    }
    if let Some((name, condition)) = spec.split_once('?') {
        m.requirement = "conditional".into();
        m.condition = condition.to_owned();
        spec = name;
    }
    if let Some(name) = spec.strip_suffix('~') {
        m.requirement = "optional".into();
        m.deficiency_allowed = true;
        spec = name;
    }
    if let Some((name, copies)) = spec.split_once('#') {
        m.copies = copies.parse().unwrap_or(1);
        spec = name;
    }
    m.name = spec.to_owned();
    if m.name.ends_with("申请书") || m.name.ends_with("申请表") || m.name.ends_with("登记表")
    {
        m.notes = "可在窗口领取或在网上办事大厅下载，须签字（盖章）".into();
    }
    m
}

/// Steps sized to the promised limit: 受理 → 审查 → 审批 (即办件: one step on the spot).
fn steps(case_type: &str, promised: u32, dept: i64) -> Vec<Step> {
    let step = |name: &str, role: &str, limit_days: u32| Step {
        name: name.into(),
        role: role.into(),
        department_id: DepartmentId(dept),
        limit_days,
        description: String::new(),
    };
    match (case_type, promised) {
        ("1", _) => vec![step("受理并办结", "clerk", 0)],
        (_, 1) => vec![step("受理", "clerk", 0), step("审查并决定", "approver", 1)],
        (_, 2) => vec![
            step("受理", "clerk", 0),
            step("审查", "reviewer", 1),
            step("决定", "approver", 1),
        ],
        (_, p) => vec![
            step("受理", "clerk", 1),
            step("审查", "reviewer", p - 2),
            step("决定", "approver", 1),
        ],
    }
}

/// Builds every demo item; fails on the first malformed line.
pub fn items(
    depts: &[Department],
    windows: &[Window],
    hours: &str,
) -> anyhow::Result<Vec<ItemDoc>> {
    let mut out = Vec::new();
    let mut forms = forms()?;
    let mut seq_per_dept = std::collections::HashMap::new();
    for line in LINES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() != 17 {
            bail!("demo catalogue line has {} fields: {line}", f.len());
        }
        let dept_index = depts
            .iter()
            .position(|d| d.short_name == f[0])
            .with_context(|| format!("department {}", f[0]))?;
        let dept = &depts[dept_index];
        let seq = seq_per_dept
            .entry(dept.id)
            .and_modify(|n| *n += 1)
            .or_insert(1);
        let basic_code = format!("{}{:02}{:03}00", f[2], dept_index + 1, seq);
        let statutory: u32 = f[4].parse()?;
        let promised: u32 = f[5].parse()?;
        let depth = f[12].to_owned();
        let deep = depth.parse::<u8>().unwrap_or(0);
        let fees: Vec<Fee> = f[14]
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let p: Vec<&str> = s.splitn(3, ':').collect();
                Fee {
                    name: p[0].into(),
                    standard_fen: p.get(1).and_then(|n| n.parse().ok()).unwrap_or(0),
                    basis: p.get(2).unwrap_or(&"").to_string(),
                }
            })
            .collect();
        let own_windows: Vec<&Window> = windows
            .iter()
            .filter(|w| w.department_id == Some(dept.id))
            .collect();
        let mut window_ids: Vec<WindowId> = own_windows.iter().map(|w| w.id).collect();
        window_ids.extend(
            windows
                .iter()
                .filter(|w| w.is_comprehensive())
                .map(|w| w.id),
        );
        let numbers: Vec<&str> = own_windows.iter().map(|w| w.number.as_str()).collect();
        let location = if numbers.is_empty() {
            "临沂市政务服务中心一楼综合受理区".to_owned()
        } else {
            format!(
                "临沂市政务服务中心 {} 号窗口，或一楼综合受理区",
                numbers.join("、")
            )
        };
        // Construction approvals are joint with fire and environment where relevant.
        let joint = |short: &str| {
            depts
                .iter()
                .find(|d| d.short_name == short)
                .map(|d| d.id)
                .filter(|id| *id != dept.id)
        };
        let mut joint_department_ids = Vec::new();
        if f[10].contains("c_construction") && f[2] == "01" {
            joint_department_ids.extend(joint("消防救援"));
            joint_department_ids.extend(joint("自然资源"));
        }
        let mut special_procedures = Vec::new();
        if f[2] == "01" && f[3] == "2" {
            special_procedures.push(SpecialProcedure {
                kind: "1".into(),
                name: "延长审批".into(),
                limit_days: 10,
                excluded_from_limit: false,
                note: "经本行政机关负责人批准，可以延长十个工作日，并将延长期限的理由告知申请人（《中华人民共和国行政许可法》第四十二条）".into(),
            });
        }
        if statutory >= 20 && f[2] == "01" {
            special_procedures.push(SpecialProcedure {
                kind: "2".into(),
                name: "现场核查".into(),
                limit_days: 5,
                excluded_from_limit: true,
                note: "需要对申请材料的实质内容进行核实的，指派两名以上工作人员进行核查".into(),
            });
        }
        let targets: Vec<String> = f[11].split(',').map(str::to_owned).collect();
        let who = if targets.iter().all(|t| t == "1") {
            "自然人"
        } else {
            "法人或其他组织"
        };
        out.push(ItemDoc {
            implementation_code: format!("{basic_code}37130001"),
            basic_code,
            name: f[1].into(),
            aliases: f[15]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            item_type: f[2].into(),
            exercise_level: "3".into(),
            division_of_powers:
                "市级负责本行政区域内的办理；县（区）级按照属地管理原则办理其辖区内事项".into(),
            exercise_content: format!("{}的受理、审查和决定", f[1]),
            legal_bases: vec![LegalBasis {
                law: f[6].into(),
                article: f[7].into(),
                text: String::new(),
            }],
            department_id: dept.id,
            implementing_body: dept.name.clone(),
            implementing_body_code: dept.credit_code.clone(),
            body_nature: "1".into(),
            case_type: f[3].into(),
            statutory_limit_days: statutory,
            statutory_limit_note: "自受理之日起计算，不含法定节假日；特别程序所需时间不计入".into(),
            promised_limit_days: promised,
            promised_limit_note: if promised < statutory {
                "通过流程再造压缩办理时限".into()
            } else {
                String::new()
            },
            acceptance_conditions: format!(
                "申请人为{who}，符合{}{}规定的条件；申请材料齐全、符合法定形式。",
                f[6], f[7]
            ),
            steps: steps(f[3], promised, dept.id.get()),
            // The co-departments sign within two thirds of the promised limit.
            joint_limit_days: if joint_department_ids.is_empty() || promised == 0 {
                0
            } else {
                (promised * 2 / 3).max(1)
            },
            joint_department_ids,
            prerequisites: Vec::new(),
            intermediary_services: Vec::new(),
            quantity_limit: "无数量限制".into(),
            special_procedures,
            result_name: f[8].into(),
            result_type: f[9].into(),
            result_sample: String::new(),
            online_payment: !fees.is_empty() && deep >= 3,
            fees,
            service_targets: targets,
            handling_forms: if deep >= 2 {
                vec!["1".into(), "2".into(), "3".into()]
            } else {
                vec!["1".into()]
            },
            topics: f[10]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            appointment: true,
            express_delivery: deep >= 3,
            online_depth: depth,
            max_visits: f[13].parse()?,
            online_url: if deep >= 2 {
                "/apply".into()
            } else {
                String::new()
            },
            location,
            hours: hours.into(),
            consult_phone: dept.phone.clone(),
            supervise_phone: "12345".into(),
            faqs: Vec::new(),
            window_ids,
            materials: f[16]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(material)
                .collect(),
            form: forms.remove(f[1]).unwrap_or_default(),
        });
    }
    if let Some(name) = forms.keys().next() {
        bail!("demo form for an item the catalogue lacks: {name}");
    }
    // 前置审批 along a construction project's path: land-use planning before works planning
    // before the building permit, and the permit before pre-sales.
    for (item, needs) in [
        ("建设工程规划许可证核发", "建设用地规划许可证核发"),
        ("建筑工程施工许可证核发", "建设工程规划许可证核发"),
        ("商品房预售许可", "建筑工程施工许可证核发"),
    ] {
        let code = |name: &str| {
            out.iter()
                .find(|d| d.name == name)
                .map(|d| d.implementation_code.clone())
                .with_context(|| format!("demo prerequisite {name}"))
        };
        let needs = code(needs)?;
        let at = out
            .iter()
            .position(|d| d.name == item)
            .with_context(|| format!("demo item {item}"))?;
        out[at].prerequisites.push(needs);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_forms_are_valid_and_cover_twenty_items() {
        let forms = forms().unwrap();
        assert!(forms.len() >= 20, "{} items with forms", forms.len());
        let names: Vec<&str> = LINES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('|').nth(1))
            .collect();
        for (item, form) in &forms {
            assert!(
                names.contains(&item.as_str()),
                "{item} is not in catalog.txt"
            );
            let mut errors = onewindow_domain::org::FieldErrors::new();
            onewindow_domain::catalog::form::check_form(form, &mut errors);
            assert!(errors.0.is_empty(), "{item}: {errors:?}");
        }
    }

    #[test]
    fn material_notation() {
        let m = material("@居民身份证");
        assert_eq!(
            (m.source.as_str(), m.licence_type.as_str()),
            ("government", "居民身份证")
        );
        let m = material("委托书?委托他人办理的");
        assert_eq!(
            (m.requirement.as_str(), m.condition.as_str()),
            ("conditional", "委托他人办理的")
        );
        let m = material("近期免冠证件照片~");
        assert!(m.deficiency_allowed && m.requirement == "optional");
        assert_eq!(material("合影照片#2").copies, 2);
    }
}
