/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of GstWatermarkFifo, the queue core of watermarkqueue and
 * fanout, driven directly from a writer thread and the test thread as the
 * reader: hysteresis in buffers, bytes and time, levels of buffer lists,
 * the drop policies, serialized queries, flushing, EOS, flows, live
 * changes of watermarks and policy, and a stress run. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "gstwatermarkfifo.h"
#include "../testutil.h"
#include "../watchdog.h"
#include "watermarktest.h"

/* What the fifo reported through its callback. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint paused;
  guint resumed;
  guint dropped;
  guint room;
  guint answered;
  GstWatermarkLevel pause_level;        /* at the last PAUSED */
  GThread *resumed_from;        /* thread of the last RESUMED */
} Events;

static Events events;

static void
on_fifo (GstWatermarkFifo * fifo, GstWatermarkFifoEvent what,
    GstMiniObject * dropped, const GstWatermarkLevel * level,
    gpointer user_data)
{
  Events *ev = user_data;

  g_mutex_lock (&ev->lock);
  switch (what) {
    case GST_WATERMARK_FIFO_PAUSED:
      fail_unless (ev->paused == ev->resumed, "PAUSED before RESUMED");
      ev->paused++;
      ev->pause_level = *level;
      break;
    case GST_WATERMARK_FIFO_RESUMED:
      fail_unless (ev->resumed < ev->paused, "RESUMED before its PAUSED");
      ev->resumed++;
      ev->resumed_from = g_thread_self ();
      break;
    case GST_WATERMARK_FIFO_DROPPED:
      fail_unless (GST_IS_BUFFER (dropped) || GST_IS_BUFFER_LIST (dropped));
      ev->dropped++;
      break;
    case GST_WATERMARK_FIFO_ROOM:
      ev->room++;
      break;
    case GST_WATERMARK_FIFO_FLOW:
      break;
    case GST_WATERMARK_FIFO_ANSWERED:
      /* the TRUE answers */
      ev->answered += dropped != NULL && GST_IS_QUERY (dropped);
      break;
  }
  g_cond_broadcast (&ev->cond);
  g_mutex_unlock (&ev->lock);
}

/* Waits until the callback has counted @n of @counter (a field of
 * events). */
static void
wait_for (guint * counter, guint n)
{
  wait_for_count (&events.lock, &events.cond, counter, n);
}

static guint
n_resumed (void)
{
  return read_count (&events.lock, &events.resumed);
}

static GstWatermarkFifo *
new_fifo (guint pause_buffers, guint resume_buffers)
{
  GstWatermarks wm = { pause_buffers, resume_buffers, 0, 0, 0, 0 };
  GstWatermarkFifo *fifo;

  g_mutex_lock (&events.lock);
  events.paused = events.resumed = events.dropped = events.answered = 0;
  memset (&events.pause_level, 0, sizeof (events.pause_level));
  events.resumed_from = NULL;
  g_mutex_unlock (&events.lock);
  fifo = gst_watermark_fifo_new (NULL, on_fifo, &events);
  gst_watermark_fifo_set_watermarks (fifo, &wm);
  return fifo;
}

static guint64
stat (GstWatermarkFifo * fifo, const gchar * field)
{
  GstStructure *s = gst_structure_new_empty ("stats");
  guint64 v;

  gst_watermark_fifo_fill_stats (fifo, s);
  v = structure_u64 (s, field);
  gst_structure_free (s);
  return v;
}

static guint
level_buffers (GstWatermarkFifo * fifo)
{
  GstWatermarkLevel level;

  gst_watermark_fifo_get_level (fifo, &level);
  return level.buffers;
}

static GstFlowReturn
push_buffer (GstWatermarkFifo * fifo, guint i)
{
  return gst_watermark_fifo_push (fifo,
      GST_MINI_OBJECT_CAST (make_buffer (i, 0, GST_CLOCK_TIME_NONE)));
}

static GstEvent *
time_segment (void)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  return gst_event_new_segment (&segment);
}

/* A writer thread: a TIME segment, then @n buffers. */
typedef struct
{
  GstWatermarkFifo *fifo;
  guint n;
  gsize size;
  GstClockTime duration;
  GstFlowReturn ret;
  GThread *thread;
} Writer;

