/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* sharedfdsink and sharedfdsrc across real processes: the producer runs
 * here, each consumer is a gst-launch-1.0 process. Under valgrind these
 * tests do nothing (the children would run under it too, for minutes);
 * the protocol parser has its own test, run under valgrind as well. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/allocators/allocators.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/sharedpool/sharedpool.h>
#include <gst/video/video.h>

#include "../testutil.h"
#include "gstsharedfdproto.h"

#define FRAME_CAPS "video/x-raw,format=I420,width=64,height=48,framerate=30/1"
#define FRAME_SIZE (64 * 48 * 3 / 2)

typedef struct
{
  GstElement *pipeline;
  GstElement *sink;
  gchar *dir;
  gchar *socket;
  GMutex lock;
  GCond cond;
  guint connected;
  guint disconnected;
  guint evicted;
  guint64 dropped;              /* summed over the clients gone */
} Producer;

/* Counts the sink's client messages as they are posted. */
static GstBusSyncReply
count_clients (GstBus * bus, GstMessage * msg, Producer * p)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT ||
      !gst_structure_has_name (s, "sharedfdsink-client"))
    return GST_BUS_PASS;

  g_mutex_lock (&p->lock);
  if (g_str_equal (gst_structure_get_string (s, "event"), "connected"))
    p->connected++;
  else
    p->disconnected++;
  if (g_str_equal (gst_structure_get_string (s, "event"), "evicted"))
    p->evicted++;
  if (gst_structure_has_field (s, "dropped"))
    p->dropped += structure_u64 (s, "dropped");
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

/* A live producer of @frames frames that tees them to a file as well,
 * ready (PAUSED) with its socket listening. */
static void
producer_init (Producer * p, guint frames)
{
  GstBus *bus;
  gchar *desc;

  p->dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  p->socket = g_build_filename (p->dir, "sock", NULL);
  desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball "
      "num-buffers=%u ! " FRAME_CAPS " ! tee name=t ! queue ! sharedfdsink "
      "name=sink socket-path=%s t. ! queue ! filesink location=%s/ref",
      frames, p->socket, p->dir);
  p->pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (p->pipeline != NULL);
  p->sink = gst_bin_get_by_name (GST_BIN (p->pipeline), "sink");
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->connected = p->disconnected = p->evicted = 0;
  p->dropped = 0;
  bus = gst_element_get_bus (p->pipeline);
  gst_bus_set_sync_handler (bus, (GstBusSyncHandler) count_clients, p, NULL);
  gst_object_unref (bus);
  fail_unless_equals_int (gst_element_set_state (p->pipeline,
          GST_STATE_PAUSED), GST_STATE_CHANGE_NO_PREROLL);
}

static void
producer_clear (Producer * p)
{
  gchar *ref = g_build_filename (p->dir, "ref", NULL);

  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  gst_object_unref (p->sink);
  gst_object_unref (p->pipeline);
  g_unlink (ref);
  g_rmdir (p->dir);
  g_free (ref);
  g_free (p->socket);
  g_free (p->dir);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
}

/* Starts `gst-launch-1.0 sharedfdsrc socket-path=@socket ! @tail`. */
static GPid
consumer_spawn_at (const gchar * socket, const gchar * tail)
{
  gchar *line = g_strdup_printf ("gst-launch-1.0 -q sharedfdsrc "
      "socket-path=%s ! %s", socket, tail);
  gchar **argv;
  GPid pid;

  fail_unless (g_shell_parse_argv (line, NULL, &argv, NULL));
  fail_unless (g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL));
  g_strfreev (argv);
  g_free (line);
  return pid;
}

/* Starts `gst-launch-1.0 sharedfdsrc ! @tail` for @p. */
static GPid
consumer_spawn (Producer * p, const gchar * tail)
{
  return consumer_spawn_at (p->socket, tail);
}

static gint
consumer_wait (GPid pid)
{
  gint status;

  fail_unless_equals_int (waitpid (pid, &status, 0), pid);
  g_spawn_close_pid (pid);
  return status;
}

/* Waits until @n clients in all connected (@disconnected FALSE) or
 * disconnected. */
static void
wait_clients (Producer * p, gboolean disconnected, guint n)
{
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&p->lock);
  while ((disconnected ? p->disconnected : p->connected) < n)
    fail_unless (g_cond_wait_until (&p->cond, &p->lock, end),
        "clients did not come or go in 60 s");
  g_mutex_unlock (&p->lock);
}

static void
wait_eos (Producer * p)
{
  GstBus *bus = gst_element_get_bus (p->pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}


static gchar *
file_checksum (const gchar * dir, const gchar * name, gsize * size)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *data, *sum;

  fail_unless (g_file_get_contents (path, &data, size, NULL), path);
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, *size);
  g_unlink (path);
  g_free (path);
  g_free (data);
  return sum;
}

#define SKIP_UNDER_VALGRIND() G_STMT_START {                             \
  if (RUNNING_ON_VALGRIND) {                                             \
    GST_INFO ("multi-process test skipped under valgrind");              \
    return;                                                              \
  }                                                                      \
} G_STMT_END

/* Plays @p to EOS once its @n consumers connected; they end cleanly. */
static void
play_consumers (Producer * p, GPid * pids, guint n)
{
  guint i;

  wait_clients (p, FALSE, n);
  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  wait_eos (p);
  for (i = 0; i < n; i++)
    fail_unless_equals_int (consumer_wait (pids[i]), 0);
  wait_clients (p, TRUE, n);
}

/* Four consumer processes get every frame, bit for bit what the producer
 * wrote to its own file, and EOS; afterwards no frame is held. */
