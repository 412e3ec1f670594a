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
 *   and non-live with force-live=true (a non-live upstream is timed on
 *   the clock only then).
 * - Throughput overhead: one 320x240 I420 videotestsrc to a fakesink,
 *   through `framebatch batch-size=8` (ours) and without it (stock), time
 *   per frame from PLAYING to EOS. The target is ratio <= 1.05.
 * - Bare push: the element's own cost per frame, pushing empty buffers
 *   from a bare pad through framebatch batch-size=8 to a bare sink pad,
 *   against pushing them to the sink pad directly: the floor that the
 *   overhead above is made of, where no frame costs anything to produce.
 * - Live 30+7: two live 320x240 videotestsrc, 30 and 7 fps, into
 *   `framebatch batch-size=2 ! queue ! fakesink sync=true`, for
 *   --live-seconds, then EOS; with each policy, at the default
 *   push-interval (40 ms) and at push-interval=auto; and with policy any
 *   without the queue ("no-queue"), where the syncing sink holds the
 *   pushing thread of framebatch until each batch's render time, running
 *   time + the pipeline latency (the 7 fps source's 143 ms + 40 ms), and
 *   frames wait for it in framebatch. Per source: frames
 *   delivered to the sink / frames produced (stock: the same sources,
 *   each into its own syncing fakesink; target >= 0.99), and the age of
 *   its frames in framebatch, from entering a sink pad to leaving the src
 *   pad, p99 (median of the runs) and max (of all runs), in ms (target
 *   p99 <= push-interval + 2 ms, max <= push-interval + 10 ms); and the
 *   time from the EOS event sent to the EOS message (target
 *   <= push-interval + 100 ms; stock: the same sources without
 *   framebatch, whose sinks also wait for the last frame's render time),
 *   and to EOS leaving framebatch's src pad ("eos-out": framebatch's own
 *   share; stock: EOS leaving the later of the two sources).
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
#include <gst/sharedpool/gstframebatchmeta.h>

#include "benchutil.h"

#define DEFAULT_RUNS            7
#define DEFAULT_THROUGHPUT_RUNS 21
#define DEFAULT_BATCHES         250
#define DEFAULT_FRAMES          3000
#define DEFAULT_BARE_FRAMES     200000
#define DEFAULT_TIMEOUT         60
#define DEFAULT_LIVE_RUNS       3
#define DEFAULT_LIVE_SECONDS    10
#define MAX_RUNS                51
#define MAX_SAMPLES             2000
#define PUSH_INTERVAL           (5 * GST_MSECOND)
#define BATCH_SIZE              8

#define SOURCE "videotestsrc num-buffers=%u ! " \
    "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
#define LIVE_SOURCE(pattern, fps) "videotestsrc name=src" fps \
    " is-live=true pattern=" pattern " ! video/x-raw,format=I420," \
    "width=320,height=240,framerate=" fps "/1 ! "

typedef enum
{
  CASE_LATENCY_LIVE,
  CASE_LATENCY_NONLIVE,
  CASE_PIPELINE_OURS,
  CASE_PIPELINE_STOCK,
  CASE_BARE_OURS,
  CASE_BARE_STOCK,
  CASE_LIVE_ANY,
  CASE_LIVE_ONE_PER_SOURCE,
  CASE_LIVE_ANY_AUTO,
  CASE_LIVE_ONE_PER_SOURCE_AUTO,
  CASE_LIVE_ANY_NO_QUEUE,
  CASE_LIVE_STOCK,
} BenchCase;

/* What a live run measures, one value each, in this order. */
enum
{
  LIVE_DELIVERED,               /* 2 values: per source, delivered/produced */
  LIVE_AGE_P99 = 2,             /* 2 values, ms */
  LIVE_AGE_MAX = 4,             /* 2 values, ms */
  LIVE_EOS = 6,                 /* ms, EOS sent to EOS message */
  LIVE_EOS_OUT = 7,             /* ms, EOS sent to EOS leaving framebatch */
  LIVE_VALUES
};

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
static guint n_live_runs = DEFAULT_LIVE_RUNS;
static guint live_seconds = DEFAULT_LIVE_SECONDS;

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
  GstCaps *caps;

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
  caps = gst_caps_from_string ("video/x-raw, format=GRAY8, width=4, "
      "height=4, framerate=30/1");
  gst_pad_push_event (b->src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
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
      G_GUINT64_FORMAT "%s", BATCH_SIZE, (guint64) PUSH_INTERVAL,
      live ? "" : " force-live=true");
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

/* live 30+7 */

#define MAX_AGES 4096

/* What the probes of a live run saw, per source (its sink pad index). */
static struct
{
  GMutex lock;
  GHashTable *arrival[2];       /* original pts -> monotonic ns */
  gdouble ages[2][MAX_AGES];    /* ms */
  guint n_ages[2];
  guint produced[2];
  guint delivered[2];
  GstClockTime eos_sent;        /* monotonic ns */
  GstClockTime eos_out;         /* monotonic ns, EOS leaving the last src pad */
} live;

static GstPadProbeReturn
on_live_produced (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&live.lock);
  live.produced[i]++;
  g_hash_table_insert (live.arrival[i], GSIZE_TO_POINTER (GST_BUFFER_PTS
          (buf)), GSIZE_TO_POINTER (gst_util_get_timestamp ()));
  g_mutex_unlock (&live.lock);
  return GST_PAD_PROBE_OK;
}

