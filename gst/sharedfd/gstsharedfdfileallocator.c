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
 * the cache is full or cleared, and is unmapped once no memory uses it.
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

/* files kept mapped; beyond this the cache starts over */
#define MAX_CACHED_FILES 64
/* root memories kept per cached file for its next frames */
#define MAX_SPARES 2

/* A received file, mapped once. */
typedef struct
{
  gint refcount;                /* the cache's, one per root memory */
  dev_t dev;
  ino_t ino;
  gsize size;
  gint fd;
  gpointer data;
  GSList *spares;               /* root memories no frame uses, under the
                                 * allocator's lock; each holds a ref */
  guint n_spares;
} File;

/* What a root memory needs: its file, and whom to tell when it goes. */
typedef struct
{
  File *file;
  GstMiniObjectFlags flags;     /* as made, restored on reuse */
  GDestroyNotify gone;          /* NULL while a spare */
  gpointer gone_data;
} Root;

struct _GstSharedFdFileAllocator
{
  GstFdAllocator parent;

  GMutex lock;
  GHashTable *files;            /* File -> File: the cache */
  GHashTable *roots;            /* root GstMemory -> Root */
  guint64 files_mapped;
};

#define gst_shared_fd_file_allocator_parent_class parent_class
G_DEFINE_TYPE (GstSharedFdFileAllocator, gst_shared_fd_file_allocator,
    GST_TYPE_FD_ALLOCATOR);

static void gst_shared_fd_file_allocator_finalize (GObject * object);
static void gst_shared_fd_file_allocator_free (GstAllocator * allocator,
    GstMemory * mem);
static gpointer file_memory_map (GstMemory * mem, gsize maxsize,
    GstMapFlags flags);
static void file_memory_unmap (GstMemory * mem);

static void
gst_shared_fd_file_allocator_class_init (GstSharedFdFileAllocatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->finalize = gst_shared_fd_file_allocator_finalize;
  allocator_class->free = gst_shared_fd_file_allocator_free;
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
  GstAllocator *alloc = GST_ALLOCATOR_CAST (self);

  /* the fd allocator's own map would mmap each root memory */
  alloc->mem_map = file_memory_map;
  alloc->mem_unmap = file_memory_unmap;

  g_mutex_init (&self->lock);
  self->files = g_hash_table_new_full ((GHashFunc) file_hash,
      (GEqualFunc) file_equal, NULL, (GDestroyNotify) file_unref);
  self->roots = g_hash_table_new (NULL, NULL);
}

static void
gst_shared_fd_file_allocator_finalize (GObject * object)
{
  GstSharedFdFileAllocator *self = GST_SHARED_FD_FILE_ALLOCATOR (object);

  /* every memory holds a reference to its allocator: no root is left */
  g_hash_table_unref (self->roots);
  g_hash_table_unref (self->files);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

GstAllocator *
gst_shared_fd_file_allocator_new (void)
{
  GstAllocator *alloc = g_object_new (GST_TYPE_SHARED_FD_FILE_ALLOCATOR, NULL);

  gst_object_ref_sink (alloc);
  return alloc;
}

static Root *
root_of (GstSharedFdFileAllocator * self, GstMemory * mem)
{
  Root *root;

  g_mutex_lock (&self->lock);
  root = g_hash_table_lookup (self->roots, mem->parent ? mem->parent : mem);
  g_mutex_unlock (&self->lock);
  return root;
}

/* gst_memory_map() adds the memory's offset to the file's mapping. */
static gpointer
file_memory_map (GstMemory * mem, gsize maxsize, GstMapFlags flags)
{
  GstSharedFdFileAllocator *self =
      GST_SHARED_FD_FILE_ALLOCATOR (mem->allocator);

  if (flags & GST_MAP_WRITE)
    return NULL;
  return root_of (self, mem)->file->data;
}

static void
file_memory_unmap (GstMemory * mem)
{
  /* the file stays mapped while it is cached or used */
}

static void
gst_shared_fd_file_allocator_free (GstAllocator * allocator, GstMemory * mem)
{
  GstSharedFdFileAllocator *self = GST_SHARED_FD_FILE_ALLOCATOR (allocator);
  Root *root = NULL;

  if (mem->parent == NULL) {
    g_mutex_lock (&self->lock);
    g_hash_table_steal_extended (self->roots, mem, NULL, (gpointer *) & root);
    g_mutex_unlock (&self->lock);
  }
  GST_ALLOCATOR_CLASS (parent_class)->free (allocator, mem);

  if (root) {
    file_unref (root->file);
    if (root->gone)
      root->gone (root->gone_data);
    g_free (root);
  }
}

/* The last reference to root memory @mem went. While its file is cached
 * and has room, @mem is kept as a spare for one of the file's next
 * frames, so that steady streaming makes no GstMemory per frame: the
 * frame is told it is gone and the memory lives on. Otherwise it is
 * freed (TRUE), and the allocator's free tells the frame. */
static gboolean
root_dispose (GstMemory * mem)
{
  GstSharedFdFileAllocator *self =
      GST_SHARED_FD_FILE_ALLOCATOR (mem->allocator);
  GDestroyNotify gone;
  gpointer gone_data;
  Root *root;

  g_mutex_lock (&self->lock);
  root = g_hash_table_lookup (self->roots, mem);
  if (g_hash_table_lookup (self->files, root->file) != root->file ||
      root->file->n_spares >= MAX_SPARES) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  gst_memory_ref (mem);
  root->file->spares = g_slist_prepend (root->file->spares, mem);
  root->file->n_spares++;
  gone = root->gone;
  gone_data = root->gone_data;
  root->gone = NULL;
  g_mutex_unlock (&self->lock);

  gone (gone_data);
  return FALSE;
}

/* Takes the spare memories of every cached file, before the cache is
 * emptied; unreffed once the lock is let go, they are freed. */
static GSList *
steal_spares_locked (GstSharedFdFileAllocator * self)
{
  GHashTableIter iter;
  GSList *spares = NULL;
  File *file;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, (gpointer *) & file, NULL)) {
    spares = g_slist_concat (file->spares, spares);
    file->spares = NULL;
    file->n_spares = 0;
  }
  return spares;
}

