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

#define GST_TYPE_SHARED_POOL (gst_shared_pool_get_type ())
GST_SHARED_POOL_API
G_DECLARE_FINAL_TYPE (GstSharedPool, gst_shared_pool, GST, SHARED_POOL,
    GstBufferPool);
#define GST_SHARED_POOL_CAST(obj) ((GstSharedPool *) (obj))

GST_SHARED_POOL_API
GstBufferPool * gst_shared_pool_new (void);

GST_SHARED_POOL_API
GstFlowReturn   gst_shared_pool_acquire_sized (GstBufferPool * pool,
                                               gsize size,
                                               GstBufferPoolAcquireFlags flags,
                                               GstBuffer ** buffer);

GST_SHARED_POOL_API
GstBuffer *     gst_shared_pool_make_writable (GstBufferPool * pool,
                                               GstBuffer * buffer);

GST_SHARED_POOL_API
GstStructure *  gst_shared_pool_get_stats (GstSharedPool * pool);

GST_SHARED_POOL_API
gchar *         gst_shared_pool_get_leak_report (GstSharedPool * pool);

GST_SHARED_POOL_API
void            gst_shared_pool_trim (GstSharedPool * pool);

GST_SHARED_POOL_API
void            gst_shared_pool_sweep (GstSharedPool * pool);

/* config helpers */

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_max_bytes (GstStructure * config,
                                               guint64 max_bytes);

GST_SHARED_POOL_API
guint64  gst_shared_pool_config_get_max_bytes (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_max_idle_time (GstStructure * config,
                                                   GstClockTime max_idle_time);

GST_SHARED_POOL_API
GstClockTime gst_shared_pool_config_get_max_idle_time (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_key (GstStructure * config,
                                         const gchar * key);

GST_SHARED_POOL_API
const gchar * gst_shared_pool_config_get_key (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_max_keys (GstStructure * config,
                                              guint max_keys);

GST_SHARED_POOL_API
guint    gst_shared_pool_config_get_max_keys (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_zero_memory (GstStructure * config,
                                                 gboolean zero_memory);

GST_SHARED_POOL_API
gboolean gst_shared_pool_config_get_zero_memory (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_track_leaks (GstStructure * config,
                                                 gboolean track_leaks);

GST_SHARED_POOL_API
gboolean gst_shared_pool_config_get_track_leaks (const GstStructure * config);

GST_SHARED_POOL_API
void     gst_shared_pool_config_set_holder_report_timeout (GstStructure * config,
                                                          GstClockTime timeout);

GST_SHARED_POOL_API
GstClockTime gst_shared_pool_config_get_holder_report_timeout (const GstStructure * config);

G_END_DECLS
