//! Demo data for `onewindow demo`: a city government service centre modelled on the Linyi
//! centre described in the seed reports (floors 1–2 便民服务, 3 审批+税务, 4 中介, 5 交易),
//! its departments with valid credit codes, windows, staff for every role and two applicants.

mod bundles;
mod cases;
pub mod catalog;
#[cfg(test)]
mod relevance;
mod reviews;
mod trading;

use anyhow::Context;
use onewindow_domain::case::Actor;
use onewindow_domain::ids::{CentreId, credit_check_char, resident_check_char};
use onewindow_domain::org::{Power, Role};
use onewindow_store::Store;
use onewindow_store::accounts::{CompanyRegistration, IndividualRegistration};
use onewindow_store::org::*;

/// The password every demo account gets.
const DEMO_PASSWORD: &str = "demo2026";

/// A unified social credit code with valid GB 11714 (organisation code) and GB 32100 checks.
pub fn credit_code(prefix: &str, division: &str, org8: &str) -> String {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = org8
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
    let body = format!("{prefix}{division}{org8}{org_check}");
    let chars: Vec<char> = body.chars().collect();
    format!("{body}{}", credit_check_char(&chars))
}

fn resident_id(first17: &str) -> String {
    let chars: Vec<char> = first17.chars().collect();
    format!("{first17}{}", resident_check_char(&chars))
}

pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("临沂市行政审批服务局", "行政审批"),
    ("临沂市市场监督管理局", "市场监管"),
    ("临沂市公安局", "公安"),
    ("临沂市住房和城乡建设局", "住建"),
    ("临沂市自然资源和规划局", "自然资源"),
    ("临沂市人力资源和社会保障局", "人社"),
    ("临沂市民政局", "民政"),
    ("临沂市卫生健康委员会", "卫健"),
    ("国家税务总局临沂市税务局", "税务"),
    ("临沂市交通运输局", "交通运输"),
    ("临沂市生态环境局", "生态环境"),
    ("临沂市消防救援支队", "消防救援"),
    ("临沂市教育局", "教育"),
    ("临沂市文化和旅游局", "文旅"),
    ("临沂市农业农村局", "农业农村"),
    ("临沂市不动产登记中心", "不动产登记"),
    ("临沂市医疗保障局", "医保"),
    ("临沂市住房公积金管理中心", "公积金"),
];

/// The demo departments of a centre, with valid credit codes and phone numbers.
pub fn department_inputs(centre_id: CentreId) -> Vec<DepartmentInput> {
    DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, (name, short))| DepartmentInput {
            centre_id,
            name: (*name).into(),
            short_name: (*short).into(),
            credit_code: credit_code("11", "371300", &format!("0043{:04}", 1021 + i * 37)),
            phone: format!("0539-87{:05}", 10001 + i * 11),
        })
        .collect()
}

/// (name, floor, description, zones as (name, purpose)).
type HallSeed = (
    &'static str,
    i64,
    &'static str,
    &'static [(&'static str, &'static str)],
);
/// (login, name, mobile, department short name, roles, description).
type PersonSeed = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    &'static str,
);

