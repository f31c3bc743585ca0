//! The demo's cases: every stage of a case at the 市场监管 windows, and a joint building permit
//! (并联审批) led by 住建 with 消防救援 and 自然资源 reviewing at once.

use anyhow::Context;
use onewindow_domain::case::{
    Actor, Applicant, Channel, Command, Decision, Delivery, ItemRef, Missing,
};
use onewindow_domain::ids::CaseId;
use onewindow_store::Store;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::org::Staff;

use super::{actor_of, credit_code, resident_id, working_days_before};

/// Cases at every stage in the 市场监管 window, so that the inboxes, countdown badges, search
/// and 办件查询 have something to show: due in days, due soon, overdue, waiting for a
/// supplement, online and waiting for acceptance, an instant item, one delivered.
pub(super) async fn demo_cases(
    store: &Store,
    staff: &[Staff],
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let who = |login: &str| {
        staff
            .iter()
            .find(|s| s.login == login)
            .with_context(|| format!("demo staff {login}"))
    };
    let (clerk, reviewer, approver) = (
        actor_of(who("chuangkou")?, false),
        actor_of(who("shenhe")?, false),
        actor_of(who("shenpi")?, false),
    );
    let cal = store.calendar().calendar_for("371300000000").await?;
    let items = store.catalog().list_items(&Default::default()).await?;
    let item = |name: &str| {
        items
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.id)
            .with_context(|| format!("demo item {name}"))
    };
    let run = |case_id: Option<CaseId>, actor: &Actor, day: chrono::NaiveDate, command: Command| {
        store.cases().execute(CommandRequest {
            case_id,
            expected_version: None,
            command,
            actor: actor.clone(),
            idempotency_key: None,
            today: day,
            at: onewindow_store::now_ms(),
        })
    };
    let applicant = |name: &str, id: &str, mobile: &str| Applicant {
        kind: "individual".into(),
        name: name.into(),
        id_number: id.into(),
        mobile: mobile.into(),
    };
    let all_required = |r: &ItemRef| -> Vec<String> {
        r.materials
            .iter()
            .filter(|m| m.required)
            .map(|m| m.name.clone())
            .collect()
    };
    let food = store
        .cases()
        .item_ref_for_case(item("食品经营许可")?)
        .await?;
    // (applicant, accepted this many working days ago, review steps done after acceptance;
    // acceptance itself ends the 受理 step)
    let plans = [
        (
            applicant("王小明", &resident_id("37130219850612301"), "13905391001"),
            0u32,
            0usize,
        ),
        (
            applicant("李秀英", &resident_id("37131119780304262"), "13905391002"),
            2,
            0,
        ),
        (
            applicant("陈建华", &resident_id("37131219920918153"), "13905391003"),
            4,
            1,
        ),
        (
            applicant("赵丽", &resident_id("37130219880101044"), "13905391004"),
            7,
            1,
        ),
    ];
    // An application with every required material, accepted at the window by `by`.
    let accept = async |by: &Actor,
                        item: &ItemRef,
                        who_applies: Applicant,
                        day|
           -> anyhow::Result<Option<CaseId>> {
        let opened = run(
            None,
            by,
            day,
            Command::Submit {
                application: None,
                channel: Channel::Window,
                item: Box::new(item.clone()),
                applicant: who_applies,
                materials: all_required(item),
            },
        )
        .await?;
        let id = Some(opened.case_id);
        run(id, by, day, Command::Accept).await?;
        Ok(id)
    };
    for (who_applies, ago, steps) in plans {
        let day = working_days_before(&cal, today, ago)?;
        let id = accept(&clerk, &food, who_applies, day).await?;
        for _ in 0..steps {
            run(
                id,
                &reviewer,
                day,
                Command::CompleteStep {
                    opinion: "经现场核查，经营场所和设施符合要求".into(),
                },
            )
            .await?;
        }
    }
    // Waiting for a supplement (the clock stopped).
    let opened = run(
        None,
        &clerk,
        working_days_before(&cal, today, 1)?,
        Command::Submit {
            application: None,
            channel: Channel::Window,
            item: Box::new(food.clone()),
            applicant: applicant("孙伟", &resident_id("37132119900707071"), "13905391005"),
            materials: all_required(&food),
        },
    )
    .await?;
    run(
        Some(opened.case_id),
        &clerk,
        working_days_before(&cal, today, 1)?,
        Command::Accept,
    )
    .await?;
    run(
        Some(opened.case_id),
        &clerk,
        today,
        Command::RequestSupplement {
            missing: vec![Missing::material(
                "从业人员健康证明",
                "所附健康证明已过有效期，请提交有效期内的证明",
            )],
            reason: String::new(),
            supply_by: None,
        },
    )
    .await?;
    // An instant item concluded on the spot, and a business registration delivered.
    let name_check = store
        .cases()
        .item_ref_for_case(item("企业名称自主申报")?)
        .await?;
    let opened = run(
        None,
        &clerk,
        today,
        Command::Submit {
            application: None,
            channel: Channel::Window,
            item: Box::new(name_check.clone()),
            applicant: applicant("周敏", &resident_id("37130219830520182"), "13905391006"),
            materials: all_required(&name_check),
        },
    )
    .await?;
    run(Some(opened.case_id), &clerk, today, Command::Accept).await?;
    let shop = store
        .cases()
        .item_ref_for_case(item("个体工商户设立登记")?)
        .await?;
    let day = working_days_before(&cal, today, 3)?;
    let opened = run(
        None,
        &clerk,
        day,
        Command::Submit {
            application: None,
            channel: Channel::Window,
            item: Box::new(shop.clone()),
            applicant: applicant("吴强", &resident_id("37130219950211091"), "13905391007"),
            materials: all_required(&shop),
        },
    )
    .await?;
    let id = Some(opened.case_id);
    run(id, &clerk, day, Command::Accept).await?;
    // The steps between acceptance and the approver's decision, which closes the last one.
    for step in 1..shop.steps.len().saturating_sub(1) {
        let actor = match shop.steps[step].role {
            onewindow_domain::org::Role::Reviewer => &reviewer,
            _ => &approver,
        };
        run(
            id,
            actor,
            day,
            Command::CompleteStep {
                opinion: "符合条件".into(),
            },
        )
        .await?;
    }
    run(
        id,
        &approver,
        day,
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合个体工商户登记条件".into(),
                legal_basis: String::new(),
            },
        },
    )
    .await?;
    run(id, &approver, day, Command::Conclude).await?;
    run(
        id,
        &clerk,
        today,
        Command::Deliver {
            delivery: Delivery::Pickup,
        },
    )
    .await?;
    // Approved on pledge (告知承诺) and concluded: the on-site verification is still to come,
    // listed on the reviewer's inbox until it is recorded.
    let day = working_days_before(&cal, today, 3)?;
    let id = accept(
        &clerk,
        &food,
        applicant("刘洋", &resident_id("37130219870315282"), "13905391008"),
        day,
    )
    .await?;
    run(
        id,
        &reviewer,
        day,
        Command::CompleteStep {
            opinion: "申请人已签署告知承诺书，按承诺审批".into(),
        },
    )
    .await?;
    run(
        id,
        &approver,
        day,
        Command::ApproveOnPledge {
            pledge:
                "申请人承诺经营场所、设施设备和从业人员符合食品安全标准，如有不实愿承担法律责任"
                    .into(),
            verify_by: today + chrono::Duration::days(14),
        },
    )
    .await?;
    run(id, &approver, day, Command::Conclude).await?;
    // 并联审批: a building permit led by 住建 with 消防救援 and 自然资源 reviewing at once,
    // accepted three working days ago; the fire brigade has signed, planning has not.
    let permit = store
        .cases()
        .item_ref_for_case(item("建筑工程施工许可证核发")?)
        .await?;
    let (lead, fire) = (
        actor_of(who("jianshe")?, false),
        actor_of(who("xiaofang")?, false),
    );
    let day = working_days_before(&cal, today, 3)?;
    let company = Applicant {
        kind: "company".into(),
        name: "临沂市沂蒙建设集团有限公司".into(),
        id_number: credit_code("91", "371300", "MA3CX7K2"),
        mobile: "13905391009".into(),
    };
    let id = accept(&lead, &permit, company, day).await?;
    let fire_branch = permit
        .branches
        .iter()
        .position(|b| Some(b.department_id) == fire.department_id)
        .context("demo joint branch")?;
    for opinion in ["消防设计符合国家工程建设消防技术标准", "同意"] {
        run(
            id,
            &fire,
            day,
            Command::CompleteBranchStep {
                branch: fire_branch,
                opinion: opinion.into(),
            },
        )
        .await?;
    }
    // 一件事：开办餐饮店, accepted once at the 市场监管 window yesterday; the fire brigade has
    // checked and signed, the food licence is still under review.
    let restaurant = store
        .joint()
        .bundles(true)
        .await?
        .into_iter()
        .find(|b| b.name == "开办餐饮店")
        .context("demo bundle")?;
    let owner = applicant("马丽", &resident_id("37130219910823152"), "13905391010");
    let joint = store
        .joint()
        .case_item(restaurant.id, &owner.id_number)
        .await?;
    let day = working_days_before(&cal, today, 1)?;
    let id = accept(&clerk, &joint, owner, day).await?;
    if let Some(branch) = joint
        .branches
        .iter()
        .position(|b| Some(b.department_id) == fire.department_id)
    {
        for _ in 0..joint.branches[branch].steps.len() {
            run(
                id,
                &fire,
                day,
                Command::CompleteBranchStep {
                    branch,
                    opinion: "经检查，场所消防安全符合要求".into(),
                },
            )
            .await?;
        }
    }
    Ok(())
}
