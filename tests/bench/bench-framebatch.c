/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-framebatch: what batching costs.
 *
 * - Timeout latency: one frame goes into `framebatch batch-size=8
 *   push-interval=5ms` and waits alone until its partial batch times out;
 *   the figure is the time from pushing the frame to the batch arriving
 *   downstream, p50 and p99 over all batches of all runs (--batches per
 *   run). The target is push-interval + 2 ms at p99. The element runs
 *   between two bare pads on the system clock, live (timed on the clock)
 *   and non-live (timed on the monotonic timer).
 * - Throughput overhead: one 320x240 I420 videotestsrc to a fakesink,
 *   through `framebatch batch-size=8` (ours) and without it (stock), time
 *   per frame from PLAYING to EOS. The target is ratio <= 1.05.
 * - Bare push: the element's own cost per frame, pushing empty buffers
 *   from a bare pad through framebatch batch-size=8 to a bare sink pad,
 *   against pushing them to the sink pad directly: the floor that the
 *   overhead above is made of, where no frame costs anything to produce.
 *
 * The two throughput figures are CPU time (user + system, all threads of
 * the process) per frame: on a machine shared with other work, wall time
 * also counts the time the pipeline was not scheduled.
 *
 * Each run is a forked child, killed after --timeout seconds so that a
 * hang is reported, not fatal; ours and stock take turns run by run, and
 * the time figures are medians of the runs (--runs for the latency,
 * --throughput-runs for the rest). Printed as
 *
 *   bench: <figure> ours=<value> stock=<value> unit=<unit> ratio=<o/s>
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/resource.h>

#include <gst/gst.h>

#include "benchutil.h"

#define DEFAULT_RUNS            7
#define DEFAULT_THROUGHPUT_RUNS 21
#define DEFAULT_BATCHES         250
#define DEFAULT_FRAMES          3000
#define DEFAULT_BARE_FRAMES     200000
#define DEFAULT_TIMEOUT         60
#define MAX_RUNS                51
#define MAX_SAMPLES             2000
#define PUSH_INTERVAL           (5 * GST_MSECOND)
#define BATCH_SIZE              8

#define SOURCE "videotestsrc num-buffers=%u ! " \
    "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "

typedef enum
{
  CASE_LATENCY_LIVE,
  CASE_LATENCY_NONLIVE,
  CASE_PIPELINE_OURS,
  CASE_PIPELINE_STOCK,
  CASE_BARE_OURS,
  CASE_BARE_STOCK,
} BenchCase;

/* What a child measured: latencies in ms, or one time per frame in ns. */
typedef struct
{
  guint n;
  gdouble v[MAX_SAMPLES];
} Samples;

typedef struct
{
  Samples s;
  BenchStatus status;           /* of the last run */
} Figure;

static guint n_runs = DEFAULT_RUNS;
static guint n_throughput_runs = DEFAULT_THROUGHPUT_RUNS;
static guint n_batches = DEFAULT_BATCHES;
static guint n_frames = DEFAULT_FRAMES;
static guint n_bare_frames = DEFAULT_BARE_FRAMES;
static guint timeout_s = DEFAULT_TIMEOUT;

/* A bare sink pad that counts what arrives and when. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint64 frames;
  guint64 lists;
  GstClockTime last;
  gboolean waiting;
} Counter;

static void
count (GstPad * pad, guint frames)
{
  Counter *c = GST_PAD_ELEMENT_PRIVATE (pad);
  GstClockTime now = gst_util_get_timestamp ();

  g_mutex_lock (&c->lock);
  c->frames += frames;
  c->lists++;
  c->last = now;
  /* a signal is a syscall: only for a waiter, not per frame */
  if (c->waiting)
    g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

static GstFlowReturn
counter_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  count (pad, 1);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static GstFlowReturn
counter_chain_list (GstPad * pad, GstObject * parent, GstBufferList * list)
{
  count (pad, gst_buffer_list_length (list));
  gst_buffer_list_unref (list);
  return GST_FLOW_OK;
}

/* Waits until @frames frames have arrived; returns when the last did. */
static GstClockTime
counter_wait (Counter * c, guint64 frames)
{
  GstClockTime last;

  g_mutex_lock (&c->lock);
  c->waiting = TRUE;
  while (c->frames < frames)
    g_cond_wait (&c->cond, &c->lock);
  c->waiting = FALSE;
  last = c->last;
  g_mutex_unlock (&c->lock);
  return last;
}

/* The upstream of the element says whether it is live. */
static gboolean
src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return gst_pad_query_default (pad, parent, query);
  gst_query_set_latency (query,
      GPOINTER_TO_INT (GST_PAD_ELEMENT_PRIVATE (pad)), 0, GST_CLOCK_TIME_NONE);
  return TRUE;
}

typedef struct
{
  GstElement *batch;            /* NULL: src linked to sink directly */
  GstPad *src;
  GstPad *sink;
  Counter counter;
} Bare;

