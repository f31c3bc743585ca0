//! The writes of one case command, gathered before any runs: the writer's event inserts and
//! every projection's statements, run in order inside the command's transaction.
//!
//! Statements name their parameters (`:case_id`) and are bound by name, so that nobody counts
//! positions by hand. `sql!` turns the names into the `$1..$n` both databases understand, once
//! per statement for the life of the process (the text stays the same, so the SQLite writer's
//! statement cache and PostgreSQL's prepared statements keep working).

use crate::{StoreError, StoreResult};

/// A value bound into a write batch.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OptInt(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_owned())
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OptText(v)
    }
}

/// Record keys are bound as the integers they are stored as.
macro_rules! id_vals {
    ($($id:ty),*) => {$(
        impl From<$id> for Val {
            fn from(v: $id) -> Val {
                Val::Int(v.get())
            }
        }
        impl From<Option<$id>> for Val {
            fn from(v: Option<$id>) -> Val {
                Val::OptInt(v.map(<$id>::get))
            }
        }
    )*};
}
id_vals!(
    onewindow_domain::ids::CaseId,
    onewindow_domain::ids::ItemId,
    onewindow_domain::ids::DepartmentId,
    onewindow_domain::ids::CentreId,
    onewindow_domain::ids::HallId,
    onewindow_domain::ids::WindowId,
    onewindow_domain::ids::StaffId,
    onewindow_domain::ids::AccountId
);

impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}

/// A statement written with named parameters, and the order `$1..$n` gives them.
pub(crate) struct Sql {
    text: String,
    names: Vec<&'static str>,
}

impl Sql {
    /// Replaces each `:name` (a colon, then a lowercase letter, then letters, digits and
    /// underscores; not after another colon, so PostgreSQL's `::` casts pass) by `$k`, the same
    /// name getting the same number.
    pub(crate) fn parse(named: &'static str) -> Sql {
        let bytes = named.as_bytes();
        let mut text = String::with_capacity(named.len());
        let mut names: Vec<&'static str> = Vec::new();
        let mut i = 0;
        let mut copied = 0;
        while i < bytes.len() {
            let starts = bytes[i] == b':'
                && (i == 0 || bytes[i - 1] != b':')
                && bytes.get(i + 1).is_some_and(|b| b.is_ascii_lowercase());
            if !starts {
                i += 1;
                continue;
            }
            let end = (i + 1..bytes.len())
                .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
                .unwrap_or(bytes.len());
            let name = &named[i + 1..end];
            let k = match names.iter().position(|n| *n == name) {
                Some(k) => k,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            text.push_str(&named[copied..i]);
            text.push('$');
            text.push_str(&(k + 1).to_string());
            copied = end;
            i = end;
        }
        text.push_str(&named[copied..]);
        Sql { text, names }
    }

    /// The statement as the databases read it.
    pub(crate) fn text(&'static self) -> &'static str {
        self.text.as_str()
    }

    /// The arguments in `$1..$n` order; a missing or unknown name is a programming error,
    /// reported rather than written wrong.
    pub(crate) fn bind(&self, mut args: Vec<(&'static str, Val)>) -> StoreResult<Vec<Val>> {
        if args.len() != self.names.len() {
            return Err(self.mismatch(&args));
        }
        let mut ordered = Vec::with_capacity(args.len());
        for name in &self.names {
            let Some(at) = args.iter().position(|(n, _)| n == name) else {
                return Err(self.mismatch(&args));
            };
            ordered.push(args.swap_remove(at).1);
        }
        Ok(ordered)
    }

    fn mismatch(&self, args: &[(&'static str, Val)]) -> StoreError {
        let given: Vec<&str> = args.iter().map(|(n, _)| *n).collect();
        StoreError::Config(format!(
            "statement parameters {:?} bound with {given:?}: {}",
            self.names, self.text
        ))
    }
}

/// A statement with named parameters, parsed once: `sql!("… WHERE id = :case_id")`.
macro_rules! sql {
    ($text:literal) => {{
        static SQL: std::sync::LazyLock<$crate::infra::batch::Sql> =
            std::sync::LazyLock::new(|| $crate::infra::batch::Sql::parse($text));
        &*SQL
    }};
}
pub(crate) use sql;

/// The statements of one append, each with its arguments in order.
#[derive(Default)]
pub(crate) struct WriteBatch {
    statements: Vec<(&'static str, Vec<Val>)>,
    /// The case's version once written (reported on a conflict).
    pub(crate) version: u64,
}

impl WriteBatch {
    /// Adds a statement, its parameters bound by name.
    pub(crate) fn add(
        &mut self,
        sql: &'static Sql,
        args: Vec<(&'static str, Val)>,
    ) -> StoreResult<()> {
        let args = sql.bind(args)?;
        self.statements.push((sql.text.as_str(), args));
        Ok(())
    }

    /// Runs the statements; a unique-key violation means another writer appended the same
    /// sequence number first (or used the same key): a conflict.
    pub(crate) async fn run(self, db: &mut impl super::case_db::CaseDb) -> StoreResult<()> {
        for (sql, args) in self.statements {
            if !db.write(sql, args).await? {
                return Err(StoreError::Conflict {
                    current: self.version,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_numbers_in_order_of_first_use() {
        let sql = Sql::parse(
            "UPDATE t SET a = :alpha, b = COALESCE(:beta, b), c = :alpha::text WHERE id = :id",
        );
        assert_eq!(
            sql.text,
            "UPDATE t SET a = $1, b = COALESCE($2, b), c = $1::text WHERE id = $3"
        );
        let ordered = sql
            .bind(vec![
                ("id", Val::Int(7)),
                ("alpha", Val::Int(1)),
                ("beta", Val::Int(2)),
            ])
            .unwrap();
        let ints: Vec<i64> = ordered
            .into_iter()
            .map(|v| match v {
                Val::Int(i) => i,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ints, [1, 2, 7]);
    }

    #[test]
    fn a_missing_or_unknown_name_is_refused() {
        let sql = Sql::parse("DELETE FROM t WHERE id = :id AND kind = :kind");
        assert!(sql.bind(vec![("id", Val::Int(1))]).is_err());
        assert!(
            sql.bind(vec![("id", Val::Int(1)), ("kond", Val::Int(2))])
                .is_err()
        );
    }
}
