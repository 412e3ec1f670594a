/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the watermarkqueue element. The consumer is held by a gate, a
 * probe on the queue's src pad that lets buffers through only when the
 * test says so, so that the level is exactly what the test pushed: no
 * sleeps, no timing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "../testutil.h"
#include "../watchdog.h"
#include "watermarktest.h"

/* The gate, and what went through the queue's src pad, in order. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean open;
  gboolean flushing;            /* downstream flushing: held buffers go */
  guint allowed;                /* buffers it may still let through */
  guint arrived;                /* buffers that reached it */
  GString *trace;               /* "B<offset> " per buffer, "E<type> ",
                                 * "Q<type> " per event and query */
  guint paused;                 /* signals */
  guint resumed;
} Gate;

static Gate gate;

static void
gate_reset (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = gate.flushing = FALSE;
  gate.allowed = gate.arrived = gate.paused = gate.resumed = 0;
  if (gate.trace)
    g_string_free (gate.trace, TRUE);
  gate.trace = g_string_new (NULL);
  g_mutex_unlock (&gate.lock);
}

static void
trace_item (GstPadProbeInfo * info)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    g_string_append_printf (gate.trace, "B%" G_GUINT64_FORMAT " ",
        GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)));
  else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    g_string_append_printf (gate.trace, "E%s ",
        GST_EVENT_TYPE_NAME (GST_PAD_PROBE_INFO_EVENT (info)));
  else if (info->type & GST_PAD_PROBE_TYPE_PUSH)        /* not the answer */
    g_string_append_printf (gate.trace, "Q%s ",
        GST_QUERY_TYPE_NAME (GST_PAD_PROBE_INFO_QUERY (info)));
}

/* Like a flushing downstream, a flush drops the buffer held. */
static void
gate_flush (GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    gate.flushing = TRUE;
  else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gate.flushing = FALSE;
  g_cond_broadcast (&gate.cond);
}

static GstPadProbeReturn
gate_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  g_mutex_lock (&gate.lock);
  trace_item (info);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_FLUSH)
    gate_flush (GST_PAD_PROBE_INFO_EVENT (info));
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    gate.arrived++;
    g_cond_broadcast (&gate.cond);
    while (!gate.open && gate.allowed == 0 && !gate.flushing)
      g_cond_wait (&gate.cond, &gate.lock);
    if (gate.flushing)
      ret = GST_PAD_PROBE_DROP;
    else if (!gate.open)
      gate.allowed--;
  }
  g_mutex_unlock (&gate.lock);
  return ret;
}

static void
gate_allow (guint n)
{
  g_mutex_lock (&gate.lock);
  gate.allowed += n;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

static void
gate_open (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

/* Waits until @counter (a field of the gate) reaches @n. */
static void
gate_wait (guint * counter, guint n)
{
  wait_for_count (&gate.lock, &gate.cond, counter, n);
}

static guint
gate_count (guint * counter)
{
  return read_count (&gate.lock, counter);
}

static gchar *
gate_trace (void)
{
  gchar *s;

  g_mutex_lock (&gate.lock);
  s = g_strdup (gate.trace->str);
  g_mutex_unlock (&gate.lock);
  return s;
}

static void
on_signal (GstElement * queue, guint * counter)
{
  g_mutex_lock (&gate.lock);
  (*counter)++;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

/* A harnessed watermarkqueue with the gate closed on its src pad and the
 * given properties (a NULL-terminated list). */
static GstHarness *
new_harness (const gchar * first_property, ...)
{
  GstHarness *h = gst_harness_new ("watermarkqueue");
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  va_list args;

  gate_reset ();
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (h->element), first_property, args);
  va_end (args);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH | GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      gate_probe, NULL, NULL);
  gst_object_unref (src);
  g_signal_connect (h->element, "paused", G_CALLBACK (on_signal), &gate.paused);
  g_signal_connect (h->element, "resumed", G_CALLBACK (on_signal),
      &gate.resumed);
  gst_harness_set_src_caps_str (h, "x/y");
  return h;
}

static void
teardown (GstHarness * h)
{
  gate_open ();
  gst_harness_teardown (h);
}

/* Buffer @i, empty and untimed. */
static GstBuffer *
plain_buffer (guint i)
{
  return make_buffer (i, 0, GST_CLOCK_TIME_NONE);
}

static GstFlowReturn
push (GstHarness * h, guint i)
{
  return gst_harness_push (h, plain_buffer (i));
}

/* Pushes buffer 0 and waits until the streaming thread holds it at the
 * gate: from then on the level is what the test pushes. */
static void
push_first_held (GstHarness * h)
{
  fail_unless_equals_int (push (h, 0), GST_FLOW_OK);
  gate_wait (&gate.arrived, 1);
}

static guint
level_buffers (GstElement * q)
{
  guint v;

  g_object_get (q, "current-level-buffers", &v, NULL);
  return v;
}

static void
pull_in_order (GstHarness * h, const guint * offsets, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), offsets[i]);
    gst_buffer_unref (buf);
  }
}

