/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* poolbench: GstSharedPool against stock GStreamer, side by side in one
 * run, so that the ratios are not skewed by a machine that got busier
 * between two programs.
 *
 * Every figure is the median of several timed runs of one loop of
 * "get a buffer, give it back" (after an untimed warm-up run); with several
 * threads, each runs the loop on the same pool and the figure is the wall
 * time divided by all their operations. It is printed as one line:
 *
 *   bench: <figure> ours=<value> stock=<value> unit=<unit> ratio=<ours/stock>
 *
 * A value is a number, "timeout" (a run made no progress for --timeout
 * seconds: the stock 1.22 pool can livelock with more threads than cores),
 * "failed" (the measurement crashed) or "-" (no counterpart).
 *
 * Measurements run in forked children that are killed when they hang, so
 * the bench itself never does. The implementations of a figure share one
 * child and take turns run by run, so that a change in the machine's load
 * (or in how the scheduler places threads on a small machine) hits them
 * alike; when one of them hangs, the others are measured again alone.
 *
 * The malloc figure measures the malloc()/free() pair alone: the memory is
 * not touched, exactly as gst_buffer_new_allocate() does not touch it.
 *
 * The base-class-floor figures measure an empty GstBufferPool subclass
 * (one cached buffer, no lock, no reset, no bookkeeping) through the same
 * public acquire and unref: what any pool pays to GStreamer's own
 * GstBufferPool, GstObject and GstMiniObject code, the floor under the
 * pool's targets.
 *
 * `poolbench --callgrind CASE` runs a fixed number of operations of one case
 * with callgrind instrumentation switched on around the loop only; see
 * run-bench.sh.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/sharedpool/sharedpool.h>

#include "benchutil.h"

#ifdef HAVE_VALGRIND_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define DEFAULT_RUNS            5
#define DEFAULT_TIMEOUT         10
#define SMALL_OPS               200000
#define LARGE_OPS               40000
#define LARGE_SIZE              (256 * 1024)
#define N_VAR_SIZES             8192    /* a power of two: index by mask */
#define VAR_MAX_SIZE            8192
#define CALLGRIND_OPS           100000
#define CALLGRIND_WARMUP_OPS    10000
#define MT_SIZE                 4096
#define MAX_IMPLS               4
#define MAX_RUNS                101
#define BURST_SIZE              3110400 /* a 1080p I420 frame */
#define BURST_FRAMES            60
#define IDLE_LIMIT              GST_SECOND      /* max-idle-time of the run */
#define TRICKLE_PERIOD_US       10000

typedef struct _BenchCase BenchCase;

typedef void (*BenchOpFunc) (const BenchCase * c, guint i);
typedef void (*BenchSampleFunc) (guint k, gdouble ns_per_op, gpointer data);

/* One way of getting a buffer (or a block) and giving it back. */
typedef struct
{
  const gchar *name;
  GstBufferPool *(*new_pool) (void);    /* NULL: no pool involved */
  BenchOpFunc op;
} BenchImpl;

/* An implementation bound to what it is asked for. */
struct _BenchCase
{
  const BenchImpl *impl;
  gsize size;                   /* fixed size; 0 for the sized cases */
  const gsize *sizes;           /* N_VAR_SIZES sizes, for the sized cases */
  GstBufferPool *pool;
};

/* Implementations measured together, and what they measured. */
typedef struct
{
  const BenchImpl *impls[MAX_IMPLS];
  guint n_impls;
  gsize size;
  guint n_threads;
  guint64 n_ops;
  BenchValue values[MAX_IMPLS];
  gint culprit;                 /* the one that hung or crashed, or -1 */
} BenchSet;

typedef struct
{
  gdouble v[MAX_IMPLS][MAX_RUNS];
  guint n[MAX_IMPLS];
} BenchSamples;

typedef struct
{
  gchar *figure;
  BenchValue ours;
  BenchValue stock;
  const gchar *unit;
} BenchFigure;

typedef struct
{
  GMutex lock;
  GCond cond;
  guint ready;
  gboolean go;
} BenchGate;

typedef struct
{
  const BenchCase *c;
  guint64 n_ops;
  BenchGate *gate;
} BenchThread;

