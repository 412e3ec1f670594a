/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-framebatch
 * @title: framebatch
 *
 * Collects frames from several producers, one request `sink_%u` pad each,
 * into batches and pushes each batch as one #GstBufferList. Producers
 * only add their frame to the open batch, under the element's lock; one
 * thread, the source pad's task, pushes the batches. The open batch is
 * closed, and handed to the task, when
 *
 * - it holds #GstFrameBatch:batch-size frames (full), or
 * - #GstFrameBatch:push-interval has passed since its first frame joined
 *   (timed out; live pipelines, or with #GstFrameBatch:force-live), or
 * - with #GstFrameBatch:policy `one-per-source`, a source that already
 *   has a frame in it brings another one (full: waiting would only age
 *   the frames), or
 * - every sink pad is EOS (drained, see #GstFrameBatch:drain).
 *
 * So the batch rate follows the fastest source and a slow source joins
 * whichever batch is open when its frame arrives: no source is starved
 * and, in a live pipeline, no frame waits in framebatch longer than
 * push-interval. Downstream elements without buffer list support get the
 * frames one by one; `appsink buffer-list=true` gets whole batches.
 *
 * Each frame carries a #GstFrameBatchMeta: the index of its sink pad, its
 * place in the batch, the batch's sequence number and the timestamps it
 * came in with. Its own timestamps are set to running time, in one TIME
 * segment that starts at 0, so that frames of sources with different
 * segments can share a batch.
 *
 * Sources may differ in frame rate: the output caps are the sources'
 * caps, with `framerate=0/1` when their rates differ. Sources that differ
 * in anything else are refused with an error naming both pads and caps.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e framebatch name=b batch-size=2 policy=one-per-source ! \
 *     fakesink sync=true \
 *     videotestsrc is-live=true ! video/x-raw,framerate=30/1 ! b. \
 *     videotestsrc is-live=true pattern=ball ! video/x-raw,framerate=7/1 ! b.
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include <gst/sharedpool/gstframebatchmeta.h>

#include "gstframebatch.h"

GST_DEBUG_CATEGORY_STATIC (gst_frame_batch_debug);
#define GST_CAT_DEFAULT gst_frame_batch_debug

#define DEFAULT_PROP_BATCH_SIZE         4
#define DEFAULT_PROP_PUSH_INTERVAL      (40 * GST_MSECOND)
#define DEFAULT_PROP_POLICY             GST_FRAME_BATCH_POLICY_ANY
#define DEFAULT_PROP_DRAIN              TRUE
#define DEFAULT_PROP_FORCE_LIVE         FALSE

#define MAX_BATCH_SIZE                  1024
#define MAX_PUSH_INTERVAL               (3600 * GST_SECOND)
#define PUSH_INTERVAL_AUTO              (-1)
/* push-interval=auto: one frame period of the fastest source, in this
 * range; the default interval until a period is known */
#define MIN_AUTO_INTERVAL               (2 * GST_MSECOND)
#define MAX_AUTO_INTERVAL               GST_SECOND
/* frame ages are counted in 1 ms bins up to this, the last bin is open */
#define AGE_BINS                        1001
/* the frames of one sink pad that may wait in framebatch, in batches of
 * batch-size: the open one and the one the task pushes */
#define PENDING_BATCHES                 2

enum
{
  PROP_0,
  PROP_BATCH_SIZE,
  PROP_PUSH_INTERVAL,
  PROP_POLICY,
  PROP_DRAIN,
  PROP_FORCE_LIVE,
  PROP_STATS,
};

typedef enum
{
  BATCH_FULL,
  BATCH_TIMED_OUT,
  BATCH_DRAINED,
} BatchReason;

typedef struct
{
  guint64 batches;
  guint64 full;
  guint64 timed_out;
  guint64 drained;
  guint64 frames;
  guint64 dropped;
} BatchStats;

#define GST_TYPE_FRAME_BATCH_PAD (gst_frame_batch_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstFrameBatchPad, gst_frame_batch_pad, GST,
    FRAME_BATCH_PAD, GstPad);

/* Everything under the element's lock. */
struct _GstFrameBatchPad
{
  GstPad parent;

  guint index;                  /* the N of sink_N */
  GstCaps *caps;                /* accepted */
  gboolean caps_refused;
  GstSegment segment;
  gboolean in_batch;            /* has a frame in the open batch */
  guint pending;                /* frames in the open and closed batches */
  gboolean flushing;            /* flush-start, release or stop */
  gboolean eos;
  guint32 flush_start_seqnum;   /* of the last flush-start */
  guint32 flush_stop_seqnum;    /* of the last flush-stop */
  GstClockTime last_pts;        /* for the frame period */
  GstClockTime period;          /* from caps or timestamps, NONE unknown */

  guint64 frames_in;
  guint64 frames_pushed;
  GstClockTime age_max;
  guint32 age_bins[AGE_BINS];
};

/* A frame of a batch. */
typedef struct
{
  GstBuffer *buffer;
  GstFrameBatchPad *pad;
  GstClockTime taken;           /* clock time it joined, NONE without clock */
} BatchFrame;

typedef struct
{
  GArray *frames;               /* BatchFrame */
  GstCaps *caps;                /* the output caps of its frames */
  BatchReason reason;
} Batch;

struct _GstFrameBatch
{
  GstElement parent;

  GstPad *srcpad;

  /* Everything below is under lock. It is taken before the object lock,
   * never after. cond wakes the task (a batch closed or opened, EOS,
   * flush, stop) and producers (room on their pad, flush, stop). */
  GMutex lock;
  GCond cond;

  guint batch_size;
  gint64 push_interval;         /* PUSH_INTERVAL_AUTO or ns */
  GstFrameBatchPolicy policy;
  gboolean drain;
  gboolean force_live;

  Batch *open;                  /* the open batch, maybe empty */
  GstClockTime batch_start;     /* clock time of its first frame */
  GQueue closed;                /* Batch: for the task to push */
  guint64 n_closed;             /* batches closed so far ... */
  guint64 n_done;               /* ... and pushed or dropped */
  guint64 seqnum;               /* of the next batch pushed */
  GstClockTime interval;        /* push-interval in effect */
  GstClockID clock_id;          /* the task's wait for the deadline */

  gboolean running;             /* the task may run: PAUSED and up */
  gboolean flushing;            /* a flush-start went downstream */
  guint32 flush_seqnum;         /* ... with this seqnum */
  guint32 seek_seqnum;          /* of the last seek handled */
  gboolean send_eos;            /* every sink pad is EOS */
  GstFlowReturn flow;           /* of the last push that failed */
  gboolean need_stream_start;
  gboolean need_segment;
  gboolean latency_known;       /* live is known */
  gboolean task_waits;          /* the task waits on cond */
  guint waiters;                /* producers waiting on cond ... */
  guint turn_waiters;           /* ... of which for their turn */
  gboolean live;                /* an upstream source is live */
  guint next_pad_index;

  BatchStats stats;
};

/* The batch rules: each policy is one row. */
typedef struct
{
  /* May the open batch take a frame of @pad, or must it go first? */
  gboolean (*may_join) (GstFrameBatch * self, GstFrameBatchPad * pad);
} BatchPolicy;

G_DEFINE_TYPE (GstFrameBatchPad, gst_frame_batch_pad, GST_TYPE_PAD);

#define gst_frame_batch_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstFrameBatch, gst_frame_batch, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_frame_batch_debug, "framebatch", 0,
        "framebatch element"));
