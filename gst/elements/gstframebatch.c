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
 * into batches and pushes each batch as one #GstBufferList: when
 * #GstFrameBatch:batch-size frames are collected, or when
 * #GstFrameBatch:push-interval has passed since the first frame of the
 * batch, whichever comes first. Downstream elements without buffer list
 * support get the frames one by one; `appsink buffer-list=true` gets whole
 * batches.
 *
 * Each frame carries a #GstFrameBatchMeta: the index of its sink pad, its
 * place in the batch, the batch's sequence number and the timestamps it
 * came in with. Its own timestamps are set to running time, in one TIME
 * segment that starts at 0, so that frames of sources with different
 * segments can share a batch; the first buffer of a list tells the time of
 * the batch.
 *
 * With #GstFrameBatch:policy `one-per-source` a batch holds at most one
 * frame of each sink pad and is complete once every sink pad that is not
 * EOS has given one (or batch-size frames are in); a source that is late
 * delays the batch by push-interval at most.
 *
 * In a live pipeline the push-interval is waited on the pipeline clock and
 * added to the latency; otherwise it is waited on the monotonic clock, so
 * that a partial batch also goes out while prerolling. Each sink pad
 * queues at most #GstFrameBatch:max-pending frames that do not fit in the
 * batch being filled; beyond that its producer blocks. When every sink pad
 * is EOS the frames still held are pushed (#GstFrameBatch:drain) or
 * dropped and counted, then EOS is pushed. All sink pads must have the
 * same caps; a pad with other caps is refused with an error.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 framebatch name=b batch-size=2 policy=one-per-source ! \
 *     fakesink  videotestsrc num-buffers=60 ! b.  \
 *     videotestsrc num-buffers=60 pattern=ball ! b.
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <gst/base/gstqueuearray.h>
#include <gst/sharedpool/gstframebatchmeta.h>

#include "gstframebatch.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GST_DEBUG_CATEGORY_STATIC (gst_frame_batch_debug);
#define GST_CAT_DEFAULT gst_frame_batch_debug

#define DEFAULT_PROP_BATCH_SIZE         4
#define DEFAULT_PROP_PUSH_INTERVAL      (40 * GST_MSECOND)
#define DEFAULT_PROP_POLICY             GST_FRAME_BATCH_POLICY_ANY
#define DEFAULT_PROP_MAX_PENDING        8
#define DEFAULT_PROP_DRAIN              TRUE

#define MAX_BATCH_SIZE                  1024
#define MAX_MAX_PENDING                 1024
#define MAX_PUSH_INTERVAL               (3600 * GST_SECOND)
/* Batch containers kept for reuse; more are freed when they come back. */
#define MAX_IDLE_LISTS                  64

enum
{
  PROP_0,
  PROP_BATCH_SIZE,
  PROP_PUSH_INTERVAL,
  PROP_POLICY,
  PROP_MAX_PENDING,
  PROP_DRAIN,
  PROP_STATS,
};

typedef enum
{
  BATCH_FULL,
  BATCH_TIMED_OUT,
  BATCH_DRAINED,
} BatchReason;

/* A frame waiting in its sink pad's queue for room in a batch; arrival
 * orders the frames of all pads for policy=any. */
typedef struct
{
  GstBuffer *buffer;
  guint64 arrival;
} PendingFrame;

typedef struct
{
  guint64 batches;
  guint64 full;
  guint64 timed_out;
  guint64 drained;
  guint64 frames;
  guint64 dropped;
  guint64 waits;
} BatchStats;

/* Batch containers: a GstBufferList pushed downstream belongs to
 * downstream, and its last unref calls our dispose hook, which empties it
 * (the frames go back to their pools at once) and keeps it for a next
 * batch instead of freeing it. The lists may outlive the element, so the
 * recycler is refcounted: the element holds one reference and each list
 * another. */
typedef struct
{
  gint refcount;
  GMutex lock;
  GstBufferList *idle[MAX_IDLE_LISTS];
  guint n_idle;
  gboolean closed;
  guint64 allocated;
} BatchRecycler;

#define GST_TYPE_FRAME_BATCH_PAD (gst_frame_batch_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstFrameBatchPad, gst_frame_batch_pad, GST,
    FRAME_BATCH_PAD, GstPad);

struct _GstFrameBatchPad
{
  GstPad parent;

  guint index;                  /* the N of sink_N */

  /* streaming thread only */
  GstSegment segment;
  gboolean live_known;

  /* under the element's object lock */
  GstQueueArray *pending;       /* PendingFrame, at most max-pending */
  GstCaps *caps;
  guint64 joined;               /* 1 + seqnum of the batch it has a frame
                                 * in, 0 for none */
  gboolean flushing;
  gboolean eos;
  gboolean released;
};

struct _GstFrameBatch
{
  GstElement parent;

  GstPad *srcpad;

  /* Everything below is under the object lock unless said otherwise. */
  guint batch_size;
  GstClockTime push_interval;
  GstFrameBatchPolicy policy;
  guint max_pending;
  gboolean drain;

  GstBufferList *batch;         /* the batch being filled */
  guint64 seqnum;               /* ... and its sequence number */
  GstClockTime batch_start;     /* timer time of its first frame */
  gboolean batch_on_clock;      /* ... on the pipeline clock */
  gboolean timed_out;
  guint64 arrivals;
  guint rr_next;                /* the pad index round-robin starts at */
  guint next_pad_index;

  GstFlowReturn srcresult;      /* of the last push; FLUSHING when inactive */
  gboolean live;
  gboolean playing;
  gboolean eos_sent;
  guint32 flush_seqnum;         /* of the flushing seek we forwarded */
  gboolean flush_start_pending;

  GCond space_cond;             /* producers wait for room in their queue */
  GCond timer_cond;             /* the timer waits for a batch to time */
  gboolean timer_running;
  gboolean timer_idle;
  gboolean timer_kicked;        /* woken since it last looked */
  gint64 linger_until;          /* monotonic µs */
  GstClockID clock_id;

  BatchStats stats;
  BatchRecycler *recycler;

  /* One thread pushes at a time: it holds push_lock. caps is written with
   * both locks held, so either one is enough to read it. */
  GMutex push_lock;
  GstCaps *caps;                /* the caps of the batches */
  gboolean caps_changed;
  gboolean stream_started;      /* push_lock only */
  gboolean need_segment;        /* push_lock only */
};

G_DEFINE_TYPE (GstFrameBatchPad, gst_frame_batch_pad, GST_TYPE_PAD);

