#!/usr/bin/env bash
# `npm test` (after stack/install.sh): the whole test suite against a throwaway real stack.
#
#   1. start every service of stack/stack.sh in a fresh state dir on free random ports;
#   2. jest, projects unit + integration, on SQLite (Dovecot reads the SQLite database);
#   3. jest, project integration again, on PostgreSQL: a second Dovecot in $STATE/pg reads the stack's
#      PostgreSQL, and its stack.env is loaded on top of the first;
#   4. stop everything (also when jest fails or on Ctrl-C) and remove the state dir.
# Both runs always execute; the exit code is non-zero when either failed. Extra arguments go to jest:
#   npm test -- test/stack/stack.test.ts        npm test -- -t 'quota'
# POSTWERK_KEEP_STATE=1 keeps the state dir (logs, configs, databases) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO_DIR=$PWD
STACK_LOG_PREFIX='test'
# shellcheck source=lib/common.sh
. stack/lib/common.sh

JEST=$REPO_DIR/node_modules/.bin/jest
# Every port stack.sh binds, for the first stack, then the PostgreSQL run's own Dovecot.
MAIN_PORT_VARS=(POSTWERK_IMAP_PORT POSTWERK_LMTP_PORT POSTWERK_DOVEADM_PORT POSTWERK_SOURCE_IMAP_PORT
  POSTWERK_REDIS_PORT POSTWERK_CLAMD_PORT POSTWERK_RSPAMD_PORT POSTWERK_RSPAMD_CONTROLLER_PORT
  POSTWERK_PG_PORT POSTWERK_LDAP_PORT)
PG_DOVECOT_PORT_VARS=(PG_IMAP_PORT PG_LMTP_PORT PG_DOVEADM_PORT)
# Several engineers (and their tests) share a machine: a port can be taken between our check and the
# daemon's bind. stack.sh then fails fast naming the port, and we try again with other ports.
UP_ATTEMPTS=3

[[ -x $JEST ]] || die "jest is not installed: run bash stack/install.sh (npm test does) first"

STATE=$(mktemp -d "${TMPDIR:-/tmp}/postwerk-test.XXXXXX")
# mktemp -d makes it 0700: the packaged users (dovecot, _rspamd, openldap, postgres) must enter it
chmod 0755 "$STATE"
export POSTWERK_HOME=$STATE
# tests only: nothing here must survive a crash, and fsync dominates mail and database writes
export POSTWERK_DOVECOT_FSYNC=never POSTWERK_PG_FSYNC=off POSTWERK_REDIS_PERSIST=no
# tests point tenant webhooks at local receivers
export POSTWERK_WEBHOOK_ALLOW_PRIVATE=true
# and migration projects at the stack's own source server (127.0.0.1)
export POSTWERK_MIGRATION_ALLOW_PRIVATE=true
unset POSTWERK_DB_CLIENT POSTWERK_DATABASE_URL POSTWERK_REDIS_URL POSTWERK_DOVEADM_URL POSTWERK_RSPAMD_URL \
  POSTWERK_LDAP_URL

stack() { bash "$REPO_DIR/stack/stack.sh" "$@"; }

# pg_dovecot CMD...: stack.sh for the PostgreSQL run's Dovecot, in a sub state dir with its own ports.
# It shares the first stack's secrets and endpoints: the first stack.env is loaded underneath.
pg_dovecot() {
  (
    if [[ -f $STATE/stack.env ]]; then
      set -a
      # shellcheck source=/dev/null
      . "$STATE/stack.env"
      set +a
    fi
    # (POSTWERK_DATABASE_URL, with the stack's PostgreSQL password, comes from the first stack.env)
    POSTWERK_HOME=$STATE/pg POSTWERK_DB_CLIENT=postgres \
      POSTWERK_IMAP_PORT=$PG_IMAP_PORT POSTWERK_LMTP_PORT=$PG_LMTP_PORT POSTWERK_DOVEADM_PORT=$PG_DOVEADM_PORT \
      bash "$REPO_DIR/stack/stack.sh" "$@"
  )
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -d $STATE/pg ]]; then pg_dovecot down dovecot || true; fi
  stack down || true
  if [[ ${POSTWERK_KEEP_STATE:-0} == 1 ]]; then
    log "state kept in $STATE (stop leftovers with: POSTWERK_HOME=$STATE bash stack/stack.sh down)"
  else
    rm -rf "$STATE"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pick_ports: every port variable gets a free port, counting up from a random base in 20000-49999.
