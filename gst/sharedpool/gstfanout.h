/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
/**
 * GstFanoutMode:
 * @GST_FANOUT_MODE_BROADCAST: every src pad gets every buffer, by reference
 * @GST_FANOUT_MODE_BALANCE: each buffer goes to the src pad with the fewest
 *   queued buffers, ties in turn
 * @GST_FANOUT_MODE_KEY: each buffer goes to the src pad picked by its key,
 *   GST_BUFFER_OFFSET modulo the number of src pads (in pad index order)
 *
 * Which src pads get a buffer. Events go to every src pad in all modes.
 */
    typedef enum
{
  GST_FANOUT_MODE_BROADCAST,
  GST_FANOUT_MODE_BALANCE,
  GST_FANOUT_MODE_KEY,
} GstFanoutMode;

#define GST_TYPE_FANOUT_MODE (gst_fanout_mode_get_type ())
GType gst_fanout_mode_get_type (void);

#define GST_TYPE_FANOUT_PAD (gst_fanout_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstFanoutPad, gst_fanout_pad, GST, FANOUT_PAD, GstPad);

#define GST_TYPE_FANOUT (gst_fanout_get_type ())
G_DECLARE_FINAL_TYPE (GstFanout, gst_fanout, GST, FANOUT, GstElement);

GST_ELEMENT_REGISTER_DECLARE (fanout);

G_END_DECLS
