//! Yellow and red cards (黄牌、红牌): the list by period, a card's page, appeals and their decisions.

use super::*;

// ---- cards ----

pub(super) fn card_rows(cards: &[Card]) -> Vec<Vec<Cell>> {
    cards
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.issued_on),
                color_cell(&c.color),
                Cell::text(target_label(&c.target)),
                Cell::text(c.target_name.clone().unwrap_or_default()),
                Cell::link(&c.reason, format!("/admin/supervision/cards/{}", c.id)),
                status_cell(c.status),
            ]
        })
        .collect()
}

/// Cards: supervisors see all; other staff those of their department, window and themselves.
pub(super) async fn cards(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let p = &user.principal;
    let supervisor = can(p, SupervisionAction::View, None);
    if !supervisor {
        gate(&state, &user, CaseAction::View, p.department_id).await?;
    }
    let period = (!q.period.is_empty()).then_some(q.period.as_str());
    let list = if supervisor {
        state.store.supervision().cards(period, 500).await?
    } else {
        let actor = state.store.cases().case_actor(p).await?;
        state
            .store
            .supervision()
            .cards_concerning(&actor, period, 500)
            .await?
    };
    page(
        &user,
        "黄牌红牌",
        if supervisor {
            crumb("电子监察", "/admin/supervision")
        } else {
            crumb("工作台", "/work")
        },
        "按规则逐月对部门、窗口和人员亮牌；每条规则每月对同一对象只亮一次。被亮牌的部门、窗口或本人可申诉一次，由监察人员复核撤销或维持；撤销的牌不计入考核。",
        vec![Section::table(
            "",
            vec!["日期", "牌", "对象", "名称", "事由", "状态"],
            card_rows(&list),
        )],
        &FieldErrors::new(),
    )
}

pub(super) async fn card(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    card_page(&state, &user, id, None, &FieldErrors::new()).await
}

pub(super) async fn card_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: Option<&FormData>,
    errors: &FieldErrors,
) -> PageResult {
    let c = state.store.supervision().card(id).await?;
    let p = &user.principal;
    let supervisor = can(p, SupervisionAction::View, None);
    let actor = state.store.cases().case_actor(p).await?;
    let concerned = card_concerns(&c, &actor, &state.store.supervision().seats().await?);
    if !supervisor && !concerned {
        return Err(PageError::Forbidden(
            "只有监察人员和被亮牌的单位、本人可以查看".into(),
        ));
    }
    let blank = FormData::default();
    let data = data.unwrap_or(&blank);
    let mut sections = vec![Section::table(
        "",
        vec!["日期", "牌", "对象", "名称", "事由", "状态"],
        card_rows(std::slice::from_ref(&c)),
    )];
    if let Some(appeal) = &c.appeal {
        sections.push(Section::table(
            "申诉",
            vec!["申诉理由", "复核意见"],
            vec![vec![
                Cell::text(appeal),
                Cell::text(c.decision_note.clone().unwrap_or_default()),
            ]],
        ));
    }
    if concerned && c.status == CardStatus::Issued {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/admin/supervision/cards/{id}/appeal"),
                "提交申诉",
                data,
                errors,
            )
            .title("申诉")
            .textarea("grounds", "申诉理由", true)
            .build(),
        ));
    }
    if supervisor && c.status == CardStatus::Appealed {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/admin/supervision/cards/{id}/decide"),
                "提交复核",
                data,
                errors,
            )
            .title("复核申诉")
            .select(
                "revoke",
                "复核结论",
                true,
                Some("请选择"),
                vec![
                    ("1".into(), "申诉成立，撤销该牌".into()),
                    ("0".into(), "申诉不成立，维持".into()),
                ],
            )
            .textarea("note", "复核意见", true)
            .build(),
        ));
    }
    page(
        user,
        &format!(
            "{}（{}）",
            if c.color == "red" { "红牌" } else { "黄牌" },
            c.period
        ),
        crumb("黄牌红牌", "/admin/supervision/cards"),
        "",
        sections,
        errors,
    )
}

pub(super) async fn appeal(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let actor = own_unit_actor(&state, &user, SupervisionAction::Answer).await?;
    let data = FormData::parse(&body);
    let errors = match form_outcome(
        state
            .store
            .supervision()
            .appeal_card(id, &actor, &data.text("grounds"))
            .await,
    ) {
        Ok(Ok(_)) => return redirect(&format!("/admin/supervision/cards/{id}"), "saved"),
        Ok(Err(e)) => e,
        Err(PageError::BadRequest(why)) => FieldErrors::single("grounds", why),
        Err(e) => return Err(e),
    };
    card_page(&state, &user, id, Some(&data), &errors).await
}

pub(super) async fn decide(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let revoke = match data.text("revoke").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            errors.add("revoke", "请选择复核结论");
            false
        }
    };
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .supervision()
                .decide_card_appeal(id, user.principal.account_id, revoke, &data.text("note"))
                .await,
        ) {
            Ok(Ok(_)) => return redirect(&format!("/admin/supervision/cards/{id}"), "saved"),
            Ok(Err(e)) => errors = e,
            Err(PageError::BadRequest(why)) => errors.add("note", why),
            Err(e) => return Err(e),
        }
    }
    card_page(&state, &user, id, Some(&data), &errors).await
}
