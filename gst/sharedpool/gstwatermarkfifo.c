/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The bounded queue core shared by watermarkqueue and fanout: see
 * gstwatermarkfifo.h for the contract.
 *
 * The point of it is what it does not do: the reader never wakes the
 * writer except when the level falls to the resume watermarks, and
 * neither side signals a condition nobody waits on (a GCond signal is a
 * futex syscall even with no waiter). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/base/gstqueuearray.h>

#include "gstwatermarkfifo.h"

GST_DEBUG_CATEGORY_STATIC (watermark_fifo_debug);
#define GST_CAT_DEFAULT watermark_fifo_debug

#define INITIAL_ITEMS           64

/* the defaults of the properties, and of a new fifo */
static const GstWatermarks default_watermarks = {
  200, 100, 10 * 1024 * 1024, 5 * 1024 * 1024, GST_SECOND, GST_SECOND / 2
};

/* One queued object and what it added to the level, so that taking it out
 * removes exactly that. */
typedef struct
{
  GstMiniObject *obj;
  guint buffers;
  guint64 bytes;
  GstClockTime rt_start;        /* running time span of its data, or NONE */
  GstClockTime rt_end;
} FifoItem;

struct _GstWatermarkFifo
{
  GMutex lock;
  GCond push_cond;              /* writer: room, resume, a query's answer */
  GCond pop_cond;               /* reader: an item, a flow back to OK */
  guint push_waiters;
  guint pop_waiters;

  GstObject *owner;
  GstWatermarkFifoNotify notify;
  gpointer user_data;

  GstQueueArray *items;
  GstWatermarks wm;
  GstWatermarkFifoPolicy policy;
  GstWatermarkLevel level;
  GstFlowReturn flow;
  gboolean eos;
  gboolean discont;             /* a buffer was dropped: mark the next */
  gboolean watch_room;          /* report ROOM */
  gboolean untimed;             /* time-only watermarks, data without time:
                                 * bounded in buffers instead */
  gboolean untimed_warned;      /* and the bus was told, once */
  gboolean unexpected;          /* downstream returned EOS: data refused
                                 * until the next SEGMENT or STREAM_START */
  gboolean paused;              /* the writer waits to be released */

  /* time level: running time of the newest data in (writer side, from its
   * segment) and of the oldest data still in (NONE when empty) */
  GstSegment segment;
  GstClockTime sink_rt;
  GstClockTime src_rt;

  /* the serialized query the writer waits on */
  GstQuery *query;
  gboolean query_popped;
  gboolean query_answered;
  gboolean query_result;

  guint64 pushed;
  guint64 popped;
  guint64 dropped;
  guint64 pauses;
  guint64 resumes;
  guint64 underruns;            /* pops that found nothing and waited */

  /* reader batching (set_batch) */
  guint batch_buffers;          /* 0 or 1: no batching */
  GstClockTime batch_time;      /* as set */
  gint64 batch_delay;           /* us after a batch's first buffer, or -1 */
  gboolean batch_off;           /* held off (enable_batch) */
  gint64 batch_deadline;        /* monotonic us, for the batch building up */
  guint n_other;                /* events and queries queued */
  gboolean draining;            /* the reader was let in: until empty */

  /* a reader without a thread of its own (set_ready_func) */
  GstWatermarkFifoReady ready;
  gpointer ready_data;
  gboolean ready_armed;         /* it found nothing: tell it when there is */
};

const gchar *
gst_watermarks_validate (const GstWatermarks * wm)
{
  if (wm->pause_buffers && wm->resume_buffers >= wm->pause_buffers)
    return "resume-buffers must be below pause-buffers";
  if (wm->pause_bytes && wm->resume_bytes >= wm->pause_bytes)
    return "resume-bytes must be below pause-bytes";
  if (wm->pause_time && wm->resume_time >= wm->pause_time)
    return "resume-time must be below pause-time";
  if (!wm->pause_buffers && !wm->pause_bytes && !wm->pause_time)
    return "pause-buffers, pause-bytes and pause-time cannot all be 0: "
        "nothing would bound the queue";
  return NULL;
}

/* The watermarks one by one, in the order of their properties. */
typedef enum
{
  GST_WATERMARK_PAUSE_BUFFERS,
  GST_WATERMARK_RESUME_BUFFERS,
  GST_WATERMARK_PAUSE_BYTES,
  GST_WATERMARK_RESUME_BYTES,
  GST_WATERMARK_PAUSE_TIME,
  GST_WATERMARK_RESUME_TIME,
} GstWatermarkField;

/* *INDENT-OFF* */
static const GEnumValue policy_values[] = {
  {GST_WATERMARK_FIFO_BLOCK, "Wait until the queue drained to its resume "
      "watermarks", "block"},
  {GST_WATERMARK_FIFO_DROP_NEWEST, "Drop the incoming buffer", "drop-newest"},
  {GST_WATERMARK_FIFO_DROP_OLDEST, "Drop the oldest queued buffers",
      "drop-oldest"},
  /* queue's leaky nicks */
  {GST_WATERMARK_FIFO_BLOCK, "Not leaky (block)", "no"},
  {GST_WATERMARK_FIFO_DROP_NEWEST, "Leaky on upstream (drop-newest)",
      "upstream"},
  {GST_WATERMARK_FIFO_DROP_OLDEST, "Leaky on downstream (drop-oldest)",
      "downstream"},
  {0, NULL, NULL},
};
/* *INDENT-ON* */

GType
gst_watermark_fifo_policy_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstWatermarkPolicy",
            policy_values));
  return type;
}

static void
lower_resume (guint64 pause, guint64 * resume)
{
  if (*resume >= pause)
    *resume = pause / 2;
}

static void
watermarks_set_field (GstWatermarks * wm, GstWatermarkField field,
    const GValue * value)
{
  guint64 resume_buffers = wm->resume_buffers;

  switch (field) {
    case GST_WATERMARK_PAUSE_BUFFERS:
      wm->pause_buffers = g_value_get_uint (value);
      lower_resume (wm->pause_buffers, &resume_buffers);
      wm->resume_buffers = resume_buffers;
      break;
    case GST_WATERMARK_RESUME_BUFFERS:
      wm->resume_buffers = g_value_get_uint (value);
      break;
    case GST_WATERMARK_PAUSE_BYTES:
      wm->pause_bytes = g_value_get_uint64 (value);
      lower_resume (wm->pause_bytes, &wm->resume_bytes);
      break;
    case GST_WATERMARK_RESUME_BYTES:
      wm->resume_bytes = g_value_get_uint64 (value);
      break;
    case GST_WATERMARK_PAUSE_TIME:
      wm->pause_time = g_value_get_uint64 (value);
      lower_resume (wm->pause_time, &wm->resume_time);
      break;
    case GST_WATERMARK_RESUME_TIME:
      wm->resume_time = g_value_get_uint64 (value);
      break;
  }
}

