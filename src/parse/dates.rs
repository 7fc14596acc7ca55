//! Lenient dates. Feeds write dates every way there is; this reads RFC 3339
//! and RFC 2822 and their common corruptions (long or wrong weekday and
//! month names, "UTC", time-zone abbreviations like "CEST"), plus the
//! "dd.mm.yyyy HH:MM" of the region's sites. A date without a zone is UTC.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A date string longer than this is not a date: it is not parsed (each
/// format tried would read it whole) and is kept cut to this length.
const MAX_DATE_LEN: usize = 100;

/// The earliest publication date believed (1990-01-01): anything before is
/// a placeholder such as the Unix epoch or year 1.
const EARLIEST: i64 = 631_152_000;

/// How far ahead of the clock a date may be and still be believed: zones
/// and clock skew, not "2999".
const FUTURE_SLACK_SECS: i64 = 86_400;

/// What a feed said about when an item was published.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FoundDate {
    /// The feed gave no date.
    #[default]
    Missing,
    /// A date we can read and believe.
    Known(DateTime<Utc>),
    /// A date we cannot read, or one before 1990 or more than a day ahead:
    /// the raw text, cut to a hundred characters.
    Unusable(String),
}

impl FoundDate {
    /// Reads a feed's date text, judged against `now`.
    pub fn read(text: &str, now: DateTime<Utc>) -> FoundDate {
        let text = text.trim();
        if text.is_empty() {
            return FoundDate::Missing;
        }
        match parse_date(text) {
            Some(date) if plausible(date, now) => FoundDate::Known(date),
            _ => FoundDate::Unusable(crate::text::clip::clip(text, MAX_DATE_LEN)),
        }
    }

    /// The date, if it is one to believe.
    pub fn known(&self) -> Option<DateTime<Utc>> {
        match self {
            FoundDate::Known(date) => Some(*date),
            _ => None,
        }
    }

    /// The raw text of a date that was given but not believed.
    pub fn unusable(&self) -> Option<&str> {
        match self {
            FoundDate::Unusable(raw) => Some(raw),
            _ => None,
        }
    }
}

/// Whether a publication date can be believed: from 1990 on, and at most a
/// day ahead of `now`.
pub fn plausible(date: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let seconds = date.timestamp();
    seconds >= EARLIEST && seconds <= now.timestamp() + FUTURE_SLACK_SECS
}

/// Start of the sentinel dates (0001-01-01): feed-rs's date callback hands
/// back `SENTINEL + i` seconds for the i-th unusable date it was given, so
/// the raw text can be found again once feed-rs returns its entries.
const SENTINEL: i64 = -62_135_596_800;

/// The date texts feed-rs showed us that were not believed, so an item can
/// say `published: null` and carry the raw text.
#[derive(Debug, Clone)]
pub struct DateBook {
    unusable: Arc<Mutex<Vec<String>>>,
    now: DateTime<Utc>,
}

impl DateBook {
    /// An empty book, judging dates against `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        DateBook {
            unusable: Arc::default(),
            now,
        }
    }

    /// The callback for feed-rs: a believed date, or a sentinel that
    /// [`DateBook::resolve`] turns back into the raw text.
    pub fn callback(&self) -> impl Fn(&str) -> Option<DateTime<Utc>> + Send + Sync + 'static {
        let book = self.clone();
        move |text| match FoundDate::read(text, book.now) {
            FoundDate::Missing => None,
            FoundDate::Known(date) => Some(date),
            FoundDate::Unusable(raw) => {
                let mut table = book.unusable.lock().unwrap_or_else(|p| p.into_inner());
                table.push(raw);
                DateTime::from_timestamp(SENTINEL + table.len() as i64 - 1, 0)
            }
        }
    }

    /// What a date feed-rs returned stands for.
    pub fn resolve(&self, date: Option<DateTime<Utc>>) -> FoundDate {
        let Some(date) = date else {
            return FoundDate::Missing;
        };
        if plausible(date, self.now) {
            return FoundDate::Known(date);
        }
        let index = usize::try_from(date.timestamp() - SENTINEL).ok();
        let table = self.unusable.lock().unwrap_or_else(|p| p.into_inner());
        match index.and_then(|i| table.get(i)) {
            Some(raw) => FoundDate::Unusable(raw.clone()),
            None => FoundDate::Unusable(crate::model::rfc3339(date)),
        }
    }
}

/// Zone abbreviations seen in feeds, with their UTC offsets.
const ZONES: [(&str, &str); 22] = [
    ("UTC", "+0000"),
    ("UT", "+0000"),
    ("GMT", "+0000"),
    ("Z", "+0000"),
    ("CET", "+0100"),
    ("CEST", "+0200"),
    ("MEZ", "+0100"),
    ("MESZ", "+0200"),
    ("EET", "+0200"),
    ("EEST", "+0300"),
    ("WET", "+0000"),
    ("WEST", "+0100"),
    ("BST", "+0100"),
    ("MSK", "+0300"),
    ("EST", "-0500"),
    ("EDT", "-0400"),
    ("CST", "-0600"),
    ("CDT", "-0500"),
    ("MST", "-0700"),
    ("MDT", "-0600"),
    ("PST", "-0800"),
    ("PDT", "-0700"),
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// With an offset, tried after cleanup.
const ZONED_FORMATS: [&str; 9] = [
    "%d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M %z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%d.%m.%Y %H:%M:%S %z",
    "%d.%m.%Y %H:%M %z",
    "%d.%m.%Y. %H:%M:%S %z",
    "%d.%m.%Y. %H:%M %z",
];

/// Without an offset: read as UTC.
const NAIVE_FORMATS: [&str; 9] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y. %H:%M",
    "%d/%m/%Y %H:%M",
];