/* Waits for the EOS event at the harness sink. */
static void
pull_eos (GstHarness * h)
{
  GstEvent *event;
  gboolean eos;

  do {
    event = gst_harness_pull_event (h);
    fail_unless (event != NULL, "no EOS");
    eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    gst_event_unref (event);
  } while (!eos);
}

/* A new segment and buffer @i go through. */
static void
check_flows_again (GstHarness * h, guint i)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  fail_unless_equals_int (push (h, i), GST_FLOW_OK);
  pull_in_order (h, &i, 1);
}

/* The next element message on @bus must be @name with @level_buffers. */
static void
expect_message (GstBus * bus, const gchar * name, guint level_buffers)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_ELEMENT);
  const GstStructure *s;
  guint level = G_MAXUINT;

  fail_unless (msg != NULL, "no %s message", name);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, name), "%s, not %s",
      gst_structure_get_name (s), name);
  fail_unless (gst_structure_get_uint (s, "level-buffers", &level));
  fail_unless_equals_int (level, level_buffers);
  gst_message_unref (msg);
}

/* Hysteresis: with pause-buffers=4 and resume-buffers=2, the writer
 * blocks with 4 queued, stays blocked at 3 (between the watermarks), runs
 * again at 2, fills up to 4 and blocks again. The signals, the messages
 * and the level property follow. */
GST_START_TEST (test_hysteresis)
{
  static const guint all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      "post-messages", TRUE, NULL);
  GstBus *bus = gst_bus_new ();
  Pusher w;

  gst_element_set_bus (h->element, bus);
  push_first_held (h);
  pusher_start (&w, h, plain_buffer, 1, 11);
  gate_wait (&gate.paused, 1);
  fail_unless_equals_int (level_buffers (h->element), 4);
  expect_message (bus, "watermarkqueue-paused", 4);

  /* one out: 3 queued, between the watermarks: still blocked */
  gate_allow (1);
  gate_wait (&gate.arrived, 2);
  fail_unless_equals_int (level_buffers (h->element), 3);
  fail_unless_equals_int (gate_count (&gate.resumed), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pushed"), 5);

  /* another: 2 queued, the resume watermark: the writer runs again */
  gate_allow (1);
  gate_wait (&gate.resumed, 1);
  expect_message (bus, "watermarkqueue-resumed", 2);
  gate_wait (&gate.paused, 2);
  fail_unless_equals_int (level_buffers (h->element), 4);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pushed"), 7);

  gate_open ();
  fail_unless_equals_int (pusher_join (&w), GST_FLOW_OK);
  pull_in_order (h, all, G_N_ELEMENTS (all));
  fail_unless_equals_uint64 (stat_u64 (h->element, "pauses"),
      stat_u64 (h->element, "resumes"));
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  teardown (h);
}

GST_END_TEST;

/* With buffer 0 held and pause-buffers=4, pushes buffers 1 to 9 (none
 * blocks), checks the 5 drops in stats and on the bus (with the level
 * right after each, @drop_level), then what comes out. */
static void
check_leaky (const gchar * leaky, guint drop_level, const guint * out)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      "post-messages", TRUE, NULL);
  GstBus *bus = gst_bus_new ();
  guint i;

  gst_util_set_object_arg (G_OBJECT (h->element), "leaky", leaky);
  gst_element_set_bus (h->element, bus);
  push_first_held (h);
  for (i = 1; i <= 9; i++)
    fail_unless_equals_int (push (h, i), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat_u64 (h->element, "dropped"), 5);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pushed"), 10);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pauses"), 0);
  for (i = 0; i < 5; i++)
    expect_message (bus, "watermarkqueue-dropped", drop_level);
  gate_open ();
  pull_in_order (h, out, 5);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  teardown (h);
}

/* leaky=upstream drops the new buffers. */
GST_START_TEST (test_leaky_upstream)
{
  static const guint out[] = { 0, 1, 2, 3, 4 };

  check_leaky ("upstream", 4, out);
}

GST_END_TEST;

/* leaky=downstream drops the oldest queued buffers. */
GST_START_TEST (test_leaky_downstream)
{
  static const guint out[] = { 0, 6, 7, 8, 9 };

  check_leaky ("downstream", 3, out);
}

GST_END_TEST;

/* With buffer 0 held and leaky=upstream, pushes buffers 1 to 9 of
 * 300 bytes and 100 ms each, and returns how many were kept. */
