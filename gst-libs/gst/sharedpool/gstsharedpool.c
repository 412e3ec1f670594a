/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstsharedpool
 * @title: GstSharedPool
 * @short_description: a keyed, size-bucketed GstBufferPool
 *
 * #GstSharedPool is a #GstBufferPool whose buffers are backed by a
 * #GstBucketAllocator, its own or the one in its configuration, or by a
 * #GstBucketFdAllocator (memfd-backed fd memory, shareable with other
 * processes); a configuration with any other allocator is refused. Stock
 * elements use it like any pool: the configured size, min and max
 * buffers, and the %GST_BUFFER_POOL_OPTION_VIDEO_META option for video
 * caps.
 *
 * On top of that it serves buffers of any size: gst_shared_pool_acquire_sized(),
 * or gst_buffer_pool_acquire_buffer() with #GstBufferPoolAcquireParams of
 * format %GST_FORMAT_BYTES, start 0 and stop the size, returns a buffer of
 * exactly that many bytes from a free list of the size class. The last
 * gst_buffer_unref() returns a buffer with its memory to its list.
 *
 * The configured frames are kept per key: the caps of the configuration, or
 * a key named with gst_shared_pool_config_set_key(). A configuration with a
 * key seen before finds that key's idle frames again, so a renegotiation
 * back to earlier caps allocates nothing. At most max-keys keys are kept;
 * the least recently used one is evicted with its idle frames.
 *
 * Bounds: max-buffers counts every buffer the pool owns, of every key and
 * size, and gst_shared_pool_config_set_max_bytes() bounds their bytes. At
 * a bound, idle buffers of other keys and sizes are freed to make room;
 * when none is idle, acquire blocks until a buffer comes back, returns
 * %GST_FLOW_EOS with %GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, and returns
 * %GST_FLOW_FLUSHING as soon as the pool is set flushing or deactivated.
 *
 * A deactivated pool keeps its idle buffers (within its bounds) so that
 * activating it again, with a configuration seen before, reuses them;
 * gst_shared_pool_trim() and the last unref of the pool free them.
 *
 * With track-leaks (gst_shared_pool_config_set_track_leaks(), or the
 * environment variable `GST_SHAREDPOOL_TRACK_LEAKS=1` for every pool
 * configured while it is set) the pool remembers the stack trace of each
 * acquire; gst_shared_pool_get_leak_report() lists the buffers still out,
 * and the report is logged as a warning, in the `sharedpool` debug
 * category, when the pool is set flushing or deactivated with buffers out.
 * Debug levels change no behaviour: they do not turn tracking on.
 *
 * With a holder report timeout
 * (gst_shared_pool_config_set_holder_report_timeout()), an acquire that
 * has waited that long logs and emits #GstSharedPool::holder-report with
 * the buffers out: the thread that acquired each, when, and the element
 * and pad that last had it when an active tracer tells through its
 * `get-last-holder` action signal (the allocstats tracer does). The leak
 * report names the last holders too.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/video/video.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "gstbucketfdallocator.h"
#include "gstsharedpool.h"
#include "sharedpool-private.h"

GST_DEBUG_CATEGORY_STATIC (gst_shared_pool_debug);
#define GST_CAT_DEFAULT gst_shared_pool_debug

#define DEFAULT_MAX_KEYS 4
#define MAX_MAX_KEYS     64

#define CONFIG_MAX_BYTES   "GstSharedPool.max-bytes"
#define CONFIG_KEY         "GstSharedPool.key"
#define CONFIG_MAX_KEYS    "GstSharedPool.max-keys"
#define CONFIG_ZERO_MEMORY "GstSharedPool.zero-memory"
#define CONFIG_TRACK_LEAKS "GstSharedPool.track-leaks"
#define CONFIG_MAX_IDLE_TIME "GstSharedPool.max-idle-time"
#define CONFIG_HOLDER_REPORT_TIMEOUT "GstSharedPool.holder-report-timeout"

/* The action signal through which a tracer tells who last had a buffer
 * (allocstats has it); the library only looks it up by name. */
#define LAST_HOLDER_SIGNAL "get-last-holder"
/* what prctl (PR_GET_NAME) writes, NUL included */
#define THREAD_NAME_LEN 16

/* turns track-leaks on for every pool configured while it is set */
#define ENV_TRACK_LEAKS "GST_SHAREDPOOL_TRACK_LEAKS"

#define DEFAULT_MAX_IDLE_TIME (5 * GST_SECOND)

/* Where a buffer belongs. The tag is also stored in the buffer's memory
 * (GstBucketMemory.owner_tag) so that the release path finds the buffer's
 * stack without a lookup: a key's id, or SIZED_TAG of a size class, or
 * UNPOOLED_TAG for sizes no stack keeps. */
#define UNPOOLED_TAG      0
#define SIZED_TAG_BIT     0x80000000u
#define SIZED_TAG(idx)    (SIZED_TAG_BIT | (guint32) (idx))

/* What the pool knows of each buffer it owns; looked up on slow paths
 * only. */
typedef struct
{
  guint32 tag;
  gsize charge;                 /* bytes counted against max-bytes */
  gchar *trace;                 /* where it was acquired, with track-leaks */
  gsize size;                   /* its size then: the report must not read
                                 * a buffer another thread owns */
  /* the acquire, with track-leaks or a holder report timeout */
  gint64 acquired;              /* monotonic µs, 0 when not noted */
  gchar thread[THREAD_NAME_LEN];        /* the acquiring thread's name */
} BufferRecord;

/* A buffer out, as the reports describe it: copied from its record under
 * the lock, described without it. */
typedef struct
{
  gconstpointer buffer;         /* an address only: another thread owns it */
  BufferRecord record;          /* trace owned by the copy */
} HeldBuffer;

/* An idle buffer and its one memory, kept so that acquire need not look
 * the memory up. */
typedef struct
{
  GstBuffer *buffer;
  GstMemory *mem;
} StackItem;

/* Idle buffers of one key or size class. */
typedef struct
{
  StackItem *items;
  guint n_idle;
  guint low_idle;               /* fewest idle since the last sweep */
  guint n_owned;                /* idle and out */
  guint capacity;               /* of items */
  gsize block;
  guint64 hits;
  guint64 misses;
} BufferStack;

typedef struct
{
  BufferStack stack;
  guint32 id;
  GstCaps *caps;
  gchar *name;
  gsize size;
  gboolean video_meta;
  GstVideoInfo info;
  guint64 stamp;
} SubPool;

/* What one acquire asks for. */
typedef struct
{
  BufferStack *stack;           /* NULL for unpooled sizes */
  SubPool *key;                 /* NULL for sized requests */
  guint32 tag;
  gsize size;
  gsize charge;
} Request;

struct _GstSharedPool
{
  GstBufferPool parent;

  GMutex lock;
  GCond cond;
  guint waiters;

  GstAllocator *own_allocator;
  GstAllocator *allocator;
  const GstBucketBackend *backend;      /* the allocator's */
  GstAllocationParams params;
  GstBucketClassMap class_map;  /* the allocator's, for sized requests */
  gsize overhead;               /* of params, see gst_bucket_params_overhead */

  guint min_buffers;
  guint max_buffers;
  guint64 max_bytes;
  guint max_keys;
  gboolean zero_memory;
  gboolean track_leaks;
  GstClockTime holder_report_timeout;
  GstClockTime max_idle_time;
  gint64 next_sweep;            /* monotonic µs */

  GPtrArray *keys;              /* SubPool */
  SubPool *current;
  guint32 next_key_id;
  guint64 clock;

  BufferStack *classes;
  guint n_classes;

  guint n_buffers;
  guint64 n_bytes;
  guint64 allocations;
  guint64 frees;
  guint64 unpooled;
  guint64 waits;
  guint64 copies;
  guint64 copy_fallbacks;
  guint64 aged;

  GHashTable *records;          /* GstBuffer -> BufferRecord */
};

enum
{
  SIGNAL_LIMIT_REACHED,
  SIGNAL_HOLDER_REPORT,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

#define gst_shared_pool_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSharedPool, gst_shared_pool, GST_TYPE_BUFFER_POOL,
    GST_DEBUG_CATEGORY_INIT (gst_shared_pool_debug, "sharedpool", 0,
        "keyed, size-bucketed buffer pool"));

static void gst_shared_pool_finalize (GObject * object);
static const gchar **gst_shared_pool_get_options (GstBufferPool * pool);
static gboolean gst_shared_pool_set_config (GstBufferPool * pool,
    GstStructure * config);
static gboolean gst_shared_pool_start (GstBufferPool * pool);
static gboolean gst_shared_pool_stop (GstBufferPool * pool);
static GstFlowReturn gst_shared_pool_acquire_buffer (GstBufferPool * pool,
    GstBuffer ** buffer, GstBufferPoolAcquireParams * params);
static void gst_shared_pool_reset_buffer (GstBufferPool * pool,
    GstBuffer * buffer);
static void gst_shared_pool_release_buffer (GstBufferPool * pool,
    GstBuffer * buffer);
static void gst_shared_pool_flush_start (GstBufferPool * pool);

/* Records */

static void
buffer_record_free (BufferRecord * record)
{
  g_free (record->trace);
  g_free (record);
}

