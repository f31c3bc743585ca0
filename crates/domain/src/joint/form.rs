//! A bundle's one application (一表申请): the items' forms merged into one, each field asked
//! once. Fields with the same key are the same field; an administrator maps a field of one
//! item onto another key where two items mean the same thing by different keys (or apart,
//! where the same key means different things). Fields merged must agree on what they hold —
//! type, choices and when they are shown — or the merge is refused naming both; a merged field
//! is required when any of its items requires it. With the materials merged by name, the
//! merged form makes the bundle's `ItemDoc`, which the online hall fills in as it fills in one
//! item's.

use serde::{Deserialize, Serialize};

use crate::catalog::ItemDoc;
use crate::catalog::form::{Condition, FormField, check_form};
use crate::ids::ItemId;
use crate::org::FieldErrors;

/// At most this many mappings in one bundle.
pub const MAX_MAPPINGS: usize = 200;

/// One item's field asked under another key of the merged form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMapping {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub item_id: ItemId,
    /// The item's own field key.
    pub field: String,
    /// The merged form's key it is asked under.
    pub to: String,
}

/// One item of a bundle as merging reads it: the version in force.
pub struct ItemForm<'a> {
    pub item_id: ItemId,
    pub doc: &'a ItemDoc,
}

impl<'a> ItemForm<'a> {
    /// The items of a bundle as merging reads them, from each item's id and version.
    pub fn of(docs: &'a [(ItemId, ItemDoc)]) -> Vec<ItemForm<'a>> {
        docs.iter()
            .map(|(item_id, doc)| ItemForm {
                item_id: *item_id,
                doc,
            })
            .collect()
    }
}

/// Where a merged field came from, to name it in a refusal.
struct Origin<'a> {
    item: &'a str,
    label: &'a str,
}

/// The key an item's field is asked under.
fn target<'a>(map: &'a [FieldMapping], item: ItemId, key: &'a str) -> &'a str {
    map.iter()
        .find(|m| m.item_id == item && m.field == key)
        .map_or(key, |m| m.to.as_str())
}

