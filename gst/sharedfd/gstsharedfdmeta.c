/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Metas on the wire, in the layout of gst_meta_serialize() (1.24+):
 * [u32 total size][u32 name length][name][\0][u8 version][payload], little
 * endian. GStreamer 1.22 has no meta serialization, so the one meta that
 * matters for sharing frames, GstVideoMeta, is written and read here in the
 * layout of GStreamer's own video meta serializer; other metas are not
 * sent, and unknown ones received are skipped. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/base/gstbytereader.h>
#include <gst/base/gstbytewriter.h>
#include <gst/video/video.h>

#include "gstsharedfdproto.h"

#define VIDEO_META_NAME "GstVideoMeta"

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

/* Appends the buffer's serializable metas to @payload; returns how many. */
guint16
gst_shared_fd_write_metas (GstBuffer * buffer, GByteArray * payload)
{
  GstVideoMeta *vmeta = gst_buffer_get_video_meta (buffer);
  GstByteWriter bw;
  guint8 *data;
  guint size;

  if (vmeta == NULL)
    return 0;

  gst_byte_writer_init (&bw);
  gst_byte_writer_put_uint32_le (&bw, 0);
  gst_byte_writer_put_uint32_le (&bw, strlen (VIDEO_META_NAME));
  gst_byte_writer_put_data (&bw, (const guint8 *) VIDEO_META_NAME,
      strlen (VIDEO_META_NAME) + 1);
  gst_byte_writer_put_uint8 (&bw, 0);
  write_video_meta (vmeta, &bw);
  size = gst_byte_writer_get_size (&bw);
  data = gst_byte_writer_reset_and_get_data (&bw);
  GST_WRITE_UINT32_LE (data, size);
  g_byte_array_append (payload, data, size);
  g_free (data);
  return 1;
}

static gboolean
read_video_meta (GstBuffer * buffer, const guint8 * data, gsize size)
{
  GstByteReader br = GST_BYTE_READER_INIT (data, size);
  guint32 flags, format, width, height, n_planes, i;
  gsize offset[GST_VIDEO_MAX_PLANES];
  gint stride[GST_VIDEO_MAX_PLANES];

  if (!gst_byte_reader_get_uint32_le (&br, &flags) ||
      !gst_byte_reader_get_uint32_le (&br, &format) ||
      !gst_byte_reader_get_uint32_le (&br, &width) ||
      !gst_byte_reader_get_uint32_le (&br, &height) ||
      !gst_byte_reader_get_uint32_le (&br, &n_planes) ||
      n_planes == 0 || n_planes > GST_VIDEO_MAX_PLANES)
    return FALSE;
  for (i = 0; i < n_planes; i++) {
    guint64 o;

    if (!gst_byte_reader_get_uint64_le (&br, &o) || o > G_MAXSIZE)
      return FALSE;
    offset[i] = o;
  }
  for (i = 0; i < n_planes; i++)
    if (!gst_byte_reader_get_int32_le (&br, &stride[i]))
      return FALSE;
  /* the alignment that follows does not change how the planes are read */
  return gst_buffer_add_video_meta_full (buffer, flags, format, width, height,
      n_planes, offset, stride) != NULL;
}

/* Adds the @n_meta metas serialized in @data to @buffer. A meta this
 * side does not know is skipped; a malformed one is an error. */
gboolean
gst_shared_fd_read_metas (GstBuffer * buffer, guint n_meta,
    const guint8 * data, gsize size, GError ** error)
{
  guint i;

  for (i = 0; i < n_meta; i++) {
    guint32 total, name_len, header;

    if (size < 8)
      goto malformed;
    total = GST_READ_UINT32_LE (data);
    name_len = GST_READ_UINT32_LE (data + 4);
    if (name_len > size || total > size)
      goto malformed;
    header = 8 + name_len + 2;
    if (total < header || data[8 + name_len] != 0)
      goto malformed;
    if (name_len == strlen (VIDEO_META_NAME) &&
        memcmp (data + 8, VIDEO_META_NAME, name_len) == 0 &&
        (data[header - 1] != 0 ||
            !read_video_meta (buffer, data + header, total - header)))
      goto malformed;
    data += total;
    size -= total;
  }
  return TRUE;

malformed:
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      "malformed meta %u of %u", i, n_meta);
  return FALSE;
}
