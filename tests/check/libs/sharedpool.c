/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of GstSharedPool: plain and sized acquire, keyed reuse,
 * copy-on-write, bounds and waiting, configuration, stats, leak report,
 * and a multi-threaded stress run. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"
#include "../watchdog.h"

#define VIDEO_CAPS "video/x-raw, format=I420, width=320, height=240, " \
    "framerate=30/1"

static GstCaps *
test_caps (const gchar * name)
{
  return gst_caps_new_empty_simple (name);
}

/* Configures an inactive @pool; @caps may be NULL, a size of 0 makes a
 * sized-only pool. */
static void
configure (GstBufferPool * pool, GstCaps * caps, guint size, guint min,
    guint max)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
}

static GstBufferPool *
new_active_pool (const gchar * caps_name, guint size, guint min, guint max)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstCaps *caps = caps_name ? test_caps (caps_name) : NULL;

  configure (pool, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  if (caps)
    gst_caps_unref (caps);
  return pool;
}

/* Switches an active pool to new caps the only way a pool allows: stop,
 * configure, start. */
static void
reconfigure (GstBufferPool * pool, const gchar * caps_name, guint size)
{
  GstCaps *caps = test_caps (caps_name);

  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  configure (pool, caps, size, 0, 0);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  gst_caps_unref (caps);
}

static void
stop_and_unref (GstBufferPool * pool)
{
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
}

static GstBuffer *
acquire (GstBufferPool * pool)
{
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  fail_unless (buf != NULL);
  return buf;
}

static GstBuffer *
acquire_sized (GstBufferPool * pool, gsize size)
{
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, size, 0, &buf),
      GST_FLOW_OK);
  fail_unless (buf != NULL);
  return buf;
}

static guint64
structure_u64_of_allocator (GstAllocator * alloc, const gchar * field)
{
  GstStructure *s =
      gst_bucket_allocator_get_stats (GST_BUCKET_ALLOCATOR (alloc));
  guint64 v = structure_u64 (s, field);

  gst_structure_free (s);
  return v;
}

static guint
pool_stat_uint (GstBufferPool * pool, const gchar * field)
{
  GstStructure *s = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  guint v = G_MAXUINT;

  fail_unless (gst_structure_get_uint (s, field, &v), "no stats %s", field);
  gst_structure_free (s);
  return v;
}

static guint
n_keys (GstBufferPool * pool)
{
  GstStructure *s = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  guint n;

  n = gst_value_array_get_size (gst_structure_get_value (s, "keys"));
  gst_structure_free (s);
  return n;
}

/* Recycling is proven with a counter that a qdata destroy notify bumps
 * when the buffer is really freed. */
static void
count_free (gpointer counter)
{
  g_atomic_int_inc ((gint *) counter);
}

static void
watch_free (GstBuffer * buf, gint * counter)
{
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (buf),
      g_quark_from_static_string ("test-watch-free"), counter, count_free);
}

static gboolean
is_watched (GstBuffer * buf)
{
  return gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (buf),
      g_quark_from_static_string ("test-watch-free")) != NULL;
}

static void
fill_buffer (GstBuffer * buf, guint8 seed)
{
  GstMapInfo map;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8) (seed + i * 13);
  gst_buffer_unmap (buf, &map);
}

static gboolean
has_fill (GstBuffer * buf, guint8 seed)
{
  GstMapInfo map;
  gboolean ok = TRUE;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i < map.size && ok; i++)
    ok = map.data[i] == (guint8) (seed + i * 13);
  gst_buffer_unmap (buf, &map);
  return ok;
}

/* A plain acquire gives a buffer of the configured size, in one bucket
 * memory, and the same buffer again after its release. */
GST_START_TEST (test_acquire_configured_size)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf, *first;

  first = buf = acquire (pool);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 1000);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (buf, 0)));
  fail_unless (buf->pool == pool);
  gst_buffer_unref (buf);

  buf = acquire (pool);
  fail_unless (buf == first);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 1000);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* min-buffers are allocated when the pool is activated, and the acquires
 * that follow allocate nothing. */
GST_START_TEST (test_min_buffers_preallocated)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 3, 0);
  GstBuffer *bufs[3];
  guint i;

  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), 3);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), 3);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 3);

  for (i = 0; i < 3; i++)
    bufs[i] = acquire (pool);
  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), 3);
  fail_unless_equals_int (pool_stat_uint (pool, "outstanding"), 3);

  for (i = 0; i < 3; i++)
    gst_buffer_unref (bufs[i]);
  stop_and_unref (pool);
}

GST_END_TEST;

static void
check_sized (GstBufferPool * pool, gsize size)
{
  GstBuffer *buf = acquire_sized (pool, size);

  fail_unless_equals_uint64 (gst_buffer_get_size (buf), size);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);
}

/* A sized acquire gives exactly the size asked for, over a sweep of sizes
 * and around the class boundaries, from a sized-only (size 0) pool. */
GST_START_TEST (test_sized_exact_sizes)
{
  GstBufferPool *pool = new_active_pool (NULL, 0, 0, 0);
  GstBucketAllocator *ref = (GstBucketAllocator *) gst_bucket_allocator_new ();
  gsize size, block;

  for (size = 1; size <= 70000; size += 1 + size / 16)
    check_sized (pool, size);

  for (block = 64; block <= 80 * 1024;
      block = gst_bucket_allocator_get_block_size (ref, block + 1)) {
    check_sized (pool, block - gst_memory_alignment - 1);
    check_sized (pool, block - gst_memory_alignment);
    check_sized (pool, block - gst_memory_alignment + 1);
  }
  gst_object_unref (ref);
  stop_and_unref (pool);
}

GST_END_TEST;

/* gst_shared_pool_acquire_sized is the standard acquire with BYTES
 * params: both give the exact size. */
GST_START_TEST (test_sized_via_acquire_params)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBufferPoolAcquireParams params = { GST_FORMAT_BYTES, 0, 12345, 0, };
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
          &params), GST_FLOW_OK);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 12345);
  gst_buffer_unref (buf);

  /* the plain acquire of the same pool keeps the configured size */
  buf = acquire (pool);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 1000);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Sized buffers of one class come back LIFO, with the size of the new
 * request, and are not freed while the pool lives. */
GST_START_TEST (test_sized_reuse_lifo)
{
  GstBufferPool *pool = new_active_pool (NULL, 0, 0, 0);
  GstBuffer *a, *b, *buf;
  gint freed = 0;

  a = acquire_sized (pool, 5000);
  b = acquire_sized (pool, 5000);
  watch_free (a, &freed);
  watch_free (b, &freed);
  gst_buffer_unref (a);
  gst_buffer_unref (b);

  /* 4500 is in the class of 5000 */
  buf = acquire_sized (pool, 4500);
  fail_unless (buf == b);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 4500);
  fail_unless (acquire_sized (pool, 5000) == a);
  fail_unless_equals_uint64 (gst_buffer_get_size (a), 5000);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless_equals_int (freed, 0);

  stop_and_unref (pool);
  fail_unless_equals_int (freed, 2);
}

GST_END_TEST;

/* A plain acquire on a sized-only pool is an error. */
GST_START_TEST (test_plain_acquire_on_sized_only_pool)
{
  GstBufferPool *pool = new_active_pool (NULL, 0, 0, 0);
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_ERROR);
  fail_unless (buf == NULL);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Release resets timestamps, offsets and flags; the next acquire gets
 * the same buffer clean. */
GST_START_TEST (test_release_resets_buffer)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf, *first;

  first = buf = acquire (pool);
  GST_BUFFER_PTS (buf) = 1 * GST_SECOND;
  GST_BUFFER_DTS (buf) = 2 * GST_SECOND;
  GST_BUFFER_DURATION (buf) = 3 * GST_SECOND;
  GST_BUFFER_OFFSET (buf) = 4;
  GST_BUFFER_OFFSET_END (buf) = 5;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_MARKER);
  gst_buffer_unref (buf);

  buf = acquire (pool);
  fail_unless (buf == first);
  fail_unless (!GST_BUFFER_PTS_IS_VALID (buf));
  fail_unless (!GST_BUFFER_DTS_IS_VALID (buf));
  fail_unless (!GST_BUFFER_DURATION_IS_VALID (buf));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), GST_BUFFER_OFFSET_NONE);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf),
      GST_BUFFER_OFFSET_NONE);
  fail_unless (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));
  fail_unless (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_MARKER));
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* The reset is the pool's reset_buffer vfunc, which GstBufferPool calls
 * before release_buffer: it clears timestamps and unpooled metas, and,
 * unlike the base class's, leaves a sized buffer smaller than the
 * configured size at its size. */
