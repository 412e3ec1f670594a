/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstbucketallocator
 * @title: GstBucketAllocator
 * @short_description: a GstAllocator that recycles memory by size class
 *
 * #GstBucketAllocator serves system memory like the default allocator, but
 * when the last reference to one of its #GstMemory goes away the block is
 * kept on a free list of its size class instead of being given back to the
 * system, and the next request of that class gets it again.
 *
 * Requests are rounded up to one of four size classes per power of two
 * (#GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE), so a block is never more than
 * 25 % larger than the request needs. Classes go from #GstBucketAllocator:min-size
 * to #GstBucketAllocator:max-pooled-size; larger requests are allocated and
 * freed directly and counted as unpooled.
 *
 * Idle memory is bounded by #GstBucketAllocator:max-idle-bytes: a block
 * that would exceed it is freed. #GstBucketAllocator:max-bytes bounds all
 * memory the allocator owns, idle or in use: an allocation beyond it first
 * trims idle memory, then fails (gst_allocator_alloc() returns %NULL) and is
 * counted. gst_bucket_allocator_trim() gives all idle memory back.
 *
 * The memory reports the type %GST_ALLOCATOR_SYSMEM because it is plain,
 * mappable CPU memory with the same map, share, copy and span behaviour
 * as the default system memory; code that needs to know that a memory came
 * from this allocator uses gst_is_bucket_memory().
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstbucketallocator.h"
#include "sharedpool-private.h"

GST_DEBUG_CATEGORY_STATIC (gst_bucket_allocator_debug);
#define GST_CAT_DEFAULT gst_bucket_allocator_debug

#define DEFAULT_MIN_SIZE        64
#define DEFAULT_MAX_POOLED_SIZE (64 * 1024 * 1024)
#define DEFAULT_MAX_IDLE_BYTES  (256 * 1024 * 1024)
#define DEFAULT_MAX_BYTES       0
#define DEFAULT_ZERO_MEMORY     FALSE

#define MIN_MIN_SIZE            16
#define MAX_MIN_SIZE            (1024 * 1024)
#define MAX_MAX_POOLED_SIZE     (G_GUINT64_CONSTANT (1) << 31)

#define HEADER_SIZE GST_BUCKET_HEADER_SIZE
#define BLOCK_BYTES(bmem) ((gint64) (HEADER_SIZE + (bmem)->capacity))

/* 64-bit counters shared by all threads. */
#define COUNTER_ADD(p, v) __atomic_add_fetch ((p), (v), __ATOMIC_RELAXED)
#define COUNTER_GET(p) __atomic_load_n ((p), __ATOMIC_RELAXED)
#define COUNTER_SET(p, v) __atomic_store_n ((p), (v), __ATOMIC_RELAXED)

enum
{
  PROP_0,
  PROP_MIN_SIZE,
  PROP_MAX_POOLED_SIZE,
  PROP_MAX_IDLE_BYTES,
  PROP_MAX_BYTES,
  PROP_ZERO_MEMORY,
  PROP_MAX_IDLE_TIME,
  PROP_STATS,
};

enum
{
  SIGNAL_LIMIT_REACHED,
  LAST_SIGNAL
};

typedef struct
{
  GMutex lock;
  GstBucketMemory *idle;        /* stack through GstBucketMemory.next */
  guint n_idle;
  guint low_idle;               /* fewest idle since the last sweep */
  gsize block_size;
  gint64 system_allocs;         /* atomic */
  guint64 reuses;
} BucketClass;

struct _GstBucketAllocator
{
  GstAllocator parent;

  /* construct-only */
  GstBucketClassMap map;
  guint n_classes;
  BucketClass *classes;
  BucketClass shares;           /* header-only memories of gst_memory_share */

  /* atomics, written from any thread */
  gint64 max_idle_bytes;
  gint64 max_bytes;
  gint zero_memory;
  gint disposing;
  gint64 bytes_owned;
  gint64 bytes_idle;
  gint64 high_water;
  gint64 unpooled;
  gint64 failed;
  gint64 max_idle_time;         /* ns, 0 = forever */
  gint64 next_sweep;            /* monotonic µs */
  gint64 aged;                  /* blocks freed for being idle too long */
};

#define gst_bucket_allocator_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstBucketAllocator, gst_bucket_allocator,
    GST_TYPE_ALLOCATOR,
    GST_DEBUG_CATEGORY_INIT (gst_bucket_allocator_debug, "bucketallocator", 0,
        "recycling allocator"));

static GParamSpec *properties[PROP_STATS + 1];
static guint signals[LAST_SIGNAL];

static void gst_bucket_allocator_constructed (GObject * object);
static void gst_bucket_allocator_dispose (GObject * object);
static void gst_bucket_allocator_finalize (GObject * object);
static void gst_bucket_allocator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_bucket_allocator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstMemory *gst_bucket_allocator_alloc (GstAllocator * allocator,
    gsize size, GstAllocationParams * params);
