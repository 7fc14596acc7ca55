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
    out.trim().to_string()
}

fn push_collapsed(out: &mut String, text: &str) {
    let mut last_space = out.ends_with(' ');
    for ch in text.chars() {
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(ch);
            last_space = false;
        }
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
    fn short_text_is_shown_whole_with_whitespace_collapsed() {
        let text = "KFOR\n  patrols   near Jarinje";
        assert_eq!(snippet(text, 0..4), "**KFOR** patrols near Jarinje");
    }
}
