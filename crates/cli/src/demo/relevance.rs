//! The search relevance suite: queries the way citizens type them — everyday phrasings, names
//! with other suffixes, traditional characters, pinyin and its initials, one character off —
//! each with the items a person asking it wants, run against the whole demo catalogue. It
//! prints the share found first and in the first three, by kind, and fails below 90% in three.

use onewindow_store::search::SearchFilter;

/// (kind, query, the items that answer it).
const SUITE: &[(&str, &str, &[&str])] = &[
    ("说法", "我想开一家奶茶店", &["食品经营许可"]),
    ("说法", "开饭馆", &["食品经营许可"]),
    ("说法", "换新身份证", &["居民身份证换领"]),
    ("说法", "身份证过期了怎么办", &["居民身份证换领"]),
    ("说法", "身份证掉了", &["居民身份证补领"]),
    ("说法", "孩子上户口", &["出生登记"]),
    (
        "说法",
        "农村盖房子",
        &["乡村建设规划许可证核发", "农村村民宅基地审批"],
    ),
    ("说法", "办理退休", &["职工基本养老保险待遇申领"]),
    ("说法", "公司不想干了要注销", &["公司注销登记"]),
    ("说法", "我要开一家药店", &["药品零售企业经营许可"]),
    ("说法", "想当老师", &["教师资格认定"]),
    ("说法", "孩子转学", &["中小学转学"]),
    (
        "说法",
        "外地看病怎么报销",
        &["异地就医备案", "医疗费用手工报销"],
    ),
    ("说法", "取公积金买房", &["住房公积金提取（购房）"]),
    ("说法", "租房子取公积金", &["住房公积金提取（租房）"]),
    ("说法", "开理发店", &["公共场所卫生许可"]),
    ("说法", "门头招牌", &["户外广告设施设置审批"]),
    ("说法", "二手房买卖过户", &["房屋转移登记（二手房）"]),
    ("说法", "房贷还清了解押", &["抵押权注销登记"]),
    ("说法", "装修要挖路", &["城市道路占用挖掘许可"]),
    ("说法", "开KTV", &["娱乐场所从事娱乐场所经营活动审批"]),
    ("说法", "办个体户", &["个体工商户设立登记"]),
    ("说法", "生二胎登记", &["生育登记"]),
    (
        "说法",
        "给孩子交居民医保",
        &["城乡居民基本医疗保险参保登记"],
    ),
    (
        "说法",
        "开网吧",
        &["互联网上网服务营业场所经营单位设立审批"],
    ),
    ("说法", "我想办低保", &["最低生活保障审批"]),
    ("说法", "补办毕业证", &["学历证明补办"]),
    ("说法", "公司交社保开户", &["社会保险登记"]),
    ("说法", "开个培训班", &["校外培训机构审批"]),
    ("说法", "养猪场防疫", &["动物防疫条件合格证核发"]),
    ("说法", "开诊所", &["医疗机构执业登记"]),
    ("说法", "买新车上牌照", &["机动车注册登记"]),
    ("名称", "药品零售许可证", &["药品零售企业经营许可"]),
    ("名称", "食品经营许可证", &["食品经营许可"]),
    ("名称", "施工许可证", &["建筑工程施工许可证核发"]),
    ("名称", "建设工程规划许可", &["建设工程规划许可证核发"]),
    ("名称", "排污许可", &["排污许可证核发"]),
    ("名称", "护照办理", &["普通护照签发"]),
    ("名称", "港澳通行证签注", &["往来港澳通行证签发"]),
    ("名称", "结婚登记办理", &["内地居民结婚登记"]),
    ("名称", "失业金申领", &["失业保险金申领"]),
    ("名称", "教师资格证认定", &["教师资格认定"]),
    ("名称", "旅行社经营许可", &["旅行社设立许可"]),
    ("名称", "渔业捕捞许可证", &["渔业捕捞许可"]),
    ("名称", "宅基地审批", &["农村村民宅基地审批"]),
    ("繁体", "醫保報銷", &["医疗费用手工报销"]),
    ("繁体", "結婚登記", &["内地居民结婚登记"]),
    ("繁体", "護照", &["普通护照签发"]),
    (
        "繁体",
        "營業執照",
        &["个体工商户设立登记", "有限责任公司设立登记"],
    ),
    ("繁体", "身份證換領", &["居民身份证换领"]),
    ("繁体", "駕駛證換證", &["机动车驾驶证换证"]),
    (
        "繁体",
        "公積金提取",
        &["住房公积金提取（购房）", "住房公积金提取（租房）"],
    ),
    ("繁体", "食品經營許可", &["食品经营许可"]),
    ("繁体", "社會保障卡", &["社会保障卡申领"]),
    ("拼音", "jiehun", &["内地居民结婚登记"]),
    ("拼音", "lihun", &["内地居民离婚登记"]),
    ("拼音", "huzhao", &["普通护照签发"]),
    ("拼音", "shebaoka", &["社会保障卡申领"]),
    (
        "拼音",
        "gongjijin",
        &[
            "住房公积金提取（购房）",
            "住房公积金提取（租房）",
            "住房公积金个人住房贷款",
            "住房公积金单位缴存登记",
            "住房公积金缴存证明开具",
        ],
    ),
    ("拼音", "dibao", &["最低生活保障审批"]),
    (
        "拼音",
        "shenfenzheng",
        &["居民身份证换领", "居民身份证补领", "临时居民身份证申领"],
    ),
    ("拼音", "jiaoshizige", &["教师资格认定"]),
    ("拼音", "Hu Zhao", &["普通护照签发"]),
    ("首字母", "sbk", &["社会保障卡申领"]),
    ("首字母", "jhdj", &["内地居民结婚登记"]),
    (
        "首字母",
        "gjj",
        &[
            "住房公积金提取（购房）",
            "住房公积金提取（租房）",
            "住房公积金个人住房贷款",
            "住房公积金单位缴存登记",
            "住房公积金缴存证明开具",
        ],
    ),
    (
        "首字母",
        "sfz",
        &["居民身份证换领", "居民身份证补领", "临时居民身份证申领"],
    ),
    ("首字母", "dbsq", &["最低生活保障审批"]),
    ("错字", "居民身份正换领", &["居民身份证换领"]),
    ("错字", "食品经营许克", &["食品经营许可"]),
    ("错字", "结婚登计", &["内地居民结婚登记"]),
    ("错字", "普通护照签法", &["普通护照签发"]),
    ("错字", "失业保险金申请", &["失业保险金申领"]),
    ("错字", "社会保障卡申请", &["社会保障卡申领"]),
    ("错字", "教师资格认证", &["教师资格认定"]),
    ("错字", "异地就医备按", &["异地就医备案"]),
];

