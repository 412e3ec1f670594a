/* GStreamer shared pool benchmarks
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the benchmarks share; see benchutil.h.
 *
 * A measurement runs in a forked child that sends its values (doubles)
 * through a pipe as it goes; the parent waits at most the timeout for
 * each piece, kills a child that sends nothing for that long, and so
 * reports a hang instead of hanging. */

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
#include <unistd.h>

#include "benchutil.h"

struct _BenchChild
{
  int fd;
};

/* forked runs */

void
bench_child_send (BenchChild * child, const gdouble * values, guint n)
{
  gsize size = n * sizeof (gdouble);

  if (write (child->fd, values, size) != (gssize) size)
    _exit (1);
}

/* Waits up to @timeout_s for @fd to have something (or EOF) to read. */
static BenchStatus
wait_readable (int fd, guint timeout_s)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  int r;

  do
    r = poll (&pfd, 1, timeout_s * 1000);
  while (r < 0 && errno == EINTR);
  return r > 0 ? BENCH_OK : r == 0 ? BENCH_TIMEOUT : BENCH_FAILED;
}

/* Reads doubles from @fd into @values until the child closes the pipe;
 * each read waits at most @timeout_s. */
static BenchStatus
read_values (int fd, guint timeout_s, gdouble * values, guint max_values,
    guint * n_values)
{
  gsize size = max_values * sizeof (gdouble), got = 0;
  BenchStatus status;
  gssize n = 0;

  while ((status = wait_readable (fd, timeout_s)) == BENCH_OK) {
    /* one byte past @max_values: the child sent too much */
    gchar extra, *to = got < size ? (gchar *) values + got : &extra;

    n = read (fd, to, got < size ? size - got : 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || to == &extra)
      break;
    got += n;
  }
  *n_values = got / sizeof (gdouble);
  if (status == BENCH_OK && (n != 0 || got % sizeof (gdouble)))
    status = BENCH_FAILED;
  return status;
}

/* Collects what the child @pid sends on @fd; it must also exit with 0. */
static BenchStatus
collect (const BenchFork * f, pid_t pid, int fd, gdouble * values,
    guint * n_values)
{
  BenchStatus status;
  int wstatus = 0;

  status = read_values (fd, f->timeout_s, values, f->max_values, n_values);
  if (status != BENCH_OK)
    kill (pid, SIGKILL);
  waitpid (pid, &wstatus, 0);
  if (status == BENCH_OK && (!WIFEXITED (wstatus) || WEXITSTATUS (wstatus)))
    status = BENCH_FAILED;
  return status;
}

/* Measures case @index in a forked child; @values gets the at most
 * @f->max_values it sent, @n_values how many. */
BenchStatus
bench_fork (const BenchFork * f, guint index, gdouble * values,
    guint * n_values)
{
  BenchStatus status = BENCH_FAILED;
  int fds[2];
  pid_t pid;

  *n_values = 0;
  /* the child would write out what is buffered again */
  fflush (stdout);
  fflush (stderr);
  if (pipe (fds) != 0)
    return BENCH_FAILED;
  pid = fork ();
  if (pid == 0) {
    BenchChild child = { fds[1] };

    close (fds[0]);
    gst_init (NULL, NULL);
    _exit (f->measure (&child, index, f->data) ? 0 : 1);
  }
  close (fds[1]);
  if (pid > 0)
    status = collect (f, pid, fds[0], values, n_values);
  close (fds[0]);
  return status;
}

/* Runs each of @n_cases cases @runs times, taking turns run by run so
 * that a change in the machine's load hits them alike, and hands each
 * run's values to @add; a case that hung is not run again. */
void
bench_interleave (const BenchFork * f, guint n_cases, guint runs,
    BenchAddFunc add, gpointer add_data)
{
  BenchStatus *last = g_new0 (BenchStatus, n_cases);
  gdouble *values = g_new (gdouble, f->max_values);
  guint run, i, n;

  for (run = 0; run < runs; run++)
    for (i = 0; i < n_cases; i++) {
      if (last[i] == BENCH_TIMEOUT)
        continue;
      last[i] = bench_fork (f, i, values, &n);
      add (i, last[i], values, n, add_data);
    }
  g_free (values);
  g_free (last);
}

/* statistics */

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

void
bench_sort (gdouble * v, guint n)
{
  qsort (v, n, sizeof (gdouble), compare_doubles);
}

/* The @p percentile (0 < p < 1; 0.5: the median, the upper one of an
 * even count) of @n > 0 samples, which it sorts. */
