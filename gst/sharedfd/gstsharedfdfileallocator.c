/* GStreamer shared fd elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The memory sharedfdsrc hands out. A sink keeps sending the same few
 * files, so each file is mapped once (read-only) and cached by device and
 * inode. Each received memory becomes its own root GstFdMemory on the
 * cached file's descriptor, whose map is the file's mapping: every share
 * made downstream, even of a share (GstFdMemory shares always point at
 * the root), keeps that root alive, so the root's free is when the
 * received memory is really no longer used. Then the root memory is kept
 * (up to two per cached file) for the file's next frames, so steady
 * streaming makes no GstMemory per frame. A file leaves the cache when
 * the sink stopped sending it (no frame of it among the last MAX_AGE
 * received: the sink freed it, or it was of caps gone by), when the cache
 * is full (the least recently received goes) or cleared, and is unmapped
 * once no memory uses it: a consumer does not keep the producer's freed
 * memory alive.
 *
 * Mapping is on every reader's path, so it takes no lock and looks
 * nothing up: each root memory has an allocator of its own (a
 * GstSharedFdRoot, made with the memory and reused with it), which its
 * shares have too and which holds the file's mapping. The cache's lock is
 * taken once per received memory and once when it is gone.
 *
 * The memories are GstFdMemory (gst_is_fd_memory() is TRUE, the fd can be
 * sent on) and read-only; writing to them gives a copy, as for any
 * read-only memory. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gstsharedfdfileallocator.h"

/* files kept mapped; beyond this the least recently received goes */
#define MAX_CACHED_FILES 64
/* received memories a cached file may go without being received; more
 * than a sink's pool has files */
#define MAX_AGE 64
/* root memories kept per cached file for its next frames */
#define MAX_SPARES 2

/* A received file, mapped once. */
typedef struct
{
  gint refcount;                /* the cache's, and one per root */
  dev_t dev;
  ino_t ino;
  gsize size;
  gint fd;
  gpointer data;
  /* under the cache's lock */
  GList link;                   /* in the cache's queue, most recent first */
  guint64 last_received;        /* the cache's count when last received */
  gboolean cached;
  GSList *spares;               /* root memories no frame uses, each
                                 * holding a ref */
  guint n_spares;
} File;

struct _GstSharedFdFileAllocator
{
  GstObject parent;

  GMutex lock;
  GHashTable *files;            /* File -> File: the cache */
  GQueue recent;                /* its files, most recently received first */
  guint64 received;             /* memories received */
  guint64 files_mapped;
};

G_DEFINE_TYPE (GstSharedFdFileAllocator, gst_shared_fd_file_allocator,
    GST_TYPE_OBJECT);

/* The allocator of one root memory and of its shares: what the memory
 * needs, one pointer away. It lives as long as the memory. */
#define GST_TYPE_SHARED_FD_ROOT (gst_shared_fd_root_get_type ())
G_DECLARE_FINAL_TYPE (GstSharedFdRoot, gst_shared_fd_root, GST, SHARED_FD_ROOT,
    GstFdAllocator);

struct _GstSharedFdRoot
{
  GstFdAllocator parent;

  GstSharedFdFileAllocator *cache;
  File *file;
  GstMiniObjectFlags flags;     /* of the memory as made, restored on reuse */
  /* under the cache's lock */
  GDestroyNotify gone;          /* NULL while a spare */
  gpointer gone_data;
};

G_DEFINE_TYPE (GstSharedFdRoot, gst_shared_fd_root, GST_TYPE_FD_ALLOCATOR);

static void gst_shared_fd_file_allocator_finalize (GObject * object);
static void gst_shared_fd_root_finalize (GObject * object);
static void gst_shared_fd_root_free (GstAllocator * allocator, GstMemory * mem);

static void
gst_shared_fd_file_allocator_class_init (GstSharedFdFileAllocatorClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_shared_fd_file_allocator_finalize;
}

static guint
file_hash (const File * f)
{
  return (guint) f->ino ^ (guint) f->dev;
}

