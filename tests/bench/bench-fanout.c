/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-fanout: one 1080p I420 videotestsrc feeding four fakesinks, through
 * `fanout` (ours, with its defaults and with batch-buffers=4 on each src
 * pad) and through `tee` + four `queue`s (stock), side by side in one run.
 *
 * Each run plays one pipeline to EOS in a forked child (killed after
 * --timeout seconds, so a hang is reported, not fatal) and reports:
 * - frames per second over the streaming part (PLAYING to EOS);
 * - voluntary + involuntary context switches of the whole process
 *   (getrusage (RUSAGE_SELF) covers all its threads) over the same span,
 *   per frame;
 * - the child's peak resident set size (ru_maxrss).
 * The pipelines take turns run by run and each figure is the median of
 * the runs, printed as
 *
 *   bench: <figure> ours=<value> stock=<value> unit=<unit> ratio=<o/s>
 *
 * The parent never initialises GStreamer, so each child starts from the
 * same small process and its peak RSS is its own.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/gst.h>

#include "benchutil.h"

#define DEFAULT_RUNS    7
#define DEFAULT_FRAMES  600
#define DEFAULT_TIMEOUT 30
#define N_CONSUMERS     4
#define DEFAULT_BATCH   4
#define MAX_RUNS        51

#define SOURCE "videotestsrc num-buffers=%u pattern=black ! " \
    "video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! "

enum
{
  IMPL_OURS,
  IMPL_BATCH,
  IMPL_STOCK,
  N_IMPLS
};

enum
{
  FIG_FPS,
  FIG_CSW,
  FIG_VCSW,
  FIG_RSS,
  N_FIGURES
};

/* *INDENT-OFF* */
static const struct
{
  const gchar *suffix;
  const gchar *unit;
} figures[N_FIGURES] = {
  [FIG_FPS] = {"fps", "fps"},
  [FIG_CSW] = {"csw-per-frame", "csw/frame"},
  [FIG_VCSW] = {"voluntary-csw-per-frame", "csw/frame"},
  [FIG_RSS] = {"peak-rss", "KiB"},
};
/* *INDENT-ON* */

/* Every run's figures, per pipeline; n[impl] runs succeeded. */
typedef struct
{
  gdouble v[N_IMPLS][MAX_RUNS];
  guint n[N_IMPLS];
  BenchStatus status[N_IMPLS];  /* of the last run */
} Samples;

static guint n_runs = DEFAULT_RUNS;
static guint n_frames = DEFAULT_FRAMES;
static guint timeout_s = DEFAULT_TIMEOUT;
static guint batch = DEFAULT_BATCH;

static gchar *
pipeline_description (guint impl)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, SOURCE, n_frames);
  g_string_append (s, impl == IMPL_STOCK ? "tee name=f" : "fanout name=f");
  for (i = 0; impl == IMPL_BATCH && i < N_CONSUMERS; i++)
    g_string_append_printf (s, " src_%u::batch-buffers=%u", i, batch);
  for (i = 0; i < N_CONSUMERS; i++)
    g_string_append (s, impl == IMPL_STOCK ?
        " f. ! queue ! fakesink sync=false" : " f. ! fakesink sync=false");
  return g_string_free (s, FALSE);
}

/* In the child: plays the pipeline of @impl and sends its figures (by
 * FIG_*). */
static gboolean
measure_child (BenchChild * child, guint impl, gpointer data)
{
  gchar *desc = pipeline_description (impl);
  gdouble v[N_FIGURES];
  BenchUsage u;
  gboolean ok = bench_run_pipeline (gst_parse_launch (desc, NULL), &u);

  g_free (desc);
  if (!ok)
    return FALSE;
  v[FIG_FPS] = n_frames / u.secs;
  v[FIG_CSW] = (u.vcsw + u.icsw) / n_frames;
  v[FIG_VCSW] = u.vcsw / n_frames;
  v[FIG_RSS] = u.maxrss;
  bench_child_send (child, v, N_FIGURES);
  return TRUE;
}

static BenchValue
median (Samples * s, guint impl)
{
  return bench_samples_value (s->v[impl], s->n[impl], s->status[impl], 0.5);
}

/* One line: @impl against the stock pipeline. */
static void
print_figure (const gchar * figure, Samples * s, guint impl, const gchar * unit)
{
  BenchValue ours = median (s, impl), stock = median (s, IMPL_STOCK);

  bench_print (figure, &ours, &stock, unit, "%.2f");
}

/* The figures of @impl against the stock pipeline. */
static void
print_figures (const gchar * prefix, guint impl, Samples * samples)
{
  guint f;

  for (f = 0; f < N_FIGURES; f++) {
    gchar *name = g_strdup_printf ("%s-%s", prefix, figures[f].suffix);

    print_figure (name, &samples[f], impl, figures[f].unit);
    g_free (name);
  }
}

/* In the parent: a run's figures go to their samples. */
static void
add_run (guint impl, BenchStatus status, const gdouble * v, guint n,
    gpointer data)
{
  Samples *samples = data;
  guint f;

  for (f = 0; f < N_FIGURES; f++) {
    Samples *s = &samples[f];

    s->status[impl] = status;
    if (status == BENCH_OK)
      s->v[impl][s->n[impl]++] = v[f];
  }
}

/* The pipelines take turns, run by run; a pipeline that hung is not run
 * again. */
static void
measure (Samples * samples)
{
  BenchFork f = { measure_child, NULL, timeout_s, N_FIGURES };

  bench_interleave (&f, N_IMPLS, n_runs, add_run, samples);
}

static gboolean
parse_options (int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"runs", 0, 0, G_OPTION_ARG_INT, &n_runs,
        "Runs of each pipeline, the median is printed (default 7)", "N"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &n_frames,
        "Frames per run (default 600)", "N"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds one run may take (default 30)", "S"},
    {"batch", 0, 0, G_OPTION_ARG_INT, &batch,
        "batch-buffers of the batched fanout (default 4)", "N"},
    {NULL}
  };

  if (!bench_parse_options ("bench-fanout", "- fanout benchmark", entries,
          NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_frames < 1 || timeout_s < 1
      || batch < 1) {
    g_printerr ("bench-fanout: --runs must be 1..%d, --frames, --timeout "
        "and --batch at least 1\n", MAX_RUNS);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Samples samples[N_FIGURES];
  gchar *prefix;

  if (!parse_options (&argc, &argv))
    return 2;

  memset (samples, 0, sizeof (samples));
  measure (samples);
  print_figures ("fanout", IMPL_OURS, samples);
  prefix = g_strdup_printf ("fanout-batch%u", batch);
  print_figures (prefix, IMPL_BATCH, samples);
  g_free (prefix);
  return 0;
}
