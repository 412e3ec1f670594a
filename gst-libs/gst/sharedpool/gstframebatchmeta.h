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

#define GST_FRAME_BATCH_META_API_TYPE (gst_frame_batch_meta_api_get_type ())
#define GST_FRAME_BATCH_META_INFO (gst_frame_batch_meta_get_info ())

typedef struct _GstFrameBatchMeta GstFrameBatchMeta;

/**
 * GstFrameBatchMeta:
 * @meta: the parent #GstMeta
 * @pad_index: the index N of the `sink_N` pad the frame came in on
 * @index: the position of the frame in its batch, from 0
 * @n_frames: the number of frames in the batch
 * @seqnum: the sequence number of the batch, from 0, one more for each
 *   batch the element pushed
 * @pts: the presentation timestamp the frame came in with
 * @dts: the decoding timestamp the frame came in with
 * @duration: the duration the frame came in with
 *
 * Where a frame of a batch pushed by `framebatch` came from and where it
 * sits in its batch. The element sets the buffer's own timestamps to
 * running time; the original ones are kept here.
 *
 * Since: 0.1
 */
struct _GstFrameBatchMeta
{
  GstMeta meta;

  guint pad_index;
  guint index;
  guint n_frames;
  guint64 seqnum;
  GstClockTime pts;
  GstClockTime dts;
  GstClockTime duration;
};

GST_SHARED_POOL_API
GType               gst_frame_batch_meta_api_get_type (void);

GST_SHARED_POOL_API
const GstMetaInfo * gst_frame_batch_meta_get_info (void);

GST_SHARED_POOL_API
GstFrameBatchMeta * gst_buffer_add_frame_batch_meta (GstBuffer * buffer,
                                                     guint pad_index);

GST_SHARED_POOL_API
GstFrameBatchMeta * gst_buffer_get_frame_batch_meta (GstBuffer * buffer);

G_END_DECLS
