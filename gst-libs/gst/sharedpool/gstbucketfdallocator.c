/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstbucketfdallocator
 * @title: GstBucketFdAllocator
 * @short_description: a recycling allocator of memfd-backed fd memory
 *
 * #GstBucketFdAllocator hands out #GstFdMemory backed by anonymous shared
 * memory files (memfd_create(), or shm_open() and shm_unlink() where memfd
 * is missing), so the memory can be passed to another process as a file
 * descriptor. gst_is_fd_memory() is %TRUE for it.
 *
 * Like #GstBucketAllocator, requests are rounded up to a size class (four
 * per power of two, from one page up) and when the last reference to a
 * memory goes away it is kept, still mapped and with its file descriptor
 * open, on the free list of its class; the next request of that class gets
 * the same file back. In steady state no file is created, truncated or
 * mapped per allocation. Idle memory is bounded by
 * #GstBucketFdAllocator:max-idle-bytes, and memory idle longer than
 * #GstBucketFdAllocator:max-idle-time is unmapped and its file closed.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define _GNU_SOURCE             /* memfd_create */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gstbucketfdallocator.h"
#include "sharedpool-private.h"

GST_DEBUG_CATEGORY_STATIC (gst_bucket_fd_allocator_debug);
#define GST_CAT_DEFAULT gst_bucket_fd_allocator_debug

#define MIN_BLOCK_SIZE          4096
#define MAX_POOLED_SIZE         (G_GUINT64_CONSTANT (1) << 30)
#define DEFAULT_MAX_IDLE_BYTES  (256 * 1024 * 1024)

enum
{
  PROP_0,
  PROP_MAX_IDLE_BYTES,
  PROP_MAX_IDLE_TIME,
  PROP_STATS,
};

typedef struct
{
  GPtrArray *idle;              /* GstMemory, oldest first; grows, never shrinks */
  guint low_idle;               /* fewest idle since the last sweep */
} FdClass;

struct _GstBucketFdAllocator
{
  GstFdAllocator parent;

  GstBucketClassMap map;
  guint n_classes;

  GMutex lock;
  FdClass *classes;
  guint n_idle;
  guint64 max_idle_bytes;
  gint64 max_idle_time;         /* ns, 0 = forever; atomic */
  gint64 next_sweep;            /* monotonic µs; atomic */
  guint64 aged;                 /* memories freed for being idle too long */
  guint64 bytes_idle;
  guint64 bytes_owned;
  guint64 files_created;
  guint64 reuses;
  guint64 live;                 /* memories not freed for real */
  gboolean disposing;
};

#define gst_bucket_fd_allocator_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstBucketFdAllocator, gst_bucket_fd_allocator,
    GST_TYPE_FD_ALLOCATOR,
    GST_DEBUG_CATEGORY_INIT (gst_bucket_fd_allocator_debug,
        "bucketfdallocator", 0, "recycling memfd allocator"));

static void gst_bucket_fd_allocator_dispose (GObject * object);
static void gst_bucket_fd_allocator_finalize (GObject * object);
static void gst_bucket_fd_allocator_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_bucket_fd_allocator_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstMemory *gst_bucket_fd_allocator_alloc (GstAllocator * allocator,
    gsize size, GstAllocationParams * params);
static void gst_bucket_fd_allocator_free (GstAllocator * allocator,
    GstMemory * mem);

