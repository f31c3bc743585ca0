//! Where settings come from: a flag, else its ONEWINDOW_* environment variable (both handled by
//! clap), else the optional TOML file, else the default.

use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

use crate::Common;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Text,
}

/// The optional TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    secure_cookies: Option<bool>,
    log_format: Option<LogFormat>,
    today: Option<chrono::NaiveDate>,
    sms_gateway: Option<String>,
    email_gateway: Option<String>,
    event_key_file: Option<PathBuf>,
    audit_public_key: Option<String>,
    witness_urls: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    ocid_prefix: Option<String>,
    public_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub listen: String,
    pub secure_cookies: bool,
    pub log_format: Option<LogFormat>,
    /// A fixed business date, for training and demonstrations.
    pub today: Option<chrono::NaiveDate>,
    /// Gateways every notification is also posted to.
    pub sms_gateway: Option<String>,
    pub email_gateway: Option<String>,
    /// The case writer's event key, outside the data folder in production.
    pub event_key_file: PathBuf,
    /// The checkpoint public key `audit verify` trusts.
    pub audit_public_key: Option<String>,
    /// Where each new checkpoint is posted.
    pub witness_urls: Vec<String>,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<String>,
    /// The OCDS ocid prefix and the public address of the published packages.
    pub ocid_prefix: String,
    pub public_url: String,
}

impl Settings {
    pub fn resolve(cli: &Common) -> anyhow::Result<Settings> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading settings file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing settings file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let data_dir = cli
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("onewindow-data"));
        let database_url = cli
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}/onewindow.db", data_dir.display()));
        let listen = cli
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let ocid_prefix = cli
            .ocid_prefix
            .clone()
            .or(file.ocid_prefix)
            .unwrap_or_else(|| "ocds-onewin".into());
        onewindow_domain::trading::ocds::check_prefix(&ocid_prefix).map_err(anyhow::Error::msg)?;
        Ok(Settings {
            database_url,
            secure_cookies: cli.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            log_format: cli.log_format.or(file.log_format),
            today: cli.today.or(file.today),
            sms_gateway: cli.sms_gateway.clone().or(file.sms_gateway),
            email_gateway: cli.email_gateway.clone().or(file.email_gateway),
            event_key_file: cli
                .event_key_file
                .clone()
                .or(file.event_key_file)
                .unwrap_or_else(|| data_dir.join("audit-event-key")),
            audit_public_key: cli.audit_public_key.clone().or(file.audit_public_key),
            witness_urls: cli
                .witness_urls
                .clone()
                .or(file.witness_urls)
                .unwrap_or_default(),
            trusted_proxies: cli
                .trusted_proxies
                .clone()
                .or(file.trusted_proxies)
                .unwrap_or_default(),
            ocid_prefix,
            public_url: cli
                .public_url
                .clone()
                .or(file.public_url)
                .unwrap_or_else(|| format!("http://{listen}"))
                .trim_end_matches('/')
                .to_string(),
            listen,
            data_dir,
        })
    }

    /// The database URL without its password, for messages.
    pub fn redacted_url(&self) -> String {
        match url_password_span(&self.database_url) {
            Some((start, end)) => format!(
                "{}***{}",
                &self.database_url[..start],
                &self.database_url[end..]
            ),
            None => self.database_url.clone(),
        }
    }
}

fn url_password_span(url: &str) -> Option<(usize, usize)> {
    let scheme_end = url.find("://")? + 3;
    let at = scheme_end + url[scheme_end..].find('@')?;
    let colon = scheme_end + url[scheme_end..at].find(':')?;
    Some((colon + 1, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("ow-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("onewindow.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/ow\"\n").unwrap();
        let cli = Common {
            config: Some(file.clone()),
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&cli).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert_eq!(s.data_dir, PathBuf::from("/srv/ow"));
        assert_eq!(s.database_url, "sqlite:///srv/ow/onewindow.db");
        std::fs::write(&file, "lisen = 1\n").unwrap();
        assert!(Settings::resolve(&cli).is_err(), "unknown keys are refused");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        let s = Settings {
            database_url: "postgres://ow:secret@db/ow".into(),
            data_dir: PathBuf::new(),
            listen: String::new(),
            secure_cookies: false,
            log_format: None,
            today: None,
            sms_gateway: None,
            email_gateway: None,
            event_key_file: PathBuf::new(),
            audit_public_key: None,
            witness_urls: vec![],
            trusted_proxies: vec![],
            ocid_prefix: String::new(),
            public_url: String::new(),
        };
        assert_eq!(s.redacted_url(), "postgres://ow:***@db/ow");
    }
}
