/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-sharedfdsrc
 * @title: sharedfdsrc
 *
 * Receives frames as file descriptors from a `sharedfdsink` or a stock
 * `unixfdsink` (1.24+) listening at #GstSharedFdSrc:socket-path, and pushes
 * them as fd memory without copying. Each shared file is mapped once and
 * kept mapped while the sink keeps sending it (the sink recycles its
 * files, so in steady state nothing is mapped per frame). When the last
 * reference to a frame's memory goes, shares of it made downstream
 * (sub-buffers of gst_buffer_copy_region()) included, the frame is
 * released back to the sink. The memory is read-only.
 *
 * Caps, timestamps (in running time of this pipeline: both sides convert
 * through the system monotonic clock), duration, offsets, buffer flags and
 * #GstVideoMeta cross; built against GStreamer 1.24+, every serializable
 * meta does. A `sharedfdsink` sends no video meta for a frame in the
 * default layout of its caps; a stock `unixfdsink` always does.
 *
 * The element is the plugin `sharedfdsrc` of its own, which does not link
 * libgstvideo: the first frame that carries a #GstVideoMeta loads it at
 * run time. Where it cannot be loaded, video metas are skipped like
 * unknown metas, with one warning.
 *
 * A sink that goes away is an error, or EOS with
 * #GstSharedFdSrc:eos-on-disconnect. Malformed messages are an error that
 * says what was wrong.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 sharedfdsrc socket-path=/tmp/video.sock ! videoconvert ! autovideosink
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>

#include "gstsharedfdfileallocator.h"
#include "gstsharedfdmeta.h"
#include "gstsharedfdproto.h"
#include "gstsharedfdsrc.h"

#define GST_CAT_DEFAULT gst_shared_fd_debug

#define DEFAULT_SOCKET_PATH NULL
#define DEFAULT_EOS_ON_DISCONNECT FALSE

enum
{
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_EOS_ON_DISCONNECT,
  PROP_STATS,
};

/* The connection, shared with the release of frames that outlive the
 * element's streaming. */
typedef struct
{
  gint refcount;
  GMutex lock;
  gint fd;                      /* -1 once closed */
  gint released;                /* frames released, atomic */
} Conn;

/* A frame in use downstream: released when the last of its memories (and
 * of their shares) goes. */
typedef struct
{
  Conn *conn;
  guint64 id;
  gint pending;                 /* memories, and one while adding them */
} Frame;

struct _GstSharedFdSrc
{
  GstPushSrc parent;

  /* under the object lock */
  gchar *socket_path;
  gboolean eos_on_disconnect;
  Conn *conn;                   /* set by start, used by streaming */
  guint64 frames;

