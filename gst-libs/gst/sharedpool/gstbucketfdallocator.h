/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/sharedpool/sharedpool-prelude.h>
#include <gst/allocators/gstfdmemory.h>

G_BEGIN_DECLS

#define GST_TYPE_BUCKET_FD_ALLOCATOR (gst_bucket_fd_allocator_get_type ())
GST_SHARED_POOL_API
G_DECLARE_FINAL_TYPE (GstBucketFdAllocator, gst_bucket_fd_allocator, GST,
    BUCKET_FD_ALLOCATOR, GstFdAllocator);
#define GST_BUCKET_FD_ALLOCATOR_CAST(obj) ((GstBucketFdAllocator *) (obj))

GST_SHARED_POOL_API
GstAllocator * gst_bucket_fd_allocator_new (void);

GST_SHARED_POOL_API
gboolean       gst_is_bucket_fd_memory (GstMemory * mem);

GST_SHARED_POOL_API
GstStructure * gst_bucket_fd_allocator_get_stats (GstBucketFdAllocator * self);

G_END_DECLS
