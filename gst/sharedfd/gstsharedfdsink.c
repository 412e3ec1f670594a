/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-sharedfdsink
 * @title: sharedfdsink
 *
 * Serves the buffers it renders to other processes over a unix socket at
 * #GstSharedFdSink:socket-path, as file descriptors: nothing is copied
 * when the memory is fd memory, such as the memory of the #GstSharedPool
 * over a #GstBucketFdAllocator that `sharedfdsink` offers upstream in the
 * ALLOCATION query. Other memory is copied once into that allocator's
 * recycled memfd memory (counted as `copies` in #GstSharedFdSink:stats).
 *
 * It speaks the protocol of GStreamer's `unixfdsink` (1.24+): any number
 * of `sharedfdsrc` or stock `unixfdsrc` clients connect at any time; each
 * gets the caps on connecting and whenever they change, then every frame
 * with its timestamps, flags and metas, and EOS. The sink keeps a
 * reference to each frame for each client until that client releases it,
 * so memory goes back to its pool only when every client is done with it.
 * A client that closes its socket or dies releases all its frames at once.
 * A client that stops reading long enough to fill its socket is dropped
 * rather than block the others.
 *
 * A #GstVideoMeta crosses only when it says more than the caps: one of a
 * raw video frame in the default layout of its caps (the format, size,
 * plane offsets and strides of gst_video_info_from_caps()) with no flags,
 * id or alignment is not sent, as a receiver computes that same layout
 * from the caps; so a `sharedfdsrc` of such frames never loads
 * libgstvideo. Padded or strided frames, interlaced flags and the like
 * still carry it.
 *
 * ## Per-client limits and policies
 *
 * Each client holds at most #GstSharedFdSink:max-in-flight frames and
 * #GstSharedFdSink:max-in-flight-bytes bytes that it has not released yet.
 * A frame for a client at either limit is handled by
 * #GstSharedFdSink:full-policy:
 *
 * - `block`: rendering waits until that client released enough (or it
 *   disconnected, was evicted, or the sink is flushed or goes to READY).
 *   Every client then runs at the pace of the slowest.
 * - `drop-oldest` and `drop-newest`: frames already sent cannot be
 *   recalled, so the client gets a short queue of frames not sent yet
 *   (two frames). A frame for a client at its limit waits there, and the
 *   queue is sent, oldest first, as the client releases. When the queue is
 *   full, `drop-oldest` discards its oldest frame (the client keeps getting
 *   the newest frames, with gaps), `drop-newest` discards the incoming
 *   frame (the client gets older frames, then a gap). Either way the other
 *   clients and the producer never wait for it. Discarded frames are
 *   counted in the client's `dropped`.
 *
 * A client that is at its limit and has released nothing for
 * #GstSharedFdSink:client-timeout is evicted: disconnected, with every
 * frame it held released at once.
 *
 * ## The proposed pool
 *
 * For raw video caps the ALLOCATION answer has a #GstSharedPool with the
 * video meta option, at least 4 frames and no maximum: the frames clients
 * hold are bounded by their in-flight limits (at most max-in-flight sent
 * and, under a drop policy, two queued per client), not by the pool. An
 * upstream element that bounds the pool anyway waits in its acquire while
 * clients hold every frame, until one is released; every client then
 * runs at the pace of the slowest whatever the full-policy, so such a
 * bound should exceed the clients' limits summed.
 *
 * Each ALLOCATION query gets a new pool. The frames of an earlier one do
 * not stay for good: back in the allocator (upstream let the old pool go)
 * they are unmapped and closed after its max-idle-time (5 s); idle in an
 * old pool that upstream still holds (a concat branch after its EOS),
 * they are freed after the pool's max-idle-time (5 s). The sink sweeps
 * the last pool and the 8 before it every 16 frames
 * (gst_shared_pool_sweep()), so the memory goes within about
 * max-idle-time and two of those periods of its last use.
 *
 * The element posts `sharedfdsink-client` element messages with the fields
 * `client` (uint), `event` ("connected", "disconnected" or "evicted") and,
 * on disconnection or eviction, `reason` (string) and the client's
 * counters `sent`, `released` and `dropped` (guint64).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,format=I420,width=1280,height=720 ! sharedfdsink socket-path=/tmp/video.sock
 * gst-launch-1.0 sharedfdsrc socket-path=/tmp/video.sock ! videoconvert ! autovideosink
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define _GNU_SOURCE             /* accept4 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>
#include <gst/sharedpool/sharedpool.h>
#include <gst/video/video.h>

#include "gstsharedfdmeta.h"
#include "gstsharedfdproto.h"
#include "gstsharedfdsink.h"

#define GST_CAT_DEFAULT gst_shared_fd_debug

#define DEFAULT_SOCKET_PATH NULL
#define DEFAULT_MIN_BUFFERS 4
#define DEFAULT_MAX_IN_FLIGHT 16
#define DEFAULT_MAX_IN_FLIGHT_BYTES (512 * 1024 * 1024)
#define DEFAULT_FULL_POLICY GST_SHARED_FD_SINK_BLOCK
#define DEFAULT_CLIENT_TIMEOUT (10 * GST_SECOND)

/* frames a client at its limit may have waiting to be sent */
#define CLIENT_QUEUE_FRAMES 2
/* pools of earlier caps whose idle frames the sink ages out, and the
 * frames between two sweeps of its pools: a look at the clock, next to a
 * frame's sendmsg() per client */
#define OLD_POOLS_MAX 8
#define POOLS_SWEEP_MASK 15
/* caps and EOS messages queued behind them, at most */
#define CLIENT_QUEUE_MAX (CLIENT_QUEUE_FRAMES + 4)

enum
{
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_NUM_CLIENTS,
  PROP_STATS,
  PROP_MAX_IN_FLIGHT,
  PROP_MAX_IN_FLIGHT_BYTES,
  PROP_FULL_POLICY,
  PROP_CLIENT_TIMEOUT,
};

typedef enum
{
  GST_SHARED_FD_SINK_BLOCK,
  GST_SHARED_FD_SINK_DROP_NEWEST,
  GST_SHARED_FD_SINK_DROP_OLDEST,
} GstSharedFdSinkFullPolicy;

/* the nicks of fanout's full-policy; a type of its own, as the two
 * plugins may be loaded in one process */
static const GEnumValue full_policy_values[] = {
  {GST_SHARED_FD_SINK_BLOCK, "Wait until the client released frames",
      "block"},
  {GST_SHARED_FD_SINK_DROP_NEWEST, "Drop the incoming frame for that client",
      "drop-newest"},
  {GST_SHARED_FD_SINK_DROP_OLDEST, "Drop the oldest unsent frame for that "
        "client", "drop-oldest"},
  {0, NULL, NULL},
};

#define GST_TYPE_SHARED_FD_SINK_FULL_POLICY (full_policy_get_type ())
static GType
full_policy_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstSharedFdSinkFullPolicy",
            full_policy_values));
  return type;
}

