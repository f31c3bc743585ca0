//! Accounts on the web: signing in, registration, the account page and the security log as
//! pages; registration, API tokens and the security log through the API.

pub mod api;
pub mod pages;
