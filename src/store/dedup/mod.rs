//! The dedup stage's write: a poll's feed state, and for every matched item
//! the decision whether it is news and for which sinks, all in one
//! transaction. A story (same canonical link, or a near-duplicate headline
//! within the window) reaches each sink once: the first time a copy
//! matches a list the sink takes. News gets a seen mark, an alert, the
//! sinks' claims on the story and their deliveries together: nothing is
//! marked seen without its alert being queued, and no sink is queued a
//! story twice. Breaking stories and list spikes are noticed here too, in
//! the same transaction.
//!
//! Per item: read what the store knows of it ([`Facts`]), decide with no
//! SQL ([`decision::decide`]), write the plan ([`writes`]).

mod decision;
#[cfg(test)]
mod tests;
mod writes;

use std::collections::{BTreeSet, HashMap};

use sqlx::Row;

use super::signals::{self, Signals};
use super::{Store, StoreError, archive, feeds, stories};
use crate::model::{Alert, FeedHealthEvent, Message};
use crate::story::Signature;
use decision::{Facts, StoryWrite};
pub(super) use writes::queue as queue_message;

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
    /// Sinks (among `sinks`) that want an update when a story they had
    /// turns up again.
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

/// How stories are matched, updates paced and breaking stories told.
#[derive(Debug, Clone, Copy)]
pub struct StoryRules {
    /// Stories created this long ago or less are candidates (ms).
    pub window_ms: i64,
    /// At most one story update per story per this period (ms).
    pub update_period_ms: i64,
    /// A story breaks when this many distinct feeds first carried it...
    pub breaking_sources: usize,
    /// ...within this long (ms).
    pub breaking_window_ms: i64,
}

impl Default for StoryRules {
    fn default() -> Self {
        StoryRules {
            window_ms: 72 * 3_600_000,
            update_period_ms: 3_600_000,
            breaking_sources: 5,
            breaking_window_ms: 3_600_000,
        }
    }
}

/// What a batch of polls recorded.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Each poll's new alerts, in order.
    pub alerts: Vec<Vec<Alert>>,
    /// Sinks that were queued a signal (breaking story, list spike).
    pub signalled: Vec<String>,
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
    /// Every item the poll read, for the archive (empty when it is off or
    /// the content did not change).
    pub archive: Vec<super::ArchivedItem>,
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
            archive: Vec::new(),
            now_ms,
            rules: StoryRules::default(),
        }
    }
}

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// How many times a batch of polls is written when it keeps conflicting.
const CONFLICT_ATTEMPTS: u64 = 5;

/// The advisory lock key under which batches that write items take turns
/// across a fleet on PostgreSQL ("item").
const ITEM_WRITES_LOCK: i64 = 0x6974_656d;

impl Store {
    /// Records a poll. Returns the alerts that were news; their deliveries,
    /// and those of the poll's events and story updates, are queued.
    /// Signals are off (as when no sink asks for them).
    pub async fn record_poll(&self, record: &PollRecord) -> Result<Vec<Alert>, StoreError> {
        let recorded = self
            .record_polls(std::slice::from_ref(record), &Signals::default())
            .await?;
        Ok(recorded.alerts.into_iter().next().unwrap_or_default())
    }

