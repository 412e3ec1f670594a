/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of GstBucketAllocator: sizes and classes, reuse, allocation
 * params, limits, system-memory behaviour and lifetime. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"

static GstBucketAllocator *
new_allocator (const gchar * first_property, ...)
{
  GstBucketAllocator *alloc;
  va_list args;

  va_start (args, first_property);
  alloc = (GstBucketAllocator *) g_object_new_valist (GST_TYPE_BUCKET_ALLOCATOR,
      first_property, args);
  va_end (args);

  return gst_object_ref_sink (alloc);
}

static guint64
alloc_stat (GstBucketAllocator * alloc, const gchar * field)
{
  GstStructure *s = gst_bucket_allocator_get_stats (alloc);
  guint64 v = structure_u64 (s, field);

  gst_structure_free (s);
  return v;
}

/* The idle count of the class with blocks of @block_size, 0 if unused. */
static guint
class_idle (GstBucketAllocator * alloc, guint64 block_size)
{
  GstStructure *s = gst_bucket_allocator_get_stats (alloc);
  const GValue *classes = gst_structure_get_value (s, "classes");
  guint i, idle = 0;

  for (i = 0; i < gst_value_array_get_size (classes); i++) {
    const GstStructure *c =
        gst_value_get_structure (gst_value_array_get_value (classes, i));
    guint64 bs;

    fail_unless (gst_structure_get_uint64 (c, "block-size", &bs));
    if (bs == block_size)
      fail_unless (gst_structure_get_uint (c, "idle", &idle));
  }
  gst_structure_free (s);
  return idle;
}

/* Bytes of bookkeeping the allocator counts per block on top of the
 * class size (test_block_overhead checks how much). */
static guint64
header_bytes (void)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL);
  guint64 header = alloc_stat (alloc, "bytes-owned") -
      gst_bucket_allocator_get_block_size (alloc, 1000);

  gst_memory_unref (mem);
  gst_object_unref (alloc);
  fail_unless (header < 1024, "header of %" G_GUINT64_FORMAT " bytes", header);
  return header;
}

/* Every request gets exactly its size, from a block of its class. */
static void
check_exact_size (GstBucketAllocator * alloc, gsize size)
{
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), size, NULL);

  fail_unless (mem != NULL, "no memory for %" G_GSIZE_FORMAT, size);
  fail_unless (gst_is_bucket_memory (mem));
  fail_unless_equals_uint64 (mem->size, size);
  fail_unless_equals_uint64 (mem->offset, 0);
  fail_unless (mem->maxsize >= size);
  fail_unless (mem->maxsize <= gst_bucket_allocator_get_block_size (alloc,
          size));
  gst_memory_unref (mem);
}

GST_START_TEST (test_alloc_exact_sizes)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  gsize size, block;

  for (size = 1; size <= 70000; size += 1 + size / 16)
    check_exact_size (alloc, size);

  /* right below, at and above every class boundary up to 80 KiB */
  for (block = 64; block <= 80 * 1024;
      block = gst_bucket_allocator_get_block_size (alloc, block + 1)) {
    gsize fit = block - gst_memory_alignment;

    check_exact_size (alloc, fit - 1);
    check_exact_size (alloc, fit);
    check_exact_size (alloc, fit + 1);
  }
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Classes are 4 per power of two (64, 80, 96, 112, 128, 160, ...): a
 * request is served by the smallest class that holds it plus the
 * alignment slack, and never wastes more than 25 %. */
GST_START_TEST (test_block_size_classes)
{
  static const gsize classes[] = { 64, 80, 96, 112, 128, 160, 192, 224, 256,
    320, 384, 448, 512, 640, 768, 896, 1024, 1280, 65536, 81920
  };
  GstBucketAllocator *alloc = new_allocator (NULL);
  gsize a = gst_memory_alignment, i, size;

  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc, 1),
      64);
  for (i = 0; i < G_N_ELEMENTS (classes); i++) {
    gsize c = classes[i];

    fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc,
            c - a), c);
    fail_unless (gst_bucket_allocator_get_block_size (alloc, c - a + 1) > c);
  }

  for (size = 64; size < 1024 * 1024; size += 1 + size / 64) {
    gsize need = size + a, block =
        gst_bucket_allocator_get_block_size (alloc, size);

    fail_unless (block >= need);
    fail_unless (block * 4 <= need * 5, "%" G_GSIZE_FORMAT " bytes in a %"
        G_GSIZE_FORMAT " block", size, block);
  }
  gst_object_unref (alloc);
}

