//! The demo's 好差评: a good review by QR code of the instant name check, a bad review of the
//! delivered business registration waiting for the department's callback, an instant case of
//! 张伟's concluded today for him to rate in the hall, and a rating tablet at the 市场监管
//! window (its address is printed with the demo accounts).

use anyhow::Context;
use onewindow_domain::case::{Applicant, Channel, Command};
use onewindow_domain::reviews::RatingInput;
use onewindow_store::Store;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::org::Staff;
use onewindow_store::reviews::Rater;

use super::{actor_of, working_days_before};

/// Loads the reviews; returns the tablet's address.
pub(super) async fn demo_reviews(
    store: &Store,
    staff: &[Staff],
    person_id: &str,
    today: chrono::NaiveDate,
) -> anyhow::Result<String> {
    let clerk = staff
        .iter()
        .find(|s| s.login == "chuangkou")
        .context("demo clerk")?;
    let reviews = store.reviews();
    let cal = store.calendar().calendar_for("371300000000").await?;
    let cases = store
        .cases()
        .search_cases(&onewindow_store::case::queries::CaseFilter {
            limit: 200,
            ..Default::default()
        })
        .await?
        .rows;
    let of = |applicant: &str| {
        cases
            .iter()
            .find(|c| c.applicant == applicant)
            .map(|c| c.id)
            .with_context(|| format!("demo case of {applicant}"))
    };
    let by_code = async |applicant: &str, input: RatingInput, day| -> anyhow::Result<()> {
        let view = store.cases().case_view(of(applicant)?).await?;
        reviews
            .rate_case(
                Rater::Code {
                    case_no: view.row.case_no.clone().unwrap_or_default(),
                    code: view.state.query_code.clone().unwrap_or_default(),
                    remote: None,
                },
                None,
                &input,
                day,
                None,
            )
            .await?;
        Ok(())
    };
    by_code(
        "周敏",
        RatingInput {
            level: Some(1),
            channel: "qr".into(),
            reasons: vec![],
            comment: "窗口人员很耐心，几分钟就办好了".into(),
        },
        today,
    )
    .await?;
    by_code(
        "吴强",
        RatingInput {
            level: Some(4),
            channel: "mobile".into(),
            reasons: vec!["材料要求反复".into()],
            comment: "经营场所证明来回改了两次".into(),
        },
        working_days_before(&cal, today, 1)?,
    )
    .await?;
    // 张伟's own instant case, concluded today: his to rate from 我的办件.
    let item = store
        .catalog()
        .list_items(&Default::default())
        .await?
        .into_iter()
        .find(|i| i.name == "企业名称自主申报")
        .context("demo item")?;
    let name_check = store.cases().item_ref_for_case(item.id).await?;
    let actor = actor_of(clerk, false);
    let run = |case_id, command| CommandRequest {
        case_id,
        expected_version: None,
        command,
        actor: actor.clone(),
        idempotency_key: None,
        today,
        at: onewindow_store::now_ms(),
    };
    let materials = name_check
        .materials
        .iter()
        .filter(|m| m.required)
        .map(|m| m.name.clone())
        .collect();
    let opened = store
        .cases()
        .execute(run(
            None,
            Command::Submit {
                application: None,
                channel: Channel::Window,
                item: Box::new(name_check),
                applicant: Applicant {
                    kind: "individual".into(),
                    name: "张伟".into(),
                    id_number: person_id.to_owned(),
                    mobile: "13805391234".into(),
                },
                materials,
            },
        ))
        .await?;
    store
        .cases()
        .execute(run(Some(opened.case_id), Command::Accept))
        .await?;
    // The 市场监管 window's tablet.
    let window = match reviews.seat_of(clerk.id).await? {
        Some(w) => w,
        None => return Ok(String::new()),
    };
    let key = reviews.new_tablet_key(window).await?;
    Ok(format!("/tablet/{key}"))
}
