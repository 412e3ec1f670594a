/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The unixfd protocol code against bad input: truncated messages, wrong
 * sizes, too many fds, unknown types, random bytes; and a sharedfdsink
 * that closes only the client that sent garbage. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "gstsharedfdmeta.h"
#include "gstsharedfdproto.h"
#include "../testutil.h"

static void
pair (gint sv[2])
{
  fail_unless_equals_int (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
          sv), 0);
}

/* Checks that the fd number @probe, free before, is free again: every fd
 * received in between was closed. */
static void
probe_is_free (gint probe)
{
  gint fd = dup (0);

  fail_unless_equals_int (fd, probe);
  close (fd);
}

/* Checks that @err (taken) is set and its message has @what. */
static void
check_error (GError * err, const gchar * what)
{
  fail_unless (err != NULL);
  fail_unless (strstr (err->message, what) != NULL, "'%s' lacks '%s'",
      err->message, what);
  g_error_free (err);
}

/* Receives from @sock and expects an error whose message has @what. */
static void
expect_error (gint sock, const gchar * what)
{
  GstSharedFdMsg msg;
  GError *err = NULL;

  fail_if (gst_shared_fd_receive (sock, &msg, NULL, &err));
  check_error (err, what);
}

/* A header that promises more payload than comes before the peer closes
 * is a truncated message, not a hang. */
GST_START_TEST (test_truncated)
{
  GstSharedFdHeader hdr = { GST_SHARED_FD_MSG_CAPS, 100 };
  gint sv[2];

  pair (sv);
  fail_unless_equals_int (write (sv[0], &hdr, sizeof hdr), sizeof hdr);
  fail_unless_equals_int (write (sv[0], "video/x-raw", 11), 11);
  close (sv[0]);
  expect_error (sv[1], "truncated");
  close (sv[1]);
}

GST_END_TEST;

GST_START_TEST (test_unknown_type_and_size)
{
  GstSharedFdHeader bad_type = { 99, 0 };
  GstSharedFdHeader huge = { GST_SHARED_FD_MSG_CAPS, G_MAXUINT32 };
  gint sv[2];

  pair (sv);
  fail_unless_equals_int (write (sv[0], &bad_type, 8), 8);
  expect_error (sv[1], "unknown message type 99");
  fail_unless_equals_int (write (sv[0], &huge, 8), 8);
  expect_error (sv[1], "larger than");
  close (sv[0]);
  close (sv[1]);
}

GST_END_TEST;

/* A NEW_BUFFER whose memories and fds do not agree, or whose payload is
 * shorter than its memory table, is refused by the check. */
GST_START_TEST (test_new_buffer_sizes)
{
  GstSharedFdNewBuffer nb = { 0, };
  const GstSharedFdNewBuffer *out;
  const GstSharedFdMemory *mems;
  GstSharedFdMsg msg = { GST_SHARED_FD_MSG_NEW_BUFFER, (guint8 *) & nb,
    sizeof nb, {0}, 0
  };
  GError *err = NULL;

  nb.n_memory = 1;
  fail_if (gst_shared_fd_check_new_buffer (&msg, &out, &mems, &err));
  fail_unless (strstr (err->message, "too short") != NULL);
  g_clear_error (&err);

  nb.n_memory = 0;
  msg.n_fds = 1;
  fail_if (gst_shared_fd_check_new_buffer (&msg, &out, &mems, &err));
  fail_unless (strstr (err->message, "file descriptors") != NULL);
  g_clear_error (&err);

  msg.payload_size = 10;
  fail_if (gst_shared_fd_check_new_buffer (&msg, &out, &mems, &err));
  g_clear_error (&err);
}

GST_END_TEST;

/* More fds than a message may carry: an error, and every fd received is
 * closed (none leaks into the process). */