/// Loads the demo organisation into an empty database. Returns the demo logins as
/// (login, password, description); empty when the database already had data.
pub async fn load(
    store: &Store,
    today: chrono::NaiveDate,
    data_dir: &std::path::Path,
) -> anyhow::Result<Vec<(String, String, String)>> {
    if !store.org().list_centres().await?.is_empty() {
        return Ok(Vec::new());
    }
    let region = |code: &str, name: &str, level: i64, parent: Option<&str>| RegionInput {
        code: code.into(),
        name: name.into(),
        level,
        parent_code: parent.map(str::to_owned),
    };
    store
        .org()
        .create_region(&region("370000000000", "山东省", 2, None))
        .await?;
    store
        .org()
        .create_region(&region("371300000000", "临沂市", 3, Some("370000000000")))
        .await?;
    store
        .org()
        .create_region(&region("371302000000", "兰山区", 4, Some("371300000000")))
        .await?;
    store
        .org()
        .create_region(&region("371311000000", "罗庄区", 4, Some("371300000000")))
        .await?;
    store
        .org()
        .create_region(&region("371312000000", "河东区", 4, Some("371300000000")))
        .await?;

    let centre = store
        .org()
        .create_centre(&CentreInput {
            name: "临沂市政务服务中心".into(),
            kind: "main".into(),
            region_code: "371300000000".into(),
            parent_centre_id: None,
            address: "山东省临沂市北城新区北京路与沂河路交汇处".into(),
            phone: "0539-12345".into(),
            hours: "周一至周五 9:00-12:00，13:30-17:00（周六上午提供延时预约服务）".into(),
        })
        .await?;
    store
        .org()
        .create_centre(&CentreInput {
            name: "临沂市公安交警分中心".into(),
            kind: "sub".into(),
            region_code: "371300000000".into(),
            parent_centre_id: Some(centre.id),
            address: "临沂市兰山区通达路交警支队车管所".into(),
            phone: "0539-12345".into(),
            hours: "周一至周日 8:30-17:30".into(),
        })
        .await?;

    let halls: &[HallSeed] = &[
        (
            "便民服务大厅",
            1,
            "个人事项集中办理，设导办台和自助服务区",
            &[
                ("综合受理区", "一窗受理，无差别综合窗口"),
                ("社保医保区", "社会保险、医疗保障、公积金"),
                ("不动产登记区", "不动产登记、交易、缴税一窗办理"),
                ("自助服务区", "24 小时自助终端"),
            ],
        ),
        (
            "便民服务二厅",
            2,
            "户政、出入境、民政事项",
            &[
                ("公安服务区", "户籍、身份证、出入境"),
                ("民政服务区", "婚姻登记、社会救助"),
            ],
        ),
        (
            "行政审批大厅",
            3,
            "企业开办、工程建设项目审批、税务",
            &[
                ("企业开办区", "营业执照、刻章、发票一次办结"),
                ("工程建设审批区", "并联审批、联合验收"),
                ("税务服务区", "申报纳税、发票领用"),
            ],
        ),
        (
            "中介服务大厅",
            4,
            "中介超市与代办服务",
            &[("中介服务区", "测绘、评估、设计等中介服务")],
        ),
        (
            "公共资源交易大厅",
            5,
            "开标、评标、拍卖",
            &[("开标区", "开标室 6 间"), ("评标区", "封闭评标室")],
        ),
    ];
    let mut zone_ids = Vec::new();
    let mut approval_hall = None;
    for (name, floor, description, zones) in halls {
        let hall = store
            .org()
            .create_hall(
                centre.id,
                &HallInput {
                    name: (*name).into(),
                    floor: *floor,
                    description: (*description).into(),
                },
            )
            .await?;
        for (zone, purpose) in *zones {
            let z = store
                .org()
                .create_zone(
                    hall.id,
                    &ZoneInput {
                        name: (*zone).into(),
                        purpose: (*purpose).into(),
                    },
                )
                .await?;
            zone_ids.push(((*zone).to_owned(), z.id));
        }
        if *name == "行政审批大厅" {
            approval_hall = Some(hall.id);
        }
    }
    let zone = |name: &str| zone_ids.iter().find(|(z, _)| z == name).map(|(_, id)| *id);

    let mut depts = Vec::new();
    for input in department_inputs(centre.id) {
        let d = store
            .org()
            .create_department(&input)
            .await
            .with_context(|| format!("demo department {}", input.name))?;
        depts.push(d);
    }
    let dept = |short: &str| depts.iter().find(|d| d.short_name == short).map(|d| d.id);

    for n in 1..=6 {
        store
            .org()
            .create_window(&WindowInput {
                centre_id: centre.id,
                number: format!("Z{n:02}"),
                name: format!("综合受理 {n} 号窗口"),
                department_id: None,
                zone_id: zone("综合受理区"),
                is_open: n <= 5,
            })
            .await?;
    }
    let dept_windows: &[(&str, &str, &str)] = &[
        ("A01", "市场监管", "企业开办区"),
        ("A02", "市场监管", "企业开办区"),
        ("A03", "税务", "税务服务区"),
        ("A04", "行政审批", "企业开办区"),
        ("B01", "住建", "工程建设审批区"),
        ("B02", "自然资源", "工程建设审批区"),
        ("B03", "生态环境", "工程建设审批区"),
        ("B04", "消防救援", "工程建设审批区"),
        ("C01", "公安", "公安服务区"),
        ("C02", "公安", "公安服务区"),
        ("C03", "民政", "民政服务区"),
        ("D01", "人社", "社保医保区"),
        ("D02", "医保", "社保医保区"),
        ("D03", "公积金", "社保医保区"),
        ("E01", "不动产登记", "不动产登记区"),
        ("E02", "不动产登记", "不动产登记区"),
        ("F01", "卫健", "企业开办区"),
        ("F02", "交通运输", "企业开办区"),
        ("F03", "教育", "企业开办区"),
        ("F04", "文旅", "企业开办区"),
        ("F05", "农业农村", "企业开办区"),
    ];
    for (number, short, zone_name) in dept_windows {
        let d = depts
            .iter()
            .find(|d| d.short_name == *short)
            .context("demo department")?;
        store
            .org()
            .create_window(&WindowInput {
                centre_id: centre.id,
                number: (*number).into(),
                name: format!("{}窗口", d.short_name),
                department_id: Some(d.id),
                zone_id: zone(zone_name),
                is_open: true,
            })
            .await?;
    }

    let people: &[PersonSeed] = &[
        (
            "admin",
            "赵文静",
            "13905390001",
            None,
            &["centre_admin"],
            "中心管理员",
        ),
        (
            "jiancha",
            "钱立诚",
            "13905390002",
            None,
            &["supervisor"],
            "电子监察",
        ),
        (
            "shouxi",
            "孙建国",
            "13905390003",
            Some("市场监管"),
            &["chief_representative", "approver"],
            "首席代表（市场监管）",
        ),
        (
            "shenpi",
            "李明远",
            "13905390004",
            Some("市场监管"),
            &["approver"],
            "审批人（市场监管）",
        ),
        (
            "shenhe",
            "周晓燕",
            "13905390005",
            Some("市场监管"),
            &["reviewer"],
            "审核人（市场监管）",
        ),
        (
            "chuangkou",
            "吴佳怡",
            "13905390006",
            Some("市场监管"),
            &["clerk"],
            "窗口人员（市场监管）",
        ),
        (
            "zonghe",
            "郑海波",
            "13905390007",
            None,
            &["clerk"],
            "综合窗口人员",
        ),
        (
            "zhujian",
            "王振华",
            "13905390008",
            Some("住建"),
            &["chief_representative", "reviewer"],
            "首席代表（住建）",
        ),
        (
            "jianshe",
            "刘建设",
            "13905390010",
            Some("住建"),
            &["clerk", "approver"],
            "窗口人员兼审批人（住建，并联审批牵头）",
        ),
        (
            "xiaofang",
            "马卫东",
            "13905390011",
            Some("消防救援"),
            &["reviewer", "approver"],
            "会办审查、会签（消防救援）",
        ),
        (
            "guihua",
            "陈思远",
            "13905390012",
            Some("自然资源"),
            &["reviewer", "approver"],
            "会办审查、会签（自然资源）",
        ),
        (
            "budongchan",
            "冯丽娟",
            "13905390009",
            Some("不动产登记"),
            &["clerk", "reviewer"],
            "窗口人员（不动产登记）",
        ),
    ];
    let mut logins = Vec::new();
    let mut created = Vec::new();
    for (login, name, mobile, short, roles, description) in people {
        let staff = store
            .org()
            .create_staff(&NewStaff {
                staff: StaffInput {
                    centre_id: Some(centre.id),
                    department_id: short.and_then(dept),
                    name: (*name).into(),
                    mobile: (*mobile).into(),
                    roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                    backup_staff_id: None,
                },
                login: (*login).into(),
                password: DEMO_PASSWORD.into(),
            })
            .await
            .with_context(|| format!("demo staff {login}"))?;
        logins.push((
            (*login).to_owned(),
            DEMO_PASSWORD.to_owned(),
            (*description).to_owned(),
        ));
        created.push(staff);
    }
    let by_login = |login: &str| {
        created
            .iter()
            .find(|s| s.login == login)
            .context("demo staff")
    };
    let admin = by_login("admin")?.account_id;
    // Appointments: the approval hall serves through lunch (午间不休, as Linyi does); the
    // others keep the default hours with a lunch break.
    if let Some(hall) = approval_hall {
        let through_lunch = onewindow_domain::hall::booking::Schedule {
            sessions: onewindow_domain::hall::booking::Schedule::parse_sessions("08:30-17:30")
                .map_err(|e| anyhow::anyhow!(e))?,
            slot_minutes: 30,
            per_window: 2,
        };
        store
            .hall()
            .set_schedule(hall, &through_lunch, admin)
            .await?;
    }
    for login in ["shouxi", "zhujian"] {
        let chief = by_login(login)?;
        for power in Power::ALL {
            store.org().grant_power(chief.id, *power, admin).await?;
        }
    }
    // Seats (座席): the window clerks at their departments' windows.
    let windows = store.org().list_windows(Some(centre.id), None).await?;
    for login in ["chuangkou", "budongchan"] {
        let clerk = by_login(login)?;
        if let Some(w) = windows
            .iter()
            .find(|w| w.department_id.is_some() && w.department_id == clerk.department_id)
        {
            store
                .supervision()
                .seat_staff(clerk.id, Some(w.id), admin)
                .await?;
        }
    }
    // A/B posts: the reviewer backs up the clerk, the approver backs up the chief.
    for (a, b) in [("chuangkou", "shenhe"), ("shouxi", "shenpi")] {
        let a = by_login(a)?;
        let b = by_login(b)?;
        store
            .org()
            .update_staff(
                a.id,
                &StaffInput {
                    centre_id: a.centre_id,
                    department_id: a.department_id,
                    name: a.name.clone(),
                    mobile: a.mobile.clone(),
                    roles: a.roles.clone(),
                    backup_staff_id: Some(b.id),
                },
            )
            .await?;
    }

    let windows = store.org().list_windows(Some(centre.id), None).await?;
    let items = crate::demo::catalog::items(&depts, &windows, &centre.hours)?;
    store
        .catalog()
        .import_items(items, admin)
        .await
        .map_err(|e| anyhow::anyhow!("demo catalogue: {e:?}"))?;
    for (term, expansions) in crate::demo::catalog::search_terms() {
        store.catalog().set_synonym(&term, &expansions).await?;
    }

    let person_id = resident_id("37130219900307241");
    let person = store
        .accounts()
        .register_individual(
            &IndividualRegistration {
                name: "张伟".into(),
                resident_id: person_id.clone(),
                mobile: "13805391234".into(),
                password: DEMO_PASSWORD.into(),
            },
            None,
        )
        .await?;
    logins.push((
        person_id.clone(),
        DEMO_PASSWORD.to_owned(),
        "个人申请人 张伟".to_owned(),
    ));
    let company_code = credit_code("91", "371302", "MA3C7Q5K");
    let company = store
        .accounts()
        .register_company(
            &CompanyRegistration {
                name: "临沂沂蒙云商贸有限公司".into(),
                credit_code: company_code.clone(),
                legal_representative: "刘芳".into(),
                mobile: "13805395678".into(),
                password: DEMO_PASSWORD.into(),
            },
            None,
        )
        .await?;
    logins.push((
        company_code,
        DEMO_PASSWORD.to_owned(),
        "企业申请人 临沂沂蒙云商贸有限公司".to_owned(),
    ));
    bundles::demo_bundles(store, admin).await?;
    if let Err(e) = cases::demo_cases(store, &created, today).await {
        // Outside the calendar's years, say, the centre still runs; it starts without cases.
        eprintln!("演示办件未载入：{e}");
    }
    bundles::demo_project(store, &actor_of(by_login("zonghe")?, false), today).await?;
    demo_reports(store, by_login("budongchan")?, today).await?;
    bundles::demo_prereview(store, person.id, &created, today).await?;
    match reviews::demo_reviews(store, &created, &person_id, today).await {
        Ok(tablet) if !tablet.is_empty() => logins.push((
            tablet,
            "—".to_owned(),
            "市场监管窗口的评价器（在窗口平板上打开，无需登录）".to_owned(),
        )),
        Ok(_) => {}
        Err(e) => eprintln!("演示评价未载入：{e}"),
    }
    let blobs = onewindow_store::blobs::BlobStore::new(data_dir.join("files"));
    let key =
        onewindow_store::case::checkpoints::AuditKey::load_or_create(&data_dir.join("audit-key"))?;
    trading::demo_trading(
        store,
        centre.id,
        &blobs,
        &key,
        company.id,
        today,
        &mut logins,
    )
    .await
    .context("demo trading")?;
    Ok(logins)
}

