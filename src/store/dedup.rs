//! The dedup stage's write: a poll's feed state, and for every matched item
//! the decision whether it is news, all in one transaction. An item is news
//! when its key was never seen and its story (same canonical link, or a
//! near-duplicate headline within the window) was not alerted for these
//! lists; or when an item or story seen before now matches a list it did
//! not. News gets a seen mark, an alert and its deliveries together:
//! nothing is marked seen without its alert being queued.

use sqlx::Row;

use super::stories::{self, StoredStory};
use super::{Store, StoreError, feeds};
use crate::model::{Alert, FeedHealthEvent, Message, StoryUpdate, rfc3339};
use crate::story::Signature;

/// One matched item, ready to be recorded.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// The alert (its `id` becomes the alert row's key, and the story's id
    /// if it starts a story).
    pub alert: Alert,
    /// The sinks this alert is routed to.
    pub sinks: Vec<String>,
    /// What identifies its story.
    pub signature: Signature,
    /// Its canonical link, if it has one.
    pub link_key: Option<String>,
    /// Sinks (among `sinks`) that want an update when the story repeats.
    pub update_sinks: Vec<String>,
}

/// A feed-health event, ready to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The event.
    pub event: FeedHealthEvent,
    /// The sinks that asked for feed-health events.
    pub sinks: Vec<String>,
}

/// How stories are matched and updates paced.
#[derive(Debug, Clone, Copy)]
pub struct StoryRules {
    /// Stories created this long ago or less are candidates (ms).
    pub window_ms: i64,
    /// At most one story update per story per this period (ms).
    pub update_period_ms: i64,
}

impl Default for StoryRules {
    fn default() -> Self {
        StoryRules {
            window_ms: 72 * 3_600_000,
            update_period_ms: 3_600_000,
        }
    }
}

/// Everything one poll wants written.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// The feed's new state.
    pub state: super::FeedState,
    /// Matched items, in the order they should be delivered.
    pub alerts: Vec<NewAlert>,
    /// Items to mark seen without alerting (a first poll's old backlog):
    /// their keys and the lists they matched.
    pub silent: Vec<(String, Vec<String>)>,
    /// Feed-health events raised by this poll.
    pub events: Vec<NewEvent>,
    /// Detection time (ms), for the seen marks and deliveries.
    pub now_ms: i64,
    /// Story matching rules.
    pub rules: StoryRules,
}

impl PollRecord {
    /// A record that only updates the feed's state.
    pub fn state_only(state: super::FeedState, now_ms: i64) -> Self {
        PollRecord {
            state,
            alerts: Vec::new(),
            silent: Vec::new(),
            events: Vec::new(),
            now_ms,
            rules: StoryRules::default(),
        }
    }
}

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// What the dedup stage decided for one item.
enum Decision {
    /// News: alert it, as (part of) this story.
    Alert { story: StoredStory },
    /// A story alerted before turned up again.
    Repeat { story: StoredStory },
    /// Nothing to say (the same item, no new list).
    Quiet,
}

impl Store {
    /// Records a poll. Returns the alerts that were news; their deliveries,
    /// and those of the poll's events and story updates, are queued.
    pub async fn record_poll(&self, record: &PollRecord) -> Result<Vec<Alert>, StoreError> {
        let mut fresh = self.record_polls(std::slice::from_ref(record)).await?;
        Ok(fresh.pop().unwrap_or_default())
    }

    /// Records several polls in one transaction (the pipeline batches what
    /// is waiting); returns each poll's new alerts, in order. All or none.
    pub async fn record_polls(
        &self,
        records: &[PollRecord],
    ) -> Result<Vec<Vec<Alert>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut all = Vec::with_capacity(records.len());
        for record in records {
            all.push(write_poll(&mut tx, record).await?);
        }
        tx.commit().await?;
        Ok(all)
    }

    /// Whether an item key was already recorded.
    pub async fn is_seen(&self, item_key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT item_key FROM seen WHERE item_key = $1")
            .bind(item_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The story an item key belongs to, if it was seen with one.
    pub async fn story_of(&self, item_key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT story_id FROM seen WHERE item_key = $1")
            .bind(item_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("story_id")?,
            None => None,
        })
    }
}

/// One poll's writes, inside the caller's transaction.
async fn write_poll(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
) -> Result<Vec<Alert>, StoreError> {
    feeds::save_state(tx, &record.state).await?;
    let mut fresh = Vec::new();
    for new in &record.alerts {
        match decide(tx, record, new).await? {
            Decision::Quiet => {}
            Decision::Repeat { story } => queue_update(tx, record, new, &story).await?,
            Decision::Alert { story } => {
                let mut alert = new.alert.clone();
                alert.story = story.id.clone();
                alert.sources = story.sources.clone();
                let message = Message::Alert(alert.clone());
                queue(
                    tx,
                    &message,
                    &alert.item_key,
                    &record.state.feed_id,
                    record.now_ms,
                    &new.sinks,
                )
                .await?;
                fresh.push(alert);
            }
        }
    }
    for (key, lists) in &record.silent {
        mark_seen(tx, record, key, None, lists, None).await?;
    }
    for new in &record.events {
        let message = Message::FeedHealth(new.event.clone());
        queue(
            tx,
            &message,
            "",
            &record.state.feed_id,
            record.now_ms,
            &new.sinks,
        )
        .await?;
    }
    Ok(fresh)
}