  GstPoll *poll;                /* watches the connection; flushing in
                                 * unlock */
  GstPollFD pollfd;
  GstSharedFdFileAllocator *allocator;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_shared_fd_src_parent_class parent_class
G_DEFINE_TYPE (GstSharedFdSrc, gst_shared_fd_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (sharedfdsrc, "sharedfdsrc", GST_RANK_NONE,
    GST_TYPE_SHARED_FD_SRC);

static void gst_shared_fd_src_finalize (GObject * object);
static void gst_shared_fd_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_shared_fd_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_shared_fd_src_start (GstBaseSrc * bsrc);
static gboolean gst_shared_fd_src_stop (GstBaseSrc * bsrc);
static gboolean gst_shared_fd_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_shared_fd_src_unlock_stop (GstBaseSrc * bsrc);
static gboolean gst_shared_fd_src_query (GstBaseSrc * bsrc, GstQuery * query);
static GstFlowReturn gst_shared_fd_src_create (GstPushSrc * psrc,
    GstBuffer ** buf);

static void
gst_shared_fd_src_class_init (GstSharedFdSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->finalize = gst_shared_fd_src_finalize;
  gobject_class->set_property = gst_shared_fd_src_set_property;
  gobject_class->get_property = gst_shared_fd_src_get_property;

  /**
   * GstSharedFdSrc:socket-path:
   *
   * The path of the unix socket the sink listens on.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SOCKET_PATH,
      g_param_spec_string ("socket-path", "Socket path",
          "Path of the unix socket the sink listens on", DEFAULT_SOCKET_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedFdSrc:eos-on-disconnect:
   *
   * What a sink that closes the connection without sending EOS gives: an
   * error (the default) or, when %TRUE, EOS.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_EOS_ON_DISCONNECT,
      g_param_spec_boolean ("eos-on-disconnect", "EOS on disconnect",
          "Treat a vanished sink as EOS instead of an error",
          DEFAULT_EOS_ON_DISCONNECT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstSharedFdSrc:stats:
   *
   * A `GstSharedFdSrcStats` structure of the current connection (zeroes
   * when stopped): `frames` (received), `released` (frames whose memory,
   * and every share of it, is gone, so the sink was told it may reuse
   * them), `files-mapped` (shared files mapped: in steady state the sink
   * keeps sending the same files, so this stops growing) and
   * `files-cached` (files kept mapped now), all guint64.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Frame and file counters",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Shared fd source", "Source",
      "Receives frames from another process as file descriptors "
      "(unixfd protocol)", "gst-sharedpool developers");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_shared_fd_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_shared_fd_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_shared_fd_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_shared_fd_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_shared_fd_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_shared_fd_src_create);
}

/* Frames carry the producer's latency in their timestamps already; the
 * frames stay valid while they are held, so downstream may buffer as
 * much as it likes. */
static gboolean
gst_shared_fd_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);

  gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
  return TRUE;
}

static void
gst_shared_fd_src_init (GstSharedFdSrc * self)
{
  self->eos_on_disconnect = DEFAULT_EOS_ON_DISCONNECT;
  self->poll = gst_poll_new (TRUE);
  gst_poll_fd_init (&self->pollfd);
  self->allocator = gst_shared_fd_file_allocator_new ();
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

static void
gst_shared_fd_src_finalize (GObject * object)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (object);

  g_free (self->socket_path);
  gst_poll_free (self->poll);
  gst_object_unref (self->allocator);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_shared_fd_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SOCKET_PATH:
      g_free (self->socket_path);
      self->socket_path = g_value_dup_string (value);
      break;
    case PROP_EOS_ON_DISCONNECT:
      self->eos_on_disconnect = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
src_stats (GstSharedFdSrc * self)
{
  guint64 mapped;
  guint cached;
  GstStructure *s;

  gst_shared_fd_file_allocator_counts (self->allocator, &mapped, &cached);
  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("GstSharedFdSrcStats",
      "frames", G_TYPE_UINT64, self->frames,
      "released", G_TYPE_UINT64, self->conn ?
      (guint64) (guint) g_atomic_int_get (&self->conn->released) : 0,
      "files-mapped", G_TYPE_UINT64, mapped,
      "files-cached", G_TYPE_UINT64, (guint64) cached, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
gst_shared_fd_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, src_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SOCKET_PATH:
      g_value_set_string (value, self->socket_path);
      break;
    case PROP_EOS_ON_DISCONNECT:
      g_value_set_boolean (value, self->eos_on_disconnect);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
conn_unref (Conn * conn)
{
  if (!g_atomic_int_dec_and_test (&conn->refcount))
    return;
  if (conn->fd >= 0)
    close (conn->fd);
  g_mutex_clear (&conn->lock);
  g_free (conn);
}

/* Tells the sink a frame is free; nothing to do once the connection is
 * closed, the sink released it then. */
static void
frame_release (Frame * frame)
{
  Conn *conn = frame->conn;

  g_mutex_lock (&conn->lock);
  if (conn->fd >= 0 && !gst_shared_fd_send (conn->fd,
          GST_SHARED_FD_MSG_RELEASE_BUFFER, NULL, 0,
          (const guint8 *) &frame->id, sizeof frame->id, FALSE, NULL))
    GST_DEBUG ("release of frame %" G_GUINT64_FORMAT " not sent", frame->id);
  g_mutex_unlock (&conn->lock);
  g_atomic_int_inc (&conn->released);
  conn_unref (conn);
  g_free (frame);
}

/* A memory of @frame is gone, with all its shares. */
static void
frame_memory_gone (Frame * frame)
{
  if (g_atomic_int_dec_and_test (&frame->pending))
    frame_release (frame);
}

static gboolean
gst_shared_fd_src_start (GstBaseSrc * bsrc)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (bsrc);
  GError *err = NULL;
  gchar *path;
  Conn *conn;
  gint fd;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->socket_path);
  GST_OBJECT_UNLOCK (self);
  fd = gst_shared_fd_connect (path, &err);
  g_free (path);
  if (fd < 0)
    goto no_connection;

  conn = g_new0 (Conn, 1);
  conn->refcount = 1;
  conn->fd = fd;
  g_mutex_init (&conn->lock);
  GST_OBJECT_LOCK (self);
  self->conn = conn;
  self->frames = 0;
  GST_OBJECT_UNLOCK (self);
  self->pollfd.fd = fd;
  gst_poll_add_fd (self->poll, &self->pollfd);
  gst_poll_fd_ctl_read (self->poll, &self->pollfd, TRUE);
  return TRUE;

no_connection:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE, ("%s", err->message),
        (NULL));
    g_error_free (err);
    return FALSE;
  }
}