GST_START_TEST (test_reset_buffer_vfunc)
{
  GstBufferPool *pool = new_active_pool ("test/a", 4096, 0, 0);
  GstBufferPoolClass *klass = GST_BUFFER_POOL_GET_CLASS (pool);
  GstBuffer *buf = acquire_sized (pool, 100);
  GstStructure *info = gst_structure_new_empty ("test-info");

  fail_unless (klass->reset_buffer != NULL);
  GST_BUFFER_PTS (buf) = 1 * GST_SECOND;
  gst_buffer_add_protection_meta (buf, info);

  klass->reset_buffer (pool, buf);
  fail_unless (!GST_BUFFER_PTS_IS_VALID (buf));
  fail_unless (gst_buffer_get_protection_meta (buf) == NULL);
  fail_unless_equals_int (gst_buffer_get_size (buf), 100);

  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A buffer whose memory was replaced is freed on release, not recycled. */
GST_START_TEST (test_modified_buffer_discarded)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf;
  gint freed = 0;

  buf = acquire (pool);
  watch_free (buf, &freed);
  gst_buffer_replace_all_memory (buf, gst_allocator_alloc (NULL, 1000, NULL));
  gst_buffer_unref (buf);
  fail_unless_equals_int (freed, 1);

  buf = acquire (pool);
  fail_unless (!is_watched (buf));
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A discarded buffer is freed without the pool's lock: its foreign
 * memory may give another buffer of the same pool back when it goes (this
 * deadlocked when the free happened under the lock). */
GST_START_TEST (test_discard_releases_nested_buffer)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  static guint8 data[1000];
  GstBuffer *outer, *inner;
  gint freed = 0;

  outer = acquire (pool);
  inner = acquire (pool);
  watch_free (outer, &freed);
  gst_buffer_replace_all_memory (outer, gst_memory_new_wrapped (0, data,
          sizeof (data), 0, sizeof (data), inner,
          (GDestroyNotify) gst_buffer_unref));

  gst_buffer_unref (outer);
  fail_unless_equals_int (freed, 1);
  /* the inner buffer went back to the pool */
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 1);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Renegotiating A -> B -> A finds A's buffers again, by pointer. */
GST_START_TEST (test_keyed_reuse_after_renegotiation)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *a1, *a2, *b, *x1, *x2;

  a1 = acquire (pool);
  a2 = acquire (pool);
  gst_buffer_unref (a1);
  gst_buffer_unref (a2);

  reconfigure (pool, "test/b", 2000);
  b = acquire (pool);
  fail_unless (b != a1 && b != a2);
  fail_unless_equals_uint64 (gst_buffer_get_size (b), 2000);
  gst_buffer_unref (b);

  reconfigure (pool, "test/a", 1000);
  x1 = acquire (pool);
  x2 = acquire (pool);
  fail_unless ((x1 == a1 && x2 == a2) || (x1 == a2 && x2 == a1));
  fail_unless_equals_uint64 (gst_buffer_get_size (x1), 1000);
  fail_unless_equals_int (n_keys (pool), 2);
  gst_buffer_unref (x1);
  gst_buffer_unref (x2);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A caller key replaces the caps as the identity of the sub-pool: other
 * caps with the same key reuse its buffers. */
GST_START_TEST (test_key_string)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config;
  GstCaps *caps;
  GstBuffer *first = NULL, *buf;
  guint i;

  for (i = 0; i < 2; i++) {
    config = gst_buffer_pool_get_config (pool);
    caps = test_caps (i == 0 ? "test/a" : "test/b");
    gst_buffer_pool_config_set_params (config, caps, 1000, 0, 0);
    gst_shared_pool_config_set_key (config, "my-key");
    fail_unless_equals_string (gst_shared_pool_config_get_key (config),
        "my-key");
    fail_unless (gst_buffer_pool_set_config (pool, config));
    fail_unless (gst_buffer_pool_set_active (pool, TRUE));
    buf = acquire (pool);
    if (i == 0)
      first = buf;
    fail_unless (buf == first);
    gst_buffer_unref (buf);
    fail_unless (gst_buffer_pool_set_active (pool, FALSE));
    gst_caps_unref (caps);
  }
  fail_unless_equals_int (n_keys (pool), 1);
  gst_object_unref (pool);
}

GST_END_TEST;

static void
configure_max_keys (GstBufferPool * pool, const gchar * caps_name,
    guint max_keys)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = test_caps (caps_name);

  gst_buffer_pool_config_set_params (config, caps, 1000, 0, 0);
  gst_shared_pool_config_set_max_keys (config, max_keys);
  fail_unless_equals_int (gst_shared_pool_config_get_max_keys (config),
      max_keys);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_caps_unref (caps);
}

/* Acquires and releases one buffer of @caps_name, watched by @freed. */
static GstBuffer *
use_key (GstBufferPool * pool, const gchar * caps_name, guint max_keys,
    gint * freed)
{
  GstBuffer *buf;

  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  configure_max_keys (pool, caps_name, max_keys);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  buf = acquire (pool);
  if (freed && !is_watched (buf))
    watch_free (buf, freed);
  gst_buffer_unref (buf);
  return buf;
}

/* With max-keys 1, switching keys evicts the old key's idle buffers: they
 * are freed, and switching back allocates new ones. */
GST_START_TEST (test_lru_max_keys_1)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  gint freed_a = 0;
  GstBuffer *buf;

  use_key (pool, "test/a", 1, &freed_a);
  fail_unless_equals_int (freed_a, 0);

  use_key (pool, "test/b", 1, NULL);
  fail_unless_equals_int (freed_a, 1);
  fail_unless_equals_int (n_keys (pool), 1);

  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  configure_max_keys (pool, "test/a", 1);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  buf = acquire (pool);
  fail_unless (!is_watched (buf), "an evicted buffer came back");
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* With max-keys 2, the least recently used key is the one evicted. */
GST_START_TEST (test_lru_max_keys_2)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  gint freed_a = 0, freed_b = 0;
  GstBuffer *b;

  use_key (pool, "test/a", 2, &freed_a);
  b = use_key (pool, "test/b", 2, &freed_b);
  use_key (pool, "test/c", 2, NULL);
  fail_unless_equals_int (freed_a, 1);
  fail_unless_equals_int (freed_b, 0);
  fail_unless_equals_int (n_keys (pool), 2);

  /* b survived and is reused; using it made c the LRU one */
  fail_unless (use_key (pool, "test/b", 2, NULL) == b);
  fail_unless_equals_int (freed_b, 0);
  fail_unless_equals_int (n_keys (pool), 2);
  stop_and_unref (pool);
  fail_unless_equals_int (freed_b, 1);
}

GST_END_TEST;

/* make_writable returns the buffer itself when nobody else holds it or
 * its memory: never copy a frame that is not shared. */
GST_START_TEST (test_make_writable_not_shared)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf, *out;

  buf = acquire (pool);
  out = gst_shared_pool_make_writable (pool, buf);
  fail_unless (out == buf);
  fail_unless_equals_uint64 (pool_stat (pool, "copies"), 0);
  gst_buffer_unref (out);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A buffer referenced twice is copied: a different buffer from the pool
 * with the same bytes and timestamps; the other reference is untouched. */
