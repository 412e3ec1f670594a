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
 * into batches and pushes each batch as one #GstBufferList. A
 * #GstAggregator: producers only queue their frames; the source pad's
 * task takes them into the open batch and pushes it when
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
    FRAME_BATCH_PAD, GstAggregatorPad);

/* Everything under the element's object lock. */
struct _GstFrameBatchPad
{
  GstAggregatorPad parent;

  guint index;                  /* the N of sink_N */
  GstCaps *caps;                /* accepted, before they queue: for
                                 * mismatches */
  GstCaps *current_caps;        /* of the frames the task takes now */
  guint64 joined;               /* 1 + seqnum of the batch it is in */
  GstClockTime last_pts;        /* for the frame period */
  GstClockTime period;          /* from caps or timestamps, NONE unknown */

  guint64 frames_in;
  guint64 frames_pushed;
  GstClockTime age_max;
  guint32 age_bins[AGE_BINS];
};

/* A frame of the open batch. */
typedef struct
{
  GstBuffer *buffer;
  GstFrameBatchPad *pad;
  GstClockTime taken;           /* clock time it joined, NONE without clock */
} BatchFrame;

struct _GstFrameBatch
{
  GstAggregator parent;

  /* Everything below is under the object lock. */
  guint batch_size;
  gint64 push_interval;         /* PUSH_INTERVAL_AUTO or ns */
  GstFrameBatchPolicy policy;
  gboolean drain;
  gboolean force_live;

  GArray *batch;                /* BatchFrame: the open batch */
  guint64 seqnum;               /* ... and its sequence number */
  GstClockTime batch_start;     /* clock time of its first frame */
  GstClockTime interval;        /* push-interval in effect */
  GstCaps *batch_caps;          /* of the open batch's frames */
  GstClockTime latency;         /* the aggregator's, seen last aggregate;
                                 * at first our own part, a lower bound */
  BatchStats stats;
};

/* The batch rules: each policy is one row. */
typedef struct
{
  /* May the open batch take a frame of @pad, or must it go first? */
  gboolean (*may_join) (GstFrameBatch * self, GstFrameBatchPad * pad);
} BatchPolicy;

G_DEFINE_TYPE (GstFrameBatchPad, gst_frame_batch_pad, GST_TYPE_AGGREGATOR_PAD);

#define gst_frame_batch_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstFrameBatch, gst_frame_batch, GST_TYPE_AGGREGATOR,
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
        "Frames in running-time order, from any sink pad", "any"},
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
gst_frame_batch_pad_constructed (GObject * object)
{
  GstFrameBatchPad *pad = GST_FRAME_BATCH_PAD (object);
  const gchar *name = GST_PAD_NAME (pad);

  G_OBJECT_CLASS (gst_frame_batch_pad_parent_class)->constructed (object);
  if (g_str_has_prefix (name, "sink_"))
    pad->index = (guint) g_ascii_strtoull (name + 5, NULL, 10);
}

static void
gst_frame_batch_pad_finalize (GObject * object)
{
  gst_caps_replace (&GST_FRAME_BATCH_PAD (object)->caps, NULL);
  gst_caps_replace (&GST_FRAME_BATCH_PAD (object)->current_caps, NULL);

  G_OBJECT_CLASS (gst_frame_batch_pad_parent_class)->finalize (object);
}

static void gst_frame_batch_drop_pad_frames (GstFrameBatch * self,
    GstFrameBatchPad * pad);

/* A flush of this pad alone drops its frames from the open batch. */
static GstFlowReturn
gst_frame_batch_pad_flush (GstAggregatorPad * aggpad, GstAggregator * agg)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstFrameBatchPad *pad = GST_FRAME_BATCH_PAD (aggpad);

  GST_OBJECT_LOCK (self);
  gst_frame_batch_drop_pad_frames (self, pad);
  pad->last_pts = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static void
gst_frame_batch_pad_class_init (GstFrameBatchPadClass * klass)
{
  G_OBJECT_CLASS (klass)->constructed = gst_frame_batch_pad_constructed;
  G_OBJECT_CLASS (klass)->finalize = gst_frame_batch_pad_finalize;
  GST_AGGREGATOR_PAD_CLASS (klass)->flush =
      GST_DEBUG_FUNCPTR (gst_frame_batch_pad_flush);
}

