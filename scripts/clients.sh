#!/usr/bin/env bash
# The real clients and readers the suite drives, checked by what they can do (not only by
# their command names): swaks must speak TLS, curl must speak SMTP, Python must have ssl;
# exim (unpacked, not installed: scripts/exim_client.sh) must run.
# Usage: scripts/clients.sh [--install]
#   without --install: exit 0 when everything is there, else name what is missing and the
#   apt-get line that brings it, exit 1.
#   with --install: install what is missing from Debian's packages when this user may (root,
#   or sudo without a password), else behave as without it.
set -uo pipefail

# capability check (shell) <TAB> Debian packages that provide it
checks=(
  "command -v swaks	swaks"
  "perl -MNet::SSLeay -e1	libnet-ssleay-perl"
  "perl -MIO::Socket::SSL -e1	libio-socket-ssl-perl"
  "command -v msmtp	msmtp"
  "command -v frm && command -v messages && command -v readmsg && command -v dotlock	mailutils"
  "command -v openssl	openssl"
  "python3 -c 'import ssl, smtplib, mailbox'	python3"
  "curl -V | grep -qw smtps	curl"
  "command -v shellcheck	shellcheck"
  "command -v chattr	e2fsprogs"
  "command -v logger	bsdutils"
  "/usr/bin/chromium --version	chromium"
)

missing() {
  local entry check pkgs=()
  for entry in "${checks[@]}"; do
    check=${entry%%	*}
    bash -c "$check" >/dev/null 2>&1 || pkgs+=("${entry#*	}")
  done
  echo "${pkgs[*]:-}"
}

# exim, the one real BDAT sender (tests/serve_bdat_exim.test.ts): its package conflicts with
# an installed MTA, so it is unpacked into .tmp/exim by its own script instead of installed.
exim() {
  bash "$(dirname "$0")/exim_client.sh" "$@" >/dev/null
}

need=$(missing)
[ -z "$need" ] && { exim "$@"; exit; }

if [ "${1:-}" = --install ]; then
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(false); fi
  fi
  if [ "${sudo[0]:-}" != false ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install $need"
    # shellcheck disable=SC2086 # $need is a list of package names
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $need >/dev/null
    need=$(missing)
    [ -z "$need" ] && { exim "$@"; exit; }
  fi
fi

echo "missing test clients: $need" >&2
echo "install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends $need" >&2
exit 1
