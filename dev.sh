#!/usr/bin/env bash
# gst-sharedpool developer entry point.
#
#   ./dev.sh demo [--seconds S]   build, then run the capture demo (stock vs
#                                 sharedpool under allocstats, and a plot)
#   ./dev.sh test [--valgrind]    build, then run every test suite (also with
#                                 GST_TRACERS=leaks; --valgrind adds memcheck)
#   ./dev.sh bench [--json FILE]  build, then run the benchmarks
#   ./dev.sh stress [CYCLES]      build, then run the randomized fault tests
#                                 with CYCLES cycles each (default 5000;
#                                 GST_SHAREDPOOL_FAULT_SEED replays a seed)
#
#   -j N before the command (or NINJA_JOBS=N) limits the build to N jobs;
#   MESON_TESTTHREADS=N limits the tests run at once.
#
# Each command first installs the Debian packages it needs (with apt-get when
# run as root, otherwise it prints the command to run) and configures meson
# into ./build (BUILD_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")"

BUILD=${BUILD_DIR:-build}
PACKAGES=(
  gcc pkg-config meson ninja-build python3
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gobject-introspection libgirepository1.0-dev
  python3-gi gir1.2-gstreamer-1.0
  python3-matplotlib time
  valgrind
)

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' \
      || echo "$p"
  done
}

install_deps() {
  command -v dpkg-query >/dev/null || {
    echo "dev.sh: not a Debian system; make sure these are installed:" \
      "${PACKAGES[*]}" >&2
    return 0
  }
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "${missing// }" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y $missing" >&2
    exit 1
  fi
  echo "dev.sh: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

setup() {
  install_deps
  [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dtests=enabled
  ninja -C "$BUILD" ${NINJA_JOBS:+-j "$NINJA_JOBS"}
}

# Prints "N passed, N failed, N skipped" from meson's test log.
summarize() {
  python3 - "$BUILD/meson-logs/testlog${1:+-$1}.json" "$2" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    key = r if r in counts else "FAIL"
    counts[key] += 1
print("%s: %d passed, %d failed, %d skipped" % (sys.argv[2], counts["OK"],
      counts["FAIL"], counts["SKIP"]))
PY
}

run_suite() {
  local setup_name=$1 status=0
  shift
  meson test -C "$BUILD" --print-errorlogs ${setup_name:+--setup "$setup_name"} \
    "$@" || status=$?
  summarize "$setup_name" "${setup_name:-tests}"
  return $status
}

cmd_test() {
  local valgrind=0 status=0
  [ "${1:-}" = "--valgrind" ] && valgrind=1 && shift
  setup
  run_suite "" "$@" || status=1
  run_suite leaks "$@" || status=1
  [ $valgrind = 1 ] && { run_suite valgrind "$@" || status=1; }
  return $status
}

# Debian's python3, which has python3-gi and python3-matplotlib, even when
# another python3 comes first in PATH.
system_python() {
  if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else echo python3; fi
}

cmd_demo() {
  setup
  meson devenv -C "$BUILD" -w "$PWD" "$(system_python)" tools/capture-demo.py \
    "$BUILD" "$@"
}

cmd_bench() {
  setup
  tests/bench/run-bench.sh "$BUILD" "$@"
}

cmd_stress() {
  setup
  GST_SHAREDPOOL_FAULT_CYCLES=${1:-5000} meson test -C "$BUILD" \
    --print-errorlogs --timeout-multiplier 0 elements_sharedpoolfaults \
    elements_fanout elements_watermarkqueue
}

if [ "${1:-}" = "-j" ] && [ $# -ge 2 ]; then
  NINJA_JOBS=$2
  shift 2
fi
case "${NINJA_JOBS:-1}" in
  '' | *[!0-9]* | 0) echo "dev.sh: -j/NINJA_JOBS needs a number >= 1" >&2; exit 2 ;;
esac

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  stress) shift; cmd_stress "$@" ;;
  *)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
