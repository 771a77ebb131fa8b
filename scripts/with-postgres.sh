#!/usr/bin/env bash
# with-postgres.sh: runs CMD... against a fresh, private PostgreSQL 15 server, then stops and removes it.
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# The cluster is initialised (initdb) in a temporary folder by an unprivileged user (the current
# user, or `nobody` when run as root, which PostgreSQL refuses), started with pg_ctl on a free
# port of 127.0.0.1 with its Unix socket in that folder, and removed when CMD ends, whatever its
# outcome. CMD sees:
#   PGHOST (the socket folder), PGPORT, PGUSER=segship (a superuser, trusted on the socket),
#   PGDATABASE=segship (UTF-8, locale C.UTF-8), SEGSHIP_TEST_PG_URI (the same as a URI), and
#   SEGSHIP_TEST_PG_DIR (the folder, for scratch files the server may read).
# Other roles need a password (scram-sha-256), on the socket and on 127.0.0.1 alike.
# The exit status is CMD's; 2 when the server could not be started (the reason on stderr).
set -u
if [[ $# -eq 0 ]]; then
  echo "usage: scripts/with-postgres.sh CMD [ARGS...]" >&2
  exit 2
fi

pgbin=${PG_BIN:-}
if [[ -z $pgbin ]]; then
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { pgbin=$d; break; }
  done
fi
if [[ -z $pgbin ]] && command -v initdb >/dev/null 2>&1; then pgbin=$(dirname "$(command -v initdb)"); fi
if [[ -z $pgbin || ! -x $pgbin/initdb ]]; then
  echo "with-postgres.sh: PostgreSQL's initdb was not found; install postgresql-15 (scripts/install-deps.sh does)" >&2
  exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/segship-pg.XXXXXX") || exit 2
chmod 755 "$dir"
as=()
if [[ $(id -u) -eq 0 ]]; then
  chown nobody: "$dir" || { echo "with-postgres.sh: cannot give $dir to user nobody" >&2; rm -rf "$dir"; exit 2; }
  as=(runuser -u nobody --)
fi

started=
cleanup() {
  if [[ -n $started ]]; then
    "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! (cd "$dir" && "${as[@]}" "$pgbin/initdb" -D "$dir/data" -U segship --auth-local=trust --auth-host=scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1); then
  echo "with-postgres.sh: initdb failed:" >&2
  tail -n 20 "$dir/initdb.log" >&2
  exit 2
fi
# The superuser is trusted on the socket; every other role gives its password.
cat >"$dir/data/pg_hba.conf" <<'EOF'
local all segship trust
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
EOF

for attempt in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + RANDOM % 40000))
  if (cd "$dir" && "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1); then
    started=1
    break
  fi
  # A port in use: try another. Anything else: give up with the server's words.
  if ! grep -qi "address already in use\|could not create any TCP/IP sockets\|could not bind" "$dir/server.log" 2>/dev/null; then
    echo "with-postgres.sh: the server did not start:" >&2
    tail -n 20 "$dir/server.log" >&2
    exit 2
  fi
  : >"$dir/server.log"
done
if [[ -z $started ]]; then
  echo "with-postgres.sh: no free port found for the server after 10 tries" >&2
  exit 2
fi

export PGHOST=$dir PGPORT=$port PGUSER=segship PGDATABASE=segship
unset PGPASSWORD PGPASSFILE PGSERVICE PGSSLMODE PGOPTIONS
if ! "$pgbin/createdb" -h "$dir" -p "$port" -U segship segship >"$dir/createdb.log" 2>&1; then
  echo "with-postgres.sh: createdb failed:" >&2
  cat "$dir/createdb.log" >&2
  exit 2
fi
export SEGSHIP_TEST_PG_URI="postgresql://segship@/segship?host=$dir&port=$port"
export SEGSHIP_TEST_PG_DIR=$dir
export PATH="$pgbin:$PATH"

"$@"
exit $?