static guint
fill_leaky (GstHarness * h)
{
  guint i;

  push_first_held (h);
  for (i = 1; i <= 9; i++)
    fail_unless_equals_int (gst_harness_push (h, make_buffer (i, 300,
                100 * MS)), GST_FLOW_OK);
  return 9 - stat_u64 (h->element, "dropped");
}

/* pause-time=500ms: the level is the running time from what went out
 * last to what came in last, like queue: buffer 0 went out without a
 * timestamp, so from the segment's start (0), and it stops at 500 ms
 * (buffers 1 to 4, 100 to 500 ms). */
GST_START_TEST (test_time_watermark)
{
  GstHarness *h = new_harness ("pause-buffers", 0, "pause-bytes",
      G_GUINT64_CONSTANT (0), "resume-time", 200 * MS, "pause-time",
      500 * MS, "leaky", 1, NULL);
  guint64 time;

  fail_unless_equals_int (fill_leaky (h), 4);
  g_object_get (h->element, "current-level-time", &time, NULL);
  fail_unless_equals_uint64 (time, 500 * MS);
  teardown (h);
}

GST_END_TEST;

/* pause-bytes=1000: 300-byte buffers stop at 1200 (the level overshoots
 * by at most one buffer). */
GST_START_TEST (test_bytes_watermark)
{
  GstHarness *h = new_harness ("pause-buffers", 0, "pause-time",
      G_GUINT64_CONSTANT (0), "resume-bytes", G_GUINT64_CONSTANT (400),
      "pause-bytes", G_GUINT64_CONSTANT (1000), "leaky", 1, NULL);
  guint64 bytes;

  fail_unless_equals_int (fill_leaky (h), 4);
  g_object_get (h->element, "current-level-bytes", &bytes, NULL);
  fail_unless_equals_uint64 (bytes, 1200);
  teardown (h);
}

GST_END_TEST;

static void
check_kept (GstElement * q, const gchar * name, guint expected)
{
  guint v;

  g_object_get (q, name, &v, NULL);
  fail_unless_equals_int (v, expected);
}

/* A resume watermark set at or above its pause watermark, and all pause
 * watermarks 0, are rejected with a warning; the old value stays. A pause
 * watermark lowered to its resume watermark takes the resume watermark to
 * half of it (as on fanout pads), so resume stays below pause. */
GST_START_TEST (test_bad_watermarks)
{
  GstElement *q = gst_element_factory_make ("watermarkqueue", NULL);
  guint64 v;

  ASSERT_WARNING (g_object_set (q, "resume-buffers", 200, NULL));
  check_kept (q, "resume-buffers", 100);
  g_object_set (q, "pause-buffers", 100, NULL);
  check_kept (q, "pause-buffers", 100);
  check_kept (q, "resume-buffers", 50);
  ASSERT_WARNING (g_object_set (q, "resume-time", GST_SECOND, NULL));
  g_object_get (q, "resume-time", &v, NULL);
  fail_unless_equals_uint64 (v, GST_SECOND / 2);

  /* in the right order the same values are fine */
  g_object_set (q, "resume-buffers", 10, "pause-buffers", 20, NULL);
  check_kept (q, "pause-buffers", 20);
  g_object_set (q, "pause-bytes", G_GUINT64_CONSTANT (0), "pause-time",
      G_GUINT64_CONSTANT (0), NULL);
  ASSERT_WARNING (g_object_set (q, "pause-buffers", 0, NULL));
  check_kept (q, "pause-buffers", 20);
  gst_object_unref (q);
}

GST_END_TEST;

/* Serialized events stay between the buffers they came between. */
GST_START_TEST (test_event_order)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      NULL);
  gchar *trace;

  gate_open ();
  push (h, 0);
  gst_harness_push_event (h, gst_event_new_custom
      (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("mark")));
  push (h, 1);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_buffer_unref (gst_harness_pull (h));
  gst_buffer_unref (gst_harness_pull (h));
  pull_eos (h);
  trace = gate_trace ();
  fail_unless (g_str_has_suffix (trace,
          "B0 Ecustom-downstream B1 Eeos "), "%s", trace);
  g_free (trace);
  teardown (h);
}

GST_END_TEST;

/* A serialized query sent from a thread of its own. */
typedef struct
{
  GstHarness *h;
  gboolean res;
  GstQuery *query;              /* taken */
} QueryThread;

static gpointer
query_func (gpointer data)
{
  QueryThread *qt = data;

  qt->res = gst_pad_peer_query (qt->h->srcpad, qt->query);
  gst_query_unref (qt->query);
  return NULL;
}

/* A serialized query goes downstream after the buffers before it, and
 * its sender waits until it has. */
GST_START_TEST (test_query_order)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      NULL);
  QueryThread qt = { h, FALSE, gst_query_new_drain () };
  GThread *t;
  gchar *trace;

  push_first_held (h);
  push (h, 1);
  t = g_thread_new ("drain", query_func, &qt);
  gate_open ();
  g_thread_join (t);
  /* it returned after the query, which came after both buffers */
  trace = gate_trace ();
  fail_unless (g_str_has_suffix (trace, "B0 B1 Qdrain "), "%s", trace);
  g_free (trace);
  teardown (h);
}