/* a message waiting for a client at its limit: a frame, or caps or EOS
 * (@frame NULL) that must follow the frames queued before them */
typedef struct
{
  GstSharedFdMsgType type;
  GstBuffer *frame;
  GBytes *payload;
  guint64 id;
} Queued;

/* send times of the last frames, by id modulo its size, for the release
 * latency without an allocation per frame */
#define SEND_TIMES 256

typedef struct
{
  gint fd;
  guint id;
  GHashTable *held;             /* frame id -> GstBuffer */
  gboolean dead;                /* failed a send; the reader closes it */
  gboolean evicted;
  gchar *reason;
  GQueue queue;                 /* of Queued, not sent yet */
  guint queued_frames;
  gsize held_bytes;
  gint64 full_since;            /* µs, 0 when below its limits */
  guint64 sent;
  guint64 released;
  guint64 dropped;
  gint64 max_latency;           /* µs from send to release */
  struct
  {
    guint64 id;
    gint64 time;
  } send_times[SEND_TIMES];
} Client;

struct _GstSharedFdSink
{
  GstBaseSink parent;

  /* under the object lock */
  gchar *socket_path;
  GList *clients;
  gchar *caps;                  /* the CAPS payload, or NULL */
  guint64 frames;
  guint64 copies;
  guint64 blocked;
  guint next_client;
  gboolean stopping;
  gboolean unlocked;            /* render must not wait */
  GCond released_cond;          /* a client released or went away */
  gboolean render_waits;        /* render waits on released_cond */
  guint max_in_flight;
  guint64 max_in_flight_bytes;
  GstSharedFdSinkFullPolicy full_policy;
  GstClockTime client_timeout;

