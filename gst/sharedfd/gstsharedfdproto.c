/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Sending, receiving and checking the messages of the unixfd protocol.
 * Everything read from a peer is checked here before an element uses it:
 * sizes against the payload, fd counts against the memories, limits on
 * both, so that a bad peer gives an error that names what was wrong. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gstsharedfdproto.h"

GST_DEBUG_CATEGORY (gst_shared_fd_debug);

G_STATIC_ASSERT (sizeof (GstSharedFdHeader) == 8);
G_STATIC_ASSERT (sizeof (GstSharedFdMemory) == 16);
G_STATIC_ASSERT (sizeof (GstSharedFdNewBuffer) == 56);

#define PROTO_ERROR(error, ...) \
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, __VA_ARGS__)

G_DEFINE_QUARK (gst - shared - fd - error - quark, gst_shared_fd_error);

/* each plugin has its own copy of the variable; GStreamer gives both the
 * same category */
void
gst_shared_fd_debug_init (void)
{
  GST_DEBUG_CATEGORY_INIT (gst_shared_fd_debug, "sharedfd", 0,
      "unixfd protocol");
}

static gboolean
errno_error (GError ** error, const gchar * what)
{
  g_set_error (error, GST_SHARED_FD_ERROR, GST_SHARED_FD_ERROR_SOCKET,
      "%s: %s", what, g_strerror (errno));
  return FALSE;
}