static BufferRecord *
buffer_record (GstSharedPool * self, GstBuffer * buffer)
{
  return g_hash_table_lookup (self->records, buffer);
}

/* Class */

static void
gst_shared_pool_class_init (GstSharedPoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_shared_pool_finalize;

  pool_class->get_options = gst_shared_pool_get_options;
  pool_class->set_config = gst_shared_pool_set_config;
  pool_class->start = gst_shared_pool_start;
  pool_class->stop = gst_shared_pool_stop;
  pool_class->acquire_buffer = gst_shared_pool_acquire_buffer;
  pool_class->reset_buffer = gst_shared_pool_reset_buffer;
  pool_class->release_buffer = gst_shared_pool_release_buffer;
  pool_class->flush_start = gst_shared_pool_flush_start;

  /**
   * GstSharedPool::limit-reached:
   * @pool: the pool
   * @size: the size of the request, in bytes
   * @limit: the pool's max-bytes
   *
   * Emitted, from the thread that acquires, when a request can never be
   * served because one buffer of @size would not fit max-bytes (see
   * gst_shared_pool_config_set_max_bytes()). The acquire returns
   * %GST_FLOW_ERROR; an element can connect to this to post an error that
   * names the size and the limit. A pool that is merely full blocks (or
   * returns %GST_FLOW_EOS with DONTWAIT) and does not emit it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_LIMIT_REACHED] = g_signal_new ("limit-reached",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);

  /**
   * GstSharedPool::holder-report:
   * @pool: the pool
   * @report: a `GstSharedPoolHolders` structure, see
   *   gst_shared_pool_config_set_holder_report_timeout()
   * @description: the same as text, one line per buffer out
   *
   * Emitted, from the thread that acquires and without the pool's lock,
   * when an acquire has waited holder-report-timeout for a buffer to come
   * back: once per such acquire, which then goes on waiting. A pool has no
   * bus: the `sharedpool` element connects to this and posts the report
   * as a warning message; an application with its own pool can do the
   * same.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HOLDER_REPORT] = g_signal_new ("holder-report",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, GST_TYPE_STRUCTURE | G_SIGNAL_TYPE_STATIC_SCOPE,
      G_TYPE_STRING);
}

static void
gst_shared_pool_init (GstSharedPool * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  gst_allocation_params_init (&self->params);
  self->max_keys = DEFAULT_MAX_KEYS;
  self->keys = g_ptr_array_new ();
  self->records = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) buffer_record_free);
  self->own_allocator = gst_bucket_allocator_new ();
}

/* Buffer stacks */

/* Room for every buffer of the stack is made when it is allocated, so
 * that a release never allocates. */
static void
stack_reserve (BufferStack * stack)
{
  if (++stack->n_owned > stack->capacity) {
    stack->capacity = MAX (4, stack->capacity * 2);
    stack->items = g_renew (StackItem, stack->items, stack->capacity);
  }
}

static GstBuffer *
stack_pop (BufferStack * stack, GstMemory ** mem)
{
  StackItem *item;

  if (stack == NULL || stack->n_idle == 0)
    return NULL;
  item = &stack->items[--stack->n_idle];
  stack->low_idle = MIN (stack->low_idle, stack->n_idle);
  if (mem)
    *mem = item->mem;
  return item->buffer;
}

static void
stack_push (BufferStack * stack, GstBuffer * buffer, GstMemory * mem)
{
  StackItem *item = &stack->items[stack->n_idle++];

  item->buffer = buffer;
  item->mem = mem;
}

static BufferStack *stack_of_tag (GstSharedPool * self, guint32 tag);

/* Forgets a buffer the pool gives up; called with the lock. */
static void
forget_buffer (GstSharedPool * self, GstBuffer * buffer)
{
  BufferRecord *record = buffer_record (self, buffer);
  BufferStack *stack = stack_of_tag (self, record->tag);

  if (stack)
    stack->n_owned--;
  self->n_buffers--;
  self->n_bytes -= record->charge;
  self->frees++;
  g_hash_table_remove (self->records, buffer);
}

/* Frees an idle buffer the pool gives up; its memory goes back to the
 * allocator's free lists. Idle buffers hold only the pool's memory and
 * pooled metas, so freeing one with the lock held cannot call back into
 * the pool. */
static void
discard_buffer (GstSharedPool * self, GstBuffer * buffer)
{
  forget_buffer (self, buffer);
  gst_buffer_unref (buffer);
}

static void
stack_clear (GstSharedPool * self, BufferStack * stack)
{
  GstBuffer *buffer;

  while ((buffer = stack_pop (stack, NULL)))
    discard_buffer (self, buffer);
}

/* Frees the @n idle buffers at the bottom of @stack, which stayed idle
 * through a whole sweep period; their memory goes back to the system,
 * not to the allocator's free lists. */
static void
stack_drop_bottom (GstSharedPool * self, BufferStack * stack, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GST_MINI_OBJECT_FLAG_SET (stack->items[i].mem,
        GST_BUCKET_MEMORY_FLAG_RETIRE);
    discard_buffer (self, stack->items[i].buffer);
  }
  stack->n_idle -= n;
  memmove (stack->items, stack->items + n, stack->n_idle * sizeof (StackItem));
  self->aged += n;
}

static void
stack_sweep (GstSharedPool * self, BufferStack * stack)
{
  stack_drop_bottom (self, stack, stack->low_idle);
  stack->low_idle = stack->n_idle;
}

/* Frees the buffers idle for a whole half of max-idle-time, when such a
 * period is over. No timer: called every few hits and at each new
 * buffer, with the lock. */
static void
sweep_aged (GstSharedPool * self)
{
  guint i;

  if (!gst_bucket_sweep_due (&self->next_sweep, self->max_idle_time))
    return;

  for (i = 0; i < self->keys->len; i++)
    stack_sweep (self, &((SubPool *) g_ptr_array_index (self->keys, i))->stack);
  for (i = 0; i < self->n_classes; i++)
    stack_sweep (self, &self->classes[i]);
}

/* The size class of a buffer of @size bytes with the pool's params, or
 * GST_BUCKET_CLASS_UNPOOLED, and the bytes of its block; FALSE when the
 * size overflows. */
static inline gboolean
class_of_size (GstSharedPool * self, gsize size, gint * idx, gsize * block)
{
  if (!gst_bucket_block_need (size, self->overhead, block))
    return FALSE;
  *idx = gst_bucket_class_map_index (&self->class_map, *block);
  if (*idx >= 0)
    *block = self->classes[*idx].block;
  return TRUE;
}

/* Keys */

static void
sub_pool_free (GstSharedPool * self, SubPool * key)
{
  stack_clear (self, &key->stack);
  gst_clear_caps (&key->caps);
  g_free (key->name);
  g_free (key->stack.items);
  g_free (key);
}

static SubPool *
find_key_by_id (GstSharedPool * self, guint32 id)
{
  guint i;

  if (self->current && self->current->id == id)
    return self->current;
  for (i = 0; i < self->keys->len; i++) {
    SubPool *key = g_ptr_array_index (self->keys, i);
    if (key->id == id)
      return key;
  }
  return NULL;
}

static gboolean
key_matches (SubPool * key, GstCaps * caps, const gchar * name, gsize size)
{
  if (key->size != size)
    return FALSE;
  if (name || key->name)
    return g_strcmp0 (name, key->name) == 0;
  if (caps == NULL || key->caps == NULL)
    return caps == key->caps;
  return gst_caps_is_equal (caps, key->caps);
}

static void
evict_lru_key (GstSharedPool * self)
{
  SubPool *lru = NULL;
  guint i;

  for (i = 0; i < self->keys->len; i++) {
    SubPool *key = g_ptr_array_index (self->keys, i);
    if (key != self->current && (lru == NULL || key->stamp < lru->stamp))
      lru = key;
  }
  GST_DEBUG_OBJECT (self, "evicting key %u with %u idle buffers", lru->id,
      lru->stack.n_idle);
  g_ptr_array_remove (self->keys, lru);
  sub_pool_free (self, lru);
}

static SubPool *
sub_pool_new (GstSharedPool * self, GstCaps * caps, const gchar * name,
    gsize size, const GstVideoInfo * info)
{
  SubPool *key = g_new0 (SubPool, 1);
  gint idx;

  key->id = ++self->next_key_id;
  key->caps = caps ? gst_caps_ref (caps) : NULL;
  key->name = g_strdup (name);
  key->size = size;
  if (info) {
    key->video_meta = TRUE;
    key->info = *info;
  }
  /* set_config checked that the size does not overflow */
  class_of_size (self, size, &idx, &key->stack.block);
  return key;
}

/* Makes the key of a configuration current, creating it when new. */
static void
select_key (GstSharedPool * self, GstCaps * caps, const gchar * name,
    gsize size, const GstVideoInfo * info)
{
  SubPool *found = NULL;
  guint i;

  for (i = 0; i < self->keys->len && !found; i++) {
    SubPool *key = g_ptr_array_index (self->keys, i);
    if (key_matches (key, caps, name, size))
      found = key;
  }
  if (found && found->video_meta != (info != NULL)) {
    g_ptr_array_remove (self->keys, found);
    sub_pool_free (self, found);
    found = NULL;
  }
  if (found == NULL) {
    found = sub_pool_new (self, caps, name, size, info);
    g_ptr_array_add (self->keys, found);
  }
  found->stamp = ++self->clock;
  self->current = found;

  while (self->keys->len > self->max_keys)
    evict_lru_key (self);
}