GST_START_TEST (test_too_many_fds)
{
  gint fds[GST_SHARED_FD_MAX_MEMORIES], sv[2], i, probe;

  pair (sv);
  for (i = 0; i < GST_SHARED_FD_MAX_MEMORIES; i++)
    fds[i] = sv[0];
  /* twice the limit in two control messages is not possible in one
   * sendmsg here, so send the limit with a header that says CAPS */
  fail_unless (gst_shared_fd_send (sv[0], GST_SHARED_FD_MSG_CAPS, fds,
          GST_SHARED_FD_MAX_MEMORIES, (const guint8 *) "a", 2, FALSE, NULL));
  probe = dup (0);
  close (probe);
  {
    GstSharedFdMsg msg;
    GstCaps *caps;
    GError *err = NULL;

    fail_unless (gst_shared_fd_receive (sv[1], &msg, NULL, &err));
    fail_unless_equals_int (msg.n_fds, GST_SHARED_FD_MAX_MEMORIES);
    fail_if (gst_shared_fd_check_caps (&msg, &caps, &err));
    fail_unless (strstr (err->message, "file descriptors") != NULL);
    g_error_free (err);
    gst_shared_fd_msg_clear (&msg);
  }
  probe_is_free (probe);
  close (sv[0]);
  close (sv[1]);
}

GST_END_TEST;

/* A client's releases, as the sink reads them: one sent in two parts, and
 * two sent before the first is read, each read whole and in order. */
GST_START_TEST (test_release_parts_and_back_to_back)
{
  GstSharedFdHeader hdr = { GST_SHARED_FD_MSG_RELEASE_BUFFER, 8 };
  guint64 one = 1, two = 2, id = 0;
  gint sv[2];

  pair (sv);
  fail_unless_equals_int (write (sv[0], &hdr, sizeof hdr), sizeof hdr);
  fail_unless_equals_int (write (sv[0], &one, 4), 4);
  fail_unless_equals_int (write (sv[0], (guint8 *) & one + 4, 4), 4);
  fail_unless (gst_shared_fd_receive_release (sv[1], &id, NULL));
  fail_unless_equals_uint64 (id, 1);

  fail_unless (gst_shared_fd_send (sv[0], GST_SHARED_FD_MSG_RELEASE_BUFFER,
          NULL, 0, (const guint8 *) &one, 8, FALSE, NULL));
  fail_unless (gst_shared_fd_send (sv[0], GST_SHARED_FD_MSG_RELEASE_BUFFER,
          NULL, 0, (const guint8 *) &two, 8, FALSE, NULL));
  fail_unless (gst_shared_fd_receive_release (sv[1], &id, NULL));
  fail_unless_equals_uint64 (id, 1);
  fail_unless (gst_shared_fd_receive_release (sv[1], &id, NULL));
  fail_unless_equals_uint64 (id, 2);
  close (sv[0]);
  close (sv[1]);
}

GST_END_TEST;

/* Receives a release from @sock and expects an error whose message has
 * @what. */
static void
expect_release_error (gint sock, const gchar * what)
{
  GError *err = NULL;
  guint64 id;

  fail_if (gst_shared_fd_receive_release (sock, &id, &err));
  check_error (err, what);
}

/* Anything but an 8-byte release fails as soon as its header is read,
 * without waiting for a payload that may never come; a release with fds
 * fails and its fds are closed. */
GST_START_TEST (test_release_refuses_other_messages)
{
  GstSharedFdHeader caps = { GST_SHARED_FD_MSG_CAPS, 100 };
  GstSharedFdHeader short_release = { GST_SHARED_FD_MSG_RELEASE_BUFFER, 4 };
  guint64 id = 1;
  gint sv[2], probe;

  pair (sv);
  fail_unless_equals_int (write (sv[0], &caps, sizeof caps), sizeof caps);
  expect_release_error (sv[1], "expected an 8-byte release-buffer");
  close (sv[0]);
  close (sv[1]);

  pair (sv);
  fail_unless_equals_int (write (sv[0], &short_release, 8), 8);
  expect_release_error (sv[1], "expected an 8-byte release-buffer");
  close (sv[0]);
  close (sv[1]);

  pair (sv);
  probe = dup (0);
  close (probe);
  fail_unless (gst_shared_fd_send (sv[0], GST_SHARED_FD_MSG_RELEASE_BUFFER,
          &sv[0], 1, (const guint8 *) &id, 8, FALSE, NULL));
  expect_release_error (sv[1], "file descriptors");
  probe_is_free (probe);
  close (sv[0]);
  close (sv[1]);
}

GST_END_TEST;

