/* GStreamer shared pool tracers
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:tracer-allocstats
 * @title: allocstats
 * @short_description: counts buffer and memory allocations, pool returns
 *   and bytes, per element and per allocator and pool type
 *
 * Counts, for the whole process: #GstBuffer and #GstMemory objects created
 * and freed, memory recycled by its allocator, bytes allocated (the
 * maxsize of each memory), and buffers returned to their #GstBufferPool,
 * reused from it and freed by it. The counts are broken down by the element
 * whose pad first pushed the objects, by allocator type and by pool type.
 *
 * GStreamer 1.22 has no memory or pool hooks, so the counts come from the
 * mini object hooks and the pad push hooks. Where the running GStreamer
 * has them (decided at run time, the plugin builds against 1.22), the
 * tracer uses the exact hooks instead: memory-init and memory-free-pre
 * (1.26) count each memory with its size and allocator when it is
 * initialised and freed; pool-buffer-dequeued (1.28) counts a reuse when
 * the buffer leaves its pool's queue, pool-buffer-queued a return that no
 * last unref made. The counts mean the same on every version:
 *
 * - a #GstMemory is counted as created by the mini-object-created hook.
 *   A #GstBucketAllocator (and any allocator that recycles memory in its
 *   dispose) hands a recycled memory out again without creating it, so
 *   memories-created counts real allocations only. The allocator sets a
 *   memory's size and type after that hook has run, so they are read at
 *   the creating thread's next hook (normally the creation of the buffer
 *   that takes the memory), or when the memory is first seen in use.
 * - A last unref (mini-object-unreffed with a refcount of 0) of a buffer
 *   that has a pool hands the buffer back to the pool: a return. The pool
 *   keeps it, so no mini-object-destroyed follows. A returned buffer that
 *   is seen in use again (pushed, or returned again) was acquired from the
 *   pool's free list: a reuse. A returned buffer that is destroyed was
 *   freed by its pool (refused at the return, or dropped when the pool
 *   stopped or trimmed). A buffer seen in use with a pool for the first
 *   time is new to the pool. So returns = reuses + pool-freed + the
 *   buffers idle in pools now.
 * - A last unref of a memory that is not followed by its destruction left
 *   the memory with its allocator for reuse: memories-recycled.
 *
 * Only the last unref of an object is looked at: after any other unref
 * another thread may already have freed it. Live objects are kept in a
 * table keyed by their address; an entry is removed when the object is
 * destroyed, so a new object at the same address starts afresh.
 *
 * For each live buffer it also remembers the element and pad it was last
 * chained into, for #GstSharedPool's holder and leak reports, which ask
 * through the #GstAllocStats::get-last-holder action signal.
 *
 * It logs one `allocstats` tracer record per interval and a final one,
 * with per-element, per-allocator and per-pool records, prints a summary
 * table on stderr when it is finalized by gst_deinit() (a program that
 * never calls it gets the interval rows only), and can write the interval
 * rows to a CSV or JSON file. See docs/allocstats.md.
 *
 * ## Example
 * |[
 * GST_TRACERS="allocstats" gst-launch-1.0 videotestsrc num-buffers=100 ! fakesink
 * GST_TRACERS="allocstats(interval=500,file=/tmp/a.csv)" gst-launch-1.0 videotestsrc num-buffers=100 ! jpegenc ! fakesink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>

#include "gstallocstats.h"
#include "allocstats-report.h"

GST_DEBUG_CATEGORY_STATIC (gst_alloc_stats_debug);
#define GST_CAT_DEFAULT gst_alloc_stats_debug

#define DEFAULT_INTERVAL        1000
#define DEFAULT_FILE            NULL
#define DEFAULT_FORMAT          GST_ALLOC_STATS_FORMAT_AUTO
#define DEFAULT_SUMMARY         TRUE
#define DEFAULT_MAX_ROWS        256
#define DEFAULT_EXACT_HOOKS     TRUE

#define MAX_INTERVAL            (3600 * 1000)
#define MAX_MAX_ROWS            65536

#define NO_ELEMENT              "(no element)"
#define NO_ALLOCATOR            "(none)"
#define OTHER_HOLDER            "(other)"
/* "element:pad" of a holder, longer names are cut */
#define HOLDER_NAME_LEN         128

enum
{
  PROP_0,
  PROP_INTERVAL,
  PROP_FILE,
  PROP_FORMAT,
  PROP_SUMMARY,
  PROP_MAX_ROWS,
  PROP_EXACT_HOOKS,
  PROP_STATS,
  N_PROPS
};

/* What the tracer knows of one live GstBuffer or GstMemory. */
typedef struct
{
  AllocStatsRow *owner;         /* element row, NULL until first pushed */
  AllocStatsRow *type_row;      /* allocator (memory) or pool (buffer) row */
  guint64 bytes;                /* memory: maxsize counted, 0 for a share */
  gboolean sized;               /* memory: bytes and allocator counted */
  gboolean released;            /* memory: its last unref was counted */
  gboolean returned;            /* buffer: in its pool, not seen since */
  guint unqueued_returns;       /* buffer: returns by a last unref whose
                                 * pool-buffer-queued has not run yet */
  guint64 serial;               /* tells it from a later object at its address */
  const gchar *holder;          /* buffer: "element:pad" it was last chained
                                 * into, owned by the holders table */
  /* memory, for the memory-tracer rows */
  GstClockTime created;         /* the created hook's time */
  gboolean alloc_logged;        /* its alloc row is written */
  const gchar *memory_type;     /* interned allocator mem_type */
  gconstpointer parent;
  guint64 maxsize;
} ObjEntry;

