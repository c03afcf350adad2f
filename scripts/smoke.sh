#!/usr/bin/env bash
# Smoke test of one casedesk binary, as an office would first use it:
#   scripts/smoke.sh path/to/casedesk            (Linux)
#   scripts/smoke.sh path/to/casedesk.exe wine   (Windows, under Wine)
# --version; a demo office in a folder whose name has a space and Urdu
# letters; the register as CSV; `check`; a backup export to a passphrase
# and its verify. Exits non-zero with a message at the first failure.
set -euo pipefail

bin=$1
runner=${2:-}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export CASEDESK_SCRYPT_LOG_N=${CASEDESK_SCRYPT_LOG_N:-10}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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

echo "smoke: ok ($version${runner:+ under $runner})"
