/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* An application outside the source tree: install-test.py builds it with
 * nothing but `pkg-config --cflags --libs gstreamer-sharedpool-1.0` from
 * the installed .pc file and checks what it prints, so a header, a symbol
 * or a pkg-config field missing from the install breaks the test. */

#include <gst/sharedpool/sharedpool.h>

static const gsize sizes[] = { 1, 3000, 8192, 3000 };

static GstBufferPool *
make_pool (void)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, 0, 0, 8);
  gst_shared_pool_config_set_max_bytes (config, 1024 * 1024);
  if (!gst_buffer_pool_set_config (pool, config)
      || !gst_buffer_pool_set_active (pool, TRUE))
    gst_clear_object (&pool);
  return pool;
}

/* Each rent is returned before the next, so the second 3000-byte rent
 * finds the first one's buffer again: one hit, three misses. */
static gboolean
rent_all (GstBufferPool * pool)
{
  GstBuffer *buffer;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    if (gst_shared_pool_acquire_sized (pool, sizes[i], 0, &buffer)
        != GST_FLOW_OK)
      return FALSE;
    g_print ("rent %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT "\n", sizes[i],
        gst_buffer_get_size (buffer));
    gst_buffer_unref (buffer);
  }
  return TRUE;
}

static void
print_stats (GstBufferPool * pool)
{
  GstStructure *stats = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  guint64 hits = 0, misses = 0;
  guint outstanding = G_MAXUINT;

  gst_structure_get (stats, "hits", G_TYPE_UINT64, &hits, "misses",
      G_TYPE_UINT64, &misses, "outstanding", G_TYPE_UINT, &outstanding, NULL);
  g_print ("stats hits=%" G_GUINT64_FORMAT " misses=%" G_GUINT64_FORMAT
      " outstanding=%u\n", hits, misses, outstanding);
  gst_structure_free (stats);
}

int
main (int argc, char **argv)
{
  GstAllocator *allocator;
  GstBufferPool *pool;
  gboolean ok;

  gst_init (&argc, &argv);

  allocator = gst_bucket_allocator_new ();
  g_print ("block for 3000 = %" G_GSIZE_FORMAT "\n",
      gst_bucket_allocator_get_block_size (GST_BUCKET_ALLOCATOR (allocator),
          3000));
  gst_object_unref (allocator);

  pool = make_pool ();
  ok = pool && rent_all (pool);
  if (ok)
    print_stats (pool);
  if (pool) {
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
  }
  gst_deinit ();

  return ok ? 0 : 1;
}
