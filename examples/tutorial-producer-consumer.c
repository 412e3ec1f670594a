/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The producer/consumer tutorial, ported: a producer makes 1024 chunks of
 * 1..8192 random bytes, taking 0..11 ms for each, and a consumer running
 * at the same time takes 0..14 ms to use each one. Three variants, picked
 * with --mode:
 *
 *   plain   the producer fills its own array and copies it into a new
 *           buffer (gst_buffer_new_memdup): one GstBuffer and one block of
 *           memory allocated, and freed, per chunk;
 *   rent    the copy goes into a buffer of exactly the chunk's size rented
 *           from a GstSharedPool; the consumer's unref gives it back;
 *   nocopy  the producer writes straight into the rented buffer's memory,
 *           so the data is never copied.
 *
 * Each run prints what it allocated: the GstBuffers and memory blocks
 * made, and the heap bytes behind them. For plain they are counted here:
 * gst_buffer_new_memdup allocates a GstBuffer and a block of data per call
 * (and a GstMemory, not counted, nor any header bytes, so plain's figures
 * are if anything too low). For rent and nocopy they are the pool's and
 * its allocator's own stats, headers included. `--mode=all`, the default, runs the three and
 * prints how much of plain's allocation the pooled variants still need.
 * Cross-check with GST_TRACERS=allocstats.
 *
 * Why two threads and a GAsyncQueue, and not appsrc ! appsink: the
 * tutorial is about an application's own producer and consumer, and
 * GAsyncQueue is its concurrent queue and semaphore in one. appsrc/appsink
 * would add a streaming thread and a GstSample per chunk that allocate in
 * every variant alike and hide the difference being shown; pools inside a
 * pipeline are what the sharedpool element and capture-fanout are for.
 *
 * Unlike the original, chunks in flight are bounded (IN_FLIGHT): the
 * producer takes a free slot before it makes a chunk, and the consumer
 * gives the slot back, so a slow consumer cannot make memory grow without
 * limit. --fast (or --delay-scale) shortens the delays for the test suite.
 */

#include <gst/gst.h>
#include <gst/sharedpool/sharedpool.h>

#define N_CHUNKS 1024
#define MAX_CHUNK 8192
#define PRODUCE_MS 12
#define CONSUME_MS 15
#define IN_FLIGHT 64
#define FAST_DELAY_SCALE 0.01

typedef enum
{
  MODE_PLAIN,
  MODE_RENT,
  MODE_NOCOPY,
  N_MODES
} Mode;

static const gchar *mode_names[N_MODES] = { "plain", "rent", "nocopy" };

/* What one variant allocated and moved. */
typedef struct
{
  guint64 buffers;              /* GstBuffers allocated */
  guint64 blocks;               /* memory blocks taken from the system */
  guint64 heap_bytes;           /* bytes of those blocks */
  guint64 data_bytes;           /* bytes produced */
  guint64 copied_bytes;         /* bytes copied from the producer's array */
  guint32 checksum;             /* of the data the consumer saw */
} Result;

typedef struct
{
  Mode mode;
  gdouble delay_scale;
  GstAllocator *allocator;      /* rent, nocopy: the pool's allocator */
  GstBufferPool *pool;          /* rent, nocopy */
  GAsyncQueue *chunks;          /* producer -> consumer: GstBuffers */
  GAsyncQueue *slots;           /* consumer -> producer: free slots */
  Result result;
} Run;

/* Pushed instead of a chunk when the producer fails, so the consumer
 * stops waiting. */
static gint end_marker;
#define END_OF_CHUNKS ((gpointer) &end_marker)

static void
simulate_work (Run * run, GRand * rand, gint max_ms)
{
  gint ms = g_rand_int_range (rand, 0, max_ms);

  g_usleep ((gulong) (ms * 1000 * run->delay_scale));
}

static void
fill_random (GRand * rand, guint8 * data, gsize size)
{
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
}

/* plain: a new buffer holding a copy of the producer's array. */
static GstBuffer *
make_plain_chunk (Run * run, GRand * rand, guint8 * array, gsize size)
{
  fill_random (rand, array, size);
  run->result.buffers++;
  run->result.blocks++;
  run->result.heap_bytes += size;
  run->result.copied_bytes += size;
  return gst_buffer_new_memdup (array, size);
}

/* rent and nocopy: a buffer of exactly @size bytes from the pool, filled
 * from the producer's array (rent) or in place (nocopy). */
