/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-fanout
 * @title: fanout
 * @see_also: tee, queue, watermarkqueue
 *
 * One sink pad and any number of request `src_%u` pads, each with its own
 * bounded queue: a whole `tee ! queue` set in one element. The queues are
 * served by a few shared worker threads (`threads`, one per CPU core by
 * default, with spares while pushes block downstream) or by a streaming
 * thread each (`threads=0`). Each src pad queues up to its pause watermarks (buffers, bytes,
 * running time); when one is reached it blocks the sink (`full-policy`
 * block, the default: nothing is lost) until the queue drained to the
 * resume watermarks, or drops the oldest or the incoming buffer so that a
 * stuck consumer does not stall the others.
 *
 * `mode=broadcast` gives every buffer to every src pad by reference (no
 * copy), `mode=balance` gives each buffer to the src pad with the fewest
 * queued buffers (concurrent workers), `mode=key` gives each buffer to the
 * src pad its GST_BUFFER_OFFSET picks (offset modulo the number of src
 * pads, in pad index order; GST_BUFFER_OFFSET_NONE counts as 0), which
 * keeps the buffers of one key in order. Serialized events go to every src
 * pad in order with the data; a new src pad first gets the sink pad's
 * sticky events.
 *
 * The ALLOCATION query is answered from all linked branches (largest size,
 * largest alignment, prefix and padding, the metas all of them accept) with
 * a minimum number of buffers that covers what the queues can hold plus
 * one in flight, so that a bounded upstream pool never runs dry. Each
 * branch is asked through its queue by its own thread; a branch that has
 * not answered within a second is answered for from what is known, and
 * its answer, when it comes, makes upstream negotiate again.
 *
 * Watermarks, the policy and the copy threshold (a slow branch gets
 * copies instead of holding upstream's pool buffers) are properties of
 * each src pad (set them with `fanout src_0::pause-buffers=8` in
 * gst-launch); `stats` has each pad's counters.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! \
 *     fanout name=f src_1::full-policy=drop-oldest \
 *     f. ! videoconvert ! fakesink \
 *     f. ! fakesink sync=false
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include <gst/video/video.h>
#include <gst/sharedpool/sharedpool.h>

#include "gstfanout.h"
#include "gstwatermarkfifo.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

GST_DEBUG_CATEGORY_STATIC (gst_fanout_debug);
#define GST_CAT_DEFAULT gst_fanout_debug

/* the default of the threads property (class_init) */
static gint default_threads;

#define DEFAULT_PROP_MODE               GST_FANOUT_MODE_BROADCAST
#define DEFAULT_PROP_ALLOW_NOT_LINKED   FALSE
#define DEFAULT_PROP_POST_MESSAGES      FALSE

#define DEFAULT_PROP_FULL_POLICY        GST_WATERMARK_FIFO_BLOCK
#define DEFAULT_PROP_BATCH_BUFFERS      1
#define DEFAULT_PROP_BATCH_TIME         (20 * GST_MSECOND)
#define DEFAULT_PROP_COPY_THRESHOLD     0
#define DEFAULT_PROP_COPY_WHEN_EXHAUSTED TRUE
/* an empty batching queue is looked at every batch-time: less would spin */
#define MIN_BATCH_TIME                  GST_MSECOND
/* the longest the ALLOCATION answer waits for a branch's thread */
#define ALLOCATION_WAIT                 GST_SECOND

#define DEFAULT_PROP_THREADS            THREADS_AUTO
#define THREADS_AUTO                    -1
#define MAX_THREADS                     1024
/* shared workers: the items a worker forwards from one branch before it
 * serves the next ready one (fairness) */
#define WORKER_BURST                    16
/* a spare worker started because every worker was inside one push for
 * this long while branches were ready... */
#define WATCHDOG_PERIOD                 (10 * G_TIME_SPAN_MILLISECOND)
/* ...or, when they got stuck while data flowed and no branch waited at
 * the last look, for up to two of these */
#define WATCHDOG_NAP                    (100 * G_TIME_SPAN_MILLISECOND)
/* ...but not in this long after the first buffer since the start or a
 * flush, while the sinks may preroll on it (each holds a thread) */
#define WATCHDOG_SETTLE                 G_TIME_SPAN_SECOND
/* ...leaves when it found nothing to do for this long */
#define SPARE_LINGER                    G_TIME_SPAN_SECOND

enum
{
  PROP_0,
  PROP_MODE,
  PROP_ALLOW_NOT_LINKED,
  PROP_POST_MESSAGES,
  PROP_STATS,
  PROP_THREADS,
};

/* then the six watermark properties of gst_watermark_fifo_install_properties */
enum
{
  PROP_PAD_0,
  PROP_PAD_FULL_POLICY,
  PROP_PAD_BATCH_BUFFERS,
  PROP_PAD_BATCH_TIME,
  PROP_PAD_COPY_THRESHOLD,
  PROP_PAD_COPY_WHEN_EXHAUSTED,
  PROP_PAD_LAST = PROP_PAD_COPY_WHEN_EXHAUSTED
};

#define GST_FANOUT_PAD_CAST(obj) ((GstFanoutPad *) (obj))

struct _GstFanoutPad
{
  GstPad parent;

  guint index;
  GstWatermarkFifo *fifo;       /* holds the watermarks, policy, batching */

  /* under the element's lock */
  GstQuery *allocation;         /* its downstream's last ALLOCATION answer */
  guint answers;                /* ALLOCATION answers it got */
  gboolean answer_late;         /* upstream was answered without it */
  guint64 seq;                  /* the last item handed to this pad */
  GstFlowReturn last_ret;       /* and what its queue said */
  guint64 refused;              /* balance, key: buffers it refused while
                                 * the sink pad returned OK */
  guint64 copies;               /* buffers it got as copies */
  gint copy_threshold;          /* the property, atomic */
  gint copy_when_exhausted;     /* the property, atomic */

  /* shared workers, under the element's workers_lock */
  GstFanout *fanout;            /* not reffed: its element, for the workers */
  gboolean shared;              /* served by the workers while active */
  gboolean scheduled;           /* ready or being served */
  gboolean rerun;               /* became ready again while being served */
};

struct _GstFanout
{
  GstElement parent;

  GstPad *sinkpad;

  /* properties, with g_atomic_int_*: the sink pad reads them per buffer */
  gint mode;
  gint allow_not_linked;
  gint post_messages;
  guint next_index;             /* under the object lock */
  gboolean playing;             /* under the object lock */

  /* Routing state. Not the object lock: GstElement activates a pad added
   * to a running element with its object lock held. */
  GMutex lock;
  GCond room_cond;              /* balance: a full branch has room again,
                                 * or the branches changed */
  GPtrArray *pads;              /* active src pads by index, reffed */
  guint32 pads_cookie;          /* changes with the array */
  guint n_requested;            /* requested and not released */
  guint64 seq;                  /* items handed out */
  guint next_rr;                /* balance: where a tie search starts */
  GstEvent *eos;                /* the EOS handed out, for new pads */

  /* Shared workers (threads != 0), from READY to PAUSED until PAUSED to
   * READY. Their own lock, taken by a fifo's ready function under the
   * fifo's lock, and inside the routing lock: nothing is called with it. */
  gint threads;                 /* the property, atomic */
  GstAllocator *copy_allocator; /* a GstBucketAllocator, for the copies */
  /* under the routing lock: upstream's pool, learnt from its buffers, and
   * its max-buffers (0: unbounded), for the pool-exhausted rule */
  GstBufferPool *up_pool;
  guint up_max;
  GMutex workers_lock;
  GCond workers_cond;           /* a kept worker: a branch is ready, or stop */
  GCond spares_cond;            /* a spare: the watchdog wants it, or stop */
  GCond watchdog_cond;          /* the watchdog: branches wait, or stop */
  GQueue ready;                 /* branches to serve, reffed, in turn */
  GPtrArray *workers;           /* their GThreads */
  GPtrArray *exited;            /* spares that left, to join */
  GThread *watchdog;
  guint n_hot;                  /* workers kept; 0: a task per branch */
  guint n_branches;             /* shared branches: at most that many workers */
  guint idle;                   /* kept workers waiting for a branch */
  guint wakes;                  /* of those, woken and not running yet */
  guint to_signal;              /* of those, to signal once unlocked */
  guint idle_spares;            /* spares waiting for the watchdog */
  gboolean running;
  gboolean watchdog_asleep;     /* waits with no timeout */
  gboolean defer_wakes;         /* the sink pad hands out an item: the
                                 * workers are woken at the end */
  gint progress;                /* items forwarded, atomic */
  gint primed;                  /* a buffer came since the start or the last
                                 * flush, atomic */
  gint64 settle_until;          /* no WATCHDOG_NAP before that */
  gint64 watchdog_until;        /* the watchdog's next look */
};

/* *INDENT-OFF* */
static const GEnumValue mode_values[] = {
  {GST_FANOUT_MODE_BROADCAST, "Every src pad gets every buffer",
      "broadcast"},
  {GST_FANOUT_MODE_BALANCE, "Each buffer to the src pad with the fewest "
      "queued buffers", "balance"},
  {GST_FANOUT_MODE_KEY, "Each buffer to the src pad picked by its offset",
      "key"},
  {0, NULL, NULL},
};

/* *INDENT-ON* */

GType
gst_fanout_mode_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstFanoutMode",
            mode_values));
  return type;
}

static void gst_fanout_child_proxy_init (gpointer g_iface, gpointer iface_data);

#define gst_fanout_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstFanout, gst_fanout, GST_TYPE_ELEMENT,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gst_fanout_child_proxy_init);
    GST_DEBUG_CATEGORY_INIT (gst_fanout_debug, "fanout", 0, "fanout element"));
GST_ELEMENT_REGISTER_DEFINE (fanout, "fanout", GST_RANK_NONE, GST_TYPE_FANOUT);

G_DEFINE_TYPE (GstFanoutPad, gst_fanout_pad, GST_TYPE_PAD);

static GstFlowReturn gst_fanout_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static GstFlowReturn gst_fanout_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list);
static gboolean gst_fanout_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_fanout_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_fanout_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_fanout_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);

/* the src pad */

static void
gst_fanout_post (GstFanoutPad * fpad, const gchar * name,
    const GstWatermarkLevel * level, GstMiniObject * dropped)
{
  GstElement *element;
  GstStructure *s;

  /* a drop at every buffer must cost no lock when nobody listens: the
   * pad has its parent while its queue is in use */
  element = GST_PAD_PARENT (fpad);
  if (element == NULL
      || !g_atomic_int_get (&GST_FANOUT (element)->post_messages))
    return;

  s = gst_structure_new (name, "pad", GST_TYPE_PAD, fpad,
      "level-buffers", G_TYPE_UINT, level->buffers,
      "level-bytes", G_TYPE_UINT64, level->bytes,
      "level-time", G_TYPE_UINT64, level->time, NULL);
  if (dropped && GST_IS_BUFFER (dropped))
    gst_structure_set (s, "pts", G_TYPE_UINT64,
        GST_BUFFER_PTS (GST_BUFFER_CAST (dropped)), NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT_CAST (element), s));
}

/* A sink pad waiting for room in any branch (balance) looks again. */
static void
gst_fanout_wake_router (GstFanout * self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->room_cond);
  g_mutex_unlock (&self->lock);
}

/* From the pad's thread: its downstream answered the ALLOCATION query
 * posted in its queue (@answer NULL: it did not answer). An answer
 * upstream went without is news for upstream: it is asked to negotiate
 * again, and gets it then. */