/// The mappings' own rules against the items: each names an item of the bundle and a field
/// of its form, once, under a valid key.
fn check_mappings(items: &[ItemForm<'_>], map: &[FieldMapping], e: &mut FieldErrors) {
    if map.len() > MAX_MAPPINGS {
        e.add("field_map", format!("字段映射最多 {MAX_MAPPINGS} 条"));
        return;
    }
    for (i, m) in map.iter().enumerate() {
        let at = |part: &str| format!("field_map[{i}].{part}");
        let Some(item) = items.iter().find(|x| x.item_id == m.item_id) else {
            e.add(&at("item_id"), "不是本一件事的事项");
            continue;
        };
        if !item.doc.form.iter().any(|f| f.key == m.field) {
            e.add(
                &at("field"),
                format!("“{}”的申请表没有字段“{}”", item.doc.name, m.field),
            );
        } else if map[..i]
            .iter()
            .any(|x| x.item_id == m.item_id && x.field == m.field)
        {
            e.add(
                &at("field"),
                format!("“{}”的字段“{}”重复映射", item.doc.name, m.field),
            );
        }
        if !crate::catalog::form::valid_key(&m.to) {
            e.add(
                &at("to"),
                "合并后的字段标识须以小写字母开头，只含小写字母、数字和下划线，最长 32 位",
            );
        }
    }
}

/// The merged form of `items` (the leading item first) under `map`, or every conflict by the
/// path of what caused it: `field_map[i].to` for a mapping, `item_ids[k]` for a shared key.
pub fn merged_form(
    items: &[ItemForm<'_>],
    map: &[FieldMapping],
) -> Result<Vec<FormField>, FieldErrors> {
    let mut e = FieldErrors::new();
    check_mappings(items, map, &mut e);
    if !e.is_empty() {
        return Err(e);
    }
    let mut merged: Vec<FormField> = Vec::new();
    let mut origins: Vec<Origin<'_>> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let mut own: Vec<&str> = Vec::new();
        for f in &item.doc.form {
            let key = target(map, item.item_id, &f.key);
            let path = map
                .iter()
                .position(|m| m.item_id == item.item_id && m.field == f.key)
                .map_or(format!("item_ids[{k}]"), |i| format!("field_map[{i}].to"));
            let name = &item.doc.name;
            if own.contains(&key) {
                e.add(&path, format!("“{name}”的两个字段不能合并为同一项“{key}”"));
                continue;
            }
            own.push(key);
            let shown_when = f.shown_when.as_ref().map(|c| Condition {
                field: target(map, item.item_id, &c.field).to_owned(),
                equals: c.equals.clone(),
            });
            let Some(i) = merged.iter().position(|g| g.key == key) else {
                merged.push(FormField {
                    key: key.to_owned(),
                    shown_when,
                    ..f.clone()
                });
                origins.push(Origin {
                    item: name,
                    label: &f.label,
                });
                continue;
            };
            let (g, o) = (&mut merged[i], &origins[i]);
            let both = format!("“{name}”的“{}”与“{}”的“{}”", f.label, o.item, o.label);
            if g.field_type != f.field_type {
                e.add(
                    &path,
                    format!(
                        "{both}类型不同（{}、{}），不能合并为同一项",
                        f.field_type.label(),
                        g.field_type.label()
                    ),
                );
            } else if g.options != f.options {
                e.add(&path, format!("{both}选项不同，不能合并为同一项"));
            } else if g.shown_when != shown_when {
                e.add(&path, format!("{both}显示条件不同，不能合并为同一项"));
            } else {
                g.required |= f.required;
            }
        }
    }
    check_form(&merged, &mut e);
    e.into_result()?;
    Ok(merged)
}

/// A bundle's application as the online hall fills it in: the leading item's version under
/// the bundle's name, with the merged form and one set of materials (each name once, required
/// when any item requires it, 容缺 only when every item allows it).
pub fn bundle_doc(
    name: &str,
    items: &[ItemForm<'_>],
    map: &[FieldMapping],
) -> Result<ItemDoc, FieldErrors> {
    let Some(lead) = items.first() else {
        return Err(FieldErrors::single("item_ids", "一件事须包含事项"));
    };
    let mut doc = lead.doc.clone();
    doc.name = name.trim().to_owned();
    doc.form = merged_form(items, map)?;
    doc.materials.clear();
    for m in items.iter().flat_map(|i| &i.doc.materials) {
        match doc.materials.iter_mut().find(|x| x.name == m.name) {
            Some(x) => {
                if m.requirement == "required" {
                    x.requirement = m.requirement.clone();
                }
                x.deficiency_allowed &= m.deficiency_allowed;
            }
            None => doc.materials.push(m.clone()),
        }
    }
    doc.promised_limit_days = items
        .iter()
        .map(|i| i.doc.promised_limit_days)
        .max()
        .unwrap_or(0);
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::form::FieldType;
    use crate::catalog::tests::sample;

    fn field(key: &str, label: &str, field_type: FieldType, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label: label.into(),
            field_type,
            required,
            ..Default::default()
        }
    }

    fn doc(name: &str, form: Vec<FormField>) -> ItemDoc {
        let mut d = sample();
        d.name = name.into();
        d.form = form;
        d
    }

    fn map(item: i64, field: &str, to: &str) -> FieldMapping {
        FieldMapping {
            item_id: ItemId(item),
            field: field.into(),
            to: to.into(),
        }
    }

    #[test]
    fn the_same_key_or_a_mapped_one_is_asked_once() {
        let licence = doc(
            "个体工商户设立登记",
            vec![
                field("shop_name", "字号名称", FieldType::Text, true),
                field("address", "经营场所", FieldType::Address, true),
                field("area", "经营面积", FieldType::Number, false),
            ],
        );
        let food = doc(
            "食品经营许可",
            vec![
                field("address", "经营场所地址", FieldType::Address, false),
                field("premises_area", "经营场所面积", FieldType::Number, true),
                field("category", "经营项目", FieldType::Text, true),
            ],
        );
        let docs = [(ItemId(1), licence), (ItemId(2), food)];
        let items = ItemForm::of(&docs);
        let form = merged_form(&items, &[map(2, "premises_area", "area")]).unwrap();
        let keys: Vec<&str> = form.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["shop_name", "address", "area", "category"]);
        assert!(
            form[2].required,
            "required because the food licence requires it"
        );
        assert_eq!(form[1].label, "经营场所", "the first item's label");
        let joint = bundle_doc(" 开办餐饮店 ", &items, &[map(2, "premises_area", "area")]).unwrap();
        assert_eq!(joint.name, "开办餐饮店");
        assert_eq!(joint.form.len(), 4);
        // The sample's materials are the same in both: asked once.
        assert_eq!(joint.materials.len(), docs[0].1.materials.len());
    }

    #[test]
    fn fields_of_different_kinds_are_not_merged() {
        let a = doc(
            "甲",
            vec![
                field("area", "面积", FieldType::Number, true),
                field("opened", "开业日期", FieldType::Date, false),
            ],
        );
        let b = doc(
            "乙",
            vec![
                field("area", "面积说明", FieldType::Text, true),
                field("start", "开始日期", FieldType::Text, false),
            ],
        );
        let docs = [(ItemId(1), a), (ItemId(2), b)];
        let items = ItemForm::of(&docs);
        // The same key of different types, and a mapping onto a field of another type.
        let e = merged_form(&items, &[map(2, "start", "opened")]).unwrap_err();
        let paths: Vec<&str> = e.0.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["item_ids[1]", "field_map[0].to"]);
        assert!(e.0[0].1.contains("类型不同（单行文字、数字）"), "{e:?}");
        assert!(
            e.0[1].1.contains("“乙”的“开始日期”与“甲”的“开业日期”"),
            "{e:?}"
        );
        // Mapped apart, both are asked.
        let form = merged_form(
            &items,
            &[map(2, "area", "area_note"), map(2, "start", "start")],
        )
        .unwrap();
        assert_eq!(form.len(), 4);
        // Mappings that name no field of the item, an item outside, a bad key, or two fields of
        // one item onto one key.
        let e = merged_form(
            &items,
            &[
                map(2, "nope", "x"),
                map(3, "area", "x"),
                map(1, "area", "Bad Key"),
            ],
        )
        .unwrap_err();
        let paths: Vec<&str> = e.0.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "field_map[0].field",
                "field_map[1].item_id",
                "field_map[2].to"
            ]
        );
        let e = merged_form(
            &items,
            &[map(2, "start", "area_note"), map(2, "area", "area_note")],
        )
        .unwrap_err();
        assert!(e.0[0].1.contains("两个字段不能合并"), "{e:?}");
    }

    #[test]
    fn conditions_follow_the_mapping_and_must_agree() {
        let mut kind = field("kind", "类型", FieldType::Choice, true);
        kind.options = vec!["新办".into(), "延续".into()];
        let mut old = field("old_no", "原证号", FieldType::Text, true);
        old.shown_when = Condition::parse("kind=延续");
        let a = doc("甲", vec![kind.clone(), old.clone()]);
        let mut kind_b = kind.clone();
        kind_b.key = "apply_kind".into();
        let mut old_b = old.clone();
        old_b.shown_when = Condition::parse("apply_kind=延续");
        let b = doc("乙", vec![kind_b, old_b]);
        let docs = [(ItemId(1), a), (ItemId(2), b)];
        let items = ItemForm::of(&docs);
        // Mapped, 乙's condition names 甲's field and they agree.
        let form = merged_form(&items, &[map(2, "apply_kind", "kind")]).unwrap();
        assert_eq!(form.len(), 2);
        // Not mapped, the same key old_no is shown under different conditions.
        let e = merged_form(&items, &[]).unwrap_err();
        assert!(e.0[0].1.contains("显示条件不同"), "{e:?}");
    }
}