static gboolean
file_equal (const File * a, const File * b)
{
  return a->ino == b->ino && a->dev == b->dev;
}

static void
file_unref (File * f)
{
  if (!g_atomic_int_dec_and_test (&f->refcount))
    return;
  munmap (f->data, f->size);
  close (f->fd);
  g_free (f);
}

static void
gst_shared_fd_file_allocator_init (GstSharedFdFileAllocator * self)
{
  g_mutex_init (&self->lock);
  self->files = g_hash_table_new ((GHashFunc) file_hash,
      (GEqualFunc) file_equal);
  g_queue_init (&self->recent);
}

static void
gst_shared_fd_file_allocator_finalize (GObject * object)
{
  GstSharedFdFileAllocator *self = GST_SHARED_FD_FILE_ALLOCATOR (object);

  /* every root holds a reference to the cache: no root, so no spare, is
   * left */
  gst_shared_fd_file_allocator_clear (self);
  g_hash_table_unref (self->files);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gst_shared_fd_file_allocator_parent_class)->finalize (object);
}

GstSharedFdFileAllocator *
gst_shared_fd_file_allocator_new (void)
{
  GstSharedFdFileAllocator *self =
      g_object_new (GST_TYPE_SHARED_FD_FILE_ALLOCATOR, NULL);

  gst_object_ref_sink (self);
  return self;
}

/* gst_memory_map() adds the memory's offset to the file's mapping. */
static gpointer
root_memory_map (GstMemory * mem, gsize maxsize, GstMapFlags flags)
{
  if (flags & GST_MAP_WRITE)
    return NULL;
  /* no type check: the map only ever gets memory of a root allocator */
  return ((GstSharedFdRoot *) mem->allocator)->file->data;
}

static void
root_memory_unmap (GstMemory * mem)
{
  /* the file stays mapped while it is cached or used */
}

static void
gst_shared_fd_root_class_init (GstSharedFdRootClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_shared_fd_root_finalize;
  GST_ALLOCATOR_CLASS (klass)->free = gst_shared_fd_root_free;
}

static void
gst_shared_fd_root_init (GstSharedFdRoot * root)
{
  GstAllocator *alloc = GST_ALLOCATOR_CAST (root);

  /* the fd allocator's own map would mmap each root memory */
  alloc->mem_map = root_memory_map;
  alloc->mem_unmap = root_memory_unmap;
}

static void
gst_shared_fd_root_finalize (GObject * object)
{
  GstSharedFdRoot *root = GST_SHARED_FD_ROOT (object);

  file_unref (root->file);
  gst_object_unref (root->cache);

  G_OBJECT_CLASS (gst_shared_fd_root_parent_class)->finalize (object);
}

/* A share goes, or the root memory, which tells its frame. */
static void
gst_shared_fd_root_free (GstAllocator * allocator, GstMemory * mem)
{
  GstSharedFdRoot *root = GST_SHARED_FD_ROOT (allocator);
  GDestroyNotify gone = mem->parent ? NULL : root->gone;

  GST_ALLOCATOR_CLASS (gst_shared_fd_root_parent_class)->free (allocator, mem);
  if (gone)
    gone (root->gone_data);
}

/* The last reference to root memory @mem went. While its file is cached
 * and has room, @mem is kept as a spare for one of the file's next
 * frames, so that steady streaming makes no GstMemory per frame: the
 * frame is told it is gone and the memory lives on. Otherwise it is
 * freed (TRUE), and its free tells the frame. */
static gboolean
root_dispose (GstMemory * mem)
{
  GstSharedFdRoot *root = GST_SHARED_FD_ROOT (mem->allocator);
  File *file = root->file;
  GDestroyNotify gone;

  g_mutex_lock (&root->cache->lock);
  if (!file->cached || file->n_spares >= MAX_SPARES) {
    g_mutex_unlock (&root->cache->lock);
    return TRUE;
  }
  gst_memory_ref (mem);
  file->spares = g_slist_prepend (file->spares, mem);
  file->n_spares++;
  gone = root->gone;
  root->gone = NULL;
  g_mutex_unlock (&root->cache->lock);

  gone (root->gone_data);
  return FALSE;
}