static void
gst_fanout_pad_answered (GstFanoutPad * fpad, GstQuery * answer)
{
  GstFanout *self = GST_FANOUT (GST_PAD_PARENT (fpad));
  gboolean late;

  g_mutex_lock (&self->lock);
  gst_query_replace (&fpad->allocation, answer);
  fpad->answers++;
  late = fpad->answer_late;
  fpad->answer_late = FALSE;
  g_cond_broadcast (&self->room_cond);
  g_mutex_unlock (&self->lock);

  if (late) {
    GST_DEBUG_OBJECT (fpad, "late ALLOCATION answer: reconfiguring");
    gst_pad_push_event (self->sinkpad, gst_event_new_reconfigure ());
  }
}

/* Called by the pad's queue with no lock held. */
static void
gst_fanout_pad_on_fifo (GstWatermarkFifo * fifo, GstWatermarkFifoEvent what,
    GstMiniObject * dropped, const GstWatermarkLevel * level,
    gpointer user_data)
{
  static const gchar *const names[] = {
    [GST_WATERMARK_FIFO_PAUSED] = "fanout-paused",
    [GST_WATERMARK_FIFO_RESUMED] = "fanout-resumed",
    [GST_WATERMARK_FIFO_DROPPED] = "fanout-dropped",
  };

  /* room, or a branch that takes no data any more: a sink pad waiting
   * for either looks again */
  if (what == GST_WATERMARK_FIFO_ROOM || what == GST_WATERMARK_FIFO_FLOW) {
    gst_fanout_wake_router (GST_FANOUT (GST_PAD_PARENT (user_data)));
    return;
  }
  if (what == GST_WATERMARK_FIFO_ANSWERED) {
    gst_fanout_pad_answered (user_data, GST_QUERY_CAST (dropped));
    return;
  }

  gst_fanout_post (GST_FANOUT_PAD_CAST (user_data), names[what], level,
      dropped);
}

static void
gst_fanout_pad_finalize (GObject * object)
{
  gst_watermark_fifo_free (GST_FANOUT_PAD (object)->fifo);
  gst_clear_query (&GST_FANOUT_PAD (object)->allocation);

  G_OBJECT_CLASS (gst_fanout_pad_parent_class)->finalize (object);
}

/* Changes batch-buffers or batch-time; under the pad's object lock, so
 * that two changes do not undo each other. */
static void
gst_fanout_pad_set_batch (GstFanoutPad * fpad, guint prop_id,
    const GValue * value)
{
  GstClockTime max_delay;
  guint buffers;

  GST_OBJECT_LOCK (fpad);
  gst_watermark_fifo_get_batch (fpad->fifo, &buffers, &max_delay);
  if (prop_id == PROP_PAD_BATCH_BUFFERS)
    buffers = g_value_get_uint (value);
  else
    max_delay = g_value_get_uint64 (value);
  gst_watermark_fifo_set_batch (fpad->fifo, buffers, max_delay);
  GST_OBJECT_UNLOCK (fpad);
}

