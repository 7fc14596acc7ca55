//! Snippets: the original text around a hit, for alerts and `newswatch test`.

/// Characters of context shown on each side of a hit.
const SNIPPET_CONTEXT: usize = 60;

/// The original text around `hit`, whitespace collapsed, the hit marked
/// `**like this**`, cut at word boundaries with "…" where shortened.
pub fn snippet(source: &str, hit: std::ops::Range<usize>) -> String {
    let before = &source[..hit.start];
    let after = &source[hit.end..];
    let mut start = hit.start;
    for (count, (index, _)) in before.char_indices().rev().enumerate() {
        if count >= SNIPPET_CONTEXT {
            break;
        }
        start = index;
    }
    let mut end = hit.end;
    for (count, (index, ch)) in after.char_indices().enumerate() {
        if count >= SNIPPET_CONTEXT {
            break;
        }
        end = hit.end + index + ch.len_utf8();
    }
    // Do not cut words in half at either edge.
    if start > 0
        && let Some(space) = source[start..hit.start].find(char::is_whitespace)
    {
        start += space;
    }
    if end < source.len()
        && let Some(space) = source[hit.end..end].rfind(char::is_whitespace)
    {
        end = hit.end + space;
    }
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    push_collapsed(&mut out, &source[start..hit.start]);
    out.push_str("**");
    push_collapsed(&mut out, &source[hit.clone()]);
    out.push_str("**");
    push_collapsed(&mut out, &source[hit.end..end]);
    if end < source.len() {
        out.push('…');
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    let leading = out.len() - out.trim_start().len();
    out.drain(..leading);
    out
}

/// The parts of a snippet in order, each with whether it is a hit (between
/// `**` markers), for displays that mark hits their own way. Feed text
/// with `**` of its own only moves the marks: every part is still text.
pub fn marked_parts(snippet: &str) -> impl Iterator<Item = (&str, bool)> {
    snippet
        .split("**")
        .enumerate()
        .map(|(n, part)| (part, n % 2 == 1))
        .filter(|(part, _)| !part.is_empty())
}

/// Appends `text` with each whitespace run as one space.
pub(super) fn push_collapsed(out: &mut String, text: &str) {
    let mut last_space = out.ends_with(' ');
    let mut rest = text;
    while let Some(at) = rest.find(char::is_whitespace) {
        let (words, tail) = rest.split_at(at);
        if !words.is_empty() {
            out.push_str(words);
            last_space = false;
        }
        if !last_space {
            out.push(' ');
            last_space = true;
        }
        let space = tail.chars().next().map_or(1, char::len_utf8);
        rest = &tail[space..];
    }
    if !rest.is_empty() {
        out.push_str(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_cut_long_text_and_mark_the_hit() {
        let text = format!("{} KFOR troops {}", "word ".repeat(40), "more ".repeat(40));
        let start = text.find("KFOR").expect("present");
        let s = snippet(&text, start..start + 4);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("**KFOR**"), "{s}");
        assert!(s.chars().count() < 140, "{s}");
    }

    #[test]
    fn whitespace_runs_collapse_to_one_space_and_the_ends_are_trimmed() {
        let text = " \u{00A0}KFOR\t\u{2003} patrols\n\nnear  Jarinje \u{3000}";
        let start = text.find("KFOR").expect("present");
        assert_eq!(
            snippet(text, start..start + 4),
            "**KFOR** patrols near Jarinje"
        );
    }

    #[test]
    fn short_text_is_shown_whole_with_whitespace_collapsed() {
        let text = "KFOR\n  patrols   near Jarinje";
        assert_eq!(snippet(text, 0..4), "**KFOR** patrols near Jarinje");
    }
}