static guint n_runs = DEFAULT_RUNS;
static guint timeout_s = DEFAULT_TIMEOUT;
static gboolean no_fork = FALSE;
static gchar *only = NULL;
static gdouble scale = 1.0;
static gsize var_sizes[N_VAR_SIZES];

/* the operations */

static void
pool_fixed_op (const BenchCase * c, guint i)
{
  GstBuffer *buf = NULL;

  if (G_UNLIKELY (gst_buffer_pool_acquire_buffer (c->pool, &buf, NULL)
          != GST_FLOW_OK))
    g_error ("%s: acquire of %" G_GSIZE_FORMAT " bytes failed",
        c->impl->name, c->size);
  gst_buffer_unref (buf);
}

static void
alloc_fixed_op (const BenchCase * c, guint i)
{
  gst_buffer_unref (gst_buffer_new_allocate (NULL, c->size, NULL));
}

static void
ours_sized_op (const BenchCase * c, guint i)
{
  gsize size = c->sizes[i & (N_VAR_SIZES - 1)];
  GstBuffer *buf = NULL;

  if (G_UNLIKELY (gst_shared_pool_acquire_sized (c->pool, size, 0, &buf)
          != GST_FLOW_OK))
    g_error ("sized acquire of %" G_GSIZE_FORMAT " bytes failed", size);
  gst_buffer_unref (buf);
}

static void
alloc_sized_op (const BenchCase * c, guint i)
{
  gsize size = c->sizes[i & (N_VAR_SIZES - 1)];

  gst_buffer_unref (gst_buffer_new_allocate (NULL, size, NULL));
}

static void
malloc_sized_op (const BenchCase * c, guint i)
{
  gpointer p = malloc (c->sizes[i & (N_VAR_SIZES - 1)]);

  /* keep the compiler from folding the malloc()/free() pair away */
  __asm__ __volatile__ ("":"+r" (p)::"memory");
  free (p);
}

static void
floor_sized_op (const BenchCase * c, guint i)
{
  GstBufferPoolAcquireParams params = { GST_FORMAT_BYTES, 0,
    c->sizes[i & (N_VAR_SIZES - 1)], 0
  };
  GstBuffer *buf = NULL;

  gst_buffer_pool_acquire_buffer (c->pool, &buf, &params);
  gst_buffer_unref (buf);
}

static GstBufferPool *
new_stock_pool (void)
{
  return gst_buffer_pool_new ();
}

/* The empty pool of the base-class-floor figures: it hands out one cached
 * buffer, for one thread. */
typedef struct
{
  GstBufferPool parent;
  GstBuffer *cached;
} BenchFloorPool;

typedef struct
{
  GstBufferPoolClass parent_class;
} BenchFloorPoolClass;

static GType bench_floor_pool_get_type (void);
G_DEFINE_TYPE (BenchFloorPool, bench_floor_pool, GST_TYPE_BUFFER_POOL);

static GstFlowReturn
bench_floor_pool_acquire (GstBufferPool * pool, GstBuffer ** buffer,
    GstBufferPoolAcquireParams * params)
{
  BenchFloorPool *self = (BenchFloorPool *) pool;

  *buffer = self->cached ? self->cached :
      gst_buffer_new_allocate (NULL, VAR_MAX_SIZE, NULL);
  self->cached = NULL;
  return GST_FLOW_OK;
}

static void
bench_floor_pool_release (GstBufferPool * pool, GstBuffer * buffer)
{
  ((BenchFloorPool *) pool)->cached = buffer;
}

static void
bench_floor_pool_finalize (GObject * object)
{
  gst_clear_buffer (&((BenchFloorPool *) object)->cached);
  G_OBJECT_CLASS (bench_floor_pool_parent_class)->finalize (object);
}

static void
bench_floor_pool_class_init (BenchFloorPoolClass * klass)
{
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = bench_floor_pool_finalize;
  pool_class->acquire_buffer = bench_floor_pool_acquire;
  pool_class->release_buffer = bench_floor_pool_release;
  pool_class->reset_buffer = NULL;
}

static void
bench_floor_pool_init (BenchFloorPool * self)
{
}

