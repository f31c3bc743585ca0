//! The demo's 公共资源交易: the trading centre's clerk and three opening officials, an expert
//! pool, a construction tender run through the store's own commands from its announcement 40
//! days ago to the opening and a verified expert draw with a decline, and a procurement lot open
//! for bids today that the demo company may register and bid for; two land listings, one ended
//! in a timed round and one in its listing now.

use chrono::{Duration, NaiveDate};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::{AccountId, CentreId, StaffId};
use onewindow_domain::trading::evaluation::{Criteria, Item};
use onewindow_store::Store;
use onewindow_store::accounts::CompanyRegistration;
use onewindow_store::blobs::BlobStore;
use onewindow_store::case::checkpoints::AuditKey;
use onewindow_store::org::{NewStaff, StaffInput};
use onewindow_store::trading::{Clarification, ExpertInput, LotInput, ProjectInput, PublishInput};

use super::{DEMO_PASSWORD, credit_code};

/// Each official's demo opening passphrase: `开标口令-` and their login.
fn passphrase(login: &str) -> String {
    format!("开标口令-{login}")
}

/// Milliseconds of a Beijing date and time.
fn at(day: NaiveDate, h: u32, m: u32) -> i64 {
    onewindow_store::utc_ms(day.and_hms_opt(h, m, 0).unwrap_or_default())
}

