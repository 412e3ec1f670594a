/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A consumer of framebatch batches, as an inference stage would be: a few
 * sources feed `framebatch policy=one-per-source`, and an appsink with
 * buffer-list=true hands each batch over whole, as one GstBufferList. For
 * every batch it reads the GstFrameBatchMeta of each frame (which source,
 * where in the batch, the original timestamp) and checks that the batches
 * are what the policy promises: one frame per source at most, numbered
 * without gaps, nothing lost.
 *
 *   framebatch-consumer [--sources N] [--frames N] [--batch-size N]
 *                       [--live] [--quiet]
 *
 * It exits non-zero when a check fails. */

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/sharedpool/sharedpool.h>

#define MAX_SOURCES 16

typedef struct
{
  guint64 batches;
  guint64 frames;
  guint64 next_seqnum;
  gboolean ok;
} Totals;

static gint n_sources = 3;
static gint n_frames = 90;
static gint batch_size = 0;
static gboolean live = FALSE;
static gboolean quiet = FALSE;

static GOptionEntry entries[] = {
  {"sources", 's', 0, G_OPTION_ARG_INT, &n_sources,
      "Number of sources (1-16, default 3)", "N"},
  {"frames", 'n', 0, G_OPTION_ARG_INT, &n_frames,
      "Frames per source (default 90)", "N"},
  {"batch-size", 'b', 0, G_OPTION_ARG_INT, &batch_size,
      "batch-size of framebatch (default: the number of sources)", "N"},
  {"live", 'l', 0, G_OPTION_ARG_NONE, &live,
      "Live sources at 30 fps, timed on the pipeline clock", NULL},
  {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print the summary only",
      NULL},
  {NULL}
};

static gchar *
pipeline_description (void)
{
  GString *desc = g_string_new (NULL);
  gint i;

  g_string_append_printf (desc, "framebatch name=batch policy=one-per-source "
      "batch-size=%d ! appsink name=sink buffer-list=true sync=false ",
      batch_size);
  for (i = 0; i < n_sources; i++)
    g_string_append_printf (desc, "videotestsrc is-live=%s num-buffers=%d "
        "pattern=%d ! video/x-raw,format=I420,width=160,height=120,"
        "framerate=30/1 ! batch. ", live ? "true" : "false", n_frames, i);
  return g_string_free (desc, FALSE);
}

/* Reads the metas of one batch and checks them. */
static void
consume_batch (GstBufferList * list, Totals * totals)
{
  guint i, n = gst_buffer_list_length (list);
  gboolean seen[MAX_SOURCES] = { FALSE, };

  for (i = 0; i < n; i++) {
    GstBuffer *frame = gst_buffer_list_get (list, i);
    GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (frame);

    if (!meta || meta->index != i || meta->n_frames != n ||
        meta->seqnum != totals->next_seqnum ||
        meta->pad_index >= MAX_SOURCES || seen[meta->pad_index]) {
      g_printerr ("batch %" G_GUINT64_FORMAT ": bad frame %u\n",
          totals->next_seqnum, i);
      totals->ok = FALSE;
      return;
    }
    seen[meta->pad_index] = TRUE;
    if (!quiet)
      g_print ("%s sink_%u pts %" GST_TIME_FORMAT, i ? "," : "  batch",
          meta->pad_index, GST_TIME_ARGS (meta->pts));
  }
  if (!quiet)
    g_print ("  (#%" G_GUINT64_FORMAT ", %u frames)\n", totals->next_seqnum, n);
  totals->next_seqnum++;
  totals->batches++;
  totals->frames += n;
}

static gboolean
pipeline_failed (GstBus * bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err;

  if (!msg)
    return FALSE;
  gst_message_parse_error (msg, &err, NULL);
  g_printerr ("error: %s\n", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return TRUE;
}

/* Pulls batches until EOS; an error stops the pipeline before EOS, so the
 * bus is looked at whenever no batch came for a while. */
static void
consume (GstElement * pipeline, GstAppSink * sink, Totals * totals)
{
  GstBus *bus = gst_element_get_bus (pipeline);

  while (totals->ok && !gst_app_sink_is_eos (sink)) {
    GstSample *sample = gst_app_sink_try_pull_sample (sink, GST_SECOND / 10);
    GstBufferList *list;

    if (!sample) {
      totals->ok = !pipeline_failed (bus);
      continue;
    }
    list = gst_sample_get_buffer_list (sample);
    if (list) {
      consume_batch (list, totals);
    } else {
      g_printerr ("a sample without a buffer list\n");
      totals->ok = FALSE;
    }
    gst_sample_unref (sample);
  }
  gst_object_unref (bus);
}

static gboolean
check_end (GstElement * batch, Totals * totals)
{
  GstStructure *stats;
  gchar *text;

  g_object_get (batch, "stats", &stats, NULL);
  text = gst_structure_to_string (stats);
  g_print ("%" G_GUINT64_FORMAT " batches, %" G_GUINT64_FORMAT
      " frames (%.2f per batch)\nframebatch stats: %s\n", totals->batches,
      totals->frames, totals->batches ?
      (gdouble) totals->frames / totals->batches : 0.0, text);
  g_free (text);
  gst_structure_free (stats);

  if (totals->frames != (guint64) n_sources * n_frames) {
    g_printerr ("expected %d frames\n", n_sources * n_frames);
    totals->ok = FALSE;
  }
  return totals->ok;
}

static gboolean
parse_args (int *argc, char ***argv)
{
  GOptionContext *ctx = g_option_context_new ("- consume framebatch batches");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &err);
  g_option_context_free (ctx);
  if (!ok) {
    g_printerr ("%s\n", err->message);
    g_error_free (err);
    return FALSE;
  }
  if (batch_size == 0)
    batch_size = n_sources;
  return n_sources >= 1 && n_sources <= MAX_SOURCES && n_frames >= 1 &&
      batch_size >= 1;
}

int
main (int argc, char **argv)
{
  Totals totals = { 0, 0, 0, TRUE };
  GstElement *pipeline, *sink, *batch;
  GError *err = NULL;
  gchar *desc;

  if (!parse_args (&argc, &argv))
    return 2;

  desc = pipeline_description ();
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipeline) {
    g_printerr ("%s\n", err->message);
    g_error_free (err);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  batch = gst_bin_get_by_name (GST_BIN (pipeline), "batch");

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  consume (pipeline, GST_APP_SINK (sink), &totals);
  check_end (batch, &totals);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  gst_object_unref (batch);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_deinit ();
  return totals.ok ? 0 : 1;
}
