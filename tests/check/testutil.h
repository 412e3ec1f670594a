/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the gst-check tests share: RUNNING_ON_VALGRIND (for tests that
 * scale themselves down), reading stats structures, state changes that
 * must succeed, pipelines run to EOS, memory filled with a pattern,
 * counters that other threads bump, a
 * thread pushing into a harness, callbacks that count, and the seed,
 * cycles and new streams of the randomized fault runs. */

#pragma once

#include <stdlib.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/sharedpool/sharedpool.h>

#ifdef HAVE_VALGRIND
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* Runs @code, a g_object_set() that GLib must refuse (a value outside
 * the property's range, a read-only property). GLib up to 2.7x says so
 * with a g_warning, newer ones (Debian 13 on) with a g_critical, which
 * G_DEBUG=fatal-criticals, set for every test, would turn into an abort:
 * it is lifted for this one expected message. */
#define ASSERT_SET_REFUSED(code) G_STMT_START {                           \
    GLogLevelFlags _fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);   \
    _gst_check_expecting_log = TRUE;                                     \
    _gst_check_raised_warning = FALSE;                                   \
    _gst_check_raised_critical = FALSE;                                  \
    code;                                                                \
    g_log_set_always_fatal (_fatal);                                     \
    fail_unless (_gst_check_raised_warning || _gst_check_raised_critical, \
        "GLib did not refuse " #code);                                   \
    _gst_check_expecting_log = FALSE;                                    \
  } G_STMT_END

/* stats */

/* Reads the field @field of @s, of @type, which must be there, into @v. */
static inline void
structure_get (const GstStructure * s, const gchar * field, GType type,
    gpointer v)
{
  fail_unless (gst_structure_get (s, field, type, v, NULL),
      "%s has no %s of type %s", gst_structure_get_name (s), field,
      g_type_name (type));
}

/* The guint64 field @field of @s, which must be there. */
static inline guint64
structure_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = G_MAXUINT64;

  structure_get (s, field, G_TYPE_UINT64, &v);
  return v;
}

/* The guint field @field of @s, which must be there. */
static inline guint
structure_uint (const GstStructure * s, const gchar * field)
{
  guint v = G_MAXUINT;

  structure_get (s, field, G_TYPE_UINT, &v);
  return v;
}

/* A counter of the stats of the GstSharedPool @pool. */
static inline guint64
pool_stat (GstBufferPool * pool, const gchar * field)
{
  GstStructure *s = gst_shared_pool_get_stats (GST_SHARED_POOL (pool));
  guint64 v = structure_u64 (s, field);

  gst_structure_free (s);
  return v;
}

/* The "stats" property of @object. */
static inline GstStructure *
element_stats (gpointer object)
{
  GstStructure *s = NULL;

  g_object_get (object, "stats", &s, NULL);
  fail_unless (s != NULL, "no stats");
  return s;
}

/* A counter of the "stats" property of @object. */
static inline guint64
stat_u64 (gpointer object, const gchar * field)
{
  GstStructure *s = element_stats (object);
  guint64 v = structure_u64 (s, field);

  gst_structure_free (s);
  return v;
}

static inline void
check_field (const GstStructure * s, const gchar * field, GType type)
{
  fail_unless (gst_structure_has_field_typed (s, field, type),
      "%s has no %s of type %s", gst_structure_get_name (s), field,
      g_type_name (type));
}

/* states and pipelines */

static inline void
set_state_ok (GstElement * element, GstState state)
{
  fail_unless_equals_int (gst_element_set_state (element, state),
      GST_STATE_CHANGE_SUCCESS);
}

/* Parses @description, which must parse. */
static inline GstElement *
launch (const gchar * description)
{
  GError *err = NULL;
  GstElement *e = gst_parse_launch (description, &err);

  fail_unless (e != NULL, "%s: %s", description, err ? err->message : "?");
  g_clear_error (&err);
  return e;
}