/* Drops every idle buffer and key; used when the memory layout changes. */
static void
clear_all (GstSharedPool * self)
{
  guint i;

  /* a key leaves the list before its buffers are freed: freeing them
   * looks keys up */
  self->current = NULL;
  while (self->keys->len)
    sub_pool_free (self, g_ptr_array_steal_index_fast (self->keys, 0));

  for (i = 0; i < self->n_classes; i++) {
    stack_clear (self, &self->classes[i]);
    g_free (self->classes[i].items);
  }
  g_clear_pointer (&self->classes, g_free);
  self->n_classes = 0;
}

static void
gst_shared_pool_finalize (GObject * object)
{
  GstSharedPool *self = GST_SHARED_POOL (object);

  clear_all (self);
  g_ptr_array_unref (self->keys);
  g_hash_table_unref (self->records);
  gst_clear_object (&self->allocator);
  gst_object_unref (self->own_allocator);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Configuration */

static const gchar **
gst_shared_pool_get_options (GstBufferPool * pool)
{
  static const gchar *options[] = { GST_BUFFER_POOL_OPTION_VIDEO_META, NULL };

  return options;
}

/* The backend of the allocators the pool accepts, NULL for others. */
static const GstBucketBackend *
backend_of (GstAllocator * allocator)
{
  if (GST_IS_BUCKET_ALLOCATOR (allocator))
    return &gst_bucket_allocator_backend;
  if (GST_IS_BUCKET_FD_ALLOCATOR (allocator))
    return &gst_bucket_fd_allocator_backend;
  return NULL;
}

static void
use_allocator (GstSharedPool * self, GstAllocator * allocator,
    const GstAllocationParams * params)
{
  GstAllocator *bucket = allocator ? allocator : self->own_allocator;
  guint i;

  if (self->allocator == bucket && params->align == self->params.align &&
      params->prefix == self->params.prefix &&
      params->padding == self->params.padding &&
      params->flags == self->params.flags)
    return;

  GST_DEBUG_OBJECT (self, "memory layout changed, dropping idle buffers");
  clear_all (self);
  gst_object_replace ((GstObject **) & self->allocator, (GstObject *) bucket);
  self->backend = backend_of (bucket);
  self->params = *params;
  self->class_map = *self->backend->get_class_map (bucket);
  /* set_config refused params that overflow */
  gst_bucket_params_overhead (params, &self->overhead);

  self->n_classes = gst_bucket_class_map_n_classes (&self->class_map);
  self->classes = g_new0 (BufferStack, self->n_classes);
  for (i = 0; i < self->n_classes; i++)
    self->classes[i].block =
        gst_bucket_class_map_block_size (&self->class_map, i);
}

static gboolean
config_get_video_info (GstStructure * config, GstCaps * caps, guint size,
    GstVideoInfo * info, gboolean * video_meta)
{
  *video_meta = caps && gst_buffer_pool_config_has_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_META) &&
      gst_structure_has_name (gst_caps_get_structure (caps, 0), "video/x-raw");
  if (!*video_meta)
    return TRUE;
  if (!gst_video_info_from_caps (info, caps))
    return FALSE;
  return info->size <= size;
}

/* Bytes of the block a configured frame of @size takes. */
static gsize
config_block_size (GstSharedPool * self, GstAllocator * allocator,
    const GstAllocationParams * params, gsize size)
{
  GstAllocator *bucket = allocator ? allocator : self->own_allocator;
  gsize block;

  gst_bucket_class_map_for_size (backend_of (bucket)->get_class_map (bucket),
      size, params, &block);
  return block;
}

/* GST_SHAREDPOOL_TRACK_LEAKS set to anything but "" or "0". Read at each
 * set_config, so that it applies to the pools configured while it is
 * set. */
static gboolean
env_track_leaks (void)
{
  const gchar *value = g_getenv (ENV_TRACK_LEAKS);

  return value && *value && g_strcmp0 (value, "0") != 0;
}

static gboolean
gst_shared_pool_set_config (GstBufferPool * pool, GstStructure * config)
{
  GstSharedPool *self = GST_SHARED_POOL_CAST (pool);
  GstAllocator *allocator;
  GstAllocationParams params;
  GstVideoInfo info;
  GstCaps *caps;
  guint size, min, max, max_keys;
  guint64 max_bytes;
  gboolean video_meta;
  gsize block;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max))
    goto wrong_config;
  if (!gst_buffer_pool_config_get_allocator (config, &allocator, &params))
    goto wrong_config;
  if (allocator && !backend_of (allocator))
    goto wrong_allocator;
  if (max && min > max)
    goto wrong_min_max;

  max_keys = gst_shared_pool_config_get_max_keys (config);
  if (max_keys < 1 || max_keys > MAX_MAX_KEYS)
    goto wrong_max_keys;
  if (!config_get_video_info (config, caps, size, &info, &video_meta))
    goto wrong_caps;

  max_bytes = gst_shared_pool_config_get_max_bytes (config);
  block = config_block_size (self, allocator, &params, size);
  if (block == 0 || (max_bytes && (guint64) block * MAX (min, 1) > max_bytes))
    goto too_small;

  g_mutex_lock (&self->lock);
  use_allocator (self, allocator, &params);
  self->min_buffers = min;
  self->max_buffers = max;
  self->max_bytes = max_bytes;
  self->max_keys = max_keys;
  self->zero_memory = gst_shared_pool_config_get_zero_memory (config);
  self->max_idle_time = gst_shared_pool_config_get_max_idle_time (config);
  self->track_leaks = gst_shared_pool_config_get_track_leaks (config) ||
      env_track_leaks ();
  self->holder_report_timeout =
      gst_shared_pool_config_get_holder_report_timeout (config);
  select_key (self, caps, gst_shared_pool_config_get_key (config), size,
      video_meta ? &info : NULL);
  g_mutex_unlock (&self->lock);

  GST_DEBUG_OBJECT (self, "size %u (block %" G_GSIZE_FORMAT "), min %u, max %u,"
      " max-bytes %" G_GUINT64_FORMAT ", key %u", size, block, min, max,
      max_bytes, self->current->id);

  return GST_BUFFER_POOL_CLASS (parent_class)->set_config (pool, config);

  /* ERRORS */
wrong_config:
  {
    GST_WARNING_OBJECT (self, "invalid config %" GST_PTR_FORMAT, config);
    return FALSE;
  }
wrong_allocator:
  {
    GST_WARNING_OBJECT (self, "allocator %" GST_PTR_FORMAT " is neither a "
        "GstBucketAllocator nor a GstBucketFdAllocator; config changed to "
        "the pool's own", allocator);
    gst_buffer_pool_config_set_allocator (config, self->own_allocator, &params);
    return FALSE;
  }
wrong_min_max:
  {
    GST_WARNING_OBJECT (self, "min-buffers %u is more than max-buffers %u",
        min, max);
    return FALSE;
  }
wrong_max_keys:
  {
    GST_WARNING_OBJECT (self, "max-keys %u outside 1..%u", max_keys,
        MAX_MAX_KEYS);
    return FALSE;
  }
wrong_caps:
  {
    GST_WARNING_OBJECT (self, "caps %" GST_PTR_FORMAT " are not valid video "
        "caps or need more than size %u", caps, size);
    return FALSE;
  }
too_small:
  {
    GST_WARNING_OBJECT (self, "%u buffers of %u bytes (blocks of %"
        G_GSIZE_FORMAT ") do not fit max-bytes %" G_GUINT64_FORMAT,
        MAX (min, 1), size, block, max_bytes);
    return FALSE;
  }
}

/* Buffers */

static gboolean
mark_meta_pooled (GstBuffer * buffer, GstMeta ** meta, gpointer user_data)
{
  GST_META_FLAG_SET (*meta, GST_META_FLAG_POOLED | GST_META_FLAG_LOCKED);
  return TRUE;
}

static void
add_video_meta (GstBuffer * buffer, const GstVideoInfo * info)
{
  gst_buffer_add_video_meta_full (buffer, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_N_PLANES (info),
      (gsize *) info->offset, (gint *) info->stride);
}

static GstBuffer *
new_buffer (GstSharedPool * self, const Request * req)
{
  GstMemory *mem = gst_allocator_alloc (self->allocator, req->size,
      &self->params);
  GstBuffer *buffer;

  if (mem == NULL)
    return NULL;

  /* other memory's tag is only in the buffer's record */
  if (self->backend->bucket_memory)
    ((GstBucketMemory *) mem)->owner_tag = req->tag;
  buffer = gst_buffer_new ();
  gst_buffer_append_memory (buffer, mem);
  if (req->key && req->key->video_meta)
    add_video_meta (buffer, &req->key->info);

  gst_buffer_foreach_meta (buffer, mark_meta_pooled, NULL);
  /* appending the memory tagged it; only later changes must count */
  GST_BUFFER_FLAG_UNSET (buffer, GST_BUFFER_FLAG_TAG_MEMORY);
  return buffer;
}

