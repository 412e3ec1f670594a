/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the sharedpool element: the ALLOCATION answer, the default
 * allocator it installs, foreign copies, limits, and real pipelines whose
 * allocation counts are read from the element's stats. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"

#define SMALL_CAPS "video/x-raw, format=I420, width=320, height=240, " \
    "framerate=30/1"
#define TINY_CAPS "video/x-raw, format=I420, width=160, height=120, " \
    "framerate=30/1"

/* Helpers */

/* A counter of the pool's or the allocator's stats sub-structure. */
static guint64
sub_stat_u64 (GstElement * element, const gchar * sub, const gchar * field)
{
  GstStructure *s = element_stats (element);
  const GstStructure *inner =
      gst_value_get_structure (gst_structure_get_value (s, sub));
  guint64 v = structure_u64 (inner, field);

  gst_structure_free (s);
  return v;
}

/* Parses and runs a pipeline that must reach EOS; returns it in PLAYING
 * (EOS) so that the caller can read stats, then stops it. */
static GstElement *
run_pipeline (const gchar * description)
{
  GstElement *pipeline = launch (description);

  run_to_eos (pipeline);
  return pipeline;
}

static GstElement *
by_name (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  fail_unless (e != NULL, "no element %s", name);
  /* the pipeline holds it for as long as the test needs it */
  gst_object_unref (e);
  return e;
}

static void
stop_pipeline (GstElement * pipeline)
{
  set_state_ok (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* Real pipelines */

/* holder-report-timeout (0 by default): when the source has waited that
 * long for a buffer of the pool, a warning lists the buffers out, each
 * with the thread that acquired it; without a tracer that tells, no last
 * holder. */
GST_START_TEST (test_holder_report_message)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  GstStructure *report;
  guint64 timeout = 1;
  guint i;

  g_object_get (sp, "holder-report-timeout", &timeout, NULL);
  fail_unless_equals_uint64 (timeout, 0);
  gst_object_unref (sp);

  report = wait_holder_report ();
  fail_unless_equals_int (structure_uint (report, "outstanding"), 2);
  for (i = 0; i < 2; i++) {
    const GstStructure *held = held_buffer (report, i);

    fail_unless_equals_string (gst_structure_get_string (held, "acquired-by"),
        "src:src");
    fail_unless (structure_u64 (held, "size") > 0);
    fail_if (gst_structure_has_field (held, "last-holder"));
  }
  gst_structure_free (report);
}

GST_END_TEST;


/* A source that uses the offered pool gets every frame from it: the
 * frames are recycled, a handful of buffers serve 100 frames. */
GST_START_TEST (test_videotestsrc_uses_pool)
{
  GstElement *pipeline = run_pipeline ("videotestsrc num-buffers=100 ! "
      SMALL_CAPS " ! sharedpool name=sp ! fakesink");
  GstElement *sp = by_name (pipeline, "sp");

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 100);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 100);
  fail_unless (stat_u64 (sp, "offered") >= 1);
  fail_unless (sub_stat_u64 (sp, "pool", "allocations") <= 4);
  fail_unless (sub_stat_u64 (sp, "pool", "hits") >= 96);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* jpegenc allocates its output from the default allocator: with
 * install-default every output is recycled memory, and the allocator
 * allocates a few blocks for 100 variable size frames. */
GST_START_TEST (test_jpegenc_uses_default_allocator)
{
  GstElement *pipeline = run_pipeline ("videotestsrc num-buffers=100 ! "
      SMALL_CAPS " ! jpegenc ! sharedpool name=sp ! fakesink");
  GstElement *sp = by_name (pipeline, "sp");

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 100);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 100);
  fail_unless (sub_stat_u64 (sp, "default-allocator",
          "system-allocations") <= 10);
  fail_unless (sub_stat_u64 (sp, "default-allocator", "reuses") >= 90);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* Without install-default jpegenc's output is plain system memory. */
GST_START_TEST (test_install_default_off)
{
  GstElement *pipeline = run_pipeline ("videotestsrc num-buffers=20 ! "
      SMALL_CAPS " ! jpegenc ! sharedpool name=sp install-default=false ! "
      "fakesink");
  GstElement *sp = by_name (pipeline, "sp");

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 20);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 0);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* Filters in front (GstBaseTransform elements) use the offered pool. */
GST_START_TEST (test_videoconvert_videoscale_use_pool)
{
  GstElement *pipeline = run_pipeline ("videotestsrc num-buffers=50 ! "
      SMALL_CAPS " ! videoconvert ! video/x-raw,format=RGBA ! videoscale ! "
      "video/x-raw,width=160,height=120 ! sharedpool name=sp ! fakesink");
  GstElement *sp = by_name (pipeline, "sp");

  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 50);
  fail_unless (sub_stat_u64 (sp, "pool", "allocations") <= 4);
  stop_pipeline (pipeline);
}

