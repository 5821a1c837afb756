#!/usr/bin/env bash
# Postwerk's real mail stack as throwaway instances: no systemd, everything under $POSTWERK_HOME,
# bound to 127.0.0.1 only. Used by `npm start` (default ports) and stack/test.sh (random ports).
#
#   stack/stack.sh up     [service...]   render configs, start, wait until each answers (default: all)
#   stack/stack.sh down   [service...]   stop what this state dir started (by pidfile)
#   stack/stack.sh status [service...]   does each service answer on its port? (exit 1 if one does not)
#   stack/stack.sh env                   print $POSTWERK_HOME/stack.env
#   stack/stack.sh home                  print the state folder (default ./.postwerk, or under
#                                        /var/lib/postwerk when the packaged users cannot reach the repo)
#
# services: redis dovecot source-imap clamd rspamd postgres slapd
# Variables, ports and files: stack/README.md. Must run as root for `up` (Dovecot switches to the mail
# uid, redis/clamd/rspamd/slapd/postgres run as their packaged users).
set -euo pipefail

STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$STACK_DIR")
CONF_DIR=$STACK_DIR/conf
# shellcheck source=lib/common.sh
. "$STACK_DIR/lib/common.sh"

# Start order: rspamd after redis (it is pointed at redis only when redis runs); `down` goes backwards.
ALL_SERVICES=(redis postgres slapd clamd rspamd dovecot source-imap)
MAIL_UID=5000