#[tokio::test]
async fn citizens_find_what_they_ask_for() {
    let db = onewindow_store::testing::TestDb::create(onewindow_store::Backend::Sqlite).await;
    let store = db.store().await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let data = std::env::temp_dir().join(format!("onewindow-relevance-{}", std::process::id()));
    super::load(&store, today, &data).await.unwrap();
    let filter = SearchFilter::default();
    let (mut top1, mut top3) = (0usize, 0usize);
    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize, usize)> = Default::default();
    let mut misses = Vec::new();
    for (kind, query, wanted) in SUITE {
        let r = store.search().search(query, &filter, 3).unwrap();
        let names: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
        let first = names.first().is_some_and(|n| wanted.contains(n));
        let in_three = names.iter().any(|n| wanted.contains(n));
        let k = by_kind.entry(kind).or_default();
        k.0 += 1;
        if first {
            top1 += 1;
            k.1 += 1;
        }
        if in_three {
            top3 += 1;
            k.2 += 1;
        } else {
            misses.push(format!("{query} → {names:?}"));
        }
    }
    let n = SUITE.len();
    println!(
        "relevance: {n} queries, top 1 {top1} ({:.0}%), top 3 {top3} ({:.0}%)",
        100.0 * top1 as f64 / n as f64,
        100.0 * top3 as f64 / n as f64
    );
    for (kind, (count, one, three)) in &by_kind {
        println!("  {kind}: {count} queries, top 1 {one}, top 3 {three}");
    }
    for m in &misses {
        println!("  missed: {m}");
    }
    assert!(n >= 60);
    assert!(
        top3 * 10 >= n * 9,
        "top 3 {top3} of {n}; missed: {misses:#?}"
    );
    store.close().await;
    db.cleanup().await;
}
