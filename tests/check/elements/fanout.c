/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the fanout element: the three modes, the full policies with
 * their counts, flush, EOS and state changes while the sink pad is
 * blocked, pads requested and released while streaming, the ALLOCATION
 * answer, real pipelines and a stress run.
 *
 * A branch is made "stuck" with a blocking probe on its src pad: its thread
 * holds the buffer it is pushing and its queue fills. Threads are
 * synchronised on that probe, on the harness queues and on the
 * fanout-paused bus message, never on sleeps. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"
#include "../watchdog.h"

/* the values of GstFanoutMode, by nick */
#define BROADCAST "broadcast"
#define BALANCE "balance"
#define KEY "key"

/* helpers */

static GstBuffer *
seq_buffer (guint64 offset, guint64 seq)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);

  GST_BUFFER_OFFSET (buf) = offset;
  GST_BUFFER_PTS (buf) = seq * GST_MSECOND;
  return buf;
}

/* A buffer of key 0, for a Pusher. */
static GstBuffer *
key0_buffer (guint seq)
{
  return seq_buffer (0, seq);
}

static guint64
buffer_seq (GstBuffer * buf)
{
  return GST_BUFFER_PTS (buf) / GST_MSECOND;
}

/* A fanout in a harness on its sink pad and src_0, in @mode. */
static GstHarness *
new_fanout (const gchar * mode)
{
  GstHarness *h = gst_harness_new_with_padnames ("fanout", "sink", "src_%u");

  gst_util_set_object_arg (G_OBJECT (h->element), "mode", mode);
  gst_harness_set_src_caps_str (h, "test/x-data");
  return h;
}

/* A broadcast fanout with @threads, whatever the suite's default
 * (GST_FANOUT_THREADS). */
static GstHarness *
new_fanout_threads (gint threads)
{
  GstElement *e = gst_element_factory_make ("fanout", NULL);
  GstHarness *h;

  g_object_set (e, "threads", threads, NULL);
  h = gst_harness_new_with_element (e, "sink", "src_%u");
  gst_harness_set_src_caps_str (h, "test/x-data");
  gst_object_unref (e);
  return h;
}

/* With a thread per branch: batching is for those. */
static GstHarness *
new_batching_fanout (void)
{
  return new_fanout_threads (0);
}

/* One more src pad, in a harness of its own. */
static GstHarness *
add_branch (GstHarness * h)
{
  return gst_harness_new_with_element (h->element, NULL, "src_%u");
}

/* The fanout src pad a harness is linked to. */
static GstPad *
branch_pad (GstHarness * h)
{
  return GST_PAD_PEER (h->sinkpad);
}

/* Bounds a branch by buffers alone. */
static void
set_branch (GstHarness * h, guint pause, guint resume, const gchar * policy)
{
  /* resume first: it must stay below pause */
  g_object_set (branch_pad (h), "resume-buffers", resume, "pause-buffers",
      pause, "pause-bytes", (guint64) 0, "pause-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (branch_pad (h)), "full-policy", policy);
}

/* The branch's structure in the element's stats. */
static GstStructure *
pad_stats (GstHarness * h)
{
  GstStructure *stats = element_stats (h->element), *ps = NULL;

  fail_unless (gst_structure_get (stats, GST_PAD_NAME (branch_pad (h)),
          GST_TYPE_STRUCTURE, &ps, NULL));
  gst_structure_free (stats);
  return ps;
}

static guint64
pad_stat (GstHarness * h, const gchar * field)
{
  GstStructure *ps = pad_stats (h);
  guint64 v = structure_u64 (ps, field);

  gst_structure_free (ps);
  return v;
}

static guint
pad_level (GstHarness * h)
{
  GstStructure *ps = pad_stats (h);
  guint v = G_MAXUINT;

  fail_unless (gst_structure_get_uint (ps, "level-buffers", &v));
  gst_structure_free (ps);
  return v;
}

static gchar *
pad_flow (GstHarness * h)
{
  GstStructure *ps = pad_stats (h);
  gchar *flow = g_strdup (gst_structure_get_string (ps, "flow"));

  gst_structure_free (ps);
  return flow;
}

/* Waits until the branch's thread has taken in what its downstream said
 * (nothing to wait on but the stats: it yields between looks). */
static void
wait_for_pad_flow (GstHarness * h, const gchar * flow)
{
  gchar *now;

  while (g_strcmp0 ((now = pad_flow (h)), flow) != 0) {
    g_free (now);
    g_thread_yield ();
  }
  g_free (now);
}

/* Pulls @n buffers and checks their sequence numbers are @from, @from +
 * @step, ... */
static void
pull_seqs (GstHarness * h, guint n, guint64 from, guint64 step)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    guint64 expected = from + i * step;

    fail_unless (buf != NULL);
    fail_unless_equals_uint64 (buffer_seq (buf), expected);
    gst_buffer_unref (buf);
  }
}

/* A blocking probe on a branch's src pad: its thread stops on the next
 * buffer and holds it until released. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean blocked;
  GstPad *pad;
  gulong id;
} Stopper;

static GstPadProbeReturn
stopper_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Stopper *s = data;

  g_mutex_lock (&s->lock);
  s->blocked = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static void
stopper_init (Stopper * s, GstHarness * branch)
{
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->blocked = FALSE;
  s->pad = gst_object_ref (branch_pad (branch));
  s->id = 0;
}

static void
stopper_start (Stopper * s, GstHarness * branch)
{
  stopper_init (s, branch);
  s->id = gst_pad_add_probe (s->pad, GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER, stopper_probe, s, NULL);
}

static void
stopper_wait (Stopper * s)
{
  g_mutex_lock (&s->lock);
  while (!s->blocked)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
}

/* Lets the branch go on (the stopper stays until released). */
static void
stopper_unblock (Stopper * s)
{
  if (s->id)
    gst_pad_remove_probe (s->pad, s->id);
  s->id = 0;
}

static void
stopper_release (Stopper * s)
{
  stopper_unblock (s);
  gst_object_unref (s->pad);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
}

/* Pushes buffers @from .. @from + @n - 1, each taken. */
static void
push_seqs (GstHarness * h, guint from, guint n)
{
  push_all (h, key0_buffer, from, n);
}

/* Makes @branch stuck: its thread holds b0, pushed through @h, until the
 * stopper is released. */
static void
stick_branch (Stopper * s, GstHarness * h, GstHarness * branch)
{
  stopper_start (s, branch);
  push_seqs (h, 0, 1);
  stopper_wait (s);
}

/* Pulls events from a branch until one of @type. */
static void
wait_for_event (GstHarness * h, GstEventType type)
{
  GstEvent *ev;

  while ((ev = gst_harness_pull_event (h)) && GST_EVENT_TYPE (ev) != type)
    gst_event_unref (ev);
  fail_unless (ev != NULL);
  gst_event_unref (ev);
}

/* After a flush the stream needs a segment again. */
static void
push_segment (GstHarness * h)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

/* A bus on the element, with post-messages on. */
static GstBus *
watch_messages (GstHarness * h)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "post-messages", TRUE, NULL);
  return bus;
}

static void
wait_for_message (GstBus * bus, const gchar * name)
{
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        GST_MESSAGE_ELEMENT);

    fail_unless (msg != NULL, "no %s message", name);
    if (gst_message_has_name (msg, name)) {
      gst_message_unref (msg);
      return;
    }
    gst_message_unref (msg);
  }
}

static guint
count_messages (GstBus * bus, const gchar * name)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    n += gst_message_has_name (msg, name);
    gst_message_unref (msg);
  }
  return n;
}

static void
unwatch_messages (GstHarness * h, GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
}

/* A sink pad waiting for room: @branch (full-policy block) holds b0, a
 * thread pushes b1..b(n-1) and waits once the branch is full. */
typedef struct
{
  GstBus *bus;
  Stopper stuck;
  Pusher p;
} Blocked;

static void
blocked_start (Blocked * b, GstHarness * h, GstHarness * branch, guint pause,
    guint n)
{
  b->bus = watch_messages (h);
  set_branch (branch, pause, pause / 2, "block");
  stick_branch (&b->stuck, h, branch);
  pusher_start (&b->p, h, key0_buffer, 1, n - 1);
  wait_for_message (b->bus, "fanout-paused");
}

static void
blocked_finish (Blocked * b, GstHarness * h)
{
  stopper_release (&b->stuck);
  unwatch_messages (h, b->bus);
}

/* broadcast */

/* Every branch gets every buffer, in order. */
GST_START_TEST (test_broadcast_order)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);

  push_seqs (h, 0, 50);
  pull_seqs (h, 50, 0, 1);
  pull_seqs (h1, 50, 0, 1);
  fail_unless_equals_uint64 (pad_stat (h, "pushed"), 50);
  fail_unless_equals_uint64 (pad_stat (h1, "received"), 50);

  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Branches get the very buffer that was pushed: shared by reference, no
 * copy. */
GST_START_TEST (test_broadcast_shares_buffer)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  GstBuffer *buf = seq_buffer (0, 7), *b0, *b1;

  gst_buffer_ref (buf);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  b0 = gst_harness_pull (h);
  b1 = gst_harness_pull (h1);
  fail_unless (b0 == buf && b1 == buf);
  /* ours and one per branch */
  fail_unless_equals_int (GST_MINI_OBJECT_REFCOUNT_VALUE (buf), 3);

  gst_buffer_unref (b0);
  gst_buffer_unref (b1);
  fail_unless_equals_int (GST_MINI_OBJECT_REFCOUNT_VALUE (buf), 1);
  gst_buffer_unref (buf);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* With one branch, the branch gets the only reference: writable there. */
GST_START_TEST (test_single_branch_gets_writable_buffer)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstBuffer *buf;

  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 0)), GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless (gst_buffer_is_writable (buf));
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* balance */

/* With equal levels, buffers go to the branches in turn. */
GST_START_TEST (test_balance_ties_in_turn)
{
  GstHarness *h = new_fanout (BALANCE);
  GstHarness *h1 = add_branch (h);
  guint i;

  for (i = 0; i < 10; i++) {
    fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, i)),
        GST_FLOW_OK);
    /* pulled: that branch is empty again before the next push */
    pull_seqs (i % 2 ? h1 : h, 1, i, 1);
  }
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A branch that does not drain gets nothing once its level is above the
 * others': b0 and b2 go to the stuck branch (tied at 0), the rest to the
 * one that drains. */
GST_START_TEST (test_balance_spreads_by_level)
{
  GstHarness *h = new_fanout (BALANCE);
  GstHarness *h1 = add_branch (h);
  Stopper stuck;
  guint i;

  stick_branch (&stuck, h, h);
  for (i = 1; i < 10; i++) {
    fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, i)),
        GST_FLOW_OK);
    if (i != 2)
      pull_seqs (h1, 1, i, 1);
  }
  fail_unless_equals_int (pad_level (h), 1);
  stopper_release (&stuck);
  pull_seqs (h, 2, 0, 2);
  fail_unless_equals_uint64 (pad_stat (h, "received"), 2);
  fail_unless_equals_uint64 (pad_stat (h1, "received"), 8);

  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* key */

/* GST_BUFFER_OFFSET picks the branch (key modulo 3), and each key's
 * buffers arrive in the order they were pushed. */
