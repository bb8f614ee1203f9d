#!/bin/sh
# Install a prebuilt mocksmtp binary from the project's GitHub releases.
#
#   curl -fsSL https://raw.githubusercontent.com/mocksmtp/mocksmtp/main/scripts/install.sh | sh -s -- --links
#
# Release assets are named mocksmtp-<os>-<arch>[.exe] with os in linux|macos|windows and arch in
# x86_64|aarch64, published next to a SHA256SUMS file (format of `sha256sum`).
#
# Exit codes: 0 installed, 1 other failure (no curl/wget, no SHA-256 tool, directory not writable),
# 2 usage error, 3 unsupported platform, 4 download failed, 5 checksum missing or mismatched.
#
# Environment:
#   MOCKSMTP_BASE_URL  download base (default https://github.com/mocksmtp/mocksmtp/releases/download);
#                      a version is fetched from BASE/vX.Y.Z/ and `latest` from
#                      BASE-without-/download + /latest/download/ (GitHub's layout), or from
#                      BASE/latest/ when BASE does not end in /download.
#   MOCKSMTP_OS, MOCKSMTP_ARCH  replace `uname -s` / `uname -m` (for tests and odd hosts).
#   TMPDIR             where the download is staged before it is moved into place.
set -u

REPO="mocksmtp/mocksmtp"
PROG="install.sh"
EXIT_OTHER=1
EXIT_USAGE=2
EXIT_PLATFORM=3
EXIT_DOWNLOAD=4
EXIT_CHECKSUM=5
PERSONAS="smtpmock mockmta msmtpd"