/* Takes @file out of the cache, with its spare memories, which are
 * prepended to @spares: unreffed once the lock is let go, they are
 * freed. */
static void
uncache_locked (GstSharedFdFileAllocator * self, File * file, GSList ** spares)
{
  g_hash_table_remove (self->files, file);
  g_queue_unlink (&self->recent, &file->link);
  file->cached = FALSE;
  *spares = g_slist_concat (file->spares, *spares);
  file->spares = NULL;
  file->n_spares = 0;
  file_unref (file);
}

/* Maps the file behind @fd (taken), with a reference for the caller. */
static File *
file_map (const struct stat *st, gint fd, GError ** error)
{
  File *file;
  gpointer data = mmap (NULL, st->st_size, PROT_READ, MAP_SHARED, fd, 0);

  if (data == MAP_FAILED)
    goto no_map;
  file = g_new0 (File, 1);
  file->refcount = 1;
  file->dev = st->st_dev;
  file->ino = st->st_ino;
  file->size = st->st_size;
  file->fd = fd;
  file->data = data;
  file->link.data = file;
  return file;

no_map:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "cannot map a shared file of %" G_GINT64_FORMAT " bytes: %s",
      (gint64) st->st_size, g_strerror (errno));
  close (fd);
  return NULL;
}

/* @file, cached, was received: it is the most recent, and the files not
 * received for MAX_AGE memories leave the cache. */
static void
received_locked (GstSharedFdFileAllocator * self, File * file, GSList ** spares)
{
  File *oldest;

  file->last_received = ++self->received;
  g_queue_push_head_link (&self->recent, &file->link);
  /* @file, the head, is not that old: the queue does not empty */
  while (oldest = self->recent.tail->data,
      self->received - oldest->last_received > MAX_AGE)
    uncache_locked (self, oldest, spares);
}

/* Puts the newly mapped and received @file in the cache, in place of a
 * file of the same inode and of the least recently received file when
 * full. */
static void
cache_file (GstSharedFdFileAllocator * self, File * file)
{
  GSList *spares = NULL;
  File *old;

  g_mutex_lock (&self->lock);
  if ((old = g_hash_table_lookup (self->files, file)))
    uncache_locked (self, old, &spares);
  if (g_hash_table_size (self->files) >= MAX_CACHED_FILES)
    uncache_locked (self, self->recent.tail->data, &spares);
  g_atomic_int_inc (&file->refcount);
  file->cached = TRUE;
  g_hash_table_add (self->files, file);
  received_locked (self, file, &spares);
  self->files_mapped++;
  g_mutex_unlock (&self->lock);
  g_slist_free_full (spares, (GDestroyNotify) gst_memory_unref);
}

/* The cached file of @st, received now, with a reference for the
 * caller; NULL when not cached. */
static File *
lookup_file (GstSharedFdFileAllocator * self, const struct stat *st)
{
  GSList *spares = NULL;
  File key, *file;

  key.dev = st->st_dev;
  key.ino = st->st_ino;
  g_mutex_lock (&self->lock);
  file = g_hash_table_lookup (self->files, &key);
  if (file && file->size == (gsize) st->st_size) {
    g_atomic_int_inc (&file->refcount);
    g_queue_unlink (&self->recent, &file->link);
    received_locked (self, file, &spares);
  } else {
    file = NULL;
  }
  g_mutex_unlock (&self->lock);
  g_slist_free_full (spares, (GDestroyNotify) gst_memory_unref);
  return file;
}

/* The cached file behind @fd (taken), mapped when new to the cache; with
 * a reference for the caller. */
static File *
cached_file (GstSharedFdFileAllocator * self, gint fd, guint64 end,
    GError ** error)
{
  struct stat st;
  File *file;

  if (fstat (fd, &st) < 0 || st.st_size == 0 || (guint64) st.st_size < end)
    goto too_small;

  if ((file = lookup_file (self, &st))) {
    close (fd);
    return file;
  }
  if ((file = file_map (&st, fd, error)))
    cache_file (self, file);
  return file;

too_small:
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      "shared file is smaller than the %" G_GUINT64_FORMAT " bytes announced",
      end);
  close (fd);
  return NULL;
}

