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
#define GST_TYPE_WATERMARK_QUEUE (gst_watermark_queue_get_type ())
G_DECLARE_FINAL_TYPE (GstWatermarkQueue, gst_watermark_queue, GST,
    WATERMARK_QUEUE, GstElement);

GST_ELEMENT_REGISTER_DECLARE (watermarkqueue);

G_END_DECLS