GST_END_TEST;

/* min-size is rounded up to a power of two and is the smallest class. */
GST_START_TEST (test_min_size_rounded)
{
  GstBucketAllocator *alloc = new_allocator ("min-size", (guint64) 100, NULL);
  guint64 min_size;

  g_object_get (alloc, "min-size", &min_size, NULL);
  fail_unless_equals_uint64 (min_size, 128);
  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc, 1),
      128);
  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc,
          129), 160);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Every block is counted with its bookkeeping header in bytes-owned; the
 * contract allows 16 to 64 bytes of it per block, which keeps the smallest
 * class (64 B) from costing more than twice its size. */
GST_START_TEST (test_block_overhead)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1, NULL);
  guint64 owned = alloc_stat (alloc, "bytes-owned");

  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc, 1),
      64);
  gst_memory_unref (mem);
  gst_object_unref (alloc);

  /* the header is the GstMemory itself plus at most 64 bytes of the
   * allocator's bookkeeping, in the same block as the data */
  fail_unless_equals_uint64 (owned - 64, header_bytes ());
  fail_unless (owned >= 64 + sizeof (GstMemory) &&
      owned <= 64 + sizeof (GstMemory) + 64,
      "a 64 byte block costs %" G_GUINT64_FORMAT " bytes", owned);
}

GST_END_TEST;

/* A freed memory comes back, the same GstMemory, for the next request of
 * its class, even for a different size in that class. */
GST_START_TEST (test_reuse_same_memory)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem, *first;

  first = gst_allocator_alloc (GST_ALLOCATOR (alloc), 4000, NULL);
  gst_memory_unref (first);

  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 4000, NULL);
  fail_unless (mem == first);
  fail_unless_equals_uint64 (mem->size, 4000);
  gst_memory_unref (mem);

  /* 3900 is in the same class as 4000 */
  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc,
          3900), gst_bucket_allocator_get_block_size (alloc, 4000));
  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 3900, NULL);
  fail_unless (mem == first);
  fail_unless_equals_uint64 (mem->size, 3900);
  fail_unless_equals_uint64 (mem->offset, 0);
  gst_memory_unref (mem);

  fail_unless_equals_uint64 (alloc_stat (alloc, "system-allocations"), 1);
  fail_unless_equals_uint64 (alloc_stat (alloc, "reuses"), 2);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Each class is a LIFO: the memory freed last is handed out first. */
GST_START_TEST (test_reuse_lifo)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *a, *b;

  a = gst_allocator_alloc (GST_ALLOCATOR (alloc), 500, NULL);
  b = gst_allocator_alloc (GST_ALLOCATOR (alloc), 500, NULL);
  fail_unless (a != b);
  gst_memory_unref (a);
  gst_memory_unref (b);

  fail_unless (gst_allocator_alloc (GST_ALLOCATOR (alloc), 500, NULL) == b);
  fail_unless (gst_allocator_alloc (GST_ALLOCATOR (alloc), 500, NULL) == a);
  fail_unless_equals_int (class_idle (alloc,
          gst_bucket_allocator_get_block_size (alloc, 500)), 0);

  gst_memory_unref (a);
  gst_memory_unref (b);
  fail_unless_equals_int (class_idle (alloc,
          gst_bucket_allocator_get_block_size (alloc, 500)), 2);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Memory inside a GstBuffer is recycled when the buffer is freed. */
GST_START_TEST (test_buffer_memory_reused)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstBuffer *buf;
  GstMemory *mem;

  buf = gst_buffer_new_allocate (GST_ALLOCATOR (alloc), 20000, NULL);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 20000);
  mem = gst_buffer_peek_memory (buf, 0);
  fail_unless (gst_is_bucket_memory (mem));
  gst_buffer_unref (buf);

  buf = gst_buffer_new_allocate (GST_ALLOCATOR (alloc), 20000, NULL);
  fail_unless (gst_buffer_peek_memory (buf, 0) == mem);
  gst_buffer_unref (buf);

  fail_unless_equals_uint64 (alloc_stat (alloc, "reuses"), 1);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The data pointer honours the requested alignment, for fresh and for
 * recycled blocks. */