static gboolean
gst_shared_fd_src_stop (GstBaseSrc * bsrc)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (bsrc);
  Conn *conn;

  GST_OBJECT_LOCK (self);
  conn = self->conn;
  self->conn = NULL;
  self->frames = 0;
  GST_OBJECT_UNLOCK (self);

  gst_poll_remove_fd (self->poll, &self->pollfd);
  gst_poll_fd_init (&self->pollfd);
  g_mutex_lock (&conn->lock);
  close (conn->fd);
  conn->fd = -1;
  g_mutex_unlock (&conn->lock);
  conn_unref (conn);
  gst_shared_fd_file_allocator_clear (self->allocator);
  return TRUE;
}

static gboolean
gst_shared_fd_src_unlock (GstBaseSrc * bsrc)
{
  gst_poll_set_flushing (GST_SHARED_FD_SRC (bsrc)->poll, TRUE);
  return TRUE;
}

static gboolean
gst_shared_fd_src_unlock_stop (GstBaseSrc * bsrc)
{
  gst_poll_set_flushing (GST_SHARED_FD_SRC (bsrc)->poll, FALSE);
  return TRUE;
}

static GstClockTime
from_monotonic (GstSharedFdSrc * self, guint64 ts, GstClockTimeDiff diff)
{
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT_CAST (self));

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  ts = diff > 0 && (GstClockTime) diff > ts ? 0 : ts - diff;
  return ts > base ? ts - base : 0;
}

static void
buffer_fields (GstSharedFdSrc * self, GstBuffer * buf,
    const GstSharedFdNewBuffer * nb)
{
  GstClockTimeDiff diff = gst_shared_fd_clock_diff (GST_ELEMENT_CAST (self));

  GST_BUFFER_PTS (buf) = from_monotonic (self, nb->pts, diff);
  GST_BUFFER_DTS (buf) = from_monotonic (self, nb->dts, diff);
  GST_BUFFER_DURATION (buf) = nb->duration;
  GST_BUFFER_OFFSET (buf) = nb->offset;
  GST_BUFFER_OFFSET_END (buf) = nb->offset_end;
  GST_BUFFER_FLAGS (buf) = nb->flags & GST_SHARED_FD_BUFFER_FLAGS;
}

/* Adds the memories of a NEW_BUFFER, each its own root memory on a
 * cached mapping: the frame is released when the last of them goes. */
static gboolean
buffer_memories (GstSharedFdSrc * self, GstBuffer * buf, GstSharedFdMsg * msg,
    const GstSharedFdNewBuffer * nb, const GstSharedFdMemory * mems,
    GError ** error)
{
  Frame *frame = g_new0 (Frame, 1);
  guint i;

  frame->conn = self->conn;
  g_atomic_int_inc (&self->conn->refcount);
  frame->id = nb->id;
  frame->pending = 1;
  for (i = 0; i < nb->n_memory; i++) {
    GstMemory *mem = gst_shared_fd_file_allocator_wrap (self->allocator,
        msg->fds[i], mems[i].offset, mems[i].size,
        (GDestroyNotify) frame_memory_gone, frame, error);

    msg->fds[i] = -1;
    if (mem == NULL)
      break;
    g_atomic_int_inc (&frame->pending);
    gst_buffer_append_memory (buf, mem);
  }
  frame_memory_gone (frame);
  return i == nb->n_memory;
}

