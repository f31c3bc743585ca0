//! Synonyms for search, import and export of the catalogue (JSON and CSV), and the files items
//! attach (templates, samples), uploaded and downloaded by content address.

use super::*;
use onewindow_domain::ids::ItemId;

// ---- synonyms, import, export ----

/// 搜索同义词: everyday phrasings and the catalogue's terms searched with them.
pub(super) struct Synonyms;

impl FormList for Synonyms {
    const PATH: &'static str = "/admin/synonyms";

    async fn list(fp: FormPage<'_>) -> PageResult {
        gate(fp.state, fp.user, CatalogAction::Publish, None).await?;
        let rows = fp
            .state
            .store
            .catalog()
            .list_synonyms()
            .await?
            .into_iter()
            .map(|(t, e)| {
                vec![
                    Cell::text(&t),
                    Cell::text(e.join("、")),
                    button(
                        Self::PATH.into(),
                        "删除",
                        vec![("term".into(), t), ("expansions".into(), String::new())],
                    ),
                ]
            })
            .collect();
        let form = FormBuilder::new(Self::PATH, "保存", fp.data(), fp.errors)
            .title("新增或修改")
            .text("term", "群众常用说法", true, "如：个体户")
            .text(
                "expansions",
                "对应的规范说法",
                true,
                "多个用顿号分隔，如：个体工商户",
            )
            .build();
        fp.render(
            "同义词与常用说法",
            vec![("事项目录".into(), "/admin/items".into())],
            "群众搜索的词句中含有左列说法时，同时按右列的规范说法或事项名称搜索。既可登记同义词（个体户 → 个体工商户），也可登记群众的常用说法（奶茶店 → 食品经营许可，盖房子 → 乡村建设规划许可证核发）。",
            vec![
                Section::table("", vec!["说法", "同时搜索", ""], rows),
                Section::form(form),
            ],
        )
    }

    /// Saves a term's expansions; none removes the term.
    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, CatalogAction::Publish, None).await?;
        let expansions: Vec<String> = data
            .text("expansions")
            .split(['、', ',', '，'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let term = data.text("term");
        let save = state.store.catalog().set_synonym(&term, &expansions);
        Ok(form.save(save).await?.map(|_| Saved::changed(Self::PATH)))
    }
}

pub(super) async fn import_page_with(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &str,
) -> PageResult {
    gate(state, user, CatalogAction::Publish, None).await?;
    let form = FormBuilder::new("/admin/catalog/import", "导入", data, errors)
        .title("上传目录文件")
        .file(
            "file",
            "目录文件",
            "本系统导出的 .json（onewindow.catalog/1）或 .csv（UTF-8）文件",
            &user.ctx.csrf,
        )
        .build();
    let mut rows = Vec::new();
    if !notice.is_empty() {
        rows.push(vec![Cell::tag(notice, "on")]);
    }
    for (f, m) in &errors.0 {
        rows.push(vec![Cell::tag(format!("{f}：{m}"), "bad")]);
    }
    let sections = vec![
        Section::table("结果", vec!["说明"], rows),
        Section::form(form),
    ];
    let title = "导入事项目录";
    page(
        user,
        title,
        vec![("事项目录".into(), "/admin/items".into())],
        "全部校验通过才写入，有任何一项出错则不导入任何内容。新事项直接发布；已有事项内容有变化的发布为新版本。",
        sections,
        errors,
    )
}

pub(super) async fn import_page(State(state): State<AppState>, user: PageUser) -> PageResult {
    import_page_with(&state, &user, &FormData::default(), &FieldErrors::new(), "").await
}

