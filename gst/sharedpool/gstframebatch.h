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
 * GstFrameBatchPolicy:
 * @GST_FRAME_BATCH_POLICY_ANY: frames join a batch in the order they arrive,
 *   whatever sink pad they come from
 * @GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE: a batch holds at most one frame
 *   of each sink pad; a second frame of a pad closes the batch
 *
 * Which frames make up a batch.
 */
typedef enum
{
  GST_FRAME_BATCH_POLICY_ANY,
  GST_FRAME_BATCH_POLICY_ONE_PER_SOURCE,
} GstFrameBatchPolicy;

#define GST_TYPE_FRAME_BATCH_POLICY (gst_frame_batch_policy_get_type ())
GType gst_frame_batch_policy_get_type (void);

#define GST_TYPE_FRAME_BATCH (gst_frame_batch_get_type ())
G_DECLARE_FINAL_TYPE (GstFrameBatch, gst_frame_batch, GST, FRAME_BATCH,
    GstElement);

GST_ELEMENT_REGISTER_DECLARE (framebatch);

G_END_DECLS
