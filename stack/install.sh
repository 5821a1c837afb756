#!/usr/bin/env bash
# Installs what Postwerk needs to run and test: npm packages and the Debian packages of the mail stack.
# Idempotent and quiet when everything is there (npm start / npm test run it first, every time).
# One line per step that does something; the tools' own output goes to a log shown on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[install] %s\n' "$*" >&2; }
die() {
  printf '[install] ERROR: %s\n' "$*" >&2
  exit 1
}
# run_logged LOG CMD...: run quietly; on failure show the end of its output.
run_logged() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "failed: $* (full output: $log)"
  fi
}

# The mail stack (stack/stack.sh) and its tools; Debian's Chromium for the portal's browser tests (a
# browser download cannot work here). Never cyrus-imapd: it removes dovecot-imapd (both
# provide the system IMAP server).
DEB_PACKAGES=(
  dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sqlite dovecot-pgsql dovecot-ldap
  redis-server redis-tools
  clamav-daemon clamav
  rspamd
  slapd ldap-utils
  postgresql-15
  sqlite3 curl iproute2
  chromium
)

# missing_debs: the packages of DEB_PACKAGES that are not installed.
missing_debs() {
  local installed
  # dpkg-query exits 1 when a package is unknown to dpkg: that is the answer we want, not an error
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${DEB_PACKAGES[@]}" 2>/dev/null |
    awk '$2 == "installed" { print $1 }' || true)
  local p
  for p in "${DEB_PACKAGES[@]}"; do
    grep -qx "$p" <<<"$installed" || echo "$p"
  done
}

install_debs() {
  local missing
  mapfile -t missing < <(missing_debs)
  ((${#missing[@]})) || return 0
  if [[ $(id -u) != 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "install them with:"
    printf '  sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run_logged /tmp/postwerk-apt-update.log apt-get update -qq
  run_logged /tmp/postwerk-apt-install.log apt-get install -y -qq --no-install-recommends "${missing[@]}"
  mapfile -t missing < <(missing_debs)
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
}

# npm_needed: node_modules is missing, or package-lock.json changed since the last install.
npm_needed() {
  [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]
}

# install_npm: `npm ci` (better-sqlite3 compiles from source here: about a minute on 2 cores, no prebuilt
# binary can be downloaded). npm > 11.6.1 refuses a lockfile that lacks the optional packages of other
# platforms (npm/cli#8805), and the registry reachable here serves only Linux x64 ones, so a lockfile
# made here never has them: then `npm install`, which installs exactly the locked versions.
install_npm() {
  npm_needed || return 0
  local log=/tmp/postwerk-npm-install.log
  say "npm ci (compiles better-sqlite3, about a minute and a half)"
  if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
    if grep -q 'can only install packages when your package.json and package-lock.json' "$log"; then
      say "npm ci refused the lockfile (optional packages of other platforms missing): npm install"
      run_logged "$log" npm install --no-audit --no-fund
    else
      tail -n 40 "$log" >&2
      die "npm ci failed (full output: $log)"
    fi
  fi
  node -e 'require("better-sqlite3")' 2>>"$log" || die "the better-sqlite3 native module does not load (see $log)"
  touch node_modules/.package-lock.json
}

# portal_needed: no build yet, or a source of the portal (or the lockfile) is newer than the build.
portal_needed() {
  local built=portal/dist/index.html
  [[ ! -f $built ]] && return 0
  [[ -n $(find portal/src portal/index.html portal/vite.config.mts package-lock.json -newer "$built" -print -quit 2>/dev/null) ]]
}

# build_portal: the portal's Vite build into portal/dist, which the API serves (hashed assets).
build_portal() {
  portal_needed || return 0
  say "building the portal (vite)"
  run_logged /tmp/postwerk-portal-build.log node_modules/.bin/vite build --config portal/vite.config.mts
}

# build: the TypeScript sources compiled ahead into build/ (stack/build.js), rebuilt when a source is
# newer, so that no process compiles at start
build_js() {
  run_logged /tmp/postwerk-build.log node stack/build.js
}

# api_types: the portal's API types from the OpenAPI document, after the build (it runs the compiled routes)
api_types() {
  run_logged /tmp/postwerk-api-types.log bash portal/scripts/gen-api.sh --if-changed
}

install_debs
install_npm
build_js
api_types
build_portal