static GstBuffer *
new_buffer (GstSharedFdSrc * self, GstSharedFdMsg * msg, GError ** error)
{
  const GstSharedFdNewBuffer *nb;
  const GstSharedFdMemory *mems;
  GstBuffer *buf;
  gsize metas;

  if (!gst_shared_fd_check_new_buffer (msg, &nb, &mems, error))
    return NULL;

  buf = gst_buffer_new ();
  metas = sizeof *nb + nb->n_memory * sizeof *mems;
  if (!buffer_memories (self, buf, msg, nb, mems, error) ||
      !gst_shared_fd_read_metas (buf, nb->n_meta, msg->payload + metas,
          msg->payload_size - metas, error)) {
    gst_buffer_unref (buf);
    return NULL;
  }
  buffer_fields (self, buf, nb);
  GST_OBJECT_LOCK (self);
  self->frames++;
  GST_OBJECT_UNLOCK (self);
  return buf;
}

/* Handles one message; TRUE with *@buf set for a frame, TRUE with *@ret
 * set to stop, FALSE on an error. */
static gboolean
handle_message (GstSharedFdSrc * self, GstSharedFdMsg * msg, GstBuffer ** buf,
    GstFlowReturn * ret, GError ** error)
{
  GstCaps *caps;

  switch (msg->type) {
    case GST_SHARED_FD_MSG_NEW_BUFFER:
      *buf = new_buffer (self, msg, error);
      return *buf != NULL;
    case GST_SHARED_FD_MSG_CAPS:
      if (!gst_shared_fd_check_caps (msg, &caps, error))
        return FALSE;
      GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, caps);
      if (!gst_base_src_set_caps (GST_BASE_SRC (self), caps))
        *ret = GST_FLOW_NOT_NEGOTIATED;
      gst_caps_unref (caps);
      return TRUE;
    case GST_SHARED_FD_MSG_EOS:
      *ret = GST_FLOW_EOS;
      return TRUE;
    default:
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
          "unexpected message of type %d from the sink", msg->type);
      return FALSE;
  }
}

static GstFlowReturn
receive_failed (GstSharedFdSrc * self, GError * err)
{
  gboolean eos;
  GstFlowReturn ret = GST_FLOW_ERROR;

  GST_OBJECT_LOCK (self);
  eos = self->eos_on_disconnect;
  GST_OBJECT_UNLOCK (self);

  if (g_error_matches (err, GST_SHARED_FD_ERROR, GST_SHARED_FD_ERROR_FLUSHING))
    ret = GST_FLOW_FLUSHING;
  else if (eos && g_error_matches (err, GST_SHARED_FD_ERROR,
          GST_SHARED_FD_ERROR_CLOSED))
    ret = GST_FLOW_EOS;
  else
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("sink at the socket: %s",
            err->message), (NULL));
  g_error_free (err);
  return ret;
}

static GstFlowReturn
gst_shared_fd_src_create (GstPushSrc * psrc, GstBuffer ** buf)
{
  GstSharedFdSrc *self = GST_SHARED_FD_SRC (psrc);
  GstFlowReturn ret = GST_FLOW_OK;
  GError *err = NULL;

  *buf = NULL;
  while (*buf == NULL && ret == GST_FLOW_OK) {
    GstSharedFdMsg msg;
    gboolean ok;

    if (!gst_shared_fd_receive (self->conn->fd, &msg, self->poll, &err))
      return receive_failed (self, err);
    ok = handle_message (self, &msg, buf, &ret, &err);
    gst_shared_fd_msg_clear (&msg);
    if (!ok)
      return receive_failed (self, err);
  }
  return ret;
}
