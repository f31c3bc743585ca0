//! Cells written for spreadsheet programs. A cell that would start a formula (`=`, `+`, `-`,
//! `@`, or a tab or carriage return before one) gets a leading apostrophe, as OWASP advises
//! against CSV injection, so that a name like `=HYPERLINK(…)` cannot run when a supervisor opens
//! the file. A cell that already starts with an apostrophe gets one more, so that reading a file
//! back (`restored_cell`) gives every text exactly as it was written.

use std::borrow::Cow;

pub fn inert_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell as `inert_cell` wrote it, read back: one leading apostrophe removed.
pub fn restored_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_comes_back_as_written() {
        for text in [
            "=1+2", "+86", "-", "@SUM(A1)", "'quoted", "''", "张伟", "", "\t=x",
        ] {
            let written = inert_cell(text);
            assert!(!written.starts_with(['=', '+', '-', '@', '\t', '\r']));
            assert_eq!(restored_cell(&written), text);
        }
    }
}