static void
gst_fanout_pad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFanoutPad *fpad = GST_FANOUT_PAD (object);

  if (gst_watermark_fifo_set_property (fpad->fifo, object, PROP_PAD_LAST,
          prop_id, value))
    return;
  switch (prop_id) {
    case PROP_PAD_FULL_POLICY:
      gst_watermark_fifo_set_policy (fpad->fifo, g_value_get_enum (value));
      break;
    case PROP_PAD_BATCH_BUFFERS:
    case PROP_PAD_BATCH_TIME:
      gst_fanout_pad_set_batch (fpad, prop_id, value);
      break;
    case PROP_PAD_COPY_THRESHOLD:
      g_atomic_int_set (&fpad->copy_threshold, g_value_get_uint (value));
      break;
    case PROP_PAD_COPY_WHEN_EXHAUSTED:
      g_atomic_int_set (&fpad->copy_when_exhausted,
          g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_fanout_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFanoutPad *fpad = GST_FANOUT_PAD (object);
  GstClockTime max_delay;
  guint buffers;

  if (gst_watermark_fifo_get_property (fpad->fifo, PROP_PAD_LAST, prop_id,
          value))
    return;
  gst_watermark_fifo_get_batch (fpad->fifo, &buffers, &max_delay);
  switch (prop_id) {
    case PROP_PAD_FULL_POLICY:
      g_value_set_enum (value, gst_watermark_fifo_get_policy (fpad->fifo));
      break;
    case PROP_PAD_BATCH_BUFFERS:
      g_value_set_uint (value, buffers);
      break;
    case PROP_PAD_BATCH_TIME:
      g_value_set_uint64 (value, max_delay);
      break;
    case PROP_PAD_COPY_THRESHOLD:
      g_value_set_uint (value, g_atomic_int_get (&fpad->copy_threshold));
      break;
    case PROP_PAD_COPY_WHEN_EXHAUSTED:
      g_value_set_boolean (value,
          g_atomic_int_get (&fpad->copy_when_exhausted));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_fanout_pad_class_init (GstFanoutPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->finalize = gst_fanout_pad_finalize;
  gobject_class->set_property = gst_fanout_pad_set_property;
  gobject_class->get_property = gst_fanout_pad_get_property;

  gst_watermark_fifo_install_properties (gobject_class, PROP_PAD_LAST);
  /**
   * GstFanoutPad:full-policy:
   *
   * What this branch does with a buffer when its queue is at a pause
   * watermark: wait until it drained to its resume watermarks (block,
   * nothing is lost, the sink pad and so every branch waits), or drop the
   * oldest queued buffers or the incoming one (counted in stats and
   * posted with post-messages), so that a stuck consumer does not stall
   * the others.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_FULL_POLICY,
      g_param_spec_enum ("full-policy", "Full policy",
          "What to do with a buffer for this branch when it is full",
          GST_TYPE_WATERMARK_FIFO_POLICY, DEFAULT_PROP_FULL_POLICY, flags));
  /**
   * GstFanoutPad:batch-buffers:
   *
   * Wake this branch's thread only when this many buffers are queued, or
   * an event or query is, or the queue is full, or batch-time passed
   * since the first buffer of the batch; it then pushes all that is
   * queued. Fewer wake-ups for up to batch-time more latency. Batching
   * starts in PLAYING, so that a sink gets its preroll buffer at once.
   * 1 wakes the thread for every buffer.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_BATCH_BUFFERS,
      g_param_spec_uint ("batch-buffers", "Batch buffers",
          "Wake this branch's thread only when this many buffers are queued "
          "(or an event, a full queue or batch-time): fewer wake-ups, more "
          "latency; 1 wakes it for every buffer", 1, G_MAXUINT,
          DEFAULT_PROP_BATCH_BUFFERS, flags));
  /**
   * GstFanoutPad:batch-time:
   *
   * With batch-buffers above 1, the longest a buffer waits for its batch,
   * in nanoseconds; at least 1 ms (an empty queue is looked at every
   * batch-time: less would spin). -1: no limit.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_BATCH_TIME,
      g_param_spec_uint64 ("batch-time", "Batch time",
          "With batch-buffers above 1, the longest a buffer waits for its "
          "batch (ns, at least 1 ms; -1 = no limit)", MIN_BATCH_TIME,
          G_MAXUINT64, DEFAULT_PROP_BATCH_TIME, flags));
  /**
   * GstFanoutPad:copy-threshold:
   *
   * A branch that holds this many buffers or more in its queue gets the
   * next buffers as copies, in memory of the element's own bucket
   * allocator, and drops its reference to the original: a slow or stuck
   * branch then holds at most this many of upstream's buffers (plus the
   * one it is pushing), so that a bounded upstream pool is not drained by
   * it while the other branches are done with its buffers. Set it below
   * upstream's max-buffers less what the other branches need. Copies are
   * counted in the pad's stats ("copies"). Buffer lists are not copied.
   * 0: never copy.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_COPY_THRESHOLD,
      g_param_spec_uint ("copy-threshold", "Copy threshold",
          "Give this branch copies (from our own allocator) instead of "
          "upstream's buffers while it holds this many in its queue, so "
          "that it does not drain upstream's pool; 0 = never copy", 0,
          G_MAXINT, DEFAULT_PROP_COPY_THRESHOLD, flags));
  /**
   * GstFanoutPad:copy-when-exhausted:
   *
   * Before a buffer of a bounded upstream pool (max-buffers M, read from
   * the pool of the buffers that come in) is queued on this branch: while
   * the pool's buffers in this branch's queue, plus the one being queued,
   * plus one for the branch's downstream, make M or more, the oldest
   * queued ones that the other branches are done with (only this queue
   * holds them) are replaced by copies from the element's own allocator,
   * so that they go back to the pool and the producer does not wait for
   * this branch. Counted in the pad's stats ("copies"), like
   * copy-threshold's. FALSE: the branch keeps the originals (upstream
   * waits while it holds them all).
   */
  g_object_class_install_property (gobject_class,
      PROP_PAD_COPY_WHEN_EXHAUSTED, g_param_spec_boolean
      ("copy-when-exhausted", "Copy when exhausted",
          "Replace the queued buffers of upstream's bounded pool that the "
          "other branches are done with by copies when this branch would "
          "otherwise hold all of the pool's buffers",
          DEFAULT_PROP_COPY_WHEN_EXHAUSTED, flags));
}

static void
gst_fanout_pad_init (GstFanoutPad * fpad)
{
  GstPad *pad = GST_PAD_CAST (fpad);

  fpad->fifo = gst_watermark_fifo_new (GST_OBJECT_CAST (fpad),
      gst_fanout_pad_on_fifo, fpad);
  gst_watermark_fifo_watch_room (fpad->fifo, TRUE);
  gst_watermark_fifo_set_batch (fpad->fifo, DEFAULT_PROP_BATCH_BUFFERS,
      DEFAULT_PROP_BATCH_TIME);
  /* a new queue does not take data until the pad is activated */
  gst_watermark_fifo_set_flushing (fpad->fifo, TRUE);
  fpad->copy_when_exhausted = DEFAULT_PROP_COPY_WHEN_EXHAUSTED;

  gst_pad_set_activatemode_function (pad,
      GST_DEBUG_FUNCPTR (gst_fanout_src_activate_mode));
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (gst_fanout_src_event));
  GST_PAD_SET_PROXY_CAPS (pad);
}

/* The streaming thread of a src pad: pushes what its queue holds. A
 * branch not linked (yet) takes nothing out of its queue: balance and key
 * modes queue data for it until its thread parks. */
static void
gst_fanout_pad_loop (GstPad * pad)
{
  gst_watermark_fifo_forward_one (GST_FANOUT_PAD_CAST (pad)->fifo, pad,
      GST_WATERMARK_FIFO_READER_BRANCH);
}

/* Shared workers (threads != 0). A branch with something to take is put
 * on the ready queue once (its fifo's ready function); a worker takes the
 * head, forwards up to WORKER_BURST items with the src pad's stream lock
 * held (as the pad's task would), and puts it back at the tail when it
 * has more, so that a branch is served by one worker at a time, in order,
 * and the branches in turn. A worker inside a push that blocks (a sink
 * prerolling, waiting for its clock, a full queue downstream) holds only
 * that branch: when the workers forwarded nothing for WATCHDOG_PERIOD
 * (a WATCHDOG_NAP, when they got stuck while data flowed) while branches
 * were ready and no woken worker was coming for them, the watchdog
 * wakes the idle kept workers, then a spare worker or starts one, up to
 * one thread per branch in all. A hand-out wakes one idle kept worker,
 * which serves the ready branches in turn, and another only while
 * branches are still queued at the next hand-out (a wake-up per ready
 * branch costs more than the work of fast ones); a spare serves until
 * nothing is ready, then waits for the watchdog, and leaves after
 * SPARE_LINGER without being woken. So that the spares a preroll needed
 * (each sink holds a thread until the pipeline plays) leave once it
 * plays, and thread count and wake-ups stay those of the kept workers
 * while they keep up. */

/* With the workers lock: the ready branches that no woken worker is
 * coming for (they wait for a busy worker). */
static guint
gst_fanout_waiting_locked (GstFanout * self)
{
  return self->ready.length - MIN (self->ready.length, self->wakes);
}

/* With the workers lock: counts up to @n idle kept workers that were not
 * woken yet as woken, to signal with gst_fanout_unlock_and_wake(); the
 * number. */
static guint
gst_fanout_wake_workers_locked (GstFanout * self, guint n)
{
  guint woken = MIN (n, self->idle - self->wakes);

  self->wakes += woken;
  self->to_signal += woken;
  return woken;
}

/* Lets the workers lock go, then signals the workers woken under it: a
 * worker signalled under the lock wakes into the held lock and sleeps
 * again on it, two more context switches per hand-out (measured: most
 * of the switches of a fast fanout). A worker counted idle still waits
 * on the condition, so the signal is not lost. */
static void
gst_fanout_unlock_and_wake (GstFanout * self)
{
  guint n = self->to_signal;

  self->to_signal = 0;
  g_mutex_unlock (&self->workers_lock);
  for (; n; n--)
    g_cond_signal (&self->workers_cond);
}

/* With the workers lock: a worker took a branch, or a branch is ready. */
static void
gst_fanout_wake_watchdog_locked (GstFanout * self)
{
  if (self->watchdog_asleep && gst_fanout_waiting_locked (self))
    g_cond_signal (&self->watchdog_cond);
}

/* With the workers lock: branches became ready; one idle worker when no
 * woken one is coming for them. */
static void
gst_fanout_hand_out_locked (GstFanout * self)
{
  if (gst_fanout_waiting_locked (self))
    gst_fanout_wake_workers_locked (self, 1);
  gst_fanout_wake_watchdog_locked (self);
}

/* With the workers lock. */
static void
gst_fanout_schedule_locked (GstFanout * self, GstFanoutPad * fpad)
{
  if (fpad->scheduled) {
    fpad->rerun = TRUE;
    return;
  }
  GST_LOG_OBJECT (fpad, "ready, %u idle workers", self->idle);
  fpad->scheduled = TRUE;
  g_queue_push_tail (&self->ready, gst_object_ref (fpad));
  if (!self->defer_wakes)
    gst_fanout_hand_out_locked (self);
}

/* The sink pad hands an item to every branch (@defer TRUE), or is done or
 * about to wait in a full branch (FALSE): the branches that became ready
 * meanwhile wake one idle worker, when no woken one is coming for them. */
static void
gst_fanout_defer_wakes (GstFanout * self, gboolean defer)
{
  g_mutex_lock (&self->workers_lock);
  self->defer_wakes = defer && self->n_hot > 0;
  if (!defer)
    gst_fanout_hand_out_locked (self);
  gst_fanout_unlock_and_wake (self);
}

/* A fifo's ready function, under the fifo's lock. */
static void
gst_fanout_pad_ready (GstWatermarkFifo * fifo, gpointer user_data)
{
  GstFanoutPad *fpad = user_data;
  GstFanout *self = fpad->fanout;

  g_mutex_lock (&self->workers_lock);
  gst_fanout_schedule_locked (self, fpad);
  gst_fanout_unlock_and_wake (self);
}

/* With the workers lock: waits for a branch to be ready (a kept worker)
 * or for the watchdog (a spare); FALSE when a spare waited SPARE_LINGER
 * for nothing. */
static gboolean
gst_fanout_wait_locked (GstFanout * self, gboolean spare)
{
  gboolean woken;

  if (!spare) {
    self->idle++;
    g_cond_wait (&self->workers_cond, &self->workers_lock);
    self->idle--;
    /* a spurious wake-up may take another's count: it errs on waking */
    if (self->wakes)
      self->wakes--;
    return TRUE;
  }
  self->idle_spares++;
  woken = g_cond_wait_until (&self->spares_cond, &self->workers_lock,
      g_get_monotonic_time () + SPARE_LINGER);
  self->idle_spares--;
  return woken || !g_queue_is_empty (&self->ready);
}

/* With the workers lock: the next branch to serve; NULL when the workers
 * stop, or for a spare that was not needed for SPARE_LINGER. */
static GstFanoutPad *
gst_fanout_next_branch_locked (GstFanout * self, gboolean spare)
{
  GstFanoutPad *fpad;

  while (self->running && g_queue_is_empty (&self->ready)) {
    if (!gst_fanout_wait_locked (self, spare))
      return NULL;
  }
  if (!self->running)
    return NULL;
  fpad = g_queue_pop_head (&self->ready);
  fpad->rerun = FALSE;
  gst_fanout_wake_watchdog_locked (self);
  return fpad;
}

/* Forwards up to WORKER_BURST items of @fpad; TRUE when it may have more. */
static gboolean
gst_fanout_serve (GstFanout * self, GstFanoutPad * fpad)
{
  GstPad *pad = GST_PAD_CAST (fpad);
  guint n = 0;

  GST_PAD_STREAM_LOCK (pad);
  while (n < WORKER_BURST && gst_watermark_fifo_forward_ready (fpad->fifo,
          pad, GST_WATERMARK_FIFO_READER_BRANCH)) {
    n++;
    g_atomic_int_inc (&self->progress);
  }
  GST_PAD_STREAM_UNLOCK (pad);
  return n == WORKER_BURST;
}

/* With the workers lock: @fpad was served; back in turn when it has more
 * or became ready meanwhile. */
static void
gst_fanout_served_locked (GstFanout * self, GstFanoutPad * fpad, gboolean more)
{
  if (more || fpad->rerun) {
    fpad->rerun = FALSE;
    g_queue_push_tail (&self->ready, fpad);
    return;
  }
  fpad->scheduled = FALSE;
  gst_object_unref (fpad);
}

static void
gst_fanout_work (GstFanout * self, gboolean spare)
{
  GstFanoutPad *fpad;
  gboolean more;

  g_mutex_lock (&self->workers_lock);
  while ((fpad = gst_fanout_next_branch_locked (self, spare))) {
    g_mutex_unlock (&self->workers_lock);
    more = gst_fanout_serve (self, fpad);
    g_mutex_lock (&self->workers_lock);
    gst_fanout_served_locked (self, fpad, more);
  }
  /* a spare leaving: joined by the next start of a spare or the stop */
  if (self->running) {
    g_ptr_array_remove_fast (self->workers, g_thread_self ());
    g_ptr_array_add (self->exited, g_thread_self ());
  }
  g_mutex_unlock (&self->workers_lock);
}

static gpointer
gst_fanout_kept_worker (gpointer data)
{
  gst_fanout_work (data, FALSE);
  return NULL;
}

static gpointer
gst_fanout_spare_worker (gpointer data)
{
  gst_fanout_work (data, TRUE);
  return NULL;
}

static void
join_thread (gpointer thread)
{
  g_thread_join (thread);
}

/* With the workers lock. */
static void
gst_fanout_add_worker_locked (GstFanout * self, gboolean spare)
{
  /* the spares that left have nothing more to do than to return */
  g_ptr_array_foreach (self->exited, (GFunc) join_thread, NULL);
  g_ptr_array_set_size (self->exited, 0);
  g_ptr_array_add (self->workers, g_thread_new ("fanout-worker", spare ?
          gst_fanout_spare_worker : gst_fanout_kept_worker, self));
}

/* With the workers lock: the workers are stuck; the idle kept workers
 * not woken yet, then a spare, serve each waiting branch (a preroll
 * needs one thread per sink at once). */
static void
gst_fanout_add_spares_locked (GstFanout * self)
{
  guint n = gst_fanout_waiting_locked (self), woken;
  guint bound = MAX (self->n_hot, self->n_branches);

  n -= gst_fanout_wake_workers_locked (self, n);
  for (woken = MIN (n, self->idle_spares); woken; woken--, n--)
    g_cond_signal (&self->spares_cond);
  GST_DEBUG_OBJECT (self, "workers stuck for %" G_GINT64_FORMAT " us, %u "
      "ready branches: %u more spares", WATCHDOG_PERIOD, self->ready.length,
      MIN (n, bound - MIN (bound, self->workers->len)));
  for (; n && self->workers->len < bound; n--)
    gst_fanout_add_worker_locked (self, TRUE);
}

/* Starts a spare worker when the workers made no progress for a whole
 * WATCHDOG_PERIOD while branches waited. While they make progress and
 * keep up (no branch waits when it looks) it looks again only every
 * WATCHDOG_NAP, not woken meanwhile (a wake-up per hand-out costs more
 * than the work of fast branches); while branches wait it looks every
 * WATCHDOG_PERIOD, so that a preroll that blocks the workers right after
 * the first events (which were progress) gets its spares in 10 to 20 ms,
 * not 100 to 200 (the live source queues frames meanwhile); when nothing
 * flows it sleeps without a timeout until a branch waits. */
static gpointer
gst_fanout_watchdog (gpointer data)
{
  GstFanout *self = data;
  gint seen = g_atomic_int_get (&self->progress), now;
  gint64 period;

  /* a whole period before each look: the first look too, for the
   * workers may not have run yet when the first events are queued */
  g_mutex_lock (&self->workers_lock);
  self->watchdog_until = g_get_monotonic_time () + WATCHDOG_PERIOD;
  while (self->running) {
    /* woken (a stop, a cut nap) or not: a stop that came while it waited
     * ends it before it looks, or it would sleep on with nobody to wake
     * it */
    if (g_cond_wait_until (&self->watchdog_cond, &self->workers_lock,
            self->watchdog_until) || !self->running)
      continue;
    now = g_atomic_int_get (&self->progress);
    if (now != seen) {
      period = gst_fanout_waiting_locked (self) ||
          g_get_monotonic_time () < self->settle_until ? WATCHDOG_PERIOD :
          WATCHDOG_NAP;
    } else if (gst_fanout_waiting_locked (self)) {
      gst_fanout_add_spares_locked (self);
      gst_fanout_unlock_and_wake (self);
      g_mutex_lock (&self->workers_lock);
      period = WATCHDOG_PERIOD;
    } else {
      self->watchdog_asleep = TRUE;
      g_cond_wait (&self->watchdog_cond, &self->workers_lock);
      self->watchdog_asleep = FALSE;
      period = WATCHDOG_PERIOD;
    }
    seen = g_atomic_int_get (&self->progress);
    self->watchdog_until = g_get_monotonic_time () + period;
  }
  g_mutex_unlock (&self->workers_lock);
  return NULL;
}

/* READY to PAUSED, before the pads are activated. */
static void
gst_fanout_workers_start (GstFanout * self)
{
  gint threads = g_atomic_int_get (&self->threads);
  guint i;

  g_mutex_lock (&self->workers_lock);
  self->n_hot = threads == THREADS_AUTO ? g_get_num_processors () : threads;
  self->running = self->n_hot > 0;
  self->wakes = self->to_signal = 0;
  g_atomic_int_set (&self->primed, FALSE);
  for (i = 0; i < self->n_hot; i++)
    gst_fanout_add_worker_locked (self, FALSE);
  if (self->running)
    self->watchdog = g_thread_new ("fanout-watchdog", gst_fanout_watchdog,
        self);
  g_mutex_unlock (&self->workers_lock);
  GST_DEBUG_OBJECT (self, "%u shared workers", self->n_hot);
}

/* PAUSED to READY, once the pads were deactivated. */
static void
gst_fanout_workers_stop (GstFanout * self)
{
  GPtrArray *threads;
  GstFanoutPad *fpad;

  g_mutex_lock (&self->workers_lock);
  self->running = FALSE;
  self->n_hot = 0;
  g_cond_broadcast (&self->workers_cond);
  g_cond_broadcast (&self->spares_cond);
  g_cond_signal (&self->watchdog_cond);
  threads = self->workers;
  self->workers = g_ptr_array_new ();
  g_ptr_array_extend_and_steal (threads, self->exited);
  self->exited = g_ptr_array_new ();
  if (self->watchdog)
    g_ptr_array_add (threads, self->watchdog);
  self->watchdog = NULL;
  g_mutex_unlock (&self->workers_lock);

  g_ptr_array_foreach (threads, (GFunc) join_thread, NULL);
  g_ptr_array_unref (threads);

  g_mutex_lock (&self->workers_lock);
  while ((fpad = g_queue_pop_head (&self->ready))) {
    fpad->scheduled = FALSE;
    gst_object_unref (fpad);
  }
  g_mutex_unlock (&self->workers_lock);
}

/* With the routing lock: a pad's queue is served by its task or by the
 * workers, from now on. */
static void
gst_fanout_pad_start_reader (GstFanout * self, GstFanoutPad * fpad)
{
  gboolean shared;

  g_mutex_lock (&self->workers_lock);
  shared = self->n_hot > 0;
  g_mutex_unlock (&self->workers_lock);
  /* workers do not batch: a worker serves what is queued */
  if (shared)
    gst_watermark_fifo_enable_batch (fpad->fifo, FALSE);
  gst_watermark_fifo_set_ready_func (fpad->fifo,
      shared ? gst_fanout_pad_ready : NULL, fpad);

  g_mutex_lock (&self->workers_lock);
  if (shared && !fpad->shared) {
    fpad->shared = TRUE;
    self->n_branches++;
  }
  if (shared)
    gst_fanout_schedule_locked (self, fpad);
  gst_fanout_unlock_and_wake (self);

  if (!shared)
    gst_pad_start_task (GST_PAD_CAST (fpad),
        (GstTaskFunction) gst_fanout_pad_loop, fpad, NULL);
}

/* Its queue flushing: waits until no thread forwards from it. @stop: it
 * is deactivated, else paused (flush). */
static gboolean
gst_fanout_pad_stop_reader (GstFanout * self, GstFanoutPad * fpad,
    gboolean stop)
{
  GstPad *pad = GST_PAD_CAST (fpad);

  if (!fpad->shared)
    return stop ? gst_pad_stop_task (pad) : gst_pad_pause_task (pad);

  /* a worker forwarding from it has its stream lock */
  GST_PAD_STREAM_LOCK (pad);
  GST_PAD_STREAM_UNLOCK (pad);
  if (!stop)
    return TRUE;
  g_mutex_lock (&self->workers_lock);
  if (g_queue_remove (&self->ready, fpad)) {
    fpad->scheduled = FALSE;
    gst_object_unref (fpad);
  }
  fpad->shared = FALSE;
  self->n_branches--;
  g_mutex_unlock (&self->workers_lock);
  return TRUE;
}

static gboolean
gst_fanout_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstFanoutPad *fpad = GST_FANOUT_PAD_CAST (pad);

  /* a branch linked (again) takes data again */
  if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE) {
    gst_watermark_fifo_relink (fpad->fifo);
    gst_fanout_wake_router (GST_FANOUT (parent));
  }

  return gst_pad_event_default (pad, parent, event);
}

