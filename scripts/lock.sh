#!/usr/bin/env bash
# Regenerate the pinned, hash-checked requirements from the ranges in pyproject.toml:
#   requirements/server.txt  the server with its s3 and redis extras (image, ./serve)
#   requirements/test.txt    the same plus the test and dev extras (./run-tests, CI)
# Run it after changing dependencies in pyproject.toml; commit both files.
# --upgrade moves every pin to the newest release the ranges allow.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v uv >/dev/null; then
    uv=(uv)
else
    [ -x .venv/bin/uv ] || { python3 -m venv .venv 2>/dev/null || true; .venv/bin/python -m pip install --quiet uv; }
    uv=(.venv/bin/uv)
fi
compile() {  # OUTPUT EXTRAS...
    local out="$1"
    shift
    "${uv[@]}" pip compile pyproject.toml "${@/#/--extra=}" ${UPGRADE:+--upgrade} \
        --generate-hashes --universal --python-version 3.11 --quiet \
        --custom-compile-command "scripts/lock.sh" -o "$out"
}
[ "${1:-}" = --upgrade ] && UPGRADE=1
compile requirements/server.txt s3 redis
compile requirements/test.txt s3 redis test dev
echo "requirements/server.txt and requirements/test.txt updated from pyproject.toml"
