/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-sharedpool
 * @title: sharedpool
 *
 * A passthrough element that makes the elements upstream of it allocate
 * from recycled memory.
 *
 * It answers the ALLOCATION query with a #GstSharedPool (fixed size frames,
 * kept per caps) and puts a #GstBucketAllocator first in the allocator
 * list, after asking downstream and keeping downstream's alignment,
 * padding and metas. Sources and filters that use the offered pool
 * (videotestsrc, appsrc with a pool, videoconvert, videoscale) then get
 * their frames back from the pool; encoders that use the first allocator
 * (theoraenc, most GstVideoEncoder subclasses) get recycled memory.
 *
 * Many producers ignore the answer and allocate from the process default
 * allocator: jpegenc, parsers and every gst_buffer_new_allocate (NULL, ...)
 * caller. With #GstSharedpool:install-default (the default), while
 * any sharedpool element is in the READY state or above, a
 * #GstBucketAllocator of it (one without max-bytes: the element's bounds
 * never limit the whole process) is the process default allocator; the
 * previous default comes back when the last such element goes to NULL. Its
 * memory reports the %GST_ALLOCATOR_SYSMEM type and maps, shares, copies
 * and spans like system memory, so every consumer handles it as system
 * memory.
 *
 * Elements that copy into memory they allocate themselves cannot be
 * pooled: vp8enc, for one, hands out g_malloc()ed memory
 * (gst_buffer_new_memdup()). #GstSharedpool:copy-foreign copies
 * such buffers into pooled memory, which helps when a later element holds
 * frames for a long time.
 *
 * When a downstream element insists on its own pool (a pool of a special
 * type, or an allocator of a memory type other than system memory, as
 * hardware sinks offer), #GstSharedpool:prefer decides whose pool
 * upstream gets.
 *
 * Bounds: #GstSharedpool:max-buffers and
 * #GstSharedpool:max-bytes bound the pool (upstream blocks in
 * acquire until a frame comes back) and max-bytes also bounds all the
 * memory of the allocator it offers. When downstream needs more frames
 * than the bounds allow, its minimum wins and a warning says so. A single
 * request that can never fit max-bytes is an error naming the size and the
 * limit.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! sharedpool ! fakesink
 * gst-launch-1.0 videotestsrc num-buffers=300 ! jpegenc ! sharedpool ! fakesink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/video/video.h>
#include <gst/sharedpool/sharedpool.h>

#include "gstsharedpoolelement.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GST_DEBUG_CATEGORY_STATIC (gst_shared_pool_element_debug);
#define GST_CAT_DEFAULT gst_shared_pool_element_debug

#define DEFAULT_PREFER          GST_SHARED_POOL_PREFER_AUTO
#define DEFAULT_INSTALL_DEFAULT TRUE
#define DEFAULT_COPY_FOREIGN    FALSE
#define DEFAULT_MAX_BYTES       0
#define DEFAULT_MAX_BUFFERS     0
#define DEFAULT_MAX_IDLE_BYTES  (256 * 1024 * 1024)
#define DEFAULT_MAX_IDLE_TIME   (5 * GST_SECOND)
#define DEFAULT_ZERO_MEMORY     FALSE
#define DEFAULT_TRACK_LEAKS     FALSE
#define DEFAULT_HOLDER_REPORT_TIMEOUT 0

enum
{
  PROP_0,
  PROP_PREFER,
  PROP_INSTALL_DEFAULT,
  PROP_COPY_FOREIGN,
  PROP_MAX_BYTES,
  PROP_MAX_BUFFERS,
  PROP_MAX_IDLE_BYTES,
  PROP_MAX_IDLE_TIME,
  PROP_ZERO_MEMORY,
  PROP_TRACK_LEAKS,
  PROP_HOLDER_REPORT_TIMEOUT,
  PROP_STATS,
};

/* Counters are written from the streaming thread and read by stats:
 * relaxed atomics, so that a buffer takes no lock. */
#define COUNT(self, field, n) \
  __atomic_add_fetch (&(self)->counters.field, (n), __ATOMIC_RELAXED)
#define COUNTER(c, field) __atomic_load_n (&(c)->field, __ATOMIC_RELAXED)

typedef struct
{
  guint64 buffers;              /* pushed through */
  guint64 pooled;               /* of those, in bucket memory */
  guint64 copied;               /* foreign buffers copied into our memory */
  guint64 offered;              /* ALLOCATION queries given our pool */
  guint64 kept_downstream;      /* ... given downstream's pool */
  guint64 limits_ignored;       /* ... of those, with our bounds set */
  guint64 limits_raised;        /* bounds raised to downstream's minimum */
} Counters;

/* The pool's bounds for one negotiation. */
typedef struct
{
  guint max_buffers;
  guint64 max_bytes;
} Bounds;

