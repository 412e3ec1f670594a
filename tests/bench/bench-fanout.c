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
 * And a hoarding branch ("fanout-hoard"): a live producer (appsrc fed at
 * 30 fps from a GstBufferPool of max-buffers 8, a frame lost when the
 * pool is dry, as a capture source loses it) into 2 fast branches and one
 * stuck for 2 s on its first frame, all with 3 s queues: the share of the
 * produced frames the healthy branches got over --hoard-seconds, through
 * fanout with src_2::copy-threshold=2 against tee + queues, and the copies
 * fanout made; and the same through fanout without a threshold, where
 * only the pool-exhausted rule (copy-when-exhausted) copies.
 *
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
#define DEFAULT_HOARD_SECONDS 10
#define DEFAULT_HOARD_RUNS 3
#define HOARD_POOL_MAX  8
#define HOARD_STUCK     (2 * G_USEC_PER_SEC)
#define HOARD_FPS       30
#define HOARD_CAPS      "video/x-raw,format=I420,width=320,height=240," \
    "framerate=30/1"
#define HOARD_SIZE      (320 * 240 * 3 / 2)

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
static guint hoard_seconds = DEFAULT_HOARD_SECONDS;
static guint hoard_runs = DEFAULT_HOARD_RUNS;

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

/* the hoarding branch */

enum
{
  HOARD_OURS,
  HOARD_STOCK,
  HOARD_EXHAUSTED,
  N_HOARD_CASES
};

enum
{
  HOARD_DELIVERED,
  HOARD_COPIES,
  N_HOARD_FIGURES
};

/* fanout with @props on the stuck branch's pad */
#define HOARD_FANOUT(props) "appsrc name=src is-live=true " \
      "format=time caps=" HOARD_CAPS " ! fanout name=f " props \
      " src_2::pause-time=3000000000 " \
      "f. ! fakesink name=s0 sync=false signal-handoffs=true " \
      "f. ! fakesink name=s1 sync=false signal-handoffs=true " \
      "f. ! fakesink name=stuck sync=false signal-handoffs=true"

static const gchar *const hoard_pipelines[N_HOARD_CASES] = {
  [HOARD_OURS] = HOARD_FANOUT ("src_2::copy-threshold=2"),
  /* no threshold: only the pool-exhausted rule (copy-when-exhausted) */
  [HOARD_EXHAUSTED] = HOARD_FANOUT (""),
  [HOARD_STOCK] = "appsrc name=src is-live=true "
      "format=time caps=" HOARD_CAPS " ! tee name=f "
      "f. ! queue ! fakesink name=s0 sync=false signal-handoffs=true "
      "f. ! queue ! fakesink name=s1 sync=false signal-handoffs=true "
      "f. ! queue max-size-time=3000000000 ! "
      "fakesink name=stuck sync=false signal-handoffs=true",
};

static void
on_stuck_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad,
    gpointer data)
{
  gint *first = data;

  /* the stuck consumer: the first frame takes 2 s */
  if (g_atomic_int_compare_and_exchange (first, 1, 0))
    g_usleep (HOARD_STUCK);
}

static void
on_healthy_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad,
    gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
connect_handoff (GstElement * pipeline, const gchar * name, GCallback cb,
    gint * data)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_signal_connect (sink, "handoff", cb, data);
  gst_object_unref (sink);
}

static GstBufferPool *
hoard_pool (void)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, HOARD_SIZE, 0,
      HOARD_POOL_MAX);
  gst_buffer_pool_set_config (pool, config);
  gst_buffer_pool_set_active (pool, TRUE);
  return pool;
}

/* The live producer: a frame every 1/30 s from @pool, lost when the pool
 * is dry. */
static void
hoard_produce (GstElement * src, GstBufferPool * pool, guint frames)
{
  GstBufferPoolAcquireParams params = { 0, };
  gint64 start = g_get_monotonic_time ();
  GstFlowReturn ret;
  GstBuffer *buf;
  guint i;

  params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  for (i = 0; i < frames; i++) {
    gint64 due = start + (gint64) i * G_USEC_PER_SEC / HOARD_FPS;
    gint64 now = g_get_monotonic_time ();

    if (due > now)
      g_usleep (due - now);
    buf = NULL;
    if (gst_buffer_pool_acquire_buffer (pool, &buf, &params) != GST_FLOW_OK)
      continue;
    /* stamped here: do-timestamp would copy the buffer (it is shared
     * while pushed by signal), and the copy would not be the pool's */
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i, GST_SECOND, HOARD_FPS);
    GST_BUFFER_DURATION (buf) = GST_SECOND / HOARD_FPS;
    g_signal_emit_by_name (src, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
  }
  g_signal_emit_by_name (src, "end-of-stream", &ret);
}

static guint64
fanout_copies (GstElement * pipeline)
{
  GstElement *f = gst_bin_get_by_name (GST_BIN (pipeline), "f");
  GstStructure *stats = NULL;
  guint64 copies = 0;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (f), "stats"))
    g_object_get (f, "stats", &stats, NULL);
  if (stats)
    gst_structure_get_uint64 (stats, "copies", &copies);
  g_clear_pointer (&stats, gst_structure_free);
  gst_object_unref (f);
  return copies;
}

