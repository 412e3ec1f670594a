/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The demo of ./dev.sh demo: rents buffers of random sizes from a
 * GstSharedPool the way a variable-size producer (an encoder, a parser)
 * would, keeps a window of them in flight like a consumer queue, and
 * prints how few of the rents had to allocate. */

#include <gst/gst.h>
#include <gst/sharedpool/sharedpool.h>

#define N_CHUNKS 20000
#define MAX_CHUNK 8192
#define IN_FLIGHT 16

static void
print_stats (const gchar * title, GstStructure * stats)
{
  gchar *text = gst_structure_to_string (stats);

  g_print ("%s:\n  %s\n", title, text);
  g_free (text);
  gst_structure_free (stats);
}

static gboolean
run (GstBufferPool * pool)
{
  GstBuffer *window[IN_FLIGHT] = { NULL, };
  GRand *rand = g_rand_new_with_seed (0);
  guint i;

  for (i = 0; i < N_CHUNKS; i++) {
    gsize size = g_rand_int_range (rand, 1, MAX_CHUNK + 1);
    GstBuffer **slot = &window[g_rand_int_range (rand, 0, IN_FLIGHT)];

    gst_clear_buffer (slot);
    if (gst_shared_pool_acquire_sized (pool, size, 0, slot) != GST_FLOW_OK)
      break;
    gst_buffer_memset (*slot, 0, i & 0xff, size);
  }
  for (i = 0; i < IN_FLIGHT; i++)
    gst_clear_buffer (&window[i]);
  g_rand_free (rand);

  return i == IN_FLIGHT;
}

int
main (int argc, char **argv)
{
  GstBufferPool *pool;
  GstStructure *config, *stats;
  guint64 hits, misses;
  gboolean ok;

  gst_init (&argc, &argv);

  pool = gst_shared_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, NULL, 0, 0, 0);
  gst_shared_pool_config_set_max_bytes (config, 1024 * 1024);
  if (!gst_buffer_pool_set_config (pool, config)
      || !gst_buffer_pool_set_active (pool, TRUE)) {
    g_printerr ("could not configure the pool\n");
    return 1;
  }

  g_print ("renting %d buffers of 1..%d bytes, %d in flight\n", N_CHUNKS,
      MAX_CHUNK, IN_FLIGHT);
  ok = run (pool);

  stats = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  gst_structure_get (stats, "hits", G_TYPE_UINT64, &hits, "misses",
      G_TYPE_UINT64, &misses, NULL);
  g_print ("%" G_GUINT64_FORMAT " rents, %" G_GUINT64_FORMAT " allocated "
      "(%.2f %%), %" G_GUINT64_FORMAT " served from recycled buffers\n",
      hits + misses, misses, 100.0 * misses / MAX (hits + misses, 1), hits);
  print_stats ("pool stats", stats);

  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_deinit ();

  return ok ? 0 : 1;
}
