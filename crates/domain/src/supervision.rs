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

crate::code_enum! {
    /// How far a deadline has gone: warned (预警) or overdue (超期).
    pub enum AlertLevel {
        Yellow = "yellow", "预警";
        Red = "red", "超期";
    }
}

crate::code_enum! {
    /// Where a yellow or red card (黄牌、红牌) stands.
    pub enum CardStatus {
        Issued = "issued", "已亮牌";
        Appealed = "appealed", "申诉中";
        Upheld = "upheld", "申诉驳回";
        Revoked = "revoked", "已撤销";
    }
}