GST_START_TEST (test_key_fifo_per_key)
{
  GstHarness *h[3];
  guint64 last[6];
  guint i, n[3] = { 0, };
  GRand *rand = g_rand_new_with_seed (4);

  h[0] = new_fanout (KEY);
  h[1] = add_branch (h[0]);
  h[2] = add_branch (h[0]);
  for (i = 0; i < 120; i++) {
    guint key = g_rand_int_range (rand, 0, 6);

    fail_unless_equals_int (gst_harness_push (h[0], seq_buffer (key, i)),
        GST_FLOW_OK);
    n[key % 3]++;
  }
  for (i = 0; i < 6; i++)
    last[i] = G_MAXUINT64;
  for (i = 0; i < 3; i++) {
    while (n[i]--) {
      GstBuffer *buf = gst_harness_pull (h[i]);
      guint64 key = GST_BUFFER_OFFSET (buf);

      fail_unless_equals_int (key % 3, i);
      fail_unless (last[key] == G_MAXUINT64 || last[key] < buffer_seq (buf));
      last[key] = buffer_seq (buf);
      gst_buffer_unref (buf);
    }
  }
  g_rand_free (rand);
  gst_harness_teardown (h[2]);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

/* full policies */

/* A stuck branch holds b0 and queues 4: of b1..b10, 6 are dropped and the
 * sink pad never waits. Returns the harness, b0 pulled. */
static GstHarness *
drop_six (const gchar * policy)
{
  GstHarness *h = new_fanout (BROADCAST);
  Stopper stuck;

  set_branch (h, 4, 2, policy);
  stick_branch (&stuck, h, h);
  push_seqs (h, 1, 10);
  fail_unless_equals_uint64 (pad_stat (h, "dropped"), 6);
  fail_unless_equals_int (pad_level (h), 4);
  stopper_release (&stuck);
  pull_seqs (h, 1, 0, 1);
  return h;
}

/* drop-oldest keeps the newest: b7..b10. */
GST_START_TEST (test_drop_oldest_counts)
{
  GstHarness *h = drop_six ("drop-oldest");

  pull_seqs (h, 4, 7, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* drop-newest keeps the first: b1..b4. */
GST_START_TEST (test_drop_newest_counts)
{
  GstHarness *h = drop_six ("drop-newest");

  pull_seqs (h, 4, 1, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Each drop is posted on the bus when post-messages is on. */
GST_START_TEST (test_drop_messages)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstBus *bus = watch_messages (h);
  Stopper stuck;

  set_branch (h, 2, 1, "drop-newest");
  stick_branch (&stuck, h, h);
  push_seqs (h, 1, 5);
  fail_unless_equals_int (count_messages (bus, "fanout-dropped"), 3);

  stopper_release (&stuck);
  unwatch_messages (h, bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* block: the sink pad waits at the pause watermark and nothing is lost. */
GST_START_TEST (test_block_loses_nothing)
{
  GstHarness *h = new_fanout (BROADCAST);
  Blocked b;

  blocked_start (&b, h, h, 4, 20);
  /* b0 held by the branch, b1..b4 queued, b5 waiting */
  fail_unless_equals_int (pad_level (h), 4);

  stopper_unblock (&b.stuck);
  fail_unless_equals_int (pusher_join (&b.p), GST_FLOW_OK);
  pull_seqs (h, 20, 0, 1);
  fail_unless_equals_uint64 (pad_stat (h, "dropped"), 0);
  fail_unless (pad_stat (h, "pauses") >= 1);

  blocked_finish (&b, h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A branch stuck with drop-oldest does not slow the other one: every
 * push returns at once, the free branch gets all 100 buffers and the stuck
 * one drops all it cannot hold (100 - 1 held - 2 queued). */
GST_START_TEST (test_slow_branch_does_not_stall_others)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  Stopper stuck;

  set_branch (h, 2, 1, "drop-oldest");
  stick_branch (&stuck, h, h);
  push_seqs (h, 1, 99);
  pull_seqs (h1, 100, 0, 1);
  fail_unless_equals_uint64 (pad_stat (h, "dropped"), 97);
  fail_unless_equals_uint64 (pad_stat (h1, "dropped"), 0);

  stopper_release (&stuck);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* batching */

/* With batch-buffers=3 and no time limit, the branch's thread takes
 * nothing until 3 buffers are queued, then all of them. */
GST_START_TEST (test_batch_waits_for_batch)
{
  GstHarness *h = new_batching_fanout ();

  g_object_set (branch_pad (h), "batch-buffers", 3, "batch-time",
      GST_CLOCK_TIME_NONE, NULL);
  /* the stream's first events went out: the queue is empty (a thread let
   * in by an event takes what follows until the queue is empty) */
  wait_for_event (h, GST_EVENT_SEGMENT);
  push_seqs (h, 0, 2);
  fail_unless_equals_int (pad_level (h), 2);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  push_seqs (h, 2, 1);
  pull_seqs (h, 3, 0, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An incomplete batch goes out with the next event (here EOS), or after
 * batch-time. */
GST_START_TEST (test_batch_event_and_time_release)
{
  GstHarness *h = new_batching_fanout ();

  g_object_set (branch_pad (h), "batch-buffers", 100, "batch-time",
      GST_CLOCK_TIME_NONE, NULL);
  gst_harness_push (h, seq_buffer (0, 0));
  fail_unless (gst_harness_push_event (h, gst_event_new_custom
          (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("x"))));
  pull_seqs (h, 1, 0, 1);

  g_object_set (branch_pad (h), "batch-time", GST_MSECOND, NULL);
  gst_harness_push (h, seq_buffer (0, 1));
  pull_seqs (h, 1, 1, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A batch larger than the queue can hold: the full queue wakes the
 * branch's thread, the sink pad does not wait forever. */
GST_START_TEST (test_batch_above_pause)
{
  GstHarness *h = new_batching_fanout ();

  set_branch (h, 4, 2, "block");
  g_object_set (branch_pad (h), "batch-buffers", 50, "batch-time",
      GST_CLOCK_TIME_NONE, NULL);
  push_seqs (h, 0, 20);
  pull_seqs (h, 20 - pad_level (h), 0, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A resume watermark at or above the pause watermark is refused with a
 * warning and the old values are kept. */
GST_START_TEST (test_bad_watermarks_refused)
{
  GstHarness *h = new_fanout (BROADCAST);
  guint resume;

  g_object_set (branch_pad (h), "resume-buffers", 5, "pause-buffers", 10, NULL);
  ASSERT_WARNING (g_object_set (branch_pad (h), "resume-buffers", 10, NULL));
  g_object_get (branch_pad (h), "resume-buffers", &resume, NULL);
  fail_unless_equals_int (resume, 5);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* flush, EOS, state changes */

/* FLUSH_START wakes a sink pad waiting on a full branch at once; after
 * FLUSH_STOP the stream runs again. */
GST_START_TEST (test_flush_unblocks)
{
  GstHarness *h = new_fanout (BROADCAST);
  Blocked b;

  blocked_start (&b, h, h, 2, 10);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless_equals_int (pusher_join (&b.p), GST_FLOW_FLUSHING);
  stopper_unblock (&b.stuck);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (pad_level (h), 0);

  push_segment (h);
  push_seqs (h, 100, 1);
  pull_seqs (h, 1, 100, 1);

  blocked_finish (&b, h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Going to READY wakes a sink pad waiting on a full branch at once. */
GST_START_TEST (test_state_change_unblocks)
{
  GstHarness *h = new_fanout (BROADCAST);
  Blocked b;

  blocked_start (&b, h, h, 2, 10);
  set_state_ok (h->element, GST_STATE_READY);
  fail_unless_equals_int (pusher_join (&b.p), GST_FLOW_FLUSHING);
  fail_unless_equals_int (pad_level (h), 0);

  blocked_finish (&b, h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A probe that holds a branch's first buffer until released, then tells
 * the branch that downstream is EOS. */
typedef struct
{
  Stopper stopper;
  gboolean go;
} EosGate;

static GstPadProbeReturn
eos_gate_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  EosGate *g = data;

  g_mutex_lock (&g->stopper.lock);
  g->stopper.blocked = TRUE;
  g_cond_broadcast (&g->stopper.cond);
  while (!g->go)
    g_cond_wait (&g->stopper.cond, &g->stopper.lock);
  g_mutex_unlock (&g->stopper.lock);

  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_EOS;
  return GST_PAD_PROBE_HANDLED;
}

/* A branch whose downstream returns EOS wakes a sink pad waiting on it at
 * once; the other branch keeps running and gets everything. */
GST_START_TEST (test_downstream_eos_unblocks)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  GstBus *bus = watch_messages (h);
  EosGate gate = { {{0,}
      }, FALSE
  };
  Pusher p;
  gchar *flow;

  set_branch (h, 2, 1, "block");
  stopper_init (&gate.stopper, h);
  gate.stopper.id = gst_pad_add_probe (gate.stopper.pad,
      GST_PAD_PROBE_TYPE_BUFFER, eos_gate_probe, &gate, NULL);
  pusher_start (&p, h, key0_buffer, 0, 30);
  wait_for_message (bus, "fanout-paused");

  g_mutex_lock (&gate.stopper.lock);
  gate.go = TRUE;
  g_cond_broadcast (&gate.stopper.cond);
  g_mutex_unlock (&gate.stopper.lock);
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_OK);
  pull_seqs (h1, 30, 0, 1);
  flow = pad_flow (h);
  fail_unless_equals_string (flow, "eos");
  g_free (flow);

  stopper_release (&gate.stopper);
  unwatch_messages (h, bus);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* EOS is queued behind the data: it does not wait for a stuck branch, and
 * each branch gets all its buffers, then EOS. */
GST_START_TEST (test_eos_after_data)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  Stopper stuck;

  stick_branch (&stuck, h, h);
  push_seqs (h, 1, 4);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  pull_seqs (h1, 5, 0, 1);
  stopper_release (&stuck);
  pull_seqs (h, 5, 0, 1);
  wait_for_event (h, GST_EVENT_EOS);
  wait_for_event (h1, GST_EVENT_EOS);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A pad requested after a stop and restart does not get the old stream's
 * EOS. */
GST_START_TEST (test_eos_forgotten_after_stop)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1;
  GstEvent *ev;

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_element_set_state (h->element, GST_STATE_READY);
  gst_element_set_state (h->element, GST_STATE_PLAYING);
  h1 = add_branch (h);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("again")));
  push_segment (h);
  gst_harness_push (h, seq_buffer (0, 1));
  pull_seqs (h1, 1, 1, 1);
  while ((ev = gst_harness_try_pull_event (h1))) {
    fail_if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS);
    gst_event_unref (ev);
  }
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* pads while streaming */

/* A pad requested while streaming first gets the stream's sticky events,
 * then the buffers that follow. */
GST_START_TEST (test_new_pad_gets_sticky_events)
{
  static const GstEventType expected[] = { GST_EVENT_STREAM_START,
    GST_EVENT_CAPS, GST_EVENT_SEGMENT
  };
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1;
  guint i;

  gst_harness_push (h, seq_buffer (0, 0));
  h1 = add_branch (h);
  gst_harness_push (h, seq_buffer (0, 1));

  pull_seqs (h1, 1, 1, 1);
  for (i = 0; i < G_N_ELEMENTS (expected); i++) {
    GstEvent *ev = gst_harness_pull_event (h1);

    fail_unless_equals_int (GST_EVENT_TYPE (ev), expected[i]);
    gst_event_unref (ev);
  }
  pull_seqs (h, 2, 0, 1);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Releasing a branch the sink pad waits on wakes it; the pad's queue and
 * thread go, the other branch goes on. */
GST_START_TEST (test_release_blocked_pad)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  Blocked b;

  blocked_start (&b, h, h1, 2, 20);
  gst_harness_teardown (h1);
  fail_unless_equals_int (pusher_join (&b.p), GST_FLOW_OK);
  pull_seqs (h, 20, 0, 1);

  blocked_finish (&b, h);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gpointer
release_func (gpointer data)
{
  Stopper *s = data;

  gst_element_release_request_pad (GST_PAD_PARENT (s->pad), s->pad);
  return NULL;
}

/* Releasing the only src pad while its thread is pushing does not make the
 * sink pad return FLUSHING (upstream would pause for good): with
 * allow-not-linked it returns OK, as tee does. */
GST_START_TEST (test_release_only_pad_while_flowing)
{
  GstHarness *h = new_fanout (BROADCAST);
  EosGate gate = { {{0,}
      }, FALSE
  };
  GThread *t;

  g_object_set (h->element, "allow-not-linked", TRUE, NULL);
  stopper_init (&gate.stopper, h);
  gate.stopper.id = gst_pad_add_probe (gate.stopper.pad,
      GST_PAD_PROBE_TYPE_BUFFER, eos_gate_probe, &gate, NULL);
  push_seqs (h, 0, 1);
  stopper_wait (&gate.stopper);
  t = g_thread_new ("release", release_func, &gate.stopper);
  /* the release is under way: it waits for the pad's thread */
  while (!GST_PAD_IS_FLUSHING (gate.stopper.pad))
    g_thread_yield ();
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 1)), GST_FLOW_OK);

  g_mutex_lock (&gate.stopper.lock);
  gate.go = TRUE;
  g_cond_broadcast (&gate.stopper.cond);
  g_mutex_unlock (&gate.stopper.lock);
  g_thread_join (t);
  stopper_release (&gate.stopper);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Releasing a pad in PAUSED, the documented way, returns although its
 * thread waits in a sink that has prerolled. */
GST_START_TEST (test_release_in_paused)
{
  GstElement *p = launch ("videotestsrc ! video/x-raw,width=64,height=48 ! "
      "fanout name=f f. ! fakesink f. ! fakesink name=s1");
  GstElement *f = gst_bin_get_by_name (GST_BIN (p), "f");
  GstElement *s1 = gst_bin_get_by_name (GST_BIN (p), "s1");
  GstPad *pad = gst_element_get_static_pad (f, "src_1");

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_locked_state (s1, TRUE);
  gst_element_release_request_pad (f, pad);
  gst_element_set_state (s1, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (p), s1);
  /* the other branch runs on */
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (s1);
  gst_object_unref (f);
  gst_object_unref (p);
}

GST_END_TEST;

/* Pushes until the sink pad returns something else than OK (the branch's
 * thread reports not-linked on its first buffer; until then the queue
 * takes data, at most up to its pause watermark). */
static GstFlowReturn
push_until_refused (GstHarness * h, guint max)
{
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  for (i = 0; i < max && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, seq_buffer (0, i));
  return ret;
}

/* Like tee: NOT_LINKED with no src pad or none linked, OK with
 * allow-not-linked; a branch linked later gets data again. */
GST_START_TEST (test_not_linked)
{
  GstHarness *h = gst_harness_new_with_padnames ("fanout", "sink", NULL);
  GstHarness *late;
  GstBuffer *buf;
  GstPad *lone;

  gst_harness_set_src_caps_str (h, "test/x-data");
  fail_unless_equals_int (push_until_refused (h, 1), GST_FLOW_NOT_LINKED);
  lone = gst_element_request_pad_simple (h->element, "src_%u");
  fail_unless_equals_int (push_until_refused (h, 1000), GST_FLOW_NOT_LINKED);
  g_object_set (h->element, "allow-not-linked", TRUE, NULL);
  fail_unless_equals_int (push_until_refused (h, 10), GST_FLOW_OK);
  g_object_set (h->element, "allow-not-linked", FALSE, NULL);

  /* linking sends RECONFIGURE, which lets the branch take data again */
  late = gst_harness_new_with_element (h->element, NULL, NULL);
  gst_harness_add_element_src_pad (late, lone);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 42)),
      GST_FLOW_OK);
  /* after what the branch queued before it found it was not linked */
  while ((buf = gst_harness_pull (late)) && buffer_seq (buf) != 42)
    gst_buffer_unref (buf);
  fail_unless (buf != NULL);
  gst_buffer_unref (buf);

  gst_harness_teardown (late);
  gst_object_unref (lone);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Like tee: a requested name is taken as it is, src_%u picks the next
 * index after the highest one. */
GST_START_TEST (test_request_pad_names)
{
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  const gchar *names[] = { "src_%u", "src_100", "src_10", "src_%u" };
  const gchar *expect[] = { "src_0", "src_100", "src_10", "src_101" };
  GstPad *pads[G_N_ELEMENTS (names)];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    pads[i] = gst_element_request_pad_simple (fanout, names[i]);
    fail_unless (pads[i] != NULL);
    fail_unless_equals_string (GST_OBJECT_NAME (pads[i]), expect[i]);
  }

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gst_element_release_request_pad (fanout, pads[i]);
    gst_object_unref (pads[i]);
  }
  gst_object_unref (fanout);
}

GST_END_TEST;

static GList *
internal_links (GstPad * pad)
{
  GstIterator *it = gst_pad_iterate_internal_links (pad);
  GValue v = G_VALUE_INIT;
  GList *pads = NULL;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    pads = g_list_append (pads, g_value_get_object (&v));
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return pads;
}

/* Like tee: the sink pad links internally to every src pad, each src pad
 * to the sink pad. */
GST_START_TEST (test_internal_links)
{
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *sink = gst_element_get_static_pad (fanout, "sink");
  GstPad *src0 = gst_element_request_pad_simple (fanout, "src_%u");
  GstPad *src1 = gst_element_request_pad_simple (fanout, "src_%u");
  GList *links;

  links = internal_links (sink);
  fail_unless_equals_int (g_list_length (links), 2);
  fail_unless (g_list_find (links, src0) && g_list_find (links, src1));
  g_list_free (links);
  links = internal_links (src1);
  fail_unless_equals_int (g_list_length (links), 1);
  fail_unless (links->data == sink);
  g_list_free (links);

  gst_element_release_request_pad (fanout, src0);
  gst_element_release_request_pad (fanout, src1);
  gst_object_unref (src0);
  gst_object_unref (src1);
  gst_object_unref (sink);
  gst_object_unref (fanout);
}

GST_END_TEST;

/* What a branch's downstream returns, set by the test: @flow for every
 * buffer, or with @once for the next one only. */
typedef struct
{
  gint flow;                    /* atomic */
  gboolean once;
} Downstream;

static GstPadProbeReturn
flow_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Downstream *d = user_data;
  GstFlowReturn flow = g_atomic_int_get (&d->flow);

  if (flow == GST_FLOW_OK)
    return GST_PAD_PROBE_OK;
  if (d->once)
    g_atomic_int_set (&d->flow, GST_FLOW_OK);
  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = flow;
  return GST_PAD_PROBE_HANDLED;
}

/* Like tee: OK while both branches are; an ERROR from one branch is the
 * sink pad's return (here on a later buffer: the branch's thread meets it
 * after the push that queued the buffer), and like tee + queue it stays
 * the return until a flush; after it, OK again. */
GST_START_TEST (test_flow_aggregation)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  Downstream d = { GST_FLOW_OK, FALSE };

  gst_pad_add_probe (h1->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, flow_probe,
      &d, NULL);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 0)), GST_FLOW_OK);
  g_atomic_int_set (&d.flow, GST_FLOW_ERROR);
  fail_unless_equals_int (push_until_refused (h, 1000), GST_FLOW_ERROR);
  g_atomic_int_set (&d.flow, GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 1)),
      GST_FLOW_ERROR);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  push_segment (h);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, 2)), GST_FLOW_OK);

  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Like tee's allow-not-linked test: OK with no src pad and with src pads
 * not linked; NOT_LINKED without allow-not-linked, also while and after
 * the pads are released; and the buffer pushed is not kept anywhere. */
