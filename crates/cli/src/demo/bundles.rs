//! The demo's 一件事一次办 bundles, made of its catalogue's items: opening a restaurant, opening
//! a company, a baby's birth, and the four stages of a construction project; and a project
//! registered on that path with its first stage started.

use anyhow::Context;
use onewindow_domain::case::Actor;
use onewindow_domain::ids::AccountId;
use onewindow_domain::joint::project::{AgentInput, MeetingInput, ProjectInput, StagePlan};
use onewindow_domain::joint::{BundleInput, FieldMapping};
use onewindow_store::Store;

/// (name, description, items with the leading one first).
const BUNDLES: [(&str, &str, &[&str]); 7] = [
    (
        "开办餐饮店",
        "个体餐饮店开业所需的营业执照、食品经营许可和消防安全检查，一次申请、并联审批。",
        &[
            "个体工商户设立登记",
            "食品经营许可",
            "公众聚集场所投入使用、营业前消防安全检查",
        ],
    ),
    (
        "开办企业",
        "有限责任公司设立登记，同时办理新办纳税人套餐、发票领用和社会保险登记。",
        &[
            "有限责任公司设立登记",
            "纳税人信息确认（新办纳税人套餐）",
            "发票领用",
            "社会保险登记",
        ],
    ),
    (
        "新生儿出生",
        "出生医学证明、户口登记和社会保障卡，一次申请。",
        &["出生医学证明首次签发", "出生登记", "社会保障卡申领"],
    ),
    (
        "立项用地规划许可",
        "工程建设项目第一阶段：用地预审与选址、建设用地规划许可、环境影响评价。",
        &[
            "建设用地规划许可证核发",
            "建设项目用地预审与选址意见书",
            "建设项目环境影响报告表审批",
        ],
    ),
    (
        "工程建设许可",
        "工程建设项目第二阶段：建设工程规划许可与建筑垃圾处置核准。",
        &["建设工程规划许可证核发", "城市建筑垃圾处置核准"],
    ),
    (
        "施工许可",
        "工程建设项目第三阶段：施工许可与质量监督注册。",
        &["建筑工程施工许可证核发", "房屋建筑工程质量监督注册"],
    ),
    (
        "竣工验收",
        "工程建设项目第四阶段：竣工验收备案与消防安全检查。",
        &[
            "建设工程竣工验收备案",
            "公众聚集场所投入使用、营业前消防安全检查",
        ],
    ),
];

/// Fields of one item that mean what another item's field means, asked once in the bundle's
/// merged form: (bundle, item, the item's field, the merged form's key). Fields with the same
/// key (经营场所 `premises`) are merged without a line here.
const FIELD_MAP: [(&str, &str, &str, &str); 3] = [
    ("开办餐饮店", "食品经营许可", "operator_name", "trade_name"),
    ("开办企业", "社会保险登记", "unit_name", "company_name"),
    ("开办企业", "社会保险登记", "unit_address", "domicile"),
];

/// The construction path: each stage the bundle of the same name.
const STAGES: [&str; 4] = ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"];