/* A spare root memory of @file for a frame told by @gone, or NULL. */
static GstMemory *
take_spare (GstSharedFdFileAllocator * self, File * file, GDestroyNotify gone,
    gpointer gone_data)
{
  GstSharedFdRoot *root;
  GstMemory *mem = NULL;

  g_mutex_lock (&self->lock);
  if (file->spares) {
    mem = file->spares->data;
    file->spares = g_slist_delete_link (file->spares, file->spares);
    file->n_spares--;
    root = GST_SHARED_FD_ROOT (mem->allocator);
    GST_MINI_OBJECT_FLAGS (mem) = root->flags;
    root->gone = gone;
    root->gone_data = gone_data;
  }
  g_mutex_unlock (&self->lock);
  return mem;
}

/* A root memory over the whole of @file (its ref taken over), with an
 * allocator of its own; freed or kept by root_dispose(). */
static GstMemory *
new_root (GstSharedFdFileAllocator * self, File * file, GDestroyNotify gone,
    gpointer gone_data)
{
  GstSharedFdRoot *root = g_object_new (GST_TYPE_SHARED_FD_ROOT, NULL);
  GstMemory *mem;

  gst_object_ref_sink (root);
  root->cache = gst_object_ref (self);
  root->file = file;
  root->gone = gone;
  root->gone_data = gone_data;
  mem = gst_fd_allocator_alloc (GST_ALLOCATOR_CAST (root), file->fd,
      file->size, GST_FD_MEMORY_FLAG_DONT_CLOSE);
  gst_object_unref (root);      /* the memory holds it */

  GST_MINI_OBJECT_FLAG_SET (mem, GST_MEMORY_FLAG_READONLY);
  GST_MINI_OBJECT_CAST (mem)->dispose =
      (GstMiniObjectDisposeFunction) root_dispose;
  root->flags = GST_MINI_OBJECT_FLAGS (mem);
  return mem;
}

/**
 * gst_shared_fd_file_allocator_wrap:
 * @fd: (transfer full): a received file descriptor
 * @gone: called with @gone_data once the memory and all its shares are
 *   freed
 *
 * A read-only memory of @size bytes at @offset in the file behind @fd.
 *
 * Returns: (transfer full) (nullable): the memory, or %NULL with @error
 * set when the file is too small or cannot be mapped (@gone is not
 * called then).
 */
GstMemory *
gst_shared_fd_file_allocator_wrap (GstSharedFdFileAllocator * self, gint fd,
    guint64 offset, guint64 size, GDestroyNotify gone, gpointer gone_data,
    GError ** error)
{
  File *file = cached_file (self, fd, offset + size, error);
  GstMemory *mem;

  if (file == NULL)
    return NULL;

  if ((mem = take_spare (self, file, gone, gone_data)))
    file_unref (file);          /* the spare's root holds the file */
  else
    mem = new_root (self, file, gone, gone_data);
  mem->offset = offset;
  mem->size = size;
  return mem;
}

/* Empties the cache (files in use stay mapped until their memory goes)
 * and zeroes the count of files mapped. */
void
gst_shared_fd_file_allocator_clear (GstSharedFdFileAllocator * self)
{
  GSList *spares = NULL;

  g_mutex_lock (&self->lock);
  while (self->recent.head)
    uncache_locked (self, self->recent.head->data, &spares);
  self->files_mapped = 0;
  g_mutex_unlock (&self->lock);
  g_slist_free_full (spares, (GDestroyNotify) gst_memory_unref);
}

/* How many files were mapped since the last clear, how many are cached. */
void
gst_shared_fd_file_allocator_counts (GstSharedFdFileAllocator * self,
    guint64 * files_mapped, guint * files_cached)
{
  g_mutex_lock (&self->lock);
  *files_mapped = self->files_mapped;
  *files_cached = g_hash_table_size (self->files);
  g_mutex_unlock (&self->lock);
}
