#!/usr/bin/env bash
# mailservers.sh -- start/stop REAL loopback-only mail servers for probe tests.
#
#   mailservers.sh start  DIR   install (if missing) + configure + start daemons
#   mailservers.sh stop   DIR   stop exactly the daemons started for DIR
#   mailservers.sh status DIR   show what is running / listening for DIR
#   mailservers.sh env    DIR   print the env file (ports, user, CA path)
#   mailservers.sh install-tools  apt-install client tools used for checks:
#                                 swaks (+ libnet-ssleay-perl for TLS), msmtp, nc
#   mailservers.sh watch  DIR PID stop DIR's daemons once process PID is gone
#   mailservers.sh install        apt-install the servers only (what start needs)
#
# mailport's copy (tests/probe_real.rs starts it once per test process):
# * a stale instance from an earlier run (another DIR) is stopped by `start`:
#   every started DIR is listed in $MAILSERVERS_REGISTRY;
# * MAILSERVERS_STOP_WITH_PID=PID makes `start` leave a detached watcher that
#   stops DIR's daemons when PID (the test process) exits;
# * MAILSERVERS_PORT_BASE=N moves all ports (default 20000: 20025 ... 20995);
# * apt-get waits for the dpkg lock instead of failing.
#
# Everything (certs, configs, spool, logs, pid files) lives in DIR.
# All listeners are bound to 127.0.0.1 only, on high ports:
#
#   Postfix 3.7 (smtpd)                      Dovecot 2.3
#   20025  SMTP, STARTTLS offered            20143  IMAP, STARTTLS offered
#   20587  submission, STARTTLS required     20993  IMAPS (implicit TLS)
#   20465  submissions (implicit TLS)        20110  POP3, STARTTLS offered
#   20026  SMTP plaintext only (no STARTTLS) 20995  POP3S (implicit TLS)
#
# Test account (Dovecot passwd-file, also Postfix SASL via Dovecot on
# 20587/20465 after TLS): user "testuser", password "testpass".
#
# Safety: Postfix never delivers or relays anything: every recipient is
# rejected at RCPT ("Relay access denied"), and all transports are "error";
# the smtp/lmtp/local/virtual/pipe delivery agents are not even in master.cf.
#
# Optional: MAILSERVERS_SMTP=aiosmtpd uses a Python aiosmtpd server (in a venv
# in DIR/venv, pip-installed) instead of Postfix for the four SMTP ports.
# Optional: MAILSERVERS_NO_INSTALL=1 skips the package check/installation.
set -euo pipefail

