-- Sinks disabled because their endpoint answered 410 Gone: their
-- deliveries wait (pending) until an operator enables the sink again.
CREATE TABLE sink_state (
    sink             TEXT PRIMARY KEY,
    disabled_reason  TEXT,
    disabled_at      BIGINT
);