GST_START_TEST (test_make_writable_copies_shared_buffer)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf, *out;

  buf = acquire (pool);
  fill_buffer (buf, 7);
  GST_BUFFER_PTS (buf) = 10 * GST_SECOND;
  GST_BUFFER_DTS (buf) = 9 * GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  GST_BUFFER_OFFSET (buf) = 42;

  out = gst_shared_pool_make_writable (pool, gst_buffer_ref (buf));
  fail_unless (out != buf);
  fail_unless (gst_buffer_is_writable (out));
  fail_unless (out->pool == pool);
  fail_unless_equals_uint64 (gst_buffer_get_size (out), 1000);
  fail_unless (has_fill (out, 7));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 10 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), 9 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND / 30);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 42);
  ASSERT_MINI_OBJECT_REFCOUNT (buf, "original", 1);
  fail_unless_equals_uint64 (pool_stat (pool, "copies"), 1);

  gst_buffer_unref (out);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A buffer whose memory is shared with another buffer is copied too. */
GST_START_TEST (test_make_writable_copies_shared_memory)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf, *other, *out;

  buf = acquire (pool);
  fill_buffer (buf, 3);
  other = gst_buffer_copy (buf);
  fail_unless (gst_buffer_peek_memory (other, 0) ==
      gst_buffer_peek_memory (buf, 0));

  out = gst_shared_pool_make_writable (pool, buf);
  fail_unless (out != buf);
  fail_unless (gst_buffer_is_all_memory_writable (out));
  fail_unless (gst_buffer_peek_memory (out, 0) !=
      gst_buffer_peek_memory (other, 0));
  fail_unless (has_fill (out, 3));
  fail_unless (has_fill (other, 3));
  fail_unless_equals_uint64 (pool_stat (pool, "copies"), 1);

  gst_buffer_unref (out);
  gst_buffer_unref (other);
  stop_and_unref (pool);
}

GST_END_TEST;

/* An acquire in another thread, for the tests that block. */
typedef struct
{
  GstBufferPool *pool;
  gsize size;                   /* 0: plain acquire */
  GstBuffer *buffer;
  GstFlowReturn ret;
  GThread *thread;
} Waiter;

static gpointer
waiter_func (gpointer data)
{
  Waiter *w = data;

  if (w->size)
    w->ret = gst_shared_pool_acquire_sized (w->pool, w->size, 0, &w->buffer);
  else
    w->ret = gst_buffer_pool_acquire_buffer (w->pool, &w->buffer, NULL);
  return NULL;
}

/* Starts an acquire in a thread and returns once the pool has counted it
 * in "waits", which it does when the acquire has to block. Polling the
 * counter (bounded) only tells where the thread is; the wakeup itself must
 * not be missable, since the pool checks for a flush or a free buffer under
 * the lock it waits with. Nothing here depends on how long anything takes. */
static void
start_waiter (Waiter * w, GstBufferPool * pool, gsize size)
{
  guint64 waits = pool_stat (pool, "waits");
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  w->pool = pool;
  w->size = size;
  w->buffer = NULL;
  w->ret = GST_FLOW_CUSTOM_ERROR;
  w->thread = g_thread_new ("waiter", waiter_func, w);

  while (pool_stat (pool, "waits") == waits) {
    fail_unless (g_get_monotonic_time () < deadline,
        "the acquire did not block");
    g_usleep (1000);
  }
}

static GstFlowReturn
join_waiter (Waiter * w)
{
  g_thread_join (w->thread);
  return w->ret;
}

/* gst_buffer_pool_set_flushing wakes a blocked acquire with FLUSHING. */
GST_START_TEST (test_flushing_wakes_waiter)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 1);
  GstBuffer *held = acquire (pool);
  Waiter w;

  start_waiter (&w, pool, 0);
  gst_buffer_pool_set_flushing (pool, TRUE);
  fail_unless_equals_int (join_waiter (&w), GST_FLOW_FLUSHING);
  fail_unless (w.buffer == NULL);

  /* after the flush the pool works again */
  gst_buffer_pool_set_flushing (pool, FALSE);
  gst_buffer_unref (held);
  gst_buffer_unref (acquire (pool));
  stop_and_unref (pool);
}

GST_END_TEST;

/* Deactivating the pool wakes a blocked acquire with FLUSHING. */
GST_START_TEST (test_deactivate_wakes_waiter)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 1);
  GstBuffer *held = acquire (pool);
  Waiter w;

  start_waiter (&w, pool, 0);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  fail_unless_equals_int (join_waiter (&w), GST_FLOW_FLUSHING);
  fail_unless (w.buffer == NULL);

  gst_buffer_unref (held);
  gst_object_unref (pool);
}

GST_END_TEST;

/* A blocked acquire is served by the next buffer that is released. */
GST_START_TEST (test_release_wakes_waiter)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 1);
  GstBuffer *held = acquire (pool);
  Waiter w;

  start_waiter (&w, pool, 0);
  gst_buffer_unref (held);
  fail_unless_equals_int (join_waiter (&w), GST_FLOW_OK);
  fail_unless (w.buffer == held);
  fail_unless_equals_uint64 (pool_stat (pool, "waits"), 1);

  gst_buffer_unref (w.buffer);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A sized acquire blocked at max-buffers is woken by the release of a
 * buffer of another class, whose room it takes. */
GST_START_TEST (test_release_wakes_sized_waiter)
{
  GstBufferPool *pool = new_active_pool (NULL, 0, 0, 1);
  GstBuffer *held = acquire_sized (pool, 100);
  Waiter w;

  start_waiter (&w, pool, 50000);
  gst_buffer_unref (held);
  fail_unless_equals_int (join_waiter (&w), GST_FLOW_OK);
  fail_unless_equals_uint64 (gst_buffer_get_size (w.buffer), 50000);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), 1);

  gst_buffer_unref (w.buffer);
  stop_and_unref (pool);
}

GST_END_TEST;

/* With DONTWAIT an acquire at max-buffers returns EOS at once, for plain
 * and sized requests alike (max-buffers counts both). */
GST_START_TEST (test_dontwait_eos_at_max_buffers)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 2);
  GstBufferPoolAcquireParams params = { GST_FORMAT_UNDEFINED, 0, 0,
    GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT,
  };
  GstBuffer *a, *b, *buf = NULL;

  a = acquire (pool);
  b = acquire (pool);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
          &params), GST_FLOW_EOS);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 300,
          GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, &buf), GST_FLOW_EOS);
  fail_unless (buf == NULL);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), 2);

  gst_buffer_unref (a);
  gst_buffer_unref (b);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A sized-only pool bounded by max-bytes, using @alloc. */
static GstBufferPool *
new_max_bytes_pool (GstAllocator * alloc, guint64 max_bytes)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, 0, 0, 0);
  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  gst_shared_pool_config_set_max_bytes (config, max_bytes);
  fail_unless_equals_uint64 (gst_shared_pool_config_get_max_bytes (config),
      max_bytes);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  return pool;
}

/* Sized acquires fill the pool up to max-bytes, then DONTWAIT gives EOS;
 * an idle buffer of another class is freed to make room. */
GST_START_TEST (test_max_bytes_bound)
{
  GstAllocator *alloc = gst_bucket_allocator_new ();
  GstBucketAllocator *balloc = GST_BUCKET_ALLOCATOR (alloc);
  guint64 block = gst_bucket_allocator_get_block_size (balloc, 8000);
  GstBufferPool *pool = new_max_bytes_pool (alloc, 4 * block + block / 2);
  GstBuffer *bufs[4], *small = NULL;
  guint i;

  /* 6000 needs 3/4 of 8000's block: it fits next to 3 of them, not 4 */
  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (balloc,
          6000) * 4, block * 3);
  for (i = 0; i < 4; i++)
    bufs[i] = acquire_sized (pool, 8000);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 8000,
          GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, &small), GST_FLOW_EOS);
  fail_unless (pool_stat (pool, "bytes") <= 4 * block + block / 2);

  gst_buffer_unref (bufs[3]);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 6000,
          GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, &small), GST_FLOW_OK);
  fail_unless_equals_uint64 (pool_stat (pool, "frees"), 1);
  fail_unless (pool_stat (pool, "bytes") <= 4 * block + block / 2);

  gst_buffer_unref (small);
  for (i = 0; i < 3; i++)
    gst_buffer_unref (bufs[i]);
  stop_and_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Restart after renegotiation under a bound: min and max buffers of each
 * case, the bound being max-buffers or the bytes of max blocks. */
static const guint restart_cases[][2] = {
  {1, 1}, {1, 2}, {1, 4}, {2, 2}, {2, 4},
};