  /* between start and stop */
  gint listen_fd;
  gint wake_fd;
  GThread *thread;
  GstAllocator *allocator;
  GstBufferPool *pool;          /* the last one proposed, object lock */
  GPtrArray *old_pools;         /* GWeakRef of those before, object lock */
  GByteArray *payload;          /* streaming thread only */
  /* the layout of raw video caps, whose frames need no video meta on the
   * wire; streaming thread only */
  GstVideoInfo caps_info;
  gboolean caps_are_video;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_shared_fd_sink_parent_class parent_class
G_DEFINE_TYPE (GstSharedFdSink, gst_shared_fd_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (sharedfdsink, "sharedfdsink", GST_RANK_NONE,
    GST_TYPE_SHARED_FD_SINK);

static void gst_shared_fd_sink_finalize (GObject * object);
static void gst_shared_fd_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_shared_fd_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_shared_fd_sink_start (GstBaseSink * bsink);
static gboolean gst_shared_fd_sink_stop (GstBaseSink * bsink);
static gboolean gst_shared_fd_sink_set_caps (GstBaseSink * bsink,
    GstCaps * caps);
static gboolean gst_shared_fd_sink_event (GstBaseSink * bsink,
    GstEvent * event);
static gboolean gst_shared_fd_sink_propose_allocation (GstBaseSink * bsink,
    GstQuery * query);
static GstFlowReturn gst_shared_fd_sink_render (GstBaseSink * bsink,
    GstBuffer * buffer);
static gboolean gst_shared_fd_sink_unlock (GstBaseSink * bsink);
static gboolean gst_shared_fd_sink_unlock_stop (GstBaseSink * bsink);

static void
gst_shared_fd_sink_class_init (GstSharedFdSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->finalize = gst_shared_fd_sink_finalize;
  gobject_class->set_property = gst_shared_fd_sink_set_property;
  gobject_class->get_property = gst_shared_fd_sink_get_property;

  /**
   * GstSharedFdSink:socket-path:
   *
   * The path of the unix socket clients connect to. A stale socket file
   * there (no sink listens on it: one crashed) is replaced when the sink
   * starts, and the socket is removed when it stops. Anything else at
   * the path is an error and is left alone: a file or a directory ("exists
   * and is not a socket"), or the socket of a sink that runs ("another
   * sink listens at"; that sink sees a client come and go).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SOCKET_PATH,
      g_param_spec_string ("socket-path", "Socket path",
          "Path of the unix socket clients connect to", DEFAULT_SOCKET_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSharedFdSink:num-clients:
   *
   * How many clients are connected.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_NUM_CLIENTS,
      g_param_spec_uint ("num-clients", "Number of clients",
          "Clients connected now", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSharedFdSink:stats:
   *
   * A `GstSharedFdSinkStats` structure: `frames` (frames rendered),
   * `copies` (memories copied into memfd memory because they were not fd
   * memory), `blocked` (frames whose rendering waited for a client at its
   * limit, under full-policy=block), `clients` (connected now), `in-flight` (frames sent and not
   * yet released, summed over clients), `per-client` (an array of
   * `GstSharedFdClientStats`: `client`, `sent`, `released`, `dropped`
   * (frames discarded under a drop full-policy), `in-flight`,
   * `max-release-latency` in nanoseconds, from sending a frame to its
   * release), `allocator` (the #GstBucketFdAllocator's stats) and, once
   * a pool was proposed upstream, `pool` (the last proposed
   * #GstSharedPool's stats, see gst_shared_pool_get_stats()).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Frame and client counters",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSharedFdSink:max-in-flight:
   *
   * The most frames a client holds unreleased; a frame beyond it is
   * handled by #GstSharedFdSink:full-policy.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_uint ("max-in-flight", "Max frames in flight",
          "Most frames one client holds unreleased", 1, 65536,
          DEFAULT_MAX_IN_FLIGHT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstSharedFdSink:max-in-flight-bytes:
   *
   * The most bytes of frames a client holds unreleased (512 MiB by
   * default); a frame beyond it is handled by #GstSharedFdSink:full-policy.
   * A client holding nothing always gets the next frame, whatever its size.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IN_FLIGHT_BYTES,
      g_param_spec_uint64 ("max-in-flight-bytes", "Max bytes in flight",
          "Most bytes of frames one client holds unreleased", 1, G_MAXINT64,
          DEFAULT_MAX_IN_FLIGHT_BYTES, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstSharedFdSink:full-policy:
   *
   * What to do with a frame for a client at its in-flight limit: wait
   * until it released (block), or queue it in the client's short queue of
   * unsent frames, dropping the oldest queued frame (drop-oldest) or the
   * incoming one (drop-newest) when that queue is full. Same nicks as
   * fanout's full-policy.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FULL_POLICY,
      g_param_spec_enum ("full-policy", "Full policy",
          "What to do with a frame for a client at its limit",
          GST_TYPE_SHARED_FD_SINK_FULL_POLICY, DEFAULT_FULL_POLICY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstSharedFdSink:client-timeout:
   *
   * A client at its in-flight limit that released nothing for this long
   * (nanoseconds) is evicted: disconnected, its frames released, an
   * `evicted` message posted. 0 disables the timeout (then a stalled client
   * holds its frames until it disconnects, and blocks rendering under
   * full-policy=block).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CLIENT_TIMEOUT,
      g_param_spec_uint64 ("client-timeout", "Client timeout",
          "Evict a client at its limit that released nothing for this long "
          "(ns, 0 = never)", 0, G_MAXUINT64, DEFAULT_CLIENT_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Shared fd sink", "Sink",
      "Serves frames to other processes as file descriptors (unixfd protocol)",
      "gst-sharedpool developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_event);
  basesink_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_shared_fd_sink_propose_allocation);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_render);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_shared_fd_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_shared_fd_sink_unlock_stop);

  gst_type_mark_as_plugin_api (GST_TYPE_SHARED_FD_SINK_FULL_POLICY, 0);
}

static void
weak_ref_free (GWeakRef * ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
gst_shared_fd_sink_init (GstSharedFdSink * self)
{
  self->listen_fd = self->wake_fd = -1;
  self->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  self->max_in_flight_bytes = DEFAULT_MAX_IN_FLIGHT_BYTES;
  self->full_policy = DEFAULT_FULL_POLICY;
  self->client_timeout = DEFAULT_CLIENT_TIMEOUT;
  self->old_pools = g_ptr_array_new_with_free_func ((GDestroyNotify)
      weak_ref_free);
  g_cond_init (&self->released_cond);
}

static void
gst_shared_fd_sink_finalize (GObject * object)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (object);

  g_free (self->socket_path);
  g_free (self->caps);
  g_ptr_array_unref (self->old_pools);
  g_cond_clear (&self->released_cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Wakes a render waiting for a full client, if one waits: a release
 * with nobody waiting costs no futex call. Object lock held. */
static void
wake_render (GstSharedFdSink * self)
{
  if (self->render_waits)
    g_cond_broadcast (&self->released_cond);
}

static void
gst_shared_fd_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SOCKET_PATH:
      g_free (self->socket_path);
      self->socket_path = g_value_dup_string (value);
      break;
    case PROP_MAX_IN_FLIGHT:
      self->max_in_flight = g_value_get_uint (value);
      break;
    case PROP_MAX_IN_FLIGHT_BYTES:
      self->max_in_flight_bytes = g_value_get_uint64 (value);
      break;
    case PROP_FULL_POLICY:
      self->full_policy = g_value_get_enum (value);
      break;
    case PROP_CLIENT_TIMEOUT:
      self->client_timeout = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* a render waiting for a full client looks again at the new limits */
  wake_render (self);
  GST_OBJECT_UNLOCK (self);
}

/* Appends the counters of @c to @array. Object lock held. */
static void
client_stats (Client * c, GValue * array)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, gst_structure_new ("GstSharedFdClientStats",
          "client", G_TYPE_UINT, c->id,
          "sent", G_TYPE_UINT64, c->sent,
          "released", G_TYPE_UINT64, c->released,
          "dropped", G_TYPE_UINT64, c->dropped,
          "in-flight", G_TYPE_UINT64,
          (guint64) g_hash_table_size (c->held),
          "max-release-latency", G_TYPE_UINT64,
          (guint64) c->max_latency * GST_USECOND, NULL));
  gst_value_array_append_and_take_value (array, &v);
}

/* Adds the stats of the last proposed pool to @s, when there is one. */
static void
add_pool_stats (GstSharedFdSink * self, GstStructure * s)
{
  GstBufferPool *pool;
  GValue v = G_VALUE_INIT;

  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (pool == NULL)
    return;

  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, gst_shared_pool_get_stats (GST_SHARED_POOL (pool)));
  gst_structure_take_value (s, "pool", &v);
  gst_object_unref (pool);
}