/// The real-estate registry's own system (不动产登记系统) reports four cases: one handled
/// properly, one result with no acceptance, one concluded the day before it was accepted and
/// one refusal without reasons — the 体外循环 signals supervision looks for.
async fn demo_reports(
    store: &Store,
    clerk: &Staff,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use onewindow_domain::exchange::{AcceptRecord, ProcessRecord, Report, ResultRecord};
    let department = clerk
        .department_id
        .context("the registry clerk's department")?;
    let at = |days: i64, time: &str| format!("{} {time}", today - chrono::Duration::days(days));
    let accept = |no: &str, accepted: String| AcceptRecord {
        row_guid: format!("{no}-A"),
        project_no: no.into(),
        task_code: "BDC000101".into(),
        task_name: "国有建设用地使用权及房屋所有权转移登记".into(),
        project_type: "2".into(),
        applyer_name: "王建国".into(),
        applyer_type: "1".into(),
        applyer_page_code: resident_id("37130219851102331"),
        apply_date: at(9, "08:40:00"),
        apply_type: "1".into(),
        handle_user_name: clerk.name.clone(),
        accept_date: accepted,
        promise_date: None,
    };
    let result = |no: &str, kind: &str, date: String, explain: &str| ResultRecord {
        row_guid: format!("{no}-R"),
        project_no: no.into(),
        result_date: date,
        result_type: kind.into(),
        result_explain: explain.into(),
        result_cetr_name: if kind == "1" {
            "不动产权证书".into()
        } else {
            String::new()
        },
        is_delivery_results: "0".into(),
        handle_user_name: clerk.name.clone(),
        ..Default::default()
    };
    let report = Report {
        accept: vec![
            accept("BDC2026110001", at(8, "09:10:00")),
            accept("BDC2026110003", at(5, "10:00:00")),
        ],
        process: vec![ProcessRecord {
            row_guid: "BDC2026110001-P1".into(),
            project_no: "BDC2026110001".into(),
            process_name: "登簿".into(),
            event_name: "1".into(),
            event_start_time: at(7, "09:00:00"),
            event_end_time: at(6, "15:30:00"),
            handle_user_name: clerk.name.clone(),
            handle_explain: "权属清楚，准予登簿".into(),
        }],
        result: vec![
            result("BDC2026110001", "1", at(6, "16:00:00"), "准予登记"),
            result("BDC2026110002", "1", at(4, "11:20:00"), "准予登记"),
            result("BDC2026110003", "1", at(6, "14:00:00"), "准予登记"),
            result("BDC2026110004", "3", at(3, "09:30:00"), ""),
        ],
    };
    store
        .supervision()
        .report_cases(department, clerk.account_id, report, today)
        .await
        .map_err(|e| anyhow::anyhow!("demo reports: {e:?}"))?;
    Ok(())
}

