#!/bin/sh
# bench-multiprocess: one live 1080p I420 30 fps producer process and 3
# consumer processes, 10 s (300 frames), ours (sharedfdsink/sharedfdsrc,
# frames as memfd file descriptors) against stock shmsink/shmsrc (frames
# in one shared area: written there directly by a producer that uses
# shmsink's allocator, as videotestsrc does, copied in otherwise, as in
# the relay case below).
#
# usage: bench-multiprocess.sh BUILDDIR   (run-bench.sh runs it with the
#                                          build's plugins on the path)
# BENCH_MP_VERBOSE=1 also prints, on stderr, the peak RSS of each process
# of each run (producer, then the 3 consumers).
#
# Each process is BUILDDIR/tests/bench/mpstamp (a gst-launch-1.0 that
# stamps each frame with the monotonic clock at the producer's sink and
# reads the stamp at each consumer's sink) under GNU time and the
# allocstats tracer. The consumers' fakesink keeps no last sample: stock
# shmsink waits at EOS until every frame is released, and would wait
# forever for the one a last sample holds. Rounds (BENCH_MP_ROUNDS,
# default 5) alternate the sides; each figure is the median over rounds:
#   multiprocess-cpu-per-frame    user+system CPU of all 4 processes over
#                                 the frames produced (ms)
#   multiprocess-transport-cpu-per-frame
#                                 the same, less the CPU of the producer's
#                                 source alone (videotestsrc into fakesink,
#                                 run in each round): what moving the
#                                 frames to the consumers costs (ms). Both
#                                 sides are zero-copy here (videotestsrc
#                                 writes into shmsink's shared area or our
#                                 memfd pool), and drawing a 1080p frame
#                                 dominates the total.
#   multiprocess-peak-rss         peak RSS of the 4 processes, summed (MiB)
#   multiprocess-steady-memories  GstMemory objects created by the 4
#                                 processes from 3 s after start to the
#                                 last row before EOS (allocstats rows)
#   multiprocess-latency-p50/p99  producer's sink -> consumer's sink (ms):
#                                 the median over the consumers and rounds
#                                 of each consumer's p50 / p99. Both sinks
#                                 have sync=false, so this is the transport
#                                 alone, not the live source's one-frame
#                                 latency the producer's sink would wait.
# Then the same producer feeds a relay process that publishes its frames
# to the 3 consumers (source ! sink, as a process that forwards a camera
# to another group of consumers would): the relay's frames are not from
# stock shmsink's shared area, so it copies each one in, while
# sharedfdsink sends the received file descriptors on.
#   multiprocess-relay-cpu-per-frame
#                                 CPU of the relay process over the frames
#                                 produced (ms)
#   multiprocess-relay-latency-p50
#                                 producer's sink -> consumer's sink
#                                 through the relay (ms), as above
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
stamp=$1/tests/bench/mpstamp
rounds=${BENCH_MP_ROUNDS:-5}
frames=300
caps=video/x-raw,format=I420,width=1920,height=1080,framerate=30/1
sink="fakesink name=sink sync=false enable-last-sample=false"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# run NAME MODE PIPELINE...: one process, its usage in $tmp/NAME.time,
# its allocstats rows in $tmp/NAME.csv, what it prints in $tmp/NAME.out.
run () {
  name=$1
  shift
  GST_TRACERS="allocstats(interval=500,summary=false,file=$tmp/$name.csv)" \
      /usr/bin/time -f '%U %S %M' -o "$tmp/$name.time" timeout 60 \
      "$stamp" "$@" >"$tmp/$name.out" 2>/dev/null || true
}

wait_socket () {
  i=0
  while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# GstMemory objects a process created from 3 s on, up to its last row
# before the final one.
steady_memories () {
  awk -F, 'NR > 1 && $14 == 0 { if (base == "" && $1 >= 3) base = $4;
      last = $4 } END { print (base == "" ? 0 : last - base) }' "$1"
}

# The elements of side $1 ("ours" or "stock") that publish at socket $2
# and that read from it.
publish () {
  if [ "$1" = ours ]; then
    echo "sharedfdsink name=sink sync=false socket-path=$2"
  else
    echo "shmsink name=sink sync=false socket-path=$2 shm-size=100000000" \
        "wait-for-connection=true"
  fi
}
subscribe () {
  if [ "$1" = ours ]; then
    echo "sharedfdsrc socket-path=$2"
  else
    echo "shmsrc socket-path=$2 is-live=true ! $caps"
  fi
}

# Side $1's producer, at socket $2, in the background.
produce () {
  # shellcheck disable=SC2046
  run p write videotestsrc is-live=true num-buffers=$frames ! "$caps" ! \
      $(publish "$1" "$2") &
  wait_socket "$2"
}

# Side $1's 3 consumers of socket $2, in the background.
consume () {
  for c in 1 2 3; do
    # shellcheck disable=SC2046
    run c$c read $(subscribe "$1" "$2") ! $sink &
  done
}

