# shellcheck shell=bash
# Helpers shared by stack.sh and the per-service files in this folder (sourced, never run).
#
# Facts these helpers are built around (see shared STACK-NOTES):
#  - daemons keep the stdout/stderr they inherit open: always start them with </dev/null >>LOG 2>&1,
#    or whoever reads our output (a pipe, jest's spawnSync) waits forever;
#  - an exited daemon stays visible to `kill -0` for ~2 s here (slow reaping): read /proc/PID/stat;
#  - the packaged users (dovecot, _rspamd, openldap, postgres) must be able to traverse the state path.

# bash >= 5.2 expands '&' in ${var//pat/rep}; our values (hashes, passwords) must stay literal.
shopt -u patsub_replacement 2>/dev/null || true

STACK_LOG_PREFIX=${STACK_LOG_PREFIX:-stack}

log() { printf '[%s] %s\n' "$STACK_LOG_PREFIX" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$STACK_LOG_PREFIX" "$*" >&2
  exit 1
}

# now / since T0: wall time with two decimals, for the "ready in" lines.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- processes

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the state letter follows the last ')' (the command name may contain spaces)
  [[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

# pid_of PIDFILE COMM: prints the pid recorded in PIDFILE when that process is alive and is the
# program we expect (COMM, as in /proc/PID/comm), so a recycled pid is never mistaken for ours.
pid_of() {
  local file=$1 comm=$2 pid
  [[ -r $file ]] || return 1
  pid=$(head -n1 "$file" 2>/dev/null) # first line (postmaster.pid has more); may lack a newline
  alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm"* ]] || return 1
  printf '%s\n' "$pid"
}

# as_user USER CMD...: run CMD as the packaged USER (from /, which every user may enter), so a daemon
# that needs no root never gets it.
as_user() {
  local user=$1
  shift
  (cd / && runuser -u "$user" -- "$@")
}

# stop_pid NAME PID [SIGNAL]: signal the daemon's main process and wait (bounded) until it is gone.
stop_pid() {
  local name=$1 pid=$2 sig=${3:-TERM} i
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name: still running after 15 s, SIGKILL $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# ---------------------------------------------------------------- ports and readiness

# port_in_use PORT: something listens on PORT on any address (binding 127.0.0.1:PORT would fail).
port_in_use() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

# require_free_ports SERVICE VAR... : fail fast, naming the port, its variable and the service.
require_free_ports() {
  local svc=$1 var
  shift
  for var in "$@"; do
    if port_in_use "${!var}"; then
      die "$svc: port ${!var} ($var) is already in use on this machine; stop whatever listens there" \
        "(ss -ltnp 'sport = :${!var}') or choose another port with $var=..."
    fi
  done
}

# wait_ready SECONDS READY_FN PIDFILE COMM [FAILED_FN]: poll READY_FN every 0.1 s; give up early when
# the daemon we launched has died (its pidfile names a dead process) or FAILED_FN (when defined) says
# its start failed, so a crash does not cost the full timeout.
wait_ready() {
  local secs=$1 ready=$2 pidfile=$3 comm=$4 failed=${5:-} end pid
  end=$((SECONDS + secs))
  while ((SECONDS < end)); do
    "$ready" >/dev/null 2>&1 && return 0
    if [[ -n $failed ]] && declare -F "$failed" >/dev/null && "$failed"; then return 1; fi
    if [[ -s $pidfile ]]; then
      pid=$(head -n1 "$pidfile" 2>/dev/null)
      if [[ -n $pid ]] && ! alive "$pid"; then return 1; fi
    fi
    sleep 0.1
  done
  return 1
}

# Background launches (the slow ones: PostgreSQL, rspamd) so the other services start meanwhile.
# launch_bg MARKER PIDFILE LOG CMD...: run CMD in the background, then wait (<= 10 s) until PIDFILE
# exists; on failure create MARKER (read by the service's *_failed check, which ends the wait at once).
# stack.sh waits for every launcher before it exits, even when it dies: so after any `up`, every
# daemon that was launched has its pidfile, and `down` finds it.
LAUNCHERS=()
launch_bg() {
  local marker=$1 pidfile=$2 logfile=$3
  shift 3
  rm -f "$marker"
  (
    "$@" && wait_for_file "$pidfile" 10 || { touch "$marker"; exit 1; }
  ) </dev/null >>"$logfile" 2>&1 &
  LAUNCHERS+=("$!")
}

wait_launchers() {
  local pid
  for pid in "${LAUNCHERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  LAUNCHERS=()
}

# wait_for_file FILE SECONDS
wait_for_file() {
  local end=$((SECONDS + $2))
  until [[ -s $1 ]]; do
    ((SECONDS < end)) || { echo "no $1 after $2 s"; return 1; }
    sleep 0.05
  done
}

# banner PORT REGEX: the first line a TCP server sends on 127.0.0.1:PORT matches REGEX.
banner() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r -t 2 line <&3 && printf "%s\n" "$line"' \
    _ "$1" 2>/dev/null | grep -qE "$2"
}

# log_tail FILE...: the end of a daemon's logs, for failure messages.
log_tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
}

# ---------------------------------------------------------------- files

# render TEMPLATE OUT [MODE [OWNER]]: copy TEMPLATE to OUT with every @NAME@ (upper case, digits, _)
# replaced by the value of the shell variable NAME. An unset variable is an error, so a typo cannot leave
# a hole. With MODE (and OWNER), OUT is written through write_private: a config holding a secret is never
# readable by others, not even for a moment.
render() {
  local tpl=$1 out=$2 mode=${3:-} owner=${4:-} text name value
  text=$(<"$tpl")
  for name in $(grep -oE '@[A-Z][A-Z0-9_]*@' "$tpl" | sort -u | tr -d @); do
    [[ -v $name ]] || die "render $tpl: variable $name is not set"
    value=${!name}
    text=${text//"@$name@"/"$value"}
  done
  if [[ -n $mode ]]; then
    printf '%s\n' "$text" | write_private "$out" "$mode" "$owner"
  else
    printf '%s\n' "$text" >"$out"
  fi
}

# write_private FILE MODE [OWNER] < CONTENT: FILE gets CONTENT with MODE (and OWNER, user:group) from its
# first byte on. The content goes into a new file FILE.tmp that is created empty under umask 077 and
# given its owner and mode before anything is written to it, then renamed over FILE. So neither a new file
# nor an older FILE with looser bits (truncating keeps a file's mode) ever holds the secret readable.
write_private() {
  local file=$1 mode=$2 owner=${3:-} tmp=$1.tmp
  rm -f "$tmp"
  (umask 077 && : >"$tmp") || die "cannot create $tmp"
  if [[ -n $owner ]]; then chown "$owner" "$tmp"; fi
  chmod "$mode" "$tmp"
  cat >"$tmp"
  mv -f "$tmp" "$file"
}

# mkdir_owned DIR MODE [OWNER]: create DIR (and parents) and set its mode and owner.
mkdir_owned() {
  mkdir -p "$1"
  chmod "$2" "$1"
  if [[ -n ${3:-} ]]; then chown "$3" "$1"; fi
}

# random_secret: 32 hex characters.
# others_can_enter DIR: true when an unprivileged user could reach DIR (every parent searchable).
# The servers drop to packaged users (dovecot, _rspamd, postgres, openldap, mail uid 5000), so their
# state must not sit below a 0700 folder such as a home directory (Debian 12) or a `mktemp -d`.
others_can_enter() {
  local dir
  dir=$(realpath -m "$1")
  while [[ ! -e $dir ]]; do dir=$(dirname "$dir"); done
  runuser -u nobody -- test -x "$dir" 2>/dev/null
}

# shared_state_dir NAME: a folder for NAME outside the repository, reachable by the packaged users;
# one per repository path, so two checkouts do not share state.
shared_state_dir() {
  local tag
  tag=$(printf '%s' "$REPO_DIR" | sha256sum | cut -c1-10)
  echo "/var/lib/postwerk/$1-$tag"
}

random_secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