static gpointer
writer_func (gpointer data)
{
  Writer *w = data;
  guint i;

  w->ret = gst_watermark_fifo_push (w->fifo,
      GST_MINI_OBJECT_CAST (time_segment ()));
  for (i = 0; i < w->n && w->ret == GST_FLOW_OK; i++)
    w->ret = gst_watermark_fifo_push (w->fifo,
        GST_MINI_OBJECT_CAST (make_buffer (i, w->size, w->duration)));
  return NULL;
}

static void
writer_start (Writer * w, GstWatermarkFifo * fifo, guint n, gsize size,
    GstClockTime duration)
{
  w->fifo = fifo;
  w->n = n;
  w->size = size;
  w->duration = duration;
  w->ret = GST_FLOW_OK;
  w->thread = g_thread_new ("writer", writer_func, w);
}

static GstFlowReturn
writer_join (Writer * w)
{
  g_thread_join (w->thread);
  return w->ret;
}

/* Starts a writer of @n empty untimed buffers and waits until the fifo
 * has paused it. */
static void
writer_start_paused (Writer * w, GstWatermarkFifo * fifo, guint n)
{
  writer_start (w, fifo, n, 0, GST_CLOCK_TIME_NONE);
  wait_for (&events.paused, 1);
}

static GstMiniObject *
pop (GstWatermarkFifo * fifo)
{
  GstMiniObject *item = NULL;

  fail_unless_equals_int (gst_watermark_fifo_pop (fifo, &item), GST_FLOW_OK);
  fail_unless (item != NULL);
  return item;
}

/* Pops an item, which must be of @type (a buffer, an event). */
static GstMiniObject *
pop_a (GstWatermarkFifo * fifo, GType type)
{
  GstMiniObject *item = pop (fifo);

  fail_unless (GST_MINI_OBJECT_TYPE (item) == type, "a %s, not a %s",
      g_type_name (GST_MINI_OBJECT_TYPE (item)), g_type_name (type));
  return item;
}

/* Pops a buffer and checks that it is number @i. */
static void
pop_buffer (GstWatermarkFifo * fifo, guint i)
{
  GstMiniObject *item = pop_a (fifo, GST_TYPE_BUFFER);

  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (item), i);
  gst_mini_object_unref (item);
}

static void
pop_event (GstWatermarkFifo * fifo, GstEventType type)
{
  GstMiniObject *item = pop_a (fifo, GST_TYPE_EVENT);

  fail_unless_equals_int (GST_EVENT_TYPE (item), type);
  gst_mini_object_unref (item);
}

/* The writer of @n buffers pauses with @at_pause buffers queued, stays
 * paused while the reader takes @to_resume - 1 of them (the level is then
 * between the watermarks), resumes on the next pop, and pauses again with
 * the level back at @at_pause. */
static void
check_hysteresis (GstWatermarkFifo * fifo, guint n, gsize size,
    GstClockTime duration, guint at_pause, guint to_resume)
{
  Writer w;
  guint i;

  writer_start (&w, fifo, n, size, duration);
  wait_for (&events.paused, 1);
  fail_unless_equals_int (events.pause_level.buffers, at_pause);
  fail_unless_equals_int (stat (fifo, "pushed"), at_pause);
  pop_event (fifo, GST_EVENT_SEGMENT);
  for (i = 0; i < to_resume - 1; i++) {
    pop_buffer (fifo, i);
    /* between the watermarks: still paused, nothing more queued */
    fail_unless_equals_int (n_resumed (), 0);
    fail_unless_equals_int (stat (fifo, "pushed"), at_pause);
  }
  pop_buffer (fifo, i);
  /* reported by this pop, or by the writer if this pop came before the
   * writer had finished reporting PAUSED */
  wait_for (&events.resumed, 1);
  wait_for (&events.paused, 2);
  fail_unless_equals_int (level_buffers (fifo), at_pause);
  for (i = to_resume; i < n; i++)
    pop_buffer (fifo, i);
  fail_unless_equals_int (writer_join (&w), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat (fifo, "pauses"), stat (fifo, "resumes"));
  fail_unless_equals_uint64 (stat (fifo, "popped"), n);
  gst_watermark_fifo_free (fifo);
}

