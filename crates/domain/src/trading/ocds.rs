//! The Open Contracting Data Standard (OCDS 1.1) shapes of a lot's contracting process: the
//! deployment's ocid prefix, money in CNY, dates with the Asia/Shanghai offset, parties named by
//! their unified social credit code (scheme `CN-USCC`), and the compiling of a process's releases
//! into its compiled release by the standard's merge rules. The store gathers the facts; the web
//! and the command line write the packages.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Map, Value, json};

/// The version of the standard the packages declare.
pub const VERSION: &str = "1.1";

/// The identifier scheme of the parties' unified social credit codes.
pub const SCHEME: &str = "CN-USCC";

/// Checks a deployment's ocid prefix: `ocds-` and six letters or digits, as the Open Contracting
/// Partnership assigns them.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    let rest = prefix
        .strip_prefix("ocds-")
        .ok_or_else(|| format!("ocid 前缀应以 ocds- 开头：{prefix}"))?;
    if rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!("ocid 前缀应为 ocds- 加 6 位字母或数字：{prefix}"))
    }
}

/// The ocid of a lot's contracting process.
pub fn ocid(prefix: &str, lot_id: i64) -> String {
    format!("{prefix}-{lot_id}")
}

/// A party's id within a release: its scheme and credit code.
pub fn party_id(credit_code: &str) -> String {
    format!("{SCHEME}-{credit_code}")
}

/// An amount of fen as an OCDS Value in yuan.
pub fn money(fen: i64) -> Value {
    // Two decimals of a bounded amount are exact enough in a double, and print shortest.
    json!({ "amount": fen as f64 / 100.0, "currency": "CNY" })
}

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// A stored instant (UTC milliseconds) as an OCDS date-time, in Asia/Shanghai's offset.
pub fn date_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&shanghai())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A calendar date (a contract's signing day) as the start of that day in Asia/Shanghai.
pub fn date_of(day: NaiveDate) -> String {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(shanghai()).single())
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

/// An organisation reference (`{id, name}`) and the party it points to.
pub fn party(credit_code: &str, name: &str, roles: &[&str]) -> Value {
    json!({
        "id": party_id(credit_code),
        "name": name,
        "identifier": { "scheme": SCHEME, "id": credit_code, "legalName": name },
        "roles": roles,
    })
}

pub fn reference(credit_code: &str, name: &str) -> Value {
    json!({ "id": party_id(credit_code), "name": name })
}

/// Adds a party to a release's list, or its roles to the party already there.
pub fn add_party(parties: &mut Vec<Value>, credit_code: &str, name: &str, role: &str) {
    let id = party_id(credit_code);
    if let Some(p) = parties.iter_mut().find(|p| p["id"] == id.as_str()) {
        if let Some(roles) = p["roles"].as_array_mut()
            && !roles.iter().any(|r| r == role)
        {
            roles.push(json!(role));
        }
    } else {
        parties.push(party(credit_code, name, &[role]));
    }
}

/// Compiles a process's releases, in date order, into its compiled release by the OCDS 1.1 merge
/// rules: objects merge field by field, arrays of objects with ids merge by id, any other array
/// and any other value replaces, and `null` removes. The tag becomes `compiled`.
pub fn compile(ocid: &str, releases: &[Value]) -> Value {
    let mut compiled = Value::Object(Map::new());
    for r in releases {
        merge(&mut compiled, r);
    }
    let date = releases
        .last()
        .and_then(|r| r.get("date"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Value::Object(m) = &mut compiled {
        m.insert("id".into(), json!(format!("{ocid}-compiled")));
        m.insert("tag".into(), json!(["compiled"]));
        m.insert("date".into(), date);
    }
    compiled
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else if let Some(slot) = a.get_mut(k) {
                    merge(slot, v);
                } else {
                    let mut fresh = Value::Object(Map::new());
                    if v.is_object() {
                        merge(&mut fresh, v);
                    } else {
                        fresh = v.clone();
                    }
                    a.insert(k.clone(), fresh);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if is_identified(b) => {
            for item in b {
                match a.iter_mut().find(|x| x.get("id") == item.get("id")) {
                    Some(slot) => merge(slot, item),
                    None => a.push(item.clone()),
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn is_identified(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("id").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked() {
        assert!(check_prefix("ocds-onewin").is_ok());
        for bad in [
            "onewin",
            "ocds-",
            "ocds-abc",
            "ocds-abc-12",
            "ocds-一窗通办公司",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn money_and_dates_read_as_ocds_expects() {
        assert_eq!(
            money(123_405),
            json!({"amount": 1234.05, "currency": "CNY"})
        );
        assert_eq!(date_time(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(
            date_of(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            "2026-12-01T00:00:00+08:00"
        );
    }

    #[test]
    fn compiling_merges_by_the_standard_rules() {
        let a = json!({"ocid": "o", "id": "1", "date": "d1", "tag": ["tender"],
            "tender": {"id": "t", "status": "active", "tenderers": [{"id": "x"}]},
            "parties": [{"id": "p", "roles": ["buyer"]}]});
        let b = json!({"ocid": "o", "id": "2", "date": "d2", "tag": ["award"],
            "tender": {"status": "complete", "title": null},
            "parties": [{"id": "p", "name": "甲"}, {"id": "q", "roles": ["supplier"]}],
            "awards": [{"id": "a"}]});
        let c = compile("o", &[a, b]);
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(c["date"], "d2");
        assert_eq!(c["tender"]["status"], "complete");
        assert_eq!(c["tender"]["tenderers"], json!([{"id": "x"}]));
        assert_eq!(c["parties"].as_array().unwrap().len(), 2);
        assert_eq!(c["parties"][0]["name"], "甲");
        assert_eq!(c["parties"][0]["roles"], json!(["buyer"]));
    }

    #[test]
    fn parties_gather_roles() {
        let mut ps = vec![];
        add_party(&mut ps, "91350100M000100Y43", "甲", "buyer");
        add_party(&mut ps, "91350100M000100Y43", "甲", "procuringEntity");
        add_party(&mut ps, "91350100M000100Y43", "甲", "buyer");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0]["roles"], json!(["buyer", "procuringEntity"]));
    }
}
