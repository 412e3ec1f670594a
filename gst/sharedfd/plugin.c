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
 * any number of `sharedfdsrc` processes, in the wire protocol of
 * GStreamer's `unixfdsink`/`unixfdsrc` (gst-plugins-bad 1.24+), so either
 * side also talks to the stock elements.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsharedfdproto.h"
#include "gstsharedfdsink.h"
#include "gstsharedfdsrc.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  GST_DEBUG_CATEGORY_INIT (gst_shared_fd_debug, "sharedfd", 0,
      "unixfd protocol");
  ret |= GST_ELEMENT_REGISTER (sharedfdsink, plugin);
  ret |= GST_ELEMENT_REGISTER (sharedfdsrc, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sharedfd,
    "Frames across processes as file descriptors (unixfd protocol)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
