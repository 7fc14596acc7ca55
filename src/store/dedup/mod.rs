//! The dedup stage's write: a poll's feed state, and for every matched item
//! the decision whether it is news, all in one transaction. An item is news
//! when its key was never seen and its story (same canonical link, or a
//! near-duplicate headline within the window) was not alerted for these
//! lists; or when an item or story seen before now matches a list it did
//! not. News gets a seen mark, an alert and its deliveries together:
//! nothing is marked seen without its alert being queued.
//!
//! Per item: read what the store knows of it ([`Facts`]), decide with no
//! SQL ([`decision::decide`]), write the plan ([`writes`]).

mod decision;
#[cfg(test)]
mod tests;
mod writes;

use sqlx::Row;

use super::{Store, StoreError, feeds, stories};
use crate::model::{Alert, FeedHealthEvent, Message};
use crate::story::Signature;
use decision::{Facts, Verdict};

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
        let facts = read_facts(tx, record, new).await?;
        let plan = decision::decide(facts, new, record.now_ms, &record.rules);
        let Some(story) = writes::apply(tx, record, new, plan).await? else {
            continue;
        };
        match story.verdict {
            Verdict::Quiet => {}
            Verdict::Update => writes::queue_update(tx, record, new, &story.story).await?,
            Verdict::Alert => {
                let mut alert = new.alert.clone();
                alert.story = story.story.id;
                alert.sources = story.story.sources;
                let message = Message::Alert(alert.clone());
                writes::queue(
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
        writes::mark_seen(tx, record, key, None, lists, None).await?;
    }
    for new in &record.events {
        let message = Message::FeedHealth(new.event.clone());
        writes::queue(
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

/// What the store knows about one matched item: whether its key was seen
/// (and with which lists and story), else the story it belongs to. The
/// same queries as ever: one for the key, and a story lookup only when
/// the decision needs it.
async fn read_facts(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    new: &NewAlert,
) -> Result<Facts, StoreError> {
    let alert = &new.alert;
    if let Some((story_id, lists)) = seen_before(tx, &alert.item_key).await? {
        let story = match story_id.as_deref() {
            Some(id) if decision::adds_lists(&lists, &alert.lists) => {
                stories::story(tx, id).await?
            }
            _ => None,
        };
        return Ok(Facts::Seen { lists, story });
    }
    let since = record.now_ms - record.rules.window_ms;
    let story = stories::find(tx, new.link_key.as_deref(), &new.signature, since).await?;
    Ok(Facts::Unseen { story })
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
            .as_deref()
            .map(stories::split_lists)
            .unwrap_or_default();
        Ok((row.try_get("story_id")?, lists))
    })
    .transpose()
}