GST_END_TEST;

static void
on_need_data (GstElement * appsrc, guint length, gint * left)
{
  GstBuffer *buf;
  GstFlowReturn ret;

  if ((*left)-- == 0) {
    g_signal_emit_by_name (appsrc, "end-of-stream", &ret);
    return;
  }
  /* a producer allocating from the default allocator, like parsers do */
  buf = gst_buffer_new_allocate (NULL, 1000 + 10 * *left, NULL);
  gst_buffer_memset (buf, 0, *left, gst_buffer_get_size (buf));
  g_signal_emit_by_name (appsrc, "push-buffer", buf, &ret);
  gst_buffer_unref (buf);
}

/* An application's appsrc that allocates with the default allocator gets
 * recycled memory; fakesink frees each buffer, so few blocks serve all. */
GST_START_TEST (test_appsrc_default_allocator)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=bytes ! "
      "sharedpool name=sp ! fakesink", NULL);
  GstElement *sp = by_name (pipeline, "sp");
  gint left = 200;

  g_signal_connect (by_name (pipeline, "src"), "need-data",
      G_CALLBACK (on_need_data), &left);
  run_to_eos (pipeline);

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 200);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 200);
  fail_unless (sub_stat_u64 (sp, "default-allocator",
          "system-allocations") <= 20);
  stop_pipeline (pipeline);
}

GST_END_TEST;

static GstPadProbeReturn
switch_caps_probe (GstPad * pad, GstPadProbeInfo * info, GstElement * filter)
{
  static const gchar *caps_at[] = { TINY_CAPS, SMALL_CAPS };
  guint64 *n = g_object_get_data (G_OBJECT (filter), "n");
  GstCaps *caps;

  /* 20 small frames, 20 tiny ones, 20 small ones again */
  if (++*n % 20 == 0 && *n < 60) {
    caps = gst_caps_from_string (caps_at[(*n / 20) - 1]);
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
  }
  return GST_PAD_PROBE_OK;
}

/* Caps change mid-stream: the source renegotiates, the pool switches key,
 * and back on the first caps it finds that key's frames again. */
static GstElement *
run_caps_changes (const gchar * sharedpool_props,
    GstPadProbeCallback sink_query)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=60 ! capsfilter "
      "name=cf caps=\"" SMALL_CAPS "\" ! sharedpool name=sp %s ! "
      "fakesink name=sink enable-last-sample=false", sharedpool_props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *cf = by_name (pipeline, "cf");
  GstPad *pad = gst_element_get_static_pad (by_name (pipeline, "sink"),
      "sink");
  guint64 *n = g_new0 (guint64, 1);

  g_object_set_data_full (G_OBJECT (cf), "n", n, g_free);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) switch_caps_probe, cf, NULL);
  if (sink_query)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, sink_query,
        NULL, NULL);
  gst_object_unref (pad);
  g_free (desc);
  run_to_eos (pipeline);
  return pipeline;
}

GST_START_TEST (test_caps_change_mid_stream)
{
  GstElement *pipeline = run_caps_changes ("", NULL);
  GstElement *sp = by_name (pipeline, "sp");
  guint64 allocations_before;

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 60);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 60);
  fail_unless (stat_u64 (sp, "offered") >= 3);
  /* two keys, each allocated a few frames once */
  allocations_before = sub_stat_u64 (sp, "pool", "allocations");
  fail_unless (allocations_before <= 8, "%" G_GUINT64_FORMAT " allocations",
      allocations_before);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* The sink asks for 3 frames in its ALLOCATION answer, as a sink that
 * holds frames would. */
static GstPadProbeReturn
ask_min_3 (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstVideoInfo vinfo;
  GstCaps *caps;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (query, &caps, NULL);
  fail_unless (gst_video_info_from_caps (&vinfo, caps));
  gst_query_add_allocation_pool (query, NULL, vinfo.size, 3, 0);
  return GST_PAD_PROBE_HANDLED;
}

/* With max-buffers=4 and 3 frames asked by the sink, the pool restarts on
 * each new caps: idle frames of the old caps make room for the new. */
