//! Joint approval beyond one item on the web: 一件事一次办 bundles — the public list and page of
//! each bundle (its items, departments, one set of materials, the joint limit), their
//! definition by centre administrators, and the API. A bundle is applied for at the leading
//! item's window (`/work/accept?bundle_id=…`) or through `POST /api/v1/cases` with `bundle_id`,
//! and becomes one joint case (`crate::case`).

pub mod api;
pub mod pages;
pub mod projects_api;
pub mod projects_pages;
