/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the framebatch element: batches by count and by push interval
 * (on a test clock, and on the monotonic timer of a non-live pipeline),
 * the one-per-source policy, EOS, flushes, request pads while PLAYING, the
 * meta, the latency answer, property ranges, caps and backpressure.
 *
 * The harness answers LATENCY queries with live=TRUE, so harnessed
 * elements time their batches on the harness's test clock, which moves
 * only when a test cranks it: no partial batch times out by itself. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"

#define CAPS "video/x-raw, format=GRAY8, width=4, height=4, framerate=30/1"
#define OTHER_CAPS "video/x-raw, format=GRAY8, width=8, height=8, " \
    "framerate=30/1"
#define FRAME_DURATION (GST_SECOND / 30)
/* videotestsrc writes out of bounds for tiny frames */
#define SOURCE_CAPS "video/x-raw, format=I420, width=64, height=48, " \
    "framerate=30/1"

/* Helpers */

static GstElement *
new_framebatch (const gchar * properties)
{
  gchar *desc = g_strdup_printf ("framebatch %s", properties);
  GstElement *e = launch (desc);

  g_free (desc);
  return gst_object_ref_sink (e);
}

/* A harness on a new sink_N pad, and on the src pad when @with_src. */
static GstHarness *
add_source (GstElement * e, gboolean with_src)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u",
      with_src ? "src" : NULL);

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

/* Tests */

/* batch-size frames make a batch at once, pushed by the producer that
 * completed it; fewer make none. */
GST_START_TEST (test_full_batch_by_count)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_harness (e);

  push_frames (h, 0, 4);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 4);
  fail_unless_equals_uint64 (pull_batch (h, 4, NULL), 0);

  push_frames (h, 4, 3);
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
  /* the timer waits for first frame + push-interval on the test clock */
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

/* Non-live: the partial batch goes out on the monotonic timer, here to
 * preroll the sink (nothing else could: no EOS, no full batch). One frame,
 * so that no timing can split it. */
GST_START_TEST (test_timeout_nonlive)
{
  GstElement *pipeline = gst_object_ref_sink (gst_parse_launch ("appsrc "
          "name=src is-live=false format=time caps=\"" CAPS "\" ! "
          "framebatch name=b batch-size=8 push-interval=5000000 ! "
          "appsink name=sink buffer-list=true sync=false", NULL));
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

/* one-per-source: a fast source cannot fill batches by itself; each batch
 * has one frame of each source, and the slow source's frame goes in the
 * first batch, not behind the fast source's backlog. */
GST_START_TEST (test_one_per_source_fairness)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0 "
      "policy=one-per-source max-pending=8");
  GstHarness *fast = new_harness (e);
  GstHarness *slow = add_source (e, FALSE);
  guint pads[2], i;

  push_frames (fast, 0, 4);
  fail_unless_equals_int (gst_harness_buffers_in_queue (fast), 0);

  for (i = 0; i < 4; i++) {
    push_frames (slow, i, 1);
    fail_unless_equals_uint64 (pull_batch (fast, 2, pads), i);
    fail_unless_equals_int (pads[0], 0);
    fail_unless_equals_int (pads[1], 1);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (fast), 0);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 4);

  teardown (e, fast, slow);
}

GST_END_TEST;

/* one-per-source: a source that gives nothing holds a batch for
 * push-interval only; the batch after it waits for it again. */
GST_START_TEST (test_late_source_does_not_stall)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=10000000 "
      "policy=one-per-source");
  GstHarness *h = new_harness (e);
  GstHarness *late = add_source (e, FALSE);
  guint pads[2];

  push_frames (h, 0, 1);
  fail_unless (gst_harness_crank_single_clock_wait (h));
  pull_batch (h, 1, pads);
  fail_unless_equals_int (pads[0], 0);
  fail_unless_equals_uint64 (stat_u64 (e, "timed-out-batches"), 1);

  push_frames (h, 1, 1);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  push_frames (late, 0, 1);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[1], 1);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 1);

  gst_object_unref (gst_harness_get_testclock (h));
  teardown (e, h, late);
}

GST_END_TEST;

/* drain=true: at EOS the partial batch goes out, then EOS. */
GST_START_TEST (test_drain_on_eos)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_harness (e);

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
  GstHarness *h = new_harness (e);

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
  GstHarness *h = new_harness (e);
  GstHarness *h2 = add_source (e, FALSE);

  push_frames (h, 0, 2);
  push_frames (h2, 0, 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
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
  GstHarness *h = new_harness (e);

  push_frames (h, 0, 3);
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
  GstHarness *h = new_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  guint pads[4], i;

  push_frames (h, 0, 2);
  push_frames (h2, 0, 1);
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
 * flush-start and one flush-stop go downstream, the stop once every
 * source has flushed. */
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
  for (i = 0; i < 2; i++)
    pull_until (srcs[i], GST_EVENT_SEEK, TRUE);
  events = gst_harness_events_received (h);
  for (i = 0; i < 2; i++) {
    GstEvent *start = gst_event_new_flush_start ();

    gst_event_set_seqnum (start, seqnum);
    fail_unless (gst_harness_push_event (srcs[i], start));
  }
  fail_unless_equals_int (gst_harness_events_received (h), events + 1);
  for (i = 0; i < 2; i++) {
    GstEvent *stop = gst_event_new_flush_stop (TRUE);

    gst_event_set_seqnum (stop, seqnum);
    fail_unless (gst_harness_push_event (srcs[i], stop));
    fail_unless_equals_int (gst_harness_events_received (h), events + 1 + i);
  }

  teardown (e, h, h2);
}