static GstStructure *
sink_stats (GstSharedFdSink * self)
{
  GValue clients = G_VALUE_INIT;
  guint64 in_flight = 0;
  GstStructure *s;
  GList *l;

  g_value_init (&clients, GST_TYPE_ARRAY);
  GST_OBJECT_LOCK (self);
  for (l = self->clients; l; l = l->next) {
    in_flight += g_hash_table_size (((Client *) l->data)->held);
    client_stats (l->data, &clients);
  }
  s = gst_structure_new ("GstSharedFdSinkStats",
      "frames", G_TYPE_UINT64, self->frames,
      "copies", G_TYPE_UINT64, self->copies,
      "blocked", G_TYPE_UINT64, self->blocked,
      "clients", G_TYPE_UINT, g_list_length (self->clients),
      "in-flight", G_TYPE_UINT64, in_flight, NULL);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "per-client", &clients);

  if (self->allocator) {
    GValue alloc = G_VALUE_INIT;

    g_value_init (&alloc, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&alloc, gst_bucket_fd_allocator_get_stats
        (GST_BUCKET_FD_ALLOCATOR (self->allocator)));
    gst_structure_take_value (s, "allocator", &alloc);
  }
  add_pool_stats (self, s);
  return s;
}

static void
gst_shared_fd_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (object);

  switch (prop_id) {
    case PROP_SOCKET_PATH:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->socket_path);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_NUM_CLIENTS:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, g_list_length (self->clients));
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, sink_stats (self));
      break;
    case PROP_MAX_IN_FLIGHT:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->max_in_flight);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_IN_FLIGHT_BYTES:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->max_in_flight_bytes);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_FULL_POLICY:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->full_policy);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CLIENT_TIMEOUT:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->client_timeout);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Posts a client message; with @c, the reason and counters of its end. */
static void
post_client_message (GstSharedFdSink * self, guint id, const gchar * event,
    Client * c)
{
  GstStructure *s = gst_structure_new ("sharedfdsink-client",
      "client", G_TYPE_UINT, id, "event", G_TYPE_STRING, event, NULL);

  if (c)
    gst_structure_set (s, "reason", G_TYPE_STRING,
        c->reason ? c->reason : "stopped", "sent", G_TYPE_UINT64, c->sent,
        "released", G_TYPE_UINT64, c->released, "dropped", G_TYPE_UINT64,
        c->dropped, NULL);
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

/* Marks @client for the reader to close. Object lock held. */
static void
client_fail (GstSharedFdSink * self, Client * client, const gchar * reason)
{
  guint64 one = 1;

  if (client->dead)
    return;
  GST_INFO_OBJECT (self, "client %u: %s", client->id, reason);
  client->dead = TRUE;
  client->reason = g_strdup (reason);
  wake_render (self);
  if (write (self->wake_fd, &one, sizeof one) < 0)
    GST_WARNING_OBJECT (self, "cannot wake the client thread");
}

/* Sends a message to @c without blocking; a frame (@hold) is then held
 * for it until it releases @id. Object lock held. */
static void
send_to_client (GstSharedFdSink * self, Client * c, GstSharedFdMsgType type,
    const gint * fds, guint n_fds, const guint8 * payload, gsize size,
    GstBuffer * hold, guint64 id)
{
  GError *err = NULL;

  if (c->dead)
    return;
  if (!gst_shared_fd_send (c->fd, type, fds, n_fds, payload, size, TRUE, &err)) {
    client_fail (self, c, err->message);
    g_error_free (err);
    return;
  }
  if (hold) {
    g_hash_table_insert (c->held, GSIZE_TO_POINTER (id), gst_buffer_ref (hold));
    c->held_bytes += gst_buffer_get_size (hold);
    c->sent++;
    c->send_times[id % SEND_TIMES].id = id;
    c->send_times[id % SEND_TIMES].time = g_get_monotonic_time ();
  }
}

/* Whether @c holds as many frames or bytes as it may. Object lock held. */
static gboolean
client_full (GstSharedFdSink * self, Client * c)
{
  guint n = g_hash_table_size (c->held);

  return !c->dead && n > 0 && (n >= self->max_in_flight ||
      c->held_bytes >= self->max_in_flight_bytes);
}

/* Starts @c's timeout when it is full, waking the client thread to watch
 * it. Object lock held. */
static void
client_check_full (GstSharedFdSink * self, Client * c)
{
  guint64 one = 1;

  if (c->full_since || !client_full (self, c))
    return;
  c->full_since = g_get_monotonic_time ();
  if (write (self->wake_fd, &one, sizeof one) < 0)
    GST_WARNING_OBJECT (self, "cannot wake the client thread");
}

static void
queued_free (Queued * q)
{
  gst_clear_buffer (&q->frame);
  g_bytes_unref (q->payload);
  g_free (q);
}

/* Queues a message for @c behind the ones waiting. Object lock held. */
static void
client_push_queue (Client * c, GstSharedFdMsgType type, GstBuffer * frame,
    const guint8 * payload, gsize size, guint64 id)
{
  Queued *q = g_new (Queued, 1);

  q->type = type;
  q->frame = frame ? gst_buffer_ref (frame) : NULL;
  q->payload = g_bytes_new (payload, size);
  q->id = id;
  g_queue_push_tail (&c->queue, q);
  if (frame)
    c->queued_frames++;
}

/* Drops the oldest frame queued for @c. Object lock held. */
static void
client_drop_oldest (Client * c)
{
  GList *l;

  for (l = c->queue.head; l; l = l->next)
    if (((Queued *) l->data)->frame)
      break;
  queued_free (l->data);
  g_queue_delete_link (&c->queue, l);
  c->queued_frames--;
}

/* Sends the frame @frame with its NEW_BUFFER @payload to @c.
 * Object lock held. */
static void
send_frame (GstSharedFdSink * self, Client * c, GstBuffer * frame,
    const guint8 * payload, gsize size, guint64 id)
{
  gint fds[GST_SHARED_FD_MAX_MEMORIES];
  guint i, n = gst_buffer_n_memory (frame);

  for (i = 0; i < n; i++)
    fds[i] = gst_fd_memory_get_fd (gst_buffer_peek_memory (frame, i));
  send_to_client (self, c, GST_SHARED_FD_MSG_NEW_BUFFER, fds, n, payload,
      size, frame, id);
  client_check_full (self, c);
}

/* Sends @c's queued frames while it has room. Object lock held. */
static void
client_send_queued (GstSharedFdSink * self, Client * c)
{
  Queued *q;

  while ((q = g_queue_peek_head (&c->queue)) &&
      !(q->frame && client_full (self, c))) {
    gsize size;
    const guint8 *data = g_bytes_get_data (q->payload, &size);

    g_queue_pop_head (&c->queue);
    if (q->frame) {
      c->queued_frames--;
      send_frame (self, c, q->frame, data, size, q->id);
    } else {
      send_to_client (self, c, q->type, NULL, 0, data, size, NULL, 0);
    }
    queued_free (q);
  }
}

/* Queues a frame for @c, full, under a drop policy. Object lock held. */
static void
client_queue (GstSharedFdSink * self, Client * c, GstBuffer * frame, guint64 id)
{
  if (c->queued_frames >= CLIENT_QUEUE_FRAMES) {
    c->dropped++;
    if (self->full_policy == GST_SHARED_FD_SINK_DROP_NEWEST)
      return;
    client_drop_oldest (c);
  }
  client_push_queue (c, GST_SHARED_FD_MSG_NEW_BUFFER, frame,
      self->payload->data, self->payload->len, id);
}

/* Sends caps or EOS to every client, behind the frames queued for it.
 * Object lock held. */
static void
send_to_all (GstSharedFdSink * self, GstSharedFdMsgType type,
    const guint8 * payload, gsize size)
{
  GList *l;

  for (l = self->clients; l; l = l->next) {
    Client *c = l->data;

    if (c->queue.length >= CLIENT_QUEUE_MAX)
      client_fail (self, c, "too many caps or EOS messages queued");
    else if (c->queue.length)
      client_push_queue (c, type, NULL, payload, size, 0);
    else
      send_to_client (self, c, type, NULL, 0, payload, size, NULL, 0);
  }
}

static Client *
client_new (GstSharedFdSink * self, gint fd)
{
  Client *c = g_new0 (Client, 1);

  c->fd = fd;
  c->held = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_buffer_unref);
  g_queue_init (&c->queue);
  GST_OBJECT_LOCK (self);
  c->id = self->next_client++;
  self->clients = g_list_append (self->clients, c);
  if (self->caps)
    send_to_client (self, c, GST_SHARED_FD_MSG_CAPS, NULL, 0,
        (const guint8 *) self->caps, strlen (self->caps) + 1, NULL, 0);
  GST_OBJECT_UNLOCK (self);
  return c;
}

