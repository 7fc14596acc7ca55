//! `[[watch]]` lists as the config writes them: terms and their modes, and
//! the rules that combine them (exclude, min_hits, fields, require, weights
//! and a threshold), or a query; and `[[entity]]`s, the names a query
//! refers to with all their spellings. They
//! belong to the matcher, which compiles them; the config only reads them
//! and checks them (`config/watch.rs`), so the matcher needs no config code.

use serde::Deserialize;
use toml::Spanned;

use crate::model::Field;

/// How a term must sit in the text to count as a hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermMode {
    /// A whole word or phrase: boundaries on both sides.
    #[default]
    Word,
    /// The start of a word: "kosov" hits Kosovo, Kosova, Kosovu.
    Prefix,
    /// Anywhere, even inside a word.
    Substring,
}

/// Whether a term's diacritics must be in the text as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Diacritics {
    /// Folded away: "Vucic" hits "Vučić" (the default).
    #[default]
    Any,
    /// As written, in either script: "Mitrovica" hits "Митровица" but
    /// not "Mitrovića", the surname Mitrović's genitive.
    Exact,
}

/// `[[watch]]`: one named watch list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// The list's name, used in alerts and in sink routing.
    pub name: Spanned<String>,
    /// Default mode for its terms.
    #[serde(default)]
    pub mode: TermMode,
    /// The terms (`terms` or `any`); the list matches when at least
    /// `min_hits` of them hit.
    #[serde(default, alias = "any")]
    pub terms: Vec<Spanned<TermConfig>>,
    /// Terms that veto the list when any of them hits the same item.
    #[serde(default)]
    pub exclude: Vec<Spanned<TermConfig>>,
    /// How many different terms must hit (default 1).
    #[serde(default)]
    pub min_hits: Option<Spanned<usize>>,
    /// Which fields are searched (default all: title, summary, content).
    #[serde(default)]
    pub fields: Option<Spanned<Vec<Field>>>,
    /// Other lists that must also match the item.
    #[serde(default)]
    pub require: Vec<Spanned<String>>,
    /// A query (`(KFOR OR NATO) NEAR/6 troop*`), instead of or beside
    /// the terms: with both, the list matches when either does.
    #[serde(default)]
    pub query: Option<Spanned<String>>,
    /// With weighted terms: the list matches when the weights of the
    /// different terms that hit add up to this.
    #[serde(default)]
    pub threshold: Option<Spanned<f64>>,
    /// Only items of these feeds (by name or URL) match the list.
    #[serde(default)]
    pub feeds: Option<Vec<String>>,
    /// Only items of feeds with one of these tags match the list.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// `[[entity]]`: a name a query refers to as `@name`, and every way it is
/// spelled; any variant matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityConfig {
    /// The name after `@`.
    pub name: Spanned<String>,
    /// Its spellings, folded like terms (a variant may be a table with
    /// `mode`, `diacritics`, `forms`).
    pub variants: Vec<Spanned<TermConfig>>,
}

impl WatchConfig {
    /// The feeds the list applies to.
    pub fn feed_filter(&self) -> crate::config::FeedFilter<'_> {
        crate::config::FeedFilter {
            feeds: self.feeds.as_deref(),
            tags: self.tags.as_deref(),
        }
    }

    /// The minimum number of distinct terms that must hit.
    pub fn min_hits(&self) -> usize {
        self.min_hits.as_ref().map_or(1, |m| *m.get_ref())
    }

    /// The fields searched.
    pub fn fields(&self) -> Vec<Field> {
        self.fields
            .as_ref()
            .map_or_else(|| Field::ALL.to_vec(), |f| f.get_ref().clone())
    }
}

/// One term: a plain string, `{ term = "...", mode = "prefix" }`, or
/// `{ regex = "..." }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TermConfig {
    /// A term in the list's default mode.
    Plain(String),
    /// A term with its own mode.
    Detailed(DetailedTerm),
    /// A regular expression, for what words and phrases cannot say.
    Regex(RegexTerm),
}

/// A regular-expression term: run on the folded text, case-insensitively,
/// its literals folded too (see `matcher::regex_term`). Terms and exclude
/// lists take it; entity variants do not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexTerm {
    /// The pattern as the operator writes it.
    pub regex: String,
    /// Its weight towards the list's `threshold` (default 1).
    #[serde(default)]
    pub weight: Option<f64>,
}

/// The table form of a term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedTerm {
    /// The term as the operator writes it.
    pub term: String,
    /// Its mode; default the list's.
    #[serde(default)]
    pub mode: Option<TermMode>,
    /// Whether its diacritics must match too; default not.
    #[serde(default)]
    pub diacritics: Diacritics,
    /// Its weight towards the list's `threshold` (default 1).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Also its Serbian and/or Albanian word forms: "sr", "sq", "sr,sq".
    #[serde(default)]
    pub forms: Option<String>,
}

impl TermConfig {
    /// The term as written (a regex term's pattern).
    pub fn text(&self) -> &str {
        match self {
            TermConfig::Plain(text) => text,
            TermConfig::Detailed(detailed) => &detailed.term,
            TermConfig::Regex(regex) => &regex.regex,
        }
    }

    /// A regex term's pattern; `None` for other terms.
    pub fn regex(&self) -> Option<&str> {
        match self {
            TermConfig::Regex(regex) => Some(&regex.regex),
            TermConfig::Plain(_) | TermConfig::Detailed(_) => None,
        }
    }

    /// Whether the term's diacritics must match as written.
    pub fn diacritics(&self) -> Diacritics {
        match self {
            TermConfig::Plain(_) | TermConfig::Regex(_) => Diacritics::Any,
            TermConfig::Detailed(detailed) => detailed.diacritics,
        }
    }

    /// The languages whose forms of the term also match, if any (the
    /// config checked the codes).
    pub fn forms(&self) -> Option<super::forms::FormLangs> {
        match self {
            TermConfig::Plain(_) | TermConfig::Regex(_) => None,
            TermConfig::Detailed(detailed) => detailed
                .forms
                .as_deref()
                .and_then(|codes| super::forms::FormLangs::parse(codes).ok()),
        }
    }

    /// The term's weight towards a threshold.
    pub fn weight(&self) -> f64 {
        match self {
            TermConfig::Plain(_) => 1.0,
            TermConfig::Detailed(detailed) => detailed.weight.unwrap_or(1.0),
            TermConfig::Regex(regex) => regex.weight.unwrap_or(1.0),
        }
    }

    /// The term's mode, given the list's default (a regex says its own
    /// boundaries, with `\b`: it may hit anywhere).
    pub fn mode(&self, default: TermMode) -> TermMode {
        match self {
            TermConfig::Plain(_) => default,
            TermConfig::Detailed(detailed) => detailed.mode.unwrap_or(default),
            TermConfig::Regex(_) => TermMode::Substring,
        }
    }
}
