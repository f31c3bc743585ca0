//! `onewindow hotline import FILE`: the 12345 / 96128 hotline's CSV export into the platform,
//! whole or not at all (each bad row printed), with a progress bar; a call imported before is
//! kept once.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use onewindow_store::Store;

#[derive(Subcommand)]
pub enum HotlineCommand {
    /// Import a call export: CSV, UTF-8, header
    /// `call_id,time,caller,category,answered,transferred_to,transfer_result,satisfaction`
    /// (README, "12345 hotline").
    Import { file: PathBuf },
}

/// Draws `label [####....] done/total` on one line of the terminal.
pub fn progress(label: &str, done: u64, total: u64) {
    let filled = (done.min(total) * 40).checked_div(total).unwrap_or(40) as usize;
    eprint!(
        "\r{label} [{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(40 - filled)
    );
    let _ = std::io::stderr().flush();
    if done >= total {
        eprintln!();
    }
}

pub async fn run(store: Store, cmd: HotlineCommand) -> anyhow::Result<()> {
    match cmd {
        HotlineCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let report = store
                .reviews()
                .import_hotline(&bytes, &|done, total| progress("导入话单", done, total))
                .await
                .map_err(crate::show_invalid)?;
            println!(
                "导入完成：共 {} 条，新增 {} 条，已有 {} 条。",
                report.rows, report.added, report.already
            );
            Ok(())
        }
    }
}
