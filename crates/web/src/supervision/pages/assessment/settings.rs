//! Supervision settings for the centre administrator: the warning threshold, the card rules,
//! the deduction scheme and which finding rules are switched on.

use super::*;

// ---- settings ----

pub(super) async fn settings(State(state): State<AppState>, user: PageUser) -> PageResult {
    settings_page(&state, &user, None, &FieldErrors::new()).await
}

/// The form that failed, so that its fields keep what was typed.
pub(super) enum Failed<'a> {
    Settings(&'a FormData),
    Rule(&'a FormData),
    Points(&'a FormData),
}

pub(super) async fn settings_page(
    state: &AppState,
    user: &PageUser,
    failed: Option<Failed<'_>>,
    errors: &FieldErrors,
) -> PageResult {
    gate(state, user, SupervisionAction::View, None).await?;
    let manage = can(&user.principal, SupervisionAction::Configure, None);
    let s = state.store.supervision().settings().await?;
    let current = FormData::from_pairs([
        ("warn_percent", s.warn_percent.to_string()),
        ("warn_min_days", s.warn_min_days.to_string()),
        ("red_flag_score", s.red_flag_score.to_string()),
    ]);
    let none = FieldErrors::new();
    let blank = FormData::default();
    let (settings_data, settings_errors) = match &failed {
        Some(Failed::Settings(d)) => (*d, errors),
        _ => (&current, &none),
    };
    let (rule_data, rule_errors) = match &failed {
        Some(Failed::Rule(d)) => (*d, errors),
        _ => (&blank, &none),
    };
    let (points_data, points_errors) = match &failed {
        Some(Failed::Points(d)) => (*d, errors),
        _ => (&blank, &none),
    };
    let rules = state.store.supervision().card_rules().await?;
    let scheme = state.store.supervision().deductions().await?;
    let mut sections = vec![Section::table(
        "预警阈值",
        vec!["剩余时限比例", "剩余工作日", "红旗窗口分数线"],
        vec![vec![
            Cell::text(format!("{}%", s.warn_percent)),
            Cell::text(format!("{} 个工作日", s.warn_min_days)),
            Cell::text(format!("{} 分", s.red_flag_score)),
        ]],
    )];
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/settings",
                "保存阈值",
                settings_data,
                settings_errors,
            )
            .title("修改预警阈值")
            .number("warn_percent", "剩余时限比例（%）", true)
            .number("warn_min_days", "剩余工作日", true)
            .number("red_flag_score", "红旗窗口分数线", true)
            .build(),
        ));
    }
    sections.push(Section::table(
        "黄牌红牌规则（按自然月计）",
        vec!["规则", "对象", "牌", "计数", "达到", "状态", "待生效调整"],
        rules
            .iter()
            .map(|r| {
                vec![
                    Cell::text(&r.name),
                    Cell::text(target_label(&r.target)),
                    color_cell(&r.color),
                    Cell::text(metric_label(&r.metric)),
                    Cell::text(format!("{} 次", r.threshold)),
                    if r.enabled.get() {
                        Cell::tag("启用", "on")
                    } else {
                        Cell::tag("停用", "off")
                    },
                    Cell::text(
                        match (&r.pending_from, r.pending_enabled, r.pending_threshold) {
                            (Some(from), Some(en), Some(t)) => format!(
                                "自 {from} 起{}，{t} 次",
                                if en == 1 { "启用" } else { "停用" }
                            ),
                            _ => String::new(),
                        },
                    ),
                ]
            })
            .collect(),
    ));
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/card-rules",
                "登记调整",
                rule_data,
                rule_errors,
            )
            .title("调整规则（自下一考核周期起生效）")
            .select(
                "code",
                "规则",
                true,
                Some("请选择"),
                rules
                    .iter()
                    .map(|r| (r.code.clone(), r.name.clone()))
                    .collect(),
            )
            .checkbox("enabled", "启用")
            .number("threshold", "达到次数", true)
            .text("from", "生效日期", true, "须为某月 1 日，且不早于下月 1 日")
            .build(),
        ));
    }
    let finding_rules = state.store.supervision().finding_rules().await?;
    sections.push(Section::table(
        "监察问题规则（逐条比对办件事件、时限与部门报送记录）",
        vec!["规则", "程度", "状态", ""],
        finding_rules
            .iter()
            .map(|r| {
                let on = r.enabled.get();
                vec![
                    Cell::text(&r.name),
                    if r.severity == "major" {
                        Cell::tag("严重", "bad")
                    } else {
                        Cell::tag("一般", "warn")
                    },
                    if on {
                        Cell::tag("启用", "on")
                    } else {
                        Cell::tag("停用", "off")
                    },
                    if manage {
                        Cell {
                            post: Some(crate::kit::PostButton {
                                action: format!("/admin/supervision/finding-rules/{}", r.code),
                                label: if on { "停用" } else { "启用" }.to_owned(),
                                fields: vec![(
                                    "enabled".to_owned(),
                                    if on { "0" } else { "1" }.to_owned(),
                                )],
                            }),
                            ..Cell::text("")
                        }
                    } else {
                        Cell::text("")
                    },
                ]
            })
            .collect(),
    ));
    sections.push(Section::table(
        "百分制扣分标准",
        vec!["扣分项", "每次扣分"],
        scheme
            .iter()
            .map(|d| vec![Cell::text(&d.name), Cell::text(format!("{} 分", d.points))])
            .collect(),
    ));
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/scheme",
                "保存",
                points_data,
                points_errors,
            )
            .title("修改扣分标准")
            .select(
                "code",
                "扣分项",
                true,
                Some("请选择"),
                scheme
                    .iter()
                    .map(|d| (d.code.clone(), d.name.clone()))
                    .collect(),
            )
            .number("points", "每次扣分", true)
            .build(),
        ));
    }
    page(
        user,
        "监察规则设置",
        crumb("电子监察", "/admin/supervision"),
        "预警：剩余时限不超过所设比例或所设工作日（取多者）时亮黄灯，期限届满未办结亮红灯；办件与各环节分别计算。修改阈值后，所有正在计时的办件立即按新阈值重算。考核按百分制扣分：95 分以上五星，90 分以上四星，80 分以上三星，70 分以上二星；季度 90 分以上优秀、80 分以上良好、60 分以上合格。",
        sections,
        errors,
    )
}