struct _GstSharedPoolElement
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  GstAllocator *allocator;
  GstAllocator *default_allocator;      /* unbounded, for install-default */
  GstBufferPool *pool;
  gboolean installed;
  gint errored;                 /* our error is posted: refuse data */
  gint oversize;                /* a frame over max-bytes was negotiated */
  guint64 oversize_size;        /* ... its size and the limit, under the */
  guint64 oversize_limit;       /* object lock */
  gboolean warned_ignored;      /* the limits-ignored warning was posted */

  /* properties, under the object lock (copy_foreign is also read with
   * g_atomic_int_get on the streaming thread) */
  GstSharedPoolPrefer prefer;
  gboolean install_default;
  gint copy_foreign;
  guint64 max_bytes;
  guint max_buffers;
  gboolean zero_memory;
  gboolean track_leaks;
  GstClockTime holder_report_timeout;
  GstClockTime max_idle_time;
  Counters counters;
};

/* The process default allocator is replaced while at least one element
 * with install-default is in READY or above. */
static GMutex default_lock;
static guint default_users;
static GstAllocator *saved_default;

/* The GType is named GstSharedpool (GstSharedPool is the pool's) so that
 * instances are named sharedpool0, sharedpool1, ... like the factory, in
 * errors, logs and tracer tables. */
typedef GstSharedPoolElement GstSharedpool;
typedef GstSharedPoolElementClass GstSharedpoolClass;

#define gst_shared_pool_element_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSharedpool, gst_shared_pool_element,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (gst_shared_pool_element_debug,
        "sharedpoolelement", 0, "sharedpool element"));
GST_ELEMENT_REGISTER_DEFINE (sharedpool, "sharedpool", GST_RANK_NONE,
    GST_TYPE_SHARED_POOL_ELEMENT);

