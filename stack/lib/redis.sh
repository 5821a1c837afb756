# shellcheck shell=bash
# redis: queues (BullMQ) and rspamd's statistics. State in $POSTWERK_HOME/redis.

redis_ports() { echo POSTWERK_REDIS_PORT; }
redis_pidfile() { echo "$POSTWERK_HOME/redis/redis.pid"; }
redis_comm() { echo redis-server; }
redis_logs() { echo "$POSTWERK_HOME/redis/stdout.log" "$POSTWERK_HOME/redis/redis.log"; }
redis_timeout() { echo 10; }
redis_describe() { echo "127.0.0.1:$POSTWERK_REDIS_PORT, persist=$POSTWERK_REDIS_PERSIST"; }

redis_start() {
  local d=$POSTWERK_HOME/redis
  REDIS_DIR=$d
  case $POSTWERK_REDIS_PERSIST in
    yes) REDIS_APPENDONLY=yes ;;
    no) REDIS_APPENDONLY=no ;;
    *) die "redis: POSTWERK_REDIS_PERSIST must be yes or no, not '$POSTWERK_REDIS_PERSIST'" ;;
  esac
  mkdir_owned "$d" 0755
  render "$CONF_DIR/redis/redis.conf" "$d/redis.conf"
  redis-server "$d/redis.conf" </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/redis.log"; die "redis: did not start"; }
}

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$POSTWERK_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
