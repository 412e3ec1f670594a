/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of GstBucketFdAllocator: fd memory, reuse of the same file,
 * allocation params, idle budget and lifetime; and a GstSharedPool over
 * it, which recycles fd memory as it does bucket memory. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/mman.h>

#include <gst/check/gstcheck.h>
#include <gst/sharedpool/sharedpool.h>
#include <gst/video/video.h>

#include "../testutil.h"

static guint64
fd_stat (GstAllocator * alloc, const gchar * field)
{
  GstStructure *s =
      gst_bucket_fd_allocator_get_stats (GST_BUCKET_FD_ALLOCATOR (alloc));
  guint64 v = structure_u64 (s, field);

  gst_structure_free (s);
  return v;
}

/* The memory is fd memory whose file holds what was written through a
 * map: another process mapping the fd sees the same bytes. */
GST_START_TEST (test_fd_memory)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *mem = gst_allocator_alloc (alloc, 1000, NULL);
  GstMapInfo map;
  guint8 *other;

  fail_unless (gst_is_fd_memory (mem));
  fail_unless (gst_is_bucket_fd_memory (mem));
  fail_unless_equals_int (gst_memory_get_sizes (mem, NULL, NULL), 1000);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data, 0xa5, map.size);
  gst_memory_unmap (mem, &map);

  other = mmap (NULL, 1000, PROT_READ, MAP_SHARED,
      gst_fd_memory_get_fd (mem), 0);
  fail_unless (other != MAP_FAILED);
  fail_unless_equals_int (other[0], 0xa5);
  fail_unless_equals_int (other[999], 0xa5);
  munmap (other, 1000);

  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The file is a memfd where the system has memfd_create() (all Linux this
 * project runs on), not the shm_open() fallback: nothing is left behind in
 * /dev/shm, and the file can be sealed. */
GST_START_TEST (test_memfd)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *mem = gst_allocator_alloc (alloc, 1000, NULL);
  gchar *link = g_strdup_printf ("/proc/self/fd/%d",
      gst_fd_memory_get_fd (mem));
  gchar *target = g_file_read_link (link, NULL);

  fail_unless (target != NULL);
  fail_unless (g_str_has_prefix (target, "/memfd:gst-sharedpool"), "%s",
      target);

  g_free (target);
  g_free (link);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A freed memory comes back, with the same fd and the same mapping, to
 * the next request of its size class: no file is made per allocation. */
GST_START_TEST (test_reuse_same_file)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *mem = gst_allocator_alloc (alloc, 1920 * 1080 * 3 / 2, NULL);
  gint fd = gst_fd_memory_get_fd (mem);
  GstMapInfo map;
  gpointer data;
  guint i;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  data = map.data;
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);

  for (i = 0; i < 100; i++) {
    mem = gst_allocator_alloc (alloc, 1920 * 1080 * 3 / 2 - i, NULL);
    fail_unless_equals_int (gst_fd_memory_get_fd (mem), fd);
    fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
    fail_unless (map.data == data);
    gst_memory_unmap (mem, &map);
    gst_memory_unref (mem);
  }
  fail_unless_equals_int (fd_stat (alloc, "files-created"), 1);
  fail_unless_equals_int (fd_stat (alloc, "reuses"), 100);
  fail_unless_equals_int (fd_stat (alloc, "in-use"), 0);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Prefix and padding are honoured, zeroed when the flags ask, also in a
 * recycled block that held other bytes. */
GST_START_TEST (test_params)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstAllocationParams params = { GST_MEMORY_FLAG_ZERO_PREFIXED, 0, 64, 0 };
  GstMemory *mem = gst_allocator_alloc (alloc, 5000, NULL);
  GstMapInfo map;
  gsize offset, maxsize;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data, 0xff, map.size);
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);

  mem = gst_allocator_alloc (alloc, 4900, &params);
  fail_unless_equals_int (gst_memory_get_sizes (mem, &offset, &maxsize), 4900);
  fail_unless_equals_int (offset, 64);
  fail_unless (maxsize >= 4964);
  fail_unless (GST_MEMORY_FLAG_IS_SET (mem, GST_MEMORY_FLAG_ZERO_PREFIXED));
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless_equals_int (map.data[-1], 0);
  fail_unless_equals_int (map.data[-64], 0);
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);
  fail_unless_equals_int (fd_stat (alloc, "files-created"), 1);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* With no idle budget a freed memory is closed, not kept. */
