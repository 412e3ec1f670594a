#!/usr/bin/env python3
# GStreamer shared pool elements
# Copyright (C) 2026 gst-sharedpool developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading framebatch batches and their GstFrameBatchMeta from Python.

Two sources feed `framebatch policy=one-per-source batch-size=2`; an
appsink with buffer-list=true hands over each batch as a Gst.BufferList,
and GstSharedPool.buffer_get_frame_batch_meta() tells, for each frame,
which source it came from, where it sits in the batch and its original
timestamp.

Run it against a build tree (the meson test sets the same paths):

    meson devenv -C build -w . python3 examples/python/framebatch.py

Exits with 77 (skipped) when PyGObject or the typelibs are missing, 1 when
a batch is not what the policy promises.
"""

import sys

SKIP = 77
FRAMES = 10
PIPELINE = ('framebatch name=batch policy=one-per-source batch-size=2 ! '
            'appsink name=sink buffer-list=true sync=false '
            'videotestsrc num-buffers=%d ! video/x-raw,width=64,height=48 ! '
            'batch. '
            'videotestsrc num-buffers=%d pattern=ball ! '
            'video/x-raw,width=64,height=48 ! batch.' % (FRAMES, FRAMES))

try:
    import gi
    gi.require_version('Gst', '1.0')
    gi.require_version('GstSharedPool', '1.0')
    from gi.repository import Gst, GstSharedPool
except (ImportError, ValueError) as e:
    print('SKIP: %s cannot load PyGObject and the GstSharedPool-1.0 '
          'typelib: %s' % (sys.executable, e))
    sys.exit(SKIP)


def frames_of(sample):
    """The frames of one batch, as (pad index, index, n_frames, seqnum,
    original pts)."""
    batch = sample.get_buffer_list()
    frames = []
    for i in range(batch.length()):
        meta = GstSharedPool.buffer_get_frame_batch_meta(batch.get(i))
        frames.append((meta.pad_index, meta.index, meta.n_frames,
                       meta.seqnum, meta.pts))
    return frames


def main():
    Gst.init(None)
    pipeline = Gst.parse_launch(PIPELINE)
    sink = pipeline.get_by_name('sink')
    pipeline.set_state(Gst.State.PLAYING)

    seqnum = 0
    while True:
        sample = sink.emit('pull-sample')
        if sample is None:
            break
        frames = frames_of(sample)
        print('batch %d: %s' % (seqnum, ', '.join(
            'sink_%d pts %.3f s' % (f[0], f[4] / Gst.SECOND)
            for f in frames)))
        if (sorted(f[0] for f in frames) != [0, 1] or
                [f[1] for f in frames] != [0, 1] or
                any(f[2] != 2 or f[3] != seqnum for f in frames)):
            print('unexpected batch %r' % frames)
            return 1
        seqnum += 1

    pipeline.set_state(Gst.State.NULL)
    print('%d batches of 2' % seqnum)
    return 0 if seqnum == FRAMES else 1


if __name__ == '__main__':
    sys.exit(main())
