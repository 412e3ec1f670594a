/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A randomized fault run of the sharedpool element: a seeded sequence of
 * flushing seeks, state changes in every order, EOS, caps changes and
 * property changes while PLAYING, each cycle under a watchdog. Buffers
 * are numbered before the element and checked after it: within a stream
 * (between flushes and stream starts) nothing may be lost or reordered.
 *
 * The seed is printed; GST_SHAREDPOOL_FAULT_SEED replays one and
 * GST_SHAREDPOOL_FAULT_CYCLES sets the number of cycles (200, 10 under
 * valgrind). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include <gst/check/gstcheck.h>

#include "../testutil.h"
#include "../watchdog.h"

static const gchar *caps_choices[] = {
  "video/x-raw, format=I420, width=64, height=48, framerate=30/1",
  "video/x-raw, format=I420, width=160, height=120, framerate=30/1",
  "video/x-raw, format=RGBA, width=96, height=64, framerate=30/1",
};

typedef struct
{
  GstElement *pipeline;
  GstElement *sp;
  GstElement *cf;
  GRand *rand;

  GMutex lock;
  GCond cond;
  guint64 next_seq;             /* stamped before sharedpool */
  guint64 expected;             /* at the sink; G_MAXUINT64 = any */
  guint64 received;
  guint64 lost;
  gchar *error;                 /* the first error on the bus */
} Run;

/* An error wakes the wait for buffers, which then fails with it. */
static GstBusSyncReply
on_bus_message (GstBus * bus, GstMessage * msg, Run * run)
{
  GError *error = NULL;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return GST_BUS_PASS;
  gst_message_parse_error (msg, &error, NULL);
  g_mutex_lock (&run->lock);
  if (run->error == NULL)
    run->error = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (msg),
        error->message);
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->lock);
  g_error_free (error);
  return GST_BUS_PASS;
}

/* Numbers each buffer entering sharedpool. */
static GstPadProbeReturn
stamp_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&run->lock);
  GST_BUFFER_OFFSET_END (buf) = run->next_seq++;
  g_mutex_unlock (&run->lock);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* Checks the numbers at the sink; a flush or a new stream may drop what
 * was in flight, so the next number is free after one. */
static GstPadProbeReturn
check_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  g_mutex_lock (&run->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    guint64 seq = GST_BUFFER_OFFSET_END (GST_PAD_PROBE_INFO_BUFFER (info));

    if (run->expected != G_MAXUINT64 && seq != run->expected)
      run->lost++;
    run->expected = seq + 1;
    run->received++;
    g_cond_broadcast (&run->cond);
  } else {
    GstEventType type = GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info));

    if (type == GST_EVENT_FLUSH_STOP || type == GST_EVENT_STREAM_START)
      run->expected = G_MAXUINT64;
    gst_bus_set_sync_handler (GST_ELEMENT_BUS (run->pipeline),
        (GstBusSyncHandler) on_bus_message, run, NULL);
  }
  g_mutex_unlock (&run->lock);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * pipeline, const gchar * name, const gchar * pad_name,
    GstPadProbeType type, GstPadProbeCallback callback, Run * run)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, type, callback, run, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

static GstElement *
by_name (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  /* the pipeline holds it as long as the run needs it */
  gst_object_unref (e);
  return e;
}

static void
run_init (Run * run, guint32 seed)
{
  /* caps-change-mode=delayed: a flush may resend the old caps after the
   * filter changed; the stock capsfilter would refuse them */
  run->pipeline = gst_parse_launch ("videotestsrc name=src ! capsfilter "
      "name=cf caps-change-mode=delayed ! sharedpool name=sp ! "
      "queue max-size-buffers=4 ! fakesink name=sink sync=false", NULL);
  fail_unless (run->pipeline != NULL);
  run->sp = by_name (run->pipeline, "sp");
  run->cf = by_name (run->pipeline, "cf");
  gst_util_set_object_arg (G_OBJECT (run->cf), "caps", caps_choices[0]);
  run->rand = g_rand_new_with_seed (seed);
  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  run->expected = G_MAXUINT64;

  add_probe (run->pipeline, "sp", "sink", GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) stamp_probe, run);
  add_probe (run->pipeline, "sink", "sink", GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      (GstPadProbeCallback) check_probe, run);
}

static void
run_clear (Run * run)
{
  set_state_ok (run->pipeline, GST_STATE_NULL);
  gst_object_unref (run->pipeline);
  g_rand_free (run->rand);
  g_free (run->error);
  g_mutex_clear (&run->lock);
  g_cond_clear (&run->cond);
}

