/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the watermarkfifo and watermarkqueue tests share. */

#pragma once

#include <gst/gst.h>

#define MS (GST_MSECOND)

/* Buffer @i: offset i, @size bytes, timestamped i * @duration when
 * @duration is valid. */
static inline GstBuffer *
make_buffer (guint i, gsize size, GstClockTime duration)
{
  GstBuffer *buf = size ? gst_buffer_new_allocate (NULL, size, NULL) :
      gst_buffer_new ();

  GST_BUFFER_OFFSET (buf) = i;
  if (GST_CLOCK_TIME_IS_VALID (duration)) {
    GST_BUFFER_PTS (buf) = i * duration;
    GST_BUFFER_DURATION (buf) = duration;
  }
  return buf;
}