GST_START_TEST (test_caps_change_under_max_buffers)
{
  GstElement *pipeline = run_caps_changes ("max-buffers=4", ask_min_3);
  GstElement *sp = by_name (pipeline, "sp");

  fail_unless_equals_uint64 (stat_u64 (sp, "buffers"), 60);
  fail_unless_equals_uint64 (stat_u64 (sp, "pooled"), 60);
  fail_unless (sub_stat_u64 (sp, "pool", "frees") > 0);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* Queries on the element's pads, with a fake downstream */

static GstBufferPool *downstream_pool;
static GstAllocator *downstream_allocator;

static gboolean
downstream_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstAllocationParams params;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return gst_pad_query_default (pad, parent, query);

  gst_allocation_params_init (&params);
  params.align = 63;
  params.padding = 32;
  gst_query_add_allocation_param (query, downstream_allocator, &params);
  if (downstream_pool)
    gst_query_add_allocation_pool (query, downstream_pool, 115200, 3, 0);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return TRUE;
}

/* A pool type a hardware sink would offer. */
typedef GstBufferPool TestSpecialPool;
typedef GstBufferPoolClass TestSpecialPoolClass;
GType test_special_pool_get_type (void);
G_DEFINE_TYPE (TestSpecialPool, test_special_pool, GST_TYPE_BUFFER_POOL);

static void
test_special_pool_class_init (TestSpecialPoolClass * klass)
{
}

static void
test_special_pool_init (TestSpecialPool * pool)
{
}

static void
setup_downstream (GType pool_type, const gchar * mem_type)
{
  downstream_pool = pool_type ? g_object_new (pool_type, NULL) : NULL;
  downstream_allocator = gst_allocator_find (NULL);
  if (mem_type) {
    gst_object_unref (downstream_allocator);
    downstream_allocator = g_object_new (GST_TYPE_BUCKET_ALLOCATOR, NULL);
    downstream_allocator->mem_type = mem_type;
  }
}

static void
teardown_downstream (void)
{
  gst_clear_object (&downstream_pool);
  gst_clear_object (&downstream_allocator);
}

/* The element in PAUSED (ALLOCATION is a serialized query: the pads must
 * be active) with a fake downstream pad answering downstream_query(). */
static GstElement *
element_with_downstream (const gchar * prefer)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  GstPad *sink = gst_pad_new ("sink", GST_PAD_SINK);
  GstPad *src = gst_element_get_static_pad (sp, "src");

  gst_util_set_object_arg (G_OBJECT (sp), "prefer", prefer);
  gst_pad_set_query_function (sink, downstream_query);
  fail_unless (gst_pad_set_active (sink, TRUE));
  fail_unless_equals_int (gst_pad_link (src, sink), GST_PAD_LINK_OK);
  gst_object_unref (src);
  g_object_set_data_full (G_OBJECT (sp), "downstream", sink, gst_object_unref);
  set_state_ok (sp, GST_STATE_PAUSED);
  return sp;
}

static void
element_teardown (GstElement * sp)
{
  set_state_ok (sp, GST_STATE_NULL);
  gst_object_unref (sp);
  teardown_downstream ();
}

static GstQuery *
allocation_query (GstElement * sp, const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstPad *sinkpad = gst_element_get_static_pad (sp, "sink");

  fail_unless (gst_pad_query (sinkpad, query));
  gst_object_unref (sinkpad);
  gst_caps_unref (caps);
  return query;
}

static GstBufferPool *
answered_pool (GstQuery * query)
{
  GstBufferPool *pool = NULL;

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  return pool;
}

static GstAllocator *
answered_allocator (GstQuery * query, guint i, GstAllocationParams * params)
{
  GstAllocator *allocator = NULL;

  fail_unless (gst_query_get_n_allocation_params (query) > i);
  gst_query_parse_nth_allocation_param (query, i, &allocator, params);
  return allocator;
}

/* Our allocator goes first with downstream's alignment and padding,
 * downstream's allocator and metas stay, and a stock pool is replaced by
 * ours. */
GST_START_TEST (test_answer_keeps_downstream_params)
{
  GstElement *sp;
  GstQuery *query;
  GstAllocationParams params;
  GstAllocator *first, *second;
  GstBufferPool *pool;

  setup_downstream (GST_TYPE_VIDEO_BUFFER_POOL, NULL);
  sp = element_with_downstream ("auto");
  query = allocation_query (sp, SMALL_CAPS);

  first = answered_allocator (query, 0, &params);
  fail_unless (GST_IS_BUCKET_ALLOCATOR (first));
  fail_unless_equals_int (params.align, 63);
  fail_unless_equals_int (params.padding, 32);
  second = answered_allocator (query, 1, &params);
  fail_unless (second == downstream_allocator);
  fail_unless (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE,
          NULL));

  pool = answered_pool (query);
  fail_unless (GST_IS_SHARED_POOL (pool));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);

  gst_object_unref (pool);
  gst_object_unref (first);
  gst_object_unref (second);
  gst_query_unref (query);
  element_teardown (sp);
}

