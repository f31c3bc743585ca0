//! Who may do what: the one place where permissions are decided. Pages, the JSON API and the
//! CLI all ask `authorize` and nothing else.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, DepartmentId, StaffId};
use crate::org::{AccountKind, Role};

// Every context's actions, beside the gate that decides them.
pub use crate::{
    accounts::AccountAction, calendar::CalendarAction, case::CaseAction, catalog::CatalogAction,
    hall::HallAction, joint::JointAction, org::OrgAction, reviews::ReviewAction,
    supervision::SupervisionAction, trading::TradingAction,
};

/// The acting user, as established by a session cookie or an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub account_id: AccountId,
    pub login: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub roles: Vec<Role>,
    /// The staff member's department, when they belong to one.
    pub department_id: Option<DepartmentId>,
    pub staff_id: Option<StaffId>,
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

    /// Where this person starts after signing in: staff who handle cases at their inbox,
    /// supervisors at the supervision dashboard, administrators at administration, applicants
    /// at the home page.
    pub fn home(&self) -> &'static str {
        let handles = [
            Role::Clerk,
            Role::Reviewer,
            Role::Approver,
            Role::ChiefRepresentative,
        ];
        if !self.is_staff() {
            "/"
        } else if handles.iter().any(|r| self.has_role(*r)) {
            "/work"
        } else if self.has_role(Role::Supervisor) {
            "/admin/supervision"
        } else {
            "/admin"
        }
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

/// Whether an action only reads or also changes something. Read-scope tokens never write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
}

/// Declares a context's actions, each with its [`Access`]: a variant cannot be added without
/// saying whether it writes, so no hand-kept list of writes can forget one.
#[macro_export]
macro_rules! actions {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $access:ident,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every action of the context.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn access(self) -> $crate::auth::Access {
                match self {
                    $($name::$variant => $crate::auth::Access::$access,)+
                }
            }
        }
    };
}

/// `Action` over the contexts' action enums, named once: the variants, `access`, `all` and
/// the `From` impls that let a handler name `OrgAction::View` where an `Action` is wanted.
macro_rules! by_context {
    ($($variant:ident($context:ident)),+) => {
        /// Everything a request may ask to do, by context. A new endpoint names one of these.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant($context),)+
        }

        impl Action {
            pub fn access(self) -> Access {
                match self {
                    $(Action::$variant(a) => a.access(),)+
                }
            }

            /// Every action of every context.
            pub fn all() -> impl Iterator<Item = Action> {
                std::iter::empty()
                    $(.chain($context::ALL.iter().map(|a| Action::$variant(*a))))+
            }
        }

        $(impl From<$context> for Action {
            fn from(a: $context) -> Action {
                Action::$variant(a)
            }
        })+
    };
}
by_context!(
    Org(OrgAction),
    Accounts(AccountAction),
    Catalog(CatalogAction),
    Calendar(CalendarAction),
    Case(CaseAction),
    Supervision(SupervisionAction),
    Hall(HallAction),
    Joint(JointAction),
    Reviews(ReviewAction),
    Trading(TradingAction)
);

