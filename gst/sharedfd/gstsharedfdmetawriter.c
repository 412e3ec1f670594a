/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The sink's side of the metas on the wire. Built against GStreamer 1.24+,
 * every meta with a serializer is sent (GstVideoMeta, GstAudioMeta,
 * GstReferenceTimestampMeta, custom metas). GStreamer 1.22 has no meta
 * serialization, so there the one meta that matters for sharing frames,
 * GstVideoMeta, is written here in the layout of GStreamer's own video meta
 * serializer; other metas are not sent.
 *
 * A GstVideoMeta that says no more than the caps is not sent: a receiver
 * without it computes that same layout from the caps, as every GStreamer
 * element does, and need not load libgstvideo for it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/base/gstbytewriter.h>

#include "gstsharedfdmeta.h"

/* Whether @vmeta is the default layout of @caps_info (the caps' raw video
 * info, NULL for other caps), with no flags, id or alignment of its own. */
static gboolean
video_meta_is_default (const GstVideoMeta * vmeta,
    const GstVideoInfo * caps_info)
{
  static const GstVideoAlignment no_alignment;
  guint i;

  if (caps_info == NULL || vmeta->flags != 0 || vmeta->id != 0 ||
      vmeta->format != GST_VIDEO_INFO_FORMAT (caps_info) ||
      vmeta->width != GST_VIDEO_INFO_WIDTH (caps_info) ||
      vmeta->height != GST_VIDEO_INFO_HEIGHT (caps_info) ||
      vmeta->n_planes != GST_VIDEO_INFO_N_PLANES (caps_info) ||
      memcmp (&vmeta->alignment, &no_alignment, sizeof no_alignment) != 0)
    return FALSE;
  for (i = 0; i < vmeta->n_planes; i++)
    if (vmeta->offset[i] != GST_VIDEO_INFO_PLANE_OFFSET (caps_info, i) ||
        vmeta->stride[i] != GST_VIDEO_INFO_PLANE_STRIDE (caps_info, i))
      return FALSE;
  return TRUE;
}

#if GST_CHECK_VERSION (1, 24, 0)

/* Appends the buffer's serializable metas to @payload; returns how many. */
guint16
gst_shared_fd_write_metas (GstBuffer * buffer, const GstVideoInfo * caps_info,
    GByteArray * payload)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint16 n = 0;

  while ((meta = gst_buffer_iterate_meta (buffer, &state)) && n < G_MAXUINT16) {
    if (meta->info->api == GST_VIDEO_META_API_TYPE &&
        video_meta_is_default ((GstVideoMeta *) meta, caps_info))
      continue;
    if (gst_meta_serialize_simple (meta, payload))
      n++;
  }
  return n;
}

#else /* GStreamer 1.22 */

static void
write_video_meta (const GstVideoMeta * vmeta, GstByteWriter * bw)
{
  guint i;

  gst_byte_writer_put_int32_le (bw, vmeta->flags);
  gst_byte_writer_put_int32_le (bw, vmeta->format);
  gst_byte_writer_put_uint32_le (bw, vmeta->width);
  gst_byte_writer_put_uint32_le (bw, vmeta->height);
  gst_byte_writer_put_uint32_le (bw, vmeta->n_planes);
  for (i = 0; i < vmeta->n_planes; i++)
    gst_byte_writer_put_uint64_le (bw, vmeta->offset[i]);
  for (i = 0; i < vmeta->n_planes; i++)
    gst_byte_writer_put_int32_le (bw, vmeta->stride[i]);
  gst_byte_writer_put_uint32_le (bw, vmeta->alignment.padding_top);
  gst_byte_writer_put_uint32_le (bw, vmeta->alignment.padding_bottom);
  gst_byte_writer_put_uint32_le (bw, vmeta->alignment.padding_left);
  gst_byte_writer_put_uint32_le (bw, vmeta->alignment.padding_right);
  for (i = 0; i < vmeta->n_planes; i++)
    gst_byte_writer_put_uint32_le (bw, vmeta->alignment.stride_align[i]);
}

/* Appends the buffer's GstVideoMeta to @payload, unless it is the caps'
 * default layout; returns how many metas were appended. */
guint16
gst_shared_fd_write_metas (GstBuffer * buffer, const GstVideoInfo * caps_info,
    GByteArray * payload)
{
  const gsize name_len = strlen (GST_SHARED_FD_VIDEO_META_NAME);
  GstVideoMeta *vmeta = gst_buffer_get_video_meta (buffer);
  GstByteWriter bw;
  guint8 *data;
  guint size;

  if (vmeta == NULL || video_meta_is_default (vmeta, caps_info))
    return 0;

  gst_byte_writer_init (&bw);
  gst_byte_writer_put_uint32_le (&bw, 0);
  gst_byte_writer_put_uint32_le (&bw, name_len);
  gst_byte_writer_put_data (&bw,
      (const guint8 *) GST_SHARED_FD_VIDEO_META_NAME, name_len + 1);
  gst_byte_writer_put_uint8 (&bw, 0);
  write_video_meta (vmeta, &bw);
  size = gst_byte_writer_get_size (&bw);
  data = gst_byte_writer_reset_and_get_data (&bw);
  GST_WRITE_UINT32_LE (data, size);
  g_byte_array_append (payload, data, size);
  g_free (data);
  return 1;
}

#endif