/* In the child: runs @hoard_case and sends the share of the produced
 * frames each healthy branch got (the lower one) and the copies. */
static gboolean
measure_hoard_child (BenchChild * child, guint hoard_case, gpointer data)
{
  GstElement *p = gst_parse_launch (hoard_pipelines[hoard_case], NULL);
  GstBufferPool *pool = hoard_pool ();
  guint frames = hoard_seconds * HOARD_FPS;
  gint got[2] = { 0, 0 }, first = 1;
  gdouble v[N_HOARD_FIGURES];
  GstElement *src;
  GstMessage *msg;
  gboolean ok;

  if (p == NULL)
    return FALSE;
  connect_handoff (p, "s0", G_CALLBACK (on_healthy_handoff), &got[0]);
  connect_handoff (p, "s1", G_CALLBACK (on_healthy_handoff), &got[1]);
  connect_handoff (p, "stuck", G_CALLBACK (on_stuck_handoff), &first);
  src = gst_bin_get_by_name (GST_BIN (p), "src");
  gst_element_set_state (p, GST_STATE_PLAYING);
  hoard_produce (src, pool, frames);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), 30 * GST_SECOND,
      GST_MESSAGE_EOS);
  ok = msg != NULL;
  g_clear_pointer (&msg, gst_message_unref);
  v[HOARD_DELIVERED] = (gdouble) MIN (g_atomic_int_get (&got[0]),
      g_atomic_int_get (&got[1])) / frames;
  v[HOARD_COPIES] = fanout_copies (p);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (p);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  if (ok)
    bench_child_send (child, v, N_HOARD_FIGURES);
  return ok;
}

typedef struct
{
  gdouble v[N_HOARD_FIGURES][N_HOARD_CASES][MAX_RUNS];
  guint n[N_HOARD_CASES];
  BenchStatus status[N_HOARD_CASES];
} HoardSamples;

static void
add_hoard_run (guint hoard_case, BenchStatus status, const gdouble * v,
    guint n, gpointer data)
{
  HoardSamples *s = data;
  guint f;

  s->status[hoard_case] = status;
  if (status != BENCH_OK)
    return;
  for (f = 0; f < N_HOARD_FIGURES; f++)
    s->v[f][hoard_case][s->n[hoard_case]] = v[f];
  s->n[hoard_case]++;
}

static void
measure_hoard (void)
{
  BenchFork f = { measure_hoard_child, NULL, timeout_s + hoard_seconds,
    N_HOARD_FIGURES
  };
  HoardSamples s;
  BenchValue ours, stock, none = { BENCH_NONE, 0 };

  memset (&s, 0, sizeof (s));
  bench_interleave (&f, N_HOARD_CASES, hoard_runs, add_hoard_run, &s);
  ours = bench_samples_value (s.v[HOARD_DELIVERED][HOARD_OURS],
      s.n[HOARD_OURS], s.status[HOARD_OURS], 0.5);
  stock = bench_samples_value (s.v[HOARD_DELIVERED][HOARD_STOCK],
      s.n[HOARD_STOCK], s.status[HOARD_STOCK], 0.5);
  bench_print ("fanout-hoard-delivered", &ours, &stock, "of-produced", "%.3f");
  ours = bench_samples_value (s.v[HOARD_COPIES][HOARD_OURS],
      s.n[HOARD_OURS], s.status[HOARD_OURS], 0.5);
  bench_print ("fanout-hoard-copies", &ours, &none, "buffers", "%.0f");
  ours = bench_samples_value (s.v[HOARD_DELIVERED][HOARD_EXHAUSTED],
      s.n[HOARD_EXHAUSTED], s.status[HOARD_EXHAUSTED], 0.5);
  bench_print ("fanout-hoard-exhausted-delivered", &ours, &stock,
      "of-produced", "%.3f");
  ours = bench_samples_value (s.v[HOARD_COPIES][HOARD_EXHAUSTED],
      s.n[HOARD_EXHAUSTED], s.status[HOARD_EXHAUSTED], 0.5);
  bench_print ("fanout-hoard-exhausted-copies", &ours, &none, "buffers",
      "%.0f");
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
    {"hoard-seconds", 0, 0, G_OPTION_ARG_INT, &hoard_seconds,
        "Seconds of the hoarding branch run (default 10)", "S"},
    {"hoard-runs", 0, 0, G_OPTION_ARG_INT, &hoard_runs,
        "Runs of the hoarding branch pipelines (default 3)", "N"},
    {NULL}
  };

  if (!bench_parse_options ("bench-fanout", "- fanout benchmark", entries,
          NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_frames < 1 || n_live_frames < 1
      || timeout_s < 1 || batch < 1 || hoard_seconds < 3 || hoard_runs < 1
      || hoard_runs > MAX_RUNS) {
    g_printerr ("bench-fanout: --runs and --hoard-runs must be 1..%d, "
        "--frames, --live-frames, --timeout and --batch at least 1, "
        "--hoard-seconds at least 3\n", MAX_RUNS);
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
  measure_hoard ();
  return 0;
}