static void
watermarks_get_field (const GstWatermarks * wm, GstWatermarkField field,
    GValue * value)
{
  switch (field) {
    case GST_WATERMARK_PAUSE_BUFFERS:
      g_value_set_uint (value, wm->pause_buffers);
      break;
    case GST_WATERMARK_RESUME_BUFFERS:
      g_value_set_uint (value, wm->resume_buffers);
      break;
    case GST_WATERMARK_PAUSE_BYTES:
      g_value_set_uint64 (value, wm->pause_bytes);
      break;
    case GST_WATERMARK_RESUME_BYTES:
      g_value_set_uint64 (value, wm->resume_bytes);
      break;
    case GST_WATERMARK_PAUSE_TIME:
      g_value_set_uint64 (value, wm->pause_time);
      break;
    case GST_WATERMARK_RESUME_TIME:
      g_value_set_uint64 (value, wm->resume_time);
      break;
  }
}

GstWatermarkFifo *
gst_watermark_fifo_new (GstObject * owner, GstWatermarkFifoNotify notify,
    gpointer user_data)
{
  static gsize debug_once = 0;
  GstWatermarkFifo *fifo = g_new0 (GstWatermarkFifo, 1);

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (watermark_fifo_debug, "watermarkfifo", 0,
        "pause/resume watermark queue core");
    g_once_init_leave (&debug_once, 1);
  }
  g_mutex_init (&fifo->lock);
  g_cond_init (&fifo->push_cond);
  g_cond_init (&fifo->pop_cond);
  fifo->owner = owner;
  fifo->notify = notify;
  fifo->user_data = user_data;
  fifo->items = gst_queue_array_new_for_struct (sizeof (FifoItem),
      INITIAL_ITEMS);
  fifo->wm = default_watermarks;
  fifo->policy = GST_WATERMARK_FIFO_BLOCK;
  fifo->flow = GST_FLOW_OK;
  gst_segment_init (&fifo->segment, GST_FORMAT_TIME);
  fifo->sink_rt = fifo->src_rt = GST_CLOCK_TIME_NONE;
  return fifo;
}

/* With the lock: drops every item (the writer's query belongs to it) and
 * forgets the level and the segment. */
static void
clear_locked (GstWatermarkFifo * fifo)
{
  FifoItem *it;

  while ((it = gst_queue_array_pop_head_struct (fifo->items))) {
    /* the writer's query is its own; a posted one is the fifo's */
    if (it->obj != GST_MINI_OBJECT_CAST (fifo->query))
      gst_mini_object_unref (it->obj);
  }
  memset (&fifo->level, 0, sizeof (fifo->level));
  fifo->n_other = 0;
  fifo->draining = fifo->untimed = FALSE;
  gst_segment_init (&fifo->segment, GST_FORMAT_TIME);
  fifo->sink_rt = fifo->src_rt = GST_CLOCK_TIME_NONE;
}

void
gst_watermark_fifo_free (GstWatermarkFifo * fifo)
{
  clear_locked (fifo);
  gst_queue_array_free (fifo->items);
  g_cond_clear (&fifo->pop_cond);
  g_cond_clear (&fifo->push_cond);
  g_mutex_clear (&fifo->lock);
  g_free (fifo);
}

static void
notify (GstWatermarkFifo * fifo, GstWatermarkFifoEvent what,
    GstMiniObject * dropped, const GstWatermarkLevel * level)
{
  if (fifo->notify)
    fifo->notify (fifo, what, dropped, level, fifo->user_data);
}

/* With time watermarks alone, data without timestamps does not fill the
 * fifo: from the first such buffer it is bounded in buffers, with these
 * watermarks, so that it cannot grow without bound. */
#define UNTIMED_PAUSE_BUFFERS   200
#define UNTIMED_RESUME_BUFFERS  100

/* With the lock: the data of @it has no running time and only the time
 * dimension is enabled: fall back to a bound in buffers. TRUE the first
 * time in the fifo's life: the caller posts the warning. */
static gboolean
check_untimed_locked (GstWatermarkFifo * fifo, const FifoItem * it)
{
  if (fifo->untimed || it->buffers == 0 || fifo->wm.pause_buffers ||
      fifo->wm.pause_bytes || GST_CLOCK_TIME_IS_VALID (it->rt_end))
    return FALSE;
  fifo->untimed = TRUE;
  GST_DEBUG_OBJECT (fifo->owner, "only a time watermark and data without "
      "timestamps: bounded at %u buffers instead", UNTIMED_PAUSE_BUFFERS);
  if (fifo->untimed_warned)
    return FALSE;
  fifo->untimed_warned = TRUE;
  return TRUE;
}

/* The element the owner is or whose pad it is, reffed, or NULL. */
static GstElement *
owner_element (GstWatermarkFifo * fifo)
{
  GstObject *owner = fifo->owner;

  if (owner && GST_IS_ELEMENT (owner))
    return gst_object_ref (owner);
  if (owner && GST_IS_PAD (owner))
    return gst_pad_get_parent_element (GST_PAD_CAST (owner));
  return NULL;
}

/* Without the lock: tells the application, on the bus of the owner's
 * element. */
static void
warn_untimed (GstWatermarkFifo * fifo)
{
  GstObject *owner = fifo->owner;
  GstElement *element = owner_element (fifo);

  if (element == NULL)
    return;
  GST_ELEMENT_WARNING (element, STREAM, FORMAT,
      ("Data without timestamps and only a time watermark: the queue is "
          "bounded at %u buffers instead", UNTIMED_PAUSE_BUFFERS),
      ("%s: set pause-buffers or pause-bytes when the stream may lack "
          "timestamps", GST_OBJECT_NAME (owner)));
  gst_object_unref (element);
}

/* Any enabled dimension at or above its pause watermark. */
static gboolean
is_full (const GstWatermarkFifo * fifo)
{
  const GstWatermarks *wm = &fifo->wm;
  const GstWatermarkLevel *l = &fifo->level;

  return (wm->pause_buffers && l->buffers >= wm->pause_buffers) ||
      (wm->pause_bytes && l->bytes >= wm->pause_bytes) ||
      (wm->pause_time && l->time >= wm->pause_time) ||
      (fifo->untimed && l->buffers >= UNTIMED_PAUSE_BUFFERS);
}

/* The fifo is full and its head is data: taking it may make room. */
static gboolean
it_fills (GstWatermarkFifo * fifo)
{
  FifoItem *head = gst_queue_array_peek_head_struct (fifo->items);

  return head->buffers > 0 && is_full (fifo);
}

/* Every enabled dimension at or below its resume watermark. */
static gboolean
is_resumable (GstWatermarkFifo * fifo)
{
  const GstWatermarks *wm = &fifo->wm;
  const GstWatermarkLevel *l = &fifo->level;

  if (gst_queue_array_is_empty (fifo->items))
    return TRUE;
  return (!wm->pause_buffers || l->buffers <= wm->resume_buffers) &&
      (!wm->pause_bytes || l->bytes <= wm->resume_bytes) &&
      (!wm->pause_time || l->time <= wm->resume_time) &&
      (!fifo->untimed || l->buffers <= UNTIMED_RESUME_BUFFERS);
}

static void
wake_writer (GstWatermarkFifo * fifo)
{
  if (fifo->push_waiters)
    g_cond_signal (&fifo->push_cond);
}

static void
wait_writer_locked (GstWatermarkFifo * fifo)
{
  fifo->push_waiters++;
  g_cond_wait (&fifo->push_cond, &fifo->lock);
  fifo->push_waiters--;
}