GST_START_TEST (test_allow_not_linked_release)
{
  GstHarness *h = gst_harness_new_with_padnames ("fanout", "sink", NULL);
  GstBuffer *buf = gst_buffer_new ();
  GstPad *src0, *src1;

  g_object_set (h->element, "allow-not-linked", TRUE, NULL);
  gst_harness_set_src_caps_str (h, "test/x-data");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);
  src0 = gst_element_request_pad_simple (h->element, "src_%u");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);
  src1 = gst_element_request_pad_simple (h->element, "src_%u");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);
  g_object_set (h->element, "allow-not-linked", FALSE, NULL);
  fail_unless_equals_int (push_until_refused (h, 1000), GST_FLOW_NOT_LINKED);
  gst_element_release_request_pad (h->element, src0);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_NOT_LINKED);
  gst_element_release_request_pad (h->element, src1);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_NOT_LINKED);
  ASSERT_BUFFER_REFCOUNT (buf, "buf", 1);

  gst_buffer_unref (buf);
  gst_object_unref (src0);
  gst_object_unref (src1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Like queue: a state change while flushing. */
GST_START_TEST (test_state_change_when_flushing)
{
  GstHarness *h = new_fanout (BROADCAST);

  check_state_change_when_flushing (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* allocation */

/* What a fake downstream answers to the ALLOCATION query. */
typedef struct
{
  gboolean answers;
  guint size;
  guint min;
  gsize align;
  gboolean crop_meta;
  gboolean own_pool;
  guint asked;                  /* queries it got */
  guint max;
} Answer;

static gboolean
answer_allocation (GstPad * pad, GstObject * parent, GstQuery * query)
{
  const Answer *a = g_object_get_data (G_OBJECT (pad), "answer");
  GstAllocationParams params;
  GstBufferPool *pool;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return gst_pad_query_default (pad, parent, query);
  ((Answer *) a)->asked++;
  if (!a->answers)
    return FALSE;

  gst_allocation_params_init (&params);
  params.align = a->align;
  gst_query_add_allocation_param (query, NULL, &params);
  pool = a->own_pool ? gst_buffer_pool_new () : NULL;
  gst_query_add_allocation_pool (query, pool, a->size, a->min, a->max);
  gst_clear_object (&pool);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  if (a->crop_meta)
    gst_query_add_allocation_meta (query, GST_VIDEO_CROP_META_API_TYPE, NULL);
  return TRUE;
}

/* A requested src pad linked to a fake downstream that answers @a. */
static GstPad *
fake_branch (GstElement * fanout, const Answer * a)
{
  GstPad *src = gst_element_request_pad_simple (fanout, "src_%u");
  GstPad *sink = gst_pad_new ("sink", GST_PAD_SINK);

  g_object_set_data (G_OBJECT (sink), "answer", (gpointer) a);
  gst_pad_set_query_function (sink, answer_allocation);
  gst_pad_set_active (sink, TRUE);
  fail_unless_equals_int (gst_pad_link (src, sink), GST_PAD_LINK_OK);
  gst_object_unref (src);
  return sink;
}

typedef struct
{
  guint size;
  guint min;
  gsize align;
  guint n_metas;
  gboolean shared_pool;         /* a GstSharedPool offered */
} Asked;

static Asked
ask_allocation (GstElement * fanout)
{
  GstPad *sinkpad = gst_element_get_static_pad (fanout, "sink");
  GstCaps *caps = gst_caps_new_empty_simple ("test/x-data");
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstAllocationParams params;
  GstBufferPool *pool = NULL;
  Asked r = { 0, };

  fail_unless (gst_pad_query (sinkpad, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &r.size, &r.min, NULL);
  r.shared_pool = pool && GST_IS_SHARED_POOL (pool);
  gst_clear_object (&pool);
  gst_query_parse_nth_allocation_param (query, 0, NULL, &params);
  r.align = params.align;
  r.n_metas = gst_query_get_n_allocation_metas (query);

  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  return r;
}

static void
set_pad (GstElement * fanout, const gchar * name, guint pause,
    guint64 pause_bytes, const gchar * policy)
{
  GstPad *pad = gst_element_get_static_pad (fanout, name);

  /* resume first, and one dimension enabled at all times */
  g_object_set (pad, "resume-buffers", 0, "resume-bytes", (guint64) 0, NULL);
  if (pause)
    g_object_set (pad, "pause-buffers", pause, "pause-bytes", pause_bytes,
        NULL);
  else
    g_object_set (pad, "pause-bytes", pause_bytes, "pause-buffers", pause,
        NULL);
  g_object_set (pad, "pause-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (pad), "full-policy", policy);
  gst_object_unref (pad);
}

/* The answer aggregates the branches (largest size and alignment, common
 * metas), covers what they hold, and offers a GstSharedPool when no branch
 * has a pool of its own. Branch A holds 4 queued + 1 pushing +
 * 2 kept downstream = 7, branch B 6 + 1 + 3 = 10, plus one being
 * produced. Broadcast shares buffers between queues that keep the newest
 * ones: max (7, 10) + 1; a drop-newest queue keeps old ones: 7 + 10 + 1;
 * a drop-oldest queue keeps the newest but its thread and downstream hold
 * older ones: max (4, 10) + 3 + 1; balance shares nothing: 7 + 10 + 1. A
 * limit in bytes counts in buffers of the largest size: 4500 bytes of 2000
 * byte buffers is 3 (the last one passes it). */
GST_START_TEST (test_allocation_aggregation)
{
  Answer a = { TRUE, 1000, 2, 15, TRUE, FALSE };
  Answer b = { TRUE, 2000, 3, 31, FALSE, FALSE };
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *pa = fake_branch (fanout, &a), *pb = fake_branch (fanout, &b);
  Asked r;

  set_state_ok (fanout, GST_STATE_PAUSED);
  set_pad (fanout, "src_0", 4, 0, "block");
  set_pad (fanout, "src_1", 6, 0, "block");
  r = ask_allocation (fanout);
  fail_unless_equals_int (r.size, 2000);
  fail_unless_equals_int (r.align, 31);
  fail_unless_equals_int (r.n_metas, 1);
  fail_unless_equals_int (r.min, 11);
  /* no branch has a pool of its own: a new GstSharedPool */
  fail_unless (r.shared_pool);

  set_pad (fanout, "src_0", 4, 0, "drop-newest");
  fail_unless_equals_int (ask_allocation (fanout).min, 18);
  set_pad (fanout, "src_0", 4, 0, "drop-oldest");
  fail_unless_equals_int (ask_allocation (fanout).min, 14);
  set_pad (fanout, "src_0", 4, 0, "block");
  set_pad (fanout, "src_1", 0, 4500, "block");
  fail_unless_equals_int (ask_allocation (fanout).min, 7 + 1);
  gst_util_set_object_arg (G_OBJECT (fanout), "mode", "balance");
  set_pad (fanout, "src_1", 6, 0, "block");
  fail_unless_equals_int (ask_allocation (fanout).min, 18);

  /* a branch's own pool cannot serve the others: no pool at all */
  b.own_pool = TRUE;
  fail_if (ask_allocation (fanout).shared_pool);
  /* a branch that does not answer takes no meta */
  b.answers = FALSE;
  fail_unless_equals_int (ask_allocation (fanout).n_metas, 0);

  gst_element_set_state (fanout, GST_STATE_NULL);
  gst_object_unref (pa);
  gst_object_unref (pb);
  gst_object_unref (fanout);
}

GST_END_TEST;

/* A branch that drops rather than waits is asked once: a renegotiation
 * takes its last answer again, so that when it is stuck (a queue
 * downstream answers in order with its data) it cannot hold up the
 * producer and the other branches. A blocking branch is asked each time. */
GST_START_TEST (test_allocation_drop_branch_asked_once)
{
  Answer a = { TRUE, 1000, 2, 15, TRUE, FALSE };
  Answer b = { TRUE, 2000, 3, 31, FALSE, FALSE };
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *pa = fake_branch (fanout, &a), *pb = fake_branch (fanout, &b);
  guint min;

  set_state_ok (fanout, GST_STATE_PAUSED);
  set_pad (fanout, "src_0", 4, 0, "block");
  set_pad (fanout, "src_1", 6, 0, "drop-oldest");
  min = ask_allocation (fanout).min;
  fail_unless_equals_int (ask_allocation (fanout).min, min);
  fail_unless_equals_int (ask_allocation (fanout).size, 2000);
  fail_unless_equals_int (a.asked, 3);
  fail_unless_equals_int (b.asked, 1);

  gst_element_set_state (fanout, GST_STATE_NULL);
  gst_object_unref (pa);
  gst_object_unref (pb);
  gst_object_unref (fanout);
}

GST_END_TEST;

/* A branch whose pool has a maximum below what the queues need does not
 * give the answer a maximum: it offers min with no maximum, so a pool
 * configured from it never gets min > max (no CRITICAL). */
GST_START_TEST (test_allocation_no_max_below_min)
{
  Answer a = { TRUE, 1000, 2, 0, FALSE, FALSE, 0, 2 };
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *pa = fake_branch (fanout, &a);
  GstPad *sinkpad = gst_element_get_static_pad (fanout, "sink");
  GstCaps *caps = gst_caps_new_empty_simple ("test/x-data");
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  guint size, min, max;

  set_state_ok (fanout, GST_STATE_PAUSED);
  fail_unless (gst_pad_query (sinkpad, query));
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  fail_unless (min > 2);
  fail_unless_equals_int (max, 0);
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));

  gst_object_unref (pool);
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  gst_element_set_state (fanout, GST_STATE_NULL);
  gst_object_unref (pa);
  gst_object_unref (fanout);
}

GST_END_TEST;

/* A downstream whose ALLOCATION answer waits until it is let go, like a
 * `queue` answering in order with data its frozen consumer never takes. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint entered;
  gboolean open;
  guint reconfigures;           /* RECONFIGURE events upstream got */
} Gate;

static gboolean
gated_answer (GstPad * pad, GstObject * parent, GstQuery * query)
{
  Gate *g = g_object_get_data (G_OBJECT (pad), "gate");

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    g_mutex_lock (&g->lock);
    g->entered++;
    g_cond_broadcast (&g->cond);
    while (!g->open)
      g_cond_wait (&g->cond, &g->lock);
    g_mutex_unlock (&g->lock);
  }
  return answer_allocation (pad, parent, query);
}

static GstPadProbeReturn
count_reconfigure (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Gate *g = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_RECONFIGURE) {
    g_mutex_lock (&g->lock);
    g->reconfigures++;
    g_cond_broadcast (&g->cond);
    g_mutex_unlock (&g->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* A branch whose downstream does not answer (its thread is stuck in the
 * query) cannot hold up the ALLOCATION answer: the producer is answered
 * from the other branch (the stuck one counts as a branch that did not
 * answer: no metas) while the stuck one still waits. Its late answer makes
 * upstream negotiate again, and is in the next answer. Before, the
 * producer asked the branch's downstream itself and hung there. */
GST_START_TEST (test_allocation_stuck_branch)
{
  Answer a = { TRUE, 1000, 2, 15, FALSE, FALSE };
  Answer b = { TRUE, 2000, 3, 31, FALSE, FALSE };
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *pa = fake_branch (fanout, &a), *pb = fake_branch (fanout, &b);
  GstPad *up = gst_pad_new ("src", GST_PAD_SRC);
  GstPad *sinkpad = gst_element_get_static_pad (fanout, "sink");
  Gate g = { 0, };

  g_object_set_data (G_OBJECT (pa), "gate", &g);
  gst_pad_set_query_function (pa, gated_answer);
  gst_pad_set_active (up, TRUE);
  fail_unless_equals_int (gst_pad_link (up, sinkpad), GST_PAD_LINK_OK);
  gst_pad_add_probe (up, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      count_reconfigure, &g, NULL);
  set_state_ok (fanout, GST_STATE_PAUSED);

  fail_unless_equals_int (ask_allocation (fanout).size, 2000);
  fail_unless_equals_int (ask_allocation (fanout).n_metas, 0);
  /* asked once, still stuck in it */
  fail_unless_equals_int (read_count (&g.lock, &g.entered), 1);
  g_mutex_lock (&g.lock);
  g.open = TRUE;
  g_cond_broadcast (&g.cond);
  g_mutex_unlock (&g.lock);
  wait_for_count (&g.lock, &g.cond, &g.reconfigures, 1);
  fail_unless_equals_int (ask_allocation (fanout).n_metas, 1);

  gst_element_set_state (fanout, GST_STATE_NULL);
  gst_object_unref (sinkpad);
  gst_object_unref (up);
  gst_object_unref (pa);
  gst_object_unref (pb);
  gst_object_unref (fanout);
}

GST_END_TEST;

/* A sink whose consumer froze: its first buffer stays in a blocking
 * probe (the queue before it holds what follows, and answers a
 * serialized query only once that went out). The buffers the other
 * branch got are counted. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean open;
  guint frozen;                 /* buffers held in the frozen sink */
  guint live;                   /* buffers the live branch got */
} Frozen;

static GstPadProbeReturn
frozen_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Frozen *f = data;

  g_mutex_lock (&f->lock);
  f->frozen++;
  g_cond_broadcast (&f->cond);
  while (!f->open)
    g_cond_wait (&f->cond, &f->lock);
  g_mutex_unlock (&f->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
live_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Frozen *f = data;

  g_mutex_lock (&f->lock);
  f->live++;
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->lock);
  return GST_PAD_PROBE_OK;
}

static void
probe_sink (GstElement * pipeline, const gchar * name,
    GstPadProbeCallback probe, Frozen * f)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, f, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

static void
push_frame (GstElement * src)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 256, NULL);
  GstFlowReturn ret;

  /* the action signal does not take the buffer */
  g_signal_emit_by_name (src, "push-buffer", buf, &ret);
  gst_buffer_unref (buf);
  fail_unless_equals_int (ret, GST_FLOW_OK);
}

