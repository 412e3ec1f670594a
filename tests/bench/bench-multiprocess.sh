#!/bin/sh
# bench-multiprocess: one live 1080p I420 30 fps producer process and 3
# consumer processes, 10 s (300 frames), ours (sharedfdsink/sharedfdsrc,
# frames as memfd file descriptors) against stock shmsink/shmsrc (every
# frame copied into the shared area).
#
# usage: bench-multiprocess.sh BUILDDIR   (run-bench.sh runs it with the
#                                          build's plugins on the path)
#
# Each process runs under GNU time; rounds (BENCH_MP_ROUNDS, default 3)
# alternate the sides; each figure is the median over the rounds:
#   multiprocess-cpu-per-frame  user+system CPU of all 4 processes over
#                               the frames produced (ms)
#   multiprocess-peak-rss       peak RSS of the 4 processes, summed (MiB)
# Not measured yet: steady-state GstMemory allocations, latency p99.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
rounds=${BENCH_MP_ROUNDS:-3}
frames=300
caps=video/x-raw,format=I420,width=1920,height=1080,framerate=30/1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

timed () {
  out=$1
  shift
  /usr/bin/time -f '%U %S %M' -o "$out" timeout 60 gst-launch-1.0 -q "$@" \
      >/dev/null 2>&1 || true
}

wait_socket () {
  i=0
  while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# One run of side $1 ("ours" or "stock"); prints "cpu_ms_per_frame rss_mib".
run_side () {
  sock=$tmp/$1.sock
  rm -f "$sock" "$tmp"/t.*
  if [ "$1" = ours ]; then
    timed "$tmp/t.p" videotestsrc is-live=true num-buffers=$frames ! \
        "$caps" ! sharedfdsink socket-path="$sock" &
    wait_socket "$sock"
    for c in 1 2 3; do
      timed "$tmp/t.$c" sharedfdsrc socket-path="$sock" ! fakesink &
    done
  else
    timed "$tmp/t.p" videotestsrc is-live=true num-buffers=$frames ! \
        "$caps" ! shmsink socket-path="$sock" shm-size=100000000 \
        wait-for-connection=true &
    wait_socket "$sock"
    for c in 1 2 3; do
      timed "$tmp/t.$c" shmsrc socket-path="$sock" is-live=true ! \
          "$caps" ! fakesink &
    done
  fi
  wait
  cat "$tmp"/t.* | awk -v n=$frames '{ cpu += $1 + $2; rss += $3 }
      END { printf "%.3f %.1f\n", cpu * 1000 / n, rss / 1024 }'
}

median () {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

: >"$tmp/ours"
: >"$tmp/stock"
r=0
while [ $r -lt "$rounds" ]; do
  if [ $((r % 2)) -eq 0 ]; then order="ours stock"; else order="stock ours"; fi
  for side in $order; do
    run_side $side >>"$tmp/$side"
  done
  r=$((r + 1))
done

line () {
  ours=$(cut -d' ' -f"$2" "$tmp/ours" | median)
  stock=$(cut -d' ' -f"$2" "$tmp/stock" | median)
  ratio=$(awk -v o="$ours" -v s="$stock" \
      'BEGIN { if (s > 0) printf "%.2f", o / s; else print "-" }')
  echo "bench: multiprocess-$1 ours=$ours stock=$stock unit=$3 ratio=$ratio"
}
line cpu-per-frame 1 ms
line peak-rss 2 MiB