/* Configures an inactive @pool with caps @caps_name and bound @max as
 * max-buffers, or as max-bytes of that many blocks when @by_bytes. */
static void
configure_bounded (GstBufferPool * pool, const gchar * caps_name, guint min,
    guint max, gboolean by_bytes)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = test_caps (caps_name);
  GstAllocator *alloc = gst_bucket_allocator_new ();
  guint64 block =
      gst_bucket_allocator_get_block_size (GST_BUCKET_ALLOCATOR (alloc), 1000);

  gst_buffer_pool_config_set_params (config, caps, 1000, min,
      by_bytes ? 0 : max);
  if (by_bytes)
    gst_shared_pool_config_set_max_bytes (config, max * block);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_caps_unref (caps);
  gst_object_unref (alloc);
}

/* Idle buffers of the old caps fill the bound; the start with new caps
 * frees them to fit its min-buffers, as the stock pool would start. */
static void
check_restart_after_renegotiation (guint i, gboolean by_bytes)
{
  guint min = restart_cases[i][0], max = restart_cases[i][1], n;
  GstBufferPool *pool = gst_shared_pool_new ();
  GstBuffer *bufs[4];

  configure_bounded (pool, "test/a", min, max, by_bytes);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  for (n = 0; n < max; n++)
    bufs[n] = acquire (pool);
  for (n = 0; n < max; n++)
    gst_buffer_unref (bufs[n]);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));

  configure_bounded (pool, "test/b", min, max, by_bytes);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE),
      "restart failed with min %u max %u", min, max);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), max);
  fail_unless_equals_uint64 (pool_stat (pool, "frees"), min);
  stop_and_unref (pool);
}

GST_START_TEST (test_restart_after_renegotiation_max_buffers)
{
  check_restart_after_renegotiation (__i__, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_restart_after_renegotiation_max_bytes)
{
  check_restart_after_renegotiation (__i__, TRUE);
}

GST_END_TEST;

/* Sized rents that took the room max-buffers (loop 0) or max-bytes
 * (loop 1) allows do not keep the same configuration from starting
 * again. */
GST_START_TEST (test_restart_after_sized_rents)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstBuffer *a, *b;
  guint64 allocations;

  configure_bounded (pool, "test/a", 2, 2, __i__ == 1);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  a = acquire_sized (pool, 300);
  b = acquire_sized (pool, 300);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  allocations = pool_stat (pool, "allocations");
  /* the min-buffers are there again */
  a = acquire (pool);
  b = acquire (pool);
  fail_unless_equals_uint64 (gst_buffer_get_size (a), 1000);
  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), allocations);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A size whose block would overflow is an error, not a short buffer. */
GST_START_TEST (test_huge_request_errors)
{
  GstBufferPool *pool = new_active_pool (NULL, 0, 0, 0);
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool,
          G_MAXSIZE - 60, 0, &buf), GST_FLOW_ERROR);
  fail_unless (buf == NULL);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A request whose block alone is larger than max-bytes is an error, not
 * a wait that could never end, and limit-reached names the size and the
 * limit. */
GST_START_TEST (test_request_over_max_bytes_errors)
{
  GstAllocator *alloc = gst_bucket_allocator_new ();
  GstBufferPool *pool = new_max_bytes_pool (alloc, 10000);
  GstBuffer *buf = NULL;
  guint64 seen[2] = { 0, 0 };

  g_signal_connect (pool, "limit-reached", G_CALLBACK (on_limit_reached), seen);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 20000, 0,
          &buf), GST_FLOW_ERROR);
  fail_unless (buf == NULL);
  fail_unless_equals_uint64 (seen[0], 20000);
  fail_unless_equals_uint64 (seen[1], 10000);

  /* a request that fits still works */
  gst_buffer_unref (acquire_sized (pool, 5000));
  stop_and_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Stopping a pool with buffers out leaves them valid and writable; the
 * pool goes away with the last of them. */
GST_START_TEST (test_stop_with_buffers_out)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *a, *b;
  gint finalized = 0;

  g_object_weak_ref (G_OBJECT (pool), count_finalized, &finalized);
  a = acquire (pool);
  b = acquire_sized (pool, 3000);
  fill_buffer (a, 1);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  fail_unless_equals_int (finalized, 0);

  fail_unless (has_fill (a, 1));
  fill_buffer (b, 2);
  fail_unless (has_fill (b, 2));
  fail_unless (gst_buffer_is_writable (a));
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless_equals_int (finalized, 1);
}

GST_END_TEST;

/* set_config on a fresh pool with @config must fail. */
static void
expect_rejected (GstBufferPool * pool, GstStructure * config)
{
  fail_if (gst_buffer_pool_set_config (pool, config));
}

static GstStructure *
base_config (GstBufferPool * pool, guint size, guint min, guint max)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = test_caps ("test/a");

  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  gst_caps_unref (caps);
  return config;
}

/* min-buffers above a non-zero max-buffers is rejected. The fields are
 * set directly: gst_buffer_pool_config_set_params() refuses them. */
GST_START_TEST (test_config_rejects_min_over_max)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);

  gst_structure_set (config, "min-buffers", G_TYPE_UINT, 5,
      "max-buffers", G_TYPE_UINT, 2, NULL);
  expect_rejected (pool, config);
  /* max 0 means no maximum */
  fail_unless (gst_buffer_pool_set_config (pool, base_config (pool, 1000, 5,
              0)));
  gst_object_unref (pool);
}

GST_END_TEST;

/* max-keys outside 1..64 is rejected. */
GST_START_TEST (test_config_rejects_max_keys_range)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config;

  config = base_config (pool, 1000, 0, 0);
  gst_shared_pool_config_set_max_keys (config, 0);
  expect_rejected (pool, config);

  config = base_config (pool, 1000, 0, 0);
  gst_shared_pool_config_set_max_keys (config, 65);
  expect_rejected (pool, config);

  config = base_config (pool, 1000, 0, 0);
  gst_shared_pool_config_set_max_keys (config, 64);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_object_unref (pool);
}

GST_END_TEST;

/* min-buffers that cannot fit in max-bytes, and a size larger than
 * max-bytes, are rejected. */
GST_START_TEST (test_config_rejects_max_bytes)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config;

  config = base_config (pool, 1000, 4, 0);
  gst_shared_pool_config_set_max_bytes (config, 3000);
  expect_rejected (pool, config);

  config = base_config (pool, 10000, 0, 0);
  gst_shared_pool_config_set_max_bytes (config, 5000);
  expect_rejected (pool, config);

  config = base_config (pool, 1000, 2, 0);
  gst_shared_pool_config_set_max_bytes (config, 5000);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_object_unref (pool);
}

GST_END_TEST;

/* VIDEO_META with a size smaller than the caps' frames is rejected. */
GST_START_TEST (test_config_rejects_small_video_size)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = gst_caps_from_string (VIDEO_CAPS);

  gst_buffer_pool_config_set_params (config, caps, 1000, 0, 0);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  expect_rejected (pool, config);
  gst_caps_unref (caps);
  gst_object_unref (pool);
}

GST_END_TEST;

/* Params that do not parse are rejected. */
GST_START_TEST (test_config_rejects_bad_params)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);

  gst_structure_set (config, "size", G_TYPE_STRING, "large", NULL);
  expect_rejected (pool, config);
  gst_object_unref (pool);
}

GST_END_TEST;

/* Another allocator in the config is refused and replaced by a bucket
 * allocator in the config, which the caller can then accept. */
GST_START_TEST (test_config_foreign_allocator)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstAllocator *sysmem = gst_allocator_find (GST_ALLOCATOR_SYSMEM), *alloc;
  GstCaps *caps = test_caps ("test/a");
  GstBuffer *buf;

  gst_buffer_pool_config_set_allocator (config, sysmem, NULL);
  fail_if (gst_buffer_pool_set_config (pool, config));

  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_get_allocator (config, &alloc, NULL));
  fail_unless (GST_IS_BUCKET_ALLOCATOR (alloc));
  fail_unless (gst_buffer_pool_config_validate_params (config, caps, 1000, 0,
          0));
  fail_unless (gst_buffer_pool_set_config (pool, config));

  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  buf = acquire (pool);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);
  stop_and_unref (pool);
  gst_object_unref (sysmem);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* A bucket allocator given in the config is the one buffers come from. */
