/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-watermarkqueue: a fast producer (fakesrc, 1 KiB buffers) feeding a
 * busy consumer (a probe on fakesink's pad that spins --busy-us
 * microseconds per buffer) through `watermarkqueue` (ours: pause at 200
 * buffers, resume at 100), through `queue` (stock: max 200 buffers) and
 * directly (one thread), side by side in one run.
 *
 * With a queue the producer fills it and then waits for room. A full
 * `queue` wakes its producer on every buffer its consumer takes; ours wakes
 * it once per 100. Each run plays one pipeline to EOS in a forked child
 * (killed after --timeout seconds, so a hang is reported, not fatal) and
 * measures, from PLAYING to EOS:
 * - microseconds per buffer (wall time);
 * - voluntary + involuntary context switches of the whole process
 *   (getrusage (RUSAGE_SELF) covers all its threads) per buffer;
 * - the child's peak resident set size (ru_maxrss).
 * The three pipelines take turns run by run (after one warm-up round) and
 * each figure is the median of the runs:
 *
 *   bench: <figure> ours=<value> stock=<value> unit=<unit> ratio=<o/s>
 *
 * "stock" is `queue`, except in the -vs-direct figures where it is the
 * direct pipeline; csw-added-per-buffer is the context switches a queue
 * adds over the direct pipeline (median of the per-round differences).
 * The parent never initialises GStreamer, so each child starts from the
 * same small process and its peak RSS is its own. Every child loads the
 * sharedpoolelements plugin, so that the RSS figure compares what the
 * queues hold, not the ~0.8 MiB of libraries the plugin links.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include <gst/gst.h>

#include "benchutil.h"

#define DEFAULT_RUNS     9
#define DEFAULT_BUFFERS  20000
#define DEFAULT_BUSY_US  10
#define DEFAULT_TIMEOUT  30
#define MAX_RUNS         51
#define BUFFER_SIZE      1024

enum
{
  IMPL_OURS,
  IMPL_STOCK,
  IMPL_DIRECT,
  N_IMPLS
};

/* *INDENT-OFF* */
static const gchar *middles[N_IMPLS] = {
  "watermarkqueue resume-buffers=100 pause-buffers=200 pause-bytes=0 "
      "pause-time=0 ! ",
  "queue max-size-buffers=200 max-size-bytes=0 max-size-time=0 ! ",
  "",
};
/* *INDENT-ON* */

enum
{
  M_US,                         /* microseconds per buffer */
  M_CSW,                        /* context switches per buffer */
  M_RSS,                        /* peak RSS, KiB */
  N_MEASURES
};

/* Every run's measures, per implementation; n[impl] runs succeeded. */
typedef struct
{
  gdouble v[N_IMPLS][N_MEASURES][MAX_RUNS];
  guint n[N_IMPLS];
  BenchStatus failure[N_IMPLS]; /* why the last failed run failed */
} Samples;

static guint n_runs = DEFAULT_RUNS;
static guint n_buffers = DEFAULT_BUFFERS;
static guint busy_us = DEFAULT_BUSY_US;
static guint timeout_s = DEFAULT_TIMEOUT;

/* The consumer's work: spin, so that it is busy without sleeping. */
static GstPadProbeReturn
busy_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  gint64 end = g_get_monotonic_time () + busy_us;

  while (g_get_monotonic_time () < end);
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_pipeline (guint impl)
{
  gchar *desc = g_strdup_printf ("fakesrc num-buffers=%u sizetype=fixed "
      "sizemax=%u filltype=nothing ! %sfakesink name=sink sync=false",
      n_buffers, BUFFER_SIZE, middles[impl]);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink;
  GstPad *pad;

  g_free (desc);
  if (!pipeline)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, busy_probe, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return pipeline;
}

/* In the child: plays the pipeline of @impl and sends its measures (by
 * M_*). Every child loads the plugin: see the top of the file. */
static gboolean
measure_child (BenchChild * child, guint impl, gpointer data)
{
  GstPlugin *plugin = gst_plugin_load_by_name ("sharedpoolelements");
  gdouble m[N_MEASURES];
  BenchUsage u;

  if (!plugin)
    return FALSE;
  gst_object_unref (plugin);
  if (!bench_run_pipeline (make_pipeline (impl), &u))
    return FALSE;
  m[M_US] = u.secs * G_USEC_PER_SEC / n_buffers;
  m[M_CSW] = (u.vcsw + u.icsw) / n_buffers;
  m[M_RSS] = u.maxrss;
  bench_child_send (child, m, N_MEASURES);
  return TRUE;
}