static GstBufferPool *
new_floor_pool (void)
{
  return gst_object_ref_sink (g_object_new (bench_floor_pool_get_type (),
          NULL));
}

/* *INDENT-OFF* */
static const BenchImpl ours_fixed = { "ours-fixed", gst_shared_pool_new,
    pool_fixed_op };
static const BenchImpl stock_fixed = { "stock-fixed", new_stock_pool,
    pool_fixed_op };
static const BenchImpl alloc_fixed = { "alloc-fixed", NULL, alloc_fixed_op };
static const BenchImpl ours_sized = { "ours-sized", gst_shared_pool_new,
    ours_sized_op };
static const BenchImpl alloc_sized = { "alloc-sized", NULL, alloc_sized_op };
static const BenchImpl malloc_sized = { "malloc-sized", NULL,
    malloc_sized_op };
static const BenchImpl floor_sized = { "floor-sized", new_floor_pool,
    floor_sized_op };
/* *INDENT-ON* */

/* setting up and tearing down a case */

static void
bench_case_setup (BenchCase * c)
{
  GstStructure *config;

  if (c->impl->new_pool == NULL)
    return;

  c->pool = c->impl->new_pool ();
  config = gst_buffer_pool_get_config (c->pool);
  gst_buffer_pool_config_set_params (config, NULL, c->size, 0, 0);
  if (!gst_buffer_pool_set_config (c->pool, config))
    g_error ("%s: set_config failed", c->impl->name);
  if (!gst_buffer_pool_set_active (c->pool, TRUE))
    g_error ("%s: set_active failed", c->impl->name);
}

static void
bench_case_teardown (BenchCase * c)
{
  if (c->pool == NULL)
    return;

  gst_buffer_pool_set_active (c->pool, FALSE);
  gst_clear_object (&c->pool);
}

/* the timed loop */

static gdouble
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
run_ops (const BenchCase * c, guint64 n_ops)
{
  BenchOpFunc op = c->impl->op;
  guint64 i;

  for (i = 0; i < n_ops; i++)
    op (c, (guint) i);
}

/* Each thread waits here until all are started, so that the timed section
 * starts with all of them ready. */
static void
bench_gate_pass (BenchGate * gate)
{
  g_mutex_lock (&gate->lock);
  gate->ready++;
  g_cond_broadcast (&gate->cond);
  while (!gate->go)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

/* Waits until n_threads threads are at the gate, opens it and returns the
 * time it was opened. */
static gdouble
bench_gate_open (BenchGate * gate, guint n_threads)
{
  gdouble start;

  g_mutex_lock (&gate->lock);
  while (gate->ready < n_threads)
    g_cond_wait (&gate->cond, &gate->lock);
  gate->go = TRUE;
  start = now_ns ();
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);

  return start;
}

static gpointer
bench_thread_func (gpointer data)
{
  BenchThread *t = data;

  bench_gate_pass (t->gate);
  run_ops (t->c, t->n_ops);
  return NULL;
}

/* Runs n_ops operations in each of n_threads threads sharing the case and
 * returns the wall time per operation (of all threads) in ns. */
