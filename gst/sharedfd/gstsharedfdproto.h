/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The wire protocol of GStreamer's unixfdsink/unixfdsrc (gst-plugins-bad
 * 1.24+), written anew: each message is an 8-byte header (type, payload
 * size, host byte order) that carries the file descriptors as SCM_RIGHTS,
 * followed by the payload on the same stream socket. */

#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN (gst_shared_fd_debug);

G_BEGIN_DECLS

typedef enum
{
  GST_SHARED_FD_MSG_NEW_BUFFER = 0,
  GST_SHARED_FD_MSG_RELEASE_BUFFER = 1,
  GST_SHARED_FD_MSG_CAPS = 2,
  GST_SHARED_FD_MSG_EOS = 3,
} GstSharedFdMsgType;

typedef struct
{
  guint32 type;
  guint32 payload_size;
} GstSharedFdHeader;

typedef struct
{
  guint64 size;
  guint64 offset;
} GstSharedFdMemory;

/* NEW_BUFFER: this, then n_memory GstSharedFdMemory, then n_meta
 * serialized metas; one fd per memory. Timestamps are system monotonic
 * clock times. */
typedef struct
{
  guint64 id;
  guint64 pts;
  guint64 dts;
  guint64 duration;
  guint64 offset;
  guint64 offset_end;
  guint32 flags;
  guint8 type;                  /* 0 = fd memory, 1 = dmabuf */
  guint8 n_memory;
  guint16 n_meta;
} GstSharedFdNewBuffer;

/* The buffer flags that cross, both ways: those of the data (the media
 * flags above GST_BUFFER_FLAG_LAST too), not the mini object's own bits
 * (lockable, read-only lock, may be leaked) nor TAG_MEMORY, which says
 * that the sender's memory was changed, not the receiver's. */
#define GST_SHARED_FD_BUFFER_FLAGS \
  (~(guint32) (GST_MINI_OBJECT_FLAG_LAST - 1) & ~(guint32) GST_BUFFER_FLAG_TAG_MEMORY)

/* Limits a receiver enforces before it trusts a message. */
#define GST_SHARED_FD_MAX_PAYLOAD (1024 * 1024)
#define GST_SHARED_FD_MAX_MEMORIES 16

/* A message read from a socket; free with gst_shared_fd_msg_clear(). */
typedef struct
{
  GstSharedFdMsgType type;
  guint8 *payload;
  gsize payload_size;
  gint fds[GST_SHARED_FD_MAX_MEMORIES];
  guint n_fds;
} GstSharedFdMsg;

/* Errors of the socket (protocol errors are GST_STREAM_ERROR_DECODE). */
#define GST_SHARED_FD_ERROR (gst_shared_fd_error_quark ())

typedef enum
{
  GST_SHARED_FD_ERROR_SOCKET,   /* a socket call failed */
  GST_SHARED_FD_ERROR_CLOSED,   /* the peer closed the connection */
  GST_SHARED_FD_ERROR_FLUSHING, /* the wait was stopped */
} GstSharedFdError;

G_GNUC_INTERNAL
GQuark gst_shared_fd_error_quark (void);

/* Initialises the "sharedfd" debug category, which both plugins use. */
G_GNUC_INTERNAL
void gst_shared_fd_debug_init (void);

/* How long the rest of a message may take once its first byte came. */
#define GST_SHARED_FD_MSG_TIMEOUT_MS 2000

G_GNUC_INTERNAL
gboolean gst_shared_fd_send (gint sock, GstSharedFdMsgType type,
    const gint * fds, guint n_fds, const guint8 * payload, gsize payload_size,
    gboolean nonblocking, GError ** error);

G_GNUC_INTERNAL
gboolean gst_shared_fd_receive (gint sock, GstSharedFdMsg * msg,
    GstPoll * set, GError ** error);

G_GNUC_INTERNAL
gint gst_shared_fd_listen (const gchar * path, GError ** error);

G_GNUC_INTERNAL
gint gst_shared_fd_connect (const gchar * path, GError ** error);

G_GNUC_INTERNAL
void gst_shared_fd_msg_clear (GstSharedFdMsg * msg);

G_GNUC_INTERNAL
gboolean gst_shared_fd_check_new_buffer (const GstSharedFdMsg * msg,
    const GstSharedFdNewBuffer ** nb, const GstSharedFdMemory ** mems,
    GError ** error);

G_GNUC_INTERNAL
gboolean gst_shared_fd_check_caps (const GstSharedFdMsg * msg,
    GstCaps ** caps, GError ** error);

G_GNUC_INTERNAL
gboolean gst_shared_fd_receive_release (gint sock, guint64 * id,
    GError ** error);

G_GNUC_INTERNAL
GstClockTimeDiff gst_shared_fd_clock_diff (GstElement * element);

G_END_DECLS