GST_END_TEST;

/* Blocks a writer: buffer 0 held, pause-buffers=2, buffers 1..10. */
static GstHarness *
new_blocked (Pusher * w)
{
  GstHarness *h = new_harness ("resume-buffers", 1, "pause-buffers", 2,
      NULL);

  push_first_held (h);
  pusher_start (w, h, plain_buffer, 1, 10);
  gate_wait (&gate.paused, 1);
  return h;
}

/* A flush releases the blocked writer at once (the consumer is still
 * stuck at the gate), empties the queue and counts as the resume; after
 * flush-stop data flows again. */
GST_START_TEST (test_flush_while_blocked)
{
  Pusher w;
  GstHarness *h = new_blocked (&w);

  gst_harness_push_event (h, gst_event_new_flush_start ());
  fail_unless_equals_int (pusher_join (&w), GST_FLOW_FLUSHING);
  fail_unless_equals_int (gate_count (&gate.resumed), 1);
  fail_unless_equals_int (level_buffers (h->element), 0);
  gate_open ();
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  check_flows_again (h, 100);
  teardown (h);
}

GST_END_TEST;

static gpointer
to_ready_func (gpointer data)
{
  return GINT_TO_POINTER (gst_element_set_state (data, GST_STATE_READY));
}

/* A state change releases the blocked writer while the streaming thread
 * is still stuck downstream; the change completes once it comes back. */
GST_START_TEST (test_state_change_while_blocked)
{
  Pusher w;
  GstHarness *h = new_blocked (&w);
  GThread *t = g_thread_new ("to-ready", to_ready_func, h->element);

  fail_unless_equals_int (pusher_join (&w), GST_FLOW_FLUSHING);
  gate_open ();
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (t)),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_uint64 (stat_u64 (h->element, "pauses"),
      stat_u64 (h->element, "resumes"));
  teardown (h);
}

GST_END_TEST;

/* EOS is queued behind the data and delivered after it; data after EOS
 * is refused with EOS. */
GST_START_TEST (test_eos_drains)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 8,
      NULL);

  push_first_held (h);
  push (h, 1);
  push (h, 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (push (h, 3), GST_FLOW_EOS);
  gate_open ();
  pull_eos (h);
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  teardown (h);
}

GST_END_TEST;

/* After the sink pad alone was deactivated and activated again, data
 * flows again: the streaming thread, if it stopped on the flush that the
 * deactivation is, is started again. */
GST_START_TEST (test_sink_reactivated)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 8,
      NULL);
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");

  gate_open ();
  fail_unless (gst_pad_set_active (sink, FALSE));
  fail_unless (gst_pad_set_active (sink, TRUE));
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  check_flows_again (h, 7);
  gst_object_unref (sink);
  teardown (h);
}

GST_END_TEST;

/* Runs @pipeline to EOS, checks it ended well, returns the queue "q". */
static GstElement *
run_pipeline (GstElement * pipeline)
{
  run_to_eos (pipeline);
  return gst_bin_get_by_name (GST_BIN (pipeline), "q");
}

/* Like queue, the first buffer queued after a drop is marked DISCONT. */
GST_START_TEST (test_discont_after_drop)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      NULL);
  guint i;

  gst_util_set_object_arg (G_OBJECT (h->element), "leaky", "downstream");
  push_first_held (h);
  /* 1 to 4 fill it, 5 takes the place of 1 */
  for (i = 1; i <= 5; i++)
    fail_unless_equals_int (push (h, i), GST_FLOW_OK);
  gate_open ();
  for (i = 0; i < 5; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    fail_unless_equals_int (GST_BUFFER_IS_DISCONT (buf),
        GST_BUFFER_OFFSET (buf) == 5);
    gst_buffer_unref (buf);
  }
  teardown (h);
}

GST_END_TEST;

static guint64
level_time (GstElement * q)
{
  guint64 v;

  g_object_get (q, "current-level-time", &v, NULL);
  return v;
}

/* The time level follows queue's rules: from the segment's start when
 * nothing timed went out (a buffer at 1 s to 2 s is a 2 s level), and a
 * SEGMENT alone moves the time of its side (base 5 s: 5 s). */
GST_START_TEST (test_time_level_like_queue)
{
  GstHarness *h = new_harness ("pause-time", 10 * GST_SECOND, NULL);
  GstSegment segment;

  push_first_held (h);
  fail_unless_equals_int (gst_harness_push (h, make_buffer (1, 0,
              GST_SECOND)), GST_FLOW_OK);
  fail_unless_equals_uint64 (level_time (h->element), 2 * GST_SECOND);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.base = 5 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless_equals_uint64 (level_time (h->element), 5 * GST_SECOND);
  gate_open ();
  teardown (h);
}

