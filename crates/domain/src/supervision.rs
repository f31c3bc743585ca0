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
