/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-watermarkqueue
 * @title: watermarkqueue
 *
 * A queue with hysteresis: like `queue` it decouples its upstream and
 * downstream threads, but a writer that fills it blocks when any enabled
 * level (buffers, bytes, running time) reaches its pause watermark and is
 * woken only when every enabled level has fallen to its resume watermark.
 * A full `queue` wakes its writer on every buffer its reader takes; this
 * one wakes it once per (pause - resume) buffers, which saves context
 * switches and CPU when a fast producer feeds a slower consumer.
 *
 * A pause watermark of 0 disables its dimension; a resume watermark must
 * be below its pause watermark (a resume-* value that breaks this is
 * rejected with a warning and the old value kept; a pause-* value lowered
 * to its resume-* takes resume-* down to half of it).
 * `leaky` drops buffers at the pause watermark instead of blocking. The
 * `paused` and `resumed` signals (and element messages with
 * `post-messages=true`) tell when the writer blocks and runs again; `stats`
 * counts pushes, pops, drops, pauses and resumes.
 *
 * Serialized events and queries stay in order with the buffers; flushes,
 * state changes and EOS unblock both sides at once; an EOS is delivered
 * after the buffers before it.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! watermarkqueue \
 *     pause-bytes=0 pause-time=0 resume-buffers=5 pause-buffers=20 ! \
 *     fakesink sync=true
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwatermarkfifo.h"
#include "gstwatermarkqueue.h"

struct _GstWatermarkQueue
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;
  GstWatermarkFifo *fifo;       /* holds the watermarks, the policy (leaky),
                                 * levels, counters */

  gint post_messages;           /* g_atomic_int_*: read at every drop */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GST_DEBUG_CATEGORY_STATIC (gst_watermark_queue_debug);
#define GST_CAT_DEFAULT gst_watermark_queue_debug

#define DEFAULT_LEAKY           GST_WATERMARK_FIFO_BLOCK
#define DEFAULT_POST_MESSAGES   FALSE

/* then the six watermark properties of gst_watermark_fifo_install_properties */
enum
{
  PROP_0,
  PROP_LEAKY,
  PROP_POST_MESSAGES,
  PROP_CURRENT_LEVEL_BUFFERS,
  PROP_CURRENT_LEVEL_BYTES,
  PROP_CURRENT_LEVEL_TIME,
  PROP_STATS,
  N_PROPS
};

enum
{
  SIGNAL_PAUSED,
  SIGNAL_RESUMED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define gst_watermark_queue_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstWatermarkQueue, gst_watermark_queue,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (gst_watermark_queue_debug,
        "watermarkqueue", 0, "watermarkqueue element"));
GST_ELEMENT_REGISTER_DEFINE (watermarkqueue, "watermarkqueue", GST_RANK_NONE,
    GST_TYPE_WATERMARK_QUEUE);

static void
notify_levels (GstWatermarkQueue * self)
{
  g_object_notify_by_pspec (G_OBJECT (self),
      properties[PROP_CURRENT_LEVEL_BUFFERS]);
  g_object_notify_by_pspec (G_OBJECT (self),
      properties[PROP_CURRENT_LEVEL_BYTES]);
  g_object_notify_by_pspec (G_OBJECT (self),
      properties[PROP_CURRENT_LEVEL_TIME]);
}

static void
post_fifo_message (GstWatermarkQueue * self, GstWatermarkFifoEvent what,
    GstMiniObject * dropped, const GstWatermarkLevel * level)
{
  static const gchar *names[] = { "watermarkqueue-paused",
    "watermarkqueue-resumed", "watermarkqueue-dropped"
  };
  GstStructure *s = gst_structure_new (names[what],
      "level-buffers", G_TYPE_UINT, level->buffers,
      "level-bytes", G_TYPE_UINT64, level->bytes,
      "level-time", G_TYPE_UINT64, level->time, NULL);

  if (dropped) {
    GstBuffer *buf = GST_IS_BUFFER (dropped) ? GST_BUFFER_CAST (dropped) :
        gst_buffer_list_get (GST_BUFFER_LIST_CAST (dropped), 0);

    gst_structure_set (s, "timestamp", G_TYPE_UINT64,
        buf ? GST_BUFFER_DTS_OR_PTS (buf) : GST_CLOCK_TIME_NONE, NULL);
  }
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

/* Called by the fifo with its lock released, from the thread that paused,
 * resumed or dropped. */
static void
gst_watermark_queue_on_fifo (GstWatermarkFifo * fifo,
    GstWatermarkFifoEvent what, GstMiniObject * dropped,
    const GstWatermarkLevel * level, gpointer user_data)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (user_data);

  if (what != GST_WATERMARK_FIFO_PAUSED && what != GST_WATERMARK_FIFO_RESUMED
      && what != GST_WATERMARK_FIFO_DROPPED)
    return;
  if (what != GST_WATERMARK_FIFO_DROPPED) {
    /* levels are notified at the transitions only: a notify per buffer
     * would cost what the hysteresis saves */
    notify_levels (self);
    g_signal_emit (self, signals[what == GST_WATERMARK_FIFO_PAUSED ?
            SIGNAL_PAUSED : SIGNAL_RESUMED], 0);
  }
  if (g_atomic_int_get (&self->post_messages))
    post_fifo_message (self, what, dropped, level);
}

