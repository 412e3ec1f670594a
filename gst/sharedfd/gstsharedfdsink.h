/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_SHARED_FD_SINK (gst_shared_fd_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstSharedFdSink, gst_shared_fd_sink, GST,
    SHARED_FD_SINK, GstBaseSink);

GST_ELEMENT_REGISTER_DECLARE (sharedfdsink);

G_END_DECLS
