//! Is this news, and for whom? The dedup stage's rules as plain code: from
//! what the store knows about one matched item (its key seen before or
//! not, its story and the sinks that had it), decide what to write and
//! what to send. No SQL and no clock here; the
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
    /// The lists this item matched for the first time (counted for
    /// volume spikes).
    pub hits: Vec<String>,
}

/// How an item's seen row changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SeenWrite {
    /// Seen before: still in its feed, matching these lists now (sorted).
    Touch {
        /// Every list it matched, before and now.
        lists: Vec<String>,
        /// The story it starts now, if it had none (seen quietly as a
        /// first poll's backlog, or its story forgotten).
        story: Option<String>,
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
    pub sends: Sends,
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

/// What is sent for an item. A sink gets a story once: the first time a
/// copy matches a list it takes. A sink that had the story hears of it
/// again only as an update, if it asked for updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Sends {
    /// The item is news, recorded as an alert: it starts its story, or
    /// brings the story a list, or reaches a sink that had not had it.
    pub news: bool,
    /// Sinks that get the alert: routed to it, and new to the story.
    pub alert: Vec<String>,
    /// Sinks that had the story and get a `story_update`.
    pub update: Vec<String>,
    /// Lists this copy brought to the story (sorted), told in the update.
    pub added_lists: Vec<String>,
    /// The story broke with this copy: enough sources within the window.
    pub breaking: bool,
}

/// Whether `new` holds a list `old` lacks: only then can an item seen
/// before be news, and only then does its story matter.
pub(super) fn adds_lists(old: &[String], new: &[String]) -> bool {
    new.iter().any(|list| !old.contains(list))
}

/// Decides what one matched item is, from what the store knows of it.
///
/// An item seen before is looked at again only when it matches a list it
/// did not; a new item joins its story, if it has one. Either way a sink
/// routed to the item gets the alert only if it has not had the story;
/// sinks that had it get an update (if they asked for updates) when the
/// item brings the story a list, or, for a new copy, at most once per
/// story per `rules.update_period_ms`.
pub(super) fn decide(facts: Facts, new: &NewAlert, now_ms: i64, rules: &StoryRules) -> Plan {
    let lists = &new.alert.lists;
    match facts {
        Facts::Seen {
            lists: mut all,
            story,
        } => {
            // The same item again, perhaps edited: news only for a new list.
            let hits = without(lists, &all);
            merge_lists(&mut all, lists);
            if hits.is_empty() {
                let seen = SeenWrite::Touch {
                    lists: all,
                    story: None,
                };
                return Plan {
                    seen,
                    story: None,
                    hits,
                };
            }
            // New for this item, but perhaps not for its story, which
            // other copies may have brought to these lists already.
            let plan = match story {
                Some(story) => joined(story, new, now_ms, rules, Copy::Edited),
                None => started(new, now_ms, rules),
            };
            // A story started now is the item's from here on.
            let story = (plan.write == StoryWrite::Start).then(|| plan.story.id.clone());
            Plan {
                seen: SeenWrite::Touch { lists: all, story },
                story: Some(plan),
                hits,
            }
        }
        Facts::Unseen { story: None } => Plan {
            seen: SeenWrite::Mark { alerted: true },
            story: Some(started(new, now_ms, rules)),
            hits: lists.clone(),
        },
        Facts::Unseen { story: Some(story) } => {
            let plan = joined(story, new, now_ms, rules, Copy::New);
            Plan {
                seen: SeenWrite::Mark {
                    alerted: plan.sends.news,
                },
                story: Some(plan),
                hits: lists.clone(),
            }
        }
    }
}

/// How an item came to its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    /// A new item: another copy, perhaps from another feed.
    New,
    /// An item seen before, edited to match another list.
    Edited,
}

/// A new story, named after the alert that starts it: every routed sink
/// gets it.
fn started(new: &NewAlert, now_ms: i64, rules: &StoryRules) -> StoryPlan {
    let alert = &new.alert;
    let mut story = StoredStory {
        id: alert.id.clone(),
        title: alert.title.clone(),
        created_at: now_ms,
        lists: Vec::new(),
        sources: Vec::new(),
        sinks: new.sinks.clone(),
        last_update_at: None,
        breaking_at: None,
    };
    story.grow(&alert.lists, &alert.feed, now_ms);
    let breaking = breaks(&mut story, now_ms, rules);
    StoryPlan {
        story,
        write: StoryWrite::Start,
        sends: Sends {
            news: true,
            alert: new.sinks.clone(),
            update: Vec::new(),
            added_lists: Vec::new(),
            breaking,
        },
    }
}

/// The item joins `story`: the alert for the routed sinks new to the
/// story, an update for those that had it and want one.
fn joined(
    mut story: StoredStory,
    new: &NewAlert,
    now_ms: i64,
    rules: &StoryRules,
    copy: Copy,
) -> StoryPlan {
    let alert = &new.alert;
    let mut added_lists = without(&alert.lists, &story.lists);
    added_lists.sort();
    let alert_to = without(&new.sinks, &story.sinks);
    let had_it = without(&new.update_sinks, &alert_to);
    let recent = story
        .last_update_at
        .is_some_and(|at| now_ms - at < rules.update_period_ms);
    let update_due = !added_lists.is_empty() || (copy == Copy::New && !recent);
    let update = if update_due { had_it } else { Vec::new() };
    story.grow(&alert.lists, &alert.feed, now_ms);
    story.sinks.extend(alert_to.iter().cloned());
    let breaking = breaks(&mut story, now_ms, rules);
    StoryPlan {
        story,
        write: StoryWrite::Grow {
            link: copy == Copy::New && new.link_key.is_some(),
        },
        sends: Sends {
            news: !added_lists.is_empty() || !alert_to.is_empty(),
            alert: alert_to,
            update,
            added_lists,
            breaking,
        },
    }
}

/// `names` less those in `had`, in order.
fn without(names: &[String], had: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|name| !had.contains(name))
        .cloned()
        .collect()
}

/// Whether the story breaks now: it never did, and enough distinct feeds
/// first carried it within the breaking window. Marks it if so.
fn breaks(story: &mut StoredStory, now_ms: i64, rules: &StoryRules) -> bool {
    let breaking = story.breaking_at.is_none()
        && story.sources_since(now_ms - rules.breaking_window_ms) >= rules.breaking_sources;
    if breaking {
        story.breaking_at = Some(now_ms);
    }
    breaking
}
