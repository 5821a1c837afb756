# shellcheck shell=bash
# postgres: PostgreSQL 15 for the PostgreSQL run of the tests (and POSTWERK_DB_CLIENT=postgres).
# The server refuses to run as root: it runs as the packaged postgres user on a folder that user owns,
# on 127.0.0.1 with password (SCRAM-SHA-256) authentication and a socket in the state dir (peer: the
# postgres OS user only). State in $POSTWERK_HOME/postgres. The only config file is conf/postgres/pg_hba.conf;
# the few other settings are command-line options (see postgres_options).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

postgres_ports() { echo POSTWERK_PG_PORT; }
postgres_pidfile() { echo "$POSTWERK_HOME/postgres/data/postmaster.pid"; }
postgres_comm() { echo postgres; }
postgres_logs() { echo "$POSTWERK_HOME/postgres/pg_ctl.log" "$POSTWERK_HOME/postgres/postgres.log"; }
postgres_timeout() { echo 30; }
postgres_describe() { echo "postgres://postgres@127.0.0.1:$POSTWERK_PG_PORT/postwerk (scram-sha-256)"; }
# SIGINT is PostgreSQL's "fast" shutdown: ends sessions, no waiting for clients
postgres_stop_signal() { echo INT; }

as_postgres() { as_user postgres "$@"; }

postgres_options() {
  local o="-p $POSTWERK_PG_PORT -k $POSTWERK_HOME/postgres/run -c listen_addresses=127.0.0.1"
  o+=" -c password_encryption=scram-sha-256"
  # tests only (stack/test.sh): nothing here needs to survive a crash of the machine
  if [[ $POSTWERK_PG_FSYNC == off ]]; then o+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  echo "$o"
}

# initdb takes 1-3 s, most of a cold `up`: it runs once into the cache, and each new state dir gets a copy
# (a data folder that was never started is the same for every state dir).
postgres_template_dir() { echo "$POSTWERK_CACHE/postgres-15-template"; }

postgres_template() {
  local tpl tmp
  tpl=$(postgres_template_dir)
  [[ -s $tpl/PG_VERSION ]] && return 0
  mkdir -p "$POSTWERK_CACHE" || return 1
  tmp=$(mktemp -d "$tpl.XXXXXX") || return 1 # built beside it, renamed: nobody sees half a template
  chown postgres:postgres "$tmp" && chmod 0700 "$tmp" || return 1
  # (each state dir's copy gets conf/postgres/pg_hba.conf before it starts; no trust in the template either)
  as_postgres "$PG_BIN/initdb" -D "$tmp" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
    </dev/null || { rm -rf "$tmp"; return 1; }
  sync -f "$tmp/PG_VERSION" # --no-sync skipped it; the template must be complete on disk before use
  mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp" # another run was faster: use its template
}

# postgres_start: copying the data folder (~1 s on these disks) and pg_ctl run in the background
# (launch_bg), so the other services start meanwhile.
postgres_start() {
  local d=$POSTWERK_HOME/postgres
  mkdir_owned "$d" 0755
  mkdir_owned "$d/run" 0755 postgres:postgres
  touch "$d/postgres.log" "$d/pg_ctl.log"
  chown postgres:postgres "$d/postgres.log"
  launch_bg "$d/start.failed" "$d/data/postmaster.pid" "$d/pg_ctl.log" postgres_create_and_start "$d"
}

postgres_create_and_start() {
  local d=$1
  # (each step checked: set -e does not apply on the left of the caller's ||)
  if [[ ! -s $d/data/PG_VERSION ]]; then
    rm -rf "$d/data" "$d/data.tmp"
    postgres_template || return 1
    cp -a "$(postgres_template_dir)" "$d/data.tmp" || return 1
    mv "$d/data.tmp" "$d/data" || return 1
  fi
  # before every start: a data folder copied from an older template (trust) must not start with it
  write_private "$d/data/pg_hba.conf" 0600 postgres:postgres <"$CONF_DIR/postgres/pg_hba.conf" || return 1
  # -W: do not wait here; stack.sh waits for readiness itself (and shows the log when it fails)
  as_postgres "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -o "$(postgres_options)" -W start
}

postgres_failed() { [[ -e $POSTWERK_HOME/postgres/start.failed ]]; }

postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTWERK_PG_PORT" -U postgres; }

# the postgres role's password (TCP clients need it) and the application's database (its tables come
# from the application's migrations), over the Unix socket as the postgres OS user. The password goes on
# stdin, never argv (which ps shows); the server stores only its SCRAM verifier.
postgres_after_up() {
  local psql=(as_postgres "$PG_BIN/psql" -h "$POSTWERK_HOME/postgres/run" -p "$POSTWERK_PG_PORT" -U postgres -d postgres
    -qtAX -v ON_ERROR_STOP=1)
  printf "ALTER ROLE postgres PASSWORD '%s';\n" "$POSTWERK_PG_PASSWORD" | "${psql[@]}" >/dev/null ||
    die "postgres: could not set the postgres role's password"
  if [[ $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'postwerk'") != 1 ]]; then
    "${psql[@]}" -c 'CREATE DATABASE postwerk' >/dev/null
  fi
}
