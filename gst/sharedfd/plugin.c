/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * plugin-sharedfd:
 *
 * Frames across processes without copies: `sharedfdsink` passes each
 * buffer's memfd-backed memory as file descriptors over a unix socket to
 * any number of `sharedfdsrc` processes (plugin `sharedfdsrc`), in the
 * wire protocol of GStreamer's `unixfdsink`/`unixfdsrc` (gst-plugins-bad
 * 1.24+), so either side also talks to the stock elements.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsharedfdproto.h"
#include "gstsharedfdsink.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gst_shared_fd_debug_init ();
  return GST_ELEMENT_REGISTER (sharedfdsink, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sharedfd,
    "Frames to other processes as file descriptors (unixfd protocol)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
