#!/usr/bin/env bash
# Build standalone mocksmtp executables into dist/ (run as `deno task compile [--release]`).
#
# Assets: mocksmtp-<os>-<arch>[.exe] with os in linux|macos|windows and arch in x86_64|aarch64
# (the names scripts/install.sh and the GitHub Action download), plus dist/SHA256SUMS.
#
#   (default)   `deno compile` every target. If deno cannot download its denort base (offline),
#               say so in one line and build only the host binary with `bun build --compile`.
#   --release   every target with `deno compile`, or fail: no fallback (release workflow).
#   DENORT_BIN  path to a denort for this host: build only the host binary, with deno and it.
#
# The version is embedded because cli.ts imports src/version.ts statically.
set -euo pipefail

cd "$(dirname "$0")/.."
# Prefer tools on PATH; fall back to the pinned npm devDependencies.
export PATH="$PATH:$PWD/node_modules/.bin"

ENTRY=cli.ts
# Memory: a smaller V8 young generation (Deno) and Bun's smol mode keep the server's RSS
# after heavy load near its idle size at equal throughput (docs/benchmarks.md).
V8_FLAGS=(--v8-flags=--max-semi-space-size=2)
DIST=dist
# deno target triple → asset suffix
TARGETS=(
  "x86_64-unknown-linux-gnu linux-x86_64"
  "aarch64-unknown-linux-gnu linux-aarch64"
  "x86_64-apple-darwin macos-x86_64"
  "aarch64-apple-darwin macos-aarch64"
  "x86_64-pc-windows-msvc windows-x86_64.exe"
)

release=0
case "${1:-}" in
  "") ;;
  --release) release=1 ;;
  -h | --help)
    sed -n '2,12s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "compile: unknown argument '$1' (try --help)" >&2
    exit 2
    ;;
esac

host_suffix() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) os=unknown ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) arch=unknown ;;
  esac
  echo "$os-$arch$([ "$os" = windows ] && echo .exe)"
}

write_sums() {
  (
    cd "$DIST"
    if command -v sha256sum >/dev/null 2>&1; then
      sha256sum mocksmtp-* >SHA256SUMS
    else
      shasum -a 256 mocksmtp-* >SHA256SUMS
    fi
  )
  for f in "$DIST"/mocksmtp-*; do
    printf '%s  %s\n' "$f" "$(du -h "$f" | cut -f1)"
  done
  echo "$DIST/SHA256SUMS"
}

deno_compile() {
  # $1 = target triple, $2 = output file; prints deno's output only when it fails
  local log
  if log=$(deno compile -A --quiet "${V8_FLAGS[@]}" --target "$1" --output "$2" "$ENTRY" 2>&1); then
    return 0
  fi
  printf '%s\n' "$log" >"$DIST/.compile-error.log"
  return 1
}

needs_download() {
  grep -qE 'denort|dl\.deno\.land|Setting up base binary' "$DIST/.compile-error.log"
}

mkdir -p "$DIST"
rm -f "$DIST"/mocksmtp-* "$DIST/SHA256SUMS" "$DIST/.compile-error.log"
host=$(host_suffix)

if [ -n "${DENORT_BIN:-}" ]; then
  echo "compile: DENORT_BIN is set; building only the host binary mocksmtp-$host with it"
  for t in "${TARGETS[@]}"; do
    if [ "${t#* }" = "$host" ]; then
      deno_compile "${t%% *}" "$DIST/mocksmtp-$host" || {
        cat "$DIST/.compile-error.log" >&2
        exit 1
      }
      rm -f "$DIST/.compile-error.log"
      write_sums
      exit 0
    fi
  done
  echo "compile: no deno target for this host ($host)" >&2
  exit 1
fi

for t in "${TARGETS[@]}"; do
  triple=${t%% *}
  suffix=${t#* }
  if deno_compile "$triple" "$DIST/mocksmtp-$suffix"; then
    continue
  fi
  if [ "$release" = 0 ] && needs_download; then
    echo "compile: deno compile cannot download its denort base (no internet access?); building only the host binary with bun build --compile (set DENORT_BIN=/path/to/denort to use deno)"
    rm -f "$DIST"/mocksmtp-* "$DIST/.compile-error.log"
    if ! log=$(bun build --compile --compile-exec-argv=--smol "$ENTRY" --outfile "$DIST/mocksmtp-$host" 2>&1); then
      printf '%s\n' "$log" >&2
      exit 1
    fi
    write_sums
    exit 0
  fi
  echo "compile: deno compile --target $triple failed:" >&2
  cat "$DIST/.compile-error.log" >&2
  rm -f "$DIST/.compile-error.log"
  exit 1
done
write_sums
