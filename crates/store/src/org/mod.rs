//! Organisation records: regions, centres with their halls and zones, departments, windows and
//! staff with roles and chief-representative powers. Nothing referenced is ever deleted; records
//! are deactivated instead.

mod staff;

use onewindow_domain::ids::CreditCode;
use onewindow_domain::ids::{AccountId, CentreId, DepartmentId, HallId, StaffId, WindowId};
use onewindow_domain::org::{
    CentreKind, FieldErrors, Power, RegionCode, RegionLevel, Role, required_text, validate_login,
    validate_mobile, validate_password, validate_window_number,
};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use crate::accounts::hash_password;
use crate::error::unique_as;
use crate::{Flag, StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    /// 12-digit division code.
    pub code: String,
    pub name: String,
    /// 1 国家 2 省 3 市 4 县 5 乡镇 6 村.
    pub level: i64,
    pub parent_code: Option<String>,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionInput {
    pub code: String,
    pub name: String,
    pub level: i64,
    #[serde(default)]
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Centre {
    pub id: CentreId,
    pub name: String,
    /// `main` 政务服务中心 or `sub` 分中心.
    pub kind: String,
    pub region_code: String,
    pub parent_centre_id: Option<CentreId>,
    pub address: String,
    pub phone: String,
    pub hours: String,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreInput {
    pub name: String,
    pub kind: String,
    pub region_code: String,
    #[serde(default)]
    pub parent_centre_id: Option<CentreId>,
    pub address: String,
    pub phone: String,
    pub hours: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hall {
    pub id: HallId,
    pub centre_id: CentreId,
    pub name: String,
    pub floor: i64,
    pub description: String,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallInput {
    pub name: String,
    pub floor: i64,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zone {
    pub id: i64,
    pub hall_id: HallId,
    pub name: String,
    pub purpose: String,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZoneInput {
    pub name: String,
    #[serde(default)]
    pub purpose: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub centre_id: CentreId,
    pub name: String,
    pub short_name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    pub phone: String,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentInput {
    pub centre_id: CentreId,
    pub name: String,
    pub short_name: String,
    pub credit_code: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    pub id: WindowId,
    pub centre_id: CentreId,
    pub number: String,
    pub name: String,
    /// None for a comprehensive window (综合窗口) that accepts any item.
    pub department_id: Option<DepartmentId>,
    pub zone_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub is_open: Flag,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
}

impl Window {
    pub fn is_comprehensive(&self) -> bool {
        self.department_id.is_none()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowInput {
    pub centre_id: CentreId,
    pub number: String,
    pub name: String,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub zone_id: Option<i64>,
    #[serde(default = "default_true")]
    pub is_open: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Staff {
    pub id: StaffId,
    pub account_id: AccountId,
    pub login: String,
    /// None only for platform-wide administrators and supervisors.
    pub centre_id: Option<CentreId>,
    pub department_id: Option<DepartmentId>,
    pub name: String,
    pub mobile: String,
    /// The B post (AB岗) who acts when this person is absent.
    pub backup_staff_id: Option<StaffId>,
    #[sqlx(try_from = "i64")]
    pub active: Flag,
    #[sqlx(skip)]
    pub roles: Vec<String>,
    /// Chief-representative powers currently granted.
    #[sqlx(skip)]
    pub powers: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffInput {
    #[serde(default)]
    pub centre_id: Option<CentreId>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    pub name: String,
    pub mobile: String,
    /// Role keys: clerk, reviewer, approver, chief_representative, centre_admin, supervisor.
    pub roles: Vec<String>,
    #[serde(default)]
    pub backup_staff_id: Option<StaffId>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewStaff {
    #[serde(flatten)]
    pub staff: StaffInput,
    pub login: String,
    pub password: String,
}

const REGION_COLS: &str = "code, name, level, parent_code, active";
const CENTRE_COLS: &str =
    "id, name, kind, region_code, parent_centre_id, address, phone, hours, active";
const DEPT_COLS: &str = "id, centre_id, name, short_name, credit_code, phone, active";
const WINDOW_COLS: &str = "id, centre_id, number, name, department_id, zone_id, is_open, active";

/// The table behind each kind of record that can be (de)activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deactivatable {
    Region,
    Centre,
    Hall,
    Zone,
    Department,
    Window,
    Staff,
}

impl crate::OrgStore<'_> {
    // ---- regions ----

    pub async fn list_regions(self) -> StoreResult<Vec<Region>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REGION_COLS} FROM regions ORDER BY code"
        )))
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_region(self, code: &str) -> StoreResult<Region> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REGION_COLS} FROM regions WHERE code = $1"
        )))
        .bind(code)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("region"))
    }

    async fn validate_region(self, input: &RegionInput) -> StoreResult<()> {
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "name", &input.name, 64);
        let code = RegionCode::parse(&input.code);
        if let Err(m) = &code {
            errors.add("code", m.clone());
        }
        let level = RegionLevel::from_code(input.level);
        if level.is_none() {
            errors.add("level", "层级应为 1–6");
        }
        if let (Ok(code), Some(level)) = (&code, level)
            && level != RegionLevel::National
            && code.implied_level() != level
        {
            errors.add(
                "level",
                format!(
                    "代码 {code} 对应{}，与所选层级不符",
                    code.implied_level().label()
                ),
            );
        }
        if let Some(parent) = input.parent_code.as_deref().filter(|p| !p.is_empty()) {
            match self.get_region(parent).await {
                Ok(p) => {
                    if p.level >= input.level {
                        errors.add("parent_code", "上级区划的层级必须高于本区划");
                    } else if let (Ok(code), Ok(pc)) = (&code, RegionCode::parse(&p.code))
                        && p.level > 1
                        && !code.is_within(&pc)
                    {
                        errors.add("parent_code", "区划代码不在上级区划范围内");
                    }
                }
                Err(StoreError::NotFound(_)) => errors.add("parent_code", "上级区划不存在"),
                Err(e) => return Err(e),
            }
        }
        Ok(errors.into_result()?)
    }

    pub async fn create_region(self, input: &RegionInput) -> StoreResult<Region> {
        self.validate_region(input).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO regions (code, name, level, parent_code, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5, $5)",
        )
        .bind(input.code.trim())
        .bind(input.name.trim())
        .bind(input.level)
        .bind(input.parent_code.as_deref().filter(|p| !p.is_empty()))
        .bind(now)
        .execute(&self.store.pool)
        .await
        .map_err(unique_as("code", "该区划代码已存在"))?;
        self.store.public_changed();
        self.get_region(input.code.trim()).await
    }

    pub async fn update_region(self, code: &str, input: &RegionInput) -> StoreResult<Region> {
        self.get_region(code).await?;
        if input.code != code {
            return Err(FieldErrors::single("code", "区划代码不可修改").into());
        }
        self.validate_region(input).await?;
        sqlx::query(
            "UPDATE regions SET name = $1, level = $2, parent_code = $3, updated_at = $4
             WHERE code = $5",
        )
        .bind(input.name.trim())
        .bind(input.level)
        .bind(input.parent_code.as_deref().filter(|p| !p.is_empty()))
        .bind(now_ms())
        .bind(code)
        .execute(&self.store.pool)
        .await?;
        self.store.public_changed();
        self.get_region(code).await
    }

    // ---- centres, halls, zones ----

    pub async fn list_centres(self) -> StoreResult<Vec<Centre>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CENTRE_COLS} FROM centres ORDER BY id"
        )))
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_centre(self, id: CentreId) -> StoreResult<Centre> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CENTRE_COLS} FROM centres WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("centre"))
    }

    async fn validate_centre(
        self,
        input: &CentreInput,
        own_id: Option<CentreId>,
    ) -> StoreResult<()> {
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "name", &input.name, 64);
        required_text(&mut errors, "address", &input.address, 200);
        required_text(&mut errors, "phone", &input.phone, 32);
        required_text(&mut errors, "hours", &input.hours, 200);
        let kind = input.kind.parse::<CentreKind>();
        if kind.is_err() {
            errors.add("kind", "中心类型应为 main（政务服务中心）或 sub（分中心）");
        }
        match self.get_region(&input.region_code).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => errors.add("region_code", "行政区划不存在"),
            Err(e) => return Err(e),
        }
        match (kind, input.parent_centre_id) {
            (Ok(CentreKind::Sub), None) => errors.add("parent_centre_id", "分中心须指定所属中心"),
            (Ok(CentreKind::Main), Some(_)) => {
                errors.add("parent_centre_id", "政务服务中心不能隶属于其他中心")
            }
            (_, Some(parent)) if Some(parent) == own_id => {
                errors.add("parent_centre_id", "不能隶属于自身")
            }
            (_, Some(parent)) => match self.get_centre(parent).await {
                Ok(p) if p.kind == CentreKind::Main.key() => {}
                Ok(_) => errors.add("parent_centre_id", "所属中心必须是政务服务中心"),
                Err(StoreError::NotFound(_)) => errors.add("parent_centre_id", "所属中心不存在"),
                Err(e) => return Err(e),
            },
            _ => {}
        }
        Ok(errors.into_result()?)
    }

    pub async fn create_centre(self, input: &CentreInput) -> StoreResult<Centre> {
        self.validate_centre(input, None).await?;
        let now = now_ms();
        let (id,): (CentreId,) = sqlx::query_as(
            "INSERT INTO centres (name, kind, region_code, parent_centre_id, address, phone, hours,
                                  active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
        )
        .bind(input.name.trim())
        .bind(&input.kind)
        .bind(&input.region_code)
        .bind(input.parent_centre_id)
        .bind(input.address.trim())
        .bind(input.phone.trim())
        .bind(input.hours.trim())
        .bind(now)
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("name", "已有同名中心"))?;
        self.store.public_changed();
        self.get_centre(id).await
    }

    pub async fn update_centre(self, id: CentreId, input: &CentreInput) -> StoreResult<Centre> {
        self.get_centre(id).await?;
        self.validate_centre(input, Some(id)).await?;
        sqlx::query(
            "UPDATE centres SET name = $1, kind = $2, region_code = $3, parent_centre_id = $4,
                    address = $5, phone = $6, hours = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(input.name.trim())
        .bind(&input.kind)
        .bind(&input.region_code)
        .bind(input.parent_centre_id)
        .bind(input.address.trim())
        .bind(input.phone.trim())
        .bind(input.hours.trim())
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await
        .map_err(unique_as("name", "已有同名中心"))?;
        self.store.public_changed();
        self.get_centre(id).await
    }

    /// The halls of one centre, or of every centre (None), by floor.
    pub async fn list_halls(self, centre_id: Option<CentreId>) -> StoreResult<Vec<Hall>> {
        Ok(sqlx::query_as(
            "SELECT id, centre_id, name, floor, description, active FROM halls
             WHERE ($1 IS NULL OR centre_id = $1) ORDER BY floor, id",
        )
        .bind(centre_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_hall(self, id: HallId) -> StoreResult<Hall> {
        sqlx::query_as(
            "SELECT id, centre_id, name, floor, description, active FROM halls WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("hall"))
    }

    pub async fn create_hall(self, centre_id: CentreId, input: &HallInput) -> StoreResult<Hall> {
        self.get_centre(centre_id).await?;
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "name", &input.name, 64);
        if !(-5..=200).contains(&input.floor) {
            errors.add("floor", "楼层应在 -5 到 200 之间");
        }
        if input.description.chars().count() > 500 {
            errors.add("description", "不能超过 500 个字符");
        }
        errors.into_result()?;
        let now = now_ms();
        let (id,): (HallId,) = sqlx::query_as(
            "INSERT INTO halls (centre_id, name, floor, description, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
        )
        .bind(centre_id)
        .bind(input.name.trim())
        .bind(input.floor)
        .bind(input.description.trim())
        .bind(now)
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("name", "本中心已有同名大厅"))?;
        self.store.public_changed();
        self.get_hall(id).await
    }

    pub async fn list_zones(self, hall_id: HallId) -> StoreResult<Vec<Zone>> {
        Ok(sqlx::query_as(
            "SELECT id, hall_id, name, purpose, active FROM zones WHERE hall_id = $1 ORDER BY id",
        )
        .bind(hall_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The zones in the halls of one centre, or of every centre (None).
    pub async fn list_centre_zones(self, centre_id: Option<CentreId>) -> StoreResult<Vec<Zone>> {
        Ok(sqlx::query_as(
            "SELECT z.id, z.hall_id, z.name, z.purpose, z.active FROM zones z
             JOIN halls h ON h.id = z.hall_id WHERE ($1 IS NULL OR h.centre_id = $1)
             ORDER BY h.floor, z.id",
        )
        .bind(centre_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn create_zone(self, hall_id: HallId, input: &ZoneInput) -> StoreResult<Zone> {
        self.get_hall(hall_id).await?;
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "name", &input.name, 64);
        if input.purpose.chars().count() > 200 {
            errors.add("purpose", "不能超过 200 个字符");
        }
        errors.into_result()?;
        let now = now_ms();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO zones (hall_id, name, purpose, active, created_at, updated_at)
             VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
        )
        .bind(hall_id)
        .bind(input.name.trim())
        .bind(input.purpose.trim())
        .bind(now)
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("name", "本大厅已有同名区域"))?;
        self.store.public_changed();
        Ok(
            sqlx::query_as("SELECT id, hall_id, name, purpose, active FROM zones WHERE id = $1")
                .bind(id)
                .fetch_one(&self.store.pool)
                .await?,
        )
    }

    // ---- departments ----

    pub async fn list_departments(
        self,
        centre_id: Option<CentreId>,
    ) -> StoreResult<Vec<Department>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DEPT_COLS} FROM departments WHERE ($1 IS NULL OR centre_id = $1) ORDER BY id"
        )))
        .bind(centre_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_department(self, id: DepartmentId) -> StoreResult<Department> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DEPT_COLS} FROM departments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("department"))
    }

    async fn validate_department(self, input: &DepartmentInput) -> StoreResult<()> {
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "name", &input.name, 64);
        required_text(&mut errors, "short_name", &input.short_name, 16);
        if input.phone.chars().count() > 32 {
            errors.add("phone", "不能超过 32 个字符");
        }
        if let Err(e) = CreditCode::parse(input.credit_code.trim()) {
            errors.add("credit_code", format!("统一社会信用代码{e}"));
        }
        match self.get_centre(input.centre_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => errors.add("centre_id", "中心不存在"),
            Err(e) => return Err(e),
        }
        Ok(errors.into_result()?)
    }

    pub async fn create_department(self, input: &DepartmentInput) -> StoreResult<Department> {
        self.validate_department(input).await?;
        let now = now_ms();
        let (id,): (DepartmentId,) = sqlx::query_as(
            "INSERT INTO departments (centre_id, name, short_name, credit_code, phone, active,
                                      created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
        )
        .bind(input.centre_id)
        .bind(input.name.trim())
        .bind(input.short_name.trim())
        .bind(input.credit_code.trim())
        .bind(input.phone.trim())
        .bind(now)
        .fetch_one(&self.store.pool)
        .await
        .map_err(department_conflict)?;
        self.store.public_changed();
        self.get_department(id).await
    }

    pub async fn update_department(
        self,
        id: DepartmentId,
        input: &DepartmentInput,
    ) -> StoreResult<Department> {
        let current = self.get_department(id).await?;
        if current.centre_id != input.centre_id {
            return Err(FieldErrors::single("centre_id", "部门不能转到其他中心").into());
        }
        self.validate_department(input).await?;
        sqlx::query(
            "UPDATE departments SET name = $1, short_name = $2, credit_code = $3, phone = $4,
                    updated_at = $5 WHERE id = $6",
        )
        .bind(input.name.trim())
        .bind(input.short_name.trim())
        .bind(input.credit_code.trim())
        .bind(input.phone.trim())
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await
        .map_err(department_conflict)?;
        self.store.public_changed();
        self.get_department(id).await
    }

    // ---- windows ----

    pub async fn list_windows(
        self,
        centre_id: Option<CentreId>,
        department_id: Option<DepartmentId>,
    ) -> StoreResult<Vec<Window>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WINDOW_COLS} FROM windows
             WHERE ($1 IS NULL OR centre_id = $1) AND ($2 IS NULL OR department_id = $2)
             ORDER BY centre_id, number"
        )))
        .bind(centre_id)
        .bind(department_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn get_window(self, id: WindowId) -> StoreResult<Window> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WINDOW_COLS} FROM windows WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("window"))
    }

    async fn validate_window(self, input: &WindowInput) -> StoreResult<()> {
        let mut errors = FieldErrors::new();
        validate_window_number(&mut errors, &input.number);
        required_text(&mut errors, "name", &input.name, 64);
        match self.get_centre(input.centre_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => errors.add("centre_id", "中心不存在"),
            Err(e) => return Err(e),
        }
        if let Some(dept) = input.department_id {
            self.check_department_in_centre(&mut errors, dept, input.centre_id)
                .await?;
        }
        if let Some(zone) = input.zone_id {
            let centre: Option<(CentreId,)> = sqlx::query_as(
                "SELECT h.centre_id FROM zones z JOIN halls h ON h.id = z.hall_id WHERE z.id = $1",
            )
            .bind(zone)
            .fetch_optional(&self.store.pool)
            .await?;
            match centre {
                None => errors.add("zone_id", "区域不存在"),
                Some((c,)) if c != input.centre_id => errors.add("zone_id", "区域不属于本中心"),
                Some(_) => {}
            }
        }
        Ok(errors.into_result()?)
    }

    async fn check_department_in_centre(
        self,
        errors: &mut FieldErrors,
        department_id: DepartmentId,
        centre_id: CentreId,
    ) -> StoreResult<()> {
        match self.get_department(department_id).await {
            Ok(d) if d.centre_id != centre_id => errors.add("department_id", "该部门属于其他中心"),
            Ok(d) if !d.active => errors.add("department_id", "该部门已停用"),
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => errors.add("department_id", "部门不存在"),
            Err(e) => return Err(e),
        }
        Ok(())
    }

    pub async fn create_window(self, input: &WindowInput) -> StoreResult<Window> {
        self.validate_window(input).await?;
        let now = now_ms();
        let (id,): (WindowId,) = sqlx::query_as(
            "INSERT INTO windows (centre_id, number, name, department_id, zone_id, is_open,
                                  active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
        )
        .bind(input.centre_id)
        .bind(input.number.trim())
        .bind(input.name.trim())
        .bind(input.department_id)
        .bind(input.zone_id)
        .bind(i64::from(input.is_open))
        .bind(now)
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("number", "本中心已有相同编号的窗口"))?;
        self.store.public_changed();
        self.get_window(id).await
    }

    pub async fn update_window(self, id: WindowId, input: &WindowInput) -> StoreResult<Window> {
        let current = self.get_window(id).await?;
        if current.centre_id != input.centre_id {
            return Err(FieldErrors::single("centre_id", "窗口不能转到其他中心").into());
        }
        self.validate_window(input).await?;
        sqlx::query(
            "UPDATE windows SET number = $1, name = $2, department_id = $3, zone_id = $4,
                    is_open = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(input.number.trim())
        .bind(input.name.trim())
        .bind(input.department_id)
        .bind(input.zone_id)
        .bind(i64::from(input.is_open))
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await
        .map_err(unique_as("number", "本中心已有相同编号的窗口"))?;
        self.store.public_changed();
        self.get_window(id).await
    }

    // ---- staff ----

    /// Marks a record active or inactive. Deactivating staff also disables their login.
    pub async fn set_active(self, what: Deactivatable, id: &str, active: bool) -> StoreResult<()> {
        let (table, key, label) = match what {
            Deactivatable::Region => ("regions", "code", "region"),
            Deactivatable::Centre => ("centres", "id", "centre"),
            Deactivatable::Hall => ("halls", "id", "hall"),
            Deactivatable::Zone => ("zones", "id", "zone"),
            Deactivatable::Department => ("departments", "id", "department"),
            Deactivatable::Window => ("windows", "id", "window"),
            Deactivatable::Staff => ("staff", "id", "staff"),
        };
        let mut tx = self.store.pool.begin().await?;
        let sql = format!("UPDATE {table} SET active = $1, updated_at = $2 WHERE {key} = $3");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(active))
            .bind(now_ms());
        let done = if key == "code" {
            q.bind(id).execute(&mut *tx).await?
        } else {
            let id: i64 = id.parse().map_err(|_| StoreError::NotFound(label))?;
            q.bind(id).execute(&mut *tx).await?
        };
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(label));
        }
        if what == Deactivatable::Staff {
            let id: i64 = id.parse().map_err(|_| StoreError::NotFound(label))?;
            sqlx::query(
                "UPDATE accounts SET disabled = $1 WHERE id = (SELECT account_id FROM staff WHERE id = $2)",
            )
            .bind(i64::from(!active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.store.public_changed();
        Ok(())
    }
}

async fn write_roles(
    tx: &mut Transaction<'_, Any>,
    staff_id: StaffId,
    roles: &[Role],
) -> StoreResult<()> {
    for role in roles {
        sqlx::query("INSERT INTO staff_roles (staff_id, role) VALUES ($1, $2)")
            .bind(staff_id)
            .bind(role.key())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn department_conflict(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            // SQLite names the columns, PostgreSQL the constraint: both mention "credit_code".
            let text = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
            if text.contains("credit_code") {
                StoreError::Invalid(FieldErrors::single(
                    "credit_code",
                    "该统一社会信用代码已被其他部门使用",
                ))
            } else {
                StoreError::Invalid(FieldErrors::single("name", "本中心已有同名部门"))
            }
        }
        _ => StoreError::Database(e),
    }
}
