//! The status page (`GET /`): one server-rendered HTML page, no script.
//! Recent alerts with their lists and snippets, an inline SVG chart of
//! alerts per list per hour over the last 7 days, the feeds that fail or
//! are disabled with their last error, and each sink's pending and dead
//! deliveries. Readable on a phone. Every text from outside is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};

use super::views::FeedView;
use super::{Reply, Site, feeds};
use crate::clock::now_ms;
use crate::model::Alert;
use crate::store::{DeliveryState, Store};

/// Alerts shown.
const RECENT: usize = 30;

/// Hours the chart spans.
const HOURS: i64 = 7 * 24;

/// Series colours, in turn.
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// `GET /`.
pub async fn status(store: &Store, site: &Site) -> Reply {
    match render(store, site).await {
        Ok(page) => Reply::with(200, "text/html; charset=utf-8", page),
        Err(error) => Reply::unavailable(&error.to_string()),
    }
}

async fn render(store: &Store, site: &Site) -> Result<String, crate::store::StoreError> {
    let now = now_ms();
    let (recent, _) = store.alerts_page(None, 0, None, RECENT).await?;
    let counts = store.hourly_alert_counts(now - HOURS * 3_600_000).await?;
    let states = store.feed_states().await?;
    let mut sinks = Vec::with_capacity(site.sinks.len());
    for sink in &site.sinks {
        let pending = store
            .count_deliveries(Some(sink), DeliveryState::Pending)
            .await?;
        let dead = store
            .count_deliveries(Some(sink), DeliveryState::Dead)
            .await?;
        sinks.push((sink.as_str(), pending, dead));
    }
    let troubled: Vec<FeedView> = site
        .feeds
        .iter()
        .map(|feed| FeedView::of(feed, states.get(feed.url.as_str())))
        .filter(|feed| feed.failures > 0 || feed.disabled.is_some())
        .collect();
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>newswatch</title><style>{}</style></head><body>\n\
         <h1>newswatch</h1><p class=\"meta\">{} feeds, {} watch lists · {}</p>\n",
        include_str!("page.css"),
        site.feeds.len(),
        site.lists.len(),
        text(&crate::model::rfc3339(crate::clock::from_millis(now)))
    );
    page.push_str("<h2>Alerts per list per hour, last 7 days</h2>\n");
    chart(&mut page, &site.lists, &counts, now / 3_600_000);
    page.push_str("<h2>Recent alerts</h2>\n");
    recent_alerts(&mut page, recent.iter().map(|(_, a)| a));
    page.push_str("<h2>Feeds failing or disabled</h2>\n");
    feeds_table(&mut page, &troubled);
    page.push_str("<h2>Sinks</h2>\n");
    sinks_table(&mut page, &sinks);
    page.push_str("</body></html>\n");
    Ok(page)
}