GST_START_TEST (test_four_consumers_identical)
{
  Producer p;
  GPid pids[4];
  gchar *ref;
  gsize ref_size;
  guint i;

  SKIP_UNDER_VALGRIND ();
  producer_init (&p, 60);
  for (i = 0; i < 4; i++) {
    gchar *tail = g_strdup_printf ("filesink location=%s/out%u", p.dir, i);

    pids[i] = consumer_spawn (&p, tail);
    g_free (tail);
  }
  play_consumers (&p, pids, 4);

  ref = file_checksum (p.dir, "ref", &ref_size);
  fail_unless_equals_int (ref_size, 60 * FRAME_SIZE);
  for (i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("out%u", i);
    gsize size;
    gchar *sum = file_checksum (p.dir, name, &size);

    fail_unless_equals_string (sum, ref);
    g_free (sum);
    g_free (name);
  }
  fail_unless_equals_int (stat_u64 (p.sink, "in-flight"), 0);
  g_free (ref);
  producer_clear (&p);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GCond cond;
  guint count;
} FrameCount;

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, FrameCount * fc)
{
  g_mutex_lock (&fc->lock);
  fc->count++;
  g_cond_broadcast (&fc->cond);
  g_mutex_unlock (&fc->lock);
  return GST_PAD_PROBE_OK;
}

/* Plays @p until its sink got @n frames. */
static void
play_until (Producer * p, FrameCount * fc, guint n)
{
  GstPad *pad = gst_element_get_static_pad (p->sink, "sink");

  g_mutex_init (&fc->lock);
  g_cond_init (&fc->cond);
  fc->count = 0;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) count_frame, fc, NULL);
  gst_object_unref (pad);
  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  g_mutex_lock (&fc->lock);
  while (fc->count < n)
    g_cond_wait (&fc->cond, &fc->lock);
  g_mutex_unlock (&fc->lock);
}

/* A consumer killed with SIGKILL mid-stream releases everything it held at
 * once; the producer and the other consumer go on to the end. */
GST_START_TEST (test_kill_consumer)
{
  Producer p;
  FrameCount fc;
  GPid victim, other;
  gchar *tail, *ref, *sum;
  gsize size;

  SKIP_UNDER_VALGRIND ();
  producer_init (&p, 90);
  victim = consumer_spawn (&p, "queue ! fakesink sync=true");
  tail = g_strdup_printf ("filesink location=%s/out", p.dir);
  other = consumer_spawn (&p, tail);
  g_free (tail);
  wait_clients (&p, FALSE, 2);

  play_until (&p, &fc, 20);
  kill (victim, SIGKILL);
  fail_unless (WIFSIGNALED (consumer_wait (victim)));
  wait_clients (&p, TRUE, 1);

  wait_eos (&p);
  fail_unless_equals_int (consumer_wait (other), 0);
  wait_clients (&p, TRUE, 2);
  fail_unless_equals_int (stat_u64 (p.sink, "in-flight"), 0);
  ref = file_checksum (p.dir, "ref", &size);
  sum = file_checksum (p.dir, "out", &size);
  fail_unless_equals_string (sum, ref);
  g_free (sum);
  g_free (ref);
  producer_clear (&p);
  g_mutex_clear (&fc.lock);
  g_cond_clear (&fc.cond);
}

GST_END_TEST;

/* A consumer that connects mid-stream gets the caps first (videoconvert
 * cannot work without them), then frames and EOS. */
GST_START_TEST (test_late_join)
{
  Producer p;
  FrameCount fc;
  GPid late;
  gchar *tail, *sum;
  gsize size;

  SKIP_UNDER_VALGRIND ();
  producer_init (&p, 60);
  play_until (&p, &fc, 10);
  tail = g_strdup_printf ("videoconvert ! " FRAME_CAPS " ! filesink "
      "location=%s/out", p.dir);
  late = consumer_spawn (&p, tail);
  g_free (tail);
  wait_clients (&p, FALSE, 1);
  wait_eos (&p);
  fail_unless_equals_int (consumer_wait (late), 0);

  sum = file_checksum (p.dir, "out", &size);
  fail_unless (size > 0 && size < 60 * FRAME_SIZE);
  fail_unless_equals_int (size % FRAME_SIZE, 0);
  g_free (sum);
  g_free (file_checksum (p.dir, "ref", &size));
  producer_clear (&p);
  g_mutex_clear (&fc.lock);
  g_cond_clear (&fc.cond);
}

GST_END_TEST;

static GstElement *
launch_to_eos (const gchar * desc)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);

  fail_unless (pipeline != NULL);
  run_to_eos (pipeline);
  return pipeline;
}

/* A producer that fills the sink's proposed pool writes straight into
 * memfd memory: nothing is copied, and the files are recycled. */
