//! How one article fetch ended: the label of
//! `newswatch_article_fetches_total{outcome=...}` and of the log line.

/// How one article fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleOutcome {
    /// Fetched (or unchanged since a cached copy) and extracted.
    Ok,
    /// The server answered with an error status (404, 500, ...).
    HttpError,
    /// No answer within the poll's `article_timeout` (or the client's).
    Timeout,
    /// The answer is not HTML (a PDF, an image, JSON).
    NotHtml,
    /// The page is larger than `max_article`.
    TooLarge,
    /// The page held no article text the extraction could find.
    ExtractFailed,
    /// Connection, redirect or address failure (refused, a private
    /// address, too many redirects).
    FetchError,
}

impl ArticleOutcome {
    /// Every outcome, in the metric's order.
    pub const ALL: [ArticleOutcome; 7] = [
        ArticleOutcome::Ok,
        ArticleOutcome::HttpError,
        ArticleOutcome::Timeout,
        ArticleOutcome::NotHtml,
        ArticleOutcome::TooLarge,
        ArticleOutcome::ExtractFailed,
        ArticleOutcome::FetchError,
    ];

    /// The outcome's position in [`ArticleOutcome::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            ArticleOutcome::Ok => "ok",
            ArticleOutcome::HttpError => "http_error",
            ArticleOutcome::Timeout => "timeout",
            ArticleOutcome::NotHtml => "not_html",
            ArticleOutcome::TooLarge => "too_large",
            ArticleOutcome::ExtractFailed => "extract_failed",
            ArticleOutcome::FetchError => "fetch_error",
        }
    }
}
