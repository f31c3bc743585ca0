//! 公共资源交易 through the store on every backend: a 公开招标 lot published against the law's
//! period (refused at 19 days, taken at 25), a late clarification moving the deadline, bidders
//! registering, a bid replaced and one withdrawn, an unregistered company and a zero price
//! refused; the officials take their shares once, with their passphrases; a copy of the database
//! before the opening reveals no bid; the opening refused early, with too few shares and with a
//! wrong one, then done with k shares and its record signed; a late bid refused; an expert draw
//! that avoids the owner's and the bidders' employers and a failed credit record, refuses seeds
//! given before the commitment, re-derives, and replaces a decline; then evaluation, publicity,
//! award and contract, and the lot's OCDS releases validated by lib-cove-ocds.

use chrono::{DateTime, Duration, Utc};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::{AccountId, StaffId};
use onewindow_domain::trading::LotStatus;
use onewindow_domain::trading::auction::Phase;
use onewindow_domain::trading::draw;
use onewindow_domain::trading::evaluation::{Criteria, Item};
use onewindow_store::blobs::BlobStore;
use onewindow_store::case::checkpoints::AuditKey;
use onewindow_store::testing::{company_code, register_company, seed_org, seed_staff};
use onewindow_store::trading::ocds::{Package, Publication};
use onewindow_store::trading::seal;
use onewindow_store::trading::{
    Clarification, ExpertInput, LotInput, ProjectInput, PublishInput, local_date,
};
use onewindow_store::{Store, StoreError, now_ms, on_every_backend};

const PASS: &str = "开标口令-2026-甲乙丙";