GST_START_TEST (test_pool_no_copy)
{
  GstElement *pipeline = launch_to_eos ("videotestsrc num-buffers=50 ! "
      FRAME_CAPS " ! sharedfdsink name=sink socket-path=sharedfd-test.sock");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstStructure *s = element_stats (sink);
  const GstStructure *alloc, *pool;

  fail_unless_equals_int (structure_u64 (s, "frames"), 50);
  fail_unless_equals_int (structure_u64 (s, "copies"), 0);
  alloc = gst_value_get_structure (gst_structure_get_value (s, "allocator"));
  fail_unless (structure_u64 (alloc, "files-created") <= 8);
  /* videotestsrc filled the GstSharedPool the sink proposed */
  pool = gst_value_get_structure (gst_structure_get_value (s, "pool"));
  fail_unless (structure_u64 (pool, "allocations") <= 8);
  fail_unless (structure_u64 (pool, "hits") >= 42);
  gst_structure_free (s);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* The sharedpool element in front of the sink passes the sink's
 * GstSharedPool on to the source: still memfd memory, nothing copied. */
GST_START_TEST (test_sharedpool_element_no_copy)
{
  GstElement *pipeline = launch_to_eos ("videotestsrc num-buffers=20 ! "
      FRAME_CAPS " ! sharedpool ! sharedfdsink name=sink "
      "socket-path=sharedfd-test.sock");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  fail_unless_equals_int (stat_u64 (sink, "frames"), 20);
  fail_unless_equals_int (stat_u64 (sink, "copies"), 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* System memory is copied once into recycled memfd memory, counted. */
GST_START_TEST (test_copy_counted)
{
  GstElement *pipeline = launch_to_eos ("videotestsrc num-buffers=20 ! "
      FRAME_CAPS " ! identity drop-allocation=true ! "
      "sharedfdsink name=sink socket-path=sharedfd-test.sock");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstStructure *s = element_stats (sink);
  const GstStructure *alloc;

  fail_unless_equals_int (structure_u64 (s, "copies"), 20);
  alloc = gst_value_get_structure (gst_structure_get_value (s, "allocator"));
  fail_unless_equals_int (structure_u64 (alloc, "files-created"), 1);
  gst_structure_free (s);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static guint
num_clients (GstElement * sink)
{
  guint n;

  g_object_get (sink, "num-clients", &n, NULL);
  return n;
}

/* Waits until @n clients were evicted. */
static void
wait_evicted (Producer * p, guint n)
{
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&p->lock);
  while (p->evicted < n)
    fail_unless (g_cond_wait_until (&p->cond, &p->lock, end),
        "no client evicted in 60 s");
  g_mutex_unlock (&p->lock);
}

/* The last frame of the file @name in @p's directory. */
static gchar *
last_frame (Producer * p, const gchar * name)
{
  gchar *path = g_build_filename (p->dir, name, NULL);
  gchar *data, *frame;
  gsize size;

  fail_unless (g_file_get_contents (path, &data, &size, NULL), path);
  fail_unless (size >= FRAME_SIZE && size % FRAME_SIZE == 0);
  frame = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (guchar *) data + size - FRAME_SIZE, FRAME_SIZE);
  g_free (data);
  g_free (path);
  return frame;
}

/* With drop-oldest, one slow consumer of four drops frames but still gets
 * the newest one; the three fast ones get every frame, bit for bit. */
GST_START_TEST (test_slow_consumer_drop_oldest)
{
  Producer p;
  GPid pids[4];
  gchar *tail, *ref, *slow_last, *ref_last;
  gsize size;
  guint i;

  SKIP_UNDER_VALGRIND ();
  producer_init (&p, 60);
  gst_util_set_object_arg (G_OBJECT (p.sink), "full-policy", "drop-oldest");
  g_object_set (p.sink, "max-in-flight", 8, NULL);
  for (i = 0; i < 4; i++) {
    /* unbuffered: filesink would hold 64 KiB of frames, over the limit */
    tail = g_strdup_printf ("%sfilesink buffer-mode=unbuffered "
        "location=%s/out%u", i == 0 ? "identity sleep-time=200000 ! " : "",
        p.dir, i);
    pids[i] = consumer_spawn (&p, tail);
    g_free (tail);
  }
  play_consumers (&p, pids, 4);
  fail_unless (p.dropped > 0);

  slow_last = last_frame (&p, "out0");
  ref_last = last_frame (&p, "ref");
  fail_unless_equals_string (slow_last, ref_last);
  g_free (file_checksum (p.dir, "out0", &size));
  fail_unless (size < 60 * FRAME_SIZE);
  ref = file_checksum (p.dir, "ref", &size);
  for (i = 1; i < 4; i++) {
    gchar *name = g_strdup_printf ("out%u", i);
    gchar *sum = file_checksum (p.dir, name, &size);

    fail_unless_equals_string (sum, ref);
    g_free (sum);
    g_free (name);
  }
  g_free (ref);
  g_free (ref_last);
  g_free (slow_last);
  producer_clear (&p);
}

GST_END_TEST;

/* A consumer that stops (SIGSTOP) at its limit is evicted after
 * client-timeout, releasing what it held, and rendering goes on. */
GST_START_TEST (test_stalled_client_evicted)
{
  Producer p;
  FrameCount fc;
  GPid stalled;

  SKIP_UNDER_VALGRIND ();
  producer_init (&p, 100000);
  g_object_set (p.sink, "max-in-flight", 2, "client-timeout",
      100 * GST_MSECOND, NULL);
  stalled = consumer_spawn (&p, "fakesink");
  wait_clients (&p, FALSE, 1);
  kill (stalled, SIGSTOP);

  play_until (&p, &fc, 4);
  wait_evicted (&p, 1);
  fail_unless_equals_int (stat_u64 (p.sink, "in-flight"), 0);
  fail_unless_equals_int (num_clients (p.sink), 0);
  fail_unless (stat_u64 (p.sink, "blocked") > 0);

  kill (stalled, SIGKILL);
  fail_unless (WIFSIGNALED (consumer_wait (stalled)));
  producer_clear (&p);
  g_mutex_clear (&fc.lock);
  g_cond_clear (&fc.cond);
}

GST_END_TEST;

/* A sharedfdsink in a harness, with one raw client (the test itself). */
typedef struct
{
  GstHarness *h;
  GstFlowReturn ret;
  gchar *dir;
  gint sock;
} Push;

static gpointer
push_frame (Push * push)
{
  push->ret = gst_harness_push (push->h, gst_buffer_new_allocate (NULL,
          FRAME_SIZE, NULL));
  return NULL;
}

/* Pushes a frame from a thread; returns once the sink blocked on it. */
static GThread *
push_until_blocked (Push * push, guint64 blocked)
{
  GThread *thread = g_thread_new ("push", (GThreadFunc) push_frame, push);
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while (stat_u64 (push->h->element, "blocked") < blocked) {
    fail_unless (g_get_monotonic_time () < end, "render did not block");
    g_usleep (1000);
  }
  return thread;
}

/* A client that connected and got the caps; returns its socket. */
static gint
raw_client (const gchar * path)
{
  GstSharedFdMsg msg;
  gint sock = gst_shared_fd_connect (path, NULL);

  fail_unless (sock >= 0);
  fail_unless (gst_shared_fd_receive (sock, &msg, NULL, NULL));
  fail_unless_equals_int (msg.type, GST_SHARED_FD_MSG_CAPS);
  gst_shared_fd_msg_clear (&msg);
  return sock;
}

/* Starts @sink (its limits set, reference taken) in a harness and
 * connects a raw client to it. */
static void
push_init (Push * push, GstElement * sink)
{
  gchar *path;

  push->ret = GST_FLOW_OK;
  push->dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  path = g_build_filename (push->dir, "sock", NULL);
  g_object_set (sink, "socket-path", path, "async", FALSE, NULL);
  push->h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_object_unref (sink);
  gst_harness_set_src_caps_str (push->h, FRAME_CAPS);
  push->sock = raw_client (path);
  g_free (path);
}

static void
push_clear (Push * push)
{
  gchar *path = g_build_filename (push->dir, "sock", NULL);

  close (push->sock);
  gst_harness_teardown (push->h);
  g_unlink (path);
  g_rmdir (push->dir);
  g_free (path);
  g_free (push->dir);
}

/* Reads the next frame on @sock and releases it; returns its id, and its
 * number of metas in @n_meta unless NULL. */
static guint64
raw_release_full (gint sock, guint * n_meta)
{
  GstSharedFdMsg msg;
  const GstSharedFdNewBuffer *nb;
  const GstSharedFdMemory *mems;
  guint64 id;

  fail_unless (gst_shared_fd_receive (sock, &msg, NULL, NULL));
  fail_unless (gst_shared_fd_check_new_buffer (&msg, &nb, &mems, NULL));
  id = nb->id;
  if (n_meta != NULL)
    *n_meta = nb->n_meta;
  gst_shared_fd_msg_clear (&msg);
  fail_unless (gst_shared_fd_send (sock, GST_SHARED_FD_MSG_RELEASE_BUFFER,
          NULL, 0, (const guint8 *) &id, sizeof id, FALSE, NULL));
  return id;
}

static guint64
raw_release (gint sock)
{
  return raw_release_full (sock, NULL);
}

/* Under full-policy=block, a client at max-in-flight holds rendering
 * until it releases; flushing and going to READY wake a blocked render. */
GST_START_TEST (test_block_until_release)
{
  GstElement *sink = gst_element_factory_make ("sharedfdsink", NULL);
  GThread *thread;
  Push push;

  g_object_set (sink, "max-in-flight", 1, "client-timeout",
      G_GUINT64_CONSTANT (0), NULL);
  push_init (&push, sink);
  push_frame (&push);
  fail_unless_equals_int (push.ret, GST_FLOW_OK);

  thread = push_until_blocked (&push, 1);
  raw_release (push.sock);
  g_thread_join (thread);
  fail_unless_equals_int (push.ret, GST_FLOW_OK);
  fail_unless_equals_int (stat_u64 (push.h->element, "frames"), 2);

  thread = push_until_blocked (&push, 2);
  fail_unless (gst_harness_push_event (push.h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  fail_unless_equals_int (push.ret, GST_FLOW_FLUSHING);
  fail_unless (gst_harness_push_event (push.h,
          gst_event_new_flush_stop (TRUE)));
  gst_harness_set_src_caps_str (push.h, FRAME_CAPS);

  thread = push_until_blocked (&push, 3);
  gst_element_set_state (push.h->element, GST_STATE_READY);
  g_thread_join (thread);
  fail_unless_equals_int (push.ret, GST_FLOW_FLUSHING);
  push_clear (&push);
}

GST_END_TEST;

/* A counter of the only client in @sink's stats. */
static guint64
client_stat (GstElement * sink, const gchar * field)
{
  GstStructure *s = element_stats (sink);
  const GValue *clients = gst_structure_get_value (s, "per-client");
  guint64 v;

  fail_unless_equals_int (gst_value_array_get_size (clients), 1);
  v = structure_u64 (gst_value_get_structure (gst_value_array_get_value
          (clients, 0)), field);
  gst_structure_free (s);
  return v;
}

/* At max-in-flight-bytes, drop-newest queues two frames for the client
 * and drops the next ones; the queue goes out, oldest first, as it
 * releases. Rendering never waits. */
GST_START_TEST (test_byte_limit_drop_newest)
{
  GstElement *sink = gst_element_factory_make ("sharedfdsink", NULL);
  Push push;
  gint i;

  g_object_set (sink, "max-in-flight-bytes", (guint64) FRAME_SIZE, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "full-policy", "drop-newest");
  push_init (&push, sink);
  for (i = 0; i < 5; i++) {
    push_frame (&push);
    fail_unless_equals_int (push.ret, GST_FLOW_OK);
  }
  fail_unless_equals_int (client_stat (push.h->element, "sent"), 1);
  fail_unless_equals_int (client_stat (push.h->element, "dropped"), 2);
  fail_unless_equals_int (stat_u64 (push.h->element, "blocked"), 0);

  for (i = 1; i <= 3; i++)
    fail_unless_equals_int (raw_release (push.sock), i);
  push_clear (&push);
}

GST_END_TEST;

/* The pool of the sink's answer to an ALLOCATION query for FRAME_CAPS,
 * from the harness's source pad; checks min and max. */
static GstBufferPool *
query_pool (GstHarness * h)
{
  GstCaps *caps = gst_caps_from_string (FRAME_CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool;
  guint size, min, max;

  fail_unless (gst_pad_peer_query (h->srcpad, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  fail_unless_equals_int (size, FRAME_SIZE);
  fail_unless_equals_int (min, 4);
  fail_unless_equals_int (max, 0);
  gst_query_unref (query);
  gst_caps_unref (caps);
  return pool;
}

/* Activates @pool with @min to @max buffers, as an upstream that bounds
 * the pool it was offered would. */
static void
pool_activate (GstBufferPool * pool, guint min, guint max)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps;
  guint size;

  fail_unless (gst_buffer_pool_config_get_params (config, &caps, &size, NULL,
          NULL));
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
}

/* The sink answers ALLOCATION for raw video with a GstSharedPool over its
 * memfd allocator, with video meta: its buffers are fd memory. */
GST_START_TEST (test_proposes_shared_pool)
{
  GstElement *sink = gst_element_factory_make ("sharedfdsink", NULL);
  GstBufferPool *pool;
  GstStructure *config;
  GstAllocator *alloc;
  GstBuffer *buffer;
  Push push;

  push_init (&push, sink);
  pool = query_pool (push.h);
  fail_unless (GST_IS_SHARED_POOL (pool));
  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_has_option (config,
          GST_BUFFER_POOL_OPTION_VIDEO_META));
  fail_unless (gst_buffer_pool_config_get_allocator (config, &alloc, NULL));
  fail_unless (GST_IS_BUCKET_FD_ALLOCATOR (alloc));
  gst_structure_free (config);

  pool_activate (pool, 4, 0);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buffer,
          NULL), GST_FLOW_OK);
  fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (buffer, 0)));
  fail_unless (gst_buffer_get_video_meta (buffer) != NULL);
  gst_buffer_unref (buffer);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  push_clear (&push);
}

GST_END_TEST;

/* The sink keeps each frame until every client released it, so an
 * upstream that bounds the pool (here 2 buffers) waits in acquire while
 * clients hold them all, and gets the released buffer back. The sink's
 * own proposal has no bound: a client's in-flight limit bounds it. */
GST_START_TEST (test_pool_limit_waits_for_release)
{
  GstElement *sink = gst_element_factory_make ("sharedfdsink", NULL);
  GstBufferPoolAcquireParams dontwait = { GST_FORMAT_UNDEFINED, 0, 0,
    GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT
  };
  GstBuffer *a, *b;
  GstMemory *first;
  GstBufferPool *pool;
  Push push;

  push_init (&push, sink);
  pool = query_pool (push.h);
  pool_activate (pool, 0, 2);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &a, NULL),
      GST_FLOW_OK);
  first = gst_buffer_peek_memory (a, 0);
  fail_unless_equals_int (gst_harness_push (push.h, a), GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &b, NULL),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (push.h, b), GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &a,
          &dontwait), GST_FLOW_EOS);

  /* the client releases the first frame: the sink lets it go */
  fail_unless_equals_int (raw_release (push.sock), 1);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &a, NULL),
      GST_FLOW_OK);
  fail_unless (gst_buffer_peek_memory (a, 0) == first);
  fail_unless_equals_int (stat_u64 (push.h->element, "copies"), 0);
  gst_buffer_unref (a);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  push_clear (&push);
}