/// Catalogue files can be large: about 4 KB per item in JSON.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub(super) async fn import_submit(
    State(state): State<AppState>,
    user: PageUser,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    gate(&state, &user, CatalogAction::Publish, None).await?;
    let upload = read_upload(
        &mut multipart,
        "file",
        "文件过大（不超过 64 MB）或上传被中断",
    )
    .await;
    let outcome = match upload {
        Err(errors) => Err(errors),
        Ok((None, _)) => Err(FieldErrors::single("file", "请选择要导入的文件")),
        Ok((Some((name, bytes)), _)) => {
            let docs = if name.to_ascii_lowercase().ends_with(".csv") {
                onewindow_store::catalog::csv::parse(&bytes)
            } else {
                std::str::from_utf8(&bytes)
                    .map_err(|_| FieldErrors::single("file", "文件不是 UTF-8 编码"))
                    .and_then(parse_catalog_json)
            };
            match docs {
                Ok(docs) => form_outcome(
                    state
                        .store
                        .catalog()
                        .import_items(docs, user.principal.account_id)
                        .await,
                )?,
                Err(e) => Err(e),
            }
        }
    };
    match outcome {
        Ok(r) => {
            let notice = format!(
                "导入完成：新增 {} 项，更新 {} 项，未变 {} 项。",
                r.created, r.updated, r.unchanged
            );
            import_page_with(
                &state,
                &user,
                &FormData::default(),
                &FieldErrors::new(),
                &notice,
            )
            .await
        }
        Err(errors) => import_page_with(&state, &user, &FormData::default(), &errors, "").await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    format: Option<String>,
}

pub(super) async fn export(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    gate(&state, &user, OrgAction::View, None).await?;
    let csv = q.format.as_deref() == Some("csv");
    let (body, mime, name) = if csv {
        (
            state.store.catalog().export_csv().await?,
            "text/csv; charset=utf-8",
            "catalog.csv",
        )
    } else {
        (
            state.store.catalog().export_json().await?,
            "application/json",
            "catalog.json",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub(super) async fn upload_file(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<ItemId>,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let item = state.store.catalog().get_item(id).await?;
    gate(&state, &user, CatalogAction::Edit, Some(item.department_id)).await?;
    let (file, data) = match read_upload(&mut multipart, "file", "文件不能超过 10 MB，或上传被中断")
        .await
    {
        Ok(read) => read,
        Err(errors) => {
            return admin_item_page(&state, &user, id, &errors, &FormData::default()).await;
        }
    };
    let target = data.text("target");
    let Some((filename, bytes)) = file else {
        let errors = FieldErrors::single("file", "请选择文件");
        return admin_item_page(&state, &user, id, &errors, &data).await;
    };
    let sha = match form_outcome(state.blobs.put(&filename, &bytes))? {
        Ok(sha) => sha,
        Err(errors) => {
            return admin_item_page(&state, &user, id, &errors, &data).await;
        }
    };
    let reference = onewindow_store::blobs::file_ref(&sha, filename.trim());
    let mut doc = working_doc(&state, &item).await?.doc;
    let slot = if target == "result_sample" {
        Some(&mut doc.result_sample)
    } else {
        target
            .strip_prefix("materials[")
            .and_then(|r| r.split_once("]."))
            .and_then(|(i, kind)| Some((i.parse::<usize>().ok()?, kind)))
            .and_then(|(i, kind)| {
                let m = doc.materials.get_mut(i)?;
                match kind {
                    "template" => Some(&mut m.template),
                    "sample" => Some(&mut m.sample),
                    _ => None,
                }
            })
    };
    let Some(slot) = slot else {
        return admin_item_page(
            &state,
            &user,
            id,
            &FieldErrors::single("target", "请选择文件的用途"),
            &data,
        )
        .await;
    };
    *slot = reference;
    match form_outcome(
        state
            .store
            .catalog()
            .save_draft(id, doc, user.principal.account_id)
            .await,
    )? {
        Ok(_) => Ok(Redirect::to(&format!("/admin/items/{id}?notice=saved")).into_response()),
        Err(errors) => admin_item_page(&state, &user, id, &errors, &data).await,
    }
}

/// A published file. Its address is its content's hash, so it may be cached for ever.
pub(super) async fn download(
    State(state): State<AppState>,
    Path((sha256, name)): Path<(String, String)>,
) -> PageResult {
    let bytes = state.blobs.get(&sha256)?;
    let mime = onewindow_store::blobs::content_type(&name).unwrap_or("application/octet-stream");
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