/* Invalid watermark sets are named; disabled dimensions ignore resume. */
GST_START_TEST (test_validate)
{
  GstWatermarks ok = { 200, 100, 0, 7, 0, 0 };
  GstWatermarks bad_buffers = { 100, 100, 0, 0, 0, 0 };
  GstWatermarks bad_bytes = { 0, 0, 10, 11, 0, 0 };
  GstWatermarks bad_time = { 0, 0, 0, 0, GST_SECOND, GST_SECOND };
  GstWatermarks unbounded = { 0, 5, 0, 0, 0, 0 };

  fail_unless (gst_watermarks_validate (&ok) == NULL);
  fail_unless (strstr (gst_watermarks_validate (&bad_buffers),
          "resume-buffers"));
  fail_unless (strstr (gst_watermarks_validate (&bad_bytes), "resume-bytes"));
  fail_unless (strstr (gst_watermarks_validate (&bad_time), "resume-time"));
  fail_unless (strstr (gst_watermarks_validate (&unbounded),
          "cannot all be 0"));
}

GST_END_TEST;

/* Buffers: pause at 4, resume at 2. */
GST_START_TEST (test_hysteresis_buffers)
{
  check_hysteresis (new_fifo (4, 2), 12, 0, GST_CLOCK_TIME_NONE, 4, 2);
}

GST_END_TEST;

/* Bytes: 300-byte buffers, pause at 1000 (reached with the 4th: 1200),
 * resume at 400 (three pops later: 300). */
GST_START_TEST (test_hysteresis_bytes)
{
  GstWatermarks wm = { 0, 0, 1000, 400, 0, 0 };
  GstWatermarkFifo *fifo = new_fifo (2, 1);

  gst_watermark_fifo_set_watermarks (fifo, &wm);
  check_hysteresis (fifo, 12, 300, GST_CLOCK_TIME_NONE, 4, 3);
}

GST_END_TEST;

/* Time: 100 ms buffers, pause at 500 ms (5 buffers), resume at 200 ms
 * (after 3 pops the oldest data left starts at 300 ms of 500). */
GST_START_TEST (test_hysteresis_time)
{
  GstWatermarks wm = { 0, 0, 0, 0, 500 * MS, 200 * MS };
  GstWatermarkFifo *fifo = new_fifo (2, 1);

  gst_watermark_fifo_set_watermarks (fifo, &wm);
  check_hysteresis (fifo, 12, 0, 100 * MS, 5, 3);
  fail_unless_equals_uint64 (events.pause_level.time, 500 * MS);
}

GST_END_TEST;

/* A buffer list counts its buffers, their bytes and their time span; a
 * segment gives running time, and an empty fifo has no time level. */
GST_START_TEST (test_buffer_list_level)
{
  GstWatermarkFifo *fifo = new_fifo (200, 100);
  GstBufferList *list = gst_buffer_list_new ();
  GstWatermarkLevel level;
  GstSegment segment;
  guint i;

  for (i = 0; i < 3; i++)
    gst_buffer_list_add (list, make_buffer (i + 10, 100, 10 * MS));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = segment.time = 100 * MS;
  gst_watermark_fifo_push (fifo,
      GST_MINI_OBJECT_CAST (gst_event_new_segment (&segment)));
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (list)), GST_FLOW_OK);
  gst_watermark_fifo_get_level (fifo, &level);
  fail_unless_equals_int (level.buffers, 3);
  fail_unless_equals_uint64 (level.bytes, 300);
  fail_unless_equals_uint64 (level.time, 30 * MS);
  pop_event (fifo, GST_EVENT_SEGMENT);
  gst_mini_object_unref (pop (fifo));
  gst_watermark_fifo_get_level (fifo, &level);
  fail_unless_equals_int (level.buffers + level.bytes + level.time, 0);
  fail_unless_equals_uint64 (stat (fifo, "popped"), 3);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* DROP_NEWEST: at the pause watermark new buffers are dropped, counted
 * and reported; the writer never blocks; the first ones stay. */
