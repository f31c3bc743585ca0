//! Bounds on what a command may carry, checked before any rule of the case: texts are limited
//! in length and free of control and direction-override characters, names are not invisible,
//! lists are limited in length, amounts stay within what a fee can be, and dates lie from
//! today on within the calendar's data. Whatever the channel (page, API, exchange), nothing
//! unbounded reaches the log.

use chrono::NaiveDate;

use super::{Applicant, ApplicationRef, CaseError, Command, Ctx, Decision, Delivery};

/// Reasons, opinions, commitments, notes (characters).
pub const MAX_TEXT: usize = 2_000;
/// Names of materials and people, waybill numbers, mobile numbers (characters).
pub const MAX_NAME: usize = 100;
/// Materials handed in, missing or pending in one command.
pub const MAX_LIST: usize = 100;
/// A fee in fen: 10,000,000 yuan, above any administrative fee.
pub const MAX_FEE_FEN: u64 = 1_000_000_000;

/// Refuses a command whose values lie outside the bounds, naming the field.
pub fn check(command: &Command, ctx: &Ctx) -> Result<(), CaseError> {
    match command {
        Command::Submit {
            applicant,
            materials,
            application,
            ..
        } => {
            check_applicant(applicant)?;
            check_application(application.as_ref())?;
            names("materials", materials)
        }
        Command::RefuseAcceptance {
            reasons,
            legal_basis,
        } => {
            text("reasons", reasons)?;
            text("legal_basis", legal_basis)
        }
        Command::AcceptWithDeficiencies {
            pending,
            supply_by,
            commitment,
        } => {
            names("pending", pending)?;
            ahead("supply_by", *supply_by, ctx)?;
            text("commitment", commitment)
        }
        Command::ApproveOnPledge { pledge, verify_by } => {
            text("pledge", pledge)?;
            ahead("verify_by", *verify_by, ctx)
        }
        Command::VerifyPledge { notes, .. } => text("notes", notes),
        Command::RequestSupplement {
            missing,
            reason,
            supply_by,
        } => {
            missing_items(missing)?;
            if let Some(by) = supply_by {
                ahead("supply_by", *by, ctx)?;
            }
            text("reason", reason)
        }
        Command::SupplyDeficiency { material } => name("material", material),
        Command::WaiveDeficiency { material, reason } => {
            name("material", material)?;
            text("reason", reason)
        }
        Command::CompleteStep { opinion } => text("opinion", opinion),
        Command::ReturnStep { reasons } | Command::ReturnCase { reasons } => {
            text("reasons", reasons)
        }
        Command::Reassign { reason, .. } => text("reason", reason),
        Command::StartSpecialProcedure { name: n, .. } => name("name", n),
        Command::Extend { reason, .. } | Command::Withdraw { reason } => text("reason", reason),
        Command::Decide {
            decision:
                Decision {
                    reasons,
                    legal_basis,
                    ..
                },
        } => {
            text("decision.reasons", reasons)?;
            text("decision.legal_basis", legal_basis)
        }
        Command::CollectFee {
            amount_fen,
            override_reason,
        } => {
            if *amount_fen > MAX_FEE_FEN {
                return Err(invalid("amount_fen", "收费金额超出允许范围"));
            }
            override_reason
                .as_deref()
                .map_or(Ok(()), |r| text("override_reason", r))
        }
        Command::Deliver {
            delivery: Delivery::Express { waybill },
        } => name("delivery.waybill", waybill),
        Command::SupplementReceived {
            materials,
            application,
        } => {
            check_application(application.as_ref())?;
            names("materials", materials)
        }
        Command::CompleteBranchStep { branch, opinion } => {
            branch_index(*branch)?;
            text("opinion", opinion)
        }
        Command::ReturnBranch { branch, reasons } => {
            branch_index(*branch)?;
            text("reasons", reasons)
        }
        Command::ResendBranch { branch, note } => {
            branch_index(*branch)?;
            text("note", note)
        }
        Command::AskBranchSupplement { branch, missing } => {
            branch_index(*branch)?;
            missing_items(missing)
        }
        Command::Review {
            rating, query_code, ..
        } => {
            text("rating.comment", &rating.comment)?;
            names("rating.reasons", &rating.reasons)?;
            query_code
                .as_deref()
                .map_or(Ok(()), |c| name("query_code", c))
        }
        Command::Accept
        | Command::EndSpecialProcedure
        | Command::Conclude
        | Command::Deliver { .. } => Ok(()),
    }
}

