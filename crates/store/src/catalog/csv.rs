//! The catalogue as CSV for bulk edits in a spreadsheet: one row per item, one column per
//! element in the order of the standard. Plain elements are plain cells (flags as 1/0, the
//! standard's convention); lists (materials, steps, fees, …) are JSON in their cell. Text that
//! would start a spreadsheet formula is written with a leading apostrophe, which reading removes.

use onewindow_domain::catalog::ItemDoc;
use onewindow_domain::org::FieldErrors;
use serde_json::{Map, Value};

use crate::catalog::value_text;
use crate::spreadsheet::{inert_cell, restored_cell};
use crate::{StoreError, StoreResult};

/// Every element of `ItemDoc`, in document order.
pub const COLUMNS: &[&str] = &[
    "implementation_code",
    "basic_code",
    "name",
    "aliases",
    "item_type",
    "exercise_level",
    "division_of_powers",
    "exercise_content",
    "legal_bases",
    "department_id",
    "implementing_body",
    "implementing_body_code",
    "body_nature",
    "case_type",
    "statutory_limit_days",
    "statutory_limit_note",
    "promised_limit_days",
    "promised_limit_note",
    "acceptance_conditions",
    "steps",
    "joint_department_ids",
    "joint_limit_days",
    "prerequisites",
    "intermediary_services",
    "quantity_limit",
    "special_procedures",
    "result_name",
    "result_type",
    "result_sample",
    "fees",
    "service_targets",
    "handling_forms",
    "topics",
    "appointment",
    "online_payment",
    "express_delivery",
    "online_depth",
    "max_visits",
    "online_url",
    "location",
    "hours",
    "consult_phone",
    "supervise_phone",
    "faqs",
    "window_ids",
    "materials",
    "form",
];

/// Columns an older export may lack (elements added since): read as empty.
const ADDED_LATER: &[&str] = &["form", "joint_limit_days", "prerequisites"];

pub fn write(docs: &[ItemDoc]) -> StoreResult<String> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(COLUMNS).map_err(csv_err)?;
    for doc in docs {
        let value = serde_json::to_value(doc).map_err(|e| StoreError::Config(e.to_string()))?;
        // Text elements are made inert for spreadsheets; lists are JSON and start with `[`.
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|c| match &value[*c] {
                Value::String(text) => inert_cell(text).into_owned(),
                other => value_text(other),
            })
            .collect();
        out.write_record(&row).map_err(csv_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| StoreError::Config(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Config(e.to_string()))
}

fn csv_err(e: csv::Error) -> StoreError {
    StoreError::Config(e.to_string())
}

/// Reads a CSV export back, reporting every problem by row and column; nothing partial.
pub fn parse(bytes: &[u8]) -> Result<Vec<ItemDoc>, FieldErrors> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        FieldErrors::single(
            "file",
            "文件不是 UTF-8 编码（如从 Excel 另存为 GBK/ANSI，请改存为“CSV UTF-8”）",
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FieldErrors::single("file", format!("无法读取表头：{e}")))?
        .clone();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !ADDED_LATER.contains(c) && !headers.iter().any(|h| h == *c))
        .collect();
    let unknown: Vec<&str> = headers.iter().filter(|h| !COLUMNS.contains(h)).collect();
    let mut errors = FieldErrors::new();
    if !missing.is_empty() {
        errors.add("header", format!("缺少列：{}", missing.join("、")));
    }
    if !unknown.is_empty() {
        errors.add("header", format!("未知列：{}", unknown.join("、")));
    }
    errors.clone().into_result()?;
    let template = serde_json::to_value(ItemDoc::default())
        .map_err(|e| FieldErrors::single("file", e.to_string()))?;
    let mut docs = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.add(
                    &format!("第 {row} 行"),
                    format!("CSV 格式有误（引号或列数不对）：{e}"),
                );
                continue;
            }
        };
        let mut object = Map::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            let field = format!("第 {row} 行 {header}");
            let value = match &template[header] {
                Value::String(_) => Value::String(restored_cell(cell).to_owned()),
                Value::Bool(_) => match cell.trim() {
                    "1" | "是" => Value::Bool(true),
                    "0" | "否" | "" => Value::Bool(false),
                    other => {
                        errors.add(&field, format!("应为 1 或 0，实际“{other}”"));
                        continue;
                    }
                },
                Value::Number(_) => match cell.trim().parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        errors.add(&field, format!("应为整数，实际“{cell}”"));
                        continue;
                    }
                },
                _ => match serde_json::from_str::<Value>(if cell.trim().is_empty() {
                    "[]"
                } else {
                    cell
                }) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.add(&field, format!("JSON 格式有误：{e}"));
                        continue;
                    }
                },
            };
            object.insert(header.to_owned(), value);
        }
        match serde_json::from_value::<ItemDoc>(Value::Object(object)) {
            Ok(doc) => docs.push(doc),
            Err(e) => errors.add(&format!("第 {row} 行"), format!("内容有误：{e}")),
        }
    }
    errors.into_result()?;
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_every_element() {
        let template = serde_json::to_value(ItemDoc::default()).unwrap();
        let mut keys: Vec<&str> = template
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut cols = COLUMNS.to_vec();
        keys.sort();
        cols.sort();
        assert_eq!(keys, cols);
    }

    #[test]
    fn bad_files_are_explained() {
        let gbk = [0xb8u8, 0xf6, 0xcc, 0xe5];
        assert_eq!(parse(&gbk).unwrap_err().0[0].0, "file");
        let err = parse(b"name,basic_code\n").unwrap_err();
        assert!(err.0[0].1.contains("缺少列"));
        let mut text = COLUMNS.join(",");
        text.push_str("\n\"unterminated\n");
        assert!(parse(text.as_bytes()).is_err());
    }
}