GST_ELEMENT_REGISTER_DEFINE (framebatch, "framebatch", GST_RANK_NONE,
    GST_TYPE_FRAME_BATCH);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GType
gst_frame_batch_policy_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_FRAME_BATCH_POLICY_ANY,
        "Frames in the order they arrive, from any sink pad", "any"},
    {GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE,
        "At most one frame of each sink pad per batch; a second one "
          "closes the batch", "one-per-source"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFrameBatchPolicy", values);

    g_once_init_leave (&type, t);
  }
  return type;
}


/* the sink pad */

static void
gst_frame_batch_pad_finalize (GObject * object)
{
  gst_caps_replace (&GST_FRAME_BATCH_PAD (object)->caps, NULL);

  G_OBJECT_CLASS (gst_frame_batch_pad_parent_class)->finalize (object);
}

static void
gst_frame_batch_pad_class_init (GstFrameBatchPadClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_frame_batch_pad_finalize;
}

/* A new stream on the pad: after a flush-stop or a stop. */
static void
gst_frame_batch_pad_reset (GstFrameBatchPad * pad)
{
  gst_segment_init (&pad->segment, GST_FORMAT_TIME);
  pad->eos = FALSE;
  pad->last_pts = GST_CLOCK_TIME_NONE;
}

static void
gst_frame_batch_pad_init (GstFrameBatchPad * pad)
{
  gst_frame_batch_pad_reset (pad);
  pad->period = GST_CLOCK_TIME_NONE;
}

/* The p-th percentile of a pad's frame ages, to the upper edge of its
 * 1 ms bin but no more than the largest age. */
static GstClockTime
gst_frame_batch_pad_age_percentile (GstFrameBatchPad * pad, guint p)
{
  guint64 rank = (pad->frames_pushed * p + 99) / 100, seen = 0;
  guint i;

  for (i = 0; i < AGE_BINS && rank > 0; i++) {
    seen += pad->age_bins[i];
    if (seen >= rank)
      return MIN ((i + 1) * GST_MSECOND, pad->age_max);
  }
  return 0;
}

static void
gst_frame_batch_pad_count_age (GstFrameBatchPad * pad, GstClockTime age)
{
  pad->frames_pushed++;
  pad->age_max = MAX (pad->age_max, age);
  pad->age_bins[MIN (age / GST_MSECOND, AGE_BINS - 1)]++;
}


/* policies: with the lock */

static gboolean
gst_frame_batch_any_may_join (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  return TRUE;
}

static gboolean
gst_frame_batch_one_per_source_may_join (GstFrameBatch * self,
    GstFrameBatchPad * pad)
{
  return !pad->in_batch;
}

/* *INDENT-OFF* */
static const BatchPolicy policies[] = {
  [GST_FRAME_BATCH_POLICY_ANY] = {gst_frame_batch_any_may_join},
  [GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE] =
      {gst_frame_batch_one_per_source_may_join},
};
/* *INDENT-ON* */

/* batches: with the lock */

static void
batch_frame_clear (BatchFrame * f)
{
  gst_clear_buffer (&f->buffer);
  gst_clear_object (&f->pad);
}

static Batch *
batch_new (void)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->frames = g_array_new (FALSE, FALSE, sizeof (BatchFrame));
  g_array_set_clear_func (batch->frames, (GDestroyNotify) batch_frame_clear);
  return batch;
}

static void
batch_free (Batch * batch)
{
  g_array_unref (batch->frames);
  gst_clear_caps (&batch->caps);
  g_free (batch);
}

/* Signals cond only when the task (or a producer) waits on it: most
 * batches close and go while the other side is busy. */
static void
gst_frame_batch_wake_task (GstFrameBatch * self)
{
  if (self->task_waits)
    g_cond_broadcast (&self->cond);
}

static void
gst_frame_batch_wake_producers (GstFrameBatch * self)
{
  if (self->waiters > 0)
    g_cond_broadcast (&self->cond);
}

/* The element's clock time, NONE without a clock (before PLAYING). */
static GstClockTime
gst_frame_batch_now (GstFrameBatch * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now = GST_CLOCK_TIME_NONE;

  if (clock) {
    now = gst_clock_get_time (clock);
    gst_object_unref (clock);
  }
  return now;
}

/* Moves the timestamps to running time in one segment from 0, and keeps
 * the ones the frame came in with in its meta. */
static GstBuffer *
gst_frame_batch_stamp (GstFrameBatchPad * pad, GstBuffer * buffer)
{
  GstSegment *segment = &pad->segment;
  GstFrameBatchMeta *meta;

  buffer = gst_buffer_make_writable (buffer);
  meta = gst_buffer_add_frame_batch_meta (buffer, pad->index);
  meta->pts = GST_BUFFER_PTS (buffer);
  meta->dts = GST_BUFFER_DTS (buffer);
  meta->duration = GST_BUFFER_DURATION (buffer);
  if (segment->format == GST_FORMAT_TIME) {
    GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (segment,
        GST_FORMAT_TIME, meta->pts);
    GST_BUFFER_DTS (buffer) = gst_segment_to_running_time (segment,
        GST_FORMAT_TIME, meta->dts);
  }
  return buffer;
}

/* A frame period of the pad from its timestamps, when its caps tell
 * none. */
static void
gst_frame_batch_pad_measure (GstFrameBatchPad * pad, GstClockTime pts)
{
  if (GST_CLOCK_TIME_IS_VALID (pad->last_pts) && GST_CLOCK_TIME_IS_VALID (pts)
      && pts > pad->last_pts && !gst_structure_has_field
      (gst_caps_get_structure (pad->caps, 0), "framerate"))
    pad->period = pts - pad->last_pts;
  pad->last_pts = pts;
}

/* The caps of a batch opened now: the sources' caps, with framerate 0/1
 * when their rates differ. */