GST_END_TEST;

/* In-process: sharedfdsink in one harness, sharedfdsrc in another,
 * connected; the frames are our own buffers over two memfd memories, so
 * that the sink's release of each shows as its finalization. */
typedef struct
{
  GstHarness *sink;
  GstHarness *src;
  gchar *dir;
  GstMemory *mems[2];
  GMutex lock;
  GCond cond;
  guint gone;                   /* frames the sink let go */
  guint gone_mask;              /* which, by bit */
} FdPair;

typedef struct
{
  FdPair *pair;
  guint i;
} FrameTag;

static void
frame_gone (FrameTag * tag)
{
  g_mutex_lock (&tag->pair->lock);
  tag->pair->gone++;
  tag->pair->gone_mask |= 1 << tag->i;
  g_cond_broadcast (&tag->pair->cond);
  g_mutex_unlock (&tag->pair->lock);
  g_free (tag);
}

/* Frame @i: a buffer over memory @i % 2, tagged to count its end. */
static GstBuffer *
pair_frame (FdPair * fp, guint i)
{
  GstBuffer *buf = gst_buffer_new ();
  FrameTag *tag = g_new (FrameTag, 1);

  tag->pair = fp;
  tag->i = i;
  gst_buffer_append_memory (buf, gst_memory_ref (fp->mems[i % 2]));
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (buf),
      g_quark_from_static_string ("sharedfd-test-frame"), tag,
      (GDestroyNotify) frame_gone);
  return buf;
}

