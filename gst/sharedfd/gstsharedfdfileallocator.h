/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The fd memory of sharedfdsrc: received files mapped once and cached,
 * one root memory per received memory that tells when it is gone. The
 * cache makes the memories; each has an allocator of its own, a
 * GstFdAllocator. */

#pragma once

#include <gst/allocators/allocators.h>

G_BEGIN_DECLS

#define GST_TYPE_SHARED_FD_FILE_ALLOCATOR \
  (gst_shared_fd_file_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstSharedFdFileAllocator, gst_shared_fd_file_allocator,
    GST, SHARED_FD_FILE_ALLOCATOR, GstObject);

G_GNUC_INTERNAL
GstSharedFdFileAllocator *gst_shared_fd_file_allocator_new (void);

G_GNUC_INTERNAL
GstMemory *gst_shared_fd_file_allocator_wrap (GstSharedFdFileAllocator * self,
    gint fd, guint64 offset, guint64 size, GDestroyNotify gone,
    gpointer gone_data, GError ** error);

G_GNUC_INTERNAL
void gst_shared_fd_file_allocator_clear (GstSharedFdFileAllocator * self);

G_GNUC_INTERNAL
void gst_shared_fd_file_allocator_counts (GstSharedFdFileAllocator * self,
    guint64 * files_mapped, guint * files_cached);

G_END_DECLS