/* With the lock: what the writer's data gets back without being queued:
 * the flow set, or EOS when downstream returned it (the reader goes on
 * delivering the events queued, the EOS among them). */
static GstFlowReturn
writer_flow_locked (GstWatermarkFifo * fifo)
{
  if (fifo->flow == GST_FLOW_OK && fifo->unexpected)
    return GST_FLOW_EOS;
  return fifo->flow;
}

/* With the lock: lets a paused writer go when nothing holds it any more:
 * a flow that is not OK, a policy that drops, every enabled level at its
 * resume watermark. Counted here, so that pauses == resumes whenever the
 * fifo is not paused; the writer reports RESUMED itself (pause_locked). */
static void
release_locked (GstWatermarkFifo * fifo)
{
  if (!fifo->paused)
    return;
  if (writer_flow_locked (fifo) == GST_FLOW_OK &&
      fifo->policy == GST_WATERMARK_FIFO_BLOCK && !is_resumable (fifo))
    return;
  fifo->paused = FALSE;
  fifo->resumes++;
  wake_writer (fifo);
  GST_DEBUG_OBJECT (fifo->owner, "resumed at %u buffers, %" G_GUINT64_FORMAT
      " bytes, %" GST_TIME_FORMAT, fifo->level.buffers, fifo->level.bytes,
      GST_TIME_ARGS (fifo->level.time));
}

/* Running time of @pos in @segment, 0 before its start, NONE if unknown. */
static GstClockTime
to_running_time (const GstSegment * segment, GstClockTime pos)
{
  guint64 rt;
  gint sign;

  sign = gst_segment_to_running_time_full (segment, GST_FORMAT_TIME, pos, &rt);
  if (sign > 0)
    return rt;
  return sign < 0 ? 0 : GST_CLOCK_TIME_NONE;
}

/* Sets the running time span of data from position @first to @last_end. */
static void
measure_span (GstWatermarkFifo * fifo, FifoItem * it, GstClockTime first,
    GstClockTime last_end)
{
  GstClockTime a, b;

  it->rt_start = it->rt_end = GST_CLOCK_TIME_NONE;
  if (!GST_CLOCK_TIME_IS_VALID (first))
    return;
  a = to_running_time (&fifo->segment, first);
  b = to_running_time (&fifo->segment, last_end);
  if (!GST_CLOCK_TIME_IS_VALID (a) || !GST_CLOCK_TIME_IS_VALID (b))
    return;
  /* reverse playback runs positions backwards and running time forwards */
  it->rt_start = MIN (a, b);
  it->rt_end = MAX (a, b);
}

static GstClockTime
buffer_end (GstBuffer * buf)
{
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buf);

  if (GST_CLOCK_TIME_IS_VALID (ts) && GST_BUFFER_DURATION_IS_VALID (buf))
    ts += GST_BUFFER_DURATION (buf);
  return ts;
}

static void
measure_list (GstWatermarkFifo * fifo, GstBufferList * list, FifoItem * it)
{
  GstClockTime first = GST_CLOCK_TIME_NONE, last_end = GST_CLOCK_TIME_NONE;
  guint i, n = gst_buffer_list_length (list);

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_list_get (list, i);

    if (!GST_CLOCK_TIME_IS_VALID (GST_BUFFER_DTS_OR_PTS (buf)))
      continue;
    if (!GST_CLOCK_TIME_IS_VALID (first))
      first = GST_BUFFER_DTS_OR_PTS (buf);
    last_end = buffer_end (buf);
  }
  it->buffers = n;
  it->bytes = gst_buffer_list_calculate_size (list);
  measure_span (fifo, it, first, last_end);
}

/* With the lock (the segment): what a buffer or a list adds. */
static void
measure_data (GstWatermarkFifo * fifo, GstMiniObject * obj, FifoItem * it)
{
  it->obj = obj;
  if (GST_IS_BUFFER_LIST (obj)) {
    measure_list (fifo, GST_BUFFER_LIST_CAST (obj), it);
    return;
  }
  it->buffers = 1;
  it->bytes = gst_buffer_get_size (GST_BUFFER_CAST (obj));
  measure_span (fifo, it, GST_BUFFER_DTS_OR_PTS (obj),
      buffer_end (GST_BUFFER_CAST (obj)));
}

static void
update_time_level (GstWatermarkFifo * fifo)
{
  if (GST_CLOCK_TIME_IS_VALID (fifo->sink_rt) &&
      GST_CLOCK_TIME_IS_VALID (fifo->src_rt) && fifo->sink_rt > fifo->src_rt)
    fifo->level.time = fifo->sink_rt - fifo->src_rt;
  else
    fifo->level.time = 0;
}

/* With the lock: whether the reader may take items. Always, unless it
 * batches: then once a batch is complete, something else than data is
 * queued, the writer would have to wait or drop, or the batch's delay is
 * over; and from then on until it emptied the fifo. */
static gboolean
batching (const GstWatermarkFifo * fifo)
{
  return fifo->batch_buffers > 1 && !fifo->batch_off;
}

static gboolean
batch_ready (GstWatermarkFifo * fifo)
{
  if (!batching (fifo) || fifo->draining)
    return TRUE;
  fifo->draining = fifo->level.buffers >= fifo->batch_buffers ||
      fifo->n_other > 0 || is_full (fifo) || (fifo->batch_delay >= 0 &&
      g_get_monotonic_time () >= fifo->batch_deadline);
  return fifo->draining;
}

/* With the lock: whether the reader may take an item now. */
static gboolean
can_take (GstWatermarkFifo * fifo)
{
  return fifo->flow == GST_FLOW_OK && !gst_queue_array_is_empty (fifo->items)
      && batch_ready (fifo);
}

/* With the lock: something changed that may let the reader take an item:
 * a reader waiting in pop() looks again, one without a thread that found
 * nothing is told when it can. */
static void
signal_reader (GstWatermarkFifo * fifo)
{
  if (fifo->pop_waiters) {
    g_cond_signal (&fifo->pop_cond);
  } else if (fifo->ready_armed && can_take (fifo)) {
    fifo->ready_armed = FALSE;
    fifo->ready (fifo, fifo->ready_data);
  }
}

static void
wake_reader (GstWatermarkFifo * fifo)
{
  if (batch_ready (fifo))
    signal_reader (fifo);
}

static void
enqueue_locked (GstWatermarkFifo * fifo, FifoItem * it)
{
  if (it->buffers == 0)
    fifo->n_other++;
  else if (fifo->level.buffers == 0 && batching (fifo))
    fifo->batch_deadline = g_get_monotonic_time () + fifo->batch_delay;

  if (GST_CLOCK_TIME_IS_VALID (it->rt_end)) {
    /* like queue: the level is the running time from what went out last
     * (data or a segment) to what came in last; until something went out
     * since the start or a flush, from the first segment or data in */
    if (!GST_CLOCK_TIME_IS_VALID (fifo->src_rt))
      fifo->src_rt = it->rt_start;
    fifo->sink_rt = it->rt_end;
    update_time_level (fifo);
  }
  fifo->level.buffers += it->buffers;
  fifo->level.bytes += it->bytes;
  gst_queue_array_push_tail_struct (fifo->items, it);
  wake_reader (fifo);
}