static GstFlowReturn
gst_watermark_queue_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  return gst_watermark_fifo_push (self->fifo, GST_MINI_OBJECT_CAST (buffer));
}

static GstFlowReturn
gst_watermark_queue_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  return gst_watermark_fifo_push (self->fifo, GST_MINI_OBJECT_CAST (list));
}

static void
gst_watermark_queue_loop (GstWatermarkQueue * self)
{
  gst_watermark_fifo_forward_one (self->fifo, self->srcpad,
      GST_WATERMARK_FIFO_READER_QUEUE);
}

static gboolean
start_loop (GstWatermarkQueue * self)
{
  return gst_pad_start_task (self->srcpad,
      (GstTaskFunction) gst_watermark_queue_loop, self, NULL);
}

/* After a flush: unless the src pad is being deactivated. */
static void
restart_loop (GstWatermarkQueue * self)
{
  if (gst_pad_is_active (self->srcpad))
    start_loop (self);
}

static gboolean
queue_event (GstWatermarkQueue * self, GstEvent * event)
{
  gboolean sticky = GST_EVENT_IS_STICKY (event);
  gboolean eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
  GstFlowReturn ret;

  ret = gst_watermark_fifo_push (self->fifo, GST_MINI_OBJECT_CAST (event));
  if (ret == GST_FLOW_OK)
    return TRUE;
  /* nothing upstream will report a fatal flow once it has sent EOS */
  if (eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS))
    GST_ELEMENT_FLOW_ERROR (self, ret);
  /* a sticky event is queued in spite of the flow; the data that follows
   * will get the flow error */
  return sticky && !eos && ret != GST_FLOW_FLUSHING && ret != GST_FLOW_EOS;
}

static gboolean
gst_watermark_queue_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);
  gboolean res;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      /* unblocks downstream first, so that the task can stop */
      res = gst_pad_push_event (self->srcpad, event);
      gst_watermark_fifo_set_flushing (self->fifo, TRUE);
      gst_pad_pause_task (self->srcpad);
      return res;
    case GST_EVENT_FLUSH_STOP:
      /* the stream state first: upstream does not send it again */
      gst_watermark_fifo_restart (self->fifo, self->sinkpad);
      res = gst_pad_push_event (self->srcpad, event);
      restart_loop (self);
      return res;
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return queue_event (self, event);
      return gst_pad_push_event (self->srcpad, event);
  }
}

static gboolean
gst_watermark_queue_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  /* answered by downstream once the data before it has gone out */
  if (GST_QUERY_IS_SERIALIZED (query))
    return gst_watermark_fifo_push_query (self->fifo, query);
  return gst_pad_query_default (pad, parent, query);
}

static gboolean
gst_watermark_queue_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  /* downstream is linked again: let the parked streaming thread retry */
  if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE)
    gst_watermark_fifo_relink (self->fifo);
  return gst_pad_event_default (pad, parent, event);
}

/* The queue can hold data up to pause-time: that much more latency is
 * tolerable behind it (as queue does with max-size-time). */