static gdouble
run_threaded (const BenchCase * c, guint n_threads, guint64 n_ops)
{
  BenchThread *t = g_new (BenchThread, n_threads);
  GThread **threads = g_new (GThread *, n_threads);
  BenchGate gate = { 0, };
  gdouble start, end;
  guint i;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  for (i = 0; i < n_threads; i++) {
    t[i].c = c;
    t[i].n_ops = n_ops;
    t[i].gate = &gate;
    threads[i] = g_thread_new ("bench", bench_thread_func, &t[i]);
  }

  start = bench_gate_open (&gate, n_threads);
  for (i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  end = now_ns ();

  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
  g_free (threads);
  g_free (t);
  return (end - start) / (n_ops * n_threads);
}

static gdouble
run_once (const BenchCase * c, guint n_threads, guint64 n_ops)
{
  gdouble start;

  if (n_threads > 1)
    return run_threaded (c, n_threads, n_ops);

  start = now_ns ();
  run_ops (c, n_ops);
  return (now_ns () - start) / n_ops;
}

/* Sets the cases of the set up and warms each up with an untimed run, then
 * does n_runs rounds of one timed run of each case in turn (interleaved, so
 * that a change in the machine's load hits all cases alike), handing each
 * run's ns/op to func as soon as it is measured. */
static void
measure (const BenchSet * set, BenchSampleFunc func, gpointer data)
{
  BenchCase c[MAX_IMPLS];
  guint i, k;

  for (k = 0; k < set->n_impls; k++) {
    BenchCase init = { set->impls[k], set->size, var_sizes, NULL };

    c[k] = init;
    bench_case_setup (&c[k]);
  }
  for (i = 0; i < n_runs; i++)
    for (k = 0; k < set->n_impls; k++) {
      /* warm up right before the first timed run, so that a case that
       * hangs in its warm-up is the one whose sample is missing */
      if (i == 0)
        run_once (&c[k], set->n_threads, MAX (set->n_ops / 10, 1));
      func (k, run_once (&c[k], set->n_threads, set->n_ops), data);
    }
  for (k = 0; k < set->n_impls; k++)
    bench_case_teardown (&c[k]);
}

static void
store_sample (guint k, gdouble ns_per_op, gpointer data)
{
  BenchSamples *samples = data;

  samples->v[k][samples->n[k]++] = ns_per_op;
}

/* In the child: the order of the samples says which case they belong to. */
static void
write_sample (guint k, gdouble ns_per_op, gpointer data)
{
  bench_child_send (data, &ns_per_op, 1);
}

/* A case gets the median of its samples, the culprit what it did; the
 * other cases keep the median of the rounds that completed. */
static void
set_values (BenchSet * set, BenchSamples * samples, BenchStatus status,
    guint culprit)
{
  guint k;

  set->culprit = status == BENCH_OK ? -1 : (gint) culprit;
  for (k = 0; k < set->n_impls; k++) {
    BenchValue val = { BENCH_OK, 0 };

    if (status != BENCH_OK && k == culprit)
      val.status = status;
    else if (samples->n[k] == 0)
      val.status = BENCH_FAILED;
    else
      val.v = bench_percentile (samples->v[k], samples->n[k], 0.5);
    set->values[k] = val;
  }
}

static gboolean
measure_child (BenchChild * child, guint index, gpointer data)
{
  measure (data, write_sample, child);
  return TRUE;
}

/* Measures the set in a forked child: the stock pool can livelock with more
 * threads than cores, and a pool under development can hang or abort;
 * either way the bench goes on with the next figure. A run that makes no
 * progress for timeout_s seconds is taken as hung. */
static void
measure_guarded (BenchSet * set)
{
  BenchFork f = { measure_child, set, timeout_s, n_runs * set->n_impls };
  gdouble *v = g_new (gdouble, f.max_values);
  BenchSamples samples = { 0, };
  BenchStatus status;
  guint i, n;

  status = bench_fork (&f, 0, v, &n);
  for (i = 0; i < n; i++)
    samples.v[i % set->n_impls][samples.n[i % set->n_impls]++] = v[i];
  /* every sample came: what the child did after them does not count */
  if (n == f.max_values)
    status = BENCH_OK;
  /* the case of the first sample missing hung or broke */
  set_values (set, &samples, status, n % set->n_impls);
  g_free (v);
}

static void
measure_set (BenchSet * set)
{
  BenchSamples samples = { 0, };

  if (!no_fork) {
    measure_guarded (set);
    return;
  }

  measure (set, store_sample, &samples);
  set_values (set, &samples, BENCH_OK, 0);
}

/* reporting */

/* JSON: a number, null for "-", or a string for "timeout" and "failed". */
static void
json_append_value (GString * s, const BenchValue * val)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (val->status == BENCH_OK)
    g_string_append (s, g_ascii_formatd (buf, sizeof (buf), "%.3f", val->v));
  else if (val->status == BENCH_NONE)
    g_string_append (s, "null");
  else
    g_string_append_printf (s, "\"%s\"",
        val->status == BENCH_TIMEOUT ? "timeout" : "failed");
}