GST_END_TEST;

/* The pool answered for @prefer when downstream offers a pool of
 * @pool_type with an allocator of @mem_type. */
static gboolean
answers_our_pool (const gchar * prefer, GType pool_type, const gchar * mem_type)
{
  GstElement *sp;
  GstQuery *query;
  GstBufferPool *pool;
  gboolean ours;

  setup_downstream (pool_type, mem_type);
  sp = element_with_downstream (prefer);
  query = allocation_query (sp, SMALL_CAPS);
  pool = answered_pool (query);
  ours = pool && GST_IS_SHARED_POOL (pool);
  gst_clear_object (&pool);
  gst_query_unref (query);
  element_teardown (sp);
  return ours;
}

/* prefer=auto keeps a downstream that insists (special pool, non-system
 * memory), and takes over a stock one; ours and downstream are absolute. */
GST_START_TEST (test_prefer)
{
  GType special = test_special_pool_get_type ();

  fail_unless (answers_our_pool ("auto", GST_TYPE_BUFFER_POOL, NULL));
  fail_unless (answers_our_pool ("auto", 0, NULL));
  fail_if (answers_our_pool ("auto", special, NULL));
  fail_if (answers_our_pool ("auto", GST_TYPE_BUFFER_POOL, "TestMemory"));
  fail_unless (answers_our_pool ("ours", special, "TestMemory"));
  fail_if (answers_our_pool ("downstream", GST_TYPE_BUFFER_POOL, NULL));
  fail_unless (answers_our_pool ("downstream", 0, NULL));
}

GST_END_TEST;

/* Caps that give no frame size (compressed video) get the allocator but
 * no pool. */
GST_START_TEST (test_compressed_caps_allocator_only)
{
  GstElement *sp;
  GstQuery *query;
  GstAllocator *first;
  GstBufferPool *pool;

  setup_downstream (0, NULL);
  sp = element_with_downstream ("auto");
  query = allocation_query (sp, "image/jpeg, width=320, height=240");
  first = answered_allocator (query, 0, NULL);
  fail_unless (GST_IS_BUCKET_ALLOCATOR (first));
  pool = answered_pool (query);
  fail_unless (pool == NULL);

  gst_object_unref (first);
  gst_query_unref (query);
  element_teardown (sp);
}

GST_END_TEST;

/* What an upstream element does with an offered pool. */
static void
use_pool (GstBufferPool * pool, GstQuery * query, guint n_frames)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstBuffer *buf[4];
  GstCaps *caps;
  guint size, min, max, i;

  gst_query_parse_allocation (query, &caps, NULL);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  for (i = 0; i < n_frames; i++)
    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf[i],
            NULL), GST_FLOW_OK);
  for (i = 0; i < n_frames; i++)
    gst_buffer_unref (buf[i]);
}

static GstBufferPool *
negotiate (GstElement * sp, const gchar * caps, guint n_frames)
{
  GstQuery *query = allocation_query (sp, caps);
  GstBufferPool *pool = answered_pool (query);

  fail_unless (GST_IS_SHARED_POOL (pool));
  use_pool (pool, query, n_frames);
  gst_query_unref (query);
  return pool;
}

/* A renegotiation gets the same pool, switched to the new caps; back on
 * the first caps the frames of that key are found again. */
GST_START_TEST (test_renegotiation_reuses_key)
{
  GstElement *sp;
  GstBufferPool *a, *b, *c;

  setup_downstream (0, NULL);
  sp = element_with_downstream ("auto");

  a = negotiate (sp, SMALL_CAPS, 4);
  fail_unless_equals_uint64 (sub_stat_u64 (sp, "pool", "allocations"), 4);
  b = negotiate (sp, TINY_CAPS, 4);
  fail_unless (a == b);
  fail_unless_equals_uint64 (sub_stat_u64 (sp, "pool", "allocations"), 8);
  c = negotiate (sp, SMALL_CAPS, 4);
  fail_unless (a == c);
  fail_unless_equals_uint64 (sub_stat_u64 (sp, "pool", "allocations"), 8);
  fail_unless_equals_uint64 (sub_stat_u64 (sp, "pool", "hits"), 4);

  fail_unless (gst_buffer_pool_set_active (a, FALSE));
  gst_object_unref (a);
  gst_object_unref (b);
  gst_object_unref (c);
  element_teardown (sp);
}

