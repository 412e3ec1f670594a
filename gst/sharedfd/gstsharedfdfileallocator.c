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
 * received memory is really no longer used. A file leaves the cache when
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

/* A received file, mapped once. */
typedef struct
{
  gint refcount;                /* the cache's, one per root memory */
  dev_t dev;
  ino_t ino;
  gsize size;
  gint fd;
  gpointer data;
} File;

/* What a root memory needs: its file, and whom to tell when it goes. */
typedef struct
{
  File *file;
  GDestroyNotify gone;
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
    root->gone (root->gone_data);
    g_free (root);
  }
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
  if (g_hash_table_size (self->files) >= MAX_CACHED_FILES)
    g_hash_table_remove_all (self->files);
  g_atomic_int_inc (&file->refcount);
  g_hash_table_replace (self->files, file, file);
  self->files_mapped++;
  g_mutex_unlock (&self->lock);
  return file;

too_small:
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      "shared file is smaller than the %" G_GUINT64_FORMAT " bytes announced",
      end);
  close (fd);
  return NULL;
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

  mem = gst_fd_allocator_alloc (GST_ALLOCATOR_CAST (self), file->fd,
      file->size, GST_FD_MEMORY_FLAG_DONT_CLOSE);
  gst_memory_resize (mem, offset, size);
  GST_MINI_OBJECT_FLAG_SET (mem, GST_MEMORY_FLAG_READONLY);

  root = g_new (Root, 1);
  root->file = file;
  root->gone = gone;
  root->gone_data = gone_data;
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->roots, mem, root);
  g_mutex_unlock (&self->lock);
  return mem;
}

/* Empties the cache (files in use stay mapped until their memory goes)
 * and zeroes the count of files mapped. */
void
gst_shared_fd_file_allocator_clear (GstSharedFdFileAllocator * self)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->files);
  self->files_mapped = 0;
  g_mutex_unlock (&self->lock);
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