/* Closes @c and releases every frame it held. */
static void
client_free_cb (Client * c, GstSharedFdSink * self)
{
  GST_OBJECT_LOCK (self);
  self->clients = g_list_remove (self->clients, c);
  g_queue_clear_full (&c->queue, (GDestroyNotify) queued_free);
  wake_render (self);
  GST_OBJECT_UNLOCK (self);

  post_client_message (self, c->id, c->evicted ? "evicted" : "disconnected", c);
  GST_DEBUG_OBJECT (self, "client %u gone, releasing %u frames", c->id,
      g_hash_table_size (c->held));
  g_hash_table_unref (c->held);
  close (c->fd);
  g_free (c->reason);
  g_free (c);
}

static void
accept_client (GstSharedFdSink * self)
{
  gint fd = accept4 (self->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  Client *c;

  if (fd < 0) {
    GST_WARNING_OBJECT (self, "accept: %s", g_strerror (errno));
    return;
  }
  c = client_new (self, fd);
  GST_INFO_OBJECT (self, "client %u connected", c->id);
  post_client_message (self, c->id, "connected", NULL);
}

/* Releases frame @id of @c: counts it and its latency, when the send
 * time is still known, and sends what was queued. FALSE when @c does not
 * hold @id. Object lock held. */
static gboolean
client_release (GstSharedFdSink * self, Client * c, guint64 id)
{
  GstBuffer *frame = g_hash_table_lookup (c->held, GSIZE_TO_POINTER (id));

  if (frame == NULL)
    return FALSE;
  c->held_bytes -= gst_buffer_get_size (frame);
  g_hash_table_remove (c->held, GSIZE_TO_POINTER (id));
  c->full_since = 0;
  wake_render (self);
  c->released++;
  if (c->send_times[id % SEND_TIMES].id == id)
    c->max_latency = MAX (c->max_latency, g_get_monotonic_time () -
        c->send_times[id % SEND_TIMES].time);
  client_send_queued (self, c);
  return TRUE;
}

/* Reads one message of @c: only RELEASE_BUFFER of a frame it holds is
 * valid; anything else fails the client. */
static void
client_read (GstSharedFdSink * self, Client * c)
{
  GError *err = NULL;
  guint64 id;
  gboolean ok;

  ok = gst_shared_fd_receive_release (c->fd, &id, &err);

  GST_OBJECT_LOCK (self);
  if (!ok)
    client_fail (self, c, err->message);
  else if (!client_release (self, c, id))
    client_fail (self, c, "released a frame it does not hold");
  GST_OBJECT_UNLOCK (self);
  g_clear_error (&err);
}

/* Reads the wake fd back to zero once poll() found it set. */
static void
drain_wake (GstSharedFdSink * self)
{
  guint64 count;

  if (read (self->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
    GST_WARNING_OBJECT (self, "wake read: %s", g_strerror (errno));
}

/* Frees the clients marked dead; with @all, every client. */
static void
reap_clients (GstSharedFdSink * self, gboolean all)
{
  GList *l, *dead = NULL;

  GST_OBJECT_LOCK (self);
  for (l = self->clients; l; l = l->next)
    if (all || ((Client *) l->data)->dead)
      dead = g_list_prepend (dead, l->data);
  GST_OBJECT_UNLOCK (self);

  g_list_foreach (dead, (GFunc) client_free_cb, self);
  g_list_free (dead);
}

/* The fds to poll: the wake fd, the listening socket, then the clients
 * in @clients' order. Object lock held. */
static struct pollfd *
poll_set (GstSharedFdSink * self, GPtrArray * clients, guint * n)
{
  struct pollfd *pfd;
  GList *l;
  guint i = 2;

  g_ptr_array_set_size (clients, 0);
  for (l = self->clients; l; l = l->next)
    if (!((Client *) l->data)->dead)
      g_ptr_array_add (clients, l->data);

  *n = 2 + clients->len;
  pfd = g_new0 (struct pollfd, *n);
  pfd[0].fd = self->wake_fd;
  pfd[1].fd = self->listen_fd;
  for (i = 0; i < clients->len; i++)
    pfd[2 + i].fd = ((Client *) g_ptr_array_index (clients, i))->fd;
  for (i = 0; i < *n; i++)
    pfd[i].events = POLLIN;
  return pfd;
}

/* Evicts the clients full for longer than the client timeout; returns
 * the poll timeout in ms until the next one may be, -1 for none. */
static gint
evict_stalled (GstSharedFdSink * self)
{
  gint64 now = g_get_monotonic_time (), next = -1;
  gint64 timeout;
  GList *l;

  GST_OBJECT_LOCK (self);
  timeout = self->client_timeout / GST_USECOND;
  for (l = self->clients; l && self->client_timeout; l = l->next) {
    Client *c = l->data;
    gint64 left = c->full_since + timeout - now;

    if (c->dead || !c->full_since)
      continue;
    if (left <= 0) {
      c->evicted = TRUE;
      client_fail (self, c, "released nothing within client-timeout");
    } else if (next < 0 || left < next) {
      next = left;
    }
  }
  GST_OBJECT_UNLOCK (self);
  return next < 0 ? -1 : (gint) MIN ((next + 999) / 1000, G_MAXINT);
}

/* The client thread: accepts clients, reads their releases, closes the
 * ones that failed. Only this thread closes client sockets. */
static gpointer
client_thread (GstSharedFdSink * self)
{
  GPtrArray *clients = g_ptr_array_new ();

  for (;;) {
    struct pollfd *pfd;
    guint i, n;
    gboolean stopping;
    gint timeout = evict_stalled (self);

    GST_OBJECT_LOCK (self);
    stopping = self->stopping;
    pfd = poll_set (self, clients, &n);
    GST_OBJECT_UNLOCK (self);
    if (stopping) {
      g_free (pfd);
      break;
    }

    if (poll (pfd, n, timeout) < 0 && errno != EINTR)
      GST_WARNING_OBJECT (self, "poll: %s", g_strerror (errno));
    if (pfd[0].revents & POLLIN)
      drain_wake (self);
    if (pfd[1].revents & POLLIN)
      accept_client (self);
    for (i = 2; i < n; i++)
      if (pfd[i].revents)
        client_read (self, g_ptr_array_index (clients, i - 2));
    g_free (pfd);
    reap_clients (self, FALSE);
  }

  reap_clients (self, TRUE);
  g_ptr_array_unref (clients);
  return NULL;
}

static gboolean
gst_shared_fd_sink_start (GstBaseSink * bsink)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);
  GError *err = NULL;
  gchar *path;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->socket_path);
  self->stopping = FALSE;
  self->frames = self->copies = self->blocked = 0;
  GST_OBJECT_UNLOCK (self);

  self->listen_fd = gst_shared_fd_listen (path, &err);
  g_free (path);
  if (self->listen_fd < 0)
    goto no_socket;

  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  self->allocator = gst_bucket_fd_allocator_new ();
  self->payload = g_byte_array_new ();
  self->thread = g_thread_new ("sharedfdsink", (GThreadFunc) client_thread,
      self);
  return TRUE;

no_socket:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE, ("%s", err->message),
        (NULL));
    g_error_free (err);
    return FALSE;
  }
}

