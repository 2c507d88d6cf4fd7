#!/bin/sh
# setup-debian.sh: install what emgdiag needs to build, test and demo on
# Debian bookworm.  Run as root from the source tree.  Idempotent.
#
# - enables deb-src for bookworm main (Kannel's orig tarball comes from it),
# - installs the compilers, libraries, real SMPP peers and decoders, and
#   Prometheus (its server scrapes the boxes in the tests; promtool checks
#   the scrapes and the shipped rules), SQLite (the database sink's built-in
#   back-end, and the sqlite3 shell), and the PostgreSQL 15 and MariaDB
#   servers and client libraries that the database tests start for themselves,
# - installs node-smpp (pinned in tests/peers/package-lock.json).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
    echo "setup-debian.sh: run as root (it installs Debian packages)" >&2
    exit 1
fi

# deb-src for bookworm main, unless some source list already has it.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src .*bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    cat >/etc/apt/sources.list.d/emgdiag-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# Node.js and npm: Debian's, unless the machine already has a working pair
# (a nodesource nodejs conflicts with Debian's npm package).
node_pkgs="nodejs npm"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    node_pkgs=""
fi

apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends \
    ca-certificates build-essential pkg-config patch file xz-utils \
    libxml2-dev libxml2-utils libpcap-dev check libmicrohttpd-dev zlib1g-dev \
    clang-14 libclang-rt-14-dev valgrind \
    perl libnet-smpp-perl python3 $node_pkgs \
    tshark iproute2 iptables procps util-linux prometheus curl logrotate \
    libsqlite3-dev sqlite3 libpq-dev postgresql-15 libmariadb-dev mariadb-server mariadb-client \
    >/tmp/emgdiag-apt.log 2>&1 || { tail -30 /tmp/emgdiag-apt.log >&2; exit 1; }

# node-smpp, exactly as locked.
if [ ! -d "$top/tests/peers/node_modules/smpp" ]; then
    (cd "$top/tests/peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup-debian.sh: done"
