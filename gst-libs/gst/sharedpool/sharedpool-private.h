/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What GstSharedPool needs to know about the allocators it accepts and
 * their memory; not installed. */

#pragma once

#include "gstbucketallocator.h"

G_BEGIN_DECLS

/* Class index of memory that bypasses the size classes. */
#define GST_BUCKET_CLASS_UNPOOLED (-1)
/* Class index of a header-only memory made by gst_memory_share(). */
#define GST_BUCKET_CLASS_SHARE    (-2)

typedef struct _GstBucketMemory GstBucketMemory;

struct _GstBucketMemory
{
  GstMemory mem;

  guint8 *data;                 /* start of the maxsize area (aligned) */
  gsize capacity;               /* bytes after the header in this block */
  gint class_idx;               /* size class or one of the values above */
  guint32 owner_tag;            /* free for the owner of the memory */
  GstBucketMemory *next;        /* free list link while idle */
};

/* Set on an idle memory of either allocator: its next dispose frees it
 * for real instead of keeping it for reuse. A reuse clears the flags. */
#define GST_BUCKET_MEMORY_FLAG_RETIRE (GST_MEMORY_FLAG_LAST << 0)

/* How an allocator maps block sizes to classes; a copy lets hot paths
 * find a class without calling into the allocator. */
typedef struct
{
  guint min_shift;
  gsize min_size;
  gsize max_pooled_size;
} GstBucketClassMap;

/* Index of the smallest class whose blocks hold @need bytes, or
 * GST_BUCKET_CLASS_UNPOOLED. Classes per octave are 4/4, 5/4, 6/4, 7/4 of
 * the octave's power of two. */
static inline gint
gst_bucket_class_map_index (const GstBucketClassMap * map, gsize need)
{
  guint shift;
  gsize m;

  if (need <= map->min_size)
    return 0;
  if (need > map->max_pooled_size)
    return GST_BUCKET_CLASS_UNPOOLED;

  m = need - 1;
  shift = 63 - __builtin_clzll (m);
  return (shift - map->min_shift) * GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE
      + ((m >> (shift - 2)) & 3) + 1;
}

/* Size of the blocks of class @idx: the inverse of
 * gst_bucket_class_map_index(). */
static inline gsize
gst_bucket_class_map_block_size (const GstBucketClassMap * map, guint idx)
{
  guint shift = map->min_shift + idx / GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE;
  gsize base = (gsize) 1 << shift;

  return base + (idx % GST_BUCKET_ALLOCATOR_CLASSES_PER_OCTAVE) * (base >> 2);
}

/* Bytes a block needs on top of the size for @params (alignment slack
 * included); FALSE when they overflow. */
static inline gboolean
gst_bucket_params_overhead (const GstAllocationParams * params,
    gsize * overhead)
{
  gsize align = params->align | gst_memory_alignment;
  gsize extra = params->prefix + params->padding;

  if (extra < params->prefix || extra + align < extra)
    return FALSE;
  *overhead = extra + align;
  return TRUE;
}

/* Header and data share one block; the data stays 16-byte aligned like
 * malloc's own result. */
#define GST_BUCKET_HEADER_SIZE ((sizeof (GstBucketMemory) + 15) & ~(gsize) 15)

/* Bytes of data a block needs for @size with @overhead (from
 * gst_bucket_params_overhead()); FALSE when the block, header included,
 * would not fit in a gssize (the byte counters are signed). */
static inline gboolean
gst_bucket_block_need (gsize size, gsize overhead, gsize * need)
{
  const gsize room = G_MAXSSIZE - GST_BUCKET_HEADER_SIZE;

  if (overhead > room || size > room - overhead)
    return FALSE;
  *need = size + overhead;
  return TRUE;
}

/* Number of classes of @map: max_pooled_size is the last one's size. */
static inline guint
gst_bucket_class_map_n_classes (const GstBucketClassMap * map)
{
  return gst_bucket_class_map_index (map, map->max_pooled_size) + 1;
}

/* Class of a request of @size with @params and the bytes of the block that
 * serves it: the class's size, or the bytes needed for an unpooled
 * request; @block is 0 when the request overflows. */
static inline gint
gst_bucket_class_map_for_size (const GstBucketClassMap * map, gsize size,
    const GstAllocationParams * params, gsize * block)
{
  gsize overhead, need;
  gint idx;

  if (!gst_bucket_params_overhead (params, &overhead) ||
      !gst_bucket_block_need (size, overhead, &need)) {
    *block = 0;
    return GST_BUCKET_CLASS_UNPOOLED;
  }
  idx = gst_bucket_class_map_index (map, need);
  *block = idx >= 0 ? gst_bucket_class_map_block_size (map, idx) : need;
  return idx;
}

/* Default of the allocators' max-idle-time, in nanoseconds. */
#define GST_BUCKET_DEFAULT_MAX_IDLE_TIME (5 * GST_SECOND)

/* Reuses of a free list between two looks at the clock. */
#define GST_BUCKET_AGE_CHECK_MASK 63

/* The max-idle-time property of both allocators (documented in each). */
static inline GParamSpec *
gst_bucket_param_spec_max_idle_time (void)
{
  return g_param_spec_uint64 ("max-idle-time", "Maximum idle time",
      "Nanoseconds memory may stay idle before it is freed (0 = forever)",
      0, G_MAXINT64, GST_BUCKET_DEFAULT_MAX_IDLE_TIME,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
}

/* Idle memory ages out without a timer: each free list tracks the fewest
 * entries it held idle since the last sweep (the bottom ones, which no
 * reuse reached), and a sweep frees those once half of @max_idle_time
 * (ns, 0 = never) has passed since the previous one. TRUE for the one
 * caller that moves @next_sweep (monotonic µs, read and written
 * atomically) on: that caller sweeps. */
static inline gboolean
gst_bucket_sweep_due (gint64 * next_sweep, gint64 max_idle_time)
{
  gint64 due = __atomic_load_n (next_sweep, __ATOMIC_RELAXED);
  gint64 now;

  if (max_idle_time == 0)
    return FALSE;
  now = g_get_monotonic_time ();
  return now >= due && __atomic_compare_exchange_n (next_sweep, &due,
      now + max_idle_time / 2000, FALSE, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* What GstSharedPool uses of an allocator that recycles memory by size
 * class; GstBucketAllocator and GstBucketFdAllocator each have one. Only
 * configuration and trimming go through it: the pool's hot paths use
 * the copied class map and, with @bucket_memory, the memory's fields. */
typedef struct
{
  /* the size classes, fixed for the allocator's life */
  const GstBucketClassMap *(*get_class_map) (GstAllocator * allocator);
  /* gives the idle memory back to the system */
  void (*trim) (GstAllocator * allocator);
  /* frees the memory idle longer than the allocator's max-idle-time when
   * a sweep is due (gst_bucket_sweep_due()); the pool calls it every few
   * reuses of its own buffers, which do not reach the allocator */
  void (*age) (GstAllocator * allocator);
  /* TRUE when the memory is a GstBucketMemory, whose owner_tag and data
   * the pool may use; otherwise the pool keeps the tag itself and maps
   * the memory to clear it */
  gboolean bucket_memory;
} GstBucketBackend;

G_GNUC_INTERNAL
extern const GstBucketBackend gst_bucket_allocator_backend;

G_GNUC_INTERNAL
extern const GstBucketBackend gst_bucket_fd_allocator_backend;

G_END_DECLS