# Appends the consumers' latencies (ms) to $tmp/$1.p50 and $tmp/$1.p99.
latencies () {
  for c in 1 2 3; do
    awk '/^latency:/ { print $4 / 1000 }' "$tmp/c$c.out" >>"$tmp/$1.p99"
    awk '/^latency:/ { print $3 / 1000 }' "$tmp/c$c.out" >>"$tmp/$1.p50"
  done
}

# CPU (ms per frame) of the process of usage file $1.
cpu_per_frame () {
  grep -v '^Command' "$1" |
      awk -v n=$frames '{ printf "%.3f\n", ($1 + $2) * 1000 / n }'
}

# One run of side $1 ("ours" or "stock"); prints "cpu_ms_per_frame
# rss_mib steady_memories" and appends the consumers' latencies (ms) to
# $tmp/$1.p50 and $tmp/$1.p99.
run_side () {
  sock=$tmp/$1.sock
  rm -f "$sock" "$tmp"/p.* "$tmp"/c?.*
  produce "$1" "$sock"
  consume "$1" "$sock"
  wait
  latencies "$1"
  if [ -n "${BENCH_MP_VERBOSE:-}" ]; then
    echo "peak-rss $1 MiB: $(cat "$tmp"/p.time "$tmp"/c?.time |
        grep -v '^Command' | awk '{ printf "%.1f ", $3 / 1024 }')" >&2
  fi
  mem=0
  for f in "$tmp"/p.csv "$tmp"/c?.csv; do
    mem=$((mem + $(steady_memories "$f")))
  done
  cat "$tmp"/p.time "$tmp"/c?.time | grep -v '^Command' |
      awk -v n=$frames -v m=$mem '{ cpu += $1 + $2; rss += $3 }
      END { printf "%.3f %.1f %d\n", cpu * 1000 / n, rss / 1024, m }'
}

# CPU (ms per frame) of the producer's source alone.
source_cpu () {
  run s write videotestsrc is-live=true num-buffers=$frames ! "$caps" ! \
      fakesink name=sink sync=false
  cpu_per_frame "$tmp/s.time"
}

# One run of side $1 through a relay; prints the relay's CPU per frame
# (ms) and appends the consumers' latencies to $tmp/relay-$1.p50/p99.
run_relay () {
  rm -f "$tmp/$1.sock" "$tmp/$1.relay" "$tmp"/p.* "$tmp"/r.* "$tmp"/c?.*
  produce "$1" "$tmp/$1.sock"
  # shellcheck disable=SC2046
  run r read $(subscribe "$1" "$tmp/$1.sock") ! \
      $(publish "$1" "$tmp/$1.relay") &
  wait_socket "$tmp/$1.relay"
  consume "$1" "$tmp/$1.relay"
  wait
  latencies "relay-$1"
  cpu_per_frame "$tmp/r.time"
}

median () {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

for side in ours stock relay-ours relay-stock; do
  : >"$tmp/$side"
  : >"$tmp/$side.p50"
  : >"$tmp/$side.p99"
done
: >"$tmp/source"
r=0
while [ $r -lt "$rounds" ]; do
  if [ $((r % 2)) -eq 0 ]; then order="ours stock"; else order="stock ours"; fi
  for side in $order; do
    run_side $side >>"$tmp/$side"
    run_relay $side >>"$tmp/relay-$side"
  done
  source_cpu >>"$tmp/source"
  r=$((r + 1))
done

# print FIGURE UNIT OURS STOCK
print () {
  ratio=$(awk -v o="$3" -v s="$4" \
      'BEGIN { if (s > 0) printf "%.2f", o / s; else print "-" }')
  echo "bench: multiprocess-$1 ours=$3 stock=$4 unit=$2 ratio=$ratio"
}
column () {
  print "$1" "$3" "$(cut -d' ' -f"$2" "$tmp/ours" | median)" \
      "$(cut -d' ' -f"$2" "$tmp/stock" | median)"
}
column cpu-per-frame 1 ms
src=$(median <"$tmp/source")
print transport-cpu-per-frame ms \
    "$(cut -d' ' -f1 "$tmp/ours" | median | awk -v s="$src" '{ printf "%.3f", $1 - s }')" \
    "$(cut -d' ' -f1 "$tmp/stock" | median | awk -v s="$src" '{ printf "%.3f", $1 - s }')"
column peak-rss 2 MiB
column steady-memories 3 memories
# The p50 and p99 of each consumer of each round; the median of those.
print latency-p50 ms "$(median <"$tmp/ours.p50")" "$(median <"$tmp/stock.p50")"
print latency-p99 ms "$(median <"$tmp/ours.p99")" "$(median <"$tmp/stock.p99")"
print relay-cpu-per-frame ms "$(median <"$tmp/relay-ours")" \
    "$(median <"$tmp/relay-stock")"
print relay-latency-p50 ms "$(median <"$tmp/relay-ours.p50")" \
    "$(median <"$tmp/relay-stock.p50")"