GST_START_TEST (test_align)
{
  static const gsize aligns[] = { 15, 31, 63, 127, 255, 4095 };
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstAllocationParams params;
  guint i, round;

  for (round = 0; round < 2; round++) {
    for (i = 0; i < G_N_ELEMENTS (aligns); i++) {
      GstMemory *mem;
      GstMapInfo map;

      gst_allocation_params_init (&params);
      params.align = aligns[i];
      mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000 + i, &params);
      fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
      fail_unless_equals_uint64 ((guintptr) map.data & aligns[i], 0);
      fail_unless_equals_uint64 (map.size, 1000 + i);
      gst_memory_unmap (mem, &map);
      gst_memory_unref (mem);
    }
  }
  /* the second round was served from recycled blocks */
  fail_unless (alloc_stat (alloc, "reuses") >= G_N_ELEMENTS (aligns));
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A prefix shows as the memory offset, padding as room after the data. */
GST_START_TEST (test_prefix_padding)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstAllocationParams params;
  GstMemory *mem;
  GstMapInfo map;

  gst_allocation_params_init (&params);
  params.prefix = 32;
  params.padding = 48;
  params.align = 63;
  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, &params);
  fail_unless_equals_uint64 (mem->offset, 32);
  fail_unless_equals_uint64 (mem->size, 1000);
  fail_unless (mem->maxsize >= 32 + 1000 + 48);

  /* the mapped data starts after the prefix, the block start is aligned */
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless_equals_uint64 ((guintptr) (map.data - 32) & 63, 0);
  gst_memory_unmap (mem, &map);

  /* the size may grow into the padding */
  gst_memory_resize (mem, 0, 1048);
  fail_unless_equals_uint64 (gst_memory_get_sizes (mem, NULL, NULL), 1048);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Fills the whole block of @mem, prefix and padding included. */
static void
dirty_block (GstMemory * mem)
{
  GstMapInfo map;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data - mem->offset, 0xa5, mem->maxsize);
  gst_memory_unmap (mem, &map);
}

static gboolean
all_zero (const guint8 * data, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

/* ZERO_PREFIXED and ZERO_PADDED hold for a recycled block too, after the
 * previous user wrote over the whole of it. */
GST_START_TEST (test_zero_prefixed_padded_after_reuse)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstAllocationParams params;
  GstMemory *mem, *first;
  GstMapInfo map;
  guint8 *block;

  gst_allocation_params_init (&params);
  params.prefix = 24;
  params.padding = 40;
  params.flags = GST_MEMORY_FLAG_ZERO_PREFIXED | GST_MEMORY_FLAG_ZERO_PADDED;

  first = gst_allocator_alloc (GST_ALLOCATOR (alloc), 600, &params);
  dirty_block (first);
  gst_memory_unref (first);

  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 600, &params);
  fail_unless (mem == first, "the dirty block was not reused");
  fail_unless (GST_MEMORY_IS_ZERO_PREFIXED (mem));
  fail_unless (GST_MEMORY_IS_ZERO_PADDED (mem));
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  block = map.data - mem->offset;
  fail_unless (all_zero (block, 24), "prefix not zeroed");
  fail_unless (all_zero (block + 24 + 600, mem->maxsize - 24 - 600),
      "padding not zeroed");
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* zero-memory clears the whole block on every hand-out, reuses too. */
GST_START_TEST (test_zero_memory)
{
  GstBucketAllocator *alloc = new_allocator ("zero-memory", TRUE, NULL);
  GstMemory *mem, *first;
  GstMapInfo map;
  gboolean zero;

  g_object_get (alloc, "zero-memory", &zero, NULL);
  fail_unless (zero);

  first = gst_allocator_alloc (GST_ALLOCATOR (alloc), 3000, NULL);
  dirty_block (first);
  gst_memory_unref (first);

  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 3000, NULL);
  fail_unless (mem == first);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless (all_zero (map.data - mem->offset, mem->maxsize));
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Beyond max-bytes an allocation returns NULL and is counted; the bytes
 * owned never pass the limit, and limit-reached names the size and the
 * limit. */
