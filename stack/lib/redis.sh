# shellcheck shell=bash
# redis: queues (BullMQ) and rspamd's statistics. State in $POSTWERK_HOME/redis (owned by the packaged
# redis user, which the server runs as; 0750: the queued jobs are nobody else's business). Clients
# authenticate with POSTWERK_REDIS_PASSWORD (requirepass; in POSTWERK_REDIS_URL for the application).

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
  mkdir_owned "$d" 0750 redis:redis
  # what an earlier run as root left (redis.log, the append-only files) must be the redis user's now
  chown -R redis:redis "$d"
  # holds the password: readable by root and the redis group only, from the first byte
  render "$CONF_DIR/redis/redis.conf" "$d/redis.conf" 0640 root:redis
  as_user redis redis-server "$d/redis.conf" </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/redis.log"; die "redis: did not start"; }
}

# (the password through the environment, never argv, which ps shows)
redis_ready() {
  [[ $(REDISCLI_AUTH=${POSTWERK_REDIS_PASSWORD:-} redis-cli --no-auth-warning -h 127.0.0.1 -p "$POSTWERK_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}