static void
gst_bucket_fd_allocator_class_init (GstBucketFdAllocatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->dispose = gst_bucket_fd_allocator_dispose;
  gobject_class->finalize = gst_bucket_fd_allocator_finalize;
  gobject_class->set_property = gst_bucket_fd_allocator_set_property;
  gobject_class->get_property = gst_bucket_fd_allocator_get_property;

  allocator_class->alloc = gst_bucket_fd_allocator_alloc;
  allocator_class->free = gst_bucket_fd_allocator_free;

  /**
   * GstBucketFdAllocator:max-idle-bytes:
   *
   * How many bytes of freed memory are kept, mapped and open, for reuse.
   * Memory freed beyond this is unmapped and its file closed. 0 keeps
   * nothing.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IDLE_BYTES,
      g_param_spec_uint64 ("max-idle-bytes", "Maximum idle bytes",
          "Bytes of freed memory kept for reuse (0 = keep nothing)",
          0, G_MAXINT64, DEFAULT_MAX_IDLE_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstBucketFdAllocator:stats:
   *
   * The counters of gst_bucket_fd_allocator_get_stats().
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Allocation counters (see gst_bucket_fd_allocator_get_stats)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstBucketFdAllocator:max-idle-time:
   *
   * How long, in nanoseconds, memory may stay idle before it is unmapped
   * and its file closed; 0 keeps it until the allocator goes. There is no
   * timer: the age is checked every few reuses, at each file created and
   * every few reuses of a #GstSharedPool's buffers over this allocator,
   * and memory idle through a whole half of this time is freed, so memory
   * goes within max-idle-time of its last use while the allocator or its
   * pool is used, and at the next use after that otherwise.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IDLE_TIME,
      gst_bucket_param_spec_max_idle_time ());
}

static void
gst_bucket_fd_allocator_init (GstBucketFdAllocator * self)
{
  guint i;

  self->map.min_shift = g_bit_storage (MIN_BLOCK_SIZE - 1);
  self->map.min_size = MIN_BLOCK_SIZE;
  self->n_classes = 1;
  while (gst_bucket_class_map_block_size (&self->map,
          self->n_classes) <= MAX_POOLED_SIZE)
    self->n_classes++;
  self->map.max_pooled_size =
      gst_bucket_class_map_block_size (&self->map, self->n_classes - 1);
  self->classes = g_new0 (FdClass, self->n_classes);
  for (i = 0; i < self->n_classes; i++)
    self->classes[i].idle = g_ptr_array_new ();
  self->max_idle_bytes = DEFAULT_MAX_IDLE_BYTES;
  self->max_idle_time = GST_BUCKET_DEFAULT_MAX_IDLE_TIME;
  g_mutex_init (&self->lock);
}

/* Moves the @n idle memories at the bottom of @fc's list, the longest
 * idle, to @out; with the lock. The ones left all count as reached by a
 * reuse since the sweep. */
static void
bucket_fd_class_take_bottom (GstBucketFdAllocator * self, FdClass * fc,
    guint n, GPtrArray * out)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstMemory *mem = g_ptr_array_index (fc->idle, i);

    self->bytes_idle -= mem->maxsize;
    g_ptr_array_add (out, mem);
  }
  g_ptr_array_remove_range (fc->idle, 0, n);
  self->n_idle -= n;
  fc->low_idle = fc->idle->len;
}

/* Takes the idle memories of every class: all of them, or with @aged
 * only those no reuse reached since the last sweep. */
static GPtrArray *
bucket_fd_take_idle (GstBucketFdAllocator * self, gboolean aged)
{
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  g_mutex_lock (&self->lock);
  for (i = 0; i < self->n_classes; i++) {
    FdClass *fc = &self->classes[i];

    bucket_fd_class_take_bottom (self, fc, aged ? fc->low_idle :
        fc->idle->len, out);
  }
  if (aged)
    self->aged += out->len;
  g_mutex_unlock (&self->lock);

  return out;
}

/* Frees the memories of @list for real, unmapping and closing each: each
 * gets the allocator reference that the GstMemory free path drops, and
 * the flag that keeps its dispose from making it idle again. */
static void
bucket_fd_free_list (GstBucketFdAllocator * self, GPtrArray * list)
{
  guint i;

  for (i = 0; i < list->len; i++) {
    GstMemory *mem = g_ptr_array_index (list, i);

    GST_MINI_OBJECT_FLAG_SET (mem, GST_BUCKET_MEMORY_FLAG_RETIRE);
    mem->allocator = gst_object_ref (self);
    gst_memory_unref (mem);
  }
  g_ptr_array_unref (list);
}