/* pad lifecycle */

static gint
compare_index (gconstpointer a, gconstpointer b)
{
  const GstFanoutPad *pa = *(GstFanoutPad * const *) a;
  const GstFanoutPad *pb = *(GstFanoutPad * const *) b;

  return (pa->index > pb->index) - (pa->index < pb->index);
}

/* With the lock: (re)starts a pad's queue and thread. The queue first
 * gets the sink pad's sticky events: they are the stream's state, and a
 * flush emptied the queue. Under the lock the sink event function stores
 * sticky events under, so that none is missed or doubled; the pad counts
 * as having had the item being handed out. */
static void
gst_fanout_pad_resume_locked (GstFanout * self, GstFanoutPad * fpad)
{
  gst_watermark_fifo_restart (fpad->fifo, self->sinkpad);
  /* the EOS handed out is not stored on the sink pad yet */
  if (self->eos)
    gst_watermark_fifo_push (fpad->fifo,
        GST_MINI_OBJECT_CAST (gst_event_ref (self->eos)));
  fpad->seq = self->seq;
  fpad->last_ret = GST_FLOW_OK;
  gst_fanout_pad_start_reader (self, fpad);
}

/* A src pad joins the routing. */
static gboolean
gst_fanout_pad_start (GstFanout * self, GstFanoutPad * fpad)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->pads, gst_object_ref (fpad));
  g_ptr_array_sort (self->pads, compare_index);
  self->pads_cookie++;
  g_cond_broadcast (&self->room_cond);
  gst_fanout_pad_resume_locked (self, fpad);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* With the lock: leaves the routing; a released pad no longer counts as
 * requested either, so that the sink pad returns NOT_LINKED, not
 * FLUSHING, when it was the only one. */
static void
gst_fanout_pad_leave_locked (GstFanout * self, GstFanoutPad * fpad,
    gboolean released)
{
  if (g_ptr_array_remove (self->pads, fpad))
    self->pads_cookie++;
  g_cond_broadcast (&self->room_cond);
  if (released)
    self->n_requested--;
}

/* Leaves the routing, drops what is queued, stops the thread. */
static gboolean
gst_fanout_pad_stop (GstFanout * self, GstFanoutPad * fpad)
{
  g_mutex_lock (&self->lock);
  gst_fanout_pad_leave_locked (self, fpad, FALSE);
  g_mutex_unlock (&self->lock);

  gst_watermark_fifo_set_flushing (fpad->fifo, TRUE);
  return gst_fanout_pad_stop_reader (self, fpad, TRUE);
}

static gboolean
gst_fanout_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstFanout *self = GST_FANOUT (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active)
    return gst_fanout_pad_start (self, GST_FANOUT_PAD_CAST (pad));
  return gst_fanout_pad_stop (self, GST_FANOUT_PAD_CAST (pad));
}

/* With the object lock: the index of a new pad, from @name or the next
 * free one. FALSE when @name is taken or not a src_%u name. */
static gboolean
gst_fanout_pick_index (GstFanout * self, const gchar * name, guint * index)
{
  GList *l;

  if (name == NULL || g_strcmp0 (name, "src_%u") == 0) {
    *index = self->next_index;
  } else if (sscanf (name, "src_%u", index) != 1) {
    return FALSE;
  }
  for (l = GST_ELEMENT_CAST (self)->srcpads; l; l = l->next) {
    if (GST_FANOUT_PAD_CAST (l->data)->index == *index)
      return FALSE;
  }
  self->next_index = MAX (self->next_index, *index + 1);
  return TRUE;
}

static GstPad *
gst_fanout_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstFanout *self = GST_FANOUT (element);
  GstFanoutPad *fpad;
  gchar *pad_name;
  guint index;
  gboolean playing;

  GST_OBJECT_LOCK (self);
  if (!gst_fanout_pick_index (self, name, &index))
    goto bad_name;
  playing = self->playing;
  GST_OBJECT_UNLOCK (self);

  pad_name = g_strdup_printf ("src_%u", index);
  fpad = g_object_new (GST_TYPE_FANOUT_PAD, "name", pad_name, "direction",
      GST_PAD_SRC, "template", templ, NULL);
  g_free (pad_name);
  fpad->index = index;
  fpad->fanout = self;
  /* a branch batches only in PLAYING, so that its sink gets the buffer it
   * prerolls on at once (batch-time may be -1) */
  gst_watermark_fifo_enable_batch (fpad->fifo, playing);

  g_mutex_lock (&self->lock);
  self->n_requested++;
  g_mutex_unlock (&self->lock);
  /* activates the pad when the element is running */
  if (!gst_element_add_pad (element, GST_PAD_CAST (fpad)))
    goto add_failed;
  gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (fpad),
      GST_OBJECT_NAME (fpad));
  return GST_PAD_CAST (fpad);

  /* ERRORS */
bad_name:
  {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "pad name %s is taken or not src_%%u", name);
    return NULL;
  }
add_failed:
  {
    g_mutex_lock (&self->lock);
    self->n_requested--;
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "could not add pad src_%u", index);
    return NULL;
  }
}

/* Below PLAYING, the thread of a pad being released may wait in a sink
 * that has prerolled: flush its peer around the deactivation, which joins
 * that thread. In PLAYING a flush would cost the sink its state (the
 * pipeline would go back to PAUSED), and nothing waits for it there. */
static void
gst_fanout_unblock_peer (GstFanout * self, GstPad * pad, gboolean start)
{
  GstPad *peer;
  gboolean paused;

  GST_OBJECT_LOCK (self);
  paused = GST_STATE (self) == GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);
  if (!paused)
    return;
  peer = gst_pad_get_peer (pad);
  if (peer == NULL)
    return;
  gst_pad_send_event (peer, start ? gst_event_new_flush_start () :
      gst_event_new_flush_stop (FALSE));
  gst_object_unref (peer);
}

static void
gst_fanout_release_pad (GstElement * element, GstPad * pad)
{
  GstFanout *self = GST_FANOUT (element);

  GST_DEBUG_OBJECT (pad, "releasing");
  g_mutex_lock (&self->lock);
  gst_fanout_pad_leave_locked (self, GST_FANOUT_PAD_CAST (pad), TRUE);
  g_mutex_unlock (&self->lock);

  gst_watermark_fifo_set_flushing (GST_FANOUT_PAD_CAST (pad)->fifo, TRUE);
  gst_fanout_unblock_peer (self, pad, TRUE);
  gst_pad_set_active (pad, FALSE);
  gst_fanout_unblock_peer (self, pad, FALSE);

  gst_child_proxy_child_removed (GST_CHILD_PROXY (self), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));
  gst_element_remove_pad (element, pad);
}

/* routing */

/* With the lock: the flow of a branch for the item @seq: what its queue
 * said to that item, or what it says now. */
static GstFlowReturn
gst_fanout_pad_flow_locked (GstFanoutPad * fpad, guint64 seq)
{
  if (fpad->seq == seq)
    return fpad->last_ret;
  return gst_watermark_fifo_get_flow (fpad->fifo);
}

/* With the lock: what the sink pad returns for item @seq. FLUSHING and
 * errors at once; else OK when a branch is OK, EOS when all are EOS or
 * not linked, NOT_LINKED when all are not linked (like tee). Requested pads
 * none of which is active are pads being deactivated: FLUSHING. */