static gboolean
gst_shared_fd_sink_stop (GstBaseSink * bsink)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);
  guint64 one = 1;
  gchar *path;

  GST_OBJECT_LOCK (self);
  self->stopping = TRUE;
  path = g_strdup (self->socket_path);
  GST_OBJECT_UNLOCK (self);

  if (write (self->wake_fd, &one, sizeof one) < 0)
    GST_WARNING_OBJECT (self, "cannot wake the client thread");
  g_thread_join (self->thread);
  self->thread = NULL;

  close (self->listen_fd);
  close (self->wake_fd);
  self->listen_fd = self->wake_fd = -1;
  if (path)
    unlink (path);
  g_free (path);
  g_clear_pointer (&self->payload, g_byte_array_unref);
  gst_clear_object (&self->allocator);
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->caps, g_free);
  gst_clear_object (&self->pool);
  g_ptr_array_set_size (self->old_pools, 0);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_shared_fd_sink_unlock (GstBaseSink * bsink)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);

  GST_OBJECT_LOCK (self);
  self->unlocked = TRUE;
  wake_render (self);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_shared_fd_sink_unlock_stop (GstBaseSink * bsink)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);

  GST_OBJECT_LOCK (self);
  self->unlocked = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_shared_fd_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);
  gchar *str = gst_caps_to_string (caps);

  self->caps_are_video =
      gst_structure_has_name (gst_caps_get_structure (caps, 0), "video/x-raw")
      && gst_video_info_from_caps (&self->caps_info, caps);
  GST_OBJECT_LOCK (self);
  g_free (self->caps);
  self->caps = str;
  send_to_all (self, GST_SHARED_FD_MSG_CAPS, (const guint8 *) str,
      strlen (str) + 1);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_shared_fd_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    GST_OBJECT_LOCK (self);
    send_to_all (self, GST_SHARED_FD_MSG_EOS, NULL, 0);
    GST_OBJECT_UNLOCK (self);
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