/* Maps the file behind @fd (taken), with a reference for the caller. */
static File *
file_map (const struct stat *st, gint fd, GError ** error)
{
  File *file;
  gpointer data = mmap (NULL, st->st_size, PROT_READ, MAP_SHARED, fd, 0);

  if (data == MAP_FAILED)
    goto no_map;
  file = g_new (File, 1);
  file->refcount = 1;
  file->dev = st->st_dev;
  file->ino = st->st_ino;
  file->size = st->st_size;
  file->fd = fd;
  file->data = data;
  file->spares = NULL;
  file->n_spares = 0;
  return file;

no_map:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "cannot map a shared file of %" G_GINT64_FORMAT " bytes: %s",
      (gint64) st->st_size, g_strerror (errno));
  close (fd);
  return NULL;
}

/* The cached file behind @fd (taken), mapped when new to the cache; with
 * a reference for the caller. */
static File *
cached_file (GstSharedFdFileAllocator * self, gint fd, guint64 end,
    GError ** error)
{
  struct stat st;
  GSList *spares = NULL;
  File key, *file;

  if (fstat (fd, &st) < 0 || st.st_size == 0 || (guint64) st.st_size < end)
    goto too_small;

  key.dev = st.st_dev;
  key.ino = st.st_ino;
  g_mutex_lock (&self->lock);
  file = g_hash_table_lookup (self->files, &key);
  if (file && file->size == (gsize) st.st_size) {
    g_atomic_int_inc (&file->refcount);
    g_mutex_unlock (&self->lock);
    close (fd);
    return file;
  }
  g_mutex_unlock (&self->lock);

  if (!(file = file_map (&st, fd, error)))
    return NULL;
  g_mutex_lock (&self->lock);
  if (g_hash_table_size (self->files) >= MAX_CACHED_FILES) {
    spares = steal_spares_locked (self);
    g_hash_table_remove_all (self->files);
  }
  g_atomic_int_inc (&file->refcount);
  g_hash_table_replace (self->files, file, file);
  self->files_mapped++;
  g_mutex_unlock (&self->lock);
  g_slist_free_full (spares, (GDestroyNotify) gst_memory_unref);
  return file;

too_small:
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      "shared file is smaller than the %" G_GUINT64_FORMAT " bytes announced",
      end);
  close (fd);
  return NULL;
}

static GstMemory *
take_spare_locked (File * file)
{
  GstMemory *mem;

  if (file->spares == NULL)
    return NULL;
  mem = file->spares->data;
  file->spares = g_slist_delete_link (file->spares, file->spares);
  file->n_spares--;
  return mem;
}

/* A root memory over the whole of @file (its ref taken over), freed or
 * kept by root_dispose(). */
static GstMemory *
new_root (GstSharedFdFileAllocator * self, File * file, GDestroyNotify gone,
    gpointer gone_data)
{
  GstMemory *mem = gst_fd_allocator_alloc (GST_ALLOCATOR_CAST (self),
      file->fd, file->size, GST_FD_MEMORY_FLAG_DONT_CLOSE);
  Root *root = g_new (Root, 1);

  GST_MINI_OBJECT_FLAG_SET (mem, GST_MEMORY_FLAG_READONLY);
  GST_MINI_OBJECT_CAST (mem)->dispose =
      (GstMiniObjectDisposeFunction) root_dispose;
  root->file = file;
  root->flags = GST_MINI_OBJECT_FLAGS (mem);
  root->gone = gone;
  root->gone_data = gone_data;
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->roots, mem, root);
  g_mutex_unlock (&self->lock);
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
  Root *root;

  if (file == NULL)
    return NULL;

  g_mutex_lock (&self->lock);
  mem = take_spare_locked (file);
  root = mem ? g_hash_table_lookup (self->roots, mem) : NULL;
  if (root) {
    GST_MINI_OBJECT_FLAGS (mem) = root->flags;
    root->gone = gone;
    root->gone_data = gone_data;
  }
  g_mutex_unlock (&self->lock);
  if (root)
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
  GSList *spares;

  g_mutex_lock (&self->lock);
  spares = steal_spares_locked (self);
  g_hash_table_remove_all (self->files);
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