static GstFlowReturn
gst_fanout_combine_locked (GstFanout * self, guint64 seq)
{
  gboolean any_ok = FALSE, any_eos = FALSE;
  guint i;

  if (self->pads->len == 0)
    return self->n_requested ? GST_FLOW_FLUSHING : GST_FLOW_NOT_LINKED;

  for (i = 0; i < self->pads->len; i++) {
    GstFlowReturn ret =
        gst_fanout_pad_flow_locked (g_ptr_array_index (self->pads, i), seq);

    if (ret == GST_FLOW_EOS)
      any_eos = TRUE;
    else if (ret >= GST_FLOW_OK)
      any_ok = TRUE;
    else if (ret != GST_FLOW_NOT_LINKED)
      return ret;
  }
  if (any_ok)
    return GST_FLOW_OK;
  return any_eos ? GST_FLOW_EOS : GST_FLOW_NOT_LINKED;
}

/* A copy of @buf in our own memory, with its metadata; NULL when there is
 * no memory for it. */
static GstBuffer *
gst_fanout_copy_buffer (GstFanout * self, GstBuffer * buf)
{
  gsize size = gst_buffer_get_size (buf);
  GstBuffer *copy;
  GstMapInfo map;

  copy = gst_buffer_new_allocate (self->copy_allocator, size, NULL);
  if (copy == NULL || !gst_buffer_map (copy, &map, GST_MAP_WRITE))
    goto no_memory;
  gst_buffer_extract (buf, 0, map.data, map.size);
  gst_buffer_unmap (copy, &map);
  gst_buffer_copy_into (copy, buf, GST_BUFFER_COPY_METADATA, 0, -1);
  /* how the allocstats tracer tells copies from other buffers */
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (copy),
      g_quark_from_static_string ("GstSharedPoolCopy"), GINT_TO_POINTER (1),
      NULL);
  return copy;

  /* ERRORS */
no_memory:
  {
    GST_WARNING_OBJECT (self, "no memory for a copy of %" G_GSIZE_FORMAT
        " bytes: the branch keeps the original", size);
    gst_clear_buffer (&copy);
    return NULL;
  }
}

/* @buf (taken) for a branch that holds copy-threshold buffers or more:
 * a copy in our own memory, and the original is let go, back to
 * upstream's pool once the other branches are done with it. NULL when
 * there is no need or no memory for a copy (@buf is then kept). */
static GstBuffer *
gst_fanout_pad_copy (GstFanout * self, GstFanoutPad * fpad, GstBuffer * buf)
{
  guint threshold = g_atomic_int_get (&fpad->copy_threshold);
  GstWatermarkLevel level;
  GstBuffer *copy;

  if (threshold == 0 || gst_buffer_get_size (buf) == 0)
    return NULL;
  gst_watermark_fifo_get_level (fpad->fifo, &level);
  if (level.buffers < threshold)
    return NULL;
  copy = gst_fanout_copy_buffer (self, buf);
  if (copy != NULL)
    gst_buffer_unref (buf);
  return copy;
}

/* With the lock: the max-buffers of the pool @buf comes from, 0 when it
 * comes from none or an unbounded one. Read once per pool. */
static guint
gst_fanout_pool_limit_locked (GstFanout * self, GstBuffer * buf)
{
  GstBufferPool *pool = buf->pool;
  GstStructure *config;
  guint max = 0;

  if (pool == NULL)
    return 0;
  if (pool == self->up_pool)
    return self->up_max;
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_get_params (config, NULL, NULL, NULL, &max);
  gst_structure_free (config);
  gst_object_replace ((GstObject **) & self->up_pool, GST_OBJECT_CAST (pool));
  self->up_max = max;
  return max;
}

/* With the lock: forgets upstream's pool (a new allocation, a new stream). */
static void
gst_fanout_forget_pool_locked (GstFanout * self)
{
  gst_clear_object (&self->up_pool);
  self->up_max = 0;
}

typedef struct
{
  GstFanout *self;
  GstBufferPool *pool;
  guint held;                   /* the pool's buffers in the queue */
  guint excess;                 /* how many of them to copy */
  guint copies;                 /* and how many were */
} GstFanoutPoolScan;

static gboolean
count_pool_buffer (GstBuffer ** buf, gpointer user_data)
{
  GstFanoutPoolScan *scan = user_data;

  scan->held += (*buf)->pool == scan->pool;
  return TRUE;
}

/* Under the queue's lock: a buffer of the pool that only the queue holds
 * (the other branches are done with it) is replaced by a copy, and goes
 * back to the pool. */
static gboolean
copy_pool_buffer (GstBuffer ** buf, gpointer user_data)
{
  GstFanoutPoolScan *scan = user_data;
  GstBuffer *copy;

  if ((*buf)->pool != scan->pool || GST_MINI_OBJECT_REFCOUNT_VALUE (*buf) != 1
      || gst_buffer_get_size (*buf) == 0)
    return TRUE;
  if ((copy = gst_fanout_copy_buffer (scan->self, *buf)) == NULL)
    return FALSE;
  gst_buffer_unref (*buf);
  *buf = copy;
  return ++scan->copies < scan->excess;
}

/* The pool-exhausted rule, before a buffer of @pool (max-buffers @max) is
 * queued on @fpad: while the pool's buffers in the queue, the one being
 * queued and one for the branch's downstream would be all of the pool's,
 * the oldest of them that the other branches are done with are replaced
 * by copies. Returns how many were. */
static guint
gst_fanout_pad_release_pool (GstFanout * self, GstFanoutPad * fpad,
    GstBufferPool * pool, guint max)
{
  GstFanoutPoolScan scan = { self, pool, 0, 0, 0 };
  GstWatermarkLevel level;

  gst_watermark_fifo_get_level (fpad->fifo, &level);
  if (level.buffers + 2 < max)
    return 0;
  gst_watermark_fifo_foreach_buffer (fpad->fifo, count_pool_buffer, &scan);
  if (scan.held + 2 < max)
    return 0;
  scan.excess = scan.held + 3 - max;
  gst_watermark_fifo_foreach_buffer (fpad->fifo, copy_pool_buffer, &scan);
  return scan.copies;
}

/* Whether a buffer pushed on @fpad now would wait for room. Only the sink
 * pad fills a queue: one that is not full now has room for the push. */
static gboolean
gst_fanout_pad_would_wait (GstFanoutPad * fpad)
{
  GstWatermarkFifoPolicy policy;
  GstWatermarkLevel level;
  gboolean full;

  gst_watermark_fifo_peek (fpad->fifo, &level, &full, &policy);
  return full && policy == GST_WATERMARK_FIFO_BLOCK;
}

/* With the lock, returns with it: queues @item (transfer full) on @fpad,
 * with the lock released while the queue may block. */
static void
gst_fanout_pad_queue_locked (GstFanout * self, GstFanoutPad * fpad,
    GstMiniObject * item, guint64 seq)
{
  GstBufferPool *pool = NULL;
  GstBuffer *copy = NULL;
  guint max = 0, copies = 0;
  GstFlowReturn ret;

  fpad->seq = seq;
  if (GST_IS_BUFFER (item) && g_atomic_int_get (&fpad->copy_when_exhausted)
      && (max = gst_fanout_pool_limit_locked (self, GST_BUFFER_CAST (item))))
    pool = gst_object_ref (self->up_pool);
  gst_object_ref (fpad);
  g_mutex_unlock (&self->lock);

  if (pool != NULL) {
    copies = gst_fanout_pad_release_pool (self, fpad, pool, max);
    gst_object_unref (pool);
  }
  if (GST_IS_BUFFER (item) &&
      (copy = gst_fanout_pad_copy (self, fpad, GST_BUFFER_CAST (item))))
    item = GST_MINI_OBJECT_CAST (copy);
  /* the branch that would make it wait needs the workers that serve it */
  if (gst_fanout_pad_would_wait (fpad))
    gst_fanout_defer_wakes (self, FALSE);
  ret = gst_watermark_fifo_push (fpad->fifo, item);

  g_mutex_lock (&self->lock);
  fpad->last_ret = ret;
  fpad->copies += copies + (copy != NULL);
  gst_object_unref (fpad);
}

/* With the lock: the active pads that have not had item @seq. */
static guint
gst_fanout_count_pending_locked (GstFanout * self, guint64 seq)
{
  guint i, n = 0;

  for (i = 0; i < self->pads->len; i++)
    n += GST_FANOUT_PAD_CAST (g_ptr_array_index (self->pads, i))->seq != seq;
  return n;
}

/* With the lock: keeps the stream state that new pads get in step with
 * what is handed out (the core stores sticky events on the sink pad only
 * after the event function). Not the EOS: stored now, it would make the
 * sink pad refuse the very event it is handling. */
static void
gst_fanout_track_sticky_locked (GstFanout * self, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    gst_event_replace (&self->eos, event);
    return;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START)
    gst_event_replace (&self->eos, NULL);
  if (GST_EVENT_IS_STICKY (event))
    gst_pad_store_sticky_event (self->sinkpad, event);
}

/* An error or flushing: the sink pad returns it at once. */
static inline gboolean
is_fatal (GstFlowReturn ret)
{
  return ret == GST_FLOW_FLUSHING || ret < GST_FLOW_EOS;
}

/* Gives @item (transfer full) to every active pad, tee's way: ref the pad,
 * drop the lock, queue, retake the lock, start over when the pads changed.
 * The last pad gets our reference, so that a buffer with one consumer
 * left is writable there; a pad added after that waits for the next item.
 * Stops at an error, like tee. */
static GstFlowReturn
gst_fanout_broadcast (GstFanout * self, GstMiniObject * item)
{
  GstMiniObject *ours = item;
  gboolean stop = FALSE;
  GstFlowReturn ret;
  guint64 seq;
  guint32 cookie;
  guint i, pending;

  gst_fanout_defer_wakes (self, TRUE);
  g_mutex_lock (&self->lock);
  seq = ++self->seq;
  if (GST_IS_EVENT (item))
    gst_fanout_track_sticky_locked (self, GST_EVENT_CAST (item));
restart:
  cookie = self->pads_cookie;
  pending = gst_fanout_count_pending_locked (self, seq);
  for (i = 0; i < self->pads->len && ours && !stop; i++) {
    GstFanoutPad *fpad = g_ptr_array_index (self->pads, i);

    if (fpad->seq == seq)
      continue;
    gst_fanout_pad_queue_locked (self, fpad,
        --pending ? gst_mini_object_ref (ours) : ours, seq);
    if (pending == 0)
      ours = NULL;
    if (cookie != self->pads_cookie)
      goto restart;
    stop = is_fatal (fpad->last_ret);
  }
  ret = gst_fanout_combine_locked (self, seq);
  g_mutex_unlock (&self->lock);
  gst_fanout_defer_wakes (self, FALSE);

  if (ours)
    gst_mini_object_unref (ours);
  return ret;
}

/* With the lock: the pad with the fewest queued buffers among those that
 * take data and have room, ties in turn. When all of them are full: the
 * least loaded of those that drop rather than wait, or the only one (the
 * sink pad then waits in its queue, with its hysteresis). NULL when none
 * takes data, or when several do, all full and waiting (*@wait TRUE): a
 * frozen branch is not waited on while others may make room. */
