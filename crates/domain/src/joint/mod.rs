//! Joint approval beyond one item (并联审批): 一件事一次办 bundles. A bundle is a life event an
//! administrator puts together from catalogue items: 开办餐饮店 is 个体工商户设立登记, 食品经营许可
//! and 公众聚集场所投入使用前消防安全检查. The applicant applies once, with one set of materials
//! (a material several items need is handed in once), and the items are handled as one joint
//! case: the first item's department leads and accepts, every other item is a branch of its
//! own department, reviewed at the same time under the longest of the items' limits.

mod form;
pub mod prereview;
pub mod project;

pub use form::{FieldMapping, ItemForm, MAX_MAPPINGS, bundle_doc, merged_form};

use serde::{Deserialize, Serialize};

use crate::case::{BranchItem, BranchRef, CaseType, ItemRef, MaterialRef, StepRef};
use crate::ids::ItemId;
use crate::org::{FieldErrors, Role};

crate::actions! {
    /// What may be done with joint approval's own records.
    pub enum JointAction {
        /// Define, change and take off 一件事 bundles, and set the stages of investment
        /// projects (centre administrators).
        ManageBundles => Write,
        /// See investment projects, their stages and the monthly bulletin (staff).
        ViewProjects => Read,
        /// Register investment projects and start their stages (the centre's 代办 staff:
        /// comprehensive-window clerks and centre administrators).
        ManageProjects => Write,
        /// Answer an online joint pre-review for one's department (its reviewers, approvers
        /// and chief representative).
        PreReview => Write,
    }
}

/// At most this many items in one bundle.
pub const MAX_ITEMS: usize = 10;

/// What an administrator defines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleInput {
    /// 一件事 as people say it (开办餐饮店).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The items, the leading one first (its department accepts and decides).
    pub item_ids: Vec<ItemId>,
    /// Items' form fields asked under another key of the one merged form (fields with the
    /// same key are asked once without a mapping).
    #[serde(default)]
    pub field_map: Vec<FieldMapping>,
}

