/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * plugin-sharedpoolelements:
 *
 * Elements for pooled media buffers: `sharedpool` hands a keyed,
 * size-bucketed #GstSharedPool to upstream; `fanout` sends each buffer to
 * several branches without copying, each branch on its own thread with
 * pause/resume watermarks; `framebatch` batches the frames of several
 * producers into buffer lists; `watermarkqueue` is a queue that blocks or
 * drops between a pause and a resume watermark.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstfanout.h"
#include "gstframebatch.h"
#include "gstsharedpoolelement.h"
#include "gstwatermarkqueue.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (sharedpool, plugin);
  ret |= GST_ELEMENT_REGISTER (fanout, plugin);
  ret |= GST_ELEMENT_REGISTER (framebatch, plugin);
  ret |= GST_ELEMENT_REGISTER (watermarkqueue, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sharedpoolelements,
    "Pooled media buffers: shared pool, fan-out, batching, watermark queue",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
