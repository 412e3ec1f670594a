/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Cycles every element of the project's plugins through every state
 * change, alone and unlinked: cheap coverage of change_state, of pad
 * (de)activation and of what an element does without data. Elements with
 * a `socket-path` get one in a temporary directory: sharedfdsink listens
 * there, sharedfdsrc connects to a sharedfdsink kept listening for it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/base/gstbasesink.h>
#include <gst/check/gstcheck.h>

static const gchar *plugins[] = { "sharedpoolelements", "sharedfd",
  "sharedfdsrc"
};

static GList *
project_factories (void)
{
  GList *factories = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (plugins); i++) {
    GList *features =
        gst_registry_get_feature_list_by_plugin (gst_registry_get (),
        plugins[i]);

    fail_unless (features != NULL, "plugin %s not found", plugins[i]);
    factories = g_list_concat (factories, features);
  }
  return factories;
}

static void
set_state (GstElement * element, GstState state)
{
  GstStateChangeReturn ret = gst_element_set_state (element, state);

  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s to %s failed",
      GST_ELEMENT_NAME (element), gst_element_state_get_name (state));
  if (ret == GST_STATE_CHANGE_ASYNC)
    gst_element_get_state (element, NULL, NULL, GST_CLOCK_TIME_NONE);
}

/* Up and down one step at a time, then the long jumps both ways. */
static void
cycle_states (GstElement * element)
{
  static const GstState path[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_READY, GST_STATE_NULL,
    GST_STATE_PLAYING, GST_STATE_NULL, GST_STATE_PAUSED, GST_STATE_NULL,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (path); i++)
    set_state (element, path[i]);
}

/* The socket @element uses in @dir: its own when it listens (a sink),
 * the server's when it connects. A sink without data never prerolls, so
 * it changes state without waiting for one. */
static void
set_socket_path (GstElement * element, const gchar * dir)
{
  gchar *path;

  if (GST_IS_BASE_SINK (element))
    g_object_set (element, "async", FALSE, NULL);
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (element),
          "socket-path"))
    return;
  path = g_build_filename (dir, GST_IS_BASE_SINK (element) ? "own" :
      "server", NULL);
  g_object_set (element, "socket-path", path, NULL);
  g_free (path);
}

static GstElement *
start_server (const gchar * dir)
{
  GstElement *server = gst_element_factory_make ("sharedfdsink", NULL);
  gchar *path = g_build_filename (dir, "server", NULL);

  g_object_set (server, "socket-path", path, NULL);
  fail_if (gst_element_set_state (server, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  g_free (path);
  return server;
}

GST_START_TEST (test_state_changes)
{
  GList *factories = project_factories (), *l;
  gchar *dir = g_dir_make_tmp ("states-XXXXXX", NULL);
  GstElement *server = start_server (dir);

  for (l = factories; l; l = l->next) {
    GstElement *element;

    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    element = gst_element_factory_create (l->data, NULL);
    fail_unless (element != NULL, "cannot create %s",
        gst_plugin_feature_get_name (l->data));
    set_socket_path (element, dir);
    GST_INFO ("cycling %s", GST_ELEMENT_NAME (element));
    cycle_states (element);
    gst_object_unref (element);
  }
  gst_plugin_feature_list_free (factories);
  gst_element_set_state (server, GST_STATE_NULL);
  gst_object_unref (server);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("states");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_state_changes);
  return s;
}

GST_CHECK_MAIN (states);
