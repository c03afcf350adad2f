#!/usr/bin/env bash
# Smoke test of one casedesk binary, as an office would first use it:
#   scripts/smoke.sh path/to/casedesk            (Linux)
#   scripts/smoke.sh path/to/casedesk.exe wine   (Windows, under Wine)
# --version; a demo office in a folder whose name has a space and Urdu
# letters; the register as CSV; `check`; a backup export to a passphrase
# and its verify; under Wine also the desk (log in, Home, Ctrl-Q).
# Exits non-zero with a message at the first failure.
set -euo pipefail

bin=$1
runner=${2:-}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export CASEDESK_SCRYPT_LOG_N=${CASEDESK_SCRYPT_LOG_N:-10}

work=$(mktemp -d)
cleanup() {
    # Wine's server outlives the program; stop it before its prefix goes.
    if [ "$runner" = wine ]; then
        WINEPREFIX="$work/wineprefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
        WINEPREFIX="$work/wineprefix" /usr/lib/wine/wineserver -w 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
dir="$work/office files دفتر"
mkdir -p "$dir"
export CASEDESK_DATA_DIR="$dir"
export HOME="$work"

run() {
    if [ "$runner" = wine ]; then
        WINEDEBUG=-all WINEPREFIX="$work/wineprefix" /usr/lib/wine/wine64 "$bin" "$@"
    else
        "$bin" "$@"
    fi
}

fail() {
    echo "smoke: $*" >&2
    exit 1
}

db="$dir/demo office.casedesk"

version=$(run --version)
[[ $version == casedesk\ * ]] || fail "--version printed '$version'"

run --db "$db" demo --no-open --children 40 --today 2026-11-23 2>"$work/demo.err" \
    || fail "demo: $(cat "$work/demo.err")"
[ -s "$db" ] || fail "demo made no office file at $db"

csv=$(printf 'demo\n' | run --db "$db" --user staff list children --format csv)
rows=$(printf '%s\n' "$csv" | wc -l)
head=$(printf '%s\n' "$csv" | head -n 1 | tr -d '\r')
[[ $head == case_number,* ]] || fail "list children header: $head"
[ "$rows" -gt 40 ] || fail "list children gave $rows lines"

check=$(printf 'demo\n' | run --db "$db" --user manager check | tr -d '\r')
[ "$check" = ok ] || fail "check said: $check"

backup="$dir/backup دفتر.age"
printf 'demo\nsmoke test passphrase\n' \
    | run --db "$db" --user manager backup export --out "$backup" 2>"$work/export.err" \
    || fail "backup export: $(cat "$work/export.err")"
[ -s "$backup" ] || fail "no backup file"
verify=$(printf 'smoke test passphrase\n' | run backup verify --from "$backup" | head -n 1 | tr -d '\r')
[ "$verify" = ok ] || fail "backup verify said: $verify"

# The desk itself: under Wine in a pseudo-terminal (Wine's console draws on
# it); on Linux the end-to-end tests of `cargo test` drive the desk already.
if [ "$runner" = wine ]; then
    WINEDEBUG=-all WINEPREFIX="$work/wineprefix" \
        python3 "$(dirname "$0")/windows/desk_smoke.py" /usr/lib/wine/wine64 "$bin" "$db" \
        || fail "the desk under Wine (log in, Home, Ctrl-Q)"
fi

echo "smoke: ok ($version${runner:+ under $runner})"
