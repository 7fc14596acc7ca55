//! The operators' files in contrib/: the Grafana dashboard is JSON with
//! panels that all query, and it and the Prometheus rules name only
//! metrics (and label values) a running daemon exports on /metrics;
//! `promtool` checks the rules, runs their unit tests
//! (contrib/prometheus-rules.test.yml) and parses every dashboard query.
//! Without promtool that test is recorded as skipped
//! (support::command_available), and under CI=true it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::skip::command_available;
use crate::support::{self, Daemon, TestServer, wait_until};

/// Labels Prometheus adds to every scraped series: not on /metrics.
const TARGET_LABELS: [&str; 2] = ["instance", "job"];

fn contrib(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib")
        .join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(contrib(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn dashboard() -> serde_json::Value {
    serde_json::from_str(&read("grafana-dashboard.json")).expect("the dashboard is JSON")
}

/// Every query of the dashboard: its panels' targets and its template
/// variables'.
fn dashboard_queries(dashboard: &serde_json::Value) -> Vec<String> {
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            queries.extend(target["expr"].as_str().map(str::to_string));
        }
    }
    for variable in dashboard["templating"]["list"]
        .as_array()
        .expect("templating")
    {
        queries.extend(variable["definition"].as_str().map(str::to_string));
        queries.extend(variable["query"]["query"].as_str().map(str::to_string));
    }
    queries
}

/// One `newswatch_*` name in a query, with the label matchers of its
/// selector (`label`, operator, value), if it has one.
#[derive(Debug)]
struct Selector {
    name: String,
    matchers: Vec<(String, String, String)>,
}

/// Every `newswatch_[a-z_]+` name in `text`, with its matchers.
fn selectors(text: &str) -> Vec<Selector> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("newswatch_") {
        let before = text[..start].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        let rest = &text[start + name.len()..];
        let matchers = rest
            .strip_prefix('{')
            .map(|body| matchers(body, &name))
            .unwrap_or_default();
        found.push(Selector { name, matchers });
    }
    found
}

/// The matchers of a selector's body (after its `{`), up to its `}`.
fn matchers(mut body: &str, name: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    loop {
        body = body.trim_start_matches([' ', ',']);
        if body.starts_with('}') {
            return found;
        }
        let label: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        body = &body[label.len()..];
        let op = ["=~", "!~", "!=", "="]
            .into_iter()
            .find(|op| body.starts_with(op))
            .unwrap_or_else(|| panic!("a matcher of {name} without an operator: {body}"));
        body = body[op.len()..]
            .strip_prefix('"')
            .unwrap_or_else(|| panic!("a matcher of {name} without a quoted value: {body}"));
        let end = body
            .find('"')
            .unwrap_or_else(|| panic!("an unterminated value in a selector of {name}"));
        found.push((label, op.to_string(), body[..end].to_string()));
        body = &body[end + 1..];
    }
}

/// What a daemon exports: each family's type, and its samples' lines.
struct Exposition {
    types: BTreeMap<String, String>,
    samples: Vec<String>,
}

impl Exposition {
    fn parse(text: &str) -> Exposition {
        let mut types = BTreeMap::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(declared) = line.strip_prefix("# TYPE ") {
                let (name, kind) = declared.split_once(' ').expect("a TYPE line");
                types.insert(name.to_string(), kind.to_string());
            } else if !line.starts_with('#') && !line.is_empty() {
                samples.push(line.to_string());
            }
        }
        Exposition { types, samples }
    }

    /// The samples of the series `name` (a family's or a histogram's
    /// `_bucket`, `_sum`, `_count`), or why the name is not exported.
    fn series(&self, name: &str) -> Result<Vec<&str>, String> {
        let family = match self.types.get(name).map(String::as_str) {
            Some("histogram") => {
                return Err(format!(
                    "{name} is a histogram: query its _bucket, _sum or _count"
                ));
            }
            Some(_) => name,
            None => ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    name.strip_suffix(suffix)
                        .filter(|base| self.types.get(*base).is_some_and(|t| t == "histogram"))
                })
                .ok_or_else(|| format!("{name} is not exported"))?,
        };
        let samples: Vec<&str> = self
            .samples
            .iter()
            .map(String::as_str)
            .filter(|s| {
                s.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(['{', ' ']))
            })
            .collect();
        if samples.is_empty() {
            return Err(format!("{name} (family {family}) has no sample"));
        }
        Ok(samples)
    }
}