GST_START_TEST (test_max_bytes_fails)
{
  guint64 seen[2] = { 0, 0 };
  guint64 per_block = 1024 + header_bytes ();
  GstBucketAllocator *alloc = new_allocator ("max-bytes", 3 * per_block,
      NULL);
  GstMemory *mem[3];
  guint i;

  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc,
          1000), 1024);
  for (i = 0; i < 3; i++)
    fail_unless ((mem[i] = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000,
                NULL)) != NULL);
  g_signal_connect (alloc, "limit-reached", G_CALLBACK (on_limit_reached),
      seen);

  fail_unless (gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL) == NULL);
  fail_unless_equals_uint64 (seen[0], per_block);
  fail_unless_equals_uint64 (seen[1], 3 * per_block);
  fail_unless_equals_uint64 (alloc_stat (alloc, "failed"), 1);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), 3 * per_block);
  fail_unless (alloc_stat (alloc, "high-water") <= 3 * per_block);

  for (i = 0; i < 3; i++)
    gst_memory_unref (mem[i]);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* At max-bytes, idle memory of another class is given back to make room
 * before an allocation fails. */
GST_START_TEST (test_max_bytes_trims_idle)
{
  guint64 header = header_bytes (), per_block = 1024 + header;
  GstBucketAllocator *alloc = new_allocator ("max-bytes", 3 * per_block,
      NULL);
  GstMemory *mem[3], *small;
  guint i;

  for (i = 0; i < 3; i++)
    mem[i] = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL);
  gst_memory_unref (mem[2]);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), per_block);

  /* 2 used + 1 idle + 512 do not fit, 2 used + 512 do */
  small = gst_allocator_alloc (GST_ALLOCATOR (alloc), 500, NULL);
  fail_unless (small != NULL);
  fail_unless_equals_uint64 (alloc_stat (alloc, "failed"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"),
      2 * per_block + 512 + header);

  gst_memory_unref (small);
  gst_memory_unref (mem[0]);
  gst_memory_unref (mem[1]);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Freed memory beyond max-idle-bytes goes back to the system. */
GST_START_TEST (test_max_idle_bytes)
{
  guint64 per_block = 1024 + header_bytes ();
  GstBucketAllocator *alloc = new_allocator ("max-idle-bytes",
      2 * per_block + per_block / 2, NULL);
  GstMemory *mem[5];
  guint i;

  for (i = 0; i < 5; i++)
    mem[i] = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL);
  for (i = 0; i < 5; i++) {
    gst_memory_unref (mem[i]);
    fail_unless (alloc_stat (alloc, "bytes-idle") <= 2 * per_block +
        per_block / 2);
  }

  fail_unless_equals_int (class_idle (alloc, 1024), 2);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), 2 * per_block);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), 2 * per_block);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-in-use"), 0);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* max-idle-bytes = 0 keeps nothing: every allocation is a fresh one. */
GST_START_TEST (test_max_idle_bytes_zero)
{
  GstBucketAllocator *alloc = new_allocator ("max-idle-bytes",
      G_GUINT64_CONSTANT (0), NULL);
  guint i;

  for (i = 0; i < 3; i++)
    gst_memory_unref (gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL));

  fail_unless_equals_uint64 (alloc_stat (alloc, "system-allocations"), 3);
  fail_unless_equals_uint64 (alloc_stat (alloc, "reuses"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), 0);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Requests above max-pooled-size are allocated and freed directly. */
GST_START_TEST (test_unpooled)
{
  GstBucketAllocator *alloc = new_allocator ("max-pooled-size",
      (guint64) 4096, NULL);
  GstMemory *mem;
  guint i;

  fail_unless_equals_uint64 (gst_bucket_allocator_get_block_size (alloc,
          5000), 5000 + gst_memory_alignment);
  for (i = 0; i < 2; i++) {
    mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 5000, NULL);
    fail_unless (gst_is_bucket_memory (mem));
    fail_unless_equals_uint64 (mem->size, 5000);
    fill_pattern (mem, 3);
    fail_unless (has_pattern (mem, 3, 0));
    gst_memory_unref (mem);
    fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), 0);
  }

  fail_unless_equals_uint64 (alloc_stat (alloc, "unpooled"), 2);
  fail_unless_equals_uint64 (alloc_stat (alloc, "system-allocations"), 2);
  fail_unless_equals_uint64 (alloc_stat (alloc, "reuses"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), 0);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A max-pooled-size between two classes is rounded down to a class, like
 * min-size: a request between that class and the given value is unpooled
 * (it used to map past the last class). */
