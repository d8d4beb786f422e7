# Sourced by ./serve and ./run-tests: a virtualenv in .venv with the project installed,
# reinstalled only when pyproject.toml changed.
ensure_venv() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    local stamp=".venv/.installed${extras:+-$extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}
