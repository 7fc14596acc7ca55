//! `newswatch test`: one feed through fetch, parse and match, shown item by
//! item with the reasons for every hit. Stores and delivers nothing.

use serde::Serialize;

use super::{Failure, output, test_articles};
use crate::config::Config;
use crate::fetch::{FetchOutcome, Fetcher, Validators};
use crate::matcher::{MatchScratch, Matcher, Veto};
use crate::model::{Hit, Item, ListScore, rfc3339};
use crate::parse::{ParseError, parse_feed};

/// One line of `--json` output.
#[derive(Serialize)]
struct ItemLine<'a> {
    id: &'a str,
    key: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<String>,
    lists: Vec<&'a str>,
    terms: Vec<&'a str>,
    hits: &'a [Hit],
    /// Score and threshold of the matching lists with weighted terms.
    scores: &'a [ListScore],
    /// Lists it matched but for one of their exclude terms.
    vetoed: &'a [Veto],
    /// Lists it matched that apply to other feeds only (`feeds`/`tags`).
    other_feeds: Vec<&'a str>,
    /// With `--full-text`: the article's length and start, or why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<test_articles::Shown>,
}

/// How `newswatch test` shows an item.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// One JSON object per item per line instead of text.
    pub json: bool,
    /// Every query list's query as a tree under each item.
    pub explain: bool,
    /// Fetch each item's article and match with it (`--full-text`).
    pub full_text: bool,
}

/// Runs the test command on a URL or a file.
pub async fn run(config: &Config, source: &str, options: Options) -> Result<(), Failure> {
    let Options {
        json,
        explain,
        full_text,
    } = options;
    let (bytes, base, content_type) = load(config, source).await?;
    let parsed = parse_feed(&bytes, &base, content_type.as_deref()).map_err(|e| match e {
        // Names the URL itself.
        page @ ParseError::HtmlPage(_) => anyhow::anyhow!(page),
        e => anyhow::anyhow!("{source}: {e}"),
    })?;
    let matcher = Matcher::new(&config.watches, &config.entities).map_err(anyhow::Error::from)?;
    let mut scratch = if explain {
        MatchScratch::explaining()
    } else {
        MatchScratch::default()
    };
    // Tested at a configured feed's URL, the lists that leave that feed
    // out are shown apart, as the daemon would not alert them.
    let unwatched = config
        .feed_at(source)
        .map(|feed| config.lists_not_for(feed))
        .unwrap_or_default();
    let mut matching = 0;
    if !json {
        output::line(&format!(
            "{} ({} items)",
            parsed.title.as_deref().unwrap_or(source),
            parsed.items.len()
        ))?;
    }
    let articles = if full_text {
        test_articles::fetch_all(config, source, &base, &parsed.items).await?
    } else {
        Vec::new()
    };
    let mut items = parsed.items.clone();
    for (item, article) in items.iter_mut().zip(&articles) {
        if let Ok(page) = article {
            item.article.clone_from(&page.article.text);
        }
    }
    for (index, item) in items.iter().enumerate() {
        let article = articles.get(index);
        let found = matcher.find_in(item, parsed.language.as_deref(), &mut scratch);
        let (elsewhere, hits): (Vec<Hit>, Vec<Hit>) =
            found.into_iter().partition(|h| unwatched.contains(&h.list));
        let mut other_feeds: Vec<&str> = elsewhere.iter().map(|h| h.list.as_str()).collect();
        other_feeds.dedup();
        let mut scores = matcher.scores(&scratch);
        scores.retain(|score| !unwatched.contains(&score.list));
        let vetoed = matcher.vetoes(&scratch);
        if !hits.is_empty() {
            matching += 1;
        }
        if json {
            let article = article.map(test_articles::Shown::of);
            output::line(&json_line(
                item,
                &hits,
                &scores,
                &vetoed,
                other_feeds,
                article,
            ))?;
        } else {
            print_item(item, &hits)?;
            if let Some(article) = article {
                test_articles::print(article)?;
            }
            for list in &other_feeds {
                output::line(&format!(
                    "       {list}: matches, but the list's feeds/tags leave this feed out"
                ))?;
            }
            for veto in &vetoed {
                output::line(&format!(
                    "       {}: vetoed by exclude {:?}",
                    veto.list, veto.exclude
                ))?;
            }
            for score in &scores {
                output::line(&format!(
                    "       {}: score {} of threshold {}",
                    score.list, score.score, score.threshold
                ))?;
            }
        }
        if explain && !json {
            for (list, lines) in matcher.explain_queries(&scratch) {
                output::line(&format!("       query of {list}:"))?;
                for line in lines {
                    output::line(&format!("         {line}"))?;
                }
            }
        }
    }
    if !json {
        output::line(&format!("{matching} of {} items match", items.len()))?;
    }
    Ok(())
}