GST_START_TEST (test_max_pooled_size_rounded)
{
  GstBucketAllocator *alloc = new_allocator ("max-pooled-size",
      (guint64) 100000, NULL);
  GstMemory *mem;
  guint64 max;

  g_object_get (alloc, "max-pooled-size", &max, NULL);
  fail_unless_equals_uint64 (max, 98304);
  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 99000, NULL);
  fail_unless (mem != NULL);
  fill_pattern (mem, 5);
  gst_memory_unref (mem);
  fail_unless_equals_uint64 (alloc_stat (alloc, "unpooled"), 1);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A size whose block, header included, would overflow is refused, not
 * allocated short. */
GST_START_TEST (test_huge_size_refused)
{
  GstBucketAllocator *alloc = new_allocator (NULL);

  fail_unless (gst_allocator_alloc (GST_ALLOCATOR (alloc), G_MAXSIZE - 60,
          NULL) == NULL);
  fail_unless (gst_allocator_alloc (GST_ALLOCATOR (alloc), G_MAXSSIZE,
          NULL) == NULL);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), 0);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The memory reports the system memory type and maps like it. */
GST_START_TEST (test_map_read_write)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 777, NULL);
  GstMapInfo map;

  fail_unless (gst_memory_is_type (mem, GST_ALLOCATOR_SYSMEM));
  fail_unless (gst_memory_is_writable (mem));
  fill_pattern (mem, 11);
  fail_unless (has_pattern (mem, 11, 0));

  fail_unless (gst_memory_map (mem, &map, GST_MAP_READWRITE));
  fail_unless_equals_uint64 (map.size, 777);
  fail_unless_equals_uint64 (map.maxsize, mem->maxsize);
  map.data[776] = 0x42;
  gst_memory_unmap (mem, &map);

  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless_equals_int (map.data[776], 0x42);
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Shares point into their parent, are read-only and spans of each other;
 * a share of a share has the first parent. */
GST_START_TEST (test_share_is_span)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL);
  GstMemory *s1, *s2, *s3;
  gsize offset = 1234;

  fill_pattern (mem, 5);
  s1 = gst_memory_share (mem, 0, 50);
  s2 = gst_memory_share (mem, 50, -1);
  s3 = gst_memory_share (s2, 10, 20);
  fail_unless (s1->parent == mem && s2->parent == mem && s3->parent == mem);
  fail_unless_equals_uint64 (s2->size, 50);
  fail_unless_equals_uint64 (s3->size, 20);
  fail_unless (GST_MEMORY_IS_READONLY (s1));
  fail_unless (gst_memory_is_type (s1, GST_ALLOCATOR_SYSMEM));

  fail_unless (has_pattern (s1, 5, 0));
  fail_unless (has_pattern (s2, 5, 50));
  fail_unless (has_pattern (s3, 5, 60));
  fail_unless (gst_memory_is_span (s1, s2, &offset));
  fail_unless_equals_uint64 (offset, 0);
  fail_unless (!gst_memory_is_span (s2, s1, NULL));

  /* the parent lives as long as its shares */
  gst_memory_unref (mem);
  fail_unless (has_pattern (s3, 5, 60));
  gst_memory_unref (s1);
  gst_memory_unref (s2);
  gst_memory_unref (s3);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Share headers are recycled like blocks. */
GST_START_TEST (test_share_recycled)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL);
  GstMemory *share, *first;

  first = gst_memory_share (mem, 10, 10);
  gst_memory_unref (first);

  share = gst_memory_share (mem, 20, 30);
  fail_unless (share == first);
  fail_unless (share->parent == mem);
  fail_unless_equals_uint64 (share->offset, 20);
  fail_unless_equals_uint64 (share->size, 30);
  gst_memory_unref (share);

  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Mapping a buffer made of two adjacent shares gives the parent's data
 * without a copy (the span path of gst_buffer_map). */
GST_START_TEST (test_buffer_span_merge)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 256, NULL);
  GstBuffer *buf = gst_buffer_new ();
  GstMapInfo pmap, map;

  fill_pattern (mem, 9);
  gst_buffer_append_memory (buf, gst_memory_share (mem, 0, 100));
  gst_buffer_append_memory (buf, gst_memory_share (mem, 100, 156));

  fail_unless (gst_memory_map (mem, &pmap, GST_MAP_READ));
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, 256);
  fail_unless (map.data == pmap.data, "span was copied");
  gst_buffer_unmap (buf, &map);
  gst_memory_unmap (mem, &pmap);

  gst_buffer_unref (buf);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A copy is a new bucket memory of the same allocator with the same
 * bytes, whole or a region. */
