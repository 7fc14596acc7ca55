//! Feeds shaped like the region's outlets (tests/fixtures/balkan/, see its
//! README.md): Serbian Cyrillic and Latin, Bosnian, Albanian, windows-1250
//! and windows-1251 declared in the document or only in the HTTP header,
//! and double-encoded UTF-8 that must come out repaired. EXPECTED.tsv
//! gives each document's content type, item count and first and last
//! titles as a reader should see them.

use std::path::Path;

use newswatch::parse::parse_feed;

/// The characters double-encoded UTF-8 leaves where Balkan letters were.
const MOJIBAKE_MARKS: [char; 5] = ['Ã', 'Å', 'Ä', 'Ð', 'Ñ'];

struct Row {
    file: String,
    content_type: String,
    items: usize,
    first: String,
    last: String,
}

fn rows(dir: &Path) -> Vec<Row> {
    let table = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    table
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 5, "EXPECTED.tsv: {line:?}");
            Row {
                file: cells[0].to_string(),
                content_type: cells[1].to_string(),
                items: cells[2].parse().expect("an item count"),
                first: cells[3].to_string(),
                last: cells[4].to_string(),
            }
        })
        .collect()
}

#[test]
fn balkan_feeds_read_as_their_readers_see_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/balkan");
    let rows = rows(&dir);
    assert!(rows.len() >= 12, "{} documents", rows.len());
    for row in &rows {
        let bytes = std::fs::read(dir.join(&row.file)).expect("a fixture");
        let feed = parse_feed(
            &bytes,
            "https://outlet.example/feed",
            Some(&row.content_type),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", row.file));
        let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles.len(), row.items, "{}: {titles:#?}", row.file);
        assert_eq!(feed.dropped(), 0, "{}", row.file);
        assert_eq!(
            titles.first().copied(),
            Some(row.first.as_str()),
            "{}",
            row.file
        );
        assert_eq!(
            titles.last().copied(),
            Some(row.last.as_str()),
            "{}",
            row.file
        );
        for item in &feed.items {
            for text in [&item.title, &item.summary, &item.content] {
                assert!(
                    !text.contains(MOJIBAKE_MARKS) && !text.contains('\u{fffd}'),
                    "{}: {text}",
                    row.file
                );
            }
            assert!(
                item.link.is_some(),
                "{}: {} has no link",
                row.file,
                item.title
            );
            assert!(
                item.published.is_some(),
                "{}: {} has no date",
                row.file,
                item.title
            );
        }
    }
}

#[test]
fn the_mojibake_fixtures_really_are_double_encoded() {
    // Without the repair these documents would show "PriÅ¡tina": the test
    // above is worth something only while that is so.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/balkan");
    for file in ["mojibake-latin.xml", "mojibake-cyrillic.xml"] {
        let text =
            String::from_utf8(std::fs::read(dir.join(file)).expect("fixture")).expect("UTF-8");
        assert!(text.contains(MOJIBAKE_MARKS), "{file}");
    }
}