/* @buf, of one memory, holds bytes @offset .. of memory @m's pattern. */
static void
check_pattern (GstBuffer * buf, guint m, gsize offset)
{
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  fail_unless (has_pattern (gst_buffer_peek_memory (buf, 0), m, offset));
}

/* Waits for the caps that the sink sends a client it accepted. */
static void
wait_caps (GstHarness * h)
{
  GstEvent *ev;

  while ((ev = gst_harness_pull_event (h)) != NULL) {
    gboolean caps = GST_EVENT_TYPE (ev) == GST_EVENT_CAPS;

    gst_event_unref (ev);
    if (caps)
      return;
  }
  fail ("no caps from the sink");
}

static void
pair_init (FdPair * fp)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstElement *e;
  gchar *socket;
  guint i;

  memset (fp, 0, sizeof *fp);
  g_mutex_init (&fp->lock);
  g_cond_init (&fp->cond);
  for (i = 0; i < 2; i++) {
    fp->mems[i] = gst_allocator_alloc (alloc, FRAME_SIZE, NULL);
    fill_pattern (fp->mems[i], i);
  }
  gst_object_unref (alloc);

  fp->dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  socket = g_build_filename (fp->dir, "sock", NULL);
  e = gst_element_factory_make ("sharedfdsink", NULL);
  g_object_set (e, "socket-path", socket, "sync", FALSE,
      "enable-last-sample", FALSE, NULL);
  fp->sink = gst_harness_new_with_element (e, "sink", NULL);
  gst_object_unref (e);
  gst_harness_set_src_caps_str (fp->sink, FRAME_CAPS);

  e = gst_element_factory_make ("sharedfdsrc", NULL);
  g_object_set (e, "socket-path", socket, NULL);
  fp->src = gst_harness_new_with_element (e, NULL, "src");
  gst_object_unref (e);
  gst_harness_play (fp->src);
  wait_caps (fp->src);
  g_free (socket);
}