GST_END_TEST;

/* The pool limits and leak tracking go into the pool's configuration. */
GST_START_TEST (test_properties_reach_pool)
{
  GstElement *sp;
  GstQuery *query;
  GstBufferPool *pool;
  GstStructure *config;
  guint max;

  setup_downstream (0, NULL);
  sp = element_with_downstream ("auto");
  g_object_set (sp, "max-buffers", 7, "max-bytes",
      (guint64) 10000000, "track-leaks", TRUE, "zero-memory", TRUE,
      "max-idle-time", (guint64) GST_SECOND, NULL);
  query = allocation_query (sp, SMALL_CAPS);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, &max);
  fail_unless_equals_int (max, 7);

  config = gst_buffer_pool_get_config (pool);
  fail_unless_equals_uint64 (gst_shared_pool_config_get_max_bytes (config),
      10000000);
  fail_unless (gst_shared_pool_config_get_track_leaks (config));
  fail_unless (gst_shared_pool_config_get_zero_memory (config));
  fail_unless_equals_uint64 (gst_shared_pool_config_get_max_idle_time
      (config), GST_SECOND);
  gst_structure_free (config);

  gst_object_unref (pool);
  gst_query_unref (query);
  element_teardown (sp);
}

GST_END_TEST;

/* The element and the library's pool log in categories of their own,
 * so GST_DEBUG can tell them apart. */
GST_START_TEST (test_debug_categories)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  GstBufferPool *pool = gst_shared_pool_new ();
  GstDebugCategory *element_cat, *pool_cat;

  GST_DEBUG_CATEGORY_GET (element_cat, "sharedpoolelement");
  GST_DEBUG_CATEGORY_GET (pool_cat, "sharedpool");
  fail_unless (element_cat != NULL && pool_cat != NULL);
  fail_unless (element_cat != pool_cat);

  gst_object_unref (pool);
  gst_object_unref (sp);
}

GST_END_TEST;

/* Pops the one warning on @bus, which must contain @text. */
static void
expect_one_warning (GstBus * bus, const gchar * text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *error = NULL;

  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &error, NULL);
  fail_unless (strstr (error->message, text) != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  fail_if (gst_bus_have_pending (bus));
}

/* The element with a fake downstream answering min 3 frames, the bounds
 * set, and a bus to read the warnings from. */
static GstElement *
element_with_bounds (GType pool_type, guint max_buffers, guint64 max_bytes,
    GstBus * bus)
{
  GstElement *sp;

  setup_downstream (pool_type, NULL);
  sp = element_with_downstream ("auto");
  gst_element_set_bus (sp, bus);
  g_object_set (sp, "max-buffers", max_buffers, "max-bytes", max_bytes, NULL);
  return sp;
}

/* The bus goes first: messages of the state changes would hold the
 * element that holds the bus. */
static void
teardown_with_bus (GstElement * sp, GstBus * bus)
{
  gst_element_set_bus (sp, NULL);
  gst_object_unref (bus);
  element_teardown (sp);
}

/* The offered pool, which must take @n frames. */
static GstBufferPool *
offered_pool_takes (GstQuery * query, guint n, guint * max)
{
  GstBufferPool *pool = NULL;
  guint min;

  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, &min, max);
  fail_unless (GST_IS_SHARED_POOL (pool));
  fail_unless_equals_int (min, n);
  use_pool (pool, query, n);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  return pool;
}

/* Downstream needs 3 frames, max-buffers is 2: downstream's minimum wins,
 * and one warning names both numbers (no CRITICAL, no failed config). */
GST_START_TEST (test_max_buffers_below_downstream_min)
{
  GstBus *bus = gst_bus_new ();
  GstElement *sp = element_with_bounds (GST_TYPE_BUFFER_POOL, 2, 0, bus);
  GstQuery *query = allocation_query (sp, SMALL_CAPS);
  guint max;

  gst_object_unref (offered_pool_takes (query, 3, &max));
  fail_unless_equals_int (max, 3);
  expect_one_warning (bus, "sink needs at least 3 buffers: max-buffers "
      "raised from 2 to 3");
  fail_unless_equals_uint64 (stat_u64 (sp, "limits-raised"), 1);
  gst_query_unref (query);
  teardown_with_bus (sp, bus);
}

GST_END_TEST;