/* The memory the calling thread created last: its allocator has set its
 * size and type by the time that thread runs the next hook. */
typedef struct
{
  GstAllocStats *tracer;
  gpointer memory;
  guint64 serial;
} PendingMemory;

struct _GstAllocStats
{
  GstTracer parent;

  /* params: set before the hooks are registered, fixed afterwards */
  guint interval;
  gchar *file;
  GstAllocStatsFormat format;
  gboolean summary;
  guint max_rows;
  gboolean exact_hooks;

  /* which exact hooks are registered: fixed once constructed */
  gboolean memory_hooks;        /* memory-init, memory-free-pre (1.26) */
  gboolean pool_hooks;          /* pool-buffer-(de)queued (1.28) */

  /* under the object lock */
  GHashTable *objects;          /* GstBuffer/GstMemory -> ObjEntry */
  GHashTable *holders;          /* "element:pad" names, at most max-rows */
  guint64 counters[N_COUNTERS];
  AllocStatsTable tables[N_TABLES];
  GstClockTime start;
  GstClockTime next_row;        /* GST_CLOCK_TIME_NONE: no interval rows */
  GstClockTimeDiff ts_offset;   /* hook time to gst_util_get_timestamp () */
  gboolean have_ts_offset;
  FILE *out;
  GstAllocStatsFormat out_format;       /* auto resolved */
  guint n_rows;
};

#define gst_alloc_stats_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstAllocStats, gst_alloc_stats, GST_TYPE_TRACER,
    GST_DEBUG_CATEGORY_INIT (gst_alloc_stats_debug, "allocstats", 0,
        "allocation statistics tracer"));

static GParamSpec *properties[N_PROPS];

/* Created once, in class_init, like the core tracers' records: the
 * totals' record, and one per table for its rows. They live until the
 * process exits. */
static GstTracerRecord *tr_totals;
static GstTracerRecord *tr_tables[N_TABLES];

/* The buffer or list the calling thread pushes now. */
static GPrivate pushing;

static GPrivate pending_memory = G_PRIVATE_INIT (g_free);
/* The qdata that marks a buffer as a copy made to give a pool buffer back
 * (fanout sets it on its copies): counted in COUNTER_COPIES */
static GQuark copy_quark;
static guint64 last_serial;     /* atomic */

static void gst_alloc_stats_constructed (GObject * object);
static void gst_alloc_stats_finalize (GObject * object);
static void gst_alloc_stats_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_alloc_stats_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gchar *gst_alloc_stats_get_last_holder (GstAllocStats * self,
    gconstpointer buffer);

GType
gst_alloc_stats_format_get_type (void)
{
  static GType type = 0;
  /* *INDENT-OFF* */
  static const GEnumValue values[] = {
    {GST_ALLOC_STATS_FORMAT_AUTO,
        "JSON when the file name ends in .json, else CSV", "auto"},
    {GST_ALLOC_STATS_FORMAT_CSV, "CSV, one row per interval", "csv"},
    {GST_ALLOC_STATS_FORMAT_JSON, "JSON, rows and final tables", "json"},
    {GST_ALLOC_STATS_FORMAT_MEMORY_TRACER, "CSV of gst-plugins-rs' "
        "memory-tracer, one row per memory allocated or freed, plus the "
        "element", "memory-tracer"},
    {0, NULL, NULL}
  };
  /* *INDENT-ON* */

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstAllocStatsFormat",
            values));
  return type;
}