static void
pair_clear (FdPair * fp)
{
  gst_harness_teardown (fp->src);
  gst_harness_teardown (fp->sink);
  gst_memory_unref (fp->mems[0]);
  gst_memory_unref (fp->mems[1]);
  g_rmdir (fp->dir);
  g_free (fp->dir);
  g_mutex_clear (&fp->lock);
  g_cond_clear (&fp->cond);
}

/* Sends frame @i through the pair; returns what sharedfdsrc pushed. */
static GstBuffer *
pair_send (FdPair * fp, guint i)
{
  GstBuffer *buf;

  fail_unless_equals_int (gst_harness_push (fp->sink, pair_frame (fp, i)),
      GST_FLOW_OK);
  buf = gst_harness_pull (fp->src);
  fail_unless (buf != NULL);
  return buf;
}

/* A sub-buffer (gst_buffer_copy_region(), as parsers and payloaders make)
 * that outlives its frame keeps the frame from the producer: the sink
 * lets frame 0 go only when the sub-buffer does. Frame 1, dropped after
 * frame 0, is the witness: its release follows any release of frame 0 on
 * the socket, so once the sink let frame 1 go it would have let frame 0
 * go too. */
GST_START_TEST (test_sub_buffer_holds_frame)
{
  FdPair fp;
  GstBuffer *frame0, *frame1, *sub;

  pair_init (&fp);
  frame0 = pair_send (&fp, 0);
  frame1 = pair_send (&fp, 1);
  fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (frame0, 0)));
  sub = gst_buffer_copy_region (frame0, GST_BUFFER_COPY_MEMORY, 100, 200);
  fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (sub, 0)));
  gst_buffer_unref (frame0);
  gst_buffer_unref (frame1);

  wait_for_count (&fp.lock, &fp.cond, &fp.gone, 1);
  fail_unless_equals_int (read_count (&fp.lock, &fp.gone_mask), 1 << 1);
  fail_unless_equals_int (stat_u64 (fp.src->element, "released"), 1);
  check_pattern (sub, 0, 100);

  gst_buffer_unref (sub);
  fail_unless_equals_int (stat_u64 (fp.src->element, "released"), 2);
  wait_for_count (&fp.lock, &fp.cond, &fp.gone, 2);
  fail_unless_equals_int (read_count (&fp.lock, &fp.gone_mask), 3);
  pair_clear (&fp);
}

GST_END_TEST;

/* The sink keeps sending the same two files: sharedfdsrc maps each once,
 * however many frames come, and every frame reads right. */
GST_START_TEST (test_file_mapped_once)
{
  FdPair fp;
  GstStructure *s;
  guint i;

  pair_init (&fp);
  for (i = 0; i < 10; i++) {
    GstBuffer *buf = pair_send (&fp, i);

    check_pattern (buf, i % 2, 0);
    gst_buffer_unref (buf);
  }

  s = element_stats (fp.src->element);
  fail_unless_equals_int (structure_u64 (s, "frames"), 10);
  fail_unless_equals_int (structure_u64 (s, "released"), 10);
  fail_unless_equals_int (structure_u64 (s, "files-mapped"), 2);
  fail_unless_equals_int (structure_u64 (s, "files-cached"), 2);
  gst_structure_free (s);
  pair_clear (&fp);
}

GST_END_TEST;

/* Steady streaming makes no GstMemory per frame: once a frame is
 * released, its root memory is the one the file's next frame gets; a
 * memory still in use is never handed out again. */
GST_START_TEST (test_memory_reused)
{
  GstMemory *prev[2] = { NULL, NULL };
  GstBuffer *held;
  FdPair fp;
  guint i;

  pair_init (&fp);
  for (i = 0; i < 10; i++) {
    GstBuffer *buf = pair_send (&fp, i);
    GstMemory *mem = gst_buffer_peek_memory (buf, 0);

    if (i >= 2)
      fail_unless (mem == prev[i % 2]);
    prev[i % 2] = mem;
    check_pattern (buf, i % 2, 0);
    gst_buffer_unref (buf);
  }

  /* frames 12 and 14 are of the same file as the held frame 10 */
  held = pair_send (&fp, 10);
  for (i = 12; i <= 14; i += 2) {
    GstBuffer *buf = pair_send (&fp, i);

    fail_unless (gst_buffer_peek_memory (buf, 0) !=
        gst_buffer_peek_memory (held, 0));
    check_pattern (buf, 0, 0);
    gst_buffer_unref (buf);
  }
  check_pattern (held, 0, 0);
  gst_buffer_unref (held);
  pair_clear (&fp);
}

GST_END_TEST;

/* A frame outlives its source's stop, which empties the file cache: a
 * sub-buffer still maps the file, which stays mapped while it is used. */
GST_START_TEST (test_frame_outlives_cache)
{
  GstBuffer *buf, *sub;
  FdPair fp;

  pair_init (&fp);
  buf = pair_send (&fp, 0);
  sub = gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY, 100, 200);
  gst_buffer_unref (buf);
  set_state_ok (fp.src->element, GST_STATE_NULL);
  fail_unless_equals_int (stat_u64 (fp.src->element, "files-cached"), 0);

  check_pattern (sub, 0, 100);
  gst_buffer_unref (sub);
  pair_clear (&fp);
}