PROG=${0##*/}
BASE=${MAILSERVERS_PORT_BASE:-20000}
[[ $BASE =~ ^[0-9]+$ ]] && ((BASE >= 1024 && BASE <= 64000)) || { echo "MAILSERVERS_PORT_BASE must be 1024..64000" >&2; exit 2; }
SMTP_PORT=$((BASE + 25)) SUBM_PORT=$((BASE + 587)) SMTPS_PORT=$((BASE + 465)) PLAIN_PORT=$((BASE + 26))
IMAP_PORT=$((BASE + 143)) IMAPS_PORT=$((BASE + 993)) POP3_PORT=$((BASE + 110)) POP3S_PORT=$((BASE + 995))
REGISTRY=${MAILSERVERS_REGISTRY:-/tmp/mailport-mailservers.dirs}
ALL_PORTS="$SMTP_PORT $SUBM_PORT $SMTPS_PORT $PLAIN_PORT $IMAP_PORT $IMAPS_PORT $POP3_PORT $POP3S_PORT"
TEST_USER=testuser TEST_PASS=testpass
# iproute2: `ss` checks the ports (not in minimal Debian images)
PACKAGES="postfix dovecot-core dovecot-imapd dovecot-pop3d openssl ca-certificates iproute2"
SMTP_IMPL=${MAILSERVERS_SMTP:-postfix}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# ---------------------------------------------------------------- install --
ensure_packages() { # [package list]
  [[ ${MAILSERVERS_NO_INSTALL:-0} == 1 ]] && return 0
  local missing="" p
  for p in ${1:-$PACKAGES}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=" $p"
  done
  [[ -z $missing ]] && return 0
  [[ $(id -u) == 0 ]] || die "packages missing ($missing) and not root"
  log "installing:$missing"
  local t0; t0=$(now)
  # No debconf questions; postfix gets "No configuration" (no /etc/postfix/main.cf).
  printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
                "postfix postfix/mailname string localhost" | debconf-set-selections
  # Never let the package postinst scripts start system-wide daemons (Dovecot's
  # default config would listen on 0.0.0.0:143/993/110/995).
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  local rc=0
  # Another apt run (a parallel CI step) holds the dpkg lock: wait for it rather than fail.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends $missing >&2 || {
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 &&
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends $missing >&2; } || rc=$?
  [[ $made_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d
  [[ $rc == 0 ]] || die "apt-get install failed ($rc)"
  log "install took $(elapsed "$t0") s"
}

# ------------------------------------------------------------------ certs --
make_certs() {
  local d=$DIR/tls
  [[ -s $d/server.crt && -s $d/server.key && -s $d/ca.crt ]] && return 0
  mkdir -p "$d"; chmod 755 "$d"
  local t0; t0=$(now)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -keyout "$d/ca.key" -out "$d/ca.crt" -subj "/CN=mailservers.sh test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
    -subj "/CN=localhost" 2>/dev/null
  cat > "$d/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  cat "$d/server.crt" "$d/ca.crt" > "$d/fullchain.crt"
  chmod 600 "$d/ca.key" "$d/server.key"
  log "certificates generated in $(elapsed "$t0") s ($d/ca.crt)"
}

# ---------------------------------------------------------------- dovecot --
DOVECOT_CONF() { echo "$DIR/dovecot/dovecot.conf"; }
write_dovecot_conf() {
  local d=$DIR/dovecot
  mkdir -p "$d/home" "$DIR/run"
  chmod 755 "$d" "$DIR/run"
  chown 65534:65534 "$d/home"
  printf '%s:{PLAIN}%s::::::\n' "$TEST_USER" "$TEST_PASS" > "$d/users"
  chown root:dovecot "$d/users"; chmod 640 "$d/users"
  cat > "$(DOVECOT_CONF)" <<EOF
# generated by mailservers.sh -- standalone config, does not read /etc/dovecot
instance_name = mailservers-$(echo "$DIR" | md5sum | cut -c1-8)
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
shutdown_clients = yes
ssl = yes
ssl_cert = <$DIR/tls/fullchain.crt
ssl_key = <$DIR/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
login_greeting = Dovecot (mailservers.sh test) ready.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$d/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}
service auth {
  # SASL socket for Postfix (smtpd_sasl_type = dovecot)
  unix_listener $DIR/run/dovecot-auth {
    mode = 0666
  }
}
EOF
}
dovecot_pid() {
  local f=$DIR/dovecot/run/master.pid p
  [[ -s $f ]] || return 1
  p=$(<"$f"); kill -0 "$p" 2>/dev/null || return 1
  [[ $(readlink "/proc/$p/exe" 2>/dev/null) == */dovecot* ]] || return 1
  echo "$p"
}
start_dovecot() {
  if dovecot_pid >/dev/null; then log "dovecot already running (pid $(dovecot_pid))"; return 0; fi
  # stdio -> file: the dovecot master keeps fd 2 open forever, which would make
  # a caller that captures our output through a pipe hang.
  /usr/sbin/dovecot -c "$(DOVECOT_CONF)" </dev/null >>"$DIR/dovecot/stderr.log" 2>&1 ||
    { cat "$DIR/dovecot/stderr.log" >&2; die "dovecot failed to start, see $DIR/dovecot/dovecot.log"; }
}
stop_dovecot() {
  local p
  p=$(dovecot_pid) || { log "dovecot not running for $DIR"; return 0; }
  /usr/sbin/dovecot -c "$(DOVECOT_CONF)" stop 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  wait_gone "$p" dovecot
}

# ---------------------------------------------------------------- postfix --
write_postfix_conf() {
  # config dir must not contain the spool: postfix-script check-warn walks
  # config_directory recursively and warns about every postfix-owned file.
  local p=$DIR/postfix c=$DIR/postfix/etc
  mkdir -p "$c" "$p/spool" "$p/data"
  chmod 755 "$p" "$c"
  chown root:root "$p/spool"; chmod 755 "$p/spool"
  chown postfix:postfix "$p/data"; chmod 700 "$p/data"
  cat > "$p/main.cf.new" <<EOF
# generated by mailservers.sh -- standalone instance, does not use /etc/postfix/main.cf
compatibility_level = 3.6
queue_directory = $p/spool
data_directory = $p/data
meta_directory = /etc/postfix
maillog_file = $p/maillog
maillog_file_prefixes = $p
myhostname = localhost
mydomain = localdomain
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP Postfix (mailservers.sh test)
biff = no
smtpd_peername_lookup = no
# ---- never deliver, never relay
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.1/32
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:local delivery disabled (test server)
virtual_transport = error:virtual delivery disabled (test server)
relay_transport = error:relaying disabled (test server)
default_transport = error:outbound delivery disabled (test server)
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination
notify_classes =
# ---- TLS (STARTTLS offered by default; per-port overrides in master.cf)
smtpd_tls_chain_files = $DIR/tls/server.key, $DIR/tls/fullchain.crt
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
smtpd_tls_session_cache_database =
# ---- SASL via Dovecot (only enabled on 20587/20465, only after TLS)
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DIR/run/dovecot-auth
smtpd_sasl_auth_enable = no
smtpd_tls_auth_only = yes
EOF
  cat > "$p/master.cf.new" <<EOF
# generated by mailservers.sh -- every listener is 127.0.0.1, chroot off.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SUBM_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd
  -o syslog_name=postfix/plaintext
  -o smtpd_tls_security_level=none
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  # only replace when changed: a fresh main.cf mtime makes "postfix start"
  # ~1.5 s slower (postfix-script re-checks the whole instance)
  replace_if_changed "$p/main.cf.new" "$c/main.cf"
  replace_if_changed "$p/master.cf.new" "$c/master.cf"
}
postfix_pid() {
  local f=$DIR/postfix/spool/pid/master.pid p
  [[ -s $f ]] || return 1
  p=$(tr -d ' \n' <"$f"); kill -0 "$p" 2>/dev/null || return 1
  [[ $(readlink "/proc/$p/exe" 2>/dev/null) == /usr/lib/postfix/sbin/master ]] || return 1
  echo "$p"
}
start_postfix() {
  if postfix_pid >/dev/null; then log "postfix already running (pid $(postfix_pid))"; return 0; fi
  /usr/sbin/postfix -c "$DIR/postfix/etc" start </dev/null >>"$DIR/postfix/start.log" 2>&1 ||
    { cat "$DIR/postfix/start.log" >&2; die "postfix failed to start"; }
}
stop_postfix() {
  local p
  p=$(postfix_pid) || { log "postfix not running for $DIR"; return 0; }
  /usr/sbin/postfix -c "$DIR/postfix/etc" stop >>"$DIR/postfix/start.log" 2>&1 || kill -TERM "$p" 2>/dev/null || true
  wait_gone "$p" postfix
}

# --------------------------------------------------------------- aiosmtpd --
write_aiosmtpd() {
  mkdir -p "$DIR/aiosmtpd"
  if [[ ! -x $DIR/venv/bin/python ]] || ! "$DIR/venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    local t0; t0=$(now)
    python3 -m venv "$DIR/venv" >&2
    "$DIR/venv/bin/pip" install -q aiosmtpd >&2
    log "aiosmtpd venv installed in $(elapsed "$t0") s"
  fi
  cat > "$DIR/aiosmtpd/server.py" <<'EOF'
# aiosmtpd fallback: 4 SMTP listeners mirroring the Postfix layout.
import asyncio, os, signal, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

d, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
ports = dict(zip(("smtp", "subm", "smtps", "plain"), map(int, sys.argv[4:8])))

def tls_ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.minimum_version = ssl.TLSVersion.TLSv1_2
    c.load_cert_chain(f"{d}/tls/fullchain.crt", f"{d}/tls/server.key")
    return c

class Reject:                      # never accepts mail
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "554 5.7.1 <%s>: Relay access denied" % address

def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == pw.encode()
    return AuthResult(success=ok)

common = dict(hostname="127.0.0.1", server_hostname="localhost", ident="ESMTP aiosmtpd (mailservers.sh test)")
ctrls = [
    Controller(Reject(), port=ports["smtp"], tls_context=tls_ctx(), require_starttls=False,
               authenticator=auth, auth_require_tls=True, **common),
    Controller(Reject(), port=ports["subm"], tls_context=tls_ctx(), require_starttls=True,
               authenticator=auth, auth_require_tls=True, **common),
    Controller(Reject(), port=ports["smtps"], ssl_context=tls_ctx(),
               authenticator=auth, auth_require_tls=False, **common),
    Controller(Reject(), port=ports["plain"], **common),
]
for c in ctrls:
    c.start()
with open(f"{d}/aiosmtpd/aiosmtpd.pid", "w") as f:
    f.write(str(os.getpid()))
signal.sigwait({signal.SIGTERM, signal.SIGINT})
for c in ctrls:
    c.stop()
EOF
}
aiosmtpd_pid() {
  local f=$DIR/aiosmtpd/aiosmtpd.pid p
  [[ -s $f ]] || return 1
  p=$(<"$f"); kill -0 "$p" 2>/dev/null || return 1
  grep -q "aiosmtpd/server.py" "/proc/$p/cmdline" 2>/dev/null || return 1
  echo "$p"
}
start_aiosmtpd() {
  if aiosmtpd_pid >/dev/null; then log "aiosmtpd already running (pid $(aiosmtpd_pid))"; return 0; fi
  rm -f "$DIR/aiosmtpd/aiosmtpd.pid"
  # signals blocked so sigwait() gets them; setsid detaches it from our session
  setsid "$DIR/venv/bin/python" -c '
import signal, runpy, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
    "$DIR/aiosmtpd/server.py" "$DIR" "$TEST_USER" "$TEST_PASS" \
    "$SMTP_PORT" "$SUBM_PORT" "$SMTPS_PORT" "$PLAIN_PORT" \
    </dev/null >>"$DIR/aiosmtpd/aiosmtpd.log" 2>&1 &
}
stop_aiosmtpd() {
  local p
  p=$(aiosmtpd_pid) || return 0
  kill -TERM "$p" 2>/dev/null || true; wait_gone "$p" aiosmtpd
}

# ---------------------------------------------------------------- helpers --
replace_if_changed() { # new dest
  if cmp -s "$1" "$2"; then rm -f "$1"; else mv -f "$1" "$2"; fi
}
wait_gone() { # pid name
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  log "$2 (pid $1) still alive after 10 s, sending SIGKILL"; kill -KILL "$1" 2>/dev/null || true
}
listening() { # port -> 0 if something listens on 127.0.0.1:port
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}
check_ports_free() {
  local p busy="" i
  # a watcher may be stopping the previous run's daemons right now: give it 10 s
  for ((i = 0; i < 100; i++)); do
    busy=""
    for p in $ALL_PORTS; do listening "$p" && busy+=" $p"; done
    [[ -z $busy ]] && return 0
    sleep 0.1
  done
  [[ -z $busy ]] || { ss -ltnp | grep -E ":($(echo $busy | tr ' ' '|'))\b" >&2 || true; die "ports already in use:$busy"; }
}
wait_ports() {
  local p i
  for p in $ALL_PORTS; do
    for ((i = 0; i < 300; i++)); do listening "$p" && break; sleep 0.05; done
    listening "$p" || die "port $p not listening after 15 s"
  done
}
write_env() {
  cat > "$DIR/env" <<EOF
MAILSERVERS_DIR=$DIR
MAILSERVERS_SMTP_IMPL=$SMTP_IMPL
MAILSERVERS_HOST=127.0.0.1
MAILSERVERS_SMTP_STARTTLS_PORT=$SMTP_PORT
MAILSERVERS_SUBMISSION_STARTTLS_REQUIRED_PORT=$SUBM_PORT
MAILSERVERS_SUBMISSIONS_IMPLICIT_TLS_PORT=$SMTPS_PORT
MAILSERVERS_SMTP_PLAINTEXT_ONLY_PORT=$PLAIN_PORT
MAILSERVERS_IMAP_STARTTLS_PORT=$IMAP_PORT
MAILSERVERS_IMAPS_PORT=$IMAPS_PORT
MAILSERVERS_POP3_STARTTLS_PORT=$POP3_PORT
MAILSERVERS_POP3S_PORT=$POP3S_PORT
MAILSERVERS_USER=$TEST_USER
MAILSERVERS_PASSWORD=$TEST_PASS
MAILSERVERS_CA_CERT=$DIR/tls/ca.crt
MAILSERVERS_SERVER_CERT=$DIR/tls/server.crt
EOF
}

# ------------------------------------------------------- stale instances --
register_dir() {
  touch "$REGISTRY"
  grep -qxF "$DIR" "$REGISTRY" 2>/dev/null || echo "$DIR" >> "$REGISTRY"
}
unregister_dir() {
  [[ -f $REGISTRY ]] || return 0
  grep -vxF "$DIR" "$REGISTRY" > "$REGISTRY.tmp.$$" || true
  mv -f "$REGISTRY.tmp.$$" "$REGISTRY"
}
stop_stale() { # stop daemons of other DIRs an earlier (crashed or killed) run left behind
  [[ -f $REGISTRY ]] || return 0
  local other
  while IFS= read -r other; do
    [[ -n $other && $other != "$DIR" && -d $other ]] || continue
    log "stopping a stale instance in $other"
    bash "$0" stop "$other" || true
  done < <(cat "$REGISTRY")
}
start_watcher() { # PID: stop DIR when PID exits; detached, holds none of the caller's fds
  setsid bash "$0" watch "$DIR" "$1" </dev/null >>"$DIR/watch.log" 2>&1 &
}

# ------------------------------------------------------------------- main --
cmd=${1:-}
if [[ $cmd == install ]]; then
  ensure_packages; exit 0
fi
if [[ $cmd == install-tools ]]; then
  ensure_packages "swaks libnet-ssleay-perl msmtp netcat-openbsd openssl ca-certificates"; exit 0
fi
[[ -n $cmd && -n ${2:-} ]] || usage
mkdir -p "$2"; DIR=$(cd "$2" && pwd -P)
[[ $DIR != / ]] || die "refusing DIR=/"

case $cmd in
start)
  [[ $(id -u) == 0 ]] || die "must run as root (postfix/dovecot masters need it)"
  ensure_packages
  t0=$(now)
  chmod 755 "$DIR"   # dovecot/postfix children (nobody, postfix) must traverse it
  make_certs
  running=0
  if [[ $SMTP_IMPL == postfix ]]; then postfix_pid >/dev/null && running=$((running + 1)); else aiosmtpd_pid >/dev/null && running=$((running + 1)); fi
  dovecot_pid >/dev/null && running=$((running + 1))
  if ((running == 0)); then stop_stale; check_ports_free; fi
  register_dir
  write_dovecot_conf
  start_dovecot
  if [[ $SMTP_IMPL == postfix ]]; then
    write_postfix_conf; start_postfix
  elif [[ $SMTP_IMPL == aiosmtpd ]]; then
    write_aiosmtpd; start_aiosmtpd
  else die "MAILSERVERS_SMTP must be postfix or aiosmtpd"; fi
  wait_ports
  write_env
  if [[ -n ${MAILSERVERS_STOP_WITH_PID:-} ]]; then start_watcher "$MAILSERVERS_STOP_WITH_PID"; fi
  log "started ($SMTP_IMPL + dovecot) in $(elapsed "$t0") s; env: $DIR/env; CA: $DIR/tls/ca.crt"
  ;;
stop)
  t0=$(now)
  # stop in parallel (Dovecot's master needs ~2.7 s to reap its children)
  stop_postfix & p1=$!; stop_aiosmtpd & p2=$!
  stop_dovecot; wait "$p1" "$p2"
  unregister_dir
  log "stopped in $(elapsed "$t0") s"
  ;;
watch)
  pid=${3:-}
  [[ $pid =~ ^[0-9]+$ ]] || die "watch needs a PID"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
  bash "$0" stop "$DIR"
  ;;
status)
  rc=0
  if p=$(postfix_pid); then echo "postfix: running (master pid $p)"; else echo "postfix: stopped"; fi
  if p=$(aiosmtpd_pid); then echo "aiosmtpd: running (pid $p)"; fi
  if p=$(dovecot_pid); then echo "dovecot: running (master pid $p)"; else echo "dovecot: stopped"; rc=3; fi
  ss -ltnp | awk -v ports=" $ALL_PORTS " 'NR>1 { n=split($4,a,":"); if (index(ports, " " a[n] " ")) print "  listen " $4 " " $6 }'
  exit $rc
  ;;
env) cat "$DIR/env" ;;
*) usage ;;
esac