static gboolean
resolve_request (GstSharedPool * self, GstBufferPoolAcquireParams * params,
    Request * req)
{
  gint idx;

  if (params && params->format == GST_FORMAT_BYTES) {
    /* a range is a size: 0..size, nothing else */
    if (params->start != 0 || params->stop < 0)
      return FALSE;
    req->size = params->stop;
    if (!class_of_size (self, req->size, &idx, &req->charge))
      return FALSE;
    req->key = NULL;
    req->stack = idx >= 0 ? &self->classes[idx] : NULL;
    req->tag = idx >= 0 ? SIZED_TAG (idx) : UNPOOLED_TAG;
    return TRUE;
  }

  req->key = self->current;
  if (req->key == NULL || req->key->size == 0)
    return FALSE;
  req->size = req->key->size;
  req->tag = req->key->id;
  req->stack = &req->key->stack;
  req->charge = req->stack->block;
  return TRUE;
}

/* Counts a buffer about to be allocated against the bounds. */
static gboolean
reserve (GstSharedPool * self, const Request * req)
{
  if (self->max_buffers && self->n_buffers >= self->max_buffers)
    return FALSE;
  if (self->max_bytes && self->n_bytes + req->charge > self->max_bytes)
    return FALSE;

  self->n_buffers++;
  self->n_bytes += req->charge;
  if (req->stack)
    stack_reserve (req->stack);
  return TRUE;
}

static void
unreserve (GstSharedPool * self, const Request * req)
{
  self->n_buffers--;
  self->n_bytes -= req->charge;
  if (req->stack)
    req->stack->n_owned--;
}

static BufferStack *
fuller (BufferStack * a, BufferStack * b, BufferStack * keep)
{
  if (b == keep || b->n_idle == 0)
    return a;
  return (a == NULL || b->n_idle > a->n_idle) ? b : a;
}

/* Frees one idle buffer of another key or size to make room, taking it
 * from the stack with the most idle buffers. */
static gboolean
evict_idle (GstSharedPool * self, BufferStack * keep)
{
  BufferStack *victim = NULL;
  guint i;

  for (i = 0; i < self->keys->len; i++)
    victim = fuller (victim,
        &((SubPool *) g_ptr_array_index (self->keys, i))->stack, keep);
  for (i = 0; i < self->n_classes; i++)
    victim = fuller (victim, &self->classes[i], keep);

  if (victim == NULL)
    return FALSE;
  discard_buffer (self, stack_pop (victim, NULL));
  return TRUE;
}

static void
record_new_buffer (GstSharedPool * self, const Request * req,
    GstBuffer * buffer)
{
  BufferRecord *record = g_new0 (BufferRecord, 1);

  record->tag = req->tag;
  record->charge = req->charge;
  g_hash_table_insert (self->records, buffer, record);
}

/* Allocates a reserved buffer with the lock released. */
static GstFlowReturn
alloc_reserved (GstSharedPool * self, const Request * req, GstBuffer ** buffer)
{
  g_mutex_unlock (&self->lock);
  *buffer = new_buffer (self, req);
  g_mutex_lock (&self->lock);

  if (*buffer == NULL)
    goto alloc_failed;

  record_new_buffer (self, req, *buffer);
  self->allocations++;
  sweep_aged (self);
  if (req->stack)
    req->stack->misses++;
  else
    self->unpooled++;
  return GST_FLOW_OK;

alloc_failed:
  {
    unreserve (self, req);
    if (self->waiters)
      g_cond_broadcast (&self->cond);
    GST_WARNING_OBJECT (self, "allocator failed for %" G_GSIZE_FORMAT
        " bytes", req->size);
    return GST_FLOW_ERROR;
  }
}

static void report_holders (GstSharedPool * self, gint64 waited);

/* One acquire's wait, over its wakeups. */
typedef struct
{
  gint64 start;                 /* monotonic µs, 0 before the first wait */
  gint64 report_at;             /* 0: no holder report due */
} Wait;

/* Waits for a buffer to come back, or a flush (both broadcast the cond).
 * The first wait of an acquire sets when a holder report is due; once
 * it is, the report is made, once, and the acquire goes on waiting with
 * its next round. Called with the lock, which the report releases. */
static void
wait_for_return (GstSharedPool * self, Wait * wait)
{
  gboolean due = FALSE;

  if (wait->start == 0) {
    wait->start = g_get_monotonic_time ();
    if (self->holder_report_timeout)
      wait->report_at = wait->start + self->holder_report_timeout / 1000;
  }

  self->waiters++;
  if (wait->report_at == 0)
    g_cond_wait (&self->cond, &self->lock);
  else
    due = !g_cond_wait_until (&self->cond, &self->lock, wait->report_at);
  self->waiters--;

  if (due) {
    wait->report_at = 0;
    report_holders (self, g_get_monotonic_time () - wait->start);
  }
}

/* Takes a buffer for @req, waiting while the pool is at its bounds.
 * Called with the lock, when no idle buffer was at hand. */
static G_GNUC_NO_INLINE GstFlowReturn
take_buffer_slow (GstSharedPool * self, const Request * req,
    gboolean dontwait, GstBuffer ** buffer, GstMemory ** mem)
{
  Wait wait = { 0, 0 };
  GstFlowReturn ret;

  while (!GST_BUFFER_POOL_IS_FLUSHING (GST_BUFFER_POOL_CAST (self))) {
    if ((*buffer = stack_pop (req->stack, mem))) {
      req->stack->hits++;
      return GST_FLOW_OK;
    }
    if (reserve (self, req)) {
      if ((ret = alloc_reserved (self, req, buffer)) == GST_FLOW_OK)
        *mem = gst_buffer_peek_memory (*buffer, 0);
      return ret;
    }
    if (evict_idle (self, req->stack))
      continue;
    if (self->max_bytes && req->charge > self->max_bytes)
      goto too_large;
    if (dontwait)
      return GST_FLOW_EOS;

    self->waits++;
    wait_for_return (self, &wait);
  }
  return GST_FLOW_FLUSHING;

too_large:
  {
    GST_WARNING_OBJECT (self, "a buffer of %" G_GSIZE_FORMAT " bytes (block %"
        G_GSIZE_FORMAT ") can never fit max-bytes %" G_GUINT64_FORMAT,
        req->size, req->charge, self->max_bytes);
    return GST_FLOW_ERROR;
  }
}

#define ZERO_FLAGS (GST_MEMORY_FLAG_ZERO_PREFIXED | GST_MEMORY_FLAG_ZERO_PADDED)

/* Zeroes what zero-memory and the params' flags ask for in the block at
 * @data. A reused block has the last user's bytes around the new size, so
 * the flags are honoured again here (the allocator did it for a fresh
 * block only). */
static void
clear_block (GstSharedPool * self, GstMemory * mem, guint8 * data)
{
  gsize end = mem->offset + mem->size;

  if (self->zero_memory)
    memset (data + mem->offset, 0, mem->size);
  if (self->params.flags & GST_MEMORY_FLAG_ZERO_PREFIXED)
    memset (data, 0, mem->offset);
  if (self->params.flags & GST_MEMORY_FLAG_ZERO_PADDED)
    memset (data + end, 0, mem->maxsize - end);
}

/* Our own memory, not shared: bucket memory needs no map. Other memory
 * is mapped (fd memory stays mapped, so that is no syscall). */
static void
clear_memory (GstSharedPool * self, GstMemory * mem)
{
  GstMapInfo map;

  if (self->backend->bucket_memory) {
    clear_block (self, mem, ((GstBucketMemory *) mem)->data);
    return;
  }
  if (!gst_memory_map (mem, &map, GST_MAP_WRITE))
    return;
  clear_block (self, mem, map.data - mem->offset);
  gst_memory_unmap (mem, &map);
}

/* Gives a taken buffer the requested size. Its block holds every size of
 * its class, and the memory is ours alone, so the fields are written
 * directly: gst_memory_resize() would check that the memory is writable,
 * which also checks its parent buffer, and cost 95 more instructions per
 * acquire and release (callgrind, poolbench ours-fixed-4k: 787 instead of
 * 692, +14 %) for a check that cannot fail here. */
static void
prepare_buffer (GstSharedPool * self, const Request * req, GstMemory * mem)
{
  mem->offset = self->params.prefix;
  mem->size = req->size;

  if (G_UNLIKELY (self->zero_memory || (self->params.flags & ZERO_FLAGS)))
    clear_memory (self, mem);
  /* a resize by the last user may have cleared them */
  GST_MINI_OBJECT_FLAG_SET (mem, self->params.flags & ZERO_FLAGS);
}

/* The calling thread's name: a GstTask's thread is named after its task,
 * "element:pad" (cut to 15 bytes). One prctl, no /proc read. */
static void
get_thread_name (gchar name[THREAD_NAME_LEN])
{
#ifdef __linux__
  if (prctl (PR_GET_NAME, name, 0, 0, 0) == 0)
    return;
#endif
  g_strlcpy (name, "?", THREAD_NAME_LEN);
}

static gchar *
get_trace (void)
{
  gchar *trace = gst_debug_get_stack_trace (GST_STACK_TRACE_SHOW_FULL);

  return trace ? trace : g_strdup ("  (no stack trace available)");
}