/* Waits for the EOS or ERROR message that ends @pipeline's stream. */
static inline GstMessage *
wait_for_end (GstElement * pipeline)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  fail_unless (msg != NULL, "pipeline did not finish");
  return msg;
}

/* Takes @msg, which must be EOS. */
static inline void
expect_eos (GstMessage * msg)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("error from %s: %s", GST_MESSAGE_SRC_NAME (msg), err->message);
  }
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
}

/* Plays @pipeline to its end: the EOS or ERROR message. */
static inline GstMessage *
run_to_end (GstElement * pipeline)
{
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  return wait_for_end (pipeline);
}

/* Plays @pipeline, which must reach EOS. */
static inline void
run_to_eos (GstElement * pipeline)
{
  expect_eos (run_to_end (pipeline));
}

/* The holder report of a sharedpool: a source feeds a sharedpool of 2
 * buffers that reports after 1 ms of waiting, into a queue named "stuck"
 * that keeps both (one queued, one blocked in a probe on its src pad,
 * which runs before the chain into the sink): the source's next acquire
 * waits. Every buffer was last chained into stuck:sink before that
 * acquire, so the report does not depend on timing. */
#define HOLDER_REPORT_PIPELINE "videotestsrc name=src ! video/x-raw," \
    "width=64,height=48 ! sharedpool max-buffers=2 " \
    "holder-report-timeout=1000000 ! queue name=stuck ! fakesink"

static inline GstPadProbeReturn
block_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  return GST_PAD_PROBE_OK;
}