pub(super) async fn demo_bundles(store: &Store, by: AccountId) -> anyhow::Result<()> {
    let items = store.catalog().list_items(&Default::default()).await?;
    for (name, description, names) in BUNDLES {
        let item_ids = names
            .iter()
            .map(|n| {
                items
                    .iter()
                    .find(|i| i.name == *n)
                    .map(|i| i.id)
                    .with_context(|| format!("demo bundle item {n}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let field_map = FIELD_MAP
            .iter()
            .filter(|(bundle, ..)| *bundle == name)
            .map(|(_, item, field, to)| {
                let item_id = items
                    .iter()
                    .find(|i| i.name == *item)
                    .map(|i| i.id)
                    .with_context(|| format!("demo mapping item {item}"))?;
                Ok(FieldMapping {
                    item_id,
                    field: (*field).into(),
                    to: (*to).into(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store
            .joint()
            .create_bundle(
                &BundleInput {
                    name: name.into(),
                    description: description.into(),
                    item_ids,
                    field_map,
                },
                by,
            )
            .await
            .with_context(|| format!("demo bundle {name}"))?;
    }
    let bundles = store.joint().bundles(true).await?;
    let plan = STAGES
        .iter()
        .map(|name| {
            bundles
                .iter()
                .find(|b| b.name == *name)
                .map(|b| StagePlan {
                    name: (*name).to_owned(),
                    bundle_id: b.id,
                })
                .with_context(|| format!("demo stage {name}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    store.joint().set_stage_plan(&plan, by).await?;
    Ok(())
}

/// A construction project on the path, its first stage started by the comprehensive window.
pub(super) async fn demo_project(
    store: &Store,
    agent: &Actor,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use chrono::Datelike;
    let project = store
        .joint()
        .create_project(
            &ProjectInput {
                code: format!("{}-371302-70-03-000123", today.year()),
                name: "临沂国际商贸城二期".into(),
                investor: "临沂市沂蒙建设集团有限公司".into(),
                investor_code: super::credit_code("91", "371300", "MA3CX7K2"),
                location: "兰山区北城新区".into(),
                investment: "51480.50".into(),
                industry: "房地产业".into(),
            },
            today,
            agent.account_id,
        )
        .await?;
    let stage = store
        .joint()
        .case_item(plan_bundle(store, 0).await?, &project.investor_code)
        .await?;
    let materials: Vec<String> = stage
        .materials
        .iter()
        .filter(|m| m.required)
        .map(|m| m.name.clone())
        .collect();
    // 代办 under the investor's letter, and the planning consultation held on it.
    let staff = agent.staff_id.context("demo agent")?;
    store
        .joint()
        .assign_agent(
            project.id,
            &AgentInput {
                staff_id: staff,
                authorisation: "委托书 YM-2026-018：立项至竣工验收全部审批阶段".into(),
                valid_until: (today + chrono::Duration::days(365)).to_string(),
            },
            today,
            agent.account_id,
        )
        .await?;
    let departments = store.org().list_departments(None).await?;
    let invited: Vec<_> = departments
        .iter()
        .filter(|d| ["自然资源", "住建", "生态环境", "消防救援"].contains(&d.short_name.as_str()))
        .map(|d| d.id)
        .collect();
    store
        .joint()
        .record_meeting(
            project.id,
            &MeetingInput {
                held_on: today.to_string(),
                topic: "二期用地规划与环评方案会商".into(),
                attended: invited.clone(),
                invited,
                minutes:
                    "自然资源、住建、生态环境、消防救援四部门对用地规划和环评方案逐项提出意见。"
                        .into(),
                decisions: "用地规划按修改后的总平面图办理；环评与规划许可并联审查。".into(),
            },
            today,
            agent.account_id,
        )
        .await?;
    store
        .joint()
        .start_stage(project.id, 1, &materials, agent, today)
        .await?;
    Ok(())
}

async fn plan_bundle(
    store: &Store,
    stage: usize,
) -> anyhow::Result<onewindow_domain::ids::BundleId> {
    store
        .joint()
        .stage_plan()
        .await?
        .get(stage)
        .map(|s| s.bundle_id)
        .context("demo stage")
}

/// 张伟's draft of 开办餐饮店 sent to online joint pre-review: one department has asked for a
/// correction, the others have yet to answer (staff see it at /work/prereviews, 张伟 on his
/// application page once every department has answered or the deadline passed).
pub(super) async fn demo_prereview(
    store: &Store,
    person: AccountId,
    staff: &[onewindow_store::org::Staff],
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use onewindow_domain::hall::{DeliveryMethod, DraftContent};
    use onewindow_domain::joint::prereview::{OpinionInput, Verdict};
    let bundles = store.joint().bundles(true).await?;
    let bundle = bundles
        .iter()
        .find(|b| b.name == "开办餐饮店")
        .context("the demo restaurant bundle")?;
    let app = store.hall().start_bundle(person, bundle.id).await?;
    let mut content = DraftContent::default();
    for (key, value) in [
        ("trade_name", "伟记小吃店"),
        ("form_of_composition", "个人经营"),
        ("business_scope", "餐饮服务（热食类食品制售）"),
        ("premises", "临沂市兰山区金雀山路 18 号"),
        ("capital", "50000"),
        ("employees", "3"),
        ("main_business", "餐饮服务经营者"),
        ("catering_kind", "热食类食品制售"),
        ("area", "45"),
        ("internet_sales", "否"),
    ] {
        content.answers.insert(key.into(), value.into());
    }
    content.delivery.method = Some(DeliveryMethod::Pickup);
    store.hall().save(person, app.id, &content, None).await?;
    let cal = store.calendar().calendar_for("").await?;
    let round = store
        .joint()
        .request_prereview(person, app.id, today, &cal)
        .await?;
    let lead = round
        .opinions
        .first()
        .context("the pre-review's departments")?
        .department_id;
    let reviewer = staff
        .iter()
        .find(|s| s.department_id == Some(lead) && s.roles.iter().any(|r| r == "reviewer"))
        .context("a reviewer of the restaurant bundle's leading department")?;
    store
        .joint()
        .answer_prereview(
            round.id,
            lead,
            &OpinionInput {
                verdict: Some(Verdict::Correct),
                comment: "经营范围请按《国民经济行业分类》写作“正餐服务”或“快餐服务”；资金数额与租赁合同所载不一致，请核对。"
                    .into(),
            },
            reviewer.account_id,
            &reviewer.name,
        )
        .await?;
    Ok(())
}
