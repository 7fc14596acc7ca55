//! The dedup decision, with no database: from what the store knows of an
//! item, what is written and what is sent.

use super::decision::{Facts, Plan, SeenWrite, Sends, StoryPlan, StoryWrite, adds_lists, decide};
use super::{NewAlert, StoryRules};
use crate::model::{Alert, Item, ItemKey};
use crate::store::stories::{StoredStory, StorySource};
use crate::story::Signature;

const NOW: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A matched item from feed "Wire", for `lists`, linked or not.
fn item(lists: &[&str], link: Option<&str>) -> NewAlert {
    let item = Item {
        key: ItemKey::from_parts("test", &["1"]),
        source_id: None,
        title: "Talks resume in Brussels".to_string(),
        link: link.map(str::to_string),
        summary: String::new(),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    };
    let detected = chrono::DateTime::from_timestamp_millis(NOW).unwrap_or_default();
    let mut alert = Alert::new(
        "alert-1".into(),
        "Wire",
        "https://wire.example/rss",
        &item,
        &[],
        detected,
    );
    alert.lists = strings(lists);
    NewAlert {
        signature: Signature::of(&item.title, "", item.link.as_deref()),
        link_key: item.link.clone(),
        sinks: strings(&["chat"]),
        update_sinks: Vec::new(),
        alert,
    }
}

/// Sources named `names`, each first seen at `at`.
fn sources(names: &[&str], at: i64) -> Vec<StorySource> {
    names
        .iter()
        .map(|feed| StorySource {
            feed: feed.to_string(),
            at,
        })
        .collect()
}

/// A story of `lists`, carried by `feeds` two hours ago, which the sink
/// "chat" has had.
fn story(lists: &[&str], feeds: &[&str]) -> StoredStory {
    StoredStory {
        id: "story-1".to_string(),
        title: "Talks resume".to_string(),
        created_at: NOW - 2 * HOUR,
        lists: strings(lists),
        sources: sources(feeds, NOW - 2 * HOUR),
        sinks: strings(&["chat"]),
        last_update_at: None,
        breaking_at: None,
    }
}

fn rules() -> StoryRules {
    StoryRules {
        window_ms: 72 * HOUR,
        update_period_ms: HOUR,
        breaking_sources: 3,
        breaking_window_ms: HOUR,
    }
}

fn feeds(story: &StoredStory) -> Vec<String> {
    story.source_names()
}

fn unseen(new: &NewAlert, story: Option<StoredStory>) -> Plan {
    decide(Facts::Unseen { story }, new, NOW, &rules())
}

fn seen(new: &NewAlert, lists: &[&str], story: Option<StoredStory>) -> Plan {
    let facts = Facts::Seen {
        lists: strings(lists),
        story,
    };
    decide(facts, new, NOW, &rules())
}

/// The plan's story, which the case needs.
fn story_of(plan: &Plan) -> &StoryPlan {
    plan.story.as_ref().expect("the plan has a story")
}

#[test]
fn a_new_item_of_no_known_story_starts_one_and_alerts_every_routed_sink() {
    let mut new = item(&["balkans", "eu"], Some("https://wire.example/a"));
    new.sinks = strings(&["chat", "archive"]);
    let plan = unseen(&new, None);
    assert_eq!(
        plan,
        Plan {
            seen: SeenWrite::Mark { alerted: true },
            story: Some(StoryPlan {
                story: StoredStory {
                    id: "alert-1".to_string(),
                    title: "Talks resume in Brussels".to_string(),
                    created_at: NOW,
                    lists: strings(&["balkans", "eu"]),
                    sources: sources(&["Wire"], NOW),
                    sinks: strings(&["chat", "archive"]),
                    last_update_at: None,
                    breaking_at: None,
                },
                write: StoryWrite::Start,
                sends: Sends {
                    news: true,
                    alert: strings(&["chat", "archive"]),
                    update: Vec::new(),
                    added_lists: Vec::new(),
                    breaking: false,
                },
            }),
            hits: strings(&["balkans", "eu"]),
        }
    );
}

