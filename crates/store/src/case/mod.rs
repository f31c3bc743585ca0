//! Case handling's store: the event log and its chain (`log`), commands through the group-commit
//! writer (`commands`), the lists and views staff and applicants read (`queries`), and the
//! signed checkpoints over the log (`checkpoints`). The read models the log feeds are in
//! `crate::projections`.

pub mod checkpoints;
pub mod commands;
pub mod log;
pub mod log_tree;
pub mod queries;