static void
add_run (Samples * s, guint impl, BenchStatus status, const gdouble * res)
{
  guint m;

  if (status != BENCH_OK) {
    s->failure[impl] = status;
    fprintf (stderr, "bench-watermarkqueue: %s run %s\n",
        middles[impl][0] ? middles[impl] : "direct",
        status == BENCH_TIMEOUT ? "timed out" : "failed");
    return;
  }
  for (m = 0; m < N_MEASURES; m++)
    s->v[impl][m][s->n[impl]] = res[m];
  s->n[impl]++;
}

/* One warm-up round (not kept), then @n_runs rounds; the order of the
 * pipelines rotates from round to round. */
static void
measure (Samples * s)
{
  BenchFork f = { measure_child, NULL, timeout_s, N_MEASURES };
  gdouble res[N_MEASURES];
  guint r, i, n;

  for (r = 0; r <= n_runs; r++) {
    for (i = 0; i < N_IMPLS; i++) {
      guint impl = (r + i) % N_IMPLS;
      BenchStatus status = bench_fork (&f, impl, res, &n);

      if (r > 0)
        add_run (s, impl, status, res);
    }
  }
}

/* The median, the mean of the two middle values of an even count. */
static gdouble
median (gdouble * v, guint n)
{
  bench_sort (v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of @impl's measure @m, or why there is none. */
static BenchValue
measure_value (Samples * s, guint impl, guint m)
{
  BenchValue val = { BENCH_OK, 0 };

  if (s->n[impl] == 0)
    val.status = s->failure[impl] == BENCH_TIMEOUT ? BENCH_TIMEOUT :
        BENCH_FAILED;
  else
    val.v = median (s->v[impl][m], s->n[impl]);
  return val;
}

/* Measure @m of @impl against measure @m of @other. */
static void
print_figure (const gchar * figure, Samples * s, guint m, guint other,
    const gchar * unit)
{
  BenchValue ours = measure_value (s, IMPL_OURS, m);
  BenchValue stock = measure_value (s, other, m);

  bench_print (figure, &ours, &stock, unit, "%.4g");
}

/* Median over the rounds of @impl's context switches minus the direct
 * pipeline's in the same round. */
static BenchValue
added_value (Samples * s, guint impl)
{
  BenchValue val = { BENCH_FAILED, 0 };
  gdouble d[MAX_RUNS];
  guint i, n = MIN (s->n[impl], s->n[IMPL_DIRECT]);

  if (n == 0)
    return val;
  for (i = 0; i < n; i++)
    d[i] = s->v[impl][M_CSW][i] - s->v[IMPL_DIRECT][M_CSW][i];
  val.status = BENCH_OK;
  val.v = median (d, n);
  return val;
}

static void
print_added (Samples * s)
{
  BenchValue ours = added_value (s, IMPL_OURS);
  BenchValue stock = added_value (s, IMPL_STOCK);

  bench_print ("watermarkqueue-csw-added-per-buffer", &ours, &stock,
      "csw/buffer", "%.4g");
}

static void
print_figures (Samples * s)
{
  printf ("# bench-watermarkqueue: %u buffers of %u bytes, consumer busy "
      "%u us per buffer, %u runs; stock = queue, or the direct pipeline "
      "in -vs-direct figures\n", n_buffers, BUFFER_SIZE, busy_us, n_runs);
  /* the added figure first: the per-round differences need the samples
   * in run order, and median() sorts them */
  print_added (s);
  print_figure ("watermarkqueue-csw-per-buffer", s, M_CSW, IMPL_STOCK,
      "csw/buffer");
  print_figure ("watermarkqueue-csw-per-buffer-vs-direct", s, M_CSW,
      IMPL_DIRECT, "csw/buffer");
  print_figure ("watermarkqueue-us-per-buffer", s, M_US, IMPL_STOCK,
      "us/buffer");
  print_figure ("watermarkqueue-us-per-buffer-vs-direct", s, M_US,
      IMPL_DIRECT, "us/buffer");
  print_figure ("watermarkqueue-peak-rss", s, M_RSS, IMPL_STOCK, "KiB");
}

static gboolean
parse_options (int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Runs per pipeline", "N"},
    {"buffers", 0, 0, G_OPTION_ARG_INT, &n_buffers, "Buffers per run", "N"},
    {"busy-us", 0, 0, G_OPTION_ARG_INT, &busy_us,
        "Consumer work per buffer (microseconds)", "US"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds before a run counts as hung", "S"},
    {NULL}
  };

  if (!bench_parse_options ("bench-watermarkqueue", "[BUILDDIR]", entries,
          NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_buffers < 1) {
    fprintf (stderr, "bench-watermarkqueue: --runs must be 1 to %u, "
        "--buffers at least 1\n", MAX_RUNS);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Samples *s;

  if (!parse_options (&argc, &argv))
    return 2;
  s = g_new0 (Samples, 1);
  measure (s);
  print_figures (s);
  g_free (s);
  return 0;
}
