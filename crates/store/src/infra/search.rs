//! Chinese full-text search over the published catalogue, built for how citizens ask.
//!
//! Every query is normalised as the index is (traditional characters to simplified through
//! OpenCC's tables, full-width to half-width, lower case) and then matched several ways at once,
//! each adding to an item's score rather than being required:
//! - jieba words against names, aliases, departments, conditions and materials (BM25, names
//!   weighted most), with the words in their order as a bonus;
//! - character pairs of names and aliases, so that a name with 证 or 核发 added or left off, one
//!   wrong character, or a split that jieba makes differently still finds the item;
//! - one character off the whole name or an alias (a Levenshtein automaton);
//! - pinyin and pinyin initials of names and aliases, from the start of any word (jiehun, sbk);
//! - administrators' synonyms and everyday phrasings (开奶茶店 → 食品经营许可), each a widened
//!   query of its own.
//!
//! When nothing matches, single characters of the names give the nearest items. Filters narrow,
//! results are paged, and matches are highlighted. The index is derived data: rebuilt from the
//! database whenever it is missing or out of step.

use onewindow_domain::ids::{DepartmentId, ItemId};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use pinyin::ToPinyin;
use std::time::Duration;

use onewindow_domain::catalog::ItemDoc;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, QueryParser, RegexQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, RawTokenizer, TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::{StoreError, StoreResult};

