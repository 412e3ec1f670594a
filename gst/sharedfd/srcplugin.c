/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * plugin-sharedfdsrc:
 *
 * The receiving side of plugin `sharedfd`: `sharedfdsrc` takes frames as
 * file descriptors from a `sharedfdsink` or a stock `unixfdsink`. A plugin
 * of its own so that a consumer process loads neither the pool library
 * nor libgstvideo (loaded at run time only for frames that carry a
 * #GstVideoMeta).
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsharedfdproto.h"
#include "gstsharedfdsrc.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gst_shared_fd_debug_init ();
  return GST_ELEMENT_REGISTER (sharedfdsrc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sharedfdsrc,
    "Frames from other processes as file descriptors (unixfd protocol)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