GST_START_TEST (test_copy)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstAllocationParams params;
  GstMemory *mem, *copy, *part;

  gst_allocation_params_init (&params);
  params.prefix = 16;
  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, &params);
  fill_pattern (mem, 1);

  copy = gst_memory_copy (mem, 0, -1);
  fail_unless (copy != mem);
  fail_unless (gst_is_bucket_memory (copy));
  fail_unless (copy->allocator == GST_ALLOCATOR (alloc));
  fail_unless_equals_uint64 (copy->size, 1000);
  fail_unless (has_pattern (copy, 1, 0));
  fail_unless (gst_memory_is_writable (copy));

  part = gst_memory_copy (mem, 100, 200);
  fail_unless (gst_is_bucket_memory (part));
  fail_unless_equals_uint64 (part->size, 200);
  fail_unless (has_pattern (part, 1, 100));

  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-in-use"),
      alloc_stat (alloc, "bytes-owned"));
  gst_memory_unref (part);
  gst_memory_unref (copy);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* A copy of a range outside the memory is empty, as system memory's is,
 * and one running past its block is cut at the block's end: nothing is
 * read outside the block (valgrind and ASan check that part). */
GST_START_TEST (test_copy_out_of_range)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL);
  GstMemory *copy;

  fill_pattern (mem, 1);
  copy = gst_memory_copy (mem, 100000, -1);
  fail_unless (copy != NULL);
  fail_unless_equals_uint64 (copy->size, 0);
  fail_unless_equals_uint64 (copy->offset, 0);
  gst_memory_unref (copy);

  copy = gst_memory_copy (mem, 50, 100000);
  fail_unless (copy != NULL);
  fail_unless_equals_uint64 (copy->offset + copy->size, mem->maxsize);
  fail_unless (copy->size >= 50);
  gst_memory_unref (copy);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Memory idle through a whole sweep period goes back to the system;
 * memory reused in the period stays. With max-idle-time 1 ns each
 * allocation from the system is a sweep, so the test steers the periods
 * with allocations of another class, not with the clock. */
GST_START_TEST (test_idle_memory_ages_out)
{
  GstBucketAllocator *alloc = new_allocator ("max-idle-time",
      (guint64) 1, NULL);
  GstAllocator *a = GST_ALLOCATOR (alloc);
  GstMemory *m1 = gst_allocator_alloc (a, 500, NULL);
  GstMemory *m2 = gst_allocator_alloc (a, 500, NULL);
  GstMemory *other1, *other2, *again;

  gst_memory_unref (m1);
  gst_memory_unref (m2);
  /* sweep 1 starts the period in which both are idle */
  other1 = gst_allocator_alloc (a, 5000, NULL);
  again = gst_allocator_alloc (a, 500, NULL);
  /* sweep 2: the one not reused in the period is freed */
  other2 = gst_allocator_alloc (a, 5000, NULL);
  fail_unless_equals_uint64 (alloc_stat (alloc, "aged"), 1);
  fail_unless_equals_int (class_idle (alloc,
          gst_bucket_allocator_get_block_size (alloc, 500)), 0);

  gst_memory_unref (again);
  gst_memory_unref (other1);
  gst_memory_unref (other2);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* max-idle-time 0 keeps idle memory until trimmed. */
GST_START_TEST (test_idle_memory_kept_forever)
{
  GstBucketAllocator *alloc = new_allocator ("max-idle-time",
      (guint64) 0, NULL);
  GstAllocator *a = GST_ALLOCATOR (alloc);
  guint i;

  gst_memory_unref (gst_allocator_alloc (a, 500, NULL));
  for (i = 0; i < 4; i++)
    gst_memory_unref (gst_allocator_alloc (a, 5000 << i, NULL));
  fail_unless_equals_uint64 (alloc_stat (alloc, "aged"), 0);
  fail_unless_equals_int (class_idle (alloc,
          gst_bucket_allocator_get_block_size (alloc, 500)), 1);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Buffer level copies of bucket memory: a deep region copy is bucket
 * memory with the bytes of the region, a shallow one shares. */
GST_START_TEST (test_buffer_copy_region)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstBuffer *buf, *deep, *shallow;
  GstMemory *mem;

  buf = gst_buffer_new_allocate (GST_ALLOCATOR (alloc), 1000, NULL);
  mem = gst_buffer_peek_memory (buf, 0);
  fill_pattern (mem, 2);

  deep = gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY |
      GST_BUFFER_COPY_DEEP, 100, 300);
  fail_unless_equals_uint64 (gst_buffer_get_size (deep), 300);
  fail_unless (gst_buffer_peek_memory (deep, 0) != mem);
  fail_unless (gst_is_bucket_memory (gst_buffer_peek_memory (deep, 0)));
  fail_unless (has_pattern (gst_buffer_peek_memory (deep, 0), 2, 100));

  shallow = gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY, 100, 300);
  fail_unless (gst_buffer_peek_memory (shallow, 0)->parent == mem);
  fail_unless (has_pattern (gst_buffer_peek_memory (shallow, 0), 2, 100));

  gst_buffer_unref (shallow);
  gst_buffer_unref (deep);
  gst_buffer_unref (buf);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The allocator may be unreffed while its memory is out: the memory stays
 * usable and the allocator goes away with the last memory. */