/// The case aggregate's view of a demo staff member.
fn actor_of(staff: &Staff, powers: bool) -> Actor {
    let roles: Vec<Role> = staff.roles.iter().filter_map(|r| r.parse().ok()).collect();
    let actor = Actor::staff(staff.account_id, staff.id, &roles, staff.department_id);
    if powers {
        actor.with_powers(Power::ALL)
    } else {
        actor
    }
}

/// `n` working days before `today` (today itself when it is not a working day counts as 0).
fn working_days_before(
    cal: &onewindow_domain::calendar::WorkCalendar,
    today: chrono::NaiveDate,
    n: u32,
) -> anyhow::Result<chrono::NaiveDate> {
    let mut day = today;
    let mut left = n;
    while left > 0 {
        day -= chrono::Duration::days(1);
        if cal.is_workday(day)? {
            left -= 1;
        }
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use onewindow_domain::ids::{CreditCode, ResidentId};

    #[tokio::test]
    async fn the_whole_demo_loads_and_is_searchable() {
        let db = onewindow_store::testing::TestDb::create(onewindow_store::Backend::Sqlite).await;
        let store = db.store().await;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let data = std::env::temp_dir().join(format!("onewindow-demo-{}", std::process::id()));
        let logins = load(&store, today, &data).await.unwrap();
        assert!(logins.iter().any(|(l, _, _)| l == "admin"));
        let items = store
            .catalog()
            .list_items(&Default::default())
            .await
            .unwrap();
        assert!(items.len() >= 120, "{} items", items.len());
        assert!(
            items
                .iter()
                .all(|i| i.status == onewindow_domain::catalog::ItemStatus::Active)
        );
        let departments: std::collections::HashSet<onewindow_domain::ids::DepartmentId> =
            items.iter().map(|i| i.department_id).collect();
        assert!(departments.len() >= 15);
        let search = onewindow_store::search::SearchFilter::default();
        assert!(
            store
                .search()
                .search("营业执照", &search, 10)
                .unwrap()
                .total
                > 5
        );
        // The everyday word finds both of its items first (setting up and closing down).
        let r = store.search().search("个体户", &search, 10).unwrap();
        let first_two: Vec<&str> = r.hits.iter().take(2).map(|h| h.name.as_str()).collect();
        assert!(
            first_two.contains(&"个体工商户设立登记") && first_two.contains(&"个体工商户注销登记"),
            "{first_two:?}"
        );
        // Loading again leaves an existing database alone.
        let (cases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(cases, 12, "demo cases at every stage");
        // 好差评: a good review, a bad one waiting for its callback, a tablet at the window.
        let reviews = store
            .reviews()
            .list(&onewindow_store::reviews::ReviewFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(reviews.len(), 2);
        assert!(
            reviews
                .iter()
                .any(|r| r.handling.as_ref().is_some_and(|h| h.state == "callback"))
        );
        assert!(logins.iter().any(|(l, _, _)| l.starts_with("/tablet/")));
        let complaints = store
            .reviews()
            .complaints(&onewindow_store::reviews::complaints::ComplaintFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(complaints[0].state, "received");
        let hotline = store
            .reviews()
            .hotline_figures("2026-11-01", "2026-11-30")
            .await
            .unwrap();
        assert_eq!(hotline.iter().map(|f| f.calls).sum::<i64>(), 6);
        // 一件事 bundles, and a construction project with its first stage under way.
        assert_eq!(store.joint().bundles(true).await.unwrap().len(), 7);
        let projects = store.joint().projects().await.unwrap();
        assert_eq!(projects.len(), 1);
        assert_eq!(projects[0].stages.len(), 4);
        assert_eq!(projects[0].stages[0].status, "running");
        let food_department = items
            .iter()
            .find(|i| i.name == "食品经营许可")
            .unwrap()
            .department_id;
        let pledges = store
            .cases()
            .pledges_to_verify(food_department, 10)
            .await
            .unwrap();
        assert_eq!(pledges.len(), 1, "the pledge case waits for verification");
        let reported = store.supervision().reported_cases(None, 10).await.unwrap();
        assert_eq!(reported.len(), 4);
        let findings = store.supervision().findings(true, 100).await.unwrap();
        for rule in [
            "result_without_case",
            "decision_before_acceptance",
            "refused_without_reasons",
        ] {
            assert!(findings.iter().any(|f| f.rule_code == rule), "{rule}");
        }
        assert!(store.cases().verify_case_log().await.unwrap().is_empty());
        // 公共资源交易: the land listing ended in a timed round and was awarded; the demo's
        // OCDS release package and record package validate.
        let t = store.trading();
        let listing = t
            .projects(100)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.code == "LYTD-2026-09")
            .unwrap();
        let lot = t.lots(listing.id).await.unwrap().remove(0);
        let auction = t.auction(lot.id, onewindow_store::now_ms()).await.unwrap();
        assert!(auction.offers.len() > 3 && auction.winner.is_some());
        let publication = onewindow_store::trading::ocds::Publication {
            prefix: "ocds-onewin".into(),
            base_url: "http://127.0.0.1:8080".into(),
        };
        for (kind, records) in [
            (onewindow_store::trading::ocds::Package::Releases, false),
            (onewindow_store::trading::ocds::Package::Records, true),
        ] {
            let path = data.join(format!("ocds-{records}.json"));
            let n = t
                .write_ocds(
                    &publication,
                    kind,
                    "http://127.0.0.1:8080/api/v1/trading/ocds/releases",
                    onewindow_store::now_ms(),
                    std::fs::File::create(&path).unwrap(),
                )
                .await
                .unwrap();
            assert!(n >= 4, "{n}");
            onewindow_store::testing::validate_ocds(&path, records).unwrap();
        }
        assert!(load(&store, today, &data).await.unwrap().is_empty());
        store.close().await;
        db.cleanup().await;
    }

    #[test]
    fn generated_codes_are_valid() {
        for d in department_inputs(CentreId(1)) {
            assert!(
                CreditCode::parse(&d.credit_code).is_ok(),
                "{}",
                d.credit_code
            );
        }
        assert!(CreditCode::parse(&credit_code("91", "371302", "MA3C7Q5K")).is_ok());
        assert!(ResidentId::parse(&resident_id("37130219900307241")).is_ok());
    }
}
