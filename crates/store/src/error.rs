//! What can go wrong in the store, in terms the web layer turns into problem+json or pages.

use onewindow_domain::org::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input breaks a rule; nothing was written.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The named thing does not exist (or is not visible).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("version conflict: now at {current}")]
    Conflict { current: u64 },
    /// The case command breaks a rule of the case aggregate; nothing was written.
    #[error("{0}")]
    Rejected(onewindow_domain::case::CaseError),
    /// An Idempotency-Key was used before with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    /// Too much work of this kind is under way (password checks during a flood); try later.
    #[error("busy")]
    Busy,
    /// Too many failed attempts from this address (guessing); try again later.
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<FieldErrors> for StoreError {
    fn from(e: FieldErrors) -> Self {
        StoreError::Invalid(e)
    }
}

/// Turns a unique-constraint violation into a field error; other errors pass through.
/// Both databases report the kind the same way through sqlx, whatever the constraint's name.
pub(crate) fn unique_as(
    field: &'static str,
    message: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Invalid(FieldErrors::single(field, message))
        }
        _ => StoreError::Database(e),
    }
}

impl StoreError {
    /// A write that lost a race and may simply be tried again: another writer took the same
    /// unique place first, or (SQLite) holds the write lock — the BUSY family, whose primary code
    /// is the low byte of the extended one.
    pub(crate) fn lost_race(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.is_unique_violation()
                    || db
                        .code()
                        .and_then(|c| c.parse::<i64>().ok())
                        .is_some_and(|c| c & 0xff == 5)
            }
            _ => false,
        }
    }
}