GST_START_TEST (test_config_bucket_allocator_used)
{
  GstAllocator *alloc = gst_bucket_allocator_new ();
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstBuffer *buf;

  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  buf = acquire (pool);
  fail_unless (gst_buffer_peek_memory (buf, 0)->allocator == alloc);
  gst_buffer_unref (buf);
  buf = acquire_sized (pool, 77);
  fail_unless (gst_buffer_peek_memory (buf, 0)->allocator == alloc);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Configuring another allocator frees the idle buffers of every key made
 * from the old one; the buffers that follow come from the new one. */
GST_START_TEST (test_config_allocator_change)
{
  GstAllocator *alloc = gst_bucket_allocator_new ();
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config;
  GstBuffer *buf;
  gint freed = 0;

  /* a, b, then a again: the current key is not the last one made */
  use_key (pool, "test/a", 4, &freed);
  use_key (pool, "test/b", 4, &freed);
  use_key (pool, "test/a", 4, &freed);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  fail_unless_equals_int (freed, 0);

  config = base_config (pool, 1000, 0, 0);
  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless_equals_int (freed, 2);

  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  buf = acquire (pool);
  fail_unless (gst_buffer_peek_memory (buf, 0)->allocator == alloc);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* With video caps and the VIDEO_META option, buffers carry a GstVideoMeta
 * describing the caps. */
GST_START_TEST (test_video_meta)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = gst_caps_from_string (VIDEO_CAPS);
  GstVideoMeta *vmeta;
  GstVideoInfo info;
  GstBuffer *buf;

  fail_unless (gst_buffer_pool_has_option (pool,
          GST_BUFFER_POOL_OPTION_VIDEO_META));
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_buffer_pool_config_set_params (config, caps, info.size, 0, 0);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  buf = acquire (pool);
  vmeta = gst_buffer_get_video_meta (buf);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->format, GST_VIDEO_FORMAT_I420);
  fail_unless_equals_int (vmeta->width, 320);
  fail_unless_equals_int (vmeta->height, 240);
  fail_unless_equals_int (vmeta->n_planes, 3);
  gst_buffer_unref (buf);

  /* a recycled buffer still has exactly one */
  buf = acquire (pool);
  fail_unless (gst_buffer_get_video_meta (buf) != NULL);
  fail_unless_equals_int (gst_buffer_get_n_meta (buf,
          GST_VIDEO_META_API_TYPE), 1);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* zero-memory in the config hands out zeroed buffers, recycled ones
 * included. */
GST_START_TEST (test_zero_memory)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstBuffer *buf, *first;
  GstMapInfo map;
  gsize i;

  gst_shared_pool_config_set_zero_memory (config, TRUE);
  fail_unless (gst_shared_pool_config_get_zero_memory (config));
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  first = acquire (pool);
  gst_buffer_memset (first, 0, 0xa5, 1000);
  gst_buffer_unref (first);

  buf = acquire (pool);
  fail_unless (buf == first);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i < map.size; i++)
    fail_unless_equals_int (map.data[i], 0);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Sets every byte of the block of @buf, prefix and padding included, to
 * @value; the memory keeps its offset and size. */
static void
scribble_block (GstBuffer * buf, guint8 value)
{
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);
  gsize offset = mem->offset, size = mem->size;
  GstMapInfo map;

  gst_memory_resize (mem, -(gssize) offset, mem->maxsize);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data, value, map.size);
  gst_memory_unmap (mem, &map);
  gst_memory_resize (mem, offset, size);
}

/* Whether the prefix and the padding of the memory of @buf are zero. */
static gboolean
zero_around (GstBuffer * buf)
{
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);
  gsize offset = mem->offset, size = mem->size, i;
  gboolean zero = TRUE;
  GstMapInfo map;

  gst_memory_resize (mem, -(gssize) offset, mem->maxsize);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  for (i = 0; i < map.size; i++)
    zero &= (i >= offset && i < offset + size) || map.data[i] == 0;
  gst_memory_unmap (mem, &map);
  gst_memory_resize (mem, offset, size);
  return zero;
}

/* ZERO_PREFIXED and ZERO_PADDED hold for a reused buffer too: what the
 * last user wrote around its bytes is zero again, for a smaller size of
 * the same class as well. */
GST_START_TEST (test_zero_prefixed_padded_on_reuse)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstAllocationParams params = { GST_MEMORY_FLAG_ZERO_PREFIXED |
        GST_MEMORY_FLAG_ZERO_PADDED, 0, 16, 32,
  };
  GstBuffer *first, *buf;

  gst_buffer_pool_config_set_allocator (config, NULL, &params);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  first = acquire_sized (pool, 1000);
  scribble_block (first, 0xa5);
  gst_buffer_unref (first);
  /* 1000 and 990 bytes with the prefix and padding share a class */
  buf = acquire_sized (pool, 990);
  fail_unless (buf == first);
  fail_unless (GST_MEMORY_IS_ZERO_PADDED (gst_buffer_peek_memory (buf, 0)));
  fail_unless (zero_around (buf));
  gst_buffer_unref (buf);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Idle buffers not used through a whole sweep period are freed, their
 * memory straight back to the system (not to the allocator's lists).
 * With max-idle-time 1 ns each new buffer is a sweep. */
GST_START_TEST (test_idle_buffers_age_out)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstAllocator *alloc = gst_bucket_allocator_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstBuffer *a1, *a2, *s1, *s2;

  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  gst_shared_pool_config_set_max_idle_time (config, 1);
  fail_unless_equals_uint64 (gst_shared_pool_config_get_max_idle_time
      (config), 1);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  a1 = acquire (pool);
  a2 = acquire (pool);
  gst_buffer_unref (a1);
  gst_buffer_unref (a2);
  s1 = acquire_sized (pool, 300);       /* sweep: the period starts */
  s2 = acquire_sized (pool, 300);       /* sweep: a1 and a2 go */
  fail_unless_equals_uint64 (pool_stat (pool, "aged"), 2);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 0);
  fail_unless_equals_uint64 (structure_u64_of_allocator (alloc,
          "bytes-idle"), 0);

  gst_buffer_unref (s1);
  gst_buffer_unref (s2);
  stop_and_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The default keeps idle buffers for seconds: a quick reuse finds them. */
GST_START_TEST (test_idle_buffers_default_kept)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstStructure *config = gst_buffer_pool_get_config (pool);

  fail_unless_equals_uint64 (gst_shared_pool_config_get_max_idle_time
      (config), 5 * GST_SECOND);
  gst_structure_free (config);
  gst_buffer_unref (acquire (pool));
  gst_buffer_unref (acquire_sized (pool, 300));
  gst_buffer_unref (acquire_sized (pool, 300));
  fail_unless_equals_uint64 (pool_stat (pool, "aged"), 0);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A byte range is a size: 0..size; other starts are refused, as the
 * docs say, not served as stop - start bytes. */
GST_START_TEST (test_byte_range_must_start_at_0)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBufferPoolAcquireParams params = { GST_FORMAT_BYTES, 100, 300, 0, };
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
          &params), GST_FLOW_ERROR);
  fail_unless (buf == NULL);
  stop_and_unref (pool);
}

GST_END_TEST;

static const GstStructure *
first_of (const GstStructure * s, const gchar * array)
{
  const GValue *v = gst_structure_get_value (s, array);

  fail_unless (gst_value_array_get_size (v) >= 1);
  return gst_value_get_structure (gst_value_array_get_value (v, 0));
}

