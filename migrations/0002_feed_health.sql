-- Feed health (for "unhealthy"/"recovered" events), the feed's own refresh
-- hint (<ttl>, sy:updatePeriod) kept across 304s, and message kinds in the
-- outbox (alerts and feed-health events travel the same way).
ALTER TABLE feeds ADD COLUMN failing_since BIGINT;
ALTER TABLE feeds ADD COLUMN health_reported TEXT;
ALTER TABLE feeds ADD COLUMN refresh_hint_secs BIGINT;
ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert';
