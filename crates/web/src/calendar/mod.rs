//! The working-day calendar on the web: its page and API. The calendar itself is domain code
//! (`onewindow_domain::calendar`) with the corrections kept by the store.

pub mod api;
pub mod pages;
