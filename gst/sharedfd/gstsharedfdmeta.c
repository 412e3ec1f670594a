/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The source's side of the metas on the wire (see gstsharedfdmeta.h).
 * Built against GStreamer 1.24+, every registered meta is received; on
 * 1.22, GstVideoMeta is read here in the layout of GStreamer's own video
 * meta serializer. Metas this side does not know are skipped, and metas
 * are read once the buffer has its memory, so that planes can be checked
 * against it.
 *
 * The source plugin does not link libgstvideo: a consumer of frames in
 * the caps' default layout (which the sink sends without a video meta)
 * never maps it. The first frame that carries a GstVideoMeta opens it
 * (in a process that has it already, only a reference more) and its
 * functions are called through a table; its structures come from the
 * headers. Where it cannot be opened, video metas are skipped like
 * unknown ones, after one warning. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gmodule.h>
#include <gst/base/gstbytereader.h>

#include "gstsharedfdmeta.h"
#include "gstsharedfdproto.h"

#define GST_CAT_DEFAULT gst_shared_fd_debug

/* the soname of every GStreamer 1.x */
#define VIDEO_LIBRARY "libgstvideo-1.0.so.0"

/* the functions of libgstvideo that the reader calls */
typedef struct
{
  GType (*format_get_type) (void);
  const GstVideoFormatInfo *(*format_get_info) (GstVideoFormat format);
#if GST_CHECK_VERSION (1, 24, 0)
  const GstMetaInfo *(*meta_get_info) (void);
#else
  GstVideoMeta *(*add_video_meta_full) (GstBuffer * buffer,
      GstVideoFrameFlags flags, GstVideoFormat format, guint width,
      guint height, guint n_planes, const gsize * offset, const gint * stride);
#endif
} VideoLib;

/* *INDENT-OFF* */
static const struct
{
  const gchar *name;
  gsize offset;
} video_symbols[] = {
  {"gst_video_format_get_type", G_STRUCT_OFFSET (VideoLib, format_get_type)},
  {"gst_video_format_get_info", G_STRUCT_OFFSET (VideoLib, format_get_info)},
#if GST_CHECK_VERSION (1, 24, 0)
  {"gst_video_meta_get_info", G_STRUCT_OFFSET (VideoLib, meta_get_info)},
#else
  {"gst_buffer_add_video_meta_full",
      G_STRUCT_OFFSET (VideoLib, add_video_meta_full)},
#endif
};
/* *INDENT-ON* */

/* Opens libgstvideo and fills @lib; FALSE, with a warning, where it or
 * one of its functions is missing. The module stays open. */
static gboolean
video_lib_open (VideoLib * lib)
{
  GModule *module = g_module_open (VIDEO_LIBRARY,
      G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  guint i;

  if (module == NULL)
    goto no_library;
  for (i = 0; i < G_N_ELEMENTS (video_symbols); i++)
    if (!g_module_symbol (module, video_symbols[i].name,
            G_STRUCT_MEMBER_P (lib, video_symbols[i].offset)))
      goto no_symbol;
  g_module_make_resident (module);
  return TRUE;

  /* ERRORS */
no_library:
  {
    GST_WARNING ("cannot open %s (%s): video metas are skipped",
        VIDEO_LIBRARY, g_module_error ());
    return FALSE;
  }
no_symbol:
  {
    GST_WARNING ("%s has no %s: video metas are skipped", VIDEO_LIBRARY,
        video_symbols[i].name);
    g_module_close (module);
    return FALSE;
  }
}

/* libgstvideo's functions, opened at the first call; NULL where it cannot
 * be opened. Thread-safe. */
static const VideoLib *
video_lib (void)
{
  static VideoLib lib;
  static gsize opened = 0;

  /* 1: opened, 2: failed (g_once_init_leave() wants non-zero) */
  if (g_once_init_enter (&opened))
    g_once_init_leave (&opened, video_lib_open (&lib) ? 1 : 2);
  return opened == 1 ? &lib : NULL;
}

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
video_meta_fits (const VideoLib * lib, GstVideoMeta * vmeta)
{
  GEnumClass *formats = g_type_class_ref (lib->format_get_type ());
  gboolean known = vmeta->format > GST_VIDEO_FORMAT_ENCODED &&
      g_enum_get_value (formats, vmeta->format) != NULL;
  const GstVideoFormatInfo *finfo;
  gsize size = gst_buffer_get_size (vmeta->buffer);
  guint i;

  g_type_class_unref (formats);
  if (!known)
    return FALSE;
  finfo = lib->format_get_info (vmeta->format);
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

/* Whether the @size bytes at @data start with the header of a
 * GstVideoMeta. */
static gboolean
is_video_meta (const guint8 * data, gsize size)
{
  const gsize name_len = strlen (GST_SHARED_FD_VIDEO_META_NAME);

  return size >= 8 + name_len && GST_READ_UINT32_LE (data + 4) == name_len &&
      memcmp (data + 8, GST_SHARED_FD_VIDEO_META_NAME, name_len) == 0;
}

#if GST_CHECK_VERSION (1, 24, 0)

/* A meta this side cannot deserialize (unknown, or refused) is skipped,
 * as upstream does; one whose size cannot be read, or a video meta that
 * GStreamer refuses or whose planes do not fit the buffer, is an error. */
static gboolean
read_meta (GstBuffer * buffer, const guint8 * data, gsize size,
    guint32 * consumed)
{
  gboolean video = is_video_meta (data, size);
  const VideoLib *lib = video ? video_lib () : NULL;
  GstMeta *meta;

  /* registers the video meta, which before 1.28 nothing does in a
   * process that did not use it yet */
  if (lib != NULL)
    lib->meta_get_info ();
  meta = gst_meta_deserialize (buffer, data, size, consumed);
  if (meta == NULL)
    return *consumed > 0 && (!video || lib == NULL);
  if (lib != NULL && meta->info == lib->meta_get_info () &&
      !video_meta_fits (lib, (GstVideoMeta *) meta)) {
    gst_buffer_remove_meta (buffer, meta);
    return FALSE;
  }
  return TRUE;
}

#else /* GStreamer 1.22 */

static gboolean
read_video_meta (const VideoLib * lib, GstBuffer * buffer,
    const guint8 * data, gsize size)
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
  vmeta = lib->add_video_meta_full (buffer, flags, format, width,
      height, n_planes, offset, stride);
  if (video_meta_fits (lib, vmeta))
    return TRUE;
  gst_buffer_remove_meta (buffer, (GstMeta *) vmeta);
  return FALSE;
}

/* Reads one meta of @size bytes at most: a GstVideoMeta, or one skipped. */
static gboolean
read_meta (GstBuffer * buffer, const guint8 * data, gsize size,
    guint32 * consumed)
{
  guint32 total, name_len, header_size;
  const VideoLib *lib;

  *consumed = 0;
  if (size < 8)
    return FALSE;
  total = GST_READ_UINT32_LE (data);
  name_len = GST_READ_UINT32_LE (data + 4);
  header_size = GST_SHARED_FD_META_HEADER_SIZE (name_len);
  if (name_len > size || total > size || total < header_size ||
      data[8 + name_len] != 0)
    return FALSE;
  if (is_video_meta (data, size) && (lib = video_lib ()) != NULL &&
      (data[header_size - 1] != 0 || !read_video_meta (lib, buffer,
              data + header_size, total - header_size)))
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