/* A frame leaves framebatch: its age. */
static gboolean
live_age (GstBuffer ** buf, guint idx, gpointer now)
{
  GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (*buf);
  gpointer arrival;
  guint i;

  if (!meta || meta->pad_index > 1)
    return TRUE;
  i = meta->pad_index;
  if (live.n_ages[i] < MAX_AGES && g_hash_table_steal_extended
      (live.arrival[i], GSIZE_TO_POINTER (meta->pts), NULL, &arrival))
    live.ages[i][live.n_ages[i]++] = (*(GstClockTime *) now -
        GPOINTER_TO_SIZE (arrival)) / 1e6;
  return TRUE;
}

/* A frame reaches the sink: counted for its source, from its meta, or
 * @data (the source's index + 1) without framebatch. */
static gboolean
live_delivered (GstBuffer ** buf, guint idx, gpointer data)
{
  GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (*buf);
  guint i = GPOINTER_TO_UINT (data);

  if (i == 0 && meta && meta->pad_index < 2)
    live.delivered[meta->pad_index]++;
  else if (i > 0)
    live.delivered[i - 1]++;
  return TRUE;
}

/* Calls @func on each buffer of a buffer or list probe, under the lock. */
static void
live_foreach (GstPadProbeInfo * info, GstBufferListFunc func, gpointer data)
{
  GstBuffer *buf;

  g_mutex_lock (&live.lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), func, data);
  } else {
    buf = GST_PAD_PROBE_INFO_BUFFER (info);
    func (&buf, 0, data);
  }
  g_mutex_unlock (&live.lock);
}

static GstPadProbeReturn
on_live_pushed (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstClockTime now = gst_util_get_timestamp ();

  live_foreach (info, live_age, &now);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_live_delivered (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  live_foreach (info, live_delivered, data);
  return GST_PAD_PROBE_OK;
}

/* EOS leaves framebatch (stock: a source), before the queue and the sink
 * hold it behind the frames they keep for the pipeline latency. */
static GstPadProbeReturn
on_live_eos (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&live.lock);
    live.eos_out = gst_util_get_timestamp ();
    g_mutex_unlock (&live.lock);
  }
  return GST_PAD_PROBE_OK;
}

static void
live_probe_mask (GstElement * pipeline, const gchar * element,
    const gchar * pad, GstPadProbeType mask, GstPadProbeCallback func,
    guint data)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *p = gst_element_get_static_pad (e, pad);

  gst_pad_add_probe (p, mask, func, GUINT_TO_POINTER (data), NULL);
  gst_object_unref (p);
  gst_object_unref (e);
}

static void
live_probe (GstElement * pipeline, const gchar * element, const gchar * pad,
    GstPadProbeCallback func, guint data)
{
  live_probe_mask (pipeline, element, pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, func, data);
}

static void
live_probe_eos (GstElement * pipeline, const gchar * element)
{
  live_probe_mask (pipeline, element, "src",
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_live_eos, 0);
}

