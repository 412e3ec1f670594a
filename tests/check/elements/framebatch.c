/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the framebatch element: the batch rules (full, push-interval,
 * one-per-source), EOS, flushes and flushing seeks, request pads while
 * PAUSED and PLAYING, the meta, the latency answer, property ranges,
 * caps (mixed frame rates, mismatches), backpressure, push-interval=auto,
 * live pipelines into a syncing sink and a randomized stress.
 *
 * The harness answers LATENCY queries with live=TRUE, so a harnessed
 * element aggregates on its clock. With the harness's test clock, which
 * moves only when a test cranks it, nothing times out by itself, and a
 * frame that comes while another pad has none is taken when the test
 * cranks the element's wait for "now". With the system clock, such a
 * frame is taken at once; a test knows it was from the pads'
 * buffer-consumed signal. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"
#include "../watchdog.h"

#define CAPS "video/x-raw, format=GRAY8, width=4, height=4, framerate=30/1"
#define OTHER_CAPS "video/x-raw, format=GRAY8, width=8, height=8, " \
    "framerate=30/1"
#define FRAME_DURATION (GST_SECOND / 30)
/* videotestsrc writes out of bounds for tiny frames */
#define SOURCE_CAPS "video/x-raw, format=I420, width=64, height=48, " \
    "framerate=30/1"
#define SLOW_CAPS "video/x-raw, format=I420, width=64, height=48, " \
    "framerate=7/1"

/* Helpers */

/* The frames the element took from its sink pads. */
static struct
{
  GMutex lock;
  GCond cond;
  guint n;
} taken;

static void
count_taken (void)
{
  g_mutex_lock (&taken.lock);
  taken.n++;
  g_cond_broadcast (&taken.cond);
  g_mutex_unlock (&taken.lock);
}

static void
on_buffer_consumed (GstPad * pad, GstBuffer * buffer, gpointer data)
{
  count_taken ();
}

/* Waits until the element has taken @n frames in all. */
static void
wait_taken (guint n)
{
  wait_for_count (&taken.lock, &taken.cond, &taken.n, n);
}

static GstElement *
new_framebatch (const gchar * properties)
{
  gchar *desc = g_strdup_printf ("framebatch %s", properties);
  GstElement *e = launch (desc);

  g_free (desc);
  taken.n = 0;
  return gst_object_ref_sink (e);
}

/* A harness on a new sink_N pad, and on the src pad when @with_src. */
static GstHarness *
add_source (GstElement * e, gboolean with_src)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u",
      with_src ? "src" : NULL);
  GstPad *pad = gst_pad_get_peer (h->srcpad);

  g_object_set (pad, "emit-signals", TRUE, NULL);
  g_signal_connect (pad, "buffer-consumed", G_CALLBACK (on_buffer_consumed),
      NULL);
  gst_object_unref (pad);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* The element with one harnessed producer and the harness's test clock. */
static GstHarness *
new_harness (GstElement * e)
{
  GstHarness *h = add_source (e, TRUE);

  gst_harness_use_testclock (h);
  return h;
}

/* The same on a test clock at 1 s, so that the element's waits for "now"
 * are at the clock's time and cranking them does not move it. */
static GstHarness *
new_harness_at_1s (GstElement * e)
{
  GstHarness *h = new_harness (e);

  gst_harness_set_time (h, GST_SECOND);
  return h;
}

/* The element with one harnessed producer and the system clock. */
static GstHarness *
new_sys_harness (GstElement * e)
{
  GstHarness *h = add_source (e, TRUE);
  GstClock *clock = gst_system_clock_obtain ();

  gst_element_set_clock (e, clock);
  gst_object_unref (clock);
  return h;
}

static GstBuffer *
frame (guint n)
{
  GstBuffer *buf = gst_buffer_new ();

  GST_BUFFER_PTS (buf) = n * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  return buf;
}

static void
push_frames (GstHarness * h, guint first, guint n)
{
  push_all (h, frame, first, n);
}

/* Pushes frame @n into @src while another pad has none: the element
 * waits on the test clock of @h for "now", the test cranks it, and the
 * frame joins the open batch. */
static void
push_cranked (GstHarness * h, GstHarness * src, guint n)
{
  guint before = read_count (&taken.lock, &taken.n);

  push_frames (src, n, 1);
  fail_unless (gst_harness_crank_single_clock_wait (h));
  wait_taken (before + 1);
}

/* Tears down the harnesses, the second one (may be NULL) first, and the
 * element. */
static void
teardown (GstElement * e, GstHarness * h, GstHarness * h2)
{
  if (h2)
    gst_harness_teardown (h2);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

/* Pulls one batch of @n frames, checks that their metas agree (one
 * seqnum, indexes 0..n-1, n_frames n) and stores their pad indexes in
 * @pads when given. Returns the batch's seqnum. */
static guint64
pull_batch (GstHarness * h, guint n, guint * pads)
{
  guint64 seqnum = G_MAXUINT64;
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstFrameBatchMeta *meta;

    fail_unless (buf != NULL, "no frame %u of %u", i, n);
    meta = gst_buffer_get_frame_batch_meta (buf);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->index, i);
    fail_unless_equals_int (meta->n_frames, n);
    if (i == 0)
      seqnum = meta->seqnum;
    fail_unless_equals_uint64 (meta->seqnum, seqnum);
    if (pads)
      pads[i] = meta->pad_index;
    gst_buffer_unref (buf);
  }
  return seqnum;
}

/* Pulls events (upstream ones when @upstream) until one of @type, which
 * must come. */