/* With the lock: takes the item at @idx out into @it. */
static void
remove_locked (GstWatermarkFifo * fifo, guint idx, FifoItem * it)
{
  if (idx == 0)
    *it = *(FifoItem *) gst_queue_array_pop_head_struct (fifo->items);
  else
    gst_queue_array_drop_struct (fifo->items, idx, it);
  fifo->level.buffers -= it->buffers;
  fifo->level.bytes -= it->bytes;
  if (it->buffers == 0)
    fifo->n_other--;
  if (GST_CLOCK_TIME_IS_VALID (it->rt_end))
    fifo->src_rt = it->rt_end;
  if (gst_queue_array_is_empty (fifo->items))
    fifo->draining = FALSE;
  update_time_level (fifo);
}

/* With the lock, returns with it: counts @it as dropped and reports it
 * with the lock released. */
static void
drop_locked (GstWatermarkFifo * fifo, FifoItem * it)
{
  GstWatermarkLevel level = fifo->level;

  fifo->dropped += it->buffers;
  fifo->discont = TRUE;
  GST_LOG_OBJECT (fifo->owner, "dropped %u buffers (%" G_GUINT64_FORMAT
      " in all)", it->buffers, fifo->dropped);
  g_mutex_unlock (&fifo->lock);
  notify (fifo, GST_WATERMARK_FIFO_DROPPED, it->obj, &level);
  gst_mini_object_unref (it->obj);
  g_mutex_lock (&fifo->lock);
}

/* With the lock: drops the oldest queued buffer or list (events and
 * queries stay). FALSE when there is none. */
static gboolean
drop_oldest_locked (GstWatermarkFifo * fifo)
{
  guint i, n = gst_queue_array_get_length (fifo->items);
  FifoItem it;

  for (i = 0; i < n; i++) {
    FifoItem *p = gst_queue_array_peek_nth_struct (fifo->items, i);

    if (!GST_IS_EVENT (p->obj) && !GST_IS_QUERY (p->obj))
      break;
  }
  if (i == n)
    return FALSE;
  remove_locked (fifo, i, &it);
  drop_locked (fifo, &it);
  return TRUE;
}

/* With the lock, returns with it: the writer found the fifo full and
 * waits until it is released (release_locked). It reports PAUSED and then
 * RESUMED itself, with the lock released: from one thread, they
 * alternate. */
static void
pause_locked (GstWatermarkFifo * fifo)
{
  GstWatermarkLevel level = fifo->level;

  fifo->paused = TRUE;
  fifo->pauses++;
  GST_DEBUG_OBJECT (fifo->owner, "paused at %u buffers, %" G_GUINT64_FORMAT
      " bytes, %" GST_TIME_FORMAT, level.buffers, level.bytes,
      GST_TIME_ARGS (level.time));
  g_mutex_unlock (&fifo->lock);
  notify (fifo, GST_WATERMARK_FIFO_PAUSED, NULL, &level);
  g_mutex_lock (&fifo->lock);
  /* the reader may have drained it meanwhile */
  release_locked (fifo);
  while (fifo->paused)
    wait_writer_locked (fifo);
  level = fifo->level;
  g_mutex_unlock (&fifo->lock);
  notify (fifo, GST_WATERMARK_FIFO_RESUMED, NULL, &level);
  g_mutex_lock (&fifo->lock);
}

/* With the lock: makes room for one buffer or list as the policy says.
 * Returns GST_FLOW_OK to queue it, GST_FLOW_CUSTOM_SUCCESS to drop it, or
 * the flow that refuses it. */
static GstFlowReturn
make_room_locked (GstWatermarkFifo * fifo)
{
  for (;;) {
    if (writer_flow_locked (fifo) != GST_FLOW_OK)
      return writer_flow_locked (fifo);
    if (!is_full (fifo))
      return GST_FLOW_OK;
    /* a batching reader must drain a full fifo */
    wake_reader (fifo);
    switch (fifo->policy) {
      case GST_WATERMARK_FIFO_BLOCK:
        pause_locked (fifo);
        break;
      case GST_WATERMARK_FIFO_DROP_NEWEST:
        return GST_FLOW_CUSTOM_SUCCESS;
      case GST_WATERMARK_FIFO_DROP_OLDEST:
        /* only events are queued (GAP events fill the time level) */
        if (!drop_oldest_locked (fifo))
          return GST_FLOW_OK;
        break;
    }
  }
}

/* With the lock: the first buffer queued after a drop carries DISCONT,
 * as GstQueue marks it. */
static GstMiniObject *
mark_discont_locked (GstWatermarkFifo * fifo, GstMiniObject * obj)
{
  GstBuffer *buf;

  if (GST_IS_BUFFER_LIST (obj)) {
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_BUFFER_LIST_CAST (obj));

    if (gst_buffer_list_length (list) == 0)
      return GST_MINI_OBJECT_CAST (list);
    buf = gst_buffer_list_get_writable (list, 0);
    obj = GST_MINI_OBJECT_CAST (list);
  } else {
    buf = gst_buffer_make_writable (GST_BUFFER_CAST (obj));
    obj = GST_MINI_OBJECT_CAST (buf);
  }
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  fifo->discont = FALSE;
  return obj;
}

static GstFlowReturn
push_data (GstWatermarkFifo * fifo, GstMiniObject * obj)
{
  gboolean warn;
  GstFlowReturn ret;
  FifoItem it;

  g_mutex_lock (&fifo->lock);
  ret = fifo->eos ? GST_FLOW_EOS : make_room_locked (fifo);
  if (ret != GST_FLOW_OK && ret != GST_FLOW_CUSTOM_SUCCESS)
    goto refused;
  if (ret == GST_FLOW_OK && fifo->discont)
    obj = mark_discont_locked (fifo, obj);
  measure_data (fifo, obj, &it);
  warn = check_untimed_locked (fifo, &it);
  fifo->pushed += it.buffers;
  if (ret == GST_FLOW_OK)
    enqueue_locked (fifo, &it);
  else
    drop_locked (fifo, &it);
  g_mutex_unlock (&fifo->lock);
  if (warn)
    warn_untimed (fifo);
  return GST_FLOW_OK;

  /* ERRORS */
refused:
  {
    g_mutex_unlock (&fifo->lock);
    GST_LOG_OBJECT (fifo->owner, "refused data: %s", gst_flow_get_name (ret));
    gst_mini_object_unref (obj);
    return ret;
  }
}

/* With the lock: why @event may not be queued, or GST_FLOW_OK. A sticky
 * event is queued in spite of a flow that is not OK: it is part of the
 * stream state that a reader parked on NOT_LINKED delivers once relinked. */
static GstFlowReturn
event_refusal (GstWatermarkFifo * fifo, GstEvent * event)
{
  GstEventType type = GST_EVENT_TYPE (event);

  if (fifo->flow == GST_FLOW_FLUSHING)
    return GST_FLOW_FLUSHING;
  if (fifo->eos && type != GST_EVENT_STREAM_START && type != GST_EVENT_SEGMENT)
    return GST_FLOW_EOS;
  if (fifo->flow != GST_FLOW_OK && !GST_EVENT_IS_STICKY (event))
    return fifo->flow;
  return GST_FLOW_OK;
}