/* Remembers where and when a buffer was acquired, for the leak and holder
 * reports; only with one of them on (a lookup, a prctl, and with
 * track-leaks a backtrace per acquire). */
static void
note_acquire (GstSharedPool * self, GstBuffer * buffer)
{
  gchar *trace = self->track_leaks ? get_trace () : NULL;
  gsize size = gst_buffer_get_size (buffer);
  BufferRecord *record;

  g_mutex_lock (&self->lock);
  record = buffer_record (self, buffer);
  g_free (record->trace);
  record->trace = trace;
  record->size = size;
  record->acquired = g_get_monotonic_time ();
  get_thread_name (record->thread);
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
gst_shared_pool_acquire_buffer (GstBufferPool * pool, GstBuffer ** buffer,
    GstBufferPoolAcquireParams * params)
{
  GstSharedPool *self = GST_SHARED_POOL_CAST (pool);
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean age = FALSE;
  GstMemory *mem;
  Request req;

  if (G_UNLIKELY (GST_BUFFER_POOL_IS_FLUSHING (pool)))
    return GST_FLOW_FLUSHING;
  if (G_UNLIKELY (!resolve_request (self, params, &req)))
    goto bad_request;

  g_mutex_lock (&self->lock);
  if (G_LIKELY ((*buffer = stack_pop (req.stack, &mem))))
    age = (++req.stack->hits & GST_BUCKET_AGE_CHECK_MASK) == 0;
  else
    ret = take_buffer_slow (self, &req, params &&
        (params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT), buffer, &mem);
  g_mutex_unlock (&self->lock);

  if (G_UNLIKELY (age))
    gst_shared_pool_sweep (self);
  if (G_UNLIKELY (ret != GST_FLOW_OK))
    goto failed;

  prepare_buffer (self, &req, mem);
  if (G_UNLIKELY (self->track_leaks || self->holder_report_timeout))
    note_acquire (self, *buffer);
  return GST_FLOW_OK;

  /* ERRORS */
bad_request:
  {
    GST_WARNING_OBJECT (self, "cannot serve this request: no configured "
        "size, or a byte range that is not 0..size");
    return GST_FLOW_ERROR;
  }
failed:
  {
    if (ret == GST_FLOW_ERROR && self->max_bytes
        && req.charge > self->max_bytes)
      g_signal_emit (self, signals[SIGNAL_LIMIT_REACHED], 0,
          (guint64) req.size, self->max_bytes);
    return ret;
  }
}

static gboolean
remove_unpooled_meta (GstBuffer * buffer, GstMeta ** meta, gpointer user_data)
{
  if (!GST_META_FLAG_IS_SET (*meta, GST_META_FLAG_POOLED)) {
    GST_META_FLAG_UNSET (*meta, GST_META_FLAG_LOCKED);
    *meta = NULL;
  }
  return TRUE;
}

static gboolean
has_unpooled_meta (GstBuffer * buffer)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta (buffer, &state)))
    if (!GST_META_FLAG_IS_SET (meta, GST_META_FLAG_POOLED))
      return TRUE;
  return FALSE;
}

/* Does what the base class's reset does except the resize, and does not
 * chain up for that reason: the base class resizes every intact buffer to
 * the configured size, and warns (as a bug of the subclass) about each
 * buffer whose block is smaller than that, which every sized buffer of a
 * smaller size class is. Acquire gives each buffer its size instead
 * (prepare_buffer). */
static void
gst_shared_pool_reset_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  GST_BUFFER_FLAGS (buffer) &= GST_BUFFER_FLAG_TAG_MEMORY;
  GST_BUFFER_PTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buffer) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buffer) = GST_BUFFER_OFFSET_NONE;
  /* a read-only walk is much cheaper than removing nothing */
  if (has_unpooled_meta (buffer))
    gst_buffer_foreach_meta (buffer, remove_unpooled_meta, NULL);
}

/* Whether a buffer can be handed out again: one memory of ours, not
 * shared with anyone (the buffer's reference is the memory's only one; a
 * share or another buffer holding it would add theirs). */
static gboolean
buffer_is_intact (GstSharedPool * self, GstBuffer * buffer, GstMemory ** out)
{
  GstMemory *mem;

  /* any change of the memories sets the tag, so untagged means the one
   * memory the buffer was made with */
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_TAG_MEMORY))
    return FALSE;

  *out = mem = gst_buffer_peek_memory (buffer, 0);
  return mem->allocator == self->allocator &&
      GST_MINI_OBJECT_REFCOUNT_VALUE (mem) == 1 &&
      !GST_MEMORY_IS_READONLY (mem);
}

/* The tag of an intact buffer: a field of bucket memory, the buffer's
 * record (a lookup) for other memory. Called with the lock. */
static inline guint32
intact_buffer_tag (GstSharedPool * self, GstBuffer * buffer, GstMemory * mem)
{
  if (G_LIKELY (self->backend->bucket_memory))
    return ((GstBucketMemory *) mem)->owner_tag;
  return buffer_record (self, buffer)->tag;
}

static inline BufferStack *
stack_of_tag (GstSharedPool * self, guint32 tag)
{
  SubPool *key;

  if (tag & SIZED_TAG_BIT)
    return &self->classes[tag & ~SIZED_TAG_BIT];
  if (tag == UNPOOLED_TAG)
    return NULL;
  key = find_key_by_id (self, tag);
  return key ? &key->stack : NULL;
}

static void
gst_shared_pool_release_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  GstSharedPool *self = GST_SHARED_POOL_CAST (pool);
  GstMemory *mem = NULL;
  gboolean intact = buffer_is_intact (self, buffer, &mem);
  BufferStack *stack;

  g_mutex_lock (&self->lock);
  if (G_UNLIKELY (self->track_leaks))
    g_clear_pointer (&buffer_record (self, buffer)->trace, g_free);

  stack = stack_of_tag (self, intact ? intact_buffer_tag (self, buffer, mem) :
      UNPOOLED_TAG);
  if (G_LIKELY (stack))
    stack_push (stack, buffer, mem);
  else
    forget_buffer (self, buffer);

  if (self->waiters)
    g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  /* freed without the lock: a buffer that is not intact may hold any
   * memory, whose free may release other buffers of this pool */
  if (G_UNLIKELY (stack == NULL))
    gst_buffer_unref (buffer);
}

static gboolean
gst_shared_pool_start (GstBufferPool * pool)
{
  GstSharedPool *self = GST_SHARED_POOL_CAST (pool);
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buffer;
  Request req;

  if (!resolve_request (self, NULL, &req))
    return TRUE;

  g_mutex_lock (&self->lock);
  while (ret == GST_FLOW_OK && req.stack->n_idle < self->min_buffers) {
    /* idle buffers of other keys and sizes make room, as in acquire */
    if (!reserve (self, &req)) {
      if (evict_idle (self, req.stack))
        continue;
      goto no_room;
    }
    ret = alloc_reserved (self, &req, &buffer);
    if (ret == GST_FLOW_OK)
      stack_push (req.stack, buffer, gst_buffer_peek_memory (buffer, 0));
  }
  g_mutex_unlock (&self->lock);

  return ret == GST_FLOW_OK;

no_room:
  {
    GST_WARNING_OBJECT (self, "min-buffers %u do not fit: %u buffers of %"
        G_GUINT64_FORMAT " bytes are out, max-buffers %u, max-bytes %"
        G_GUINT64_FORMAT, self->min_buffers, self->n_buffers, self->n_bytes,
        self->max_buffers, self->max_bytes);
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
}

static gboolean
gst_shared_pool_stop (GstBufferPool * pool)
{
  GST_DEBUG_OBJECT (pool, "stopped; idle buffers kept for the next start");
  return TRUE;
}

static void
gst_shared_pool_flush_start (GstBufferPool * pool)
{
  GstSharedPool *self = GST_SHARED_POOL_CAST (pool);
  gchar *report = gst_shared_pool_get_leak_report (self);

  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (report)
    GST_WARNING_OBJECT (self, "flushing with buffers out:\n%s", report);
  g_free (report);
}

/* API */

/**
 * gst_shared_pool_new:
 *
 * Creates a #GstSharedPool with its own #GstBucketAllocator. Configure it
 * like any #GstBufferPool.
 *
 * Returns: (transfer full): a new #GstSharedPool
 *
 * Since: 0.1
 */
GstBufferPool *
gst_shared_pool_new (void)
{
  GstBufferPool *pool = g_object_new (GST_TYPE_SHARED_POOL, NULL);

  gst_object_ref_sink (pool);
  return pool;
}

/**
 * gst_shared_pool_acquire_sized:
 * @pool: an active #GstSharedPool
 * @size: the size of the buffer in bytes
 * @flags: #GstBufferPoolAcquireFlags
 * @buffer: (out) (transfer full): the buffer
 *
 * Rents a buffer of exactly @size bytes from the free list of its size
 * class. The same as gst_buffer_pool_acquire_buffer() with
 * #GstBufferPoolAcquireParams of format %GST_FORMAT_BYTES, start 0 and
 * stop @size. The buffer returns to the pool at its last unref.
 *
 * Returns: %GST_FLOW_OK, %GST_FLOW_FLUSHING when the pool is flushing or
 * inactive, %GST_FLOW_EOS at the bounds with
 * %GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, %GST_FLOW_ERROR when @size can
 * never fit max-bytes or the allocator fails
 *
 * Since: 0.1
 */
GstFlowReturn
gst_shared_pool_acquire_sized (GstBufferPool * pool, gsize size,
    GstBufferPoolAcquireFlags flags, GstBuffer ** buffer)
{
  GstBufferPoolAcquireParams params = {
    .format = GST_FORMAT_BYTES,
    .start = 0,
    .stop = size,
    .flags = flags,
  };

  g_return_val_if_fail (GST_IS_SHARED_POOL (pool), GST_FLOW_ERROR);

  return gst_buffer_pool_acquire_buffer (pool, buffer, &params);
}

static GstBuffer *
copy_into_pool (GstBufferPool * pool, GstBuffer * buffer)
{
  gsize size = gst_buffer_get_size (buffer);
  GstBuffer *copy;
  GstMapInfo map;

  if (gst_shared_pool_acquire_sized (pool, size,
          GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, &copy) != GST_FLOW_OK)
    return NULL;

  gst_buffer_copy_into (copy, buffer, GST_BUFFER_COPY_METADATA, 0, -1);
  gst_buffer_map (copy, &map, GST_MAP_WRITE);
  gst_buffer_extract (buffer, 0, map.data, size);
  gst_buffer_unmap (copy, &map);
  return copy;
}

/**
 * gst_shared_pool_make_writable:
 * @pool: an active #GstSharedPool
 * @buffer: (transfer full): a buffer
 *
 * Returns @buffer itself when nobody else holds it or its memory, so a
 * frame that is not shared is never copied. Otherwise copies data and
 * metadata into a buffer of the same size rented from @pool and drops
 * @buffer. When the pool cannot serve without waiting, a plain deep copy
 * is made instead (counted as `copy-fallbacks` in the stats).
 *
 * Returns: (transfer full): a writable buffer with the contents of @buffer
 *
 * Since: 0.1
 */
GstBuffer *
gst_shared_pool_make_writable (GstBufferPool * pool, GstBuffer * buffer)
{
  GstSharedPool *self;
  GstBuffer *copy;

  g_return_val_if_fail (GST_IS_SHARED_POOL (pool), buffer);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), buffer);

  if (gst_buffer_is_writable (buffer) &&
      gst_buffer_is_all_memory_writable (buffer))
    return buffer;

  self = GST_SHARED_POOL_CAST (pool);
  copy = copy_into_pool (pool, buffer);
  g_mutex_lock (&self->lock);
  if (copy)
    self->copies++;
  else
    self->copy_fallbacks++;
  g_mutex_unlock (&self->lock);

  if (copy == NULL)
    copy = gst_buffer_copy_deep (buffer);
  gst_buffer_unref (buffer);
  return copy;
}