gdouble
bench_percentile (gdouble * v, guint n, gdouble p)
{
  bench_sort (v, n);
  return v[MIN ((guint) (p * n), n - 1)];
}

/* The @p percentile of @n samples or, when there are none, what the last
 * run (@last) came to: a timeout, or else a failure. */
BenchValue
bench_samples_value (gdouble * v, guint n, BenchStatus last, gdouble p)
{
  BenchValue val = { BENCH_OK, 0 };

  if (n == 0)
    val.status = last == BENCH_TIMEOUT ? BENCH_TIMEOUT : BENCH_FAILED;
  else
    val.v = bench_percentile (v, n, p);
  return val;
}

/* output */

/* A number printed with @format (one double directive, C locale),
 * "timeout", "failed" or "-". */
static gchar *
bench_value_string (const BenchValue * val, const gchar * format)
{
  gchar buf[512];               /* any double in %f with a few decimals */

  switch (val->status) {
    case BENCH_OK:
      return g_strdup (g_ascii_formatd (buf, sizeof (buf), format, val->v));
    case BENCH_TIMEOUT:
      return g_strdup ("timeout");
    case BENCH_FAILED:
      return g_strdup ("failed");
    default:
      return g_strdup ("-");
  }
}

/* ours / stock, when both are numbers and stock is not 0. */
gboolean
bench_ratio (const BenchValue * ours, const BenchValue * stock, gdouble * ratio)
{
  if (ours->status != BENCH_OK || stock->status != BENCH_OK || stock->v == 0)
    return FALSE;
  *ratio = ours->v / stock->v;
  return TRUE;
}

/* bench: <figure> ours=<v> stock=<v> unit=<unit> ratio=<ours/stock or -> */
void
bench_print (const gchar * figure, const BenchValue * ours,
    const BenchValue * stock, const gchar * unit, const gchar * format)
{
  gchar *o = bench_value_string (ours, format);
  gchar *s = bench_value_string (stock, format);
  gdouble ratio;

  if (bench_ratio (ours, stock, &ratio))
    g_print ("bench: %s ours=%s stock=%s unit=%s ratio=%.3f\n", figure, o, s,
        unit, ratio);
  else
    g_print ("bench: %s ours=%s stock=%s unit=%s ratio=-\n", figure, o, s,
        unit);
  fflush (stdout);
  g_free (o);
  g_free (s);
}

/* pipelines */

gboolean
bench_play_to_eos (GstElement * pipeline)
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

static gdouble
timeval_secs (const struct timeval *tv)
{
  return tv->tv_sec + tv->tv_usec / 1e6;
}

/* The threads of this process now (Linux: /proc/self/status), 0 when
 * unknown. */
static gdouble
count_threads (void)
{
  gchar *status = NULL, *line;
  gdouble n = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  if ((line = strstr (status, "\nThreads:")))
    n = g_ascii_strtod (line + strlen ("\nThreads:"), NULL);
  g_free (status);
  return n;
}

/* Plays @pipeline (taken; NULL: a pipeline that did not parse) to EOS and
 * measures what that cost, then stops it. */
gboolean
bench_run_pipeline (GstElement * pipeline, BenchUsage * usage)
{
  struct rusage before, after;
  gint64 start;
  gboolean ok;

  if (pipeline == NULL)
    return FALSE;
  getrusage (RUSAGE_SELF, &before);
  start = g_get_monotonic_time ();
  ok = bench_play_to_eos (pipeline);
  usage->secs = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  getrusage (RUSAGE_SELF, &after);
  usage->threads = count_threads ();
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  usage->vcsw = after.ru_nvcsw - before.ru_nvcsw;
  usage->icsw = after.ru_nivcsw - before.ru_nivcsw;
  usage->maxrss = after.ru_maxrss;
  usage->cpu = timeval_secs (&after.ru_utime) - timeval_secs (&before.ru_utime)
      + timeval_secs (&after.ru_stime) - timeval_secs (&before.ru_stime);
  return ok;
}

/* the command line */

/* Parses the options of @entries (and of @group when not NULL); a bad
 * command line is reported as "@prog: what is wrong". */
gboolean
bench_parse_options (const gchar * prog, const gchar * parameters,
    GOptionEntry * entries, GOptionGroup * group, int *argc, char ***argv)
{
  GOptionContext *ctx = g_option_context_new (parameters);
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (group)
    g_option_context_add_group (ctx, group);
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok)
    g_printerr ("%s: %s\n", prog, err->message);
  g_clear_error (&err);
  g_option_context_free (ctx);
  return ok;
}