pub(super) async fn save_settings(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = SupervisionSettings {
        warn_percent: data.i64(&mut errors, "warn_percent"),
        warn_min_days: data.i64(&mut errors, "warn_min_days"),
        red_flag_score: data.i64(&mut errors, "red_flag_score"),
    };
    let save = state
        .store
        .supervision()
        .set_settings(input, user.principal.account_id);
    if saved(&mut errors, save).await?.is_some() {
        return redirect("/admin/supervision/settings", "saved");
    }
    settings_page(&state, &user, Some(Failed::Settings(&data)), &errors).await
}

pub(super) async fn change_card_rule(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let code = data.text("code");
    if code.is_empty() {
        errors.add("code", "请选择规则");
    }
    let change = CardRuleChange {
        enabled: data.flag("enabled"),
        threshold: data.i64(&mut errors, "threshold"),
        from: data.text("from"),
    };
    let save = state
        .store
        .supervision()
        .change_card_rule(&code, &change, state.clock.today());
    if saved(&mut errors, save).await?.is_some() {
        return redirect("/admin/supervision/settings", "saved");
    }
    settings_page(&state, &user, Some(Failed::Rule(&data)), &errors).await
}

pub(super) async fn set_points(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let code = data.text("code");
    if code.is_empty() {
        errors.add("code", "请选择扣分项");
    }
    let points = data.i64(&mut errors, "points");
    if saved(
        &mut errors,
        state.store.supervision().set_deduction(&code, points),
    )
    .await?
    .is_some()
    {
        return redirect("/admin/supervision/settings", "saved");
    }
    settings_page(&state, &user, Some(Failed::Points(&data)), &errors).await
}

/// Switches a finding rule on or off; findings already raised stay.
pub(super) async fn switch_finding_rule(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    state
        .store
        .supervision()
        .set_finding_rule(&code, data.text("enabled") == "1")
        .await?;
    redirect("/admin/supervision/settings", "saved")
}
