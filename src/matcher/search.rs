//! One query on its own, compiled like a watch list's: what `newswatch
//! search` and the alert API's `q` use. Its errors say at which character
//! of the query they are.

use super::watch::{EntityConfig, WatchConfig};
use super::{Matcher, query};

/// The list name a query on its own gets (shown in its hits).
pub const QUERY_LIST: &str = "search";

/// Compiles `text` with `entities`; the error names the character of the
/// query where it goes wrong and what was expected.
pub fn query_matcher(text: &str, entities: &[EntityConfig]) -> Result<Matcher, String> {
    let problem = |at: usize, message: &str| {
        let column = text.get(..at).unwrap_or(text).chars().count() + 1;
        format!("query {text:?}, at character {column}: {message}")
    };
    let parsed = query::parse(text).map_err(|e| problem(e.at, &e.message))?;
    query::check_satisfiable(&parsed).map_err(|e| problem(e.at, &e.message))?;
    for (name, at) in parsed.entities() {
        if !entities.iter().any(|e| e.name.get_ref() == name) {
            return Err(problem(
                at,
                &format!("there is no [[entity]] named {name:?}"),
            ));
        }
    }
    let table = format!(
        "name = {}\nquery = {}\n",
        toml::Value::String(QUERY_LIST.into()),
        toml::Value::String(text.into())
    );
    let watch: WatchConfig = toml::from_str(&table).map_err(|e| e.to_string())?;
    Matcher::new(&[watch], entities).map_err(|e| e.to_string())
}