pub async fn demo_trading(
    store: &Store,
    centre: CentreId,
    blobs: &BlobStore,
    key: &AuditKey,
    demo_company: AccountId,
    today: NaiveDate,
    logins: &mut Vec<(String, String, String)>,
) -> anyhow::Result<()> {
    let t = store.trading();
    let mut staff: Vec<(StaffId, AccountId, String)> = Vec::new();
    for (login, name, mobile, what) in [
        (
            "jiaoyi",
            "周敏",
            "13805397001",
            "交易中心工作人员（项目、公告、开标、抽取）",
        ),
        (
            "kaibiao1",
            "孙立",
            "13805397002",
            "开标人 1（开标口令：开标口令-kaibiao1）",
        ),
        (
            "kaibiao2",
            "钱进",
            "13805397003",
            "开标人 2（开标口令：开标口令-kaibiao2）",
        ),
        (
            "kaibiao3",
            "吴桐",
            "13805397004",
            "开标人 3（开标口令：开标口令-kaibiao3）",
        ),
    ] {
        let s = store
            .org()
            .create_staff(&NewStaff {
                staff: StaffInput {
                    centre_id: Some(centre),
                    department_id: None,
                    name: name.into(),
                    mobile: mobile.into(),
                    roles: vec!["trading_officer".into()],
                    backup_staff_id: None,
                },
                login: login.into(),
                password: DEMO_PASSWORD.into(),
            })
            .await?;
        if login != "jiaoyi" {
            t.set_opening_key(s.id, &passphrase(login)).await?;
        }
        logins.push((login.into(), DEMO_PASSWORD.into(), what.into()));
        staff.push((s.id, s.account_id, login.into()));
    }
    let by = staff[0].1;
    let officials: Vec<StaffId> = staff[1..].iter().map(|s| s.0).collect();
    let cal = WorkCalendar::official()?;
    let docs = blobs.put(
        "招标文件.pdf",
        b"%PDF-1.4\n% OneWindow demo tender documents\n",
    )?;

    // A construction tender from 40 days ago to its opening 14 days ago.
    let owner = credit_code("12", "371302", "49313010");
    let project = t
        .create_project(
            &ProjectInput {
                code: "LSJS-2026-0918".into(),
                name: "兰山区第一实验小学教学楼改造工程".into(),
                sector: "construction".into(),
                method: "open_tender".into(),
                owner_name: "临沂市兰山区教育和体育局".into(),
                owner_credit_code: owner.clone(),
                agency_name: Some("山东正信招标咨询有限公司".into()),
                agency_credit_code: Some(credit_code("91", "371302", "MA3D2L7X")),
                budget: "12800000".into(),
                funding_source: "区级财政资金".into(),
                lots: vec![LotInput {
                    name: "施工标段".into(),
                    budget: "12800000".into(),
                }],
            },
            by,
        )
        .await?;
    let lot = t.lots(project.id).await?.remove(0);
    let issued = today - Duration::days(40);
    let deadline = at(today - Duration::days(14), 9, 30);
    t.publish_lot(
        lot.id,
        &PublishInput {
            title: "兰山区第一实验小学教学楼改造工程施工招标公告".into(),
            body: "招标范围：教学楼主体加固、外立面及水电改造。\n资格要求：建筑工程施工总承包三级及以上资质，近三年无重大安全事故。\n投标人须在线报名后下载招标文件，投标文件在线递交，到达即加密。".into(),
            docs: ("招标文件.pdf".into(), docs.clone()),
            docs_issued_on: issued,
            bid_deadline: chrono::DateTime::from_timestamp_millis(deadline).unwrap_or_default(),
            opening_at: chrono::DateTime::from_timestamp_millis(deadline).unwrap_or_default(),
            officials: officials.clone(),
            threshold: 2,
        },
        &cal,
        by,
        at(issued, 9, 0),
    )
    .await?;
    // A change 20 days before the deadline: early enough, the deadline stays.
    t.clarify(
        lot.id,
        &Clarification {
            title: "兰山区第一实验小学教学楼改造工程施工招标澄清更正公告（一）".into(),
            body: "工程量清单第 3.2 项“外墙保温”面积更正为 4,210 平方米。".into(),
            changes_documents: true,
        },
        &cal,
        by,
        at(today - Duration::days(34), 15, 0),
    )
    .await?;
    let bidders = [
        ("临沂建工集团有限公司", "MA3C1B2D", "12216000.00"),
        ("山东华建建设有限公司", "MA3C4E5F", "11985300.00"),
        ("兰山城市建设有限公司", "MA3C6G7H", "12302800.00"),
        ("沂蒙路桥工程有限公司", "MA3C8J9K", "12050000.00"),
    ];
    let mut companies = Vec::new();
    for (n, (name, org8, _)) in bidders.iter().enumerate() {
        let a = store
            .accounts()
            .register_company(
                &CompanyRegistration {
                    name: (*name).into(),
                    credit_code: credit_code("91", "371302", org8),
                    legal_representative: "王经理".into(),
                    mobile: format!("1380539{:04}", 7100 + n),
                    password: DEMO_PASSWORD.into(),
                },
                None,
            )
            .await?;
        companies.push(a.id);
    }
    let bid_day = today - Duration::days(20);
    for (n, (company, (name, _, price))) in companies.iter().zip(bidders).enumerate() {
        t.register(lot.id, *company, at(bid_day, 9, n as u32))
            .await?;
        let mut e = onewindow_domain::org::FieldErrors::new();
        let fen = onewindow_domain::trading::parse_yuan(&mut e, "price", price);
        let file = format!("%PDF-1.4\n% {name} 投标文件（技术标、商务标）\n").into_bytes();
        t.submit_bid(
            lot.id,
            *company,
            fen,
            vec![("投标文件.pdf".into(), file)],
            blobs,
            at(bid_day, 10, n as u32),
        )
        .await?;
    }
    let q = t
        .ask(
            lot.id,
            companies[1],
            "是否接受联合体投标？",
            at(bid_day, 11, 0),
        )
        .await?;
    t.answer(q.id, "本项目不接受联合体投标。").await?;
    let mut shares = Vec::new();
    for (s, _, login) in &staff[1..3] {
        shares.push(t.take_share(lot.id, *s, &passphrase(login)).await?);
    }
    t.open_lot(lot.id, &shares, key, by, deadline).await?;

    // The expert pool, and the lot's draw: two experts avoided (the owner's and a bidder's).
    let specialties = ["建筑工程", "建筑工程", "建筑工程", "造价咨询"];
    for n in 0..40u32 {
        let employer = match n {
            0 => owner.clone(),
            1 => credit_code("91", "371302", "MA3C1B2D"),
            _ => credit_code("12", "371300", &format!("4931{:04}", 2000 + n * 7)),
        };
        t.add_expert(&ExpertInput {
            name: format!("专家{}", n + 1),
            specialty: specialties[n as usize % 4].into(),
            region: "临沂市".into(),
            employer: format!("临沂市第{}设计研究院", n + 1),
            employer_credit_code: employer,
            mobile: format!("1370539{:04}", 1000 + n),
        })
        .await?;
    }
    let draw = t
        .commit_draw(lot.id, "建筑工程", 5, 180, false, by, deadline + 600_000)
        .await?;
    for (s, _, _) in &staff[1..3] {
        t.add_seed(
            draw.id,
            *s,
            &format!("{}", 100_000 + s.get() * 7919 % 900_000),
            deadline + 700_000,
        )
        .await?;
    }
    let drawn = t.run_draw(draw.id).await?;
    let declined = drawn.record.picks[2].expert;
    let drawn = t.answer_pick(draw.id, declined, false).await?;
    for p in drawn.record.picks.iter().filter(|p| !p.declined) {
        t.answer_pick(draw.id, p.expert, true).await?;
    }
    // The evaluation: 30 points for price, 50 technical, 20 commercial; each expert's scores.
    t.set_criteria(
        lot.id,
        &Criteria {
            price_points: 30,
            items: vec![
                Item {
                    name: "施工组织设计".into(),
                    max: 50,
                },
                Item {
                    name: "项目管理机构与业绩".into(),
                    max: 20,
                },
            ],
        },
        deadline,
    )
    .await?;
    let opened: Vec<i64> = t
        .bids(lot.id, None)
        .await?
        .into_iter()
        .filter(|b| b.status == onewindow_domain::trading::BidStatus::Opened)
        .map(|b| b.id)
        .collect();
    for (n, p) in drawn
        .record
        .picks
        .iter()
        .filter(|p| !p.declined)
        .enumerate()
    {
        for (b, bid) in opened.iter().enumerate() {
            let technical = 38 + ((n as u32 * 3 + b as u32 * 5) % 11);
            let commercial = 14 + ((n as u32 + b as u32 * 2) % 6);
            t.score(
                lot.id,
                p.expert,
                *bid,
                &[technical, commercial],
                deadline + 3_600_000,
            )
            .await?;
        }
    }
    t.evaluate(lot.id, by, deadline + 7_200_000).await?;
    // Three days of publicity with one objection answered, the award, and the contract.
    let evaluated = deadline + 7_200_000;
    let publicity = t.publish_candidates(lot.id, 3, &cal, by, evaluated).await?;
    let objection = t
        .object(
            lot.id,
            companies[2],
            "第一中标候选人项目经理业绩存疑，请核查。",
            evaluated + 86_400_000,
        )
        .await?;
    t.answer_objection(
        objection.id,
        "经核查，项目经理业绩真实有效，质疑不成立。",
        evaluated + 2 * 86_400_000,
    )
    .await?;
    let award = t.award(lot.id, by, publicity.ends_at).await?;
    let signed = today - Duration::days(5);
    t.record_contract(
        lot.id,
        &onewindow_store::trading::Contract {
            amount_fen: award.amount_fen,
            signed_on: signed.to_string(),
            starts_on: (signed + Duration::days(10)).to_string(),
            ends_on: (signed + Duration::days(240)).to_string(),
        },
        at(signed, 10, 0),
    )
    .await?;

    // A procurement lot open for bids today; the demo company may register and bid.
    let project = t
        .create_project(
            &ProjectInput {
                code: "LYCG-2026-1205".into(),
                name: "临沂市政务服务中心自助服务终端采购".into(),
                sector: "procurement".into(),
                method: "open_tender".into(),
                owner_name: "临沂市行政审批服务局".into(),
                owner_credit_code: credit_code("11", "371300", "00431021"),
                budget: "1860000".into(),
                funding_source: "市级财政资金".into(),
                lots: vec![
                    LotInput {
                        name: "一包：自助服务终端".into(),
                        budget: "1200000".into(),
                    },
                    LotInput {
                        name: "二包：评价器".into(),
                        budget: "660000".into(),
                    },
                ],
                ..Default::default()
            },
            by,
        )
        .await?;
    let lot = t.lots(project.id).await?.remove(0);
    let open_deadline = at(today + Duration::days(25), 9, 30);
    t.publish_lot(
        lot.id,
        &PublishInput {
            title: "临沂市政务服务中心自助服务终端采购公开招标公告（一包）".into(),
            body: "采购需求：自助服务终端 40 台，含三年质保。\n供应商须在线报名后下载招标文件；投标文件在线递交，到达即加密，开标前任何人无法查看。".into(),
            docs: ("招标文件.pdf".into(), docs.clone()),
            docs_issued_on: today,
            bid_deadline: chrono::DateTime::from_timestamp_millis(open_deadline).unwrap_or_default(),
            opening_at: chrono::DateTime::from_timestamp_millis(open_deadline).unwrap_or_default(),
            officials,
            threshold: 2,
        },
        &cal,
        by,
        at(today, 8, 30),
    )
    .await?;
    t.register(lot.id, demo_company, at(today, 9, 0)).await?;
    demo_listings(store, &cal, &docs, &companies, demo_company, by, today).await
}

