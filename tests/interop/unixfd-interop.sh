#!/bin/bash
# Interoperability of sharedfdsink/sharedfdsrc (this build, the host's
# GStreamer) with GStreamer's stock unixfdsrc/unixfdsink in the Debian
# unstable root of tools/gst-roots.sh (GStreamer 1.28, gst-plugins-bad):
#
#   host sharedfdsink  ->  root unixfdsrc
#   root unixfdsink    ->  host sharedfdsrc
#
# The socket lives in the source tree, which the root sees at /src. Each
# consumer must end on the producer's EOS with whole frames, every one
# bit-identical to a frame the producer wrote to its own file. Then padded
# frames (rawvideoparse: strides wider than the picture, told by
# GstVideoMeta) go each way: the root's unixfdsink to our sharedfdsrc must
# carry the meta, or videoconvert reads the padding as picture; our
# sharedfdsink to unixfdsrc must send a meta that it parses (unixfdsrc
# 1.28.8 itself then drops GstVideoMeta, from any sink: it reads metas
# before it adds the memories, and its video meta deserializer refuses a
# buffer without memory; see docs/multiprocess.md).
#
#   tests/interop/unixfd-interop.sh SOURCE_DIR BUILD_DIR
#
# Exits 77 (skipped) with the reason when it cannot run: not root, or no
# root with the unixfd plugin (./dev.sh test makes it first when run as
# root with debootstrap; SHAREDFD_INTEROP_ROOT names another).
set -uo pipefail

SRC=$(realpath "$1")
BUILD=$(realpath "$2")
ROOT=${SHAREDFD_INTEROP_ROOT:-$BUILD/roots/sid}
CAPS=video/x-raw,format=I420,width=160,height=120,framerate=30/1
FRAME=$((160 * 120 * 3 / 2))
FRAMES=60

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (chroot and mounts)"
[ -x "$ROOT/usr/bin/gst-launch-1.0" ] ||
  skip "no GStreamer root at $ROOT (./dev.sh test as root makes it)"
