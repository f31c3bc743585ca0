//! OneWindow's domain: plain types and pure rules, no I/O and no database types.
//! Time, ids and randomness are passed in by the callers.

pub mod accounts;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod codes;
pub mod exchange;
pub mod hall;
pub mod ids;
pub mod joint;
pub mod org;
pub mod reviews;
pub mod supervision;
pub mod trading;
