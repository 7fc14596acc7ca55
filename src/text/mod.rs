//! Text helpers with no knowledge of feeds, configs or sinks: folding for
//! matching, capping lengths, and cleaning text for display. A leaf module,
//! so config, parse, matcher, story and sinks can all share it.

pub mod clip;
pub mod fold;
pub mod lang;
mod letters;
pub mod plain;