GST_START_TEST (test_drop_newest)
{
  GstWatermarkFifo *fifo = new_fifo (3, 1);
  guint i;

  gst_watermark_fifo_set_policy (fifo, GST_WATERMARK_FIFO_DROP_NEWEST);
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (push_buffer (fifo, i), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat (fifo, "dropped"), 2);
  fail_unless_equals_uint64 (stat (fifo, "pushed"), 5);
  fail_unless_equals_int (events.dropped, 2);
  fail_unless_equals_int (events.paused, 0);
  for (i = 0; i < 3; i++)
    pop_buffer (fifo, i);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* DROP_OLDEST: the oldest buffers go, the events before them stay. */
GST_START_TEST (test_drop_oldest)
{
  GstWatermarkFifo *fifo = new_fifo (3, 1);
  guint i;

  gst_watermark_fifo_set_policy (fifo, GST_WATERMARK_FIFO_DROP_OLDEST);
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (time_segment ()));
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (push_buffer (fifo, i), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat (fifo, "dropped"), 2);
  fail_unless_equals_int (events.dropped, 2);
  pop_event (fifo, GST_EVENT_SEGMENT);
  for (i = 2; i < 5; i++)
    pop_buffer (fifo, i);
  fail_unless_equals_uint64 (stat (fifo, "pushed"),
      stat (fifo, "popped") + stat (fifo, "dropped"));
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

typedef struct
{
  GstWatermarkFifo *fifo;
  GstQuery *query;
  gboolean res;
} QueryWriter;

static gpointer
query_writer_func (gpointer data)
{
  QueryWriter *qw = data;

  qw->res = gst_watermark_fifo_push_query (qw->fifo, qw->query);
  return NULL;
}

static GThread *
query_writer_start (QueryWriter * qw, GstWatermarkFifo * fifo)
{
  qw->fifo = fifo;
  qw->query = gst_query_new_drain ();
  qw->res = FALSE;
  return g_thread_new ("query", query_writer_func, qw);
}

/* A query comes out after the buffer before it, and its writer returns
 * the reader's answer: TRUE can only come from query_done(). */
GST_START_TEST (test_query_in_order)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  GstMiniObject *item;
  QueryWriter qw;
  GThread *t;

  push_buffer (fifo, 0);
  t = query_writer_start (&qw, fifo);
  pop_buffer (fifo, 0);
  item = pop (fifo);
  fail_unless (item == GST_MINI_OBJECT_CAST (qw.query));
  gst_watermark_fifo_query_done (fifo, qw.query, TRUE);
  g_thread_join (t);
  fail_unless (qw.res);
  gst_query_unref (qw.query);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* A flush while the reader holds the query: the writer waits for the
 * reader to let go of it (it may still write into it), then returns
 * FALSE, the answer being overtaken by the flush. */
GST_START_TEST (test_query_flushed)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  QueryWriter qw;
  GThread *t;

  t = query_writer_start (&qw, fifo);
  fail_unless (pop (fifo) == GST_MINI_OBJECT_CAST (qw.query));
  gst_watermark_fifo_set_flushing (fifo, TRUE);
  gst_watermark_fifo_query_done (fifo, qw.query, TRUE);
  g_thread_join (t);
  fail_if (qw.res);
  gst_query_unref (qw.query);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* A query queued behind data when a flush comes is taken out again and
 * its writer returns FALSE at once (or it is refused when the flush came
 * first); either way the reader never sees it. */
GST_START_TEST (test_query_queued_flushed)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  QueryWriter qw;
  GThread *t;

  push_buffer (fifo, 0);
  t = query_writer_start (&qw, fifo);
  gst_watermark_fifo_set_flushing (fifo, TRUE);
  g_thread_join (t);
  fail_if (qw.res);
  gst_watermark_fifo_set_flushing (fifo, FALSE);
  push_buffer (fifo, 1);
  /* not the query */
  pop_buffer (fifo, 1);
  gst_query_unref (qw.query);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* A posted query: the writer goes on at once, the reader answers it in
 * order with the data and the answer is reported; a posted query that
 * is flushed out is dropped (no leak) unreported, and one posted while
 * the flow is not OK is refused. */
GST_START_TEST (test_post_query)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  GstMiniObject *item;

  push_buffer (fifo, 0);
  fail_unless (gst_watermark_fifo_post_query (fifo, gst_query_new_drain ()));
  pop_buffer (fifo, 0);
  item = pop_a (fifo, GST_TYPE_QUERY);
  gst_watermark_fifo_query_done (fifo, GST_QUERY_CAST (item), TRUE);
  fail_unless_equals_int (read_count (&events.lock, &events.answered), 1);

  fail_unless (gst_watermark_fifo_post_query (fifo, gst_query_new_drain ()));
  item = pop_a (fifo, GST_TYPE_QUERY);
  gst_watermark_fifo_query_done (fifo, GST_QUERY_CAST (item), FALSE);
  fail_unless (gst_watermark_fifo_post_query (fifo, gst_query_new_drain ()));
  gst_watermark_fifo_set_flushing (fifo, TRUE);
  fail_if (gst_watermark_fifo_post_query (fifo, gst_query_new_drain ()));
  fail_unless_equals_int (read_count (&events.lock, &events.answered), 1);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* A flush releases a paused writer at once with FLUSHING, empties the
 * fifo and counts as its resume. */
GST_START_TEST (test_flush_releases_writer)
{
  GstWatermarkFifo *fifo = new_fifo (2, 1);
  GstMiniObject *item = NULL;
  Writer w;

  writer_start_paused (&w, fifo, 10);
  gst_watermark_fifo_set_flushing (fifo, TRUE);
  fail_unless_equals_int (writer_join (&w), GST_FLOW_FLUSHING);
  fail_unless_equals_int (n_resumed (), 1);
  fail_unless_equals_int (level_buffers (fifo), 0);
  fail_unless_equals_int (gst_watermark_fifo_pop (fifo, &item),
      GST_FLOW_FLUSHING);
  fail_unless (item == NULL);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

static gpointer
reader_func (gpointer data)
{
  GstMiniObject *item = NULL;
  GstFlowReturn ret = gst_watermark_fifo_pop (data, &item);

  if (item)
    gst_mini_object_unref (item);
  return GINT_TO_POINTER (ret);
}

/* A reader waiting on an empty fifo returns FLUSHING on a flush. */
GST_START_TEST (test_flush_releases_reader)
{
  GstWatermarkFifo *fifo = new_fifo (2, 1);
  GThread *t = g_thread_new ("reader", reader_func, fifo);

  gst_watermark_fifo_set_flushing (fifo, TRUE);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (t)),
      GST_FLOW_FLUSHING);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* After EOS, data and events other than STREAM_START and SEGMENT get EOS;
 * STREAM_START starts a new stream; the EOS is delivered after the data. */
GST_START_TEST (test_eos)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  GstCaps *caps = gst_caps_new_empty_simple ("x/y");

  push_buffer (fifo, 0);
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (gst_event_new_eos ())), GST_FLOW_OK);
  fail_unless_equals_int (push_buffer (fifo, 1), GST_FLOW_EOS);
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (gst_event_new_caps (caps))), GST_FLOW_EOS);
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (gst_event_new_stream_start ("s"))),
      GST_FLOW_OK);
  fail_unless_equals_int (push_buffer (fifo, 2), GST_FLOW_OK);
  pop_buffer (fifo, 0);
  pop_event (fifo, GST_EVENT_EOS);
  pop_event (fifo, GST_EVENT_STREAM_START);
  pop_buffer (fifo, 2);
  gst_caps_unref (caps);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* A flow set by the reader goes to the writer; sticky events are still
 * queued, others refused; the reader waits until the flow is OK again. */