GST_START_TEST (test_unref_allocator_with_memory_out)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *mem, *idle;
  gint finalized = 0;

  g_object_weak_ref (G_OBJECT (alloc), count_finalized, &finalized);
  idle = gst_allocator_alloc (GST_ALLOCATOR (alloc), 64, NULL);
  mem = gst_allocator_alloc (GST_ALLOCATOR (alloc), 10000, NULL);
  gst_memory_unref (idle);

  gst_object_unref (alloc);
  fail_unless_equals_int (finalized, 0);
  fill_pattern (mem, 4);
  fail_unless (has_pattern (mem, 4, 0));

  gst_memory_unref (mem);
  fail_unless_equals_int (finalized, 1);
}

GST_END_TEST;

/* trim gives every idle block back and keeps the ones in use. */
GST_START_TEST (test_trim)
{
  guint64 per_block = 1024 + header_bytes ();
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstMemory *used, *idle;

  used = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL);
  idle = gst_allocator_alloc (GST_ALLOCATOR (alloc), 1000, NULL);
  gst_memory_unref (gst_allocator_alloc (GST_ALLOCATOR (alloc), 50, NULL));
  gst_memory_unref (idle);

  gst_bucket_allocator_trim (alloc);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-idle"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"), per_block);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-in-use"), per_block);

  /* memory in use is still recycled after a trim */
  gst_memory_unref (used);
  fail_unless_equals_int (class_idle (alloc, 1024), 1);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* The stats structure has every documented field with its type, and the
 * counters add up after a known sequence. */
GST_START_TEST (test_stats_fields)
{
  static const gchar *u64_fields[] = { "system-allocations", "reuses",
    "unpooled", "failed", "aged", "bytes-owned", "bytes-idle", "bytes-in-use",
    "high-water"
  };
  GstBucketAllocator *alloc = new_allocator (NULL);
  GstStructure *s, *prop = NULL;
  const GValue *classes;
  const GstStructure *c;
  guint i;

  gst_memory_unref (gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL));
  gst_memory_unref (gst_allocator_alloc (GST_ALLOCATOR (alloc), 100, NULL));

  s = gst_bucket_allocator_get_stats (alloc);
  fail_unless (gst_structure_has_name (s, "GstBucketAllocatorStats"));
  for (i = 0; i < G_N_ELEMENTS (u64_fields); i++)
    check_field (s, u64_fields[i], G_TYPE_UINT64);
  check_field (s, "classes", GST_TYPE_ARRAY);

  classes = gst_structure_get_value (s, "classes");
  fail_unless_equals_int (gst_value_array_get_size (classes), 1);
  c = gst_value_get_structure (gst_value_array_get_value (classes, 0));
  fail_unless (gst_structure_has_name (c, "GstBucketClassStats"));
  check_field (c, "block-size", G_TYPE_UINT64);
  check_field (c, "system-allocations", G_TYPE_UINT64);
  check_field (c, "reuses", G_TYPE_UINT64);
  check_field (c, "idle", G_TYPE_UINT);
  fail_unless_equals_uint64 (alloc_stat (alloc, "system-allocations"), 1);
  fail_unless_equals_uint64 (alloc_stat (alloc, "reuses"), 1);

  /* the property reads the same counters */
  g_object_get (alloc, "stats", &prop, NULL);
  fail_unless (gst_structure_is_equal (s, prop));
  gst_structure_free (prop);
  gst_structure_free (s);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* gst_bucket_allocator_register makes it findable by name. */