/* Remembers @pool, replaced by a newer proposal, for sweep_pools();
 * the oldest is forgotten beyond OLD_POOLS_MAX. With the object lock. */
static void
remember_old_pool (GstSharedFdSink * self, GstBufferPool * pool)
{
  GWeakRef *ref;

  if (pool == NULL)
    return;
  if (self->old_pools->len == OLD_POOLS_MAX)
    g_ptr_array_remove_index (self->old_pools, 0);
  ref = g_new (GWeakRef, 1);
  g_weak_ref_init (ref, pool);
  g_ptr_array_add (self->old_pools, ref);
}

/* A GstSharedPool of @info's frames over the sink's memfd allocator, with
 * video meta. No max-buffers: what clients hold is bounded by their
 * in-flight limits, which a pool bound would undercut (see the section
 * doc). NULL when the configuration is refused. */
static GstBufferPool *
frame_pool_new (GstSharedFdSink * self, GstCaps * caps, GstVideoInfo * info,
    const GstAllocationParams * params)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, caps, info->size,
      DEFAULT_MIN_BUFFERS, 0);
  gst_buffer_pool_config_set_allocator (config, self->allocator, params);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config))
    gst_clear_object (&pool);
  return pool;
}

/* Offers memfd memory upstream: a GstSharedPool over the allocator for
 * raw video, the allocator itself always. */
static gboolean
gst_shared_fd_sink_propose_allocation (GstBaseSink * bsink, GstQuery * query)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);
  GstAllocationParams params;
  GstVideoInfo info;
  GstBufferPool *pool;
  GstCaps *caps;
  gboolean need_pool;

  gst_query_parse_allocation (query, &caps, &need_pool);
  gst_allocation_params_init (&params);
  gst_query_add_allocation_param (query, self->allocator, &params);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  if (!need_pool || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return TRUE;

  pool = frame_pool_new (self, caps, &info, &params);
  if (pool == NULL)
    return TRUE;
  gst_query_add_allocation_pool (query, pool, info.size, DEFAULT_MIN_BUFFERS,
      0);
  GST_OBJECT_LOCK (self);
  remember_old_pool (self, self->pool);
  gst_object_replace ((GstObject **) & self->pool, GST_OBJECT_CAST (pool));
  GST_OBJECT_UNLOCK (self);
  gst_object_unref (pool);
  return TRUE;
}

/* Sweeps the pools of earlier caps that are still alive (an upstream
 * element that went EOS keeps its pool and acquires no more, so nothing
 * else ages its idle frames out), forgetting the others, and the last
 * pool, which ages what old pools left in the allocator. A pool looks at
 * the clock itself every 64 acquires; the sink looks more often, so that
 * memory goes closer to max-idle-time after its last use. */
static void
sweep_pools (GstSharedFdSink * self)
{
  GPtrArray *alive = g_ptr_array_new_with_free_func (gst_object_unref);
  guint i = 0;

  GST_OBJECT_LOCK (self);
  if (self->pool)
    g_ptr_array_add (alive, gst_object_ref (self->pool));
  while (i < self->old_pools->len) {
    GstBufferPool *pool = g_weak_ref_get (g_ptr_array_index (self->old_pools,
            i));

    if (pool == NULL) {
      g_ptr_array_remove_index (self->old_pools, i);
      continue;
    }
    g_ptr_array_add (alive, pool);
    i++;
  }
  GST_OBJECT_UNLOCK (self);

  for (i = 0; i < alive->len; i++)
    gst_shared_pool_sweep (g_ptr_array_index (alive, i));
  g_ptr_array_unref (alive);
}

/* Copies @mem into memfd memory of the sink's allocator. */
static GstMemory *
copy_to_fd_memory (GstSharedFdSink * self, GstMemory * mem)
{
  GstMapInfo src, dst;
  GstMemory *copy;

  if (!gst_memory_map (mem, &src, GST_MAP_READ))
    return NULL;
  copy = gst_allocator_alloc (self->allocator, src.size, NULL);
  if (copy && gst_memory_map (copy, &dst, GST_MAP_WRITE)) {
    memcpy (dst.data, src.data, src.size);
    gst_memory_unmap (copy, &dst);
  } else if (copy) {
    gst_memory_unref (copy);
    copy = NULL;
  }
  gst_memory_unmap (mem, &src);
  return copy;
}

/* @buffer itself when all its memory is fd memory, else a buffer with the
 * other memories copied into memfd memory. NULL when a copy failed. */
static GstBuffer *
frame_buffer (GstSharedFdSink * self, GstBuffer * buffer)
{
  guint i, n = gst_buffer_n_memory (buffer);
  GstBuffer *frame;

  for (i = 0; i < n; i++)
    if (!gst_is_fd_memory (gst_buffer_peek_memory (buffer, i)))
      break;
  if (i == n)
    return gst_buffer_ref (buffer);

  frame = gst_buffer_new ();
  gst_buffer_copy_into (frame, buffer, GST_BUFFER_COPY_METADATA, 0, -1);
  for (i = 0; i < n; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buffer, i);

    if (gst_is_fd_memory (mem)) {
      gst_buffer_append_memory (frame, gst_memory_ref (mem));
      continue;
    }
    mem = copy_to_fd_memory (self, mem);
    if (mem == NULL) {
      gst_buffer_unref (frame);
      return NULL;
    }
    gst_buffer_append_memory (frame, mem);
    GST_OBJECT_LOCK (self);
    self->copies++;
    GST_OBJECT_UNLOCK (self);
  }
  return frame;
}

