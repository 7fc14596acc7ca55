//! Many rows in one statement: the per-poll writes that would otherwise
//! cost a round trip per row (each matched item's lists, the sinks' claims
//! on stories that start in the poll).

use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::StoreError;

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Rows per statement: far below SQLite's limit on bound values.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts `rows` of `N` text values each, followed in every row by the
/// one integer `shared`: `insert` names the table and its columns in that
/// order ("INSERT INTO t (a, b, at)").
pub(super) async fn insert_rows<const N: usize>(
    tx: &mut Transaction<'_>,
    insert: &str,
    rows: &[[&str; N]],
    shared: i64,
) -> Result<(), StoreError> {
    insert_rows_then(tx, insert, rows, shared, "").await?;
    Ok(())
}

/// [`insert_rows`] with `then` after the values (`ON CONFLICT …
/// RETURNING …`); returns the rows the statements return.
pub(super) async fn insert_rows_then<const N: usize>(
    tx: &mut Transaction<'_>,
    insert: &str,
    rows: &[[&str; N]],
    shared: i64,
    then: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut returned = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{insert} VALUES {}{then}", value_rows(chunk.len(), N, true));
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(shared);
        for row in chunk {
            for value in row {
                query = query.bind(*value);
            }
        }
        returned.extend(query.fetch_all(&mut **tx).await?);
    }
    Ok(returned)
}

/// The placeholders of `rows` rows of `width` values each, numbered from
/// `$1` on (from `$2` with `shared`, each row ending in `$1`): "($1, $2),
/// ($3, $4)". Only numbered placeholders go into SQL text; the values are
/// bound.
pub(super) fn value_rows(rows: usize, width: usize, shared: bool) -> String {
    let first = if shared { 2 } else { 1 };
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let from = first + row * width;
            let mut cells: Vec<String> = (from..from + width).map(|n| format!("${n}")).collect();
            if shared {
                cells.push("$1".to_string());
            }
            format!("({})", cells.join(", "))
        })
        .collect();
    values.join(", ")
}
