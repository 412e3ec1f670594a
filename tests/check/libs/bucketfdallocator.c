/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of GstBucketFdAllocator: fd memory, reuse of the same file,
 * allocation params, idle budget and lifetime. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/mman.h>

#include <gst/check/gstcheck.h>
#include <gst/sharedpool/sharedpool.h>

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

static Suite *
bucketfdallocator_suite (void)
{
  Suite *s = suite_create ("bucketfdallocator");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fd_memory);
  tcase_add_test (tc, test_reuse_same_file);
  tcase_add_test (tc, test_params);
  tcase_add_test (tc, test_no_idle);
  tcase_add_test (tc, test_share_and_lifetime);

  return s;
}

GST_CHECK_MAIN (bucketfdallocator);