/* A real pipeline: upstream renegotiates (its ALLOCATION query) while one
 * branch's consumer is frozen, its `queue` full of data the query waits
 * behind. The other branch keeps getting buffers: the query is asked by
 * the stuck branch's thread, and the producer waits for it only so long.
 * Before, the producer asked the stuck queue itself and hung there, and
 * with it every branch. */
GST_START_TEST (test_allocation_frozen_branch_pipeline)
{
  GstElement *p = launch ("appsrc name=src format=time "
      "caps=video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1 ! "
      "fanout name=f f. ! queue ! fakesink name=a async=false "
      "f. ! fakesink name=b async=false");
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  GstFlowReturn ret;
  Frozen f = { 0, };

  probe_sink (p, "a", frozen_probe, &f);
  probe_sink (p, "b", live_probe, &f);
  gst_element_set_state (p, GST_STATE_PLAYING);
  push_frame (src);
  push_frame (src);
  wait_for_count (&f.lock, &f.cond, &f.frozen, 1);
  wait_for_count (&f.lock, &f.cond, &f.live, 2);
  /* appsrc may be waiting for the third buffer already: the fourth comes
   * after a new ALLOCATION query */
  gst_pad_send_event (srcpad, gst_event_new_reconfigure ());
  push_frame (src);
  push_frame (src);
  wait_for_count (&f.lock, &f.cond, &f.live, 4);
  fail_unless_equals_int (read_count (&f.lock, &f.frozen), 1);

  g_mutex_lock (&f.lock);
  f.open = TRUE;
  g_cond_broadcast (&f.cond);
  g_mutex_unlock (&f.lock);
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  expect_eos (wait_for_end (p));
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (srcpad);
  gst_object_unref (src);
  gst_object_unref (p);
}

