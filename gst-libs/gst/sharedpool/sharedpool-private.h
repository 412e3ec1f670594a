/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What GstSharedPool needs to know about bucket memory; not installed. */

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
  gboolean retire;              /* free for real at the next dispose */
  GstBucketMemory *next;        /* free list link while idle */
};

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

G_GNUC_INTERNAL
const GstBucketClassMap * gst_bucket_allocator_get_class_map (GstBucketAllocator * self);

G_GNUC_INTERNAL
gint  gst_bucket_allocator_class_for_size (GstBucketAllocator * self,
                                           gsize size,
                                           const GstAllocationParams * params,
                                           gsize * block);

G_GNUC_INTERNAL
guint gst_bucket_allocator_get_n_classes (GstBucketAllocator * self);

G_GNUC_INTERNAL
gsize gst_bucket_allocator_get_class_size (GstBucketAllocator * self,
                                           gint class_idx);

G_END_DECLS