GST_START_TEST (test_no_idle)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *mem;

  g_object_set (alloc, "max-idle-bytes", (guint64) 0, NULL);
  mem = gst_allocator_alloc (alloc, 1000, NULL);
  gst_memory_unref (mem);
  fail_unless_equals_int (fd_stat (alloc, "bytes-idle"), 0);
  fail_unless_equals_int (fd_stat (alloc, "bytes-owned"), 0);
  mem = gst_allocator_alloc (alloc, 1000, NULL);
  gst_memory_unref (mem);
  fail_unless_equals_int (fd_stat (alloc, "files-created"), 2);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Shares keep the parent alive; the parent is recycled when the last share
 * goes. Memory outliving the allocator object is freed properly. */
GST_START_TEST (test_share_and_lifetime)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *mem = gst_allocator_alloc (alloc, 1000, NULL);
  GstMemory *sub = gst_memory_share (mem, 10, 100);
  GstMemory *kept;

  fail_unless (gst_is_fd_memory (sub));
  fail_unless_equals_int (gst_fd_memory_get_fd (sub),
      gst_fd_memory_get_fd (mem));
  gst_memory_unref (mem);
  fail_unless_equals_int (fd_stat (alloc, "in-use"), 1);
  gst_memory_unref (sub);
  fail_unless_equals_int (fd_stat (alloc, "in-use"), 0);

  kept = gst_allocator_alloc (alloc, 1000, NULL);
  gst_object_unref (alloc);
  /* the memory holds the allocator; its last unref frees both */
  gst_memory_unref (kept);
}

GST_END_TEST;

/* The file descriptors this process has open. */
static guint
open_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* An allocator whose sweep period is over at every look at the clock:
 * each file created is a sweep, so tests steer the periods with
 * allocations of another size class, not with the clock. */
static GstAllocator *
aging_allocator_new (void)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();

  g_object_set (alloc, "max-idle-time", (guint64) 1, NULL);
  return alloc;
}

/* Memory idle through a whole sweep period is unmapped and its file
 * closed; memory reused in the period stays. */