static void
pull_until (GstHarness * h, GstEventType type, gboolean upstream)
{
  GstEvent *event;
  gboolean found;

  do {
    event = upstream ? gst_harness_pull_upstream_event (h) :
        gst_harness_pull_event (h);
    fail_unless (event != NULL, "no %s event", gst_event_type_get_name (type));
    found = GST_EVENT_TYPE (event) == type;
    gst_event_unref (event);
  } while (!found);
}

static void
flush (GstHarness * h)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  /* a flush-stop clears the segment upstream of the element too */
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

/* A counter of the stats of sink pad @pad. */
static guint64
source_stat (GstElement * e, const gchar * pad, const gchar * field)
{
  GstStructure *s = element_stats (e);
  const GstStructure *ps = gst_value_get_structure (gst_structure_get_value
      (s, pad));
  guint64 v = structure_u64 (ps, field);

  gst_structure_free (s);
  return v;
}

/* Tests: the batch rules */

/* batch-size frames make a batch at once; fewer make none. */
GST_START_TEST (test_full_batch_by_count)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_sys_harness (e);

  push_frames (h, 0, 4);
  fail_unless_equals_uint64 (pull_batch (h, 4, NULL), 0);

  push_frames (h, 4, 3);
  wait_taken (7);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  push_frames (h, 7, 1);
  fail_unless_equals_uint64 (pull_batch (h, 4, NULL), 1);

  fail_unless_equals_uint64 (stat_u64 (e, "batches"), 2);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 2);
  fail_unless_equals_uint64 (stat_u64 (e, "frames"), 8);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Live: a partial batch waits on the pipeline clock and goes out when
 * push-interval has passed since its first frame, not before. */
GST_START_TEST (test_timeout_live)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=10000000");
  GstHarness *h = new_harness (e);
  GstTestClock *clock = gst_harness_get_testclock (h);
  GstClockID id;

  push_frames (h, 0, 3);
  wait_taken (3);
  /* the task waits for first frame + push-interval on the test clock */
  gst_test_clock_wait_for_next_pending_id (clock, &id);
  fail_unless_equals_uint64 (gst_clock_id_get_time (id), 10 * GST_MSECOND);
  gst_clock_id_unref (id);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  fail_unless (gst_harness_crank_single_clock_wait (h));
  pull_batch (h, 3, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "timed-out-batches"), 1);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 0);
  gst_object_unref (clock);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Non-live with force-live: the partial batch goes out on the pipeline
 * clock (nothing else could push it: no EOS, no full batch). One frame,
 * so that no timing can split it. */
GST_START_TEST (test_timeout_force_live)
{
  GstElement *pipeline = gst_object_ref_sink (gst_parse_launch ("appsrc "
          "name=src is-live=false format=time caps=\"" CAPS "\" ! "
          "framebatch name=b batch-size=8 push-interval=5000000 "
          "force-live=true ! appsink name=sink buffer-list=true sync=false",
          NULL));
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstFlowReturn ret;
  GstSample *sample = NULL;
  GstBuffer *buf = frame (0);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_signal_emit_by_name (src, "push-buffer", buf, &ret);
  fail_unless_equals_int (ret, GST_FLOW_OK);
  gst_buffer_unref (buf);
  g_signal_emit_by_name (sink, "try-pull-sample", 60 * GST_SECOND, &sample);
  fail_unless (sample != NULL, "no partial batch");
  fail_unless_equals_int (gst_buffer_list_length (gst_sample_get_buffer_list
          (sample)), 1);
  fail_unless_equals_uint64 (stat_u64 (b, "timed-out-batches"), 1);

  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (b);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* one-per-source with a fast and a slow source: a second frame of the
 * fast source closes the batch at once, and the slow source's frame joins
 * whichever batch is open. The test clock never moves: no frame waited
 * for push-interval when its batch could go. */
GST_START_TEST (test_one_per_source_fast_and_slow)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=100000000 "
      "policy=one-per-source");
  GstHarness *fast = new_harness_at_1s (e);
  GstHarness *slow = add_source (e, FALSE);
  guint pads[2];

  push_cranked (fast, fast, 0);
  push_cranked (fast, fast, 1);
  fail_unless_equals_uint64 (pull_batch (fast, 1, pads), 0);
  fail_unless_equals_int (pads[0], 0);

  push_cranked (fast, slow, 0);
  push_cranked (fast, fast, 2);
  fail_unless_equals_uint64 (pull_batch (fast, 2, pads), 1);
  fail_unless_equals_int (pads[0], 0);
  fail_unless_equals_int (pads[1], 1);

  push_cranked (fast, fast, 3);
  fail_unless_equals_uint64 (pull_batch (fast, 1, pads), 2);
  fail_unless_equals_uint64 (gst_clock_get_time (GST_ELEMENT_CLOCK (e)),
      GST_SECOND);
  fail_unless_equals_uint64 (stat_u64 (e, "timed-out-batches"), 0);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 3);

  teardown (e, fast, slow);
}

GST_END_TEST;

/* one-per-source: a source that gives nothing holds a batch for
 * push-interval only; a later frame of it joins the open batch. */
GST_START_TEST (test_late_source_does_not_stall)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=10000000 "
      "policy=one-per-source");
  GstHarness *h = new_harness_at_1s (e);
  GstHarness *late = add_source (e, FALSE);
  guint pads[2];

  push_cranked (h, h, 0);
  fail_unless (gst_harness_crank_single_clock_wait (h));
  pull_batch (h, 1, pads);
  fail_unless_equals_int (pads[0], 0);
  fail_unless_equals_uint64 (stat_u64 (e, "timed-out-batches"), 1);

  push_cranked (h, h, 1);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  push_cranked (h, late, 0);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[1], 1);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 1);

  teardown (e, h, late);
}