/* With the lock: what a queued event does to the stream state. */
static void
apply_event (GstWatermarkFifo * fifo, GstEvent * event, FifoItem * it)
{
  GstClockTime ts, duration;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      fifo->eos = fifo->unexpected = FALSE;
      break;
    case GST_EVENT_SEGMENT:
      fifo->eos = fifo->unexpected = FALSE;
      gst_event_copy_segment (event, &fifo->segment);
      /* like queue: a segment in another format has no running time; the
       * timestamps are taken as running times */
      if (fifo->segment.format != GST_FORMAT_TIME)
        gst_segment_init (&fifo->segment, GST_FORMAT_TIME);
      /* like queue: a segment moves the time of its side to its start */
      measure_span (fifo, it, fifo->segment.start, fifo->segment.start);
      break;
    case GST_EVENT_GAP:
      gst_event_parse_gap (event, &ts, &duration);
      measure_span (fifo, it, ts, GST_CLOCK_TIME_IS_VALID (duration) ?
          ts + duration : ts);
      break;
    case GST_EVENT_EOS:
      fifo->eos = TRUE;
      break;
    default:
      break;
  }
}

/* With the lock, while the reader is parked (NOT_LINKED): a sticky event
 * replaces a queued one of its kind, as gst_pad_store_sticky_event()
 * merges them, so that a parked fifo holds at most one of each and a
 * stream of tags cannot grow it. Only the events after the last queued
 * data may merge (data is refused while parked, so those are the ones
 * queued since): one before it still applies to that data. TRUE when
 * @event took a queued one's place. */
static gboolean
replace_parked_sticky_locked (GstWatermarkFifo * fifo, GstEvent * event)
{
  guint i = gst_queue_array_get_length (fifo->items);

  while (i-- > 0) {
    FifoItem *p = gst_queue_array_peek_nth_struct (fifo->items, i);
    GstEvent *old;

    if (!GST_IS_EVENT (p->obj))
      return FALSE;
    old = GST_EVENT_CAST (p->obj);
    if (GST_EVENT_TYPE (old) != GST_EVENT_TYPE (event))
      continue;
    if ((gst_event_type_get_flags (GST_EVENT_TYPE (event)) &
            GST_EVENT_TYPE_STICKY_MULTI) &&
        !gst_event_has_name_id (old, gst_structure_get_name_id
            (gst_event_get_structure (event))))
      continue;
    p->obj = GST_MINI_OBJECT_CAST (event);
    gst_event_unref (old);
    return TRUE;
  }
  return FALSE;
}

static GstFlowReturn
push_event (GstWatermarkFifo * fifo, GstEvent * event)
{
  FifoItem it = { GST_MINI_OBJECT_CAST (event), 0, 0, GST_CLOCK_TIME_NONE,
    GST_CLOCK_TIME_NONE
  };
  GstFlowReturn ret;

  g_mutex_lock (&fifo->lock);
  ret = event_refusal (fifo, event);
  if (ret != GST_FLOW_OK)
    goto refused;
  apply_event (fifo, event, &it);
  if (fifo->flow == GST_FLOW_OK || !replace_parked_sticky_locked (fifo, event))
    enqueue_locked (fifo, &it);
  ret = fifo->flow;
  g_mutex_unlock (&fifo->lock);
  return ret;

  /* ERRORS */
refused:
  {
    g_mutex_unlock (&fifo->lock);
    GST_LOG_OBJECT (fifo->owner, "refused %" GST_PTR_FORMAT ": %s", event,
        gst_flow_get_name (ret));
    gst_event_unref (event);
    return ret;
  }
}

GstFlowReturn
gst_watermark_fifo_push (GstWatermarkFifo * fifo, GstMiniObject * item)
{
  if (GST_IS_EVENT (item))
    return push_event (fifo, GST_EVENT_CAST (item));
  return push_data (fifo, item);
}

/* With the lock: takes a query the flow kept the reader from out again,
 * as its writer is about to return it to its owner. */
static void
unqueue_query_locked (GstWatermarkFifo * fifo, GstQuery * query)
{
  guint i, n = gst_queue_array_get_length (fifo->items);
  FifoItem it;

  for (i = 0; i < n; i++) {
    FifoItem *p = gst_queue_array_peek_nth_struct (fifo->items, i);

    if (p->obj == GST_MINI_OBJECT_CAST (query)) {
      remove_locked (fifo, i, &it);
      return;
    }
  }
}

gboolean
gst_watermark_fifo_push_query (GstWatermarkFifo * fifo, GstQuery * query)
{
  FifoItem it = { GST_MINI_OBJECT_CAST (query), 0, 0, GST_CLOCK_TIME_NONE,
    GST_CLOCK_TIME_NONE
  };
  gboolean res = FALSE;

  g_mutex_lock (&fifo->lock);
  if (fifo->flow != GST_FLOW_OK)
    goto out;
  fifo->query = query;
  fifo->query_popped = fifo->query_answered = FALSE;
  enqueue_locked (fifo, &it);
  /* a reader answering it may still write into it: wait for that even
   * when flushing, or the owner would free it under the reader */
  while (!fifo->query_answered && (fifo->query_popped ||
          fifo->flow == GST_FLOW_OK))
    wait_writer_locked (fifo);
  if (!fifo->query_answered)
    unqueue_query_locked (fifo, query);
  else if (fifo->flow != GST_FLOW_FLUSHING)
    res = fifo->query_result;   /* an answer a flush overtook is none */
  fifo->query = NULL;
out:
  g_mutex_unlock (&fifo->lock);
  return res;
}

gboolean
gst_watermark_fifo_post_query (GstWatermarkFifo * fifo, GstQuery * query)
{
  FifoItem it = { GST_MINI_OBJECT_CAST (query), 0, 0, GST_CLOCK_TIME_NONE,
    GST_CLOCK_TIME_NONE
  };

  g_mutex_lock (&fifo->lock);
  if (fifo->flow != GST_FLOW_OK)
    goto refused;
  enqueue_locked (fifo, &it);
  g_mutex_unlock (&fifo->lock);
  return TRUE;

  /* ERRORS */
refused:
  {
    g_mutex_unlock (&fifo->lock);
    gst_query_unref (query);
    return FALSE;
  }
}

void
gst_watermark_fifo_query_done (GstWatermarkFifo * fifo, GstQuery * query,
    gboolean result)
{
  GstWatermarkLevel level;
  gboolean posted;

  g_mutex_lock (&fifo->lock);
  posted = fifo->query != query;
  if (!posted) {
    fifo->query_answered = TRUE;
    fifo->query_result = result;
    fifo->query_popped = FALSE;
    wake_writer (fifo);
  }
  level = fifo->level;
  g_mutex_unlock (&fifo->lock);

  if (!posted)
    return;
  notify (fifo, GST_WATERMARK_FIFO_ANSWERED,
      result ? GST_MINI_OBJECT_CAST (query) : NULL, &level);
  gst_query_unref (query);
}

/* With the lock: a batching reader waits for its batch until the batch's
 * deadline. The first buffer of a batch does not wake it (that would cost
 * the wake-up batching saves), so on an empty fifo it looks again every
 * delay: a buffer then waits at most the delay. */
