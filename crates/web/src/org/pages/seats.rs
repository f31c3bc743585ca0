//! Seating staff at windows (窗口座席): who sits at a window now, shown on the window's page,
//! and the form that seats a staff member or takes them off. Assessment counts a case for the
//! window its clerk sat at when accepting it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use onewindow_domain::auth::OrgAction;
use onewindow_domain::ids::WindowId;
use onewindow_domain::org::FieldErrors;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::kit::{Cell, FormPage, Register, Section, redirect, saved};
use crate::pages::{FormBuilder, FormData, PageResult, gate};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/windows/{id}/seat", post(seat))
}

/// The staff seated at a window, with the form that seats another or takes one off.
pub(super) async fn seat_sections(
    state: &AppState,
    window: &onewindow_store::org::Window,
    manage: bool,
    data: &FormData,
    errors: &FieldErrors,
) -> Result<Vec<Section>, PageError> {
    // Only the seat form's own field; the window form above shows the rest.
    let errors = &FieldErrors(
        errors
            .0
            .iter()
            .filter(|(f, _)| f == "staff_id")
            .cloned()
            .collect(),
    );
    let seats = state.store.supervision().seats().await?;
    let here: Vec<_> = seats.iter().filter(|s| s.0 == window.id).collect();
    let mut sections = vec![Section::table(
        "座席人员",
        vec!["姓名", ""],
        here.iter()
            .map(|(_, staff, name)| {
                vec![
                    Cell::text(name),
                    if manage {
                        Cell {
                            post: Some(crate::kit::PostButton {
                                action: format!("/admin/windows/{}/seat", window.id),
                                label: "离开窗口".into(),
                                fields: vec![
                                    ("staff_id".into(), staff.to_string()),
                                    ("leave".into(), "1".into()),
                                ],
                            }),
                            ..Cell::text("")
                        }
                    } else {
                        Cell::text("")
                    },
                ]
            })
            .collect(),
    )];
    if manage {
        let staff = state
            .store
            .org()
            .list_staff(Some(window.centre_id), None)
            .await?;
        sections.push(Section::form(
            FormBuilder::new(
                format!("/admin/windows/{}/seat", window.id),
                "安排",
                data,
                errors,
            )
            .title("安排人员到本窗口（其原座席自动解除）")
            .select(
                "staff_id",
                "人员",
                true,
                Some("请选择"),
                staff
                    .iter()
                    .filter(|s| s.active.get())
                    .map(|s| (s.id.to_string(), s.name.clone()))
                    .collect(),
            )
            .build(),
        ));
    }
    Ok(sections)
}

async fn seat(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<WindowId>,
    body: Bytes,
) -> PageResult {
    let window = state.store.org().get_window(id).await?;
    gate(
        &state,
        &user,
        OrgAction::ManageWindows,
        window.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let staff = data.i64(&mut errors, "staff_id");
    let to = (!data.flag("leave")).then_some(id);
    let save = state
        .store
        .supervision()
        .seat_staff(staff, to, user.principal.account_id);
    if saved(&mut errors, save).await?.is_some() {
        return redirect(&format!("/admin/windows/{id}"), "saved");
    }
    let fp = FormPage {
        state: &state,
        user: &user,
        submitted: None,
        errors: &errors,
    };
    <super::Windows as Register>::record(fp, &id).await
}