static void
json_append_figure (GString * s, const BenchFigure * f)
{
  BenchValue ratio = { BENCH_NONE, 0 };

  if (bench_ratio (&f->ours, &f->stock, &ratio.v))
    ratio.status = BENCH_OK;

  g_string_append_printf (s, "  {\"figure\": \"%s\", \"ours\": ", f->figure);
  json_append_value (s, &f->ours);
  g_string_append (s, ", \"stock\": ");
  json_append_value (s, &f->stock);
  g_string_append_printf (s, ", \"unit\": \"%s\", \"ratio\": ", f->unit);
  json_append_value (s, &ratio);
  g_string_append (s, "}");
}

static gboolean
write_json (GArray * figures, const gchar * path)
{
  GString *s = g_string_new ("[\n");
  GError *err = NULL;
  guint i;

  for (i = 0; i < figures->len; i++) {
    json_append_figure (s, &g_array_index (figures, BenchFigure, i));
    g_string_append (s, i + 1 < figures->len ? ",\n" : "\n");
  }
  g_string_append (s, "]\n");

  if (!g_file_set_contents (path, s->str, s->len, &err)) {
    g_printerr ("poolbench: %s\n", err->message);
    g_clear_error (&err);
  }
  g_string_free (s, TRUE);
  return err == NULL;
}

static void
add_figure_unit (GArray * figures, gchar * name, BenchValue ours,
    BenchValue stock, const gchar * unit)
{
  BenchFigure f = { name, ours, stock, unit };

  bench_print (f.figure, &f.ours, &f.stock, f.unit, "%.1f");
  g_array_append_val (figures, f);
}

static void
add_figure (GArray * figures, gchar * name, BenchValue ours, BenchValue stock)
{
  add_figure_unit (figures, name, ours, stock, "ns/op");
}

static void
clear_figure (gpointer data)
{
  g_free (((BenchFigure *) data)->figure);
}

/* the figures */

static guint64
ops_for_size (gsize size)
{
  guint64 n = size >= LARGE_SIZE ? LARGE_OPS : SMALL_OPS;

  return MAX (n * scale, 1000);
}

/* The implementations of a figure are measured together, their runs
 * interleaved; when one of them hangs or crashes (the stock pool can
 * livelock with several threads), the others are measured again on their
 * own. */
static void
measure_impls (BenchSet * set)
{
  guint k;

  measure_set (set);
  if (set->culprit < 0 || set->n_impls == 1)
    return;

  for (k = 0; k < set->n_impls; k++) {
    BenchSet one = {
      .impls = {set->impls[k]},
      .n_impls = 1,
      .size = set->size,
      .n_threads = set->n_threads,
      .n_ops = set->n_ops,
    };

    if (k == (guint) set->culprit)
      continue;
    measure_set (&one);
    set->values[k] = one.values[0];
  }
}

/* Figure 1: fixed size, our pool against the stock pool and against
 * gst_buffer_new_allocate(). */
static void
bench_fixed_size (GArray * figures, gsize size, guint n_threads)
{
  BenchSet set = {
    .impls = {&ours_fixed, &stock_fixed, &alloc_fixed},
    .n_impls = 3,
    .size = size,
    .n_threads = n_threads,
    .n_ops = ops_for_size (size),
  };

  measure_impls (&set);
  add_figure (figures, g_strdup_printf ("fixed-%" G_GSIZE_FORMAT "-%ut",
          size, n_threads), set.values[0], set.values[1]);
  add_figure (figures, g_strdup_printf ("fixed-%" G_GSIZE_FORMAT
          "-%ut-vs-alloc", size, n_threads), set.values[0], set.values[2]);
}

static void
bench_fixed (GArray * figures)
{
  static const gsize sizes[] = { 64, 4096, 65536, 1048576, 3110400 };
  guint i, n_threads;

  for (n_threads = 1; n_threads <= 2; n_threads++)
    for (i = 0; i < G_N_ELEMENTS (sizes); i++)
      bench_fixed_size (figures, sizes[i], n_threads);
}