GST_START_TEST (test_set_flow)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  GstEvent *custom;
  GThread *t;

  fail_if (gst_watermark_fifo_set_flow (fifo, GST_FLOW_NOT_LINKED));
  fail_unless_equals_int (push_buffer (fifo, 0), GST_FLOW_NOT_LINKED);
  custom = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new_empty ("test"));
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (custom)), GST_FLOW_NOT_LINKED);
  fail_unless_equals_int (gst_watermark_fifo_push (fifo,
          GST_MINI_OBJECT_CAST (time_segment ())), GST_FLOW_NOT_LINKED);
  t = g_thread_new ("reader", reader_func, fifo);
  gst_watermark_fifo_set_flow (fifo, GST_FLOW_OK);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (t)), GST_FLOW_OK);
  fail_unless_equals_int (gst_watermark_fifo_get_flow (fifo), GST_FLOW_OK);

  /* with the EOS in, set_flow tells the reader nobody upstream will
   * report a fatal flow */
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
  fail_unless (gst_watermark_fifo_set_flow (fifo, GST_FLOW_ERROR));
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

static GstEvent *
tag_event (const gchar * title)
{
  return gst_event_new_tag (gst_tag_list_new (GST_TAG_TITLE, title, NULL));
}

/* A parked fifo (NOT_LINKED) keeps one sticky event of each kind, the
 * newest, as a pad does: a stream of tags cannot grow it. */