static GstBuffer *
make_rented_chunk (Run * run, GRand * rand, guint8 * array, gsize size)
{
  GstBuffer *chunk;
  GstMapInfo map;

  if (gst_shared_pool_acquire_sized (run->pool, size, 0, &chunk)
      != GST_FLOW_OK)
    return NULL;

  if (run->mode == MODE_RENT) {
    fill_random (rand, array, size);
    gst_buffer_fill (chunk, 0, array, size);
    run->result.copied_bytes += size;
  } else if (gst_buffer_map (chunk, &map, GST_MAP_WRITE)) {
    fill_random (rand, map.data, size);
    gst_buffer_unmap (chunk, &map);
  } else {
    gst_clear_buffer (&chunk);
  }
  return chunk;
}

static gpointer
produce (Run * run)
{
  guint8 array[MAX_CHUNK];
  GRand *rand = g_rand_new_with_seed (0);
  guint i;

  for (i = 0; i < N_CHUNKS; i++) {
    GstBuffer *chunk;
    gsize size;

    simulate_work (run, rand, PRODUCE_MS);
    size = g_rand_int_range (rand, 1, MAX_CHUNK + 1);
    g_async_queue_pop (run->slots);
    if (run->mode == MODE_PLAIN)
      chunk = make_plain_chunk (run, rand, array, size);
    else
      chunk = make_rented_chunk (run, rand, array, size);
    if (!chunk) {
      g_async_queue_push (run->chunks, END_OF_CHUNKS);
      break;
    }
    run->result.data_bytes += size;
    g_async_queue_push (run->chunks, chunk);
  }
  g_rand_free (rand);
  return GUINT_TO_POINTER (i == N_CHUNKS);
}

static guint32
checksum (GstBuffer * chunk, guint32 sum)
{
  GstMapInfo map;
  gsize i;

  if (gst_buffer_map (chunk, &map, GST_MAP_READ)) {
    for (i = 0; i < map.size; i++)
      sum = sum * 31 + map.data[i];
    gst_buffer_unmap (chunk, &map);
  }
  return sum;
}

static gpointer
consume (Run * run)
{
  GRand *rand = g_rand_new_with_seed (1);
  guint i;

  for (i = 0; i < N_CHUNKS; i++) {
    GstBuffer *chunk = g_async_queue_pop (run->chunks);

    if (chunk == END_OF_CHUNKS)
      break;
    simulate_work (run, rand, CONSUME_MS);
    run->result.checksum = checksum (chunk, run->result.checksum);
    /* plain: freed; rent, nocopy: back to the pool */
    gst_buffer_unref (chunk);
    g_async_queue_push (run->slots, GUINT_TO_POINTER (1));
  }
  g_rand_free (rand);
  return NULL;
}

/* The pool holds at most twice the chunks in flight: at that bound it
 * frees idle buffers of other sizes to make room, so it never waits. */
static gboolean
setup_pool (Run * run)
{
  GstStructure *config;

  run->allocator = gst_bucket_allocator_new ();
  run->pool = gst_shared_pool_new ();
  config = gst_buffer_pool_get_config (run->pool);
  gst_buffer_pool_config_set_params (config, NULL, 0, 0, 2 * IN_FLIGHT);
  gst_buffer_pool_config_set_allocator (config, run->allocator, NULL);
  return gst_buffer_pool_set_config (run->pool, config)
      && gst_buffer_pool_set_active (run->pool, TRUE);
}

/* Nothing goes back to the system during a run (the allocator keeps up
 * to max-idle-bytes, 256 MiB, of idle memory), so the bytes it owns at
 * the end are all it ever allocated. */
static void
read_pool_stats (Run * run)
{
  GstStructure *pool_stats, *alloc_stats;

  pool_stats = gst_shared_pool_get_stats (GST_SHARED_POOL (run->pool));
  alloc_stats =
      gst_bucket_allocator_get_stats (GST_BUCKET_ALLOCATOR (run->allocator));
  gst_structure_get (pool_stats, "allocations", G_TYPE_UINT64,
      &run->result.buffers, NULL);
  gst_structure_get (alloc_stats, "system-allocations", G_TYPE_UINT64,
      &run->result.blocks, "bytes-owned", G_TYPE_UINT64,
      &run->result.heap_bytes, NULL);
  gst_structure_free (pool_stats);
  gst_structure_free (alloc_stats);
}

static void
teardown_pool (Run * run)
{
  if (run->pool) {
    gst_buffer_pool_set_active (run->pool, FALSE);
    gst_object_unref (run->pool);
  }
  gst_clear_object (&run->allocator);
}

static gboolean
run_threads (Run * run)
{
  GThread *producer, *consumer;
  guint i;
  gboolean ok;

  for (i = 0; i < IN_FLIGHT; i++)
    g_async_queue_push (run->slots, GUINT_TO_POINTER (1));
  producer = g_thread_new ("producer", (GThreadFunc) produce, run);
  consumer = g_thread_new ("consumer", (GThreadFunc) consume, run);
  ok = GPOINTER_TO_UINT (g_thread_join (producer));
  g_thread_join (consumer);
  return ok;
}

