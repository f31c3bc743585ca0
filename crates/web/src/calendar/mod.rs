//! The working-day calendar on the web: its page. The calendar itself is domain code
//! (`onewindow_domain::calendar`) with the corrections kept by the store.

pub mod pages;
