//! Alerts as people look at them: newest first, of one list or all, a
//! page at a time; and how many each list had per hour. What the
//! per-list feeds, the alert API and the status page read.

use sqlx::Row;

use super::{Store, StoreError};
use crate::model::Alert;

/// Where a page of alerts ends: the next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCursor {
    /// Detection time (ms) of the page's last alert.
    pub detected_ms: i64,
    /// Its id.
    pub alert_id: String,
}

impl AlertCursor {
    /// The cursor as the API hands it out: "ms.id".
    pub fn encode(&self) -> String {
        format!("{}.{}", self.detected_ms, self.alert_id)
    }

    /// Reads a cursor the API handed out; `None` if it is not one.
    pub fn decode(text: &str) -> Option<AlertCursor> {
        let (ms, id) = text.split_once('.')?;
        let valid = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        valid.then_some(AlertCursor {
            detected_ms: ms.parse().ok()?,
            alert_id: id.to_string(),
        })
    }
}

/// Alerts per list per hour: (list, hour since the epoch, count).
pub type HourlyCounts = Vec<(String, i64, u64)>;

impl Store {
    /// Up to `limit` alerts detected at or after `since_ms` (of `list`,
    /// if given), newest first, after `cursor`, each with its own place
    /// (a cursor that goes on after it); and the cursor of the page's last
    /// alert when there may be more.
    pub async fn alerts_page(
        &self,
        list: Option<&str>,
        since_ms: i64,
        cursor: Option<&AlertCursor>,
        limit: usize,
    ) -> Result<(Vec<(AlertCursor, Alert)>, Option<AlertCursor>), StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Placeholders numbered in the order of the binds below; only
        // these constant fragments go into the text.
        let mut next_placeholder = 3;
        let mut placeholder = || {
            next_placeholder += 1;
            next_placeholder - 1
        };
        let from = match list {
            Some(_) => format!(
                "alerts a JOIN alert_lists l ON l.alert_id = a.alert_id AND l.list = ${}",
                placeholder()
            ),
            None => "alerts a".to_string(),
        };
        let after = match cursor {
            Some(_) => {
                let (ms, id) = (placeholder(), placeholder());
                format!(
                    "AND (a.detected_at < ${ms} OR (a.detected_at = ${ms} AND a.alert_id < ${id}))"
                )
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT a.alert_id, a.detected_at, a.body FROM {from} \
             WHERE a.kind = 'alert' AND a.detected_at >= $1 {after} \
             ORDER BY a.detected_at DESC, a.alert_id DESC LIMIT $2"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since_ms)
            .bind(limit);
        if let Some(list) = list {
            query = query.bind(list.to_string());
        }
        if let Some(cursor) = cursor {
            query = query.bind(cursor.detected_ms).bind(cursor.alert_id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut alerts = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("alert_id")?;
            let body: String = row.try_get("body")?;
            let alert: Alert = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                alert_id: id.clone(),
                message: e.to_string(),
            })?;
            let place = AlertCursor {
                detected_ms: row.try_get("detected_at")?,
                alert_id: id,
            };
            alerts.push((place, alert));
        }
        let next = match alerts.last() {
            Some((place, _)) if alerts.len() as i64 == limit => Some(place.clone()),
            _ => None,
        };
        Ok((alerts, next))
    }

    /// How many alerts each list had per hour from `since_ms` on.
    pub async fn hourly_alert_counts(&self, since_ms: i64) -> Result<HourlyCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT list, detected_at / 3600000 AS hour, COUNT(*) AS n FROM alert_lists \
             WHERE detected_at >= $1 GROUP BY list, detected_at / 3600000 ORDER BY list, hour",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("list")?,
                    row.try_get("hour")?,
                    u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0),
                ))
            })
            .collect()
    }
}