static void
gst_alloc_stats_class_init (GstAllocStatsClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  guint i;

  copy_quark = g_quark_from_static_string ("GstSharedPoolCopy");
  gobject_class->constructed = gst_alloc_stats_constructed;
  gobject_class->finalize = gst_alloc_stats_finalize;
  gobject_class->set_property = gst_alloc_stats_set_property;
  gobject_class->get_property = gst_alloc_stats_get_property;

  tr_totals = allocstats_totals_record_new ();
  for (i = 0; i < N_TABLES; i++)
    tr_tables[i] = allocstats_table_record_new (i);

  /**
   * GstAllocStats:interval:
   *
   * Milliseconds between two interval records and file rows. A row is
   * written by the first counted event after each interval has passed, so
   * no rows come while nothing is allocated, freed or pushed.
   */
  properties[PROP_INTERVAL] = g_param_spec_uint ("interval", "Interval",
      "Milliseconds between two interval rows, records and file rows "
      "(0 = only the first and the final row)", 0, MAX_INTERVAL,
      DEFAULT_INTERVAL,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:file:
   *
   * A file to write the interval rows to (truncated when the tracer
   * starts), in the #GstAllocStats:format.
   */
  properties[PROP_FILE] = g_param_spec_string ("file", "File",
      "File to write the interval rows and the final row to (none if unset)",
      DEFAULT_FILE,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:format:
   *
   * The format of #GstAllocStats:file.
   */
  properties[PROP_FORMAT] = g_param_spec_enum ("format", "Format",
      "Format of the file: auto (JSON for a name ending in .json, else CSV), "
      "csv, json or memory-tracer", GST_TYPE_ALLOC_STATS_FORMAT,
      DEFAULT_FORMAT,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:summary:
   *
   * Print the summary table on stderr when the tracer finishes.
   */
  properties[PROP_SUMMARY] = g_param_spec_boolean ("summary", "Summary",
      "Print the summary table on stderr when the tracer finishes",
      DEFAULT_SUMMARY,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:max-rows:
   *
   * The most rows each table (elements, allocator types, pool types)
   * keeps; objects of further names are counted in an "(other)" row.
   */
  properties[PROP_MAX_ROWS] = g_param_spec_uint ("max-rows", "Maximum rows",
      "Most rows per table (elements, allocators, pools); more names are "
      "counted in an (other) row", 1, MAX_MAX_ROWS, DEFAULT_MAX_ROWS,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:exact-hooks:
   *
   * Use the memory hooks of GStreamer 1.26 and the buffer pool hooks of
   * 1.28 where the running GStreamer has them. With false, or on older
   * versions, the counts are inferred from the mini object hooks. The
   * counts mean the same either way (see docs/allocstats.md).
   */
  properties[PROP_EXACT_HOOKS] = g_param_spec_boolean ("exact-hooks",
      "Exact hooks", "Use the memory (GStreamer 1.26+) and buffer pool "
      "(1.28+) hooks where the running GStreamer has them; false: infer "
      "from the mini object hooks as on 1.22", DEFAULT_EXACT_HOOKS,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstAllocStats:stats:
   *
   * The counts so far: a structure named `allocstats` with `time`
   * (nanoseconds since the tracer started), one guint64 field per counter
   * (buffers-created, ..., pool-freed) and the arrays `elements`,
   * `allocators` and `pools` of one structure per row.
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "The counts so far, totals and per element, allocator and pool",
      GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPS, properties);

  /**
   * GstAllocStats::get-last-holder:
   * @tracer: the tracer
   * @buffer: (type gpointer): the address of a live #GstBuffer, used as a
   *   key only (it is not read: another thread may own the buffer)
   *
   * Tells who last had a buffer: the element and pad it was last chained
   * into. #GstSharedPool's holder and leak reports ask every active tracer
   * that has this action signal, so the library needs no tracer.
   *
   * Returns: (transfer full) (nullable): "element:pad", "(other)" beyond
   * #GstAllocStats:max-rows names, or %NULL when the buffer was never
   * chained while the tracer ran
   */
  g_signal_new_class_handler ("get-last-holder", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_alloc_stats_get_last_holder), NULL, NULL, NULL,
      G_TYPE_STRING, 1, G_TYPE_POINTER);
}

static void
gst_alloc_stats_init (GstAllocStats * self)
{
  guint i;

  self->interval = DEFAULT_INTERVAL;
  self->file = g_strdup (DEFAULT_FILE);
  self->format = DEFAULT_FORMAT;
  self->summary = DEFAULT_SUMMARY;
  self->max_rows = DEFAULT_MAX_ROWS;
  self->exact_hooks = DEFAULT_EXACT_HOOKS;

  self->objects = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (i = 0; i < N_TABLES; i++)
    allocstats_table_init (&self->tables[i], i);
}

static void
gst_alloc_stats_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAllocStats *self = GST_ALLOC_STATS (object);

  switch (prop_id) {
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_FILE:
      g_free (self->file);
      self->file = g_value_dup_string (value);
      break;
    case PROP_FORMAT:
      self->format = g_value_get_enum (value);
      break;
    case PROP_SUMMARY:
      self->summary = g_value_get_boolean (value);
      break;
    case PROP_MAX_ROWS:
      self->max_rows = g_value_get_uint (value);
      break;
    case PROP_EXACT_HOOKS:
      self->exact_hooks = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
take_snapshot (GstAllocStats * self, GstClockTime ts, AllocStatsSnapshot * snap)
{
  snap->time = ts > self->start ? ts - self->start : 0;
  memcpy (snap->counters, self->counters, sizeof (snap->counters));
  snap->tables = self->tables;
}

static void allocstats_lock (GstAllocStats * self);

static GstStructure *
gst_alloc_stats_get_stats (GstAllocStats * self)
{
  AllocStatsSnapshot snap;
  GstStructure *s;

  allocstats_lock (self);
  take_snapshot (self, gst_util_get_timestamp (), &snap);
  s = allocstats_to_structure (&snap);
  GST_OBJECT_UNLOCK (self);

  return s;
}

/* The params are fixed once the tracer is constructed, so only the stats
 * need the lock. */
static void
gst_alloc_stats_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAllocStats *self = GST_ALLOC_STATS (object);

  switch (prop_id) {
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_FILE:
      g_value_set_string (value, self->file);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_SUMMARY:
      g_value_set_boolean (value, self->summary);
      break;
    case PROP_MAX_ROWS:
      g_value_set_uint (value, self->max_rows);
      break;
    case PROP_EXACT_HOOKS:
      g_value_set_boolean (value, self->exact_hooks);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_alloc_stats_get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Brings a param value to the property's type: strings are parsed like
 * property values on a gst-launch line, numbers are converted. */
static gboolean
param_value_convert (const GValue * from, GValue * to)
{
  if (G_VALUE_HOLDS_STRING (from) && !G_VALUE_HOLDS_STRING (to))
    return gst_value_deserialize (to, g_value_get_string (from));
  return g_value_type_transformable (G_VALUE_TYPE (from), G_VALUE_TYPE (to))
      && g_value_transform (from, to);
}

/* Sets one field of the params structure; a bad one is reported and the
 * property keeps its default. */
static gboolean
apply_param (GQuark field, const GValue * value, gpointer user_data)
{
  GObject *object = user_data;
  const gchar *name = g_quark_to_string (field);
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  GValue v = G_VALUE_INIT;

  if (pspec == NULL || pspec->owner_type != GST_TYPE_ALLOC_STATS ||
      !(pspec->flags & G_PARAM_WRITABLE))
    goto unknown;

  g_value_init (&v, pspec->value_type);
  /* validate returns TRUE when it had to change the value: out of range */
  if (!param_value_convert (value, &v) || g_param_value_validate (pspec, &v))
    goto invalid;

  gst_alloc_stats_set_property (object, pspec->param_id, &v, pspec);
  g_value_unset (&v);
  return TRUE;

unknown:
  {
    g_warning ("allocstats: unknown param '%s' ignored (params are interval, "
        "file, format, summary, max-rows and exact-hooks)", name);
    return TRUE;
  }
invalid:
  {
    gchar *str = gst_value_serialize (value);

    g_warning ("allocstats: invalid value '%s' for param '%s'; keeping the "
        "default", GST_STR_NULL (str), name);
    g_free (str);
    g_value_unset (&v);
    return TRUE;
  }
}

/* GStreamer 1.22 gives a tracer its params as one string:
 * GST_TRACERS="allocstats(interval=500,file=/tmp/a.csv)". */
static void
gst_alloc_stats_parse_params (GstAllocStats * self)
{
  gchar *params = NULL, *desc, *end = NULL;
  GstStructure *s;

  g_object_get (self, "params", &params, NULL);
  if (params == NULL)
    return;

  desc = g_strdup_printf ("allocstats,%s", params);
  s = gst_structure_from_string (desc, &end);
  if (s && *end != '\0')
    g_clear_pointer (&s, gst_structure_free);
  g_free (desc);
  if (s == NULL)
    goto bad_params;

  gst_structure_foreach (s, apply_param, self);
  gst_structure_free (s);
  g_free (params);
  return;

bad_params:
  {
    g_warning ("allocstats: cannot parse params '%s'; using the defaults",
        params);
    g_free (params);
  }
}

/* Writes one row: the tracer record, and the file's row when there is a
 * file. Called with the lock. */
static void
write_row (GstAllocStats * self, GstClockTime ts, gboolean final)
{
  AllocStatsSnapshot snap;

  take_snapshot (self, ts, &snap);
  allocstats_log_totals (tr_totals, &snap, final);
  if (self->out == NULL)
    return;

  if (self->out_format == GST_ALLOC_STATS_FORMAT_JSON)
    allocstats_json_row (self->out, &snap, self->n_rows == 0);
  else if (self->out_format == GST_ALLOC_STATS_FORMAT_CSV)
    allocstats_csv_row (self->out, &snap, final);
  self->n_rows++;
  /* memory-tracer rows are flushed here too, not one by one */
  fflush (self->out);
}

/* Called with the lock by every hook that counted something, with the
 * hook's timestamp. Those count from gst_init(), which a tracer cannot
 * read: the clock is read once to learn the offset, not at every hook. */
static void
maybe_write_row (GstAllocStats * self, GstClockTime ts)
{
  GstClockTime now, interval;

  if (self->next_row == GST_CLOCK_TIME_NONE)
    return;
  if (G_UNLIKELY (!self->have_ts_offset)) {
    self->ts_offset = GST_CLOCK_DIFF (ts, gst_util_get_timestamp ());
    self->have_ts_offset = TRUE;
  }
  now = ts + self->ts_offset;
  if (now < self->next_row)
    return;

  write_row (self, now, FALSE);
  /* the next boundary after @now: intervals without events get no row */
  interval = self->interval * GST_MSECOND;
  self->next_row = now + interval - (now - self->start) % interval;
}

static void
gst_alloc_stats_open_file (GstAllocStats * self)
{
  self->out_format = self->format;
  if (self->format == GST_ALLOC_STATS_FORMAT_AUTO)
    self->out_format = g_str_has_suffix (self->file, ".json") ?
        GST_ALLOC_STATS_FORMAT_JSON : GST_ALLOC_STATS_FORMAT_CSV;

  self->out = fopen (self->file, "w");
  if (self->out == NULL)
    goto open_failed;

  /* the memory-tracer's CSV has no header */
  if (self->out_format == GST_ALLOC_STATS_FORMAT_JSON)
    allocstats_json_begin (self->out, self->interval);
  else if (self->out_format == GST_ALLOC_STATS_FORMAT_CSV)
    allocstats_csv_begin (self->out);
  return;

open_failed:
  {
    g_warning ("allocstats: cannot write '%s': %s", self->file,
        g_strerror (errno));
  }
}

static gboolean
memory_log_on (GstAllocStats * self)
{
  return self->out && self->out_format == GST_ALLOC_STATS_FORMAT_MEMORY_TRACER;
}

static void
memory_log (GstAllocStats * self, ObjEntry * e, gconstpointer mem,
    GstClockTime ts, gboolean alloc)
{
  AllocStatsMemoryEvent ev = { ts, alloc, mem, e->parent, e->memory_type,
    e->maxsize, e->owner ? e->owner->name : ""
  };

  allocstats_memory_row (self->out, &ev);
}

/* A memory's alloc row waits for its element: it is written at the
 * memory's first push, its free, or when the tracer finishes, with the
 * time it was created (so rows are not in time order). */
static void
memory_log_alloc (GstAllocStats * self, ObjEntry * e, gconstpointer mem)
{
  if (!memory_log_on (self) || e->alloc_logged)
    return;
  e->alloc_logged = TRUE;
  memory_log (self, e, mem, e->created, TRUE);
}

/* The alloc rows of the memories still alive and not pushed yet (only
 * memories get sized). */
static void
log_live_memories (GstAllocStats * self)
{
  GHashTableIter iter;
  gpointer object;
  ObjEntry *e;

  g_hash_table_iter_init (&iter, self->objects);
  while (g_hash_table_iter_next (&iter, &object, (gpointer *) & e))
    if (e->sized)
      memory_log_alloc (self, e, object);
}

static gboolean
counted_nothing (const AllocStatsSnapshot * snap)
{
  return snap->counters[COUNTER_BUFFERS_CREATED] == 0 &&
      snap->counters[COUNTER_MEMORIES_CREATED] == 0;
}

/* Writes the final records, row and summary, at finalize: by gst_deinit()
 * (a program that never calls it gets none of them, as with the core
 * tracers). */
static void
gst_alloc_stats_finish (GstAllocStats * self)
{
  GstClockTime now = gst_util_get_timestamp ();
  AllocStatsSnapshot snap;
  gchar *summary = NULL;

  allocstats_lock (self);
  log_live_memories (self);
  write_row (self, now, TRUE);
  take_snapshot (self, now, &snap);
  allocstats_log_tables (tr_tables, &snap);
  if (self->out) {
    if (self->out_format == GST_ALLOC_STATS_FORMAT_JSON)
      allocstats_json_end (self->out, &snap);
    fclose (self->out);
    self->out = NULL;
  }
  /* gst-inspect-1.0 creates a tracer to inspect it: one that never saw a
   * buffer or a memory has nothing to say */
  if (self->summary && !counted_nothing (&snap))
    summary = allocstats_summary (&snap);
  GST_OBJECT_UNLOCK (self);

  if (summary)
    g_printerr ("%s", summary);
  g_free (summary);
}

static AllocStatsRow *
table_row (GstAllocStats * self, AllocStatsTableId id, const gchar * name)
{
  return allocstats_table_row (&self->tables[id], name, self->max_rows);
}

static gboolean
is_counted (GstMiniObject * object)
{
  return GST_IS_BUFFER (object) || object->type == GST_TYPE_MEMORY;
}

/* Counts a memory's bytes and type once. The allocator sets them after
 * the created hook ran: this runs at the creating thread's next hook, or
 * when the memory is first seen alive and owned by the calling thread. */
static void
memory_seen (GstAllocStats * self, ObjEntry * e, GstMemory * mem)
{
  if (e->sized)
    return;

  e->sized = TRUE;
  e->type_row = table_row (self, TABLE_ALLOCATORS, mem->allocator ?
      G_OBJECT_TYPE_NAME (mem->allocator) : NO_ALLOCATOR);
  e->type_row->v[ALLOCATOR_MEMORIES]++;
  if (memory_log_on (self)) {
    /* as the memory-tracer names them */
    e->memory_type = g_intern_string (mem->allocator &&
        mem->allocator->mem_type ? mem->allocator->mem_type : "unknown");
    e->parent = mem->parent;
    e->maxsize = mem->maxsize;
  }
  if (mem->parent) {
    self->counters[COUNTER_MEMORIES_SHARED]++;
    return;
  }
  e->bytes = mem->maxsize;
  self->counters[COUNTER_BYTES_ALLOCATED] += e->bytes;
  e->type_row->v[ALLOCATOR_BYTES] += e->bytes;
}

/* A last unref: the memory is freed next, or its allocator keeps it. Both
 * count as recycled until the free (if any) takes it back. */
static void
memory_released (GstAllocStats * self, ObjEntry * e, GstMemory * mem)
{
  memory_seen (self, e, mem);
  e->released = TRUE;
  self->counters[COUNTER_MEMORIES_RECYCLED]++;
  e->type_row->v[ALLOCATOR_RECYCLED]++;
}

static void
memory_freed (GstAllocStats * self, ObjEntry * e, GstMemory * mem,
    GstClockTime ts)
{
  memory_seen (self, e, mem);
  if (memory_log_on (self)) {
    memory_log_alloc (self, e, mem);
    memory_log (self, e, mem, ts, FALSE);
  }
  self->counters[COUNTER_MEMORIES_FREED]++;
  self->counters[COUNTER_BYTES_FREED] += e->bytes;
  e->type_row->v[ALLOCATOR_FREED]++;
  if (e->released) {
    self->counters[COUNTER_MEMORIES_RECYCLED]--;
    e->type_row->v[ALLOCATOR_RECYCLED]--;
  }
}

/* A returned buffer seen in use again was acquired from its pool's free
 * list; a buffer seen in use with a pool for the first time is new to
 * the pool. */
static void
buffer_seen_in_use (GstAllocStats * self, ObjEntry * e, GstBufferPool * pool)
{
  if (e->returned) {
    e->returned = FALSE;
    self->counters[COUNTER_POOL_REUSES]++;
    e->type_row->v[POOL_REUSES]++;
  } else if (e->type_row == NULL && pool) {
    e->type_row = table_row (self, TABLE_POOLS, G_OBJECT_TYPE_NAME (pool));
    self->counters[COUNTER_POOL_NEW]++;
    e->type_row->v[POOL_NEW]++;
  }
}

static void
pool_return (GstAllocStats * self, ObjEntry * e, GstBufferPool * pool)
{
  buffer_seen_in_use (self, e, pool);
  e->returned = TRUE;
  self->counters[COUNTER_POOL_RETURNS]++;
  e->type_row->v[POOL_RETURNS]++;
}

/* The last unref of a buffer with a pool hands it to the pool, which keeps
 * it (no destroyed hook) or frees it (through one more last unref, without
 * a pool, and the destroyed hook). A pool that queues it in the default
 * GstBufferPool way runs pool-buffer-queued next (1.28). */
static void
buffer_released (GstAllocStats * self, ObjEntry * e, GstBuffer * buffer)
{
  if (buffer->pool == NULL)
    return;

  pool_return (self, e, buffer->pool);
  if (self->pool_hooks)
    e->unqueued_returns++;
}

static void
buffer_freed (GstAllocStats * self, ObjEntry * e)
{
  self->counters[COUNTER_BUFFERS_FREED]++;
  if (!e->returned)
    return;
  self->counters[COUNTER_POOL_FREED]++;
  e->type_row->v[POOL_FREED]++;
}

static void
memory_pushed (GstAllocStats * self, GstMemory * mem, const gchar * element)
{
  ObjEntry *e = g_hash_table_lookup (self->objects, mem);

  if (e == NULL)
    return;
  memory_seen (self, e, mem);
  if (e->owner)
    return;
  e->owner = table_row (self, TABLE_ELEMENTS, element);
  e->owner->v[ELEMENT_MEMORIES]++;
  e->owner->v[ELEMENT_BYTES] += e->bytes;
  memory_log_alloc (self, e, mem);
}

/* The first push of a buffer and of each of its memories attributes them
 * to the pushing element. */
static void
buffer_pushed (GstAllocStats * self, GstBuffer * buffer, const gchar * element)
{
  ObjEntry *e = g_hash_table_lookup (self->objects, buffer);
  guint i, n;

  if (e == NULL)
    return;

  buffer_seen_in_use (self, e, buffer->pool);
  if (e->owner == NULL) {
    e->owner = table_row (self, TABLE_ELEMENTS, element);
    e->owner->v[ELEMENT_BUFFERS]++;
    if (buffer->pool)
      e->owner->v[ELEMENT_POOLED]++;
    if (gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (buffer), copy_quark))
      self->counters[COUNTER_COPIES]++;
  }

  n = gst_buffer_n_memory (buffer);
  for (i = 0; i < n; i++)
    memory_pushed (self, gst_buffer_peek_memory (buffer, i), element);
}

/* Element names cannot change while the element is in a bin, and the
 * pushing thread keeps the pad alive: read without the pad's lock, as the
 * core stats tracer does. */
static const gchar *
pusher_name (GstPad * pad)
{
  GstObject *parent = GST_OBJECT_PARENT (pad);

  return parent && GST_IS_ELEMENT (parent) ? GST_OBJECT_NAME (parent) :
      NO_ELEMENT;
}

/* Sizes the memory the calling thread created last, unless it is gone:
 * destroyed (its entry went with it) or replaced by another memory at
 * the same address (another serial). Called with the lock. */
static void
resolve_pending (GstAllocStats * self)
{
  PendingMemory *p = g_private_get (&pending_memory);
  ObjEntry *e;

  if (p == NULL || p->tracer != self || p->memory == NULL)
    return;
  e = g_hash_table_lookup (self->objects, p->memory);
  if (e && e->serial == p->serial)
    memory_seen (self, e, p->memory);
  p->memory = NULL;
}

static void
set_pending (GstAllocStats * self, gpointer memory, guint64 serial)
{
  PendingMemory *p = g_private_get (&pending_memory);

  if (p == NULL) {
    p = g_new0 (PendingMemory, 1);
    g_private_set (&pending_memory, p);
  }
  p->tracer = self;
  p->memory = memory;
  p->serial = serial;
}

/* Every hook counts under the lock, after the pending memory. */
static void
allocstats_lock (GstAllocStats * self)
{
  GST_OBJECT_LOCK (self);
  resolve_pending (self);
}

static void
allocstats_unlock (GstAllocStats * self, GstClockTime ts)
{
  maybe_write_row (self, ts);
  GST_OBJECT_UNLOCK (self);
}

/* Buffers always; memories unless memory-init and memory-free-pre count
 * them. */
static gboolean
is_counted_by_mini_object_hooks (GstAllocStats * self, GstMiniObject * object)
{
  return GST_IS_BUFFER (object) ||
      (object->type == GST_TYPE_MEMORY && !self->memory_hooks);
}

/* memory-init runs once the allocator has set the memory's size and type;
 * the created hook runs before, so there the memory is sized later. */
static void
object_created (GstAllocStats * self, GstClockTime ts, GstMiniObject * object)
{
  ObjEntry *e = g_new0 (ObjEntry, 1);

  e->serial = __atomic_add_fetch (&last_serial, 1, __ATOMIC_RELAXED);
  e->created = ts;
  allocstats_lock (self);
  g_hash_table_replace (self->objects, object, e);
  if (GST_IS_BUFFER (object)) {
    self->counters[COUNTER_BUFFERS_CREATED]++;
  } else {
    self->counters[COUNTER_MEMORIES_CREATED]++;
    if (self->memory_hooks)
      memory_seen (self, e, GST_MEMORY_CAST (object));
    else
      set_pending (self, object, e->serial);
  }
  allocstats_unlock (self, ts);
}

/* The entry goes before the memory does: once it is freed, its address
 * may belong to a new memory of another thread (so memory-free-post,
 * which runs then, is of no use here). */
static void
object_destroyed (GstAllocStats * self, GstClockTime ts, GstMiniObject * object)
{
  ObjEntry *e;

  allocstats_lock (self);
  if ((e = g_hash_table_lookup (self->objects, object))) {
    if (GST_IS_BUFFER (object))
      buffer_freed (self, e);
    else
      memory_freed (self, e, GST_MEMORY_CAST (object), ts);
    g_hash_table_remove (self->objects, object);
  }
  allocstats_unlock (self, ts);
}

static void
do_mini_object_created (GstAllocStats * self, GstClockTime ts,
    GstMiniObject * object)
{
  if (is_counted_by_mini_object_hooks (self, object))
    object_created (self, ts, object);
}

static void
do_mini_object_destroyed (GstAllocStats * self, GstClockTime ts,
    GstMiniObject * object)
{
  if (is_counted_by_mini_object_hooks (self, object))
    object_destroyed (self, ts, object);
}

/* GStreamer 1.26+ */
static void
do_memory_init (GstAllocStats * self, GstClockTime ts, GstMemory * mem)
{
  object_created (self, ts, GST_MINI_OBJECT_CAST (mem));
}

static void
do_memory_free_pre (GstAllocStats * self, GstClockTime ts, GstMemory * mem)
{
  object_destroyed (self, ts, GST_MINI_OBJECT_CAST (mem));
}

/* GStreamer 1.28+: the buffer left its pool's queue. While the pool is
 * flushing that is its stop, which frees the buffer next (counted as
 * freed by its pool); else an acquire, counted here and not at the
 * buffer's next push or return. The buffer has no pool set yet. */
static void
do_pool_buffer_dequeued (GstAllocStats * self, GstClockTime ts,
    GstBufferPool * pool, GstBuffer * buffer)
{
  ObjEntry *e;

  if (GST_BUFFER_POOL_IS_FLUSHING (pool))
    return;

  allocstats_lock (self);
  if ((e = g_hash_table_lookup (self->objects, buffer)))
    buffer_seen_in_use (self, e, pool);
  allocstats_unlock (self, ts);
}

/* GStreamer 1.28+: the pool queued a buffer. After a last unref that is
 * the return counted then (another thread may dequeue the buffer, and
 * even return it again, before this hook runs: hence a count, not a
 * flag). While the pool is flushing it is a buffer preallocated by its
 * start; else one handed to gst_buffer_pool_release_buffer() directly: a
 * return that no last unref shows. */
static void
do_pool_buffer_queued (GstAllocStats * self, GstClockTime ts,
    GstBufferPool * pool, GstBuffer * buffer)
{
  ObjEntry *e;

  allocstats_lock (self);
  e = g_hash_table_lookup (self->objects, buffer);
  if (e && e->unqueued_returns > 0)
    e->unqueued_returns--;
  else if (e && !GST_BUFFER_POOL_IS_FLUSHING (pool))
    pool_return (self, e, pool);
  allocstats_unlock (self, ts);
}

static void
do_mini_object_unreffed (GstAllocStats * self, GstClockTime ts,
    GstMiniObject * object, gint refcount)
{
  ObjEntry *e;

  /* after any other unref, another thread may have freed the object */
  if (refcount != 0 || !is_counted (object))
    return;

  allocstats_lock (self);
  if ((e = g_hash_table_lookup (self->objects, object))) {
    if (GST_IS_BUFFER (object))
      buffer_released (self, e, GST_BUFFER_CAST (object));
    else
      memory_released (self, e, GST_MEMORY_CAST (object));
  }
  allocstats_unlock (self, ts);
}

static void
do_push_buffer_pre (GstAllocStats * self, GstClockTime ts, GstPad * pad,
    GstBuffer * buffer)
{
  const gchar *element = pusher_name (pad);

  g_private_set (&pushing, buffer);
  allocstats_lock (self);
  buffer_pushed (self, buffer, element);
  allocstats_unlock (self, ts);
}

static void
buffer_list_pushed (GstAllocStats * self, GstClockTime ts,
    GstBufferList * list, const gchar * element)
{
  guint i, n = gst_buffer_list_length (list);

  allocstats_lock (self);
  for (i = 0; i < n; i++)
    buffer_pushed (self, gst_buffer_list_get (list, i), element);
  allocstats_unlock (self, ts);
}

static void
do_push_list_pre (GstAllocStats * self, GstClockTime ts, GstPad * pad,
    GstBufferList * list)
{
  g_private_set (&pushing, list);
  buffer_list_pushed (self, ts, list, pusher_name (pad));
}

/* The tracer's copy of the name "element:pad" of @pad: names are kept
 * for the holders, at most max-rows of them; further ones are "(other)".
 * Called with the lock. */
static const gchar *
holder_name (GstAllocStats * self, GstPad * pad)
{
  gchar name[HOLDER_NAME_LEN];
  gchar *kept;

  g_snprintf (name, sizeof (name), "%s:%s", pusher_name (pad),
      GST_OBJECT_NAME (pad));
  if ((kept = g_hash_table_lookup (self->holders, name)))
    return kept;
  if (g_hash_table_size (self->holders) >= self->max_rows)
    g_strlcpy (name, OTHER_HOLDER, sizeof (name));
  if (!(kept = g_hash_table_lookup (self->holders, name))) {
    kept = g_strdup (name);
    g_hash_table_add (self->holders, kept);
  }
  return kept;
}

/* The chain hook runs in the thread that hands the buffer on, before the
 * receiving element has it: that element and pad are its holder from
 * now on. The name is the pad's, not a reference to it. Called with the
 * lock. */
static void
buffer_chained (GstAllocStats * self, GstBuffer * buffer, GstPad * pad)
{
  ObjEntry *e = g_hash_table_lookup (self->objects, buffer);

  if (e)
    e->holder = holder_name (self, pad);
}

static gboolean
list_buffer_chained (GstBuffer ** buffer, guint idx, gpointer user_data)
{
  gpointer *args = user_data;

  buffer_chained (args[0], *buffer, args[1]);
  return TRUE;
}

/* Every push runs the chain hook of the peer next; only a buffer handed
 * to gst_pad_chain() directly, by code outside any element, is new here.
 * (A push that fails before the chain leaves a stale pointer behind: a
 * new buffer at that address chained directly by the same thread would
 * then be seen at its next push or release instead.) */
static void
do_chain_pre (GstAllocStats * self, GstClockTime ts, GstPad * pad,
    GstBuffer * buffer)
{
  allocstats_lock (self);
  if (g_private_get (&pushing) != buffer)
    buffer_pushed (self, buffer, NO_ELEMENT);
  buffer_chained (self, buffer, pad);
  allocstats_unlock (self, ts);
}

static void
do_chain_list_pre (GstAllocStats * self, GstClockTime ts, GstPad * pad,
    GstBufferList * list)
{
  gpointer args[2] = { self, pad };

  if (g_private_get (&pushing) != list)
    buffer_list_pushed (self, ts, list, NO_ELEMENT);
  allocstats_lock (self);
  gst_buffer_list_foreach (list, list_buffer_chained, args);
  allocstats_unlock (self, ts);
}

static gchar *
gst_alloc_stats_get_last_holder (GstAllocStats * self, gconstpointer buffer)
{
  ObjEntry *e;
  gchar *holder = NULL;

  allocstats_lock (self);
  if ((e = g_hash_table_lookup (self->objects, buffer)))
    holder = g_strdup (e->holder);
  GST_OBJECT_UNLOCK (self);
  return holder;
}

static void
gst_alloc_stats_register_hooks (GstAllocStats * self)
{
  GstTracer *tracer = GST_TRACER (self);

  gst_tracing_register_hook (tracer, "mini-object-created",
      G_CALLBACK (do_mini_object_created));
  gst_tracing_register_hook (tracer, "mini-object-destroyed",
      G_CALLBACK (do_mini_object_destroyed));
  gst_tracing_register_hook (tracer, "mini-object-unreffed",
      G_CALLBACK (do_mini_object_unreffed));
  gst_tracing_register_hook (tracer, "pad-push-pre",
      G_CALLBACK (do_push_buffer_pre));
  gst_tracing_register_hook (tracer, "pad-push-list-pre",
      G_CALLBACK (do_push_list_pre));
  gst_tracing_register_hook (tracer, "pad-chain-pre",
      G_CALLBACK (do_chain_pre));
  gst_tracing_register_hook (tracer, "pad-chain-list-pre",
      G_CALLBACK (do_chain_list_pre));
  if (self->memory_hooks) {
    gst_tracing_register_hook (tracer, "memory-init",
        G_CALLBACK (do_memory_init));
    gst_tracing_register_hook (tracer, "memory-free-pre",
        G_CALLBACK (do_memory_free_pre));
  }
  if (self->pool_hooks) {
    gst_tracing_register_hook (tracer, "pool-buffer-queued",
        G_CALLBACK (do_pool_buffer_queued));
    gst_tracing_register_hook (tracer, "pool-buffer-dequeued",
        G_CALLBACK (do_pool_buffer_dequeued));
  }
}

/* Decided at run time: the plugin is built against 1.22 and may run on a
 * newer core. Only hook names the running core knows may be registered:
 * gst_tracing_register_hook() looks a name up with g_quark_try_string(),
 * and an unknown one (0) registers the callback for every hook. */
static void
gst_alloc_stats_choose_hooks (GstAllocStats * self)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  self->memory_hooks = self->exact_hooks && (major > 1 || minor >= 26);
  self->pool_hooks = self->exact_hooks && (major > 1 || minor >= 28);
  GST_INFO_OBJECT (self, "GStreamer %u.%u.%u: memory hooks %d, pool hooks "
      "%d", major, minor, micro, self->memory_hooks, self->pool_hooks);
}

static void
gst_alloc_stats_constructed (GObject * object)
{
  GstAllocStats *self = GST_ALLOC_STATS (object);

  G_OBJECT_CLASS (parent_class)->constructed (object);

  gst_alloc_stats_parse_params (self);
  self->start = gst_util_get_timestamp ();
  self->next_row = self->interval ?
      self->start + self->interval * GST_MSECOND : GST_CLOCK_TIME_NONE;
  if (self->file)
    gst_alloc_stats_open_file (self);
  /* the first row: everything at 0 */
  write_row (self, self->start, FALSE);

  gst_alloc_stats_choose_hooks (self);
  gst_alloc_stats_register_hooks (self);
}

static void
gst_alloc_stats_finalize (GObject * object)
{
  GstAllocStats *self = GST_ALLOC_STATS (object);
  guint i;

  gst_alloc_stats_finish (self);

  g_hash_table_destroy (self->objects);
  g_hash_table_destroy (self->holders);
  for (i = 0; i < N_TABLES; i++)
    allocstats_table_clear (&self->tables[i]);
  g_free (self->file);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