GST_START_TEST (test_register)
{
  GstAllocator *found;

  gst_bucket_allocator_register ();
  gst_bucket_allocator_register ();
  found = gst_allocator_find (GST_BUCKET_ALLOCATOR_NAME);
  fail_unless (found != NULL);
  fail_unless (GST_IS_BUCKET_ALLOCATOR (found));
  gst_object_unref (found);
}

GST_END_TEST;

#define N_THREADS 4

static gpointer
alloc_free_loop (gpointer data)
{
  GstAllocator *alloc = data;
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (g_thread_self ()));
  guint i, n = RUNNING_ON_VALGRIND ? 1000 : 100000;
  gboolean ok = TRUE;

  for (i = 0; i < n && ok; i++) {
    gsize size = g_rand_int_range (rand, 1, 20000);
    GstMemory *mem = gst_allocator_alloc (alloc, size, NULL);
    GstMapInfo map;

    ok = mem != NULL && gst_memory_map (mem, &map, GST_MAP_WRITE);
    if (ok) {
      map.data[0] = map.data[size - 1] = (guint8) i;
      gst_memory_unmap (mem, &map);
    }
    if (mem)
      gst_memory_unref (mem);
  }
  g_rand_free (rand);
  return GINT_TO_POINTER (ok);
}

/* Four threads allocating and freeing at once lose nothing: every
 * allocation is either fresh or a reuse and nothing stays in use. */
GST_START_TEST (test_threads)
{
  GstBucketAllocator *alloc = new_allocator (NULL);
  GThread *threads[N_THREADS];
  guint64 n = RUNNING_ON_VALGRIND ? 1000 : 100000;
  guint i;

  for (i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("alloc", alloc_free_loop, alloc);
  for (i = 0; i < N_THREADS; i++)
    fail_unless (g_thread_join (threads[i]));

  fail_unless_equals_uint64 (alloc_stat (alloc, "system-allocations") +
      alloc_stat (alloc, "reuses"), N_THREADS * n);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-in-use"), 0);
  fail_unless_equals_uint64 (alloc_stat (alloc, "bytes-owned"),
      alloc_stat (alloc, "bytes-idle"));
  gst_object_unref (alloc);
}

GST_END_TEST;

static Suite *
bucketallocator_suite (void)
{
  Suite *s = suite_create ("GstBucketAllocator");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_alloc_exact_sizes);
  tcase_add_test (tc, test_block_size_classes);
  tcase_add_test (tc, test_min_size_rounded);
  tcase_add_test (tc, test_block_overhead);
  tcase_add_test (tc, test_reuse_same_memory);
  tcase_add_test (tc, test_reuse_lifo);
  tcase_add_test (tc, test_buffer_memory_reused);
  tcase_add_test (tc, test_align);
  tcase_add_test (tc, test_prefix_padding);
  tcase_add_test (tc, test_zero_prefixed_padded_after_reuse);
  tcase_add_test (tc, test_zero_memory);
  tcase_add_test (tc, test_max_bytes_fails);
  tcase_add_test (tc, test_max_bytes_trims_idle);
  tcase_add_test (tc, test_max_idle_bytes);
  tcase_add_test (tc, test_max_idle_bytes_zero);
  tcase_add_test (tc, test_unpooled);
  tcase_add_test (tc, test_max_pooled_size_rounded);
  tcase_add_test (tc, test_huge_size_refused);
  tcase_add_test (tc, test_map_read_write);
  tcase_add_test (tc, test_share_is_span);
  tcase_add_test (tc, test_share_recycled);
  tcase_add_test (tc, test_buffer_span_merge);
  tcase_add_test (tc, test_copy);
  tcase_add_test (tc, test_copy_out_of_range);
  tcase_add_test (tc, test_idle_memory_ages_out);
  tcase_add_test (tc, test_idle_memory_kept_forever);
  tcase_add_test (tc, test_buffer_copy_region);
  tcase_add_test (tc, test_unref_allocator_with_memory_out);
  tcase_add_test (tc, test_trim);
  tcase_add_test (tc, test_stats_fields);
  tcase_add_test (tc, test_register);
  tcase_add_test (tc, test_threads);

  return s;
}

GST_CHECK_MAIN (bucketallocator);
