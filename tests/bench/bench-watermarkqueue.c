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

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/gst.h>

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

typedef enum
{
  RUN_OK,
  RUN_TIMEOUT,
  RUN_FAILED,
} RunStatus;

/* What one run measured; written by the child, read by the parent. */
typedef struct
{
  gdouble m[N_MEASURES];
} RunResult;

/* Every run's measures, per implementation; n[impl] runs succeeded. */
typedef struct
{
  gdouble v[N_IMPLS][N_MEASURES][MAX_RUNS];
  guint n[N_IMPLS];
  RunStatus failure[N_IMPLS];   /* why the last failed run failed */
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

static gboolean
play_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_message_unref (msg);
  gst_object_unref (bus);
  return ok;
}

static gdouble
context_switches (const struct rusage *ru)
{
  return ru->ru_nvcsw + ru->ru_nivcsw;
}

/* In the child: plays the pipeline of @impl and measures it. */
static gboolean
run_pipeline (guint impl, RunResult * res)
{
  GstElement *pipeline = make_pipeline (impl);
  struct rusage before, after;
  gint64 start, end;
  gboolean ok;

  if (!pipeline)
    return FALSE;
  getrusage (RUSAGE_SELF, &before);
  start = g_get_monotonic_time ();
  ok = play_to_eos (pipeline);
  end = g_get_monotonic_time ();
  getrusage (RUSAGE_SELF, &after);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  res->m[M_US] = (gdouble) (end - start) / n_buffers;
  res->m[M_CSW] = (context_switches (&after) - context_switches (&before)) /
      n_buffers;
  res->m[M_RSS] = after.ru_maxrss;
  return ok;
}

static void
child_main (guint impl, int fd)
{
  GstPlugin *plugin;
  RunResult res;

  gst_init (NULL, NULL);
  plugin = gst_plugin_load_by_name ("sharedpoolelements");
  if (!plugin)
    _exit (1);
  gst_object_unref (plugin);
  if (!run_pipeline (impl, &res))
    _exit (1);
  if (write (fd, &res, sizeof (res)) != sizeof (res))
    _exit (1);
  _exit (0);
}

/* In the parent: waits up to the timeout for the child's result. */
static RunStatus
read_result (int fd, RunResult * res)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  gint r;

  do {
    r = poll (&pfd, 1, timeout_s * 1000);
  } while (r < 0 && errno == EINTR);
  if (r == 0)
    return RUN_TIMEOUT;
  if (r < 0 || read (fd, res, sizeof (*res)) != sizeof (*res))
    return RUN_FAILED;
  return RUN_OK;
}

static RunStatus
run_forked (guint impl, RunResult * res)
{
  RunStatus status;
  int fds[2], wstatus;
  pid_t pid;

  if (pipe (fds) != 0)
    return RUN_FAILED;
  fflush (stdout);
  pid = fork ();
  if (pid == 0) {
    close (fds[0]);
    child_main (impl, fds[1]);
  }
  close (fds[1]);
  status = pid < 0 ? RUN_FAILED : read_result (fds[0], res);
  close (fds[0]);
  if (pid > 0) {
    if (status == RUN_TIMEOUT)
      kill (pid, SIGKILL);
    waitpid (pid, &wstatus, 0);
    if (status == RUN_OK && !(WIFEXITED (wstatus) && !WEXITSTATUS (wstatus)))
      status = RUN_FAILED;
  }
  return status;
}

static void
add_run (Samples * s, guint impl, RunStatus status, const RunResult * res)
{
  guint m;

  if (status != RUN_OK) {
    s->failure[impl] = status;
    fprintf (stderr, "bench-watermarkqueue: %s run %s\n",
        middles[impl][0] ? middles[impl] : "direct",
        status == RUN_TIMEOUT ? "timed out" : "failed");
    return;
  }
  for (m = 0; m < N_MEASURES; m++)
    s->v[impl][m][s->n[impl]] = res->m[m];
  s->n[impl]++;
}

/* One warm-up round (not kept), then @n_runs rounds; the order of the
 * pipelines rotates from round to round. */
static void
measure (Samples * s)
{
  RunResult res;
  guint r, i;

  for (r = 0; r <= n_runs; r++) {
    for (i = 0; i < N_IMPLS; i++) {
      guint impl = (r + i) % N_IMPLS;
      RunStatus status = run_forked (impl, &res);

      if (r > 0)
        add_run (s, impl, status, &res);
    }
  }
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median (gdouble * v, guint n)
{
  g_qsort_with_data (v, n, sizeof (gdouble),
      (GCompareDataFunc) compare_doubles, NULL);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of @impl's measure @m, or why there is none. */
static gchar *
value_string (Samples * s, guint impl, guint m, gdouble * value)
{
  if (s->n[impl] == 0)
    return g_strdup (s->failure[impl] == RUN_TIMEOUT ? "timeout" : "failed");
  *value = median (s->v[impl][m], s->n[impl]);
  return g_strdup_printf ("%.4g", *value);
}

static void
print_line (const gchar * figure, const gchar * ours, gdouble o,
    const gchar * stock, gdouble st, const gchar * unit)
{
  gboolean numbers = g_ascii_isdigit (ours[0]) || ours[0] == '-';

  numbers = numbers && (g_ascii_isdigit (stock[0]) || stock[0] == '-');
  if (numbers && st != 0)
    printf ("bench: %s ours=%s stock=%s unit=%s ratio=%.3f\n", figure, ours,
        stock, unit, o / st);
  else
    printf ("bench: %s ours=%s stock=%s unit=%s ratio=-\n", figure, ours,
        stock, unit);
}

/* Measure @m of @impl against measure @m of @other. */
static void
print_figure (const gchar * figure, Samples * s, guint m, guint other,
    const gchar * unit)
{
  gdouble o = 0, st = 0;
  gchar *ours = value_string (s, IMPL_OURS, m, &o);
  gchar *stock = value_string (s, other, m, &st);

  print_line (figure, ours, o, stock, st, unit);
  g_free (ours);
  g_free (stock);
}

/* Median over the rounds of @impl's context switches minus the direct
 * pipeline's in the same round. */
static gchar *
added_string (Samples * s, guint impl, gdouble * value)
{
  gdouble d[MAX_RUNS];
  guint i, n = MIN (s->n[impl], s->n[IMPL_DIRECT]);

  if (n == 0)
    return g_strdup ("failed");
  for (i = 0; i < n; i++)
    d[i] = s->v[impl][M_CSW][i] - s->v[IMPL_DIRECT][M_CSW][i];
  *value = median (d, n);
  return g_strdup_printf ("%.4g", *value);
}

static void
print_added (Samples * s)
{
  gdouble o = 0, st = 0;
  gchar *ours = added_string (s, IMPL_OURS, &o);
  gchar *stock = added_string (s, IMPL_STOCK, &st);

  print_line ("watermarkqueue-csw-added-per-buffer", ours, o, stock, st,
      "csw/buffer");
  g_free (ours);
  g_free (stock);
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
  GOptionContext *ctx = g_option_context_new ("[BUILDDIR]");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok)
    fprintf (stderr, "bench-watermarkqueue: %s\n", err->message);
  g_clear_error (&err);
  g_option_context_free (ctx);
  if (ok && (n_runs < 1 || n_runs > MAX_RUNS || n_buffers < 1)) {
    fprintf (stderr, "bench-watermarkqueue: --runs must be 1 to %u, "
        "--buffers at least 1\n", MAX_RUNS);
    ok = FALSE;
  }
  return ok;
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
