//! The catalogue over HTTP on every backend: who may draft and publish, versions seen by the
//! public and by old cases, search pages, import and export.

#[macro_use]
mod common;

use common::*;
use onewindow_domain::auth::TokenScope;
use reqwest::Method;
use serde_json::{Value, json};

fn item_json(dept: i64, code: &str, name: &str, promised: u32) -> Value {
    json!({
        "basic_code": "0102001", "implementation_code": format!("0102001{code}"), "name": name,
        "aliases": ["个体户开业"], "item_type": "01", "exercise_level": "3",
        "legal_bases": [{"law": "《中华人民共和国市场主体登记管理条例》", "article": "第三条", "text": ""}],
        "department_id": dept, "implementing_body": "", "implementing_body_code": "", "body_nature": "1",
        "case_type": "2", "statutory_limit_days": 15, "promised_limit_days": promised,
        "acceptance_conditions": "申请材料齐全、符合法定形式",
        "steps": [{"name": "受理", "role": "clerk", "department_id": dept, "limit_days": 0},
                  {"name": "审批", "role": "approver", "department_id": dept, "limit_days": promised}],
        "result_name": "营业执照", "result_type": "licence", "service_targets": ["1"], "handling_forms": ["1", "2"],
        "topics": ["c_setup"], "appointment": true, "online_payment": false, "express_delivery": true,
        "online_depth": "3", "max_visits": 1, "location": "一楼 A01 窗口", "hours": "工作日", "consult_phone": "0539-1",
        "supervise_phone": "12345",
        "materials": [{"name": "个体工商户登记（备案）申请书", "originals": 1, "copies": 0, "requirement": "required", "source": "applicant"},
                      {"name": "营业执照", "originals": 1, "copies": 0, "requirement": "conditional", "condition": "变更时", "source": "government"}]
    })
}