static gboolean
run_mode (Mode mode, gdouble delay_scale, Result * result)
{
  Run run = { mode, delay_scale, };
  gboolean ok = TRUE;

  run.chunks = g_async_queue_new ();
  run.slots = g_async_queue_new ();
  if (mode != MODE_PLAIN)
    ok = setup_pool (&run);
  ok = ok && run_threads (&run);
  if (ok && mode != MODE_PLAIN)
    read_pool_stats (&run);
  teardown_pool (&run);
  g_async_queue_unref (run.chunks);
  g_async_queue_unref (run.slots);

  *result = run.result;
  return ok;
}

static void
print_result (Mode mode, const Result * r)
{
  g_print ("%-7s %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %11"
      G_GUINT64_FORMAT " %11" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
      "   %08x\n", mode_names[mode], r->buffers, r->blocks, r->heap_bytes,
      r->data_bytes, r->copied_bytes, r->checksum);
}

static void
print_drop (Mode mode, const Result * r, const Result * plain)
{
  g_print ("%s: %.1f %% of plain's heap bytes, %.1f %% of its buffers, "
      "%.1f %% of its copies\n", mode_names[mode],
      100.0 * r->heap_bytes / MAX (plain->heap_bytes, 1),
      100.0 * r->buffers / MAX (plain->buffers, 1),
      100.0 * r->copied_bytes / MAX (plain->copied_bytes, 1));
}

/* Runs @first..@last and prints a row each; the data must be the same in
 * every variant. */
static gboolean
run_modes (Mode first, Mode last, gdouble delay_scale)
{
  Result results[N_MODES];
  Mode m;

  g_print ("%d chunks of 1..%d bytes, producer 0..%d ms, consumer 0..%d ms "
      "(x %g), at most %d in flight\n", N_CHUNKS, MAX_CHUNK, PRODUCE_MS - 1,
      CONSUME_MS - 1, delay_scale, IN_FLIGHT);
  g_print ("%-7s %8s %8s %11s %11s %12s   %s\n", "mode", "buffers", "blocks",
      "heap-bytes", "data-bytes", "copied-bytes", "checksum");
  for (m = first; m <= last; m++) {
    if (!run_mode (m, delay_scale, &results[m]))
      goto failed;
    print_result (m, &results[m]);
    if (results[m].checksum != results[first].checksum)
      goto corrupted;
  }
  for (m = MAX (first, MODE_RENT); first == MODE_PLAIN && m <= last; m++)
    print_drop (m, &results[m], &results[MODE_PLAIN]);
  return TRUE;

failed:
  g_printerr ("%s: could not make a chunk\n", mode_names[m]);
  return FALSE;
corrupted:
  g_printerr ("%s: the consumer saw other data than %s\n", mode_names[m],
      mode_names[first]);
  return FALSE;
}

static gboolean
parse_mode (const gchar * name, Mode * first, Mode * last)
{
  Mode m;

  if (g_strcmp0 (name, "all") == 0) {
    *first = MODE_PLAIN;
    *last = N_MODES - 1;
    return TRUE;
  }
  for (m = 0; m < N_MODES; m++) {
    if (g_strcmp0 (name, mode_names[m]) == 0) {
      *first = *last = m;
      return TRUE;
    }
  }
  return FALSE;
}

int
main (int argc, char **argv)
{
  gchar *mode = NULL;
  gboolean fast = FALSE;
  gdouble delay_scale = 1.0;
  GOptionEntry entries[] = {
    {"mode", 'm', 0, G_OPTION_ARG_STRING, &mode,
        "plain, rent, nocopy or all (default)", "MODE"},
    {"fast", 0, 0, G_OPTION_ARG_NONE, &fast,
        "Delays a hundred times shorter (for tests)", NULL},
    {"delay-scale", 0, 0, G_OPTION_ARG_DOUBLE, &delay_scale,
        "Multiply every delay by this (default 1)", "FACTOR"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- producer/consumer tutorial");
  GError *err = NULL;
  Mode first, last;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    goto bad_option;
  g_option_context_free (ctx);
  if (!parse_mode (mode ? mode : "all", &first, &last) || delay_scale < 0)
    goto bad_mode;
  g_free (mode);

  ok = run_modes (first, last, fast ? FAST_DELAY_SCALE : delay_scale);
  gst_deinit ();
  return ok ? 0 : 1;

bad_option:
  g_printerr ("%s\n", err->message);
  g_clear_error (&err);
  g_option_context_free (ctx);
  return 2;
bad_mode:
  g_printerr ("--mode must be plain, rent, nocopy or all, and "
      "--delay-scale at least 0\n");
  g_free (mode);
  return 2;
}