static void
gst_frame_batch_pad_init (GstFrameBatchPad * pad)
{
  pad->last_pts = GST_CLOCK_TIME_NONE;
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

/* policies: with the object lock */

static gboolean
gst_frame_batch_any_may_join (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  return TRUE;
}

static gboolean
gst_frame_batch_one_per_source_may_join (GstFrameBatch * self,
    GstFrameBatchPad * pad)
{
  return pad->joined != self->seqnum + 1;
}

/* *INDENT-OFF* */
static const BatchPolicy policies[] = {
  [GST_FRAME_BATCH_POLICY_ANY] = {gst_frame_batch_any_may_join},
  [GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE] =
      {gst_frame_batch_one_per_source_may_join},
};
/* *INDENT-ON* */

/* the open batch: with the object lock */

static void
batch_frame_clear (BatchFrame * f)
{
  gst_clear_buffer (&f->buffer);
  gst_clear_object (&f->pad);
}

/* The element's clock time, NONE without a clock (before PLAYING). */
static GstClockTime
gst_frame_batch_now (GstFrameBatch * self)
{
  GstClock *clock = GST_ELEMENT_CLOCK (self);

  return clock ? gst_clock_get_time (clock) : GST_CLOCK_TIME_NONE;
}

/* @t in running time on @pad; unchanged on a segment that is not TIME. */
static GstClockTime
gst_frame_batch_pad_running_time (GstFrameBatchPad * pad, GstClockTime t)
{
  GstSegment *segment = &GST_AGGREGATOR_PAD (pad)->segment;

  GST_OBJECT_LOCK (pad);
  if (segment->format == GST_FORMAT_TIME)
    t = gst_segment_to_running_time (segment, GST_FORMAT_TIME, t);
  GST_OBJECT_UNLOCK (pad);
  return t;
}

/* Moves the timestamps to running time in one segment from 0, and keeps
 * the ones the frame came in with in its meta. */
static GstBuffer *
gst_frame_batch_stamp (GstFrameBatchPad * pad, GstBuffer * buffer)
{
  GstFrameBatchMeta *meta;

  buffer = gst_buffer_make_writable (buffer);
  meta = gst_buffer_add_frame_batch_meta (buffer, pad->index);
  meta->pts = GST_BUFFER_PTS (buffer);
  meta->dts = GST_BUFFER_DTS (buffer);
  meta->duration = GST_BUFFER_DURATION (buffer);
  GST_BUFFER_PTS (buffer) = gst_frame_batch_pad_running_time (pad, meta->pts);
  GST_BUFFER_DTS (buffer) = gst_frame_batch_pad_running_time (pad, meta->dts);
  return buffer;
}

/* A frame period of the pad from its timestamps, when its caps tell
 * none. */
static void
gst_frame_batch_pad_measure (GstFrameBatchPad * pad, GstClockTime pts)
{
  if (GST_CLOCK_TIME_IS_VALID (pad->last_pts) && GST_CLOCK_TIME_IS_VALID (pts)
      && pts > pad->last_pts && !gst_structure_has_field
      (gst_caps_get_structure (pad->current_caps, 0), "framerate"))
    pad->period = pts - pad->last_pts;
  pad->last_pts = pts;
}

static void
gst_frame_batch_join (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstBuffer * buffer)
{
  BatchFrame f;

  gst_frame_batch_pad_measure (pad, GST_BUFFER_PTS (buffer));
  f.buffer = gst_frame_batch_stamp (pad, buffer);
  f.pad = gst_object_ref (pad);
  f.taken = gst_frame_batch_now (self);
  if (self->batch->len == 0) {
    self->batch_start = f.taken;
    gst_caps_replace (&self->batch_caps, pad->current_caps);
  }
  g_array_append_val (self->batch, f);
  pad->joined = self->seqnum + 1;
  pad->frames_in++;
}

static void
gst_frame_batch_drop_pad_frames (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  guint i = 0;

  while (i < self->batch->len) {
    if (g_array_index (self->batch, BatchFrame, i).pad == pad) {
      g_array_remove_index (self->batch, i);
      self->stats.dropped++;
    } else {
      i++;
    }
  }
  pad->joined = 0;
}

/* The dropped batch costs no seqnum. */
static void
gst_frame_batch_drop_all (GstFrameBatch * self)
{
  GList *l;

  self->stats.dropped += self->batch->len;
  g_array_set_size (self->batch, 0);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    GST_FRAME_BATCH_PAD (l->data)->joined = 0;
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

/* Empties the open batch into a list, counting the frames' ages. */
static GstBufferList *
gst_frame_batch_take (GstFrameBatch * self, BatchReason reason)
{
  GstClockTime now = gst_frame_batch_now (self);
  guint i, n = self->batch->len;
  GstBufferList *list = gst_buffer_list_new_sized (n);

  for (i = 0; i < n; i++) {
    BatchFrame *f = &g_array_index (self->batch, BatchFrame, i);
    GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (f->buffer);

    meta->index = i;
    meta->n_frames = n;
    meta->seqnum = self->seqnum;
    if (GST_CLOCK_TIME_IS_VALID (f->taken) && GST_CLOCK_TIME_IS_VALID (now))
      gst_frame_batch_pad_count_age (f->pad, now - f->taken);
    else
      gst_frame_batch_pad_count_age (f->pad, 0);
    gst_buffer_list_add (list, g_steal_pointer (&f->buffer));
  }
  g_array_set_size (self->batch, 0);
  gst_frame_batch_count (self, reason, n);
  self->seqnum++;
  return list;
}

/* Pushes the open batch; drops the object lock meanwhile. */
static GstFlowReturn
gst_frame_batch_push (GstFrameBatch * self, BatchReason reason)
{
  GstBufferList *list;
  GstFlowReturn ret;
  guint n = self->batch->len;

  static const gchar *reasons[] = { "full", "timed out", "drained" };

  if (n == 0)
    return GST_FLOW_OK;
  GST_LOG_OBJECT (self, "batch %" G_GUINT64_FORMAT " of %u frames (%s)",
      self->seqnum, n, reasons[reason]);
  list = gst_frame_batch_take (self, reason);
  GST_OBJECT_UNLOCK (self);
  ret = gst_aggregator_finish_buffer_list (GST_AGGREGATOR (self), list);
  GST_OBJECT_LOCK (self);
  if (ret != GST_FLOW_OK)
    self->stats.dropped += n;
  return ret;
}

/* choosing frames: with the object lock */

/* The pad whose next frame is the earliest in running time (a frame
 * without time first, then the lowest pad index), or NULL. Not live, all
 * pads that are not EOS must have a frame, so that the order holds. */
static GstFrameBatchPad *
gst_frame_batch_next_pad (GstFrameBatch * self, gboolean live)
{
  GstFrameBatchPad *best = NULL;
  GstClockTime best_time = GST_CLOCK_TIME_NONE;
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstAggregatorPad *aggpad = l->data;
    GstBuffer *buf = gst_aggregator_pad_peek_buffer (aggpad);
    GstClockTime t;

    if (!buf) {
      if (!live && !gst_aggregator_pad_is_eos (aggpad))
        return NULL;
      continue;
    }
    t = gst_frame_batch_pad_running_time (l->data, GST_BUFFER_PTS (buf));
    gst_buffer_unref (buf);
    if (!best || (gint64) t < (gint64) best_time) {
      best = l->data;
      best_time = t;
    }
  }
  return best;
}

static gboolean
gst_frame_batch_any_buffer (GstFrameBatch * self)
{
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    if (gst_aggregator_pad_has_buffer (l->data))
      return TRUE;
  return FALSE;
}

static gboolean
gst_frame_batch_all_eos (GstFrameBatch * self)
{
  GList *l;

  if (!GST_ELEMENT (self)->sinkpads)
    return FALSE;
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    if (!gst_aggregator_pad_is_eos (l->data)
        || gst_aggregator_pad_has_buffer (l->data))
      return FALSE;
  return TRUE;
}

/* Has push-interval passed since the open batch's first frame? */
static gboolean
gst_frame_batch_is_due (GstFrameBatch * self)
{
  GstClockTime now = gst_frame_batch_now (self);

  return self->batch->len > 0 && self->interval > 0
      && GST_CLOCK_TIME_IS_VALID (now)
      && GST_CLOCK_TIME_IS_VALID (self->batch_start)
      && now >= self->batch_start + self->interval;
}

/* Takes the next frame of @pad into the open batch, pushing the batch
 * first when the policy says the frame cannot join it, and after when it
 * is full. */
static GstFlowReturn
gst_frame_batch_take_frame (GstFrameBatch * self, GstFrameBatchPad * pad)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buffer;

  if (!pad->current_caps)
    goto no_caps;
  /* full already when batch-size was lowered */
  if (self->batch->len >= self->batch_size
      || !policies[self->policy].may_join (self, pad))
    ret = gst_frame_batch_push (self, BATCH_FULL);
  if (ret != GST_FLOW_OK)
    return ret;
  /* the lock was dropped to push: the pad may have been flushed */
  buffer = gst_aggregator_pad_pop_buffer (GST_AGGREGATOR_PAD (pad));
  if (!buffer)
    return GST_FLOW_OK;
  gst_frame_batch_join (self, pad, buffer);
  if (self->batch->len >= self->batch_size)
    ret = gst_frame_batch_push (self, BATCH_FULL);
  return ret;

  /* ERRORS */
no_caps:
  {
    /* posting takes the object lock */
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("%s got a frame before caps", GST_PAD_NAME (pad)));
    GST_OBJECT_LOCK (self);
    return GST_FLOW_NOT_NEGOTIATED;
  }
}