    /// Records several polls in one transaction (the pipeline batches what
    /// is waiting), and queues the signals they raise. All or none. On
    /// PostgreSQL the batches of a fleet's daemons that write items take
    /// turns; should one still conflict with another transaction (a
    /// deadlock the database breaks by rolling it back), it is written
    /// again (a few times, after a short random pause).
    pub async fn record_polls(
        &self,
        records: &[PollRecord],
        signals: &Signals,
    ) -> Result<Recorded, StoreError> {
        let mut attempt = 1;
        loop {
            match self.record_polls_once(records, signals).await {
                Err(error) if error.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                    tracing::debug!(attempt, error = %error, "the polls' write conflicted with another daemon's; writing again");
                    let pause = fastrand::u64(5..=50) * attempt;
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    async fn record_polls_once(
        &self,
        records: &[PollRecord],
        signals: &Signals,
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Items are shared between feeds (stories, seen marks, the
        // archive): two daemons writing them at once lock rows in other
        // orders and deadlock, often (hundreds of times a cold cycle of
        // 10,000 feeds at three daemons). Such batches take turns across
        // the fleet; batches that only move feed states (a 304, a failure)
        // touch their own feeds' rows and do not wait.
        let shares_items = records
            .iter()
            .any(|r| !r.alerts.is_empty() || !r.silent.is_empty() || !r.archive.is_empty());
        if self.postgres && shares_items {
            super::take_turn(&mut tx, ITEM_WRITES_LOCK).await?;
        }
        let mut batch = Batch {
            instance: &self.instance,
            signals,
            touched: BTreeSet::new(),
            signalled: Vec::new(),
        };
        let mut alerts = Vec::with_capacity(records.len());
        for record in records {
            alerts.push(write_poll(&mut tx, record, &mut batch).await?);
        }
        if let Some(now_ms) = records.iter().map(|r| r.now_ms).max()
            && !signals.spikes.is_empty()
        {
            let woken = signals::queue_spikes(&mut tx, &batch.touched, now_ms, signals).await?;
            batch.signalled.extend(woken);
        }
        tx.commit().await?;
        let mut signalled = batch.signalled;
        signalled.sort();
        signalled.dedup();
        Ok(Recorded { alerts, signalled })
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

/// What a batch gathers as it is written: the lists its items brought
/// (looked at for spikes once the batch is in), and who got a signal.
struct Batch<'a> {
    /// Who writes: its lease on each feed is settled.
    instance: &'a str,
    signals: &'a Signals,
    touched: BTreeSet<String>,
    signalled: Vec<String>,
}

/// One poll's writes, inside the caller's transaction.
async fn write_poll(
    tx: &mut Transaction<'_>,
    record: &PollRecord,
    batch: &mut Batch<'_>,
) -> Result<Vec<Alert>, StoreError> {
    feeds::save_state(tx, &record.state).await?;
    super::leases::settle(tx, &record.state, batch.instance, crate::clock::now_ms()).await?;
    let mut fresh = Vec::new();
    // (list, story, item key) of every list an item brought, and (story,
    // sink, alert) of the sinks that get a story started here: written
    // together at the end, one statement each.
    let mut hits: Vec<[String; 3]> = Vec::new();
    let mut new_claims: Vec<[String; 3]> = Vec::new();
    // The story each matched item is in, for the archive.
    let mut story_of: HashMap<&str, String> = HashMap::new();
    for new in &record.alerts {
        let facts = with_new_claims(read_facts(tx, record, new).await?, &new_claims);
        let mut plan = decision::decide(facts, new, record.now_ms, &record.rules);
        let brought = std::mem::take(&mut plan.hits);
        let Some(story) = writes::apply(tx, record, new, plan).await? else {
            continue;
        };
        let id = &story.story.id;
        if !record.archive.is_empty() {
            story_of.insert(&new.alert.item_key, id.clone());
        }
        for list in &brought {
            hits.push([list.clone(), id.clone(), new.alert.item_key.clone()]);
        }
        batch.touched.extend(brought);
        let sends = &story.sends;
        if sends.news {
            let sinks = if story.write == StoryWrite::Start {
                let alert = &new.alert.id;
                new_claims.extend(
                    (sends.alert.iter()).map(|sink| [id.clone(), sink.clone(), alert.clone()]),
                );
                sends.alert.clone()
            } else {
                // The primary key has the last word on who has had the story.
                stories::claim_sinks(tx, id, &new.alert.id, &sends.alert, record.now_ms).await?
            };
            let mut alert = new.alert.clone();
            alert.story = id.clone();
            alert.sources = story.story.source_names();
            let message = Message::Alert(alert.clone());
            let feed = &record.state.feed_id;
            writes::queue(tx, &message, &alert.item_key, feed, record.now_ms, &sinks).await?;
            fresh.push(alert);
        }
        if !sends.update.is_empty() {
            writes::queue_update(tx, record, new, &story).await?;
        }
        if sends.breaking && stories::mark_breaking(tx, id, record.now_ms).await? {
            let sinks = Signals::sinks_for(&batch.signals.breaking, &story.story.lists);
            writes::queue_breaking(tx, record, new, &story.story, &sinks).await?;
            batch.signalled.extend(sinks);
        }
    }
    stories::claim_new(tx, &borrowed(&new_claims), record.now_ms).await?;
    signals::record_hits(tx, &borrowed(&hits), record.now_ms).await?;
    for (key, lists) in &record.silent {
        writes::mark_seen(tx, record, key, None, lists, None).await?;
    }
    if !record.archive.is_empty() {
        let mut matched: archive::Matched<'_> = HashMap::new();
        for (key, lists) in &record.silent {
            matched.insert(key, (None, lists));
        }
        for new in &record.alerts {
            let key = new.alert.item_key.as_str();
            matched.insert(
                key,
                (story_of.get(key).map(String::as_str), &new.alert.lists),
            );
        }
        archive::write(tx, &record.archive, &matched).await?;
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

/// Rows of three owned strings, borrowed for a batch insert.
fn borrowed(rows: &[[String; 3]]) -> Vec<[&str; 3]> {
    rows.iter()
        .map(|[a, b, c]| [a.as_str(), b.as_str(), c.as_str()])
        .collect()
}

/// The facts, with the sinks that got a story started earlier in this
/// poll (their claims are not written yet) counted as having had it.
fn with_new_claims(mut facts: Facts, new_claims: &[[String; 3]]) -> Facts {
    let (Facts::Seen { story, .. } | Facts::Unseen { story }) = &mut facts;
    if let Some(story) = story {
        for [id, sink, _] in new_claims {
            if *id == story.id && !story.sinks.contains(sink) {
                story.sinks.push(sink.clone());
            }
        }
    }
    facts
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