#define gst_frame_batch_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstFrameBatch, gst_frame_batch, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_frame_batch_debug, "framebatch", 0,
        "framebatch element"));
GST_ELEMENT_REGISTER_DEFINE (framebatch, "framebatch", GST_RANK_NONE,
    GST_TYPE_FRAME_BATCH);

static GQuark recycler_quark;

static void gst_frame_batch_finalize (GObject * object);
static void gst_frame_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_frame_batch_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstPad *gst_frame_batch_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_frame_batch_release_pad (GstElement * element, GstPad * pad);
static GstStateChangeReturn gst_frame_batch_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_frame_batch_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static gboolean gst_frame_batch_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_frame_batch_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_frame_batch_sink_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static gboolean gst_frame_batch_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_frame_batch_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_frame_batch_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);

GType
gst_frame_batch_policy_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_FRAME_BATCH_POLICY_ANY,
        "Frames in the order they arrive, from any sink pad", "any"},
    {GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE,
        "At most one frame of each sink pad per batch, pads taken "
          "round-robin", "one-per-source"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFrameBatchPolicy", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

/* batch containers */

static void
batch_recycler_unref (BatchRecycler * r)
{
  if (!g_atomic_int_dec_and_test (&r->refcount))
    return;
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* gst_buffer_list_remove() refuses an empty range */
static void
batch_list_clear (GstBufferList * list)
{
  guint n = gst_buffer_list_length (list);

  if (n > 0)
    gst_buffer_list_remove (list, 0, n);
}

static gboolean
batch_list_dispose (GstMiniObject * obj)
{
  BatchRecycler *r = gst_mini_object_get_qdata (obj, recycler_quark);
  GstBufferList *list = (GstBufferList *) obj;

  /* alive again, and writable for the removal */
  gst_mini_object_ref (obj);
  batch_list_clear (list);

  g_mutex_lock (&r->lock);
  if (!r->closed && r->n_idle < MAX_IDLE_LISTS) {
    r->idle[r->n_idle++] = list;
    g_mutex_unlock (&r->lock);
    return FALSE;
  }
  g_mutex_unlock (&r->lock);

  /* not kept: free it for real, without coming back here */
  obj->dispose = NULL;
  gst_mini_object_unref (obj);
  return FALSE;
}

static GstBufferList *
batch_recycler_get (BatchRecycler * r, guint size)
{
  GstBufferList *list = NULL;

  g_mutex_lock (&r->lock);
  if (r->n_idle > 0)
    list = r->idle[--r->n_idle];
  else
    r->allocated++;
  g_mutex_unlock (&r->lock);
  if (list)
    return list;

  list = gst_buffer_list_new_sized (size);
  g_atomic_int_inc (&r->refcount);
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (list), recycler_quark, r,
      (GDestroyNotify) batch_recycler_unref);
  GST_MINI_OBJECT_CAST (list)->dispose = batch_list_dispose;
  return list;
}

static guint64
batch_recycler_allocated (BatchRecycler * r)
{
  guint64 n;

  g_mutex_lock (&r->lock);
  n = r->allocated;
  g_mutex_unlock (&r->lock);
  return n;
}

/* The element goes away: idle lists are freed now, the ones downstream
 * still holds by their last unref. */
static void
batch_recycler_close (BatchRecycler * r)
{
  GstBufferList *idle[MAX_IDLE_LISTS];
  guint i, n;

  g_mutex_lock (&r->lock);
  r->closed = TRUE;
  n = r->n_idle;
  memcpy (idle, r->idle, n * sizeof (GstBufferList *));
  r->n_idle = 0;
  g_mutex_unlock (&r->lock);

  for (i = 0; i < n; i++)
    gst_buffer_list_unref (idle[i]);
  batch_recycler_unref (r);
}

/* the sink pad */

/* The clear function of the pending queue: clear and free drop frames. */
static void
pending_frame_clear (PendingFrame * f)
{
  gst_buffer_unref (f->buffer);
}

static void
gst_frame_batch_pad_finalize (GObject * object)
{
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (object);

  gst_queue_array_free (bpad->pending);
  gst_caps_replace (&bpad->caps, NULL);

  G_OBJECT_CLASS (gst_frame_batch_pad_parent_class)->finalize (object);
}

static void
gst_frame_batch_pad_class_init (GstFrameBatchPadClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_frame_batch_pad_finalize;
}

static void
gst_frame_batch_pad_init (GstFrameBatchPad * bpad)
{
  gst_segment_init (&bpad->segment, GST_FORMAT_TIME);
  bpad->pending = gst_queue_array_new_for_struct (sizeof (PendingFrame), 16);
  gst_queue_array_set_clear_func (bpad->pending,
      (GDestroyNotify) pending_frame_clear);
  bpad->flushing = TRUE;
}

/* class */

static void
gst_frame_batch_class_init (GstFrameBatchClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_frame_batch_finalize;
  gobject_class->set_property = gst_frame_batch_set_property;
  gobject_class->get_property = gst_frame_batch_get_property;

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
   * The longest a batch waits for more frames, from its first frame. The
   * default, 40 ms, is one frame period of 30 fps input plus 20 % for
   * jitter: every source of a 30 fps live pipeline can give a frame.
   */
  g_object_class_install_property (gobject_class, PROP_PUSH_INTERVAL,
      g_param_spec_uint64 ("push-interval", "Push interval",
          "Push a partial batch this long (in ns) after its first frame "
          "(0 = only full batches, and partial ones at EOS)", 0,
          MAX_PUSH_INTERVAL, DEFAULT_PROP_PUSH_INTERVAL,
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
          "one-per-source (at most one frame of each sink pad, round-robin)",
          GST_TYPE_FRAME_BATCH_POLICY, DEFAULT_PROP_POLICY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:max-pending:
   *
   * The most frames a sink pad queues while they wait for room in a
   * batch; its producer blocks until one joins a batch.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_PENDING,
      g_param_spec_uint ("max-pending", "Max pending",
          "The most frames each sink pad queues outside the batch being "
          "filled; beyond it the producer blocks", 1, MAX_MAX_PENDING,
          DEFAULT_PROP_MAX_PENDING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:drain:
   *
   * What becomes of the frames still held when every sink pad is EOS.
   */
  g_object_class_install_property (gobject_class, PROP_DRAIN,
      g_param_spec_boolean ("drain", "Drain",
          "When every sink pad is EOS, push the frames still held in "
          "partial batches (true) or drop them and count them (false)",
          DEFAULT_PROP_DRAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstFrameBatch:stats:
   *
   * Counters, in a structure named `GstFrameBatchStats` (all guint64):
   * `batches` pushed, of which `full-batches`, `timed-out-batches` and
   * `drained-batches`; `frames` pushed; `dropped` frames (flush, released
   * pad, drain=false, failed downstream); `waits` of producers at
   * max-pending; `containers`, the batch lists ever allocated.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Batches pushed (full, timed out, drained), frames pushed, frames "
          "dropped, producer waits and batch containers allocated",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_frame_batch_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_frame_batch_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_frame_batch_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Frame batch",
      "Generic", "Batches frames of several producers by count and push "
      "interval into buffer lists", "gst-sharedpool developers");

  gst_type_mark_as_plugin_api (GST_TYPE_FRAME_BATCH_POLICY, 0);
  recycler_quark = g_quark_from_static_string ("gst-frame-batch-recycler");
}

static void
gst_frame_batch_init (GstFrameBatch * self)
{
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_event));
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_frame_batch_src_activate_mode));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->batch_size = DEFAULT_PROP_BATCH_SIZE;
  self->push_interval = DEFAULT_PROP_PUSH_INTERVAL;
  self->policy = DEFAULT_PROP_POLICY;
  self->max_pending = DEFAULT_PROP_MAX_PENDING;
  self->drain = DEFAULT_PROP_DRAIN;

  self->recycler = g_new0 (BatchRecycler, 1);
  self->recycler->refcount = 1;
  g_mutex_init (&self->recycler->lock);
  self->batch = batch_recycler_get (self->recycler, self->batch_size);

  self->srcresult = GST_FLOW_FLUSHING;
  self->flush_seqnum = GST_SEQNUM_INVALID;
  self->need_segment = TRUE;
  g_cond_init (&self->space_cond);
  g_cond_init (&self->timer_cond);
  g_mutex_init (&self->push_lock);
}

static void
gst_frame_batch_finalize (GObject * object)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);

  gst_buffer_list_unref (self->batch);
  batch_recycler_close (self->recycler);
  gst_caps_replace (&self->caps, NULL);
  g_cond_clear (&self->space_cond);
  g_cond_clear (&self->timer_cond);
  g_mutex_clear (&self->push_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* batching, all with the object lock held */

#define BATCH_LENGTH(self) gst_buffer_list_length ((self)->batch)
#define PAD_JOINED(self, bpad) ((bpad)->joined == (self)->seqnum + 1)

/* The timer looks at the state again before it waits any more: the flag
 * keeps a wake-up that comes while it is not waiting. */
static void
gst_frame_batch_wake_timer (GstFrameBatch * self)
{
  self->timer_kicked = TRUE;
  g_cond_signal (&self->timer_cond);
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
}

/* The timer's time: the element's clock in a live pipeline, where the
 * deadline must agree with the clock the sinks sync on; the monotonic
 * time otherwise, since a non-live pipeline may run no clock yet (it
 * prerolls in PAUSED) or a clock that does not follow real time. */
static GstClockTime
gst_frame_batch_now (GstFrameBatch * self, gboolean * on_clock)
{
  GstClock *clock = GST_ELEMENT_CLOCK (self);

  *on_clock = self->live && clock != NULL;
  if (*on_clock)
    return gst_clock_get_time (clock);
  return g_get_monotonic_time () * GST_USECOND;
}

/* The first frame of a batch starts its push-interval. */
static void
gst_frame_batch_join (GstFrameBatch * self, GstFrameBatchPad * bpad,
    GstBuffer * buffer)
{
  if (BATCH_LENGTH (self) == 0) {
    self->batch_start = gst_frame_batch_now (self, &self->batch_on_clock);
    self->timed_out = FALSE;
    if (self->timer_idle)
      g_cond_signal (&self->timer_cond);
  }
  gst_buffer_list_add (self->batch, buffer);
  bpad->joined = self->seqnum + 1;
}

static gboolean
gst_frame_batch_may_join (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  if (BATCH_LENGTH (self) >= self->batch_size)
    return FALSE;
  return self->policy == GST_FRAME_BATCH_POLICY_ANY || !PAD_JOINED (self, bpad);
}

/* For one-per-source: every sink pad that can still give a frame has. */
static gboolean
gst_frame_batch_all_sources_in (GstFrameBatch * self)
{
  gboolean any = FALSE;
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *bpad = l->data;

    if (bpad->released || bpad->eos)
      continue;
    if (!PAD_JOINED (self, bpad))
      return FALSE;
    any = TRUE;
  }
  return any;
}