fn message(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) => {
            f.0.into_iter()
                .map(|(k, m)| format!("{k}: {m}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn project(owner: u32) -> ProjectInput {
    ProjectInput {
        code: format!("LYGG-2026-{owner:03}"),
        name: "兰山区第一实验小学教学楼改造工程".into(),
        sector: "construction".into(),
        method: "open_tender".into(),
        owner_name: "临沂市兰山区教育和体育局".into(),
        owner_credit_code: company_code(owner),
        agency_name: Some("山东正信招标有限公司".into()),
        agency_credit_code: Some(company_code(owner + 1)),
        budget: "12,800,000".into(),
        funding_source: "财政资金".into(),
        lots: vec![LotInput {
            name: "施工标段".into(),
            budget: "12800000.00".into(),
        }],
    }
}

/// The trading centre's clerk, who publishes and manages lots.
async fn clerk(store: &Store, org: &onewindow_store::testing::Org) -> onewindow_store::org::Staff {
    seed_staff(
        store,
        "jiaoyi",
        &["trading_officer"],
        Some(org.centre),
        None,
    )
    .await
}

async fn a_tender_from_announcement_to_draw(store: &Store) {
    let org = seed_org(store).await;
    let mut officials: Vec<StaffId> = Vec::new();
    for n in 0..3 {
        let s = seed_staff(
            store,
            &format!("kaibiao{n}"),
            &["trading_officer"],
            Some(org.centre),
            None,
        )
        .await;
        officials.push(s.id);
    }
    let manager = clerk(store, &org).await;
    let by = manager.account_id;
    let t = store.trading();
    assert!(message(t.set_opening_key(officials[0], "短口令").await.unwrap_err()).contains("至少"));
    for s in &officials {
        t.set_opening_key(*s, PASS).await.unwrap();
    }
    let p = t.create_project(&project(100), by).await.unwrap();
    let lot = t.lots(p.id).await.unwrap().remove(0);
    assert_eq!(lot.status, LotStatus::Draft);
    // Bad input: a budget that is not an amount, a bad credit code, no lots.
    let mut bad = project(200);
    bad.budget = "-5".into();
    bad.owner_credit_code = "91371302000000000X".into();
    bad.lots.clear();
    let e = message(t.create_project(&bad, by).await.unwrap_err());
    assert!(
        e.contains("budget") && e.contains("owner_credit_code") && e.contains("lots"),
        "{e}"
    );

    let cal = WorkCalendar::official().unwrap();
    let today = local_date(now_ms());
    let deadline_on = |days: i64| {
        at((today + Duration::days(days))
            .and_hms_opt(1, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis())
    };
    let publish = |days: i64| PublishInput {
        title: "兰山区第一实验小学教学楼改造工程施工招标公告".into(),
        body: "资格要求：具备建筑工程施工总承包三级及以上资质。".into(),
        docs: ("招标文件.pdf".into(), seal::sha256_hex(b"docs")),
        docs_issued_on: today,
        bid_deadline: deadline_on(days),
        opening_at: deadline_on(days),
        officials: officials.clone(),
        threshold: 2,
    };
    let e = message(
        t.publish_lot(lot.id, &publish(19), &cal, by, now_ms())
            .await
            .unwrap_err(),
    );
    assert!(e.contains("20 日") && e.contains("第二十四条"), "{e}");
    t.publish_lot(lot.id, &publish(25), &cal, by, now_ms())
        .await
        .unwrap();
    let lot = t.lot(lot.id).await.unwrap();
    assert_eq!(lot.status, LotStatus::Published);
    let deadline = lot.bid_deadline.unwrap();

    // A clarification changing the documents ten days before the deadline moves it 15 days on.
    let ten_before = deadline - 10 * 86_400_000;
    let c = t
        .clarify(
            lot.id,
            &Clarification {
                title: "澄清更正公告（一）".into(),
                body: "工程量清单第 3 项更正。".into(),
                changes_documents: true,
            },
            &cal,
            by,
            ten_before,
        )
        .await
        .unwrap();
    let lot = t.lot(lot.id).await.unwrap();
    let deadline = lot.bid_deadline.unwrap();
    assert_eq!(c.moved_to, Some(deadline));
    assert_eq!(
        local_date(deadline),
        local_date(ten_before) + Duration::days(15)
    );
    let before = deadline - 3_600_000;

    // Registration, questions, bids.
    let mut bidders: Vec<AccountId> = Vec::new();
    for (n, name) in [
        "临沂建工集团有限公司",
        "山东华建建设有限公司",
        "兰山城建有限公司",
        "沂蒙路桥有限公司",
    ]
    .iter()
    .enumerate()
    {
        let a = register_company(store, name, 300 + n as u32).await;
        bidders.push(a);
    }
    let outsider = register_company(store, "未报名公司", 399).await;
    for b in &bidders[..3] {
        t.register(lot.id, *b, before).await.unwrap();
    }
    t.register(lot.id, bidders[3], before).await.unwrap();
    let q = t
        .ask(lot.id, bidders[0], "工期是否可以顺延？", before)
        .await
        .unwrap();
    t.answer(q.id, "工期以招标文件为准，不予顺延。")
        .await
        .unwrap();
    assert_eq!(t.questions(lot.id, false).await.unwrap().len(), 1);
    let blobs_dir = std::env::temp_dir().join(format!("ow-trading-{}", now_ms()));
    let blobs = BlobStore::new(&blobs_dir);
    let file = |s: &str| vec![("投标文件.pdf".to_owned(), s.as_bytes().to_vec())];
    let e = message(
        t.submit_bid(lot.id, outsider, 100, file("x"), &blobs, before)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("未报名"), "{e}");
    let e = message(
        t.submit_bid(lot.id, bidders[0], 0, file("x"), &blobs, before)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("price"), "{e}");
    let prices = [
        1_250_000_000i64,
        1_199_000_000,
        1_230_000_000,
        1_100_000_000,
    ];
    let mut receipts = Vec::new();
    for (b, price) in bidders.iter().zip(prices) {
        receipts.push(
            t.submit_bid(
                lot.id,
                *b,
                price,
                file(&format!("技术标 {price}")),
                &blobs,
                before,
            )
            .await
            .unwrap(),
        );
    }
    // The first bidder replaces its bid; the fourth withdraws.
    let replaced = t
        .submit_bid(
            lot.id,
            bidders[0],
            1_210_000_000,
            file("技术标 修订"),
            &blobs,
            before,
        )
        .await
        .unwrap();
    assert!(replaced.log_seq > receipts[3].log_seq);
    t.withdraw_bid(lot.id, bidders[3], before).await.unwrap();

    // The officials take their shares, once, with their own passphrase.
    let e = message(
        t.take_share(lot.id, officials[0], "错误的口令错误的口令")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("口令不正确"), "{e}");
    let mut shares = Vec::new();
    for s in &officials {
        shares.push(t.take_share(lot.id, *s, PASS).await.unwrap());
    }
    assert!(
        message(t.take_share(lot.id, officials[0], PASS).await.unwrap_err()).contains("已领取")
    );

    // A copy of the database now: no price, and no key to open a bid with.
    let pool = store.pool();
    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT header, files, price_fen FROM trading_bids WHERE lot_id = $1")
            .bind(lot.id)
            .fetch_all(pool)
            .await
            .unwrap();
    for (header, files, price) in &rows {
        assert_eq!(*price, None);
        assert_eq!(files, "[]");
        let bytes = hex::decode(header).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("price_fen"));
    }
    let copied: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT sealed FROM trading_shares WHERE lot_id = $1")
            .bind(lot.id)
            .fetch_all(pool)
            .await
            .unwrap();
    assert!(
        copied.iter().all(|r| r.0.is_none()),
        "shares are gone once taken"
    );
    let one = onewindow_store::trading::ShareText::parse(&shares[0])
        .unwrap()
        .2;
    assert!(seal::rebuild(2, &[one], lot.public_key.as_deref().unwrap()).is_err());

    // The opening: early, too few shares, a wrong share; then k shares.
    let key = AuditKey::from_seed([4; 32]);
    let opening = lot.opening_at.unwrap();
    let e = message(
        t.open_lot(lot.id, &shares, &key, by, opening - 1)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("未到开标时间"), "{e}");
    let e = message(
        t.open_lot(lot.id, &shares[..1], &key, by, opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("需要 2 份"), "{e}");
    let mut wrong = shares[1].clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let e = message(
        t.open_lot(lot.id, &[shares[0].clone(), wrong], &key, by, opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("shares[1]") && e.contains("不正确"), "{e}");
    let late = t
        .submit_bid(
            lot.id,
            bidders[3],
            1_000_000_000,
            file("迟到"),
            &blobs,
            deadline,
        )
        .await
        .unwrap_err();
    assert!(message(late).contains("截止"));
    let record = t
        .open_lot(lot.id, &shares[1..], &key, by, opening)
        .await
        .unwrap();
    assert!(!record.failed);
    let mut read: Vec<(String, i64)> = record
        .bids
        .iter()
        .map(|b| (b.company.clone(), b.price_fen))
        .collect();
    read.sort();
    let mut expected = vec![
        ("兰山城建有限公司".to_owned(), 1_230_000_000),
        ("山东华建建设有限公司".to_owned(), 1_199_000_000),
        ("临沂建工集团有限公司".to_owned(), 1_210_000_000),
    ];
    expected.sort();
    assert_eq!(
        read, expected,
        "the replaced and the withdrawn bids are not read"
    );
    let bid = &record.bids[0];
    assert_eq!(bid.files[0].name, "投标文件.pdf");
    let published = t.opening(lot.id).await.unwrap().unwrap();
    assert_eq!(published.hash, record.hash);
    {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let vk = VerifyingKey::from_bytes(
            &hex::decode(key.public_key_hex())
                .unwrap()
                .try_into()
                .unwrap(),
        )
        .unwrap();
        let sig =
            Signature::from_bytes(&hex::decode(&record.signature).unwrap().try_into().unwrap());
        vk.verify(record.hash.as_bytes(), &sig).unwrap();
    }
    assert_eq!(t.lot(lot.id).await.unwrap().status, LotStatus::Opened);
    assert!(
        t.open_lot(lot.id, &shares[1..], &key, by, opening)
            .await
            .is_err()
    );

    // The expert draw.
    let expert = |n: u32, employer: u32| ExpertInput {
        name: format!("专家{n}"),
        specialty: "建筑工程".into(),
        region: "临沂市".into(),
        employer: format!("单位{employer}"),
        employer_credit_code: company_code(employer),
        mobile: format!("137{n:08}"),
    };
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(t.add_expert(&expert(n, 500 + n)).await.unwrap());
    }
    let owners = t.add_expert(&expert(20, 100)).await.unwrap();
    let bidders_employee = t.add_expert(&expert(21, 301)).await.unwrap();
    let bad_credit = t.add_expert(&expert(22, 600)).await.unwrap();
    t.set_expert(bad_credit, true, true).await.unwrap();
    assert!(message(t.add_expert(&ExpertInput::default()).await.unwrap_err()).contains("name"));
    let e = message(
        t.commit_draw(lot.id, "建筑工程", 3, 180, true, by, opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("种子值须在专家库摘要公布之后"), "{e}");
    let d = t
        .commit_draw(lot.id, "建筑工程", 3, 180, false, by, opening)
        .await
        .unwrap();
    assert_eq!(d.record.pool, ids);
    for excluded in [owners, bidders_employee, bad_credit] {
        assert!(!d.record.pool.contains(&excluded));
    }
    assert_eq!(d.record.pool_hash, draw::pool_hash(&ids));
    assert!(message(t.run_draw(d.id).await.unwrap_err()).contains("至少需要 2 名"));
    assert!(
        message(
            t.add_seed(d.id, manager.id, "42", opening)
                .await
                .unwrap_err()
        )
        .contains("开标人")
    );
    t.add_seed(d.id, officials[0], "830417", opening)
        .await
        .unwrap();
    t.add_seed(d.id, officials[2], "5521", opening)
        .await
        .unwrap();
    let d = t.run_draw(d.id).await.unwrap();
    assert_eq!(d.record.picks.len(), 3);
    assert_eq!(
        d.record.seeds,
        vec![
            "830417".to_owned(),
            "5521".to_owned(),
            t.lot(lot.id).await.unwrap().last_receipt.unwrap()
        ]
    );
    draw::verify(&d.record).unwrap();
    let declined = d.record.picks[1].expert;
    let d = t.answer_pick(d.id, declined, false).await.unwrap();
    assert_eq!(d.record.picks.len(), 4);
    assert!(d.record.picks[1].declined);
    draw::verify(&d.record).unwrap();
    t.answer_pick(d.id, d.record.picks[0].expert, true)
        .await
        .unwrap();
    assert!(
        t.answer_pick(d.id, d.record.picks[0].expert, true)
            .await
            .is_err()
    );

    // Evaluation: criteria of 100 points, the accepted experts' scores, the ranking.
    for p in d.record.picks.iter().skip(1).filter(|p| !p.declined) {
        t.answer_pick(d.id, p.expert, true).await.unwrap();
    }
    let criteria = Criteria {
        price_points: 30,
        items: vec![
            Item {
                name: "技术方案".into(),
                max: 50,
            },
            Item {
                name: "商务条款".into(),
                max: 20,
            },
        ],
    };
    let mut wrong = criteria.clone();
    wrong.price_points = 40;
    assert!(message(t.set_criteria(lot.id, &wrong, opening).await.unwrap_err()).contains("100 分"));
    t.set_criteria(lot.id, &criteria, opening).await.unwrap();
    let experts: Vec<i64> = d
        .record
        .picks
        .iter()
        .filter(|p| !p.declined)
        .map(|p| p.expert)
        .collect();
    let bid_ids: Vec<i64> = record.bids.iter().map(|b| b.bid_id).collect();
    let e = message(
        t.score(lot.id, declined, bid_ids[0], &[40, 15], opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("确认参加"), "{e}");
    let e = message(
        t.score(lot.id, experts[0], bid_ids[0], &[51, 15], opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("scores[0]"), "{e}");
    for (n, x) in experts.iter().enumerate() {
        for (b, bid) in bid_ids.iter().enumerate() {
            t.score(
                lot.id,
                *x,
                *bid,
                &[40 + b as u32 + n as u32 % 2, 15],
                opening,
            )
            .await
            .unwrap();
            if n == 0 && b == 0 {
                let e = message(t.evaluate(lot.id, by, opening).await.unwrap_err());
                assert!(e.contains("尚未"), "{e}");
            }
        }
    }
    let report = t.evaluate(lot.id, by, opening).await.unwrap();
    assert_eq!(report.ranking.len(), 3);
    assert_eq!(report.ranking[0].rank, 1);
    assert!(report.ranking.windows(2).all(|w| w[0].total >= w[1].total));
    assert_eq!(t.lot(lot.id).await.unwrap().status, LotStatus::Evaluated);
    assert!(
        t.score(lot.id, experts[0], bid_ids[0], &[1, 1], opening)
            .await
            .is_err()
    );
    assert_eq!(
        t.evaluation(lot.id).await.unwrap().unwrap().ranking,
        report.ranking
    );

    // Publicity (at least 3 days), an objection answered, the award and the contract.
    let day = 86_400_000;
    let e = message(
        t.publish_candidates(lot.id, 2, &cal, by, opening)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("第五十四条"), "{e}");
    let p = t
        .publish_candidates(lot.id, 3, &cal, by, opening)
        .await
        .unwrap();
    assert_eq!(p.candidates[0].bid_id, report.ranking[0].bid_id);
    assert!(
        message(
            t.object(lot.id, outsider, "不服", opening + day)
                .await
                .unwrap_err()
        )
        .contains("投标人")
    );
    let o = t
        .object(lot.id, bidders[2], "第一名业绩不实。", opening + day)
        .await
        .unwrap();
    assert!(message(t.award(lot.id, by, opening + day).await.unwrap_err()).contains("公示期未满"));
    assert!(message(t.award(lot.id, by, p.ends_at).await.unwrap_err()).contains("质疑未答复"));
    assert!(
        message(
            t.object(lot.id, bidders[1], "迟到的质疑", p.ends_at)
                .await
                .unwrap_err()
        )
        .contains("已结束")
    );
    t.answer_objection(o.id, "经核查，业绩属实，质疑不成立。", opening + day)
        .await
        .unwrap();
    let award = t.award(lot.id, by, p.ends_at).await.unwrap();
    assert_eq!(award.bid_id, report.ranking[0].bid_id);
    assert_eq!(award.savings_fen, 1_280_000_000 - award.amount_fen);
    assert!(t.award(lot.id, by, p.ends_at).await.is_err());
    let contract = |signed: &str| onewindow_store::trading::Contract {
        amount_fen: award.amount_fen,
        signed_on: signed.into(),
        starts_on: "2027-01-05".into(),
        ends_on: "2027-08-31".into(),
    };
    assert!(
        message(
            t.record_contract(lot.id, &contract("2027-02-01"), p.ends_at)
                .await
                .unwrap_err()
        )
        .contains("ends_on")
    );
    let signed = t
        .record_contract(lot.id, &contract("2026-12-30"), p.ends_at)
        .await
        .unwrap();
    assert!(signed.contract.is_some());
    assert_eq!(t.lot(lot.id).await.unwrap().status, LotStatus::Contracted);
    ocds_of_the_lot(store, lot.id, &blobs_dir).await;
    // The figures: one project, one lot awarded with three bidders, its savings.
    let (rows, totals) = t.statistics().await.unwrap();
    assert_eq!(rows.len(), 1);
    let all = totals.last().unwrap();
    assert_eq!(
        (all.projects, all.lots, all.awarded, all.failed),
        (1, 1, 1, 0)
    );
    assert_eq!(all.bidders_per_lot(), 3.0);
    assert_eq!(all.savings_fen, 1_280_000_000 - award.amount_fen);
    assert_eq!(rows[0].sector, "工程建设招标投标");
    let _ = std::fs::remove_dir_all(blobs_dir);
}

/// The lot's OCDS releases: one per stage, in order, the amendment moving the tender period, the
/// tenderers, award and contract; the package and the record package pass lib-cove-ocds.
async fn ocds_of_the_lot(store: &Store, lot_id: i64, dir: &std::path::Path) {
    let p = Publication {
        prefix: "ocds-onewin".into(),
        base_url: "https://ggzy.example.gov.cn".into(),
    };
    let page = store.trading().ocds_page(0, 10).await.unwrap();
    let lot = page.iter().find(|l| l.lot.id == lot_id).unwrap();
    let releases = lot.releases(&p);
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "planning",
            "tender",
            "tenderAmendment",
            "tenderUpdate",
            "award",
            "contract"
        ]
    );
    let ocid = format!("ocds-onewin-{lot_id}");
    assert!(releases.iter().all(|r| r["ocid"] == ocid.as_str()));
    let (tender, amended) = (&releases[1]["tender"], &releases[2]["tender"]);
    assert_ne!(
        tender["tenderPeriod"]["endDate"], amended["tenderPeriod"]["endDate"],
        "the clarification moved the deadline"
    );
    assert_eq!(releases[3]["tender"]["numberOfTenderers"], 3);
    let last = &releases[5];
    assert_eq!(last["awards"][0]["value"]["currency"], "CNY");
    assert_eq!(last["contracts"][0]["awardID"], last["awards"][0]["id"]);
    let supplier = last["awards"][0]["suppliers"][0]["id"].as_str().unwrap();
    assert!(supplier.starts_with("CN-USCC-"));
    let record = lot.record(&p);
    assert_eq!(record["compiledRelease"]["tender"]["status"], "complete");
    assert_eq!(record["compiledRelease"]["tag"][0], "compiled");
    for kind in [Package::Releases, Package::Records] {
        let path = dir.join(format!("ocds-{kind:?}.json"));
        let file = std::fs::File::create(&path).unwrap();
        let n = store
            .trading()
            .write_ocds(&p, kind, "https://ggzy.example.gov.cn/ocds", now_ms(), file)
            .await
            .unwrap();
        assert!(n >= 1);
        let package: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(package["version"], "1.1");
        onewindow_store::testing::validate_ocds(&path, kind == Package::Records).unwrap();
    }
}

#[tokio::test]
async fn a_tender_runs_from_announcement_to_a_verified_draw() {
    on_every_backend!(a_tender_from_announcement_to_draw);
}

/// A land-use right listed online: the announcement 20 days ahead and a 10-day listing enforced;
/// bids in public order from registered companies only, each at least the increment above the
/// last; two bidders at the listing's end go to a timed round on an injected clock, each bid
/// restarting the countdown; the round's end settles the award once, and the OCDS releases of
/// the lot validate.
async fn an_auction(store: &Store) {
    let org = seed_org(store).await;
    let manager = clerk(store, &org).await;
    let by = manager.account_id;
    let t = store.trading();
    let mut input = project(300);
    input.sector = "land_mineral".into();
    input.method = "auction".into();
    input.name = "兰山区 2026-18 号地块国有建设用地使用权".into();
    input.lots[0].name = "挂牌出让".into();
    let p = t.create_project(&input, by).await.unwrap();
    let lot = t.lots(p.id).await.unwrap().remove(0);
    let cal = WorkCalendar::official().unwrap();
    let now = now_ms();
    let day = 86_400_000;
    let today = local_date(now);
    let start = today
        .and_hms_opt(1, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        + 21 * day;
    let listing = |starts: i64, days: i64| onewindow_store::trading::ListingInput {
        title: "兰山区 2026-18 号地块挂牌出让公告".into(),
        body: "出让面积 12,000 平方米，用途住宅，出让年限 70 年。".into(),
        docs: ("挂牌出让文件.pdf".into(), seal::sha256_hex(b"listing")),
        starting_price: "80,000,000".into(),
        increment: "500,000".into(),
        reserve_price: Some("82,000,000".into()),
        listing_starts_at: at(starts),
        listing_ends_at: at(starts + days * day),
        round_secs: 300,
    };
    // Sealed-bid publication is refused for a listing, and the law's periods are enforced.
    let publish = PublishInput {
        title: "x".into(),
        body: "x".into(),
        docs: ("a.pdf".into(), seal::sha256_hex(b"a")),
        docs_issued_on: today,
        bid_deadline: at(start),
        opening_at: at(start),
        officials: vec![],
        threshold: 2,
    };
    assert!(
        message(
            t.publish_lot(lot.id, &publish, &cal, by, now)
                .await
                .unwrap_err()
        )
        .contains("挂牌")
    );
    let e = message(
        t.publish_listing(lot.id, &listing(now + 5 * day, 9), &cal, by, now)
            .await
            .unwrap_err(),
    );
    assert!(
        e.contains("listing_starts_at") && e.contains("第十条"),
        "{e}"
    );
    assert!(
        e.contains("listing_ends_at") && e.contains("第二十条"),
        "{e}"
    );
    t.publish_listing(lot.id, &listing(start, 10), &cal, by, now)
        .await
        .unwrap();
    let end = start + 10 * day;
    let mut companies = Vec::new();
    for n in 0..3 {
        let c = register_company(store, &format!("临沂置业{n}有限公司"), 400 + n).await;
        companies.push(c);
    }
    for c in &companies[..2] {
        t.register(lot.id, *c, now).await.unwrap();
    }
    let offer = |who: usize, amount: &'static str, at: i64| {
        let c = companies[who];
        async move { t.offer(lot.id, c, amount, at).await }
    };
    assert!(message(offer(0, "80000000", start - 1).await.unwrap_err()).contains("尚未开始"));
    assert!(message(offer(2, "80000000", start).await.unwrap_err()).contains("竞买申请"));
    assert!(message(offer(0, "79999999", start).await.unwrap_err()).contains("80000000.00"));
    let (first, _) = offer(0, "80000000", start + day).await.unwrap();
    assert_eq!((first.seq, first.bidder_no), (1, 1));
    assert!(message(offer(0, "81000000", start + day).await.unwrap_err()).contains("最高报价人"));
    assert!(
        message(offer(1, "80400000", start + 2 * day).await.unwrap_err()).contains("80500000.00")
    );
    let (_, after) = offer(1, "80500000", start + 2 * day).await.unwrap();
    assert_eq!(after.next_minimum_fen, 8_100_000_000);
    assert_eq!(
        after.reserve_fen, None,
        "the reserve stays hidden while bidding"
    );
    // The listing ends with two bidders: the timed round; each bid restarts its clock.
    let round = t.auction(lot.id, end).await.unwrap();
    assert_eq!(
        round.phase,
        Phase::Round {
            ends_at: end + 300_000
        }
    );
    assert_eq!(
        t.settle_auction(lot.id, end + 1)
            .await
            .unwrap()
            .map(|a| a.lot_id),
        None
    );
    offer(0, "81500000", end + 290_000).await.unwrap();
    let (_, v) = offer(1, "82500000", end + 580_000).await.unwrap();
    assert_eq!(
        v.phase,
        Phase::Round {
            ends_at: end + 880_000
        }
    );
    assert!(message(offer(0, "83000000", end + 880_000).await.unwrap_err()).contains("已结束"));
    let settled = t
        .settle_auction(lot.id, end + 880_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settled.winner.as_deref(), Some("临沂置业1有限公司"));
    assert_eq!(settled.reserve_fen, Some(8_200_000_000));
    assert!(
        t.settle_auction(lot.id, end + 990_000)
            .await
            .unwrap()
            .is_none(),
        "settled once"
    );
    let l = t.lot(lot.id).await.unwrap();
    assert_eq!(l.status, LotStatus::Awarded);
    let award = t.award_of(lot.id).await.unwrap().unwrap();
    assert_eq!(award.amount_fen, 8_250_000_000);
    // A transfer's figures count the premium over the starting budget, not savings.
    let (_, totals) = t.statistics().await.unwrap();
    let all = totals.last().unwrap();
    assert_eq!(
        (all.premium_fen, all.savings_fen),
        (8_250_000_000 - 1_280_000_000, 0)
    );
    let p = Publication {
        prefix: "ocds-onewin".into(),
        base_url: "https://ggzy.example.gov.cn".into(),
    };
    let page = t.ocds_page(lot.id - 1, 1).await.unwrap();
    let tags: Vec<String> = page[0]
        .releases(&p)
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tags, ["planning", "tender", "tenderUpdate", "award"]);
    let dir = std::env::temp_dir().join(format!("ow-auction-{}", now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("auction.json");
    t.write_ocds(
        &p,
        Package::Releases,
        "https://ggzy.example.gov.cn/ocds",
        now,
        std::fs::File::create(&path).unwrap(),
    )
    .await
    .unwrap();
    onewindow_store::testing::validate_ocds(&path, false).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_auction_ends_in_a_timed_round() {
    on_every_backend!(an_auction);
}