const TOKENIZER: &str = "jieba";
/// Character pairs of names and aliases.
const PAIRS: &str = "pairs";
/// Single characters of names and aliases (the fallback when nothing else matches).
const CHARS: &str = "chars";
/// A whole value as one lower-cased token (pinyin keys, whole names for fuzzy matching).
const WHOLE: &str = "whole";
/// The longest query we accept, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The most results one page may ask for, and how deep paging may go.
pub const MAX_PAGE: usize = 500;
pub const MAX_OFFSET: usize = 10_000;
/// Pinyin keys are cut at this many letters; longer input is not pinyin.
const MAX_PINYIN: usize = 64;
/// Whole names of at most this many characters are matched one character off.
const MAX_FUZZY_CHARS: usize = 24;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    aliases: Field,
    conditions: Field,
    materials: Field,
    department: Field,
    pairs: Field,
    chars: Field,
    whole_name: Field,
    pinyin: Field,
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
    /// All the words of a reading, in their order, in a name or an alias (built once).
    in_order: QueryParser,
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
    /// Where this page starts in the results.
    pub offset: usize,
    /// Nothing matched the query: these are the items nearest to it by single characters.
    pub nearest: bool,
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
    let tokenized = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        name: b.add_text_field("name", text(true)),
        aliases: b.add_text_field("aliases", text(false)),
        conditions: b.add_text_field("conditions", text(true)),
        materials: b.add_text_field("materials", text(true)),
        department: b.add_text_field("department", text(true)),
        pairs: b.add_text_field("pairs", tokenized(PAIRS)),
        chars: b.add_text_field("chars", tokenized(CHARS)),
        whole_name: b.add_text_field("whole_name", tokenized(WHOLE)),
        pinyin: b.add_text_field("pinyin", tokenized(WHOLE)),
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
        let tokenizers = index.tokenizers();
        tokenizers.register(TOKENIZER, tantivy_jieba::JiebaTokenizer::new());
        let grams = |n| NgramTokenizer::all_ngrams(n, n).map_err(search_err);
        tokenizers.register(PAIRS, TextAnalyzer::builder(grams(2)?).build());
        tokenizers.register(CHARS, TextAnalyzer::builder(grams(1)?).build());
        tokenizers.register(
            WHOLE,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(search_err)?;
        let mut in_order = QueryParser::for_index(&index, vec![fields.name, fields.aliases]);
        in_order.set_conjunction_by_default();
        Ok(CatalogIndex {
            index,
            reader,
            write_lock: Mutex::new(()),
            fields,
            synonyms: Mutex::new(BTreeMap::new()),
            in_order,
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
            *s = synonyms
                .into_iter()
                .map(|(term, expansions)| (normalize(&term), expansions))
                .collect();
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
        for name in std::iter::once(&d.name).chain(&d.aliases) {
            let name = normalize(name);
            doc.add_text(f.pairs, &name);
            doc.add_text(f.chars, &name);
            doc.add_text(f.whole_name, &name);
            for key in self.pinyin_keys(&name) {
                doc.add_text(f.pinyin, key);
            }
        }
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

    /// The pinyin of a name from the start of each of its words, in full and as initials:
    /// 内地居民结婚登记 gives neidijuminjiehundengji, jiehundengji, … and ndjmjhdj, jhdj, ….
    fn pinyin_keys(&self, name: &str) -> Vec<String> {
        let mut starts: Vec<usize> = self.tokens(name).into_iter().map(|(at, _)| at).collect();
        starts.push(0);
        starts.sort_unstable();
        starts.dedup();
        let mut keys = Vec::with_capacity(starts.len() * 2);
        for at in starts {
            let (mut full, mut initials) = (String::new(), String::new());
            for c in name[at..].chars() {
                match c.to_pinyin() {
                    Some(p) => {
                        full.push_str(p.plain());
                        initials.push_str(p.first_letter());
                    }
                    None if c.is_ascii_alphanumeric() => {
                        full.push(c);
                        initials.push(c);
                    }
                    None => {}
                }
            }
            if !full.is_empty() {
                full.truncate(MAX_PINYIN);
                initials.truncate(MAX_PINYIN);
                keys.push(full);
                keys.push(initials);
            }
        }
        keys
    }

    /// The clauses that match one reading of a query, each adding to the score.
    fn matchers(
        &self,
        text: &str,
        out: &mut Vec<(Occur, Box<dyn Query>)>,
        terms: &mut Vec<String>,
    ) {
        let f = self.fields;
        let boosted = |q: Box<dyn Query>, boost: f32| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(BoostQuery::new(q, boost)))
        };
        let term = |field: Field, t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        let one_char = text.chars().count() == 1;
        let mut words: Vec<String> = self
            .tokens(text)
            .into_iter()
            .map(|(_, w)| w)
            .filter(|w| one_char || w.chars().count() > 1)
            .collect();
        words.sort();
        words.dedup();
        for w in &words {
            for (field, boost) in [
                (f.name, 4.0),
                (f.aliases, 3.0),
                (f.department, 1.5),
                (f.conditions, 0.5),
                (f.materials, 0.5),
            ] {
                out.push(boosted(term(field, w), boost));
            }
        }
        terms.extend(words);
        // The words in their order, in a name or an alias.
        out.push(boosted(self.in_order.parse_query_lenient(text).0, 3.0));
        // Character pairs: partial names, other suffixes, a wrong character, other splits.
        let chars: Vec<char> = text.chars().collect();
        let mut pairs: Vec<String> = chars
            .windows(2)
            .filter(|p| p.iter().all(|c| c.is_alphanumeric()))
            .map(|p| p.iter().collect())
            .collect();
        pairs.sort();
        pairs.dedup();
        for p in &pairs {
            out.push(boosted(term(f.pairs, p), 1.0));
        }
        terms.extend(pairs);
        // One character off a whole name or alias.
        if (3..=MAX_FUZZY_CHARS).contains(&chars.len()) {
            let whole = Term::from_field_text(f.whole_name, text);
            out.push(boosted(Box::new(FuzzyTermQuery::new(whole, 1, true)), 6.0));
        }
        // Pinyin or its initials, from the start of any word of a name.
        let letters: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\'')
            .collect();
        if (2..=MAX_PINYIN).contains(&letters.len())
            && letters.chars().all(|c| c.is_ascii_lowercase())
            && let Ok(q) = RegexQuery::from_pattern(&format!("{letters}.*"), f.pinyin)
        {
            out.push(boosted(Box::new(q), 8.0));
        }
    }

    fn filters(&self, filter: &SearchFilter) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let term = |field: Field, value: &str| -> (Occur, Box<dyn Query>) {
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )),
            )
        };
        let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let mut clauses = Vec::new();
        if let Some(d) = filter.department_id {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.department_id, d.get() as u64),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ));
        }
        if let Some(t) = given(&filter.item_type) {
            clauses.push(term(f.item_type, &t));
        }
        if let Some(t) = given(&filter.topic) {
            clauses.push(term(f.topic, &t));
        }
        if let Some(l) = given(&filter.level) {
            clauses.push(term(f.level, &l));
        }
        if let Some(d) = filter.min_depth {
            clauses.push(term(f.depth, &d.to_string()));
        }
        if let Some(a) = given(&filter.audience) {
            clauses.push(term(f.audience, &a));
        }
        clauses
    }

    /// The first `limit` results; see `search_page`.
    pub fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> StoreResult<SearchResults> {
        self.search_page(query, filter, 0, limit)
    }

    /// Searches names, aliases, conditions, materials and departments, best matches first, and
    /// returns `limit` results from `offset`; an empty query lists everything the filters let
    /// through. Callers refuse over-long queries typed by people with `check_query`.
    pub fn search_page(
        &self,
        query: &str,
        filter: &SearchFilter,
        offset: usize,
        limit: usize,
    ) -> StoreResult<SearchResults> {
        let f = self.fields;
        let text = sanitize(&normalize(
            &query.chars().take(MAX_QUERY_CHARS).collect::<String>(),
        ));
        let text = text.trim();
        let mut expanded_with = Vec::new();
        let mut readings = vec![text.to_owned()];
        if let Ok(synonyms) = self.synonyms.lock() {
            for (term, expansions) in synonyms.iter() {
                if !text.is_empty() && text.contains(term.as_str()) {
                    for e in expansions {
                        expanded_with.push(e.clone());
                        readings.push(text.replace(term.as_str(), &sanitize(&normalize(e))));
                    }
                }
            }
        }
        let mut terms = Vec::new();
        let text_query: Box<dyn Query> = if text.is_empty() {
            Box::new(AllQuery)
        } else {
            let mut alternatives = Vec::new();
            for reading in &readings {
                self.matchers(reading, &mut alternatives, &mut terms);
            }
            Box::new(BooleanQuery::new(alternatives))
        };
        let searcher = self.reader.searcher();
        let limit = limit.clamp(1, MAX_PAGE);
        let offset = offset.min(MAX_OFFSET);
        let run = |text_query: Box<dyn Query>| {
            let mut clauses = vec![(Occur::Must, text_query)];
            clauses.extend(self.filters(filter));
            searcher
                .search(
                    &BooleanQuery::new(clauses),
                    &(
                        TopDocs::with_limit(limit)
                            .and_offset(offset)
                            .order_by_score(),
                        Count,
                    ),
                )
                .map_err(search_err)
        };
        let (mut top, mut total) = run(text_query)?;
        // Nothing at all: the items that share the most characters with the query.
        let mut nearest = false;
        if total == 0 && !text.is_empty() {
            let mut chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
            chars.sort_unstable();
            chars.dedup();
            let singles: Vec<(Occur, Box<dyn Query>)> = chars
                .iter()
                .map(|c| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.chars, &c.to_string()),
                            IndexRecordOption::WithFreqs,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            if !singles.is_empty() {
                (top, total) = run(Box::new(BooleanQuery::new(singles)))?;
                nearest = total > 0;
            }
        }
        terms.sort();
        terms.dedup();
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
            let matching: Vec<String> = if nearest {
                Vec::new()
            } else {
                text_of(f.materials)
                    .split('；')
                    .filter(|m| {
                        terms
                            .iter()
                            .any(|t| t.chars().count() > 1 && m.contains(t.as_str()))
                    })
                    .take(3)
                    .map(|m| highlight(m, &terms))
                    .collect()
            };
            hits.push(SearchHit {
                item_id: doc
                    .get_first(f.id)
                    .and_then(|v| v.as_u64())
                    .map_or(ItemId(0), |v| ItemId(v as i64)),
                name_html: if nearest {
                    highlight(&name, &[])
                } else {
                    highlight(&name, &terms)
                },
                name,
                department: text_of(f.department),
                excerpt_html: matching.join("；"),
                score,
            });
        }
        Ok(SearchResults {
            total,
            offset,
            nearest,
            expanded_with,
            hits,
        })
    }
}