static GstCaps *
gst_frame_batch_output_caps (GstFrameBatch * self)
{
  GstCaps *caps = NULL;
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *pad = l->data;

    if (!pad->caps)
      continue;
    if (!caps)
      caps = gst_caps_copy (pad->caps);
    else if (!gst_caps_is_equal (caps, pad->caps))
      gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  }
  GST_OBJECT_UNLOCK (self);
  return caps;
}

/* Hands the open batch to the task and opens an empty one. */
static void
gst_frame_batch_close (GstFrameBatch * self, BatchReason reason)
{
  Batch *batch = self->open;
  guint i;

  if (batch->frames->len == 0)
    return;
  for (i = 0; i < batch->frames->len; i++)
    g_array_index (batch->frames, BatchFrame, i).pad->in_batch = FALSE;
  batch->reason = reason;
  g_queue_push_tail (&self->closed, batch);
  self->n_closed++;
  self->open = batch_new ();
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  /* the task pushes it, producers waiting for their turn get it */
  if (self->task_waits || self->turn_waiters > 0)
    g_cond_broadcast (&self->cond);
}

static void
gst_frame_batch_join (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstBuffer * buffer)
{
  GArray *frames = self->open->frames;
  BatchFrame f;

  gst_frame_batch_pad_measure (pad, GST_BUFFER_PTS (buffer));
  f.buffer = gst_frame_batch_stamp (pad, buffer);
  f.pad = gst_object_ref (pad);
  f.taken = gst_frame_batch_now (self);
  if (frames->len == 0) {
    self->batch_start = f.taken;
    gst_caps_take (&self->open->caps, gst_frame_batch_output_caps (self));
    /* the task may have to time it */
    if (self->interval > 0 && (self->live || self->force_live
            || !self->latency_known))
      gst_frame_batch_wake_task (self);
  }
  g_array_append_val (frames, f);
  pad->in_batch = TRUE;
  if (self->turn_waiters > 0)
    g_cond_broadcast (&self->cond);
  pad->pending++;
  pad->frames_in++;
}

/* A frame of @pad: into the open batch, which goes first when the
 * policy says the frame cannot join it (or it is full already, when
 * batch-size was lowered), and after when it is full. */
static void
gst_frame_batch_add (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstBuffer * buffer)
{
  if (self->open->frames->len >= self->batch_size
      || !policies[self->policy].may_join (self, pad))
    gst_frame_batch_close (self, BATCH_FULL);
  gst_frame_batch_join (self, pad, buffer);
  if (self->open->frames->len >= self->batch_size)
    gst_frame_batch_close (self, BATCH_FULL);
}

/* Drops the frames of @pad (all pads when NULL) from @batch; returns how
 * many. */
static guint
gst_frame_batch_drop_frames (GstFrameBatch * self, Batch * batch,
    GstFrameBatchPad * pad)
{
  guint i = 0, n = 0;

  while (i < batch->frames->len) {
    BatchFrame *f = &g_array_index (batch->frames, BatchFrame, i);

    if (pad && f->pad != pad) {
      i++;
      continue;
    }
    f->pad->in_batch = FALSE;
    f->pad->pending--;
    g_array_remove_index (batch->frames, i);
    n++;
  }
  self->stats.dropped += n;
  return n;
}

/* Drops the frames of @pad (all when NULL) that are not pushed yet, in
 * the open and the closed batches; emptied batches cost no seqnum. */
static void
gst_frame_batch_drop_pad_frames (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  GList *l = self->closed.head;

  gst_frame_batch_drop_frames (self, self->open, pad);
  while (l) {
    GList *next = l->next;
    Batch *batch = l->data;

    gst_frame_batch_drop_frames (self, batch, pad);
    if (batch->frames->len == 0) {
      g_queue_delete_link (&self->closed, l);
      batch_free (batch);
      self->n_done++;
    }
    l = next;
  }
  g_cond_broadcast (&self->cond);
}

static void
gst_frame_batch_drop_all (GstFrameBatch * self)
{
  gst_frame_batch_drop_pad_frames (self, NULL);
}

static void
gst_frame_batch_count (GstFrameBatch * self, BatchReason reason, guint n)
{
  self->stats.batches++;
  self->stats.frames += n;
  if (reason == BATCH_FULL)
    self->stats.full++;
  else if (reason == BATCH_TIMED_OUT)
    self->stats.timed_out++;
  else
    self->stats.drained++;
}

/* Empties @batch into a list, counting the frames' ages and making room
 * on their pads. */
static GstBufferList *
gst_frame_batch_take (GstFrameBatch * self, Batch * batch)
{
  GstClockTime now = gst_frame_batch_now (self);
  guint i, n = batch->frames->len;
  GstBufferList *list = gst_buffer_list_new_sized (n);

  static const gchar *reasons[] = { "full", "timed out", "drained" };

  GST_LOG_OBJECT (self, "batch %" G_GUINT64_FORMAT " of %u frames (%s)",
      self->seqnum, n, reasons[batch->reason]);
  for (i = 0; i < n; i++) {
    BatchFrame *f = &g_array_index (batch->frames, BatchFrame, i);
    GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (f->buffer);

    meta->index = i;
    meta->n_frames = n;
    meta->seqnum = self->seqnum;
    if (GST_CLOCK_TIME_IS_VALID (f->taken) && GST_CLOCK_TIME_IS_VALID (now))
      gst_frame_batch_pad_count_age (f->pad, now - f->taken);
    else
      gst_frame_batch_pad_count_age (f->pad, 0);
    f->pad->pending--;
    gst_buffer_list_add (list, g_steal_pointer (&f->buffer));
  }
  gst_frame_batch_count (self, batch->reason, n);
  self->seqnum++;
  gst_frame_batch_wake_producers (self);
  return list;
}

/* pads: with the lock */

static gboolean
gst_frame_batch_all_pads (GstFrameBatch * self,
    gboolean (*test) (GstFrameBatchPad * pad, guint32 seqnum), guint32 seqnum)
{
  gboolean all = TRUE;
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l && all; l = l->next)
    all = test (l->data, seqnum);
  if (!GST_ELEMENT (self)->sinkpads)
    all = FALSE;
  GST_OBJECT_UNLOCK (self);
  return all;
}

static gboolean
pad_is_eos (GstFrameBatchPad * pad, guint32 unused)
{
  return pad->eos;
}

/* Has the pad given the open batch a frame, or will it give none? */
static gboolean
pad_is_done (GstFrameBatchPad * pad, guint32 unused)
{
  return pad->in_batch || pad->eos || pad->flushing;
}

static gboolean
pad_had_flush_start (GstFrameBatchPad * pad, guint32 seqnum)
{
  return pad->flush_start_seqnum == seqnum;
}

static gboolean
pad_had_flush_stop (GstFrameBatchPad * pad, guint32 seqnum)
{
  return pad->flush_stop_seqnum == seqnum;
}

