-- differs by backend: PostgreSQL stamps each event with its writing transaction's id, SQLite (whose writers take turns) with 0.
-- The transactional outbox: a service's domain events, written in the same
-- transaction as the change they record and published by the relay. The
-- feed serves them in (tx, seq) order, and only once every transaction
-- that could still commit before them has ended.
CREATE TABLE outbox (
    seq BIGSERIAL PRIMARY KEY,
    tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    trace TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_feed ON outbox (tx, seq);