pick_ports() {
  local p=$((20000 + (RANDOM * 32768 + RANDOM) % 30000)) var
  for var in "${MAIN_PORT_VARS[@]}" "${PG_DOVECOT_PORT_VARS[@]}"; do
    while port_in_use "$p"; do p=$((p + 1)); done
    printf -v "$var" '%s' "$p"
    export "${var?}"
    p=$((p + 1))
  done
}

# start_stack: the main stack and the PostgreSQL run's Dovecot, retrying on a port taken meanwhile.
start_stack() {
  local attempt err=$STATE/up.err
  for ((attempt = 1; attempt <= UP_ATTEMPTS; attempt++)); do
    pick_ports
    # (a pipe is safe here: every daemon is started with its own stdin/stdout/stderr, see lib/common.sh)
    if { stack up && pg_dovecot up dovecot; } 2>&1 | tee "$err" >&2; then return 0; fi
    grep -q 'already in use' "$err" || die "the stack did not start (see above)"
    log "a port was taken meanwhile: starting again on other ports ($attempt/$UP_ATTEMPTS)"
    if [[ -d $STATE/pg ]]; then pg_dovecot down dovecot || true; fi
    stack down || true
  done
  die "the stack did not start after $UP_ATTEMPTS attempts"
}

# run_jest NAME ENV_FILE... -- JEST_ARGS...: jest with the stack.env files loaded (later ones win),
# in a subshell so the two runs do not see each other's variables. Its JSON summary feeds the totals.
run_jest() {
  local name=$1 files=()
  shift
  while [[ $1 != -- ]]; do
    files+=("$1")
    shift
  done
  shift
  log "jest ($name): $*"
  (
    set -a
    # shellcheck source=/dev/null
    for f in "${files[@]}"; do . "$f"; done
    set +a
    # --forceExit: a handle some test forgot to close (a socket, a timer) must not keep CI waiting
    # until its time limit; hunt such leaks with `npm test -- --detectOpenHandles`.
    # One test file at a time by default (jest's choice on 2 cores): on SQLite, files writing the one
    # database file from several processes at once end in SQLITE_BUSY (seen with 3 workers).
    # POSTWERK_TEST_WORKERS=N runs N files at a time.
    "$JEST" --forceExit --maxWorkers="${POSTWERK_TEST_WORKERS:-1}" --json --outputFile="$STATE/jest-$name.json" "$@"
  )
}

# totals: one plain "N passed, N failed" line over both runs (read by CI), from jest's JSON summaries.
totals() {
  node -e '
    let passed = 0, failed = 0;
    for (const f of process.argv.slice(1)) {
      try { const r = require(f); passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; }
      catch { failed += 1; } // a run that wrote no summary (crashed before the end) counts as a failure
    }
    console.log(`tests: ${passed} passed, ${failed} failed`);
  ' "$@"
}

t0=$(now)
start_stack
log "stack ready in $(since "$t0") s (state $STATE)"

extra=()
if (($#)); then extra=(--passWithNoTests); fi # a path filter may select nothing in one of the runs
rc_sqlite=0
rc_pg=0
run_jest sqlite "$STATE/stack.env" -- --selectProjects unit integration "${extra[@]}" "$@" || rc_sqlite=$?
run_jest postgres "$STATE/stack.env" "$STATE/pg/stack.env" -- --selectProjects integration "${extra[@]}" "$@" || rc_pg=$?

totals "$STATE/jest-sqlite.json" "$STATE/jest-postgres.json"
log "sqlite run: $( ((rc_sqlite)) && echo "FAILED ($rc_sqlite)" || echo ok), postgres run: $( ((rc_pg)) && echo "FAILED ($rc_pg)" || echo ok)"
((rc_sqlite == 0 && rc_pg == 0))
