//! What `run` would find wrong with a sink, found by `check` first and
//! without network: a secret that cannot be read or is no `whsec_` key, a
//! template file that is missing or does not compile, a file sink whose
//! path is a directory or lies in no directory, a command that does not
//! exist. Each is a config error (exit 78), so systemd does not restart a
//! daemon that can never start.

use std::path::Path;

use super::{SinkConfig, SinkKind, WebhookSink};

/// Why a sink could not work, in words naming the field.
pub fn problem(sink: &SinkConfig) -> Option<String> {
    match &sink.kind {
        SinkKind::Stdout(_) => None,
        SinkKind::Webhook(config) => WebhookSink::new(sink.name(), config)
            .err()
            .map(|e| format!("{e:#}")),
        SinkKind::File(config) => file_problem(&config.path),
        SinkKind::Exec(config) => config
            .command
            .first()
            .and_then(|program| command_problem(program)),
    }
}

fn file_problem(path: &Path) -> Option<String> {
    if path.is_dir() {
        return Some(format!(
            "path {} is a directory, not a file",
            path.display()
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    (!parent.is_dir()).then(|| {
        format!(
            "path {}: the directory {} does not exist",
            path.display(),
            parent.display()
        )
    })
}

fn command_problem(program: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return (!runnable(Path::new(program)))
            .then(|| format!("command {program} is not an executable file"));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| runnable(&dir.join(program)));
    (!found).then(|| format!("command {program} is not found in PATH"))
}
