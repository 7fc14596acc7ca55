-- Each alert's lists: what the per-list feeds, the alert API and the
-- status page's chart read.
CREATE TABLE alert_lists (
    alert_id     TEXT NOT NULL,
    list         TEXT NOT NULL,
    detected_at  BIGINT NOT NULL,
    PRIMARY KEY (alert_id, list)
);
CREATE INDEX alert_lists_by_list ON alert_lists (list, detected_at);
CREATE INDEX alert_lists_by_time ON alert_lists (detected_at);

-- Alerts stored before this version: their lists as the list counts
-- recorded them.
INSERT INTO alert_lists (alert_id, list, detected_at)
SELECT DISTINCT a.alert_id, h.list, a.detected_at
FROM alerts a JOIN list_hits h ON h.item_key = a.item_key
WHERE a.kind = 'alert';