/* Every sink pad is EOS: drain or drop the open batch, then EOS. */
static void
gst_frame_batch_check_eos (GstFrameBatch * self)
{
  if (self->send_eos || !gst_frame_batch_all_pads (self, pad_is_eos, 0))
    return;
  if (self->drain)
    gst_frame_batch_close (self, BATCH_DRAINED);
  else
    gst_frame_batch_drop_frames (self, self->open, NULL);
  self->send_eos = TRUE;
  g_cond_broadcast (&self->cond);
}

/* push-interval in effect: the property, or with auto the shortest frame
 * period of the pads that are not EOS. */
static GstClockTime
gst_frame_batch_current_interval (GstFrameBatch * self)
{
  GstClockTime period = GST_CLOCK_TIME_NONE;
  GList *l;

  if (self->push_interval != PUSH_INTERVAL_AUTO)
    return self->push_interval;
  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *pad = l->data;

    if (GST_CLOCK_TIME_IS_VALID (pad->period) && !pad->eos)
      period = MIN (period, pad->period);
  }
  GST_OBJECT_UNLOCK (self);
  if (!GST_CLOCK_TIME_IS_VALID (period))
    return self->interval;
  return CLAMP (period, MIN_AUTO_INTERVAL, MAX_AUTO_INTERVAL);
}

/* Takes the interval in effect; TRUE when it changed: the caller then
 * posts a LATENCY message, without the lock. */
static gboolean
gst_frame_batch_refresh_interval (GstFrameBatch * self)
{
  GstClockTime interval = gst_frame_batch_current_interval (self);

  if (interval == self->interval)
    return FALSE;
  self->interval = interval;
  /* the task waits for the deadline of the old interval */
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  return TRUE;
}

static void
gst_frame_batch_post_latency (GstFrameBatch * self)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
}

static void
gst_frame_batch_update_interval (GstFrameBatch * self)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = gst_frame_batch_refresh_interval (self);
  g_mutex_unlock (&self->lock);
  if (changed)
    gst_frame_batch_post_latency (self);
}

/* latency */

typedef struct
{
  gboolean live;
  GstClockTime min;
  GstClockTime max;
} LatencyFold;

/* Folds the answer of one upstream peer: live ones only, the largest
 * minimum and the smallest maximum. */
static gboolean
gst_frame_batch_fold_latency (const GValue * item, GValue * unused,
    LatencyFold * fold)
{
  GstPad *pad = g_value_get_object (item);
  GstQuery *query = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  if (gst_pad_peer_query (pad, query)) {
    gst_query_parse_latency (query, &live, &min, &max);
    if (live) {
      fold->live = TRUE;
      fold->min = MAX (fold->min, min);
      if (GST_CLOCK_TIME_IS_VALID (max))
        fold->max = MIN (fold->max, max);
    }
  }
  gst_query_unref (query);
  return TRUE;
}

static LatencyFold
gst_frame_batch_query_upstream (GstFrameBatch * self)
{
  LatencyFold fold = { FALSE, 0, GST_CLOCK_TIME_NONE };
  GstIterator *it = gst_element_iterate_sink_pads (GST_ELEMENT (self));

  while (gst_iterator_fold (it, (GstIteratorFoldFunction)
          gst_frame_batch_fold_latency, NULL, &fold) == GST_ITERATOR_RESYNC) {
    gst_iterator_resync (it);
    fold.live = FALSE;
    fold.min = 0;
    fold.max = GST_CLOCK_TIME_NONE;
  }
  gst_iterator_free (it);

  g_mutex_lock (&self->lock);
  self->live = fold.live;
  self->latency_known = TRUE;
  g_mutex_unlock (&self->lock);
  return fold;
}

/* Live (or force-live): upstream's latency plus push-interval, no
 * bound on how much later downstream may take the batches beyond
 * upstream's. */
static gboolean
gst_frame_batch_latency_query (GstFrameBatch * self, GstQuery * query)
{
  LatencyFold fold = gst_frame_batch_query_upstream (self);
  GstClockTime interval;

  g_mutex_lock (&self->lock);
  interval = self->interval;
  fold.live |= self->force_live;
  g_mutex_unlock (&self->lock);
  if (fold.live) {
    fold.min += interval;
    if (GST_CLOCK_TIME_IS_VALID (fold.max))
      fold.max += interval;
  }
  gst_query_set_latency (query, fold.live, fold.min, fold.max);
  return TRUE;
}

/* the task */

static gboolean
gst_frame_batch_must_pause (GstFrameBatch * self)
{
  return !self->running || self->flushing || self->flow != GST_FLOW_OK;
}

/* Does the open batch wait for its deadline on @clock (reffed)? */
static gboolean
gst_frame_batch_is_timed (GstFrameBatch * self, GstClock ** clock)
{
  if (self->open->frames->len == 0 || self->interval == 0
      || !(self->live || self->force_live))
    return FALSE;
  *clock = gst_element_get_clock (GST_ELEMENT (self));
  return *clock != NULL;
}

/* Waits on @clock until push-interval after the open batch's first
 * frame, or until woken; then closes the batch if it is due. */
static void
gst_frame_batch_wait_deadline (GstFrameBatch * self, GstClock * clock)
{
  guint64 closed = self->n_closed;
  GstClockTime deadline;
  GstClockID id;

  /* a batch opened without a clock starts its interval now */
  if (!GST_CLOCK_TIME_IS_VALID (self->batch_start))
    self->batch_start = gst_clock_get_time (clock);
  deadline = self->batch_start + self->interval;
  id = gst_clock_new_single_shot_id (clock, deadline);
  self->clock_id = id;
  g_mutex_unlock (&self->lock);
  gst_clock_id_wait (id, NULL);
  g_mutex_lock (&self->lock);
  self->clock_id = NULL;
  gst_clock_id_unref (id);
  if (closed == self->n_closed && !gst_frame_batch_must_pause (self)
      && gst_clock_get_time (clock) >= deadline)
    gst_frame_batch_close (self, BATCH_TIMED_OUT);
}

/* Waits until a batch is closed, EOS is due, or the task must pause. */
static void
gst_frame_batch_wait (GstFrameBatch * self)
{
  GstClock *clock = NULL;

  while (!gst_frame_batch_must_pause (self) && g_queue_is_empty (&self->closed)
      && !self->send_eos) {
    if (!self->latency_known && self->open->frames->len > 0) {
      g_mutex_unlock (&self->lock);
      gst_frame_batch_query_upstream (self);
      g_mutex_lock (&self->lock);
    } else if (gst_frame_batch_is_timed (self, &clock)) {
      gst_frame_batch_wait_deadline (self, clock);
      gst_clear_object (&clock);
    } else {
      self->task_waits = TRUE;
      g_cond_wait (&self->cond, &self->lock);
      self->task_waits = FALSE;
    }
  }
}