GST_END_TEST;

/* With a time watermark alone, buffers without timestamps do not grow
 * the queue without bound: from the first one it holds at most 200
 * buffers (here leaky, so the rest is dropped and counted). */
GST_START_TEST (test_time_only_untimed_bounded)
{
  GstHarness *h = new_harness ("pause-bytes", (guint64) 0, "pause-buffers",
      0, "pause-time", GST_SECOND, NULL);
  guint i;

  gst_util_set_object_arg (G_OBJECT (h->element), "leaky", "upstream");
  push_first_held (h);
  for (i = 1; i <= 300; i++)
    fail_unless_equals_int (push (h, i), GST_FLOW_OK);
  fail_unless_equals_int (level_buffers (h->element), 200);
  fail_unless_equals_uint64 (stat_u64 (h->element, "dropped"), 100);
  gate_open ();
  teardown (h);
}

GST_END_TEST;

static guint
count_warnings (GstBus * bus)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    n++;
    gst_message_unref (msg);
  }
  return n;
}

/* The fallback to a bound in buffers is posted as a warning on the bus,
 * once: not again for the next untimed buffers, nor after a flush. */
GST_START_TEST (test_time_only_untimed_warns_once)
{
  static const guint offsets[] = { 0, 1 };
  GstHarness *h = new_harness ("pause-bytes", (guint64) 0, "pause-buffers",
      0, "pause-time", GST_SECOND, NULL);
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  gate_open ();
  fail_unless_equals_int (push (h, 0), GST_FLOW_OK);
  fail_unless_equals_int (push (h, 1), GST_FLOW_OK);
  fail_unless_equals_int (count_warnings (bus), 1);
  pull_in_order (h, offsets, 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  check_flows_again (h, 2);
  fail_unless_equals_int (count_warnings (bus), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  teardown (h);
}

GST_END_TEST;

/* New caps queued behind a held buffer when a flush comes are not lost:
 * upstream does not send them again, so they go out before the data that
 * follows the flush. */
GST_START_TEST (test_flush_keeps_stream_state)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      NULL);
  GstCaps *caps = gst_caps_from_string ("x/z");
  GstCaps *now;

  push_first_held (h);
  fail_unless (gst_harness_push_event (h, gst_event_new_caps (caps)));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gate_open ();
  check_flows_again (h, 1);
  now = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (now, caps));

  gst_caps_unref (now);
  gst_caps_unref (caps);
  teardown (h);
}

GST_END_TEST;

/* Behaviours of GStreamer's own queue tests (tests/check/elements/queue.c),
 * written from what they check. */

/* Like queue: a queue whose src pad is not linked returns NOT_LINKED for
 * data, but a sticky event is still accepted (TRUE), so that the next
 * push gets NOT_LINKED and not an ERROR. */