GST_START_TEST (test_idle_memory_ages_out)
{
  GstAllocator *alloc = aging_allocator_new ();
  GstMemory *m1 = gst_allocator_alloc (alloc, 1000, NULL);
  GstMemory *m2 = gst_allocator_alloc (alloc, 1000, NULL);
  GstMemory *other1, *other2, *again;
  guint fds;

  gst_memory_unref (m1);
  gst_memory_unref (m2);
  /* sweep 1 starts the period in which both are idle */
  other1 = gst_allocator_alloc (alloc, 50000, NULL);
  again = gst_allocator_alloc (alloc, 1000, NULL);
  fds = open_fds ();
  /* sweep 2 closes the one not reused, then other2's file is made */
  other2 = gst_allocator_alloc (alloc, 50000, NULL);
  fail_unless_equals_int (open_fds (), fds);
  fail_unless_equals_uint64 (fd_stat (alloc, "aged"), 1);
  fail_unless_equals_uint64 (fd_stat (alloc, "bytes-idle"), 0);
  fail_unless_equals_uint64 (fd_stat (alloc, "bytes-owned"),
      again->maxsize + other1->maxsize + other2->maxsize);

  gst_memory_unref (again);
  gst_memory_unref (other1);
  gst_memory_unref (other2);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Memory reused in every sweep period is kept, with its file, however
 * many periods go by. */
GST_START_TEST (test_reused_memory_kept)
{
  GstAllocator *alloc = aging_allocator_new ();
  GstMemory *mem = gst_allocator_alloc (alloc, 1000, NULL);
  gint fd = gst_fd_memory_get_fd (mem);
  GstMemory *other[4];
  guint i;

  gst_memory_unref (mem);
  for (i = 0; i < G_N_ELEMENTS (other); i++) {
    /* a sweep per file: the 1000-byte memory was reused in the period */
    other[i] = gst_allocator_alloc (alloc, 50000 << i, NULL);
    mem = gst_allocator_alloc (alloc, 1000, NULL);
    fail_unless_equals_int (gst_fd_memory_get_fd (mem), fd);
    gst_memory_unref (mem);
  }
  fail_unless_equals_uint64 (fd_stat (alloc, "aged"), 0);
  fail_unless_equals_uint64 (fd_stat (alloc, "reuses"), G_N_ELEMENTS (other));

  for (i = 0; i < G_N_ELEMENTS (other); i++)
    gst_memory_unref (other[i]);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* max-idle-time is 5 s by default, and 0 keeps idle memory until trimmed
 * however many sweeps would have run. */
GST_START_TEST (test_idle_time_zero_keeps)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  guint64 max_idle_time;
  guint i;

  g_object_get (alloc, "max-idle-time", &max_idle_time, NULL);
  fail_unless_equals_uint64 (max_idle_time, 5 * GST_SECOND);
  g_object_set (alloc, "max-idle-time", (guint64) 0, NULL);

  gst_memory_unref (gst_allocator_alloc (alloc, 1000, NULL));
  for (i = 0; i < 4; i++)
    gst_memory_unref (gst_allocator_alloc (alloc, 50000 << i, NULL));
  fail_unless_equals_uint64 (fd_stat (alloc, "aged"), 0);
  fail_unless_equals_uint64 (fd_stat (alloc, "files-created"), 5);
  fail_unless (fd_stat (alloc, "bytes-idle") > 50000 * 15);
  gst_object_unref (alloc);
}

GST_END_TEST;

#define FRAME_SIZE (64 * 48 * 3 / 2)

/* An active GstSharedPool of FRAME_SIZE buffers over @alloc; @max
 * buffers at most, @zero fills each one with zeroes. */
static GstBufferPool *
fd_pool_new (GstAllocator * alloc, guint max, gboolean zero)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, FRAME_SIZE, 0, max);
  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  gst_shared_pool_config_set_zero_memory (config, zero);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  return pool;
}

static GstBuffer *
acquire (GstBufferPool * pool)
{
  GstBuffer *buffer = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buffer,
          NULL), GST_FLOW_OK);
  return buffer;
}

static void
fd_pool_free (GstBufferPool * pool, GstAllocator * alloc)
{
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_object_unref (alloc);
}

static gint
buffer_fd (GstBuffer * buffer)
{
  GstMemory *mem = gst_buffer_peek_memory (buffer, 0);

  fail_unless (gst_is_fd_memory (mem));
  return gst_fd_memory_get_fd (mem);
}

/* A pool over the fd allocator hands out fd memory and gets the same
 * buffer, with the same file, back after each release: in steady state
 * neither the pool nor the allocator makes anything. */
GST_START_TEST (test_pool_recycles_fd_memory)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = fd_pool_new (alloc, 0, FALSE);
  GstBuffer *buffer;
  gint fd;
  guint i;

  buffer = acquire (pool);
  fail_unless_equals_int (gst_buffer_get_size (buffer), FRAME_SIZE);
  fd = buffer_fd (buffer);
  gst_buffer_unref (buffer);

  for (i = 0; i < 50; i++) {
    buffer = acquire (pool);
    fail_unless_equals_int (buffer_fd (buffer), fd);
    gst_buffer_unref (buffer);
  }
  fail_unless_equals_int (pool_stat (pool, "allocations"), 1);
  fail_unless_equals_int (pool_stat (pool, "hits"), 50);
  fail_unless_equals_int (fd_stat (alloc, "files-created"), 1);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* Sized rents come from the fd allocator's size classes: every size of a
 * class gets the same file back. */