/* Takes the frames waiting on the pads, by the rules; then pushes the
 * open batch if it is due. */
static GstFlowReturn
gst_frame_batch_take_frames (GstFrameBatch * self, gboolean live)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstFrameBatchPad *pad;

  while (ret == GST_FLOW_OK && (pad = gst_frame_batch_next_pad (self, live))) {
    gst_object_ref (pad);
    ret = gst_frame_batch_take_frame (self, pad);
    gst_object_unref (pad);
  }
  if (ret == GST_FLOW_OK && gst_frame_batch_is_due (self))
    ret = gst_frame_batch_push (self, BATCH_TIMED_OUT);
  return ret;
}

/* Every sink pad is EOS: drain or drop what is left, then EOS. */
static GstFlowReturn
gst_frame_batch_finish (GstFrameBatch * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->drain)
    ret = gst_frame_batch_push (self, BATCH_DRAINED);
  else
    gst_frame_batch_drop_all (self);
  return ret == GST_FLOW_OK ? GST_FLOW_EOS : ret;
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
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *pad = l->data;

    if (GST_CLOCK_TIME_IS_VALID (pad->period)
        && !gst_aggregator_pad_is_eos (l->data))
      period = MIN (period, pad->period);
  }
  if (!GST_CLOCK_TIME_IS_VALID (period))
    return self->interval;
  return CLAMP (period, MIN_AUTO_INTERVAL, MAX_AUTO_INTERVAL);
}

