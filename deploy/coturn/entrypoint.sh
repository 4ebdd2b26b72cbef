#!/bin/sh
# Starts coturn with deploy/coturn/turnserver.conf plus what only the environment knows:
#   PUBLIC_HOST              realm (the name clients reach coturn at)       required
#   TURN_SECRET or           the app's TURN_SECRET (use-auth-secret)        one required
#   TURN_SECRET_FILE         a file holding it (a Docker secret)
#   PUBLIC_IP                external-ip, when coturn sits behind 1:1 NAT   optional
# The secret goes into a private copy of the config (mode 600), never onto the command line
# (where `ps` shows it). Arguments are passed on to turnserver (they override the file).
set -eu
conf=${TURN_CONFIG:-/etc/coturn/turnserver.conf}
out=${TURN_RENDERED_CONFIG:-/tmp/turnserver-rendered.conf}

secret=${TURN_SECRET:-}
if [ -z "$secret" ] && [ -n "${TURN_SECRET_FILE:-}" ]; then
  secret=$(cat "$TURN_SECRET_FILE")
fi
if [ -z "$secret" ]; then
  echo "coturn: set TURN_SECRET or TURN_SECRET_FILE (the app's TURN_SECRET)" >&2
  exit 78
fi
case "$secret" in
  *[!A-Za-z0-9._~+/=-]*) echo "coturn: TURN_SECRET may only hold letters, digits and . _ ~ + / = -" >&2; exit 78 ;;
esac
if [ -z "${PUBLIC_HOST:-}" ]; then
  echo "coturn: set PUBLIC_HOST (the realm)" >&2
  exit 78
fi

umask 077
{
  cat "$conf"
  echo
  echo "# --- from the environment (entrypoint.sh) ---"
  echo "realm=$PUBLIC_HOST"
  echo "static-auth-secret=$secret"
  if [ -n "${PUBLIC_IP:-}" ]; then echo "external-ip=$PUBLIC_IP"; fi
} > "$out"
exec "${TURNSERVER_BIN:-turnserver}" -c "$out" "$@"