GST_END_TEST;

/* tee's allocation tests, from their behaviour. Answers with prefix,
 * padding and meta parameters that differ. */
static gboolean
answer_like_tee_a (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstAllocationParams params = { 0, 15, 1, 1 };

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return gst_pad_query_default (pad, parent, query);
  gst_query_add_allocation_pool (query, NULL, 128, 2, 10);
  gst_query_add_allocation_param (query, NULL, &params);
  gst_query_add_allocation_meta (query, GST_PARENT_BUFFER_META_API_TYPE, NULL);
  gst_query_add_allocation_meta (query, GST_REFERENCE_TIMESTAMP_META_API_TYPE,
      NULL);
  gst_query_add_allocation_meta (query, GST_PROTECTION_META_API_TYPE, NULL);
  return TRUE;
}

static gboolean
answer_like_tee_b (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstAllocationParams params = { 0, 7, 2, 2 };
  GstStructure *s;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return gst_pad_query_default (pad, parent, query);
  gst_query_add_allocation_pool (query, NULL, 130, 1, 20);
  gst_query_add_allocation_param (query, NULL, &params);
  gst_query_add_allocation_meta (query, GST_PARENT_BUFFER_META_API_TYPE, NULL);
  s = gst_structure_new_empty ("test/test");
  gst_query_add_allocation_meta (query, GST_PROTECTION_META_API_TYPE, s);
  gst_structure_free (s);
  return TRUE;
}

/* TRUE with nothing in it. */
static gboolean
answer_empty (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return gst_pad_query_default (pad, parent, query);
  return TRUE;
}

static GstPad *
query_branch (GstElement * fanout, GstPadQueryFunction func)
{
  GstPad *sink = fake_branch (fanout, NULL);

  gst_pad_set_query_function (sink, func);
  return sink;
}

static GstQuery *
query_allocation (GstElement * fanout, gboolean expect)
{
  GstPad *sinkpad = gst_element_get_static_pad (fanout, "sink");
  GstCaps *caps = gst_caps_new_empty_simple ("test/test");
  GstQuery *query = gst_query_new_allocation (caps, TRUE);

  fail_unless_equals_int (gst_pad_query (sinkpad, query), expect);
  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  return query;
}

static void
teardown_fanout (GstElement * fanout, GstPad ** sinks, guint n)
{
  guint i;

  gst_element_set_state (fanout, GST_STATE_NULL);
  for (i = 0; i < n; i++)
    gst_object_unref (sinks[i]);
  gst_object_unref (fanout);
}

/* Like tee: the largest size, alignment, prefix and padding; the metas
 * every branch accepts with the same parameters; no maximum. Unlike tee
 * the minimum covers the queues too (test_allocation_aggregation). */
GST_START_TEST (test_allocation_like_tee)
{
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *sinks[] = { query_branch (fanout, answer_like_tee_a),
    query_branch (fanout, answer_like_tee_b)
  };
  GstAllocationParams params;
  GstQuery *query;
  guint size, min, max;

  set_state_ok (fanout, GST_STATE_PAUSED);
  query = query_allocation (fanout, TRUE);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  fail_unless_equals_int (size, 130);
  fail_unless_equals_int (max, 0);
  fail_unless_equals_int (gst_query_get_n_allocation_params (query), 1);
  gst_query_parse_nth_allocation_param (query, 0, NULL, &params);
  fail_unless_equals_int (params.align, 15);
  fail_unless_equals_int (params.prefix, 2);
  fail_unless_equals_int (params.padding, 2);
  fail_unless_equals_int (gst_query_get_n_allocation_metas (query), 1);
  fail_unless (gst_query_parse_nth_allocation_meta (query, 0, NULL) ==
      GST_PARENT_BUFFER_META_API_TYPE);

  gst_query_unref (query);
  teardown_fanout (fanout, sinks, G_N_ELEMENTS (sinks));
}

GST_END_TEST;

/* Like tee: an empty answer gives an empty answer (no pool, no params). */
GST_START_TEST (test_allocation_empty)
{
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *sinks[] = { query_branch (fanout, answer_empty) };
  GstQuery *query;

  set_state_ok (fanout, GST_STATE_PAUSED);
  query = query_allocation (fanout, TRUE);
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 0);
  fail_unless_equals_int (gst_query_get_n_allocation_params (query), 0);

  gst_query_unref (query);
  teardown_fanout (fanout, sinks, G_N_ELEMENTS (sinks));
}

GST_END_TEST;

/* Unlike tee (a deliberate difference, docs/fanout.md): a src pad not
 * linked, or a branch that does not answer, does not fail the query,
 * with or without allow-not-linked: the answer is what the others said,
 * without metas when one did not answer. */
GST_START_TEST (test_allocation_unlinked_or_failing)
{
  Answer fails = { FALSE, };
  GstElement *fanout = gst_element_factory_make ("fanout", NULL);
  GstPad *sinks[] = { query_branch (fanout, answer_like_tee_a),
    query_branch (fanout, answer_like_tee_b)
  };
  GstPad *unlinked = gst_element_request_pad_simple (fanout, "src_%u");
  GstPad *failing;
  GstQuery *query;

  set_state_ok (fanout, GST_STATE_PAUSED);
  query = query_allocation (fanout, TRUE);
  fail_unless_equals_int (gst_query_get_n_allocation_metas (query), 1);
  gst_query_unref (query);

  failing = fake_branch (fanout, &fails);
  query = query_allocation (fanout, TRUE);
  fail_unless_equals_int (gst_query_get_n_allocation_metas (query), 0);
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_unref (query);

  gst_object_unref (unlinked);
  gst_object_unref (failing);
  teardown_fanout (fanout, sinks, G_N_ELEMENTS (sinks));
}

GST_END_TEST;

/* A serialized query goes through every branch behind the data. */
static GstPadProbeReturn
answer_drain (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstHarness *h = data;

  if (GST_QUERY_TYPE (GST_PAD_PROBE_INFO_QUERY (info)) != GST_QUERY_DRAIN)
    return GST_PAD_PROBE_OK;
  /* behind the three buffers */
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  return GST_PAD_PROBE_HANDLED;
}

GST_START_TEST (test_serialized_query_in_order)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  GstQuery *drain = gst_query_new_drain ();
  guint i;

  for (i = 0; i < 2; i++) {
    GstHarness *hi = i ? h1 : h;

    gst_pad_add_probe (branch_pad (hi), GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
        answer_drain, hi, NULL);
  }
  for (i = 0; i < 3; i++)
    gst_harness_push (h, seq_buffer (0, i));
  fail_unless (gst_pad_peer_query (h->srcpad, drain));

  gst_query_unref (drain);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* real pipelines */

static guint64
element_pad_stat (GstElement * pipeline, const gchar * pad, const gchar * field)
{
  GstElement *f = gst_bin_get_by_name (GST_BIN (pipeline), "f");
  GstStructure *stats = element_stats (f), *ps = NULL;
  guint64 v = G_MAXUINT64;

  if (gst_structure_get (stats, pad, GST_TYPE_STRUCTURE, &ps, NULL)) {
    gst_structure_get_uint64 (ps, field, &v);
    gst_structure_free (ps);
  } else {
    gst_structure_get_uint64 (stats, field, &v);
  }
  gst_structure_free (stats);
  gst_object_unref (f);
  return v;
}

/* Three consumers, one behind a queue: all get all 30 frames, then EOS. */
GST_START_TEST (test_pipeline_broadcast)
{
  GstElement *p = launch ("videotestsrc num-buffers=30 ! "
      "video/x-raw,width=64,height=48 ! fanout name=f "
      "f. ! fakesink f. ! fakesink sync=false f. ! queue ! fakesink");
  guint i;

  run_to_eos (p);
  for (i = 0; i < 3; i++) {
    gchar *pad = g_strdup_printf ("src_%u", i);

    fail_unless_equals_uint64 (element_pad_stat (p, pad, "pushed"), 30);
    g_free (pad);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

GST_END_TEST;

/* Branches whose sinks return EOS end the pipeline, like tee ! queue: each
 * branch still delivers the EOS event queued behind its data, whatever the
 * mode. */
static void
check_downstream_eos_ends (const gchar * mode)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=100 ! "
      "video/x-raw,width=64,height=48 ! fanout name=f mode=%s "
      "f. ! fakesink num-buffers=20 f. ! identity eos-after=30 ! fakesink",
      mode);
  GstElement *p = launch (desc);

  run_to_eos (p);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  g_free (desc);
}

GST_START_TEST (test_pipeline_downstream_eos_ends)
{
  check_downstream_eos_ends ("broadcast");
  check_downstream_eos_ends ("balance");
  check_downstream_eos_ends ("key");
}

GST_END_TEST;

/* A batching branch does not hold back the buffer a sink prerolls on:
 * below PLAYING it hands over each buffer at once, whatever batch-time. */
GST_START_TEST (test_batch_does_not_hold_preroll)
{
  GstHarness *h = new_batching_fanout ();
  GstBuffer *buf;

  g_object_set (branch_pad (h), "batch-buffers", 100, "batch-time",
      GST_CLOCK_TIME_NONE, NULL);
  gst_element_set_state (h->element, GST_STATE_PAUSED);
  /* the stream's events went out: the queue is empty */
  wait_for_event (h, GST_EVENT_SEGMENT);
  push_seqs (h, 0, 1);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* batch-time has a floor: an empty batching queue is looked at every
 * batch-time, and less than 1 ms would spin. */
GST_START_TEST (test_batch_time_minimum)
{
  GstHarness *h = new_fanout (BROADCAST);
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS
      (branch_pad (h)), "batch-time");

  fail_unless_equals_uint64 (G_PARAM_SPEC_UINT64 (ps)->minimum, GST_MSECOND);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstPadProbeReturn
eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_EOS;
  return GST_PAD_PROBE_HANDLED;
}

/* Key mode: the buffers of a key whose branch's downstream is EOS are not
 * lost silently while the other branch keeps the sink pad OK: each is
 * counted in that pad's "refused" and posted as fanout-dropped. */
GST_START_TEST (test_key_refused_counted)
{
  GstHarness *h = new_fanout (KEY);
  GstHarness *h1 = add_branch (h);
  GstBus *bus = watch_messages (h);
  guint i;

  gst_pad_add_probe (branch_pad (h1), GST_PAD_PROBE_TYPE_BUFFER, eos_probe,
      NULL, NULL);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (1, 0)), GST_FLOW_OK);
  wait_for_pad_flow (h1, "eos");
  for (i = 1; i <= 5; i++) {
    fail_unless_equals_int (gst_harness_push (h, seq_buffer (1, i)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, i)),
        GST_FLOW_OK);
  }
  fail_unless_equals_uint64 (pad_stat (h1, "refused"), 5);
  fail_unless_equals_int (count_messages (bus, "fanout-dropped"), 5);
  pull_seqs (h, 5, 1, 1);

  unwatch_messages (h, bus);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A FLUSHING from one branch's downstream alone (not a flush of ours) is
 * transient, as with tee: that buffer is gone, the branch takes the next
 * ones and the sink pad never returns FLUSHING for good. */