static GstFanoutPad *
gst_fanout_pick_least_loaded_locked (GstFanout * self, gboolean * wait)
{
  GstFanoutPad *best = NULL, *full_pad = NULL, *any = NULL;
  guint i, n = self->pads->len, best_i = 0, n_ok = 0;
  guint best_level = G_MAXUINT, full_level = G_MAXUINT;

  for (i = 0; i < n; i++) {
    guint k = (self->next_rr + i) % n;
    GstFanoutPad *fpad = g_ptr_array_index (self->pads, k);
    GstWatermarkFifoPolicy policy;
    GstWatermarkLevel level;
    gboolean full;

    if (gst_watermark_fifo_peek (fpad->fifo, &level, &full, &policy) !=
        GST_FLOW_OK)
      continue;
    n_ok++;
    any = fpad;
    if (!full && level.buffers < best_level) {
      best = fpad;
      best_i = k;
      best_level = level.buffers;
    } else if (full && level.buffers < full_level &&
        policy != GST_WATERMARK_FIFO_BLOCK) {
      full_pad = fpad;
      full_level = level.buffers;
    }
  }
  if (best)
    self->next_rr = best_i + 1;
  else if (full_pad == NULL && n_ok == 1)
    full_pad = any;
  *wait = best == NULL && full_pad == NULL && n_ok > 1;
  return best ? best : full_pad;
}

/* With the lock: the pad for @item in balance mode; waits while every
 * branch that takes data is full and would make the sink pad wait. The
 * branches' readers, flushes, flow changes and pad changes wake it. */
static GstFanoutPad *
gst_fanout_pick_balance_locked (GstFanout * self)
{
  GstFanoutPad *fpad;
  gboolean wait;

  for (;;) {
    fpad = gst_fanout_pick_least_loaded_locked (self, &wait);
    if (fpad || !wait)
      return fpad;
    g_cond_wait (&self->room_cond, &self->lock);
  }
}

/* The key of a buffer, or of a list's first buffer. */
static guint64
gst_fanout_item_key (GstMiniObject * item)
{
  GstBuffer *buf;

  if (GST_IS_BUFFER_LIST (item))
    buf = gst_buffer_list_length (GST_BUFFER_LIST_CAST (item)) ?
        gst_buffer_list_get (GST_BUFFER_LIST_CAST (item), 0) : NULL;
  else
    buf = GST_BUFFER_CAST (item);

  if (buf == NULL || !GST_BUFFER_OFFSET_IS_VALID (buf))
    return 0;
  return GST_BUFFER_OFFSET (buf);
}

/* A buffer routed to @fpad (reffed, taken) was refused (its downstream
 * is EOS, not linked, or it is flushing) while the sink pad returns OK:
 * not lost silently, it is counted in the pad's "refused" and posted as
 * fanout-dropped. */
static void
gst_fanout_report_refused (GstFanoutPad * fpad)
{
  GstWatermarkLevel level;

  GST_DEBUG_OBJECT (fpad, "refused a buffer routed to it");
  gst_watermark_fifo_get_level (fpad->fifo, &level);
  gst_fanout_post (fpad, "fanout-dropped", &level, NULL);
  gst_object_unref (fpad);
}

/* Gives @item (transfer full) to one pad: the least loaded or the one its
 * key picks. It is queued with our reference, so that it is writable
 * downstream; when its pad is released meanwhile it goes with that pad's
 * queue. */
static GstFlowReturn
gst_fanout_route (GstFanout * self, GstMiniObject * item, GstFanoutMode mode)
{
  GstFanoutPad *fpad = NULL;
  gboolean refused;
  GstFlowReturn ret;
  guint64 seq;

  g_mutex_lock (&self->lock);
  seq = ++self->seq;
  if (mode == GST_FANOUT_MODE_BALANCE)
    fpad = gst_fanout_pick_balance_locked (self);
  else if (self->pads->len)
    fpad = g_ptr_array_index (self->pads,
        gst_fanout_item_key (item) % self->pads->len);

  /* reffed: the pad may be released while it queues */
  if (fpad)
    gst_fanout_pad_queue_locked (self, gst_object_ref (fpad), item, seq);
  else
    gst_mini_object_unref (item);
  ret = gst_fanout_combine_locked (self, seq);
  refused = fpad && ret == GST_FLOW_OK && fpad->last_ret != GST_FLOW_OK;
  if (refused)
    fpad->refused++;
  g_mutex_unlock (&self->lock);

  if (refused)
    gst_fanout_report_refused (fpad);
  else if (fpad)
    gst_object_unref (fpad);
  return ret;
}

/* The first buffer since the start or a flush: the sinks may preroll on
 * it, the watchdog does not nap for WATCHDOG_SETTLE, and cuts short a
 * nap begun after the events before it. */
static void
gst_fanout_prime (GstFanout * self)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->workers_lock);
  self->settle_until = now + WATCHDOG_SETTLE;
  if (self->watchdog_until > now + WATCHDOG_PERIOD) {
    self->watchdog_until = now + WATCHDOG_PERIOD;
    g_cond_signal (&self->watchdog_cond);
  }
  g_atomic_int_set (&self->primed, TRUE);
  g_mutex_unlock (&self->workers_lock);
}

static GstFlowReturn
gst_fanout_handle_data (GstFanout * self, GstMiniObject * item)
{
  GstFanoutMode mode = g_atomic_int_get (&self->mode);
  GstFlowReturn ret;

  if (G_UNLIKELY (!g_atomic_int_get (&self->primed)))
    gst_fanout_prime (self);
  if (mode == GST_FANOUT_MODE_BROADCAST)
    ret = gst_fanout_broadcast (self, item);
  else
    ret = gst_fanout_route (self, item, mode);

  if (ret == GST_FLOW_NOT_LINKED && g_atomic_int_get (&self->allow_not_linked))
    ret = GST_FLOW_OK;
  return ret;
}

static GstFlowReturn
gst_fanout_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  return gst_fanout_handle_data (GST_FANOUT (parent),
      GST_MINI_OBJECT_CAST (buffer));
}

static GstFlowReturn
gst_fanout_chain_list (GstPad * pad, GstObject * parent, GstBufferList * list)
{
  return gst_fanout_handle_data (GST_FANOUT (parent),
      GST_MINI_OBJECT_CAST (list));
}

/* events and queries */

/* The active src pads, reffed. */
static GPtrArray *
gst_fanout_ref_pads (GstFanout * self)
{
  GPtrArray *pads;
  guint i;

  g_mutex_lock (&self->lock);
  pads = g_ptr_array_new_full (self->pads->len, gst_object_unref);
  for (i = 0; i < self->pads->len; i++)
    g_ptr_array_add (pads, gst_object_ref (g_ptr_array_index (self->pads, i)));
  g_mutex_unlock (&self->lock);
  return pads;
}

/* Like queue: downstream first, so that a push in progress returns, then
 * the queue, which wakes a sink pad waiting for room, then the thread. */
static void
gst_fanout_flush_start (GstFanout * self, GstEvent * event)
{
  GPtrArray *pads = gst_fanout_ref_pads (self);
  guint i;

  for (i = 0; i < pads->len; i++) {
    GstFanoutPad *fpad = g_ptr_array_index (pads, i);

    gst_pad_push_event (GST_PAD_CAST (fpad), gst_event_ref (event));
    /* the stream state comes back at FLUSH_STOP (restart) */
    gst_watermark_fifo_set_flushing (fpad->fifo, TRUE);
    gst_fanout_pad_stop_reader (self, fpad, FALSE);
  }
  g_ptr_array_unref (pads);
  gst_fanout_wake_router (self);
}

/* Restarts the threads under the lock, so that a pad being deactivated
 * meanwhile is not restarted. */
static void
gst_fanout_flush_stop (GstFanout * self, GstEvent * event)
{
  GPtrArray *pads = gst_fanout_ref_pads (self);
  guint i;

  for (i = 0; i < pads->len; i++)
    gst_pad_push_event (g_ptr_array_index (pads, i), gst_event_ref (event));
  g_ptr_array_unref (pads);

  g_mutex_lock (&self->lock);
  gst_event_replace (&self->eos, NULL);
  for (i = 0; i < self->pads->len; i++)
    gst_fanout_pad_resume_locked (self, g_ptr_array_index (self->pads, i));
  g_mutex_unlock (&self->lock);
  /* a flush loses the sinks' preroll */
  g_atomic_int_set (&self->primed, FALSE);
}

static gboolean
gst_fanout_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstFanout *self = GST_FANOUT (parent);
  GstFlowReturn ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      gst_fanout_flush_start (self, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_fanout_flush_stop (self, event);
      break;
    default:
      if (!GST_EVENT_IS_SERIALIZED (event))
        return gst_pad_event_default (pad, parent, event);
      /* in order with the data, to every branch */
      ret = gst_fanout_broadcast (self, GST_MINI_OBJECT_CAST (event));
      return ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED ||
          ret == GST_FLOW_EOS;
  }
  gst_event_unref (event);
  return TRUE;
}

/* A serialized query other than ALLOCATION goes through every branch's
 * queue in turn (a DRAIN drains them all); it is answered when a branch
 * answered it. */
static gboolean
gst_fanout_query_branches (GstFanout * self, GstQuery * query)
{
  GPtrArray *pads = gst_fanout_ref_pads (self);
  gboolean res = FALSE;
  guint i;

  for (i = 0; i < pads->len; i++) {
    GstFanoutPad *fpad = g_ptr_array_index (pads, i);

    res |= gst_watermark_fifo_push_query (fpad->fifo, query);
  }
  g_ptr_array_unref (pads);
  return res;
}

/* The ALLOCATION answer being built from the branches. */
typedef struct
{
  GstQuery *query;              /* upstream's: collects the common metas */
  GstCaps *caps;
  GstVideoInfo vinfo;
  gboolean is_video;
  GstAllocationParams params;
  guint size;
  gboolean downstream_pool;     /* a branch offered a pool of its own */
  gboolean metas_set;           /* a branch's metas were taken in */
  gboolean metas_void;          /* a linked branch accepts none */
  guint newest;                 /* broadcast: newest frames one branch holds */
  guint older;                  /* broadcast: frames outside those */
  guint all;                    /* what the branches hold without sharing */
  guint min;                    /* the answer */
} GstFanoutAllocation;

/* Keeps the metas of @query that @answer accepts too. GStreamer 1.22
 * cannot merge meta parameters: a meta whose parameters differ is
 * dropped. */
static void
gst_fanout_allocation_keep_common_metas (GstQuery * query, GstQuery * answer)
{
  guint i = gst_query_get_n_allocation_metas (query);

  while (i-- > 0) {
    const GstStructure *ours, *theirs = NULL;
    GType api = gst_query_parse_nth_allocation_meta (query, i, &ours);
    gboolean keep = FALSE;
    guint j;

    if (gst_query_find_allocation_meta (answer, api, &j)) {
      gst_query_parse_nth_allocation_meta (answer, j, &theirs);
      keep = ours == theirs || (ours && theirs &&
          gst_structure_is_equal (ours, theirs));
    }
    if (!keep)
      gst_query_remove_nth_allocation_meta (query, i);
  }
}

static void
gst_fanout_allocation_merge_metas (GstFanoutAllocation * a, GstQuery * answer)
{
  guint i, n = gst_query_get_n_allocation_metas (answer);

  if (a->metas_set) {
    gst_fanout_allocation_keep_common_metas (a->query, answer);
    return;
  }
  for (i = 0; i < n; i++) {
    const GstStructure *params;
    GType api = gst_query_parse_nth_allocation_meta (answer, i, &params);

    gst_query_add_allocation_meta (a->query, api, params);
  }
  a->metas_set = TRUE;
}

