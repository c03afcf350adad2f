#!/usr/bin/env bash
# Build casedesk.exe for 64-bit Windows on Linux and smoke-test it under
# Wine (scripts/smoke.sh): --version, a demo office on a path with a space
# and Urdu letters, list children, check, backup export and verify, and the
# desk in a pseudo-terminal (log in, Home, Ctrl-Q).
#
# Installs what it needs when run as root (CI): the Rust target
# x86_64-pc-windows-gnu and Debian's gcc-mingw-w64-x86-64 and wine64.
# Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng Rust's standard
# library calls for random bytes; for this test only, a stub DLL built from
# scripts/windows/process_prng_stub.c answers it with RtlGenRandom. It is
# put beside the .exe here and never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
PROFILE=${PROFILE:-dev}

if ! rustup target list --installed | grep -qx "$TARGET"; then
    rustup target add "$TARGET"
fi
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || missing+=(wine64)
if [ ${#missing[@]} -gt 0 ]; then
    as_root() {
        if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
    }
    as_root apt-get update -qq </dev/null >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
fi

cargo build --locked --profile "$PROFILE" --target "$TARGET"
dir="${CARGO_TARGET_DIR:-target}/$TARGET/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")"
x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" \
    scripts/windows/process_prng_stub.c scripts/windows/process_prng_stub.def -ladvapi32
scripts/smoke.sh "$dir/casedesk.exe" wine
