#!/usr/bin/env bash
# Check that a Debian/Ubuntu machine has the system packages a target needs; install what is missing with apt-get
# when running as root, otherwise print the exact command and stop. Other systems are left alone (with a note).
#   scripts/system-deps.sh run|test
set -euo pipefail

target=${1:?usage: system-deps.sh run|test}

# Libraries the PySide6 wheels load (Qt's offscreen platform and the widgets).
qt=(libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 "libglib2.0-0|libglib2.0-0t64")
# Qt's X11 (xcb) and Wayland platforms, for a real window on a desktop.
x11=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
     libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libwayland-cursor0 libwayland-egl1)
python=(python3-venv)
# What the tests call: pdftotext, pdftoppm, pdfinfo to read back and rasterise the printed PDFs.
tools=(poppler-utils)
# Optional for the tests: the PostgreSQL server (initdb, pg_ctl). tests/postgres.py starts a throw-away cluster of
# its own on 127.0.0.1 (never the system one the package may start on 5432); without it those tests are skipped
# with the reason, so a failure to install it here is reported but does not stop the set-up.
optional_test=(postgresql)

optional=()
case "$target" in
  run) wanted=("${python[@]}" "${qt[@]}" "${x11[@]}") ;;
  test) wanted=("${python[@]}" "${qt[@]}" "${tools[@]}"); optional=("${optional_test[@]}") ;;
  *) echo "usage: system-deps.sh run|test" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; make sure Qt 6's runtime libraries are installed." >&2
  exit 0
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for entry in "${wanted[@]}"; do
  IFS='|' read -r -a alternatives <<<"$entry"
  found=0
  for name in "${alternatives[@]}"; do
    if installed "$name"; then found=1; break; fi
  done
  if [ "$found" = 0 ]; then
    # Pick the alternative this release knows (e.g. libglib2.0-0t64 on Debian 13 / Ubuntu 24.04).
    pick=${alternatives[0]}
    for name in "${alternatives[@]}"; do
      if apt-cache show "$name" >/dev/null 2>&1; then pick=$name; break; fi
    done
    missing+=("$pick")
  fi
done

# The system Python's venv module needs python3.X-venv on Debian when python3 is the system one.
if [[ " ${missing[*]-} " == *" python3-venv "* ]]; then
  py=$(command -v python3 || true)
  if [ -n "$py" ] && [[ "$(readlink -f "$py")" != /usr/bin/* ]]; then
    # Not Debian's Python (pyenv, conda, ...): it brings its own venv.
    missing=("${missing[@]/python3-venv}")
  fi
fi
clean=()
for name in "${missing[@]-}"; do [ -n "$name" ] && clean+=("$name"); done

# PostgreSQL counts as present when its server tools are there, however it was installed.
has_postgres_server() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
  done
  return 1
}
optional_missing=()
for name in "${optional[@]-}"; do
  case "$name" in
    "") ;;
    postgresql) has_postgres_server || optional_missing+=("$name") ;;
    *) installed "$name" || optional_missing+=("$name") ;;
  esac
done

updated=0
if [ "${#clean[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "system-deps: installing ${clean[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    updated=1
    apt-get install -y -qq --no-install-recommends "${clean[@]}"
  else
    echo "system-deps: this machine lacks: ${clean[*]}" >&2
    echo "Install them as root (sudo, or su -c), then run make again:" >&2
    echo "  sudo apt-get install -y ${clean[*]}" >&2
    exit 1
  fi
fi

# Optional packages: tried one by one; one that cannot be installed leaves its tests skipped (with the reason),
# never the whole set-up failed.
for name in "${optional_missing[@]-}"; do
  [ -n "$name" ] || continue
  if [ "$(id -u)" = 0 ]; then
    echo "system-deps: installing $name (optional)"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$updated" = 0 ]; then
      apt-get update -qq || echo "system-deps: apt-get update failed; trying $name with the lists at hand" >&2
      updated=1
    fi
    if ! apt-get install -y -qq --no-install-recommends "$name"; then
      echo "system-deps: could not install $name; the tests that need it will be skipped (pytest -ra says why)." >&2
    fi
  else
    echo "system-deps: optional $name is not installed; the tests that need it will be skipped." >&2
    echo "  To run them: sudo apt-get install -y $name" >&2
  fi
done
exit 0