/// A daemon's /metrics after it polled a feed and delivered its alerts to
/// a file sink: every family has samples then, the delivery latency and
/// the store's size included.
fn scrape_a_busy_daemon() -> Exposition {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, port) = support::endpoint_config(
        dir.path(),
        "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/rss2.xml")],
        &format!(
            "[[sink]]\ntype = \"file\"\npath = {:?}\n",
            dir.path().join("alerts.jsonl")
        ),
    );
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let _daemon = Daemon::run(&config, log);
    let mut scraped = None;
    wait_until(
        Duration::from_secs(30),
        "alerts delivered and timed",
        || {
            scraped = support::http_get(port, "/metrics", Duration::from_secs(5))
                .filter(|(status, body)| {
                    *status == 200
                        && body.contains("newswatch_deliveries_pending{sink=\"file\"} 0")
                        && body
                            .contains("newswatch_delivery_latency_seconds_count{sink=\"file\"} 2")
                })
                .map(|(_, body)| body);
            scraped.is_some()
        },
    );
    Exposition::parse(&scraped.expect("metrics"))
}

#[test]
fn the_dashboard_is_panels_that_query_a_chosen_prometheus() {
    let dashboard = dashboard();
    assert!(
        dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 36),
        "schemaVersion: {}",
        dashboard["schemaVersion"]
    );
    let variables = dashboard["templating"]["list"]
        .as_array()
        .expect("templating");
    assert!(
        variables.iter().any(|v| v["name"] == "datasource"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"),
        "a datasource variable of type prometheus"
    );
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut queried = 0;
    for panel in panels {
        let title = panel["title"].as_str().expect("every panel has a title");
        assert!(ids.insert(panel["id"].as_u64()), "{title}: a repeated id");
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], "${datasource}",
            "{title}: queries the chosen data source"
        );
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no targets");
        for target in targets {
            let expr = target["expr"].as_str().unwrap_or_default();
            assert!(expr.contains("newswatch_"), "{title}: {expr:?}");
        }
        queried += 1;
    }
    assert!(queried >= 8, "only {queried} panels");
    // What the issue asks the dashboard to show.
    let queries = dashboard_queries(&dashboard).join("\n");
    for metric in [
        "newswatch_polls_total",
        "newswatch_alerts_total",
        "newswatch_delivery_latency_seconds_bucket",
        "newswatch_deliveries_dead",
        "newswatch_deliveries_pending",
        "newswatch_feeds",
        "newswatch_store_size_bytes",
        "newswatch_heartbeat_age_seconds",
    ] {
        assert!(
            selectors(&queries).iter().any(|s| s.name == metric),
            "no panel shows {metric}"
        );
    }
}