#define GST_TYPE_SHARED_POOL_PREFER (gst_shared_pool_prefer_get_type ())
static GType
gst_shared_pool_prefer_get_type (void)
{
  static GType type = 0;
  /* *INDENT-OFF* */
  static const GEnumValue values[] = {
    {GST_SHARED_POOL_PREFER_AUTO, "Ours, unless downstream insists on its "
          "own pool or memory type", "auto"},
    {GST_SHARED_POOL_PREFER_OURS, "Always offer our pool and allocator",
          "ours"},
    {GST_SHARED_POOL_PREFER_DOWNSTREAM, "Downstream's pool when it offers "
          "one", "downstream"},
    {0, NULL, NULL},
  };
  /* *INDENT-ON* */

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSharedPoolPrefer", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_shared_pool_element_finalize (GObject * object);
static void gst_shared_pool_element_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_shared_pool_element_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_shared_pool_element_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_shared_pool_element_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static gboolean gst_shared_pool_element_sink_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static void on_limit_reached (GObject * object, guint64 size, guint64 limit,
    GstSharedPoolElement * self);
static void on_holder_report (GObject * pool, const GstStructure * report,
    const gchar * description, GstSharedPoolElement * self);

static void
gst_shared_pool_element_class_init (GstSharedPoolElementClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_shared_pool_element_finalize;
  gobject_class->set_property = gst_shared_pool_element_set_property;
  gobject_class->get_property = gst_shared_pool_element_get_property;

  /**
   * GstSharedpool:prefer:
   *
   * Whose pool upstream gets when downstream offers one. `auto` offers
   * ours unless downstream insists on its own: a pool of a type other
   * than the stock #GstBufferPool and #GstVideoBufferPool, or a first
   * allocator whose memory is not system memory (hardware sinks).
   */
  g_object_class_install_property (gobject_class, PROP_PREFER,
      g_param_spec_enum ("prefer", "Prefer",
          "Whose pool upstream gets when downstream offers one",
          GST_TYPE_SHARED_POOL_PREFER, DEFAULT_PREFER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstSharedpool:install-default:
   *
   * Make this element's allocator the process default allocator while the
   * element is in READY or above, for producers that allocate with
   * gst_allocator_alloc (NULL, ...). Read on the NULL to READY change.
   */
  g_object_class_install_property (gobject_class, PROP_INSTALL_DEFAULT,
      g_param_spec_boolean ("install-default", "Install default allocator",
          "Make a recycling allocator the process default allocator while "
          "the element is in READY or above (read on NULL to READY)",
          DEFAULT_INSTALL_DEFAULT, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:copy-foreign:
   *
   * Copy buffers whose memory did not come from a #GstBucketAllocator into
   * recycled memory before pushing them.
   */
  g_object_class_install_property (gobject_class, PROP_COPY_FOREIGN,
      g_param_spec_boolean ("copy-foreign", "Copy foreign buffers",
          "Copy buffers whose memory is not recycled memory into recycled "
          "memory", DEFAULT_COPY_FOREIGN, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstSharedpool:max-bytes:
   *
   * Bound on the bytes of the pool's buffers and on all memory of the
   * element's allocator, in use or idle; 0 is no bound beyond what the
   * pipeline holds. At the bound upstream blocks until a buffer comes back;
   * a request that can never fit is an error.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Max bytes",
          "Bound on the bytes of the pool and its allocator (0 = no bound "
          "beyond what the pipeline holds)", 0, G_MAXUINT64,
          DEFAULT_MAX_BYTES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:max-buffers:
   *
   * The max-buffers offered to upstream with the pool; 0 is unlimited.
   * Upstream blocks in acquire when that many buffers are out.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint ("max-buffers", "Max buffers",
          "Most buffers the offered pool holds (0 = unlimited)", 0,
          G_MAXUINT, DEFAULT_MAX_BUFFERS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:max-idle-bytes:
   *
   * Most bytes the element's allocator keeps idle for reuse; memory
   * returned beyond it is freed.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IDLE_BYTES,
      g_param_spec_uint64 ("max-idle-bytes", "Max idle bytes",
          "Most bytes the allocator keeps idle for reuse", 0, G_MAXUINT64,
          DEFAULT_MAX_IDLE_BYTES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstSharedpool:max-idle-time:
   *
   * How long, in nanoseconds, the pool's frames and the allocators' memory
   * may stay idle before they go back to the system (0 = until the
   * element goes to NULL). Checked while the element is used (every few
   * acquires and at each new allocation), no timer.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IDLE_TIME,
      g_param_spec_uint64 ("max-idle-time", "Max idle time",
          "Nanoseconds idle frames and memory are kept for reuse before "
          "they go back to the system (0 = until NULL)", 0, G_MAXINT64,
          DEFAULT_MAX_IDLE_TIME, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:zero-memory:
   *
   * Zero every buffer and memory before handing it out (costs a memset).
   */
  g_object_class_install_property (gobject_class, PROP_ZERO_MEMORY,
      g_param_spec_boolean ("zero-memory", "Zero memory",
          "Zero every buffer and memory before handing it out",
          DEFAULT_ZERO_MEMORY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:track-leaks:
   *
   * Remember where each buffer of the pool was acquired and log the
   * buffers still out, with their stack traces, when the pool is flushed
   * or deactivated (a warning of the `sharedpool` debug category). Also on
   * with the environment variable GST_SHAREDPOOL_TRACK_LEAKS=1.
   */
  g_object_class_install_property (gobject_class, PROP_TRACK_LEAKS,
      g_param_spec_boolean ("track-leaks", "Track leaks",
          "Record the acquire stack trace of each pool buffer and report "
          "the ones still out when the pool stops", DEFAULT_TRACK_LEAKS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:holder-report-timeout:
   *
   * When upstream has waited this many nanoseconds for a buffer of the
   * pool (all max-buffers are out), post a warning message listing the
   * buffers out: for each, the thread that acquired it, how long ago, and
   * with `GST_TRACERS=allocstats` the element and pad that last had it;
   * its details are the pool's `GstSharedPoolHolders` structure (see
   * gst_shared_pool_config_set_holder_report_timeout()). Once per
   * waiting acquire. 0 (the default) never: a blocked producer is how
   * backpressure works, and a paused pipeline blocks it for as long as it
   * stays paused.
   */
  g_object_class_install_property (gobject_class, PROP_HOLDER_REPORT_TIMEOUT,
      g_param_spec_uint64 ("holder-report-timeout", "Holder report timeout",
          "Nanoseconds upstream waits for a pool buffer before a warning "
          "lists who holds the buffers out (0 = never)", 0, G_MAXINT64,
          DEFAULT_HOLDER_REPORT_TIMEOUT, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedpool:stats:
   *
   * A `GstSharedPoolElementStats` structure: `buffers` pushed, `pooled`
   * (of those, in recycled memory), `copied` (foreign buffers copied),
   * `offered` and `kept-downstream` (ALLOCATION queries answered with our
   * pool or with downstream's), `limits-ignored` (of the kept-downstream
   * ones, those where max-buffers or max-bytes were set and could not
   * apply), `limits-raised` (negotiations where downstream's minimum
   * raised max-buffers or max-bytes), `pool` (gst_shared_pool_get_stats()) and
   * `allocator` (gst_bucket_allocator_get_stats()).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Buffers pushed, pooled and copied, queries answered, and the "
          "pool's and allocator's counters", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_shared_pool_element_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Shared pool",
      "Generic", "Makes upstream allocate from recycled memory: offers a "
      "keyed buffer pool and a recycling allocator",
      "gst-sharedpool developers");

  gst_type_mark_as_plugin_api (GST_TYPE_SHARED_POOL_PREFER, 0);
}

static void
gst_shared_pool_element_init (GstSharedPoolElement * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_shared_pool_element_chain));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_shared_pool_element_sink_query));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->prefer = DEFAULT_PREFER;
  self->install_default = DEFAULT_INSTALL_DEFAULT;
  self->copy_foreign = DEFAULT_COPY_FOREIGN;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->zero_memory = DEFAULT_ZERO_MEMORY;
  self->track_leaks = DEFAULT_TRACK_LEAKS;
  self->holder_report_timeout = DEFAULT_HOLDER_REPORT_TIMEOUT;
  self->max_idle_time = DEFAULT_MAX_IDLE_TIME;

  self->allocator = gst_bucket_allocator_new ();
  g_object_set (self->allocator, "max-idle-bytes",
      (guint64) DEFAULT_MAX_IDLE_BYTES, NULL);
  /* the bounds are the element's, never the whole process's */
  self->default_allocator = gst_bucket_allocator_new ();
  g_object_set (self->default_allocator, "max-idle-bytes",
      (guint64) DEFAULT_MAX_IDLE_BYTES, NULL);
  g_signal_connect_object (self->allocator, "limit-reached",
      G_CALLBACK (on_limit_reached), self, 0);
  self->pool = gst_shared_pool_new ();
  g_signal_connect_object (self->pool, "limit-reached",
      G_CALLBACK (on_limit_reached), self, 0);
  g_signal_connect_object (self->pool, "holder-report",
      G_CALLBACK (on_holder_report), self, 0);
}

static void
gst_shared_pool_element_finalize (GObject * object)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (object);

  gst_object_unref (self->pool);
  gst_object_unref (self->allocator);
  gst_object_unref (self->default_allocator);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_shared_pool_element_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (object);

  /* the allocator's own limits (same names) go to it, outside our lock;
   * max-idle-bytes lives there only */
  if (prop_id == PROP_MAX_BYTES || prop_id == PROP_MAX_IDLE_BYTES ||
      prop_id == PROP_ZERO_MEMORY)
    g_object_set_property (G_OBJECT (self->allocator), pspec->name, value);
  if (prop_id == PROP_MAX_IDLE_BYTES || prop_id == PROP_MAX_IDLE_TIME)
    g_object_set_property (G_OBJECT (self->default_allocator), pspec->name,
        value);
  if (prop_id == PROP_MAX_IDLE_TIME)
    g_object_set_property (G_OBJECT (self->allocator), pspec->name, value);
  if (prop_id == PROP_MAX_IDLE_BYTES)
    return;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PREFER:
      self->prefer = g_value_get_enum (value);
      break;
    case PROP_INSTALL_DEFAULT:
      self->install_default = g_value_get_boolean (value);
      break;
    case PROP_COPY_FOREIGN:
      g_atomic_int_set (&self->copy_foreign, g_value_get_boolean (value));
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint (value);
      break;
    case PROP_ZERO_MEMORY:
      self->zero_memory = g_value_get_boolean (value);
      break;
    case PROP_TRACK_LEAKS:
      self->track_leaks = g_value_get_boolean (value);
      break;
    case PROP_HOLDER_REPORT_TIMEOUT:
      self->holder_report_timeout = g_value_get_uint64 (value);
      break;
    case PROP_MAX_IDLE_TIME:
      self->max_idle_time = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
gst_shared_pool_element_get_stats (GstSharedPoolElement * self)
{
  GstStructure *pool = gst_shared_pool_get_stats (GST_SHARED_POOL (self->pool));
  GstStructure *alloc =
      gst_bucket_allocator_get_stats (GST_BUCKET_ALLOCATOR (self->allocator));
  GstStructure *dflt = gst_bucket_allocator_get_stats (GST_BUCKET_ALLOCATOR
      (self->default_allocator));
  Counters *c = &self->counters;
  GstStructure *s;

  s = gst_structure_new ("GstSharedPoolElementStats",
      "buffers", G_TYPE_UINT64, COUNTER (c, buffers),
      "pooled", G_TYPE_UINT64, COUNTER (c, pooled),
      "copied", G_TYPE_UINT64, COUNTER (c, copied),
      "offered", G_TYPE_UINT64, COUNTER (c, offered),
      "kept-downstream", G_TYPE_UINT64, COUNTER (c, kept_downstream),
      "limits-ignored", G_TYPE_UINT64, COUNTER (c, limits_ignored),
      "limits-raised", G_TYPE_UINT64, COUNTER (c, limits_raised),
      "pool", GST_TYPE_STRUCTURE, pool,
      "allocator", GST_TYPE_STRUCTURE, alloc,
      "default-allocator", GST_TYPE_STRUCTURE, dflt, NULL);
  gst_structure_free (pool);
  gst_structure_free (alloc);
  gst_structure_free (dflt);
  return s;
}

static void
gst_shared_pool_element_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_shared_pool_element_get_stats (self));
    return;
  }
  if (prop_id == PROP_MAX_IDLE_BYTES) {
    g_object_get_property (G_OBJECT (self->allocator), pspec->name, value);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PREFER:
      g_value_set_enum (value, self->prefer);
      break;
    case PROP_INSTALL_DEFAULT:
      g_value_set_boolean (value, self->install_default);
      break;
    case PROP_COPY_FOREIGN:
      g_value_set_boolean (value, g_atomic_int_get (&self->copy_foreign));
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value, self->max_buffers);
      break;
    case PROP_ZERO_MEMORY:
      g_value_set_boolean (value, self->zero_memory);
      break;
    case PROP_TRACK_LEAKS:
      g_value_set_boolean (value, self->track_leaks);
      break;
    case PROP_HOLDER_REPORT_TIMEOUT:
      g_value_set_uint64 (value, self->holder_report_timeout);
      break;
    case PROP_MAX_IDLE_TIME:
      g_value_set_uint64 (value, self->max_idle_time);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Errors raised by the pool or the allocator, from the thread that
 * allocates (usually upstream's streaming thread). The first one is
 * posted; then the element refuses data and its pool is set flushing, so
 * that no thread stays blocked in it until the element stops. */
static void
on_limit_reached (GObject * object, guint64 size, guint64 limit,
    GstSharedPoolElement * self)
{
  if (!g_atomic_int_compare_and_exchange (&self->errored, FALSE, TRUE))
    return;
  if (gst_buffer_pool_is_active (self->pool))
    gst_buffer_pool_set_flushing (self->pool, TRUE);
  GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
      ("A buffer of %" G_GUINT64_FORMAT " bytes does not fit the shared "
          "pool's max-bytes limit of %" G_GUINT64_FORMAT " bytes.", size,
          limit), ("%" GST_PTR_FORMAT " refused the allocation; raise "
          "max-bytes or lower the frame size", object));
}

/* The pool has no bus: its holder report, from the thread that waits in
 * acquire, goes out as our warning, with the report as its details. */
static void
on_holder_report (GObject * pool, const GstStructure * report,
    const gchar * description, GstSharedPoolElement * self)
{
  guint64 waited = 0;
  guint outstanding = 0;
  gchar *text;

  gst_structure_get_uint64 (report, "waited", &waited);
  gst_structure_get_uint (report, "outstanding", &outstanding);
  text = g_strdup_printf ("Upstream has waited %.1f s for a buffer "
      "of the shared pool: all %u are held.", (gdouble) waited / GST_SECOND,
      outstanding);

  /* the macros take the details as field arguments, not a structure */
  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_WARNING, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY, text,
      g_strdup (description), __FILE__, GST_FUNCTION, __LINE__,
      gst_structure_copy (report));
}

/* A frame size over max-bytes, seen in the ALLOCATION query: the error
 * is posted when such a frame arrives, from the streaming thread as any
 * data flow error (posted while the pipeline is still starting, it would
 * race with the application setting up its bus handling: gst-launch 1.22
 * can miss it). */
static void
defer_oversize_error (GstSharedPoolElement * self, guint64 size, guint64 limit)
{
  GST_WARNING_OBJECT (self, "frames of %" G_GUINT64_FORMAT " bytes never "
      "fit max-bytes %" G_GUINT64_FORMAT, size, limit);
  GST_OBJECT_LOCK (self);
  self->oversize_size = size;
  self->oversize_limit = limit;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->oversize, TRUE);
}

static void
post_oversize_error (GstSharedPoolElement * self)
{
  guint64 size, limit;

  GST_OBJECT_LOCK (self);
  size = self->oversize_size;
  limit = self->oversize_limit;
  GST_OBJECT_UNLOCK (self);
  on_limit_reached (G_OBJECT (self->pool), size, limit, self);
}

/* Allocation */

/* Downstream insists on its own pool when it is not a stock software pool,
 * or when its allocator hands out memory other than system memory. */
static gboolean
downstream_insists (GstQuery * query)
{
  GstBufferPool *pool = NULL;
  GstAllocator *allocator = NULL;
  gboolean insists = FALSE;

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  if (gst_query_get_n_allocation_params (query) > 0)
    gst_query_parse_nth_allocation_param (query, 0, &allocator, NULL);

  if (pool && G_OBJECT_TYPE (pool) != GST_TYPE_BUFFER_POOL
      && G_OBJECT_TYPE (pool) != GST_TYPE_VIDEO_BUFFER_POOL)
    insists = TRUE;
  if (allocator && g_strcmp0 (allocator->mem_type, GST_ALLOCATOR_SYSMEM))
    insists = TRUE;

  gst_clear_object (&pool);
  gst_clear_object (&allocator);
  return insists;
}

static gboolean
use_our_pool (GstSharedPoolElement * self, GstQuery * query)
{
  GstSharedPoolPrefer prefer;

  GST_OBJECT_LOCK (self);
  prefer = self->prefer;
  GST_OBJECT_UNLOCK (self);

  switch (prefer) {
    case GST_SHARED_POOL_PREFER_OURS:
      return TRUE;
    case GST_SHARED_POOL_PREFER_DOWNSTREAM:
      return gst_query_get_n_allocation_pools (query) == 0;
    default:
      return !downstream_insists (query);
  }
}

/* Our allocator goes first, with downstream's alignment, prefix and
 * padding; downstream's allocators stay after it. */
static void
put_allocator_first (GstSharedPoolElement * self, GstQuery * query,
    GstAllocationParams * params)
{
  guint n = gst_query_get_n_allocation_params (query);
  GstAllocator *first = NULL;

  gst_allocation_params_init (params);
  if (n > 0) {
    gst_query_parse_nth_allocation_param (query, 0, &first, params);
    gst_query_set_nth_allocation_param (query, 0, self->allocator, params);
    gst_query_add_allocation_param (query, first, params);
    gst_clear_object (&first);
  } else {
    gst_query_add_allocation_param (query, self->allocator, params);
  }
}

/* The size of one frame: from raw video caps, else what downstream's pool
 * was going to use; 0 when unknown (then no pool is offered, only the
 * allocator). */
static guint
frame_size (GstQuery * query, GstCaps * caps, guint * min)
{
  GstVideoInfo info;
  guint size = 0;

  *min = 0;
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, min, NULL);
  if (caps && gst_video_info_from_caps (&info, caps))
    size = MAX (size, info.size);
  return size;
}

/* Configures our pool for @caps. A pool still active for other caps is
 * deactivated first (a renegotiation): its buffers out stay valid and the
 * new caps find their own key's idle frames. */
static gboolean
configure_pool (GstSharedPoolElement * self, GstCaps * caps, guint size,
    guint min, const Bounds * bounds, const GstAllocationParams * params)
{
  GstStructure *config = gst_buffer_pool_get_config (self->pool);
  GstCaps *old_caps = NULL;
  gboolean same;

  gst_buffer_pool_config_get_params (config, &old_caps, NULL, NULL, NULL);
  same = old_caps && caps && gst_caps_is_equal (old_caps, caps);
  if (gst_buffer_pool_is_active (self->pool)) {
    gst_structure_free (config);
    if (same)
      return TRUE;
    GST_DEBUG_OBJECT (self, "renegotiation, deactivating the pool");
    gst_buffer_pool_set_active (self->pool, FALSE);
    config = gst_buffer_pool_get_config (self->pool);
  }

  gst_buffer_pool_config_set_params (config, caps, size, min,
      bounds->max_buffers);
  gst_shared_pool_config_set_max_bytes (config, bounds->max_bytes);
  GST_OBJECT_LOCK (self);
  gst_shared_pool_config_set_zero_memory (config, self->zero_memory);
  gst_shared_pool_config_set_track_leaks (config, self->track_leaks);
  gst_shared_pool_config_set_holder_report_timeout (config,
      self->holder_report_timeout);
  gst_shared_pool_config_set_max_idle_time (config, self->max_idle_time);
  GST_OBJECT_UNLOCK (self);
  gst_buffer_pool_config_set_allocator (config, self->allocator, params);

  return gst_buffer_pool_set_config (self->pool, config);
}

/* Makes our pool the only one in the answer. */
static void
offer_pool (GstSharedPoolElement * self, GstQuery * query, guint size,
    guint min, const Bounds * bounds)
{
  while (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_remove_nth_allocation_pool (query, 0);
  gst_query_add_allocation_pool (query, self->pool, size, min,
      bounds->max_buffers);
  COUNT (self, offered, 1);
}

/* The name of the element downstream (of its pad when it has none),
 * which answered the query; the caller frees it. */
static gchar *
downstream_name (GstSharedPoolElement * self)
{
  GstPad *peer = gst_pad_get_peer (self->srcpad);
  GstElement *element = peer ? gst_pad_get_parent_element (peer) : NULL;
  gchar *name = element ? gst_element_get_name (element) :
      peer ? gst_pad_get_name (peer) : g_strdup ("downstream");

  gst_clear_object (&element);
  gst_clear_object (&peer);
  return name;
}

static void
warn_raised (GstSharedPoolElement * self, const gchar * bound, guint min,
    guint64 need, guint64 limit)
{
  gchar *name = downstream_name (self);

  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s needs at least %u "
          "buffers: %s raised from %" G_GUINT64_FORMAT " to %"
          G_GUINT64_FORMAT ".", name, min, bound, limit, need),
      ("downstream's minimum wins over the bound: with fewer buffers the "
          "pipeline would stall"));
  COUNT (self, limits_raised, 1);
  g_free (name);
}

/* Bytes of @min blocks for frames of @size with @params, as the pool
 * charges them. */
static guint64
min_bytes (GstSharedPoolElement * self, guint size, guint min,
    const GstAllocationParams * params)
{
  gsize need = size + params->prefix + params->padding +
      (params->align | gst_memory_alignment);

  return (guint64) min *gst_bucket_allocator_get_block_size
      (GST_BUCKET_ALLOCATOR (self->allocator), need);
}

/* Our bounds for a negotiation where downstream holds @min frames. Its
 * minimum wins: a pool smaller than what downstream holds at once would
 * stall the pipeline. A raised bound is posted as a warning. With
 * max-bytes raised, the pool's bound is what holds: the allocator's own
 * (which also counts block headers and other users' memory) is lifted
 * until the element goes to NULL. */
static void
fit_bounds (GstSharedPoolElement * self, guint size, guint min,
    const GstAllocationParams * params, Bounds * bounds)
{
  guint64 need = min_bytes (self, size, min, params);

  GST_OBJECT_LOCK (self);
  bounds->max_buffers = self->max_buffers;
  bounds->max_bytes = self->max_bytes;
  GST_OBJECT_UNLOCK (self);

  if (bounds->max_buffers && min > bounds->max_buffers) {
    warn_raised (self, "max-buffers", min, min, bounds->max_buffers);
    bounds->max_buffers = min;
  }
  if (bounds->max_bytes && need > bounds->max_bytes) {
    warn_raised (self, "max-bytes", min, need, bounds->max_bytes);
    bounds->max_bytes = need;
    g_object_set (self->allocator, "max-bytes", (guint64) 0, NULL);
  }
}

/* Our bounds cannot apply to downstream's pool: said once per run, and
 * counted each time. */
static void
warn_limits_ignored (GstSharedPoolElement * self)
{
  gboolean set, warn;

  GST_OBJECT_LOCK (self);
  set = self->max_buffers || self->max_bytes;
  warn = set && !self->warned_ignored;
  self->warned_ignored |= set;
  GST_OBJECT_UNLOCK (self);

  if (set)
    COUNT (self, limits_ignored, 1);
  if (warn)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("max-buffers and "
            "max-bytes do not apply: downstream insists on its own pool."),
        ("set prefer=ours to offer our pool anyway"));
}

static gboolean
gst_shared_pool_element_propose_allocation (GstSharedPoolElement * self,
    GstQuery * query)
{
  GstAllocationParams params;
  GstCaps *caps;
  guint size, min;
  guint64 max_bytes;
  Bounds bounds;

  /* what downstream wants (no answer is fine: we fill in defaults) */
  gst_pad_peer_query (self->srcpad, query);
  gst_query_parse_allocation (query, &caps, NULL);

  if (!use_our_pool (self, query))
    goto keep_downstream;

  size = frame_size (query, caps, &min);
  GST_OBJECT_LOCK (self);
  max_bytes = self->max_bytes;
  GST_OBJECT_UNLOCK (self);
  /* checked before the answer names our allocator, which would refuse */
  if (max_bytes && size > max_bytes)
    goto too_large;
  put_allocator_first (self, query, &params);
  if (size == 0)
    goto allocator_only;
  fit_bounds (self, size, min, &params, &bounds);
  if (!configure_pool (self, caps, size, min, &bounds, &params))
    goto config_failed;

  offer_pool (self, query, size, min, &bounds);
  GST_DEBUG_OBJECT (self, "offered our pool for %u byte frames, caps %"
      GST_PTR_FORMAT, size, caps);
  return TRUE;

keep_downstream:
  {
    GST_DEBUG_OBJECT (self, "downstream insists on its pool, keeping it");
    COUNT (self, kept_downstream, 1);
    warn_limits_ignored (self);
    return TRUE;
  }
allocator_only:
  {
    GST_DEBUG_OBJECT (self, "no frame size for caps %" GST_PTR_FORMAT
        ", offering the allocator only", caps);
    return TRUE;
  }
too_large:
  {
    defer_oversize_error (self, size, max_bytes);
    return FALSE;
  }
config_failed:
  {
    GST_WARNING_OBJECT (self, "pool refused %u byte frames of caps %"
        GST_PTR_FORMAT ", offering the allocator only", size, caps);
    return TRUE;
  }
}

static gboolean
gst_shared_pool_element_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION)
    return gst_shared_pool_element_propose_allocation (self, query);

  return gst_pad_query_default (pad, parent, query);
}

/* Data flow */

static gboolean
is_recycled (GstBuffer * buffer)
{
  guint i, n = gst_buffer_n_memory (buffer);

  for (i = 0; i < n; i++) {
    if (!gst_is_bucket_memory (gst_buffer_peek_memory (buffer, i)))
      return FALSE;
  }
  return n > 0;
}

/* A copy of @buffer in our memory, with its flags, timestamps and metas;
 * NULL when the allocator refused (it has posted the error then). */
static GstBuffer *
copy_into_recycled (GstSharedPoolElement * self, GstBuffer * buffer)
{
  gsize size = gst_buffer_get_size (buffer);
  GstMemory *mem;
  GstBuffer *copy;
  GstMapInfo map;

  mem = gst_allocator_alloc (self->allocator, size, NULL);
  if (mem == NULL)
    return NULL;

  gst_memory_map (mem, &map, GST_MAP_WRITE);
  gst_buffer_extract (buffer, 0, map.data, size);
  gst_memory_unmap (mem, &map);

  copy = gst_buffer_new ();
  gst_buffer_append_memory (copy, mem);
  gst_buffer_copy_into (copy, buffer, GST_BUFFER_COPY_FLAGS |
      GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_META, 0, -1);
  return copy;
}

static GstFlowReturn
gst_shared_pool_element_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (parent);
  gboolean recycled = is_recycled (buffer);
  GstBuffer *out;

  if (G_UNLIKELY (g_atomic_int_get (&self->oversize)))
    post_oversize_error (self);
  if (G_UNLIKELY (g_atomic_int_get (&self->errored)))
    goto errored;

  COUNT (self, buffers, 1);
  if (recycled)
    COUNT (self, pooled, 1);

  if (!recycled && g_atomic_int_get (&self->copy_foreign)
      && gst_buffer_get_size (buffer) > 0) {
    if (!(out = copy_into_recycled (self, buffer)))
      goto copy_failed;
    GST_LOG_OBJECT (self, "copied foreign %" GST_PTR_FORMAT, buffer);
    gst_buffer_unref (buffer);
    buffer = out;
    COUNT (self, copied, 1);
  }

  return gst_pad_push (self->srcpad, buffer);

  /* ERRORS */
copy_failed:
  {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
errored:
  {
    /* FLUSHING stops upstream quietly: our error is on the bus already,
     * a second one (and the EOS upstream pushes after an error) would only
     * race with the application's handling of the first */
    GST_DEBUG_OBJECT (self, "refusing %" GST_PTR_FORMAT " after our error",
        buffer);
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
}

/* States */

static void
install_default_allocator (GstSharedPoolElement * self)
{
  g_mutex_lock (&default_lock);
  if (default_users++ == 0) {
    saved_default = gst_allocator_find (NULL);
    gst_allocator_set_default (gst_object_ref (self->default_allocator));
    GST_INFO_OBJECT (self, "installed %" GST_PTR_FORMAT " as the default "
        "allocator", self->default_allocator);
  }
  g_mutex_unlock (&default_lock);
  self->installed = TRUE;
}

static void
restore_default_allocator (GstSharedPoolElement * self)
{
  if (!self->installed)
    return;
  self->installed = FALSE;

  g_mutex_lock (&default_lock);
  if (--default_users == 0) {
    GST_INFO_OBJECT (self, "restoring %" GST_PTR_FORMAT " as the default "
        "allocator", saved_default);
    gst_allocator_set_default (saved_default);
    saved_default = NULL;
  }
  g_mutex_unlock (&default_lock);
}

/* Undoes what fit_bounds() raised, for the next run. */
static void
restore_bounds (GstSharedPoolElement * self)
{
  guint64 max_bytes;

  GST_OBJECT_LOCK (self);
  max_bytes = self->max_bytes;
  self->warned_ignored = FALSE;
  GST_OBJECT_UNLOCK (self);
  g_object_set (self->allocator, "max-bytes", max_bytes, NULL);
}

/* After our error, a stopped element accepts data again; the pool, set
 * flushing by the error, serves again when still active. */
static void
clear_error (GstSharedPoolElement * self)
{
  g_atomic_int_set (&self->oversize, FALSE);
  if (!g_atomic_int_compare_and_exchange (&self->errored, TRUE, FALSE))
    return;
  if (gst_buffer_pool_is_active (self->pool))
    gst_buffer_pool_set_flushing (self->pool, FALSE);
}

static GstStateChangeReturn
gst_shared_pool_element_change_state (GstElement * element,
    GstStateChange transition)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (element);
  GstStateChangeReturn ret;
  gboolean install;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GST_OBJECT_LOCK (self);
    install = self->install_default;
    GST_OBJECT_UNLOCK (self);
    if (install)
      install_default_allocator (self);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_NULL_TO_READY
      && ret == GST_STATE_CHANGE_FAILURE)
    restore_default_allocator (self);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    clear_error (self);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) {
    restore_default_allocator (self);
    restore_bounds (self);
    /* idle frames are of no use to a stopped pipeline */
    gst_shared_pool_trim (GST_SHARED_POOL (self->pool));
    gst_bucket_allocator_trim (GST_BUCKET_ALLOCATOR (self->allocator));
    gst_bucket_allocator_trim (GST_BUCKET_ALLOCATOR (self->default_allocator));
  }
  return ret;
}