GST_START_TEST (test_transient_flushing_recovers)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *h1 = add_branch (h);
  Downstream d = { GST_FLOW_FLUSHING, TRUE };
  guint i;

  gst_pad_add_probe (branch_pad (h1), GST_PAD_PROBE_TYPE_BUFFER, flow_probe,
      &d, NULL);
  push_seqs (h, 0, 1);
  pull_seqs (h, 1, 0, 1);
  for (i = 1; i <= 20; i++)
    fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, i)),
        GST_FLOW_OK);
  pull_seqs (h1, 20, 1, 1);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Balance: a requested pad not linked yet loses nothing: what was routed
 * to it before its thread found out stays queued for when it is linked,
 * and the rest goes to the linked branch. */
GST_START_TEST (test_balance_unlinked_loses_nothing)
{
  GstHarness *h = new_fanout (BALANCE);
  GstPad *lone = gst_element_request_pad_simple (h->element, "src_%u");
  GstStructure *stats;
  GstStructure *ls = NULL;
  guint64 queued, pushed;

  push_seqs (h, 0, 20);
  stats = element_stats (h->element);
  fail_unless (gst_structure_get (stats, GST_PAD_NAME (lone),
          GST_TYPE_STRUCTURE, &ls, NULL));
  queued = structure_u64 (ls, "received");
  pushed = structure_u64 (ls, "pushed");
  fail_unless_equals_uint64 (pushed, 0);
  fail_unless_equals_uint64 (pad_stat (h, "received") + queued, 20);

  gst_structure_free (ls);
  gst_structure_free (stats);
  gst_element_release_request_pad (h->element, lone);
  gst_object_unref (lone);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Balance never waits on a frozen branch while another may take the
 * buffer: with both full, the sink pad waits for room in either, and the
 * live branch gets all the rest. */
GST_START_TEST (test_balance_skips_frozen_branch)
{
  GstHarness *h = new_fanout (BALANCE);
  GstHarness *h1 = add_branch (h);
  Stopper frozen, slow;
  Pusher p;
  guint i;

  set_branch (h, 2, 1, "block");
  set_branch (h1, 2, 1, "block");
  stick_branch (&frozen, h, h);
  stopper_start (&slow, h1);
  pusher_start (&p, h, key0_buffer, 1, 20);
  stopper_wait (&slow);
  stopper_unblock (&slow);
  /* the frozen branch holds b0 and a full queue of 2: 18 for the other */
  for (i = 0; i < 18; i++) {
    GstBuffer *buf = gst_harness_pull (h1);

    fail_unless (buf != NULL);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (pusher_join (&p), GST_FLOW_OK);

  stopper_release (&slow);
  stopper_release (&frozen);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Balance: the 30 frames are shared out, each once; EOS reaches all. */
GST_START_TEST (test_pipeline_balance)
{
  GstElement *p = launch ("videotestsrc num-buffers=30 ! "
      "video/x-raw,width=64,height=48 ! fanout name=f mode=balance "
      "f. ! fakesink sync=false f. ! fakesink sync=false "
      "f. ! fakesink sync=false");

  run_to_eos (p);
  fail_unless_equals_uint64 (element_pad_stat (p, "", "pushed"), 30);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

GST_END_TEST;

/* Pad properties set from gst-launch through the child proxy. */
GST_START_TEST (test_pipeline_pad_properties)
{
  GstElement *p = launch ("videotestsrc num-buffers=5 ! fanout name=f "
      "src_1::full-policy=drop-oldest src_1::resume-buffers=2 "
      "src_1::pause-buffers=4 f. ! fakesink f. ! fakesink");
  GstElement *f = gst_bin_get_by_name (GST_BIN (p), "f");
  GstPad *pad = gst_element_get_static_pad (f, "src_1");
  guint pause;

  g_object_get (pad, "pause-buffers", &pause, NULL);
  fail_unless_equals_int (pause, 4);
  run_to_eos (p);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (f);
  gst_object_unref (p);
}

GST_END_TEST;

static GstPadProbeReturn
signal_first_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Stopper *s = data;

  g_mutex_lock (&s->lock);
  s->blocked = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* A branch added and one released while PLAYING; EOS still reaches every
 * sink there is (a sink added after EOS gets it from the sticky events). */
GST_START_TEST (test_pipeline_pads_while_playing)
{
  GstElement *p = launch ("videotestsrc num-buffers=100 is-live=true ! "
      "video/x-raw,width=64,height=48,framerate=200/1 ! fanout name=f "
      "f.src_0 ! fakesink name=s0 f.src_1 ! fakesink name=s1");
  GstElement *f = gst_bin_get_by_name (GST_BIN (p), "f");
  GstElement *s0 = gst_bin_get_by_name (GST_BIN (p), "s0");
  GstElement *late = gst_element_factory_make ("fakesink", NULL);
  GstPad *src0 = gst_element_get_static_pad (f, "src_0"), *src2;
  Stopper first = { 0, };

  g_mutex_init (&first.lock);
  g_cond_init (&first.cond);
  gst_pad_add_probe (src0, GST_PAD_PROBE_TYPE_BUFFER, signal_first_buffer,
      &first, NULL);
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  stopper_wait (&first);
  /* the bin's own PAUSED to PLAYING must be over, or it would set the
   * sink removed below back to PLAYING behind the test's back */
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);

  /* async=false: a sink prerolling in a PLAYING pipeline would take the
   * others back to PAUSED */
  g_object_set (late, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (p), late);
  /* running before it is linked: a branch pushing into a sink pad that is
   * still flushing gets FLUSHING, and (as behind tee + queue) that stops
   * the stream */
  fail_unless (gst_element_sync_state_with_parent (late));
  src2 = gst_element_request_pad_simple (f, "src_%u");
  fail_unless (gst_element_link_pads (f, GST_PAD_NAME (src2), late, "sink"));

  gst_element_release_request_pad (f, src0);
  /* the usual way out of a running bin: lock the state, then stop */
  gst_element_set_locked_state (s0, TRUE);
  gst_element_set_state (s0, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (p), s0);

  expect_eos (wait_for_end (p));

  gst_element_set_state (p, GST_STATE_NULL);
  g_mutex_clear (&first.lock);
  g_cond_clear (&first.cond);
  gst_object_unref (src2);
  gst_object_unref (src0);
  gst_object_unref (s0);
  gst_object_unref (f);
  gst_object_unref (p);
}

GST_END_TEST;

/* copy-threshold */

/* A bounded upstream pool: 4 buffers. */
static GstBufferPool *
bounded_pool (void)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, 64, 4, 4);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  return pool;
}

/* A buffer of @pool, or NULL when it ran dry (where a producer waits). */
static GstBuffer *
acquire_nowait (GstBufferPool * pool)
{
  GstBufferPoolAcquireParams params = { 0, };
  GstBuffer *buf = NULL;

  params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  gst_buffer_pool_acquire_buffer (pool, &buf, &params);
  return buf;
}

static GstPadProbeReturn
hold_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  return GST_PAD_PROBE_OK;
}

/* Two branches, the second stuck in a push that blocks (full-policy
 * block); returns its src pad and its probe. */
static GstHarness *
stuck_branch (GstHarness * h, guint copy_threshold, gulong * probe)
{
  GstHarness *h1 = add_branch (h);

  g_object_set (branch_pad (h1), "copy-threshold", copy_threshold, NULL);
  *probe = gst_pad_add_probe (branch_pad (h1), GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER, hold_buffers, NULL, NULL);
  return h1;
}

/* @n buffers of @pool through the fanout, each pulled from the first
 * branch; the pool must not run dry. */
static void
push_from_pool (GstHarness * h, GstBufferPool * pool, guint n)
{
  GstBuffer *buf;
  guint i;

  for (i = 0; i < n; i++) {
    fail_unless ((buf = acquire_nowait (pool)) != NULL, "dry at %u", i);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
}

/* @probe: 0 when removed already */
static void
teardown_stuck (GstHarness * h, GstHarness * h1, gulong probe,
    GstBufferPool * pool)
{
  if (probe)
    gst_pad_remove_probe (branch_pad (h1), probe);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

/* With copy-threshold=1 the stuck branch holds at most 2 of the pool's 4
 * buffers (the one it pushes, one queued) and gets copies of the rest:
 * the producer never runs dry and the other branch gets every buffer. */
GST_START_TEST (test_copy_threshold_keeps_pool_flowing)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstBufferPool *pool = bounded_pool ();
  gulong probe;
  GstHarness *h1 = stuck_branch (h, 1, &probe);

  push_from_pool (h, pool, 20);
  fail_unless (pad_stat (h1, "copies") >= 18);
  teardown_stuck (h, h1, probe, pool);
}

GST_END_TEST;

/* Without it, and without copy-when-exhausted, the stuck branch holds
 * every buffer of the pool: the producer would wait in acquire until a
 * flush lets them go. */
GST_START_TEST (test_no_copy_threshold_stalls_until_flush)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstBufferPool *pool = bounded_pool ();
  gulong probe;
  GstHarness *h1 = stuck_branch (h, 0, &probe);
  GstBuffer *buf;

  g_object_set (branch_pad (h1), "copy-when-exhausted", FALSE, NULL);

  push_from_pool (h, pool, 4);
  fail_unless (acquire_nowait (pool) == NULL);
  fail_unless_equals_uint64 (pad_stat (h1, "copies"), 0);

  /* the flush wakes the blocked push and empties the queue */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless ((buf = acquire_nowait (pool)) != NULL);
  gst_buffer_unref (buf);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  teardown_stuck (h, h1, probe, pool);
}

GST_END_TEST;

/* With copy-when-exhausted (the default) and a copy-threshold the pool
 * never reaches, the stuck branch is given copies of the queued buffers
 * the other branch is done with, oldest first, as the pool runs out: the
 * producer never runs dry, the other branch gets every buffer, and the
 * stuck branch holds at most 3 of the pool's 4 buffers. */
GST_START_TEST (test_copy_when_pool_exhausted)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstBufferPool *pool = bounded_pool ();
  gulong probe;
  GstHarness *h1 = stuck_branch (h, 100, &probe);
  GstBuffer *buf;
  guint i;

  push_from_pool (h, pool, 20);
  /* at most 3 stay originals: in the push, and two queued */
  fail_unless (pad_stat (h1, "copies") >= 20 - 3);
  fail_unless ((buf = acquire_nowait (pool)) != NULL);
  gst_buffer_unref (buf);

  /* unblocked, the branch gets all 20 */
  gst_pad_remove_probe (branch_pad (h1), probe);
  for (i = 0; i < 20; i++)
    gst_buffer_unref (gst_harness_pull (h1));
  teardown_stuck (h, h1, 0, pool);
}

GST_END_TEST;

/* shared workers (threads) */

#define MAX_SINKS 8