/* Runs one received message through every check. */
static void
check_all (GstSharedFdMsg * msg)
{
  const GstSharedFdNewBuffer *nb;
  const GstSharedFdMemory *mems;
  GstCaps *caps = NULL;
  GstBuffer *buf = gst_buffer_new ();

  if (gst_shared_fd_check_new_buffer (msg, &nb, &mems, NULL)) {
    gsize used = sizeof *nb + nb->n_memory * sizeof *mems;

    gst_shared_fd_read_metas (buf, nb->n_meta, msg->payload + used,
        msg->payload_size - used, NULL);
  }
  if (gst_shared_fd_check_caps (msg, &caps, NULL))
    gst_caps_unref (caps);
  gst_buffer_unref (buf);
}

/* A socket pair on which one message (@type, @payload of @size bytes
 * and @n_fds fds) was sent and which the sender closed; returns the
 * receiving end. */
static gint
sent_and_closed (guint type, const guint8 * payload, guint size, guint n_fds)
{
  gint sv[2], fds[2];

  pair (sv);
  fds[0] = fds[1] = sv[0];
  fail_unless (gst_shared_fd_send (sv[0], type, fds, n_fds, payload, size,
          FALSE, NULL));
  close (sv[0]);
  return sv[1];
}

/* Sends one random message (random header fields, payload and up to two
 * fds), closes, and reads until the receiver gives up: as any message, and
 * as a client's release, which is how a sink reads them. */
static void
fuzz_one (GRand * rand)
{
  guint8 payload[512];
  guint size = g_rand_int_range (rand, 0, sizeof payload);
  guint n_fds = g_rand_int_range (rand, 0, 3);
  guint type = g_rand_int_range (rand, 0, 6);
  GstSharedFdNewBuffer *nb = (GstSharedFdNewBuffer *) payload;
  GstSharedFdMsg msg;
  guint64 id;
  gint sock, i;

  for (i = 0; i < (gint) size; i++)
    payload[i] = g_rand_int (rand);
  if (size >= sizeof *nb && g_rand_boolean (rand)) {
    nb->n_memory = n_fds;
    nb->type = 0;
  }
  sock = sent_and_closed (type, payload, size, n_fds);
  while (gst_shared_fd_receive (sock, &msg, NULL, NULL)) {
    check_all (&msg);
    gst_shared_fd_msg_clear (&msg);
  }
  close (sock);

  sock = sent_and_closed (type, payload, size, n_fds);
  while (gst_shared_fd_receive_release (sock, &id, NULL));
  close (sock);
}

/* Random messages through the receiver and every check: each is accepted
 * or refused with an error, never a crash, a hang or a leak (of memory or
 * of a received fd). */
GST_START_TEST (test_fuzz)
{
  GRand *rand = g_rand_new_with_seed (1616);
  guint i, n = RUNNING_ON_VALGRIND ? 200 : 5000;
  gint probe = dup (0);

  close (probe);
  for (i = 0; i < n; i++)
    fuzz_one (rand);
  probe_is_free (probe);
  g_rand_free (rand);
}

GST_END_TEST;

/* Reads messages until a NEW_BUFFER, which it releases; returns FALSE
 * when the connection ends first. */
static gboolean
next_frame (gint sock)
{
  GstSharedFdMsg msg;

  while (gst_shared_fd_receive (sock, &msg, NULL, NULL)) {
    gboolean frame = msg.type == GST_SHARED_FD_MSG_NEW_BUFFER;

    /* fails once the sink closed a bad client: its frames are released */
    if (frame)
      gst_shared_fd_send (sock, GST_SHARED_FD_MSG_RELEASE_BUFFER, NULL, 0,
          msg.payload, 8, FALSE, NULL);
    gst_shared_fd_msg_clear (&msg);
    if (frame)
      return TRUE;
  }
  return FALSE;
}

/* One client left, whose counters add up: every frame sent to it is
 * released or in flight. */
static void
check_client_stats (GstElement * sink)
{
  GstStructure *s = element_stats (sink);
  const GValue *clients = gst_structure_get_value (s, "per-client");
  const GstStructure *c;
  guint64 sent;

  fail_unless_equals_int (gst_value_array_get_size (clients), 1);
  c = gst_value_get_structure (gst_value_array_get_value (clients, 0));
  sent = structure_u64 (c, "sent");
  fail_unless (sent >= 6);
  fail_unless_equals_int (structure_u64 (c, "released") +
      structure_u64 (c, "in-flight"), sent);
  structure_u64 (c, "max-release-latency");
  gst_structure_free (s);
}

