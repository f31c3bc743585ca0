//! `onewindow trading verify-draw FILE.json`: re-derives a published expert draw from its inputs
//! (the eligible pool, the seed values, the count and the declines) by the algorithm in the
//! README, without the platform or its database.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use onewindow_domain::trading::draw::{self, DrawRecord};

#[derive(Subcommand)]
pub enum TradingCommand {
    /// Re-derive an expert draw from its published record (`/trading/draws/{id}.json`).
    VerifyDraw { file: PathBuf },
}

pub fn run(cmd: TradingCommand) -> anyhow::Result<()> {
    match cmd {
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
