/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstframebatchmeta
 * @title: GstFrameBatchMeta
 * @short_description: where a frame of a `framebatch` batch came from
 *
 * The `framebatch` element pushes its batches as #GstBufferList; each
 * buffer of a batch carries a #GstFrameBatchMeta that names the sink pad
 * the frame came in on, its place in the batch, the batch's sequence
 * number and the timestamps the frame came in with.
 *
 * From C:
 * |[<!-- language="C" -->
 *   GstFrameBatchMeta *meta = gst_buffer_get_frame_batch_meta (buffer);
 *
 *   if (meta)
 *     g_print ("batch %" G_GUINT64_FORMAT ": frame %u/%u from sink_%u\n",
 *         meta->seqnum, meta->index, meta->n_frames, meta->pad_index);
 * ]|
 *
 * From Python (GObject introspection, namespace `GstSharedPool`):
 * |[<!-- language="Python" -->
 *   meta = GstSharedPool.buffer_get_frame_batch_meta(buffer)
 *   if meta:
 *       print(meta.seqnum, meta.index, meta.n_frames, meta.pad_index)
 * ]|
 *
 * The meta has no tags: it describes the frame, not its memory or its
 * layout, so transformations and copies keep it.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstframebatchmeta.h"

/**
 * gst_frame_batch_meta_api_get_type:
 *
 * Returns: the #GType of the API of #GstFrameBatchMeta
 *
 * Since: 0.1
 */
GType
gst_frame_batch_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstFrameBatchMetaAPI", tags);

    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
gst_frame_batch_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstFrameBatchMeta *fmeta = (GstFrameBatchMeta *) meta;

  fmeta->pad_index = 0;
  fmeta->index = 0;
  fmeta->n_frames = 0;
  fmeta->seqnum = 0;
  fmeta->pts = GST_CLOCK_TIME_NONE;
  fmeta->dts = GST_CLOCK_TIME_NONE;
  fmeta->duration = GST_CLOCK_TIME_NONE;
  return TRUE;
}

/* A copy, a region or a conversion of the frame is still that frame of that
 * batch: every transformation keeps the meta as it is. */
static gboolean
gst_frame_batch_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstFrameBatchMeta *src = (GstFrameBatchMeta *) meta;
  GstFrameBatchMeta *dmeta;

  dmeta = (GstFrameBatchMeta *) gst_buffer_add_meta (dest,
      GST_FRAME_BATCH_META_INFO, NULL);
  if (!dmeta)
    return FALSE;

  dmeta->pad_index = src->pad_index;
  dmeta->index = src->index;
  dmeta->n_frames = src->n_frames;
  dmeta->seqnum = src->seqnum;
  dmeta->pts = src->pts;
  dmeta->dts = src->dts;
  dmeta->duration = src->duration;
  return TRUE;
}

/**
 * gst_frame_batch_meta_get_info:
 *
 * Returns: the #GstMetaInfo of #GstFrameBatchMeta
 *
 * Since: 0.1
 */
const GstMetaInfo *
gst_frame_batch_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *i = gst_meta_register (GST_FRAME_BATCH_META_API_TYPE,
        "GstFrameBatchMeta", sizeof (GstFrameBatchMeta),
        gst_frame_batch_meta_init, NULL, gst_frame_batch_meta_transform);

    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) i);
  }
  return info;
}

/**
 * gst_buffer_add_frame_batch_meta:
 * @buffer: a writable #GstBuffer
 * @pad_index: the index N of the `sink_N` pad the frame came in on
 *
 * Adds a #GstFrameBatchMeta to @buffer with @pad_index and the buffer's
 * current timestamps as the original ones. The place in the batch
 * (@index, @n_frames, @seqnum) is left at 0 for the caller to fill in.
 *
 * Returns: (transfer none): the meta added to @buffer
 *
 * Since: 0.1
 */
GstFrameBatchMeta *
gst_buffer_add_frame_batch_meta (GstBuffer * buffer, guint pad_index)
{
  GstFrameBatchMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  meta = (GstFrameBatchMeta *) gst_buffer_add_meta (buffer,
      GST_FRAME_BATCH_META_INFO, NULL);
  meta->pad_index = pad_index;
  meta->pts = GST_BUFFER_PTS (buffer);
  meta->dts = GST_BUFFER_DTS (buffer);
  meta->duration = GST_BUFFER_DURATION (buffer);
  return meta;
}

/**
 * gst_buffer_get_frame_batch_meta:
 * @buffer: a #GstBuffer
 *
 * Finds the #GstFrameBatchMeta of a frame that went through `framebatch`.
 *
 * Returns: (transfer none) (nullable): the meta, or %NULL when @buffer has
 * none
 *
 * Since: 0.1
 */
GstFrameBatchMeta *
gst_buffer_get_frame_batch_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  return (GstFrameBatchMeta *) gst_buffer_get_meta (buffer,
      GST_FRAME_BATCH_META_API_TYPE);
}
