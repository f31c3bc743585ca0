//! What the contexts' stores stand on: migrations, the case writer's connection and its write
//! batches, content-addressed blobs, the catalogue's search index, the notification outbox and
//! the message centre it feeds from.

pub mod attempts;
pub(crate) mod batch;
pub mod blobs;
pub(crate) mod case_db;
pub mod messages;
pub(crate) mod migrate;
pub mod outbox;
pub mod search;
pub mod spreadsheet;
