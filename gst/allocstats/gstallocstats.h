/* GStreamer shared pool tracers
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
 * GstAllocStatsFormat:
 * @GST_ALLOC_STATS_FORMAT_AUTO: JSON when the file name ends in ".json",
 *   CSV otherwise
 * @GST_ALLOC_STATS_FORMAT_CSV: one CSV row per interval
 * @GST_ALLOC_STATS_FORMAT_JSON: one JSON document with the rows and the
 *   final tables
 * @GST_ALLOC_STATS_FORMAT_MEMORY_TRACER: the CSV of gst-plugins-rs'
 *   memory-tracer (one row per GstMemory allocated or freed, read by its
 *   memory_usage.py), plus the element that first pushed the memory
 *
 * What the allocstats tracer writes to its #GstAllocStats:file.
 */
    typedef enum
{
  GST_ALLOC_STATS_FORMAT_AUTO,
  GST_ALLOC_STATS_FORMAT_CSV,
  GST_ALLOC_STATS_FORMAT_JSON,
  GST_ALLOC_STATS_FORMAT_MEMORY_TRACER,
} GstAllocStatsFormat;

#define GST_TYPE_ALLOC_STATS_FORMAT (gst_alloc_stats_format_get_type ())
GType gst_alloc_stats_format_get_type (void);

#define GST_TYPE_ALLOC_STATS (gst_alloc_stats_get_type ())
G_DECLARE_FINAL_TYPE (GstAllocStats, gst_alloc_stats, GST, ALLOC_STATS,
    GstTracer);

G_END_DECLS