static inline void
block_src_pad (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (e, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER, block_probe, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Plays HOLDER_REPORT_PIPELINE until its warning comes (the sink never
 * prerolls: the source runs in PAUSED); returns the warning's details,
 * the pool's GstSharedPoolHolders report. */
static inline GstStructure *
wait_holder_report (void)
{
  GstElement *pipeline = launch (HOLDER_REPORT_PIPELINE);
  const GstStructure *details = NULL;
  GstStructure *report;
  GstMessage *msg;

  block_src_pad (pipeline, "stuck");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no holder report");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_parse_warning_details (msg, &details);
  fail_unless (details != NULL);
  report = gst_structure_copy (details);
  gst_message_unref (msg);
  set_state_ok (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return report;
}

/* The @i-th buffer of a holder report. */
static inline const GstStructure *
held_buffer (const GstStructure * report, guint i)
{
  const GValue *buffers = gst_structure_get_value (report, "buffers");

  fail_unless (buffers != NULL && i < gst_value_array_get_size (buffers));
  return gst_value_get_structure (gst_value_array_get_value (buffers, i));
}

/* memory filled with a pattern */

/* Byte @k of the pattern @seed: neighbouring bytes and patterns of
 * neighbouring seeds differ. */
static inline guint8
pattern_byte (guint8 seed, gsize k)
{
  return (guint8) (seed + k * 7);
}

/* Fills @mem with the pattern @seed. */
static inline void
fill_pattern (GstMemory * mem, guint8 seed)
{
  GstMapInfo map;
  gsize k;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  for (k = 0; k < map.size; k++)
    map.data[k] = pattern_byte (seed, k);
  gst_memory_unmap (mem, &map);
}

/* TRUE when @mem holds the bytes fill_pattern (@seed) wrote, starting at
 * byte @from of the pattern. */
static inline gboolean
has_pattern (GstMemory * mem, guint8 seed, gsize from)
{
  GstMapInfo map;
  gboolean ok = TRUE;
  gsize k;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  for (k = 0; k < map.size && ok; k++)
    ok = map.data[k] == pattern_byte (seed, from + k);
  gst_memory_unmap (mem, &map);
  return ok;
}

/* counters that other threads bump */

/* Waits until *@counter, which other threads change under @lock and
 * signal on @cond, reaches @n. */
static inline void
wait_for_count (GMutex * lock, GCond * cond, const guint * counter, guint n)
{
  g_mutex_lock (lock);
  while (*counter < n)
    g_cond_wait (cond, lock);
  g_mutex_unlock (lock);
}

/* *@counter, read under @lock. */
static inline guint
read_count (GMutex * lock, const guint * counter)
{
  guint n;

  g_mutex_lock (lock);
  n = *counter;
  g_mutex_unlock (lock);
  return n;
}

/* pushing buffers */

typedef GstBuffer *(*MakeBufferFunc) (guint i);

/* Pushes buffers @from .. @from + @n - 1, made by @make; each must be
 * taken. */
static inline void
push_all (GstHarness * h, MakeBufferFunc make, guint from, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make (from + i)), GST_FLOW_OK);
}

/* Pushes buffers @first .. @first + @n - 1, made by @make, into a harness
 * from a thread of its own, until one is refused. */
typedef struct
{
  GstHarness *h;
  MakeBufferFunc make;
  guint first;
  guint n;
  GstFlowReturn ret;
  GThread *thread;
} Pusher;

static inline gpointer
pusher_func (gpointer data)
{
  Pusher *p = data;
  guint i;

  for (i = 0; i < p->n && p->ret == GST_FLOW_OK; i++)
    p->ret = gst_harness_push (p->h, p->make (p->first + i));
  return NULL;
}

static inline void
pusher_start (Pusher * p, GstHarness * h, MakeBufferFunc make, guint first,
    guint n)
{
  p->h = h;
  p->make = make;
  p->first = first;
  p->n = n;
  p->ret = GST_FLOW_OK;
  p->thread = g_thread_new ("pusher", pusher_func, p);
}

/* The flow of the last push. */
static inline GstFlowReturn
pusher_join (Pusher * p)
{
  g_thread_join (p->thread);
  return p->ret;
}

/* callbacks */

/* A weak ref notify that counts finalized objects in a gint. */
static inline void
count_finalized (gpointer counter, GObject * where_the_object_was)
{
  (*(gint *) counter)++;
}

/* A limit-reached handler that keeps the size and the limit in @seen. */
static inline void
on_limit_reached (GObject * object, guint64 size, guint64 limit, guint64 * seen)
{
  seen[0] = size;
  seen[1] = limit;
}

/* randomized fault runs (./dev.sh stress) */

/* The seed of a fault run: GST_SHAREDPOOL_FAULT_SEED replays a printed one. */
static inline guint32
fault_seed (void)
{
  const gchar *env = g_getenv ("GST_SHAREDPOOL_FAULT_SEED");

  return env ? (guint32) strtoul (env, NULL, 0) : g_random_int ();
}

/* GST_SHAREDPOOL_FAULT_CYCLES, else @normal, or @valgrind under memcheck. */
static inline guint
fault_cycles (guint normal, guint valgrind)
{
  const gchar *env = g_getenv ("GST_SHAREDPOOL_FAULT_CYCLES");

  if (env)
    return MAX (1, atoi (env));
  return RUNNING_ON_VALGRIND ? valgrind : normal;
}

/* A new stream into @h after a fault: a flush, or EOS and a new stream
 * start; then a TIME segment. Faulty branches may refuse any of them. */
static inline void
fault_new_stream (GstHarness * h, gboolean flush)
{
  GstSegment segment;

  if (flush) {
    gst_harness_push_event (h, gst_event_new_flush_start ());
    gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  } else {
    gst_harness_push_event (h, gst_event_new_eos ());
    gst_harness_push_event (h, gst_event_new_stream_start ("fault"));
  }
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
}

static inline gpointer
flush_stop_func (gpointer data)
{
  gst_harness_push_event (data, gst_event_new_flush_stop (TRUE));
  return NULL;
}

/* queue's test_state_change_when_flushing, for any element in @h: a
 * state change to READY while a FLUSH_STOP comes from another thread,
 * after a FLUSH_START, neither hangs nor fails. */
static inline void
check_state_change_when_flushing (GstHarness * h)
{
  GThread *t;

  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  t = g_thread_new ("flush-stop", flush_stop_func, h);
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_thread_join (t);
}