GST_START_TEST (test_sticky_not_linked)
{
  GstHarness *h = gst_harness_new_with_padnames ("watermarkqueue", "sink",
      NULL);
  GstFlowReturn ret = GST_FLOW_OK;
  GstSegment segment;
  guint i;

  gst_harness_set_src_caps_str (h, "x/y");
  /* OK until the streaming thread found out */
  for (i = 0; i < 1000 && ret == GST_FLOW_OK; i++)
    ret = push (h, i);
  fail_unless_equals_int (ret, GST_FLOW_NOT_LINKED);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless_equals_int (push (h, i), GST_FLOW_NOT_LINKED);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Like queue: a serialized query waiting behind data when a flush starts
 * returns FALSE at once, and nothing hangs. (Buffer 1 stands between it
 * and the reader: the reader, let go by the flush, meets the flushing src
 * pad with it and stops before the query.) */
GST_START_TEST (test_queries_while_flushing)
{
  GstHarness *h = new_harness ("resume-buffers", 2, "pause-buffers", 4,
      NULL);
  GstCaps *caps = gst_caps_new_any ();
  QueryThread qt = { h, TRUE, gst_query_new_allocation (caps, FALSE) };
  GThread *t;

  gst_caps_unref (caps);
  push_first_held (h);
  fail_unless_equals_int (push (h, 1), GST_FLOW_OK);
  t = g_thread_new ("allocation", query_func, &qt);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (t);
  fail_if (qt.res);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  teardown (h);
}

GST_END_TEST;

/* Like queue: a state change while flushing. */
GST_START_TEST (test_state_change_when_flushing)
{
  GstHarness *h = gst_harness_new ("watermarkqueue");

  gst_harness_set_src_caps_str (h, "x/y");
  check_state_change_when_flushing (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Buffer at @pts_ms with @dur_ms (0: no duration). */
static GstBuffer *
ts_buffer (guint pts_ms, guint dur_ms)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4, NULL);

  GST_BUFFER_PTS (buf) = pts_ms * MS;
  if (dur_ms)
    GST_BUFFER_DURATION (buf) = dur_ms * MS;
  return buf;
}

static GstBufferList *
ts_list (const guint * pts_dur, guint n)
{
  GstBufferList *list = gst_buffer_list_new ();
  guint i;

  for (i = 0; i < n; i++)
    gst_buffer_list_add (list, ts_buffer (pts_dur[2 * i], pts_dur[2 * i + 1]));
  return list;
}

static void
check_levels (GstHarness * h, guint64 time_ms, guint buffers)
{
  fail_unless_equals_uint64 (level_time (h->element), time_ms * MS);
  fail_unless_equals_int (level_buffers (h->element), buffers);
}

/* queue's buffer-list time level sequence: a list counts from the start
 * of its first buffer to the end of its last one; a buffer without a
 * duration ends at its timestamp (sparse data), until the next one says
 * how long it was. */
GST_START_TEST (test_time_level_buffer_list)
{
  static const guint l1[] = { 1500, 0, 2000, 0 };
  static const guint l2[] = { 3000, 500, 3500, 500 };
  static const guint l3[] = { 5000, 250, 5250, 250, 5500, 250, 5750, 250 };
  GstHarness *h = new_harness ("pause-buffers", 0, "pause-bytes",
      (guint64) 0, "pause-time", 10 * GST_SECOND, NULL);

  push_first_held (h);
  gst_harness_push (h, ts_buffer (1000, 0));
  check_levels (h, 1000, 1);
  gst_pad_push_list (h->srcpad, ts_list (l1, 2));
  check_levels (h, 2000, 3);
  gst_pad_push_list (h->srcpad, ts_list (l2, 2));
  check_levels (h, 4000, 5);
  gst_harness_push (h, ts_buffer (5000, 1000));
  check_levels (h, 6000, 6);
  gst_pad_push_list (h->srcpad, ts_list (l3, 4));
  check_levels (h, 6000, 10);
  gst_harness_push (h, ts_buffer (7000, 0));
  check_levels (h, 7000, 11);
  teardown (h);
}

GST_END_TEST;

/* Like queue: stream-start, caps and segment go downstream at once,
 * without data behind them. */
GST_START_TEST (test_initial_events_nodelay)
{
  static const GstEventType types[] = { GST_EVENT_STREAM_START,
    GST_EVENT_CAPS, GST_EVENT_SEGMENT
  };
  GstHarness *h = gst_harness_new ("watermarkqueue");
  GstEvent *event;
  guint i;

  gst_harness_set_src_caps_str (h, "x/y");
  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    event = gst_harness_pull_event (h);
    fail_unless (event != NULL);
    fail_unless_equals_int (GST_EVENT_TYPE (event), types[i]);
    gst_event_unref (event);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A real pipeline: every buffer gets through, pauses and resumes pair. */
GST_START_TEST (test_pipeline)
{
  GstElement *pipeline = gst_parse_launch ("fakesrc num-buffers=3000 "
      "sizetype=fixed sizemax=64 ! watermarkqueue name=q resume-buffers=4 "
      "pause-buffers=16 ! fakesink", NULL);
  GstElement *q = run_pipeline (pipeline);

  fail_unless_equals_uint64 (stat_u64 (q, "pushed"), 3000);
  fail_unless_equals_uint64 (stat_u64 (q, "popped"), 3000);
  fail_unless_equals_uint64 (stat_u64 (q, "pauses"), stat_u64 (q, "resumes"));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (q);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A sink that returns EOS ends the pipeline, like with queue: upstream
 * gets EOS as the flow and the EOS event it then sends is delivered. */
GST_START_TEST (test_pipeline_downstream_eos)
{
  GstElement *pipeline = gst_parse_launch ("fakesrc num-buffers=100 "
      "sizetype=fixed sizemax=64 ! watermarkqueue name=q resume-buffers=2 "
      "pause-buffers=4 ! fakesink num-buffers=20", NULL);
  GstElement *q = run_pipeline (pipeline);

  fail_unless_equals_uint64 (stat_u64 (q, "pushed"), stat_u64 (q, "popped")
      + stat_u64 (q, "dropped"));
  fail_unless (stat_u64 (q, "pushed") < 100);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (q);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A real pipeline with leaky=downstream: what is not dropped arrives. */
GST_START_TEST (test_pipeline_leaky)
{
  GstElement *pipeline = gst_parse_launch ("fakesrc num-buffers=3000 "
      "sizetype=fixed sizemax=64 ! watermarkqueue name=q leaky=downstream "
      "resume-buffers=1 pause-buffers=2 ! fakesink", NULL);
  GstElement *q = run_pipeline (pipeline);

  fail_unless_equals_uint64 (stat_u64 (q, "popped") + stat_u64 (q, "dropped"),
      3000);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (q);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Stress: a real pipeline whose consumer is slower than its producer, hit
 * with flushing seeks, state changes and live changes of watermarks and
 * leakiness, each once the stream has moved on from the one before. It
 * must finish: a watchdog aborts it on a deadlock. */
static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  on_signal (NULL, &gate.arrived);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_paused (GstElement * q)
{
  GstStructure *s = element_stats (q);
  gboolean paused = FALSE;

  gst_structure_get_boolean (s, "paused", &paused);
  gst_structure_free (s);
  return paused;
}

/* Waits until the writer has pushed 10 more buffers into @q, or is
 * blocked in it. */
static void
wait_progress (GstElement * q)
{
  guint paused = gate_count (&gate.paused);
  guint target = gate_count (&gate.arrived) + 10;

  if (is_paused (q))
    return;
  g_mutex_lock (&gate.lock);
  while (gate.arrived < target && gate.paused == paused)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
}

static void
stress_step (GstElement * pipeline, GstElement * q, GRand * rand)
{
  guint pause = g_rand_int_range (rand, 2, 32);

  switch (g_rand_int_range (rand, 0, 4)) {
    case 0:
      /* a flushing seek takes the pipeline through PAUSED: wait for it,
       * or the next step finds it half way */
      gst_element_seek_simple (pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
          g_rand_int_range (rand, 0, 1000) * MS);
      wait_state_bounded (pipeline, RUNNING_ON_VALGRIND ? 200 : 20);
      break;
    case 1:
      gst_element_set_state (pipeline, g_rand_boolean (rand) ?
          GST_STATE_PAUSED : GST_STATE_PLAYING);
      wait_state_bounded (pipeline, RUNNING_ON_VALGRIND ? 200 : 20);
      break;
    case 2:
      g_object_set (q, "resume-buffers", 0, "pause-buffers", pause,
          "resume-buffers", g_rand_int_range (rand, 0, pause), NULL);
      break;
    default:
      g_object_set (q, "leaky", g_rand_int_range (rand, 0, 3), NULL);
      break;
  }
}

GST_START_TEST (test_stress)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc ! "
      "video/x-raw,width=16,height=16,framerate=2000/1 ! "
      "watermarkqueue name=q resume-buffers=2 pause-buffers=8 ! "
      "fakesink sync=true", NULL);
  GstElement *q = gst_bin_get_by_name (GST_BIN (pipeline), "q");
  GstPad *sink = gst_element_get_static_pad (q, "sink");
  GRand *rand = g_rand_new_with_seed (7);
  guint i, n = RUNNING_ON_VALGRIND ? 30 : 400;
  Watchdog wd;

  gate_reset ();
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_probe, NULL, NULL);
  gst_object_unref (sink);
  g_signal_connect (q, "paused", G_CALLBACK (on_signal), &gate.paused);
  watchdog_start (&wd);
  watchdog_watch (&wd, pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < n; i++) {
    wait_progress (q);
    stress_step (pipeline, q, rand);
  }
  set_state_ok (pipeline, GST_STATE_NULL);
  watchdog_stop (&wd);
  fail_unless_equals_uint64 (stat_u64 (q, "pauses"), stat_u64 (q, "resumes"));
  g_rand_free (rand);
  gst_object_unref (q);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Randomized faults: what downstream returns changes at random (OK, EOS,
 * FLUSHING, ERROR, NOT_LINKED), mixed with data, flushing seeks, EOS and
 * new streams, state changes in every order, property changes while
 * PLAYING and RECONFIGURE, under a watchdog. Nothing may hang, every
 * push returns a flow, and what comes out is in order, never twice.
 * GST_SHAREDPOOL_FAULT_CYCLES sets the number of cycles (./dev.sh
 * stress); the seed is printed, GST_SHAREDPOOL_FAULT_SEED replays one. */
typedef struct
{
  gint flow;                    /* what "downstream" returns, atomic */
  guint64 last;                 /* the last sequence number out */
  guint64 out;
} Fault;

static GstPadProbeReturn
fault_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Fault *f = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFlowReturn flow = g_atomic_int_get (&f->flow);

  if (flow == GST_FLOW_OK) {
    fail_unless (f->out == 0 || GST_BUFFER_OFFSET (buf) > f->last);
    f->last = GST_BUFFER_OFFSET (buf);
    f->out++;
    return GST_PAD_PROBE_OK;
  }
  gst_buffer_unref (buf);
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = flow;
  return GST_PAD_PROBE_HANDLED;
}

static void
fault_step (GstHarness * h, Fault * f, GRand * rand, guint64 * seq)
{
  static const GstFlowReturn flows[] = { GST_FLOW_OK, GST_FLOW_OK,
    GST_FLOW_EOS, GST_FLOW_FLUSHING, GST_FLOW_ERROR, GST_FLOW_NOT_LINKED
  };
  static const GstState states[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING
  };
  static const gchar *leaky[] = { "no", "upstream", "downstream" };
  guint i, n;
  GstFlowReturn ret;

  switch (g_rand_int_range (rand, 0, 7)) {
    case 0:
      g_atomic_int_set (&f->flow, flows[g_rand_int_range (rand, 0, 6)]);
      break;
    case 1:
      fault_new_stream (h, g_rand_boolean (rand));
      break;
    case 2:
      gst_element_set_state (h->element, states[g_rand_int_range (rand, 0, 3)]);
      gst_element_set_state (h->element, GST_STATE_PLAYING);
      break;
    case 3:
      gst_util_set_object_arg (G_OBJECT (h->element), "leaky",
          leaky[g_rand_int_range (rand, 0, 3)]);
      g_object_set (h->element, "resume-buffers", 0, "pause-buffers",
          g_rand_int_range (rand, 2, 20), NULL);
      break;
    case 4:
      gst_harness_push_upstream_event (h, gst_event_new_reconfigure ());
      break;
    default:
      n = g_rand_int_range (rand, 1, 30);
      for (i = 0; i < n; i++) {
        ret = gst_harness_push (h, plain_buffer ((*seq)++));
        fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_EOS ||
            ret == GST_FLOW_FLUSHING || ret == GST_FLOW_ERROR ||
            ret == GST_FLOW_NOT_LINKED, "push returned %d", ret);
      }
      break;
  }
  /* the harness keeps what comes out: let it go */
  while ((ret = gst_harness_buffers_in_queue (h)) > 0)
    gst_buffer_unref (gst_harness_pull (h));
}

GST_START_TEST (test_random_faults)
{
  GstHarness *h = gst_harness_new ("watermarkqueue");
  guint32 seed = fault_seed ();
  guint i, n = fault_cycles (300, 30);
  GRand *rand = g_rand_new_with_seed (seed);
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  Fault f = { GST_FLOW_OK, 0, 0 };
  guint64 seq = 0;
  Watchdog wd;

  g_print ("test_random_faults: seed %u, %u cycles\n", seed, n);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, fault_probe, &f, NULL);
  gst_harness_set_src_caps_str (h, "test/x-data");
  for (i = 0; i < n; i++) {
    if (i % 200 == 0)
      watchdog_start (&wd);
    fault_step (h, &f, rand, &seq);
    if (i % 200 == 199 || i == n - 1)
      watchdog_stop (&wd);
  }
  /* healthy again: a new stream gets through */
  g_atomic_int_set (&f.flow, GST_FLOW_OK);
  g_object_set (h->element, "leaky", 0, NULL);
  fault_new_stream (h, TRUE);
  fail_unless_equals_int (gst_harness_push (h, plain_buffer (seq)),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));

  gst_object_unref (src);
  g_rand_free (rand);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