/* The pipeline of live case @c, with its probes. */
static GstElement *
live_pipeline (BenchCase c)
{
  gboolean auto_interval = c == CASE_LIVE_ANY_AUTO ||
      c == CASE_LIVE_ONE_PER_SOURCE_AUTO;
  gboolean any = c == CASE_LIVE_ANY || c == CASE_LIVE_ANY_AUTO ||
      c == CASE_LIVE_ANY_NO_QUEUE;
  gchar *desc = c == CASE_LIVE_STOCK ?
      g_strdup (LIVE_SOURCE ("smpte", "30") "fakesink name=sink0 sync=true "
      LIVE_SOURCE ("ball", "7") "fakesink name=sink1 sync=true") :
      g_strdup_printf ("framebatch name=b batch-size=2 policy=%s%s ! %s "
      "fakesink name=sink0 sync=true " LIVE_SOURCE ("smpte", "30") "b.sink_0 "
      LIVE_SOURCE ("ball", "7") "b.sink_1", any ? "any" : "one-per-source",
      auto_interval ? " push-interval=-1" : "",
      c == CASE_LIVE_ANY_NO_QUEUE ? "" : "queue !");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  guint i;

  g_free (desc);
  if (!pipeline)
    return NULL;
  for (i = 0; i < 2; i++) {
    gchar *name = g_strdup_printf ("sink_%u", i);

    live.arrival[i] = g_hash_table_new (NULL, NULL);
    if (c == CASE_LIVE_STOCK)
      live_probe (pipeline, i ? "sink1" : "sink0", "sink", on_live_delivered,
          i + 1);
    else
      live_probe (pipeline, "b", name, on_live_produced, i);
    g_free (name);
  }
  if (c == CASE_LIVE_STOCK) {
    live_probe_eos (pipeline, "src30");
    live_probe_eos (pipeline, "src7");
    live_probe (pipeline, "src30", "src", on_live_produced, 0);
    live_probe (pipeline, "src7", "src", on_live_produced, 1);
  } else {
    live_probe_eos (pipeline, "b");
    live_probe (pipeline, "b", "src", on_live_pushed, 0);
    live_probe (pipeline, "sink0", "sink", on_live_delivered, 0);
  }
  return pipeline;
}

/* Plays for --live-seconds, then sends EOS: the ms until the EOS
 * message, or a negative value on error. */
static gdouble
live_play (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GstClockTime t0;
  gdouble eos_ms = -1;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, live_seconds * GST_SECOND,
      GST_MESSAGE_ERROR);
  if (msg)
    goto done;
  t0 = live.eos_sent = gst_util_get_timestamp ();
  gst_element_send_event (pipeline, gst_event_new_eos ());
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    eos_ms = (gst_util_get_timestamp () - t0) / 1e6;
done:
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return eos_ms;
}

