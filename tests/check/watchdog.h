/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A watchdog for stress tests, which must finish: between
 * watchdog_start() and watchdog_stop() it aborts the test, with the states
 * of the pipeline given to watchdog_watch() if any, when three quarters
 * of check's own timeout (CK_DEFAULT_TIMEOUT times CK_TIMEOUT_MULTIPLIER)
 * have passed: a deadlock or a lost wakeup. It fires before check kills
 * the test, so that its diagnostics print. */

#pragma once

#include <stdlib.h>

#include <gst/gst.h>

#include "testutil.h"

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  GThread *thread;
  GstElement *pipeline;         /* dumped when it fires, or NULL */
} Watchdog;

static inline gdouble
watchdog_env (const gchar * name, gdouble fallback)
{
  const gchar *v = g_getenv (name);
  gdouble d = v ? g_ascii_strtod (v, NULL) : 0;

  return d > 0 ? d : fallback;
}

/* check's timeout for one test, in seconds */
static inline gdouble
watchdog_check_timeout (void)
{
  return watchdog_env ("CK_DEFAULT_TIMEOUT", 4) *
      watchdog_env ("CK_TIMEOUT_MULTIPLIER", 1);
}

/* Prints the current and pending state of @element and, for a bin, of
 * everything in it. */
static inline void
dump_states (GstElement * element, guint depth)
{
  GstState cur, pending;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  gst_element_get_state (element, &cur, &pending, 0);
  g_printerr ("%*s%s: %s (pending %s)\n", depth * 2, "",
      GST_OBJECT_NAME (element), gst_element_state_get_name (cur),
      gst_element_state_get_name (pending));
  if (!GST_IS_BIN (element))
    return;
  it = gst_bin_iterate_elements (GST_BIN (element));
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    dump_states (g_value_get_object (&v), depth + 1);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

/* Waits at most @seconds for @element's state change to finish; fails
 * the test with a state dump when it does not. */
static inline void
wait_state_bounded (GstElement * element, guint seconds)
{
  if (gst_element_get_state (element, NULL, NULL, seconds * GST_SECOND) !=
      GST_STATE_CHANGE_ASYNC)
    return;
  dump_states (element, 0);
  g_error ("%s: the state change did not finish in %u s",
      GST_OBJECT_NAME (element), seconds);
}

static inline gpointer
watchdog_func (gpointer data)
{
  Watchdog *wd = data;
  gint64 end = g_get_monotonic_time () +
      (gint64) (watchdog_check_timeout () * 0.75 * G_TIME_SPAN_SECOND);

  g_mutex_lock (&wd->lock);
  while (!wd->done) {
    if (!g_cond_wait_until (&wd->cond, &wd->lock, end) && !wd->done) {
      if (wd->pipeline)
        dump_states (wd->pipeline, 0);
      g_error ("stress run did not finish in time: deadlock or lost wakeup");
    }
  }
  g_mutex_unlock (&wd->lock);
  return NULL;
}

static inline void
watchdog_start (Watchdog * wd)
{
  g_mutex_init (&wd->lock);
  g_cond_init (&wd->cond);
  wd->done = FALSE;
  wd->pipeline = NULL;
  wd->thread = g_thread_new ("watchdog", watchdog_func, wd);
}

/* Dumps @pipeline's states when the watchdog fires (not reffed: it must
 * outlive watchdog_stop()). */
static inline void
watchdog_watch (Watchdog * wd, GstElement * pipeline)
{
  g_mutex_lock (&wd->lock);
  wd->pipeline = pipeline;
  g_mutex_unlock (&wd->lock);
}

static inline void
watchdog_stop (Watchdog * wd)
{
  g_mutex_lock (&wd->lock);
  wd->done = TRUE;
  g_cond_signal (&wd->cond);
  g_mutex_unlock (&wd->lock);
  g_thread_join (wd->thread);
  g_mutex_clear (&wd->lock);
  g_cond_clear (&wd->cond);
}
