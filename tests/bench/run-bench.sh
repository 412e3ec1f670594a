#!/bin/sh
# Runs the gst-sharedpool benchmarks of a meson build directory and prints
# one line per figure:
#   bench: <figure> ours=<value> stock=<value> unit=<unit> ratio=<ours/stock>
#
# usage: run-bench.sh BUILDDIR [--json FILE] [--only NAME] [--profile]
#                     [--no-callgrind] [-- POOLBENCH-OPTIONS...]
#
# It runs, in this order:
# - BUILDDIR/tests/bench/poolbench (the pool against the stock pool), then
#   the callgrind figures described below;
# - every other benchmark: each executable BUILDDIR/tests/bench/bench-* and
#   each script tests/bench/bench-*.sh (called with BUILDDIR as its only
#   argument), in name order, under `meson devenv` (the build's plugins
#   on GStreamer's path). Each prints its own "bench:" lines.
# --only NAME runs just the benchmark of that name (poolbench, or bench-x
# for bench-x / bench-x.sh).
#
# The pool timing figures come from BUILDDIR/tests/bench/poolbench. When valgrind
# is installed, instructions per operation are counted with callgrind (only
# the timed loop is instrumented) for the fixed 4 KiB case (stock: the stock
# GstBufferPool) and the variable size case (stock:
# gst_buffer_new_allocate). --profile also prints the functions our pool
# spends its instructions in (callgrind_annotate). --json FILE writes all
# figures as a JSON array of {figure, ours, stock, unit, ratio}, with null
# for a value printed as "-" and the word itself for one like "timeout".

set -eu

usage () {
  echo "usage: $0 BUILDDIR [--json FILE] [--only NAME] [--profile]" \
      "[--no-callgrind] [-- POOLBENCH-OPTIONS...]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
builddir=$1
shift
json=
only=
profile=
callgrind=yes
while [ $# -gt 0 ]; do
  case $1 in
    --json) [ $# -ge 2 ] || usage; json=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
    --profile) profile=yes; shift ;;
    --no-callgrind) callgrind=; shift ;;
    --) shift; break ;;
    *) usage ;;
  esac
done

bench=$builddir/tests/bench/poolbench
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/poolbench.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT INT TERM

# Prints the instructions per operation of one poolbench --callgrind case,
# or nothing when callgrind counted nothing (poolbench built without
# valgrind/callgrind.h).
instructions_per_op () {
  out=$tmpdir/callgrind.$1.out
  log=$tmpdir/callgrind.$1.log
  valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no \
      --callgrind-out-file="$out" "$bench" --callgrind "$1" >"$log" 2>&1 || {
    echo "$0: callgrind run of $1 failed:" >&2
    cat "$log" >&2
    return 0
  }
  ops=$(sed -n 's/^callgrind: case=.* ops=\([0-9]*\)$/\1/p' "$log")
  # callgrind writes "summary:" at the top (0 when collection started off)
  # and "totals:" at the end
  total=$(awk '/^summary:/ { s = $2 } /^totals:/ { t = $2 }
      END { print (t != "" ? t : s) }' "$out")
  if [ -n "$ops" ] && [ -n "$total" ] && [ "$total" -gt 0 ]; then
    awk -v t="$total" -v n="$ops" 'BEGIN { printf "%.1f", t / n }'
  fi
}

# figure, ours case, stock case: prints the bench line.
callgrind_figure () {
  ours=$(instructions_per_op "$2")
  stock=$(instructions_per_op "$3")
  if [ -z "$ours" ] || [ -z "$stock" ]; then
    echo "$0: no callgrind counts for $1 (valgrind/callgrind.h missing?)" >&2
    return 0
  fi
  ratio=$(awk -v o="$ours" -v s="$stock" 'BEGIN { printf "%.3f", o / s }')
  echo "bench: $1 ours=$ours stock=$stock unit=instr ratio=$ratio"
}

# Top functions by own instructions (Ir) of one case.
print_profile () {
  out=$tmpdir/callgrind.$1.out
  [ -s "$out" ] || return 0
  echo "# callgrind profile of $1 (Ir over the timed loop, top functions):"
  callgrind_annotate --inclusive=no "$out" 2>/dev/null |
      sed -n '/^Ir/,$p' | sed -n '1,25p' | sed 's/^/#   /'
}

# The pool benchmark needs no plugin: skip plugin scanning, and keep the
# user's registry out of it.
run_poolbench () {
  if [ ! -x "$bench" ]; then
    echo "$0: $bench not built (is the 'benchmarks' option disabled?)" >&2
    exit 1
  fi
  GST_REGISTRY_1_0=$tmpdir/registry.bin GST_PLUGIN_SYSTEM_PATH_1_0= \
      GST_PLUGIN_PATH_1_0= "$bench" "$@"
  if [ -n "$callgrind" ] && command -v valgrind >/dev/null 2>&1; then
    callgrind_figure instructions-per-op-fixed-4k ours-fixed-4k stock-fixed-4k
    callgrind_figure instructions-per-op-sized-var ours-sized-var \
        alloc-sized-var
    callgrind_figure instructions-per-op-base-class-floor floor-sized-var \
        alloc-sized-var
    if [ -n "$profile" ]; then
      print_profile ours-fixed-4k
      print_profile ours-sized-var
    fi
  fi
}

# The element and tracer benchmarks load the build's plugins, from a
# registry of their own that is built first: a measured process that
# found no registry would scan every plugin, and gst-plugin-scanner, its
# child, would count in its peak RSS (about 88 MiB here, all plugins
# loaded) and CPU.
run_others () {
  srcdir=$(dirname "$0")
  GST_REGISTRY_1_0=$tmpdir/registry-plugins.bin \
      meson devenv -C "$builddir" -w "$PWD" gst-inspect-1.0 >/dev/null
  for b in "$builddir"/tests/bench/bench-* "$srcdir"/bench-*.sh; do
    [ -f "$b" ] && [ -x "$b" ] || continue
    name=$(basename "$b" .sh)
    [ -z "$only" ] || [ "$only" = "$name" ] || continue
    GST_REGISTRY_1_0=$tmpdir/registry-plugins.bin \
        meson devenv -C "$builddir" -w "$PWD" "$b" "$builddir"
  done
}

# "bench: F ours=O stock=S unit=U ratio=R" lines to a JSON array.
bench_json () {
  awk 'function val(v) {
         if (v == "-") return "null"
         if (v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) return v
         return "\"" v "\""
       }
       /^bench: / {
         f = $2; sub(/^ours=/, "", $3); sub(/^stock=/, "", $4)
         sub(/^unit=/, "", $5); sub(/^ratio=/, "", $6)
         printf "%s  {\"figure\": \"%s\", \"ours\": %s, \"stock\": %s, " \
             "\"unit\": \"%s\", \"ratio\": %s}", (n++ ? ",\n" : "[\n"), f,
             val($3), val($4), $5, val($6)
       }
       END { print (n ? "\n]" : "[]") }'
}

{
  if [ -z "$only" ] || [ "$only" = poolbench ]; then
    run_poolbench "$@"
  fi
  run_others
} | tee "$tmpdir/lines"

if [ -n "$json" ]; then
  bench_json <"$tmpdir/lines" >"$json"
fi