/* Stream-start, caps (when they changed) and segment, in that order,
 * before a batch. */
static void
gst_frame_batch_push_events (GstFrameBatch * self, GstCaps * caps)
{
  GstCaps *current = gst_pad_get_current_caps (self->srcpad);
  gboolean stream_start, segment;
  GstSegment seg;

  g_mutex_lock (&self->lock);
  stream_start = self->need_stream_start;
  segment = self->need_segment;
  self->need_stream_start = self->need_segment = FALSE;
  g_mutex_unlock (&self->lock);

  if (stream_start) {
    gchar *id = g_strdup_printf ("framebatch-%08x%08x", g_random_int (),
        g_random_int ());

    gst_pad_push_event (self->srcpad, gst_event_new_stream_start (id));
    g_free (id);
  }
  if (caps && (!current || !gst_caps_is_equal (caps, current)))
    gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  if (segment) {
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
  }
  gst_clear_caps (&current);
}

/* Pushes @batch, without the lock. */
static GstFlowReturn
gst_frame_batch_push (GstFrameBatch * self, Batch * batch)
{
  GstBufferList *list;
  GstFlowReturn ret;
  guint n = batch->frames->len;

  list = gst_frame_batch_take (self, batch);
  g_mutex_unlock (&self->lock);
  gst_frame_batch_push_events (self, batch->caps);
  ret = gst_pad_push_list (self->srcpad, list);
  batch_free (batch);
  g_mutex_lock (&self->lock);
  if (ret != GST_FLOW_OK)
    self->stats.dropped += n;
  self->n_done++;
  gst_frame_batch_wake_producers (self);
  return ret;
}

static void
gst_frame_batch_push_eos (GstFrameBatch * self)
{
  GstEvent *eos = gst_event_new_eos ();

  self->send_eos = FALSE;
  g_mutex_unlock (&self->lock);
  gst_frame_batch_push_events (self, NULL);
  gst_pad_push_event (self->srcpad, eos);
  g_mutex_lock (&self->lock);
}

/* The task stops on a flow error until a flush or a restart; the
 * producers get the error. */
static void
gst_frame_batch_pause (GstFrameBatch * self, GstFlowReturn ret)
{
  /* flushing: a flush restarts the task, the producers go on */
  if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING
      && self->flow == GST_FLOW_OK)
    self->flow = ret;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  gst_pad_pause_task (self->srcpad);
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  }
}

static void
gst_frame_batch_loop (GstFrameBatch * self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  Batch *batch;

  g_mutex_lock (&self->lock);
  gst_frame_batch_wait (self);
  if (gst_frame_batch_must_pause (self))
    goto pause;
  batch = g_queue_pop_head (&self->closed);
  if (batch)
    ret = gst_frame_batch_push (self, batch);
  else
    gst_frame_batch_push_eos (self);
  if (ret != GST_FLOW_OK || (!batch && g_queue_is_empty (&self->closed)))
    goto pause;
  g_mutex_unlock (&self->lock);
  return;

pause:
  GST_DEBUG_OBJECT (self, "pausing task: %s", gst_flow_get_name (ret));
  gst_frame_batch_pause (self, ret);
}

static void
gst_frame_batch_start_task (GstFrameBatch * self)
{
  gst_pad_start_task (self->srcpad, (GstTaskFunction) gst_frame_batch_loop,
      self, NULL);
}

/* flushes */

/* Drops every batch, sends flush-start downstream and stops the task;
 * with the lock, which it drops. */
static void
gst_frame_batch_start_flush (GstFrameBatch * self, guint32 seqnum)
{
  GstEvent *event = gst_event_new_flush_start ();

  /* frames of a source that flushes after this are stale; those that
   * come after its flush-stop are kept for after ours */
  gst_frame_batch_drop_all (self);
  self->flushing = TRUE;
  self->flush_seqnum = seqnum;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  gst_event_set_seqnum (event, seqnum);
  gst_pad_push_event (self->srcpad, event);
  gst_pad_pause_task (self->srcpad);
}

/* Flush-stop goes downstream and the task starts again, with the frames
 * that came after their source's flush-stop; with the lock, which it
 * drops. */
static void
gst_frame_batch_stop_flush (GstFrameBatch * self, guint32 seqnum)
{
  GstEvent *event = gst_event_new_flush_stop (TRUE);

  self->flushing = FALSE;
  self->send_eos = FALSE;
  self->flow = GST_FLOW_OK;
  self->need_segment = TRUE;
  gst_event_set_seqnum (event, seqnum);
  g_mutex_unlock (&self->lock);

  gst_pad_push_event (self->srcpad, event);
  gst_frame_batch_start_task (self);
}

/* Once every sink pad had a flush-stop of @seqnum (a seek's, or the only
 * pad's), while a flush went downstream. With the lock, which it
 * drops. */
static void
gst_frame_batch_maybe_stop_flush (GstFrameBatch * self, guint32 seqnum)
{
  if (self->flushing && gst_frame_batch_all_pads (self, pad_had_flush_stop,
          seqnum))
    gst_frame_batch_stop_flush (self, seqnum);
  else
    g_mutex_unlock (&self->lock);
}

/* A flush of one pad drops its frames in the open batch; once every pad
 * had it, one flush-start goes downstream. */
static void
gst_frame_batch_pad_flush_start (GstFrameBatch * self, GstFrameBatchPad * pad,
    guint32 seqnum)
{
  g_mutex_lock (&self->lock);
  pad->flushing = TRUE;
  pad->flush_start_seqnum = seqnum;
  gst_frame_batch_drop_pad_frames (self, pad);
  g_cond_broadcast (&self->cond);
  if (!self->flushing && gst_frame_batch_all_pads (self, pad_had_flush_start,
          seqnum))
    gst_frame_batch_start_flush (self, seqnum);
  else
    g_mutex_unlock (&self->lock);
}

static void
gst_frame_batch_pad_flush_stop (GstFrameBatch * self, GstFrameBatchPad * pad,
    guint32 seqnum)
{
  g_mutex_lock (&self->lock);
  pad->flushing = FALSE;
  pad->flush_stop_seqnum = seqnum;
  gst_frame_batch_pad_reset (pad);
  gst_frame_batch_maybe_stop_flush (self, seqnum);
}

/* the sink pads */

/* Not live, a frame that the policy keeps out of the open batch waits
 * until every other source has a frame in it (or is EOS): a merge, as a
 * non-live aggregator does, so that one-per-source batches hold one
 * frame of each source. */
