//! Chinese full-text search over the published catalogue: tantivy with the jieba tokenizer,
//! administrators' synonyms expanded at query time, filters, and highlighted snippets. The index
//! is derived data: rebuilt from the database whenever it is missing or out of step.

use onewindow_domain::ids::{DepartmentId, ItemId};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use onewindow_domain::catalog::ItemDoc;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::{StoreError, StoreResult};

const TOKENIZER: &str = "jieba";
/// The longest query we accept, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    aliases: Field,
    conditions: Field,
    materials: Field,
    department: Field,
    department_id: Field,
    item_type: Field,
    topic: Field,
    level: Field,
    depth: Field,
    audience: Field,
}

/// Holds no writer between updates, so that a server and the CLI can share one index folder:
/// each update takes the writer lock briefly, and readers reload when another process commits.
pub struct CatalogIndex {
    index: Index,
    reader: IndexReader,
    /// Serialises this process's writers; other processes are kept out by tantivy's lock file.
    write_lock: Mutex<()>,
    fields: Fields,
    synonyms: Mutex<BTreeMap<String, Vec<String>>>,
}

/// Filters that narrow a search; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct SearchFilter {
    pub department_id: Option<DepartmentId>,
    /// A.1 code.
    pub item_type: Option<String>,
    /// Topic key (p_… or c_…).
    pub topic: Option<String>,
    /// A.2 code.
    pub level: Option<String>,
    /// Minimum online-handling depth, 0–4.
    pub min_depth: Option<u8>,
    /// individual or company.
    pub audience: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub item_id: ItemId,
    pub name: String,
    pub department: String,
    /// The name with matches wrapped in `<b>`, HTML-escaped otherwise.
    pub name_html: String,
    /// A highlighted excerpt of the materials or conditions, when they matched.
    pub excerpt_html: String,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub total: usize,
    /// The terms the query was widened with through synonyms.
    pub expanded_with: Vec<String>,
    pub hits: Vec<SearchHit>,
}

fn search_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("search index: {e}"))
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { opts.set_stored() } else { opts }
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        name: b.add_text_field("name", text(true)),
        aliases: b.add_text_field("aliases", text(false)),
        conditions: b.add_text_field("conditions", text(true)),
        materials: b.add_text_field("materials", text(true)),
        department: b.add_text_field("department", text(true)),
        department_id: b.add_u64_field("department_id", INDEXED | FAST),
        item_type: b.add_text_field("item_type", STRING),
        topic: b.add_text_field("topic", STRING),
        level: b.add_text_field("level", STRING),
        depth: b.add_text_field("depth", STRING),
        audience: b.add_text_field("audience", STRING),
    };
    (b.build(), fields)
}