/* A client that sends garbage is closed; the sink and the other client
 * go on. */
GST_START_TEST (test_sink_closes_bad_client)
{
  gchar *dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "sock", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true ! "
      "video/x-raw,width=64,height=48 ! sharedfdsink name=sink "
      "socket-path=%s", path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSharedFdHeader garbage = { 99, 0 };
  gint bad, good, i;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bad = gst_shared_fd_connect (path, NULL);
  good = gst_shared_fd_connect (path, NULL);
  fail_unless (bad >= 0 && good >= 0);
  fail_unless (next_frame (good));
  fail_unless_equals_int (write (bad, &garbage, sizeof garbage), 8);
  while (next_frame (bad));
  for (i = 0; i < 5; i++)
    fail_unless (next_frame (good));
  fail_unless (stat_u64 (sink, "frames") > 5);
  check_client_stats (sink);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  close (bad);
  close (good);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_rmdir (dir);
  g_free (desc);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* Fails unless listening at @path fails with @code and a message that
 * has @what. */
static void
expect_listen_error (const gchar * path, gint code, const gchar * what)
{
  GError *err = NULL;

  fail_unless_equals_int (gst_shared_fd_listen (path, &err), -1);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR, code), "%s",
      err ? err->message : "no error");
  fail_unless (strstr (err->message, what) != NULL, "'%s' lacks '%s'",
      err->message, what);
  g_error_free (err);
}

/* A socket-path that names a file or a directory is refused with a clear
 * error, and what is there is left alone (it used to be unlinked). */
