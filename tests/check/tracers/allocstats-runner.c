/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* allocstats-runner: runs one pipeline to EOS for the allocstats tests, in
 * a process of its own, so that each run gets the tracer params of its
 * GST_TRACERS and can run under the LD_PRELOAD malloc counter.
 *
 *   allocstats-runner [OPTIONS] PIPELINE
 *
 * --bucket-default      a GstBucketAllocator is the default allocator
 * --app-buffers N       push N buffers into the appsrc named "app", each
 * --app-size BYTES        from gst_buffer_new_allocate (NULL, BYTES, NULL)
 * --print-params        print the allocstats tracer's params on stdout
 * --no-deinit           exit without gst_deinit()
 *
 * Exits with 0 after EOS, 1 on an error message or a bad pipeline.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* RTLD_DEFAULT */
#endif

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dlfcn.h>
#include <gst/gst.h>
#include <gst/sharedpool/sharedpool.h>

static gboolean bucket_default;
static gint app_buffers;
static gint app_size = 4096;
static gboolean print_params;
static gboolean no_deinit;

/* *INDENT-OFF* */
static GOptionEntry entries[] = {
  {"bucket-default", 0, 0, G_OPTION_ARG_NONE, &bucket_default,
      "Make a GstBucketAllocator the default allocator", NULL},
  {"app-buffers", 0, 0, G_OPTION_ARG_INT, &app_buffers,
      "Buffers to push into the appsrc named app", "N"},
  {"app-size", 0, 0, G_OPTION_ARG_INT, &app_size,
      "Size of each appsrc buffer", "BYTES"},
  {"print-params", 0, 0, G_OPTION_ARG_NONE, &print_params,
      "Print the allocstats tracer's params", NULL},
  {"no-deinit", 0, 0, G_OPTION_ARG_NONE, &no_deinit,
      "Exit without gst_deinit()", NULL},
  {NULL}
};
/* *INDENT-ON* */

/* The appsrc has block=true, so this waits while its queue is full. */
static void
push_app_buffers (GstElement * pipeline)
{
  GstElement *app = gst_bin_get_by_name (GST_BIN (pipeline), "app");
  GstFlowReturn ret;
  gint i;

  if (app == NULL)
    return;
  for (i = 0; i < app_buffers; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, app_size, NULL);

    /* the action signal does not take the buffer */
    g_signal_emit_by_name (app, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
  }
  g_signal_emit_by_name (app, "end-of-stream", &ret);
  gst_object_unref (app);
}

static gboolean
run_pipeline (const gchar * description)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (description, &err);
  GstMessage *msg;
  gboolean ok;

  if (pipeline == NULL)
    goto bad_pipeline;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  push_app_buffers (pipeline);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok)
    g_printerr ("error message: %" GST_PTR_FORMAT "\n", msg);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return ok;

bad_pipeline:
  {
    g_printerr ("bad pipeline '%s': %s\n", description,
        err ? err->message : "?");
    g_clear_error (&err);
    return FALSE;
  }
}

static void
print_params_of (GObject * tracer)
{
  static const gchar *names[] = { "interval", "file", "format", "summary",
    "max-rows"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GValue v = G_VALUE_INIT;
    gchar *str;

    g_object_get_property (tracer, names[i], &v);
    str = gst_value_serialize (&v);
    g_print ("%s%s=%s", i ? " " : "", names[i], GST_STR_NULL (str));
    g_free (str);
    g_value_unset (&v);
  }
  g_print ("\n");
}

static void
print_tracer_params (void)
{
  GList *tracers = gst_tracing_get_active_tracers (), *l;

  for (l = tracers; l; l = l->next)
    if (g_str_equal (G_OBJECT_TYPE_NAME (l->data), "GstAllocStats"))
      print_params_of (l->data);
  g_list_free_full (tracers, gst_object_unref);
}

/* The malloc counter (tests/malloccount), when it is preloaded, counts
 * from here: gst_init() has loaded the registry, whose big mallocs (a
 * pad template's caps of 170 KiB with gst-plugins-bad 1.26) are no
 * GstMemory; every GstMemory is made after this. */
static void
restart_malloc_count (void)
{
  void (*restart) (void) = (void (*)(void)) dlsym (RTLD_DEFAULT,
      "malloccount_restart");

  if (restart)
    restart ();
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new ("PIPELINE");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || argc != 2) {
    g_printerr ("usage: %s [OPTIONS] PIPELINE (%s)\n", argv[0],
        err ? err->message : "one pipeline");
    return 2;
  }
  g_option_context_free (ctx);

  if (bucket_default)
    gst_allocator_set_default (gst_bucket_allocator_new ());
  restart_malloc_count ();
  ok = run_pipeline (argv[1]);
  if (print_params)
    print_tracer_params ();
  if (!no_deinit)
    gst_deinit ();

  return ok ? 0 : 1;
}
