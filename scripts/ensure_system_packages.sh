#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when they are missing.
# Usage: ensure_system_packages.sh postgis [PG_MAJOR] | chromium | npm
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Droits administrateur nécessaires pour installer : $*" >&2; exit 1; fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || true
  as_root apt-get install -y -qq --no-install-recommends "$@"
}

case "${1:-}" in
  postgis)
    major="${2:-15}"
    if [ ! -x "/usr/lib/postgresql/${major}/bin/initdb" ]; then
      echo "Installation de PostgreSQL ${major}…" >&2
      apt_install "postgresql-${major}"
    fi
    if [ ! -f "/usr/share/postgresql/${major}/extension/postgis.control" ]; then
      echo "Installation de PostGIS pour PostgreSQL ${major}…" >&2
      apt_install "postgresql-${major}-postgis-3"
    fi
    ;;
  chromium)
    if ! command -v chromium >/dev/null 2>&1; then
      echo "Installation de Chromium (tests de bout en bout)…" >&2
      apt_install chromium chromium-driver
    fi
    ;;
  npm)
    if ! command -v npm >/dev/null 2>&1; then
      echo "Installation de npm (bibliothèques de cartes)…" >&2
      apt_install npm
    fi
    ;;
  *) echo "usage: $0 postgis [PG_MAJOR] | chromium | npm" >&2; exit 2 ;;
esac
