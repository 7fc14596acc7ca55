//! Full text: the article behind a feed item's link, fetched and reduced
//! to its main text, so watch lists match the article, not the teaser.

pub mod extract;
