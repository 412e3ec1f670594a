/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-fanout: one videotestsrc feeding N fakesinks through `fanout`
 * (ours: a thread per branch, threads=0; the same with batch-buffers=4 on
 * each src pad; shared workers, threads=-1, one per core) and through
 * `tee` + N `queue`s (stock), side by side in one run, in three scenarios:
 * - "fanout": 4 branches, 1080p I420, as fast as it goes;
 * - "fanout16-live", "fanout64-live": 16 and 64 branches, 640x480 I420
 *   from a live source at 30 fps, fast consumers (sync=false).
 *
 * Each run plays one pipeline to EOS in a forked child (killed after
 * --timeout seconds, so a hang is reported, not fatal) and reports:
 * - frames per second over the streaming part (PLAYING to EOS);
 * - voluntary + involuntary context switches of the whole process
 *   (getrusage (RUSAGE_SELF) covers all its threads) over the same span,
 *   per frame, and the voluntary ones alone;
 * - the child's peak resident set size (ru_maxrss);
 * - user + system CPU time per frame;
 * - the threads of the process at EOS.
 * The pipelines of a scenario take turns run by run and each figure is
 * the median of the runs, printed as
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
#define DEFAULT_LIVE_FRAMES 60
#define DEFAULT_TIMEOUT 30
#define DEFAULT_BATCH   4
#define MAX_RUNS        51

typedef struct
{
  const gchar *prefix;
  guint branches;
  gboolean live;
} Scenario;

static const Scenario scenarios[] = {
  {"fanout", 4, FALSE},
  {"fanout16-live", 16, TRUE},
  {"fanout64-live", 64, TRUE},
};

#define N_SCENARIOS G_N_ELEMENTS (scenarios)

enum
{
  IMPL_OURS,
  IMPL_BATCH,
  IMPL_SHARED,
  IMPL_STOCK,
  N_IMPLS
};


enum
{
  FIG_FPS,
  FIG_CSW,
  FIG_VCSW,
  FIG_RSS,
  FIG_CPU,
  FIG_THREADS,
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
  [FIG_CPU] = {"cpu-per-frame", "ms/frame"},
  [FIG_THREADS] = {"threads", "threads"},
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
static guint n_live_frames = DEFAULT_LIVE_FRAMES;
static guint timeout_s = DEFAULT_TIMEOUT;
static guint batch = DEFAULT_BATCH;

static guint
scenario_frames (const Scenario * sc)
{
  return sc->live ? n_live_frames : n_frames;
}

static gchar *
pipeline_description (const Scenario * sc, guint impl)
{
  GString *s = g_string_new (NULL);
  guint i;

  if (sc->live)
    g_string_append_printf (s, "videotestsrc is-live=true num-buffers=%u "
        "pattern=black ! video/x-raw,format=I420,width=640,height=480,"
        "framerate=30/1 ! ", scenario_frames (sc));
  else
    g_string_append_printf (s, "videotestsrc num-buffers=%u pattern=black "
        "! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! ",
        scenario_frames (sc));
  if (impl == IMPL_STOCK)
    g_string_append (s, "tee name=f");
  else
    g_string_append_printf (s, "fanout name=f threads=%d",
        impl == IMPL_SHARED ? -1 : 0);
  for (i = 0; impl == IMPL_BATCH && i < sc->branches; i++)
    g_string_append_printf (s, " src_%u::batch-buffers=%u", i, batch);
  for (i = 0; i < sc->branches; i++)
    g_string_append (s, impl == IMPL_STOCK ?
        " f. ! queue ! fakesink sync=false" : " f. ! fakesink sync=false");
  return g_string_free (s, FALSE);
}

/* In the child: plays the pipeline of @impl in the scenario @data and
 * sends its figures (by FIG_*). */
static gboolean
measure_child (BenchChild * child, guint impl, gpointer data)
{
  const Scenario *sc = data;
  gchar *desc = pipeline_description (sc, impl);
  guint frames = scenario_frames (sc);
  gdouble v[N_FIGURES];
  BenchUsage u;
  gboolean ok = bench_run_pipeline (gst_parse_launch (desc, NULL), &u);

  g_free (desc);
  if (!ok)
    return FALSE;
  v[FIG_FPS] = frames / u.secs;
  v[FIG_CSW] = (u.vcsw + u.icsw) / frames;
  v[FIG_VCSW] = u.vcsw / frames;
  v[FIG_RSS] = u.maxrss;
  v[FIG_CPU] = u.cpu * 1000 / frames;
  v[FIG_THREADS] = u.threads;
  bench_child_send (child, v, N_FIGURES);
  return TRUE;
}

static BenchValue
median (Samples * s, guint impl)
{
  return bench_samples_value (s->v[impl], s->n[impl], s->status[impl], 0.5);
}

/* The figures of @impl against the stock pipeline. */
static void
print_figures (const Scenario * sc, guint impl, Samples * samples)
{
  BenchValue ours, stock;
  gchar *infix = impl == IMPL_BATCH ? g_strdup_printf ("-batch%u", batch) :
      g_strdup (impl == IMPL_SHARED ? "-shared" : "");
  guint f;

  for (f = 0; f < N_FIGURES; f++) {
    gchar *name = g_strdup_printf ("%s%s-%s", sc->prefix, infix,
        figures[f].suffix);

    ours = median (&samples[f], impl);
    stock = median (&samples[f], IMPL_STOCK);
    bench_print (name, &ours, &stock, figures[f].unit, "%.2f");
    g_free (name);
  }
  g_free (infix);
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

/* The pipelines of @sc take turns, run by run; a pipeline that hung is
 * not run again. */
static void
measure (const Scenario * sc, Samples * samples)
{
  BenchFork f = { measure_child, (gpointer) sc, timeout_s, N_FIGURES };

  memset (samples, 0, sizeof (Samples) * N_FIGURES);
  bench_interleave (&f, N_IMPLS, n_runs, add_run, samples);
}

static gboolean
parse_options (int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"runs", 0, 0, G_OPTION_ARG_INT, &n_runs,
        "Runs of each pipeline, the median is printed (default 7)", "N"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &n_frames,
        "Frames per run, 1080p scenario (default 600)", "N"},
    {"live-frames", 0, 0, G_OPTION_ARG_INT, &n_live_frames,
        "Frames per run, live scenarios at 30 fps (default 60)", "N"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds one run may take (default 30)", "S"},
    {"batch", 0, 0, G_OPTION_ARG_INT, &batch,
        "batch-buffers of the batched fanout (default 4)", "N"},
    {NULL}
  };

  if (!bench_parse_options ("bench-fanout", "- fanout benchmark", entries,
          NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_frames < 1 || n_live_frames < 1
      || timeout_s < 1 || batch < 1) {
    g_printerr ("bench-fanout: --runs must be 1..%d, --frames, "
        "--live-frames, --timeout and --batch at least 1\n", MAX_RUNS);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Samples samples[N_FIGURES];
  guint i, impl;

  if (!parse_options (&argc, &argv))
    return 2;

  for (i = 0; i < N_SCENARIOS; i++) {
    measure (&scenarios[i], samples);
    for (impl = 0; impl < IMPL_STOCK; impl++)
      print_figures (&scenarios[i], impl, samples);
  }
  return 0;
}
