"""A pytest plugin (./run-tests loads it): after the run, the groups of tests that were
skipped, and how to enable each."""

from __future__ import annotations

GROUPS = {  # a word in the skip reason: the group, how to enable it
    "needs postgresql": ("PostgreSQL", "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB "
                               "./run-tests"),
    "postgresql at": ("PostgreSQL", "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB "
                                    "./run-tests"),
    "chrom": ("Chromium", "apt-get install chromium chromium-driver"),
    "newman": ("newman", "npm install --prefix .ci/node newman@6"),
    "dovecot": ("Dovecot", "apt-get install dovecot-imapd (see .ci/run)"),
    "podman": ("podman", "apt-get install podman runc debootstrap; scripts/container-images.sh; "
                         "./run-tests -m containers"),
    "images missing": ("podman", "scripts/container-images.sh; ./run-tests -m containers"),
    "redis": ("Redis", "a Redis server on 127.0.0.1:6379"),
}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    counts: dict[tuple[str, str], int] = {}
    other = 0
    for report in skipped:
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple)
                     else report.longrepr).lower()
        group = next((g for word, g in GROUPS.items() if word in reason), None)
        if group is None:
            other += 1
        else:
            counts[group] = counts.get(group, 0) + 1
    if not counts and not other:
        return
    write = terminalreporter.write_line
    write("")
    write("Skipped, and how to enable:")
    for (name, how), count in sorted(counts.items()):
        write(f"  {name} ({count} tests): {how}")
    if other:
        write(f"  other ({other} tests): pytest -rs shows each reason")
    if "containers" not in (config.option.markexpr or ""):
        write("  the container test is not in the default run: ./run-tests -m containers")
