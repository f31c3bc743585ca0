//! `onewindow trading verify-draw FILE.json`: re-derives a published expert draw from its inputs
//! (the eligible pool, the seed values, the count and the declines) by the algorithm in the
//! README, without the platform or its database. `onewindow trading export-ocds --out FILE.json`:
//! every published lot's OCDS releases (or, with `--records`, its records) as one package,
//! written as it is read.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use onewindow_domain::trading::draw::{self, DrawRecord};
use onewindow_store::trading::ocds::{Package, Publication};

use crate::settings::Settings;

/// Where the deployment's OCDS packages say they come from.
pub fn publication(settings: &Settings) -> Publication {
    Publication {
        prefix: settings.ocid_prefix.clone(),
        base_url: settings.public_url.clone(),
    }
}

#[derive(Subcommand)]
pub enum TradingCommand {
    /// Re-derive an expert draw from its published record (`/trading/draws/{id}.json`).
    VerifyDraw { file: PathBuf },
    /// Write the OCDS 1.1 release package (or record package) of every published lot.
    ExportOcds {
        /// Where to write the package (`-` for standard output).
        #[arg(long)]
        out: PathBuf,
        /// A record package (each lot's releases and compiled release) instead of releases.
        #[arg(long)]
        records: bool,
    },
}

pub async fn run(settings: &Settings, cmd: TradingCommand) -> anyhow::Result<()> {
    match cmd {
        TradingCommand::ExportOcds { out, records } => {
            let store = crate::open_store(settings).await?;
            let p = publication(settings);
            let kind = if records {
                Package::Records
            } else {
                Package::Releases
            };
            let uri = format!("{}/api/v1/trading/ocds/{}", p.base_url, kind.field());
            let out_writer: Box<dyn std::io::Write> = if out.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(
                    std::fs::File::create(&out)
                        .with_context(|| format!("creating {}", out.display()))?,
                )
            };
            let n = store
                .trading()
                .write_ocds(
                    &p,
                    kind,
                    &uri,
                    onewindow_store::now_ms(),
                    std::io::BufWriter::new(out_writer),
                )
                .await?;
            if out.as_os_str() != "-" {
                eprintln!("已导出 {n} 条 OCDS {} 至 {}", kind.field(), out.display());
            }
            Ok(())
        }
        TradingCommand::VerifyDraw { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let record: DrawRecord = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a draw record", file.display()))?;
            draw::verify(&record).map_err(|m| anyhow::anyhow!("验证不通过：{m}"))?;
            println!(
                "验证通过：专家库 {} 人，摘要 {}，种子值 {} 个，抽取 {} 次，确认 {} 人：{}",
                record.pool.len(),
                record.pool_hash,
                record.seeds.len(),
                record.picks.len(),
                record.picks.iter().filter(|p| !p.declined).count(),
                record
                    .picks
                    .iter()
                    .map(|p| if p.declined {
                        format!("{}（拒绝）", p.expert)
                    } else {
                        p.expert.to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            );
            Ok(())
        }
    }
}