static void
bare_link (Bare * b)
{
  GstPad *bsink, *bsrc;

  if (!b->batch) {
    gst_pad_link (b->src, b->sink);
    return;
  }
  bsink = gst_element_request_pad_simple (b->batch, "sink_%u");
  bsrc = gst_element_get_static_pad (b->batch, "src");
  gst_pad_link (b->src, bsink);
  gst_pad_link (bsrc, b->sink);
  gst_object_unref (bsink);
  gst_object_unref (bsrc);
}

/* @batch_props NULL: no framebatch. The element runs PLAYING on the
 * system clock. FALSE when framebatch cannot be made (the case then
 * reports "failed" instead of measuring the bare link). */
static gboolean
bare_setup (Bare * b, const gchar * batch_props, gboolean live)
{
  GstSegment segment;

  memset (b, 0, sizeof (*b));
  g_mutex_init (&b->counter.lock);
  g_cond_init (&b->counter.cond);
  b->src = gst_pad_new ("src", GST_PAD_SRC);
  GST_PAD_ELEMENT_PRIVATE (b->src) = GINT_TO_POINTER (live);
  gst_pad_set_query_function (b->src, src_query);
  b->sink = gst_pad_new ("sink", GST_PAD_SINK);
  GST_PAD_ELEMENT_PRIVATE (b->sink) = &b->counter;
  gst_pad_set_chain_function (b->sink, counter_chain);
  gst_pad_set_chain_list_function (b->sink, counter_chain_list);
  gst_pad_set_active (b->src, TRUE);
  gst_pad_set_active (b->sink, TRUE);

  if (batch_props) {
    GstClock *clock = gst_system_clock_obtain ();
    gchar *desc = g_strdup_printf ("framebatch %s", batch_props);

    b->batch = gst_parse_launch (desc, NULL);
    g_free (desc);
    if (b->batch == NULL) {
      gst_object_unref (clock);
      return FALSE;
    }
    gst_element_set_clock (b->batch, clock);
    gst_object_unref (clock);
  }
  bare_link (b);
  if (b->batch)
    gst_element_set_state (b->batch, GST_STATE_PLAYING);

  gst_pad_push_event (b->src, gst_event_new_stream_start ("bench"));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (b->src, gst_event_new_segment (&segment));
  return TRUE;
}

static guint64
batch_stat (GstElement * batch, const gchar * field)
{
  GstStructure *s;
  guint64 v = 0;

  g_object_get (batch, "stats", &s, NULL);
  gst_structure_get_uint64 (s, field, &v);
  gst_structure_free (s);
  return v;
}

/* One frame at a time, each alone in its batch until the batch times out:
 * the latency of each timed-out batch, in ms. */
static gboolean
measure_latency (gboolean live, Samples * out)
{
  gchar *props = g_strdup_printf ("batch-size=%d push-interval=%"
      G_GUINT64_FORMAT, BATCH_SIZE, (guint64) PUSH_INTERVAL);
  Bare b;
  guint i;
  gboolean ok;

  ok = bare_setup (&b, props, live);
  g_free (props);
  if (!ok)
    return FALSE;
  for (i = 0; i < n_batches; i++) {
    GstClockTime t0 = gst_util_get_timestamp ();

    if (gst_pad_push (b.src, gst_buffer_new ()) != GST_FLOW_OK)
      return FALSE;
    out->v[out->n++] = (counter_wait (&b.counter, i + 1) - t0) / 1e6;
  }
  return batch_stat (b.batch, "timed-out-batches") == n_batches;
}

/* CPU time of the process so far, in ns. */
static GstClockTime
cpu_time (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * GST_SECOND +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * GST_USECOND;
}

/* Empty buffers through the element (or straight to the sink), in ns per
 * frame. */
static gboolean
measure_bare (gboolean ours, Samples * out)
{
  gchar *props = g_strdup_printf ("batch-size=%d", BATCH_SIZE);
  GstClockTime t0;
  Bare b;
  guint i;
  gboolean ok;

  ok = bare_setup (&b, ours ? props : NULL, FALSE);
  g_free (props);
  if (!ok)
    return FALSE;
  t0 = cpu_time ();
  for (i = 0; i < n_bare_frames; i++)
    if (gst_pad_push (b.src, gst_buffer_new ()) != GST_FLOW_OK)
      return FALSE;
  counter_wait (&b.counter, n_bare_frames);
  out->v[out->n++] = (gdouble) (cpu_time () - t0) / n_bare_frames;
  return TRUE;
}

/* videotestsrc to fakesink, with or without framebatch, in ns per frame
 * from PLAYING to EOS. */
