# shellcheck shell=bash
# clamd: virus scanning with the EICAR-only database shipped in stack/conf/clamav. State in $POSTWERK_HOME/clamav,
# owned by the packaged clamav user, which clamd runs as (it parses untrusted mail: never as root).

clamd_ports() { echo POSTWERK_CLAMD_PORT; }
clamd_pidfile() { echo "$POSTWERK_HOME/clamav/clamd.pid"; }
clamd_comm() { echo clamd; }
clamd_logs() { echo "$POSTWERK_HOME/clamav/stdout.log" "$POSTWERK_HOME/clamav/clamd.log"; }
clamd_timeout() { echo 30; }
clamd_describe() { echo "127.0.0.1:$POSTWERK_CLAMD_PORT"; }

clamd_start() {
  local d=$POSTWERK_HOME/clamav
  CLAMD_DIR=$d
  mkdir_owned "$d" 0755
  mkdir -p "$d/db"
  # a copy, so the database directory belongs to the state dir (clamd may write its temp files beside it)
  cp "$CONF_DIR"/clamav/*.hdb "$CONF_DIR"/clamav/*.ndb "$d/db/"
  render "$CONF_DIR/clamav/clamd.conf" "$d/clamd.conf"
  # clamd writes its pid and log files here (and an earlier run as root may have left them)
  chown -R clamav:clamav "$d"
  as_user clamav clamd -c "$d/clamd.conf" </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/clamd.log"; die "clamd: did not start"; }
}

# zPING answers PONG once the database is loaded
clamd_ready() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "zPING\0" >&3 && IFS= read -r -d "" -t 2 r <&3; [[ $r == PONG ]]' \
    _ "$POSTWERK_CLAMD_PORT" 2>/dev/null
}