/* Takes the interval in effect; TRUE when it changed. With the object
 * lock. */
static gboolean
gst_frame_batch_refresh_interval (GstFrameBatch * self)
{
  GstClockTime interval = gst_frame_batch_current_interval (self);
  gboolean changed = interval != self->interval;

  /* the aggregator's latency changes with ours */
  self->latency = self->latency + interval - self->interval;
  self->interval = interval;
  return changed;
}

/* Reports the interval as our latency, which posts a LATENCY message when
 * it changed; no bound on how much later downstream may take the
 * batches. Without the object lock. */
static void
gst_frame_batch_report_latency (GstFrameBatch * self)
{
  GstClockTime interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  gst_aggregator_set_latency (GST_AGGREGATOR (self), interval,
      GST_CLOCK_TIME_NONE);
}

static void
gst_frame_batch_update_interval (GstFrameBatch * self)
{
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = gst_frame_batch_refresh_interval (self);
  GST_OBJECT_UNLOCK (self);
  if (changed)
    gst_frame_batch_report_latency (self);
}

/* aggregator vfuncs */

/* Called by the src pad's task when every pad has a frame or is EOS, when
 * the clock reached our next time (see get_next_time) or, not live, when
 * all pads have data. */
static GstFlowReturn
gst_frame_batch_aggregate (GstAggregator * agg, gboolean timeout)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstClockTime latency = gst_aggregator_get_latency (agg);
  GstFlowReturn ret;
  gboolean changed;

  GST_OBJECT_LOCK (self);
  self->latency = GST_CLOCK_TIME_IS_VALID (latency) ? latency : 0;
  /* a batch already due goes before new frames could join it; those
   * are taken in the next round */
  if (gst_frame_batch_is_due (self))
    ret = gst_frame_batch_push (self, BATCH_TIMED_OUT);
  else
    ret = gst_frame_batch_take_frames (self, GST_CLOCK_TIME_IS_VALID (latency));
  if (ret == GST_FLOW_OK && gst_frame_batch_all_eos (self))
    ret = gst_frame_batch_finish (self);
  changed = gst_frame_batch_refresh_interval (self);
  GST_OBJECT_UNLOCK (self);

  if (changed)
    gst_frame_batch_report_latency (self);
  return ret;
}

