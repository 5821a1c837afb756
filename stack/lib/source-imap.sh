# shellcheck shell=bash
# source-imap: a second Dovecot playing the mailbox provider a customer migrates away from.
# Sourced by stack.sh; state in $POSTWERK_HOME/source-imap, mail in $POSTWERK_HOME/source-mail.

source_imap_ports() { echo POSTWERK_SOURCE_IMAP_PORT; }
source_imap_pidfile() { echo "$POSTWERK_HOME/source-imap/run/master.pid"; }
source_imap_comm() { echo dovecot; }
source_imap_logs() { echo "$POSTWERK_HOME/source-imap/stdout.log" "$POSTWERK_HOME/source-imap/dovecot.log"; }
source_imap_timeout() { echo 20; }
source_imap_describe() { echo "imap 127.0.0.1:$POSTWERK_SOURCE_IMAP_PORT, any user, master *$POSTWERK_SOURCE_MASTER_USER"; }

source_imap_start() {
  local d=$POSTWERK_HOME/source-imap
  SOURCE_DIR=$d
  check_socket_path "$d/run"
  mkdir_owned "$d" 0755
  mkdir -p "$d/run" "$d/state"
  mkdir_owned "$POSTWERK_HOME/source-mail" 0750 "$MAIL_UID:$MAIL_UID"

  # holds the shared password: root and the dovecot group only, from the first byte
  render "$CONF_DIR/source-imap/dovecot.conf" "$d/dovecot.conf" 0640 root:dovecot
  write_master_users "$d/master-users" "$POSTWERK_SOURCE_MASTER_USER" "$POSTWERK_SOURCE_MASTER_PASSWORD"

  dovecot -c "$d/dovecot.conf" </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/dovecot.log"; die "source-imap: did not start (config above)"; }
}

source_imap_ready() { banner "$POSTWERK_SOURCE_IMAP_PORT" '^\* OK'; }