impl CatalogIndex {
    /// An index in memory (tests, benchmarks) or in `dir` (a server's data folder).
    pub fn open(dir: Option<&Path>) -> StoreResult<CatalogIndex> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(search_err)?;
                let directory = tantivy::directory::MmapDirectory::open(dir).map_err(search_err)?;
                match Index::open_or_create(directory, schema.clone()) {
                    Ok(index) => index,
                    // A different schema from an older build: start afresh; it is derived data.
                    Err(_) => {
                        std::fs::remove_dir_all(dir).map_err(search_err)?;
                        std::fs::create_dir_all(dir).map_err(search_err)?;
                        let directory =
                            tantivy::directory::MmapDirectory::open(dir).map_err(search_err)?;
                        Index::create(directory, schema, Default::default()).map_err(search_err)?
                    }
                }
            }
        };
        index
            .tokenizers()
            .register(TOKENIZER, tantivy_jieba::JiebaTokenizer::new());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(search_err)?;
        Ok(CatalogIndex {
            index,
            reader,
            write_lock: Mutex::new(()),
            fields,
            synonyms: Mutex::new(BTreeMap::new()),
        })
    }

    /// Runs `f` with a writer, commits, and makes the result visible to this process at once.
    fn write(&self, f: impl FnOnce(&mut IndexWriter) -> StoreResult<()>) -> StoreResult<()> {
        let _guard = self.write_lock.lock().map_err(search_err)?;
        let mut attempts = 0;
        let mut writer: IndexWriter = loop {
            match self.index.writer_with_num_threads(1, 15_000_000) {
                Ok(w) => break w,
                // Another process (a server, or the CLI) is writing; it holds the lock briefly.
                Err(tantivy::TantivyError::LockFailure(..)) if attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(search_err(e)),
            }
        };
        f(&mut writer)?;
        writer.commit().map_err(search_err)?;
        writer.wait_merging_threads().map_err(search_err)?;
        self.reader.reload().map_err(search_err)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn set_synonyms(&self, synonyms: BTreeMap<String, Vec<String>>) {
        if let Ok(mut s) = self.synonyms.lock() {
            *s = synonyms;
        }
    }

    /// Replaces the entries of these items: `Some(doc)` indexes it, `None` removes it.
    pub fn update(&self, entries: &[(ItemId, Option<&ItemDoc>)]) -> StoreResult<()> {
        let f = self.fields;
        self.write(|writer| {
            for (id, doc) in entries {
                writer.delete_term(Term::from_field_u64(f.id, id.get() as u64));
                if let Some(d) = doc {
                    writer
                        .add_document(self.document(*id, d))
                        .map_err(search_err)?;
                }
            }
            Ok(())
        })
    }

    /// Empties the index and adds these documents.
    pub fn rebuild(&self, docs: &[(ItemId, &ItemDoc)]) -> StoreResult<()> {
        self.write(|writer| {
            writer.delete_all_documents().map_err(search_err)?;
            for (id, d) in docs {
                writer
                    .add_document(self.document(*id, d))
                    .map_err(search_err)?;
            }
            Ok(())
        })
    }

    fn document(&self, id: ItemId, d: &ItemDoc) -> TantivyDocument {
        let f = self.fields;
        let materials: Vec<&str> = d.materials.iter().map(|m| m.name.as_str()).collect();
        let mut doc = doc!(
            f.id => id.get() as u64,
            f.name => d.name.clone(),
            f.aliases => d.aliases.join("；"),
            f.conditions => d.acceptance_conditions.clone(),
            f.materials => materials.join("；"),
            f.department => d.implementing_body.clone(),
            f.department_id => d.department_id.get() as u64,
            f.item_type => d.item_type.clone(),
            f.level => d.exercise_level.clone(),
        );
        for topic in &d.topics {
            doc.add_text(f.topic, topic);
        }
        let depth: u8 = d.online_depth.parse().unwrap_or(0);
        for level in 0..=depth {
            doc.add_text(f.depth, level.to_string());
        }
        if d.service_targets.iter().any(|t| t == "1") {
            doc.add_text(f.audience, "individual");
        }
        if d.service_targets.iter().any(|t| t != "1") {
            doc.add_text(f.audience, "company");
        }
        doc
    }

    /// Searches names, aliases, conditions, materials and departments; an empty query lists
    /// everything the filters let through. Callers refuse empty and over-long queries typed
    /// by people with `check_query`.
    pub fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> StoreResult<SearchResults> {
        let f = self.fields;
        let text = sanitize(query);
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.name, f.aliases, f.conditions, f.materials, f.department],
        );
        parser.set_field_boost(f.name, 4.0);
        parser.set_field_boost(f.aliases, 3.0);
        parser.set_field_boost(f.department, 1.5);
        let mut expanded_with = Vec::new();
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, parser.parse_query_lenient(&text).0)];
        if let Ok(synonyms) = self.synonyms.lock() {
            for (term, expansions) in synonyms.iter() {
                if text.contains(term.as_str()) {
                    for e in expansions {
                        expanded_with.push(e.clone());
                        let widened = text.replace(term.as_str(), e);
                        alternatives.push((Occur::Should, parser.parse_query_lenient(&widened).0));
                    }
                }
            }
        }
        // No words: every item that passes the filters (browsing by department or theme).
        let text_query: Box<dyn Query> = if text.trim().is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(alternatives))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        if let Some(d) = filter.department_id {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.department_id, d.get() as u64),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(t) = filter.item_type.as_deref().filter(|s| !s.is_empty()) {
            clauses.push((Occur::Must, term(f.item_type, t)));
        }
        if let Some(t) = filter.topic.as_deref().filter(|s| !s.is_empty()) {
            clauses.push((Occur::Must, term(f.topic, t)));
        }
        if let Some(l) = filter.level.as_deref().filter(|s| !s.is_empty()) {
            clauses.push((Occur::Must, term(f.level, l)));
        }
        if let Some(d) = filter.min_depth {
            clauses.push((Occur::Must, term(f.depth, &d.to_string())));
        }
        if let Some(a) = filter.audience.as_deref().filter(|s| !s.is_empty()) {
            clauses.push((Occur::Must, term(f.audience, a)));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let (top, total) = searcher
            .search(
                &query,
                &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
            )
            .map_err(search_err)?;
        let mut terms = self.query_terms(&text);
        for e in &expanded_with {
            terms.extend(self.query_terms(e));
        }
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(search_err)?;
            let text_of = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let name = text_of(f.name);
            let matching: Vec<String> = text_of(f.materials)
                .split('；')
                .filter(|m| terms.iter().any(|t| m.contains(t.as_str())))
                .take(3)
                .map(|m| highlight(m, &terms))
                .collect();
            hits.push(SearchHit {
                item_id: doc
                    .get_first(f.id)
                    .and_then(|v| v.as_u64())
                    .map_or(ItemId(0), |v| ItemId(v as i64)),
                name_html: highlight(&name, &terms),
                name,
                department: text_of(f.department),
                excerpt_html: matching.join("；"),
                score,
            });
        }
        Ok(SearchResults {
            total,
            expanded_with,
            hits,
        })
    }
}