/* Reports */

static void
append_structure (GValue * array, GstStructure * s)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, s);
  gst_value_array_append_and_take_value (array, &v);
}

static void
add_idle (GHashTable * idle, BufferStack * stack)
{
  guint i;

  for (i = 0; i < stack->n_idle; i++)
    g_hash_table_add (idle, stack->items[i].buffer);
}

static void
held_buffer_clear (HeldBuffer * held)
{
  g_free (held->record.trace);
}

/* Oldest acquire first; not noted last. */
static gint
compare_acquired (gconstpointer a, gconstpointer b)
{
  gint64 ta = ((const HeldBuffer *) a)->record.acquired;
  gint64 tb = ((const HeldBuffer *) b)->record.acquired;

  if (ta == 0 || tb == 0)
    return (ta == 0) - (tb == 0);
  return (ta > tb) - (ta < tb);
}

/* The buffers out, oldest first: the records of the buffers owned but not
 * idle (with @traced_only, those with an acquire trace). Called with the
 * lock; the copies are read without it. */
static GArray *
collect_held (GstSharedPool * self, gboolean traced_only)
{
  GHashTable *idle = g_hash_table_new (NULL, NULL);
  GArray *held = g_array_new (FALSE, FALSE, sizeof (HeldBuffer));
  GHashTableIter iter;
  BufferRecord *record;
  gpointer buffer;
  guint i;

  g_array_set_clear_func (held, (GDestroyNotify) held_buffer_clear);
  for (i = 0; i < self->keys->len; i++)
    add_idle (idle, &((SubPool *) g_ptr_array_index (self->keys, i))->stack);
  for (i = 0; i < self->n_classes; i++)
    add_idle (idle, &self->classes[i]);

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &buffer, (gpointer *) & record)) {
    HeldBuffer h = { buffer, *record };

    if (g_hash_table_contains (idle, buffer) || (traced_only
            && !h.record.trace))
      continue;
    h.record.trace = g_strdup (record->trace);
    g_array_append_val (held, h);
  }
  g_hash_table_unref (idle);
  g_array_sort (held, compare_acquired);
  return held;
}

/* The active tracers that tell who last had a buffer, through their
 * action signal LAST_HOLDER_SIGNAL. */
static GList *
holder_tracers (void)
{
  GList *tracers = gst_tracing_get_active_tracers (), *l, *next;

  for (l = tracers; l; l = next) {
    next = l->next;
    if (g_signal_lookup (LAST_HOLDER_SIGNAL, G_OBJECT_TYPE (l->data)) == 0) {
      gst_object_unref (l->data);
      tracers = g_list_delete_link (tracers, l);
    }
  }
  return tracers;
}

/* "element:pad" of the pad @buffer was last chained into, or NULL. The
 * tracer uses the address as a key only. */
static gchar *
last_holder (GList * tracers, gconstpointer buffer)
{
  gchar *holder = NULL;

  for (; tracers && holder == NULL; tracers = tracers->next)
    g_signal_emit_by_name (tracers->data, LAST_HOLDER_SIGNAL, buffer, &holder);
  return holder;
}

static void
describe_one (GString * text, const HeldBuffer * h, const gchar * holder,
    gint64 now)
{
  const BufferRecord *r = &h->record;

  g_string_append_printf (text, "buffer %p", h->buffer);
  if (r->acquired)
    g_string_append_printf (text, ", %" G_GSIZE_FORMAT " bytes when "
        "acquired by thread '%s', %.3f s ago", r->size, r->thread,
        (now - r->acquired) / (gdouble) G_USEC_PER_SEC);
  if (holder)
    g_string_append_printf (text, ", last held by %s", holder);
  else
    g_string_append (text, ", last holder unknown (GST_TRACERS=allocstats "
        "tells)");
  if (r->trace)
    g_string_append_printf (text, ", at:\n%s", r->trace);
  g_string_append_c (text, '\n');
}

static GstStructure *
held_structure (const HeldBuffer * h, const gchar * holder, gint64 now)
{
  const BufferRecord *r = &h->record;
  gchar *address = g_strdup_printf ("%p", h->buffer);
  GstStructure *s = gst_structure_new ("GstSharedPoolHeldBuffer",
      "buffer", G_TYPE_STRING, address, NULL);

  if (r->acquired)
    gst_structure_set (s, "size", G_TYPE_UINT64, (guint64) r->size,
        "acquired-by", G_TYPE_STRING, r->thread,
        "held-for", G_TYPE_UINT64, (guint64) (now - r->acquired) * 1000, NULL);
  if (holder)
    gst_structure_set (s, "last-holder", G_TYPE_STRING, holder, NULL);
  if (r->trace)
    gst_structure_set (s, "trace", G_TYPE_STRING, r->trace, NULL);
  g_free (address);
  return s;
}

/* Describes @held as text, one line per buffer (and its trace), and in
 * @array (when not NULL) as one structure per buffer. Without the lock:
 * the tracers take theirs. */
static gchar *
describe_held (GArray * held, GValue * array)
{
  GList *tracers = holder_tracers ();
  GString *text = g_string_new (NULL);
  gint64 now = g_get_monotonic_time ();
  guint i;

  for (i = 0; i < held->len; i++) {
    HeldBuffer *h = &g_array_index (held, HeldBuffer, i);
    gchar *holder = last_holder (tracers, h->buffer);

    describe_one (text, h, holder, now);
    if (array)
      append_structure (array, held_structure (h, holder, now));
    g_free (holder);
  }
  g_list_free_full (tracers, gst_object_unref);
  return g_string_free (text, FALSE);
}

/* An acquire waited holder-report-timeout: logs and signals who holds
 * the buffers out. Called with the lock, released meanwhile (the signal's
 * handlers may post messages, whose handlers may release buffers). */
static void
report_holders (GstSharedPool * self, gint64 waited)
{
  GArray *held = collect_held (self, FALSE);
  GValue buffers = G_VALUE_INIT;
  GstStructure *report;
  gchar *text;

  g_mutex_unlock (&self->lock);
  g_value_init (&buffers, GST_TYPE_ARRAY);
  text = describe_held (held, &buffers);
  report = gst_structure_new ("GstSharedPoolHolders",
      "waited", G_TYPE_UINT64, (guint64) waited * 1000,
      "outstanding", G_TYPE_UINT, held->len, NULL);
  gst_structure_take_value (report, "buffers", &buffers);

  GST_WARNING_OBJECT (self, "an acquire has waited %.3f s for one of the %u "
      "buffers out:\n%s", waited / (gdouble) G_USEC_PER_SEC, held->len, text);
  g_signal_emit (self, signals[SIGNAL_HOLDER_REPORT], 0, report, text);

  gst_structure_free (report);
  g_free (text);
  g_array_unref (held);
  g_mutex_lock (&self->lock);
}

