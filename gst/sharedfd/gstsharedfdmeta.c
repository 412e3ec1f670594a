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
 * endian. Built against GStreamer 1.24+, every meta with a serializer is
 * sent and every registered one received (GstVideoMeta, GstAudioMeta,
 * GstReferenceTimestampMeta, custom metas). GStreamer 1.22 has no meta
 * serialization, so there the one meta that matters for sharing frames,
 * GstVideoMeta, is written and read here in the layout of GStreamer's own
 * video meta serializer; other metas are not sent. Either way, metas this
 * side does not know are skipped, and metas are read once the buffer has
 * its memory, so that planes can be checked against it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/base/gstbytereader.h>
#include <gst/base/gstbytewriter.h>
#include <gst/video/video.h>

#include "gstsharedfdproto.h"

#define VIDEO_META_NAME "GstVideoMeta"

/* [u32 total size][u32 name length], the name, \0 and the version */
#define HEADER_SIZE(name_len) (8 + (name_len) + 2)

/* The rows of @plane of @vmeta's (known, untiled) format. */
static guint
plane_height (const GstVideoFormatInfo * finfo, const GstVideoMeta * vmeta,
    guint plane)
{
  guint c;

  for (c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++)
    if (GST_VIDEO_FORMAT_INFO_PLANE (finfo, c) == plane)
      return GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, vmeta->height);
  return vmeta->height;
}

/* Whether @vmeta describes the planes of a known, untiled format that lie
 * inside its buffer: what a peer sends must not make anyone read past the
 * frame. */
static gboolean
video_meta_fits (GstVideoMeta * vmeta)
{
  GEnumClass *formats = g_type_class_ref (GST_TYPE_VIDEO_FORMAT);
  gboolean known = vmeta->format > GST_VIDEO_FORMAT_ENCODED &&
      g_enum_get_value (formats, vmeta->format) != NULL;
  const GstVideoFormatInfo *finfo;
  gsize size = gst_buffer_get_size (vmeta->buffer);
  guint i;

  g_type_class_unref (formats);
  if (!known)
    return FALSE;
  finfo = gst_video_format_get_info (vmeta->format);
  if (GST_VIDEO_FORMAT_INFO_IS_TILED (finfo) ||
      vmeta->n_planes != GST_VIDEO_FORMAT_INFO_N_PLANES (finfo))
    return FALSE;
  for (i = 0; i < vmeta->n_planes; i++) {
    guint64 plane_size = (guint64) vmeta->stride[i] *
        plane_height (finfo, vmeta, i);

    if (vmeta->stride[i] < 0 || vmeta->offset[i] > size ||
        plane_size > size - vmeta->offset[i])
      return FALSE;
  }
  return TRUE;
}

/* Whether the meta whose header (checked) is at @data is a GstVideoMeta. */
static gboolean
is_video_meta (const guint8 * data)
{
  return GST_READ_UINT32_LE (data + 4) == strlen (VIDEO_META_NAME) &&
      memcmp (data + 8, VIDEO_META_NAME, strlen (VIDEO_META_NAME)) == 0;
}

#if GST_CHECK_VERSION (1, 24, 0)

guint16
gst_shared_fd_write_metas (GstBuffer * buffer, GByteArray * payload)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint16 n = 0;

  while ((meta = gst_buffer_iterate_meta (buffer, &state)) && n < G_MAXUINT16)
    if (gst_meta_serialize_simple (meta, payload))
      n++;
  return n;
}

/* A meta this side cannot deserialize (unknown, or refused) is skipped,
 * as upstream does; one whose size cannot be read, or a video meta that
 * GStreamer refuses or whose planes do not fit the buffer, is an error. */
static gboolean
read_meta (GstBuffer * buffer, const guint8 * data, gsize size,
    guint32 * consumed)
{
  GstMeta *meta;

  /* before 1.28 nothing registers the video meta of a process that did
   * not use it yet */
  gst_video_meta_get_info ();
  meta = gst_meta_deserialize (buffer, data, size, consumed);
  if (meta == NULL)
    return *consumed > 0 && !is_video_meta (data);
  if (meta->info->api == GST_VIDEO_META_API_TYPE &&
      !video_meta_fits ((GstVideoMeta *) meta)) {
    gst_buffer_remove_meta (buffer, meta);
    return FALSE;
  }
  return TRUE;
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
  GstVideoMeta *vmeta;

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
  vmeta = gst_buffer_add_video_meta_full (buffer, flags, format, width,
      height, n_planes, offset, stride);
  if (video_meta_fits (vmeta))
    return TRUE;
  gst_buffer_remove_meta (buffer, (GstMeta *) vmeta);
  return FALSE;
}

/* Reads one meta of @size bytes at most: a GstVideoMeta, or one skipped. */
static gboolean
read_meta (GstBuffer * buffer, const guint8 * data, gsize size,
    guint32 * consumed)
{
  guint32 total, name_len;

  *consumed = 0;
  if (size < 8)
    return FALSE;
  total = GST_READ_UINT32_LE (data);
  name_len = GST_READ_UINT32_LE (data + 4);
  if (name_len > size || total > size || total < HEADER_SIZE (name_len) ||
      data[8 + name_len] != 0)
    return FALSE;
  if (is_video_meta (data) && (data[HEADER_SIZE (name_len) - 1] != 0 ||
          !read_video_meta (buffer, data + HEADER_SIZE (name_len),
              total - HEADER_SIZE (name_len))))
    return FALSE;
  *consumed = total;
  return TRUE;
}

#endif

/* Adds the @n_meta metas serialized in @data to @buffer, which has its
 * memory already. A meta this side does not know is skipped; a malformed
 * one is an error. */
gboolean
gst_shared_fd_read_metas (GstBuffer * buffer, guint n_meta,
    const guint8 * data, gsize size, GError ** error)
{
  guint i;

  for (i = 0; i < n_meta; i++) {
    guint32 consumed;

    if (!read_meta (buffer, data, size, &consumed))
      goto malformed;
    data += consumed;
    size -= consumed;
  }
  return TRUE;

malformed:
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      "malformed meta %u of %u", i, n_meta);
  return FALSE;
}