GST_START_TEST (test_listen_keeps_other_files)
{
  gchar *dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  gchar *file = g_build_filename (dir, "video.mp4", NULL);
  gchar *data = NULL;

  fail_unless (g_file_set_contents (file, "precious", -1, NULL));
  expect_listen_error (file, GST_RESOURCE_ERROR_SETTINGS, "not a socket");
  fail_unless (g_file_get_contents (file, &data, NULL, NULL));
  fail_unless_equals_string (data, "precious");
  expect_listen_error (dir, GST_RESOURCE_ERROR_SETTINGS, "not a socket");
  fail_unless (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_unlink (file);
  g_rmdir (dir);
  g_free (data);
  g_free (file);
  g_free (dir);
}

GST_END_TEST;

/* The socket of a sink that listens is not taken by a second one; the
 * socket file a sink left behind (a crash) is replaced. */
GST_START_TEST (test_listen_busy_and_stale)
{
  gchar *dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "sock", NULL);
  gint first = gst_shared_fd_listen (path, NULL), client, second;

  fail_unless (first >= 0);
  expect_listen_error (path, GST_RESOURCE_ERROR_BUSY, "another sink");
  client = gst_shared_fd_connect (path, NULL);
  fail_unless (client >= 0, "the first sink lost its socket");
  close (client);
  close (first);
  fail_unless (g_file_test (path, G_FILE_TEST_EXISTS));
  second = gst_shared_fd_listen (path, NULL);
  fail_unless (second >= 0);

  close (second);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* A 160x120 I420 frame padded to 192 bytes a row, with its GstVideoMeta
 * (strides and offsets that are not the caps' defaults). */
#define PADDED_SIZE (192 * 120 * 3 / 2)

static GstBuffer *
padded_frame (void)
{
  gsize offset[GST_VIDEO_MAX_PLANES] = { 0, 192 * 120, 192 * 120 + 96 * 60 };
  gint stride[GST_VIDEO_MAX_PLANES] = { 192, 96, 96 };
  GstBuffer *buf = gst_buffer_new_allocate (NULL, PADDED_SIZE, NULL);

  gst_buffer_add_video_meta_full (buf, 0, GST_VIDEO_FORMAT_I420, 160, 120, 3,
      offset, stride);
  return buf;
}

/* A padded frame's GstVideoMeta (strides and offsets that are not the
 * defaults) is written in the layout of GStreamer's serializer and read
 * back onto a buffer of the same memory. */
GST_START_TEST (test_video_meta_round_trip)
{
  GstBuffer *in = padded_frame ();
  GstBuffer *out = gst_buffer_new_allocate (NULL, PADDED_SIZE, NULL);
  GByteArray *payload = g_byte_array_new ();
  GstVideoMeta *vmeta;

  fail_unless_equals_int (gst_shared_fd_write_metas (in, NULL, payload), 1);
  fail_unless (gst_shared_fd_read_metas (out, 1, payload->data, payload->len,
          NULL));
  vmeta = gst_buffer_get_video_meta (out);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->width, 160);
  fail_unless_equals_int (vmeta->stride[0], 192);
  fail_unless_equals_int (vmeta->stride[2], 96);
  fail_unless_equals_int (vmeta->offset[2], 192 * 120 + 96 * 60);
  g_byte_array_unref (payload);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* A GstVideoMeta whose planes lie past the frame's memory is an error,
 * not a meta that would make downstream read out of bounds. */
GST_START_TEST (test_video_meta_past_memory)
{
  GstBuffer *in = gst_buffer_new_allocate (NULL, 160 * 120 * 3 / 2, NULL);
  GstBuffer *out = gst_buffer_new_allocate (NULL, 160 * 120, NULL);
  GByteArray *payload = g_byte_array_new ();
  GError *err = NULL;

  gst_buffer_add_video_meta (in, 0, GST_VIDEO_FORMAT_I420, 160, 120);
  fail_unless_equals_int (gst_shared_fd_write_metas (in, NULL, payload), 1);
  fail_if (gst_shared_fd_read_metas (out, 1, payload->data, payload->len,
          &err));
  fail_unless (strstr (err->message, "malformed meta") != NULL);
  fail_unless (gst_buffer_get_video_meta (out) == NULL);
  g_error_free (err);
  g_byte_array_unref (payload);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* A GstVideoMeta in the default layout of the caps, without flags, is
 * not written (the receiver computes that layout from the caps); a padded
 * one of the same caps, or any with no raw video caps to compare, is. */
GST_START_TEST (test_video_meta_default_layout_not_written)
{
  GstBuffer *plain = gst_buffer_new_allocate (NULL, PADDED_SIZE, NULL);
  GstBuffer *padded = padded_frame ();
  GByteArray *payload = g_byte_array_new ();
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 160, 120);
  gst_buffer_add_video_meta (plain, 0, GST_VIDEO_FORMAT_I420, 160, 120);
  fail_unless_equals_int (gst_shared_fd_write_metas (plain, &info, payload), 0);
  fail_unless_equals_int (payload->len, 0);
  fail_unless_equals_int (gst_shared_fd_write_metas (padded, &info, payload),
      1);
  fail_unless_equals_int (gst_shared_fd_write_metas (plain, NULL, payload), 1);
  /* flags are more than the caps say */
  gst_buffer_get_video_meta (plain)->flags = GST_VIDEO_FRAME_FLAG_TFF;
  fail_unless_equals_int (gst_shared_fd_write_metas (plain, &info, payload), 1);
  g_byte_array_unref (payload);
  gst_buffer_unref (plain);
  gst_buffer_unref (padded);
}

GST_END_TEST;

static Suite *
sharedfdproto_suite (void)
{
  Suite *s = suite_create ("sharedfdproto");
  TCase *tc = tcase_create ("parser");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_unknown_type_and_size);
  tcase_add_test (tc, test_new_buffer_sizes);
  tcase_add_test (tc, test_too_many_fds);
  tcase_add_test (tc, test_release_parts_and_back_to_back);
  tcase_add_test (tc, test_release_refuses_other_messages);
  tcase_add_test (tc, test_fuzz);
  tcase_add_test (tc, test_sink_closes_bad_client);
  tcase_add_test (tc, test_listen_keeps_other_files);
  tcase_add_test (tc, test_listen_busy_and_stale);
  tcase_add_test (tc, test_video_meta_round_trip);
  tcase_add_test (tc, test_video_meta_past_memory);
  tcase_add_test (tc, test_video_meta_default_layout_not_written);

  return s;
}

GST_CHECK_MAIN (sharedfdproto);
