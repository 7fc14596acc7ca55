#!/usr/bin/env bash
# Builds a Debian package of newswatch: the release binary, the hardened
# unit (systemd/newswatch.service), /etc/newswatch/newswatch.toml as a
# conffile, README and a man page made from the --help texts.
# Needs cargo-deb (cargo install cargo-deb). Prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
binary=target/release/newswatch

# A man page from the built binary's own help, so it never drifts.
{
    echo '.TH NEWSWATCH 1 "" "newswatch '"$("$binary" --version | awk '{print $2}')"'" "User Commands"'
    echo '.SH NAME'
    echo 'newswatch \- watches news feeds and alerts every matching story once'
    echo '.SH DESCRIPTION'
    echo '.nf'
    "$binary" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
    echo '.fi'
    for command in run once check test feeds alerts redeliver sinks import-opml; do
        echo ".SH newswatch $command"
        echo '.nf'
        "$binary" "$command" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
        echo '.fi'
    done
    echo '.SH FILES'
    echo '/etc/newswatch/newswatch.toml, /var/lib/newswatch (state, under systemd)'
    echo '.SH SEE ALSO'
    echo '/usr/share/doc/newswatch/README.md, journalctl(1), systemctl(1)'
} > target/newswatch.1

cargo deb --no-build