/* One live run: the LIVE_VALUES values, see the enum. */
static gboolean
measure_live (BenchCase c, Samples * out)
{
  GstElement *pipeline = live_pipeline (c);
  gdouble eos_ms;
  guint i;

  if (!pipeline)
    return FALSE;
  eos_ms = live_play (pipeline);
  gst_object_unref (pipeline);
  if (eos_ms < 0)
    return FALSE;
  for (i = 0; i < 2; i++) {
    out->v[LIVE_DELIVERED + i] = live.produced[i] ?
        (gdouble) live.delivered[i] / live.produced[i] : 0;
    out->v[LIVE_AGE_P99 + i] = live.n_ages[i] ?
        bench_percentile (live.ages[i], live.n_ages[i], 0.99) : 0;
    out->v[LIVE_AGE_MAX + i] = live.n_ages[i] ?
        bench_percentile (live.ages[i], live.n_ages[i], 1.0) : 0;
  }
  out->v[LIVE_EOS] = eos_ms;
  out->v[LIVE_EOS_OUT] = (live.eos_out - live.eos_sent) / 1e6;
  out->n = LIVE_VALUES;
  return TRUE;
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
    case CASE_BARE_OURS:
    case CASE_BARE_STOCK:
      return measure_bare (c == CASE_BARE_OURS, out);
    default:
      return measure_live (c, out);
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

/* The values of a live figure: value @k of each run. */
static Figure *
live_figure (const Figure * f, guint k)
{
  Figure *one = g_new0 (Figure, 1);
  guint i;

  one->status = f->status;
  for (i = k; i < f->s.n; i += LIVE_VALUES)
    one->s.v[one->s.n++] = f->s.v[i];
  return one;
}

/* Value @k of the runs of @ours (and of @stock when not NULL), at @p. */
static void
print_live (const gchar * figure, const Figure * ours, const Figure * stock,
    guint k, gdouble p, const gchar * unit)
{
  Figure *o = live_figure (ours, k);
  Figure *s = stock ? live_figure (stock, k) : NULL;

  print_line (figure, o, s, p, unit);
  g_free (o);
  g_free (s);
}

/* The lines of live figure @f (a policy at an interval) named @suffix. */
static void
print_live_case (const Figure * f, const Figure * stock, const gchar * suffix)
{
  static const gchar *sources[] = { "30fps", "7fps" };
  gchar *name;
  guint i;

  for (i = 0; i < 2; i++) {
    if (stock) {
      name = g_strdup_printf ("framebatch-live-30+7-delivered-%s-%s",
          sources[i], suffix);
      print_live (name, f, stock, LIVE_DELIVERED + i, 0.5, "ratio");
      g_free (name);
    }
    name = g_strdup_printf ("framebatch-live-30+7-age-p99-%s-%s", sources[i],
        suffix);
    print_live (name, f, NULL, LIVE_AGE_P99 + i, 0.5, "ms");
    g_free (name);
    name = g_strdup_printf ("framebatch-live-30+7-age-max-%s-%s", sources[i],
        suffix);
    print_live (name, f, NULL, LIVE_AGE_MAX + i, 1.0, "ms");
    g_free (name);
  }
  name = g_strdup_printf ("framebatch-eos-ms-%s", suffix);
  print_live (name, f, stock, LIVE_EOS, 0.5, "ms");
  g_free (name);
  name = g_strdup_printf ("framebatch-eos-out-ms-%s", suffix);
  print_live (name, f, stock, LIVE_EOS_OUT, 0.5, "ms");
  g_free (name);
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
    {"live-runs", 0, 0, G_OPTION_ARG_INT, &n_live_runs,
        "Runs of each live case (default 3)", "N"},
    {"live-seconds", 0, 0, G_OPTION_ARG_INT, &live_seconds,
        "Seconds of each live run (default 10)", "S"},
    {NULL}
  };

  if (!bench_parse_options ("bench-framebatch", "- framebatch benchmark",
          entries, NULL, argc, argv))
    return FALSE;
  if (n_runs < 1 || n_runs > MAX_RUNS || n_throughput_runs < 1 ||
      n_throughput_runs > MAX_RUNS || n_batches < 1 ||
      n_batches > MAX_SAMPLES / n_runs || n_frames < 1 || timeout_s < 1 ||
      n_live_runs < 1 || n_live_runs > MAX_RUNS || live_seconds < 1 ||
      live_seconds >= timeout_s) {
    g_printerr ("bench-framebatch: --runs and --live-runs 1..%d, --batches "
        "1..%d / runs, --frames, --timeout and --live-seconds at least 1, "
        "--live-seconds below --timeout\n", MAX_RUNS, MAX_SAMPLES);
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
  static const BenchCase live_cases[] = { CASE_LIVE_ANY,
    CASE_LIVE_ONE_PER_SOURCE, CASE_LIVE_ANY_AUTO,
    CASE_LIVE_ONE_PER_SOURCE_AUTO, CASE_LIVE_ANY_NO_QUEUE, CASE_LIVE_STOCK
  };
  Figure *lat = g_new0 (Figure, G_N_ELEMENTS (latency));
  Figure *thr = g_new0 (Figure, G_N_ELEMENTS (throughput));
  Figure *liv = g_new0 (Figure, G_N_ELEMENTS (live_cases));

  if (!parse_options (&argc, &argv))
    return 2;

  run_cases (latency, lat, G_N_ELEMENTS (latency), n_runs);
  run_cases (throughput, thr, G_N_ELEMENTS (throughput), n_throughput_runs);
  run_cases (live_cases, liv, G_N_ELEMENTS (live_cases), n_live_runs);

  print_line ("framebatch-timeout-latency-p50", &lat[0], NULL, 0.5, "ms");
  print_line ("framebatch-timeout-latency-p99", &lat[0], NULL, 0.99, "ms");
  print_line ("framebatch-timeout-latency-nonlive-p50", &lat[1], NULL, 0.5,
      "ms");
  print_line ("framebatch-timeout-latency-nonlive-p99", &lat[1], NULL, 0.99,
      "ms");
  print_line ("framebatch-throughput-overhead", &thr[0], &thr[1], 0.5,
      "ns/frame");
  print_line ("framebatch-bare-push", &thr[2], &thr[3], 0.5, "ns/frame");
  print_live_case (&liv[0], &liv[5], "any");
  print_live_case (&liv[1], &liv[5], "one-per-source");
  print_live_case (&liv[2], NULL, "any-auto");
  print_live_case (&liv[3], NULL, "one-per-source-auto");
  print_live_case (&liv[4], &liv[5], "any-no-queue");
  g_free (lat);
  g_free (thr);
  g_free (liv);
  return 0;
}
