//! Repairs for the ways real feeds break XML, tried when a feed does not
//! parse as it is: text before the document, `<rss>` without a version,
//! bare `&`, HTML entities XML does not know (`&nbsp;`), and control
//! characters XML forbids. CDATA sections are left as they are.

/// Entities XML itself defines; every other named entity is HTML's.
const XML_ENTITIES: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];

/// Returns the repaired document, or `None` when nothing needed repair.
pub fn repair_xml(text: &str) -> Option<String> {
    let start = text.find('<').unwrap_or(0);
    let body = &text[start..];
    let mut out = String::with_capacity(body.len() + 64);
    let mut rest = body;
    while let Some(at) = rest
        .find(['&', '<'])
        .or_else(|| rest.find(is_forbidden_control))
    {
        let (before, from) = rest.split_at(at);
        push_allowed(&mut out, before);
        if let Some(cdata) = from.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").map_or(cdata.len(), |e| e + 3);
            out.push_str("<![CDATA[");
            out.push_str(&cdata[..end.min(cdata.len())]);
            rest = &cdata[end.min(cdata.len())..];
        } else if from.starts_with("<rss") && is_tag_start(&from[4..]) {
            let close = from.find('>').unwrap_or(from.len());
            let tag = &from[..close];
            rest = &from[close..];
            match rss_version(tag) {
                None => {
                    out.push_str(tag);
                    out.push_str(" version=\"2.0\"");
                }
                // feed-rs reads 0.91, 0.92 and 2.0; the others (0.90, 0.93,
                // 0.94, 2.01 ...) are close enough to 2.0 to be read as it.
                Some((at, value)) if !matches!(value, "2.0" | "0.91" | "0.92") => {
                    out.push_str(&tag[..at]);
                    out.push_str("2.0");
                    out.push_str(&tag[at + value.len()..]);
                }
                Some(_) => out.push_str(tag),
            }
        } else if let Some(after) = from.strip_prefix('&') {
            rest = repair_ampersand(&mut out, after);
        } else {
            // '<' of any other markup, or a forbidden control character.
            let ch = from.chars().next().unwrap_or('<');
            if !is_forbidden_control(ch) {
                out.push(ch);
            }
            rest = &from[ch.len_utf8()..];
        }
    }
    push_allowed(&mut out, rest);
    (out != text).then_some(out)
}

/// Where the value of an `<rss>` tag's `version` attribute starts, and
/// the value.
fn rss_version(tag: &str) -> Option<(usize, &str)> {
    let at = tag.find("version")? + "version".len();
    let rest = tag[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let start = tag.len() - rest.len() + 1;
    let end = tag[start..].find(quote)? + start;
    Some((start, &tag[start..end]))
}

fn is_tag_start(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
}

/// Handles the text after an `&`: keeps a valid reference, turns an HTML
/// entity into a numeric one, escapes a bare ampersand. Returns the rest.
fn repair_ampersand<'a>(out: &mut String, after: &'a str) -> &'a str {
    let name_len = after
        .char_indices()
        .take(32)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
        .map(|(i, _)| i);
    let Some(len) = name_len.filter(|&len| len > 0 && after[len..].starts_with(';')) else {
        out.push_str("&amp;");
        return after;
    };
    let name = &after[..len];
    let rest = &after[len + 1..];
    if let Some(number) = name.strip_prefix('#') {
        let valid = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        }
        .and_then(char::from_u32)
        .is_some_and(|c| !is_forbidden_control(c));
        if valid {
            // XML allows "&#x41;" but not "&#X41;".
            out.push_str("&#");
            out.push_str(&number.replacen('X', "x", 1));
            out.push(';');
        } else {
            out.push_str("&amp;");
            return after;
        }
        return rest;
    }
    if XML_ENTITIES.contains(&name) {
        out.push('&');
        out.push_str(name);
        out.push(';');
        return rest;
    }
    let entity = format!("&{name};");
    let decoded = html_escape::decode_html_entities(&entity);
    if decoded != entity {
        for ch in decoded.chars() {
            out.push_str(&format!("&#{};", ch as u32));
        }
        return rest;
    }
    out.push_str("&amp;");
    after
}

fn push_allowed(out: &mut String, text: &str) {
    out.extend(text.chars().filter(|c| !is_forbidden_control(*c)));
}

/// Characters XML 1.0 does not allow anywhere.
fn is_forbidden_control(ch: char) -> bool {
    matches!(ch, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_ampersands_are_escaped_and_references_kept() {
        let fixed =
            repair_xml("<t>Tom & Jerry &amp; &#233; &#x41; &#X42; &nbsp;x</t>").expect("changed");
        assert_eq!(
            fixed,
            "<t>Tom &amp; Jerry &amp; &#233; &#x41; &#x42; &#160;x</t>"
        );
    }

    #[test]
    fn rss_gets_a_version_and_leading_text_goes() {
        let fixed = repair_xml("\n\n<rss><channel/></rss>").expect("changed");
        assert_eq!(fixed, "<rss version=\"2.0\"><channel/></rss>");
        assert_eq!(repair_xml("<rss version=\"2.0\"><channel/></rss>"), None);
        assert_eq!(
            repair_xml("<rss version='0.94'><channel/></rss>").as_deref(),
            Some("<rss version='2.0'><channel/></rss>")
        );
        assert_eq!(repair_xml("<rss version=\"0.91\"><channel/></rss>"), None);
        // <rssx> is another element.
        assert_eq!(repair_xml("<rssx/>"), None);
    }

    #[test]
    fn cdata_is_untouched_and_controls_are_dropped() {
        let fixed = repair_xml("<t><![CDATA[a & b <i>]]>\u{1}ok & </t>").expect("changed");
        assert_eq!(fixed, "<t><![CDATA[a & b <i>]]>ok &amp; </t>");
        assert_eq!(
            repair_xml("<t>&#1;</t>").as_deref(),
            Some("<t>&amp;#1;</t>")
        );
    }

    #[test]
    fn unknown_entities_and_unterminated_ones_become_text() {
        assert_eq!(
            repair_xml("<t>&bogus; &copy</t>").as_deref(),
            Some("<t>&amp;bogus; &amp;copy</t>")
        );
    }
}