static gboolean
measure_pipeline (gboolean ours, Samples * out)
{
  gchar *desc = g_strdup_printf (SOURCE "%s fakesink sync=false", n_frames,
      ours ? "framebatch batch-size=8 !" : "");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstClockTime t0, t1;
  gboolean ok;

  g_free (desc);
  if (!pipeline)
    return FALSE;
  t0 = cpu_time ();
  ok = bench_play_to_eos (pipeline);
  t1 = cpu_time ();
  out->v[out->n++] = (gdouble) (t1 - t0) / n_frames;
  return ok;
}

static gboolean
measure (BenchCase c, Samples * out)
{
  switch (c) {
    case CASE_LATENCY_LIVE:
    case CASE_LATENCY_NONLIVE:
      return measure_latency (c == CASE_LATENCY_LIVE, out);
    case CASE_PIPELINE_OURS:
    case CASE_PIPELINE_STOCK:
      return measure_pipeline (c == CASE_PIPELINE_OURS, out);
    default:
      return measure_bare (c == CASE_BARE_OURS, out);
  }
}

/* forked runs */

static gboolean
measure_child (BenchChild * child, guint index, gpointer data)
{
  const BenchCase *cases = data;
  Samples *out = g_new0 (Samples, 1);

  if (!measure (cases[index], out))
    return FALSE;
  bench_child_send (child, out->v, out->n);
  return TRUE;
}

static void
add_samples (guint index, BenchStatus status, const gdouble * v, guint n,
    gpointer data)
{
  Figure *f = &((Figure *) data)[index];
  guint i;

  f->status = status;
  for (i = 0; status == BENCH_OK && i < n; i++)
    if (f->s.n < MAX_SAMPLES)
      f->s.v[f->s.n++] = v[i];
}

/* Runs each case of @cases @runs times, taking turns, and adds what a
 * run measured to its figure; a case that hung is not run again. */
static void
run_cases (const BenchCase * cases, Figure * figures, guint n_cases, guint runs)
{
  BenchFork f = { measure_child, (gpointer) cases, timeout_s, MAX_SAMPLES };

  bench_interleave (&f, n_cases, runs, add_samples, figures);
}

/* output */

static void
print_line (const gchar * figure, Figure * ours, Figure * stock, gdouble p,
    const gchar * unit)
{
  BenchValue o = bench_samples_value (ours->s.v, ours->s.n, ours->status, p);
  BenchValue s = { BENCH_NONE, 0 };

  if (stock)
    s = bench_samples_value (stock->s.v, stock->s.n, stock->status, p);
  bench_print (figure, &o, &s, unit, "%.3f");
}

static gboolean
parse_options (int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"runs", 0, 0, G_OPTION_ARG_INT, &n_runs,
        "Runs of each latency case (default 7)", "N"},
    {"throughput-runs", 0, 0, G_OPTION_ARG_INT, &n_throughput_runs,
        "Runs of each throughput case (default 21)", "N"},
    {"batches", 0, 0, G_OPTION_ARG_INT, &n_batches,
        "Timed-out batches per latency run (default 250)", "N"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &n_frames,
        "Frames per pipeline run (default 3000)", "N"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds one run may take (default 60)", "S"},
    {NULL}
  };

  if (!bench_parse_options ("bench-framebatch", "- framebatch benchmark",
          entries, NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_throughput_runs < 1 ||
      n_throughput_runs > MAX_RUNS || n_batches < 1 ||
      n_batches > MAX_SAMPLES / n_runs || n_frames < 1 || timeout_s < 1) {
    g_printerr ("bench-framebatch: --runs 1..%d, --batches 1..%d / runs, "
        "--frames and --timeout at least 1\n", MAX_RUNS, MAX_SAMPLES);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  static const BenchCase latency[] = { CASE_LATENCY_LIVE,
    CASE_LATENCY_NONLIVE
  };
  static const BenchCase throughput[] = { CASE_PIPELINE_OURS,
    CASE_PIPELINE_STOCK, CASE_BARE_OURS, CASE_BARE_STOCK
  };
  Figure *lat = g_new0 (Figure, G_N_ELEMENTS (latency));
  Figure *thr = g_new0 (Figure, G_N_ELEMENTS (throughput));

  if (!parse_options (&argc, &argv))
    return 2;

  run_cases (latency, lat, G_N_ELEMENTS (latency), n_runs);
  run_cases (throughput, thr, G_N_ELEMENTS (throughput), n_throughput_runs);

  print_line ("framebatch-timeout-latency-p50", &lat[0], NULL, 0.5, "ms");
  print_line ("framebatch-timeout-latency-p99", &lat[0], NULL, 0.99, "ms");
  print_line ("framebatch-timeout-latency-nonlive-p50", &lat[1], NULL, 0.5,
      "ms");
  print_line ("framebatch-timeout-latency-nonlive-p99", &lat[1], NULL, 0.99,
      "ms");
  print_line ("framebatch-throughput-overhead", &thr[0], &thr[1], 0.5,
      "ns/frame");
  print_line ("framebatch-bare-push", &thr[2], &thr[3], 0.5, "ns/frame");
  g_free (lat);
  g_free (thr);
  return 0;
}