/* Figure 2: several threads on one pool. */
static void
bench_threads (GArray * figures)
{
  static const guint thread_counts[] = { 2, 4, 8 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (thread_counts); i++) {
    BenchSet set = {
      .impls = {&ours_fixed, &stock_fixed},
      .n_impls = 2,
      .size = MT_SIZE,
      .n_threads = thread_counts[i],
      .n_ops = ops_for_size (MT_SIZE),
    };

    measure_impls (&set);
    add_figure (figures, g_strdup_printf ("mt-%d-%ut", MT_SIZE,
            thread_counts[i]), set.values[0], set.values[1]);
  }
}

/* Figure 3: variable sizes 1..VAR_MAX_SIZE. */
static void
bench_sized (GArray * figures)
{
  BenchSet set = {
    .impls = {&ours_sized, &alloc_sized, &malloc_sized, &floor_sized},
    .n_impls = 4,
    .n_threads = 1,
    .n_ops = ops_for_size (VAR_MAX_SIZE),
  };

  measure_impls (&set);
  add_figure (figures, g_strdup ("sized-var"), set.values[0], set.values[1]);
  add_figure (figures, g_strdup ("sized-var-vs-malloc"), set.values[0],
      set.values[2]);
  add_figure (figures, g_strdup ("base-class-floor-sized-var"),
      set.values[3], set.values[1]);
}

/* Figure 4: idle memory returned. RSS in MiB from /proc/self/statm. */
static gdouble
rss_mib (void)
{
  gchar *text = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    sscanf (text, "%*u %" G_GUINT64_FORMAT, &pages);
  g_free (text);
  return pages * (gdouble) sysconf (_SC_PAGESIZE) / (1024 * 1024);
}

/* One frame through @pool, written as a producer would. */
static void
touch_frame (GstBufferPool * pool, GstBuffer ** out)
{
  GstBuffer *buf = NULL;

  if (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) != GST_FLOW_OK)
    g_error ("poolbench: acquire failed");
  gst_buffer_memset (buf, 0, 0x5a, BURST_SIZE);
  if (out)
    *out = buf;
  else
    gst_buffer_unref (buf);
}

/* After a burst of BURST_FRAMES 1080p frames in flight, a steady trickle
 * of one frame every 10 ms: how long until RSS is back within 10 % of
 * its value before the burst (max-idle-time 1 s), and RSS once the
 * memory has been idle for the limit + 1 s. */
static void
bench_idle_rss (GArray * figures)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstBuffer *burst[BURST_FRAMES];
  BenchValue back = { BENCH_TIMEOUT, 0 }, after = { BENCH_OK, 0 };
  BenchValue before = { BENCH_OK, 0 };
  gint64 start, end;
  guint i;

  gst_buffer_pool_config_set_params (config, NULL, BURST_SIZE, 0, 0);
  gst_shared_pool_config_set_max_idle_time (config, IDLE_LIMIT);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE))
    g_error ("poolbench: pool setup failed");

  touch_frame (pool, NULL);
  before.v = rss_mib ();
  for (i = 0; i < BURST_FRAMES; i++)
    touch_frame (pool, &burst[i]);
  for (i = 0; i < BURST_FRAMES; i++)
    gst_buffer_unref (burst[i]);

  start = g_get_monotonic_time ();
  end = start + (IDLE_LIMIT / GST_USECOND) + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    touch_frame (pool, NULL);
    if (back.status != BENCH_OK && rss_mib () <= before.v * 1.1) {
      back.status = BENCH_OK;
      back.v = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
    }
    g_usleep (TRICKLE_PERIOD_US);
  }
  after.v = rss_mib ();

  /* stock: the limit + 1 s, the target for the return */
  add_figure_unit (figures, g_strdup ("idle-rss-1080p-return"), back,
      (BenchValue) {
      BENCH_OK, (IDLE_LIMIT + GST_SECOND) / (gdouble) GST_SECOND}
      , "s");
  add_figure_unit (figures, g_strdup ("idle-rss-1080p-after-limit+1s"),
      after, before, "MiB");
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

/* callgrind mode */

