//! Hostile feed documents of a given size, shared by tests/it/hostile_input.rs
//! (nothing panics, hangs or passes through uncapped) and benches/hostile.rs
//! (each costs a small constant times a plain feed of the same size).

/// The item every document carries around its hostile part.
const TITLE: &str = "Kosovo: KFOR patrols the north";
const LINK: &str = "https://n.example/hostile/1";

/// An RSS document with one item whose description is `description`
/// (already escaped or CDATA as the caller wants).
fn in_description(description: &str) -> Vec<u8> {
    in_item(&format!("<description>{description}</description>"))
}

/// An RSS document with one item holding `inner` after its title and link.
fn in_item(inner: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>hostile</title>\
         <item><title>{TITLE}</title><link>{LINK}</link>{inner}</item></channel></rss>\n"
    )
    .into_bytes()
}

/// `unit` repeated to about `size` bytes.
fn repeat(unit: &str, size: usize) -> String {
    unit.repeat((size / unit.len()).max(1))
}

/// A plain feed of about `size` bytes: ordinary items with ordinary text.
pub fn plain(size: usize) -> Vec<u8> {
    let item = "<item><title>Talks between Belgrade and Pristina resume</title>\
        <link>https://n.example/story/ID</link><guid>https://n.example/story/ID</guid>\
        <pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;Negotiators met \
        in Brussels on Saturday to discuss the association of Serb-majority municipalities, \
        the energy agreement and the missing persons file.&lt;/p&gt;</description></item>";
    let count = size / item.len();
    let items: String = (0..count)
        .map(|i| item.replace("ID", &i.to_string()))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>plain</title>{items}</channel></rss>\n"
    )
    .into_bytes()
}

/// Every hostile pattern, named, at about `size` bytes each.
pub fn cases(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let attributes: String = (0..size / 12).map(|i| format!("a{i}=\"\" ")).collect();
    let json_script = repeat("<script></script>", size);
    vec![
        ("script, escaped", in_description(&repeat("&lt;script&gt;&lt;/script&gt;", size))),
        ("script, CDATA", in_description(&format!("<![CDATA[{}]]>", repeat("<script></script>", size)))),
        ("script/style/template, nested and unclosed", in_description(&format!("<![CDATA[{}]]>", repeat("<script><style><template>", size)))),
        ("unclosed tags", in_description(&format!("<![CDATA[{}]]>", repeat("<b", size)))),
        ("unterminated attribute quote", in_description(&format!("<![CDATA[<a href=\"{}]]>", repeat("x", size)))),
        ("thousands of XML attributes", in_item(&format!("<x {attributes}/>"))),
        ("thousands of HTML attributes", in_description(&format!("<![CDATA[<p {attributes}>text</p>]]>"))),
        ("entity storm, double-escaped", in_description(&repeat("&amp;amp;", size))),
        ("entity storm, numeric", in_description(&repeat("&#x41;&#66;", size))),
        ("entity storm, HTML names in XML", in_description(&repeat("&nbsp;&eacute;", size))),
        ("entity storm, unknown names", in_description(&repeat("&bogus;", size))),
        ("bare ampersands", in_description(&repeat("& ", size))),
        ("one long word", in_description(&repeat("a", size))),
        ("comments", in_description(&format!("<![CDATA[{}]]>", repeat("<!-- x -->", size)))),
        ("unclosed comment", in_description(&format!("<![CDATA[<!--{}]]>", repeat("x ", size)))),
        ("deeply nested XML", in_item(&repeat("<d>", size))),
        ("deeply nested HTML", in_description(&format!("<![CDATA[{}]]>", repeat("<div>", size)))),
        ("unclosed CDATA", in_description(&format!("<![CDATA[{}", repeat("x ", size)))),
        ("control characters", in_description(&repeat("\u{1}\u{8}x", size))),
        ("mojibake-like text", in_description(&repeat("Ã© ", size))),
        ("a long date", in_item(&format!("<pubDate>{}</pubDate>", repeat("1 ", size)))),
        ("a long title", in_item(&format!("<title>{}</title>", repeat("Kosovo ", size)))),
        ("a long link", in_item(&format!("<link>https://n.example/{}</link>", repeat("a", size)))),
        ("many tiny items", in_item(&repeat("</item><item><title>x</title>", size))),
        (
            "JSON Feed, script content",
            format!(
                "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"j\",\"items\":[{{\"id\":\"1\",\"title\":\"{TITLE}\",\"url\":\"{LINK}\",\"content_html\":\"{json_script}\"}}]}}"
            )
            .into_bytes(),
        ),
        ("JSON, deeply nested", format!("{{\"items\":{}", repeat("[", size)).into_bytes()),
    ]
}
