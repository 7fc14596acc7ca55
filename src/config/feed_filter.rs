//! `feeds = [...]` and `tags = [...]` on a watch list or a sink: it
//! applies to those feeds only. A feed is named by its configured `name`
//! or its URL; its tags are its `[[feed]] tags` (OPML folders on import).

use super::FeedConfig;

/// The feeds a watch list or a sink is restricted to (none set: all).
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedFilter<'a> {
    /// Feeds by name or URL.
    pub feeds: Option<&'a [String]>,
    /// Feeds carrying any of these tags.
    pub tags: Option<&'a [String]>,
}

impl FeedFilter<'_> {
    /// Whether `feed` is one of the filter's: named in `feeds`, or tagged
    /// with one of `tags` (either admits it); every feed without a filter.
    pub fn admits(&self, feed: &FeedConfig) -> bool {
        if self.feeds.is_none() && self.tags.is_none() {
            return true;
        }
        let named =
            self.feeds.unwrap_or_default().iter().any(|name| {
                feed.name.as_deref() == Some(name.as_str()) || feed.url.as_str() == name
            });
        named
            || self
                .tags
                .unwrap_or_default()
                .iter()
                .any(|tag| feed.tags.contains(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(text: &str) -> FeedConfig {
        toml::from_str(text).expect("a feed table")
    }

    #[test]
    fn feeds_are_admitted_by_name_url_or_tag() {
        let wire =
            feed("url = \"https://wire.example/rss\"\nname = \"Wire\"\ntags = [\"balkans\"]");
        let other = feed("url = \"https://other.example/rss\"");
        let names = ["Wire".to_string()];
        let by_name = FeedFilter {
            feeds: Some(&names),
            tags: None,
        };
        assert!(by_name.admits(&wire) && !by_name.admits(&other));
        let urls = ["https://other.example/rss".to_string()];
        let by_url = FeedFilter {
            feeds: Some(&urls),
            tags: None,
        };
        assert!(by_url.admits(&other) && !by_url.admits(&wire));
        let tags = ["balkans".to_string()];
        let by_tag = FeedFilter {
            feeds: None,
            tags: Some(&tags),
        };
        assert!(by_tag.admits(&wire) && !by_tag.admits(&other));
        let either = FeedFilter {
            feeds: Some(&urls),
            tags: Some(&tags),
        };
        assert!(either.admits(&wire) && either.admits(&other));
        assert!(FeedFilter::default().admits(&other));
    }
}