static gboolean
gst_frame_batch_must_wait_turn (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  return !self->live && !self->force_live && self->open->frames->len > 0
      && !policies[self->policy].may_join (self, pad)
      && !gst_frame_batch_all_pads (self, pad_is_done, 0);
}

/* Until the pad has room for a frame (and, not live, its turn); the
 * reason it cannot take one otherwise. */
static GstFlowReturn
gst_frame_batch_wait_room (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  for (;;) {
    if (pad->flushing || !self->running)
      return GST_FLOW_FLUSHING;
    if (self->flow != GST_FLOW_OK)
      return self->flow;
    if (pad->eos)
      return GST_FLOW_EOS;
    if (pad->pending >= PENDING_BATCHES * self->batch_size) {
      self->waiters++;
      g_cond_wait (&self->cond, &self->lock);
      self->waiters--;
    } else if (gst_frame_batch_must_wait_turn (self, pad)) {
      self->waiters++;
      self->turn_waiters++;
      g_cond_wait (&self->cond, &self->lock);
      self->turn_waiters--;
      self->waiters--;
    } else {
      return GST_FLOW_OK;
    }
  }
}

static GstFlowReturn
gst_frame_batch_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);
  GstFlowReturn ret;
  gboolean changed;

  g_mutex_lock (&self->lock);
  if (!self->latency_known) {
    g_mutex_unlock (&self->lock);
    gst_frame_batch_query_upstream (self);
    g_mutex_lock (&self->lock);
  }
  ret = gst_frame_batch_wait_room (self, bpad);
  if (ret != GST_FLOW_OK)
    goto refused;
  if (!bpad->caps)
    goto no_caps;
  gst_frame_batch_add (self, bpad, buffer);
  changed = gst_frame_batch_refresh_interval (self);
  g_mutex_unlock (&self->lock);
  if (changed)
    gst_frame_batch_post_latency (self);
  return GST_FLOW_OK;

  /* ERRORS */
refused:
  {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buffer);
    return ret;
  }
no_caps:
  {
    gboolean refused = bpad->caps_refused;

    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buffer);
    if (!refused)
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
          ("%s got a frame before caps", GST_PAD_NAME (pad)));
    return GST_FLOW_NOT_NEGOTIATED;
  }
}

/* @caps without their framerate, which may differ between sources. */
static GstCaps *
gst_frame_batch_caps_without_rate (const GstCaps * caps)
{
  GstCaps *copy = gst_caps_copy (caps);
  guint i;

  for (i = 0; i < gst_caps_get_size (copy); i++)
    gst_structure_remove_field (gst_caps_get_structure (copy, i), "framerate");
  return copy;
}

static gboolean
gst_frame_batch_caps_compatible (const GstCaps * a, const GstCaps * b)
{
  GstCaps *ra = gst_frame_batch_caps_without_rate (a);
  GstCaps *rb = gst_frame_batch_caps_without_rate (b);
  gboolean equal = gst_caps_is_equal (ra, rb);

  gst_caps_unref (ra);
  gst_caps_unref (rb);
  return equal;
}


/* Another pad whose caps differ from @caps in more than framerate,
 * reffed, or NULL. */
static GstFrameBatchPad *
gst_frame_batch_find_conflict (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstCaps * caps)
{
  GstFrameBatchPad *found = NULL;
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l && !found; l = l->next) {
    GstFrameBatchPad *other = l->data;

    if (other != pad && other->caps
        && !gst_frame_batch_caps_compatible (other->caps, caps))
      found = gst_object_ref (other);
  }
  GST_OBJECT_UNLOCK (self);
  return found;
}

static GstClockTime
gst_frame_batch_caps_period (GstCaps * caps)
{
  gint n = 0, d = 1;

  if (!gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
          "framerate", &n, &d) || n <= 0 || d <= 0)
    return GST_CLOCK_TIME_NONE;
  return gst_util_uint64_scale_int (GST_SECOND, d, n);
}


/* Caps are accepted or refused under one lock, which makes the refusal
 * of the second of two mismatched sources certain. The frames of the
 * open batch go out first, in a batch of their own, when the new caps
 * differ from theirs in more than framerate. */
static gboolean
gst_frame_batch_accept_caps (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstCaps * caps)
{
  GstFrameBatchPad *other;
  GstCaps *other_caps;

  g_mutex_lock (&self->lock);
  other = gst_frame_batch_find_conflict (self, pad, caps);
  if (other)
    goto mismatch;
  if (self->open->frames->len > 0
      && !gst_frame_batch_caps_compatible (self->open->caps, caps))
    gst_frame_batch_close (self, BATCH_DRAINED);
  gst_caps_replace (&pad->caps, caps);
  pad->caps_refused = FALSE;
  /* auto's interval changes with the next frame */
  pad->period = gst_frame_batch_caps_period (caps);
  g_mutex_unlock (&self->lock);
  return TRUE;

  /* ERRORS */
mismatch:
  {
    pad->caps_refused = TRUE;
    other_caps = gst_caps_ref (other->caps);
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("All sources of framebatch must have the same format and size"),
        ("%s has caps %" GST_PTR_FORMAT " but %s has %" GST_PTR_FORMAT
            " (only the framerate may differ)", GST_PAD_NAME (pad), caps,
            GST_PAD_NAME (other), other_caps));
    gst_caps_unref (other_caps);
    gst_object_unref (other);
    return FALSE;
  }
}

static void
gst_frame_batch_pad_eos (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  pad->eos = TRUE;
  /* producers waiting for their turn may go on */
  g_cond_broadcast (&self->cond);
  gst_frame_batch_check_eos (self);
  changed = gst_frame_batch_refresh_interval (self);
  g_mutex_unlock (&self->lock);
  if (changed)
    gst_frame_batch_post_latency (self);
}

static void
gst_frame_batch_pad_segment (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstEvent * event)
{
  g_mutex_lock (&self->lock);
  gst_event_copy_segment (event, &pad->segment);
  g_mutex_unlock (&self->lock);
}

/* Stream-start, segment, gap, tags and the other serialized events stop
 * here: the task sends its own stream-start, caps and segment. */
static gboolean
gst_frame_batch_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);
  gboolean ret = TRUE;
  GstCaps *caps;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = gst_frame_batch_accept_caps (self, bpad, caps);
      break;
    case GST_EVENT_SEGMENT:
      gst_frame_batch_pad_segment (self, bpad, event);
      break;
    case GST_EVENT_EOS:
      gst_frame_batch_pad_eos (self, bpad);
      break;
    case GST_EVENT_FLUSH_START:
      gst_frame_batch_pad_flush_start (self, bpad, GST_EVENT_SEQNUM (event));
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_frame_batch_pad_flush_stop (self, bpad, GST_EVENT_SEQNUM (event));
      break;
    default:
      if (!GST_EVENT_IS_SERIALIZED (event))
        return gst_pad_event_default (pad, parent, event);
      break;
  }
  gst_event_unref (event);
  return ret;
}