/// An SVG line per list: alerts per hour over the last [`HOURS`] up to
/// `hour_now`, with a legend. Lists without alerts are drawn flat.
fn chart(page: &mut String, lists: &[String], counts: &[(String, i64, u64)], hour_now: i64) {
    let first = hour_now - HOURS + 1;
    let mut series: BTreeMap<&str, Vec<u64>> = lists
        .iter()
        .map(|l| (l.as_str(), vec![0; HOURS as usize]))
        .collect();
    for (list, hour, count) in counts {
        if let (Some(values), Ok(at)) =
            (series.get_mut(list.as_str()), usize::try_from(hour - first))
            && let Some(slot) = values.get_mut(at)
        {
            *slot = *count;
        }
    }
    let peak = series.values().flatten().copied().max().unwrap_or(0).max(1);
    let (width, height, left, bottom) = (720.0, 240.0, 48.0, 26.0);
    let x = |hour: usize| left + (width - left - 4.0) * hour as f64 / (HOURS - 1) as f64;
    let y = |count: u64| 6.0 + (height - bottom - 6.0) * (1.0 - count as f64 / peak as f64);
    let _ = write!(
        page,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"Alerts per list per hour over the last 7 days\">\
         <line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{width}\" y2=\"{}\"/>\
         <line class=\"axis\" x1=\"{left}\" y1=\"6\" x2=\"{left}\" y2=\"{}\"/>\
         <text x=\"2\" y=\"22\">{peak}</text><text x=\"2\" y=\"{}\">0</text>\
         <text x=\"{left}\" y=\"{}\">7 days ago</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">now</text>",
        height - bottom,
        height - bottom,
        height - bottom,
        height - bottom,
        height - 4.0,
        width - 4.0,
        height - 4.0
    );
    for (n, (list, values)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(hour, &count)| format!("{:.1},{:.1}", x(hour), y(count)))
            .collect();
        let _ = write!(
            page,
            "<polyline class=\"series\" data-list=\"{}\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>",
            attribute(list),
            COLOURS[n % COLOURS.len()],
            points.join(" "),
            text(list)
        );
    }
    page.push_str("</svg><figcaption class=\"legend\">");
    for (n, (list, values)) in series.iter().enumerate() {
        let _ = write!(
            page,
            "<span><i style=\"background:{}\"></i>{} ({})</span>",
            COLOURS[n % COLOURS.len()],
            text(list),
            values.iter().sum::<u64>()
        );
    }
    page.push_str("</figcaption></figure>\n");
}

fn recent_alerts<'a>(page: &mut String, alerts: impl Iterator<Item = &'a Alert>) {
    let mut any = false;
    page.push_str("<ol class=\"alerts\">\n");
    for alert in alerts {
        any = true;
        let title = match alert
            .link
            .as_deref()
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        {
            Some(link) => format!("<a href=\"{}\">{}</a>", attribute(link), text(&alert.title)),
            None => text(&alert.title).into_owned(),
        };
        let lists: String = alert
            .lists
            .iter()
            .map(|l| format!("<span>{}</span>", text(l)))
            .collect();
        let _ = writeln!(
            page,
            "<li><div class=\"lists\">{lists}</div><div>{title}</div>\
             <p class=\"snippet\">{}</p><div class=\"muted\">{} · {}</div></li>",
            feeds::snippet_html(&alert.snippet),
            text(&alert.feed),
            text(&alert.detected_at)
        );
    }
    page.push_str("</ol>\n");
    if !any {
        page.push_str("<p class=\"muted\">No alerts yet.</p>\n");
    }
}

fn feeds_table(page: &mut String, feeds: &[FeedView]) {
    if feeds.is_empty() {
        page.push_str("<p class=\"muted\">Every feed polls fine.</p>\n");
        return;
    }
    page.push_str(
        "<div class=\"table\"><table><tr><th>Feed</th><th>Failures</th><th>Last poll</th><th>Why</th></tr>\n",
    );
    for feed in feeds {
        let why = feed
            .disabled
            .as_deref()
            .map(|d| format!("disabled: {d}"))
            .or_else(|| feed.last_error.clone())
            .unwrap_or_default();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"bad\">{}</td><td>{}</td><td>{}</td></tr>",
            text(&feed.name),
            feed.failures,
            text(feed.last_poll.as_deref().unwrap_or("never")),
            text(&crate::text::clip::clip(&why, 300))
        );
    }
    page.push_str("</table></div>\n");
}

fn sinks_table(page: &mut String, sinks: &[(&str, i64, i64)]) {
    if sinks.is_empty() {
        page.push_str("<p class=\"muted\">No sinks.</p>\n");
        return;
    }
    page.push_str(
        "<div class=\"table\"><table><tr><th>Sink</th><th>Pending</th><th>Dead</th></tr>\n",
    );
    for (sink, pending, dead) in sinks {
        let class = if *dead > 0 { " class=\"bad\"" } else { "" };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{pending}</td><td{class}>{dead}</td></tr>",
            text(sink)
        );
    }
    page.push_str("</table></div>\n");
}
