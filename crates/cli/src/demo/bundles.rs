//! The demo's 一件事一次办 bundles, made of its catalogue's items: opening a restaurant, opening
//! a company, and a baby's birth.

use anyhow::Context;
use onewindow_domain::ids::AccountId;
use onewindow_domain::joint::BundleInput;
use onewindow_store::Store;

/// (name, description, items with the leading one first).
const BUNDLES: [(&str, &str, &[&str]); 3] = [
    (
        "开办餐饮店",
        "个体餐饮店开业所需的营业执照、食品经营许可和消防安全检查，一次申请、并联审批。",
        &[
            "个体工商户设立登记",
            "食品经营许可",
            "公众聚集场所投入使用、营业前消防安全检查",
        ],
    ),
    (
        "开办企业",
        "有限责任公司设立登记，同时办理新办纳税人套餐、发票领用和社会保险登记。",
        &[
            "有限责任公司设立登记",
            "纳税人信息确认（新办纳税人套餐）",
            "发票领用",
            "社会保险登记",
        ],
    ),
    (
        "新生儿出生",
        "出生医学证明、户口登记和社会保障卡，一次申请。",
        &["出生医学证明首次签发", "出生登记", "社会保障卡申领"],
    ),
];

pub(super) async fn demo_bundles(store: &Store, by: AccountId) -> anyhow::Result<()> {
    let items = store.catalog().list_items(&Default::default()).await?;
    for (name, description, names) in BUNDLES {
        let item_ids = names
            .iter()
            .map(|n| {
                items
                    .iter()
                    .find(|i| i.name == *n)
                    .map(|i| i.id)
                    .with_context(|| format!("demo bundle item {n}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store
            .joint()
            .create_bundle(
                &BundleInput {
                    name: name.into(),
                    description: description.into(),
                    item_ids,
                },
                by,
            )
            .await?;
    }
    Ok(())
}
