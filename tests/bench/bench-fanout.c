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

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gst/gst.h>

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

/* What one run measured (by FIG_*); written by the child, read by the
 * parent. */
typedef struct
{
  gdouble v[N_FIGURES];
} RunResult;

typedef enum
{
  RUN_OK,
  RUN_TIMEOUT,
  RUN_FAILED,
} RunStatus;

typedef struct
{
  gdouble v[N_IMPLS][MAX_RUNS];
  guint n[N_IMPLS];
  RunStatus status[N_IMPLS];
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

static gdouble
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gboolean
play_to_eos (GstElement * pipeline)
{
  GstMessage *msg;
  gboolean ok;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    return FALSE;
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_message_unref (msg);
  return ok;
}

/* In the child: plays one pipeline and fills @res. */
static gboolean
run_pipeline (guint impl, RunResult * res)
{
  gchar *desc = pipeline_description (impl);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  struct rusage before, after;
  gdouble start, secs;
  glong vcsw, icsw;
  gboolean ok;

  g_free (desc);
  if (pipeline == NULL)
    return FALSE;

  getrusage (RUSAGE_SELF, &before);
  start = now_s ();
  ok = play_to_eos (pipeline);
  secs = now_s () - start;
  getrusage (RUSAGE_SELF, &after);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  vcsw = after.ru_nvcsw - before.ru_nvcsw;
  icsw = after.ru_nivcsw - before.ru_nivcsw;
  res->v[FIG_FPS] = n_frames / secs;
  res->v[FIG_CSW] = (gdouble) (vcsw + icsw) / n_frames;
  res->v[FIG_VCSW] = (gdouble) vcsw / n_frames;
  res->v[FIG_RSS] = after.ru_maxrss;
  return ok;
}

/* Waits up to timeout_s for the child's result. */
static RunStatus
read_result (int fd, RunResult * res)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  int n;

  do
    n = poll (&pfd, 1, timeout_s * 1000);
  while (n < 0 && errno == EINTR);

  if (n == 0)
    return RUN_TIMEOUT;
  if (n < 0 || read (fd, res, sizeof (*res)) != sizeof (*res))
    return RUN_FAILED;
  return RUN_OK;
}

static void
child_main (guint impl, int fd)
{
  RunResult res;

  gst_init (NULL, NULL);
  if (!run_pipeline (impl, &res))
    _exit (1);
  if (write (fd, &res, sizeof (res)) != sizeof (res))
    _exit (1);
  _exit (0);
}

/* Runs one pipeline in a forked child, killed when it hangs. */
static RunStatus
run_forked (guint impl, RunResult * res)
{
  RunStatus status = RUN_FAILED;
  int fds[2];
  pid_t pid;

  fflush (stdout);
  fflush (stderr);
  if (pipe (fds) != 0)
    return RUN_FAILED;
  pid = fork ();
  if (pid == 0) {
    close (fds[0]);
    child_main (impl, fds[1]);
  }
  close (fds[1]);
  if (pid > 0) {
    status = read_result (fds[0], res);
    if (status != RUN_OK)
      kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
  }
  close (fds[0]);
  return status;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gchar *
median_string (Samples * s, guint impl)
{
  if (s->n[impl] == 0)
    return g_strdup (s->status[impl] == RUN_TIMEOUT ? "timeout" : "failed");
  qsort (s->v[impl], s->n[impl], sizeof (gdouble), compare_doubles);
  return g_strdup_printf ("%.2f", s->v[impl][s->n[impl] / 2]);
}

/* One line: @impl against the stock pipeline. */
static void
print_figure (const gchar * figure, Samples * s, guint impl, const gchar * unit)
{
  gchar *ours = median_string (s, impl);
  gchar *stock = median_string (s, IMPL_STOCK);

  if (s->n[impl] && s->n[IMPL_STOCK])
    g_print ("bench: %s ours=%s stock=%s unit=%s ratio=%.3f\n", figure, ours,
        stock, unit, s->v[impl][s->n[impl] / 2] /
        s->v[IMPL_STOCK][s->n[IMPL_STOCK] / 2]);
  else
    g_print ("bench: %s ours=%s stock=%s unit=%s ratio=-\n", figure, ours,
        stock, unit);
  g_free (ours);
  g_free (stock);
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

/* The pipelines take turns, run by run, so that a change in the machine's
 * load hits them alike; a pipeline that hung is not run again. */
static void
measure (Samples * samples)
{
  RunStatus status[N_IMPLS] = { RUN_OK, RUN_OK, RUN_OK };
  guint i, f, impl;

  for (i = 0; i < n_runs; i++)
    for (impl = 0; impl < N_IMPLS; impl++) {
      RunResult res;

      if (status[impl] == RUN_TIMEOUT)
        continue;
      status[impl] = run_forked (impl, &res);
      for (f = 0; f < N_FIGURES; f++) {
        Samples *s = &samples[f];

        s->status[impl] = status[impl];
        if (status[impl] == RUN_OK)
          s->v[impl][s->n[impl]++] = res.v[f];
      }
    }
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
  GOptionContext *ctx = g_option_context_new ("- fanout benchmark");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok) {
    g_printerr ("bench-fanout: %s\n", err->message);
    g_clear_error (&err);
  } else if (n_runs < 1 || n_runs > MAX_RUNS || n_frames < 1 || timeout_s < 1
      || batch < 1) {
    g_printerr ("bench-fanout: --runs must be 1..%d, --frames, --timeout "
        "and --batch at least 1\n", MAX_RUNS);
    ok = FALSE;
  }
  g_option_context_free (ctx);
  return ok;
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