GST_START_TEST (test_pool_sized_fd_memory)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = fd_pool_new (alloc, 0, FALSE);
  GstBuffer *buffer;
  gint fd = -1;
  guint i;

  for (i = 0; i < 20; i++) {
    fail_unless_equals_int (gst_shared_pool_acquire_sized (pool,
            110000 - i * 100, 0, &buffer), GST_FLOW_OK);
    fail_unless_equals_int (gst_buffer_get_size (buffer), 110000 - i * 100);
    if (fd < 0)
      fd = buffer_fd (buffer);
    fail_unless_equals_int (buffer_fd (buffer), fd);
    gst_buffer_unref (buffer);
  }
  fail_unless_equals_int (pool_stat (pool, "allocations"), 1);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* max-buffers bounds fd buffers as it does bucket ones: at the bound an
 * acquire with DONTWAIT gets EOS, and a release makes room again. */
GST_START_TEST (test_pool_fd_max_buffers)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = fd_pool_new (alloc, 2, FALSE);
  GstBufferPoolAcquireParams dontwait = { GST_FORMAT_UNDEFINED, 0, 0,
    GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT
  };
  GstBuffer *a, *b, *c;
  gint fd;

  a = acquire (pool);
  b = acquire (pool);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &c,
          &dontwait), GST_FLOW_EOS);

  fd = buffer_fd (b);
  gst_buffer_unref (b);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &c,
          &dontwait), GST_FLOW_OK);
  fail_unless_equals_int (buffer_fd (c), fd);
  fail_unless_equals_int (fd_stat (alloc, "files-created"), 2);
  gst_buffer_unref (a);
  gst_buffer_unref (c);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* With zero-memory the pool clears a recycled fd buffer, which it maps
 * for that (fd memory has no block pointer at hand). */
GST_START_TEST (test_pool_fd_zero_memory)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = fd_pool_new (alloc, 0, TRUE);
  GstBuffer *buffer;
  GstMapInfo map;

  buffer = acquire (pool);
  gst_buffer_memset (buffer, 0, 0xff, FRAME_SIZE);
  gst_buffer_unref (buffer);

  buffer = acquire (pool);
  fail_unless_equals_int (pool_stat (pool, "hits"), 1);
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  fail_unless_equals_int (map.data[0], 0);
  fail_unless_equals_int (map.data[FRAME_SIZE - 1], 0);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* Raw video caps with the video meta option give fd buffers with a
 * video meta, and a buffer out is in the leak report. */
GST_START_TEST (test_pool_fd_video_meta_and_report)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=I420,"
      "width=64,height=48");
  GstBuffer *buffer;
  gchar *report;

  gst_buffer_pool_config_set_params (config, caps, FRAME_SIZE, 0, 0);
  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_shared_pool_config_set_track_leaks (config, TRUE);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  buffer = acquire (pool);
  buffer_fd (buffer);
  fail_unless (gst_buffer_get_video_meta (buffer) != NULL);

  report = gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool));
  fail_unless (report != NULL);
  g_free (report);
  gst_buffer_unref (buffer);
  gst_caps_unref (caps);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* Trimming the pool frees its idle buffers and the fd allocator's idle
 * files. */
GST_START_TEST (test_pool_fd_trim)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = fd_pool_new (alloc, 0, FALSE);

  gst_buffer_unref (acquire (pool));
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  fail_unless (fd_stat (alloc, "bytes-owned") > 0);

  gst_shared_pool_trim (GST_SHARED_POOL (pool));
  fail_unless_equals_int (fd_stat (alloc, "bytes-owned"), 0);
  fail_unless_equals_int (fd_stat (alloc, "bytes-idle"), 0);
  gst_object_unref (pool);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* After a renegotiation the frames of the old pool sit idle in the
 * allocator, and the new pool's steady state allocates nothing: the new
 * pool's reuses age them out (a look every 64 hits), and the new frames
 * stay. */
