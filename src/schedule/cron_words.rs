//! What is wrong with a cron expression, in words. croner's own errors
//! ("Component error: Number out of bounds") name neither the field nor
//! the value, so each field is read here first against its range, and a
//! problem is said as "the minute field has 61; minutes run 0-59".

/// Each field of the six-field form (plus an optional year): its name,
/// what its values are called, and the numbers it accepts.
const FIELDS: [(&str, &str, u32, u32); 7] = [
    ("second", "seconds", 0, 59),
    ("minute", "minutes", 0, 59),
    ("hour", "hours", 0, 23),
    ("day-of-month", "days of the month", 1, 31),
    ("month", "months", 1, 12),
    ("weekday", "weekdays (0 and 7 are Sunday)", 0, 7),
    ("year", "years", 1970, 2099),
];

/// The first problem found in the six- or seven-field `expression`, said
/// in words; `None` when every field reads (croner may still refuse it).
pub fn problem(expression: &str) -> Option<String> {
    expression
        .split_whitespace()
        .zip(FIELDS)
        .find_map(|(field, (name, plural, low, high))| {
            field_problem(field, name, plural, low, high)
        })
}

/// What is wrong with one field: each comma-separated part is `*`, `?`,
/// a number, a range `a-b`, any of those with a step `/n`, or a name
/// (`JAN`, `MON`) or special (`L`, `W`, `#`) that croner judges itself.
fn field_problem(field: &str, name: &str, plural: &str, low: u32, high: u32) -> Option<String> {
    for part in field.split(',') {
        if part.is_empty() {
            return Some(format!(
                "the {name} field {field:?} has an empty item between commas"
            ));
        }
        let (base, step) = match part.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (part, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(0) => return Some(format!("the {name} field {field:?} steps by 0")),
                Ok(_) => {}
                Err(_) => {
                    return Some(format!(
                        "the {name} field {field:?} has step {step:?}, which is not a number"
                    ));
                }
            }
        }
        if base == "*" || base == "?" {
            continue;
        }
        let (from, to) = base.split_once('-').unwrap_or((base, base));
        let numbers = [from, to].map(|n| n.parse::<u32>().ok());
        for (text, number) in [from, to].iter().zip(numbers) {
            match number {
                Some(n) if n < low || n > high => {
                    return Some(format!(
                        "the {name} field {field:?} has {n}, but {plural} run {low}-{high}"
                    ));
                }
                None if text.is_empty() => {
                    return Some(format!(
                        "the {name} field {field:?} has a range with a missing end"
                    ));
                }
                _ => {}
            }
        }
        if let [Some(from), Some(to)] = numbers
            && from > to
        {
            return Some(format!(
                "the {name} field {field:?} has the range {from}-{to}, which runs backwards"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn out_of_range_numbers_name_their_field_and_range() {
        assert_eq!(
            problem("0 61 * * * *").as_deref(),
            Some("the minute field \"61\" has 61, but minutes run 0-59")
        );
        assert_eq!(
            problem("0 0 9-25 * * *").as_deref(),
            Some("the hour field \"9-25\" has 25, but hours run 0-23")
        );
        assert_eq!(
            problem("0 0 0 0 * *").as_deref(),
            Some("the day-of-month field \"0\" has 0, but days of the month run 1-31")
        );
        assert_eq!(
            problem("0 0 0 * 13 *").as_deref(),
            Some("the month field \"13\" has 13, but months run 1-12")
        );
    }

    #[test]
    fn steps_and_ranges_are_checked() {
        assert!(problem("0 */0 * * * *").is_some_and(|p| p.contains("steps by 0")));
        assert!(problem("0 */x * * * *").is_some_and(|p| p.contains("not a number")));
        assert!(problem("0 0 17-9 * * *").is_some_and(|p| p.contains("runs backwards")));
        assert!(problem("0 0,,5 * * * *").is_some_and(|p| p.contains("empty item")));
        assert!(problem("0 5- * * * *").is_some_and(|p| p.contains("missing end")));
    }

    #[test]
    fn valid_expressions_have_no_problem() {
        for ok in [
            "0 */15 * * * *",
            "0 0 9-17 * * MON-FRI",
            "0 30 6 1,15 JAN-JUN ?",
            "0 0 12 L * *",
            "0 0 0 * * 7",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }
}
