//! The dedup decision, with no database: from what the store knows of an
//! item, what is written and what is sent.

use super::decision::{Facts, Plan, SeenWrite, StoryPlan, StoryWrite, Verdict, adds_lists, decide};
use super::{NewAlert, StoryRules};
use crate::model::{Alert, Item, ItemKey};
use crate::store::stories::StoredStory;
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

/// A story alerted for `lists`, carried by `sources`.
fn story(lists: &[&str], sources: &[&str]) -> StoredStory {
    StoredStory {
        id: "story-1".to_string(),
        lists: strings(lists),
        sources: strings(sources),
        last_update_at: None,
    }
}

fn rules() -> StoryRules {
    StoryRules {
        window_ms: 72 * HOUR,
        update_period_ms: HOUR,
    }
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
fn a_new_item_of_no_known_story_starts_one_and_alerts() {
    let new = item(&["balkans", "eu"], Some("https://wire.example/a"));
    let plan = unseen(&new, None);
    assert_eq!(
        plan,
        Plan {
            seen: SeenWrite::Mark { alerted: true },
            story: Some(StoryPlan {
                story: StoredStory {
                    id: "alert-1".to_string(),
                    lists: strings(&["balkans", "eu"]),
                    sources: strings(&["Wire"]),
                    last_update_at: None,
                },
                write: StoryWrite::Start,
                verdict: Verdict::Alert,
            }),
        }
    );
}

#[test]
fn a_new_item_bringing_a_list_to_a_known_story_alerts_as_that_story() {
    let new = item(&["eu", "balkans"], Some("https://wire.example/a"));
    let plan = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(plan.seen, SeenWrite::Mark { alerted: true });
    let joined = story_of(&plan);
    assert_eq!(joined.verdict, Verdict::Alert);
    assert_eq!(joined.write, StoryWrite::Grow { link: true });
    assert_eq!(joined.story.id, "story-1");
    assert_eq!(joined.story.lists, strings(&["balkans", "eu"]), "sorted");
    assert_eq!(joined.story.sources, strings(&["Agency", "Wire"]));
}

#[test]
fn a_new_copy_of_a_story_alerted_for_its_lists_is_quiet_without_update_sinks() {
    let new = item(&["eu"], Some("https://wire.example/a"));
    let plan = unseen(&new, Some(story(&["balkans", "eu"], &["Agency"])));
    assert_eq!(plan.seen, SeenWrite::Mark { alerted: false });
    let joined = story_of(&plan);
    assert_eq!(joined.verdict, Verdict::Quiet);
    assert_eq!(joined.write, StoryWrite::Grow { link: true });
    assert_eq!(joined.story.lists, strings(&["balkans", "eu"]));
    assert_eq!(joined.story.sources, strings(&["Agency", "Wire"]));
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
    assert_eq!(story_of(&plan).story.sources, strings(&["Wire"]));
}

#[test]
fn a_new_copy_sends_an_update_when_a_sink_wants_one_and_none_is_recent() {
    let mut new = item(&["eu"], Some("https://wire.example/a"));
    new.update_sinks = strings(&["chat"]);
    let never = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(story_of(&never).verdict, Verdict::Update);
    assert_eq!(never.seen, SeenWrite::Mark { alerted: false });

    let updated_at = |at: i64| StoredStory {
        last_update_at: Some(at),
        ..story(&["eu"], &["Agency"])
    };
    let recent = unseen(&new, Some(updated_at(NOW - HOUR + 1)));
    assert_eq!(story_of(&recent).verdict, Verdict::Quiet, "one per period");
    let period_ago = unseen(&new, Some(updated_at(NOW - HOUR)));
    assert_eq!(story_of(&period_ago).verdict, Verdict::Update);
}

#[test]
fn news_for_a_story_is_an_alert_even_for_sinks_that_want_updates() {
    let mut new = item(&["balkans"], None);
    new.update_sinks = strings(&["chat"]);
    let plan = unseen(&new, Some(story(&["eu"], &["Agency"])));
    assert_eq!(story_of(&plan).verdict, Verdict::Alert);
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
            },
            story: None,
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
        }
    );
    let joined = story_of(&plan);
    assert_eq!(joined.verdict, Verdict::Alert);
    assert_eq!(joined.write, StoryWrite::Grow { link: false });
    assert_eq!(joined.story.lists, strings(&["asia", "eu"]));
}

#[test]
fn an_item_seen_again_whose_story_has_its_new_list_is_quiet_not_an_update() {
    let mut new = item(&["asia"], Some("https://wire.example/a"));
    new.update_sinks = strings(&["chat"]);
    let plan = seen(&new, &["eu"], Some(story(&["asia", "eu"], &["Agency"])));
    let joined = story_of(&plan);
    assert_eq!(joined.verdict, Verdict::Quiet);
    assert_eq!(joined.write, StoryWrite::Grow { link: false });
    assert_eq!(joined.story.sources, strings(&["Agency", "Wire"]));
}

#[test]
fn an_item_seen_again_with_a_new_list_and_no_story_starts_one() {
    let new = item(&["asia"], Some("https://wire.example/a"));
    let plan = seen(&new, &["eu"], None);
    assert_eq!(
        plan.seen,
        SeenWrite::Touch {
            lists: strings(&["asia", "eu"]),
        }
    );
    let started = story_of(&plan);
    assert_eq!(started.write, StoryWrite::Start);
    assert_eq!(started.verdict, Verdict::Alert);
    assert_eq!(started.story.id, "alert-1");
    assert_eq!(started.story.lists, strings(&["asia"]));
}

#[test]
fn a_seen_item_adds_lists_only_with_one_it_lacked() {
    assert!(!adds_lists(&strings(&["a", "b"]), &strings(&["b"])));
    assert!(!adds_lists(&strings(&["a"]), &[]));
    assert!(adds_lists(&strings(&["a"]), &strings(&["a", "c"])));
    assert!(adds_lists(&[], &strings(&["a"])));
}