/* What the fakesinks of a pipeline got: buffers per sink, and buffers
 * that came out of order (videotestsrc numbers them in their offset). */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint count[MAX_SINKS];
  guint64 last[MAX_SINKS];
  guint out_of_order;
} Handoffs;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Handoffs *h = data;
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sink), "index"));

  g_mutex_lock (&h->lock);
  if (h->count[i] && GST_BUFFER_OFFSET (buf) <= h->last[i])
    h->out_of_order++;
  h->last[i] = GST_BUFFER_OFFSET (buf);
  h->count[i]++;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
}

/* "@src ! fanout threads=@threads" with @n branches "fakesink @sink",
 * named s0, s1..., counted in @h. */
static GstElement *
shared_pipeline (const gchar * src, gint threads, guint n, const gchar * sink,
    Handoffs * h)
{
  GString *desc = g_string_new (NULL);
  GstElement *p, *e;
  gchar name[16];
  guint i;

  memset (h, 0, sizeof (*h));
  g_mutex_init (&h->lock);
  g_cond_init (&h->cond);
  g_string_printf (desc, "%s ! fanout name=f threads=%d", src, threads);
  for (i = 0; i < n; i++)
    g_string_append_printf (desc, " f. ! fakesink name=s%u "
        "signal-handoffs=true %s", i, sink);
  p = launch (desc->str);
  for (i = 0; i < n; i++) {
    g_snprintf (name, sizeof (name), "s%u", i);
    e = gst_bin_get_by_name (GST_BIN (p), name);
    g_object_set_data (G_OBJECT (e), "index", GUINT_TO_POINTER (i));
    g_signal_connect (e, "handoff", G_CALLBACK (on_handoff), h);
    gst_object_unref (e);
  }
  g_string_free (desc, TRUE);
  return p;
}

/* Waits until each sink in @first..@last has @n buffers or more. */
static void
wait_for_handoffs (Handoffs * h, guint first, guint last, guint n)
{
  guint i;

  for (i = first; i <= last; i++)
    wait_for_count (&h->lock, &h->cond, &h->count[i], n);
}

static void
handoffs_clear (Handoffs * h)
{
  g_mutex_clear (&h->lock);
  g_cond_clear (&h->cond);
}

/* One worker, four syncing sinks: the worker waits in the first sink's
 * preroll, and the others are served all the same, so the pipeline
 * prerolls, then plays every frame to each sink. */
GST_START_TEST (test_shared_preroll_syncing_sinks)
{
  Handoffs h;
  GstElement *p = shared_pipeline ("videotestsrc num-buffers=10 ! "
      "video/x-raw,width=64,height=48,framerate=100/1", 1, 4, "sync=true",
      &h);
  guint i;

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  run_to_eos (p);
  for (i = 0; i < 4; i++)
    fail_unless_equals_int (h.count[i], 10);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  handoffs_clear (&h);
}

GST_END_TEST;

/* A count in @fanout's stats. */
static guint
fanout_stat (GstElement * fanout, const gchar * field)
{
  GstStructure *s = element_stats (fanout);
  guint n = structure_uint (s, field);

  gst_structure_free (s);
  return n;
}

static gboolean
sink_has_segment (GstElement * pipeline, const gchar * name)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);

  gst_object_unref (pad);
  gst_object_unref (sink);
  if (ev)
    gst_event_unref (ev);
  return ev != NULL;
}

/* Holds the first buffer until the events before it reached the three
 * sinks and both kept workers wait again, not woken. */
static GstPadProbeReturn
hold_until_workers_idle (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstElement *pipeline = data;
  GstElement *f = gst_bin_get_by_name (GST_BIN (pipeline), "f");

  while (!sink_has_segment (pipeline, "s0") ||
      !sink_has_segment (pipeline, "s1") ||
      !sink_has_segment (pipeline, "s2") || fanout_stat (f, "idle-workers") < 2)
    g_usleep (1000);
  gst_object_unref (f);
  return GST_PAD_PROBE_REMOVE;
}

/* Two workers, three syncing sinks, one frame and nothing after it: its
 * hand-out wakes one worker, which waits in a preroll; the watchdog wakes
 * the idle worker that was never woken, then a spare, for the other two
 * sinks, or the pipeline would never preroll. */
