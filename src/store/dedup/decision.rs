//! Is this news? The dedup stage's rules as plain code: from what the store
//! knows about one matched item (its key seen before or not, its story),
//! decide what to write and what to send. No SQL and no clock here; the
//! caller reads the facts and writes the plan, inside its transaction.

use super::{NewAlert, StoryRules};
use crate::store::stories::{StoredStory, merge_lists};

/// What the store knows about one matched item before recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Facts {
    /// Its key was seen before.
    Seen {
        /// The lists it matched so far.
        lists: Vec<String>,
        /// Its story, if it has one. Looked up only when the item now
        /// matches a list it did not ([`adds_lists`]): otherwise it cannot
        /// change the decision, and a lookup per repeated item would cost.
        story: Option<StoredStory>,
    },
    /// Its key is new.
    Unseen {
        /// The story it belongs to, if any: the one its canonical link
        /// belongs to, or a near-duplicate alerted within the window.
        story: Option<StoredStory>,
    },
}

/// What to write for one item, and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// How the item's seen row changes.
    pub seen: SeenWrite,
    /// Its story, how it changes and what is sent; none when the item is
    /// a repeat that adds no list.
    pub story: Option<StoryPlan>,
}

/// How an item's seen row changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SeenWrite {
    /// Seen before: still in its feed, matching these lists now (sorted).
    Touch {
        /// Every list it matched, before and now.
        lists: Vec<String>,
    },
    /// New: mark it seen, with its story and the lists it matched.
    Mark {
        /// Whether the row names the alert (it is news).
        alerted: bool,
    },
}

/// An item's story after recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoryPlan {
    /// The story as it is to be stored.
    pub story: StoredStory,
    /// How it is written.
    pub write: StoryWrite,
    /// What is sent for the item.
    pub verdict: Verdict,
}

/// How a story is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoryWrite {
    /// Created, named after the item's alert, with the item's canonical
    /// link (if any) pointing to it.
    Start,
    /// Its lists and sources updated; with `link`, the item's canonical
    /// link pointing to it first.
    Grow {
        /// Whether to link the item's canonical link to the story.
        link: bool,
    },
}

/// What is sent for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Nothing: its story was alerted for these lists already.
    Quiet,
    /// News: the alert, as part of its story.
    Alert,
    /// A story alerted before turned up in another item: an "also
    /// reported by" update, for the sinks that want one.
    Update,
}

/// Whether `new` holds a list `old` lacks: only then can an item seen
/// before be news, and only then does its story matter.
pub(super) fn adds_lists(old: &[String], new: &[String]) -> bool {
    new.iter().any(|list| !old.contains(list))
}

/// Decides what one matched item is, from what the store knows of it.
///
/// An item is news when its key was never seen and its story was not
/// alerted for these lists; or when an item or story seen before now
/// matches a list it did not. A new item in a story already alerted for
/// its lists is a repeat: an update, at most one per story per
/// `rules.update_period_ms`, if any of its sinks wants one.
pub(super) fn decide(facts: Facts, new: &NewAlert, now_ms: i64, rules: &StoryRules) -> Plan {
    let lists = &new.alert.lists;
    match facts {
        Facts::Seen {
            lists: mut all,
            story,
        } => {
            // The same item again, perhaps edited: news only for a new list.
            let adds = merge_lists(&mut all, lists);
            let seen = SeenWrite::Touch { lists: all };
            if !adds {
                return Plan { seen, story: None };
            }
            // New for this item, but perhaps not for its story, which
            // other copies may have alerted for these lists already.
            let story = match story {
                Some(story) => joined(story, new, false, Verdict::Quiet),
                None => started(new),
            };
            Plan {
                seen,
                story: Some(story),
            }
        }
        Facts::Unseen { story: None } => Plan {
            seen: SeenWrite::Mark { alerted: true },
            story: Some(started(new)),
        },
        Facts::Unseen { story: Some(story) } => {
            let repeat = if update_due(&story, new, now_ms, rules) {
                Verdict::Update
            } else {
                Verdict::Quiet
            };
            let plan = joined(story, new, new.link_key.is_some(), repeat);
            Plan {
                seen: SeenWrite::Mark {
                    alerted: plan.verdict == Verdict::Alert,
                },
                story: Some(plan),
            }
        }
    }
}

/// A new story, named after the alert that starts it.
fn started(new: &NewAlert) -> StoryPlan {
    let alert = &new.alert;
    StoryPlan {
        story: StoredStory {
            id: alert.id.clone(),
            lists: alert.lists.clone(),
            sources: vec![alert.feed.clone()],
            last_update_at: None,
        },
        write: StoryWrite::Start,
        verdict: Verdict::Alert,
    }
}

/// The item joins `story`: news if it brings a list the story was not
/// alerted for, else `repeat`.
fn joined(mut story: StoredStory, new: &NewAlert, link: bool, repeat: Verdict) -> StoryPlan {
    let alert = &new.alert;
    let is_news = adds_lists(&story.lists, &alert.lists);
    story.grow(&alert.lists, &alert.feed);
    StoryPlan {
        story,
        write: StoryWrite::Grow { link },
        verdict: if is_news { Verdict::Alert } else { repeat },
    }
}

/// Whether a repeat of `story` sends an update: some sink wants one, and
/// none was sent within the update period.
fn update_due(story: &StoredStory, new: &NewAlert, now_ms: i64, rules: &StoryRules) -> bool {
    let recent = story
        .last_update_at
        .is_some_and(|at| now_ms - at < rules.update_period_ms);
    !new.update_sinks.is_empty() && !recent
}
