//! Joint approval beyond one item on the web: 一件事一次办 bundles — the public list and page of
//! each bundle (its items, departments, one set of materials, the joint limit), their
//! definition by centre administrators, and the API. A bundle is applied for at the leading
//! item's window (`/work/accept?bundle_id=…`) or through `POST /api/v1/cases` with `bundle_id`,
//! and becomes one joint case (`crate::case`).

pub mod api;
pub mod pages;
pub mod prereview;
pub mod projects_api;
pub mod projects_pages;

use onewindow_store::StoreError;
use onewindow_store::joint::Bundle;

use crate::AppState;

/// A material of a bundle's one set: asked once, required when any item requires it, 容缺 only
/// when every item allows it; with the counts the first item asks for and every item that
/// needs it.
pub struct BundleMaterial {
    pub name: String,
    pub required: bool,
    pub deficiency_allowed: bool,
    pub originals: u32,
    pub copies: u32,
    pub items: Vec<String>,
}

/// A bundle's one set of materials and its longest promised limit, from its items' versions
/// in force (an item without one is passed over), for the public page and the window.
pub async fn bundle_materials(
    state: &AppState,
    bundle: &Bundle,
) -> Result<(u32, Vec<BundleMaterial>), StoreError> {
    let mut promised = 0;
    let mut materials: Vec<BundleMaterial> = Vec::new();
    for item in &bundle.items {
        let Ok(v) = state.store.catalog().current_version(item.id).await else {
            continue;
        };
        promised = promised.max(v.doc.promised_limit_days);
        for m in &v.doc.materials {
            let required = m.requirement == "required";
            match materials.iter_mut().find(|x| x.name == m.name) {
                Some(x) => {
                    x.required |= required;
                    x.deficiency_allowed &= m.deficiency_allowed;
                    x.items.push(item.name.clone());
                }
                None => materials.push(BundleMaterial {
                    name: m.name.clone(),
                    required,
                    deficiency_allowed: m.deficiency_allowed,
                    originals: m.originals,
                    copies: m.copies,
                    items: vec![item.name.clone()],
                }),
            }
        }
    }
    Ok((promised, materials))
}