usage() {
  cat <<EOF
Usage: install.sh [-v VERSION] [-d DIR] [-l] [-h]

Download the mocksmtp binary for this OS/arch, verify its SHA-256 and install it as DIR/mocksmtp.
Then \`mocksmtp serve\` (or just \`mocksmtp\`) starts the modern ESMTP test server on
127.0.0.1:1025 with its HTTP API on 127.0.0.1:8025; the clones run as \`mocksmtp <persona>\`.

  -v, --version VERSION  release to install, e.g. 2.6.0 or v2.6.0 (default: latest)
  -d, --dir DIR          install directory (default: /usr/local/bin if writable,
                         else \$HOME/.local/bin)
  -l, --links            also create the persona links smtpmock, mockmta, msmtpd -> mocksmtp
                         (serve needs none: it is \`mocksmtp serve\`)
  -h, --help             print this help

Environment: MOCKSMTP_BASE_URL (download base), MOCKSMTP_OS / MOCKSMTP_ARCH (override uname).
Exit codes: 1 other failure, 2 usage, 3 unsupported platform, 4 download failed,
5 checksum missing or mismatched.
EOF
}

die() {
  # $1 = exit code, rest = message (one line on stderr)
  code=$1
  shift
  echo "$PROG: error: $*" >&2
  exit "$code"
}

version="latest"
dir=""
links=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    -v | --version)
      [ $# -ge 2 ] || die "$EXIT_USAGE" "$1 needs a value (try -h)"
      version=$2
      shift 2
      ;;
    --version=*)
      version=${1#*=}
      shift
      ;;
    -d | --dir)
      [ $# -ge 2 ] || die "$EXIT_USAGE" "$1 needs a value (try -h)"
      dir=$2
      shift 2
      ;;
    --dir=*)
      dir=${1#*=}
      shift
      ;;
    -l | --links)
      links=1
      shift
      ;;
    *) die "$EXIT_USAGE" "unknown argument '$1' (try -h)" ;;
  esac
done
[ -n "$version" ] || die "$EXIT_USAGE" "empty version"
version=${version#v}

# --- platform -> asset name -------------------------------------------------------------------
raw_os=${MOCKSMTP_OS:-$(uname -s)}
raw_arch=${MOCKSMTP_ARCH:-$(uname -m)}
exe=""
case "$raw_os" in
  Linux | linux) os=linux ;;
  Darwin | darwin | macos) os=macos ;;
  MINGW* | MSYS* | CYGWIN* | Windows* | windows)
    os=windows
    exe=".exe"
    ;;
  *) os="" ;;
esac
case "$raw_arch" in
  x86_64 | amd64 | x64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) arch="" ;;
esac
case "$os-$arch" in
  linux-x86_64 | linux-aarch64 | macos-x86_64 | macos-aarch64 | windows-x86_64) ;;
  *)
    die "$EXIT_PLATFORM" "unsupported platform $raw_os/$raw_arch (prebuilt: Linux and macOS on x86_64/aarch64, Windows on x86_64; elsewhere use 'deno run -A cli.ts')"
    ;;
esac
asset="mocksmtp-$os-$arch$exe"

# --- where from, where to ---------------------------------------------------------------------
base=${MOCKSMTP_BASE_URL:-https://github.com/$REPO/releases/download}
base=${base%/}
if [ "$version" = "latest" ]; then
  case "$base" in
    */download) url_dir="${base%/download}/latest/download" ;;
    *) url_dir="$base/latest" ;;
  esac
else
  url_dir="$base/v$version"
fi

if [ -z "$dir" ]; then
  if [ -w /usr/local/bin ]; then
    dir=/usr/local/bin
  else
    dir="${HOME:?HOME is not set}/.local/bin"
  fi
fi
# Fail early on an unusable directory, but create a missing one only after the download verified.
if [ -e "$dir" ] && { [ ! -d "$dir" ] || [ ! -w "$dir" ]; }; then
  die "$EXIT_OTHER" "install directory $dir is not a writable directory (choose another with -d)"
fi

# --- tools ------------------------------------------------------------------------------------
if command -v curl >/dev/null 2>&1; then
  fetcher=curl
elif command -v wget >/dev/null 2>&1; then
  fetcher=wget
else
  die "$EXIT_OTHER" "need curl or wget to download"
fi
if command -v sha256sum >/dev/null 2>&1; then
  hasher="sha256sum"
elif command -v shasum >/dev/null 2>&1; then
  hasher="shasum -a 256"
else
  die "$EXIT_OTHER" "need sha256sum or shasum to verify the download"
fi

# --- staging: everything happens in a temp dir, the target dir only sees a final rename --------
stage=""
partial=""
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  if [ -n "$partial" ]; then rm -f "$partial"; fi
  if [ -n "$stage" ]; then rm -rf "$stage"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
stage=$(mktemp -d "${TMPDIR:-/tmp}/mocksmtp-install.XXXXXX") ||
  die "$EXIT_OTHER" "cannot create a temporary directory"

download() {
  # $1 = url, $2 = output file. The tool's last stderr line becomes part of our one-line error.
  if [ "$fetcher" = curl ]; then
    reason=$(curl -fsSL --retry 2 -o "$2" "$1" 2>&1)
  else
    reason=$(wget -q -O "$2" "$1" 2>&1)
  fi || {
    status=$?
    reason=$(printf '%s\n' "$reason" | sed -n '$p')
    # wget -q says nothing; name its two common statuses.
    case "$fetcher:$status" in
      wget:4) reason="network failure" ;;
      wget:8) reason="the server answered with an error, e.g. 404" ;;
    esac
    die "$EXIT_DOWNLOAD" "download failed: $1 (${reason:-$fetcher exit status $status})"
  }
}

download "$url_dir/SHA256SUMS" "$stage/SHA256SUMS"
download "$url_dir/$asset" "$stage/$asset"

expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$stage/SHA256SUMS")
[ -n "$expected" ] || die "$EXIT_CHECKSUM" "no checksum for $asset in $url_dir/SHA256SUMS"
actual=$($hasher "$stage/$asset" | awk '{ print tolower($1) }')
if [ "$expected" != "$actual" ]; then
  die "$EXIT_CHECKSUM" "checksum mismatch for $asset: expected $expected, got $actual (nothing installed)"
fi

# --- install: copy next to the target, then rename over it (atomic on one filesystem) ----------
mkdir -p "$dir" 2>/dev/null || die "$EXIT_OTHER" "cannot create install directory $dir"
target="$dir/mocksmtp$exe"
partial="$dir/.mocksmtp$exe.partial.$$"
if ! { cp "$stage/$asset" "$partial" && chmod 755 "$partial" && mv -f "$partial" "$target"; }; then
  die "$EXIT_OTHER" "cannot write $target"
fi
partial=""

if [ "$links" = 1 ]; then
  for name in $PERSONAS; do
    link="$dir/$name$exe"
    if [ -d "$link" ] && [ ! -L "$link" ]; then
      die "$EXIT_OTHER" "cannot create link $link: a directory is in the way (mocksmtp itself is installed)"
    fi
    if [ -n "$exe" ]; then
      # Windows shells cannot rely on symlinks; the binary dispatches on its own name, so a copy works.
      cp -f "$target" "$link" || die "$EXIT_OTHER" "cannot create $link (mocksmtp itself is installed)"
    else
      ln -sf "mocksmtp" "$link" || die "$EXIT_OTHER" "cannot create link $link (mocksmtp itself is installed)"
    fi
  done
fi

echo "installed $target ($asset, ${version}); start it with: mocksmtp serve"
[ "$links" = 1 ] && echo "persona links: $PERSONAS -> mocksmtp$exe in $dir"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) echo "note: $dir is not in PATH" ;;
esac
exit 0
