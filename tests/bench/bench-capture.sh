#!/bin/sh
# bench-capture: what the sharedpool element saves a capture pipeline, in
# GstMemory allocations, GstBuffers, heap bytes, frame rate and peak RSS.
#
# usage: bench-capture.sh BUILDDIR   (tests/bench/run-bench.sh runs it with
#                                     the build's plugins on the path)
#
# Cases, each stock (as written) and ours (sharedpool before fakesink):
#   jpeg   videotestsrc num-buffers=2000 ! jpegenc ! fakesink
#   1080p  videotestsrc num-buffers=300 ! video/x-raw,width=1920,height=1080
#          ! fakesink
# Every gst-launch-1.0 run is a child process killed after
# BENCH_CAPTURE_TIMEOUT seconds (default 60; the figure then reads
# "timeout"). Rounds (BENCH_CAPTURE_ROUNDS, default 5) interleave the
# cases and sides, alternating which side goes first; each figure is the
# median over the rounds. A round runs each pipeline four times:
# - full and short (a tenth of the frames) under the LD_PRELOAD malloc
#   counter (BUILDDIR/tests/malloccount): heap bytes; the full run also
#   gives the frame rate (frames over gst-launch's "Execution ended after",
#   from PLAYING to EOS) and the peak RSS (GNU time);
# - full and short under GST_TRACERS=allocstats: GstMemory objects and
#   GstBuffers created.
# "-steady" figures are full minus short: what the frames after the first
# tenth cost, warm-up and process start left out. "heap-big" counts only
# malloc calls of at least 64 KiB (frame-sized blocks).
#
# Prints, for each figure:
#   bench: capture-<case>-<figure> ours=<v> stock=<v> unit=<u> ratio=<o/s>
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
builddir=$1
rounds=${BENCH_CAPTURE_ROUNDS:-5}
limit=${BENCH_CAPTURE_TIMEOUT:-60}
counter=$builddir/tests/malloccount/libmalloccount.so
big=65536

for need in "$counter" /usr/bin/time; do
  [ -e "$need" ] || { echo "$0: $need is missing" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-capture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

frames () {
  case $1 in
    jpeg) echo 2000 ;;
    1080p) echo 300 ;;
  esac
}

# case side frames: the pipeline
pipeline () {
  case $1 in
    jpeg) p="videotestsrc num-buffers=$3 ! jpegenc" ;;
    1080p) p="videotestsrc num-buffers=$3 ! video/x-raw,width=1920,height=1080" ;;
  esac
  [ "$2" = stock ] || p="$p ! sharedpool"
  echo "$p ! fakesink"
}

# case side figure value: adds one sample
record () {
  echo "$4" >>"$tmp/$1.$2.$3"
}

# "key=value" of the malloc counter's file
counted () {
  sed -n "s/^$1=//p" "$tmp/count"
}

# "Execution ended after H:MM:SS.nnnnnnnnn" to seconds
exec_seconds () {
  sed -n 's/^Execution ended after //p' "$tmp/out" |
      awk -F: '{ printf "%.6f", $1 * 3600 + $2 * 60 + $3 }'
}

# Runs gst-launch-1.0 with the pipeline of case side frames and any
# environment given before; returns its status (124/137 on timeout).
launch () {
  local desc
  desc=$(pipeline "$1" "$2" "$3")
  shift 3
  # shellcheck disable=SC2086 # the pipeline is split into words on purpose
  env "$@" timeout -k 5 "$limit" /usr/bin/time -f %M -o "$tmp/rss" \
      gst-launch-1.0 $desc >"$tmp/out" 2>"$tmp/err"
}

failure () {
  case $1 in
    124|137) echo timeout ;;
    *) echo failed ;;
  esac
}

