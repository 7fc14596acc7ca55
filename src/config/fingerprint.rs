//! The fingerprint of a config as a fleet compares it: instances sharing
//! one database should alert alike, so each stores a hash of what decides
//! its alerts (feeds, watch lists, entities, sinks, `[poll]`, `[dedup]`,
//! `[archive]`, `[signals]`), one per part, and a difference can be named
//! ("watch kosovo", "sink team"). `[state]`, `[daemon]` and `[http]` are
//! each machine's own and left out. Keys are hashed in sorted order, so
//! layout, comments and key order do not count.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// A config's fingerprint: the hash of the whole and of each part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigParts {
    /// The hash of the whole.
    pub hash: String,
    /// Each part's hash, by part name.
    pub parts: BTreeMap<String, String>,
}

impl ConfigParts {
    /// The parts whose hashes differ between `self` and `other` (present
    /// in one only, or different), by name.
    pub fn differences(&self, other: &ConfigParts) -> Vec<String> {
        let mut names: Vec<&String> = self.parts.keys().chain(other.parts.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|name| self.parts.get(*name) != other.parts.get(*name))
            .cloned()
            .collect()
    }
}

/// Sections each machine sets for itself.
const OWN: &[&str] = &["state", "daemon", "http"];

/// The fingerprint of config text (already checked to be valid TOML; text
/// that is not reads as an empty config).
pub fn fingerprint(text: &str) -> ConfigParts {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut parts = BTreeMap::new();
    for (key, value) in &table {
        if OWN.contains(&key.as_str()) {
            continue;
        }
        match (key.as_str(), value) {
            ("watch" | "sink", toml::Value::Array(elements)) => {
                for (index, element) in elements.iter().enumerate() {
                    let name = element
                        .get("name")
                        .and_then(toml::Value::as_str)
                        .map_or_else(|| format!("#{}", index + 1), str::to_string);
                    parts.insert(format!("{key} {name}"), hash_of(element));
                }
            }
            ("feed", _) => {
                parts.insert("feeds".to_string(), hash_of(value));
            }
            ("entity", _) => {
                parts.insert("entities".to_string(), hash_of(value));
            }
            _ => {
                parts.insert(format!("[{key}]"), hash_of(value));
            }
        }
    }
    let mut whole = Sha256::new();
    for (name, hash) in &parts {
        whole.update(name.as_bytes());
        whole.update([0]);
        whole.update(hash.as_bytes());
        whole.update([0]);
    }
    ConfigParts {
        hash: short(&whole.finalize()),
        parts,
    }
}

/// A value's hash, over a canonical writing of it.
fn hash_of(value: &toml::Value) -> String {
    let mut canonical = String::new();
    write_canonical(value, &mut canonical);
    short(&Sha256::digest(canonical.as_bytes()))
}

/// 16 hex digits: enough to tell configs apart, short enough to show.
fn short(digest: &[u8]) -> String {
    crate::model::hex(&digest[..8])
}

/// Writes `value` with table keys sorted and every string quoted.
fn write_canonical(value: &toml::Value, out: &mut String) {
    match value {
        toml::Value::Table(table) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&format!("{key:?}="));
                write_canonical(&table[key.as_str()], out);
                out.push(',');
            }
            out.push('}');
        }
        toml::Value::Array(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        toml::Value::String(text) => out.push_str(&format!("{text:?}")),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_own_sections_do_not_count_but_a_term_does() {
        let base = "[[feed]]\nurl = \"https://a.example/rss\"\n\n[[watch]]\nname = \"kosovo\"\nterms = [\"Kosovo\"]\n\n[[sink]]\nname = \"team\"\ntype = \"stdout\"\n";
        let moved = "# comment\n[daemon]\ninstance = \"b\"\n[http]\nlisten = \"\"\n\n[[watch]]\nterms = [\"Kosovo\"]\nname = \"kosovo\"\n\n[[feed]]\nurl = \"https://a.example/rss\"\n[[sink]]\ntype = \"stdout\"\nname = \"team\"\n";
        let one = fingerprint(base);
        assert_eq!(one, fingerprint(moved));
        assert_eq!(
            one.parts.keys().collect::<Vec<_>>(),
            ["feeds", "sink team", "watch kosovo"]
        );
        let edited = fingerprint(&base.replace("[\"Kosovo\"]", "[\"Kosovo\", \"KFOR\"]"));
        assert_ne!(one.hash, edited.hash);
        assert_eq!(one.differences(&edited), ["watch kosovo"]);
        let more = fingerprint(&format!("{base}\n[dedup]\nwindow = \"1h\"\n"));
        assert_eq!(one.differences(&more), ["[dedup]"]);
    }
}