static void
free_idle (GstBucketFdAllocator * self)
{
  bucket_fd_free_list (self, bucket_fd_take_idle (self, FALSE));
}

/* Frees the memory idle for a whole sweep period, when one is over. */
static void
bucket_fd_sweep_aged (GstBucketFdAllocator * self)
{
  GPtrArray *aged;

  if (!gst_bucket_sweep_due (&self->next_sweep,
          __atomic_load_n (&self->max_idle_time, __ATOMIC_RELAXED)))
    return;

  aged = bucket_fd_take_idle (self, TRUE);
  if (aged->len)
    GST_DEBUG_OBJECT (self, "freeing %u memories idle for %" GST_TIME_FORMAT,
        aged->len, GST_TIME_ARGS (self->max_idle_time / 2));
  bucket_fd_free_list (self, aged);
}

static void
gst_bucket_fd_allocator_dispose (GObject * object)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR (object);

  g_mutex_lock (&self->lock);
  self->disposing = TRUE;
  g_mutex_unlock (&self->lock);
  free_idle (self);

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_bucket_fd_allocator_finalize (GObject * object)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR (object);

  guint i;

  for (i = 0; i < self->n_classes; i++)
    g_ptr_array_unref (self->classes[i].idle);
  g_free (self->classes);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_bucket_fd_allocator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR (object);

  switch (prop_id) {
    case PROP_MAX_IDLE_BYTES:
      g_mutex_lock (&self->lock);
      self->max_idle_bytes = g_value_get_uint64 (value);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_MAX_IDLE_TIME:
      __atomic_store_n (&self->max_idle_time, g_value_get_uint64 (value),
          __ATOMIC_RELAXED);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_bucket_fd_allocator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR (object);

  switch (prop_id) {
    case PROP_MAX_IDLE_BYTES:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, self->max_idle_bytes);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_MAX_IDLE_TIME:
      g_value_set_uint64 (value, __atomic_load_n (&self->max_idle_time,
              __ATOMIC_RELAXED));
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_bucket_fd_allocator_get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* An anonymous shared memory file of @size bytes, or -1. */
static gint
shared_file_new (gsize size)
{
  gint fd;

#ifdef MFD_CLOEXEC
  fd = memfd_create ("gst-sharedpool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
#endif
  {
    gchar *name = g_strdup_printf ("/gst-sharedpool-%d-%u", getpid (),
        g_random_int ());

    fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
      shm_unlink (name);
    g_free (name);
  }
  if (fd < 0)
    return -1;
  if (ftruncate (fd, size) < 0) {
    close (fd);
    return -1;
  }
  return fd;
}

static gboolean gst_bucket_fd_memory_dispose (GstMemory * mem);

/* A new file of @block bytes wrapped as fd memory, mapped for good. */
static GstMemory *
bucket_fd_block_new (GstBucketFdAllocator * self, gsize block)
{
  GstMemory *mem;
  gint fd = shared_file_new (block);

  if (fd < 0)
    goto no_file;

  mem = gst_fd_allocator_alloc (GST_ALLOCATOR_CAST (self), fd, block,
      GST_FD_MEMORY_FLAG_KEEP_MAPPED);
  GST_MINI_OBJECT_CAST (mem)->dispose =
      (GstMiniObjectDisposeFunction) gst_bucket_fd_memory_dispose;

  g_mutex_lock (&self->lock);
  self->files_created++;
  self->live++;
  self->bytes_owned += block;
  g_mutex_unlock (&self->lock);
  return mem;

no_file:
  {
    GST_WARNING_OBJECT (self, "cannot create a shared memory file of %"
        G_GSIZE_FORMAT " bytes: %s", block, g_strerror (errno));
    return NULL;
  }
}

/* Pops the newest idle memory of class @idx and gives it the allocator
 * reference that an idle memory does not hold, or NULL. */
static GstMemory *
bucket_fd_class_pop (GstBucketFdAllocator * self, gint idx)
{
  GPtrArray *list;
  GstMemory *mem = NULL;
  gboolean check = FALSE;

  if (idx < 0)
    return NULL;

  list = self->classes[idx].idle;
  g_mutex_lock (&self->lock);
  if (list->len > 0) {
    mem = g_ptr_array_steal_index_fast (list, list->len - 1);
    self->bytes_idle -= mem->maxsize;
    self->n_idle--;
    self->classes[idx].low_idle = MIN (self->classes[idx].low_idle, list->len);
    check = (++self->reuses & GST_BUCKET_AGE_CHECK_MASK) == 0;
  }
  g_mutex_unlock (&self->lock);

  if (G_UNLIKELY (check))
    bucket_fd_sweep_aged (self);
  if (mem == NULL)
    return NULL;
  GST_MINI_OBJECT_FLAGS (mem) = GST_MINI_OBJECT_FLAG_LOCKABLE;
  mem->allocator = gst_object_ref (self);
  return mem;
}

/* Zeroes what the allocation flags ask for. */
static void
bucket_fd_memory_clear (GstMemory * mem, GstMemoryFlags flags)
{
  GstMapInfo map;
  gsize end = mem->offset + mem->size;

  if (!(flags & (GST_MEMORY_FLAG_ZERO_PREFIXED | GST_MEMORY_FLAG_ZERO_PADDED)))
    return;
  if (!gst_memory_map (mem, &map, GST_MAP_WRITE))
    return;
  /* map.data points at mem->offset */
  if (flags & GST_MEMORY_FLAG_ZERO_PREFIXED)
    memset (map.data - mem->offset, 0, mem->offset);
  if (flags & GST_MEMORY_FLAG_ZERO_PADDED)
    memset (map.data + mem->size, 0, mem->maxsize - end);
  gst_memory_unmap (mem, &map);
}

static GstMemory *
gst_bucket_fd_allocator_alloc (GstAllocator * allocator, gsize size,
    GstAllocationParams * params)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR_CAST (allocator);
  gsize overhead, need;
  gint idx;
  GstMemory *mem;

  if (!gst_bucket_params_overhead (params, &overhead) ||
      !gst_bucket_block_need (size, overhead, &need))
    goto overflow;

  idx = gst_bucket_class_map_index (&self->map, need);
  mem = bucket_fd_class_pop (self, idx);
  if (mem == NULL) {
    bucket_fd_sweep_aged (self);
    mem = bucket_fd_block_new (self, idx < 0 ? need :
        gst_bucket_class_map_block_size (&self->map, idx));
  }
  if (mem == NULL)
    return NULL;

  GST_MINI_OBJECT_FLAG_SET (mem, params->flags);
  mem->offset = params->prefix;
  mem->size = size;
  bucket_fd_memory_clear (mem, params->flags);
  return mem;

overflow:
  {
    GST_WARNING_OBJECT (self, "size %" G_GSIZE_FORMAT " overflows", size);
    return NULL;
  }
}

static void
gst_bucket_fd_allocator_free (GstAllocator * allocator, GstMemory * mem)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR_CAST (allocator);

  if (mem->parent == NULL) {
    g_mutex_lock (&self->lock);
    self->live--;
    self->bytes_owned -= mem->maxsize;
    g_mutex_unlock (&self->lock);
  }
  GST_ALLOCATOR_CLASS (parent_class)->free (allocator, mem);
}