static gboolean
gst_frame_batch_is_complete (GstFrameBatch * self)
{
  guint n = BATCH_LENGTH (self);

  if (n == 0)
    return FALSE;
  if (n >= self->batch_size)
    return TRUE;
  return self->policy == GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE &&
      gst_frame_batch_all_sources_in (self);
}

static gboolean
gst_frame_batch_is_ready (GstFrameBatch * self)
{
  return gst_frame_batch_is_complete (self) || (self->timed_out &&
      BATCH_LENGTH (self) > 0);
}

static gboolean
gst_frame_batch_all_eos (GstFrameBatch * self)
{
  gboolean any = FALSE;
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *bpad = l->data;

    if (bpad->released)
      continue;
    if (!bpad->eos)
      return FALSE;
    any = TRUE;
  }
  return any;
}

static void
gst_frame_batch_join_pending (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  PendingFrame *f = gst_queue_array_pop_head_struct (bpad->pending);

  gst_frame_batch_join (self, bpad, f->buffer);
}

/* policy=any: the oldest waiting frames of all pads, in arrival order. */
static guint
gst_frame_batch_refill_in_order (GstFrameBatch * self)
{
  guint taken = 0;

  while (BATCH_LENGTH (self) < self->batch_size) {
    GstFrameBatchPad *oldest = NULL;
    guint64 arrival = G_MAXUINT64;
    GList *l;

    for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
      GstFrameBatchPad *bpad = l->data;
      PendingFrame *f = gst_queue_array_peek_head_struct (bpad->pending);

      if (f && f->arrival < arrival) {
        oldest = bpad;
        arrival = f->arrival;
      }
    }
    if (!oldest)
      break;
    gst_frame_batch_join_pending (self, oldest);
    taken++;
  }
  return taken;
}

/* policy=one-per-source: one frame of each pad that has one waiting,
 * starting after the pad served last so that no pad is always left out
 * when batch-size is below the number of pads. */
