//! The live feed of listing auctions: each bid taken and each result recorded is sent, as the
//! auction's new state in JSON, to everyone watching that lot's page over server-sent events.
//! One broadcast channel per watched lot, dropped with its last watcher. An event carries the
//! state with only the last `TAIL` bids, so that its size stays the same however long the
//! auction runs; a watcher that missed more (too slow for the channel's buffer) is sent the
//! whole state again, and the page asks for it when it sees a gap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use onewindow_store::trading::AuctionView;
use tokio::sync::broadcast;

/// Events a watcher may fall behind before it is sent the whole state instead.
const BUFFER: usize = 256;

/// Bids in each event after the first.
pub const TAIL: usize = 10;

#[derive(Default)]
pub struct Hub {
    lots: Mutex<HashMap<i64, broadcast::Sender<Arc<str>>>>,
}

impl Hub {
    /// Sends an auction's state to its watchers, if it has any.
    pub fn publish(&self, view: &AuctionView) {
        let mut lots = self.lots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = lots.get(&view.lot_id) {
            let mut tail = view.clone();
            tail.offers.drain(..view.offers.len().saturating_sub(TAIL));
            let text: Arc<str> = serde_json::to_string(&tail).unwrap_or_default().into();
            if tx.send(text).is_err() {
                lots.remove(&view.lot_id);
            }
        }
    }

    /// A new watcher of a lot.
    pub fn subscribe(&self, lot: i64) -> broadcast::Receiver<Arc<str>> {
        let mut lots = self.lots.lock().unwrap_or_else(|p| p.into_inner());
        lots.entry(lot)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }
}