GST_START_TEST (test_parked_sticky_events_merge)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);
  GstMiniObject *item;
  const gchar *title = NULL;
  GstTagList *tags;
  guint i;

  gst_watermark_fifo_set_flow (fifo, GST_FLOW_NOT_LINKED);
  for (i = 0; i < 1000; i++)
    gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (tag_event (i < 999 ?
                "old" : "newest")));
  gst_watermark_fifo_set_flow (fifo, GST_FLOW_OK);

  /* one tag event is queued: the newest */
  fail_unless_equals_int (gst_watermark_fifo_pop (fifo, &item), GST_FLOW_OK);
  gst_event_parse_tag (GST_EVENT_CAST (item), &tags);
  gst_tag_list_peek_string_index (tags, GST_TAG_TITLE, 0, &title);
  fail_unless_equals_string (title, "newest");
  gst_mini_object_unref (item);
  /* and nothing else: the next item out is the one pushed now */
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
  fail_unless_equals_int (gst_watermark_fifo_pop (fifo, &item), GST_FLOW_OK);
  fail_unless_equals_int (GST_EVENT_TYPE (item), GST_EVENT_EOS);
  gst_mini_object_unref (item);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

static const gchar *
pop_title (GstWatermarkFifo * fifo)
{
  static gchar title[16];
  const gchar *t = "(buffer)";
  GstMiniObject *item;
  GstTagList *tags;

  fail_unless_equals_int (gst_watermark_fifo_pop (fifo, &item), GST_FLOW_OK);
  if (GST_IS_EVENT (item)) {
    gst_event_parse_tag (GST_EVENT_CAST (item), &tags);
    gst_tag_list_peek_string_index (tags, GST_TAG_TITLE, 0, &t);
  }
  g_strlcpy (title, t, sizeof (title));
  gst_mini_object_unref (item);
  return title;
}

/* A sticky event queued before data still applies to that data: a parked
 * fifo merges only the events queued after the last data. */
GST_START_TEST (test_parked_merge_keeps_order)
{
  GstWatermarkFifo *fifo = new_fifo (4, 2);

  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (tag_event ("a")));
  push_buffer (fifo, 0);
  gst_watermark_fifo_set_flow (fifo, GST_FLOW_NOT_LINKED);
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (tag_event ("b")));
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (tag_event ("c")));
  gst_watermark_fifo_set_flow (fifo, GST_FLOW_OK);

  fail_unless_equals_string (pop_title (fifo), "a");
  fail_unless_equals_string (pop_title (fifo), "(buffer)");
  fail_unless_equals_string (pop_title (fifo), "c");
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* Raising the watermarks releases a paused writer; it reports RESUMED
 * from its own thread, and fills up to the new pause watermark. */
