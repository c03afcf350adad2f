#!/usr/bin/env bash
# The release build an office downloads or copies from a USB stick:
#   dist/casedesk-VERSION-linux-x86_64.tar.gz
#   dist/casedesk-VERSION-windows-x86_64.zip
#   dist/SHA256SUMS
# each archive holding the one binary, README.md and LICENSE. SQLCipher and
# OpenSSL are built in (vendored), so the binaries need no DLLs or system
# libraries beyond the C library (glibc on Linux).
#
# Needs, once: `rustup target add x86_64-pc-windows-gnu` and Debian's
# `gcc-mingw-w64-x86-64` (this script installs both when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

WINDOWS=x86_64-pc-windows-gnu
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
OUT=dist

if ! rustup target list --installed | grep -qx "$WINDOWS"; then
    rustup target add "$WINDOWS"
fi
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null
    else
        echo "error: install gcc-mingw-w64-x86-64 (Debian) first" >&2
        exit 1
    fi
fi

cargo build --release --locked
cargo build --release --locked --target "$WINDOWS"

# The files shipped are the files tested: the smoke test on each release
# binary (Windows under Wine, with the test-only ProcessPrng stub beside
# the .exe in target/, never in the archive).
scripts/smoke.sh target/release/casedesk
PROFILE=release scripts/windows-smoke.sh

rm -rf "$OUT"
mkdir -p "$OUT"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

linux="casedesk-$VERSION-linux-x86_64"
mkdir "$stage/$linux"
cp target/release/casedesk README.md LICENSE "$stage/$linux/"
tar -C "$stage" -czf "$OUT/$linux.tar.gz" "$linux"

windows="casedesk-$VERSION-windows-x86_64"
mkdir "$stage/$windows"
cp "target/$WINDOWS/release/casedesk.exe" README.md LICENSE "$stage/$windows/"
# Python's zipfile rather than a zip tool the machine may not have.
python3 - "$stage" "$windows" "$OUT/$windows.zip" <<'PY'
import os, sys, zipfile
stage, name, out = sys.argv[1:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(os.path.join(stage, name))):
        z.write(os.path.join(stage, name, f), f"{name}/{f}")
PY

(cd "$OUT" && sha256sum "$linux.tar.gz" "$windows.zip" > SHA256SUMS)
ls -l "$OUT"
echo "binary sizes:"
ls -l target/release/casedesk "target/$WINDOWS/release/casedesk.exe"