static void gst_bucket_allocator_free (GstAllocator * allocator,
    GstMemory * mem);
static gpointer bucket_mem_map (GstBucketMemory * bmem, gsize maxsize,
    GstMapFlags flags);
static void bucket_mem_unmap (GstBucketMemory * bmem);
static GstMemory *bucket_mem_copy (GstBucketMemory * bmem, gssize offset,
    gssize size);
static GstMemory *bucket_mem_share (GstBucketMemory * bmem, gssize offset,
    gssize size);
static gboolean bucket_mem_is_span (GstBucketMemory * bmem1,
    GstBucketMemory * bmem2, gsize * offset);

static void
gst_bucket_allocator_class_init (GstBucketAllocatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->constructed = gst_bucket_allocator_constructed;
  gobject_class->dispose = gst_bucket_allocator_dispose;
  gobject_class->finalize = gst_bucket_allocator_finalize;
  gobject_class->set_property = gst_bucket_allocator_set_property;
  gobject_class->get_property = gst_bucket_allocator_get_property;

  allocator_class->alloc = gst_bucket_allocator_alloc;
  allocator_class->free = gst_bucket_allocator_free;

  /**
   * GstBucketAllocator:min-size:
   *
   * The smallest size class in bytes, rounded up to a power of two.
   * Smaller requests are served from blocks of this size.
   *
   * Since: 0.1
   */
  properties[PROP_MIN_SIZE] = g_param_spec_uint64 ("min-size", "Minimum size",
      "Smallest size class in bytes (rounded up to a power of two)",
      MIN_MIN_SIZE, MAX_MIN_SIZE, DEFAULT_MIN_SIZE,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstBucketAllocator:max-pooled-size:
   *
   * The largest block kept for reuse, in bytes, rounded down to a size
   * class. Larger requests are allocated and freed directly and counted
   * as unpooled.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_POOLED_SIZE] = g_param_spec_uint64 ("max-pooled-size",
      "Maximum pooled size",
      "Largest block in bytes kept for reuse; larger ones are unpooled",
      MIN_MIN_SIZE, MAX_MAX_POOLED_SIZE, DEFAULT_MAX_POOLED_SIZE,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GstBucketAllocator:max-idle-bytes:
   *
   * How many bytes of freed memory are kept for reuse. Memory freed beyond
   * this goes back to the system. 0 keeps nothing.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_IDLE_BYTES] = g_param_spec_uint64 ("max-idle-bytes",
      "Maximum idle bytes",
      "Bytes of freed memory kept for reuse (0 = keep nothing)",
      0, G_MAXINT64, DEFAULT_MAX_IDLE_BYTES,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  /**
   * GstBucketAllocator:max-bytes:
   *
   * The most bytes the allocator may own, idle and in use together.
   * An allocation beyond it trims idle memory first, then fails and is
   * counted in the stats. 0 means no limit.
   *
   * Since: 0.1
   */
  /**
   * GstBucketAllocator:max-idle-time:
   *
   * How long, in nanoseconds, memory may stay idle before it goes back to
   * the system; 0 keeps it until trimmed. There is no timer: the age is
   * checked every few reuses, at each allocation from the system and
   * every few reuses of a #GstSharedPool's buffers over this allocator, and
   * memory idle through a whole half of this time is freed, so memory goes
   * back within max-idle-time of its last use while the allocator is
   * used, and at the next use after that otherwise.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_IDLE_TIME] = gst_bucket_param_spec_max_idle_time ();

  properties[PROP_MAX_BYTES] = g_param_spec_uint64 ("max-bytes",
      "Maximum bytes",
      "Most bytes owned, idle and in use (0 = no limit)",
      0, G_MAXINT64, DEFAULT_MAX_BYTES,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  /**
   * GstBucketAllocator:zero-memory:
   *
   * Fill every block with zeroes when it is handed out, new or reused.
   *
   * Since: 0.1
   */
  properties[PROP_ZERO_MEMORY] = g_param_spec_boolean ("zero-memory",
      "Zero memory", "Fill every block with zeroes when it is handed out",
      DEFAULT_ZERO_MEMORY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  /**
   * GstBucketAllocator:stats:
   *
   * The counters of gst_bucket_allocator_get_stats().
   *
   * Since: 0.1
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "Allocation counters (see gst_bucket_allocator_get_stats)",
      gst_structure_get_type (), G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, PROP_STATS + 1, properties);

  /**
   * GstBucketAllocator::limit-reached:
   * @allocator: the allocator
   * @size: the bytes the refused allocation needed
   * @limit: #GstBucketAllocator:max-bytes
   *
   * Emitted, from the thread that allocates, when an allocation is
   * refused because it would take the allocator over max-bytes even after
   * its idle memory was trimmed. The allocation returns %NULL; an element
   * can connect to this to post an error that names the size and the
   * limit.
   *
   * Since: 0.1
   */
  signals[SIGNAL_LIMIT_REACHED] = g_signal_new ("limit-reached",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
gst_bucket_allocator_init (GstBucketAllocator * self)
{
  GstAllocator *alloc = GST_ALLOCATOR_CAST (self);

  alloc->mem_type = GST_ALLOCATOR_SYSMEM;
  alloc->mem_map = (GstMemoryMapFunction) bucket_mem_map;
  alloc->mem_unmap = (GstMemoryUnmapFunction) bucket_mem_unmap;
  alloc->mem_copy = (GstMemoryCopyFunction) bucket_mem_copy;
  alloc->mem_share = (GstMemoryShareFunction) bucket_mem_share;
  alloc->mem_is_span = (GstMemoryIsSpanFunction) bucket_mem_is_span;

  self->map.min_size = DEFAULT_MIN_SIZE;
  self->map.max_pooled_size = DEFAULT_MAX_POOLED_SIZE;
  self->max_idle_bytes = DEFAULT_MAX_IDLE_BYTES;
  self->max_idle_time = GST_BUCKET_DEFAULT_MAX_IDLE_TIME;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->zero_memory = DEFAULT_ZERO_MEMORY;
  /* shares.block_size stays 0: a share is a header only */
  g_mutex_init (&self->shares.lock);
}

static gsize
class_block_size (GstBucketAllocator * self, guint idx)
{
  return gst_bucket_class_map_block_size (&self->map, idx);
}

static void
gst_bucket_allocator_constructed (GObject * object)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR (object);
  guint i;

  /* min-size is at least MIN_MIN_SIZE, so the argument is never 0 */
  self->map.min_shift = g_bit_storage (self->map.min_size - 1);
  self->map.min_size = (gsize) 1 << self->map.min_shift;
  if (self->map.max_pooled_size < self->map.min_size)
    self->map.max_pooled_size = self->map.min_size;

  self->n_classes = 1;
  while (class_block_size (self, self->n_classes) <= self->map.max_pooled_size)
    self->n_classes++;
  /* like min-size, rounded to a class: a size between the last class and
   * max-pooled-size would otherwise map past the last class */
  self->map.max_pooled_size = class_block_size (self, self->n_classes - 1);

  self->classes = g_new0 (BucketClass, self->n_classes);
  for (i = 0; i < self->n_classes; i++) {
    g_mutex_init (&self->classes[i].lock);
    self->classes[i].block_size = class_block_size (self, i);
  }

  GST_DEBUG_OBJECT (self, "%u classes from %" G_GSIZE_FORMAT " to %"
      G_GSIZE_FORMAT " bytes", self->n_classes, self->classes[0].block_size,
      self->classes[self->n_classes - 1].block_size);

  G_OBJECT_CLASS (parent_class)->constructed (object);
}

/* Pops every idle memory of @bc. */
static GstBucketMemory *
bucket_class_take_all (BucketClass * bc)
{
  GstBucketMemory *list;

  g_mutex_lock (&bc->lock);
  list = bc->idle;
  bc->idle = NULL;
  bc->n_idle = bc->low_idle = 0;
  g_mutex_unlock (&bc->lock);

  return list;
}

/* Frees idle memories for real. They hold no reference to the allocator
 * while idle; the last unref of the memory goes through the regular
 * GstMemory free path (and the tracers' destroyed hook), which needs one. */
static void
bucket_free_idle_list (GstBucketAllocator * self, GstBucketMemory * list)
{
  while (list) {
    GstBucketMemory *next = list->next;

    COUNTER_ADD (&self->bytes_idle, -BLOCK_BYTES (list));
    GST_MINI_OBJECT_FLAG_SET (list, GST_BUCKET_MEMORY_FLAG_RETIRE);
    list->mem.allocator = gst_object_ref (self);
    gst_memory_unref (GST_MEMORY_CAST (list));
    list = next;
  }
}

/* Takes the memories of @bc that stayed idle since the last sweep: the
 * low_idle ones at the bottom of the stack, which no pop reached. */
static GstBucketMemory *
bucket_class_take_aged (BucketClass * bc, gint64 * n)
{
  GstBucketMemory *list = NULL, **link = &bc->idle;
  guint keep;

  g_mutex_lock (&bc->lock);
  keep = bc->n_idle - bc->low_idle;
  while (keep-- > 0)
    link = &(*link)->next;
  list = *link;
  *link = NULL;
  *n += bc->low_idle;
  bc->n_idle -= bc->low_idle;
  bc->low_idle = bc->n_idle;
  g_mutex_unlock (&bc->lock);

  return list;
}

/* Frees the memory idle for a whole sweep period, when one is over; the
 * thread that moves next_sweep does it. */
static void
bucket_sweep_aged (GstBucketAllocator * self)
{
  gint64 max_time = COUNTER_GET (&self->max_idle_time);
  gint64 n = 0;
  guint i;

  if (!gst_bucket_sweep_due (&self->next_sweep, max_time))
    return;

  for (i = 0; i < self->n_classes; i++)
    bucket_free_idle_list (self, bucket_class_take_aged (&self->classes[i],
            &n));
  if (n)
    GST_DEBUG_OBJECT (self, "freed %" G_GINT64_FORMAT " blocks idle for "
        "%" GST_TIME_FORMAT, n, GST_TIME_ARGS (max_time / 2));
  COUNTER_ADD (&self->aged, n);
}

static void
gst_bucket_allocator_trim_all (GstBucketAllocator * self)
{
  guint i;

  for (i = 0; i < self->n_classes; i++)
    bucket_free_idle_list (self, bucket_class_take_all (&self->classes[i]));
  bucket_free_idle_list (self, bucket_class_take_all (&self->shares));
}

static void
gst_bucket_allocator_dispose (GObject * object)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR (object);

  /* Outstanding memories hold a reference, so only idle ones are left. */
  g_atomic_int_set (&self->disposing, TRUE);
  gst_bucket_allocator_trim_all (self);

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_bucket_allocator_finalize (GObject * object)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR (object);
  guint i;

  for (i = 0; i < self->n_classes; i++)
    g_mutex_clear (&self->classes[i].lock);
  g_mutex_clear (&self->shares.lock);
  g_free (self->classes);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_bucket_allocator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR (object);

  switch (prop_id) {
    case PROP_MIN_SIZE:
      self->map.min_size = g_value_get_uint64 (value);
      break;
    case PROP_MAX_POOLED_SIZE:
      self->map.max_pooled_size = g_value_get_uint64 (value);
      break;
    case PROP_MAX_IDLE_BYTES:
      COUNTER_SET (&self->max_idle_bytes, g_value_get_uint64 (value));
      break;
    case PROP_MAX_IDLE_TIME:
      COUNTER_SET (&self->max_idle_time, g_value_get_uint64 (value));
      break;
    case PROP_MAX_BYTES:
      COUNTER_SET (&self->max_bytes, g_value_get_uint64 (value));
      break;
    case PROP_ZERO_MEMORY:
      g_atomic_int_set (&self->zero_memory, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_bucket_allocator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR (object);

  switch (prop_id) {
    case PROP_MIN_SIZE:
      g_value_set_uint64 (value, self->map.min_size);
      break;
    case PROP_MAX_POOLED_SIZE:
      g_value_set_uint64 (value, self->map.max_pooled_size);
      break;
    case PROP_MAX_IDLE_BYTES:
      g_value_set_uint64 (value, COUNTER_GET (&self->max_idle_bytes));
      break;
    case PROP_MAX_IDLE_TIME:
      g_value_set_uint64 (value, COUNTER_GET (&self->max_idle_time));
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, COUNTER_GET (&self->max_bytes));
      break;
    case PROP_ZERO_MEMORY:
      g_value_set_boolean (value, g_atomic_int_get (&self->zero_memory));
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_bucket_allocator_get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Bytes a block needs for @size with @params, or 0 on overflow. */
static gsize
block_need (gsize size, const GstAllocationParams * params)
{
  gsize overhead, need;

  if (!gst_bucket_params_overhead (params, &overhead) ||
      !gst_bucket_block_need (size, overhead, &need))
    return 0;
  return need;
}

static gint
class_index (GstBucketAllocator * self, gsize need)
{
  return gst_bucket_class_map_index (&self->map, need);
}

/**
 * gst_bucket_allocator_get_block_size:
 * @self: a #GstBucketAllocator
 * @size: a requested size in bytes
 *
 * Tells how large a block a request of @size bytes (default allocation
 * params) is served from: the size of its class, or @size itself when it
 * is larger than #GstBucketAllocator:max-pooled-size.
 *
 * Returns: the block size in bytes
 *
 * Since: 0.1
 */
gsize
gst_bucket_allocator_get_block_size (GstBucketAllocator * self, gsize size)
{
  GstAllocationParams params = { 0, };
  gsize block;

  g_return_val_if_fail (GST_IS_BUCKET_ALLOCATOR (self), 0);

  gst_bucket_class_map_for_size (&self->map, size, &params, &block);
  return block;
}

static const GstBucketClassMap *
bucket_get_class_map (GstAllocator * allocator)
{
  return &GST_BUCKET_ALLOCATOR_CAST (allocator)->map;
}

static void
bucket_trim (GstAllocator * allocator)
{
  gst_bucket_allocator_trim (GST_BUCKET_ALLOCATOR_CAST (allocator));
}

static void
bucket_age (GstAllocator * allocator)
{
  bucket_sweep_aged (GST_BUCKET_ALLOCATOR_CAST (allocator));
}

const GstBucketBackend gst_bucket_allocator_backend = {
  bucket_get_class_map, bucket_trim, bucket_age, TRUE
};

static BucketClass *
bucket_class (GstBucketAllocator * self, gint idx)
{
  if (idx == GST_BUCKET_CLASS_SHARE)
    return &self->shares;
  return idx >= 0 ? &self->classes[idx] : NULL;
}

static GstBucketMemory *
bucket_class_pop (GstBucketAllocator * self, gint idx)
{
  BucketClass *bc = bucket_class (self, idx);
  GstBucketMemory *bmem;
  gboolean check = FALSE;

  if (bc == NULL)
    return NULL;

  g_mutex_lock (&bc->lock);
  bmem = bc->idle;
  if (bmem) {
    bc->idle = bmem->next;
    bc->n_idle--;
    bc->low_idle = MIN (bc->low_idle, bc->n_idle);
    check = (++bc->reuses & GST_BUCKET_AGE_CHECK_MASK) == 0;
  }
  g_mutex_unlock (&bc->lock);

  if (bmem)
    COUNTER_ADD (&self->bytes_idle, -BLOCK_BYTES (bmem));
  if (G_UNLIKELY (check))
    bucket_sweep_aged (self);
  return bmem;
}

static void
update_high_water (GstBucketAllocator * self, gint64 owned)
{
  gint64 hw = COUNTER_GET (&self->high_water);

  while (owned > hw && !__atomic_compare_exchange_n (&self->high_water, &hw,
          owned, TRUE, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* Accounts @capacity new bytes against max-bytes, trimming idle memory
 * once when the limit is hit. */
static gboolean
reserve_bytes (GstBucketAllocator * self, gint64 bytes)
{
  gint64 max = COUNTER_GET (&self->max_bytes);
  gint64 owned = COUNTER_ADD (&self->bytes_owned, bytes);

  if (max == 0 || owned <= max)
    goto done;

  gst_bucket_allocator_trim_all (self);
  owned = COUNTER_GET (&self->bytes_owned);
  if (owned <= max)
    goto done;

  COUNTER_ADD (&self->bytes_owned, -bytes);
  return FALSE;

done:
  update_high_water (self, owned);
  return TRUE;
}

static gboolean gst_bucket_memory_dispose (GstBucketMemory * bmem);

/* A fresh block from the system, header and data in one allocation. */
static GstBucketMemory *
bucket_block_new (GstBucketAllocator * self, gint idx, gsize need)
{
  BucketClass *bc = bucket_class (self, idx);
  gsize capacity = bc ? bc->block_size : need;
  GstBucketMemory *bmem;

  if (!reserve_bytes (self, HEADER_SIZE + capacity))
    goto too_much;

  bmem = g_try_malloc (HEADER_SIZE + capacity);
  if (bmem == NULL)
    goto no_memory;

  bmem->capacity = capacity;
  bmem->class_idx = idx;
  COUNTER_ADD (bc ? &bc->system_allocs : &self->unpooled, 1);

  return bmem;

too_much:
  {
    guint64 max = COUNTER_GET (&self->max_bytes);

    COUNTER_ADD (&self->failed, 1);
    GST_WARNING_OBJECT (self, "allocating %" G_GSIZE_FORMAT " bytes would "
        "exceed max-bytes %" G_GUINT64_FORMAT, capacity, max);
    g_signal_emit (self, signals[SIGNAL_LIMIT_REACHED], 0,
        (guint64) (HEADER_SIZE + capacity), max);
    return NULL;
  }
no_memory:
  {
    COUNTER_ADD (&self->bytes_owned, -(gint64) (HEADER_SIZE + capacity));
    COUNTER_ADD (&self->failed, 1);
    GST_WARNING_OBJECT (self, "out of memory for %" G_GSIZE_FORMAT " bytes",
        capacity);
    return NULL;
  }
}

/* (Re)initialises the GstMemory part of @bmem. New blocks go through
 * gst_memory_init(); recycled ones are still valid mini objects with a
 * refcount of 1, so only the fields are set again, here. No core helper
 * sets them on a live memory: gst_memory_init() would init the mini object
 * again, and its mini-object-created tracer hook would report a recycled
 * memory as a new allocation (to allocstats and the leaks tracer, which
 * already track it); gst_memory_resize() sets offset and size only. */
static void
bucket_memory_setup (GstBucketAllocator * self, GstBucketMemory * bmem,
    gboolean fresh, GstMemoryFlags flags, GstMemory * parent, gsize maxsize,
    gsize align, gsize offset, gsize size)
{
  GstMemory *mem = GST_MEMORY_CAST (bmem);

  if (fresh) {
    gst_memory_init (mem, flags, GST_ALLOCATOR_CAST (self), parent, maxsize,
        align, offset, size);
    GST_MINI_OBJECT_CAST (mem)->dispose =
        (GstMiniObjectDisposeFunction) gst_bucket_memory_dispose;
    return;
  }

  GST_MINI_OBJECT_FLAGS (mem) = flags | GST_MINI_OBJECT_FLAG_LOCKABLE;
  mem->allocator = gst_object_ref (self);
  if (parent) {
    gst_memory_lock (parent, GST_LOCK_FLAG_EXCLUSIVE);
    gst_memory_ref (parent);
  }
  mem->parent = parent;
  mem->maxsize = maxsize;
  mem->align = align;
  mem->offset = offset;
  mem->size = size;
}

/* Fills the parts of the block the flags and zero-memory ask for. */
static void
bucket_memory_clear (GstBucketAllocator * self, GstBucketMemory * bmem,
    GstMemoryFlags flags)
{
  GstMemory *mem = GST_MEMORY_CAST (bmem);
  gsize end = mem->offset + mem->size;

  if (g_atomic_int_get (&self->zero_memory)) {
    memset (bmem->data, 0, mem->maxsize);
    return;
  }
  if (mem->offset && (flags & GST_MEMORY_FLAG_ZERO_PREFIXED))
    memset (bmem->data, 0, mem->offset);
  if (end < mem->maxsize && (flags & GST_MEMORY_FLAG_ZERO_PADDED))
    memset (bmem->data + end, 0, mem->maxsize - end);
}

static GstMemory *
bucket_alloc_block (GstBucketAllocator * self, gint idx, gsize need,
    gsize size, const GstAllocationParams * params)
{
  GstBucketMemory *bmem = bucket_class_pop (self, idx);
  gboolean fresh = bmem == NULL;
  gsize align = params->align | gst_memory_alignment;
  guint8 *start;
  gsize aoffset;

  if (fresh)
    bucket_sweep_aged (self);
  if (fresh && !(bmem = bucket_block_new (self, idx, need)))
    return NULL;

  start = (guint8 *) bmem + HEADER_SIZE;
  aoffset = ((guintptr) start & align) ? (align + 1) - ((guintptr) start &
      align) : 0;
  bmem->data = start + aoffset;
  bmem->owner_tag = 0;

  bucket_memory_setup (self, bmem, fresh, params->flags, NULL,
      bmem->capacity - aoffset, align, params->prefix, size);
  bucket_memory_clear (self, bmem, params->flags);

  return GST_MEMORY_CAST (bmem);
}

static GstMemory *
gst_bucket_allocator_alloc (GstAllocator * allocator, gsize size,
    GstAllocationParams * params)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR_CAST (allocator);
  gsize need = block_need (size, params);

  if (G_UNLIKELY (need == 0))
    goto overflow;

  return bucket_alloc_block (self, class_index (self, need), need, size,
      params);

overflow:
  {
    GST_WARNING_OBJECT (self, "size %" G_GSIZE_FORMAT " with prefix %"
        G_GSIZE_FORMAT " and padding %" G_GSIZE_FORMAT " overflows", size,
        params->prefix, params->padding);
    return NULL;
  }
}

static void
gst_bucket_allocator_free (GstAllocator * allocator, GstMemory * mem)
{
  GstBucketAllocator *self = GST_BUCKET_ALLOCATOR_CAST (allocator);
  GstBucketMemory *bmem = (GstBucketMemory *) mem;

  COUNTER_ADD (&self->bytes_owned, -BLOCK_BYTES (bmem));
  g_free (bmem);
}

/* Keeps @bmem for reuse when its class and the idle budget allow.
 * Called at refcount 0; the memory is resurrected on success. */
static gboolean
bucket_memory_recycle (GstBucketAllocator * self, GstBucketMemory * bmem)
{
  BucketClass *bc = bucket_class (self, bmem->class_idx);
  gint64 max_idle = COUNTER_GET (&self->max_idle_bytes);

  if (bc == NULL || GST_MEMORY_FLAG_IS_SET (bmem, GST_BUCKET_MEMORY_FLAG_RETIRE)
      || g_atomic_int_get (&self->disposing))
    return FALSE;
  if (COUNTER_ADD (&self->bytes_idle, BLOCK_BYTES (bmem)) > max_idle) {
    COUNTER_ADD (&self->bytes_idle, -BLOCK_BYTES (bmem));
    return FALSE;
  }

  gst_memory_ref (GST_MEMORY_CAST (bmem));
  g_mutex_lock (&bc->lock);
  bmem->next = bc->idle;
  bc->idle = bmem;
  bc->n_idle++;
  g_mutex_unlock (&bc->lock);

  return TRUE;
}

/* Drops what a share holds on its parent, as the GstMemory free path
 * would. */
static void
bucket_memory_release_parent (GstBucketMemory * bmem)
{
  GstMemory *parent = bmem->mem.parent;

  if (parent == NULL)
    return;
  bmem->mem.parent = NULL;
  gst_memory_unlock (parent, GST_LOCK_FLAG_EXCLUSIVE);
  gst_memory_unref (parent);
}

/* The GstMiniObject dispose of every bucket memory: returning FALSE keeps
 * the memory alive on its class's free list instead of freeing it. An
 * idle memory holds no reference to the allocator, so the allocator can be
 * disposed while memory is idle; the reference is dropped last since it may
 * be the one that disposes the allocator. A share lets go of its parent
 * before it can be reused. */
static gboolean
gst_bucket_memory_dispose (GstBucketMemory * bmem)
{
  GstBucketAllocator *self = (GstBucketAllocator *) bmem->mem.allocator;

  bucket_memory_release_parent (bmem);
  if (!bucket_memory_recycle (self, bmem))
    return TRUE;

  gst_object_unref (self);
  return FALSE;
}

static gpointer
bucket_mem_map (GstBucketMemory * bmem, gsize maxsize, GstMapFlags flags)
{
  return bmem->data;
}

static void
bucket_mem_unmap (GstBucketMemory * bmem)
{
}

static GstMemory *
bucket_mem_copy (GstBucketMemory * bmem, gssize offset, gssize size)
{
  GstMemory *mem = GST_MEMORY_CAST (bmem);
  GstAllocationParams params = { 0, mem->align, 0, 0, };
  gssize start = (gssize) mem->offset + offset;
  GstMemory *copy;

  if (size == -1)
    size = offset >= 0 && mem->size > (gsize) offset ? mem->size - offset : 0;
  /* a range outside the block gives an empty copy, as system memory's
   * does; one that runs past it is cut at its end */
  if (start < 0 || (gsize) start > mem->maxsize)
    start = size = 0;
  size = MIN ((gsize) size, mem->maxsize - start);

  params.prefix = start;
  copy = gst_allocator_alloc (mem->allocator, size, &params);
  if (copy == NULL)
    return NULL;

  memcpy (((GstBucketMemory *) copy)->data, bmem->data, params.prefix + size);
  return copy;
}

static GstMemory *
bucket_mem_share (GstBucketMemory * bmem, gssize offset, gssize size)
{
  GstBucketAllocator *self = (GstBucketAllocator *) bmem->mem.allocator;
  GstMemory *parent = bmem->mem.parent ? bmem->mem.parent :
      GST_MEMORY_CAST (bmem);
  GstBucketMemory *sub = bucket_class_pop (self, GST_BUCKET_CLASS_SHARE);
  gboolean fresh = sub == NULL;

  if (fresh && !(sub = bucket_block_new (self, GST_BUCKET_CLASS_SHARE, 0)))
    return NULL;

  if (size == -1)
    size = bmem->mem.size - offset;

  sub->data = bmem->data;
  sub->owner_tag = 0;
  bucket_memory_setup (self, sub, fresh, GST_MINI_OBJECT_FLAGS (parent) |
      GST_MINI_OBJECT_FLAG_LOCK_READONLY, parent, bmem->mem.maxsize,
      bmem->mem.align, bmem->mem.offset + offset, size);

  return GST_MEMORY_CAST (sub);
}

static gboolean
bucket_mem_is_span (GstBucketMemory * bmem1, GstBucketMemory * bmem2,
    gsize * offset)
{
  if (offset) {
    GstMemory *parent = bmem1->mem.parent;

    *offset = bmem1->mem.offset - parent->offset;
  }

  return bmem1->data + bmem1->mem.offset + bmem1->mem.size ==
      bmem2->data + bmem2->mem.offset;
}

/**
 * gst_bucket_allocator_new:
 *
 * Creates a #GstBucketAllocator with the default limits. Use g_object_new()
 * with #GstBucketAllocator:min-size and #GstBucketAllocator:max-pooled-size
 * to change the class range, which is fixed at construction.
 *
 * Returns: (transfer full): a new #GstBucketAllocator
 *
 * Since: 0.1
 */
GstAllocator *
gst_bucket_allocator_new (void)
{
  GstAllocator *alloc = g_object_new (GST_TYPE_BUCKET_ALLOCATOR, NULL);

  gst_object_ref_sink (alloc);
  return alloc;
}

/**
 * gst_bucket_allocator_register:
 *
 * Registers a shared #GstBucketAllocator under #GST_BUCKET_ALLOCATOR_NAME
 * so that gst_allocator_find() returns it. Calling it again is harmless.
 *
 * Since: 0.1
 */
void
gst_bucket_allocator_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered)) {
    gst_allocator_register (GST_BUCKET_ALLOCATOR_NAME,
        gst_bucket_allocator_new ());
    g_once_init_leave (&registered, 1);
  }
}

/**
 * gst_is_bucket_memory:
 * @mem: a #GstMemory
 *
 * Tells whether @mem comes from a #GstBucketAllocator, that is whether
 * its last unref recycles it.
 *
 * Returns: %TRUE when @mem was allocated by a #GstBucketAllocator
 *
 * Since: 0.1
 */
gboolean
gst_is_bucket_memory (GstMemory * mem)
{
  g_return_val_if_fail (mem != NULL, FALSE);

  return mem->allocator && GST_IS_BUCKET_ALLOCATOR (mem->allocator);
}

/**
 * gst_bucket_allocator_trim:
 * @self: a #GstBucketAllocator
 *
 * Gives all idle memory back to the system. Memory in use is not touched
 * and is recycled again when it is freed.
 *
 * Since: 0.1
 */
void
gst_bucket_allocator_trim (GstBucketAllocator * self)
{
  g_return_if_fail (GST_IS_BUCKET_ALLOCATOR (self));

  GST_DEBUG_OBJECT (self, "trimming %" G_GINT64_FORMAT " idle bytes",
      COUNTER_GET (&self->bytes_idle));
  gst_bucket_allocator_trim_all (self);
}

static GstStructure *
bucket_class_stats (BucketClass * bc)
{
  GstStructure *s;

  g_mutex_lock (&bc->lock);
  s = gst_structure_new ("GstBucketClassStats",
      "block-size", G_TYPE_UINT64, (guint64) bc->block_size,
      "system-allocations", G_TYPE_UINT64,
      (guint64) COUNTER_GET (&bc->system_allocs),
      "reuses", G_TYPE_UINT64, bc->reuses,
      "idle", G_TYPE_UINT, bc->n_idle, NULL);
  g_mutex_unlock (&bc->lock);

  return s;
}

/* Appends the classes that were ever used, and sums their counters. */
static void
collect_class_stats (GstBucketAllocator * self, GValue * array,
    guint64 * system_allocs, guint64 * reuses)
{
  guint i;

  for (i = 0; i < self->n_classes; i++) {
    GValue v = G_VALUE_INIT;
    GstStructure *s = bucket_class_stats (&self->classes[i]);
    guint64 sys, reuse;

    gst_structure_get (s, "system-allocations", G_TYPE_UINT64, &sys,
        "reuses", G_TYPE_UINT64, &reuse, NULL);
    *system_allocs += sys;
    *reuses += reuse;
    if (sys == 0) {
      gst_structure_free (s);
      continue;
    }
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, s);
    gst_value_array_append_and_take_value (array, &v);
  }
}

/**
 * gst_bucket_allocator_get_stats:
 * @self: a #GstBucketAllocator
 *
 * Reads the allocator's counters into a structure named
 * `GstBucketAllocatorStats` with these fields:
 *
 * - `system-allocations` (guint64): blocks allocated from the system,
 *   unpooled ones included
 * - `reuses` (guint64): allocations served from a free list
 * - `unpooled` (guint64): allocations larger than max-pooled-size
 * - `failed` (guint64): allocations refused by max-bytes or the system
 * - `bytes-owned`, `bytes-idle`, `bytes-in-use` (guint64): memory held now,
 *   headers included
 * - `high-water` (guint64): the most bytes owned at any time
 * - `aged` (guint64): blocks freed for staying idle longer than
 *   #GstBucketAllocator:max-idle-time
 * - `classes` (GstValueArray of `GstBucketClassStats`): per size class that
 *   was ever used: `block-size`, `system-allocations`, `reuses`, `idle`
 *
 * Returns: (transfer full): the counters
 *
 * Since: 0.1
 */
GstStructure *
gst_bucket_allocator_get_stats (GstBucketAllocator * self)
{
  GValue classes = G_VALUE_INIT;
  guint64 system_allocs = 0, reuses = 0;
  gint64 owned, idle;
  GstStructure *s;

  g_return_val_if_fail (GST_IS_BUCKET_ALLOCATOR (self), NULL);

  g_value_init (&classes, GST_TYPE_ARRAY);
  collect_class_stats (self, &classes, &system_allocs, &reuses);
  system_allocs += COUNTER_GET (&self->unpooled);
  owned = COUNTER_GET (&self->bytes_owned);
  idle = COUNTER_GET (&self->bytes_idle);

  s = gst_structure_new ("GstBucketAllocatorStats",
      "system-allocations", G_TYPE_UINT64, system_allocs,
      "reuses", G_TYPE_UINT64, reuses,
      "unpooled", G_TYPE_UINT64, (guint64) COUNTER_GET (&self->unpooled),
      "failed", G_TYPE_UINT64, (guint64) COUNTER_GET (&self->failed),
      "aged", G_TYPE_UINT64, (guint64) COUNTER_GET (&self->aged),
      "bytes-owned", G_TYPE_UINT64, (guint64) owned,
      "bytes-idle", G_TYPE_UINT64, (guint64) idle,
      "bytes-in-use", G_TYPE_UINT64, (guint64) MAX (owned - idle, 0),
      "high-water", G_TYPE_UINT64, (guint64) COUNTER_GET (&self->high_water),
      NULL);
  gst_structure_take_value (s, "classes", &classes);

  return s;
}
