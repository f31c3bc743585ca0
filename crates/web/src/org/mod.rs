//! Organisation on the web: regions, centres with their halls and zones, departments, windows
//! and staff, as administration pages and as the API.

pub mod api;
pub mod pages;
