/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Metas on the wire, in the layout of gst_meta_serialize() (1.24+):
 * [u32 total size][u32 name length][name][\0][u8 version][payload], little
 * endian. The writer (gstsharedfdmetawriter.c) is the sink's and links
 * libgstvideo; the reader (gstsharedfdmeta.c) is the source's and opens
 * libgstvideo only when a frame carries a GstVideoMeta. */

#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_SHARED_FD_VIDEO_META_NAME "GstVideoMeta"

/* [u32 total size][u32 name length], the name, \0 and the version */
#define GST_SHARED_FD_META_HEADER_SIZE(name_len) (8 + (name_len) + 2)

/* Appends the buffer's serializable metas to @payload, but not a video
 * meta in the default layout of @caps_info (the caps' raw video info, or
 * NULL); returns how many. */
G_GNUC_INTERNAL
guint16 gst_shared_fd_write_metas (GstBuffer * buffer,
    const GstVideoInfo * caps_info, GByteArray * payload);

G_GNUC_INTERNAL
gboolean gst_shared_fd_read_metas (GstBuffer * buffer, guint n_meta,
    const guint8 * data, gsize size, GError ** error);

G_END_DECLS
