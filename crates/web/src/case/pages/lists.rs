//! The inbox (待办) with its countdown badges and filters, and case search.

use super::*;

// ---- inbox and search ----

/// One filter of a case list: a text box, or a drop-down when it has options.
pub struct Filter {
    pub name: String,
    pub label: String,
    pub value: String,
    pub options: Vec<(String, String)>,
}

pub(super) fn filter(
    name: &str,
    label: &str,
    value: &str,
    options: Vec<(String, String)>,
) -> Filter {
    Filter {
        name: name.to_owned(),
        label: label.to_owned(),
        value: value.to_owned(),
        options,
    }
}

#[derive(Template)]
#[template(path = "case/list.html")]
pub(super) struct ListPage {
    chrome: Chrome,
    inbox: bool,
    clerk: bool,
    intro: String,
    filters: Vec<Filter>,
    rows: Vec<RowView>,
    next: String,
    today: String,
    /// The latest deadline warnings and overdue alerts for this person (inbox only).
    alerts: Vec<onewindow_store::messages::Message>,
    /// Urging notices to this person's department still waiting for an accepted explanation.
    urgings: Vec<onewindow_store::supervision::Urging>,
    /// Cards given to this person, their window or their department, not revoked.
    cards: Vec<onewindow_store::supervision::assessment::Card>,
    /// The department's cases approved on pledge awaiting verification (reviewers and
    /// approvers, who verify).
    pledges: Vec<onewindow_store::case::queries::PledgeDue>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct InboxParams {
    #[serde(default)]
    what: String,
    #[serde(default)]
    due_by: String,
    #[serde(default)]
    after: String,
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<InboxParams>,
) -> PageResult {
    let actor = own_unit_actor(&state, &user, CaseAction::View).await?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter_by = InboxFilter {
        what: opt(&q.what),
        item_id: None,
        due_by: opt(&q.due_by),
        after: opt(&q.after),
        limit: 30,
    };
    let (cases, supervision) = (state.store.cases(), state.store.supervision());
    let page = cases.inbox(&actor, &filter_by).await?;
    let what = cases.task_kinds(&actor).await?;
    let alerts = state
        .store
        .outbox()
        .messages(user.principal.account_id, None, 5)
        .await?;
    let urgings = match user.principal.department_id {
        Some(d) => supervision.urgings(Some(d), 20).await?,
        None => vec![],
    };
    let mut cards = supervision.cards_concerning(&actor, None, 50).await?;
    let pledges = match actor.department_id {
        Some(d) if actor.verifies_pledges_of(d) => cases.pledges_to_verify(d, 20).await?,
        _ => vec![],
    };
    cards.retain(|c| c.status != CardStatus::Revoked);
    cards.truncate(10);
    let today = state.clock.today();
    let calendars = calendars_of(&state, &page.rows).await?;
    render(&ListPage {
        chrome: Chrome::new("我的待办", &user.ctx),
        inbox: true,
        clerk: actor.roles.contains(&Role::Clerk),
        intro: "分派给您、您作为 B 岗顶岗，以及您所在部门和角色待办的办件，按办结期限先后排列。"
            .into(),
        filters: vec![
            filter(
                "what",
                "环节",
                &q.what,
                std::iter::once((String::new(), "全部".to_owned()))
                    .chain(what.into_iter().map(|w| (w.clone(), w)))
                    .collect(),
            ),
            filter("due_by", "期限不晚于", &q.due_by, vec![]),
        ],
        alerts,
        urgings: urgings
            .into_iter()
            .filter(|u| u.decision.as_deref() != Some("accepted"))
            .collect(),
        cards,
        pledges,
        rows: page
            .rows
            .iter()
            .map(|r| row_view(r, today, &calendars))
            .collect(),
        next: page
            .next
            .map(|n| {
                format!(
                    "/work?{}",
                    query_string(&[("what", &q.what), ("due_by", &q.due_by), ("after", &n)])
                )
            })
            .unwrap_or_default(),
        today: today.to_string(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchParams {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    applicant: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

pub(super) async fn search(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchParams>,
) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let query = CaseQuery {
        case_no: opt(&q.case_no),
        applicant: opt(&q.applicant),
        item: opt(&q.item),
        stage: opt(&q.stage),
        from: opt(&q.from),
        to: opt(&q.to),
        department_id: None,
        before: q.before.parse().ok(),
        limit: Some(30),
    };
    let page = state
        .store
        .cases()
        .search_cases(&query.filter(&user.principal))
        .await?;
    let today = state.clock.today();
    let calendars = calendars_of(&state, &page.rows).await?;
    let text = |name: &str, label: &str, value: &str| filter(name, label, value, vec![]);
    render(&ListPage {
        chrome: Chrome::new("办件检索", &user.ctx),
        inbox: false,
        clerk: user.principal.has_role(Role::Clerk),
        intro: if sees_all_cases(&user.principal) {
            "检索全中心的办件。".into()
        } else {
            "检索本部门的办件。".into()
        },
        alerts: vec![],
        urgings: vec![],
        cards: vec![],
        pledges: vec![],
        filters: vec![
            text("case_no", "办件编号", &q.case_no),
            text("applicant", "申请人（姓名或证件号码）", &q.applicant),
            text("item", "事项名称", &q.item),
            filter(
                "stage",
                "状态",
                &q.stage,
                std::iter::once((String::new(), "全部".to_owned()))
                    .chain(
                        // Every stored stage but 未提交, which no stored case has.
                        Stage::ALL[1..]
                            .iter()
                            .map(|s| (s.key().to_owned(), s.label().to_owned())),
                    )
                    .collect(),
            ),
            text("from", "申请日期自（YYYY-MM-DD）", &q.from),
            text("to", "至", &q.to),
        ],
        rows: page
            .rows
            .iter()
            .map(|r| row_view(r, today, &calendars))
            .collect(),
        next: page
            .next
            .map(|n| {
                format!(
                    "/work/search?{}",
                    query_string(&[
                        ("case_no", &q.case_no),
                        ("applicant", &q.applicant),
                        ("item", &q.item),
                        ("stage", &q.stage),
                        ("from", &q.from),
                        ("to", &q.to),
                        ("before", &n),
                    ])
                )
            })
            .unwrap_or_default(),
        today: today.to_string(),
    })
}