GST_END_TEST;

/* Sends a one-off file, of memory @mem, through the pair. */
static void
pair_send_memory (FdPair * fp, GstMemory * mem)
{
  GstBuffer *buf = gst_buffer_new ();

  gst_buffer_append_memory (buf, gst_memory_ref (mem));
  fail_unless_equals_int (gst_harness_push (fp->sink, buf), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (fp->src));
}

/* The cache keeps 64 files: a new file then takes the place of the least
 * recently received one, and the files the sink keeps sending stay
 * mapped however many one-off files pass. */
GST_START_TEST (test_cache_keeps_recent_files)
{
  GstAllocator *alloc = gst_bucket_fd_allocator_new ();
  GstMemory *once[64];
  FdPair fp;
  guint i;

  pair_init (&fp);
  gst_buffer_unref (pair_send (&fp, 0));
  for (i = 0; i < G_N_ELEMENTS (once); i++) {
    once[i] = gst_allocator_alloc (alloc, FRAME_SIZE, NULL);
    if (i == 63)                /* the cache is full: file 0 is the newest */
      gst_buffer_unref (pair_send (&fp, 2));
    pair_send_memory (&fp, once[i]);
  }
  gst_buffer_unref (pair_send (&fp, 4));

  fail_unless_equals_int (stat_u64 (fp.src->element, "files-mapped"), 65);
  fail_unless_equals_int (stat_u64 (fp.src->element, "files-cached"), 64);
  for (i = 0; i < G_N_ELEMENTS (once); i++)
    gst_memory_unref (once[i]);
  gst_object_unref (alloc);
  pair_clear (&fp);
}

GST_END_TEST;

/* A file the sink stopped sending (freed, or of old caps) leaves the
 * cache once 64 memories of other files came, to be unmapped: consumers
 * do not keep the producer's freed memory. */
GST_START_TEST (test_unsent_file_uncached)
{
  FdPair fp;
  guint i;

  pair_init (&fp);
  gst_buffer_unref (pair_send (&fp, 0));
  for (i = 0; i < 64; i++)
    gst_buffer_unref (pair_send (&fp, 2 * i + 1));
  fail_unless_equals_int (stat_u64 (fp.src->element, "files-cached"), 2);

  gst_buffer_unref (pair_send (&fp, 129));
  fail_unless_equals_int (stat_u64 (fp.src->element, "files-cached"), 1);
  gst_buffer_unref (pair_send (&fp, 0));
  fail_unless_equals_int (stat_u64 (fp.src->element, "files-mapped"), 3);
  pair_clear (&fp);
}

GST_END_TEST;

/* Writing to received memory (read-only, mapped read-only) gives a copy;
 * the frame itself is untouched. */
GST_START_TEST (test_write_copies)
{
  FdPair fp;
  GstBuffer *buf;
  GstMapInfo map;

  pair_init (&fp);
  buf = pair_send (&fp, 0);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  map.data[0] = ~pattern_byte (0, 0);
  gst_buffer_unmap (buf, &map);
  fail_unless (!gst_is_fd_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);

  buf = pair_send (&fp, 2);
  check_pattern (buf, 0, 0);
  gst_buffer_unref (buf);
  pair_clear (&fp);
}

GST_END_TEST;

/* The data's flags cross, media ones included; TAG_MEMORY (the sender's
 * memory changed) does not. */
GST_START_TEST (test_flags_cross)
{
  const guint data = GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_DELTA_UNIT |
      GST_VIDEO_BUFFER_FLAG_INTERLACED;
  FdPair fp;
  GstBuffer *frame, *buf;

  pair_init (&fp);
  frame = pair_frame (&fp, 0);
  GST_BUFFER_FLAG_SET (frame, data | GST_BUFFER_FLAG_TAG_MEMORY);
  fail_unless_equals_int (gst_harness_push (fp.sink, frame), GST_FLOW_OK);
  buf = gst_harness_pull (fp.src);
  fail_unless_equals_int (GST_BUFFER_FLAGS (buf), data);
  gst_buffer_unref (buf);
  pair_clear (&fp);
}

GST_END_TEST;

/* I420 64x48 with 80-byte luma rows: strides the caps do not give */
#define PADDED_SIZE (80 * 48 + 40 * 24 * 2)
static const gsize padded_offset[GST_VIDEO_MAX_PLANES] = { 0, 80 * 48,
  80 * 48 + 40 * 24
};
static const gint padded_stride[GST_VIDEO_MAX_PLANES] = { 80, 40, 40 };

/* A frame of FRAME_CAPS with a video meta: in the caps' default layout,
 * or @padded, with padded_stride. */
static GstBuffer *
video_frame (gboolean padded)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      padded ? PADDED_SIZE : FRAME_SIZE, NULL);

  if (padded)
    gst_buffer_add_video_meta_full (buf, 0, GST_VIDEO_FORMAT_I420, 64, 48, 3,
        (gsize *) padded_offset, (gint *) padded_stride);
  else
    gst_buffer_add_video_meta (buf, 0, GST_VIDEO_FORMAT_I420, 64, 48);
  return buf;
}

/* On the wire, a video meta in the default layout of the caps is left
 * out (the receiver computes that layout from the caps); a padded
 * frame's is sent. */
GST_START_TEST (test_default_layout_meta_not_sent)
{
  Push push;
  guint n_meta;

  push_init (&push, gst_element_factory_make ("sharedfdsink", NULL));
  fail_unless_equals_int (gst_harness_push (push.h, video_frame (FALSE)),
      GST_FLOW_OK);
  raw_release_full (push.sock, &n_meta);
  fail_unless_equals_int (n_meta, 0);
  fail_unless_equals_int (gst_harness_push (push.h, video_frame (TRUE)),
      GST_FLOW_OK);
  raw_release_full (push.sock, &n_meta);
  fail_unless_equals_int (n_meta, 1);
  push_clear (&push);
}