/* Takes in a branch's answer; returns the buffers its downstream keeps. */
static guint
gst_fanout_allocation_merge (GstFanoutAllocation * a, GstQuery * answer)
{
  guint i, size, min = 0;

  for (i = 0; i < gst_query_get_n_allocation_params (answer); i++) {
    GstAllocationParams p;

    gst_query_parse_nth_allocation_param (answer, i, NULL, &p);
    a->params.align = MAX (a->params.align, p.align);
    a->params.prefix = MAX (a->params.prefix, p.prefix);
    a->params.padding = MAX (a->params.padding, p.padding);
  }
  if (gst_query_get_n_allocation_pools (answer) > 0) {
    GstBufferPool *pool = NULL;

    gst_query_parse_nth_allocation_pool (answer, 0, &pool, &size, &min, NULL);
    a->size = MAX (a->size, size);
    a->downstream_pool |= pool != NULL;
    gst_clear_object (&pool);
  }
  gst_fanout_allocation_merge_metas (a, answer);
  return min;
}

/* One branch's part in the ALLOCATION answer. */
typedef struct
{
  GstFanoutPad *pad;
  gboolean linked;
  guint asked;                  /* its answer count when asked, or NOT_ASKED */
  GstQuery *answer;             /* NULL: none */
} GstFanoutBranchAnswer;

#define NOT_ASKED G_MAXUINT

/* With the lock: an answer of @fpad's downstream to @caps. */
static GstQuery *
gst_fanout_pad_answer_for_locked (GstFanoutPad * fpad, GstCaps * caps)
{
  GstCaps *answered = NULL;

  if (fpad->allocation == NULL)
    return NULL;
  gst_query_parse_allocation (fpad->allocation, &answered, NULL);
  if (answered != caps && (answered == NULL || caps == NULL ||
          !gst_caps_is_equal (answered, caps)))
    return NULL;
  /* a copy: reading an answer may write into it (the core adds the empty
   * arrays it reads) */
  return gst_query_copy (fpad->allocation);
}

/* Asks @b's downstream through its queue: its thread asks, in order with
 * its data, so that the producer never calls into a branch. A branch
 * that drops rather than waits and has answered before is not asked: its
 * last answer is taken again (maybe for the previous caps), so that a
 * stuck one never holds up a renegotiation. */
static void
gst_fanout_branch_ask (GstFanout * self, GstFanoutBranchAnswer * b,
    GstCaps * caps)
{
  GstFanoutPad *fpad = b->pad;
  gboolean drops = gst_watermark_fifo_get_policy (fpad->fifo) !=
      GST_WATERMARK_FIFO_BLOCK;

  b->asked = NOT_ASKED;
  b->linked = gst_pad_is_linked (GST_PAD_CAST (fpad));
  if (!b->linked)
    return;
  g_mutex_lock (&self->lock);
  if (drops && fpad->allocation)
    b->answer = gst_query_copy (fpad->allocation);
  else
    b->asked = fpad->answers;
  g_mutex_unlock (&self->lock);
  if (b->asked != NOT_ASKED && !gst_watermark_fifo_post_query (fpad->fifo,
          gst_query_new_allocation (caps, FALSE)))
    b->asked = NOT_ASKED;
}

/* With the lock: TRUE when @b waits for no answer any more: it came, or
 * the branch will not answer (flushing, released, parked, deactivated:
 * each of them wakes the waiter). */
static gboolean
gst_fanout_branch_done_locked (GstFanout * self, GstFanoutBranchAnswer * b,
    GstCaps * caps)
{
  GstFanoutPad *fpad = b->pad;

  if (b->asked == NOT_ASKED)
    return TRUE;
  if (fpad->answers != b->asked) {
    b->answer = gst_fanout_pad_answer_for_locked (fpad, caps);
    /* an answer to an earlier query: the one to ours comes next */
    b->asked = b->answer || !fpad->allocation ? NOT_ASKED : fpad->answers;
  }
  if (b->asked != NOT_ASKED && (!g_ptr_array_find (self->pads, fpad, NULL)
          || gst_watermark_fifo_get_flow (fpad->fifo) != GST_FLOW_OK))
    b->asked = NOT_ASKED;
  return b->asked == NOT_ASKED;
}

/* Collects the answers of the branches. Each is waited for ALLOCATION_WAIT
 * at most: a branch whose thread is stuck (in a sink that waits for the
 * others to preroll, behind a frozen consumer) would otherwise keep the
 * producer from feeding the others. One that did not answer in time
 * counts with its last answer to these caps, or as a linked branch that
 * did not answer; its answer, when it comes, makes upstream negotiate
 * again. */
static void
gst_fanout_collect_answers (GstFanout * self, GstFanoutBranchAnswer * b,
    guint n, GstCaps * caps)
{
  gint64 end = g_get_monotonic_time () + ALLOCATION_WAIT / GST_USECOND;
  gboolean done;
  guint i;

  for (i = 0; i < n; i++)
    gst_fanout_branch_ask (self, &b[i], caps);

  g_mutex_lock (&self->lock);
  for (;;) {
    for (i = 0, done = TRUE; i < n; i++)
      done &= gst_fanout_branch_done_locked (self, &b[i], caps);
    if (done || !g_cond_wait_until (&self->room_cond, &self->lock, end))
      break;
  }
  for (i = 0; i < n && !done; i++) {
    if (gst_fanout_branch_done_locked (self, &b[i], caps))
      continue;
    GST_WARNING_OBJECT (b[i].pad, "no ALLOCATION answer in time");
    b[i].pad->answer_late = TRUE;
    b[i].answer = gst_fanout_pad_answer_for_locked (b[i].pad, caps);
  }
  g_mutex_unlock (&self->lock);
}

/* Takes in a branch's answer; returns the buffers its downstream keeps.
 * A linked branch that did not answer accepts no meta. */
static guint
gst_fanout_allocation_take (GstFanoutAllocation * a, GstFanoutBranchAnswer * b)
{
  guint min = 0;

  if (b->answer)
    min = gst_fanout_allocation_merge (a, b->answer);
  else if (b->linked)
    a->metas_void = TRUE;
  GST_DEBUG_OBJECT (b->pad, "downstream answered %" GST_PTR_FORMAT, b->answer);
  gst_clear_query (&b->answer);
  return min;
}

/* The most buffers @fpad's queue holds at its pause watermarks: the
 * tightest enabled dimension, counted in frames of @size bytes and of the
 * caps' frame duration; a level may pass a bytes or time watermark by one
 * buffer. 0 when no dimension can be counted. */
static guint
gst_fanout_pad_capacity (GstFanoutPad * fpad, guint size,
    const GstVideoInfo * vinfo)
{
  guint64 n = G_MAXUINT;
  GstWatermarks wm;

  gst_watermark_fifo_get_watermarks (fpad->fifo, &wm);
  if (wm.pause_buffers)
    n = wm.pause_buffers;
  if (wm.pause_bytes && size)
    n = MIN (n, wm.pause_bytes / size + 1);
  if (wm.pause_time && vinfo && vinfo->fps_n > 0 && vinfo->fps_d > 0)
    n = MIN (n, gst_util_uint64_scale (wm.pause_time, vinfo->fps_n,
            GST_SECOND * vinfo->fps_d) + 1);
  return n == G_MAXUINT ? 0 : n;
}

/* Counts what one branch can hold: its queue, the buffer its thread is
 * pushing and what its downstream keeps. In broadcast mode branches share
 * buffers: a queue that blocks or drops the oldest holds the newest
 * buffers, which the other such queues share, while the buffers a branch
 * holds downstream, or keeps when it drops the newest, may be older. */
static void
gst_fanout_allocation_add_branch (GstFanoutAllocation * a,
    GstFanoutPad * fpad, guint kept)
{
  guint down = kept + 1;
  guint queue = gst_fanout_pad_capacity (fpad, a->size,
      a->is_video ? &a->vinfo : NULL);
  GstWatermarkFifoPolicy policy = gst_watermark_fifo_get_policy (fpad->fifo);

  a->all += queue + down;
  switch (policy) {
    case GST_WATERMARK_FIFO_BLOCK:
      a->newest = MAX (a->newest, queue + down);
      break;
    case GST_WATERMARK_FIFO_DROP_OLDEST:
      a->newest = MAX (a->newest, queue);
      a->older += down;
      break;
    case GST_WATERMARK_FIFO_DROP_NEWEST:
      a->older += queue + down;
      break;
  }
}

/* Writes the aggregated answer: the largest size with a minimum that
 * covers all branches plus the buffer being produced, the largest
 * alignment, the common metas. No branch's pool: one pool cannot serve
 * several branches. When no branch offers a pool, a new GstSharedPool:
 * its free list is a stack, so of the minimum it preallocates only the
 * buffers really in flight at once are ever written, and resident; a
 * stock pool cycles through all of them. When one does, no pool: upstream
 * picks its own kind. */
static void
gst_fanout_allocation_finish (GstFanoutAllocation * a, GstFanoutMode mode)
{
  GstBufferPool *pool;

  a->min = (mode == GST_FANOUT_MODE_BROADCAST ? a->newest + a->older :
      a->all) + 1;
  if (a->metas_void) {
    while (gst_query_get_n_allocation_metas (a->query))
      gst_query_remove_nth_allocation_meta (a->query, 0);
  }
  if (a->params.align || a->params.prefix || a->params.padding)
    gst_query_add_allocation_param (a->query, NULL, &a->params);
  /* a size of 0 would give buffers without memory */
  if (a->size == 0)
    return;
  pool = a->downstream_pool ? NULL : gst_shared_pool_new ();
  gst_query_add_allocation_pool (a->query, pool, a->size, a->min, 0);
  gst_clear_object (&pool);
}

static gboolean
gst_fanout_answer_allocation (GstFanout * self, GstQuery * query)
{
  GstFanoutAllocation a = { query, };
  GPtrArray *pads = gst_fanout_ref_pads (self);
  GstFanoutBranchAnswer *b = g_new0 (GstFanoutBranchAnswer, pads->len + 1);
  guint *kept = g_new0 (guint, pads->len + 1);
  GstFanoutMode mode = g_atomic_int_get (&self->mode);
  guint i;

  gst_query_parse_allocation (query, &a.caps, NULL);
  gst_allocation_params_init (&a.params);
  a.is_video = a.caps && gst_video_info_from_caps (&a.vinfo, a.caps);
  for (i = 0; i < pads->len; i++)
    b[i].pad = g_ptr_array_index (pads, i);
  gst_fanout_collect_answers (self, b, pads->len, a.caps);
  /* every answer first: the queues count in buffers of the largest size */
  for (i = 0; i < pads->len; i++)
    kept[i] = gst_fanout_allocation_take (&a, &b[i]);
  if (a.is_video)
    a.size = MAX (a.size, GST_VIDEO_INFO_SIZE (&a.vinfo));
  for (i = 0; i < pads->len; i++)
    gst_fanout_allocation_add_branch (&a, g_ptr_array_index (pads, i), kept[i]);
  gst_fanout_allocation_finish (&a, mode);
  GST_DEBUG_OBJECT (self, "%u branches: %u byte buffers, at least %u",
      pads->len, a.size, a.min);

  g_free (kept);
  g_free (b);
  g_ptr_array_unref (pads);
  return TRUE;
}

static gboolean
gst_fanout_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstFanout *self = GST_FANOUT (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    g_mutex_lock (&self->lock);
    gst_fanout_forget_pool_locked (self);
    g_mutex_unlock (&self->lock);
    return gst_fanout_answer_allocation (self, query);
  }
  if (GST_QUERY_IS_SERIALIZED (query))
    return gst_fanout_query_branches (self, query);
  return gst_pad_query_default (pad, parent, query);
}