const DATE_FORMATS: [&str; 4] = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y.", "%d %b %Y"];

/// Parses a feed date, however it is written; `None` if it cannot be read.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_DATE_LEN {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    let cleaned = clean(text);
    if let Ok(date) = DateTime::parse_from_rfc2822(&cleaned) {
        return Some(date.with_timezone(&Utc));
    }
    for format in ZONED_FORMATS {
        if let Ok(date) = DateTime::parse_from_str(&cleaned, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in NAIVE_FORMATS {
        if let Ok(date) = NaiveDateTime::parse_from_str(&cleaned, format) {
            return Some(date.and_utc());
        }
    }
    DATE_FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(&cleaned, format).ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Drops weekday names, shortens month names, turns zone names into
/// offsets, and fixes "24:" hours and single-digit hours.
fn clean(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for (index, raw) in text.split_whitespace().enumerate() {
        let word = raw.trim_end_matches(',');
        let lower = word.to_ascii_lowercase();
        let alphabetic = !lower.is_empty() && lower.chars().all(|c| c.is_ascii_alphabetic());
        if index == 0 && alphabetic && WEEKDAYS.iter().any(|d| lower.starts_with(d)) {
            continue;
        }
        if alphabetic && let Some(month) = MONTHS.iter().find(|m| lower.starts_with(*m)) {
            let mut short = month.to_string();
            short[..1].make_ascii_uppercase();
            words.push(short);
            continue;
        }
        if let Some((_, offset)) = ZONES
            .iter()
            .find(|(name, _)| word.eq_ignore_ascii_case(name))
        {
            words.push(offset.to_string());
            continue;
        }
        words.push(fix_time(word));
    }
    // "Nov 28 2026" (month first) to "28 Nov 2026".
    if words.len() >= 3
        && MONTHS.iter().any(|m| words[0].eq_ignore_ascii_case(m))
        && words[1].chars().all(|c| c.is_ascii_digit())
    {
        words.swap(0, 1);
    }
    words.join(" ")
}

fn fix_time(word: &str) -> String {
    let word = if let Some(rest) = word.strip_prefix("24:") {
        format!("00:{rest}")
    } else {
        word.to_string()
    };
    match word.split_once(':') {
        Some((hour, rest)) if hour.len() == 1 && hour.chars().all(|c| c.is_ascii_digit()) => {
            format!("0{hour}:{rest}")
        }
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        parse_date(text)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| format!("unparsed: {text}"))
    }

    #[test]
    fn standard_forms_parse() {
        assert_eq!(
            utc("2026-11-28T14:30:00+01:00"),
            "2026-11-28T13:30:00+00:00"
        );
        assert_eq!(
            utc("Sat, 28 Nov 2026 14:30:00 +0100"),
            "2026-11-28T13:30:00+00:00"
        );
        assert_eq!(
            utc("Sat, 28 Nov 2026 14:30:00 GMT"),
            "2026-11-28T14:30:00+00:00"
        );
    }

    #[test]
    fn zone_abbreviations_parse() {
        assert_eq!(
            utc("Sat, 28 Nov 2026 14:30:00 CEST"),
            "2026-11-28T12:30:00+00:00"
        );
        assert_eq!(
            utc("Sat, 28 Nov 2026 14:30:00 CET"),
            "2026-11-28T13:30:00+00:00"
        );
        assert_eq!(
            utc("Sat, 28 Nov 2026 14:30:00 UTC"),
            "2026-11-28T14:30:00+00:00"
        );
    }

    #[test]
    fn regional_and_sloppy_forms_parse() {
        assert_eq!(utc("28.11.2026 14:30"), "2026-11-28T14:30:00+00:00");
        assert_eq!(utc("28.11.2026. 14:30"), "2026-11-28T14:30:00+00:00");
        assert_eq!(utc("28.11.2026"), "2026-11-28T00:00:00+00:00");
        assert_eq!(
            utc("Thursday, 13 July 2011 07:38:00 GMT"),
            "2011-07-13T07:38:00+00:00"
        );
        assert_eq!(
            utc("Wed, 25 Aug 2012 9:05:00 +0000"),
            "2012-08-25T09:05:00+00:00"
        );
        assert_eq!(utc("2026-11-28 14:30:00"), "2026-11-28T14:30:00+00:00");
        assert_eq!(utc("2026-11-28T14:30:00+0100"), "2026-11-28T13:30:00+00:00");
        assert_eq!(utc("Nov 28 2026 14:30:00 GMT"), "2026-11-28T14:30:00+00:00");
    }

    #[test]
    fn nonsense_is_none() {
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("32.13.2026 25:61"), None);
    }
}