static guint
gst_frame_batch_refill_round_robin (GstFrameBatch * self)
{
  guint start = self->rr_next, taken = 0, pass;
  GList *l;

  for (pass = 0; pass < 2; pass++) {
    for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
      GstFrameBatchPad *bpad = l->data;

      if ((pass == 0) != (bpad->index >= start))
        continue;
      if (gst_queue_array_is_empty (bpad->pending) || PAD_JOINED (self, bpad))
        continue;
      if (BATCH_LENGTH (self) >= self->batch_size)
        return taken;
      gst_frame_batch_join_pending (self, bpad);
      self->rr_next = bpad->index + 1;
      taken++;
    }
  }
  return taken;
}

/* Moves waiting frames into the batch being filled as far as the policy
 * lets them, and wakes the producers that waited for room. */
static void
gst_frame_batch_refill (GstFrameBatch * self)
{
  guint taken;

  if (self->policy == GST_FRAME_BATCH_POLICY_ANY)
    taken = gst_frame_batch_refill_in_order (self);
  else
    taken = gst_frame_batch_refill_round_robin (self);
  if (taken)
    g_cond_broadcast (&self->space_cond);
}

/* Hands the batch being filled over for pushing and starts the next one
 * from the frames waiting in the pads' queues. */
static GstBufferList *
gst_frame_batch_take (GstFrameBatch * self, BatchReason reason,
    guint64 * seqnum)
{
  GstBufferList *list = self->batch;
  guint n = gst_buffer_list_length (list);

  self->batch = batch_recycler_get (self->recycler, self->batch_size);
  self->timed_out = FALSE;
  *seqnum = self->seqnum++;

  self->stats.batches++;
  self->stats.frames += n;
  if (reason == BATCH_FULL)
    self->stats.full++;
  else if (reason == BATCH_TIMED_OUT)
    self->stats.timed_out++;
  else
    self->stats.drained++;
  GST_LOG_OBJECT (self, "batch %" G_GUINT64_FORMAT " of %u frames (%s)",
      *seqnum, n, reason == BATCH_FULL ? "full" : reason == BATCH_TIMED_OUT ?
      "timed out" : "drained");

  gst_frame_batch_refill (self);
  return list;
}

static guint
gst_frame_batch_drop_pending (GstFrameBatchPad * bpad)
{
  guint n = gst_queue_array_get_length (bpad->pending);

  gst_queue_array_clear (bpad->pending);
  return n;
}

/* A flush of one sink pad drops that pad's frames, in its queue and in
 * the batch being filled; the other pads' frames stay. */
static void
gst_frame_batch_drop_pad_frames (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  guint64 dropped = gst_frame_batch_drop_pending (bpad);
  guint i = BATCH_LENGTH (self);

  while (i-- > 0) {
    GstBuffer *buf = gst_buffer_list_get (self->batch, i);

    if (gst_buffer_get_frame_batch_meta (buf)->pad_index == bpad->index) {
      gst_buffer_list_remove (self->batch, i, 1);
      dropped++;
    }
  }
  bpad->joined = 0;
  self->stats.dropped += dropped;
  GST_DEBUG_OBJECT (bpad, "dropped %" G_GUINT64_FORMAT " frames", dropped);
}

static void
gst_frame_batch_drop_all (GstFrameBatch * self)
{
  guint64 dropped = BATCH_LENGTH (self);
  GList *l;

  batch_list_clear (self->batch);
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *bpad = l->data;

    dropped += gst_frame_batch_drop_pending (bpad);
    bpad->joined = 0;
  }
  self->timed_out = FALSE;
  self->stats.dropped += dropped;
  if (dropped)
    GST_DEBUG_OBJECT (self, "dropped %" G_GUINT64_FORMAT " frames", dropped);
}

/* Something changed while frames may be held (a property, a flush):
 * waiting frames may now fit, producers may have room, the batch may be
 * complete or due at another time. The timer thread pushes what is
 * ready. */
static void
gst_frame_batch_reconsider (GstFrameBatch * self)
{
  /* a linger is only safe for the push-interval it was started with */
  self->linger_until = 0;
  gst_frame_batch_refill (self);
  g_cond_broadcast (&self->space_cond);
  gst_frame_batch_wake_timer (self);
}

/* pushing */

/* Sends stream-start, the caps when they changed and a segment when one
 * is due, in the order GStreamer wants them. Called with the push lock. */
static void
gst_frame_batch_push_stream_start (GstFrameBatch * self)
{
  gchar *stream_id;
  GstEvent *event;

  if (self->stream_started)
    return;
  /* gst_pad_create_stream_id() wants one sink pad at most */
  stream_id = g_strdup_printf ("framebatch-%08x", g_random_int ());
  event = gst_event_new_stream_start (stream_id);
  gst_event_set_group_id (event, gst_util_group_id_next ());
  g_free (stream_id);
  gst_pad_push_event (self->srcpad, event);
  self->stream_started = TRUE;
}

static gboolean
gst_frame_batch_push_sticky (GstFrameBatch * self)
{
  GstCaps *caps = NULL;
  gboolean ret = TRUE;

  gst_frame_batch_push_stream_start (self);
  GST_OBJECT_LOCK (self);
  if (self->caps_changed && self->caps)
    caps = gst_caps_ref (self->caps);
  self->caps_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (caps)
    ret = gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_clear_caps (&caps);

  if (self->need_segment) {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&segment));
    self->need_segment = FALSE;
  }
  return ret;
}

/* Tells each frame its place in the batch, then pushes it. Called with the
 * push lock only: the list is ours alone, and each of its frames too. */
static GstFlowReturn
gst_frame_batch_push_list (GstFrameBatch * self, GstBufferList * list,
    guint64 seqnum)
{
  guint i, n = gst_buffer_list_length (list);

  for (i = 0; i < n; i++) {
    GstFrameBatchMeta *meta =
        gst_buffer_get_frame_batch_meta (gst_buffer_list_get (list, i));

    meta->index = i;
    meta->n_frames = n;
    meta->seqnum = seqnum;
  }
  gst_frame_batch_push_sticky (self);
  return gst_pad_push_list (self->srcpad, list);
}

/* Pushes the batch being filled. Called with the object lock and the push
 * lock; drops the object lock while pushing. */
