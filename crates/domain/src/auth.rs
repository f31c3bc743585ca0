//! Who may do what: the one place where permissions are decided. Pages, the JSON API and the
//! CLI all ask `authorize` and nothing else.

use serde::{Deserialize, Serialize};

use crate::org::{AccountKind, Role};

/// The acting user, as established by a session cookie or an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub account_id: i64,
    pub login: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub roles: Vec<Role>,
    /// The staff member's department, when they belong to one.
    pub department_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// Set for API-token requests: what the token was scoped to.
    pub token_scope: Option<TokenScope>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_staff(&self) -> bool {
        self.kind == AccountKind::Staff
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Reads only.
    Read,
    /// Reads and changes.
    Write,
}

impl TokenScope {
    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// Everything a request may ask to do. A new endpoint names one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the organisation: regions, centres, departments, windows (all staff).
    ViewOrganisation,
    /// Create or change regions, centres, halls, zones and departments.
    ManageOrganisation,
    /// Create or change windows of a department (the whole centre when no department).
    ManageWindows,
    /// See staff records of a department.
    ViewStaff,
    /// Create or change staff and their roles of a department.
    ManageStaff,
    /// Grant or revoke chief-representative powers.
    GrantPowers,
    /// Read the security log (logins, lockouts, denials).
    ViewSecurityLog,
    /// Manage other people's accounts and API tokens.
    ManageAccounts,
    /// Create items and edit drafts of a department's catalogue items.
    EditCatalog,
    /// Publish, suspend and withdraw items; import the catalogue; edit search synonyms.
    PublishCatalog,
    /// See one's own account.
    ViewOwnAccount,
    /// Submit an application and act on one's own cases (applicants; the case aggregate checks
    /// ownership and every rule).
    Apply,
    /// See the cases of a department (staff of it, centre-wide roles, comprehensive windows).
    ViewCases,
    /// Act on cases at the workbench; the case aggregate then decides each command by role,
    /// department, A/B post and granted powers.
    HandleCases,
    /// Correct the working-day calendar.
    ManageCalendar,
    /// Electronic supervision: alerts, findings and indicators (supervisors, centre admins).
    Supervise,
}

impl Action {
    /// Whether the action changes anything (read-only tokens may not).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::ManageOrganisation
                | Action::ManageWindows
                | Action::ManageStaff
                | Action::GrantPowers
                | Action::ManageAccounts
                | Action::EditCatalog
                | Action::PublishCatalog
                | Action::Apply
                | Action::HandleCases
                | Action::ManageCalendar
        )
    }
}

/// Why a request was denied, for the security log and the error page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("需要工作人员账号")]
    NotStaff,
    #[error("当前角色无权执行此操作")]
    Role,
    #[error("只能管理本部门的数据")]
    OtherDepartment,
    #[error("该令牌为只读令牌")]
    ReadOnlyToken,
}

/// Decides whether `who` may perform `action` on data of `department` (None: centre-wide data).
///
/// Centre administrators manage everything; chief representatives manage the windows and staff
/// of their own department; every staff member can see the organisation; supervisors read the
/// security log alongside administrators.
pub fn authorize(who: &Principal, action: Action, department: Option<i64>) -> Result<(), Denied> {
    if action.is_write() && who.token_scope == Some(TokenScope::Read) {
        return Err(Denied::ReadOnlyToken);
    }
    if matches!(action, Action::ViewOwnAccount | Action::Apply) {
        return Ok(());
    }
    if !who.is_staff() {
        return Err(Denied::NotStaff);
    }
    if who.has_role(Role::CentreAdmin) {
        return Ok(());
    }
    let own_department = || match department {
        Some(d) if who.department_id == Some(d) => Ok(()),
        _ => Err(Denied::OtherDepartment),
    };
    match action {
        Action::ViewOrganisation | Action::ViewOwnAccount => Ok(()),
        Action::ViewSecurityLog | Action::Supervise => {
            if who.has_role(Role::Supervisor) {
                Ok(())
            } else {
                Err(Denied::Role)
            }
        }
        Action::ViewStaff => {
            if who.has_role(Role::Supervisor) {
                Ok(())
            } else if who.has_role(Role::ChiefRepresentative) {
                own_department()
            } else {
                Err(Denied::Role)
            }
        }
        Action::ManageWindows | Action::ManageStaff | Action::EditCatalog => {
            if who.has_role(Role::ChiefRepresentative) {
                own_department()
            } else {
                Err(Denied::Role)
            }
        }
        Action::ViewCases => {
            if who.has_role(Role::Supervisor) || who.department_id.is_none() {
                Ok(())
            } else {
                own_department()
            }
        }
        Action::HandleCases => {
            if [
                Role::Clerk,
                Role::Reviewer,
                Role::Approver,
                Role::ChiefRepresentative,
            ]
            .iter()
            .any(|r| who.has_role(*r))
            {
                Ok(())
            } else {
                Err(Denied::Role)
            }
        }
        Action::ManageOrganisation
        | Action::GrantPowers
        | Action::ManageAccounts
        | Action::PublishCatalog
        | Action::ManageCalendar
        | Action::Apply => Err(Denied::Role),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(roles: &[Role], dept: Option<i64>) -> Principal {
        Principal {
            account_id: 1,
            login: "x".into(),
            display_name: "x".into(),
            kind: AccountKind::Staff,
            roles: roles.to_vec(),
            department_id: dept,
            staff_id: Some(1),
            token_scope: None,
        }
    }

    #[test]
    fn chief_representative_is_limited_to_own_department() {
        let chief = staff(&[Role::ChiefRepresentative], Some(7));
        assert_eq!(authorize(&chief, Action::ManageStaff, Some(7)), Ok(()));
        assert_eq!(
            authorize(&chief, Action::ManageStaff, Some(8)),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&chief, Action::ManageWindows, None),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&chief, Action::ManageOrganisation, None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn read_token_cannot_write_even_for_admin() {
        let mut admin = staff(&[Role::CentreAdmin], None);
        admin.token_scope = Some(TokenScope::Read);
        assert_eq!(
            authorize(&admin, Action::ManageOrganisation, None),
            Err(Denied::ReadOnlyToken)
        );
        assert_eq!(authorize(&admin, Action::ViewOrganisation, None), Ok(()));
    }

    #[test]
    fn applicants_see_only_their_own_account() {
        let mut applicant = staff(&[], None);
        applicant.kind = AccountKind::Individual;
        assert_eq!(authorize(&applicant, Action::ViewOwnAccount, None), Ok(()));
        assert_eq!(
            authorize(&applicant, Action::ViewOrganisation, None),
            Err(Denied::NotStaff)
        );
    }
}