/* Every documented stats field is there with its type. */
GST_START_TEST (test_stats_fields)
{
  static const gchar *u64_fields[] = { "hits", "misses", "allocations",
    "frees", "unpooled", "waits", "copies", "copy-fallbacks", "bytes"
  };
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstStructure *s;
  const GstStructure *k, *c;
  guint i;

  gst_buffer_unref (acquire (pool));
  gst_buffer_unref (acquire_sized (pool, 100));
  s = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  fail_unless (gst_structure_has_name (s, "GstSharedPoolStats"));
  for (i = 0; i < G_N_ELEMENTS (u64_fields); i++)
    check_field (s, u64_fields[i], G_TYPE_UINT64);
  check_field (s, "outstanding", G_TYPE_UINT);
  check_field (s, "idle", G_TYPE_UINT);
  check_field (s, "buffers", G_TYPE_UINT);
  check_field (s, "keys", GST_TYPE_ARRAY);
  check_field (s, "classes", GST_TYPE_ARRAY);

  k = first_of (s, "keys");
  fail_unless (gst_structure_has_name (k, "GstSharedPoolKeyStats"));
  check_field (k, "key", G_TYPE_STRING);
  check_field (k, "size", G_TYPE_UINT64);
  check_field (k, "hits", G_TYPE_UINT64);
  check_field (k, "misses", G_TYPE_UINT64);
  check_field (k, "idle", G_TYPE_UINT);
  check_field (k, "buffers", G_TYPE_UINT);

  c = first_of (s, "classes");
  fail_unless (gst_structure_has_name (c, "GstSharedPoolClassStats"));
  check_field (c, "block-size", G_TYPE_UINT64);
  check_field (c, "hits", G_TYPE_UINT64);
  check_field (c, "misses", G_TYPE_UINT64);
  check_field (c, "idle", G_TYPE_UINT);
  check_field (c, "buffers", G_TYPE_UINT);
  gst_structure_free (s);
  stop_and_unref (pool);
}

GST_END_TEST;

/* After a known sequence the counters say what happened: miss, hit, miss;
 * two out, then two idle. */
GST_START_TEST (test_stats_counts)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *a, *b;

  gst_buffer_unref (acquire (pool));
  a = acquire (pool);
  b = acquire (pool);
  fail_unless_equals_uint64 (pool_stat (pool, "hits"), 1);
  fail_unless_equals_uint64 (pool_stat (pool, "misses"), 2);
  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), 2);
  fail_unless_equals_int (pool_stat_uint (pool, "outstanding"), 2);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 0);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), 2);

  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless_equals_int (pool_stat_uint (pool, "outstanding"), 0);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 2);
  fail_unless_equals_uint64 (pool_stat (pool, "frees"), 0);
  fail_unless_equals_uint64 (pool_stat (pool, "waits"), 0);
  fail_unless_equals_uint64 (pool_stat (pool, "copies"), 0);
  fail_unless (pool_stat (pool, "bytes") >= 2 * 1000);
  stop_and_unref (pool);
}

GST_END_TEST;

/* trim frees the idle buffers and leaves the ones out alone. */
GST_START_TEST (test_trim)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *out, *idle;
  gint freed = 0;

  out = acquire (pool);
  idle = acquire (pool);
  watch_free (out, &freed);
  watch_free (idle, &freed);
  gst_buffer_unref (idle);

  gst_shared_pool_trim (GST_SHARED_POOL (pool));
  fail_unless_equals_int (freed, 1);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 0);
  fail_unless_equals_int (pool_stat_uint (pool, "buffers"), 1);
  fail_unless_equals_uint64 (pool_stat (pool, "frees"), 1);

  gst_buffer_unref (out);
  fail_unless_equals_int (freed, 1);
  stop_and_unref (pool);
}

GST_END_TEST;

static gboolean
report_has (const gchar * report, GstBuffer * buf)
{
  gchar *entry = g_strdup_printf ("buffer %p", buf);
  gboolean found = strstr (report, entry) != NULL;

  g_free (entry);
  return found;
}

/* With track-leaks, the report lists each buffer still out, and is NULL
 * once all are back. */
GST_START_TEST (test_leak_report)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, 0);
  GstBuffer *a, *b;
  gchar *report;

  gst_shared_pool_config_set_track_leaks (config, TRUE);
  fail_unless (gst_shared_pool_config_get_track_leaks (config));
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless (gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool)) ==
      NULL);

  a = acquire (pool);
  b = acquire_sized (pool, 5000);
  report = gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool));
  fail_unless (report != NULL);
  fail_unless (strstr (report, "5000") != NULL, "no size in %s", report);
  fail_unless (report_has (report, a) && report_has (report, b), "%s", report);
  g_free (report);

  gst_buffer_unref (a);
  report = gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool));
  fail_unless (report != NULL);
  fail_unless (!report_has (report, a) && report_has (report, b), "%s", report);
  g_free (report);

  gst_buffer_unref (b);
  fail_unless (gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool)) ==
      NULL);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Whether @pool tracks leaks: a buffer out is in its report. */
static gboolean
pool_tracks_leaks (GstBufferPool * pool)
{
  GstBuffer *buf = acquire (pool);
  gchar *report = gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool));
  gboolean tracked = report != NULL;

  g_free (report);
  gst_buffer_unref (buf);
  return tracked;
}

/* A debug level changes no behaviour: the sharedpool category at LOG
 * when the pool is configured does not turn leak tracking on. */
GST_START_TEST (test_debug_level_does_not_track_leaks)
{
  GstBufferPool *pool;

  gst_debug_set_threshold_for_name ("sharedpool", GST_LEVEL_LOG);
  pool = new_active_pool ("test/a", 1000, 0, 0);
  gst_debug_unset_threshold_for_name ("sharedpool");

  fail_if (pool_tracks_leaks (pool));
  stop_and_unref (pool);
}

GST_END_TEST;

/* GST_SHAREDPOOL_TRACK_LEAKS turns tracking on for the pools configured
 * while it is set, without the config field; "0" leaves it off. */
GST_START_TEST (test_track_leaks_env)
{
  GstBufferPool *on, *off;

  g_setenv ("GST_SHAREDPOOL_TRACK_LEAKS", "1", TRUE);
  on = new_active_pool ("test/a", 1000, 0, 0);
  g_setenv ("GST_SHAREDPOOL_TRACK_LEAKS", "0", TRUE);
  off = new_active_pool ("test/a", 1000, 0, 0);
  g_unsetenv ("GST_SHAREDPOOL_TRACK_LEAKS");

  fail_unless (pool_tracks_leaks (on));
  fail_if (pool_tracks_leaks (off));
  stop_and_unref (on);
  stop_and_unref (off);
}

GST_END_TEST;

/* Holder reports of a pool, caught from its signal. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint n;
  GstStructure *last;
} Reports;

static void
on_holder_report (GstBufferPool * pool, const GstStructure * report,
    const gchar * description, Reports * r)
{
  fail_unless (strstr (description, "buffer ") != NULL);
  g_mutex_lock (&r->lock);
  r->n++;
  if (r->last)
    gst_structure_free (r->last);
  r->last = gst_structure_copy (report);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
reports_clear (Reports * r)
{
  g_clear_pointer (&r->last, gst_structure_free);
  g_cond_clear (&r->cond);
  g_mutex_clear (&r->lock);
}

/* An active pool of at most @max buffers of 1000 bytes, whose acquires
 * report after waiting @timeout; the reports go to @r. */
static GstBufferPool *
new_reporting_pool (guint max, GstClockTime timeout, Reports * r)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = base_config (pool, 1000, 0, max);

  gst_shared_pool_config_set_holder_report_timeout (config, timeout);
  fail_unless_equals_uint64
      (gst_shared_pool_config_get_holder_report_timeout (config), timeout);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  memset (r, 0, sizeof (*r));
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  g_signal_connect (pool, "holder-report", G_CALLBACK (on_holder_report), r);
  return pool;
}

static gpointer
acquire_func (gpointer pool)
{
  return acquire (pool);
}

/* An acquire that waits past holder-report-timeout reports, once, each
 * buffer out with its size and the thread that acquired it (no tracer
 * here: no last holder), then goes on waiting for a buffer. */