static void
gst_frame_batch_push_one (GstFrameBatch * self, BatchReason reason)
{
  guint64 seqnum;
  GstBufferList *list = gst_frame_batch_take (self, reason, &seqnum);
  GstFlowReturn ret;

  GST_OBJECT_UNLOCK (self);
  ret = gst_frame_batch_push_list (self, list, seqnum);
  GST_OBJECT_LOCK (self);

  if (ret != GST_FLOW_OK && self->srcresult == GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "push failed: %s", gst_flow_get_name (ret));
    self->srcresult = ret;
    g_cond_broadcast (&self->space_cond);
  }
}

static void
gst_frame_batch_push_ready_locked (GstFrameBatch * self)
{
  while (self->srcresult == GST_FLOW_OK && gst_frame_batch_is_ready (self))
    gst_frame_batch_push_one (self, gst_frame_batch_is_complete (self) ?
        BATCH_FULL : BATCH_TIMED_OUT);
}

/* Lets go of the push lock, with the object lock held, after pushing what
 * became ready meanwhile: a thread that made a batch ready while another
 * one pushed did not wait for the push lock, and relies on this. */
static GstFlowReturn
gst_frame_batch_release_push_lock (GstFrameBatch * self)
{
  gst_frame_batch_push_ready_locked (self);
  g_mutex_unlock (&self->push_lock);
  return self->srcresult;
}

/* Pushes every ready batch, unless another thread is pushing: that one
 * pushes them before it lets go. So a producer never waits for another's
 * push, and pushes of full batches need no thread switch. */
static GstFlowReturn
gst_frame_batch_push_ready (GstFrameBatch * self)
{
  GstFlowReturn ret;

  if (!g_mutex_trylock (&self->push_lock))
    return GST_FLOW_OK;
  GST_OBJECT_LOCK (self);
  ret = gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
  return ret;
}

/* Pushes every frame held: complete batches as full ones, the rest as
 * drained batches, or drops what does not make a complete batch when
 * @keep is FALSE or downstream fails. Object lock and push lock held. */
static void
gst_frame_batch_drain_locked (GstFrameBatch * self, gboolean keep)
{
  gst_frame_batch_push_ready_locked (self);
  while (keep && self->srcresult == GST_FLOW_OK && BATCH_LENGTH (self) > 0) {
    gst_frame_batch_push_one (self, BATCH_DRAINED);
    gst_frame_batch_push_ready_locked (self);
  }
  gst_frame_batch_drop_all (self);
}

/* Every sink pad is EOS: the frames held go out (drain=true) or are
 * dropped, then EOS. Runs on the timer thread. */
static void
gst_frame_batch_finish (GstFrameBatch * self)
{
  gboolean finish;

  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  finish = !self->eos_sent && gst_frame_batch_all_eos (self);
  if (finish) {
    gst_frame_batch_drain_locked (self, self->drain);
    self->eos_sent = TRUE;
    GST_OBJECT_UNLOCK (self);
    gst_frame_batch_push_sticky (self);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
    GST_OBJECT_LOCK (self);
  }
  gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
}

/* the timer: the src pad's task */

static gboolean
gst_frame_batch_timer_armed (GstFrameBatch * self)
{
  if (BATCH_LENGTH (self) == 0 || self->push_interval == 0 || self->timed_out)
    return FALSE;
  /* a live pipeline does not time batches while it is paused */
  return !self->batch_on_clock || self->playing;
}

static gboolean
gst_frame_batch_wait_clock (GstFrameBatch * self, GstClockTime deadline)
{
  GstClock *clock = GST_ELEMENT_CLOCK (self);
  GstClockReturn ret;
  GstClockID id;

  if (!clock)
    return TRUE;
  id = gst_clock_new_single_shot_id (clock, deadline);
  self->clock_id = id;
  GST_OBJECT_UNLOCK (self);
  ret = gst_clock_id_wait (id, NULL);
  GST_OBJECT_LOCK (self);
  self->clock_id = NULL;
  gst_clock_id_unref (id);
  return ret == GST_CLOCK_OK || ret == GST_CLOCK_EARLY;
}

static gboolean
gst_frame_batch_wait_monotonic (GstFrameBatch * self, GstClockTime deadline)
{
  gint64 end = (deadline + GST_USECOND - 1) / GST_USECOND;

  g_cond_wait_until (&self->timer_cond, GST_OBJECT_GET_LOCK (self), end);
  return g_get_monotonic_time () >= end;
}

/* Waits until the batch being filled is due, or until woken because
 * something changed; marks the batch timed out when it is due. */
static void
gst_frame_batch_wait_deadline (GstFrameBatch * self)
{
  guint64 seqnum = self->seqnum;
  GstClockTime start = self->batch_start;
  GstClockTime deadline = start + self->push_interval;
  gboolean due;

  if (self->batch_on_clock)
    due = gst_frame_batch_wait_clock (self, deadline);
  else
    due = gst_frame_batch_wait_monotonic (self, deadline);

  if (due && seqnum == self->seqnum && start == self->batch_start &&
      BATCH_LENGTH (self) > 0)
    self->timed_out = TRUE;
}

/* Woken up, the timer stays awake for one push interval before it goes
 * idle again: a producer that opens a batch meanwhile needs not wake it
 * (a syscall and a thread switch per batch when small batches fill
 * quickly), and that batch is due after the linger ends anyway. */
static gboolean
gst_frame_batch_linger (GstFrameBatch * self)
{
  if (g_get_monotonic_time () >= self->linger_until)
    return FALSE;
  g_cond_wait_until (&self->timer_cond, GST_OBJECT_GET_LOCK (self),
      self->linger_until);
  return TRUE;
}

/* Idle: the producer that opens the next batch wakes the timer. */
static void
gst_frame_batch_idle (GstFrameBatch * self)
{
  self->timer_idle = TRUE;
  g_cond_wait (&self->timer_cond, GST_OBJECT_GET_LOCK (self));
  self->timer_idle = FALSE;
  self->linger_until = g_get_monotonic_time () +
      self->push_interval / GST_USECOND;
}

static void
gst_frame_batch_timer_loop (GstFrameBatch * self)
{
  GST_OBJECT_LOCK (self);
  if (!self->timer_running) {
    /* deactivating: gst_pad_stop_task() is about to stop the loop */
    GST_OBJECT_UNLOCK (self);
    return;
  }
  if (!self->eos_sent && gst_frame_batch_all_eos (self)) {
    GST_OBJECT_UNLOCK (self);
    gst_frame_batch_finish (self);
    return;
  }
  if (self->timer_kicked)
    self->timer_kicked = FALSE;
  else if (gst_frame_batch_timer_armed (self))
    gst_frame_batch_wait_deadline (self);
  else if (!gst_frame_batch_linger (self))
    gst_frame_batch_idle (self);
  GST_OBJECT_UNLOCK (self);
  gst_frame_batch_push_ready (self);
}