GST_END_TEST;

/* A sink pad added while PLAYING joins the batches; one released while
 * PLAYING leaves them: its queued frames are dropped and counted, its
 * frame already in the batch stays, and one-per-source stops waiting for
 * it. */
GST_START_TEST (test_pads_while_playing)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0 "
      "policy=one-per-source");
  GstHarness *h = new_harness (e);
  GstHarness *h2 = add_source (e, FALSE);
  guint pads[2];

  fail_unless_equals_int (GST_STATE (e), GST_STATE_PLAYING);
  push_frames (h, 0, 1);
  push_frames (h2, 0, 1);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[0] + pads[1], 1);

  push_frames (h2, 1, 2);
  gst_harness_teardown (h2);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 1);
  fail_unless_equals_int (e->numsinkpads, 1);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  push_frames (h, 1, 1);
  pull_batch (h, 2, pads);
  fail_unless_equals_int (pads[0], 1);
  fail_unless_equals_int (pads[1], 0);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* The meta names the source pad, the place in the batch and the original
 * timestamps; the buffer's own are running time. */
GST_START_TEST (test_meta_contents)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0");
  GstHarness *h = new_harness (e);
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
  GstElement *e = new_framebatch ("batch-size=5 max-pending=3");
  guint v;

  ASSERT_WARNING (g_object_set (e, "batch-size", 0, NULL));
  ASSERT_WARNING (g_object_set (e, "batch-size", 1025, NULL));
  g_object_get (e, "batch-size", &v, NULL);
  fail_unless_equals_int (v, 5);
  ASSERT_WARNING (g_object_set (e, "max-pending", 0, NULL));
  g_object_get (e, "max-pending", &v, NULL);
  fail_unless_equals_int (v, 3);
  ASSERT_WARNING (g_object_set (e, "push-interval",
          (guint64) 3601 * GST_SECOND, NULL));
  ASSERT_WARNING (g_object_set (e, "policy", 7, NULL));
  ASSERT_WARNING (g_object_set (e, "stats", NULL, NULL));

  gst_object_unref (e);
}

GST_END_TEST;

/* A second source with other caps is refused with an error on the bus
 * and its frames with not-negotiated; a caps query on a new pad answers
 * the caps of the batches. */
GST_START_TEST (test_caps_mismatch)
{
  GstElement *e = new_framebatch ("");
  GstHarness *h = new_harness (e);
  GstHarness *h2 = gst_harness_new_with_element (e, "sink_%u", NULL);
  GstBus *bus = gst_bus_new ();
  GstCaps *caps, *expected = gst_caps_from_string (CAPS);
  GstCaps *other = gst_caps_from_string (OTHER_CAPS);
  GstMessage *msg;
  GstSegment segment;

  gst_element_set_bus (e, bus);
  caps = gst_pad_peer_query_caps (h2->srcpad, NULL);
  fail_unless (gst_caps_is_equal (caps, expected));
  gst_caps_unref (caps);
  gst_caps_unref (expected);

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

/* Starts a push in a thread and returns once the element has counted it
 * in "waits", which it does when the producer has to block. Polling the
 * counter (bounded) only tells where the thread is; the wakeup itself
 * cannot be missed, since the element checks for room, flushing and
 * state under the lock it waits with. */
static void
start_blocked_push (Pusher * p, GstElement * e, GstHarness * h)
{
  guint64 waits = stat_u64 (e, "waits");
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  pusher_start (p, h, frame, 100, 1);
  while (stat_u64 (e, "waits") == waits) {
    fail_unless (g_get_monotonic_time () < deadline, "the push did not block");
    g_usleep (1000);
  }
}

/* One-per-source with a second source that gives nothing: the first
 * frame joins the batch, the next max-pending (2) wait in the queue, and
 * the producer then blocks. */
static GstElement *
new_full_queue (GstHarness ** h, GstHarness ** h2, Pusher * p)
{
  GstElement *e = new_framebatch ("batch-size=2 push-interval=0 "
      "policy=one-per-source max-pending=2");

  *h = new_harness (e);
  *h2 = add_source (e, FALSE);
  push_frames (*h, 0, 3);
  start_blocked_push (p, e, *h);
  return e;
}

/* The blocked producer goes on once a batch takes a frame of its queue. */
GST_START_TEST (test_backpressure_at_max_pending)
{
  GstHarness *h, *h2;
  Pusher p;
  GstElement *e = new_full_queue (&h, &h2, &p);

  push_frames (h2, 0, 1);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_OK);
  pull_batch (h, 2, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 0);
  teardown (e, h, h2);
}

GST_END_TEST;