/**
 * gst_shared_pool_get_leak_report:
 * @pool: a #GstSharedPool
 *
 * Lists the buffers still out, with the stack trace of their acquire,
 * when the pool tracks leaks (see gst_shared_pool_config_set_track_leaks()),
 * and the element and pad that last had each when a tracer tells (the
 * allocstats tracer does: `GST_TRACERS=allocstats`).
 *
 * Returns: (transfer full) (nullable): the report, or %NULL when no
 * buffer is out or leaks are not tracked
 *
 * Since: 0.1
 */
gchar *
gst_shared_pool_get_leak_report (GstSharedPool * pool)
{
  GArray *held = NULL;
  gchar *text, *report = NULL;

  g_return_val_if_fail (GST_IS_SHARED_POOL (pool), NULL);

  g_mutex_lock (&pool->lock);
  /* without tracking no record has a trace: skip the walk */
  if (pool->track_leaks)
    held = collect_held (pool, TRUE);
  g_mutex_unlock (&pool->lock);

  if (held && held->len > 0) {
    text = describe_held (held, NULL);
    report = g_strconcat ("buffers still out of the pool:\n", text, NULL);
    g_free (text);
  }
  if (held)
    g_array_unref (held);
  return report;
}

/**
 * gst_shared_pool_sweep:
 * @pool: a #GstSharedPool
 *
 * Frees the idle buffers that stayed unused for about the pool's
 * max-idle-time (gst_shared_pool_config_set_max_idle_time()), and the
 * allocator's idle memory older than the allocator's max-idle-time, when
 * a sweep is due; otherwise only reads the clock. Hits of the pool's own
 * buffers do not reach the allocator, so the pool calls this every 64
 * hits: memory that a pool of earlier caps left idle in the allocator
 * ages out. An element that keeps a pool nobody acquires from any more
 * (one of earlier caps that upstream still holds after EOS) calls it now
 * and then so that the idle frames of that pool age out too.
 *
 * Since: 0.1
 */
void
gst_shared_pool_sweep (GstSharedPool * pool)
{
  const GstBucketBackend *backend;
  GstAllocator *allocator;

  g_return_if_fail (GST_IS_SHARED_POOL (pool));

  g_mutex_lock (&pool->lock);
  sweep_aged (pool);
  backend = pool->backend;
  allocator = pool->allocator ? gst_object_ref (pool->allocator) : NULL;
  g_mutex_unlock (&pool->lock);

  if (allocator == NULL)
    return;
  backend->age (allocator);
  gst_object_unref (allocator);
}

/**
 * gst_shared_pool_trim:
 * @pool: a #GstSharedPool
 *
 * Frees every idle buffer of the pool, then gives the allocator's idle
 * memory back to the system. Buffers out are not touched.
 *
 * Since: 0.1
 */
void
gst_shared_pool_trim (GstSharedPool * pool)
{
  guint i;

  g_return_if_fail (GST_IS_SHARED_POOL (pool));

  g_mutex_lock (&pool->lock);
  for (i = 0; i < pool->keys->len; i++)
    stack_clear (pool, &((SubPool *) g_ptr_array_index (pool->keys, i))->stack);
  for (i = 0; i < pool->n_classes; i++)
    stack_clear (pool, &pool->classes[i]);
  if (pool->waiters)
    g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->lock);

  if (pool->allocator)
    pool->backend->trim (pool->allocator);
}

/* Stats */

static gchar *
key_description (SubPool * key)
{
  if (key->name)
    return g_strdup (key->name);
  return key->caps ? gst_caps_to_string (key->caps) : g_strdup ("(no caps)");
}

static GstStructure *
stack_stats (const gchar * name, BufferStack * stack)
{
  return gst_structure_new (name,
      "hits", G_TYPE_UINT64, stack->hits,
      "misses", G_TYPE_UINT64, stack->misses,
      "idle", G_TYPE_UINT, stack->n_idle,
      "buffers", G_TYPE_UINT, stack->n_owned, NULL);
}

static guint
collect_key_stats (GstSharedPool * self, GValue * array, guint64 * hits)
{
  guint i, idle = 0;

  for (i = 0; i < self->keys->len; i++) {
    SubPool *key = g_ptr_array_index (self->keys, i);
    GstStructure *s = stack_stats ("GstSharedPoolKeyStats", &key->stack);
    gchar *desc = key_description (key);

    gst_structure_set (s, "key", G_TYPE_STRING, desc, "size", G_TYPE_UINT64,
        (guint64) key->size, NULL);
    g_free (desc);
    append_structure (array, s);
    *hits += key->stack.hits;
    idle += key->stack.n_idle;
  }
  return idle;
}

static guint
collect_class_stats (GstSharedPool * self, GValue * array, guint64 * hits)
{
  guint i, idle = 0;

  for (i = 0; i < self->n_classes; i++) {
    BufferStack *stack = &self->classes[i];
    GstStructure *s;

    if (stack->hits + stack->misses == 0)
      continue;
    s = stack_stats ("GstSharedPoolClassStats", stack);
    gst_structure_set (s, "block-size", G_TYPE_UINT64, (guint64) stack->block,
        NULL);
    append_structure (array, s);
    *hits += stack->hits;
    idle += stack->n_idle;
  }
  return idle;
}

/**
 * gst_shared_pool_get_stats:
 * @pool: a #GstSharedPool
 *
 * Reads the pool's counters into a structure named `GstSharedPoolStats`:
 *
 * - `hits` (guint64): acquires served by an idle buffer
 * - `misses`, `allocations` (guint64): acquires that allocated a buffer
 * - `frees` (guint64): buffers the pool freed (evicted, trimmed, or
 *   returned with their memory replaced or shared)
 * - `aged` (guint64): of those, buffers freed for staying idle longer
 *   than max-idle-time (gst_shared_pool_config_set_max_idle_time())
 * - `unpooled` (guint64): sized acquires larger than the allocator pools
 * - `waits` (guint64): acquires that had to wait at the bounds
 * - `copies`, `copy-fallbacks` (guint64): copies of
 *   gst_shared_pool_make_writable() from the pool, and without it
 * - `buffers`, `idle`, `outstanding` (guint): buffers owned, idle, out
 * - `bytes` (guint64): bytes of the blocks of the buffers owned
 * - `keys` (GstValueArray of `GstSharedPoolKeyStats`: `key`, `size`,
 *   `hits`, `misses`, `idle`, `buffers`)
 * - `classes` (GstValueArray of `GstSharedPoolClassStats`: `block-size`,
 *   `hits`, `misses`, `idle`, `buffers`), for the size classes used
 *
 * Returns: (transfer full): the counters
 *
 * Since: 0.1
 */
GstStructure *
gst_shared_pool_get_stats (GstSharedPool * pool)
{
  GValue keys = G_VALUE_INIT, classes = G_VALUE_INIT;
  guint64 hits = 0;
  guint idle;
  GstStructure *s;

  g_return_val_if_fail (GST_IS_SHARED_POOL (pool), NULL);

  g_value_init (&keys, GST_TYPE_ARRAY);
  g_value_init (&classes, GST_TYPE_ARRAY);

  g_mutex_lock (&pool->lock);
  idle = collect_key_stats (pool, &keys, &hits);
  idle += collect_class_stats (pool, &classes, &hits);
  s = gst_structure_new ("GstSharedPoolStats",
      "hits", G_TYPE_UINT64, hits,
      "misses", G_TYPE_UINT64, pool->allocations,
      "allocations", G_TYPE_UINT64, pool->allocations,
      "frees", G_TYPE_UINT64, pool->frees,
      "aged", G_TYPE_UINT64, pool->aged,
      "unpooled", G_TYPE_UINT64, pool->unpooled,
      "waits", G_TYPE_UINT64, pool->waits,
      "copies", G_TYPE_UINT64, pool->copies,
      "copy-fallbacks", G_TYPE_UINT64, pool->copy_fallbacks,
      "buffers", G_TYPE_UINT, pool->n_buffers,
      "idle", G_TYPE_UINT, idle,
      "outstanding", G_TYPE_UINT, pool->n_buffers - idle,
      "bytes", G_TYPE_UINT64, pool->n_bytes, NULL);
  g_mutex_unlock (&pool->lock);

  gst_structure_take_value (s, "keys", &keys);
  gst_structure_take_value (s, "classes", &classes);
  return s;
}

/* Config helpers */

static void
config_set_u64 (GstStructure * config, const gchar * field, guint64 value)
{
  g_return_if_fail (config != NULL);
  gst_structure_set (config, field, G_TYPE_UINT64, value, NULL);
}

static guint64
config_get_u64 (const GstStructure * config, const gchar * field,
    guint64 default_value)
{
  guint64 value = default_value;

  g_return_val_if_fail (config != NULL, default_value);
  gst_structure_get_uint64 (config, field, &value);
  return value;
}