GST_END_TEST;

/* A smaller batch-size set while PLAYING closes the partial batch at the
 * next frame, which starts the next batch. */
GST_START_TEST (test_batch_size_while_playing)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_sys_harness (e);

  push_frames (h, 0, 3);
  wait_taken (3);
  g_object_set (e, "batch-size", 2, NULL);
  push_frames (h, 3, 2);
  pull_batch (h, 3, NULL);
  pull_batch (h, 2, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 2);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* push-interval=auto: one frame period of the fastest source, from its
 * caps' framerate; the change is posted as a LATENCY message. */
GST_START_TEST (test_push_interval_auto_from_caps)
{
  GstElement *e = new_framebatch ("push-interval=-1");
  GstHarness *h = new_sys_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (e, bus);
  gst_harness_set_src_caps_str (h2, "video/x-raw, format=GRAY8, width=4, "
      "height=4, framerate=7/1");
  push_frames (h, 0, 1);
  push_frames (h2, 0, 1);
  wait_taken (2);
  fail_unless_equals_uint64 (stat_u64 (e, "push-interval"), FRAME_DURATION);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_LATENCY);
  fail_unless (msg != NULL, "no LATENCY message");

  gst_message_unref (msg);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  teardown (e, h, h2);
}

GST_END_TEST;

/* push-interval=auto without framerate in the caps: the period comes
 * from the timestamps. */
GST_START_TEST (test_push_interval_auto_from_timestamps)
{
  GstElement *e = new_framebatch ("push-interval=-1 batch-size=2");
  GstHarness *h = new_sys_harness (e);

  gst_harness_set_src_caps_str (h, "video/x-raw, format=GRAY8, width=4, "
      "height=4");
  push_frames (h, 0, 3);
  wait_taken (3);
  fail_unless_equals_uint64 (stat_u64 (e, "push-interval"), FRAME_DURATION);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* Tests: EOS, flushes, pads */

/* drain=true: at EOS the partial batch goes out, then EOS. */
GST_START_TEST (test_drain_on_eos)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_sys_harness (e);

  push_frames (h, 0, 3);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_batch (h, 3, NULL);
  pull_until (h, GST_EVENT_EOS, FALSE);
  fail_unless_equals_uint64 (stat_u64 (e, "drained-batches"), 1);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 0);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* drain=false: at EOS the partial batch is dropped and counted. */
GST_START_TEST (test_drop_on_eos)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0 "
      "drain=false");
  GstHarness *h = new_sys_harness (e);

  push_frames (h, 0, 3);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_until (h, GST_EVENT_EOS, FALSE);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 3);
  fail_unless_equals_uint64 (stat_u64 (e, "batches"), 0);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* EOS waits for every sink pad: the first pad's EOS pushes nothing. */
GST_START_TEST (test_eos_waits_for_all_pads)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstHarness *h2 = add_source (e, FALSE);

  push_frames (h, 0, 2);
  push_frames (h2, 0, 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  wait_taken (3);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  fail_unless (gst_harness_push_event (h2, gst_event_new_eos ()));
  pull_batch (h, 3, NULL);
  pull_until (h, GST_EVENT_EOS, FALSE);

  teardown (e, h, h2);
}

GST_END_TEST;

/* A flush drops the partial batch, counts it, and costs no seqnum. */
GST_START_TEST (test_flush_mid_batch)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_sys_harness (e);

  push_frames (h, 0, 3);
  wait_taken (3);
  flush (h);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 3);

  push_frames (h, 3, 4);
  fail_unless_equals_uint64 (pull_batch (h, 4, NULL), 0);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* A flush of one source drops its frames only. */
GST_START_TEST (test_flush_one_source)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  guint pads[4], i;

  push_frames (h, 0, 2);
  push_frames (h2, 0, 1);
  wait_taken (3);
  flush (h);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 2);
  push_frames (h, 2, 3);
  pull_batch (h, 4, pads);
  fail_unless_equals_int (pads[0], 1);
  for (i = 1; i < 4; i++)
    fail_unless_equals_int (pads[i], 0);

  teardown (e, h, h2);
}

GST_END_TEST;

/* A flushing seek from downstream reaches every source, and one
 * flush-start (from the seeking thread, at once) and one flush-stop go
 * downstream, the stop once every source has flushed. */
GST_START_TEST (test_flushing_seek)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_TIME,
      GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_NONE, 0);
  guint32 seqnum = GST_EVENT_SEQNUM (seek);
  GstHarness *srcs[] = { h, h2 };
  guint i, events;

  fail_unless (gst_harness_push_upstream_event (h, seek));
  pull_until (h, GST_EVENT_FLUSH_START, FALSE);
  for (i = 0; i < 2; i++)
    pull_until (srcs[i], GST_EVENT_SEEK, TRUE);
  events = gst_harness_events_received (h);
  for (i = 0; i < 2; i++) {
    GstEvent *start = gst_event_new_flush_start ();

    gst_event_set_seqnum (start, seqnum);
    fail_unless (gst_harness_push_event (srcs[i], start));
  }
  fail_unless_equals_int (gst_harness_events_received (h), events);
  for (i = 0; i < 2; i++) {
    GstEvent *stop = gst_event_new_flush_stop (TRUE);

    gst_event_set_seqnum (stop, seqnum);
    fail_unless (gst_harness_push_event (srcs[i], stop));
    fail_unless_equals_int (gst_harness_events_received (h), events + i);
  }

  teardown (e, h, h2);
}

GST_END_TEST;