static void
wait_batch_locked (GstWatermarkFifo * fifo)
{
  gint64 until = gst_queue_array_is_empty (fifo->items) ?
      g_get_monotonic_time () + fifo->batch_delay : fifo->batch_deadline;

  g_cond_wait_until (&fifo->pop_cond, &fifo->lock, until);
}

/* With the lock, which it releases: takes the head item out, and reports
 * ROOM when that took the fifo below its pause watermarks. */
static GstMiniObject *
take_unlock (GstWatermarkFifo * fifo)
{
  GstWatermarkLevel level;
  gboolean room;
  FifoItem it;

  room = fifo->watch_room && it_fills (fifo);
  remove_locked (fifo, 0, &it);
  room = room && !is_full (fifo);
  fifo->popped += it.buffers;
  if (it.obj == GST_MINI_OBJECT_CAST (fifo->query))
    fifo->query_popped = TRUE;
  release_locked (fifo);
  level = fifo->level;
  g_mutex_unlock (&fifo->lock);

  if (room)
    notify (fifo, GST_WATERMARK_FIFO_ROOM, NULL, &level);
  return it.obj;
}

GstFlowReturn
gst_watermark_fifo_pop (GstWatermarkFifo * fifo, GstMiniObject ** item)
{
  gboolean waited = FALSE;

  *item = NULL;
  g_mutex_lock (&fifo->lock);
  while (fifo->flow != GST_FLOW_FLUSHING && (fifo->flow != GST_FLOW_OK ||
          gst_queue_array_is_empty (fifo->items) || !batch_ready (fifo))) {
    /* once per pop: a batching reader wakes up to look */
    fifo->underruns += !waited;
    waited = TRUE;
    fifo->pop_waiters++;
    if (fifo->flow == GST_FLOW_OK && batching (fifo) && fifo->batch_delay >= 0)
      wait_batch_locked (fifo);
    else
      g_cond_wait (&fifo->pop_cond, &fifo->lock);
    fifo->pop_waiters--;
  }
  if (fifo->flow == GST_FLOW_FLUSHING)
    goto flushing;
  *item = take_unlock (fifo);
  return GST_FLOW_OK;

  /* ERRORS */
flushing:
  {
    g_mutex_unlock (&fifo->lock);
    return GST_FLOW_FLUSHING;
  }
}

void
gst_watermark_fifo_set_flushing (GstWatermarkFifo * fifo, gboolean flushing)
{
  g_mutex_lock (&fifo->lock);
  GST_DEBUG_OBJECT (fifo->owner, "flushing %d", flushing);
  fifo->flow = flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
  fifo->eos = fifo->unexpected = fifo->discont = FALSE;
  clear_locked (fifo);
  g_cond_broadcast (&fifo->push_cond);
  g_cond_broadcast (&fifo->pop_cond);
  release_locked (fifo);
  g_mutex_unlock (&fifo->lock);
}

static gboolean
queue_sticky_event (GstPad * sinkpad, GstEvent ** event, gpointer user_data)
{
  if (GST_EVENT_TYPE (*event) != GST_EVENT_EOS)
    gst_watermark_fifo_push (user_data,
        GST_MINI_OBJECT_CAST (gst_event_ref (*event)));
  return TRUE;
}

void
gst_watermark_fifo_restart (GstWatermarkFifo * fifo, GstPad * sinkpad)
{
  gst_watermark_fifo_set_flushing (fifo, FALSE);
  gst_pad_sticky_events_foreach (sinkpad, queue_sticky_event, fifo);
}

/* With the lock: downstream returned EOS. Like GstQueue, the data queued
 * up to the next EOS or SEGMENT event is discarded (counted in dropped,
 * not reported: downstream refused it) and the reader goes on with the
 * events; when no such event is queued, data is refused with EOS until
 * the writer sends one, so the EOS upstream sends next is delivered. */
static void
downstream_eos_locked (GstWatermarkFifo * fifo)
{
  guint i = 0;
  FifoItem it;

  while (i < gst_queue_array_get_length (fifo->items)) {
    FifoItem *p = gst_queue_array_peek_nth_struct (fifo->items, i);

    if (GST_IS_EVENT (p->obj) && (GST_EVENT_TYPE (p->obj) == GST_EVENT_EOS ||
            GST_EVENT_TYPE (p->obj) == GST_EVENT_SEGMENT))
      goto found;
    if (p->buffers == 0 && (GST_IS_EVENT (p->obj) || GST_IS_QUERY (p->obj))) {
      i++;
      continue;
    }
    remove_locked (fifo, i, &it);
    fifo->dropped += it.buffers;
    gst_mini_object_unref (it.obj);
  }
  fifo->unexpected = TRUE;
found:
  GST_DEBUG_OBJECT (fifo->owner, "downstream EOS, %s",
      fifo->unexpected ? "refusing data" : "a new segment is queued");
  wake_writer (fifo);
}

/* With the lock. */
static void
set_flow_locked (GstWatermarkFifo * fifo, GstFlowReturn flow)
{
  if (fifo->flow != GST_FLOW_FLUSHING && flow == GST_FLOW_EOS)
    downstream_eos_locked (fifo);
  else if (fifo->flow != GST_FLOW_FLUSHING) {
    GST_DEBUG_OBJECT (fifo->owner, "flow %s", gst_flow_get_name (flow));
    fifo->flow = flow;
    /* a writer waiting for a query's answer returns too */
    wake_writer (fifo);
    signal_reader (fifo);
  }
  release_locked (fifo);
}

gboolean
gst_watermark_fifo_set_flow (GstWatermarkFifo * fifo, GstFlowReturn flow)
{
  gboolean eos;

  g_mutex_lock (&fifo->lock);
  set_flow_locked (fifo, flow);
  eos = fifo->eos;
  g_mutex_unlock (&fifo->lock);
  return eos;
}

void
gst_watermark_fifo_relink (GstWatermarkFifo * fifo)
{
  g_mutex_lock (&fifo->lock);
  if (fifo->flow == GST_FLOW_NOT_LINKED)
    set_flow_locked (fifo, GST_FLOW_OK);
  g_mutex_unlock (&fifo->lock);
}

GstFlowReturn
gst_watermark_fifo_get_flow (GstWatermarkFifo * fifo)
{
  GstWatermarkFifoPolicy policy;
  GstWatermarkLevel level;
  gboolean full;

  return gst_watermark_fifo_peek (fifo, &level, &full, &policy);
}

void
gst_watermark_fifo_set_watermarks (GstWatermarkFifo * fifo,
    const GstWatermarks * wm)
{
  g_return_if_fail (gst_watermarks_validate (wm) == NULL);

  g_mutex_lock (&fifo->lock);
  fifo->wm = *wm;
  release_locked (fifo);
  g_mutex_unlock (&fifo->lock);
}

/* Sets one watermark, atomically with the check: NULL when applied, else
 * why the resulting set is invalid (the old values stay). */
static const gchar *
set_field (GstWatermarkFifo * fifo, GstWatermarkField field,
    const GValue * value)
{
  GstWatermarks wm;
  const gchar *why;

  g_mutex_lock (&fifo->lock);
  wm = fifo->wm;
  watermarks_set_field (&wm, field, value);
  why = gst_watermarks_validate (&wm);
  if (why == NULL) {
    fifo->wm = wm;
    release_locked (fifo);
  }
  g_mutex_unlock (&fifo->lock);
  return why;
}