fn json_line<'a>(
    item: &'a Item,
    hits: &'a [Hit],
    scores: &'a [ListScore],
    vetoed: &'a [Veto],
    other_feeds: Vec<&'a str>,
    article: Option<test_articles::Shown>,
) -> String {
    let mut lists: Vec<&str> = hits.iter().map(|h| h.list.as_str()).collect();
    lists.sort_unstable();
    lists.dedup();
    let mut terms: Vec<&str> = hits.iter().map(|h| h.term.as_str()).collect();
    terms.sort_unstable();
    terms.dedup();
    let line = ItemLine {
        // What identifies the item in its feed: its id, else its link
        // (RSS 1.0 items are identified by their link), else our key.
        id: item
            .source_id
            .as_deref()
            .or(item.link.as_deref())
            .unwrap_or(item.key.as_str()),
        key: item.key.as_str(),
        title: &item.title,
        link: item.link.as_deref(),
        published: item.published.map(rfc3339),
        lists,
        terms,
        hits,
        scores,
        vetoed,
        other_feeds,
        article,
    };
    // Serialising plain strings cannot fail; fall back to an empty object.
    serde_json::to_string(&line).unwrap_or_else(|_| "{}".to_string())
}

fn print_item(item: &Item, hits: &[Hit]) -> Result<(), Failure> {
    let mut lists: Vec<&str> = hits.iter().map(|h| h.list.as_str()).collect();
    lists.dedup();
    if hits.is_empty() {
        return output::line(&format!("  -  {}", item.title));
    }
    output::line(&format!("  +  [{}] {}", lists.join(", "), item.title))?;
    for hit in hits {
        output::line(&format!(
            "       {} / {} in {}: {}",
            hit.list,
            output::term(&hit.term, hit.matched.as_deref()),
            hit.field.as_str(),
            hit.snippet
        ))?;
    }
    Ok(())
}

/// The feed's bytes, the base URL for its relative links, and the HTTP
/// Content-Type if it was fetched.
async fn load(config: &Config, source: &str) -> Result<(Vec<u8>, String, Option<String>), Failure> {
    if source.starts_with("http://") || source.starts_with("https://") {
        // A configured feed is fetched with its own headers and proxy.
        let configured = url::Url::parse(source)
            .ok()
            .and_then(|url| config.feeds.iter().find(|feed| feed.url.0 == url));
        let fetcher = Fetcher::for_feeds(config, configured).map_err(anyhow::Error::from)?;
        let feed = configured.map_or(source, |feed| feed.url.as_str());
        return match fetcher
            .fetch_feed(feed, source, &Validators::default())
            .await
        {
            Ok(FetchOutcome::Fetched(body)) => Ok((body.bytes, body.final_url, body.content_type)),
            Ok(FetchOutcome::NotModified(_)) => {
                Err(anyhow::anyhow!("{source}: unexpected 304").into())
            }
            Err(error) => Err(anyhow::anyhow!("{source}: {error}").into()),
        };
    }
    let path = std::path::Path::new(source);
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    let absolute = std::fs::canonicalize(path).map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    let base = url::Url::from_file_path(&absolute)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", absolute.display()));
    Ok((bytes, base, None))
}
