//! Accounts on the web: registration, API tokens and the security log through the API. The
//! sign-in pages are the public pages of `crate::pages`.

pub mod api;
