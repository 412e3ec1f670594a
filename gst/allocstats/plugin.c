/* GStreamer shared pool tracers
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * plugin-sharedpooltracers:
 *
 * The `allocstats` tracer (`GST_TRACERS=allocstats`): the buffers,
 * memories and bytes a process allocates and frees, memory recycled by its
 * allocator and buffers returned to their pools, by element, allocator and
 * pool type, every interval and in a summary at the end.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstallocstats.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  return gst_tracer_register (plugin, "allocstats", GST_TYPE_ALLOC_STATS);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sharedpooltracers,
    "Allocation tracers: buffers, memory, pool returns and bytes",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