/* A sink pad added while PLAYING joins the batches; one released while
 * PLAYING leaves them: its frame in the open batch is dropped and
 * counted. */
GST_START_TEST (test_pads_while_playing)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  guint pads[2];

  fail_unless_equals_int (GST_STATE (e), GST_STATE_PLAYING);
  push_frames (h, 0, 1);
  push_frames (h2, 0, 1);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[0] + pads[1], 1);

  push_frames (h2, 1, 1);
  wait_taken (3);
  gst_harness_teardown (h2);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 1);
  fail_unless_equals_int (e->numsinkpads, 1);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  push_frames (h, 1, 2);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[0], 0);
  fail_unless_equals_int (pads[1], 0);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* The meta names the source pad, the place in the batch and the original
 * timestamps; the buffer's own are running time. */
GST_START_TEST (test_meta_contents)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  GstBuffer *in = frame (0), *out;
  GstFrameBatchMeta *meta;
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = segment.time = 10 * GST_SECOND;
  fail_unless (gst_harness_push_event (h2, gst_event_new_segment (&segment)));
  push_frames (h, 0, 1);
  GST_BUFFER_PTS (in) = 11 * GST_SECOND;
  GST_BUFFER_DTS (in) = 11 * GST_SECOND;
  fail_unless_equals_int (gst_harness_push (h2, in), GST_FLOW_OK);

  gst_buffer_unref (gst_harness_pull (h));
  out = gst_harness_pull (h);
  meta = gst_buffer_get_frame_batch_meta (out);
  fail_unless_equals_int (meta->pad_index, 1);
  fail_unless_equals_int (meta->index, 1);
  fail_unless_equals_int (meta->n_frames, 2);
  fail_unless_equals_uint64 (meta->seqnum, 0);
  fail_unless_equals_uint64 (meta->pts, 11 * GST_SECOND);
  fail_unless_equals_uint64 (meta->dts, 11 * GST_SECOND);
  fail_unless_equals_uint64 (meta->duration, FRAME_DURATION);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_SECOND);
  gst_buffer_unref (out);

  teardown (e, h, h2);
}

GST_END_TEST;

/* Per-source stats: frames in and pushed, and their ages on the clock. */
GST_START_TEST (test_source_stats)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=10000000");
  GstHarness *h = new_harness (e);

  push_frames (h, 0, 2);
  wait_taken (2);
  fail_unless (gst_harness_crank_single_clock_wait (h));
  pull_batch (h, 2, NULL);
  fail_unless_equals_uint64 (source_stat (e, "sink_0", "frames-in"), 2);
  fail_unless_equals_uint64 (source_stat (e, "sink_0", "frames-pushed"), 2);
  fail_unless_equals_uint64 (source_stat (e, "sink_0", "age-max"),
      10 * GST_MSECOND);
  fail_unless_equals_uint64 (source_stat (e, "sink_0", "age-p99"),
      10 * GST_MSECOND);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* Live: the answer is the upstream latency plus push-interval. */
GST_START_TEST (test_latency_query)
{
  GstElement *e = new_framebatch ("push-interval=20000000");
  GstHarness *h = new_harness (e);
  GstQuery *query = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  gst_harness_set_upstream_latency (h, 5 * GST_MSECOND);
  fail_unless (gst_pad_peer_query (h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 25 * GST_MSECOND);
  fail_unless_equals_uint64 (max, GST_CLOCK_TIME_NONE);

  gst_query_unref (query);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Out of range values are refused with a warning and the old value
 * kept; stats cannot be written. */
GST_START_TEST (test_bad_property_values)
{
  GstElement *e = new_framebatch ("batch-size=5 push-interval=-1");
  guint v;
  gint64 interval;

  ASSERT_SET_REFUSED (g_object_set (e, "batch-size", 0, NULL));
  ASSERT_SET_REFUSED (g_object_set (e, "batch-size", 1025, NULL));
  g_object_get (e, "batch-size", &v, NULL);
  fail_unless_equals_int (v, 5);
  ASSERT_SET_REFUSED (g_object_set (e, "push-interval",
          (gint64) 3601 * GST_SECOND, NULL));
  ASSERT_SET_REFUSED (g_object_set (e, "push-interval", (gint64) - 2, NULL));
  g_object_get (e, "push-interval", &interval, NULL);
  fail_unless_equals_int64 (interval, -1);
  ASSERT_SET_REFUSED (g_object_set (e, "policy", 7, NULL));
  ASSERT_SET_REFUSED (g_object_set (e, "stats", NULL, NULL));

  gst_object_unref (e);
}

GST_END_TEST;

/* A second source with other caps is refused with an error on the bus
 * and its frames with not-negotiated; a caps query on a new pad answers
 * any caps, so that a mismatch always reaches this error rather than a
 * not-negotiated of the source that tells nothing. */
GST_START_TEST (test_caps_mismatch)
{
  GstElement *e = new_framebatch ("");
  GstHarness *h = new_harness (e);
  GstHarness *h2 = gst_harness_new_with_element (e, "sink_%u", NULL);
  GstBus *bus = gst_bus_new ();
  GstCaps *caps, *other = gst_caps_from_string (OTHER_CAPS);
  GstMessage *msg;
  GstSegment segment;

  gst_element_set_bus (e, bus);
  caps = gst_pad_peer_query_caps (h2->srcpad, NULL);
  fail_unless (gst_caps_is_any (caps));
  gst_caps_unref (caps);

  /* a refused sticky event is not reported here, but by the data flow */
  gst_pad_push_event (h2->srcpad, gst_event_new_caps (other));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for mismatched caps");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (h2->srcpad, gst_event_new_segment (&segment));
  fail_unless_equals_int (gst_pad_push (h2->srcpad, frame (0)),
      GST_FLOW_NOT_NEGOTIATED);

  gst_message_unref (msg);
  gst_caps_unref (other);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  teardown (e, h, h2);
}

GST_END_TEST;

/* A frame before any caps is a clear error, and nothing (no segment
 * without caps) goes downstream. */
GST_START_TEST (test_data_before_caps)
{
  GstElement *e = new_framebatch ("batch-size=1");
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u", "src");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gchar *debug = NULL;
  GstClock *clock = gst_system_clock_obtain ();
  GstSegment segment;

  gst_element_set_clock (e, clock);
  gst_element_set_bus (e, bus);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("s")));
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  gst_harness_push (h, frame (0));
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for a frame before caps");
  gst_message_parse_error (msg, NULL, &debug);
  fail_unless (strstr (debug, "before caps") != NULL, "%s", debug);
  fail_unless_equals_int (gst_harness_events_received (h), 0);

  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (clock);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* A DRAIN query from upstream pushes what is held at once. */
GST_START_TEST (test_drain_query)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstQuery *query = gst_query_new_drain ();

  push_frames (h, 0, 3);
  fail_unless (gst_pad_peer_query (h->srcpad, query));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 3);
  pull_batch (h, 3, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "drained-batches"), 1);

  gst_query_unref (query);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* New caps from the only producer: the frames of the old caps go out
 * first, then the new caps with the next batch. */
