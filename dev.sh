#!/usr/bin/env bash
# gst-sharedpool developer entry point.
#
#   ./dev.sh demo [--seconds S]   build, then run the capture demo (stock vs
#                                 sharedpool under allocstats, and a plot)
#   ./dev.sh test [--valgrind] [--gst=V]
#                                 build, then run every test suite (also with
#                                 GST_TRACERS=leaks; --valgrind adds memcheck)
#   ./dev.sh bench [--gst=V] [--json FILE]
#                                 build, then run the benchmarks
#   ./dev.sh stress [CYCLES]      build, then run the randomized fault tests
#                                 with CYCLES cycles each (default 5000;
#                                 GST_SHAREDPOOL_FAULT_SEED replays a seed)
#
#   -j N before the command (or NINJA_JOBS=N) limits the build to N jobs;
#   MESON_TESTTHREADS=N limits the tests run at once.
#   --gst=V runs on other GStreamer versions, each in a Debian root made
#   with debootstrap and cached in build/roots (as root): V is 1.26 (Debian
#   13), 1.28 (Debian unstable), host (this machine's), a comma-separated
#   list, or all. Each test run ends with "<version>: N passed, N failed,
#   N skipped"; several versions, with a total.
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
  # shmsink/shmsrc (bench-multiprocess); in the roots, the stock
  # unixfdsink/unixfdsrc of tests/interop
  gstreamer1.0-plugins-bad
  gobject-introspection libgirepository1.0-dev
  python3-gi gir1.2-gstreamer-1.0
  python3-matplotlib time
  valgrind
)
# --gst: the roots of other GStreamer versions
. tools/gst-roots.sh

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

# Prints "LABEL: N passed, N failed, N skipped" from meson's test logs.
summarize() {
  python3 - "$@" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for path in sys.argv[2:]:
    for line in open(path):
        r = json.loads(line)["result"]
        key = r if r in counts else "FAIL"
        counts[key] += 1
print("%s: %d passed, %d failed, %d skipped" % (sys.argv[1], counts["OK"],
      counts["FAIL"], counts["SKIP"]))
PY
}

run_suite() {
  local setup_name=$1 status=0
  shift
  meson test -C "$BUILD" --print-errorlogs ${setup_name:+--setup "$setup_name"} \
    "$@" || status=$?
  summarize "${setup_name:-tests}" \
    "$BUILD/meson-logs/testlog${setup_name:+-$setup_name}.json"
  return $status
}

# The GStreamer 1.28 root that the interop suite (tests/interop) runs the
# stock unixfdsink/unixfdsrc in, made first where it can be: as root with
# debootstrap, and not already inside a root (whose / has make_root's
# stamp). Elsewhere, or when making it fails, the interop test skips and
# says why.
interop_root() {
  [ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null &&
    [ ! -e /.dev-sh-stamp ] || return 0
  if (make_root 1.28); then
    export SHAREDFD_INTEROP_ROOT=$PWD/$ROOTS/${GST_SUITES[1.28]}
  else
    echo "dev.sh: no GStreamer 1.28 root: the interop test will skip" >&2
  fi
}

# Every suite on this machine's GStreamer, then the sum of them as
# "<major.minor>: N passed, N failed, N skipped".
test_here() {
  local valgrind=$1 status=0 version
  shift
  interop_root
  setup
  rm -f "$BUILD"/meson-logs/testlog*.json
  run_suite "" "$@" || status=1
  run_suite leaks "$@" || status=1
  [ "$valgrind" = --valgrind ] && { run_suite valgrind "$@" || status=1; }
  version=$(pkg-config --modversion gstreamer-1.0)
  summarize "${version%.*}" "$BUILD"/meson-logs/testlog*.json
  return $status
}

# The same on each version of --gst, then the total over them all.
test_versions() {
  local versions=$1 valgrind=$2 v list status=0 logs=()
  shift 2
  list=$(gst_versions "$versions")
  for v in $list; do
    if [ "$v" = host ]; then
      test_here "$valgrind" "$@" || status=1
      logs+=("$BUILD"/meson-logs/testlog*.json)
    else
      need_root test --gst="$versions"
      dev_in_root "$v" test $valgrind "$@" || status=1
      logs+=(build/gst-"$v"/meson-logs/testlog*.json)
    fi
  done
  summarize "all versions" "${logs[@]}"
  return $status
}

cmd_test() {
  local valgrind="" versions=""
  while [ $# -gt 0 ]; do
    case $1 in
      --valgrind) valgrind=--valgrind ;;
      --gst=*) versions=${1#--gst=} ;;
      *) break ;;
    esac
    shift
  done
  if [ -z "$versions" ]; then
    test_here "$valgrind" "$@"
  else
    install_deps
    test_versions "$versions" "$valgrind" "$@"
  fi
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
  local versions=host v list
  case "${1:-}" in
    --gst=*) versions=${1#--gst=}; shift ;;
  esac
  install_deps
  list=$(gst_versions "$versions")
  for v in $list; do
    if [ "$v" = host ]; then
      setup
      tests/bench/run-bench.sh "$BUILD" "$@"
    else
      need_root bench --gst="$versions"
      dev_in_root "$v" bench "$@"
    fi
  done
}

cmd_stress() {
  setup
  GST_SHAREDPOOL_FAULT_CYCLES=${1:-5000} meson test -C "$BUILD" \
    --print-errorlogs --timeout-multiplier 0 elements_sharedpoolfaults \
    elements_fanout elements_fanout_shared elements_watermarkqueue
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
    sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
