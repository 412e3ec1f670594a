/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A watchdog for stress tests, which must finish: between
 * watchdog_start() and watchdog_stop() it aborts the test when a minute
 * (ten under valgrind) has passed, a deadlock or a lost wakeup. */

#pragma once

#include <glib.h>

#include "testutil.h"

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  GThread *thread;
} Watchdog;

static inline gpointer
watchdog_func (gpointer data)
{
  Watchdog *wd = data;
  gint64 end = g_get_monotonic_time () +
      (RUNNING_ON_VALGRIND ? 600 : 60) * G_TIME_SPAN_SECOND;

  g_mutex_lock (&wd->lock);
  while (!wd->done) {
    if (!g_cond_wait_until (&wd->cond, &wd->lock, end) && !wd->done)
      g_error ("stress run did not finish in time: deadlock or lost wakeup");
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
  wd->thread = g_thread_new ("watchdog", watchdog_func, wd);
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
