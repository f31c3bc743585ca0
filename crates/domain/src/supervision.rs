//! Electronic supervision (电子监察): what may be done with alerts, urging notices, findings,
//! cards and the assessment. The sweep and the indicators are computed by the store.

crate::actions! {
    /// What may be done in electronic supervision.
    pub enum SupervisionAction {
        /// Read alerts, urging notices, findings, cards, indicators and the assessment.
        View => Read,
        /// Issue urging notices, decide explanations and card appeals, close findings
        /// (supervisors).
        Act => Write,
        /// Answer supervision as the unit concerned: file an overdue explanation, appeal a card.
        Answer => Write,
        /// Set thresholds, finding and card rules and the deduction scheme (centre administrators).
        Configure => Write,
    }
}

/// How far a deadline has gone (预警 yellow, 超期 red): stored and sent as `yellow` and `red`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertLevel {
    Yellow,
    Red,
}

impl AlertLevel {
    pub fn key(self) -> &'static str {
        match self {
            AlertLevel::Yellow => "yellow",
            AlertLevel::Red => "red",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AlertLevel::Yellow => "预警",
            AlertLevel::Red => "超期",
        }
    }
}

impl std::str::FromStr for AlertLevel {
    type Err = String;
    /// An unknown level is an error naming it, never a default.
    fn from_str(key: &str) -> Result<AlertLevel, String> {
        match key {
            "yellow" => Ok(AlertLevel::Yellow),
            "red" => Ok(AlertLevel::Red),
            other => Err(format!("unknown alert level {other:?}")),
        }
    }
}

impl TryFrom<String> for AlertLevel {
    type Error = String;
    fn try_from(key: String) -> Result<AlertLevel, String> {
        key.parse()
    }
}