impl CatalogIndex {
    /// The words jieba finds in `text`, with the byte offset each starts at.
    fn tokens(&self, text: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        if let Some(mut analyzer) = self.index.tokenizers().get(TOKENIZER) {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                let token = stream.token();
                let t = token.text.trim();
                if !t.is_empty() {
                    out.push((token.offset_from, t.to_owned()));
                }
            }
        }
        out
    }
}

/// Text as the index keeps it: traditional characters simplified, full-width forms half-width,
/// lower case.
pub fn normalize(text: &str) -> String {
    static T2S: OnceLock<Option<OpenCC>> = OnceLock::new();
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    match T2S.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok()) {
        Some(t2s) => t2s.convert(&folded),
        None => folded,
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

/// Why a query cannot be searched, in words for the search box. An empty query lists.
pub fn check_query(query: &str) -> Result<(), String> {
    if query.trim().chars().count() > MAX_QUERY_CHARS {
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
    fn queries_and_names_are_read_alike() {
        assert_eq!(normalize("醫保報銷"), "医保报销");
        assert_eq!(normalize("ＫＴＶ　許可"), "ktv 许可");
        assert_eq!(normalize("营业执照"), "营业执照");
        let index = CatalogIndex::open(None).unwrap();
        let keys = index.pinyin_keys("内地居民结婚登记");
        for key in ["neidijuminjiehundengji", "ndjmjhdj", "jiehundengji", "jhdj"] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
    }

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
