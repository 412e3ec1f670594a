#!/usr/bin/env python3
# GStreamer shared pool library
# Copyright (C) 2026 gst-sharedpool developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Embedding gst-sharedpool from Python through GObject introspection.

Rents exact-size buffers from a GstSharedPool, reads the pool's stats,
gives the buffers back, then runs a pipeline through the `sharedpool`
element and prints the element's stats.

Run it against a build tree (the meson test sets the same paths):

    meson devenv -C build -w . python3 examples/python/rent.py

or, once installed, with no variables at all when the prefix is /usr
(otherwise GI_TYPELIB_PATH, LD_LIBRARY_PATH and GST_PLUGIN_PATH_1_0 point into
the prefix). Exits with 77 (skipped) when PyGObject or the typelibs are
missing.
"""

import sys

SKIP = 77
SIZES = [1, 3000, 8192, 3000, 100000]
PIPELINE = 'videotestsrc num-buffers=50 ! sharedpool name=pool ! fakesink'

try:
    import gi
    gi.require_version('Gst', '1.0')
    gi.require_version('GstSharedPool', '1.0')
    from gi.repository import Gst, GstSharedPool
except (ImportError, ValueError) as e:
    # ImportError: no python3-gi; ValueError: a typelib is not found.
    print('SKIP: %s cannot load PyGObject and the GstSharedPool-1.0 '
          'typelib (install python3-gi and gir1.2-gstreamer-1.0, build '
          'with -Dintrospection=enabled): %s' % (sys.executable, e))
    sys.exit(SKIP)


def make_pool():
    """A pool that holds at most 8 buffers and 1 MiB."""
    pool = GstSharedPool.SharedPool.new()
    config = pool.get_config()
    Gst.BufferPool.config_set_params(config, None, 0, 0, 8)
    GstSharedPool.SharedPool.config_set_max_bytes(config, 1024 * 1024)
    if not pool.set_config(config) or not pool.set_active(True):
        raise RuntimeError('could not configure the pool')
    return pool


def print_stats(title, stats, fields):
    print('%s: %s' % (title, ', '.join('%s=%s' % (f, stats.get_value(f))
                                       for f in fields)))


def rent(pool):
    """Rents buffers of SIZES, all out at once, then gives them back."""
    buffers = []
    for size in SIZES:
        ret, buf = GstSharedPool.SharedPool.acquire_sized(pool, size, 0)
        if ret != Gst.FlowReturn.OK:
            raise RuntimeError('rent of %d bytes: %s' % (size, ret))
        print('rented %d bytes, got %d' % (size, buf.get_size()))
        if buf.get_size() != size:
            raise RuntimeError('wrong size')
        buffers.append(buf)
    stats = pool.get_stats()
    print_stats('while out', stats, ['misses', 'outstanding'])
    if stats.get_value('outstanding') != len(SIZES):
        raise RuntimeError('pool does not count the buffers out')
    # Dropping the last reference is the return: the buffers go back to
    # the pool, not to the system.
    del buffers, buf
    # A second rent of a size seen before is served from the pool.
    ret, buf = GstSharedPool.SharedPool.acquire_sized(pool, 3000, 0)
    del buf
    stats = pool.get_stats()
    print_stats('returned', stats, ['hits', 'misses', 'idle',
                                    'outstanding', 'bytes'])
    if stats.get_value('outstanding') != 0 or stats.get_value('hits') < 1:
        raise RuntimeError('buffers did not come back to the pool')


def run_pipeline():
    """Plays PIPELINE to EOS and prints the sharedpool element's stats."""
    pipeline = Gst.parse_launch(PIPELINE)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    element = pipeline.get_by_name('pool')
    stats = element.get_property('stats')
    pipeline.set_state(Gst.State.NULL)
    if msg is None or msg.type != Gst.MessageType.EOS:
        raise RuntimeError('pipeline did not reach EOS: %s' %
                           (msg.parse_error()[0].message if msg else
                            'timeout'))
    print('pipeline: %s' % PIPELINE)
    print_structure('sharedpool element stats', stats, '')


def print_structure(title, structure, indent):
    """Prints the numbers of a stats structure, nested ones indented."""
    fields = [structure.nth_field_name(i) for i in range(structure.n_fields())]
    values = {f: structure.get_value(f) for f in fields
              if structure.get_field_type(f) != Gst.ValueArray.__gtype__}
    print('%s%s: %s' % (indent, title, ', '.join(
        '%s=%s' % (f, v) for f, v in values.items()
        if not isinstance(v, Gst.Structure))))
    for f, v in values.items():
        if isinstance(v, Gst.Structure):
            print_structure(f, v, indent + '  ')


def main():
    Gst.init(None)
    pool = make_pool()
    try:
        rent(pool)
    finally:
        pool.set_active(False)
    run_pipeline()
    return 0


if __name__ == '__main__':
    sys.exit(main())
