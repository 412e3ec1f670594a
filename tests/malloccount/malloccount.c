/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libmalloccount.so: an LD_PRELOAD heap counter, the malloc-level truth
 * the allocstats tracer is checked against.
 *
 *   LD_PRELOAD=libmalloccount.so MALLOCCOUNT_FILE=/tmp/m.txt \
 *       MALLOCCOUNT_MIN=65536 MALLOCCOUNT_PROG=program program ...
 *
 * It counts every call of malloc, calloc, realloc (with a size), memalign,
 * posix_memalign, aligned_alloc, valloc and pvalloc, and the bytes asked
 * for; calls of at least MALLOCCOUNT_MIN bytes (default 0) are also counted
 * apart as "big". When the process exits it writes the totals to
 * MALLOCCOUNT_FILE as "key=value" lines:
 *
 *   calls=N bytes=N big_calls=N big_bytes=N min=N
 *
 * malloccount_restart(), looked up with dlsym(), sets the counts back to
 * zero.
 *
 * Programs it starts inherit the preload: with MALLOCCOUNT_PROG set, only
 * the program of that name (program_invocation_short_name, so not the
 * plugin scanner nor the valgrind launcher) writes the file. A forked
 * child, which keeps its parent's counts, never writes it.
 *
 * It cannot count under valgrind: valgrind's own preload comes first and
 * takes the malloc symbols (it must own the heap to check it).
 *
 * The real functions are looked up with dlsym (RTLD_NEXT), which may
 * itself call calloc; while that lookup runs, requests are served from a
 * small static buffer that is never given back.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__ ((visibility ("default")))
#define COUNT(p, v) __atomic_add_fetch ((p), (v), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n ((p), __ATOMIC_RELAXED)

#define BOOTSTRAP_SIZE 16384
#define BOOTSTRAP_ALIGN 16

typedef struct
{
  void *(*malloc) (size_t);
  void *(*calloc) (size_t, size_t);
  void *(*realloc) (void *, size_t);
  void (*free) (void *);
  void *(*memalign) (size_t, size_t);
  int (*posix_memalign) (void **, size_t, size_t);
  void *(*aligned_alloc) (size_t, size_t);
  void *(*valloc) (size_t);
  void *(*pvalloc) (size_t);
} RealFuncs;

static void malloccount_init (void) __attribute__((constructor));
static void malloccount_write (void) __attribute__((destructor));

static RealFuncs real;
static int resolving;

/* Served while dlsym runs; each block is preceded by its size so that a
 * realloc can move it to the real heap. */
static union
{
  max_align_t align;
  unsigned char bytes[BOOTSTRAP_SIZE];
} bootstrap;
static size_t bootstrap_used;

static unsigned long long calls, bytes, big_calls, big_bytes;
static unsigned long long min_size;
static char out_file[PATH_MAX];
static pid_t owner_pid;

static void *
bootstrap_alloc (size_t size)
{
  size_t need = BOOTSTRAP_ALIGN + ((size + BOOTSTRAP_ALIGN - 1) &
      ~(size_t) (BOOTSTRAP_ALIGN - 1));
  unsigned char *p;

  if (need > BOOTSTRAP_SIZE - bootstrap_used)
    return NULL;
  p = bootstrap.bytes + bootstrap_used;
  bootstrap_used += need;
  *(size_t *) p = size;
  return p + BOOTSTRAP_ALIGN;
}

static int
is_bootstrap (const void *ptr)
{
  const unsigned char *p = ptr;

  return p >= bootstrap.bytes && p < bootstrap.bytes + BOOTSTRAP_SIZE;
}

static void
resolve (void)
{
  const char *min;

  if (real.malloc)
    return;
  resolving = 1;
  /* before any count: the first calls come before our constructor runs */
  min = getenv ("MALLOCCOUNT_MIN");
  if (min)
    min_size = strtoull (min, NULL, 10);
  real.calloc = dlsym (RTLD_NEXT, "calloc");
  real.realloc = dlsym (RTLD_NEXT, "realloc");
  real.free = dlsym (RTLD_NEXT, "free");
  real.memalign = dlsym (RTLD_NEXT, "memalign");
  real.posix_memalign = dlsym (RTLD_NEXT, "posix_memalign");
  real.aligned_alloc = dlsym (RTLD_NEXT, "aligned_alloc");
  real.valloc = dlsym (RTLD_NEXT, "valloc");
  real.pvalloc = dlsym (RTLD_NEXT, "pvalloc");
  /* last: a non-NULL real.malloc means everything is resolved */
  __atomic_store_n (&real.malloc, dlsym (RTLD_NEXT, "malloc"),
      __ATOMIC_RELEASE);
  resolving = 0;
}