static void
add_latency (GstWatermarkQueue * self, GstQuery * query)
{
  GstClockTime min, max;
  GstWatermarks wm;
  gboolean live;

  gst_query_parse_latency (query, &live, &min, &max);
  gst_watermark_fifo_get_watermarks (self->fifo, &wm);
  if (!wm.pause_time)
    max = GST_CLOCK_TIME_NONE;
  else if (gst_watermark_fifo_get_policy (self->fifo) !=
      GST_WATERMARK_FIFO_BLOCK)
    max = GST_CLOCK_TIME_IS_VALID (max) ? MAX (max, wm.pause_time) : max;
  else if (GST_CLOCK_TIME_IS_VALID (max))
    max += wm.pause_time;
  gst_query_set_latency (query, live, min, max);
}

static gboolean
gst_watermark_queue_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  if (!gst_pad_query_default (pad, parent, query))
    return FALSE;
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    add_latency (self, query);
  return TRUE;
}

static gboolean
gst_watermark_queue_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    gst_watermark_fifo_set_flushing (self->fifo, FALSE);
    return start_loop (self);
  }
  gst_watermark_fifo_set_flushing (self->fifo, TRUE);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_watermark_queue_sink_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  /* deactivation must release a writer blocked in chain before the pad
   * waits for its streaming lock */
  gst_watermark_fifo_set_flushing (self->fifo, !active);
  /* the streaming thread stopped on that flush when the sink pad alone
   * was deactivated */
  if (active)
    restart_loop (self);
  return TRUE;
}

