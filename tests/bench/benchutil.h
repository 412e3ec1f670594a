/* GStreamer shared pool benchmarks
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the benchmarks share: measuring in a forked child that is killed
 * when it hangs, runs of several cases taking turns, medians and
 * percentiles, the "bench:" line, playing a pipeline to EOS, and the
 * command line. */

#pragma once

#include <gst/gst.h>

/* What a figure's side came to: a number, or why there is none. */
typedef enum
{
  BENCH_NONE,                   /* no counterpart: "-" */
  BENCH_OK,
  BENCH_TIMEOUT,                /* the child made no progress in time */
  BENCH_FAILED,                 /* it crashed or reported a failure */
} BenchStatus;

typedef struct
{
  BenchStatus status;
  gdouble v;
} BenchValue;

/* The child's end of the pipe to the parent. */
typedef struct _BenchChild BenchChild;

/* In the child (GStreamer initialised): measures case @index and sends
 * what it measured with bench_child_send(); FALSE when it failed. */
typedef gboolean (*BenchChildFunc) (BenchChild * child, guint index,
    gpointer data);

/* In the parent: what a run of case @index sent, @status saying how it
 * ended (the values that came before a failure are there too). */
typedef void (*BenchAddFunc) (guint index, BenchStatus status,
    const gdouble * values, guint n_values, gpointer data);

/* How to measure in a forked child. */
typedef struct
{
  BenchChildFunc measure;
  gpointer data;                /* for measure */
  guint timeout_s;              /* the child is killed when it sends
                                 * nothing for this long */
  guint max_values;             /* the most values one child sends */
} BenchFork;

void bench_child_send (BenchChild * child, const gdouble * values, guint n);

BenchStatus bench_fork (const BenchFork * f, guint index, gdouble * values,
    guint * n_values);

void bench_interleave (const BenchFork * f, guint n_cases, guint runs,
    BenchAddFunc add, gpointer add_data);

void bench_sort (gdouble * v, guint n);

gdouble bench_percentile (gdouble * v, guint n, gdouble p);

BenchValue bench_samples_value (gdouble * v, guint n, BenchStatus last,
    gdouble p);

gboolean bench_ratio (const BenchValue * ours, const BenchValue * stock,
    gdouble * ratio);

void bench_print (const gchar * figure, const BenchValue * ours,
    const BenchValue * stock, const gchar * unit, const gchar * format);

/* What a pipeline run cost the whole process (getrusage (RUSAGE_SELF)
 * covers all its threads), from PLAYING to EOS. */
typedef struct
{
  gdouble secs;                 /* wall time */
  gdouble vcsw;                 /* voluntary context switches */
  gdouble icsw;                 /* involuntary context switches */
  gdouble maxrss;               /* the process's peak RSS at EOS, KiB */
  gdouble cpu;                  /* user + system CPU time, seconds */
  gdouble threads;              /* the process's threads at EOS */
} BenchUsage;

gboolean bench_play_to_eos (GstElement * pipeline);

gboolean bench_run_pipeline (GstElement * pipeline, BenchUsage * usage);

gboolean bench_parse_options (const gchar * prog, const gchar * parameters,
    GOptionEntry * entries, GOptionGroup * group, int *argc, char ***argv);