GST_END_TEST;

/* A default-layout frame arrives intact and without a video meta, which
 * downstream does not need for it. */
GST_START_TEST (test_default_layout_frame_intact)
{
  FdPair fp;
  GstBuffer *frame, *buf;

  pair_init (&fp);
  frame = pair_frame (&fp, 0);
  gst_buffer_add_video_meta (frame, 0, GST_VIDEO_FORMAT_I420, 64, 48);
  fail_unless_equals_int (gst_harness_push (fp.sink, frame), GST_FLOW_OK);
  buf = gst_harness_pull (fp.src);
  fail_unless (gst_buffer_get_video_meta (buf) == NULL);
  check_pattern (buf, 0, 0);
  gst_buffer_unref (buf);
  pair_clear (&fp);
}

GST_END_TEST;

/* A padded frame crosses with its video meta restored: the same strides
 * and offsets at the consumer. */
GST_START_TEST (test_padded_frame_meta_restored)
{
  FdPair fp;
  GstBuffer *buf;
  GstVideoMeta *vmeta;
  guint i;

  pair_init (&fp);
  fail_unless_equals_int (gst_harness_push (fp.sink, video_frame (TRUE)),
      GST_FLOW_OK);
  buf = gst_harness_pull (fp.src);
  vmeta = gst_buffer_get_video_meta (buf);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->n_planes, 3);
  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (vmeta->stride[i], padded_stride[i]);
    fail_unless_equals_int (vmeta->offset[i], padded_offset[i]);
  }
  gst_buffer_unref (buf);
  pair_clear (&fp);
}

GST_END_TEST;

/* Whether process @pid maps libgstvideo. */
static gboolean
maps_video_library (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/maps", (gint) pid);
  gchar *maps;
  gboolean found;

  fail_unless (g_file_get_contents (path, &maps, NULL, NULL));
  found = strstr (maps, "libgstvideo-1.0.so") != NULL;
  g_free (maps);
  g_free (path);
  return found;
}

/* Polls @sink's @what (num-clients, or the only client's released) until
 * it reaches @n. */
static void
wait_sink (GstElement * sink, const gchar * what, guint64 n)
{
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while ((g_str_equal (what, "num-clients") ? num_clients (sink) :
          client_stat (sink, what)) < n) {
    fail_unless (g_get_monotonic_time () < end, "no %s in 60 s", what);
    g_usleep (1000);
  }
}

/* Sends one frame (@padded or not) to a `gst-launch-1.0 sharedfdsrc !
 * fakesink` process; returns whether that process mapped libgstvideo
 * once it had released the frame. */
static gboolean
consumer_maps_video (gboolean padded)
{
  GstElement *sink = gst_element_factory_make ("sharedfdsink", NULL);
  gchar *dir = g_dir_make_tmp ("sharedfd-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "sock", NULL);
  GstHarness *h;
  gboolean mapped;
  GPid pid;

  g_object_set (sink, "socket-path", path, "async", FALSE, NULL);
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_object_unref (sink);
  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  /* no last sample, which would hold the frame */
  pid = consumer_spawn_at (path, "fakesink enable-last-sample=false");
  wait_sink (sink, "num-clients", 1);
  fail_unless_equals_int (gst_harness_push (h, video_frame (padded)),
      GST_FLOW_OK);
  wait_sink (sink, "released", 1);
  mapped = maps_video_library (pid);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (consumer_wait (pid), 0);
  gst_harness_teardown (h);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  return mapped;
}

/* A consumer process of default-layout frames never loads libgstvideo
 * (plugin sharedfdsrc does not link it, no video meta crosses); one of
 * padded frames loads it to restore their video meta. */
GST_START_TEST (test_consumer_loads_video_only_for_meta)
{
  /* the test's own process does, which proves the lookup */
  fail_unless (maps_video_library (getpid ()));
  fail_if (consumer_maps_video (FALSE));
  fail_unless (consumer_maps_video (TRUE));
}

GST_END_TEST;

static Suite *
sharedfd_suite (void)
{
  Suite *s = suite_create ("sharedfd");
  TCase *tc = tcase_create ("processes");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_pool_no_copy);
  tcase_add_test (tc, test_copy_counted);
  tcase_add_test (tc, test_sharedpool_element_no_copy);
  tcase_add_test (tc, test_four_consumers_identical);
  tcase_add_test (tc, test_kill_consumer);
  tcase_add_test (tc, test_late_join);
  tcase_add_test (tc, test_slow_consumer_drop_oldest);
  tcase_add_test (tc, test_stalled_client_evicted);
  tcase_add_test (tc, test_block_until_release);
  tcase_add_test (tc, test_byte_limit_drop_newest);
  tcase_add_test (tc, test_proposes_shared_pool);
  tcase_add_test (tc, test_pool_limit_waits_for_release);
  tcase_add_test (tc, test_default_layout_meta_not_sent);
  tcase_add_test (tc, test_consumer_loads_video_only_for_meta);

  tc = tcase_create ("inprocess");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sub_buffer_holds_frame);
  tcase_add_test (tc, test_file_mapped_once);
  tcase_add_test (tc, test_memory_reused);
  tcase_add_test (tc, test_write_copies);
  tcase_add_test (tc, test_flags_cross);
  tcase_add_test (tc, test_default_layout_frame_intact);
  tcase_add_test (tc, test_padded_frame_meta_restored);
  tcase_add_test (tc, test_frame_outlives_cache);
  tcase_add_test (tc, test_cache_keeps_recent_files);
  tcase_add_test (tc, test_unsent_file_uncached);

  return s;
}

GST_CHECK_MAIN (sharedfd);