static void
count (size_t size)
{
  COUNT (&calls, 1);
  COUNT (&bytes, size);
  if (size >= min_size) {
    COUNT (&big_calls, 1);
    COUNT (&big_bytes, size);
  }
}

EXPORT void *
malloc (size_t size)
{
  if (!real.malloc) {
    if (resolving)
      return bootstrap_alloc (size);
    resolve ();
  }
  count (size);
  return real.malloc (size);
}

EXPORT void *
calloc (size_t n, size_t size)
{
  if (!real.malloc) {
    /* the bootstrap buffer is static, hence zeroed, and never reused */
    if (resolving)
      return size && n > SIZE_MAX / size ? NULL : bootstrap_alloc (n * size);
    resolve ();
  }
  if (size == 0 || n <= SIZE_MAX / size)
    count (n * size);
  return real.calloc (n, size);
}

EXPORT void
free (void *ptr)
{
  if (ptr == NULL || is_bootstrap (ptr))
    return;
  resolve ();
  real.free (ptr);
}

/* Moves a bootstrap block to the real heap. */
static void *
realloc_bootstrap (void *ptr, size_t size)
{
  size_t old = *(size_t *) ((unsigned char *) ptr - BOOTSTRAP_ALIGN);
  void *copy = malloc (size);

  if (copy)
    memcpy (copy, ptr, old < size ? old : size);
  return copy;
}

EXPORT void *
realloc (void *ptr, size_t size)
{
  if (ptr && is_bootstrap (ptr))
    return realloc_bootstrap (ptr, size);
  if (!real.malloc) {
    if (resolving)
      return bootstrap_alloc (size);
    resolve ();
  }
  if (size)
    count (size);
  return real.realloc (ptr, size);
}

EXPORT void *
memalign (size_t align, size_t size)
{
  resolve ();
  count (size);
  return real.memalign (align, size);
}

EXPORT int
posix_memalign (void **ptr, size_t align, size_t size)
{
  resolve ();
  count (size);
  return real.posix_memalign (ptr, align, size);
}

EXPORT void *
aligned_alloc (size_t align, size_t size)
{
  resolve ();
  count (size);
  return real.aligned_alloc (align, size);
}

EXPORT void *
valloc (size_t size)
{
  resolve ();
  count (size);
  return real.valloc (size);
}

EXPORT void *
pvalloc (size_t size)
{
  resolve ();
  count (size);
  return real.pvalloc (size);
}

/* Starts the counts again from zero. A program calls it, found with
 * dlsym() so that it runs without the preload too, to leave out what came
 * before: allocstats-runner calls it after gst_init(), whose registry load
 * makes big mallocs that are no GstMemory (a pad template's caps string of
 * 170 KiB from gst-plugins-bad 1.26). */
EXPORT void malloccount_restart (void);

EXPORT void
malloccount_restart (void)
{
  __atomic_store_n (&calls, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&bytes, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&big_calls, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&big_bytes, 0, __ATOMIC_RELAXED);
}

static void
malloccount_init (void)
{
  const char *file = getenv ("MALLOCCOUNT_FILE");
  const char *prog = getenv ("MALLOCCOUNT_PROG");

  resolve ();
  if (prog && strcmp (prog, program_invocation_short_name) != 0)
    return;
  if (file && strlen (file) < sizeof (out_file)) {
    strcpy (out_file, file);
    owner_pid = getpid ();
  }
}

static void
malloccount_write (void)
{
  char line[256];
  int fd, len;

  if (out_file[0] == '\0' || getpid () != owner_pid)
    return;

  len = snprintf (line, sizeof (line), "calls=%llu\nbytes=%llu\n"
      "big_calls=%llu\nbig_bytes=%llu\nmin=%llu\n", LOAD (&calls),
      LOAD (&bytes), LOAD (&big_calls), LOAD (&big_bytes), min_size);
  fd = open (out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  if (write (fd, line, len) != len)
    unlink (out_file);
  close (fd);
}
