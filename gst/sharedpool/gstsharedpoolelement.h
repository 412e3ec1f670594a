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
 * GstSharedPoolPrefer:
 * @GST_SHARED_POOL_PREFER_AUTO: our pool, unless downstream insists on its
 *   own (a pool of a special type or a non-system memory allocator)
 * @GST_SHARED_POOL_PREFER_OURS: always our pool and allocator
 * @GST_SHARED_POOL_PREFER_DOWNSTREAM: downstream's pool whenever it offers
 *   one
 *
 * Whose pool the sharedpool element gives upstream.
 */
typedef enum
{
  GST_SHARED_POOL_PREFER_AUTO,
  GST_SHARED_POOL_PREFER_OURS,
  GST_SHARED_POOL_PREFER_DOWNSTREAM,
} GstSharedPoolPrefer;

#define GST_TYPE_SHARED_POOL_ELEMENT (gst_shared_pool_element_get_type ())
G_DECLARE_FINAL_TYPE (GstSharedPoolElement, gst_shared_pool_element, GST,
    SHARED_POOL_ELEMENT, GstElement);

GST_ELEMENT_REGISTER_DECLARE (sharedpool);

G_END_DECLS