/* A DRAIN query closes the open batch and returns once it is pushed. */
static void
gst_frame_batch_drain (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  guint64 closed;

  g_mutex_lock (&self->lock);
  gst_frame_batch_close (self, BATCH_DRAINED);
  closed = self->n_closed;
  self->waiters++;
  while (self->n_done < closed && !gst_frame_batch_must_pause (self)
      && !pad->flushing)
    g_cond_wait (&self->cond, &self->lock);
  self->waiters--;
  g_mutex_unlock (&self->lock);
}

/* A caps query answers the template, any caps: mismatched caps reach the
 * CAPS event, where they are a clear error, rather than a not-negotiated
 * from the source. No allocation is proposed: the frames are upstream's
 * to allocate. */
static gboolean
gst_frame_batch_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_DRAIN:
      gst_frame_batch_drain (self, GST_FRAME_BATCH_PAD (pad));
      return TRUE;
    case GST_QUERY_ALLOCATION:
      return FALSE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* the src pad */

/* A flushing seek: one flush-start downstream at once, the seek to every
 * source, and flush-stop once every source flushed. */
static gboolean
gst_frame_batch_seek (GstFrameBatch * self, GstPad * pad, GstEvent * event)
{
  GstSeekFlags flags;
  guint32 seqnum = GST_EVENT_SEQNUM (event);
  gboolean ret;

  gst_event_parse_seek (event, NULL, NULL, &flags, NULL, NULL, NULL, NULL);
  g_mutex_lock (&self->lock);
  if (seqnum == self->seek_seqnum)
    goto duplicate;
  self->seek_seqnum = seqnum;
  if ((flags & GST_SEEK_FLAG_FLUSH) && !self->flushing && self->running)
    gst_frame_batch_start_flush (self, seqnum);
  else
    g_mutex_unlock (&self->lock);

  ret = gst_pad_event_default (pad, GST_OBJECT (self), event);
  if (!ret) {
    /* no flush-stop will come */
    g_mutex_lock (&self->lock);
    if (self->flushing && self->flush_seqnum == seqnum)
      gst_frame_batch_stop_flush (self, seqnum);
    else
      g_mutex_unlock (&self->lock);
  }
  return ret;

duplicate:
  {
    g_mutex_unlock (&self->lock);
    gst_event_unref (event);
    return TRUE;
  }
}

static gboolean
gst_frame_batch_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEEK)
    return gst_frame_batch_seek (GST_FRAME_BATCH (parent), pad, event);
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_frame_batch_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return gst_frame_batch_latency_query (GST_FRAME_BATCH (parent), query);
  return gst_pad_query_default (pad, parent, query);
}

/* Drops what is held and clears the flow state: a new start. With the
 * lock. */
static void
gst_frame_batch_reset (GstFrameBatch * self)
{
  GList *l;

  gst_frame_batch_drop_all (self);
  self->flushing = FALSE;
  self->send_eos = FALSE;
  self->flow = GST_FLOW_OK;
  self->need_stream_start = self->need_segment = TRUE;
  self->latency_known = FALSE;
  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *pad = l->data;

    pad->flushing = FALSE;
    gst_frame_batch_pad_reset (pad);
  }
  GST_OBJECT_UNLOCK (self);
}

/* The task runs while the src pad is active; stopping it first wakes
 * everything that waits: the task and the producers. */
static gboolean
gst_frame_batch_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->lock);
  gst_frame_batch_reset (self);
  self->running = active;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (active)
    gst_frame_batch_start_task (self);
  else
    gst_pad_stop_task (pad);
  return TRUE;
}

/* request pads */

static GstPad *
gst_frame_batch_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstFrameBatchPad *pad;
  guint index;
  gchar *pad_name;

  g_mutex_lock (&self->lock);
  if (name && sscanf (name, "sink_%u", &index) == 1)
    self->next_pad_index = MAX (self->next_pad_index, index + 1);
  else
    index = self->next_pad_index++;
  self->latency_known = FALSE;
  g_mutex_unlock (&self->lock);

  pad_name = g_strdup_printf ("sink_%u", index);
  pad = g_object_new (GST_TYPE_FRAME_BATCH_PAD, "name", pad_name,
      "direction", GST_PAD_SINK, "template", templ, NULL);
  g_free (pad_name);
  pad->index = index;
  gst_pad_set_chain_function (GST_PAD (pad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_chain));
  gst_pad_set_event_function (GST_PAD (pad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_event));
  gst_pad_set_query_function (GST_PAD (pad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_query));
  /* a pad added while the others flush does not hold the flush */
  g_mutex_lock (&self->lock);
  pad->flush_stop_seqnum = self->flush_seqnum;
  g_mutex_unlock (&self->lock);
  if (!gst_element_add_pad (element, GST_PAD (pad)))
    goto add_failed;
  return GST_PAD (pad);

  /* ERRORS */
add_failed:
  {
    GST_WARNING_OBJECT (self, "could not add pad %s", GST_PAD_NAME (pad));
    gst_object_unref (pad);
    return NULL;
  }
}

/* A released pad's frames in the open batch are dropped; its producer,
 * if it waits for room, is woken. */
static void
gst_frame_batch_release_pad (GstElement * element, GstPad * pad)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);

  g_mutex_lock (&self->lock);
  bpad->flushing = TRUE;
  gst_frame_batch_drop_pad_frames (self, bpad);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  gst_element_remove_pad (element, pad);

  g_mutex_lock (&self->lock);
  gst_frame_batch_check_eos (self);
  gst_frame_batch_maybe_stop_flush (self, self->flush_seqnum);
  gst_frame_batch_update_interval (self);
}

static GstStateChangeReturn
gst_frame_batch_change_state (GstElement * element, GstStateChange transition)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstStateChangeReturn ret;
  gboolean force_live;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  g_mutex_lock (&self->lock);
  force_live = self->force_live;
  /* the clock is there in PLAYING: the task may time the open batch */
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (force_live && (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED))
    ret = GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

/* properties */

static GstStructure *
gst_frame_batch_pad_stats (GstFrameBatchPad * pad)
{
  return gst_structure_new ("GstFrameBatchSourceStats",
      "frames-in", G_TYPE_UINT64, pad->frames_in,
      "frames-pushed", G_TYPE_UINT64, pad->frames_pushed,
      "age-max", G_TYPE_UINT64, pad->age_max,
      "age-p99", G_TYPE_UINT64, gst_frame_batch_pad_age_percentile (pad, 99),
      NULL);
}