/* Waits until the sink has seen @n more buffers (the pipeline plays). */
static void
wait_buffers (Run * run, guint n)
{
  guint64 target;

  g_mutex_lock (&run->lock);
  target = run->received + n;
  while (run->received < target && run->error == NULL)
    g_cond_wait (&run->cond, &run->lock);
  g_mutex_unlock (&run->lock);
  fail_if (run->error, "error: %s", run->error);
}

static void
settle (Run * run)
{
  fail_if (gst_element_get_state (run->pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE) == GST_STATE_CHANGE_FAILURE);
}

static void
play (Run * run)
{
  fail_if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  settle (run);
}

static void
flushing_seek (Run * run)
{
  gint64 pos = g_rand_int_range (run->rand, 0, 100) * GST_SECOND / 30;

  fail_unless (gst_element_seek_simple (run->pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, pos));
  settle (run);
}

/* To a random state and back to PLAYING; the pool's bounds, changeable
 * in READY only, are drawn again when passing there. */
static void
state_change (Run * run)
{
  static const guint max_buffers[] = { 0, 3, 8 };
  GstState state = g_rand_int_range (run->rand, GST_STATE_NULL,
      GST_STATE_PLAYING + 1);

  fail_if (gst_element_set_state (run->pipeline, state) ==
      GST_STATE_CHANGE_FAILURE);
  settle (run);
  if (state <= GST_STATE_READY)
    g_object_set (run->sp, "max-buffers",
        max_buffers[g_rand_int_range (run->rand, 0, 3)], "max-bytes",
        (guint64) (g_rand_boolean (run->rand) ? 0 : 64 << 20), NULL);
  play (run);
}

/* EOS from the source, then a flushing seek to start again. */
static void
eos (Run * run)
{
  GstMessage *msg;

  gst_element_send_event (by_name (run->pipeline, "src"), gst_event_new_eos ());
  msg = wait_for_end (run->pipeline);
  expect_eos (msg);
  flushing_seek (run);
}

static void
caps_change (Run * run)
{
  gst_util_set_object_arg (G_OBJECT (run->cf), "caps",
      caps_choices[g_rand_int_range (run->rand, 0,
              G_N_ELEMENTS (caps_choices))]);
}

static void
property_change (Run * run)
{
  static const gchar *prefer[] = { "auto", "ours", "downstream" };

  g_object_set (run->sp, "copy-foreign", g_rand_boolean (run->rand),
      "max-idle-bytes", (guint64) g_rand_int_range (run->rand, 0, 4 << 20),
      NULL);
  gst_util_set_object_arg (G_OBJECT (run->sp), "prefer",
      prefer[g_rand_int_range (run->rand, 0, 3)]);
}

/* Drops the messages of the cycle; none may be an error. */
static void
drain_bus (Run * run)
{
  GstBus *bus = GST_ELEMENT_BUS (run->pipeline);
  GstMessage *msg;

  /* expect_eos() fails with the error's text */
  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      expect_eos (msg);
    else
      gst_message_unref (msg);
  }
}

static void
one_cycle (Run * run)
{
  static void (*const actions[]) (Run *) = {
    flushing_seek, state_change, eos, caps_change, property_change,
  };
  Watchdog wd;

  watchdog_start (&wd);
  actions[g_rand_int_range (run->rand, 0, G_N_ELEMENTS (actions))] (run);
  wait_buffers (run, 2);
  drain_bus (run);
  watchdog_stop (&wd);
}

GST_START_TEST (test_random_faults)
{
  guint32 seed = fault_seed ();
  guint i, cycles = fault_cycles (200, 10);
  Run run = { 0, };

  g_print ("sharedpool fault run: seed %u (GST_SHAREDPOOL_FAULT_SEED), "
      "%u cycles\n", seed, cycles);
  run_init (&run, seed);
  play (&run);
  for (i = 0; i < cycles; i++)
    one_cycle (&run);

  g_print ("sharedpool fault run: %" G_GUINT64_FORMAT " buffers checked\n",
      run.received);
  fail_unless_equals_uint64 (run.lost, 0);
  run_clear (&run);
}

GST_END_TEST;

static Suite *
sharedpoolfaults_suite (void)
{
  Suite *s = suite_create ("sharedpool-faults");
  TCase *tc = tcase_create ("general");

  /* each cycle has its watchdog; the whole run gets more than check's
   * default */
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_random_faults);
  return s;
}

GST_CHECK_MAIN (sharedpoolfaults);