ls "$ROOT"/usr/lib/*/gstreamer-1.0/libgstunixfd.so >/dev/null 2>&1 ||
  skip "no unixfd plugin in $ROOT (gstreamer1.0-plugins-bad)"
case "$BUILD" in
  "$SRC"/*) ;;
  *) skip "the build directory is not inside the source tree the root sees" ;;
esac

WORK=$(mktemp -d "$BUILD/interop-XXXXXX")
IN_ROOT=/src${WORK#"$SRC"}
cleanup() {
  umount -R -l "$ROOT/dev" "$ROOT/proc" "$ROOT/src" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$ROOT/src"
mount -t proc proc "$ROOT/proc" && mount --rbind /dev "$ROOT/dev" &&
  mount --bind "$SRC" "$ROOT/src" || skip "cannot mount in $ROOT"

host_launch() {
  GST_PLUGIN_PATH_1_0=$BUILD/gst G_DEBUG=fatal-criticals \
    timeout 60 gst-launch-1.0 -q "$@"
}
root_launch() {
  timeout 60 chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin \
    G_DEBUG=fatal-criticals ${GST_DEBUG:+GST_DEBUG=$GST_DEBUG} \
    gst-launch-1.0 -q "$@"
}
wait_socket() {
  local i
  for i in $(seq 100); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# The checksums of the frames of $1, sorted, each once. The frames go to
# a directory of their own: a glob next to the list being written would
# race with its creation, and count it (empty) as a frame.
frame_sums() {
  local dir
  dir=$(mktemp -d "$WORK/frames-XXXXXX")
  split -b "$FRAME" "$1" "$dir/"
  sha256sum "$dir"/* | cut -d' ' -f1 | sort -u
  rm -rf "$dir"
}
# Every frame of $2 must be one of $1's, and there must be some; frames
# of $3 bytes (default $FRAME).
same_frames() {
  local size FRAME=${3:-$FRAME}
  size=$(stat -c %s "$2")
  [ "$size" -gt 0 ] && [ $((size % FRAME)) -eq 0 ] || {
    echo "FAIL: $2 has $size bytes, not whole frames"
    return 1
  }
  frame_sums "$1" >"$WORK/ref.sums"
  frame_sums "$2" >"$WORK/got.sums"
  [ -z "$(comm -13 "$WORK/ref.sums" "$WORK/got.sums")" ] || {
    echo "FAIL: frames of $2 differ from the producer's"
    return 1
  }
  echo "  $((size / FRAME)) frames, all identical to the producer's"
}

status=0
producer_line="videotestsrc is-live=true pattern=ball num-buffers=$FRAMES ! $CAPS ! tee name=t ! queue"

echo "sharedfdsink (host) -> unixfdsrc (root)"
host_launch $producer_line ! sharedfdsink socket-path="$WORK/a.sock" \
  t. ! queue ! filesink location="$WORK/a.ref" &
producer=$!
wait_socket "$WORK/a.sock" || { echo "FAIL: no socket"; exit 1; }
root_launch unixfdsrc socket-path="$IN_ROOT/a.sock" ! filesink \
  location="$IN_ROOT/a.out" || { echo "FAIL: unixfdsrc exited $?"; status=1; }
wait $producer || { echo "FAIL: producer exited $?"; status=1; }
same_frames "$WORK/a.ref" "$WORK/a.out" || status=1

echo "unixfdsink (root) -> sharedfdsrc (host)"
root_launch $producer_line ! unixfdsink wait-for-connection=true \
  socket-path="$IN_ROOT/b.sock" t. ! queue ! filesink \
  location="$IN_ROOT/b.ref" &
producer=$!
wait_socket "$WORK/b.sock" || { echo "FAIL: no socket"; exit 1; }
host_launch sharedfdsrc socket-path="$WORK/b.sock" ! filesink \
  location="$WORK/b.out" || { echo "FAIL: sharedfdsrc exited $?"; status=1; }
wait $producer || { echo "FAIL: producer exited $?"; status=1; }
same_frames "$WORK/b.ref" "$WORK/b.out" || status=1

# 90 random I420 160x120 frames with 192-byte luma rows: the padded file
# rawvideoparse reads, and the same frames packed.
PADDED=$((192 * 120 * 3 / 2))
python3 - "$WORK/padded.raw" "$WORK/packed.raw" <<'PY'
import os, sys
padded, packed = open(sys.argv[1], "wb"), open(sys.argv[2], "wb")
for _ in range(90):
    for width, stride, rows in ((160, 192, 120), (80, 96, 60), (80, 96, 60)):
        for _ in range(rows):
            row = os.urandom(stride)
            padded.write(row)
            packed.write(row[:width])
PY
parse_line="filesrc location=@DIR@/padded.raw ! rawvideoparse format=i420
  width=160 height=120 framerate=30/1 frame-size=$PADDED
  plane-strides=<192,96,96> plane-offsets=<0,23040,28800> ! identity sync=true"
# planes copied as they are, by way of YV12: packed, read through the meta
repack="videoconvert ! video/x-raw,format=YV12 ! videoconvert !
  video/x-raw,format=I420"

echo "padded frames: unixfdsink (root) -> sharedfdsrc (host)"
root_launch ${parse_line//@DIR@/$IN_ROOT} ! unixfdsink \
  wait-for-connection=true socket-path="$IN_ROOT/c.sock" &
producer=$!
wait_socket "$WORK/c.sock" || { echo "FAIL: no socket"; exit 1; }
host_launch sharedfdsrc socket-path="$WORK/c.sock" ! $repack ! filesink \
  location="$WORK/c.out" || { echo "FAIL: sharedfdsrc exited $?"; status=1; }
wait $producer || { echo "FAIL: producer exited $?"; status=1; }
same_frames "$WORK/packed.raw" "$WORK/c.out" || status=1

echo "padded frames: sharedfdsink (host) -> unixfdsrc (root)"
host_launch ${parse_line//@DIR@/$WORK} ! sharedfdsink \
  socket-path="$WORK/d.sock" &
producer=$!
wait_socket "$WORK/d.sock" || { echo "FAIL: no socket"; exit 1; }
GST_DEBUG=GST_META:2 root_launch unixfdsrc socket-path="$IN_ROOT/d.sock" ! \
  filesink location="$IN_ROOT/d.out" 2>"$WORK/d.log" ||
  { echo "FAIL: unixfdsrc exited $?"; status=1; }
wait $producer || { echo "FAIL: producer exited $?"; status=1; }
same_frames "$WORK/padded.raw" "$WORK/d.out" "$PADDED" || status=1
! grep -e "Could not parse meta" -e "not correspond" "$WORK/d.log" || {
  echo "FAIL: unixfdsrc could not parse our GstVideoMeta"
  status=1
}

exit $status
