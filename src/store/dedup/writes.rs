//! The dedup stage's writes: a decided plan's seen row and story, story
//! updates and breaking stories, and messages with one pending delivery
//! per sink. Every write runs inside the poll's transaction.

use super::decision::{Plan, SeenWrite, StoryPlan, StoryWrite};
use super::{NewAlert, PollRecord, Transaction};
use crate::clock::from_millis;
use crate::model::{Message, StoryBreaking, StoryUpdate, rfc3339};
use crate::store::stories::{self, StoredStory};
use crate::store::{StoreError, batch};

/// Writes what [`super::decision::decide`] planned for one item, in the
/// order the statements always ran; returns the item's story and verdict.
pub(super) async fn apply(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
    plan: Plan,
) -> Result<Option<StoryPlan>, StoreError> {
    let alert = &new.alert;
    if let SeenWrite::Touch { lists, story } = &plan.seen {
        touch_seen(tx, record, &alert.item_key, lists, story.as_deref()).await?;
    }
    if let Some(story) = &plan.story {
        match story.write {
            StoryWrite::Start => {
                stories::create(
                    tx,
                    &alert.id,
                    &alert.title,
                    &new.signature,
                    &alert.lists,
                    &alert.feed,
                    record.now_ms,
                )
                .await?;
                if let Some(link) = &new.link_key {
                    stories::link(tx, link, &alert.id, record.now_ms).await?;
                }
            }
            StoryWrite::Grow { link } => {
                if let (true, Some(key)) = (link, &new.link_key) {
                    stories::link(tx, key, &story.story.id, record.now_ms).await?;
                }
                stories::save_grown(tx, &story.story, record.now_ms).await?;
            }
        }
    }
    if let SeenWrite::Mark { alerted } = plan.seen {
        let alert_id = alerted.then_some(alert.id.as_str());
        let story_id = plan.story.as_ref().map(|s| s.story.id.as_str());
        mark_seen(
            tx,
            record,
            &alert.item_key,
            alert_id,
            &alert.lists,
            story_id,
        )
        .await?;
    }
    Ok(plan.story)
}

/// Queues a story update for the sinks that had the story and want one
/// (the decision found one due), and notes when.
pub(super) async fn queue_update(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
    plan: &StoryPlan,
) -> Result<(), StoreError> {
    let story = &plan.story;
    let update = StoryUpdate {
        kind: "story_update".into(),
        id: uuid::Uuid::now_v7().to_string(),
        story: story.id.clone(),
        title: story.title.clone(),
        link: new.alert.link.clone(),
        lists: story.lists.clone(),
        sources: story.source_names(),
        new_source: new.alert.feed.clone(),
        added_lists: plan.sends.added_lists.clone(),
        detected_at: rfc3339(from_millis(record.now_ms)),
    };
    stories::updated(tx, &story.id, record.now_ms).await?;
    queue(
        tx,
        &Message::StoryUpdate(update),
        "",
        &record.state.feed_id,
        record.now_ms,
        &plan.sends.update,
    )
    .await
}

/// Queues the one `story_breaking` event of a story for `sinks` (none
/// asked: nothing is queued; the story is marked all the same).
pub(super) async fn queue_breaking(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
    story: &StoredStory,
    sinks: &[String],
) -> Result<(), StoreError> {
    if sinks.is_empty() {
        return Ok(());
    }
    let event = StoryBreaking {
        kind: StoryBreaking::KIND.to_string(),
        id: uuid::Uuid::now_v7().to_string(),
        story: story.id.clone(),
        title: story.title.clone(),
        link: new.alert.link.clone(),
        lists: story.lists.clone(),
        sources: story.sources_seen(),
        first_alert: story.id.clone(),
        window_seconds: u64::try_from(record.rules.breaking_window_ms / 1000).unwrap_or_default(),
        detected_at: rfc3339(from_millis(record.now_ms)),
    };
    queue(
        tx,
        &Message::StoryBreaking(event),
        "",
        &record.state.feed_id,
        record.now_ms,
        sinks,
    )
    .await
}

/// Marks a key seen (if it was not), present in the feed's latest content.
pub(super) async fn mark_seen(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    item_key: &str,
    alert_id: Option<&str>,
    lists: &[String],
    story_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO seen (item_key, feed_id, first_seen_at, alert_id, story_id, lists, last_seen_at, last_generation) \
         VALUES ($1, $2, $3, $4, $5, $6, $3, $7) \
         ON CONFLICT (item_key) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_generation = excluded.last_generation",
    )
    .bind(item_key)
    .bind(&record.state.feed_id)
    .bind(record.now_ms)
    .bind(alert_id)
    .bind(story_id)
    .bind(lists.join(","))
    .bind(record.state.content_generation)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Notes that a seen key is still in its feed, with these lists now (and
/// the story it starts, if it had none).
async fn touch_seen(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    item_key: &str,
    lists: &[String],
    story: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE seen SET last_seen_at = $2, last_generation = $3, lists = $4, \
         story_id = COALESCE($5, story_id) WHERE item_key = $1",
    )
    .bind(item_key)
    .bind(record.now_ms)
    .bind(record.state.content_generation)
    .bind(lists.join(","))
    .bind(story)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a message and one pending delivery per sink.
pub(in crate::store) async fn queue(
    tx: &mut Transaction<'_>,
    message: &Message,
    item_key: &str,
    feed_id: &str,
    now_ms: i64,
    sinks: &[String],
) -> Result<(), StoreError> {
    let body = message.to_json().map_err(|e| StoreError::Corrupt {
        alert_id: message.id().to_string(),
        message: e.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO alerts (alert_id, item_key, feed_id, detected_at, body, kind) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(message.id())
    .bind(item_key)
    .bind(feed_id)
    .bind(now_ms)
    .bind(&body)
    .bind(message.kind())
    .execute(&mut **tx)
    .await?;
    if let Message::Alert(alert) = message {
        let rows: Vec<[&str; 2]> = alert
            .lists
            .iter()
            .map(|list| [alert.id.as_str(), list.as_str()])
            .collect();
        batch::insert_rows(
            tx,
            "INSERT INTO alert_lists (alert_id, list, detected_at)",
            &rows,
            now_ms,
        )
        .await?;
    }
    for sink in sinks {
        sqlx::query(
            "INSERT INTO deliveries (delivery_id, alert_id, sink, state, attempts, due_at, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(message.id())
        .bind(sink)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
