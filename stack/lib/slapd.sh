# shellcheck shell=bash
# slapd: OpenLDAP with suffix dc=postwerk,dc=test, running as the packaged openldap user.
# State in $POSTWERK_HOME/slapd.

slapd_ports() { echo POSTWERK_LDAP_PORT; }
slapd_pidfile() { echo "$POSTWERK_HOME/slapd/run/slapd.pid"; }
slapd_comm() { echo slapd; }
slapd_logs() { echo "$POSTWERK_HOME/slapd/stdout.log" "$POSTWERK_HOME/slapd/slapd.log"; }
slapd_timeout() { echo 15; }
slapd_describe() { echo "ldap://127.0.0.1:$POSTWERK_LDAP_PORT, $POSTWERK_LDAP_BASE_DN"; }

slapd_start() {
  local d=$POSTWERK_HOME/slapd
  SLAPD_DIR=$d
  mkdir_owned "$d" 0755
  mkdir_owned "$d/run" 0755 openldap:openldap
  mkdir_owned "$d/data" 0700 openldap:openldap
  touch "$d/slapd.log"
  chown openldap:openldap "$d/slapd.log"
  # slapd (as openldap) reads the schema from the state dir: a checkout may sit below a folder only root enters
  install -m 0644 "$CONF_DIR/slapd/mail.schema" "$d/mail.schema"
  SLAPD_ROOTPW_HASH=$(slappasswd -s "$POSTWERK_LDAP_BIND_PASSWORD")
  # holds the rootpw hash: root and the openldap group only, from the first byte
  render "$CONF_DIR/slapd/slapd.conf" "$d/slapd.conf" 0640 root:openldap
  slaptest -Q -u -f "$d/slapd.conf" >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log"; die "slapd: bad config $d/slapd.conf"; }
  slapd -u openldap -g openldap -f "$d/slapd.conf" -h "ldap://127.0.0.1:$POSTWERK_LDAP_PORT/" \
    </dev/null >>"$d/stdout.log" 2>&1 ||
    { log_tail "$d/stdout.log" "$d/slapd.log"; die "slapd: did not start"; }
}

slapd_ready() {
  ldapsearch -x -H "ldap://127.0.0.1:$POSTWERK_LDAP_PORT" -b '' -s base namingContexts 2>/dev/null |
    grep -q "^namingContexts: $POSTWERK_LDAP_BASE_DN"
}

# the base entries, on the first start of an empty directory only
slapd_after_up() {
  if ldapsearch -x -H "ldap://127.0.0.1:$POSTWERK_LDAP_PORT" -b "ou=people,$POSTWERK_LDAP_BASE_DN" -s base dn \
    >/dev/null 2>&1; then return 0; fi
  ldapadd -x -H "ldap://127.0.0.1:$POSTWERK_LDAP_PORT" -D "$POSTWERK_LDAP_BIND_DN" -w "$POSTWERK_LDAP_BIND_PASSWORD" \
    -f "$CONF_DIR/slapd/base.ldif" >/dev/null ||
    die "slapd: could not create the base entries"
}