GST_START_TEST (test_shared_preroll_one_buffer_idle_worker)
{
  Handoffs h;
  GstElement *p = shared_pipeline ("appsrc name=src format=time "
      "caps=video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1",
      2, 3, "sync=true", &h);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  GstFlowReturn ret;
  guint i;

  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER,
      hold_until_workers_idle, p, NULL);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  push_frame (src);
  fail_unless_equals_int (gst_element_get_state (p, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  run_to_eos (p);
  for (i = 0; i < 3; i++)
    fail_unless_equals_int (h.count[i], 1);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (srcpad);
  gst_object_unref (src);
  gst_object_unref (p);
  handoffs_clear (&h);
}

GST_END_TEST;

/* The shared workers running now, as the stats count them. */
static guint
workers (GstHarness * h)
{
  return fanout_stat (h->element, "workers");
}

/* Waits for the stats to count @n workers; fails after a minute (a
 * watchdog for a hang, not a timing assertion). */
static void
wait_workers (GstHarness * h, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while (workers (h) != n) {
    fail_unless (g_get_monotonic_time () < deadline, "%u workers, not %u",
        workers (h), n);
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
}

/* With one kept worker stuck in a branch's push, a spare serves the
 * other branch (2 workers: at most one per branch); released, the stuck
 * branch drains and the spare leaves once it found nothing to do for a
 * while (1 worker: the kept one). */
GST_START_TEST (test_spare_leaves_when_idle)
{
  GstHarness *h = new_fanout_threads (1);
  GstHarness *h1 = add_branch (h);
  Stopper stuck;

  stopper_start (&stuck, h1);
  push_seqs (h, 0, 1);
  stopper_wait (&stuck);
  /* a worker waits in h1's push: another one serves h */
  push_seqs (h, 1, 1);
  pull_seqs (h, 2, 0, 1);
  fail_unless_equals_int (workers (h), 2);

  stopper_unblock (&stuck);
  pull_seqs (h1, 2, 0, 1);
  wait_workers (h, 1);
  stopper_release (&stuck);
  gst_harness_teardown (h1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Two workers, eight branches: each branch gets every frame, in order. */
GST_START_TEST (test_shared_order_per_branch)
{
  guint i, n = RUNNING_ON_VALGRIND ? 20 : 200;
  gchar *src = g_strdup_printf ("videotestsrc num-buffers=%u ! "
      "video/x-raw,width=64,height=48", n);
  Handoffs h;
  GstElement *p = shared_pipeline (src, 2, MAX_SINKS, "sync=false", &h);

  run_to_eos (p);
  for (i = 0; i < MAX_SINKS; i++)
    fail_unless_equals_int (h.count[i], n);
  fail_unless_equals_int (h.out_of_order, 0);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  handoffs_clear (&h);
  g_free (src);
}

GST_END_TEST;

#define LIVE_SRC "videotestsrc is-live=true ! " \
    "video/x-raw,width=64,height=48,framerate=100/1"

/* A live pipeline on one worker, syncing sinks, paused and played again:
 * the frames flow again, in order. */
GST_START_TEST (test_shared_live_pause_resume)
{
  Handoffs h;
  GstElement *p = shared_pipeline (LIVE_SRC, 1, 2, "sync=true", &h);

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  wait_for_handoffs (&h, 0, 1, 5);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  wait_for_handoffs (&h, 0, 1, read_count (&h.lock, &h.count[0]) + 5);
  fail_unless_equals_int (h.out_of_order, 0);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  handoffs_clear (&h);
}

GST_END_TEST;

/* A branch released while a live pipeline plays on one worker: the
 * others go on. */
GST_START_TEST (test_shared_release_while_playing)
{
  Handoffs h;
  GstElement *p = shared_pipeline (LIVE_SRC, 1, 3, "sync=true", &h);
  GstElement *f = gst_bin_get_by_name (GST_BIN (p), "f");
  GstElement *s1 = gst_bin_get_by_name (GST_BIN (p), "s1");
  GstPad *src1 = gst_element_get_static_pad (f, "src_1");

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  wait_for_handoffs (&h, 0, 2, 5);
  /* the bin's own change to PLAYING is over (see above) */
  fail_if (gst_element_get_state (p, NULL, NULL, GST_CLOCK_TIME_NONE) ==
      GST_STATE_CHANGE_FAILURE);

  gst_element_release_request_pad (f, src1);
  gst_element_set_locked_state (s1, TRUE);
  gst_element_set_state (s1, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (p), s1);
  wait_for_handoffs (&h, 0, 0, read_count (&h.lock, &h.count[0]) + 5);
  wait_for_handoffs (&h, 2, 2, read_count (&h.lock, &h.count[2]) + 5);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src1);
  gst_object_unref (s1);
  gst_object_unref (f);
  gst_object_unref (p);
  handoffs_clear (&h);
}

GST_END_TEST;

/* stress */

#define STRESS_BRANCHES 4

typedef struct
{
  GstHarness *h;
  gint stop;
  GstFlowReturn bad;            /* a flow the sink pad must not return */
} StressPusher;

static gpointer
stress_push_func (gpointer data)
{
  StressPusher *sp = data;
  guint64 i;

  for (i = 0; !g_atomic_int_get (&sp->stop); i++) {
    GstFlowReturn ret = gst_harness_push (sp->h, seq_buffer (i % 5, i));

    if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING)
      sp->bad = ret;
  }
  return NULL;
}

static GstHarness *
stress_add_branch (GstHarness * h, GRand * rand)
{
  static const gchar *policies[] = { "block", "drop-oldest", "drop-newest" };
  GstHarness *b = add_branch (h);

  gst_harness_set_drop_buffers (b, TRUE);
  set_branch (b, g_rand_int_range (rand, 2, 6), 1,
      policies[g_rand_int_range (rand, 0, 3)]);
  g_object_set (branch_pad (b), "batch-buffers", g_rand_int_range (rand, 1,
          8), "batch-time", GST_MSECOND, NULL);
  return b;
}

/* A flush as a seek does it: FLUSH_START from this thread, then, with the
 * streaming thread out of the element, FLUSH_STOP and a new segment. */
static void
stress_flush (GstHarness * h)
{
  GstPad *sinkpad = GST_PAD_PEER (h->srcpad);
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_send_event (sinkpad, gst_event_new_flush_start ());
  GST_PAD_STREAM_LOCK (sinkpad);
  gst_pad_send_event (sinkpad, gst_event_new_flush_stop (TRUE));
  gst_pad_send_event (sinkpad, gst_event_new_segment (&segment));
  GST_PAD_STREAM_UNLOCK (sinkpad);
}

static void
stress_step (GstHarness * h, GstHarness ** branches, GRand * rand)
{
  static const gchar *modes[] = { BROADCAST, BALANCE, KEY };
  guint k = g_rand_int_range (rand, 0, STRESS_BRANCHES);

  switch (g_rand_int_range (rand, 0, 4)) {
    case 0:
      if (branches[k] == NULL)
        branches[k] = stress_add_branch (h, rand);
      break;
    case 1:
      if (branches[k] != NULL)
        gst_harness_teardown (branches[k]);
      branches[k] = NULL;
      break;
    case 2:
      stress_flush (h);
      break;
    default:
      gst_util_set_object_arg (G_OBJECT (h->element), "mode",
          modes[g_rand_int_range (rand, 0, 3)]);
      break;
  }
}

/* One thread pushes without a pause while this one adds and releases
 * branches of random policies and batches, flushes and switches modes.
 * The run must finish: a watchdog aborts it if it has not in time. */
GST_START_TEST (test_stress_pads_and_flushes)
{
  GstHarness *h = new_fanout (BROADCAST);
  GstHarness *branches[STRESS_BRANCHES] = { NULL, };
  StressPusher sp = { h, 0, GST_FLOW_OK };
  GRand *rand = g_rand_new_with_seed (7);
  guint i, n = RUNNING_ON_VALGRIND ? 40 : 400;
  GThread *pusher;
  Watchdog wd;

  gst_harness_set_drop_buffers (h, TRUE);
  watchdog_start (&wd);
  pusher = g_thread_new ("pusher", stress_push_func, &sp);
  for (i = 0; i < n; i++)
    stress_step (h, branches, rand);
  g_atomic_int_set (&sp.stop, 1);
  g_thread_join (pusher);
  for (i = 0; i < STRESS_BRANCHES; i++)
    if (branches[i])
      gst_harness_teardown (branches[i]);
  watchdog_stop (&wd);

  fail_unless_equals_int (sp.bad, GST_FLOW_OK);
  g_rand_free (rand);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Randomized faults: each branch's downstream returns, at random, OK,
 * EOS, FLUSHING, ERROR or NOT_LINKED; mixed with data of random keys,
 * flushing seeks, EOS and new streams, state changes in every order,
 * branches requested and released while PLAYING and PAUSED, mode, policy
 * and watermark changes while PLAYING, under a watchdog. Nothing may
 * hang, every push returns a flow, and each branch gets its buffers in
 * order, never twice. GST_SHAREDPOOL_FAULT_CYCLES sets the number of
 * cycles (./dev.sh stress); the seed is printed, GST_SHAREDPOOL_FAULT_SEED
 * replays one. */
#define FAULT_BRANCHES 4

typedef struct
{
  GstHarness *h;
  gint flow;                    /* what its "downstream" returns, atomic */
  guint64 out;
  guint64 last;
} FaultBranch;

static GstPadProbeReturn
fault_branch_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FaultBranch *b = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFlowReturn flow = g_atomic_int_get (&b->flow);

  if (flow == GST_FLOW_OK) {
    fail_unless (b->out == 0 || buffer_seq (buf) > b->last);
    b->last = buffer_seq (buf);
    b->out++;
    return GST_PAD_PROBE_OK;
  }
  gst_buffer_unref (buf);
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = flow;
  return GST_PAD_PROBE_HANDLED;
}

static void
fault_branch_add (FaultBranch * b, GstHarness * branch)
{
  b->h = branch;
  b->flow = GST_FLOW_OK;
  b->out = 0;
  gst_pad_add_probe (branch_pad (b->h), GST_PAD_PROBE_TYPE_BUFFER,
      fault_branch_probe, b, NULL);
}

static void
fault_push (GstHarness * h, GRand * rand, guint64 * seq)
{
  guint i, n = g_rand_int_range (rand, 1, 30);

  for (i = 0; i < n; i++) {
    GstFlowReturn ret = gst_harness_push (h,
        seq_buffer (g_rand_int_range (rand, 0, 4), (*seq)++));

    fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_EOS ||
        ret == GST_FLOW_FLUSHING || ret == GST_FLOW_ERROR ||
        ret == GST_FLOW_NOT_LINKED, "push returned %d", ret);
  }
}

/* Branch 0 is the harness of the sink pad itself and stays. */
static void
fault_pads (GstHarness * h, FaultBranch * b, GRand * rand)
{
  guint k = g_rand_int_range (rand, 1, FAULT_BRANCHES);

  if (b[k].h) {
    gst_harness_teardown (b[k].h);
    b[k].h = NULL;
  } else {
    fault_branch_add (&b[k], add_branch (h));
  }
}

static void
fault_props (GstHarness * h, FaultBranch * b, GRand * rand)
{
  static const gchar *modes[] = { BROADCAST, BALANCE, KEY };
  static const gchar *policies[] = { "block", "drop-oldest", "drop-newest" };
  FaultBranch *one = &b[g_rand_int_range (rand, 0, FAULT_BRANCHES)];

  gst_util_set_object_arg (G_OBJECT (h->element), "mode",
      modes[g_rand_int_range (rand, 0, 3)]);
  g_object_set (h->element, "allow-not-linked", g_rand_boolean (rand), NULL);
  if (one->h)
    set_branch (one->h, g_rand_int_range (rand, 2, 20), 1,
        policies[g_rand_int_range (rand, 0, 3)]);
}

static void
fault_step (GstHarness * h, FaultBranch * b, GRand * rand, guint64 * seq)
{
  static const GstFlowReturn flows[] = { GST_FLOW_OK, GST_FLOW_OK,
    GST_FLOW_EOS, GST_FLOW_FLUSHING, GST_FLOW_ERROR, GST_FLOW_NOT_LINKED
  };
  static const GstState states[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING
  };
  guint i;

  switch (g_rand_int_range (rand, 0, 8)) {
    case 0:
      g_atomic_int_set (&b[g_rand_int_range (rand, 0, FAULT_BRANCHES)].flow,
          flows[g_rand_int_range (rand, 0, 6)]);
      break;
    case 1:
      fault_new_stream (h, g_rand_boolean (rand));
      break;
    case 2:
      gst_element_set_state (h->element, states[g_rand_int_range (rand, 0, 3)]);
      if (g_rand_boolean (rand))
        fault_pads (h, b, rand);
      gst_element_set_state (h->element, GST_STATE_PLAYING);
      break;
    case 3:
      fault_props (h, b, rand);
      break;
    case 4:
      fault_pads (h, b, rand);
      break;
    default:
      fault_push (h, rand, seq);
      break;
  }
  /* the harnesses keep what comes out: let it go */
  for (i = 0; i < FAULT_BRANCHES; i++) {
    while (b[i].h && gst_harness_buffers_in_queue (b[i].h) > 0)
      gst_buffer_unref (gst_harness_pull (b[i].h));
  }
}

GST_START_TEST (test_random_faults)
{
  GstHarness *h = new_fanout (BROADCAST);
  guint32 seed = fault_seed ();
  guint i, n = fault_cycles (300, 30);
  GRand *rand = g_rand_new_with_seed (seed);
  FaultBranch b[FAULT_BRANCHES] = { {0,}, };
  guint64 seq = 0;
  Watchdog wd;

  g_print ("fanout test_random_faults: seed %u, %u cycles\n", seed, n);
  fault_branch_add (&b[0], h);
  for (i = 0; i < n; i++) {
    if (i % 200 == 0)
      watchdog_start (&wd);
    fault_step (h, b, rand, &seq);
    if (i % 200 == 199 || i == n - 1)
      watchdog_stop (&wd);
  }
  /* healthy again: a new stream reaches every branch */
  gst_util_set_object_arg (G_OBJECT (h->element), "mode", BROADCAST);
  for (i = 0; i < FAULT_BRANCHES; i++)
    g_atomic_int_set (&b[i].flow, GST_FLOW_OK);
  fault_new_stream (h, TRUE);
  fail_unless_equals_int (gst_harness_push (h, seq_buffer (0, seq)),
      GST_FLOW_OK);
  for (i = 0; i < FAULT_BRANCHES; i++) {
    GstBuffer *buf;

    if (b[i].h == NULL)
      continue;
    /* after what was on its way before the flush */
    while ((buf = gst_harness_pull (b[i].h)) && buffer_seq (buf) != seq)
      gst_buffer_unref (buf);
    fail_unless (buf != NULL);
    gst_buffer_unref (buf);
    if (i > 0)
      gst_harness_teardown (b[i].h);
  }

  g_rand_free (rand);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
fanout_suite (void)
{
  Suite *s = suite_create ("fanout");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_broadcast_order);
  tcase_add_test (tc, test_broadcast_shares_buffer);
  tcase_add_test (tc, test_single_branch_gets_writable_buffer);
  tcase_add_test (tc, test_balance_ties_in_turn);
  tcase_add_test (tc, test_balance_spreads_by_level);
  tcase_add_test (tc, test_balance_skips_frozen_branch);
  tcase_add_test (tc, test_balance_unlinked_loses_nothing);
  tcase_add_test (tc, test_key_fifo_per_key);
  tcase_add_test (tc, test_key_refused_counted);
  tcase_add_test (tc, test_drop_oldest_counts);
  tcase_add_test (tc, test_drop_newest_counts);
  tcase_add_test (tc, test_drop_messages);
  tcase_add_test (tc, test_block_loses_nothing);
  tcase_add_test (tc, test_slow_branch_does_not_stall_others);
  tcase_add_test (tc, test_bad_watermarks_refused);
  tcase_add_test (tc, test_batch_waits_for_batch);
  tcase_add_test (tc, test_batch_event_and_time_release);
  tcase_add_test (tc, test_batch_above_pause);
  tcase_add_test (tc, test_batch_does_not_hold_preroll);
  tcase_add_test (tc, test_batch_time_minimum);
  tcase_add_test (tc, test_flush_unblocks);
  tcase_add_test (tc, test_state_change_unblocks);
  tcase_add_test (tc, test_downstream_eos_unblocks);
  tcase_add_test (tc, test_eos_after_data);
  tcase_add_test (tc, test_eos_forgotten_after_stop);
  tcase_add_test (tc, test_new_pad_gets_sticky_events);
  tcase_add_test (tc, test_release_blocked_pad);
  tcase_add_test (tc, test_release_only_pad_while_flowing);
  tcase_add_test (tc, test_release_in_paused);
  tcase_add_test (tc, test_not_linked);
  tcase_add_test (tc, test_transient_flushing_recovers);
  tcase_add_test (tc, test_allocation_aggregation);
  tcase_add_test (tc, test_allocation_drop_branch_asked_once);
  tcase_add_test (tc, test_allocation_no_max_below_min);
  tcase_add_test (tc, test_allocation_stuck_branch);
  tcase_add_test (tc, test_allocation_frozen_branch_pipeline);
  tcase_add_test (tc, test_allocation_like_tee);
  tcase_add_test (tc, test_allocation_empty);
  tcase_add_test (tc, test_allocation_unlinked_or_failing);
  tcase_add_test (tc, test_request_pad_names);
  tcase_add_test (tc, test_internal_links);
  tcase_add_test (tc, test_flow_aggregation);
  tcase_add_test (tc, test_allow_not_linked_release);
  tcase_add_test (tc, test_state_change_when_flushing);
  tcase_add_test (tc, test_serialized_query_in_order);
  tcase_add_test (tc, test_pipeline_broadcast);
  tcase_add_test (tc, test_pipeline_balance);
  tcase_add_test (tc, test_pipeline_downstream_eos_ends);
  tcase_add_test (tc, test_pipeline_pad_properties);
  tcase_add_test (tc, test_pipeline_pads_while_playing);
  tcase_add_test (tc, test_copy_threshold_keeps_pool_flowing);
  tcase_add_test (tc, test_no_copy_threshold_stalls_until_flush);
  tcase_add_test (tc, test_copy_when_pool_exhausted);
  tcase_add_test (tc, test_shared_preroll_syncing_sinks);
  tcase_add_test (tc, test_shared_preroll_one_buffer_idle_worker);
  tcase_add_test (tc, test_shared_order_per_branch);
  tcase_add_test (tc, test_spare_leaves_when_idle);
  tcase_add_test (tc, test_shared_live_pause_resume);
  tcase_add_test (tc, test_shared_release_while_playing);
  tcase_add_test (tc, test_stress_pads_and_flushes);
  tcase_add_test (tc, test_random_faults);

  return s;
}

GST_CHECK_MAIN (fanout);