/* The value for get_next_time that makes the aggregator wake at clock
 * time @t: it waits for base time + this + latency, all guint64, so the
 * subtraction may wrap around (before the running time reaches the
 * latency) and the aggregator's sums wrap back to @t. NONE is the one
 * value it must not be. With the object lock. */
static GstClockTime
gst_frame_batch_wake_at (GstFrameBatch * self, GstClockTime t)
{
  GstClockTime start = t - GST_ELEMENT (self)->base_time - self->latency;

  return start == GST_CLOCK_TIME_NONE ? start - 1 : start;
}

/* When the task must aggregate next, on the clock: at once while a frame
 * waits on a pad, so that it joins the open batch and the rules see it;
 * at the open batch's deadline; or never (NONE: it waits for data). Live
 * only; called with the aggregator's src lock. */
static GstClockTime
gst_frame_batch_get_next_time (GstAggregator * agg)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstClockTime now, next = GST_CLOCK_TIME_NONE;

  GST_OBJECT_LOCK (self);
  now = gst_frame_batch_now (self);
  if (!GST_CLOCK_TIME_IS_VALID (now)) {
    /* no clock: the aggregator waits for data anyway */
  } else if (gst_frame_batch_any_buffer (self)) {
    next = gst_frame_batch_wake_at (self, now);
  } else if (self->batch->len > 0 && self->interval > 0) {
    /* a batch opened without a clock starts its interval now */
    if (!GST_CLOCK_TIME_IS_VALID (self->batch_start))
      self->batch_start = now;
    next = gst_frame_batch_wake_at (self, self->batch_start + self->interval);
  }
  GST_OBJECT_UNLOCK (self);
  return next;
}

/* The aggregator's answer is the latency it adds to get_next_time: kept
 * for it, which may not ask the aggregator. */
static gboolean
gst_frame_batch_src_query (GstAggregator * agg, GstQuery * query)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstClockTime min;
  gboolean live;

  if (!GST_AGGREGATOR_CLASS (parent_class)->src_query (agg, query))
    return FALSE;
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_parse_latency (query, &live, &min, NULL);
    GST_OBJECT_LOCK (self);
    self->latency = min;
    GST_OBJECT_UNLOCK (self);
  }
  return TRUE;
}

/* caps */

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
 * reffed, or NULL. With the object lock. */
static GstFrameBatchPad *
gst_frame_batch_find_conflict (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstCaps * caps)
{
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *other = l->data;

    if (other != pad && other->caps
        && !gst_frame_batch_caps_compatible (other->caps, caps))
      return gst_object_ref (other);
  }
  return NULL;
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

/* In the producer's thread, before the event queues: accepting or
 * refusing caps there, under one lock, makes the refusal of the second of
 * two mismatched sources certain, and tells its producer. */
static GstFlowReturn
gst_frame_batch_accept_caps (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstCaps * caps)
{
  GstFrameBatchPad *other;
  GstCaps *other_caps;

  GST_OBJECT_LOCK (self);
  other = gst_frame_batch_find_conflict (self, pad, caps);
  if (other)
    goto mismatch;
  gst_caps_replace (&pad->caps, caps);
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
mismatch:
  {
    other_caps = gst_caps_ref (other->caps);
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("All sources of framebatch must have the same format and size"),
        ("%s has caps %" GST_PTR_FORMAT " but %s has %" GST_PTR_FORMAT
            " (only the framerate may differ)", GST_PAD_NAME (pad), caps,
            GST_PAD_NAME (other), other_caps));
    gst_caps_unref (other_caps);
    gst_object_unref (other);
    return GST_FLOW_NOT_NEGOTIATED;
  }
}