/* sink pads: data */

/* Asks upstream once per stream whether it is live, before the first
 * frame; the LATENCY query from downstream tells it too, but a pipeline
 * sends that only on its way to PLAYING. */
static void
gst_frame_batch_check_live (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (GST_PAD (bpad), query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  bpad->live_known = TRUE;

  GST_OBJECT_LOCK (self);
  if (live && !self->live) {
    GST_DEBUG_OBJECT (bpad, "upstream is live");
    self->live = TRUE;
    gst_frame_batch_wake_timer (self);
  }
  GST_OBJECT_UNLOCK (self);
}

/* Records where @buffer came from and its timestamps, and moves them to
 * running time so that frames of sources with different segments share
 * the output segment. */
static GstBuffer *
gst_frame_batch_stamp (GstFrameBatchPad * bpad, GstBuffer * buffer)
{
  GstFrameBatchMeta *meta;

  buffer = gst_buffer_make_writable (buffer);
  /* a frame batched twice describes the last batch */
  meta = gst_buffer_get_frame_batch_meta (buffer);
  if (G_UNLIKELY (meta))
    gst_buffer_remove_meta (buffer, (GstMeta *) meta);
  meta = gst_buffer_add_frame_batch_meta (buffer, bpad->index);

  if (bpad->segment.format == GST_FORMAT_TIME) {
    GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (&bpad->segment,
        GST_FORMAT_TIME, meta->pts);
    GST_BUFFER_DTS (buffer) = gst_segment_to_running_time (&bpad->segment,
        GST_FORMAT_TIME, meta->dts);
  }
  return buffer;
}

/* Blocks while the pad's queue is at max-pending: the producer's
 * backpressure. Flushing, release, deactivation and a failed downstream
 * wake it. */
static GstFlowReturn
gst_frame_batch_wait_for_room (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  gboolean counted = FALSE;

  while (TRUE) {
    if (bpad->flushing)
      return GST_FLOW_FLUSHING;
    if (self->srcresult != GST_FLOW_OK)
      return self->srcresult;
    if (gst_queue_array_get_length (bpad->pending) < self->max_pending)
      return GST_FLOW_OK;
    if (!counted) {
      self->stats.waits++;
      counted = TRUE;
    }
    g_cond_wait (&self->space_cond, GST_OBJECT_GET_LOCK (self));
  }
}

static GstFlowReturn
gst_frame_batch_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);
  GstFlowReturn ret;
  gboolean ready;

  if (G_UNLIKELY (!bpad->live_known))
    gst_frame_batch_check_live (self, bpad);
  buffer = gst_frame_batch_stamp (bpad, buffer);

  GST_OBJECT_LOCK (self);
  ret = gst_frame_batch_wait_for_room (self, bpad);
  if (G_UNLIKELY (ret != GST_FLOW_OK))
    goto refused;

  if (gst_queue_array_is_empty (bpad->pending) &&
      gst_frame_batch_may_join (self, bpad)) {
    gst_frame_batch_join (self, bpad, buffer);
  } else {
    PendingFrame f = { buffer, self->arrivals++ };

    gst_queue_array_push_tail_struct (bpad->pending, &f);
  }
  ready = gst_frame_batch_is_ready (self);
  GST_OBJECT_UNLOCK (self);

  if (ready)
    ret = gst_frame_batch_push_ready (self);
  return ret;

  /* ERRORS */
refused:
  {
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (pad, "refused a frame: %s", gst_flow_get_name (ret));
    gst_buffer_unref (buffer);
    return ret;
  }
}

/* sink pads: events */

/* Caps of another sink pad, which every pad must match; borrowed, object
 * lock held. */
static GstCaps *
gst_frame_batch_other_caps (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *other = l->data;

    if (other != bpad && !other->released && other->caps)
      return other->caps;
  }
  return NULL;
}

/* New caps for the batches can only come from the one pad that has caps,
 * so only its frames are held: they go out first, in drained batches. */
static gboolean
gst_frame_batch_set_caps (GstFrameBatch * self, GstFrameBatchPad * bpad,
    GstCaps * caps)
{
  GstCaps *other;
  gboolean ret;

  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  other = gst_frame_batch_other_caps (self, bpad);
  if (other && !gst_caps_is_equal (other, caps))
    goto mismatch;

  gst_caps_replace (&bpad->caps, caps);
  if (!self->caps || !gst_caps_is_equal (self->caps, caps)) {
    gst_frame_batch_drain_locked (self, TRUE);
    gst_caps_replace (&self->caps, caps);
    self->caps_changed = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  ret = gst_frame_batch_push_sticky (self);
  GST_OBJECT_LOCK (self);
  gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
  return ret;

  /* ERRORS */
mismatch:
  {
    other = gst_caps_ref (other);
    gst_frame_batch_release_push_lock (self);
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("All sink pads of framebatch must have the same caps"),
        ("%s:%s has caps %" GST_PTR_FORMAT " but the other pads have %"
            GST_PTR_FORMAT, GST_DEBUG_PAD_NAME (bpad), caps, other));
    gst_caps_unref (other);
    return FALSE;
  }
}

static gboolean
gst_frame_batch_caps_event (GstFrameBatch * self, GstFrameBatchPad * bpad,
    GstEvent * event)
{
  GstCaps *caps;
  gboolean ret;

  gst_event_parse_caps (event, &caps);
  ret = gst_frame_batch_set_caps (self, bpad, caps);
  gst_event_unref (event);
  return ret;
}

static void
gst_frame_batch_flush_start (GstFrameBatch * self, GstFrameBatchPad * bpad,
    GstEvent * event)
{
  gboolean forward;

  GST_OBJECT_LOCK (self);
  bpad->flushing = TRUE;
  gst_frame_batch_drop_pad_frames (self, bpad);
  /* frames of other pads may fit where the dropped ones were */
  gst_frame_batch_reconsider (self);
  /* the first flush-start of our flushing seek goes downstream, to
   * unblock it; the flushes of a single source stay here */
  forward = self->flush_start_pending &&
      GST_EVENT_SEQNUM (event) == self->flush_seqnum;
  if (forward)
    self->flush_start_pending = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (forward)
    gst_pad_push_event (self->srcpad, event);
  else
    gst_event_unref (event);
}

static gboolean
gst_frame_batch_any_flushing (GstFrameBatch * self)
{
  GList *l;

  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstFrameBatchPad *bpad = l->data;

    if (!bpad->released && bpad->flushing)
      return TRUE;
  }
  return FALSE;
}

