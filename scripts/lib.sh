# Shared by scripts/run and scripts/test: make .venv and install the project when pyproject changes.

need_python() {
    local py=${PYTHON:-python3}
    if ! command -v "$py" >/dev/null 2>&1; then
        echo "Python 3.11 or newer is needed (apt-get install python3 python3-venv)" >&2
        exit 1
    fi
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "Python 3.11 or newer is needed; $py is $("$py" -V 2>&1)" >&2
        exit 1
    fi
    if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing python3-venv (needed to create .venv)"
            apt-get update -qq && apt-get install -y -qq python3-venv
        else
            echo "python3-venv is missing: sudo apt-get install python3-venv" >&2
            exit 1
        fi
    fi
    PY=$py
}

# ensure_venv [extra]: .venv exists and holds the project (with the extra) as pyproject.toml says.
ensure_venv() {
    local extra=${1:-}
    local spec="."
    [ -n "$extra" ] && spec=".[$extra]"
    if [ ! -x .venv/bin/python ]; then
        need_python
        echo "creating .venv"
        "$PY" -m venv .venv
    fi
    local stamp=".venv/.installed-${extra:-base}"
    local want
    want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "installing makermatrix-edge ${extra:+with [$extra] }into .venv"
        if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec" >.venv/pip.log 2>&1; then
            grep -v "^WARNING: Location .* is ignored" .venv/pip.log >&2 || true
            echo "pip install failed (log: .venv/pip.log)" >&2
            exit 1
        fi
        echo "$want" > "$stamp"
    fi
}

# ensure_apt_packages FILE: install the Debian packages listed in FILE that are missing (root only).
ensure_apt_packages() {
    local file=$1 missing=() pkg
    [ -f "$file" ] || return 0
    while read -r pkg _; do
        case "$pkg" in ""|\#*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done < "$file"
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing system packages the tests need: ${missing[*]}"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "the tests need these Debian packages: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
}