static void
gst_watermark_queue_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (object);

  if (gst_watermark_fifo_set_property (self->fifo, object, N_PROPS - 1,
          prop_id, value))
    return;
  switch (prop_id) {
    case PROP_LEAKY:
      gst_watermark_fifo_set_policy (self->fifo, g_value_get_enum (value));
      break;
    case PROP_POST_MESSAGES:
      GST_OBJECT_LOCK (self);
      g_atomic_int_set (&self->post_messages, g_value_get_boolean (value));
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static GstStructure *
get_stats (GstWatermarkQueue * self)
{
  GstStructure *s = gst_structure_new_empty ("watermarkqueue-stats");

  gst_watermark_fifo_fill_stats (self->fifo, s);
  return s;
}

static void
get_level (GstWatermarkQueue * self, guint prop_id, GValue * value)
{
  GstWatermarkLevel level;

  gst_watermark_fifo_get_level (self->fifo, &level);
  if (prop_id == PROP_CURRENT_LEVEL_BUFFERS)
    g_value_set_uint (value, level.buffers);
  else if (prop_id == PROP_CURRENT_LEVEL_BYTES)
    g_value_set_uint64 (value, level.bytes);
  else
    g_value_set_uint64 (value, level.time);
}

static void
gst_watermark_queue_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (object);

  if (gst_watermark_fifo_get_property (self->fifo, N_PROPS - 1, prop_id, value))
    return;
  switch (prop_id) {
    case PROP_LEAKY:
      g_value_set_enum (value, gst_watermark_fifo_get_policy (self->fifo));
      break;
    case PROP_POST_MESSAGES:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, g_atomic_int_get (&self->post_messages));
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CURRENT_LEVEL_BUFFERS:
    case PROP_CURRENT_LEVEL_BYTES:
    case PROP_CURRENT_LEVEL_TIME:
      get_level (self, prop_id, value);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_watermark_queue_finalize (GObject * object)
{
  GstWatermarkQueue *self = GST_WATERMARK_QUEUE (object);

  gst_watermark_fifo_free (self->fifo);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define MUTABLE_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)
#define LEVEL_FLAGS (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

static void
install_level_properties (GObjectClass * gobject_class)
{
  /**
   * GstWatermarkQueue:current-level-buffers:
   *
   * Buffers queued now. Notified when the writer pauses and resumes.
   */
  properties[PROP_CURRENT_LEVEL_BUFFERS] =
      g_param_spec_uint ("current-level-buffers", "Current level (buffers)",
      "Buffers queued now (notified on pause and resume)", 0, G_MAXUINT, 0,
      LEVEL_FLAGS);
  /**
   * GstWatermarkQueue:current-level-bytes:
   *
   * Bytes queued now. Notified when the writer pauses and resumes.
   */
  properties[PROP_CURRENT_LEVEL_BYTES] =
      g_param_spec_uint64 ("current-level-bytes", "Current level (bytes)",
      "Bytes queued now (notified on pause and resume)", 0, G_MAXUINT64, 0,
      LEVEL_FLAGS);
  /**
   * GstWatermarkQueue:current-level-time:
   *
   * Running time spanned by the queued data now, in nanoseconds. Notified
   * when the writer pauses and resumes.
   */
  properties[PROP_CURRENT_LEVEL_TIME] =
      g_param_spec_uint64 ("current-level-time", "Current level (ns)",
      "Running time spanned by the queued data now, in nanoseconds "
      "(notified on pause and resume)", 0, G_MAXUINT64, 0, LEVEL_FLAGS);
}

static void
gst_watermark_queue_class_init (GstWatermarkQueueClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_watermark_queue_set_property;
  gobject_class->get_property = gst_watermark_queue_get_property;
  gobject_class->finalize = gst_watermark_queue_finalize;

  install_level_properties (gobject_class);
  /**
   * GstWatermarkQueue:leaky:
   *
   * What a full queue does with a new buffer: block the writer (no),
   * drop the new buffer (upstream) or drop the oldest queued buffers
   * (downstream). Drops happen at the pause watermarks and are counted in
   * stats; events and queries are never dropped. The type is the policy
   * of fanout's branches too: block, drop-newest and drop-oldest are the
   * same values (queue's numbers: 0, 1, 2).
   */
  properties[PROP_LEAKY] = g_param_spec_enum ("leaky", "Leaky",
      "What a full queue does: block the writer (no or block), drop the new "
      "buffer (upstream or drop-newest) or drop the oldest buffers "
      "(downstream or drop-oldest)",
      GST_TYPE_WATERMARK_FIFO_POLICY, DEFAULT_LEAKY, MUTABLE_FLAGS);
  /**
   * GstWatermarkQueue:post-messages:
   *
   * Post an element message on the bus on each pause
   * (`watermarkqueue-paused`), resume (`watermarkqueue-resumed`) and drop
   * (`watermarkqueue-dropped`, with the `timestamp` of the dropped
   * buffer), each with the `level-buffers`, `level-bytes` and
   * `level-time` right after it.
   */
  properties[PROP_POST_MESSAGES] = g_param_spec_boolean ("post-messages",
      "Post messages", "Post element messages on pause, resume and drop",
      DEFAULT_POST_MESSAGES, MUTABLE_FLAGS);
  /**
   * GstWatermarkQueue:stats:
   *
   * Counters: `pushed` (buffers received, dropped ones included),
   * `popped` (buffers sent downstream), `dropped`, `pauses`, `resumes`,
   * `underruns` (times the streaming thread found the queue empty and
   * waited) (guint64), and `level-buffers` (guint), `level-bytes`,
   * `level-time` (guint64), `paused` (gboolean). A flush empties the
   * queue without counting drops.
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "Counters: pushed, popped, dropped, pauses, resumes, underruns; "
      "current levels",
      GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (gobject_class, N_PROPS, properties);
  gst_watermark_fifo_install_properties (gobject_class, N_PROPS - 1);

  /**
   * GstWatermarkQueue::paused:
   * @queue: the queue
   *
   * The writer reached a pause watermark and blocks. Emitted from the
   * writer's thread with no lock held.
   */
  signals[SIGNAL_PAUSED] = g_signal_new ("paused", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_FIRST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstWatermarkQueue::resumed:
   * @queue: the queue
   *
   * The level fell to the resume watermarks (or a flush emptied the
   * queue, or new watermarks or leaky let it go) and the blocked writer
   * runs again. Emitted from the writer's thread, with no lock held, once
   * it runs: `paused` and `resumed` alternate.
   */
  signals[SIGNAL_RESUMED] = g_signal_new ("resumed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_FIRST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Watermark queue",
      "Generic", "Queue whose writer blocks at a pause watermark and runs "
      "again at a lower resume watermark", "gst-sharedpool developers");
  gst_type_mark_as_plugin_api (GST_TYPE_WATERMARK_FIFO_POLICY, 0);
}

static void
init_sinkpad (GstWatermarkQueue * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_chain));
  gst_pad_set_chain_list_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_chain_list));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_sink_query));
  gst_pad_set_activatemode_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_sink_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

static void
init_srcpad (GstWatermarkQueue * self)
{
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_src_event));
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_watermark_queue_src_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
gst_watermark_queue_init (GstWatermarkQueue * self)
{
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->fifo = gst_watermark_fifo_new (GST_OBJECT (self),
      gst_watermark_queue_on_fifo, self);
  gst_watermark_fifo_set_flushing (self->fifo, TRUE);
  init_sinkpad (self);
  init_srcpad (self);
}
