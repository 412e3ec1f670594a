/* GStreamer shared pool benchmarks
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* mpstamp: one process of bench-multiprocess.sh. It plays a gst-launch
 * description to EOS, like gst-launch-1.0, with a probe on the sink pad of
 * the element named "sink":
 *
 *   mpstamp write PIPELINE...   writes CLOCK_MONOTONIC (ns) into the first
 *                               8 bytes of each frame (the producer);
 *   mpstamp read PIPELINE...    reads them back and prints, at the end,
 *                               "latency: <frames> <p50> <p99> <max>"
 *                               in microseconds (a consumer).
 *
 * Both ends run on one machine, so the monotonic clock is common to them
 * and the difference is the frame's trip from the producer's sink to the
 * consumer's sink, whatever carries it. An error after frames arrived ends
 * the run like EOS: stock shmsrc reports its producer's exit as an error.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <time.h>

#include <gst/gst.h>

#include "benchutil.h"

#define MAX_FRAMES 100000

typedef struct
{
  gboolean write;
  gdouble *lat_us;
  guint n;
} Stamp;

static guint64
monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64) ts.tv_sec * GST_SECOND + ts.tv_nsec;
}

static GstPadProbeReturn
stamp_probe (GstPad * pad, GstPadProbeInfo * info, Stamp * s)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint64 t;

  if (!gst_buffer_map (buf, &map, s->write ? GST_MAP_WRITE : GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  if (map.size >= sizeof (t)) {
    if (s->write) {
      t = monotonic_ns ();
      memcpy (map.data, &t, sizeof (t));
    } else if (s->n < MAX_FRAMES) {
      memcpy (&t, map.data, sizeof (t));
      s->lat_us[s->n++] = (gdouble) (gint64) (monotonic_ns () - t) / 1000.0;
    }
  }
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

static void
print_latency (Stamp * s)
{
  gdouble p50, p99;

  if (s->n == 0) {
    g_print ("latency: 0 - - -\n");
    return;
  }
  p50 = bench_percentile (s->lat_us, s->n, 0.50);
  p99 = bench_percentile (s->lat_us, s->n, 0.99);
  g_print ("latency: %u %.1f %.1f %.1f\n", s->n, p50, p99, s->lat_us[s->n - 1]);
}

static gboolean
play (GstElement * pipeline, Stamp * s)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad;
  gboolean ok;

  if (sink == NULL)
    goto no_sink;
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) stamp_probe, s, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  ok = bench_play_to_eos (pipeline) || (!s->write && s->n > 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;

no_sink:
  g_printerr ("mpstamp: no element named \"sink\" in the pipeline\n");
  return FALSE;
}

int
main (int argc, char **argv)
{
  Stamp s = { 0, };
  GstElement *pipeline;
  GError *err = NULL;
  gboolean ok;

  gst_init (&argc, &argv);
  if (argc < 3 || (strcmp (argv[1], "write") && strcmp (argv[1], "read")))
    goto usage;
  s.write = strcmp (argv[1], "write") == 0;
  pipeline = gst_parse_launchv ((const gchar **) argv + 2, &err);
  if (pipeline == NULL)
    goto bad_pipeline;
  s.lat_us = g_new (gdouble, MAX_FRAMES);
  ok = play (pipeline, &s);
  if (!s.write)
    print_latency (&s);
  gst_object_unref (pipeline);
  g_free (s.lat_us);
  return ok ? 0 : 1;

usage:
  g_printerr ("usage: mpstamp write|read PIPELINE-DESCRIPTION...\n");
  return 2;
bad_pipeline:
  g_printerr ("mpstamp: %s\n", err->message);
  g_clear_error (&err);
  return 2;
}