#[test]
fn a_copy_bringing_a_list_does_not_message_a_sink_that_had_the_story() {
    let new = item(&["balkans", "eu"], Some("https://wire.example/a"));
    let plan = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(plan.seen, SeenWrite::Mark { alerted: true });
    let joined = story_of(&plan);
    assert!(joined.sends.news, "the story gained a list: recorded");
    assert_eq!(joined.sends.alert, Vec::<String>::new(), "chat had it");
    assert_eq!(joined.sends.added_lists, strings(&["balkans"]));
    assert_eq!(joined.write, StoryWrite::Grow { link: true });
    assert_eq!(joined.story.id, "story-1");
    assert_eq!(joined.story.lists, strings(&["balkans", "eu"]), "sorted");
    assert_eq!(feeds(&joined.story), strings(&["Agency", "Wire"]));
    assert_eq!(plan.hits, strings(&["balkans", "eu"]));
}

#[test]
fn a_copy_reaches_a_sink_that_has_not_had_the_story_and_only_it() {
    let mut new = item(&["balkans"], None);
    new.sinks = strings(&["chat", "balkans-desk"]);
    let plan = unseen(&new, Some(story(&["balkans", "eu"], &["Agency"])));
    let joined = story_of(&plan);
    assert!(joined.sends.news);
    assert_eq!(joined.sends.alert, strings(&["balkans-desk"]));
    assert_eq!(joined.story.sinks, strings(&["chat", "balkans-desk"]));
    assert_eq!(plan.seen, SeenWrite::Mark { alerted: true });
}

#[test]
fn a_new_copy_of_a_story_every_sink_had_is_quiet_without_update_sinks() {
    let new = item(&["eu"], Some("https://wire.example/a"));
    let plan = unseen(&new, Some(story(&["balkans", "eu"], &["Agency"])));
    assert_eq!(plan.seen, SeenWrite::Mark { alerted: false });
    let joined = story_of(&plan);
    assert_eq!(joined.sends, Sends::default());
    assert_eq!(joined.write, StoryWrite::Grow { link: true });
    assert_eq!(joined.story.lists, strings(&["balkans", "eu"]));
    assert_eq!(feeds(&joined.story), strings(&["Agency", "Wire"]));
}

#[test]
fn a_new_copy_without_a_link_links_nothing() {
    let new = item(&["eu"], None);
    let plan = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(story_of(&plan).write, StoryWrite::Grow { link: false });
}

#[test]
fn a_source_carrying_a_story_again_is_not_listed_twice() {
    let new = item(&["eu"], None);
    let plan = unseen(&new, Some(story(&["eu"], &["Wire"])));
    assert_eq!(
        story_of(&plan).story.sources,
        sources(&["Wire"], NOW - 2 * HOUR)
    );
}

#[test]
fn a_new_copy_sends_an_update_when_a_sink_wants_one_and_none_is_recent() {
    let mut new = item(&["eu"], Some("https://wire.example/a"));
    new.update_sinks = strings(&["chat"]);
    let never = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(story_of(&never).sends.update, strings(&["chat"]));
    assert_eq!(never.seen, SeenWrite::Mark { alerted: false });

    let updated_at = |at: i64| StoredStory {
        last_update_at: Some(at),
        ..story(&["eu"], &["Agency"])
    };
    let recent = unseen(&new, Some(updated_at(NOW - HOUR + 1)));
    assert!(story_of(&recent).sends.update.is_empty(), "one per period");
    let period_ago = unseen(&new, Some(updated_at(NOW - HOUR)));
    assert_eq!(story_of(&period_ago).sends.update, strings(&["chat"]));
}

#[test]
fn an_update_naming_added_lists_is_not_held_back_by_the_period() {
    let mut new = item(&["eu", "balkans"], None);
    new.update_sinks = strings(&["chat"]);
    let story = StoredStory {
        last_update_at: Some(NOW - 1),
        ..story(&["eu"], &["Agency"])
    };
    let joined = story_of(&unseen(&new, Some(story))).clone();
    assert_eq!(joined.sends.update, strings(&["chat"]));
    assert_eq!(joined.sends.added_lists, strings(&["balkans"]));
    assert!(joined.sends.alert.is_empty());
}