GST_START_TEST (test_holder_report_lists_buffers)
{
  Reports r;
  GstBufferPool *pool = new_reporting_pool (2, GST_MSECOND, &r);
  GstBuffer *a = g_thread_join (g_thread_new ("acquirer", acquire_func, pool));
  GstBuffer *b = acquire (pool);
  Waiter w;
  guint i;

  start_waiter (&w, pool, 0);
  wait_for_count (&r.lock, &r.cond, &r.n, 1);
  fail_unless_equals_int (structure_uint (r.last, "outstanding"), 2);
  fail_unless (structure_u64 (r.last, "waited") >= GST_MSECOND);
  for (i = 0; i < 2; i++) {
    const GstStructure *held = held_buffer (r.last, i);
    gchar *address = g_strdup_printf ("%p", i == 0 ? a : b);

    /* oldest first */
    fail_unless_equals_string (gst_structure_get_string (held, "buffer"),
        address);
    fail_unless_equals_uint64 (structure_u64 (held, "size"), 1000);
    check_field (held, "held-for", G_TYPE_UINT64);
    fail_if (gst_structure_has_field (held, "last-holder"));
    g_free (address);
  }
  fail_unless_equals_string (gst_structure_get_string (held_buffer (r.last,
              0), "acquired-by"), "acquirer");

  gst_buffer_unref (a);
  fail_unless_equals_int (join_waiter (&w), GST_FLOW_OK);
  fail_unless (w.buffer == a);
  fail_unless_equals_int (read_count (&r.lock, &r.n), 1);
  gst_buffer_unref (w.buffer);
  gst_buffer_unref (b);
  stop_and_unref (pool);
  reports_clear (&r);
}

GST_END_TEST;

/* With a timeout of 0 (the default) an acquire never reports: here it
 * has waited longer than the acquire of another pool, with a timeout,
 * that did. */
GST_START_TEST (test_holder_report_off)
{
  Reports off_r, on_r;
  GstBufferPool *off = new_reporting_pool (1, 0, &off_r);
  GstBufferPool *on = new_reporting_pool (1, GST_MSECOND, &on_r);
  GstBuffer *a = acquire (off), *b = acquire (on);
  Waiter w_off, w_on;

  start_waiter (&w_off, off, 0);
  start_waiter (&w_on, on, 0);
  wait_for_count (&on_r.lock, &on_r.cond, &on_r.n, 1);
  fail_unless_equals_int (read_count (&off_r.lock, &off_r.n), 0);

  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless_equals_int (join_waiter (&w_off), GST_FLOW_OK);
  fail_unless_equals_int (join_waiter (&w_on), GST_FLOW_OK);
  gst_buffer_unref (w_off.buffer);
  gst_buffer_unref (w_on.buffer);
  stop_and_unref (off);
  stop_and_unref (on);
  reports_clear (&off_r);
  reports_clear (&on_r);
}

GST_END_TEST;

/* A flush wakes an acquire that waits with a report timeout, before
 * the report is due (a timed wait) and after it was made. */
GST_START_TEST (test_holder_report_flush_wakes)
{
  const GstClockTime timeouts[] = { 3600 * GST_SECOND, GST_MSECOND };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (timeouts); i++) {
    Reports r;
    GstBufferPool *pool = new_reporting_pool (1, timeouts[i], &r);
    GstBuffer *held = acquire (pool);
    Waiter w;

    start_waiter (&w, pool, 0);
    if (timeouts[i] == GST_MSECOND)
      wait_for_count (&r.lock, &r.cond, &r.n, 1);
    gst_buffer_pool_set_flushing (pool, TRUE);
    fail_unless_equals_int (join_waiter (&w), GST_FLOW_FLUSHING);
    fail_unless (w.buffer == NULL);

    gst_buffer_unref (held);
    stop_and_unref (pool);
    reports_clear (&r);
  }
}

GST_END_TEST;

/* Stress: 4 threads acquire and release, plain and sized, one or two
 * buffers at a time, against max-buffers 6 so that they wait on each
 * other and evict each other's idle classes. The run must finish: a
 * watchdog aborts it if it has not after a minute. */
#define STRESS_THREADS 4
#define STRESS_MAX_BUFFERS 6

typedef struct
{
  GstBufferPool *pool;
  guint seed;
  guint64 acquires;
  GstFlowReturn ret;
} StressThread;

static guint
stress_iterations (void)
{
  return RUNNING_ON_VALGRIND ? 500 : 100000;
}

static GstFlowReturn
stress_acquire (GstBufferPool * pool, guint kind, GstBuffer ** buf)
{
  static const gsize sizes[] = { 100, 3000, 70000 };

  if (kind % 4 == 0)
    return gst_buffer_pool_acquire_buffer (pool, buf, NULL);
  return gst_shared_pool_acquire_sized (pool, sizes[kind % 4 - 1], 0, buf);
}

static gpointer
stress_func (gpointer data)
{
  StressThread *st = data;
  GRand *rand = g_rand_new_with_seed (st->seed);
  guint i, n = stress_iterations ();

  st->ret = GST_FLOW_OK;
  for (i = 0; i < n && st->ret == GST_FLOW_OK; i++) {
    GstBuffer *a = NULL, *b = NULL;

    st->ret = stress_acquire (st->pool, g_rand_int (rand), &a);
    if (st->ret == GST_FLOW_OK && g_rand_int_range (rand, 0, 3) == 0)
      st->ret = stress_acquire (st->pool, g_rand_int (rand), &b);
    st->acquires += (a != NULL) + (b != NULL);
    if (a)
      gst_buffer_memset (a, 0, (guint8) i, 1);
    if (b)
      gst_buffer_memset (b, gst_buffer_get_size (b) - 1, (guint8) i, 1);
    gst_clear_buffer (&b);
    gst_clear_buffer (&a);
  }
  g_rand_free (rand);
  return NULL;
}

GST_START_TEST (test_stress_threads)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0,
      STRESS_MAX_BUFFERS);
  StressThread st[STRESS_THREADS];
  GThread *threads[STRESS_THREADS];
  guint64 acquires = 0;
  Watchdog wd;
  guint i;

  watchdog_start (&wd);
  for (i = 0; i < STRESS_THREADS; i++) {
    st[i].pool = pool;
    st[i].seed = i + 1;
    st[i].acquires = 0;
    threads[i] = g_thread_new ("stress", stress_func, &st[i]);
  }
  for (i = 0; i < STRESS_THREADS; i++) {
    g_thread_join (threads[i]);
    fail_unless_equals_int (st[i].ret, GST_FLOW_OK);
    acquires += st[i].acquires;
  }
  watchdog_stop (&wd);

  fail_unless (acquires >= STRESS_THREADS * stress_iterations ());
  fail_unless_equals_uint64 (pool_stat (pool, "hits") +
      pool_stat (pool, "misses"), acquires);
  fail_unless_equals_int (pool_stat_uint (pool, "outstanding"), 0);
  fail_unless (pool_stat_uint (pool, "buffers") <= STRESS_MAX_BUFFERS);
  stop_and_unref (pool);
}

GST_END_TEST;

/* Conformance: what GStreamer's own buffer pool tests ask of any pool,
 * checked from the behaviour. */

/* An inactive pool hands out nothing: plain and sized acquires return
 * FLUSHING. */
GST_START_TEST (test_inactive_pool_returns_flushing)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstBuffer *buf = NULL;

  configure (pool, NULL, 1000, 0, 0);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_FLUSHING);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 100, 0, &buf),
      GST_FLOW_FLUSHING);
  fail_unless (buf == NULL);
  gst_object_unref (pool);
}

GST_END_TEST;

/* A flushing pool returns FLUSHING, with or without DONTWAIT, and serves
 * again once the flush is over. */
GST_START_TEST (test_flushing_pool_returns_flushing)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 1, 0);
  GstBufferPoolAcquireParams params = { GST_FORMAT_UNDEFINED, 0, 0,
    GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT,
  };
  GstBuffer *buf = NULL;

  gst_buffer_pool_set_flushing (pool, TRUE);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_FLUSHING);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
          &params), GST_FLOW_FLUSHING);
  fail_unless_equals_int (gst_shared_pool_acquire_sized (pool, 100, 0, &buf),
      GST_FLOW_FLUSHING);
  fail_unless (buf == NULL);

  gst_buffer_pool_set_flushing (pool, FALSE);
  gst_buffer_unref (acquire (pool));
  stop_and_unref (pool);
}

GST_END_TEST;

/* Buffers given back in another order than taken are all reused: no
 * allocation for the second round. */
