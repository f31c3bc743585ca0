//! The notifier: every in-app notification (deadline warnings, overdue alerts, urgings, cards)
//! is also handed to the outside channels the centre configured — an SMS gateway, an e-mail
//! gateway — through one small interface, `Notifier`. The store's outbox makes this safe:
//! each delivery is sent under a lease, retried with back-off when the gateway fails, and
//! never sent twice at once by two instances.
//!
//! `WebhookNotifier` is the implementation that ships: it posts each message as JSON to the
//! gateway's HTTP interface (the usual way a government SMS platform, 政务短信平台, or a mail
//! relay is reached from the extranet), with an `Idempotency-Key` so that a retry after a lost
//! answer is recognised by the gateway.

use onewindow_domain::ids::CaseId;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use onewindow_store::outbox::Outgoing;
use onewindow_store::{Store, StoreResult};
use serde::Serialize;

/// An outside channel for notifications.
pub trait Notifier: Send + Sync {
    /// The channel's name as deliveries record it: `sms`, `email`, …
    fn channel(&self) -> &str;
    /// Sends one message; `Err` carries what the gateway said, for the delivery record.
    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<(), String>>;
}

pub type Notifiers = Vec<Arc<dyn Notifier>>;

/// Posts each message as JSON to an HTTP gateway.
pub struct WebhookNotifier {
    channel: String,
    url: reqwest::Url,
    client: reqwest::Client,
}

/// What a gateway receives.
#[derive(Serialize)]
struct WebhookBody<'a> {
    notification_id: i64,
    channel: &'a str,
    attempt: i64,
    login: &'a str,
    name: &'a str,
    mobile: &'a str,
    case_id: Option<CaseId>,
    title: &'a str,
    /// The text as an SMS would read it.
    text: String,
    created_at: i64,
}

impl WebhookNotifier {
    /// A notifier for `channel` posting to `url` (http://; TLS is left to a relay in front of
    /// the gateway, as this build carries no TLS library).
    pub fn new(channel: &str, url: &str) -> anyhow::Result<WebhookNotifier> {
        let (url, client) = http_endpoint(&format!("{channel} gateway"), url)?;
        Ok(WebhookNotifier {
            channel: channel.to_owned(),
            url,
            client,
        })
    }
}

/// An outside HTTP endpoint this server posts to (a gateway, a witness): its URL, which must be
/// http:// (TLS is left to a relay in front, as this build carries no TLS library), and a client
/// that gives up after ten seconds.
pub fn http_endpoint(what: &str, url: &str) -> anyhow::Result<(reqwest::Url, reqwest::Client)> {
    let url = reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("{what} URL {url:?}: {e}"))?;
    if url.scheme() != "http" {
        anyhow::bail!(
            "{what} URL {url}: only http:// is supported; put a TLS relay in front of an https endpoint"
        );
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok((url, client))
}

impl Notifier for WebhookNotifier {
    fn channel(&self) -> &str {
        &self.channel
    }

    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let body = WebhookBody {
                notification_id: m.notification_id,
                channel: &self.channel,
                attempt: m.attempts,
                login: &m.login,
                name: &m.name,
                mobile: &m.mobile,
                case_id: m.case_id,
                title: &m.title,
                text: format!("【一窗通办】{}：{}", m.title, m.body),
                created_at: m.created_at,
            };
            let response = self
                .client
                .post(self.url.clone())
                .header(
                    "Idempotency-Key",
                    format!("onewindow-{}-{}", m.notification_id, self.channel),
                )
                .json(&body)
                .send()
                .await
                .map_err(|e| format!("gateway unreachable: {e}"))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let text = response.text().await.unwrap_or_default();
            Err(format!(
                "gateway answered {status}: {}",
                text.chars().take(200).collect::<String>()
            ))
        })
    }
}

/// What one round of the notifier did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DispatchReport {
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
}

/// Notifications older than this when first seen are not sent (after an outage, say).
const FRESH_MS: i64 = 24 * 3600 * 1000;

/// One round: queue deliveries for new notifications, then send what is due.
pub async fn dispatch_once(
    store: &Store,
    notifiers: &[Arc<dyn Notifier>],
    now: i64,
) -> StoreResult<DispatchReport> {
    let channels: Vec<&str> = notifiers.iter().map(|n| n.channel()).collect();
    let mut report = DispatchReport::default();
    // A bounded number of batches per round; the rest waits for the next.
    for _ in 0..20 {
        let (taken, queued) = store
            .outbox()
            .queue_deliveries(&channels, now - FRESH_MS, now, 1000)
            .await?;
        report.queued += queued;
        if taken < 1000 {
            break;
        }
    }
    for _ in 0..20 {
        let due = store.outbox().lease_deliveries(now, 50).await?;
        if due.is_empty() {
            break;
        }
        for d in &due {
            let outcome = match notifiers.iter().find(|n| n.channel() == d.channel) {
                Some(n) => n.send(d).await,
                None => Err(format!("channel {} is no longer configured", d.channel)),
            };
            if outcome.is_ok() {
                report.sent += 1;
            } else {
                report.failed += 1;
            }
            store.outbox().delivery_done(d, outcome, now).await?;
        }
    }
    Ok(report)
}

/// The background job: a round every ten seconds. Without any channel configured it only
/// marks new notifications as handed on, so that none wait for a gateway that is not there.
pub async fn notifier_job(store: Store, notifiers: Notifiers) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tick.tick().await;
        match dispatch_once(&store, &notifiers, onewindow_store::now_ms()).await {
            Ok(r) if r.sent + r.failed > 0 => {
                tracing::info!(sent = r.sent, failed = r.failed, "notifications handed on")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "notifier round"),
        }
    }
}
