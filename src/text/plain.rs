//! Text fit to show: whitespace collapsed and control characters dropped.
//! Feed text reaches terminals, logs and chat messages, so parsing,
//! delivery and the CLI all clean it the same way.

/// The text without control characters (C0, DEL, C1), for values that
/// keep their spaces: links and ids.
pub fn without_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Collapses whitespace runs (including non-breaking spaces and line
/// breaks) to one space, trims the ends, and drops every other control
/// character (C0, DEL, C1): feed text reaches terminals, logs and chat
/// messages, where `ESC[2J` or an OSC sequence would act rather than show.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace()) {
        let before = out.len();
        if !out.is_empty() {
            out.push(' ');
        }
        let start = out.len();
        if word.contains(char::is_control) {
            out.extend(word.chars().filter(|c| !c.is_control()));
        } else {
            out.push_str(word);
        }
        // An empty word, or one made only of controls, leaves nothing.
        if out.len() == start {
            out.truncate(before);
        }
    }
    out
}