GST_START_TEST (test_pool_ages_memory_of_old_caps)
{
  GstAllocator *alloc = aging_allocator_new ();
  GstBufferPool *old = fd_pool_new (alloc, 0, FALSE);
  GstBufferPool *pool;
  GstBuffer *buffer;
  guint i;

  fail_unless_equals_int (gst_shared_pool_acquire_sized (old, 50000, 0,
          &buffer), GST_FLOW_OK);
  gst_buffer_unref (buffer);
  fd_pool_free (old, gst_object_ref (alloc));
  fail_unless (fd_stat (alloc, "bytes-idle") >= 50000);

  /* a miss: the new frame's file is a sweep, the period starts */
  pool = fd_pool_new (alloc, 0, FALSE);
  gst_buffer_unref (acquire (pool));
  for (i = 0; i < 63; i++)
    gst_buffer_unref (acquire (pool));
  fail_unless_equals_uint64 (fd_stat (alloc, "aged"), 0);
  /* the 64th hit looks at the allocator's clock */
  gst_buffer_unref (acquire (pool));
  fail_unless_equals_uint64 (fd_stat (alloc, "aged"), 1);
  fail_unless_equals_uint64 (fd_stat (alloc, "bytes-idle"), 0);
  fail_unless_equals_uint64 (pool_stat (pool, "allocations"), 1);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

/* A pool nobody acquires from any more (upstream went EOS and keeps it)
 * ages its idle frames out when its owner sweeps it: their files are
 * closed, not left in the allocator. With max-idle-time 1 ns every sweep
 * is due. */
GST_START_TEST (test_pool_sweep_unused_pool)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  guint fds;

  gst_buffer_pool_config_set_params (config, NULL, FRAME_SIZE, 0, 0);
  gst_buffer_pool_config_set_allocator (config, alloc, NULL);
  gst_shared_pool_config_set_max_idle_time (config, 1);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  gst_buffer_unref (acquire (pool));
  fds = open_fds ();

  gst_shared_pool_sweep (GST_SHARED_POOL (pool));       /* the period starts */
  fail_unless_equals_uint64 (pool_stat (pool, "aged"), 0);
  gst_shared_pool_sweep (GST_SHARED_POOL (pool));       /* idle through it */
  fail_unless_equals_uint64 (pool_stat (pool, "aged"), 1);
  fail_unless_equals_uint64 (fd_stat (alloc, "bytes-owned"), 0);
  fail_unless_equals_int (open_fds (), fds - 1);
  fd_pool_free (pool, alloc);
}

GST_END_TEST;

static Suite *
bucketfdallocator_suite (void)
{
  Suite *s = suite_create ("bucketfdallocator");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fd_memory);
  tcase_add_test (tc, test_memfd);
  tcase_add_test (tc, test_reuse_same_file);
  tcase_add_test (tc, test_params);
  tcase_add_test (tc, test_no_idle);
  tcase_add_test (tc, test_share_and_lifetime);
  tcase_add_test (tc, test_idle_memory_ages_out);
  tcase_add_test (tc, test_reused_memory_kept);
  tcase_add_test (tc, test_idle_time_zero_keeps);
  tcase_add_test (tc, test_pool_recycles_fd_memory);
  tcase_add_test (tc, test_pool_sized_fd_memory);
  tcase_add_test (tc, test_pool_fd_max_buffers);
  tcase_add_test (tc, test_pool_fd_zero_memory);
  tcase_add_test (tc, test_pool_fd_video_meta_and_report);
  tcase_add_test (tc, test_pool_fd_trim);
  tcase_add_test (tc, test_pool_ages_memory_of_old_caps);
  tcase_add_test (tc, test_pool_sweep_unused_pool);

  return s;
}

GST_CHECK_MAIN (bucketfdallocator);