#[test]
fn the_dashboard_and_the_rules_name_only_what_the_daemon_exports() {
    let exposition = scrape_a_busy_daemon();
    let mut sources: Vec<(String, String)> = dashboard_queries(&dashboard())
        .into_iter()
        .map(|q| ("grafana-dashboard.json".to_string(), q))
        .collect();
    sources.push((
        "prometheus-rules.yml".to_string(),
        read("prometheus-rules.yml"),
    ));
    let mut checked = BTreeSet::new();
    let mut wrong = Vec::new();
    for (file, text) in &sources {
        for selector in selectors(text) {
            checked.insert(selector.name.clone());
            let samples = match exposition.series(&selector.name) {
                Ok(samples) => samples,
                Err(why) => {
                    wrong.push(format!("{file}: {why}"));
                    continue;
                }
            };
            for (label, op, value) in &selector.matchers {
                if TARGET_LABELS.contains(&label.as_str()) {
                    continue;
                }
                // `=` wants that very value; other operators the label.
                let wanted = if op == "=" {
                    format!("{label}=\"{value}\"")
                } else {
                    format!("{label}=\"")
                };
                if !samples.iter().any(|s| s.contains(&wanted)) {
                    wrong.push(format!("{file}: no {} series has {wanted}", selector.name));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The rules alone name these; the scan must have seen them.
    for metric in [
        "newswatch_feeds",
        "newswatch_deliveries_dead",
        "newswatch_heartbeat_age_seconds",
        "newswatch_polls_total",
        "newswatch_alerts_total",
    ] {
        assert!(checked.contains(metric), "{metric} not found: {checked:?}");
    }
}

#[test]
fn the_metric_scan_catches_a_wrong_name_or_label() {
    let exposition = Exposition::parse(
        "# TYPE newswatch_feeds gauge\nnewswatch_feeds{health=\"ok\"} 1\n\
         # TYPE newswatch_x_seconds histogram\nnewswatch_x_seconds_bucket{le=\"+Inf\"} 0\n",
    );
    assert!(exposition.series("newswatch_feeds").is_ok());
    assert!(exposition.series("newswatch_x_seconds_bucket").is_ok());
    assert!(exposition.series("newswatch_x_seconds").is_err());
    assert!(exposition.series("newswatch_feed").is_err());
    assert!(
        exposition.series("newswatch_x_seconds_count").is_err(),
        "no sample"
    );
    let found =
        selectors(r#"sum(newswatch_feeds{health="unhealthy", instance=~"a|b"}) + xnewswatch_no"#);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].name, "newswatch_feeds");
    assert_eq!(
        found[0].matchers,
        [
            ("health".into(), "=".into(), "unhealthy".into()),
            ("instance".into(), "=~".into(), "a|b".into())
        ]
    );
}

/// promtool, or `None` (recorded as a skip) without it.
fn promtool() -> Option<&'static str> {
    command_available(
        "promtool",
        "--version",
        "promtool checks of contrib/ (contrib::promtool_checks_the_rules_and_the_dashboard_queries)",
        "apt-get install -y prometheus",
    )
    .then_some("promtool")
}

fn promtool_succeeds(promtool: &str, args: &[&str], file: &Path) -> String {
    let output = Command::new(promtool)
        .args(args)
        .arg(file)
        .output()
        .expect("run promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "promtool {args:?} {}:\n{said}",
        file.display()
    );
    said
}

#[test]
fn promtool_checks_the_rules_and_the_dashboard_queries() {
    let Some(promtool) = promtool() else {
        return;
    };
    let said = promtool_succeeds(
        promtool,
        &["check", "rules"],
        &contrib("prometheus-rules.yml"),
    );
    assert!(said.contains("SUCCESS: 6 rules found"), "{said}");
    let said = promtool_succeeds(
        promtool,
        &["test", "rules"],
        &contrib("prometheus-rules.test.yml"),
    );
    assert!(said.contains("SUCCESS"), "{said}");

    // Each panel's query, with Grafana's variables filled in, is a
    // recording rule: `check rules` parses them all as PromQL.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut count = 0;
    for panel in dashboard()["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let Some(expr) = target["expr"].as_str() else {
                continue;
            };
            let expr = expr
                .replace("$__rate_interval", "1m")
                .replace("$__range", "1d")
                .replace("$instance", ".*");
            assert!(!expr.contains('$'), "an unknown variable in {expr}");
            rules.push_str(&format!(
                "      - record: dashboard:query_{count}\n        expr: {}\n",
                serde_json::Value::String(expr)
            ));
            count += 1;
        }
    }
    let file = dir.path().join("dashboard-queries.yml");
    std::fs::write(&file, rules).expect("write");
    let said = promtool_succeeds(promtool, &["check", "rules"], &file);
    assert!(
        said.contains(&format!("SUCCESS: {count} rules found")),
        "{said}"
    );
}