/// Two land-use rights listed online: one whose listing ended 14 days ago in a timed round (two
/// bidders raising each other until the clock ran out, the result recorded and the contract
/// signed), and one in its listing now, with bids, that the demo company may bid in.
async fn demo_listings(
    store: &Store,
    cal: &WorkCalendar,
    docs: &str,
    companies: &[AccountId],
    demo_company: AccountId,
    by: AccountId,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let t = store.trading();
    let land = |code: &str, name: &str, budget: &str| ProjectInput {
        code: code.into(),
        name: name.into(),
        sector: "land_mineral".into(),
        method: "auction".into(),
        owner_name: "临沂市自然资源和规划局".into(),
        owner_credit_code: credit_code("11", "371300", "00431056"),
        budget: budget.into(),
        funding_source: "国有建设用地使用权出让".into(),
        lots: vec![LotInput {
            name: "宗地".into(),
            budget: budget.into(),
        }],
        ..Default::default()
    };
    let listing = |title: &str, starts: i64, ends: i64| {
        onewindow_store::trading::ListingInput {
        title: title.into(),
        body: "出让宗地位于兰山区，用途为住宅用地，出让年限 70 年。竞买人须在线提交竞买申请；挂牌期间在线报价，报价实时公开；挂牌截止时有两名及以上竞买人报价的，进入限时竞价。".into(),
        docs: ("挂牌出让文件.pdf".into(), docs.to_owned()),
        starting_price: "86,000,000".into(),
        increment: "500,000".into(),
        reserve_price: Some("88,000,000".into()),
        listing_starts_at: chrono::DateTime::from_timestamp_millis(starts).unwrap_or_default(),
        listing_ends_at: chrono::DateTime::from_timestamp_millis(ends).unwrap_or_default(),
        round_secs: 300,
    }
    };
    let day = 86_400_000;

    // Ended in a timed round.
    let p = t
        .create_project(
            &land(
                "LYTD-2026-09",
                "兰山区 2026-09 号地块国有建设用地使用权",
                "86000000",
            ),
            by,
        )
        .await?;
    let lot = t.lots(p.id).await?.remove(0);
    let starts = at(today - Duration::days(24), 9, 0);
    let ends = at(today - Duration::days(14), 10, 0);
    t.publish_listing(
        lot.id,
        &listing(
            "兰山区 2026-09 号地块国有建设用地使用权挂牌出让公告",
            starts,
            ends,
        ),
        cal,
        by,
        at(today - Duration::days(45), 9, 0),
    )
    .await?;
    for (n, c) in companies.iter().take(3).enumerate() {
        t.register(lot.id, *c, starts - day + n as i64 * 60_000)
            .await?;
    }
    let mut bids = vec![
        (0, "86000000", starts + 2 * day),
        (1, "86500000", starts + 5 * day),
        (0, "87000000", starts + 8 * day),
    ];
    // The timed round: each bid within five minutes of the last.
    let mut round_at = ends;
    for (i, amount) in ["87500000", "88000000", "88500000", "89000000", "89500000"]
        .into_iter()
        .enumerate()
    {
        round_at += [170_000, 240_000, 95_000, 280_000, 130_000][i];
        bids.push((1 - i % 2, amount, round_at));
    }
    for (who, amount, when) in bids {
        t.offer(lot.id, companies[who], amount, when).await?;
    }
    let ended = round_at + 300_000;
    t.settle_auction(lot.id, ended).await?;
    let signed = today - Duration::days(7);
    t.record_contract(
        lot.id,
        &onewindow_store::trading::Contract {
            amount_fen: 8_950_000_000,
            signed_on: signed.to_string(),
            starts_on: signed.to_string(),
            ends_on: (signed + Duration::days(365 * 70)).to_string(),
        },
        at(signed, 15, 0),
    )
    .await?;

    // In its listing now.
    let p = t
        .create_project(
            &land(
                "LYTD-2026-14",
                "兰山区 2026-14 号地块国有建设用地使用权",
                "86000000",
            ),
            by,
        )
        .await?;
    let lot = t.lots(p.id).await?.remove(0);
    let starts = at(today - Duration::days(3), 9, 0);
    t.publish_listing(
        lot.id,
        &listing(
            "兰山区 2026-14 号地块国有建设用地使用权挂牌出让公告",
            starts,
            at(today + Duration::days(7), 10, 0),
        ),
        cal,
        by,
        at(today - Duration::days(30), 9, 0),
    )
    .await?;
    for (n, c) in [companies[1], companies[3], demo_company]
        .iter()
        .enumerate()
    {
        t.register(lot.id, *c, starts - day + n as i64 * 60_000)
            .await?;
    }
    t.offer(lot.id, companies[1], "86000000", starts + 3_600_000)
        .await?;
    t.offer(lot.id, companies[3], "86500000", starts + day)
        .await?;
    Ok(())
}