GST_START_TEST (test_caps_change)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_sys_harness (e);
  GstCaps *caps, *other = gst_caps_from_string (OTHER_CAPS);

  push_frames (h, 0, 2);
  gst_harness_set_src_caps (h, gst_caps_ref (other));
  pull_batch (h, 2, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "drained-batches"), 1);
  push_frames (h, 2, 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_batch (h, 1, NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (caps, other));

  gst_caps_unref (caps);
  gst_caps_unref (other);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Tests: backpressure */

/* Counts the times the blocking probe on the src pad held a batch. */
static GstPadProbeReturn
on_blocked (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  count_taken ();
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_pushed (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  count_taken ();
  return GST_PAD_PROBE_OK;
}

/* Returns once the producer of @h holds the stream lock of its peer,
 * i.e. is in the element's chain function. The third push has passed the
 * probe: once in the chain, it cannot leave it while the queue is full. */
static void
wait_in_chain (GstHarness * h)
{
  GstPad *pad = gst_pad_get_peer (h->srcpad);

  while (GST_PAD_STREAM_TRYLOCK (pad)) {
    GST_PAD_STREAM_UNLOCK (pad);
    g_thread_yield ();
  }
  gst_object_unref (pad);
}

/* Downstream blocks the first batch in a probe; then a producer pushes
 * more frames than its pad may queue (two, live), from a thread, and
 * blocks in the third push. */
static GstElement *
new_blocked (GstHarness ** h, Pusher * p, gulong * probe)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0");
  GstPad *src;

  *h = new_sys_harness (e);
  src = gst_element_get_static_pad (e, "src");
  *probe = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_blocked,
      NULL, NULL);
  gst_object_unref (src);
  push_frames (*h, 0, 2);
  /* two frames taken, and the probe's count */
  wait_taken (3);
  gst_pad_add_probe ((*h)->srcpad, GST_PAD_PROBE_TYPE_BUFFER, on_pushed,
      NULL, NULL);
  pusher_start (p, *h, frame, 2, 100);
  wait_taken (6);
  wait_in_chain (*h);
  return e;
}

static void
unblock (GstElement * e, gulong probe)
{
  GstPad *src = gst_element_get_static_pad (e, "src");

  gst_pad_remove_probe (src, probe);
  gst_object_unref (src);
}

/* While downstream is blocked the producer cannot push its 100 frames
 * (its pad queue is bounded); a flush of its pad wakes it with FLUSHING. */
