# Sourced by ./serve and ./run-tests: a virtualenv in .venv with the pinned dependencies
# (requirements/server.txt, or requirements/test.txt for the tests: scripts/lock.sh makes
# them) and the project, reinstalled only when pyproject.toml or the lock changed.
# A .venv made by another Python version, or without pip, is made again.
ensure_venv() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    local lock="requirements/server.txt"
    [ -n "$extras" ] && lock="requirements/test.txt"
    local want
    want="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [ -e .venv ]; then
        local have
        have="$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
        if [ "$have" != "$want" ]; then
            echo "rebuilding .venv: it was made with Python ${have:-that no longer runs}, not $want" >&2
            rm -rf .venv
        elif ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
            echo "rebuilding .venv: it has no pip" >&2
            rm -rf .venv
        fi
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "creating the virtualenv (.venv, Python $want)…" >&2
        "$python" -m venv .venv
    fi
    local stamp=".venv/.installed${extras:+-$extras}"
    if [ -z "$extras" ] && [ -f .venv/.installed-test ] && [ ! .venv/.installed-test -ot pyproject.toml ] \
        && [ ! .venv/.installed-test -ot requirements/test.txt ]; then
        stamp=".venv/.installed-test"  # the test install holds the server's
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
        echo "installing dependencies from $lock…" >&2
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock"
        # The ranges of pyproject.toml: a dependency added since the lock was made still
        # comes in (unpinned) until scripts/lock.sh is run again. The project itself runs
        # from this folder (not installed: an editable install only adds warnings).
        .venv/bin/python scripts/ranges.py ${extras:+s3 redis $extras dev} > .venv/ranges.txt
        .venv/bin/python -m pip install --quiet -r .venv/ranges.txt
        touch "$stamp"
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}
