//! Staff of the centre and its departments: the list in scope, one member, creating and
//! changing them with their account, and the powers granted to them (授权).

use super::*;
use onewindow_domain::ids::{AccountId, CentreId, DepartmentId, StaffId};

impl crate::OrgStore<'_> {
    pub async fn list_staff(
        self,
        centre_id: Option<CentreId>,
        department_id: Option<DepartmentId>,
    ) -> StoreResult<Vec<Staff>> {
        self.select_staff(centre_id, department_id, None).await
    }

    pub async fn get_staff(self, id: StaffId) -> StoreResult<Staff> {
        self.select_staff(None, None, Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("staff"))
    }

    /// Staff matching every given filter, with their roles and current powers, read only for
    /// the staff selected.
    pub(super) async fn select_staff(
        self,
        centre_id: Option<CentreId>,
        department_id: Option<DepartmentId>,
        id: Option<StaffId>,
    ) -> StoreResult<Vec<Staff>> {
        const FILTER: &str =
            "($1 IS NULL OR s.centre_id = $1) AND ($2 IS NULL OR s.department_id = $2)
                              AND ($3 IS NULL OR s.id = $3)";
        let mut rows: Vec<Staff> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT s.id, s.account_id, a.login, s.centre_id, s.department_id, s.name, s.mobile,
                    s.backup_staff_id, s.active
             FROM staff s JOIN accounts a ON a.id = s.account_id
             WHERE {FILTER} ORDER BY s.id"
        )))
        .bind(centre_id)
        .bind(department_id)
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        if rows.is_empty() {
            return Ok(rows);
        }
        let roles: Vec<(StaffId, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.staff_id, r.role FROM staff_roles r JOIN staff s ON s.id = r.staff_id
             WHERE {FILTER} ORDER BY r.staff_id, r.role"
        )))
        .bind(centre_id)
        .bind(department_id)
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        let powers: Vec<(StaffId, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT g.staff_id, g.power FROM power_grants g JOIN staff s ON s.id = g.staff_id
             WHERE g.revoked_at IS NULL AND {FILTER} ORDER BY g.id"
        )))
        .bind(centre_id)
        .bind(department_id)
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut roles_of: BTreeMap<StaffId, Vec<String>> = BTreeMap::new();
        for (staff, role) in roles {
            roles_of.entry(staff).or_default().push(role);
        }
        let mut powers_of: BTreeMap<StaffId, Vec<String>> = BTreeMap::new();
        for (staff, power) in powers {
            powers_of.entry(staff).or_default().push(power);
        }
        for row in rows.iter_mut() {
            row.roles = roles_of.remove(&row.id).unwrap_or_default();
            row.powers = powers_of.remove(&row.id).unwrap_or_default();
        }
        Ok(rows)
    }

    pub(super) async fn validate_staff(
        self,
        input: &StaffInput,
        own_id: Option<StaffId>,
        errors: &mut FieldErrors,
    ) -> StoreResult<Vec<Role>> {
        required_text(errors, "name", &input.name, 32);
        validate_mobile(errors, "mobile", &input.mobile);
        let mut roles = Vec::new();
        for key in &input.roles {
            match key.parse::<Role>() {
                Ok(r) if !roles.contains(&r) => roles.push(r),
                Ok(_) => {}
                Err(m) => errors.add("roles", m),
            }
        }
        if input.roles.is_empty() {
            errors.add("roles", "至少选择一个角色");
        }
        let needs_department = roles.iter().any(|r| {
            matches!(
                r,
                Role::Reviewer | Role::Approver | Role::ChiefRepresentative
            )
        });
        if needs_department && input.department_id.is_none() {
            errors.add("department_id", "审核人、审批人和首席代表须属于某个部门");
        }
        let centre_bound = roles
            .iter()
            .any(|r| !matches!(r, Role::CentreAdmin | Role::Supervisor));
        match input.centre_id {
            None if centre_bound || input.department_id.is_some() => errors.add(
                "centre_id",
                "窗口人员、审核人、审批人和首席代表须属于某个中心",
            ),
            None => {}
            Some(centre) => {
                match self.get_centre(centre).await {
                    Ok(_) => {}
                    Err(StoreError::NotFound(_)) => errors.add("centre_id", "中心不存在"),
                    Err(e) => return Err(e),
                }
                if let Some(dept) = input.department_id {
                    self.check_department_in_centre(errors, dept, centre)
                        .await?;
                }
            }
        }
        if let Some(backup) = input.backup_staff_id {
            if Some(backup) == own_id {
                errors.add("backup_staff_id", "B 岗不能是本人");
            } else {
                match self.get_staff(backup).await {
                    Ok(b) if b.department_id != input.department_id => {
                        errors.add("backup_staff_id", "B 岗须与本人同属一个部门")
                    }
                    Ok(b) if !b.active => errors.add("backup_staff_id", "B 岗人员已停用"),
                    Ok(_) => {}
                    Err(StoreError::NotFound(_)) => errors.add("backup_staff_id", "B 岗人员不存在"),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(roles)
    }

    /// Creates a staff member together with the account they log in with.
    pub async fn create_staff(self, input: &NewStaff) -> StoreResult<Staff> {
        let mut errors = FieldErrors::new();
        let login = validate_login(&mut errors, &input.login);
        validate_password(&mut errors, "password", &input.password);
        let roles = self.validate_staff(&input.staff, None, &mut errors).await?;
        errors.into_result()?;
        let hash = hash_password(&input.password).await?;
        let now = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let (account_id,): (AccountId,) = sqlx::query_as(
            "INSERT INTO accounts (kind, login, display_name, password_hash, mobile, disabled,
                                   failed_logins, created_at, updated_at)
             VALUES ('staff', $1, $2, $3, $4, 0, 0, $5, $5) RETURNING id",
        )
        .bind(&login)
        .bind(input.staff.name.trim())
        .bind(&hash)
        .bind(input.staff.mobile.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_as("login", "该登录名已被使用"))?;
        let (id,): (StaffId,) = sqlx::query_as(
            "INSERT INTO staff (account_id, centre_id, department_id, name, mobile,
                                backup_staff_id, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
        )
        .bind(account_id)
        .bind(input.staff.centre_id)
        .bind(input.staff.department_id)
        .bind(input.staff.name.trim())
        .bind(input.staff.mobile.trim())
        .bind(input.staff.backup_staff_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        write_roles(&mut tx, id, &roles).await?;
        tx.commit().await?;
        self.get_staff(id).await
    }

    pub async fn update_staff(self, id: StaffId, input: &StaffInput) -> StoreResult<Staff> {
        let current = self.get_staff(id).await?;
        let mut errors = FieldErrors::new();
        if current.centre_id != input.centre_id {
            errors.add("centre_id", "人员不能转到其他中心");
        }
        let roles = self.validate_staff(input, Some(id), &mut errors).await?;
        errors.into_result()?;
        let now = now_ms();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE staff SET department_id = $1, name = $2, mobile = $3, backup_staff_id = $4,
                    updated_at = $5 WHERE id = $6",
        )
        .bind(input.department_id)
        .bind(input.name.trim())
        .bind(input.mobile.trim())
        .bind(input.backup_staff_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE accounts SET display_name = $1, mobile = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(input.name.trim())
        .bind(input.mobile.trim())
        .bind(now)
        .bind(current.account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM staff_roles WHERE staff_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_roles(&mut tx, id, &roles).await?;
        if !roles.contains(&Role::ChiefRepresentative) {
            // Powers belong to the chief-representative post; losing the post revokes them.
            sqlx::query(
                "UPDATE power_grants SET revoked_at = $1, revoked_by = granted_by
                 WHERE staff_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.get_staff(id).await
    }

    /// Grants a chief-representative power; granting one already held changes nothing.
    pub async fn grant_power(
        self,
        staff_id: StaffId,
        power: Power,
        by_account: AccountId,
    ) -> StoreResult<Staff> {
        let staff = self.get_staff(staff_id).await?;
        if !staff
            .roles
            .iter()
            .any(|r| r == Role::ChiefRepresentative.key())
        {
            return Err(FieldErrors::single("power", "只有首席代表可以被授予此项权限").into());
        }
        if !staff.powers.iter().any(|p| p == power.key()) {
            sqlx::query(
                "INSERT INTO power_grants (staff_id, power, granted_by, granted_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(staff_id)
            .bind(power.key())
            .bind(by_account)
            .bind(now_ms())
            .execute(&self.store.pool)
            .await?;
        }
        self.get_staff(staff_id).await
    }

    pub async fn revoke_power(
        self,
        staff_id: StaffId,
        power: Power,
        by_account: AccountId,
    ) -> StoreResult<Staff> {
        self.get_staff(staff_id).await?;
        sqlx::query(
            "UPDATE power_grants SET revoked_at = $1, revoked_by = $2
             WHERE staff_id = $3 AND power = $4 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(by_account)
        .bind(staff_id)
        .bind(power.key())
        .execute(&self.store.pool)
        .await?;
        self.get_staff(staff_id).await
    }
}