/* A buffer time as system monotonic time, as the protocol has it. */
static guint64
to_monotonic (GstSharedFdSink * self, GstClockTime ts, GstClockTimeDiff diff)
{
  GstBaseSink *bsink = GST_BASE_SINK_CAST (self);
  GstClockTime rt;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  rt = gst_segment_to_running_time (&bsink->segment, GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_CLOCK_TIME_NONE;
  rt += gst_element_get_base_time (GST_ELEMENT_CAST (self));
  rt += gst_base_sink_get_latency (bsink);
  return diff < 0 && (GstClockTime) - diff > rt ? 0 : rt + diff;
}

/* Writes the NEW_BUFFER payload of @frame (timestamps from @buffer) into
 * self->payload. */
static void
frame_payload (GstSharedFdSink * self, GstBuffer * buffer, GstBuffer * frame,
    guint64 id)
{
  guint i, n = gst_buffer_n_memory (frame);
  GstClockTimeDiff diff = gst_shared_fd_clock_diff (GST_ELEMENT_CAST (self));
  GstSharedFdNewBuffer *nb;
  GstSharedFdMemory *mems;

  g_byte_array_set_size (self->payload, sizeof *nb + n * sizeof *mems);
  nb = (GstSharedFdNewBuffer *) self->payload->data;
  mems = (GstSharedFdMemory *) (self->payload->data + sizeof *nb);
  memset (nb, 0, sizeof *nb);
  nb->id = id;
  nb->pts = to_monotonic (self, GST_BUFFER_PTS (buffer), diff);
  nb->dts = to_monotonic (self, GST_BUFFER_DTS (buffer), diff);
  nb->duration = GST_BUFFER_DURATION (buffer);
  nb->offset = GST_BUFFER_OFFSET (buffer);
  nb->offset_end = GST_BUFFER_OFFSET_END (buffer);
  nb->flags = GST_BUFFER_FLAGS (buffer) & GST_SHARED_FD_BUFFER_FLAGS;
  nb->n_memory = n;
  for (i = 0; i < n; i++) {
    GstMemory *mem = gst_buffer_peek_memory (frame, i);
    gsize offset;

    mems[i].size = gst_memory_get_sizes (mem, &offset, NULL);
    mems[i].offset = offset;
  }
  /* the array may move while the metas are appended */
  n = gst_shared_fd_write_metas (buffer,
      self->caps_are_video ? &self->caps_info : NULL, self->payload);
  ((GstSharedFdNewBuffer *) self->payload->data)->n_meta = n;
}

/* Whether a client is full, under the block policy. Object lock held. */
static gboolean
any_client_full (GstSharedFdSink * self)
{
  GList *l;

  if (self->full_policy != GST_SHARED_FD_SINK_BLOCK)
    return FALSE;
  for (l = self->clients; l; l = l->next)
    if (client_full (self, l->data))
      return TRUE;
  return FALSE;
}

/* Under the block policy, waits until no client is full: woken by
 * releases, disconnections, evictions and unlock (flush, READY). */
static GstFlowReturn
wait_for_clients (GstSharedFdSink * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  if (any_client_full (self))
    self->blocked++;
  while (ret == GST_FLOW_OK && any_client_full (self)) {
    if (self->unlocked) {
      GST_OBJECT_UNLOCK (self);
      ret = gst_base_sink_wait_preroll (GST_BASE_SINK_CAST (self));
      GST_OBJECT_LOCK (self);
      continue;
    }
    self->render_waits = TRUE;
    g_cond_wait (&self->released_cond, GST_OBJECT_GET_LOCK (self));
    self->render_waits = FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  return ret;
}

/* Sends the frame in self->payload to every client, or queues it for
 * the full ones. Object lock held. */
static void
send_frame_to_all (GstSharedFdSink * self, GstBuffer * frame, guint64 id)
{
  GList *l;

  for (l = self->clients; l; l = l->next) {
    Client *c = l->data;

    if (client_full (self, c) || c->queue.length)
      client_queue (self, c, frame, id);
    else
      send_frame (self, c, frame, self->payload->data, self->payload->len, id);
  }
}

static GstFlowReturn
gst_shared_fd_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstSharedFdSink *self = GST_SHARED_FD_SINK (bsink);
  GstBuffer *frame;
  GstFlowReturn ret;
  guint64 id;

  if (gst_buffer_n_memory (buffer) > GST_SHARED_FD_MAX_MEMORIES)
    goto too_many;
  ret = wait_for_clients (self);
  if (ret != GST_FLOW_OK)
    return ret;
  frame = frame_buffer (self, buffer);
  if (frame == NULL)
    goto no_copy;

  GST_OBJECT_LOCK (self);
  id = ++self->frames;
  GST_OBJECT_UNLOCK (self);
  frame_payload (self, buffer, frame, id);

  GST_OBJECT_LOCK (self);
  send_frame_to_all (self, frame, id);
  GST_OBJECT_UNLOCK (self);
  gst_buffer_unref (frame);
  if (G_UNLIKELY ((id & POOLS_SWEEP_MASK) == 0))
    sweep_pools (self);
  return GST_FLOW_OK;

too_many:
  GST_ELEMENT_ERROR (self, STREAM, FAILED, ("buffer has %u memories, at "
          "most %d can be sent", gst_buffer_n_memory (buffer),
          GST_SHARED_FD_MAX_MEMORIES), (NULL));
  return GST_FLOW_ERROR;
no_copy:
  GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
      ("cannot copy the buffer into shared memory"), (NULL));
  return GST_FLOW_ERROR;
}
