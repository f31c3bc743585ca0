//! Rules about the SQL text the store writes, checked over its sources.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

/// A bound parameter straight after LIMIT or OFFSET makes SQLite re-prepare the statement on
/// every execution (the planner reads the bound value and marks the statement to be prepared
/// again when it is rebound): a third of the inbox's CPU went to parsing the same SQL. Limits
/// are written `LIMIT CAST($n AS BIGINT)`, which the planner does not read.
#[test]
fn no_limit_or_offset_reads_a_bound_parameter() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            let upper = line.to_uppercase();
            if upper.contains("LIMIT $") || upper.contains("OFFSET $") {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
