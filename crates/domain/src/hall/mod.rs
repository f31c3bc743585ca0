//! 网上办事大厅: what the public does online. An applicant fills in an item's form and uploads
//! its materials into a draft kept on the server, submits it as a case (channel `online`),
//! answers a one-time notice inside the same application, and follows their cases and
//! messages. The rules here are pure; drafts and files are kept by the store's `hall`.

mod application;
pub mod booking;
mod files;

pub use application::{
    DeliveryChoice, DeliveryMethod, DraftContent, Limits, MAX_ADDRESS, MAX_ANSWER, Reopened,
    Submission, Upload, check_submission, check_upload, size_text,
};
pub use files::{ACCEPTED, FileKind, sniff};

crate::actions! {
    /// What may be done in the online hall.
    pub enum HallAction {
        /// Keep drafts, upload, submit, answer notices, read one's own cases and messages
        /// (applicants; every draft and case is checked to be their own).
        Apply => Write,
        /// Read one's own applications, cases and messages.
        ViewOwn => Read,
        /// Book, cancel and move one's own appointments (applicants).
        Book => Write,
        /// See a department's appointments of a day (its staff; comprehensive windows and
        /// centre-wide roles see every department's).
        ViewBookings => Read,
        /// Check in an applicant who arrived for their appointment (window staff).
        CheckIn => Write,
        /// Set the upload limits, the halls' opening hours and the booking rules (centre
        /// administrators).
        Configure => Write,
    }
}
