# Shared shell functions: a private install tree and throwaway clusters.
# Sourced by scripts/test.sh, scripts/demo.sh and the bench/stress scripts.
#
# Why a private install tree: PostgreSQL finds its share and lib directories
# relative to its own executable.  A copy of the server binaries under
# .build/stage, with the system files linked in and our freshly built files
# installed beside them (make install DESTDIR=...), lets tests run this work
# tree's build without touching /usr and without disturbing another checkout
# or a system-wide install that may be running at the same time.

PGV=${PGV:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PGV/bin/pg_config}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STAGE=$TOP/.build/stage
SYS_BIN=$($PG_CONFIG --bindir)
SYS_SHARE=$($PG_CONFIG --sharedir)
SYS_PKGLIB=$($PG_CONFIG --pkglibdir)
STAGE_BIN=$STAGE$SYS_BIN
export PGUSER=postgres
export PGPORT=${PGPORT:-5499}

die() { echo "error: $*" >&2; exit 1; }

# The server refuses to run as root: as root, run it as Debian's postgres user.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

link_dir_contents() {   # link_dir_contents SRC DST: symlink SRC/* into DST, keeping DST's own files
  local src=$1 dst=$2 f
  mkdir -p "$dst"
  for f in "$src"/*; do
    case $(basename "$f") in pg_receivables*) continue ;; esac
    [[ -e $dst/$(basename "$f") || -L $dst/$(basename "$f") ]] || ln -s "$f" "$dst/"
  done
}

# Build with -Werror and install into the private tree.
stage_install() {
  make -C "$TOP" -s PG_CONFIG="$PG_CONFIG" all >/dev/null
  rm -rf "$STAGE"
  mkdir -p "$STAGE$(dirname "$SYS_BIN")"
  cp -a "$SYS_BIN" "$STAGE_BIN"
  make -C "$TOP" -s PG_CONFIG="$PG_CONFIG" install DESTDIR="$STAGE" >/dev/null
  link_dir_contents "$SYS_SHARE/extension" "$STAGE$SYS_SHARE/extension"
  link_dir_contents "$SYS_SHARE" "$STAGE$SYS_SHARE"
  link_dir_contents "$SYS_PKGLIB" "$STAGE$SYS_PKGLIB"
  # The staged tree is read by the server user.
  chmod -R a+rX "$STAGE"
}

# cluster_start DIR [extra postgresql.conf lines...]: initdb + start, socket-only.
cluster_start() {
  local dir=$1; shift
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  export PGHOST=$dir
  as_server_user "$STAGE_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; die "initdb failed"; }
  {
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "port = $PGPORT"
    echo "shared_preload_libraries = 'pg_cron'"
    echo "cron.database_name = 'ar_test'"
    echo "cron.use_background_workers = on"
    echo "max_worker_processes = 16"
    echo "max_connections = 60"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    echo "timezone = 'Asia/Tokyo'"
    echo "lc_messages = 'C'"
    local line
    for line in "$@"; do echo "$line"; done
  } | as_server_user tee -a "$dir/data/postgresql.conf" >/dev/null
  as_server_user "$STAGE_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log"; die "server did not start"; }
}

cluster_stop() {
  local dir=$1
  [[ -f $dir/data/postmaster.pid ]] || return 0
  as_server_user "$STAGE_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
    || as_server_user "$STAGE_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# Leftover check: no server may survive a run.
cluster_gone() {
  local dir=$1
  ! pgrep -f -- "-D $dir/data" >/dev/null
}
