# shellcheck shell=bash
# dovecot: the platform's mail server (IMAP, LMTP, doveadm HTTP API), users from Postwerk's database.
# Sourced by stack.sh; state in $POSTWERK_HOME/dovecot, mail under $POSTWERK_MAIL_ROOT.

dovecot_ports() { echo POSTWERK_IMAP_PORT POSTWERK_LMTP_PORT POSTWERK_DOVEADM_PORT; }
dovecot_pidfile() { echo "$POSTWERK_HOME/dovecot/run/master.pid"; }
dovecot_comm() { echo dovecot; }
dovecot_logs() { echo "$POSTWERK_HOME/dovecot/stdout.log" "$POSTWERK_HOME/dovecot/dovecot.log"; }
dovecot_timeout() { echo 20; }
dovecot_describe() { echo "imap 127.0.0.1:$POSTWERK_IMAP_PORT, lmtp :$POSTWERK_LMTP_PORT, doveadm http :$POSTWERK_DOVEADM_PORT, db $POSTWERK_DB_CLIENT"; }

# sql_connect_from_url URL: Dovecot's pgsql connect string for postgres://user[:pw]@host[:port]/db.
sql_connect_from_url() {
  local re='^postgres(ql)?://(([^:@/]+)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?/([^?]+)'
  [[ $1 =~ $re ]] || die "dovecot: cannot read POSTWERK_DATABASE_URL=$1 (expected postgres://user@host:port/db)"
  local user=${BASH_REMATCH[3]:-postgres} pw=${BASH_REMATCH[5]} host=${BASH_REMATCH[6]}
  local port=${BASH_REMATCH[8]:-5432} db=${BASH_REMATCH[9]}
  printf 'host=%s port=%s dbname=%s user=%s%s' "$host" "$port" "$db" "$user" "${pw:+ password=$pw}"
}

# write_master_users FILE USER PASSWORD: a passwd-file with one master user, password as BLF-CRYPT.
# Rewritten only when the password changed, so Dovecot does not re-read it for nothing.
write_master_users() {
  local file=$1 user=$2 pw=$3 hash
  if [[ -f $file ]] && doveadm -O pw -t "$(cut -d: -f2- "$file")" -p "$pw" >/dev/null 2>&1; then return 0; fi
  hash=$(doveadm -O pw -s BLF-CRYPT -p "$pw")
  # read by the auth process, which runs as the dovecot user; nobody else sees the hash
  printf '%s:%s\n' "$user" "$hash" | write_private "$file" 0640 root:dovecot
}

# sqlite_db_for_dovecot FILE: the application's SQLite database (and its -wal/-shm) 0640, group dovecot.
# Created empty here when missing (SQLite takes an empty file as a new database), because the application
# creates it 0640 without a group and Dovecot's auth process must read it. SQLite gives the -wal and -shm
# files it creates the database file's mode and owner, so they follow.
sqlite_db_for_dovecot() {
  local db=$1 f
  if [[ ! -e $db ]]; then install -m 0640 -o root -g dovecot /dev/null "$db"; fi
  for f in "$db" "$db-wal" "$db-shm"; do
    if [[ -e $f ]]; then
      chgrp dovecot "$f"
      chmod 0640 "$f"
    fi
  done
}

# check_socket_path DIR: Unix socket paths are limited to 108 bytes; Dovecot puts ~30 more under base_dir.
check_socket_path() {
  ((${#1} <= 75)) || die "dovecot: state path too long for Unix sockets ($1); use a shorter POSTWERK_HOME"
}

dovecot_start() {
  local d=$POSTWERK_HOME/dovecot
  DOVECOT_DIR=$d
  check_socket_path "$d/run"
  mkdir_owned "$d" 0755
  mkdir -p "$d/run" "$d/state"
  mkdir_owned "$POSTWERK_MAIL_ROOT" 0750 "$MAIL_UID:$MAIL_UID"

  case $POSTWERK_DB_CLIENT in
    sqlite)
      SQL_DRIVER=sqlite
      SQL_CONNECT=$POSTWERK_DB_FILE
      sqlite_db_for_dovecot "$POSTWERK_DB_FILE"
      ;;
    postgres)
      SQL_DRIVER=pgsql
      SQL_CONNECT=$(sql_connect_from_url "$POSTWERK_DATABASE_URL")
      ;;
    *) die "dovecot: POSTWERK_DB_CLIENT must be sqlite or postgres, not '$POSTWERK_DB_CLIENT'" ;;
  esac

  # the files hold the API key and the database password: readable by root and the dovecot group only,
  # from the first byte
  render "$CONF_DIR/dovecot/dovecot.conf" "$d/dovecot.conf" 0640 root:dovecot
  render "$CONF_DIR/dovecot/sql.conf.ext" "$d/sql.conf.ext" 0640 root:dovecot
  write_master_users "$d/master-users" "$POSTWERK_MASTER_USER" "$POSTWERK_MASTER_PASSWORD"

  # dovecot checks its config, forks and returns: a bad config fails here, at once
  dovecot -c "$d/dovecot.conf" </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/dovecot.log"; die "dovecot: did not start (config above)"; }
}

dovecot_ready() {
  banner "$POSTWERK_IMAP_PORT" '^\* OK' &&
    banner "$POSTWERK_LMTP_PORT" '^220 ' &&
    # the HTTP API answers 401 without a key: enough to know the doveadm service listens
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$POSTWERK_DOVEADM_PORT/doveadm/v1") =~ ^(200|401)$ ]]
}
