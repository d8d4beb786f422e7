# Sourced by ./serve and ./run-tests: a virtualenv in .venv with the project installed,
# reinstalled only when pyproject.toml changed.
ensure_venv() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        echo "creating the virtualenv (.venv)…" >&2
        "$python" -m venv .venv
    fi
    local stamp=".venv/.installed${extras:+-$extras}"
    if [ -z "$extras" ] && [ -n "$(find .venv -maxdepth 1 -name '.installed*' -newer pyproject.toml)" ]; then
        stamp="$(find .venv -maxdepth 1 -name '.installed*' -newer pyproject.toml | head -1)"
    fi  # an install with extras (./run-tests) holds the plain one
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "installing dependencies${extras:+ ($extras)}…" >&2
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}