impl Action {
    /// Whether the action changes anything (read-only tokens may not).
    pub fn is_write(self) -> bool {
        self.access() == Access::Write
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
pub fn authorize(
    who: &Principal,
    action: impl Into<Action>,
    department: Option<DepartmentId>,
) -> Result<(), Denied> {
    let action = action.into();
    if action.is_write() && who.token_scope == Some(TokenScope::Read) {
        return Err(Denied::ReadOnlyToken);
    }
    if matches!(
        action,
        Action::Accounts(AccountAction::ViewOwn)
            | Action::Case(CaseAction::Apply)
            | Action::Hall(HallAction::ViewOwn)
            | Action::Reviews(ReviewAction::Rate)
            | Action::Reviews(ReviewAction::Complain)
    ) {
        return Ok(());
    }
    // Bids come from companies, by their credit code.
    if action == Action::Trading(TradingAction::Bid) {
        return if who.kind == AccountKind::Company {
            Ok(())
        } else {
            Err(Denied::Role)
        };
    }
    // Applying and booking online are for applicants' accounts: things of their own.
    if matches!(
        action,
        Action::Hall(HallAction::Apply) | Action::Hall(HallAction::Book)
    ) {
        return if who.is_staff() {
            Err(Denied::Role)
        } else {
            Ok(())
        };
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
    let role = |allowed: bool| if allowed { Ok(()) } else { Err(Denied::Role) };
    let supervisor = who.has_role(Role::Supervisor);
    let chief = who.has_role(Role::ChiefRepresentative);
    // A department's own cases, or every case for centre-wide roles and comprehensive windows.
    let sees_cases = || {
        if supervisor || who.department_id.is_none() {
            Ok(())
        } else {
            own_department()
        }
    };
    match action {
        Action::Org(a) => match a {
            OrgAction::View => Ok(()),
            OrgAction::ViewStaff if supervisor => Ok(()),
            OrgAction::ViewStaff | OrgAction::ManageWindows | OrgAction::ManageStaff => {
                role(chief).and_then(|()| own_department())
            }
            OrgAction::Manage | OrgAction::GrantPowers => Err(Denied::Role),
        },
        Action::Accounts(a) => match a {
            AccountAction::ViewOwn => Ok(()),
            AccountAction::ViewSecurityLog => role(supervisor),
            AccountAction::Manage => Err(Denied::Role),
        },
        Action::Catalog(a) => match a {
            CatalogAction::Edit => role(chief).and_then(|()| own_department()),
            CatalogAction::Publish => Err(Denied::Role),
        },
        Action::Calendar(a) => match a {
            CalendarAction::View => Ok(()),
            CalendarAction::Manage => Err(Denied::Role),
        },
        Action::Case(a) => match a {
            CaseAction::View => sees_cases(),
            CaseAction::Handle => role(
                [
                    Role::Clerk,
                    Role::Reviewer,
                    Role::Approver,
                    Role::ChiefRepresentative,
                ]
                .iter()
                .any(|r| who.has_role(*r)),
            ),
            CaseAction::Apply => Err(Denied::Role),
        },
        Action::Supervision(a) => match a {
            SupervisionAction::View | SupervisionAction::Act => role(supervisor),
            SupervisionAction::Answer => sees_cases(),
            SupervisionAction::Configure => Err(Denied::Role),
        },
        Action::Hall(a) => match a {
            HallAction::ViewBookings => sees_cases(),
            HallAction::CheckIn => {
                role(who.has_role(Role::Clerk) || who.has_role(Role::ChiefRepresentative))
                    .and_then(|()| sees_cases())
            }
            HallAction::Apply | HallAction::Book | HallAction::ViewOwn | HallAction::Configure => {
                Err(Denied::Role)
            }
        },
        Action::Joint(a) => match a {
            JointAction::ViewProjects => Ok(()),
            JointAction::ManageProjects => {
                role(who.department_id.is_none() && who.has_role(Role::Clerk))
            }
            JointAction::ManageBundles => Err(Denied::Role),
            JointAction::PreReview => role(
                [Role::Reviewer, Role::Approver, Role::ChiefRepresentative]
                    .iter()
                    .any(|r| who.has_role(*r)),
            )
            .and_then(|()| own_department()),
        },
        Action::Reviews(a) => match a {
            ReviewAction::View => sees_cases(),
            ReviewAction::Supervise | ReviewAction::DecideAppeal | ReviewAction::Oversee => {
                role(supervisor)
            }
            ReviewAction::Answer => role(
                [Role::Reviewer, Role::Approver, Role::ChiefRepresentative]
                    .iter()
                    .any(|r| who.has_role(*r)),
            )
            .and_then(|()| own_department()),
            ReviewAction::Intake if supervisor => Ok(()),
            ReviewAction::EnterByPhone | ReviewAction::InviteAtWindow | ReviewAction::Intake => {
                role(who.has_role(Role::Clerk) || who.has_role(Role::ChiefRepresentative))
                    .and_then(|()| sees_cases())
            }
            ReviewAction::Rate
            | ReviewAction::Complain
            | ReviewAction::Configure
            | ReviewAction::ApproveFaq => Err(Denied::Role),
        },
        Action::Trading(a) => {
            let trading = who.has_role(Role::TradingOfficer);
            match a {
                TradingAction::View => role(trading || supervisor),
                TradingAction::Manage
                | TradingAction::ManageExperts
                | TradingAction::Open
                | TradingAction::SetOpeningKey => role(trading),
                TradingAction::Bid => Err(Denied::Role),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(roles: &[Role], dept: Option<DepartmentId>) -> Principal {
        Principal {
            account_id: AccountId(1),
            login: "x".into(),
            display_name: "x".into(),
            kind: AccountKind::Staff,
            roles: roles.to_vec(),
            department_id: dept,
            staff_id: Some(StaffId(1)),
            token_scope: None,
        }
    }

    #[test]
    fn chief_representative_is_limited_to_own_department() {
        let chief = staff(&[Role::ChiefRepresentative], Some(DepartmentId(7)));
        assert_eq!(
            authorize(&chief, OrgAction::ManageStaff, Some(DepartmentId(7))),
            Ok(())
        );
        assert_eq!(
            authorize(&chief, OrgAction::ManageStaff, Some(DepartmentId(8))),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&chief, OrgAction::ManageWindows, None),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&chief, OrgAction::Manage, None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn read_token_cannot_write_even_for_admin() {
        let mut admin = staff(&[Role::CentreAdmin], None);
        admin.token_scope = Some(TokenScope::Read);
        assert_eq!(
            authorize(&admin, OrgAction::Manage, None),
            Err(Denied::ReadOnlyToken)
        );
        assert_eq!(authorize(&admin, OrgAction::View, None), Ok(()));
    }

    #[test]
    fn a_read_token_is_refused_every_write_and_allowed_every_read_its_owner_may_do() {
        let mut admin = staff(&[Role::CentreAdmin], None);
        admin.token_scope = Some(TokenScope::Read);
        let mut writes = 0;
        for action in Action::all() {
            let outcome = authorize(&admin, action, None);
            match action.access() {
                Access::Write => {
                    writes += 1;
                    assert_eq!(outcome, Err(Denied::ReadOnlyToken), "{action:?}");
                }
                Access::Read => assert_eq!(outcome, Ok(()), "{action:?}"),
            }
        }
        assert_eq!(writes, 35, "write actions");
    }

    #[test]
    fn a_pre_review_is_answered_by_its_own_department_s_reviewers() {
        let reviewer = staff(&[Role::Reviewer], Some(DepartmentId(7)));
        let clerk = staff(&[Role::Clerk], Some(DepartmentId(7)));
        let comprehensive = staff(&[Role::Reviewer], None);
        let own = Some(DepartmentId(7));
        assert_eq!(authorize(&reviewer, JointAction::PreReview, own), Ok(()));
        assert_eq!(
            authorize(&reviewer, JointAction::PreReview, Some(DepartmentId(8))),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&clerk, JointAction::PreReview, own),
            Err(Denied::Role)
        );
        assert_eq!(
            authorize(&comprehensive, JointAction::PreReview, own),
            Err(Denied::OtherDepartment)
        );
    }

    #[test]
    fn appointments_are_booked_by_applicants_and_checked_in_by_the_department() {
        let mut applicant = staff(&[], None);
        applicant.kind = AccountKind::Individual;
        applicant.staff_id = None;
        let clerk = staff(&[Role::Clerk], Some(DepartmentId(7)));
        let reviewer = staff(&[Role::Reviewer], Some(DepartmentId(7)));
        let comprehensive = staff(&[Role::Clerk], None);
        assert_eq!(authorize(&applicant, HallAction::Book, None), Ok(()));
        assert_eq!(authorize(&clerk, HallAction::Book, None), Err(Denied::Role));
        assert_eq!(
            authorize(&applicant, HallAction::CheckIn, Some(DepartmentId(7))),
            Err(Denied::NotStaff)
        );
        assert_eq!(
            authorize(&clerk, HallAction::CheckIn, Some(DepartmentId(7))),
            Ok(())
        );
        assert_eq!(
            authorize(&clerk, HallAction::CheckIn, Some(DepartmentId(8))),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(
            authorize(&reviewer, HallAction::CheckIn, Some(DepartmentId(7))),
            Err(Denied::Role)
        );
        assert_eq!(
            authorize(&reviewer, HallAction::ViewBookings, Some(DepartmentId(7))),
            Ok(())
        );
        assert_eq!(
            authorize(&comprehensive, HallAction::CheckIn, Some(DepartmentId(8))),
            Ok(())
        );
        assert_eq!(
            authorize(&clerk, HallAction::Configure, None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn supervision_is_read_and_acted_on_by_supervisors_configured_by_administrators() {
        let supervisor = staff(&[Role::Supervisor], None);
        let clerk = staff(&[Role::Clerk], Some(DepartmentId(7)));
        let admin = staff(&[Role::CentreAdmin], None);
        for a in [SupervisionAction::View, SupervisionAction::Act] {
            assert_eq!(authorize(&supervisor, a, None), Ok(()));
            assert_eq!(authorize(&clerk, a, None), Err(Denied::Role));
        }
        assert_eq!(
            authorize(&supervisor, SupervisionAction::Configure, None),
            Err(Denied::Role)
        );
        assert_eq!(
            authorize(&admin, SupervisionAction::Configure, None),
            Ok(())
        );
        assert_eq!(
            authorize(&clerk, SupervisionAction::Answer, Some(DepartmentId(7))),
            Ok(())
        );
        assert_eq!(
            authorize(&clerk, SupervisionAction::Answer, Some(DepartmentId(8))),
            Err(Denied::OtherDepartment)
        );
        assert_eq!(authorize(&clerk, CalendarAction::View, None), Ok(()));
        assert_eq!(
            authorize(&supervisor, CalendarAction::Manage, None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn applicants_see_only_their_own_account() {
        let mut applicant = staff(&[], None);
        applicant.kind = AccountKind::Individual;
        assert_eq!(authorize(&applicant, AccountAction::ViewOwn, None), Ok(()));
        assert_eq!(
            authorize(&applicant, OrgAction::View, None),
            Err(Denied::NotStaff)
        );
        assert_eq!(authorize(&applicant, HallAction::Apply, None), Ok(()));
        assert_eq!(
            authorize(&applicant, HallAction::Configure, None),
            Err(Denied::NotStaff)
        );
        let clerk = staff(&[Role::Clerk], Some(DepartmentId(1)));
        assert_eq!(
            authorize(&clerk, HallAction::Apply, None),
            Err(Denied::Role)
        );
        applicant.token_scope = Some(TokenScope::Read);
        assert_eq!(authorize(&applicant, HallAction::ViewOwn, None), Ok(()));
        assert_eq!(
            authorize(&applicant, HallAction::Apply, None),
            Err(Denied::ReadOnlyToken)
        );
    }
}