/* A flush of its pad wakes the blocked producer with FLUSHING. */
GST_START_TEST (test_flush_wakes_blocked_producer)
{
  GstHarness *h, *h2;
  Pusher p;
  GstElement *e = new_full_queue (&h, &h2, &p);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  fail_unless_equals_uint64 (stat_u64 (e, "dropped"), 3);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  teardown (e, h, h2);
}

GST_END_TEST;

/* Going to READY wakes the blocked producer with FLUSHING. */
GST_START_TEST (test_state_change_wakes_blocked_producer)
{
  GstHarness *h, *h2;
  Pusher p;
  GstElement *e = new_full_queue (&h, &h2, &p);

  set_state_ok (e, GST_STATE_READY);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  teardown (e, h, h2);
}

GST_END_TEST;

/* Releasing its pad wakes the blocked producer with FLUSHING. */
GST_START_TEST (test_release_wakes_blocked_producer)
{
  GstHarness *h, *h2;
  Pusher p;
  GstElement *e = new_full_queue (&h, &h2, &p);
  GstPad *pad = gst_pad_get_peer (h->srcpad);

  gst_element_release_request_pad (e, pad);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_FLUSHING);
  gst_object_unref (pad);
  teardown (e, h, h2);
}

GST_END_TEST;

/* A DRAIN query from upstream pushes what is held at once. */
GST_START_TEST (test_drain_query)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_harness (e);
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
 * first, then the new caps. */
GST_START_TEST (test_caps_change)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_harness (e);
  GstCaps *caps, *other = gst_caps_from_string (OTHER_CAPS);

  push_frames (h, 0, 2);
  gst_harness_set_src_caps (h, gst_caps_ref (other));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 2);
  pull_batch (h, 2, NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (caps, other));
  fail_unless_equals_uint64 (stat_u64 (e, "drained-batches"), 1);

  gst_caps_unref (caps);
  gst_caps_unref (other);
  teardown (e, h, NULL);
}

GST_END_TEST;

/* A smaller batch-size set while PLAYING completes the partial batch. */
GST_START_TEST (test_batch_size_while_playing)
{
  GstElement *e = new_framebatch ("batch-size=8 push-interval=0");
  GstHarness *h = new_harness (e);

  push_frames (h, 0, 3);
  g_object_set (e, "batch-size", 2, NULL);
  pull_batch (h, 3, NULL);
  push_frames (h, 3, 2);
  pull_batch (h, 2, NULL);
  fail_unless_equals_uint64 (stat_u64 (e, "full-batches"), 2);

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
      "max-pending=2 policy=%s", policy);
  GstElement *e = new_framebatch (props);
  StressSource src[STRESS_SOURCES];
  guint i, n = RUNNING_ON_VALGRIND ? 50 : 2000;

  for (i = 0; i < STRESS_SOURCES; i++) {
    src[i].h = add_source (e, i == 0);
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

/* Batch containers come back from downstream and are used again: a
 * steady stream allocates none after the first. */
GST_START_TEST (test_containers_recycled)
{
  GstElement *e = new_framebatch ("batch-size=4 push-interval=0");
  GstHarness *h = new_harness (e);
  guint i;

  for (i = 0; i < 50; i++) {
    push_frames (h, 4 * i, 4);
    pull_batch (h, 4, NULL);
  }
  fail_unless_equals_uint64 (stat_u64 (e, "batches"), 50);
  fail_unless (stat_u64 (e, "containers") <= 2);

  teardown (e, h, NULL);
}

GST_END_TEST;

/* A real pipeline: two sources to EOS, every frame in a batch of one
 * frame per source. */
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

static Suite *
framebatch_suite (void)
{
  Suite *s = suite_create ("framebatch");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_full_batch_by_count);
  tcase_add_test (tc, test_timeout_live);
  tcase_add_test (tc, test_timeout_nonlive);
  tcase_add_test (tc, test_one_per_source_fairness);
  tcase_add_test (tc, test_late_source_does_not_stall);
  tcase_add_test (tc, test_drain_on_eos);
  tcase_add_test (tc, test_drop_on_eos);
  tcase_add_test (tc, test_eos_waits_for_all_pads);
  tcase_add_test (tc, test_flush_mid_batch);
  tcase_add_test (tc, test_flush_one_source);
  tcase_add_test (tc, test_flushing_seek);
  tcase_add_test (tc, test_pads_while_playing);
  tcase_add_test (tc, test_meta_contents);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_bad_property_values);
  tcase_add_test (tc, test_caps_mismatch);
  tcase_add_test (tc, test_backpressure_at_max_pending);
  tcase_add_test (tc, test_flush_wakes_blocked_producer);
  tcase_add_test (tc, test_state_change_wakes_blocked_producer);
  tcase_add_test (tc, test_release_wakes_blocked_producer);
  tcase_add_test (tc, test_drain_query);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_batch_size_while_playing);
  tcase_add_test (tc, test_stress_any);
  tcase_add_test (tc, test_stress_one_per_source);
  tcase_add_test (tc, test_containers_recycled);
  tcase_add_test (tc, test_pipeline_two_sources);
  return s;
}

GST_CHECK_MAIN (framebatch);