/* The seek's flush-stop goes downstream once every pad has received its
 * own: then no push of the old data is in flight (we hold the push lock)
 * and the next batch starts a new segment. */
static void
gst_frame_batch_flush_stop (GstFrameBatch * self, GstFrameBatchPad * bpad,
    GstEvent * event)
{
  gboolean forward;

  GST_OBJECT_LOCK (self);
  bpad->flushing = FALSE;
  bpad->eos = FALSE;
  bpad->live_known = FALSE;
  gst_segment_init (&bpad->segment, GST_FORMAT_TIME);
  forward = self->flush_seqnum == GST_EVENT_SEQNUM (event) &&
      !self->flush_start_pending && !gst_frame_batch_any_flushing (self);
  if (forward)
    self->flush_seqnum = GST_SEQNUM_INVALID;
  GST_OBJECT_UNLOCK (self);
  if (!forward) {
    gst_event_unref (event);
    return;
  }

  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  self->srcresult = GST_FLOW_OK;
  self->eos_sent = FALSE;
  self->need_segment = TRUE;
  GST_OBJECT_UNLOCK (self);
  gst_pad_push_event (self->srcpad, event);
  GST_OBJECT_LOCK (self);
  gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_frame_batch_pad_eos (GstFrameBatch * self, GstFrameBatchPad * bpad)
{
  GST_OBJECT_LOCK (self);
  bpad->eos = TRUE;
  /* the timer drains and pushes EOS once every pad is EOS; meanwhile a
   * one-per-source batch may have become complete without this pad */
  gst_frame_batch_wake_timer (self);
  GST_OBJECT_UNLOCK (self);
}

/* Other events go downstream as they come, serialized ones after our
 * stream-start. */
static gboolean
gst_frame_batch_forward_event (GstFrameBatch * self, GstEvent * event)
{
  gboolean ret;

  if (!GST_EVENT_IS_SERIALIZED (event))
    return gst_pad_push_event (self->srcpad, event);

  g_mutex_lock (&self->push_lock);
  gst_frame_batch_push_stream_start (self);
  ret = gst_pad_push_event (self->srcpad, event);
  GST_OBJECT_LOCK (self);
  gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
  return ret;
}

static gboolean
gst_frame_batch_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);
  gboolean ret = TRUE;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      ret = gst_frame_batch_caps_event (self, bpad, event);
      break;
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &bpad->segment);
      gst_event_unref (event);
      break;
    case GST_EVENT_FLUSH_START:
      gst_frame_batch_flush_start (self, bpad, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_frame_batch_flush_stop (self, bpad, event);
      break;
    case GST_EVENT_EOS:
      gst_frame_batch_pad_eos (self, bpad);
      gst_event_unref (event);
      break;
    case GST_EVENT_STREAM_START:
      /* a new stream on this pad: it is no longer EOS */
      GST_OBJECT_LOCK (self);
      bpad->eos = FALSE;
      GST_OBJECT_UNLOCK (self);
      gst_event_unref (event);
      break;
    case GST_EVENT_GAP:
    case GST_EVENT_SEGMENT_DONE:
    case GST_EVENT_STREAM_GROUP_DONE:
      /* ours describe the batches, not one source */
      gst_event_unref (event);
      break;
    default:
      ret = gst_frame_batch_forward_event (self, event);
      break;
  }
  return ret;
}

/* sink pads: queries, activation */

static gboolean
gst_frame_batch_answer_caps (GstQuery * query, GstCaps * caps)
{
  GstCaps *filter;

  gst_query_parse_caps (query, &filter);
  if (filter)
    gst_caps_take (&caps, gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST));
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
  return TRUE;
}

/* A pad can take the caps the other pads have, or else what downstream
 * takes; so upstream negotiation settles on shared caps when it can. */
static gboolean
gst_frame_batch_sink_caps_query (GstFrameBatch * self,
    GstFrameBatchPad * bpad, GstQuery * query)
{
  GstCaps *caps, *filter;

  GST_OBJECT_LOCK (self);
  caps = gst_frame_batch_other_caps (self, bpad);
  if (caps)
    caps = gst_caps_ref (caps);
  GST_OBJECT_UNLOCK (self);
  if (caps)
    return gst_frame_batch_answer_caps (query, caps);

  gst_query_parse_caps (query, &filter);
  caps = gst_pad_peer_query_caps (self->srcpad, filter);
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
  return TRUE;
}

/* Someone upstream wants its buffers back (a decoder about to
 * reallocate): what is held goes out now as drained batches. */