static GstFlowReturn
gst_frame_batch_sink_event_pre_queue (GstAggregator * agg,
    GstAggregatorPad * aggpad, GstEvent * event)
{
  GstCaps *caps;
  GstFlowReturn ret;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    gst_event_parse_caps (event, &caps);
    ret = gst_frame_batch_accept_caps (GST_FRAME_BATCH (agg),
        GST_FRAME_BATCH_PAD (aggpad), caps);
    if (ret != GST_FLOW_OK) {
      gst_event_unref (event);
      return ret;
    }
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event_pre_queue (agg,
      aggpad, event);
}

/* In the task, when the caps reach the head of the pad's queue, after
 * the pad's frames of the caps before: the frames of the open batch go
 * out first, in a batch of their own, when the new caps differ from
 * theirs in more than framerate. */
static void
gst_frame_batch_caps_event (GstFrameBatch * self, GstFrameBatchPad * pad,
    GstCaps * caps)
{
  GST_OBJECT_LOCK (self);
  if (self->batch->len > 0
      && !gst_frame_batch_caps_compatible (self->batch_caps, caps))
    gst_frame_batch_push (self, BATCH_DRAINED);
  gst_caps_replace (&pad->current_caps, caps);
  pad->period = gst_frame_batch_caps_period (caps);
  GST_OBJECT_UNLOCK (self);
  gst_pad_mark_reconfigure (GST_AGGREGATOR_SRC_PAD (self));
}

/* The caps of the batches: the sources' caps, with framerate 0/1 when
 * their rates differ. */
static GstFlowReturn
gst_frame_batch_update_src_caps (GstAggregator * agg, GstCaps * downstream,
    GstCaps ** ret)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstCaps *caps = NULL;
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *pad = l->data;

    if (!pad->current_caps)
      continue;
    if (!caps)
      caps = gst_caps_copy (pad->current_caps);
    else if (!gst_caps_is_equal (caps, pad->current_caps))
      gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  }
  GST_OBJECT_UNLOCK (self);
  if (!caps)
    return GST_AGGREGATOR_FLOW_NEED_DATA;
  *ret = gst_caps_intersect_full (caps, downstream, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  return GST_FLOW_OK;
}

static gboolean
gst_frame_batch_sink_query (GstAggregator * agg, GstAggregatorPad * aggpad,
    GstQuery * query)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);

  /* the sink pads answer CAPS and ACCEPT_CAPS queries with the template
   * (any caps): mismatched caps reach the CAPS event, where they are a
   * clear error, rather than a not-negotiated from the source */
  if (GST_QUERY_TYPE (query) == GST_QUERY_DRAIN) {
    GST_OBJECT_LOCK (self);
    gst_frame_batch_push (self, BATCH_DRAINED);
    GST_OBJECT_UNLOCK (self);
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_query (agg, aggpad, query);
}

static gboolean
gst_frame_batch_sink_event (GstAggregator * agg, GstAggregatorPad * aggpad,
    GstEvent * event)
{
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    gst_event_parse_caps (event, &caps);
    gst_frame_batch_caps_event (GST_FRAME_BATCH (agg),
        GST_FRAME_BATCH_PAD (aggpad), caps);
    gst_event_unref (event);
    return TRUE;
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, aggpad, event);
}

/* flushes, pads, states */

/* Every pad flushed (a flushing seek): the open batch is dropped, and the
 * batches start again from running time 0. */
static GstFlowReturn
gst_frame_batch_flush (GstAggregator * agg)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);
  GstAggregatorPad *srcpad = GST_AGGREGATOR_PAD (agg->srcpad);

  GST_OBJECT_LOCK (self);
  gst_frame_batch_drop_all (self);
  GST_OBJECT_UNLOCK (self);
  GST_OBJECT_LOCK (srcpad);
  gst_segment_init (&srcpad->segment, GST_FORMAT_TIME);
  GST_OBJECT_UNLOCK (srcpad);
  return GST_FLOW_OK;
}

