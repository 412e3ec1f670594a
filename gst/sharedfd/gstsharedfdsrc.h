/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SHARED_FD_SRC (gst_shared_fd_src_get_type ())
G_DECLARE_FINAL_TYPE (GstSharedFdSrc, gst_shared_fd_src, GST,
    SHARED_FD_SRC, GstPushSrc);

GST_ELEMENT_REGISTER_DECLARE (sharedfdsrc);

G_END_DECLS