/* Keeps @mem on its class's free list when the idle budget allows. */
static gboolean
bucket_fd_memory_recycle (GstBucketFdAllocator * self, GstMemory * mem)
{
  gint idx = gst_bucket_class_map_index (&self->map, mem->maxsize);
  gboolean keep;

  g_mutex_lock (&self->lock);
  keep = idx >= 0 && !self->disposing &&
      !GST_MEMORY_FLAG_IS_SET (mem, GST_BUCKET_MEMORY_FLAG_RETIRE) &&
      self->bytes_idle + mem->maxsize <= self->max_idle_bytes;
  if (keep) {
    gst_memory_ref (mem);
    g_ptr_array_add (self->classes[idx].idle, mem);
    self->bytes_idle += mem->maxsize;
    self->n_idle++;
  }
  g_mutex_unlock (&self->lock);

  return keep;
}

/* The dispose of every top-level memory: FALSE keeps it alive, mapped and
 * open, on a free list. An idle memory holds no allocator reference, so
 * the allocator can go while memory is idle; its dispose frees them. */
static gboolean
gst_bucket_fd_memory_dispose (GstMemory * mem)
{
  GstBucketFdAllocator *self = GST_BUCKET_FD_ALLOCATOR_CAST (mem->allocator);

  if (!bucket_fd_memory_recycle (self, mem))
    return TRUE;

  mem->allocator = NULL;
  gst_object_unref (self);
  return FALSE;
}