/**
 * gst_shared_pool_config_set_max_bytes:
 * @config: a buffer pool config
 * @max_bytes: the most bytes of buffer blocks the pool owns, 0 for no limit
 *
 * Bounds the bytes of the blocks of all the buffers the pool owns, idle
 * and out, of every key and size.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_max_bytes (GstStructure * config, guint64 max_bytes)
{
  config_set_u64 (config, CONFIG_MAX_BYTES, max_bytes);
}

/**
 * gst_shared_pool_config_set_max_idle_time:
 * @config: a buffer pool config
 * @max_idle_time: nanoseconds a buffer may stay idle, 0 for no limit
 *
 * Frees idle buffers that were not used for about @max_idle_time, their
 * memory going back to the system. There is no timer: the pool looks at
 * the clock every few acquires and at each new buffer, and frees the
 * buffers that stayed idle through a whole half of @max_idle_time. The
 * default is 5 seconds.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_max_idle_time (GstStructure * config,
    GstClockTime max_idle_time)
{
  config_set_u64 (config, CONFIG_MAX_IDLE_TIME, max_idle_time);
}

/**
 * gst_shared_pool_config_get_max_idle_time:
 * @config: a buffer pool config
 *
 * Reads the time set with gst_shared_pool_config_set_max_idle_time().
 *
 * Returns: the max-idle-time of @config in nanoseconds, the default (5
 * seconds) when unset
 *
 * Since: 0.1
 */
GstClockTime
gst_shared_pool_config_get_max_idle_time (const GstStructure * config)
{
  return config_get_u64 (config, CONFIG_MAX_IDLE_TIME, DEFAULT_MAX_IDLE_TIME);
}

/**
 * gst_shared_pool_config_get_max_bytes:
 * @config: a buffer pool config
 *
 * Reads the byte bound set with gst_shared_pool_config_set_max_bytes().
 *
 * Returns: the max-bytes of @config, 0 (no limit) when unset
 *
 * Since: 0.1
 */
guint64
gst_shared_pool_config_get_max_bytes (const GstStructure * config)
{
  return config_get_u64 (config, CONFIG_MAX_BYTES, 0);
}

/**
 * gst_shared_pool_config_set_key:
 * @config: a buffer pool config
 * @key: (nullable): a name for the configured frames, %NULL to key by caps
 *
 * Names the sub-pool that keeps the configured frames, instead of the caps
 * of the configuration. A later configuration with the same key finds
 * that sub-pool's idle frames again.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_key (GstStructure * config, const gchar * key)
{
  g_return_if_fail (config != NULL);
  if (key)
    gst_structure_set (config, CONFIG_KEY, G_TYPE_STRING, key, NULL);
  else
    gst_structure_remove_field (config, CONFIG_KEY);
}

/**
 * gst_shared_pool_config_get_key:
 * @config: a buffer pool config
 *
 * Reads the key set with gst_shared_pool_config_set_key().
 *
 * Returns: (nullable): the key of @config, %NULL when frames are keyed
 * by caps
 *
 * Since: 0.1
 */
const gchar *
gst_shared_pool_config_get_key (const GstStructure * config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return gst_structure_get_string (config, CONFIG_KEY);
}

/**
 * gst_shared_pool_config_set_max_keys:
 * @config: a buffer pool config
 * @max_keys: how many keys keep their idle frames, 1 to 64
 *
 * Bounds how many keys keep idle frames; the least recently used key is
 * evicted with its idle frames beyond it.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_max_keys (GstStructure * config, guint max_keys)
{
  g_return_if_fail (config != NULL);
  gst_structure_set (config, CONFIG_MAX_KEYS, G_TYPE_UINT, max_keys, NULL);
}

/**
 * gst_shared_pool_config_get_max_keys:
 * @config: a buffer pool config
 *
 * Reads the bound set with gst_shared_pool_config_set_max_keys().
 *
 * Returns: the max-keys of @config, 4 when unset
 *
 * Since: 0.1
 */
guint
gst_shared_pool_config_get_max_keys (const GstStructure * config)
{
  guint max_keys = DEFAULT_MAX_KEYS;

  g_return_val_if_fail (config != NULL, DEFAULT_MAX_KEYS);
  gst_structure_get_uint (config, CONFIG_MAX_KEYS, &max_keys);
  return max_keys;
}

static void
config_set_flag (GstStructure * config, const gchar * field, gboolean value)
{
  g_return_if_fail (config != NULL);
  gst_structure_set (config, field, G_TYPE_BOOLEAN, value, NULL);
}

static gboolean
config_get_flag (const GstStructure * config, const gchar * field)
{
  gboolean value = FALSE;

  gst_structure_get_boolean (config, field, &value);
  return value;
}

/**
 * gst_shared_pool_config_set_zero_memory:
 * @config: a buffer pool config
 * @zero_memory: whether every acquired buffer is filled with zeroes
 *
 * Makes the pool fill every buffer it hands out with zeroes, new or
 * recycled. Off by default: producers that overwrite the whole buffer do
 * not pay for it.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_zero_memory (GstStructure * config,
    gboolean zero_memory)
{
  config_set_flag (config, CONFIG_ZERO_MEMORY, zero_memory);
}

/**
 * gst_shared_pool_config_get_zero_memory:
 * @config: a buffer pool config
 *
 * Reads the flag set with gst_shared_pool_config_set_zero_memory().
 *
 * Returns: whether acquired buffers are zeroed, %FALSE when unset
 *
 * Since: 0.1
 */
gboolean
gst_shared_pool_config_get_zero_memory (const GstStructure * config)
{
  g_return_val_if_fail (config != NULL, FALSE);
  return config_get_flag (config, CONFIG_ZERO_MEMORY);
}

/**
 * gst_shared_pool_config_set_track_leaks:
 * @config: a buffer pool config
 * @track_leaks: whether the pool remembers where each buffer out was
 *   acquired
 *
 * Makes the pool remember the stack trace of each acquire, for
 * gst_shared_pool_get_leak_report(). Costs a backtrace per acquire. The
 * environment variable `GST_SHAREDPOOL_TRACK_LEAKS`, set to anything but
 * an empty string or `0`, turns it on for every pool configured while it
 * is set, whatever the config says.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_track_leaks (GstStructure * config,
    gboolean track_leaks)
{
  config_set_flag (config, CONFIG_TRACK_LEAKS, track_leaks);
}

/**
 * gst_shared_pool_config_get_track_leaks:
 * @config: a buffer pool config
 *
 * Reads the flag set with gst_shared_pool_config_set_track_leaks().
 *
 * Returns: whether the pool tracks leaks, %FALSE when unset
 *
 * Since: 0.1
 */
gboolean
gst_shared_pool_config_get_track_leaks (const GstStructure * config)
{
  g_return_val_if_fail (config != NULL, FALSE);
  return config_get_flag (config, CONFIG_TRACK_LEAKS);
}

/**
 * gst_shared_pool_config_set_holder_report_timeout:
 * @config: a buffer pool config
 * @timeout: nanoseconds an acquire waits before the pool reports who holds
 *   its buffers, 0 for never
 *
 * When an acquire has waited @timeout for a buffer to come back, the pool
 * logs a warning (`sharedpool` debug category) and emits
 * #GstSharedPool::holder-report with a `GstSharedPoolHolders` structure:
 *
 * - `waited` (guint64): nanoseconds the acquire had waited
 * - `outstanding` (guint): the buffers out
 * - `buffers` (GstValueArray of `GstSharedPoolHeldBuffer`): per buffer out,
 *   `buffer` (string, its address), and when its acquire was noted (with
 *   this timeout or track-leaks set when it was acquired) `size`
 *   (guint64), `acquired-by` (string, the acquiring thread's name: a pad
 *   task's thread is named "element:pad", cut to 15 bytes) and `held-for`
 *   (guint64, nanoseconds); `last-holder` (string, "element:pad" of the
 *   last pad the buffer was chained into) when a tracer tells, as the
 *   allocstats tracer does; `trace` (string) with track-leaks
 *
 * Once per acquire; the acquire then goes on waiting, and is woken by a
 * returned buffer, a flush or the deactivation as ever. Noting each
 * acquire costs a table lookup and a prctl() while @timeout is set.
 *
 * The default is 0: a pool that blocks its producer is how backpressure
 * works (a paused pipeline keeps it waiting for as long as it stays
 * paused), so no wait is a stall by itself; set it to a time longer than
 * any stall the pipeline should have, a few seconds for live video.
 *
 * Since: 0.1
 */
void
gst_shared_pool_config_set_holder_report_timeout (GstStructure * config,
    GstClockTime timeout)
{
  config_set_u64 (config, CONFIG_HOLDER_REPORT_TIMEOUT, timeout);
}

/**
 * gst_shared_pool_config_get_holder_report_timeout:
 * @config: a buffer pool config
 *
 * Reads the time set with
 * gst_shared_pool_config_set_holder_report_timeout().
 *
 * Returns: the holder report timeout of @config in nanoseconds, 0 (never)
 * when unset
 *
 * Since: 0.1
 */
GstClockTime
gst_shared_pool_config_get_holder_report_timeout (const GstStructure * config)
{
  return config_get_u64 (config, CONFIG_HOLDER_REPORT_TIMEOUT, 0);
}