GST_START_TEST (test_backpressure_released_by_flush)
{
  GstHarness *h;
  Pusher p;
  gulong probe;
  GstElement *e = new_blocked (&h, &p, &probe);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  unblock (e, probe);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Going to READY wakes the blocked producer with FLUSHING. */
GST_START_TEST (test_state_change_wakes_blocked_producer)
{
  GstHarness *h;
  Pusher p;
  gulong probe;
  GstElement *e = new_blocked (&h, &p, &probe);

  set_state_ok (e, GST_STATE_READY);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  unblock (e, probe);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Releasing its pad wakes the blocked producer with FLUSHING. */
GST_START_TEST (test_release_wakes_blocked_producer)
{
  GstHarness *h;
  Pusher p;
  gulong probe;
  GstElement *e = new_blocked (&h, &p, &probe);
  GstPad *pad = gst_pad_get_peer (h->srcpad);

  gst_element_release_request_pad (e, pad);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  gst_object_unref (pad);
  unblock (e, probe);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* Several producers at once, with backpressure and a 1 ms interval on
 * the real clock: every frame comes out once, in its source's order, and
 * EOS after the last. */
#define STRESS_SOURCES 4

typedef struct
{
  GstHarness *h;
  guint n;
  GstFlowReturn ret;
  GThread *thread;
} StressSource;

static gpointer
stress_func (gpointer data)
{
  StressSource *src = data;
  guint i;

  src->ret = GST_FLOW_OK;
  for (i = 0; i < src->n && src->ret == GST_FLOW_OK; i++)
    src->ret = gst_harness_push (src->h, frame (i));
  gst_harness_push_event (src->h, gst_event_new_eos ());
  return NULL;
}

/* Pulls @n frames and checks that each source's come in order. */
static void
pull_in_source_order (GstHarness * h, guint n)
{
  GstClockTime next[STRESS_SOURCES] = { 0, };
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstFrameBatchMeta *meta;

    fail_unless (buf != NULL, "frame %u of %u missing", i, n);
    meta = gst_buffer_get_frame_batch_meta (buf);
    fail_unless (meta->pad_index < STRESS_SOURCES);
    fail_unless_equals_uint64 (meta->pts, next[meta->pad_index]);
    next[meta->pad_index] += FRAME_DURATION;
    gst_buffer_unref (buf);
  }
}

static void
stress (const gchar * policy)
{
  gchar *props = g_strdup_printf ("batch-size=3 push-interval=1000000 "
      "policy=%s", policy);
  GstElement *e = new_framebatch (props);
  StressSource src[STRESS_SOURCES];
  guint i, n = RUNNING_ON_VALGRIND ? 50 : 2000;

  for (i = 0; i < STRESS_SOURCES; i++) {
    src[i].h = i == 0 ? new_sys_harness (e) : add_source (e, FALSE);
    src[i].n = n;
  }
  for (i = 0; i < STRESS_SOURCES; i++)
    src[i].thread = g_thread_new ("stress", stress_func, &src[i]);
  pull_in_source_order (src[0].h, STRESS_SOURCES * n);
  pull_until (src[0].h, GST_EVENT_EOS, FALSE);
  for (i = 0; i < STRESS_SOURCES; i++) {
    g_thread_join (src[i].thread);
    fail_unless_equals_int (src[i].ret, GST_FLOW_OK);
  }
  fail_unless_equals_uint64 (stat_u64 (e, "frames"), STRESS_SOURCES * n);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 0);

  for (i = STRESS_SOURCES; i-- > 0;)
    gst_harness_teardown (src[i].h);
  gst_object_unref (e);
  g_free (props);
}

GST_START_TEST (test_stress_any)
{
  stress ("any");
}

GST_END_TEST;

GST_START_TEST (test_stress_one_per_source)
{
  stress ("one-per-source");
}

GST_END_TEST;

/* Tests: real pipelines */

/* Frames that left framebatch, per source (by their meta). */
static struct
{
  GMutex lock;
  GCond cond;
  guint per_source[4];
  guint total;
} delivered;

static void
count_delivered (GstBuffer * buf)
{
  GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (buf);

  fail_unless (meta != NULL);
  if (meta->pad_index < G_N_ELEMENTS (delivered.per_source))
    delivered.per_source[meta->pad_index]++;
  delivered.total++;
}

static GstPadProbeReturn
on_delivered (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  guint i;

  g_mutex_lock (&delivered.lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    for (i = 0; i < gst_buffer_list_length (list); i++)
      count_delivered (gst_buffer_list_get (list, i));
  } else {
    count_delivered (GST_PAD_PROBE_INFO_BUFFER (info));
  }
  g_cond_broadcast (&delivered.cond);
  g_mutex_unlock (&delivered.lock);
  return GST_PAD_PROBE_OK;
}

/* @description with framebatch named b, whose output is counted. */
static GstElement *
counted_pipeline (const gchar * description)
{
  GstElement *pipeline = gst_object_ref_sink (launch (description));
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstPad *src = gst_element_get_static_pad (b, "src");

  memset (delivered.per_source, 0, sizeof (delivered.per_source));
  delivered.total = 0;
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, on_delivered, NULL, NULL);
  gst_object_unref (src);
  gst_object_unref (b);
  return pipeline;
}

static void
wait_delivered (guint n)
{
  wait_for_count (&delivered.lock, &delivered.cond, &delivered.total, n);
}

/* Waits for @n frames more than delivered so far. */
static void
wait_more_delivered (guint n)
{
  wait_delivered (read_count (&delivered.lock, &delivered.total) + n);
}