async fn drafting_publishing_and_versions(app: &TestApp) {
    let org = app.seed_org().await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let chief = app
        .dept_staff(&org, org.dept, "chief", &["chief_representative"])
        .await;
    let clerk = app.dept_staff(&org, org.dept, "clerk", &["clerk"]).await;
    let (admin, chief, clerk) = (
        app.token(admin.account_id, TokenScope::Write).await,
        app.token(chief.account_id, TokenScope::Write).await,
        app.token(clerk.account_id, TokenScope::Write).await,
    );
    let doc = item_json(org.dept.get(), "01", "个体工商户设立登记", 3);
    // Departments draft their own items only; clerks and anonymous callers cannot.
    assert_eq!(
        app.post(
            &chief,
            "/items",
            item_json(org.other_dept.get(), "09", "他部门事项", 3)
        )
        .await
        .0,
        403
    );
    assert_eq!(app.post(&clerk, "/items", doc.clone()).await.0, 403);
    assert_eq!(app.post("nope", "/items", doc.clone()).await.0, 401);
    let (s, item) = app.post(&chief, "/items", doc.clone()).await;
    assert_eq!(s, 201, "{item}");
    let id = item["id"].as_i64().unwrap();
    // Bad elements come back per field, nothing written.
    let mut bad = item_json(org.dept.get(), "02", "坏事项", 3);
    bad["promised_limit_days"] = json!(20);
    bad["materials"][0]["deficiency_allowed"] = json!(true);
    bad["steps"][0]["department_id"] = json!(9999);
    // An application form whose choice has no options and whose condition names a field
    // that does not come before it.
    bad["form"] = json!([
        {"key": "kind", "label": "申请类型", "field_type": "choice", "required": true},
        {"key": "old_no", "label": "原证号", "field_type": "text", "shown_when": {"field": "later"}}
    ]);
    let (s, problem) = app.post(&chief, "/items", bad.clone()).await;
    assert_eq!(s, 422);
    let f = problem_fields(&problem);
    assert!(
        f.contains(&"promised_limit_days".into())
            && f.contains(&"materials[0].deficiency_allowed".into())
            && f.contains(&"steps[0].department_id".into())
            && f.contains(&"form[0].options".into())
            && f.contains(&"form[1].shown_when".into()),
        "{f:?}"
    );
    // A field type the forms do not have is refused where the document is read.
    bad["form"][0]["field_type"] = json!("photo");
    let (s, problem) = app.post(&chief, "/items", bad).await;
    assert_eq!(s, 422, "{problem}");
    let (s, problem) = app
        .post(&chief, "/items", json!({"name": "只有名称"}))
        .await;
    assert_eq!(s, 422, "{problem}");

    // Only centre administrators publish.
    assert_eq!(
        app.api(&chief, Method::POST, &format!("/items/{id}/publish"), None)
            .await
            .0,
        403
    );
    let (s, published) = app
        .api(&admin, Method::POST, &format!("/items/{id}/publish"), None)
        .await;
    assert_eq!((s, published["current_version"].as_i64()), (200, Some(1)));

    // The public sees version 1 while version 2 is drafted.
    let client = browser();
    let list: Value = app.json(&client, "/api/v1/items").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, _) = app
        .api(
            &chief,
            Method::PUT,
            &format!("/items/{id}/draft"),
            Some(item_json(org.dept.get(), "01", "个体工商户设立登记", 2)),
        )
        .await;
    assert_eq!(s, 200);
    let public: Value = app.json(&client, &format!("/api/v1/items/{id}")).await;
    assert_eq!(public["current"]["doc"]["promised_limit_days"], json!(3));
    assert_eq!(
        client
            .get(app.url(&format!("/api/v1/items/{id}/draft")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        client
            .get(app.url(&format!("/api/v1/items/{id}/versions/2")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    app.api(&admin, Method::POST, &format!("/items/{id}/publish"), None)
        .await;

    let page = app.page(&client, &format!("/items/{id}")).await;
    assert!(
        page.contains("法定 15 个工作日，承诺 2 个工作日"),
        "the guide shows the new version"
    );
    let old = app.page(&client, &format!("/items/{id}?version=1")).await;
    assert!(
        old.contains("承诺 3 个工作日") && old.contains("已被第 2 版替代"),
        "an old case still reads its version"
    );
    let v1: Value = app
        .json(&client, &format!("/api/v1/items/{id}/versions/1"))
        .await;
    assert_eq!(v1["status"], json!("superseded"));
    let changes: Value = app
        .json(&client, &format!("/api/v1/items/{id}/diff?from=1&to=2"))
        .await;
    let paths: Vec<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["promised_limit_days", "steps[审批].limit_days"]);
    assert_eq!(changes[0]["label"], json!("承诺办结时限"));

    // A version published for next week waits, labelled, while version 2 stays current.
    let (s, _) = app
        .api(
            &chief,
            Method::PUT,
            &format!("/items/{id}/draft"),
            Some(item_json(org.dept.get(), "01", "个体工商户设立登记", 1)),
        )
        .await;
    assert_eq!(s, 200);
    let next_week = (chrono::Utc::now() + chrono::Duration::days(8))
        .format("%Y-%m-%d")
        .to_string();
    let (s, scheduled) = app
        .post(
            &admin,
            &format!("/items/{id}/publish"),
            json!({"effective_date": next_week}),
        )
        .await;
    assert_eq!(
        (
            s,
            scheduled["scheduled_version"].as_i64(),
            scheduled["current_version"].as_i64()
        ),
        (200, Some(3), Some(2))
    );
    let (s, problem) = app
        .post(
            &admin,
            &format!("/items/{id}/publish"),
            json!({"effective_date": "2020-01-01"}),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    let (session, _) = app.login("chief", PASSWORD).await;
    let admin_page = app.page(&session, &format!("/admin/items/{id}")).await;
    assert!(
        admin_page.contains("待生效")
            && admin_page.contains(&format!("第 3 版将于 {next_week} 起施行"))
    );
    let upcoming = app.page(&client, &format!("/items/{id}?version=3")).await;
    assert!(upcoming.contains("此前仍按现行版本办理"));
    assert!(
        app.page(&client, &format!("/items/{id}"))
            .await
            .contains("承诺 2 个工作日")
    );

    // Withdrawal needs a reason.
    let (s, _) = app
        .post(
            &admin,
            &format!("/items/{id}/withdraw"),
            json!({"kind": "cancelled", "reason": ""}),
        )
        .await;
    assert_eq!(s, 422);
}

async fn search_pages_and_import(app: &TestApp) {
    let org = app.seed_org().await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let admin = app.token(admin.account_id, TokenScope::Write).await;
    let file = json!({"schema": "onewindow.catalog/1", "items": [item_json(org.dept.get(), "01", "个体工商户设立登记", 3), item_json(org.dept.get(), "02", "有限责任公司设立登记", 3)]});
    let client = browser();
    let resp = client
        .post(app.url("/api/v1/catalog/import"))
        .bearer_auth(&admin)
        .json(&file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let exported = app.page(&client, "/api/v1/catalog/export").await;
    let resp = client
        .post(app.url("/api/v1/catalog/import"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(exported.clone())
        .send()
        .await
        .unwrap();
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["unchanged"], json!(2));
    assert_eq!(app.page(&client, "/api/v1/catalog/export").await, exported);
    // CSV in the wrong encoding is explained, not half-imported.
    let resp = client
        .post(app.url("/api/v1/catalog/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(vec![0xb8u8, 0xf6, 0xcc, 0xe5])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&body), vec!["file"]);

    // The public search page.
    let page = app.page(&client, "/items?q=营业执照").await;
    assert!(page.contains("个体工商户设立登记") && page.contains("有限责任公司设立登记"));
    let resp = client
        .put(app.url("/api/v1/catalog/synonyms"))
        .bearer_auth(&admin)
        .json(&json!({"term": "个体户", "expansions": ["个体工商户"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let page = app.page(&client, "/items?q=个体户").await;
    assert!(
        page.contains("<b>个体工商户</b>设立登记"),
        "synonym found and highlighted"
    );
    // An empty query lists; a query nothing matches offers the nearest items, the departments
    // and the phones.
    let page = app.page(&client, "/items?q=").await;
    assert!(
        page.contains("共 2 个事项") && page.contains("有限责任公司设立登记"),
        "{page}"
    );
    let page = app.page(&client, "/items?q=天气预报").await;
    assert!(
        page.contains("找不到要办的事项") && page.contains("tel:12345"),
        "{page}"
    );
    let page = app.page(&client, "/items?q=限司记").await;
    assert!(page.contains("以下是名称相近的事项") && page.contains("有限责任公司设立登记"));
    let long = "营".repeat(5000);
    let resp = client
        .get(app.url(&format!("/items?q={long}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let (s, listed) = app.get(&admin, "/items/search?q=").await;
    assert_eq!((s, listed["total"].as_u64()), (200, Some(2)));
    // Paged: the second of two results, and a bound on how deep.
    let (s, second) = app
        .get(&admin, "/items/search?q=设立登记&limit=1&offset=1")
        .await;
    assert_eq!(s, 200);
    assert_eq!(second["total"].as_u64(), Some(2));
    assert_eq!(second["hits"].as_array().map(Vec::len), Some(1));
    let (_, first) = app.get(&admin, "/items/search?q=设立登记&limit=1").await;
    assert_ne!(first["hits"][0]["item_id"], second["hits"][0]["item_id"]);
    let (s, problem) = app.get(&admin, "/items/search?offset=10001").await;
    assert_eq!(
        (s, problem_fields(&problem)),
        (422, vec!["offset".to_owned()])
    );
    // Long input through the JSON body reaches validation; beyond the body limit it is a 413.
    let resp = client
        .post(app.url("/api/v1/items/search"))
        .json(&json!({"q": "营".repeat(600_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&body), vec!["q"]);
    let resp = client
        .post(app.url("/api/v1/items/search"))
        .json(&json!({"q": "营".repeat(800_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let found: Value = app
        .json(&client, "/api/v1/items/search?q=个体户&audience=individual")
        .await;
    assert_eq!(found["hits"][0]["name"], json!("个体工商户设立登记"));
}

#[tokio::test]
async fn catalog_drafting_publishing_and_versions() {
    on_every_backend!(drafting_publishing_and_versions);
}

#[tokio::test]
async fn catalog_search_pages_and_import() {
    on_every_backend!(search_pages_and_import);
}

async fn template_files_upload_and_download(app: &TestApp) {
    let org = app.seed_org().await;
    let admin_staff = app.staff("admin", &["centre_admin"], None, None).await;
    let admin = app.token(admin_staff.account_id, TokenScope::Write).await;
    let (_, item) = app
        .post(
            &admin,
            "/items",
            item_json(org.dept.get(), "01", "个体工商户设立登记", 3),
        )
        .await;
    let id = item["id"].as_i64().unwrap();
    app.api(&admin, Method::POST, &format!("/items/{id}/publish"), None)
        .await;
    let (client, _) = app.login("admin", PASSWORD).await;
    let page = app.page(&client, &format!("/admin/items/{id}")).await;
    let csrf = csrf_of(&page);
    let pdf = b"%PDF-1.4 individual business application form".to_vec();
    let upload = |name: &'static str, bytes: Vec<u8>, token: Option<String>| {
        let form = reqwest::multipart::Form::new()
            .text("target", "materials[0].template")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        let url = match token {
            Some(t) => app.url(&format!("/admin/items/{id}/files?_csrf={t}")),
            None => app.url(&format!("/admin/items/{id}/files")),
        };
        client.post(url).multipart(form).send()
    };
    // Without the token: refused.
    assert_eq!(
        upload("申请书.pdf", pdf.clone(), None)
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    // An executable is refused with the reason.
    let resp = upload("申请书.exe", b"MZ".to_vec(), Some(csrf.clone()))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert!(resp.text().await.unwrap().contains("不支持的文件类型"));
    // A PDF lands in the draft; publishing makes it downloadable from the guide.
    let resp = upload("个体工商户登记申请书.pdf", pdf.clone(), Some(csrf))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    app.api(&admin, Method::POST, &format!("/items/{id}/publish"), None)
        .await;
    let guide = app.page(&browser(), &format!("/items/{id}")).await;
    let start = guide.find("/files/").expect("the guide links the template");
    let link = &guide[start..start + guide[start..].find('"').unwrap()];
    let resp = browser().get(app.url(link)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(
        browser()
            .get(app.url("/files/00/x.pdf"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn catalog_template_files() {
    on_every_backend!(template_files_upload_and_download);
}

async fn import_through_the_admin_page(app: &TestApp) {
    let org = app.seed_org().await;
    app.staff("admin", &["centre_admin"], None, None).await;
    let (client, _) = app.login("admin", PASSWORD).await;
    let page = app.page(&client, "/admin/catalog/import").await;
    let csrf = csrf_of(&page);
    let send = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        client
            .post(app.url(&format!("/admin/catalog/import?_csrf={csrf}")))
            .multipart(form)
            .send()
    };
    let mut bad = item_json(org.dept.get(), "01", "个体工商户设立登记", 3);
    bad["case_type"] = json!("7");
    let file = json!({"schema": "onewindow.catalog/1", "items": [item_json(org.dept.get(), "02", "食品经营许可", 3), bad]});
    let resp = send("catalog.json", serde_json::to_vec(&file).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert!(resp.text().await.unwrap().contains("第 2 项 case_type"));
    assert_eq!(
        app.store
            .catalog()
            .list_items(&Default::default())
            .await
            .unwrap()
            .len(),
        0,
        "nothing half-written"
    );
    let good = json!({"schema": "onewindow.catalog/1", "items": [item_json(org.dept.get(), "02", "食品经营许可", 3)]});
    let resp = send("catalog.json", serde_json::to_vec(&good).unwrap())
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("导入完成：新增 1 项"));
    let csv = app.store.catalog().export_csv().await.unwrap();
    let resp = send("catalog.csv", csv.into_bytes()).await.unwrap();
    assert!(resp.text().await.unwrap().contains("未变 1 项"));
}

#[tokio::test]
async fn catalog_import_page() {
    on_every_backend!(import_through_the_admin_page);
}

/// The public pages a crowd reads are rendered once and served from memory with an ETag that
/// revalidates to a 304; a change to the catalogue or the organisation shows at once, and a
/// signed-in visitor's pages are never the shared copy.
async fn public_pages_served_from_memory(app: &TestApp) {
    use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
    let org = app.seed_org().await;
    let admin = app.staff("admin", &["centre_admin"], None, None).await;
    let id = publish_item(app, org.dept, admin.account_id).await;
    let anonymous = browser();
    let guide = app.url(&format!("/items/{id}"));
    let first = anonymous.get(&guide).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(first.headers()[CACHE_CONTROL], "no-cache");
    assert!(first.text().await.unwrap().contains("食品经营许可"));
    let again = anonymous
        .get(&guide)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "unchanged: revalidated without a body");

    // A new version is on the guide at the next request, under a new ETag.
    let catalog = app.store.catalog();
    let mut doc = catalog.current_version(id).await.unwrap().doc;
    doc.name = "食品经营许可（含网络经营）".into();
    catalog.save_draft(id, doc, admin.account_id).await.unwrap();
    catalog.publish(id, admin.account_id).await.unwrap();
    let changed = anonymous
        .get(&guide)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()[ETAG].to_str().unwrap(), etag);
    assert!(changed.text().await.unwrap().contains("含网络经营"));

    // So is a new hall on the home page.
    let home = app.page(&anonymous, "/").await;
    assert!(!home.contains("二号办事大厅"));
    app.store
        .org()
        .create_hall(
            org.centre,
            &onewindow_store::org::HallInput {
                name: "二号办事大厅".into(),
                floor: 2,
                description: String::new(),
            },
        )
        .await
        .unwrap();
    assert!(app.page(&anonymous, "/").await.contains("二号办事大厅"));

    // Signed in, the page carries the person's name: rendered for them, kept by no one.
    let (client, _) = app.login("admin", PASSWORD).await;
    let mine = client.get(&guide).send().await.unwrap();
    assert_eq!(mine.status(), 200);
    assert!(mine.headers().get(ETAG).is_none());
    assert_eq!(mine.headers()[CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn catalog_public_pages_from_memory() {
    on_every_backend!(public_pages_served_from_memory);
}
