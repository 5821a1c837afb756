# shellcheck shell=bash
# postgres: PostgreSQL 15 for the PostgreSQL run of the tests (and POSTWERK_DB_CLIENT=postgres).
# The server refuses to run as root: it runs as the packaged postgres user on a folder that user owns,
# trust auth on 127.0.0.1 and a socket in the state dir. State in $POSTWERK_HOME/postgres.
# There is no config template: the few settings are command-line options (see postgres_options).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

postgres_ports() { echo POSTWERK_PG_PORT; }
postgres_pidfile() { echo "$POSTWERK_HOME/postgres/data/postmaster.pid"; }
postgres_comm() { echo postgres; }
postgres_logs() { echo "$POSTWERK_HOME/postgres/pg_ctl.log" "$POSTWERK_HOME/postgres/postgres.log"; }
postgres_timeout() { echo 30; }
postgres_describe() { echo "postgres://postgres@127.0.0.1:$POSTWERK_PG_PORT/postwerk"; }
# SIGINT is PostgreSQL's "fast" shutdown: ends sessions, no waiting for clients
postgres_stop_signal() { echo INT; }

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

postgres_options() {
  local o="-p $POSTWERK_PG_PORT -k $POSTWERK_HOME/postgres/run -c listen_addresses=127.0.0.1"
  # tests only (stack/test.sh): nothing here needs to survive a crash of the machine
  if [[ $POSTWERK_PG_FSYNC == off ]]; then o+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  echo "$o"
}

postgres_start() {
  local d=$POSTWERK_HOME/postgres
  mkdir_owned "$d" 0755
  mkdir_owned "$d/run" 0755 postgres:postgres
  touch "$d/postgres.log" "$d/pg_ctl.log"
  chown postgres:postgres "$d/postgres.log"
  if [[ ! -s $d/data/PG_VERSION ]]; then
    rm -rf "$d/data"
    mkdir_owned "$d/data" 0700 postgres:postgres
    as_postgres "$PG_BIN/initdb" -D "$d/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      $([[ $POSTWERK_PG_FSYNC == off ]] && echo --no-sync) </dev/null >>"$d/pg_ctl.log" 2>&1 ||
      { log_tail "$d/pg_ctl.log"; die "postgres: initdb failed"; }
  fi
  # -W: do not wait here; stack.sh waits for readiness itself (and shows the log when it fails)
  as_postgres "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -o "$(postgres_options)" -W start \
    </dev/null >>"$d/pg_ctl.log" 2>&1 ||
    { log_tail "$d/pg_ctl.log" "$d/postgres.log"; die "postgres: pg_ctl start failed"; }
}

postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTWERK_PG_PORT" -U postgres; }

# the application's database; its tables come from the application's migrations
postgres_after_up() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$POSTWERK_PG_PORT" -U postgres -d postgres -qtAX)
  if [[ $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'postwerk'") != 1 ]]; then
    "${psql[@]}" -c 'CREATE DATABASE postwerk' >/dev/null
  fi
}