/* *INDENT-OFF* */
static const struct
{
  const gchar *name;
  const BenchImpl *impl;
  gsize size;
} callgrind_cases[] = {
  { "ours-fixed-4k", &ours_fixed, 4096 },
  { "stock-fixed-4k", &stock_fixed, 4096 },
  { "alloc-fixed-4k", &alloc_fixed, 4096 },
  { "ours-sized-var", &ours_sized, 0 },
  { "alloc-sized-var", &alloc_sized, 0 },
  { "malloc-sized-var", &malloc_sized, 0 },
  { "floor-sized-var", &floor_sized, 0 },
};
/* *INDENT-ON* */

/* Runs CALLGRIND_OPS operations of one case with instrumentation and event
 * collection switched on around the loop only; run it under
 * valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no. */
static gboolean
run_callgrind (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (callgrind_cases); i++) {
    BenchCase c = { callgrind_cases[i].impl, callgrind_cases[i].size,
      var_sizes, NULL
    };

    if (strcmp (name, callgrind_cases[i].name) != 0)
      continue;

    bench_case_setup (&c);
    run_ops (&c, CALLGRIND_WARMUP_OPS);
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
    run_ops (&c, CALLGRIND_OPS);
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_STOP_INSTRUMENTATION;
    bench_case_teardown (&c);
    g_print ("callgrind: case=%s ops=%u\n", name, CALLGRIND_OPS);
    return TRUE;
  }

  g_printerr ("poolbench: unknown callgrind case '%s'\n", name);
  return FALSE;
}

static gboolean
want_group (const gchar * group)
{
  return only == NULL || strcmp (only, group) == 0;
}

static void
init_var_sizes (void)
{
  GRand *rand = g_rand_new_with_seed (0);
  guint i;

  for (i = 0; i < N_VAR_SIZES; i++)
    var_sizes[i] = g_rand_int_range (rand, 1, VAR_MAX_SIZE + 1);
  g_rand_free (rand);
}

static gboolean
parse_options (int *argc, char ***argv, gchar ** json, gchar ** cg)
{
  GOptionEntry entries[] = {
    {"json", 0, 0, G_OPTION_ARG_FILENAME, json,
        "Also write the figures to FILE as a JSON array", "FILE"},
    {"callgrind", 0, 0, G_OPTION_ARG_STRING, cg,
        "Run one case for callgrind (ours-fixed-4k, stock-fixed-4k, "
          "alloc-fixed-4k, ours-sized-var, alloc-sized-var, "
          "malloc-sized-var)", "CASE"},
    {"runs", 0, 0, G_OPTION_ARG_INT, &n_runs,
        "Timed runs per figure, the median is printed (default 5, at most "
          G_STRINGIFY (MAX_RUNS) ")", "N"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds one timed run may take (default 10)", "S"},
    {"scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale,
        "Scale the number of operations per run (default 1.0)", "F"},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Only one group of figures: fixed, mt, sized or idle", "GROUP"},
    {"no-fork", 0, 0, G_OPTION_ARG_NONE, &no_fork,
        "Measure in this process, without a timeout (for debuggers and "
          "profilers)", NULL},
    {NULL}
  };

  if (!bench_parse_options ("poolbench", "- GstSharedPool benchmark", entries,
          gst_init_get_option_group (), argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || timeout_s < 1 || scale <= 0) {
    g_printerr ("poolbench: --runs must be 1..%d, --timeout at least 1 and "
        "--scale positive\n", MAX_RUNS);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gchar *json = NULL, *cg = NULL;
  GArray *figures;
  gboolean ok = TRUE;

  if (!parse_options (&argc, &argv, &json, &cg))
    return 2;
  init_var_sizes ();

  if (cg != NULL)
    return run_callgrind (cg) ? 0 : 2;

  figures = g_array_new (FALSE, FALSE, sizeof (BenchFigure));
  g_array_set_clear_func (figures, clear_figure);
  if (want_group ("fixed"))
    bench_fixed (figures);
  if (want_group ("mt"))
    bench_threads (figures);
  if (want_group ("sized"))
    bench_sized (figures);
  if (want_group ("idle"))
    bench_idle_rss (figures);
  if (json != NULL)
    ok = write_json (figures, json);

  g_array_unref (figures);
  g_free (json);
  return ok ? 0 : 1;
}