impl CatalogIndex {
    /// The words of a query as the index sees them; single characters only when the query is
    /// one character, so that highlighting marks words rather than every 的 and 证.
    fn query_terms(&self, text: &str) -> Vec<String> {
        let mut terms = Vec::new();
        if let Some(mut analyzer) = self.index.tokenizers().get(TOKENIZER) {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                let t = stream.token().text.trim().to_owned();
                if !t.is_empty() && (t.chars().count() > 1 || text.trim().chars().count() == 1) {
                    terms.push(t);
                }
            }
        }
        terms.sort();
        terms.dedup();
        terms
    }
}

/// `text` HTML-escaped, with every occurrence of any term wrapped in `<b>`.
fn highlight(text: &str, terms: &[String]) -> String {
    let mut marked = vec![false; text.len()];
    for t in terms.iter().filter(|t| !t.is_empty()) {
        for (start, _) in text.match_indices(t.as_str()) {
            marked[start..start + t.len()]
                .iter_mut()
                .for_each(|m| *m = true);
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for (i, c) in text.char_indices() {
        if marked[i] != open {
            out.push_str(if marked[i] { "<b>" } else { "</b>" });
            open = marked[i];
        }
        out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
    }
    if open {
        out.push_str("</b>");
    }
    out
}

/// Why a query cannot be searched, in words for the search box.
pub fn check_query(query: &str) -> Result<(), String> {
    let n = query.trim().chars().count();
    if n == 0 {
        Err("请输入要搜索的事项名称或关键词".into())
    } else if n > MAX_QUERY_CHARS {
        Err(format!("关键词过长（最多 {MAX_QUERY_CHARS} 个字）"))
    } else {
        Ok(())
    }
}

/// Query-parser syntax characters are treated as spaces: people type words, not queries.
fn sanitize(query: &str) -> String {
    query
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| {
            if "+-&|!(){}[]^\"~*?:\\/'".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_merges_overlaps_and_escapes() {
        let terms = vec!["营业".to_owned(), "营业执照".to_owned(), "执照".to_owned()];
        assert_eq!(
            highlight("换领营业执照<副本>", &terms),
            "换领<b>营业执照</b>&lt;副本&gt;"
        );
        assert_eq!(highlight("无关", &terms), "无关");
    }
}
