-- 网上挂牌 (#19): a listed lot's rules. Its bids are trading_bids rows with status 'offered':
-- public from the start (price_fen set, nothing sealed), each appended to the lot's log in the
-- order taken. settled_at marks the result recorded (award or 流拍). Written by
-- store/src/trading only.

CREATE TABLE trading_auctions (
    lot_id            BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    starting_fen      BIGINT NOT NULL,
    increment_fen     BIGINT NOT NULL,
    reserve_fen       BIGINT,
    listing_starts_at BIGINT NOT NULL,
    listing_ends_at   BIGINT NOT NULL,
    round_secs        BIGINT NOT NULL,
    settled_at        BIGINT
);
CREATE INDEX trading_auctions_due ON trading_auctions (settled_at, listing_ends_at);
CREATE INDEX trading_bids_offers ON trading_bids (lot_id, status, log_seq);