static gboolean
gst_frame_batch_stop (GstAggregator * agg)
{
  GstFrameBatch *self = GST_FRAME_BATCH (agg);

  GST_OBJECT_LOCK (self);
  gst_frame_batch_drop_all (self);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
gst_frame_batch_release_pad (GstElement * element, GstPad * pad)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);

  GST_OBJECT_LOCK (self);
  gst_frame_batch_drop_pad_frames (self, bpad);
  gst_caps_replace (&bpad->caps, NULL);
  gst_caps_replace (&bpad->current_caps, NULL);
  GST_OBJECT_UNLOCK (self);

  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
  gst_frame_batch_update_interval (self);
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

  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("GstFrameBatchStats",
      "batches", G_TYPE_UINT64, self->stats.batches,
      "full-batches", G_TYPE_UINT64, self->stats.full,
      "timed-out-batches", G_TYPE_UINT64, self->stats.timed_out,
      "drained-batches", G_TYPE_UINT64, self->stats.drained,
      "frames", G_TYPE_UINT64, self->stats.frames,
      "dropped", G_TYPE_UINT64, self->stats.dropped,
      "push-interval", G_TYPE_UINT64, self->interval, NULL);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstStructure *ps = gst_frame_batch_pad_stats (l->data);

    gst_structure_set (s, GST_PAD_NAME (l->data), GST_TYPE_STRUCTURE, ps, NULL);
    gst_structure_free (ps);
  }
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
gst_frame_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
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
      gst_aggregator_set_force_live (GST_AGGREGATOR (self), self->force_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

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

  GST_OBJECT_LOCK (self);
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
  GST_OBJECT_UNLOCK (self);
}

/* class */

static void
gst_frame_batch_finalize (GObject * object)
{
  g_array_unref (GST_FRAME_BATCH (object)->batch);
  gst_caps_replace (&GST_FRAME_BATCH (object)->batch_caps, NULL);

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
          "Which frames make up a batch: any (in running-time order) or "
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
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);

  gobject_class->finalize = gst_frame_batch_finalize;
  gobject_class->set_property = gst_frame_batch_set_property;
  gobject_class->get_property = gst_frame_batch_get_property;
  gst_frame_batch_install_properties (gobject_class);

  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_frame_batch_release_pad);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_FRAME_BATCH_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (element_class, "Frame batch",
      "Generic", "Batches frames of several producers by count, source and "
      "push interval into buffer lists", "gst-sharedpool developers");

  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_frame_batch_aggregate);
  agg_class->get_next_time = GST_DEBUG_FUNCPTR (gst_frame_batch_get_next_time);
  agg_class->src_query = GST_DEBUG_FUNCPTR (gst_frame_batch_src_query);
  agg_class->sink_event = GST_DEBUG_FUNCPTR (gst_frame_batch_sink_event);
  agg_class->sink_event_pre_queue =
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_event_pre_queue);
  agg_class->sink_query = GST_DEBUG_FUNCPTR (gst_frame_batch_sink_query);
  agg_class->update_src_caps =
      GST_DEBUG_FUNCPTR (gst_frame_batch_update_src_caps);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_frame_batch_flush);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_frame_batch_stop);

  gst_type_mark_as_plugin_api (GST_TYPE_FRAME_BATCH_POLICY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_FRAME_BATCH_PAD, 0);
}

static void
gst_frame_batch_init (GstFrameBatch * self)
{
  self->batch_size = DEFAULT_PROP_BATCH_SIZE;
  self->push_interval = DEFAULT_PROP_PUSH_INTERVAL;
  self->policy = DEFAULT_PROP_POLICY;
  self->drain = DEFAULT_PROP_DRAIN;
  self->interval = DEFAULT_PROP_PUSH_INTERVAL;
  self->latency = self->interval;
  self->batch_start = GST_CLOCK_TIME_NONE;
  self->batch = g_array_new (FALSE, FALSE, sizeof (BatchFrame));
  g_array_set_clear_func (self->batch, (GDestroyNotify) batch_frame_clear);
  gst_frame_batch_report_latency (self);
}
