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

G_BEGIN_DECLS

#define GST_TYPE_BUCKET_ALLOCATOR (gst_bucket_allocator_get_type ())
GST_SHARED_POOL_API
G_DECLARE_FINAL_TYPE (GstBucketAllocator, gst_bucket_allocator, GST,
    BUCKET_ALLOCATOR, GstAllocator);
#define GST_BUCKET_ALLOCATOR_CAST(obj) ((GstBucketAllocator *) (obj))

/**
 * GST_BUCKET_ALLOCATOR_NAME:
 *
 * The name under which gst_bucket_allocator_register() makes the allocator
 * findable with gst_allocator_find().
 *
 * Since: 0.1
 */
#define GST_BUCKET_ALLOCATOR_NAME "BucketMemory"

/**
 * GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE:
 *
 * Size classes per power of two: a request is served from a block at most
 * 25 % larger than it needs.
 *
 * Since: 0.1
 */
#define GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE 4

GST_SHARED_POOL_API
GstAllocator * gst_bucket_allocator_new (void);

GST_SHARED_POOL_API
void           gst_bucket_allocator_register (void);

GST_SHARED_POOL_API
gboolean       gst_is_bucket_memory (GstMemory * mem);

GST_SHARED_POOL_API
GstStructure * gst_bucket_allocator_get_stats (GstBucketAllocator * self);

GST_SHARED_POOL_API
void           gst_bucket_allocator_trim (GstBucketAllocator * self);

GST_SHARED_POOL_API
gsize          gst_bucket_allocator_get_block_size (GstBucketAllocator * self,
                                                    gsize size);

G_END_DECLS