static const GstBucketClassMap *
bucket_fd_get_class_map (GstAllocator * allocator)
{
  return &GST_BUCKET_FD_ALLOCATOR_CAST (allocator)->map;
}

static void
bucket_fd_trim (GstAllocator * allocator)
{
  free_idle (GST_BUCKET_FD_ALLOCATOR_CAST (allocator));
}

static void
bucket_fd_age (GstAllocator * allocator)
{
  bucket_fd_sweep_aged (GST_BUCKET_FD_ALLOCATOR_CAST (allocator));
}

const GstBucketBackend gst_bucket_fd_allocator_backend = {
  bucket_fd_get_class_map, bucket_fd_trim, bucket_fd_age, FALSE
};

/**
 * gst_bucket_fd_allocator_new:
 *
 * Creates a #GstBucketFdAllocator.
 *
 * Returns: (transfer full): a new #GstBucketFdAllocator
 *
 * Since: 0.1
 */
GstAllocator *
gst_bucket_fd_allocator_new (void)
{
  GstAllocator *alloc = g_object_new (GST_TYPE_BUCKET_FD_ALLOCATOR, NULL);

  gst_object_ref_sink (alloc);
  return alloc;
}

/**
 * gst_is_bucket_fd_memory:
 * @mem: a #GstMemory
 *
 * Returns: %TRUE when @mem was allocated by a #GstBucketFdAllocator
 *
 * Since: 0.1
 */
gboolean
gst_is_bucket_fd_memory (GstMemory * mem)
{
  g_return_val_if_fail (mem != NULL, FALSE);

  return mem->allocator && GST_IS_BUCKET_FD_ALLOCATOR (mem->allocator);
}

/**
 * gst_bucket_fd_allocator_get_stats:
 * @self: a #GstBucketFdAllocator
 *
 * Reads the counters into a structure named `GstBucketFdAllocatorStats`:
 * `files-created` (shared memory files made, each mapped once), `reuses`
 * (allocations served from a free list), `in-use` (memories handed out
 * and not yet freed), `aged` (memories unmapped and closed for staying
 * idle longer than #GstBucketFdAllocator:max-idle-time), `bytes-owned`
 * and `bytes-idle` (guint64 each).
 *
 * Returns: (transfer full): the counters
 *
 * Since: 0.1
 */
GstStructure *
gst_bucket_fd_allocator_get_stats (GstBucketFdAllocator * self)
{
  GstStructure *s;

  g_return_val_if_fail (GST_IS_BUCKET_FD_ALLOCATOR (self), NULL);

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("GstBucketFdAllocatorStats",
      "files-created", G_TYPE_UINT64, self->files_created,
      "reuses", G_TYPE_UINT64, self->reuses,
      "in-use", G_TYPE_UINT64, self->live - self->n_idle,
      "aged", G_TYPE_UINT64, self->aged,
      "bytes-owned", G_TYPE_UINT64, self->bytes_owned,
      "bytes-idle", G_TYPE_UINT64, self->bytes_idle, NULL);
  g_mutex_unlock (&self->lock);

  return s;
}
