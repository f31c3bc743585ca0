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
/// 张伟's complaint waiting for the centre to assign it, his question on the food licence
/// waiting for 市场监管's answer, one answered at the window, and a small hotline export.
async fn complaints_and_questions(
    store: &Store,
    clerk: &Staff,
    person_id: &str,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use onewindow_domain::reviews::complaints::ComplaintInput;
    use onewindow_domain::reviews::consult::ConsultationInput;
    use onewindow_store::reviews::complaints::Filer;
    let reviews = store.reviews();
    let person = store
        .accounts()
        .find_account(person_id)
        .await
        .context("demo applicant")?;
    let department = clerk.department_id.context("demo clerk's department")?;
    reviews
        .file_complaint(
            &ComplaintInput {
                channel: "web".into(),
                subject: "department".into(),
                subject_ref: department.to_string(),
                title: "窗口要求提供指南未列明的材料".into(),
                content: "办理食品经营许可时，窗口要求提供房屋产权证明复印件两份，办事指南中没有这项要求。".into(),
                ..Default::default()
            },
            Filer::Account {
                id: person.id,
                name: person.display_name.clone(),
                mobile: person.mobile.clone(),
            },
            today,
            None,
        )
        .await?;
    let food = store
        .catalog()
        .list_items(&Default::default())
        .await?
        .into_iter()
        .find(|i| i.name == "食品经营许可")
        .context("demo item")?;
    reviews
        .ask(
            &ConsultationInput {
                item_id: Some(food.id.get()),
                channel: "online".into(),
                question: "小餐饮店面积不到 50 平方米，也需要办理食品经营许可吗？".into(),
                answer: String::new(),
            },
            (person.id, &person.display_name),
            today,
        )
        .await?;
    reviews
        .record_consultation(
            &ConsultationInput {
                item_id: Some(food.id.get()),
                channel: "window".into(),
                question: "健康证明可以后补吗？".into(),
                answer: "可以容缺受理，受理后 10 个工作日内补交。".into(),
            },
            clerk.department_id,
            (clerk.account_id, &clerk.name),
            today,
            None,
        )
        .await?;
    let month = today.format("%Y-%m");
    let mut csv = onewindow_domain::reviews::hotline::HEADER.join(",");
    for (i, (category, to, result, satisfaction)) in [
        ("咨询", "", "", "满意"),
        ("投诉", "临沂市市场监督管理局", "成功", "满意"),
        ("求助", "临沂市市场监督管理局", "成功", "基本满意"),
        ("投诉", "临沂市市场监督管理局", "失败", "不满意"),
        ("建议", "", "", ""),
        ("咨询", "", "", "满意"),
    ]
    .into_iter()
    .enumerate()
    {
        csv.push_str(&format!(
            "\nDEMO-{month}-{i:04},{month}-01 09:{:02}:00,139****{:04},{category},1,{to},{result},{satisfaction}",
            i * 7,
            1000 + i
        ));
    }
    reviews.import_hotline(csv.as_bytes(), &|_, _| {}).await?;
    Ok(())
}

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
    complaints_and_questions(store, clerk, person_id, today).await?;
    // The 市场监管 window's tablet.
    let window = match reviews.seat_of(clerk.id).await? {
        Some(w) => w,
        None => return Ok(String::new()),
    };
    let key = reviews.new_tablet_key(window).await?;
    Ok(format!("/tablet/{key}"))
}
