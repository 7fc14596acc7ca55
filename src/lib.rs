//! newswatch: a daemon that watches news feeds.
//!
//! ```text
//!  schedule ──> fetch ──> parse ──> match ──> dedup + outbox ──> deliver
//!  (when)       (HTTP)    (items)   (lists)   (one txn, durable)  (per sink)
//! ```
//!
//! Each stage is a plain, synchronous, unit-testable core; the async glue in
//! [`app`] is thin: a poller, the pipeline loop and one worker per sink.
//! ARCHITECTURE.md maps the modules and the steps for common changes.

#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod fetch;
pub mod fulltext;
pub mod http;
pub mod matcher;
pub mod model;
pub mod parse;
pub mod redact;
pub mod schedule;
pub mod service;
pub mod sink;
pub mod store;
pub mod story;
pub mod text;
pub mod units;
pub mod web;