static GstStructure *
gst_frame_batch_get_stats (GstFrameBatch * self)
{
  GstStructure *s;
  GList *l;

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("GstFrameBatchStats",
      "batches", G_TYPE_UINT64, self->stats.batches,
      "full-batches", G_TYPE_UINT64, self->stats.full,
      "timed-out-batches", G_TYPE_UINT64, self->stats.timed_out,
      "drained-batches", G_TYPE_UINT64, self->stats.drained,
      "frames", G_TYPE_UINT64, self->stats.frames,
      "dropped", G_TYPE_UINT64, self->stats.dropped,
      "push-interval", G_TYPE_UINT64, self->interval, NULL);
  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstStructure *ps = gst_frame_batch_pad_stats (l->data);

    gst_structure_set (s, GST_PAD_NAME (l->data), GST_TYPE_STRUCTURE, ps, NULL);
    gst_structure_free (ps);
  }
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->lock);
  return s;
}

static void
gst_frame_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      /* producers may have room now */
      g_cond_broadcast (&self->cond);
      break;
    case PROP_PUSH_INTERVAL:
      self->push_interval = g_value_get_int64 (value);
      break;
    case PROP_POLICY:
      self->policy = g_value_get_enum (value);
      break;
    case PROP_DRAIN:
      self->drain = g_value_get_boolean (value);
      break;
    case PROP_FORCE_LIVE:
      self->force_live = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);

  if (prop_id == PROP_PUSH_INTERVAL)
    gst_frame_batch_update_interval (self);
}

static void
gst_frame_batch_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_frame_batch_get_stats (self));
    return;
  }

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_PUSH_INTERVAL:
      g_value_set_int64 (value, self->push_interval);
      break;
    case PROP_POLICY:
      g_value_set_enum (value, self->policy);
      break;
    case PROP_DRAIN:
      g_value_set_boolean (value, self->drain);
      break;
    case PROP_FORCE_LIVE:
      g_value_set_boolean (value, self->force_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

/* class */

static void
gst_frame_batch_finalize (GObject * object)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);

  batch_free (self->open);
  g_queue_clear_full (&self->closed, (GDestroyNotify) batch_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_frame_batch_install_properties (GObjectClass * gobject_class)
{
  /**
   * GstFrameBatch:batch-size:
   *
   * The most frames in a batch; a batch of that many is pushed at once.
   */
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "Push a batch as soon as it holds this many frames", 1,
          MAX_BATCH_SIZE, DEFAULT_PROP_BATCH_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:push-interval:
   *
   * The longest a frame waits in framebatch, from the first frame of its
   * batch: the batch is pushed then, full or not. Waited on the pipeline
   * clock, so only in a live pipeline (or with force-live), and reported
   * as latency. 0: only full batches (and partial ones at EOS). -1
   * (auto): one frame period of the fastest source that is not EOS, from
   * its caps' framerate or else its timestamps, clamped to 2 ms – 1 s; the
   * value in effect is the `push-interval` field of
   * #GstFrameBatch:stats, and a change of it posts a LATENCY message.
   */
  g_object_class_install_property (gobject_class, PROP_PUSH_INTERVAL,
      g_param_spec_int64 ("push-interval", "Push interval",
          "Push a partial batch this long (in ns) after its first frame "
          "(0 = only full batches, -1 = auto: one frame period of the "
          "fastest source)", PUSH_INTERVAL_AUTO, MAX_PUSH_INTERVAL,
          DEFAULT_PROP_PUSH_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:policy:
   *
   * Which frames make up a batch.
   */
  g_object_class_install_property (gobject_class, PROP_POLICY,
      g_param_spec_enum ("policy", "Policy",
          "Which frames make up a batch: any (in arrival order) or "
          "one-per-source (at most one frame of each sink pad; a second "
          "one closes the batch)", GST_TYPE_FRAME_BATCH_POLICY,
          DEFAULT_PROP_POLICY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:drain:
   *
   * What becomes of the open batch when every sink pad is EOS.
   */
  g_object_class_install_property (gobject_class, PROP_DRAIN,
      g_param_spec_boolean ("drain", "Drain",
          "When every sink pad is EOS, push the partial batch (true) or "
          "drop it and count its frames (false)", DEFAULT_PROP_DRAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:force-live:
   *
   * Time batches on the pipeline clock even when no source is live, so
   * that push-interval applies to non-live input too. The element then
   * acts as a live source: the pipeline does not preroll.
   */
  g_object_class_install_property (gobject_class, PROP_FORCE_LIVE,
      g_param_spec_boolean ("force-live", "Force live",
          "Time batches on the clock even when no source is live (the "
          "pipeline then does not preroll)", DEFAULT_PROP_FORCE_LIVE,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * GstFrameBatch:stats:
   *
   * Counters, in a structure named `GstFrameBatchStats` (all guint64):
   * `batches` pushed, of which `full-batches`, `timed-out-batches` and
   * `drained-batches`; `frames` pushed; `dropped` frames (flush, released
   * pad, drain=false, failed downstream); `push-interval`, the interval
   * in effect in ns. And for each sink pad, a field of its name holding a
   * `GstFrameBatchSourceStats` structure: `frames-in` (taken into a
   * batch), `frames-pushed`, `age-max` and `age-p99`, the time from a
   * frame joining its batch to the batch going out, in ns (p99 to 1 ms).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Batches pushed (full, timed out, drained), frames pushed and "
          "dropped, the push interval in effect, and per source frames in, "
          "frames pushed and frame age (max, p99)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}


static void
gst_frame_batch_class_init (GstFrameBatchClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_frame_batch_finalize;
  gobject_class->set_property = gst_frame_batch_set_property;
  gobject_class->get_property = gst_frame_batch_get_property;
  gst_frame_batch_install_properties (gobject_class);

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_frame_batch_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_frame_batch_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_frame_batch_change_state);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_FRAME_BATCH_PAD);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Frame batch",
      "Generic", "Batches frames of several producers by count, source and "
      "push interval into buffer lists", "gst-sharedpool developers");

  gst_type_mark_as_plugin_api (GST_TYPE_FRAME_BATCH_POLICY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_FRAME_BATCH_PAD, 0);
}

static void
gst_frame_batch_init (GstFrameBatch * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->batch_size = DEFAULT_PROP_BATCH_SIZE;
  self->push_interval = DEFAULT_PROP_PUSH_INTERVAL;
  self->policy = DEFAULT_PROP_POLICY;
  self->drain = DEFAULT_PROP_DRAIN;
  self->interval = DEFAULT_PROP_PUSH_INTERVAL;
  self->batch_start = GST_CLOCK_TIME_NONE;
  self->open = batch_new ();
  g_queue_init (&self->closed);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_activate_mode));
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_event));
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_query));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