# case side frames: heap bytes (and fps and RSS for the full run) under the
# malloc counter
heap_run () {
  local st=0
  rm -f "$tmp/count"
  launch "$1" "$2" "$3" LD_PRELOAD="$counter" MALLOCCOUNT_FILE="$tmp/count" \
      MALLOCCOUNT_MIN=$big MALLOCCOUNT_PROG=gst-launch-1.0 || st=$?
  if [ $st -ne 0 ] || [ ! -s "$tmp/count" ]; then
    echo "$0: $(pipeline "$1" "$2" "$3") failed ($st):" >&2
    cat "$tmp/err" >&2
    heap=$(failure $st) heap_big=$heap fps=$heap rss=$heap
    return 0
  fi
  heap=$(counted bytes) heap_big=$(counted big_bytes) rss=$(cat "$tmp/rss")
  fps=$(awk -v n="$3" -v t="$(exec_seconds)" \
      'BEGIN { printf "%.1f", (t > 0 ? n / t : 0) }')
}

# case side frames: GstMemory objects and GstBuffers created, from the
# allocstats tracer's final row
count_run () {
  local st=0
  launch "$1" "$2" "$3" \
      GST_TRACERS="allocstats(interval=0,summary=false,file=$tmp/rows.csv)" \
      || st=$?
  if [ $st -ne 0 ]; then
    echo "$0: $(pipeline "$1" "$2" "$3") failed under allocstats ($st)" >&2
    mems=$(failure $st) bufs=$mems
    return 0
  fi
  mems=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
      END { print $col["memories-created"] }' "$tmp/rows.csv")
  bufs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
      END { print $col["buffers-created"] }' "$tmp/rows.csv")
}

# a - b, or the failure word of either
minus () {
  case "$1$2" in
    *[!0-9.]*) case $1 in *[!0-9.]*) echo "$1" ;; *) echo "$2" ;; esac ;;
    *) echo $(($1 - $2)) ;;
  esac
}

# One side of one case in one round.
measure () {
  local c=$1 s=$2 n short heap_short heap_big_short mems_short
  n=$(frames "$1")
  short=$((n / 10))

  heap_run "$c" "$s" "$short"
  heap_short=$heap heap_big_short=$heap_big
  heap_run "$c" "$s" "$n"
  record "$c" "$s" heap-bytes "$heap"
  record "$c" "$s" heap-bytes-steady "$(minus "$heap" "$heap_short")"
  record "$c" "$s" heap-big-bytes-steady \
      "$(minus "$heap_big" "$heap_big_short")"
  record "$c" "$s" fps "$fps"
  record "$c" "$s" peak-rss "$rss"

  count_run "$c" "$s" "$short"
  mems_short=$mems
  count_run "$c" "$s" "$n"
  record "$c" "$s" memory-allocs "$mems"
  record "$c" "$s" memory-allocs-steady "$(minus "$mems" "$mems_short")"
  record "$c" "$s" buffers-created "$bufs"
}

# The median of a figure's samples; a failure word if any sample has one.
median () {
  local bad
  bad=$(grep -v '^-\{0,1\}[0-9.]*$' "$1" | head -n 1 || true)
  if [ -n "$bad" ]; then
    echo "$bad"
    return 0
  fi
  sort -n "$1" | awk '{ v[NR] = $1 }
      END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

report () {
  local c=$1 f=$2 unit=$3 ours stock ratio
  ours=$(median "$tmp/$c.ours.$f")
  stock=$(median "$tmp/$c.stock.$f")
  ratio=$(awk -v o="$ours" -v s="$stock" 'BEGIN {
      if (o !~ /^-?[0-9.]+$/ || s !~ /^-?[0-9.]+$/ || s == 0) print "-"
      else printf "%.4f", o / s }')
  echo "bench: capture-$c-$f ours=$ours stock=$stock unit=$unit ratio=$ratio"
}

round=1
while [ $round -le "$rounds" ]; do
  for c in jpeg 1080p; do
    if [ $((round % 2)) -eq 1 ]; then
      measure $c stock
      measure $c ours
    else
      measure $c ours
      measure $c stock
    fi
  done
  round=$((round + 1))
done

for c in jpeg 1080p; do
  report $c memory-allocs allocs
  report $c memory-allocs-steady allocs
  report $c buffers-created buffers
  report $c heap-bytes bytes
  report $c heap-bytes-steady bytes
  report $c heap-big-bytes-steady bytes
  report $c fps fps
  report $c peak-rss KiB
done