/// Decides what one matched item is, and records it as seen.
async fn decide(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
) -> Result<Decision, StoreError> {
    let alert = &new.alert;
    let feed = &alert.feed;
    if let Some((story_id, old_lists)) = seen_before(tx, &alert.item_key).await? {
        // The same item again, perhaps edited: news only for a new list.
        let added: Vec<String> = alert
            .lists
            .iter()
            .filter(|l| !old_lists.contains(l))
            .cloned()
            .collect();
        let mut all = old_lists.clone();
        all.extend(added.iter().cloned());
        all.sort();
        touch_seen(tx, record, &alert.item_key, &all).await?;
        if added.is_empty() {
            return Ok(Decision::Quiet);
        }
        let story = match story_id.as_deref() {
            Some(id) => stories::story(tx, id).await?,
            None => None,
        };
        let Some(story) = story else {
            return Ok(Decision::Alert {
                story: start_story(tx, record, new).await?,
            });
        };
        // New for this item, but perhaps not for its story, which other
        // copies may have alerted for these lists already.
        let is_news = alert.lists.iter().any(|l| !story.lists.contains(l));
        let story = stories::grow(tx, story, &alert.lists, feed).await?;
        return Ok(if is_news {
            Decision::Alert { story }
        } else {
            Decision::Quiet
        });
    }
    let since = record.now_ms - record.rules.window_ms;
    let found = stories::find(tx, new.link_key.as_deref(), &new.signature, since).await?;
    let Some(story) = found else {
        let story = start_story(tx, record, new).await?;
        mark_seen(
            tx,
            record,
            &alert.item_key,
            Some(&alert.id),
            &alert.lists,
            Some(&story.id),
        )
        .await?;
        return Ok(Decision::Alert { story });
    };
    if let Some(link) = &new.link_key {
        stories::link(tx, link, &story.id, record.now_ms).await?;
    }
    let is_news = alert.lists.iter().any(|l| !story.lists.contains(l));
    let story = stories::grow(tx, story, &alert.lists, feed).await?;
    let alert_id = is_news.then_some(alert.id.as_str());
    mark_seen(
        tx,
        record,
        &alert.item_key,
        alert_id,
        &alert.lists,
        Some(&story.id),
    )
    .await?;
    Ok(if is_news {
        Decision::Alert { story }
    } else {
        Decision::Repeat { story }
    })
}

/// A new story, named after the alert that starts it.
async fn start_story(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
) -> Result<StoredStory, StoreError> {
    let alert = &new.alert;
    stories::create(
        tx,
        &alert.id,
        &new.signature,
        &alert.lists,
        &alert.feed,
        record.now_ms,
    )
    .await?;
    if let Some(link) = &new.link_key {
        stories::link(tx, link, &alert.id, record.now_ms).await?;
    }
    Ok(StoredStory {
        id: alert.id.clone(),
        lists: alert.lists.clone(),
        sources: vec![alert.feed.clone()],
        last_update_at: None,
    })
}

/// Queues an "also reported by" update for the sinks that asked, at most
/// once per story per update period.
async fn queue_update(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
    story: &StoredStory,
) -> Result<(), StoreError> {
    if new.update_sinks.is_empty() {
        return Ok(());
    }
    let recent = story
        .last_update_at
        .is_some_and(|at| record.now_ms - at < record.rules.update_period_ms);
    if recent {
        return Ok(());
    }
    let update = StoryUpdate {
        kind: "story_update".into(),
        id: uuid::Uuid::now_v7().to_string(),
        story: story.id.clone(),
        title: new.alert.title.clone(),
        link: new.alert.link.clone(),
        lists: story.lists.clone(),
        sources: story.sources.clone(),
        new_source: new.alert.feed.clone(),
        detected_at: rfc3339(crate::clock::from_millis(record.now_ms)),
    };
    stories::updated(tx, &story.id, record.now_ms).await?;
    queue(
        tx,
        &Message::StoryUpdate(update),
        "",
        &record.state.feed_id,
        record.now_ms,
        &new.update_sinks,
    )
    .await
}

/// The story and lists of an item key seen before.
async fn seen_before(
    tx: &mut Transaction<'_>,
    item_key: &str,
) -> Result<Option<(Option<String>, Vec<String>)>, StoreError> {
    let row = sqlx::query("SELECT story_id, lists FROM seen WHERE item_key = $1")
        .bind(item_key)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|row| {
        let lists: Option<String> = row.try_get("lists")?;
        let lists = lists
            .map(|l| {
                l.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok((row.try_get("story_id")?, lists))
    })
    .transpose()
}

/// Marks a key seen (if it was not), present in the feed's latest content.
async fn mark_seen(
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

/// Notes that a seen key is still in its feed, with these lists now.
async fn touch_seen(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    item_key: &str,
    lists: &[String],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE seen SET last_seen_at = $2, last_generation = $3, lists = $4 WHERE item_key = $1",
    )
    .bind(item_key)
    .bind(record.now_ms)
    .bind(record.state.content_generation)
    .bind(lists.join(","))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a message and one pending delivery per sink.
async fn queue(
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