# ---------------------------------------------------------------- settings (environment, with defaults)
# port_of_local_url URL: the port of a URL on 127.0.0.1/localhost (nothing for other hosts). Lets a shell
# that only loaded a stack.env (URLs, no *_PORT variables) run `stack.sh status` against that stack.
port_of_local_url() {
  [[ ${1:-} =~ ^[a-z]+://([^@/]*@)?(127\.0\.0\.1|localhost):([0-9]+)(/|$) ]] && echo "${BASH_REMATCH[3]}"
  return 0
}
: "${POSTWERK_REDIS_PORT:=$(port_of_local_url "${POSTWERK_REDIS_URL:-}")}"
: "${POSTWERK_DOVEADM_PORT:=$(port_of_local_url "${POSTWERK_DOVEADM_URL:-}")}"
: "${POSTWERK_RSPAMD_PORT:=$(port_of_local_url "${POSTWERK_RSPAMD_URL:-}")}"
: "${POSTWERK_LDAP_PORT:=$(port_of_local_url "${POSTWERK_LDAP_URL:-}")}"
: "${POSTWERK_PG_PORT:=$(port_of_local_url "${POSTWERK_DATABASE_URL:-}")}"

# Defaults beside the repository, unless the packaged users cannot reach it there (a clone under a
# 0700 home or temp folder): then under /var/lib/postwerk, one folder per repository path.
if [[ -z ${POSTWERK_HOME:-} ]]; then
  if others_can_enter "$REPO_DIR"; then POSTWERK_HOME=$REPO_DIR/.postwerk; else POSTWERK_HOME=$(shared_state_dir state); fi
fi
if [[ -z ${POSTWERK_CACHE:-} ]]; then
  if others_can_enter "$REPO_DIR"; then POSTWERK_CACHE=$REPO_DIR/.stack-cache; else POSTWERK_CACHE=$(shared_state_dir cache); fi
fi
: "${POSTWERK_IMAP_PORT:=10143}"
: "${POSTWERK_LMTP_PORT:=10024}"
: "${POSTWERK_DOVEADM_PORT:=10245}"
: "${POSTWERK_SOURCE_IMAP_PORT:=11143}"
: "${POSTWERK_REDIS_PORT:=16379}"
: "${POSTWERK_CLAMD_PORT:=13310}"
: "${POSTWERK_RSPAMD_PORT:=11333}"
: "${POSTWERK_RSPAMD_CONTROLLER_PORT:=11334}"
: "${POSTWERK_PG_PORT:=15432}"
: "${POSTWERK_LDAP_PORT:=10389}"
: "${POSTWERK_DB_CLIENT:=sqlite}"
# POSTWERK_DATABASE_URL defaults to the stack's PostgreSQL with its generated password (set after load_secrets)
: "${POSTWERK_DOVECOT_FSYNC:=optimized}"
: "${POSTWERK_SOURCE_FSYNC:=$POSTWERK_DOVECOT_FSYNC}"
: "${POSTWERK_REDIS_PERSIST:=yes}"
: "${POSTWERK_PG_FSYNC:=on}"

# Fixed names of the stack (the application reads them from stack.env).
POSTWERK_MASTER_USER='postwerk'
POSTWERK_SOURCE_MASTER_USER='admin'
POSTWERK_LDAP_BASE_DN=dc=postwerk,dc=test
POSTWERK_LDAP_BIND_DN=cn=admin,$POSTWERK_LDAP_BASE_DN

# Generated once per state dir into secrets.env (mode 0600) and reused. A value already in the
# environment when the file is first written is taken instead (so a second Dovecot can share them).
# Redis (requirepass) and PostgreSQL (scram-sha-256 for the postgres role) refuse clients without theirs.
SECRET_NAMES=(POSTWERK_DOVEADM_API_KEY POSTWERK_MASTER_PASSWORD POSTWERK_LDAP_BIND_PASSWORD
  POSTWERK_SOURCE_IMAP_PASSWORD POSTWERK_SOURCE_MASTER_PASSWORD POSTWERK_REDIS_PASSWORD POSTWERK_PG_PASSWORD)

for f in "$STACK_DIR"/lib/{redis,postgres,slapd,clamd,rspamd,dovecot,source-imap}.sh; do
  # shellcheck source=/dev/null
  . "$f"
done

# resolve_home: absolute path; every value goes into configs and stack.env unquoted, so no blanks.
resolve_home() {
  [[ $POSTWERK_HOME =~ ^[A-Za-z0-9_./+-]+$ ]] ||
    die "POSTWERK_HOME='$POSTWERK_HOME': use a path of letters, digits and ._+-/ only (it goes into configs unquoted)"
  if [[ -d $POSTWERK_HOME ]]; then POSTWERK_HOME=$(cd "$POSTWERK_HOME" && pwd); else
    POSTWERK_HOME=$(realpath -m "$POSTWERK_HOME"); fi
  POSTWERK_DB_FILE=$POSTWERK_HOME/postwerk.db
  POSTWERK_MAIL_ROOT=$POSTWERK_HOME/mail
}

# load_known_secrets: read secrets.env when there is one (status: nothing is generated).
load_known_secrets() {
  local file=$POSTWERK_HOME/secrets.env
  # shellcheck source=/dev/null
  if [[ -r $file ]]; then . "$file"; fi
  return 0
}

# load_secrets: read secrets.env, generate what is missing, write it back (0600) when something changed.
# Then the URLs that carry a password get their defaults.
load_secrets() {
  local file=$POSTWERK_HOME/secrets.env name changed=0
  if [[ -f $file ]]; then
    # shellcheck source=/dev/null
    . "$file"
  else changed=1; fi
  for name in "${SECRET_NAMES[@]}"; do
    if [[ -z ${!name:-} ]]; then
      printf -v "$name" '%s' "$(random_secret)"
      changed=1
    fi
  done
  if ((changed)); then
    for name in "${SECRET_NAMES[@]}"; do printf '%s=%s\n' "$name" "${!name}"; done | write_private "$file" 0600
  fi
  : "${POSTWERK_DATABASE_URL:=postgres://postgres:$POSTWERK_PG_PASSWORD@127.0.0.1:$POSTWERK_PG_PORT/postwerk}"
}

# write_env: the endpoints for the application and the tests, NAME=value lines (bash and node parse them).
# It holds every secret of secrets.env (in URLs too): mode 0600 from the first byte.
write_env() {
  local file=$POSTWERK_HOME/stack.env
  write_private "$file" 0600 <<EOF
POSTWERK_HOME=$POSTWERK_HOME
POSTWERK_DB_CLIENT=$POSTWERK_DB_CLIENT
POSTWERK_DB_FILE=$POSTWERK_DB_FILE
POSTWERK_DATABASE_URL=$POSTWERK_DATABASE_URL
POSTWERK_REDIS_URL=redis://:$POSTWERK_REDIS_PASSWORD@127.0.0.1:$POSTWERK_REDIS_PORT
POSTWERK_REDIS_PASSWORD=$POSTWERK_REDIS_PASSWORD
POSTWERK_PG_PASSWORD=$POSTWERK_PG_PASSWORD
POSTWERK_IMAP_HOST=127.0.0.1
POSTWERK_IMAP_PORT=$POSTWERK_IMAP_PORT
POSTWERK_LMTP_PORT=$POSTWERK_LMTP_PORT
POSTWERK_DOVEADM_URL=http://127.0.0.1:$POSTWERK_DOVEADM_PORT/doveadm/v1
POSTWERK_DOVEADM_API_KEY=$POSTWERK_DOVEADM_API_KEY
POSTWERK_MASTER_USER=$POSTWERK_MASTER_USER
POSTWERK_MASTER_PASSWORD=$POSTWERK_MASTER_PASSWORD
POSTWERK_MAIL_ROOT=$POSTWERK_MAIL_ROOT
POSTWERK_CLAMD_HOST=127.0.0.1
POSTWERK_CLAMD_PORT=$POSTWERK_CLAMD_PORT
POSTWERK_RSPAMD_URL=http://127.0.0.1:$POSTWERK_RSPAMD_PORT
POSTWERK_LDAP_URL=ldap://127.0.0.1:$POSTWERK_LDAP_PORT
POSTWERK_LDAP_BASE_DN=$POSTWERK_LDAP_BASE_DN
POSTWERK_LDAP_BIND_DN=$POSTWERK_LDAP_BIND_DN
POSTWERK_LDAP_BIND_PASSWORD=$POSTWERK_LDAP_BIND_PASSWORD
POSTWERK_SOURCE_IMAP_HOST=127.0.0.1
POSTWERK_SOURCE_IMAP_PORT=$POSTWERK_SOURCE_IMAP_PORT
POSTWERK_SOURCE_IMAP_PASSWORD=$POSTWERK_SOURCE_IMAP_PASSWORD
POSTWERK_SOURCE_MASTER_USER=$POSTWERK_SOURCE_MASTER_USER
POSTWERK_SOURCE_MASTER_PASSWORD=$POSTWERK_SOURCE_MASTER_PASSWORD
EOF
}

# services_in_order [name...]: the requested services (default all) in start order; rejects unknown names.
services_in_order() {
  local want=("$@") s w ok
  ((${#want[@]})) || want=("${ALL_SERVICES[@]}")
  for w in "${want[@]}"; do
    ok=0
    for s in "${ALL_SERVICES[@]}"; do [[ $s == "$w" ]] && ok=1; done
    ((ok)) || die "unknown service '$w' (services: ${ALL_SERVICES[*]})"
  done
  for s in "${ALL_SERVICES[@]}"; do
    for w in "${want[@]}"; do if [[ $s == "$w" ]]; then
      echo "$s"
      break
    fi; done
  done
}

# running_pid SERVICE: the pid of this state dir's instance, when it runs.
running_pid() {
  local fn=${1//-/_}
  pid_of "$("${fn}_pidfile")" "$("${fn}_comm")"
}

# cmd_up: check every port first (so a conflict fails before anything starts), then launch the daemons
# in start order without waiting, then wait for each to answer. The slow starts (PostgreSQL, rspamd)
# overlap instead of adding up.
cmd_up() {
  [[ $(id -u) == 0 ]] || die "stack.sh up must run as root (Dovecot, rspamd, slapd and PostgreSQL switch users)"
  local t0 svc fn pid to_start=()
  t0=$(now)
  # 0755: the packaged users (dovecot, _rspamd, openldap, postgres) must traverse it
  mkdir -p "$POSTWERK_HOME"
  chmod 0755 "$POSTWERK_HOME"
  load_secrets
  trap wait_launchers EXIT # also when a service fails: leave no launch half done (see launch_bg)
  STARTING=" "
  for svc in $(services_in_order "$@"); do
    fn=${svc//-/_}
    if pid=$(running_pid "$svc"); then
      log "$svc: already up (pid $pid)"
      continue
    fi
    # shellcheck disable=SC2046 # one word per variable name
    require_free_ports "$svc" $("${fn}_ports")
    to_start+=("$svc")
    STARTING+="$svc "
  done
  for svc in "${to_start[@]}"; do
    # a pidfile left by a crash (or one that rspamd keeps after stopping) would read as "died at once"
    rm -f "$("${svc//-/_}_pidfile")"
    "${svc//-/_}_start"
  done
  for svc in "${to_start[@]}"; do await_one "$svc" "$t0"; done
  write_env
  log "up in $(since "$t0") s; endpoints in $POSTWERK_HOME/stack.env"
}

# service_coming SERVICE: it runs in this state dir, or this `up` is starting it (rspamd asks for redis).
service_coming() { [[ $STARTING == *" $1 "* ]] || running_pid "$1" >/dev/null; }

await_one() {
  local svc=$1 t0=$2 fn=${1//-/_}
  # shellcheck disable=SC2046
  if ! wait_ready "$("${fn}_timeout")" "${fn}_ready" "$("${fn}_pidfile")" "$("${fn}_comm")" "${fn}_failed"; then
    log_tail $("${fn}_logs")
    die "$svc: did not come up (gave up after at most $("${fn}_timeout") s; logs above; state in $POSTWERK_HOME)"
  fi
  if declare -F "${fn}_after_up" >/dev/null; then "${fn}_after_up"; fi
  log "$svc: up after $(since "$t0") s ($("${fn}_describe"))"
}

# cmd_down: signal every daemon of this state dir (reverse start order), then wait for all of them.
cmd_down() {
  local svc fn pid sig i rev=() pids=() names=()
  for svc in $(services_in_order "$@"); do rev=("$svc" "${rev[@]}"); done
  for svc in "${rev[@]}"; do
    fn=${svc//-/_}
    pid=$(running_pid "$svc") || continue
    sig=TERM
    if declare -F "${fn}_stop_signal" >/dev/null; then sig=$("${fn}_stop_signal"); fi
    kill "-$sig" "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$svc")
  done
  for i in "${!pids[@]}"; do
    stop_pid "${names[$i]}" "${pids[$i]}" 0 # signal 0: already signalled, just wait (KILL after 15 s)
    log "${names[$i]}: stopped (pid ${pids[$i]})"
  done
}

# status answers "does it answer on its port": it also reports a service that another state dir (or
# the stack of the enclosing test run) provides on the configured port.
cmd_status() {
  local svc fn pid rc=0 services
  services=$(services_in_order "$@")
  load_known_secrets # redis answers PING only with its password
  for svc in $services; do
    fn=${svc//-/_}
    if "${fn}_ready" >/dev/null 2>&1; then
      if pid=$(running_pid "$svc"); then pid="pid $pid"; else pid="not started from $POSTWERK_HOME"; fi
      printf '%-12s ready  %s (%s)\n' "$svc" "$("${fn}_describe")" "$pid"
    else
      printf '%-12s DOWN   %s\n' "$svc" "$("${fn}_describe")"
      rc=1
    fi
  done
  return $rc
}

cmd_env() {
  [[ -f $POSTWERK_HOME/stack.env ]] || die "no $POSTWERK_HOME/stack.env yet: run stack/stack.sh up"
  cat "$POSTWERK_HOME/stack.env"
}

main() {
  local cmd=${1:-}
  shift || true
  resolve_home
  case $cmd in
    up) cmd_up "$@" ;;
    down | stop) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    home) echo "$POSTWERK_HOME" ;;
    *)
      echo "usage: $0 up|down|status [service...] | env | home    (services: ${ALL_SERVICES[*]})" >&2
      exit 2
      ;;
  esac
}

main "$@"