static void
gst_frame_batch_drain_query (GstFrameBatch * self)
{
  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  gst_frame_batch_drain_locked (self, TRUE);
  gst_frame_batch_release_push_lock (self);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_frame_batch_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      return gst_frame_batch_sink_caps_query (self, GST_FRAME_BATCH_PAD (pad),
          query);
    case GST_QUERY_ACCEPT_CAPS:
      /* Any caps fit the template. Whether they match the other pads is
       * for the caps event to decide: it says so in an error message,
       * where a refused query would only leave upstream not-negotiated. */
      gst_query_set_accept_caps_result (query, TRUE);
      return TRUE;
    case GST_QUERY_ALLOCATION:
      /* not forwarded: one downstream pool shared by several producers
       * would run dry with the frames that wait in a batch */
      return FALSE;
    case GST_QUERY_DRAIN:
      gst_frame_batch_drain_query (self);
      return gst_pad_query_default (pad, parent, query);
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_frame_batch_sink_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  GST_OBJECT_LOCK (self);
  bpad->flushing = !active;
  bpad->live_known = FALSE;
  g_cond_broadcast (&self->space_cond);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* the src pad */

/* The upstream latency as GStreamer folds it for any element (the live
 * sink pads' largest minimum and smallest maximum), plus push-interval in
 * live mode: a frame may wait that long for its batch. */
static gboolean
gst_frame_batch_latency_query (GstFrameBatch * self, GstPad * pad,
    GstQuery * query)
{
  GstClockTime interval, min, max;
  gboolean live;

  if (!gst_pad_query_default (pad, GST_OBJECT_CAST (self), query))
    return FALSE;
  gst_query_parse_latency (query, &live, &min, &max);

  GST_OBJECT_LOCK (self);
  if (live != self->live) {
    self->live = live;
    gst_frame_batch_wake_timer (self);
  }
  interval = self->push_interval;
  GST_OBJECT_UNLOCK (self);

  if (live) {
    min += interval;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += interval;
  }
  GST_DEBUG_OBJECT (self, "live %d, min %" GST_TIME_FORMAT ", max %"
      GST_TIME_FORMAT, live, GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static gboolean
gst_frame_batch_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);
  GstCaps *caps = NULL;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      return gst_frame_batch_latency_query (self, pad, query);
    case GST_QUERY_CAPS:
      GST_OBJECT_LOCK (self);
      if (self->caps)
        caps = gst_caps_ref (self->caps);
      GST_OBJECT_UNLOCK (self);
      if (!caps)
        caps = gst_pad_get_pad_template_caps (pad);
      return gst_frame_batch_answer_caps (query, caps);
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_frame_batch_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEEK) {
    GstSeekFlags flags;

    gst_event_parse_seek (event, NULL, NULL, &flags, NULL, NULL, NULL, NULL);
    if (flags & GST_SEEK_FLAG_FLUSH) {
      GST_OBJECT_LOCK (self);
      self->flush_seqnum = GST_EVENT_SEQNUM (event);
      self->flush_start_pending = TRUE;
      GST_OBJECT_UNLOCK (self);
    }
  }
  /* to every sink pad */
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_frame_batch_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstFrameBatch *self = GST_FRAME_BATCH (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  GST_OBJECT_LOCK (self);
  self->srcresult = active ? GST_FLOW_OK : GST_FLOW_FLUSHING;
  self->timer_running = active;
  g_cond_broadcast (&self->space_cond);
  gst_frame_batch_wake_timer (self);
  GST_OBJECT_UNLOCK (self);

  if (active)
    return gst_pad_start_task (pad,
        (GstTaskFunction) gst_frame_batch_timer_loop, self, NULL);
  return gst_pad_stop_task (pad);
}

/* element */

static GstPad *
gst_frame_batch_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstFrameBatchPad *bpad;
  gchar *pad_name;
  guint index;

  GST_OBJECT_LOCK (self);
  if (name && sscanf (name, "sink_%u", &index) == 1)
    self->next_pad_index = MAX (self->next_pad_index, index + 1);
  else
    index = self->next_pad_index++;
  GST_OBJECT_UNLOCK (self);

  pad_name = g_strdup_printf ("sink_%u", index);
  bpad = g_object_new (GST_TYPE_FRAME_BATCH_PAD, "name", pad_name,
      "direction", GST_PAD_SINK, "template", templ, NULL);
  g_free (pad_name);
  bpad->index = index;

  gst_pad_set_chain_function (GST_PAD (bpad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_chain));
  gst_pad_set_event_function (GST_PAD (bpad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_event));
  gst_pad_set_query_function (GST_PAD (bpad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_query));
  gst_pad_set_activatemode_function (GST_PAD (bpad),
      GST_DEBUG_FUNCPTR (gst_frame_batch_sink_activate_mode));

  if (!gst_element_add_pad (element, GST_PAD (bpad))) {
    GST_WARNING_OBJECT (self, "pad sink_%u exists already", index);
    gst_object_unref (bpad);
    return NULL;
  }
  return GST_PAD (bpad);
}

/* Frames of the pad already in the batch being filled stay there; the
 * ones in its queue are dropped and counted. */
static void
gst_frame_batch_release_pad (GstElement * element, GstPad * pad)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstFrameBatchPad *bpad = GST_FRAME_BATCH_PAD (pad);

  GST_OBJECT_LOCK (self);
  bpad->released = TRUE;
  bpad->flushing = TRUE;
  self->stats.dropped += gst_frame_batch_drop_pending (bpad);
  gst_caps_replace (&bpad->caps, NULL);
  g_cond_broadcast (&self->space_cond);
  /* a one-per-source batch may be complete without it, or every pad left
   * may be EOS: the timer thread looks */
  gst_frame_batch_wake_timer (self);
  GST_OBJECT_UNLOCK (self);

  gst_element_remove_pad (element, pad);
}

/* A new stream: batches count from 0 and start with new sticky events. */
static void
gst_frame_batch_reset (GstFrameBatch * self)
{
  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  gst_frame_batch_drop_all (self);
  self->seqnum = 0;
  self->live = FALSE;
  self->eos_sent = FALSE;
  self->flush_seqnum = GST_SEQNUM_INVALID;
  self->flush_start_pending = FALSE;
  gst_caps_replace (&self->caps, NULL);
  self->caps_changed = FALSE;
  self->stream_started = FALSE;
  self->need_segment = TRUE;
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->push_lock);
}

static GstStateChangeReturn
gst_frame_batch_change_state (GstElement * element, GstStateChange transition)
{
  GstFrameBatch *self = GST_FRAME_BATCH (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* a live batch waits on the clock only while PLAYING */
      GST_OBJECT_LOCK (self);
      self->playing = transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING;
      gst_frame_batch_wake_timer (self);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_frame_batch_reset (self);
  return ret;
}

/* properties */

static GstStructure *
gst_frame_batch_get_stats (GstFrameBatch * self)
{
  guint64 containers = batch_recycler_allocated (self->recycler);
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("GstFrameBatchStats",
      "batches", G_TYPE_UINT64, self->stats.batches,
      "full-batches", G_TYPE_UINT64, self->stats.full,
      "timed-out-batches", G_TYPE_UINT64, self->stats.timed_out,
      "drained-batches", G_TYPE_UINT64, self->stats.drained,
      "frames", G_TYPE_UINT64, self->stats.frames,
      "dropped", G_TYPE_UINT64, self->stats.dropped,
      "waits", G_TYPE_UINT64, self->stats.waits,
      "containers", G_TYPE_UINT64, containers, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
gst_frame_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFrameBatch *self = GST_FRAME_BATCH (object);
  gboolean latency_changed = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_PUSH_INTERVAL:
      latency_changed = self->push_interval != g_value_get_uint64 (value);
      self->push_interval = g_value_get_uint64 (value);
      break;
    case PROP_POLICY:
      self->policy = g_value_get_enum (value);
      break;
    case PROP_MAX_PENDING:
      self->max_pending = g_value_get_uint (value);
      break;
    case PROP_DRAIN:
      self->drain = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  gst_frame_batch_reconsider (self);
  GST_OBJECT_UNLOCK (self);

  if (latency_changed)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
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
      g_value_set_uint64 (value, self->push_interval);
      break;
    case PROP_POLICY:
      g_value_set_enum (value, self->policy);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_DRAIN:
      g_value_set_boolean (value, self->drain);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