/* the properties */

#define N_FIELDS (GST_WATERMARK_RESUME_TIME + 1)

static const gchar *const field_names[] = {
  "pause-buffers", "resume-buffers", "pause-bytes", "resume-bytes",
  "pause-time", "resume-time"
};

G_STATIC_ASSERT (G_N_ELEMENTS (field_names) == N_FIELDS);

/* The field of property @property_id, or N_FIELDS when it is not one. */
static guint
field_of (guint last_prop_id, guint property_id)
{
  if (property_id <= last_prop_id || property_id - last_prop_id > N_FIELDS)
    return N_FIELDS;
  return property_id - last_prop_id - 1;
}

/* The blurbs say "the queue": watermarkqueue's, or a fanout branch's. */
static GParamSpec *
field_pspec (GstWatermarkField field)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;
  const GstWatermarks *d = &default_watermarks;
  const gchar *name = field_names[field];

  switch (field) {
    case GST_WATERMARK_PAUSE_BUFFERS:
      return g_param_spec_uint (name, "Pause buffers", "Queued buffers at "
          "which the queue is full: the writer waits, or buffers are "
          "dropped, as the policy says (a buffer list counts its buffers; "
          "0 = no limit in buffers)", 0, G_MAXUINT, d->pause_buffers, flags);
    case GST_WATERMARK_RESUME_BUFFERS:
      return g_param_spec_uint (name, "Resume buffers", "Queued buffers a "
          "full queue must have fallen to before a waiting writer runs "
          "again (below pause-buffers)", 0, G_MAXUINT, d->resume_buffers,
          flags);
    case GST_WATERMARK_PAUSE_BYTES:
      return g_param_spec_uint64 (name, "Pause bytes", "Queued bytes at "
          "which the queue is full (0 = no limit in bytes)", 0, G_MAXUINT64,
          d->pause_bytes, flags);
    case GST_WATERMARK_RESUME_BYTES:
      return g_param_spec_uint64 (name, "Resume bytes", "Queued bytes a "
          "full queue must have fallen to before a waiting writer runs "
          "again (below pause-bytes)", 0, G_MAXUINT64, d->resume_bytes, flags);
    case GST_WATERMARK_PAUSE_TIME:
      return g_param_spec_uint64 (name, "Pause time", "Running time (ns) "
          "spanned by the queued data at which the queue is full (0 = no "
          "limit in time; alone, data without timestamps is bounded at 200 "
          "buffers)", 0, G_MAXUINT64 - 1, d->pause_time, flags);
    case GST_WATERMARK_RESUME_TIME:
      return g_param_spec_uint64 (name, "Resume time", "Running time (ns) "
          "a full queue must have fallen to before a waiting writer runs "
          "again (below pause-time)", 0, G_MAXUINT64 - 1, d->resume_time,
          flags);
  }
  g_assert_not_reached ();
}

void
gst_watermark_fifo_install_properties (GObjectClass * oclass,
    guint last_prop_id)
{
  guint i;

  for (i = 0; i < N_FIELDS; i++)
    g_object_class_install_property (oclass, last_prop_id + 1 + i,
        field_pspec (i));
}

gboolean
gst_watermark_fifo_set_property (GstWatermarkFifo * fifo, GObject * object,
    guint last_prop_id, guint property_id, const GValue * value)
{
  guint field = field_of (last_prop_id, property_id);
  const gchar *why;
  gchar *str;

  if (field == N_FIELDS)
    return FALSE;
  why = set_field (fifo, field, value);
  if (why == NULL)
    return TRUE;

  /* ERRORS */
  str = g_strdup_value_contents (value);
  g_warning ("%s: %s=%s rejected: %s; keeping the old value",
      GST_IS_OBJECT (object) ? GST_OBJECT_NAME (object) :
      G_OBJECT_TYPE_NAME (object), field_names[field], str, why);
  g_free (str);
  return TRUE;
}

gboolean
gst_watermark_fifo_get_property (GstWatermarkFifo * fifo, guint last_prop_id,
    guint property_id, GValue * value)
{
  guint field = field_of (last_prop_id, property_id);

  if (field == N_FIELDS)
    return FALSE;
  g_mutex_lock (&fifo->lock);
  watermarks_get_field (&fifo->wm, field, value);
  g_mutex_unlock (&fifo->lock);
  return TRUE;
}

void
gst_watermark_fifo_get_watermarks (GstWatermarkFifo * fifo, GstWatermarks * wm)
{
  g_mutex_lock (&fifo->lock);
  *wm = fifo->wm;
  g_mutex_unlock (&fifo->lock);
}

void
gst_watermark_fifo_set_policy (GstWatermarkFifo * fifo,
    GstWatermarkFifoPolicy policy)
{
  g_mutex_lock (&fifo->lock);
  fifo->policy = policy;
  release_locked (fifo);
  g_mutex_unlock (&fifo->lock);
}

GstWatermarkFifoPolicy
gst_watermark_fifo_get_policy (GstWatermarkFifo * fifo)
{
  GstWatermarkFifoPolicy policy;

  g_mutex_lock (&fifo->lock);
  policy = fifo->policy;
  g_mutex_unlock (&fifo->lock);
  return policy;
}

void
gst_watermark_fifo_set_batch (GstWatermarkFifo * fifo, guint buffers,
    GstClockTime max_delay)
{
  g_mutex_lock (&fifo->lock);
  fifo->batch_buffers = buffers;
  fifo->batch_time = max_delay;
  fifo->batch_delay = GST_CLOCK_TIME_IS_VALID (max_delay) ?
      (gint64) (max_delay / GST_USECOND) : -1;
  signal_reader (fifo);
  g_mutex_unlock (&fifo->lock);
}

void
gst_watermark_fifo_get_batch (GstWatermarkFifo * fifo, guint * buffers,
    GstClockTime * max_delay)
{
  g_mutex_lock (&fifo->lock);
  *buffers = fifo->batch_buffers;
  *max_delay = fifo->batch_time;
  g_mutex_unlock (&fifo->lock);
}

void
gst_watermark_fifo_enable_batch (GstWatermarkFifo * fifo, gboolean enable)
{
  g_mutex_lock (&fifo->lock);
  fifo->batch_off = !enable;
  signal_reader (fifo);
  g_mutex_unlock (&fifo->lock);
}

void
gst_watermark_fifo_get_level (GstWatermarkFifo * fifo,
    GstWatermarkLevel * level)
{
  g_mutex_lock (&fifo->lock);
  *level = fifo->level;
  g_mutex_unlock (&fifo->lock);
}

guint
gst_watermark_fifo_foreach_buffer (GstWatermarkFifo * fifo,
    GstWatermarkFifoBufferFunc func, gpointer user_data)
{
  guint i, n, seen = 0;

  g_mutex_lock (&fifo->lock);
  n = gst_queue_array_get_length (fifo->items);
  for (i = 0; i < n; i++) {
    FifoItem *p = gst_queue_array_peek_nth_struct (fifo->items, i);

    if (!GST_IS_BUFFER (p->obj))
      continue;
    seen++;
    if (!func ((GstBuffer **) & p->obj, user_data))
      break;
  }
  g_mutex_unlock (&fifo->lock);
  return seen;
}

