//! Accounts of staff and applicants: what may be done with them. Credentials and sessions are
//! kept by the store; the rules of who may do what live in `auth`.

crate::actions! {
    /// What may be done with accounts, tokens and the security log.
    pub enum AccountAction {
        /// See one's own account, tokens and notifications.
        ViewOwn => Read,
        /// Read the security log (logins, lockouts, denials).
        ViewSecurityLog => Read,
        /// Manage other people's accounts and API tokens.
        Manage => Write,
    }
}