/* The same with max-bytes below 3 frames: raised to what 3 frames take. */
GST_START_TEST (test_max_bytes_below_downstream_min)
{
  GstBus *bus = gst_bus_new ();
  GstElement *sp = element_with_bounds (GST_TYPE_BUFFER_POOL, 0,
      2 * 115200 + 1000, bus);
  GstQuery *query = allocation_query (sp, SMALL_CAPS);
  guint max;

  gst_object_unref (offered_pool_takes (query, 3, &max));
  fail_unless_equals_int (max, 0);
  expect_one_warning (bus, "sink needs at least 3 buffers: max-bytes "
      "raised from 231400 to ");
  gst_query_unref (query);
  teardown_with_bus (sp, bus);
}

GST_END_TEST;

/* When downstream's own pool is kept, the bounds cannot apply: one warning
 * for the run, and a counter for each query. */
GST_START_TEST (test_limits_ignored_warning)
{
  GstBus *bus = gst_bus_new ();
  GstElement *sp = element_with_bounds (test_special_pool_get_type (), 4, 0,
      bus);

  gst_query_unref (allocation_query (sp, SMALL_CAPS));
  gst_query_unref (allocation_query (sp, SMALL_CAPS));
  expect_one_warning (bus, "do not apply: downstream insists on its own "
      "pool");
  fail_unless_equals_uint64 (stat_u64 (sp, "limits-ignored"), 2);
  teardown_with_bus (sp, bus);
}

GST_END_TEST;

/* Before fanout, whose minimum is above max-buffers, the pipeline runs to
 * EOS with a warning and no CRITICAL. */
GST_START_TEST (test_max_buffers_below_fanout_min)
{
  GstElement *pipeline = run_pipeline ("videotestsrc num-buffers=20 ! "
      SMALL_CAPS " ! sharedpool name=sp max-buffers=2 ! fanout name=f "
      "f. ! jpegenc ! fakesink f. ! fakesink");

  fail_unless_equals_uint64 (stat_u64 (by_name (pipeline, "sp"), "buffers"),
      20);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* Buffers through the element */

/* copy-foreign copies a malloc'd buffer into recycled memory with its
 * timestamps; a buffer already in recycled memory goes through as is. */
GST_START_TEST (test_copy_foreign)
{
  GstHarness *h = gst_harness_new ("sharedpool");
  guint8 data[1000];
  GstBuffer *in, *out;

  memset (data, 0xab, 1000);
  g_object_set (h->element, "copy-foreign", TRUE, "install-default", FALSE,
      NULL);
  gst_harness_set_src_caps_str (h, "application/x-test");

  in = gst_buffer_new_memdup (data, 1000);
  GST_BUFFER_PTS (in) = 42 * GST_MSECOND;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (out, 0)));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 42 * GST_MSECOND);
  fail_unless (gst_buffer_memcmp (out, 0, data, 1000) == 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "copied"), 1);

  /* our own buffer is not copied again */
  in = out;
  out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
  fail_unless (out == in);
  fail_unless_equals_uint64 (stat_u64 (h->element, "copied"), 1);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Without copy-foreign a foreign buffer passes untouched. */