watermarkqueue_suite (void)
{
  Suite *s = suite_create ("watermarkqueue");
  TCase *tc = tcase_create ("general");

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_hysteresis);
  tcase_add_test (tc, test_leaky_upstream);
  tcase_add_test (tc, test_leaky_downstream);
  tcase_add_test (tc, test_discont_after_drop);
  tcase_add_test (tc, test_time_only_untimed_bounded);
  tcase_add_test (tc, test_time_only_untimed_warns_once);
  tcase_add_test (tc, test_flush_keeps_stream_state);
  tcase_add_test (tc, test_sticky_not_linked);
  tcase_add_test (tc, test_queries_while_flushing);
  tcase_add_test (tc, test_state_change_when_flushing);
  tcase_add_test (tc, test_time_level_buffer_list);
  tcase_add_test (tc, test_initial_events_nodelay);
  tcase_add_test (tc, test_time_level_like_queue);
  tcase_add_test (tc, test_time_watermark);
  tcase_add_test (tc, test_bytes_watermark);
  tcase_add_test (tc, test_bad_watermarks);
  tcase_add_test (tc, test_event_order);
  tcase_add_test (tc, test_query_order);
  tcase_add_test (tc, test_flush_while_blocked);
  tcase_add_test (tc, test_state_change_while_blocked);
  tcase_add_test (tc, test_eos_drains);
  tcase_add_test (tc, test_sink_reactivated);
  tcase_add_test (tc, test_pipeline);
  tcase_add_test (tc, test_pipeline_leaky);
  tcase_add_test (tc, test_pipeline_downstream_eos);
  tcase_add_test (tc, test_stress);
  tcase_add_test (tc, test_random_faults);
  return s;
}

GST_CHECK_MAIN (watermarkqueue);