fn missing_items(missing: &[super::Missing]) -> Result<(), CaseError> {
    list_len("missing", missing.len())?;
    for (i, m) in missing.iter().enumerate() {
        name(&format!("missing[{i}].material"), &m.material)?;
        text(&format!("missing[{i}].reason"), &m.reason)?;
        if let Some(f) = &m.field {
            name(&format!("missing[{i}].field"), f)?;
        }
    }
    Ok(())
}

fn branch_index(branch: usize) -> Result<(), CaseError> {
    if branch >= MAX_LIST {
        return Err(invalid("branch", "会办部门序号超出范围"));
    }
    Ok(())
}

fn check_applicant(a: &Applicant) -> Result<(), CaseError> {
    name("applicant.name", &a.name)?;
    // `name` refused invisible-only text; an empty name is refused here.
    if !a.name.chars().any(is_visible) {
        return Err(invalid("applicant.name", "须填写申请人名称"));
    }
    name("applicant.mobile", &a.mobile)?;
    name("applicant.id_number", &a.id_number)
}

/// An application reference: a positive number and a SHA-256 digest in hex.
fn check_application(a: Option<&ApplicationRef>) -> Result<(), CaseError> {
    match a {
        Some(a)
            if a.id <= 0
                || a.digest.len() != 64
                || !a.digest.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Err(invalid("application", "网上申请的编号或摘要无效"))
        }
        _ => Ok(()),
    }
}

fn invalid(field: &str, message: impl Into<String>) -> CaseError {
    CaseError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Free text: line breaks and tabs allowed, other control and direction-override characters not.
fn text(field: &str, value: &str) -> Result<(), CaseError> {
    bounded(field, value, MAX_TEXT, |c| matches!(c, '\n' | '\r' | '\t'))
}

/// A name on one line, with at least one visible character when given.
fn name(field: &str, value: &str) -> Result<(), CaseError> {
    bounded(field, value, MAX_NAME, |_| false)?;
    if !value.is_empty() && !value.chars().any(is_visible) {
        return Err(invalid(field, "不能只由空白或不可见字符组成"));
    }
    Ok(())
}

fn names(field: &str, values: &[String]) -> Result<(), CaseError> {
    list_len(field, values.len())?;
    values
        .iter()
        .enumerate()
        .try_for_each(|(i, v)| name(&format!("{field}[{i}]"), v))
}

fn list_len(field: &str, len: usize) -> Result<(), CaseError> {
    if len > MAX_LIST {
        return Err(invalid(field, format!("最多 {MAX_LIST} 项")));
    }
    Ok(())
}

fn bounded(
    field: &str,
    value: &str,
    max: usize,
    allowed_control: impl Fn(char) -> bool,
) -> Result<(), CaseError> {
    if value.chars().count() > max {
        return Err(invalid(field, format!("不能超过 {max} 个字")));
    }
    if value
        .chars()
        .any(|c| (c.is_control() && !allowed_control(c)) || is_direction_override(c))
    {
        return Err(invalid(field, "含有不允许的控制字符"));
    }
    Ok(())
}

/// Whether `c` may stand in free text (reasons, opinions, comments): no control character but
/// the line breaks and tabs a text box sends, and no direction override.
pub fn is_text_char(c: char) -> bool {
    (!c.is_control() || matches!(c, '\n' | '\r' | '\t')) && !is_direction_override(c)
}

/// Characters that reorder how text is shown (Trojan Source, CVE-2021-42574): a name could
/// read differently from what is stored.
fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn is_visible(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{3164}'
        )
}

/// A date from today on that the working-day calendar still covers.
fn ahead(field: &str, date: NaiveDate, ctx: &Ctx) -> Result<(), CaseError> {
    let (_, last) = ctx.calendar.range();
    if date < ctx.today || date > last {
        return Err(invalid(
            field,
            format!("日期不能早于今天，也不能晚于工作日历的最后一天（{last}）"),
        ));
    }
    Ok(())
}
