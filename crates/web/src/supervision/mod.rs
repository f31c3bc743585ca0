//! Electronic supervision (电子监察) on the web: its pages and API. The sweep, indicators and
//! assessment are computed by the store's supervision context.

pub mod api;
pub mod pages;