static void
stop_pipeline (GstElement * pipeline)
{
  set_state_ok (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* Two sources to EOS, every frame in a batch of one frame per source. */
GST_START_TEST (test_pipeline_two_sources)
{
  GstElement *pipeline = gst_object_ref_sink (gst_parse_launch ("framebatch "
          "name=b batch-size=2 policy=one-per-source ! fakesink "
          "videotestsrc num-buffers=30 ! " SOURCE_CAPS " ! b. "
          "videotestsrc num-buffers=30 pattern=ball ! " SOURCE_CAPS " ! b.",
          NULL));
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");

  run_to_eos (pipeline);
  fail_unless_equals_uint64 (stat_u64 (b, "frames"), 60);
  fail_unless_equals_uint64 (stat_u64 (b, "dropped"), 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Two live sources at 30 and 7 fps into a sink that syncs on the clock:
 * every frame of both is delivered, with either policy, and the output
 * framerate is 0/1 (variable). */
static void
run_live_30_7 (const gchar * policy)
{
  gchar *desc = g_strdup_printf ("framebatch name=b batch-size=2 policy=%s "
      "! fakesink sync=true videotestsrc is-live=true num-buffers=30 ! "
      SOURCE_CAPS " ! b.sink_0 videotestsrc is-live=true num-buffers=7 "
      "pattern=ball ! " SLOW_CAPS " ! b.sink_1", policy);
  GstElement *pipeline = counted_pipeline (desc);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstPad *src = gst_element_get_static_pad (b, "src");
  GstCaps *caps;
  gint n, d;

  run_to_eos (pipeline);
  fail_unless_equals_int (delivered.per_source[0], 30);
  fail_unless_equals_int (delivered.per_source[1], 7);
  caps = gst_pad_get_current_caps (src);
  fail_unless (gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
          "framerate", &n, &d));
  fail_unless_equals_int (n, 0);

  gst_caps_unref (caps);
  gst_object_unref (src);
  gst_object_unref (b);
  stop_pipeline (pipeline);
  g_free (desc);
}

GST_START_TEST (test_live_mixed_rates_any)
{
  run_live_30_7 ("any");
}

GST_END_TEST;

GST_START_TEST (test_live_mixed_rates_one_per_source)
{
  run_live_30_7 ("one-per-source");
}

GST_END_TEST;

/* EOS sent to a live pipeline with a partial batch open and a syncing
 * sink completes. */
GST_START_TEST (test_eos_live_partial_batch)
{
  GstElement *pipeline = counted_pipeline ("framebatch name=b batch-size=8 "
      "push-interval=500000000 ! fakesink sync=true "
      "videotestsrc is-live=true ! " SOURCE_CAPS " ! b. "
      "videotestsrc is-live=true pattern=ball ! " SLOW_CAPS " ! b.");

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  wait_delivered (8);
  fail_unless (gst_element_send_event (pipeline, gst_event_new_eos ()));
  expect_eos (wait_for_end (pipeline));
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* Sources of other sizes give the element's error, naming both pads,
 * every time. */
GST_START_TEST (test_caps_mismatch_every_time)
{
  guint i, runs = RUNNING_ON_VALGRIND ? 2 : 10;

  for (i = 0; i < runs; i++) {
    GstElement *pipeline = gst_object_ref_sink (launch ("framebatch name=b "
            "! fakesink videotestsrc ! " SOURCE_CAPS " ! b.sink_0 "
            "videotestsrc ! video/x-raw, format=I420, width=32, height=48, "
            "framerate=30/1 ! b.sink_1"));
    GstMessage *msg = run_to_end (pipeline);
    gchar *debug = NULL;

    fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
    fail_unless_equals_string (GST_MESSAGE_SRC_NAME (msg), "b");
    gst_message_parse_error (msg, NULL, &debug);
    fail_unless (strstr (debug, "sink_0") && strstr (debug, "sink_1"),
        "%s", debug);
    g_free (debug);
    gst_message_unref (msg);
    stop_pipeline (pipeline);
  }
}

GST_END_TEST;

/* @n non-live sources into a syncing sink. */
static GstElement *
sources_pipeline (guint n)
{
  GString *desc = g_string_new ("framebatch name=b batch-size=4 ! "
      "fakesink sync=true");
  GstElement *pipeline;
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (desc, " videotestsrc name=s%u ! " SOURCE_CAPS
        " ! b.sink_%u", i, i);
  pipeline = counted_pipeline (desc->str);
  g_string_free (desc, TRUE);
  return pipeline;
}

static void
wait_state (GstElement * pipeline)
{
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
}

static void
seek_and_preroll (GstElement * pipeline)
{
  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 0));
  wait_state (pipeline);
}

/* A flushing seek in PAUSED, 2 to 4 sources, returns and the pipeline
 * prerolls again. */
GST_START_TEST (test_seek_paused)
{
  guint n;

  for (n = 2; n <= 4; n++) {
    GstElement *pipeline = sources_pipeline (n);

    gst_element_set_state (pipeline, GST_STATE_PAUSED);
    wait_state (pipeline);
    seek_and_preroll (pipeline);
    seek_and_preroll (pipeline);
    stop_pipeline (pipeline);
  }
}

GST_END_TEST;

/* The same in PLAYING, and frames flow after the seek. */
GST_START_TEST (test_seek_playing)
{
  guint n;

  for (n = 2; n <= 4; n++) {
    GstElement *pipeline = sources_pipeline (n);

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    wait_state (pipeline);
    wait_delivered (8);
    seek_and_preroll (pipeline);
    wait_more_delivered (8);
    stop_pipeline (pipeline);
  }
}

GST_END_TEST;

/* Removes the source linked to framebatch's @pad: a flush-start on the
 * pad first wakes the source's thread if it waits for room there, and
 * makes it stop without an error; then the source stops and the pad is
 * released. */
static void
remove_source (GstElement * pipeline, const gchar * pad_name)
{
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstPad *pad = gst_element_get_static_pad (b, pad_name);
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *filter = gst_pad_get_parent_element (peer);
  GstPad *filter_sink = gst_element_get_static_pad (filter, "sink");
  GstPad *src_pad = gst_pad_get_peer (filter_sink);
  GstElement *src = gst_pad_get_parent_element (src_pad);

  /* refused by an inactive pad (READY), where no thread waits anyway */
  gst_pad_send_event (pad, gst_event_new_flush_start ());
  set_state_ok (src, GST_STATE_NULL);
  set_state_ok (filter, GST_STATE_NULL);
  gst_element_release_request_pad (b, pad);
  gst_bin_remove_many (GST_BIN (pipeline), src, filter, NULL);

  gst_object_unref (src);
  gst_object_unref (src_pad);
  gst_object_unref (filter_sink);
  gst_object_unref (filter);
  gst_object_unref (peer);
  gst_object_unref (pad);
  gst_object_unref (b);
}

/* A source pad released in PAUSED: the others go on to PLAYING. */
GST_START_TEST (test_release_source_paused)
{
  GstElement *pipeline = sources_pipeline (3);

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  wait_state (pipeline);
  remove_source (pipeline, "sink_1");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  wait_state (pipeline);
  wait_more_delivered (8);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* A source pad released in PLAYING: the others go on. */
GST_START_TEST (test_release_source_playing)
{
  GstElement *pipeline = sources_pipeline (3);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  wait_state (pipeline);
  wait_delivered (8);
  remove_source (pipeline, "sink_1");
  wait_more_delivered (8);
  stop_pipeline (pipeline);
}

GST_END_TEST;

/* A randomized run of flushing seeks, state changes, sources added and
 * removed and EOS, under a watchdog: none may hang. The seed is printed;
 * FRAMEBATCH_SEED replays one. */
static void
add_source_element (GstElement * pipeline)
{
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstElement *src, *filter;
  GstCaps *caps = gst_caps_from_string (SOURCE_CAPS);
  GstPad *pad, *sinkpad;

  src = gst_element_factory_make ("videotestsrc", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (pipeline), src, filter, NULL);
  fail_unless (gst_element_link (src, filter));
  pad = gst_element_get_static_pad (filter, "src");
  sinkpad = gst_element_request_pad_simple (b, "sink_%u");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (src);
  gst_object_unref (sinkpad);
  gst_object_unref (pad);
  gst_object_unref (b);
}

/* The name of a random sink pad of b. */
static gchar *
random_sink_pad (GstElement * pipeline, GRand * rand)
{
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstPad *pad;
  gchar *name;

  GST_OBJECT_LOCK (b);
  pad = g_list_nth_data (b->sinkpads, g_rand_int_range (rand, 0,
          b->numsinkpads));
  name = gst_pad_get_name (pad);
  GST_OBJECT_UNLOCK (b);
  gst_object_unref (b);
  return name;
}

static guint
n_sources (GstElement * pipeline)
{
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  guint n = b->numsinkpads;

  gst_object_unref (b);
  return n;
}

static void
random_step (GstElement * pipeline, GRand * rand)
{
  GstState state;
  gchar *pad;

  gst_element_get_state (pipeline, &state, NULL, 0);
  switch (g_rand_int_range (rand, 0, 6)) {
    case 0:
      if (state >= GST_STATE_PAUSED)
        gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH, 0);
      break;
    case 1:
      gst_element_set_state (pipeline, GST_STATE_PAUSED);
      break;
    case 2:
      gst_element_set_state (pipeline, GST_STATE_PLAYING);
      break;
    case 3:
      if (n_sources (pipeline) < 4)
        add_source_element (pipeline);
      break;
    case 4:
      if (n_sources (pipeline) > 1) {
        pad = random_sink_pad (pipeline, rand);
        remove_source (pipeline, pad);
        g_free (pad);
      }
      break;
    default:
      if (state == GST_STATE_PLAYING) {
        gst_element_send_event (pipeline, gst_event_new_eos ());
        expect_eos (wait_for_end (pipeline));
        gst_element_set_state (pipeline, GST_STATE_READY);
      }
      break;
  }
  wait_state (pipeline);
}

GST_START_TEST (test_random_stress)
{
  const gchar *env = g_getenv ("FRAMEBATCH_SEED");
  guint32 seed = env ? (guint32) g_ascii_strtoull (env, NULL, 10) :
      g_random_int ();
  GRand *rand = g_rand_new_with_seed (seed);
  guint i, cycles = RUNNING_ON_VALGRIND ? 20 : 300;
  GstElement *pipeline = sources_pipeline (2);
  Watchdog wd;

  g_print ("test_random_stress: FRAMEBATCH_SEED=%u\n", seed);
  watchdog_start (&wd);
  for (i = 0; i < cycles; i++)
    random_step (pipeline, rand);
  watchdog_stop (&wd);
  stop_pipeline (pipeline);
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
framebatch_suite (void)
{
  Suite *s = suite_create ("framebatch");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_full_batch_by_count);
  tcase_add_test (tc, test_timeout_live);
  tcase_add_test (tc, test_timeout_force_live);
  tcase_add_test (tc, test_one_per_source_fast_and_slow);
  tcase_add_test (tc, test_late_source_does_not_stall);
  tcase_add_test (tc, test_batch_size_while_playing);
  tcase_add_test (tc, test_push_interval_auto_from_caps);
  tcase_add_test (tc, test_push_interval_auto_from_timestamps);
  tcase_add_test (tc, test_drain_on_eos);
  tcase_add_test (tc, test_drop_on_eos);
  tcase_add_test (tc, test_eos_waits_for_all_pads);
  tcase_add_test (tc, test_flush_mid_batch);
  tcase_add_test (tc, test_flush_one_source);
  tcase_add_test (tc, test_flushing_seek);
  tcase_add_test (tc, test_pads_while_playing);
  tcase_add_test (tc, test_meta_contents);
  tcase_add_test (tc, test_source_stats);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_bad_property_values);
  tcase_add_test (tc, test_caps_mismatch);
  tcase_add_test (tc, test_data_before_caps);
  tcase_add_test (tc, test_drain_query);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_backpressure_released_by_flush);
  tcase_add_test (tc, test_state_change_wakes_blocked_producer);
  tcase_add_test (tc, test_release_wakes_blocked_producer);
  tcase_add_test (tc, test_stress_any);
  tcase_add_test (tc, test_stress_one_per_source);
  tcase_add_test (tc, test_pipeline_two_sources);
  tcase_add_test (tc, test_live_mixed_rates_any);
  tcase_add_test (tc, test_live_mixed_rates_one_per_source);
  tcase_add_test (tc, test_eos_live_partial_batch);
  tcase_add_test (tc, test_caps_mismatch_every_time);
  tcase_add_test (tc, test_seek_paused);
  tcase_add_test (tc, test_seek_playing);
  tcase_add_test (tc, test_release_source_paused);
  tcase_add_test (tc, test_release_source_playing);
  tcase_add_test (tc, test_random_stress);
  return s;
}

GST_CHECK_MAIN (framebatch);