GST_START_TEST (test_foreign_passes)
{
  GstHarness *h = gst_harness_new ("sharedpool");
  GstBuffer *in = gst_buffer_new_wrapped (g_malloc0 (100), 100);
  GstBuffer *out;

  g_object_set (h->element, "install-default", FALSE, NULL);
  gst_harness_set_src_caps_str (h, "application/x-test");
  out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
  fail_unless (out == in);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pooled"), 0);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The default allocator */

static gboolean
default_is_bucket (void)
{
  GstAllocator *a = gst_allocator_find (NULL);
  gboolean bucket = GST_IS_BUCKET_ALLOCATOR (a);

  gst_object_unref (a);
  return bucket;
}

/* Installed at READY, kept while any element is in READY or above,
 * restored by the last one to go to NULL. */
GST_START_TEST (test_default_allocator_lifetime)
{
  GstElement *a = gst_element_factory_make ("sharedpool", NULL);
  GstElement *b = gst_element_factory_make ("sharedpool", NULL);
  GstAllocator *before = gst_allocator_find (NULL), *after;

  fail_if (default_is_bucket ());
  gst_element_set_state (a, GST_STATE_READY);
  fail_unless (default_is_bucket ());
  gst_element_set_state (b, GST_STATE_READY);
  gst_element_set_state (a, GST_STATE_NULL);
  fail_unless (default_is_bucket ());
  gst_element_set_state (b, GST_STATE_NULL);

  after = gst_allocator_find (NULL);
  fail_unless (after == before);
  gst_object_unref (after);
  gst_object_unref (before);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* Memory of the installed default behaves like system memory for any
 * consumer: map, share, copy and span. */
GST_START_TEST (test_default_memory_is_system_memory)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  GstMemory *mem, *a, *b, *copy;
  GstMapInfo map;
  gsize offset = 1;

  gst_element_set_state (sp, GST_STATE_READY);
  mem = gst_allocator_alloc (NULL, 4096, NULL);
  fail_unless (gst_is_bucket_memory (mem));
  fail_unless (gst_memory_is_type (mem, GST_ALLOCATOR_SYSMEM));
  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data, 7, map.size);
  gst_memory_unmap (mem, &map);

  /* two adjacent shares of one memory span it */
  a = gst_memory_share (mem, 0, 100);
  b = gst_memory_share (mem, 100, 100);
  fail_unless (gst_memory_is_span (a, b, &offset));
  fail_unless_equals_int (offset, 0);

  /* a copy is recycled memory too, with the same bytes */
  copy = gst_memory_copy (mem, 1000, 100);
  fail_unless (gst_is_bucket_memory (copy));
  fail_unless (gst_memory_map (copy, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, 100);
  fail_unless_equals_int (map.data[99], 7);
  gst_memory_unmap (copy, &map);

  gst_memory_unref (copy);
  gst_memory_unref (a);
  gst_memory_unref (b);
  gst_memory_unref (mem);
  gst_element_set_state (sp, GST_STATE_NULL);
  gst_object_unref (sp);
}

GST_END_TEST;

/* Limits */

/* A frame that can never fit max-bytes stops the pipeline with an error
 * that names the size and the limit. */
GST_START_TEST (test_oversize_is_error)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=5 ! "
      SMALL_CAPS " ! sharedpool max-bytes=10000 ! fakesink", NULL);
  GstMessage *msg = run_to_end (pipeline);
  GError *error = NULL;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT), "%s", error->message);
  fail_unless (strstr (error->message, "115200 bytes") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "limit of 10000") != NULL, "%s",
      error->message);
  g_error_free (error);
  gst_message_unref (msg);
  stop_pipeline (pipeline);
}

GST_END_TEST;

static GstPadProbeReturn
hold_buffers (GstPad * pad, GstPadProbeInfo * info, GQueue * held)
{
  g_queue_push_tail (held, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

/* At max-buffers with every frame held downstream the source blocks in
 * acquire (backpressure, no growth), and going to NULL wakes it. */
GST_START_TEST (test_exhausted_blocks_until_state_change)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc ! " SMALL_CAPS
      " ! sharedpool name=sp max-buffers=3 ! fakesink name=sink", NULL);
  GstElement *sp = by_name (pipeline, "sp");
  GstPad *pad = gst_element_get_static_pad (by_name (pipeline, "sink"),
      "sink");
  GQueue held = G_QUEUE_INIT;
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) hold_buffers, &held, NULL);
  gst_object_unref (pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* the source must end up waiting in the pool */
  while (sub_stat_u64 (sp, "pool", "waits") == 0)
    fail_unless (g_get_monotonic_time () < deadline, "source never blocked");
  fail_unless_equals_int (sub_stat_u64 (sp, "pool", "allocations"), 3);

  set_state_ok (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (g_queue_get_length (&held), 3);
  g_queue_clear_full (&held, (GDestroyNotify) gst_buffer_unref);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A request over max-bytes from another thread is our error: the source
 * blocked in the pool at max-buffers wakes at once (its task pauses),
 * and the pipeline goes to NULL. */
GST_START_TEST (test_error_wakes_blocked_source)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc name=src ! "
      SMALL_CAPS " ! sharedpool name=sp max-buffers=3 max-bytes=1000000 ! "
      "fakesink name=sink", NULL);
  GstElement *sp = by_name (pipeline, "sp");
  GstPad *pad = gst_element_get_static_pad (by_name (pipeline, "sink"),
      "sink");
  GstPad *src = gst_element_get_static_pad (by_name (pipeline, "src"), "src");
  GQueue held = G_QUEUE_INIT;
  GstBuffer *huge = NULL;
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) hold_buffers, &held, NULL);
  gst_object_unref (pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (sub_stat_u64 (sp, "pool", "waits") == 0)
    g_thread_yield ();

  fail_unless_equals_int (gst_shared_pool_acquire_sized (((GstBuffer *)
              held.head->data)->pool, 2000000, 0, &huge), GST_FLOW_ERROR);
  msg = wait_for_end (pipeline);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (sp));
  gst_message_unref (msg);
  while (gst_pad_get_task_state (src) != GST_TASK_PAUSED)
    g_thread_yield ();

  set_state_ok (pipeline, GST_STATE_NULL);
  g_queue_clear_full (&held, (GDestroyNotify) gst_buffer_unref);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* After its error the element refuses data (quietly: FLUSHING, the error
 * is on the bus), until it is stopped. */