static gboolean
send_rest (gint sock, const guint8 * data, gsize size, GError ** error)
{
  while (size > 0) {
    gssize n = send (sock, data, size, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      goto failed;
    data += n;
    size -= n;
  }
  return TRUE;

failed:
  return errno_error (error, "send");
}

/* Sends the header with the fds and the payload in one sendmsg(). A
 * non-blocking send that cannot take the whole message fails: the peer
 * is not reading. */
gboolean
gst_shared_fd_send (gint sock, GstSharedFdMsgType type, const gint * fds,
    guint n_fds, const guint8 * payload, gsize payload_size,
    gboolean nonblocking, GError ** error)
{
  GstSharedFdHeader hdr = { type, payload_size };
  struct iovec iov[2] = { {&hdr, sizeof hdr}, {(void *) payload,
      payload_size}
  };
  union
  {
    struct cmsghdr align;
    gchar buf[CMSG_SPACE (sizeof (gint) * GST_SHARED_FD_MAX_MEMORIES)];
  }
  ctrl;
  struct msghdr mh = { 0, };
  gssize n;

  g_return_val_if_fail (n_fds <= GST_SHARED_FD_MAX_MEMORIES, FALSE);

  mh.msg_iov = iov;
  mh.msg_iovlen = payload_size ? 2 : 1;
  if (n_fds > 0) {
    struct cmsghdr *cm;

    memset (&ctrl, 0, sizeof ctrl);
    mh.msg_control = ctrl.buf;
    mh.msg_controllen = CMSG_SPACE (sizeof (gint) * n_fds);
    cm = CMSG_FIRSTHDR (&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN (sizeof (gint) * n_fds);
    memcpy (CMSG_DATA (cm), fds, sizeof (gint) * n_fds);
  }

  do {
    n = sendmsg (sock, &mh, MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0));
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    goto failed;
  if ((gsize) n == sizeof hdr + payload_size)
    return TRUE;
  if (nonblocking || (gsize) n < sizeof hdr)
    goto partial;
  return send_rest (sock, payload + (n - sizeof hdr),
      payload_size - (n - sizeof hdr), error);

failed:
  return errno_error (error, "sendmsg");
partial:
  g_set_error (error, GST_SHARED_FD_ERROR, GST_SHARED_FD_ERROR_SOCKET,
      "peer not reading: %" G_GSSIZE_FORMAT " of %" G_GSIZE_FORMAT
      " bytes sent", n, sizeof hdr + payload_size);
  return FALSE;
}

/* Waits until @sock is readable, with @set when there is one (it watches
 * @sock); FALSE when @set is flushing, on timeout or error. */
static gboolean
wait_readable (gint sock, GstPoll * set, gint timeout_ms, GError ** error)
{
  GPollFD pfd = { sock, G_IO_IN, 0 };
  gint r;

  do {
    if (set)
      r = gst_poll_wait (set, timeout_ms < 0 ? GST_CLOCK_TIME_NONE :
          timeout_ms * GST_MSECOND);
    else
      r = g_poll (&pfd, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);

  if (r < 0 && errno == EBUSY) {
    g_set_error (error, GST_SHARED_FD_ERROR, GST_SHARED_FD_ERROR_FLUSHING,
        "flushing");
    return FALSE;
  }
  if (r < 0)
    return errno_error (error, "poll");
  if (r == 0) {
    PROTO_ERROR (error, "truncated message: nothing more for %d ms",
        timeout_ms);
    return FALSE;
  }
  return TRUE;
}

/* Takes the fds of a control message into @msg; FALSE when there are
 * more than a message may carry (all of them are closed). */
static gboolean
take_fds (struct msghdr *mh, GstSharedFdMsg * msg, GError ** error)
{
  struct cmsghdr *cm;
  gboolean ok = !(mh->msg_flags & MSG_CTRUNC);

  for (cm = CMSG_FIRSTHDR (mh); cm; cm = CMSG_NXTHDR (mh, cm)) {
    gint *fds = (gint *) CMSG_DATA (cm);
    guint i, n = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (gint);

    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
      continue;
    for (i = 0; i < n; i++) {
      if (msg->n_fds < GST_SHARED_FD_MAX_MEMORIES)
        msg->fds[msg->n_fds++] = fds[i];
      else {
        close (fds[i]);
        ok = FALSE;
      }
    }
  }
  if (!ok)
    PROTO_ERROR (error, "too many file descriptors (at most %d)",
        GST_SHARED_FD_MAX_MEMORIES);
  return ok;
}

/* Reads exactly @size bytes; the peer gets GST_SHARED_FD_MSG_TIMEOUT_MS
 * for each part of a message. The bytes are mostly there already (a sink
 * sends a message at once): the socket is polled only when they are not.
 * Fds on these bytes are a protocol error. */
static gboolean
receive_rest (gint sock, guint8 * data, gsize size, GstPoll * set,
    GError ** error)
{
  gssize n = 0;

  while (size > 0) {
    n = recv (sock, data, size, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_readable (sock, set, GST_SHARED_FD_MSG_TIMEOUT_MS, error))
        return FALSE;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto truncated;
    data += n;
    size -= n;
  }
  return TRUE;

truncated:
  PROTO_ERROR (error, "truncated message: %s", n == 0 ?
      "connection closed" : g_strerror (errno));
  return FALSE;
}

/* Reads at most @size bytes that start a message into @data, and the fds
 * that come with them into @msg; @got is how many bytes. A peer sends a
 * message in one sendmsg(), so all of them are usually there. */
static gboolean
receive_start (gint sock, guint8 * data, gsize size, GstSharedFdMsg * msg,
    gsize * got, GError ** error)
{
  union
  {
    struct cmsghdr align;
    gchar buf[CMSG_SPACE (sizeof (gint) * GST_SHARED_FD_MAX_MEMORIES)];
  }
  ctrl;
  struct iovec iov = { data, size };
  struct msghdr mh = { 0, };
  gssize n;

  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctrl.buf;
  mh.msg_controllen = sizeof ctrl.buf;

  do {
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0)
    goto closed;
  *got = n;
  return take_fds (&mh, msg, error);

closed:
  if (n < 0)
    return errno_error (error, "recvmsg");
  g_set_error (error, GST_SHARED_FD_ERROR, GST_SHARED_FD_ERROR_CLOSED,
      "connection closed by peer");
  return FALSE;
}

/* Reads one message, waiting for it with @set when there is one (it
 * watches @sock; its flushing stops the wait with
 * GST_SHARED_FD_ERROR_FLUSHING). Its payload is bounded by
 * GST_SHARED_FD_MAX_PAYLOAD; on failure @msg holds nothing.
 */
gboolean
gst_shared_fd_receive (gint sock, GstSharedFdMsg * msg, GstPoll * set,
    GError ** error)
{
  GstSharedFdHeader hdr;
  gsize got;

  memset (msg, 0, sizeof *msg);
  if (!wait_readable (sock, set, -1, error) ||
      !receive_start (sock, (guint8 *) & hdr, sizeof hdr, msg, &got, error) ||
      !receive_rest (sock, (guint8 *) & hdr + got, sizeof hdr - got, set,
          error))
    goto failed;
  if (hdr.type > GST_SHARED_FD_MSG_EOS)
    goto unknown_type;
  if (hdr.payload_size > GST_SHARED_FD_MAX_PAYLOAD)
    goto too_large;

  msg->type = hdr.type;
  msg->payload_size = hdr.payload_size;
  msg->payload = g_malloc (MAX (hdr.payload_size, 1));
  if (!receive_rest (sock, msg->payload, hdr.payload_size, set, error))
    goto failed;
  return TRUE;

unknown_type:
  PROTO_ERROR (error, "unknown message type %u", hdr.type);
  goto failed;
too_large:
  PROTO_ERROR (error, "payload of %u bytes is larger than %d",
      hdr.payload_size, GST_SHARED_FD_MAX_PAYLOAD);
  goto failed;
failed:
  gst_shared_fd_msg_clear (msg);
  return FALSE;
}

/* Frees the payload and closes the fds nobody took (set to -1). */
void
gst_shared_fd_msg_clear (GstSharedFdMsg * msg)
{
  guint i;

  for (i = 0; i < msg->n_fds; i++)
    if (msg->fds[i] >= 0)
      close (msg->fds[i]);
  g_clear_pointer (&msg->payload, g_free);
  msg->n_fds = 0;
}

static gboolean
check_no_fds (const GstSharedFdMsg * msg, GError ** error)
{
  if (msg->n_fds == 0)
    return TRUE;
  PROTO_ERROR (error, "message of type %d carries %u file descriptors",
      msg->type, msg->n_fds);
  return FALSE;
}

/* Checks a NEW_BUFFER: sizes, one fd per memory, ranges that do not
 * overflow. The metas that follow are the caller's. */
gboolean
gst_shared_fd_check_new_buffer (const GstSharedFdMsg * msg,
    const GstSharedFdNewBuffer ** nb, const GstSharedFdMemory ** mems,
    GError ** error)
{
  const GstSharedFdNewBuffer *b = (const GstSharedFdNewBuffer *) msg->payload;
  guint i;

  if (msg->payload_size < sizeof *b)
    goto too_short;
  if (b->n_memory > GST_SHARED_FD_MAX_MEMORIES ||
      msg->payload_size < sizeof *b + b->n_memory * sizeof (**mems))
    goto too_short;
  if (b->n_memory != msg->n_fds)
    goto wrong_fds;
  if (b->type != 0)
    goto dmabuf;

  *nb = b;
  *mems = (const GstSharedFdMemory *) (msg->payload + sizeof *b);
  for (i = 0; i < b->n_memory; i++)
    if ((*mems)[i].offset + (*mems)[i].size < (*mems)[i].offset)
      goto overflow;
  return TRUE;

too_short:
  PROTO_ERROR (error, "new-buffer payload of %" G_GSIZE_FORMAT
      " bytes is too short", msg->payload_size);
  return FALSE;
wrong_fds:
  PROTO_ERROR (error, "new-buffer has %u memories but %u file descriptors",
      b->n_memory, msg->n_fds);
  return FALSE;
dmabuf:
  PROTO_ERROR (error, "new-buffer memory type %u is not supported", b->type);
  return FALSE;
overflow:
  PROTO_ERROR (error, "new-buffer memory %u range overflows", i);
  return FALSE;
}

gboolean
gst_shared_fd_check_caps (const GstSharedFdMsg * msg, GstCaps ** caps,
    GError ** error)
{
  if (!check_no_fds (msg, error))
    return FALSE;
  if (msg->payload_size == 0 || msg->payload[msg->payload_size - 1] != 0 ||
      strlen ((const gchar *) msg->payload) + 1 != msg->payload_size)
    goto not_string;
  *caps = gst_caps_from_string ((const gchar *) msg->payload);
  if (*caps == NULL || !gst_caps_is_fixed (*caps))
    goto bad_caps;
  return TRUE;

not_string:
  PROTO_ERROR (error, "caps payload is not a string");
  return FALSE;
bad_caps:
  gst_clear_caps (caps);
  PROTO_ERROR (error, "caps payload is not fixed caps");
  return FALSE;
}

static gboolean
check_release_header (guint32 type, gsize payload_size, GError ** error)
{
  if (type == GST_SHARED_FD_MSG_RELEASE_BUFFER && payload_size == 8)
    return TRUE;
  PROTO_ERROR (error, "expected an 8-byte release-buffer, got type %u of %"
      G_GSIZE_FORMAT " bytes", type, payload_size);
  return FALSE;
}

/* Reads the RELEASE_BUFFER that a client socket poll() found readable
 * holds, header and id in one recvmsg(). Anything else (another type or
 * size, fds) fails as soon as its header is read. */
gboolean
gst_shared_fd_receive_release (gint sock, guint64 * id, GError ** error)
{
  guint8 data[sizeof (GstSharedFdHeader) + 8];
  GstSharedFdMsg msg = { 0, };
  GstSharedFdHeader hdr;
  gsize got;
  gboolean ok;

  ok = receive_start (sock, data, sizeof data, &msg, &got, error) &&
      receive_rest (sock, data + got, sizeof hdr - MIN (got, sizeof hdr),
      NULL, error);
  if (ok) {
    memcpy (&hdr, data, sizeof hdr);
    msg.type = hdr.type;
    ok = check_no_fds (&msg, error) &&
        check_release_header (hdr.type, hdr.payload_size, error) &&
        receive_rest (sock, data + MAX (got, sizeof hdr),
        sizeof data - MAX (got, sizeof hdr), NULL, error);
  }
  if (ok)
    memcpy (id, data + sizeof hdr, 8);
  gst_shared_fd_msg_clear (&msg);
  return ok;
}

static gint
socket_error (gint fd, const gchar * what, const gchar * path, GError ** error)
{
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      "cannot %s %s: %s", what, path, g_strerror (errno));
  if (fd >= 0)
    close (fd);
  return -1;
}

/* A stream socket and the address of @path, or -1. */
static gint
unix_socket (const gchar * path, struct sockaddr_un *addr, GError ** error)
{
  gint fd;

  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path == NULL || strlen (path) >= sizeof addr->sun_path) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "socket-path '%s' is unset or too long", GST_STR_NULL (path));
    return -1;
  }
  strcpy (addr->sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return socket_error (fd, "create a socket for", path, error);
  return fd;
}

