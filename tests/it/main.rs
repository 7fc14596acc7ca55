//! Every integration test in one binary, a module per area: the support
//! helpers and the crate compile once instead of once per file.

mod support;

mod archive;
mod balkan_feeds;
mod cli;
mod config_errors;
mod config_ranges;
mod crash;
mod cron_activations;
mod daemon;
mod delivery;
mod differential;
mod encodings;
mod endpoint_limits;
mod feedparser_corpus;
mod fetch;
mod file_sink_full;
mod fold_properties;
mod generated_corpus;
mod genfeeds;
mod healthz_unstarted;
mod hostile_daemon;
mod hostile_input;
mod hostile_text;
mod implausible_dates;
mod nginx;
mod pipeline;
mod polling;
mod preflight;
mod presets;
mod queries;
mod recovery;
mod reload;
mod secrets;
mod service;
mod shipped_lists;
mod signals;
mod signing;
mod state_lock;
mod store;
mod store_writes_fail;
mod stories;
mod story_grouping;
mod systemd_unit;
mod worker;