GST_START_TEST (test_refuses_data_after_error)
{
  GstHarness *h = gst_harness_new ("sharedpool");
  GstCaps *caps = gst_caps_from_string (SMALL_CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);

  g_object_set (h->element, "max-bytes", (guint64) 10000,
      "install-default", FALSE, NULL);
  gst_harness_set_src_caps (h, caps);
  fail_if (gst_pad_peer_query (h->srcpad, query));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
      GST_FLOW_FLUSHING);

  set_state_ok (h->element, GST_STATE_READY);
  set_state_ok (h->element, GST_STATE_PLAYING);
  gst_harness_set_src_caps_str (h, "application/x-test");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()), GST_FLOW_OK);
  gst_query_unref (query);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The default allocator installed for the process is not bounded by the
 * element's max-bytes: unrelated code still gets its memory. */
GST_START_TEST (test_default_allocator_unbounded)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  GstBuffer *buf;

  g_object_set (sp, "max-bytes", (guint64) 10000, NULL);
  set_state_ok (sp, GST_STATE_READY);
  buf = gst_buffer_new_allocate (NULL, 100000, NULL);
  fail_unless (buf != NULL);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);
  set_state_ok (sp, GST_STATE_NULL);
  gst_object_unref (sp);
}

GST_END_TEST;

/* Instances are named after the factory: sharedpool0, sharedpool1... */
GST_START_TEST (test_default_name)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  gchar *name = gst_element_get_name (sp);

  fail_unless (g_regex_match_simple ("^sharedpool[0-9]+$", name, 0, 0),
      "%s", name);
  g_free (name);
  gst_object_unref (sp);
}

GST_END_TEST;

/* Bad property values are refused by the ranges, the old value kept. */
GST_START_TEST (test_bad_prefer_value)
{
  GstElement *sp = gst_element_factory_make ("sharedpool", NULL);
  gint prefer;

  ASSERT_SET_REFUSED (g_object_set (sp, "prefer", 17, NULL));
  g_object_get (sp, "prefer", &prefer, NULL);
  fail_unless_equals_int (prefer, 0);
  gst_object_unref (sp);
}

GST_END_TEST;

static Suite *
sharedpool_element_suite (void)
{
  Suite *s = suite_create ("sharedpool-element");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_videotestsrc_uses_pool);
  tcase_add_test (tc, test_holder_report_message);
  tcase_add_test (tc, test_jpegenc_uses_default_allocator);
  tcase_add_test (tc, test_install_default_off);
  tcase_add_test (tc, test_videoconvert_videoscale_use_pool);
  tcase_add_test (tc, test_appsrc_default_allocator);
  tcase_add_test (tc, test_caps_change_mid_stream);
  tcase_add_test (tc, test_caps_change_under_max_buffers);
  tcase_add_test (tc, test_answer_keeps_downstream_params);
  tcase_add_test (tc, test_prefer);
  tcase_add_test (tc, test_compressed_caps_allocator_only);
  tcase_add_test (tc, test_renegotiation_reuses_key);
  tcase_add_test (tc, test_properties_reach_pool);
  tcase_add_test (tc, test_debug_categories);
  tcase_add_test (tc, test_max_buffers_below_downstream_min);
  tcase_add_test (tc, test_max_bytes_below_downstream_min);
  tcase_add_test (tc, test_limits_ignored_warning);
  tcase_add_test (tc, test_max_buffers_below_fanout_min);
  tcase_add_test (tc, test_copy_foreign);
  tcase_add_test (tc, test_foreign_passes);
  tcase_add_test (tc, test_default_allocator_lifetime);
  tcase_add_test (tc, test_default_memory_is_system_memory);
  tcase_add_test (tc, test_oversize_is_error);
  tcase_add_test (tc, test_exhausted_blocks_until_state_change);
  tcase_add_test (tc, test_error_wakes_blocked_source);
  tcase_add_test (tc, test_refuses_data_after_error);
  tcase_add_test (tc, test_default_allocator_unbounded);
  tcase_add_test (tc, test_default_name);
  tcase_add_test (tc, test_bad_prefer_value);
  return s;
}

GST_CHECK_MAIN (sharedpool_element);
