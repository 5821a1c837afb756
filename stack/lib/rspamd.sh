# shellcheck shell=bash
# rspamd: spam scoring, offline. The packaged /etc/rspamd config plus our LOCAL_CONFDIR rendered into
# $POSTWERK_HOME/rspamd/etc. Its compiled caches (hyperscan) live in $POSTWERK_CACHE/rspamd-db, kept
# between state dirs: the very first start compiles them (~8 s, ~700 MB), later starts take ~0.5 s.

rspamd_ports() { echo POSTWERK_RSPAMD_PORT POSTWERK_RSPAMD_CONTROLLER_PORT; }
rspamd_pidfile() { echo "$POSTWERK_HOME/rspamd/run/rspamd.pid"; }
rspamd_comm() { echo rspamd; }
rspamd_logs() { echo "$POSTWERK_HOME/rspamd/log/stdout.log" "$POSTWERK_HOME/rspamd/log/rspamd.log"; }
rspamd_timeout() { echo 120; }
rspamd_describe() { echo "http://127.0.0.1:$POSTWERK_RSPAMD_PORT, controller :$POSTWERK_RSPAMD_CONTROLLER_PORT"; }

rspamd_start() {
  local d=$POSTWERK_HOME/rspamd e dbdir=$POSTWERK_CACHE/rspamd-db f name
  e=$d/etc
  mkdir_owned "$d" 0755
  rm -rf "$e"
  mkdir -p "$e/local.d" "$e/override.d" "$d/run" "$d/log" "$dbdir"
  for f in "$CONF_DIR"/rspamd/override.d/*; do render "$f" "$e/override.d/${f##*/}"; done
  while read -r name; do
    [[ -z $name || $name == \#* ]] && continue
    echo 'enabled = false;' >"$e/override.d/$name.conf"
  done <"$CONF_DIR/rspamd/disabled-modules"
  # use our redis when it runs or is being started with us; without it those modules stay idle
  if service_coming redis; then
    render "$CONF_DIR/rspamd/local.d/redis.conf" "$e/local.d/redis.conf" 0640 root:_rspamd
  fi
  # rspamd refuses to run as root: it drops to _rspamd, which must own what it writes and reach the cache
  chown _rspamd:_rspamd "$d/run" "$d/log" "$dbdir"
  rspamd_check_cache_path "$dbdir"
  # rspamd loads its whole config and Lua before it forks (1-2 s): launched in the background so the
  # other services start meanwhile
  launch_bg "$d/start.failed" "$d/run/rspamd.pid" "$d/log/stdout.log" \
    rspamd -c /etc/rspamd/rspamd.conf -u _rspamd -g _rspamd \
    --var=LOCAL_CONFDIR="$e" --var=DBDIR="$dbdir" --var=RUNDIR="$d/run" --var=LOGDIR="$d/log"
}

rspamd_failed() { [[ -e $POSTWERK_HOME/rspamd/start.failed ]]; }

# rspamd_check_cache_path DIR: _rspamd must be able to enter every parent of DIR (a mktemp -d parent is 0700).
rspamd_check_cache_path() {
  runuser -u _rspamd -- test -w "$1" ||
    die "rspamd: user _rspamd cannot write $1 (a parent folder is not searchable?): set POSTWERK_CACHE elsewhere or chmod o+x its parents"
}

rspamd_ready() { [[ $(curl -s --max-time 2 "http://127.0.0.1:$POSTWERK_RSPAMD_PORT/ping") == pong* ]]; }
