/* GStreamer shared pool examples
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* capture-fanout: a live capture fanned out to three consumers, the way a
 * capture application is built with gst-sharedpool.
 *
 *   source ! sharedpool name=pool ! fanout name=f
 *     f.src_0 ! display       (fakesink, or autovideosink with --display)
 *     f.src_1 ! jpegenc ! sharedpool ! fakesink     (the encoder branch)
 *     f.src_2 ! appsink       (analysis: mean luma of each frame, slow)
 *
 * The source is videotestsrc is-live=true, or v4l2src with --device. The
 * frames come from the first sharedpool's pool and jpegenc's output from
 * recycled memory; the analysis branch is deliberately slow and drops its
 * oldest frame when full, so it never holds back the display or the
 * encoder. Every second it prints each branch's counters and the pool's.
 *
 * usage: capture-fanout [--device /dev/videoN] [--seconds N] [--display]
 */

#include <stdlib.h>

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define CAPS "video/x-raw,format=I420,width=640,height=480,framerate=30/1"

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *pool;
  GstElement *fanout;
  guint64 analysed;
  gdouble last_luma;
  gint exit_code;
} App;

static gchar *device = NULL;
static gint seconds = 5;
static gboolean display = FALSE;

static GOptionEntry entries[] = {
  {"device", 0, 0, G_OPTION_ARG_FILENAME, &device,
      "Capture from this V4L2 device instead of videotestsrc", "PATH"},
  {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
      "Run this long, then stop with EOS (0 = until interrupted)", "N"},
  {"display", 0, 0, G_OPTION_ARG_NONE, &display,
      "Show the video (autovideosink) instead of a fakesink", NULL},
  {NULL}
};

static gchar *
pipeline_description (void)
{
  gchar *source = device ?
      g_strdup_printf ("v4l2src device=%s ! videoconvert ! videoscale ! "
      "videorate", device) : g_strdup ("videotestsrc is-live=true");
  gchar *desc = g_strdup_printf ("%s ! " CAPS " ! sharedpool name=pool ! "
      "fanout name=f "
      "f.src_0 ! %s name=display "
      "f.src_1 ! jpegenc ! sharedpool ! fakesink name=store "
      "f.src_2 ! appsink name=analysis emit-signals=true sync=false",
      source, display ? "autovideosink" : "fakesink sync=true");

  g_free (source);
  return desc;
}

/* The analysis: the mean of the Y plane, made slow on purpose (every
 * pixel, and a frame at a time) to show that a slow branch with
 * drop-oldest does not hold the others back. */
static GstFlowReturn
on_new_sample (GstAppSink * sink, App * app)
{
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;
  guint64 sum = 0;
  gsize i, luma = 640 * 480;

  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    for (i = 0; i < luma && i < map.size; i++)
      sum += map.data[i];
    gst_buffer_unmap (buffer, &map);
  }
  g_usleep (50 * 1000);         /* a 20 fps analysis of a 30 fps stream */
  app->last_luma = (gdouble) sum / luma;
  app->analysed++;
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
print_branch (GstStructure * stats, const gchar * pad, const gchar * what)
{
  const GValue *v = gst_structure_get_value (stats, pad);
  const GstStructure *s;
  guint64 received = 0, pushed = 0, dropped = 0;
  guint level = 0;

  if (v == NULL)
    return;
  s = gst_value_get_structure (v);
  gst_structure_get_uint64 (s, "received", &received);
  gst_structure_get_uint64 (s, "pushed", &pushed);
  gst_structure_get_uint64 (s, "dropped", &dropped);
  gst_structure_get_uint (s, "level-buffers", &level);
  g_print ("  %-8s %-9s received %5" G_GUINT64_FORMAT "  pushed %5"
      G_GUINT64_FORMAT "  dropped %4" G_GUINT64_FORMAT "  level %u\n", pad,
      what, received, pushed, dropped, level);
}

static void
print_pool (App * app)
{
  GstStructure *stats = NULL;
  const GstStructure *pool;
  guint64 buffers = 0, pooled = 0, hits = 0, allocations = 0;

  g_object_get (app->pool, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "buffers", &buffers);
  gst_structure_get_uint64 (stats, "pooled", &pooled);
  pool = gst_value_get_structure (gst_structure_get_value (stats, "pool"));
  gst_structure_get_uint64 (pool, "hits", &hits);
  gst_structure_get_uint64 (pool, "allocations", &allocations);
  g_print ("  pool     frames %5" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
      " pooled)  pool hits %5" G_GUINT64_FORMAT "  frames allocated %"
      G_GUINT64_FORMAT "\n", buffers, pooled, hits, allocations);
  gst_structure_free (stats);
}

static gboolean
print_stats (App * app)
{
  GstStructure *stats = NULL;
  static guint second = 0;

  g_object_get (app->fanout, "stats", &stats, NULL);
  g_print ("t=%us\n", ++second);
  print_branch (stats, "src_0", "display");
  print_branch (stats, "src_1", "encoder");
  print_branch (stats, "src_2", "analysis");
  g_print ("  analysis frames %" G_GUINT64_FORMAT ", last mean luma %.1f\n",
      app->analysed, app->last_luma);
  print_pool (app);
  gst_structure_free (stats);
  return G_SOURCE_CONTINUE;
}

static gboolean
stop (App * app)
{
  g_print ("stopping\n");
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, App * app)
{
  GError *error = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &error, &debug);
      g_printerr ("error from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
          error->message, debug ? debug : "");
      g_clear_error (&error);
      g_free (debug);
      app->exit_code = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* The analysis branch may fall behind: it drops its oldest frame rather
 * than blocking the fan-out (and with it the display and the encoder). */
static void
configure_analysis_branch (GstElement * fanout)
{
  GstPad *pad = gst_element_get_static_pad (fanout, "src_2");

  gst_util_set_object_arg (G_OBJECT (pad), "full-policy", "drop-oldest");
  /* resume first: a resume watermark at or above pause is refused */
  g_object_set (pad, "resume-buffers", 2, "pause-buffers", 4, NULL);
  gst_object_unref (pad);
}

static gboolean
build (App * app)
{
  gchar *desc = pipeline_description ();
  GError *error = NULL;
  GstElement *analysis;

  g_print ("pipeline: %s\n", desc);
  app->pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (app->pipeline == NULL) {
    g_printerr ("cannot build the pipeline: %s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  app->pool = gst_bin_get_by_name (GST_BIN (app->pipeline), "pool");
  app->fanout = gst_bin_get_by_name (GST_BIN (app->pipeline), "f");
  configure_analysis_branch (app->fanout);

  analysis = gst_bin_get_by_name (GST_BIN (app->pipeline), "analysis");
  g_signal_connect (analysis, "new-sample", G_CALLBACK (on_new_sample), app);
  gst_object_unref (analysis);
  return TRUE;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new ("- fan a capture out");
  GError *error = NULL;
  App app = { 0, };
  GstBus *bus;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);

  if (!build (&app))
    return 1;
  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, (GstBusFunc) on_message, &app);
  g_timeout_add_seconds (1, (GSourceFunc) print_stats, &app);
  if (seconds > 0)
    g_timeout_add_seconds (seconds, (GSourceFunc) stop, &app);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);
  print_stats (&app);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pool);
  gst_object_unref (app.fanout);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  g_free (device);
  gst_deinit ();
  return app.exit_code;
}