/* Makes room for a socket at @addr: a socket file nobody listens on (a
 * sink that crashed left it) is removed; anything else there is an error,
 * so that a wrong socket-path never deletes a file nor takes the socket
 * of a running sink (which sees a client come and go). */
static gboolean
clear_socket_path (const struct sockaddr_un *addr, GError ** error)
{
  const gchar *path = addr->sun_path;
  gboolean listening;
  struct stat st;
  gint probe;

  if (lstat (path, &st) < 0) {
    if (errno == ENOENT)
      return TRUE;
    socket_error (-1, "look at", path, error);
    return FALSE;
  }
  if (!S_ISSOCK (st.st_mode))
    goto not_a_socket;
  probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  listening = probe >= 0 &&
      connect (probe, (const struct sockaddr *) addr, sizeof *addr) == 0;
  if (probe >= 0)
    close (probe);
  if (listening)
    goto in_use;
  unlink (path);
  return TRUE;

not_a_socket:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "socket-path %s exists and is not a socket; it is left as it is", path);
  return FALSE;
in_use:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
      "another sink listens at %s", path);
  return FALSE;
}

/* A listening socket at @path; a stale socket file there is replaced. */
gint
gst_shared_fd_listen (const gchar * path, GError ** error)
{
  struct sockaddr_un addr;
  gint fd = unix_socket (path, &addr, error);

  if (fd < 0)
    return -1;
  if (!clear_socket_path (&addr, error)) {
    close (fd);
    return -1;
  }
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return socket_error (fd, "bind", path, error);
  if (listen (fd, 16) < 0)
    return socket_error (fd, "listen on", path, error);
  return fd;
}

gint
gst_shared_fd_connect (const gchar * path, GError ** error)
{
  struct sockaddr_un addr;
  gint fd = unix_socket (path, &addr, error);

  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return socket_error (fd, "connect to", path, error);
  return fd;
}

/* System monotonic time minus the element's clock time: what turns a
 * clock time into the protocol's monotonic time and back. */
GstClockTimeDiff
gst_shared_fd_clock_diff (GstElement * element)
{
  GstClock *clock = gst_element_get_clock (element);
  GstClockTimeDiff diff;

  if (clock == NULL)
    return 0;
  diff = GST_CLOCK_DIFF (gst_clock_get_time (clock),
      g_get_monotonic_time () * GST_USECOND);
  gst_object_unref (clock);
  return diff;
}