/* stats */

static void
rename_counter (GstStructure * s, const gchar * from, const gchar * to)
{
  guint64 v = 0;

  gst_structure_get_uint64 (s, from, &v);
  gst_structure_remove_field (s, from);
  gst_structure_set (s, to, G_TYPE_UINT64, v, NULL);
}

/* One pad's counters. The queue's "pushed" are the buffers this branch
 * received, its "popped" those the branch pushed downstream. */
static GstStructure *
gst_fanout_pad_stats (GstFanoutPad * fpad)
{
  GstStructure *s = gst_structure_new_empty ("fanout-pad-stats");

  GstFanout *self = GST_FANOUT (GST_PAD_PARENT (fpad));
  guint64 refused, copies;

  g_mutex_lock (&self->lock);
  refused = fpad->refused;
  copies = fpad->copies;
  g_mutex_unlock (&self->lock);
  gst_watermark_fifo_fill_stats (fpad->fifo, s);
  gst_structure_set (s, "refused", G_TYPE_UINT64, refused, "copies",
      G_TYPE_UINT64, copies, NULL);
  rename_counter (s, "pushed", "received");
  rename_counter (s, "popped", "pushed");
  gst_structure_set (s, "flow", G_TYPE_STRING,
      gst_flow_get_name (gst_watermark_fifo_get_flow (fpad->fifo)), NULL);
  return s;
}

static GstStructure *
gst_fanout_get_stats (GstFanout * self)
{
  GstStructure *s = gst_structure_new_empty ("fanout-stats");
  guint64 pushed = 0, dropped = 0, copies = 0, v;
  guint workers, idle;
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT_CAST (self)->srcpads; l; l = l->next) {
    GstStructure *ps = gst_fanout_pad_stats (l->data);

    if (gst_structure_get_uint64 (ps, "pushed", &v))
      pushed += v;
    if (gst_structure_get_uint64 (ps, "dropped", &v))
      dropped += v;
    if (gst_structure_get_uint64 (ps, "copies", &v))
      copies += v;
    gst_structure_set (s, GST_OBJECT_NAME (l->data), GST_TYPE_STRUCTURE, ps,
        NULL);
    gst_structure_free (ps);
  }
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->workers_lock);
  workers = self->workers->len;
  idle = self->idle - self->wakes;
  g_mutex_unlock (&self->workers_lock);
  gst_structure_set (s, "pushed", G_TYPE_UINT64, pushed, "dropped",
      G_TYPE_UINT64, dropped, "copies", G_TYPE_UINT64, copies, "workers",
      G_TYPE_UINT, workers, "idle-workers", G_TYPE_UINT, idle, NULL);
  return s;
}

/* the element */

static void
gst_fanout_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFanout *self = GST_FANOUT (object);

  switch (prop_id) {
    case PROP_MODE:
      g_atomic_int_set (&self->mode, g_value_get_enum (value));
      break;
    case PROP_ALLOW_NOT_LINKED:
      g_atomic_int_set (&self->allow_not_linked, g_value_get_boolean (value));
      break;
    case PROP_POST_MESSAGES:
      g_atomic_int_set (&self->post_messages, g_value_get_boolean (value));
      break;
    case PROP_THREADS:
      g_atomic_int_set (&self->threads, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_fanout_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstFanout *self = GST_FANOUT (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_fanout_get_stats (self));
    return;
  }

  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, g_atomic_int_get (&self->mode));
      break;
    case PROP_ALLOW_NOT_LINKED:
      g_value_set_boolean (value, g_atomic_int_get (&self->allow_not_linked));
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, g_atomic_int_get (&self->post_messages));
      break;
    case PROP_THREADS:
      g_value_set_int (value, g_atomic_int_get (&self->threads));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_fanout_set_playing (GstFanout * self, gboolean playing)
{
  GList *l;

  GST_OBJECT_LOCK (self);
  self->playing = playing;
  for (l = GST_ELEMENT_CAST (self)->srcpads; l; l = l->next) {
    GstFanoutPad *fpad = l->data;

    gst_watermark_fifo_enable_batch (fpad->fifo, playing && !fpad->shared);
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_fanout_change_state (GstElement * element, GstStateChange transition)
{
  GstFanout *self = GST_FANOUT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    gst_fanout_set_playing (self, FALSE);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_fanout_workers_start (self);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if ((transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          ret == GST_STATE_CHANGE_FAILURE) ||
      transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_fanout_workers_stop (self);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
    gst_fanout_set_playing (self, TRUE);
  /* the pads forgot the stream: a new one starts */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    g_mutex_lock (&self->lock);
    gst_event_replace (&self->eos, NULL);
    gst_fanout_forget_pool_locked (self);
    g_mutex_unlock (&self->lock);
  }
  return ret;
}

/* Releases the request pads, which stops their threads. */
static void
gst_fanout_dispose (GObject * object)
{
  GstElement *element = GST_ELEMENT (object);
  GstPad *pad;

  for (;;) {
    GST_OBJECT_LOCK (element);
    pad = element->srcpads ? gst_object_ref (element->srcpads->data) : NULL;
    GST_OBJECT_UNLOCK (element);
    if (pad == NULL)
      break;
    gst_element_release_request_pad (element, pad);
    gst_object_unref (pad);
  }

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_fanout_finalize (GObject * object)
{
  GstFanout *self = GST_FANOUT (object);

  g_ptr_array_unref (self->pads);
  gst_event_replace (&self->eos, NULL);
  g_ptr_array_unref (self->workers);
  g_ptr_array_unref (self->exited);
  gst_object_unref (self->copy_allocator);
  gst_clear_object (&self->up_pool);
  g_cond_clear (&self->workers_cond);
  g_cond_clear (&self->spares_cond);
  g_cond_clear (&self->watchdog_cond);
  g_mutex_clear (&self->workers_lock);
  g_cond_clear (&self->room_cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The default of threads: GST_FANOUT_THREADS, a number or "auto", when
 * set (for a deployment, and the test suites of both modes). */
static gint
gst_fanout_default_threads (void)
{
  const gchar *env = g_getenv ("GST_FANOUT_THREADS");
  gint64 v;

  if (env == NULL)
    return DEFAULT_PROP_THREADS;
  if (g_strcmp0 (env, "auto") == 0)
    return THREADS_AUTO;
  if (g_ascii_string_to_signed (env, 10, THREADS_AUTO, MAX_THREADS, &v, NULL))
    return v;
  g_warning ("GST_FANOUT_THREADS=%s: not a number from -1 to %d nor auto",
      env, MAX_THREADS);
  return DEFAULT_PROP_THREADS;
}

static void
gst_fanout_class_init (GstFanoutClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_fanout_set_property;
  gobject_class->get_property = gst_fanout_get_property;
  gobject_class->dispose = gst_fanout_dispose;
  gobject_class->finalize = gst_fanout_finalize;
  default_threads = gst_fanout_default_threads ();

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Which src pads get a buffer: all (broadcast), the least loaded "
          "(balance) or the one its GST_BUFFER_OFFSET picks (key)",
          GST_TYPE_FANOUT_MODE, DEFAULT_PROP_MODE, flags));
  g_object_class_install_property (gobject_class, PROP_ALLOW_NOT_LINKED,
      g_param_spec_boolean ("allow-not-linked", "Allow not linked",
          "Return GST_FLOW_OK even if there are no src pads or none is "
          "linked", DEFAULT_PROP_ALLOW_NOT_LINKED, flags));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message on the bus for each dropped buffer "
          "(fanout-dropped) and each time a branch blocks the sink pad "
          "(fanout-paused) and lets it go (fanout-resumed)",
          DEFAULT_PROP_POST_MESSAGES, flags));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Buffers pushed and dropped in all, and per src pad (a structure "
          "named after the pad): received, pushed, dropped, pauses, resumes, "
          "underruns, level-buffers, level-bytes, level-time, paused, flow, "
          "copies (copy-threshold); workers: the shared worker threads "
          "running now; idle-workers: the kept workers waiting for a branch "
          "and not woken yet",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstFanout:threads:
   *
   * Who pushes the branches' data downstream. 0: a thread (a pad task) per
   * branch. N > 0: N shared worker threads serve all the branches, each
   * branch by one worker at a time, in order; when the workers forwarded
   * nothing for 10 ms while branches waited (a sink prerolling or waiting
   * for its clock, a stuck consumer), a spare worker serves each waiting
   * branch, up to one thread per branch in all, and spares leave after a
   * second unused. -1 (the default): as many workers as CPU cores.
   * Batching (batch-buffers) is for a thread per branch and is ignored
   * with shared workers. The environment variable GST_FANOUT_THREADS,
   * when set (a number or "auto"), is the default. Taken at the READY to
   * PAUSED change.
   */
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "0: a thread per branch; N: N shared worker threads for all the "
          "branches (plus spares while all are blocked downstream); "
          "-1: one per CPU core", THREADS_AUTO, MAX_THREADS,
          default_threads, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_FANOUT_PAD);
  gst_element_class_set_static_metadata (element_class, "Fan-out",
      "Generic", "1-to-N fan-out with a queue per branch, served by shared "
      "worker threads or a thread each: broadcast, balance or by key, with "
      "pause/resume watermarks", "gst-sharedpool developers");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_fanout_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_fanout_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_fanout_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_FANOUT_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_FANOUT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WATERMARK_FIFO_POLICY, 0);
}

static void
gst_fanout_init (GstFanout * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fanout_chain));
  gst_pad_set_chain_list_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fanout_chain_list));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fanout_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fanout_sink_query));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->mode = DEFAULT_PROP_MODE;
  self->allow_not_linked = DEFAULT_PROP_ALLOW_NOT_LINKED;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  g_mutex_init (&self->lock);
  g_cond_init (&self->room_cond);
  self->pads = g_ptr_array_new_with_free_func (gst_object_unref);
  self->threads = default_threads;
  g_mutex_init (&self->workers_lock);
  g_cond_init (&self->workers_cond);
  g_cond_init (&self->spares_cond);
  g_cond_init (&self->watchdog_cond);
  g_queue_init (&self->ready);
  self->workers = g_ptr_array_new ();
  self->exited = g_ptr_array_new ();
  self->copy_allocator = gst_bucket_allocator_new ();
}

/* GstChildProxy: the src pads, so that gst-launch can set their properties
 * (fanout name=f src_0::full-policy=drop-oldest). */

static GObject *
gst_fanout_child_proxy_get_child_by_index (GstChildProxy * proxy, guint index)
{
  GstElement *element = GST_ELEMENT_CAST (proxy);
  GObject *obj;

  GST_OBJECT_LOCK (element);
  obj = g_list_nth_data (element->srcpads, index);
  if (obj)
    gst_object_ref (obj);
  GST_OBJECT_UNLOCK (element);
  return obj;
}

static guint
gst_fanout_child_proxy_get_children_count (GstChildProxy * proxy)
{
  GstElement *element = GST_ELEMENT_CAST (proxy);
  guint count;

  GST_OBJECT_LOCK (element);
  count = element->numsrcpads;
  GST_OBJECT_UNLOCK (element);
  return count;
}

static void
gst_fanout_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_index = gst_fanout_child_proxy_get_child_by_index;
  iface->get_children_count = gst_fanout_child_proxy_get_children_count;
}