void
gst_watermark_fifo_fill_stats (GstWatermarkFifo * fifo, GstStructure * s)
{
  g_mutex_lock (&fifo->lock);
  gst_structure_set (s,
      "pushed", G_TYPE_UINT64, fifo->pushed,
      "popped", G_TYPE_UINT64, fifo->popped,
      "dropped", G_TYPE_UINT64, fifo->dropped,
      "pauses", G_TYPE_UINT64, fifo->pauses,
      "resumes", G_TYPE_UINT64, fifo->resumes,
      "underruns", G_TYPE_UINT64, fifo->underruns,
      "level-buffers", G_TYPE_UINT, fifo->level.buffers,
      "level-bytes", G_TYPE_UINT64, fifo->level.bytes,
      "level-time", G_TYPE_UINT64, fifo->level.time,
      "paused", G_TYPE_BOOLEAN, fifo->paused, NULL);
  g_mutex_unlock (&fifo->lock);
}

GstFlowReturn
gst_watermark_fifo_peek (GstWatermarkFifo * fifo, GstWatermarkLevel * level,
    gboolean * full, GstWatermarkFifoPolicy * policy)
{
  GstFlowReturn flow;

  g_mutex_lock (&fifo->lock);
  flow = writer_flow_locked (fifo);
  *level = fifo->level;
  *full = fifo->paused || is_full (fifo);
  *policy = fifo->policy;
  g_mutex_unlock (&fifo->lock);
  return flow;
}

void
gst_watermark_fifo_watch_room (GstWatermarkFifo * fifo, gboolean watch)
{
  g_mutex_lock (&fifo->lock);
  fifo->watch_room = watch;
  g_mutex_unlock (&fifo->lock);
}

/* the reader's loop */

static void
notify_flow (GstWatermarkFifo * fifo)
{
  GstWatermarkLevel level;

  gst_watermark_fifo_get_level (fifo, &level);
  notify (fifo, GST_WATERMARK_FIFO_FLOW, NULL, &level);
}

/* Downstream returned @ret (not OK) for an item: what @kind does with it. */
static void
handle_flow (GstWatermarkFifo * fifo, GstPad * srcpad, GstFlowReturn ret,
    GstWatermarkFifoReader kind)
{
  gboolean fatal = ret < GST_FLOW_EOS || (ret == GST_FLOW_NOT_LINKED &&
      kind == GST_WATERMARK_FIFO_READER_QUEUE);
  GstElement *element;

  GST_DEBUG_OBJECT (srcpad, "downstream returned %s", gst_flow_get_name (ret));
  if (ret == GST_FLOW_FLUSHING && kind == GST_WATERMARK_FIFO_READER_BRANCH)
    return;
  /* after EOS nobody upstream reports a fatal flow: tell the application
   * and end the stream here */
  if (gst_watermark_fifo_set_flow (fifo, ret) && fatal) {
    if ((element = owner_element (fifo))) {
      GST_ELEMENT_FLOW_ERROR (element, ret);
      gst_object_unref (element);
    }
    gst_pad_push_event (srcpad, gst_event_new_eos ());
  }
  notify_flow (fifo);
}

/* Looked at again after parking, so that a link made meanwhile is not
 * missed. */
static void
park_unlinked (GstWatermarkFifo * fifo, GstPad * srcpad,
    GstWatermarkFifoReader kind)
{
  if (gst_pad_is_linked (srcpad))
    return;
  handle_flow (fifo, srcpad, GST_FLOW_NOT_LINKED, kind);
  if (gst_pad_is_linked (srcpad))
    gst_watermark_fifo_relink (fifo);
}

static GstFlowReturn
forward_item (GstWatermarkFifo * fifo, GstPad * srcpad, GstMiniObject * item)
{
  if (GST_IS_BUFFER (item))
    return gst_pad_push (srcpad, GST_BUFFER_CAST (item));
  if (GST_IS_BUFFER_LIST (item))
    return gst_pad_push_list (srcpad, GST_BUFFER_LIST_CAST (item));
  if (GST_IS_EVENT (item)) {
    gst_pad_push_event (srcpad, GST_EVENT_CAST (item));
    return GST_FLOW_OK;
  }
  gst_watermark_fifo_query_done (fifo, GST_QUERY_CAST (item),
      gst_pad_peer_query (srcpad, GST_QUERY_CAST (item)));
  return GST_FLOW_OK;
}

/* Pushes @item out and handles the flow; FALSE when @srcpad is being
 * flushed or deactivated, which flushes the fifo too. */
static gboolean
forward_and_handle (GstWatermarkFifo * fifo, GstPad * srcpad,
    GstMiniObject * item, GstWatermarkFifoReader kind)
{
  GstFlowReturn ret = forward_item (fifo, srcpad, item);

  if (ret == GST_FLOW_FLUSHING && GST_PAD_IS_FLUSHING (srcpad))
    return FALSE;
  if (ret != GST_FLOW_OK)
    handle_flow (fifo, srcpad, ret, kind);
  return TRUE;
}

void
gst_watermark_fifo_forward_one (GstWatermarkFifo * fifo, GstPad * srcpad,
    GstWatermarkFifoReader kind)
{
  GstMiniObject *item;

  park_unlinked (fifo, srcpad, kind);
  if (gst_watermark_fifo_pop (fifo, &item) != GST_FLOW_OK)
    goto flushing;
  if (!forward_and_handle (fifo, srcpad, item, kind))
    goto flushing;
  return;

  /* ERRORS */
flushing:
  {
    GST_DEBUG_OBJECT (srcpad, "flushing, pausing the task");
    gst_pad_pause_task (srcpad);
  }
}

void
gst_watermark_fifo_set_ready_func (GstWatermarkFifo * fifo,
    GstWatermarkFifoReady ready, gpointer user_data)
{
  g_mutex_lock (&fifo->lock);
  fifo->ready = ready;
  fifo->ready_data = user_data;
  fifo->ready_armed = ready != NULL;
  if (ready)
    signal_reader (fifo);
  g_mutex_unlock (&fifo->lock);
}

/* Takes the head item without waiting; when there is none to take, the
 * ready function will say when there is. NULL then. */
static GstMiniObject *
try_take (GstWatermarkFifo * fifo)
{
  g_mutex_lock (&fifo->lock);
  if (!can_take (fifo)) {
    fifo->ready_armed = TRUE;
    g_mutex_unlock (&fifo->lock);
    return NULL;
  }
  return take_unlock (fifo);
}

gboolean
gst_watermark_fifo_forward_ready (GstWatermarkFifo * fifo, GstPad * srcpad,
    GstWatermarkFifoReader kind)
{
  GstMiniObject *item;

  /* a flushing fifo's pad may be leaving its element: not a word to it */
  if (gst_watermark_fifo_get_flow (fifo) == GST_FLOW_FLUSHING)
    return FALSE;
  park_unlinked (fifo, srcpad, kind);
  if ((item = try_take (fifo)) == NULL)
    return FALSE;
  return forward_and_handle (fifo, srcpad, item, kind);
}