impl BundleInput {
    /// The bundle's own rules: a name, a short description, two to ten distinct items.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let name = self.name.trim().chars().count();
        if name == 0 || name > 40 {
            e.add("name", "请填写一件事的名称（40 字以内）");
        }
        if self.description.chars().count() > 500 {
            e.add("description", "说明不能超过 500 个字符");
        }
        if self.item_ids.len() < 2 || self.item_ids.len() > MAX_ITEMS {
            e.add("item_ids", format!("一件事须包含 2 至 {MAX_ITEMS} 个事项"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, id) in self.item_ids.iter().enumerate() {
            if !seen.insert(*id) {
                e.add(&format!("item_ids[{i}]"), "事项重复");
            }
        }
        e.into_result()
    }
}

/// The steps a co-department's item keeps in a bundle: its own review after the lead's one
/// acceptance (its window steps are the lead's acceptance), or its approver's sign-off when it
/// has none.
fn branch_steps(item: &ItemRef) -> Vec<StepRef> {
    let steps: Vec<StepRef> = item
        .steps
        .iter()
        .filter(|s| s.role != Role::Clerk)
        .cloned()
        .collect();
    if steps.is_empty() {
        vec![StepRef {
            name: "审批".into(),
            role: Role::Approver,
            department_id: item.department_id,
            limit_days: 0,
        }]
    } else {
        steps
    }
}

/// The joint case's item for a bundle of `items` (the lead first, each as the catalogue
/// publishes it now): the lead's steps, every other item a branch (and every item's own
/// co-departments too), the materials merged by name (needed when any item needs it, 容缺 only
/// when every item allows it), the fees added up, and the longest limits.
pub fn bundle_item(name: &str, items: &[ItemRef]) -> Result<ItemRef, FieldErrors> {
    let Some((lead, others)) = items.split_first() else {
        return Err(FieldErrors::single("item_ids", "一件事须包含事项"));
    };
    let mut joint = lead.clone();
    joint.name = name.trim().to_owned();
    joint.online_only = false;
    if items.iter().any(|i| i.case_type == CaseType::Promised) {
        joint.case_type = CaseType::Promised;
    }
    joint.promised_days = items.iter().map(|i| i.promised_days).max().unwrap_or(0);
    joint.statutory_days = items.iter().map(|i| i.statutory_days).max().unwrap_or(0);
    joint.fee_standard_fen = items
        .iter()
        .try_fold(0u64, |sum, i| sum.checked_add(i.fee_standard_fen))
        .ok_or_else(|| FieldErrors::single("item_ids", "收费合计超出范围"))?;
    joint.materials = merged_materials(items);
    for item in others {
        joint.branches.push(BranchRef {
            department_id: item.department_id,
            department_name: String::new(),
            steps: branch_steps(item),
            limit_days: item.promised_days,
            item: Some(BranchItem {
                item_id: item.item_id,
                version: item.version,
                name: item.name.clone(),
            }),
        });
        joint.branches.extend(item.branches.iter().cloned());
    }
    if joint.branches.len() > crate::case::MAX_LIST {
        return Err(FieldErrors::single("item_ids", "一件事涉及的部门过多"));
    }
    Ok(joint)
}

/// One material list for a bundle: each name once, in the order first met.
pub fn merged_materials(items: &[ItemRef]) -> Vec<MaterialRef> {
    let mut out: Vec<MaterialRef> = Vec::new();
    for m in items.iter().flat_map(|i| &i.materials) {
        match out.iter_mut().find(|x| x.name == m.name) {
            Some(x) => {
                x.required |= m.required;
                x.deficiency_allowed &= m.deficiency_allowed;
            }
            None => out.push(m.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DepartmentId;

    fn item(id: i64, dept: i64, case_type: CaseType, materials: &[(&str, bool, bool)]) -> ItemRef {
        let step = |name: &str, role| StepRef {
            name: name.into(),
            role,
            department_id: DepartmentId(dept),
            limit_days: 1,
        };
        ItemRef {
            item_id: ItemId(id),
            version: 1,
            name: format!("事项{id}"),
            department_id: DepartmentId(dept),
            case_type,
            promised_days: if case_type == CaseType::Instant {
                0
            } else {
                5 + id as u32
            },
            statutory_days: 20,
            steps: vec![
                step("受理", Role::Clerk),
                step("审查", Role::Reviewer),
                step("决定", Role::Approver),
            ],
            fee_standard_fen: 100,
            materials: materials
                .iter()
                .map(|(n, r, d)| MaterialRef {
                    name: (*n).into(),
                    required: *r,
                    deficiency_allowed: *d,
                })
                .collect(),
            region_code: "371300000000".into(),
            online_only: false,
            branches: vec![],
        }
    }

    #[test]
    fn a_restaurant_is_one_joint_case() {
        let licence = item(
            1,
            7,
            CaseType::Promised,
            &[("营业执照申请书", true, false), ("身份证明", true, false)],
        );
        let food = item(
            2,
            7,
            CaseType::Promised,
            &[("身份证明", false, true), ("健康证明", true, true)],
        );
        let fire = item(
            3,
            9,
            CaseType::Instant,
            &[("消防安全检查申报表", true, false)],
        );
        let joint = bundle_item(" 开办餐饮店 ", &[licence, food, fire]).unwrap();
        assert_eq!(joint.name, "开办餐饮店");
        assert_eq!(joint.department_id, DepartmentId(7), "the first item leads");
        assert_eq!(joint.case_type, CaseType::Promised);
        assert_eq!(joint.promised_days, 7, "the longest limit");
        assert_eq!(joint.fee_standard_fen, 300);
        // 身份证明 is asked once, required because one item requires it.
        let names: Vec<&str> = joint.materials.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "营业执照申请书",
                "身份证明",
                "健康证明",
                "消防安全检查申报表"
            ]
        );
        assert!(joint.materials[1].required && !joint.materials[1].deficiency_allowed);
        // Two branches: the food licence's review without its window step, and the fire check's
        // sign-off (an instant item has only its window step).
        assert_eq!(joint.branches.len(), 2);
        assert_eq!(
            joint.branches[0]
                .steps
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["审查", "决定"]
        );
        assert_eq!(joint.branches[1].department_id, DepartmentId(9));
        assert_eq!(joint.branches[1].item.as_ref().unwrap().name, "事项3");
    }

    #[test]
    fn bundles_have_two_to_ten_distinct_items() {
        let input = |ids: &[i64]| BundleInput {
            name: "开办餐饮店".into(),
            description: String::new(),
            item_ids: ids.iter().map(|i| ItemId(*i)).collect(),
            field_map: vec![],
        };
        assert!(input(&[1, 2]).check().is_ok());
        assert!(input(&[1]).check().is_err());
        assert!(
            input(&[1, 2, 1])
                .check()
                .unwrap_err()
                .message_for("item_ids[2]")
                .is_some()
        );
        assert!(input(&(1..=11).collect::<Vec<_>>()).check().is_err());
        let mut unnamed = input(&[1, 2]);
        unnamed.name = "  ".into();
        assert!(unnamed.check().unwrap_err().message_for("name").is_some());
    }
}
