#!/bin/sh
# bench-multiprocess: one live 1080p I420 30 fps producer process and 3
# consumer processes, 10 s (300 frames), ours (sharedfdsink/sharedfdsrc,
# frames as memfd file descriptors) against stock shmsink/shmsrc (every
# frame copied into the shared area).
#
# usage: bench-multiprocess.sh BUILDDIR   (run-bench.sh runs it with the
#                                          build's plugins on the path)
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

# One run of side $1 ("ours" or "stock"); prints "cpu_ms_per_frame
# rss_mib steady_memories" and appends the consumers' latencies (ms) to
# $tmp/$1.lat.
run_side () {
  sock=$tmp/$1.sock
  rm -f "$sock" "$tmp"/p.* "$tmp"/c?.*
  if [ "$1" = ours ]; then
    run p write videotestsrc is-live=true num-buffers=$frames ! "$caps" ! \
        sharedfdsink name=sink sync=false socket-path="$sock" &
    wait_socket "$sock"
    for c in 1 2 3; do
      run c$c read sharedfdsrc socket-path="$sock" ! $sink &
    done
  else
    run p write videotestsrc is-live=true num-buffers=$frames ! "$caps" ! \
        shmsink name=sink sync=false socket-path="$sock" shm-size=100000000 \
        wait-for-connection=true &
    wait_socket "$sock"
    for c in 1 2 3; do
      run c$c read shmsrc socket-path="$sock" is-live=true ! "$caps" ! \
          $sink &
    done
  fi
  wait
  for c in 1 2 3; do
    awk '/^latency:/ { print $4 / 1000 }' "$tmp/c$c.out" >>"$tmp/$1.p99"
    awk '/^latency:/ { print $3 / 1000 }' "$tmp/c$c.out" >>"$tmp/$1.p50"
  done
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
  grep -v '^Command' "$tmp/s.time" |
      awk -v n=$frames '{ printf "%.3f\n", ($1 + $2) * 1000 / n }'
}

median () {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

for side in ours stock; do
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
