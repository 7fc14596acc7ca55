//! Value types the config reads from strings: durations, byte sizes, cron
//! schedules and http(s) URLs. A leaf, so the config of every component
//! (sinks included) can use them without importing config loading. Each
//! checks itself while the TOML is read, so a bad value is reported at its
//! own line and column.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A duration written the human way: "90s", "15m", "1h 30m", "2days".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// Builds one from whole seconds (for defaults).
    pub const fn secs(secs: u64) -> Self {
        HumanDuration(Duration::from_secs(secs))
    }
}

impl std::str::FromStr for HumanDuration {
    type Err = String;

    /// Reads "90s", "15m", "1h 30m", "2days" (the config's and the command
    /// line's way of writing a duration).
    fn from_str(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim())
            .map(HumanDuration)
            .map_err(|e| {
                format!(
                    "invalid duration {text:?} ({e}); write it like \"90s\", \"15m\" or \"1h 30m\""
                )
            })
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Reads a duration as text ("30days"), or the bare integer 0 (none: the
/// way "off" is written for a retention).
struct DurationVisitor;

impl de::Visitor<'_> for DurationVisitor {
    type Value = HumanDuration;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a duration like \"30s\", \"5min\", \"7days\", or 0")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<HumanDuration, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<HumanDuration, E> {
        if number == 0 {
            Ok(HumanDuration::secs(0))
        } else {
            Err(E::custom(format!(
                "a duration needs a unit: write \"{number}s\", \"{number}min\" or \"{number}days\" (a bare 0 means none)"
            )))
        }
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<HumanDuration, E> {
        self.visit_i64(i64::try_from(number).unwrap_or(i64::MAX))
    }
}

/// A size in bytes: an integer, or a string like "10MiB", "512 KiB", "2MB".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses "10MiB", "512 KiB", "2MB", "100" (bytes).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("invalid size {text:?}; write it like \"10MiB\" or \"512KiB\""))?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "unknown size unit {other:?} in {text:?}; use B, KiB, MiB or GiB"
                ));
            }
        };
        number
            .checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| format!("size {text:?} is too large"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size in bytes, or a string like \"10MiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// A cron schedule, checked when read. Six fields with seconds first
/// ("0 */10 * * * *"), or the classic five fields ("*/10 * * * *"), which
/// gets second 0 added. Times are UTC.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    /// The six-field form, as written back in messages.
    pub expression: String,
    /// The expression parsed once, when read: every poll of a cron feed
    /// asks for its next activation. Boxed: it is large, and configs hold
    /// one per cron feed.
    parsed: Box<croner::Cron>,
}

/// Two schedules are the same when their normalised expressions are.
impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

impl Eq for CronSchedule {}

impl CronSchedule {
    /// Checks and normalises a cron string.
    pub fn parse(text: &str) -> Result<Self, String> {
        let fields = text.split_whitespace().count();
        let expression = match fields {
            5 => format!("0 {}", text.trim()),
            6 | 7 => text.split_whitespace().collect::<Vec<_>>().join(" "),
            _ => {
                return Err(format!(
                    "invalid cron schedule {text:?}: expected 6 fields (sec min hour day month weekday) or 5 (min hour day month weekday), found {fields}"
                ));
            }
        };
        if let Some(problem) = crate::schedule::cron_words::problem(&expression) {
            return Err(format!("invalid cron schedule {text:?}: {problem}"));
        }
        let parsed = cron_parser().parse(&expression).map_err(|e| {
            format!(
                "invalid cron schedule {text:?}: {} (fields: second minute hour \
                 day-of-month month weekday; each a number, a range a-b, a list a,b, \
                 * or a step */n)",
                e.to_string().trim_start_matches("Component error: ")
            )
        })?;
        Ok(CronSchedule {
            expression,
            parsed: Box::new(parsed),
        })
    }

    /// The next time this schedule fires after `after`, on a whole second.
    /// croner keeps the sub-second part of the time it starts from, so it
    /// is dropped first: a schedule fires at :00.000, not at whatever
    /// fraction of a second the last poll began.
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let after = chrono::SubsecRound::trunc_subsecs(after, 0);
        self.parsed.find_next_occurrence(&after, false).ok()
    }
}

/// The one cron parser: what the config accepts is what the scheduling
/// engine runs. These are the options tokio-cron-scheduler, the engine's
/// former cron driver, gave croner, so every schedule keeps its meaning.
fn cron_parser() -> croner::parser::CronParser {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CronSchedule::parse(&text).map_err(de::Error::custom)
    }
}

/// Parses an absolute http or https URL, with a message fit for the operator.
pub fn parse_http_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("invalid URL {text:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err(format!(
            "URL {text:?} must be http:// or https:// with a host"
        )),
    }
}

/// Seconds in a minute.
pub const MINUTE: u64 = 60;
/// Seconds in an hour.
pub const HOUR: u64 = 3600;
/// Seconds in a day.
pub const DAY: u64 = 86_400;
/// Seconds in a year of 365 days.
pub const YEAR: u64 = 365 * DAY;

/// A span as the config would write it ("30days", "1year", "90min",
/// "0s"): for messages about ranges and for events that name a window.
pub fn human_seconds(seconds: u64) -> String {
    for (unit, name) in [(YEAR, "year"), (DAY, "day"), (HOUR, "h"), (MINUTE, "min")] {
        if seconds >= unit && seconds.is_multiple_of(unit) {
            let n = seconds / unit;
            let plural = if n > 1 && unit >= DAY { "s" } else { "" };
            return format!("{n}{name}{plural}");
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(ByteSize::parse("10MiB"), Ok(ByteSize(10 << 20)));
        assert_eq!(ByteSize::parse("512 KiB"), Ok(ByteSize(512 << 10)));
        assert_eq!(ByteSize::parse("2MB"), Ok(ByteSize(2_000_000)));
        assert_eq!(ByteSize::parse("100"), Ok(ByteSize(100)));
        assert!(ByteSize::parse("ten").is_err());
        assert!(ByteSize::parse("10 parsecs").is_err());
    }

    #[test]
    fn cron_accepts_six_and_five_fields() {
        assert_eq!(
            CronSchedule::parse("*/10 * * * *").map(|c| c.expression),
            Ok("0 */10 * * * *".to_string())
        );
        assert!(CronSchedule::parse("0 0 */2 * * *").is_ok());
        assert!(CronSchedule::parse("every tuesday").is_err());
        assert!(CronSchedule::parse("0 99 * * * *").is_err());
    }

    #[test]
    fn cron_activations_fall_on_whole_seconds() {
        let every_second = CronSchedule::parse("* * * * * *").expect("valid");
        let hourly = CronSchedule::parse("0 0 * * * *").expect("valid");
        let at = |ms| chrono::DateTime::from_timestamp_millis(ms).expect("in range");
        // 2026-03-01T12:00:00.500Z.
        let after = at(1_772_366_400_500);
        assert_eq!(every_second.next_after(after), Some(at(1_772_366_401_000)));
        assert_eq!(hourly.next_after(after), Some(at(1_772_370_000_000)));
        // Strictly after: an activation time itself is not its own next.
        assert_eq!(
            every_second.next_after(at(1_772_366_401_000)),
            Some(at(1_772_366_402_000))
        );
    }
}