GST_START_TEST (test_out_of_order_release_reused)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *a = acquire (pool), *b = acquire (pool), *c = acquire (pool);
  GstBuffer *x, *y, *z;

  gst_buffer_unref (b);
  gst_buffer_unref (a);
  gst_buffer_unref (c);
  x = acquire (pool);
  y = acquire (pool);
  z = acquire (pool);
  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), 3);
  fail_unless (x != y && y != z && x != z);
  fail_unless (x == a || x == b || x == c);
  fail_unless (y == a || y == b || y == c);
  fail_unless (z == a || z == b || z == c);
  gst_buffer_unref (x);
  gst_buffer_unref (y);
  gst_buffer_unref (z);
  stop_and_unref (pool);
}

GST_END_TEST;

/* The config can change only while the pool is inactive with no buffer
 * out; what was set reads back and validates. */
GST_START_TEST (test_config_only_when_inactive)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 1, 4);
  GstCaps *caps = test_caps ("test/a");
  GstStructure *config;
  GstBuffer *buf;

  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_validate_params (config, caps, 1000,
          1, 4));
  gst_structure_free (config);
  fail_if (gst_buffer_pool_set_config (pool, base_config (pool, 2000, 0, 0)));

  buf = acquire (pool);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  fail_if (gst_buffer_pool_set_config (pool, base_config (pool, 2000, 0, 0)));
  gst_buffer_unref (buf);
  fail_unless (gst_buffer_pool_set_config (pool, base_config (pool, 2000, 0,
              0)));
  gst_caps_unref (caps);
  gst_object_unref (pool);
}

GST_END_TEST;

/* A meta added by a user goes on release, the buffer itself is reused;
 * a size changed by a user is the configured one again. */
GST_START_TEST (test_modified_after_acquire_reused_clean)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstCaps *ref = test_caps ("test/ref");
  GstBuffer *first, *buf;

  first = acquire (pool);
  gst_buffer_add_reference_timestamp_meta (first, ref, 1, 2);
  gst_buffer_resize (first, 10, 100);
  gst_buffer_unref (first);

  buf = acquire (pool);
  fail_unless (buf == first);
  fail_unless (gst_buffer_get_reference_timestamp_meta (buf, NULL) == NULL);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 1000);
  fail_unless_equals_uint64 (gst_buffer_peek_memory (buf, 0)->offset, 0);
  gst_buffer_unref (buf);
  gst_caps_unref (ref);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A buffer given more memory by a user is freed on release. */
GST_START_TEST (test_appended_memory_discarded)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *buf = acquire (pool);
  gint freed = 0;

  watch_free (buf, &freed);
  gst_buffer_append_memory (buf, gst_allocator_alloc (NULL, 10, NULL));
  gst_buffer_unref (buf);
  fail_unless_equals_int (freed, 1);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 0);
  stop_and_unref (pool);
}

GST_END_TEST;

/* A buffer whose memory someone still holds at release is discarded, so
 * the holder's bytes are never overwritten by the next user (the stock
 * pool reuses it). */
GST_START_TEST (test_memory_held_elsewhere_discarded)
{
  GstBufferPool *pool = new_active_pool ("test/a", 1000, 0, 0);
  GstBuffer *first = acquire (pool), *buf, *holder = gst_buffer_new ();
  gint freed = 0;

  fill_buffer (first, 3);
  watch_free (first, &freed);
  gst_buffer_append_memory (holder, gst_buffer_get_memory (first, 0));
  gst_buffer_unref (first);
  /* freed, not queued (a new buffer may get its address, so no pointer
   * comparison) */
  fail_unless_equals_int (freed, 1);
  fail_unless_equals_int (pool_stat_uint (pool, "idle"), 0);

  buf = acquire (pool);
  fill_buffer (buf, 9);
  fail_unless (has_fill (holder, 3));
  gst_buffer_unref (buf);
  gst_buffer_unref (holder);
  stop_and_unref (pool);
}

GST_END_TEST;

static Suite *
sharedpool_suite (void)
{
  Suite *s = suite_create ("GstSharedPool");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_acquire_configured_size);
  tcase_add_test (tc, test_min_buffers_preallocated);
  tcase_add_test (tc, test_sized_exact_sizes);
  tcase_add_test (tc, test_sized_via_acquire_params);
  tcase_add_test (tc, test_sized_reuse_lifo);
  tcase_add_test (tc, test_plain_acquire_on_sized_only_pool);
  tcase_add_test (tc, test_release_resets_buffer);
  tcase_add_test (tc, test_reset_buffer_vfunc);
  tcase_add_test (tc, test_modified_buffer_discarded);
  tcase_add_test (tc, test_discard_releases_nested_buffer);
  tcase_add_test (tc, test_keyed_reuse_after_renegotiation);
  tcase_add_test (tc, test_key_string);
  tcase_add_test (tc, test_lru_max_keys_1);
  tcase_add_test (tc, test_lru_max_keys_2);
  tcase_add_test (tc, test_make_writable_not_shared);
  tcase_add_test (tc, test_make_writable_copies_shared_buffer);
  tcase_add_test (tc, test_make_writable_copies_shared_memory);
  tcase_add_test (tc, test_flushing_wakes_waiter);
  tcase_add_test (tc, test_deactivate_wakes_waiter);
  tcase_add_test (tc, test_release_wakes_waiter);
  tcase_add_test (tc, test_release_wakes_sized_waiter);
  tcase_add_test (tc, test_dontwait_eos_at_max_buffers);
  tcase_add_test (tc, test_max_bytes_bound);
  tcase_add_test (tc, test_request_over_max_bytes_errors);
  tcase_add_test (tc, test_huge_request_errors);
  tcase_add_loop_test (tc, test_restart_after_renegotiation_max_buffers, 0,
      G_N_ELEMENTS (restart_cases));
  tcase_add_loop_test (tc, test_restart_after_renegotiation_max_bytes, 0,
      G_N_ELEMENTS (restart_cases));
  tcase_add_loop_test (tc, test_restart_after_sized_rents, 0, 2);
  tcase_add_test (tc, test_stop_with_buffers_out);
  tcase_add_test (tc, test_config_rejects_min_over_max);
  tcase_add_test (tc, test_config_rejects_max_keys_range);
  tcase_add_test (tc, test_config_rejects_max_bytes);
  tcase_add_test (tc, test_config_rejects_small_video_size);
  tcase_add_test (tc, test_config_rejects_bad_params);
  tcase_add_test (tc, test_config_foreign_allocator);
  tcase_add_test (tc, test_config_bucket_allocator_used);
  tcase_add_test (tc, test_config_allocator_change);
  tcase_add_test (tc, test_video_meta);
  tcase_add_test (tc, test_zero_memory);
  tcase_add_test (tc, test_zero_prefixed_padded_on_reuse);
  tcase_add_test (tc, test_byte_range_must_start_at_0);
  tcase_add_test (tc, test_idle_buffers_age_out);
  tcase_add_test (tc, test_idle_buffers_default_kept);
  tcase_add_test (tc, test_stats_fields);
  tcase_add_test (tc, test_stats_counts);
  tcase_add_test (tc, test_trim);
  tcase_add_test (tc, test_leak_report);
  tcase_add_test (tc, test_debug_level_does_not_track_leaks);
  tcase_add_test (tc, test_track_leaks_env);
  tcase_add_test (tc, test_holder_report_lists_buffers);
  tcase_add_test (tc, test_holder_report_off);
  tcase_add_test (tc, test_holder_report_flush_wakes);
  tcase_add_test (tc, test_stress_threads);

  tc = tcase_create ("conformance");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_inactive_pool_returns_flushing);
  tcase_add_test (tc, test_flushing_pool_returns_flushing);
  tcase_add_test (tc, test_out_of_order_release_reused);
  tcase_add_test (tc, test_config_only_when_inactive);
  tcase_add_test (tc, test_modified_after_acquire_reused_clean);
  tcase_add_test (tc, test_appended_memory_discarded);
  tcase_add_test (tc, test_memory_held_elsewhere_discarded);

  return s;
}

GST_CHECK_MAIN (sharedpool);