GST_START_TEST (test_watermarks_change_resumes)
{
  GstWatermarks wm = { 6, 3, 0, 0, 0, 0 };
  GstWatermarkFifo *fifo = new_fifo (2, 1);
  Writer w;

  writer_start_paused (&w, fifo, 5);
  gst_watermark_fifo_set_watermarks (fifo, &wm);
  fail_unless_equals_int (writer_join (&w), GST_FLOW_OK);
  fail_unless_equals_int (n_resumed (), 1);
  fail_unless (events.resumed_from == w.thread);
  fail_unless_equals_int (level_buffers (fifo), 5);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* Switching a paused writer's fifo to DROP_NEWEST releases it and drops
 * what no longer fits. */
GST_START_TEST (test_policy_change_resumes)
{
  GstWatermarkFifo *fifo = new_fifo (2, 1);
  Writer w;

  writer_start_paused (&w, fifo, 5);
  gst_watermark_fifo_set_policy (fifo, GST_WATERMARK_FIFO_DROP_NEWEST);
  fail_unless_equals_int (writer_join (&w), GST_FLOW_OK);
  fail_unless_equals_int (n_resumed (), 1);
  fail_unless_equals_uint64 (stat (fifo, "dropped"), 3);
  fail_unless_equals_int (level_buffers (fifo), 2);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

/* Stress: a writer of buffers and queries, a reader answering them, and
 * the test thread changing watermarks and policy all the time. Nothing is
 * lost (pushed = popped + dropped), pauses and resumes pair up, and the
 * run finishes: a watchdog aborts it on a deadlock or a lost wakeup. */
static guint
stress_buffers (void)
{
  return RUNNING_ON_VALGRIND ? 2000 : 100000;
}

static gpointer
stress_writer (gpointer data)
{
  GstWatermarkFifo *fifo = data;
  guint i;

  for (i = 0; i < stress_buffers (); i++) {
    if (i % 97 == 0) {
      GstQuery *query = gst_query_new_drain ();

      fail_unless (gst_watermark_fifo_push_query (fifo, query));
      gst_query_unref (query);
    }
    fail_unless_equals_int (push_buffer (fifo, i), GST_FLOW_OK);
  }
  gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
  return NULL;
}

static gpointer
stress_reader (gpointer data)
{
  GstWatermarkFifo *fifo = data;
  GstMiniObject *item;
  guint64 last = 0;

  for (;;) {
    item = pop (fifo);
    if (GST_IS_QUERY (item)) {
      gst_watermark_fifo_query_done (fifo, GST_QUERY_CAST (item), TRUE);
      continue;
    }
    if (GST_IS_EVENT (item)) {
      gst_mini_object_unref (item);
      return NULL;
    }
    /* in order, whatever was dropped */
    fail_unless (GST_BUFFER_OFFSET (item) >= last);
    last = GST_BUFFER_OFFSET (item);
    gst_mini_object_unref (item);
  }
}

static void
stress_change (GstWatermarkFifo * fifo, GRand * rand)
{
  GstWatermarks wm = { 0, 0, 0, 0, 0, 0 };

  wm.pause_buffers = g_rand_int_range (rand, 1, 64);
  wm.resume_buffers = g_rand_int_range (rand, 0, wm.pause_buffers);
  gst_watermark_fifo_set_watermarks (fifo, &wm);
  gst_watermark_fifo_set_policy (fifo, g_rand_int_range (rand, 0, 8) == 0 ?
      g_rand_int_range (rand, 0, 3) : GST_WATERMARK_FIFO_BLOCK);
}

GST_START_TEST (test_stress)
{
  GstWatermarkFifo *fifo = new_fifo (8, 2);
  GRand *rand = g_rand_new_with_seed (4);
  GThread *writer, *reader;
  Watchdog wd;
  guint i;

  watchdog_start (&wd);
  writer = g_thread_new ("writer", stress_writer, fifo);
  reader = g_thread_new ("reader", stress_reader, fifo);
  for (i = 0; i < stress_buffers () / 100; i++)
    stress_change (fifo, rand);
  g_thread_join (writer);
  g_thread_join (reader);
  watchdog_stop (&wd);

  fail_unless_equals_uint64 (stat (fifo, "pushed"), stress_buffers ());
  fail_unless_equals_uint64 (stat (fifo, "popped") + stat (fifo, "dropped"),
      stress_buffers ());
  fail_unless_equals_uint64 (stat (fifo, "pauses"), stat (fifo, "resumes"));
  g_rand_free (rand);
  gst_watermark_fifo_free (fifo);
}

GST_END_TEST;

static Suite *
watermarkfifo_suite (void)
{
  Suite *s = suite_create ("watermarkfifo");
  TCase *tc = tcase_create ("general");

  g_mutex_init (&events.lock);
  g_cond_init (&events.cond);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_validate);
  tcase_add_test (tc, test_hysteresis_buffers);
  tcase_add_test (tc, test_hysteresis_bytes);
  tcase_add_test (tc, test_hysteresis_time);
  tcase_add_test (tc, test_buffer_list_level);
  tcase_add_test (tc, test_drop_newest);
  tcase_add_test (tc, test_drop_oldest);
  tcase_add_test (tc, test_query_in_order);
  tcase_add_test (tc, test_query_flushed);
  tcase_add_test (tc, test_query_queued_flushed);
  tcase_add_test (tc, test_post_query);
  tcase_add_test (tc, test_flush_releases_writer);
  tcase_add_test (tc, test_flush_releases_reader);
  tcase_add_test (tc, test_eos);
  tcase_add_test (tc, test_set_flow);
  tcase_add_test (tc, test_parked_sticky_events_merge);
  tcase_add_test (tc, test_parked_merge_keeps_order);
  tcase_add_test (tc, test_watermarks_change_resumes);
  tcase_add_test (tc, test_policy_change_resumes);
  tcase_add_test (tc, test_stress);
  return s;
}

GST_CHECK_MAIN (watermarkfifo);