#[test]
fn a_sink_new_to_the_story_gets_the_alert_not_an_update() {
    let mut new = item(&["balkans"], None);
    new.sinks = strings(&["chat", "desk"]);
    new.update_sinks = strings(&["chat", "desk"]);
    let joined = story_of(&unseen(&new, Some(story(&["eu"], &["Agency"])))).clone();
    assert_eq!(joined.sends.alert, strings(&["desk"]));
    assert_eq!(joined.sends.update, strings(&["chat"]));
}

#[test]
fn an_item_seen_again_with_no_new_list_is_only_touched() {
    let mut new = item(&["eu"], Some("https://wire.example/a"));
    new.update_sinks = strings(&["chat"]);
    let plan = seen(&new, &["eu", "balkans"], Some(story(&["eu"], &["Wire"])));
    assert_eq!(
        plan,
        Plan {
            seen: SeenWrite::Touch {
                lists: strings(&["balkans", "eu"]),
                story: None,
            },
            story: None,
            hits: Vec::new(),
        }
    );
}

#[test]
fn an_item_seen_again_with_a_new_list_keeps_all_its_lists() {
    let new = item(&["asia", "eu"], None);
    let plan = seen(&new, &["eu", "balkans"], Some(story(&["eu"], &["Wire"])));
    assert_eq!(
        plan.seen,
        SeenWrite::Touch {
            lists: strings(&["asia", "balkans", "eu"]),
            story: None,
        }
    );
    assert_eq!(plan.hits, strings(&["asia"]));
    let joined = story_of(&plan);
    assert!(joined.sends.news);
    assert!(joined.sends.alert.is_empty(), "chat had the story");
    assert_eq!(joined.write, StoryWrite::Grow { link: false });
    assert_eq!(joined.story.lists, strings(&["asia", "eu"]));
}

#[test]
fn an_item_seen_again_whose_story_has_its_new_list_is_quiet_not_an_update() {
    let mut new = item(&["asia"], Some("https://wire.example/a"));
    new.update_sinks = strings(&["chat"]);
    let plan = seen(&new, &["eu"], Some(story(&["asia", "eu"], &["Agency"])));
    let joined = story_of(&plan);
    assert_eq!(joined.sends, Sends::default());
    assert_eq!(joined.write, StoryWrite::Grow { link: false });
    assert_eq!(feeds(&joined.story), strings(&["Agency", "Wire"]));
}

#[test]
fn an_item_seen_again_with_a_new_list_and_no_story_starts_one_and_keeps_it() {
    let new = item(&["asia"], Some("https://wire.example/a"));
    let plan = seen(&new, &["eu"], None);
    assert_eq!(
        plan.seen,
        SeenWrite::Touch {
            lists: strings(&["asia", "eu"]),
            story: Some("alert-1".to_string()),
        }
    );
    let started = story_of(&plan);
    assert_eq!(started.write, StoryWrite::Start);
    assert_eq!(started.sends.alert, strings(&["chat"]));
    assert_eq!(started.story.id, "alert-1");
    assert_eq!(started.story.lists, strings(&["asia"]));
}

#[test]
fn a_story_breaks_once_when_enough_feeds_carry_it_within_the_window() {
    let new = item(&["eu"], None);
    let mut recent = story(&["eu"], &["Old"]);
    recent
        .sources
        .extend(sources(&["Agency", "Daily"], NOW - HOUR + 1));
    // Old (two hours ago) is outside the window: Agency, Daily, Wire make 3.
    let joined = story_of(&unseen(&new, Some(recent.clone()))).clone();
    assert!(joined.sends.breaking);
    assert_eq!(joined.story.breaking_at, Some(NOW));

    let broken = StoredStory {
        breaking_at: Some(NOW - 10),
        ..recent.clone()
    };
    assert!(
        !story_of(&unseen(&new, Some(broken))).sends.breaking,
        "once"
    );

    let mut slow = recent;
    slow.sources[1].at = NOW - HOUR - 1;
    assert!(
        !story_of(&unseen(&new, Some(slow))).sends.breaking,
        "too slow"
    );
}

#[test]
fn a_seen_item_adds_lists_only_with_one_it_lacked() {
    assert!(!adds_lists(&strings(&["a", "b"]), &strings(&["b"])));
    assert!(!adds_lists(&strings(&["a"]), &[]));
    assert!(adds_lists(&strings(&["a"]), &strings(&["a", "c"])));
    assert!(adds_lists(&[], &strings(&["a"])));
}
