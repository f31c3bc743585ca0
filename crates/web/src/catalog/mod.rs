//! The service-item catalogue on the web: the public guides, the administration of items and
//! the API.

pub mod api;
mod item_form;
pub mod pages;
