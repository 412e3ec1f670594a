/* GStreamer shared pool tests
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tests of the allocstats tracer.
 *
 * In process: this program runs with GST_TRACERS including allocstats, and
 * each test compares the tracer's stats property before and after what it
 * does (counts of buffers, memories, bytes, pool returns, attribution).
 *
 * In a child process (allocstats-runner): params, interval rows and
 * records, the CSV and JSON files, the summary table, and the agreement of
 * the tracer's GstMemory counts with a malloc-level count taken by the
 * LD_PRELOAD counter libmalloccount.so. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/sharedpool/sharedpool.h>

#include "../testutil.h"
/* the counter table (a macro table: nothing to link) */
#include "allocstats-report.h"

#define IN_PROCESS_TRACER "allocstats(summary=false,interval=0)"

/* Frames are at least this big, and nothing else in the runner's
 * pipelines allocates that much at once. */
#define BIG_ALLOC "100000"
#define FRAME_SIZE 131072
#define N_FRAMES 40
/* The malloc'd block of a memory is its maxsize plus a header. */
#define MAX_HEADER 1024

static gchar *tmpdir;

static void
tmpdir_setup (void)
{
  tmpdir = g_dir_make_tmp ("allocstats-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
tmpdir_teardown (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename (tmpdir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
tmp_path (const gchar * name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ---- in process ---- */

static GstStructure *
get_stats (void)
{
  GList *tracers = gst_tracing_get_active_tracers (), *l;
  GstStructure *stats = NULL;

  for (l = tracers; l; l = l->next)
    if (g_str_equal (G_OBJECT_TYPE_NAME (l->data), "GstAllocStats"))
      g_object_get (l->data, "stats", &stats, NULL);
  g_list_free_full (tracers, gst_object_unref);

  fail_unless (stats != NULL, "no allocstats tracer in GST_TRACERS");
  return stats;
}

/* How much @name grew between two stats. */
static guint64
grown (const GstStructure * before, const GstStructure * after,
    const gchar * name)
{
  return structure_u64 (after, name) - structure_u64 (before, name);
}

/* A column of the row @name of @table, 0 when there is no such row. */
static guint64
row_value (const GstStructure * s, const gchar * table, const gchar * name,
    const gchar * column)
{
  const GValue *rows = gst_structure_get_value (s, table);
  guint i;

  fail_unless (rows != NULL, "no table %s", table);
  for (i = 0; i < gst_value_array_get_size (rows); i++) {
    const GstStructure *row =
        gst_value_get_structure (gst_value_array_get_value (rows, i));

    if (g_str_equal (gst_structure_get_string (row, "name"), name))
      return structure_u64 (row, column);
  }
  return 0;
}

static GstBufferPool *
new_active_pool (guint size, guint min, guint max)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  return pool;
}

static GstBuffer *
acquire (GstBufferPool * pool)
{
  GstBuffer *buf = NULL;

  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  return buf;
}

static void
run_pipeline (const gchar * description)
{
  GstElement *pipeline = launch (description);

  run_to_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* The stats property has every counter and the three tables. */
GST_START_TEST (test_stats_fields)
{
  static const gchar *fields[] = { "time", "buffers-created",
    "buffers-freed", "memories-created", "memories-freed",
    "memories-recycled", "memories-shared", "bytes-allocated", "bytes-freed",
    "pool-new", "pool-reuses", "pool-returns", "pool-freed", "copies"
  };
  GstStructure *s = get_stats ();
  guint i;

  fail_unless (gst_structure_has_name (s, "allocstats"));
  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    structure_u64 (s, fields[i]);
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (s, "elements")));
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (s,
              "allocators")));
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (s, "pools")));
  gst_structure_free (s);
}

GST_END_TEST;

/* A buffer without memory: one buffer created and freed, no memory. */
GST_START_TEST (test_buffer_created_freed)
{
  GstStructure *before = get_stats (), *after;

  gst_buffer_unref (gst_buffer_new ());

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "buffers-created"), 1);
  fail_unless_equals_int (grown (before, after, "buffers-freed"), 1);
  fail_unless_equals_int (grown (before, after, "memories-created"), 0);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* The bytes of a memory are its maxsize, counted once when allocated and
 * once when freed, under its allocator's type. */
GST_START_TEST (test_memory_bytes)
{
  GstStructure *before = get_stats (), *after;
  GstMemory *mem = gst_allocator_alloc (NULL, 1000, NULL);
  guint64 maxsize = mem->maxsize;

  gst_memory_unref (mem);

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-created"), 1);
  fail_unless_equals_int (grown (before, after, "memories-freed"), 1);
  fail_unless_equals_int (grown (before, after, "memories-recycled"), 0);
  fail_unless_equals_int (grown (before, after, "bytes-allocated"), maxsize);
  fail_unless_equals_int (grown (before, after, "bytes-freed"), maxsize);
  fail_unless_equals_int (row_value (after, "allocators", "GstAllocatorSysmem",
          "bytes") - row_value (before, "allocators", "GstAllocatorSysmem",
          "bytes"), maxsize);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* A share is a memory object of its own but allocates no bytes. */
GST_START_TEST (test_share_has_no_bytes)
{
  GstMemory *mem = gst_allocator_alloc (NULL, 1000, NULL);
  GstStructure *before = get_stats (), *after;

  gst_memory_unref (gst_memory_share (mem, 10, 100));

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-created"), 1);
  fail_unless_equals_int (grown (before, after, "memories-shared"), 1);
  fail_unless_equals_int (grown (before, after, "bytes-allocated"), 0);
  gst_memory_unref (mem);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* A pool buffer's last unref returns it (no free); acquiring it again is a
 * reuse; stopping the pool frees it, counted as freed by its pool. */
GST_START_TEST (test_pool_return_reuse_free)
{
  GstStructure *before = get_stats (), *after;
  GstBufferPool *pool = new_active_pool (1024, 0, 1);
  GstBuffer *first = acquire (pool);

  gst_buffer_unref (first);
  fail_unless (acquire (pool) == first);
  gst_buffer_unref (first);

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "buffers-created"), 1);
  fail_unless_equals_int (grown (before, after, "buffers-freed"), 0);
  fail_unless_equals_int (grown (before, after, "pool-new"), 1);
  fail_unless_equals_int (grown (before, after, "pool-reuses"), 1);
  fail_unless_equals_int (grown (before, after, "pool-returns"), 2);
  fail_unless_equals_int (grown (before, after, "pool-freed"), 0);
  gst_structure_free (after);

  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "buffers-freed"), 1);
  fail_unless_equals_int (grown (before, after, "pool-freed"), 1);
  fail_unless_equals_int (row_value (after, "pools", "GstBufferPool",
          "returns") - row_value (before, "pools", "GstBufferPool",
          "returns"), 2);
  gst_object_unref (pool);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* The bytes of memory a pool allocates when it starts are counted then,
 * before any buffer is used. */
GST_START_TEST (test_preallocated_bytes)
{
  GstStructure *before = get_stats (), *after;
  GstBufferPool *pool = new_active_pool (1000, 3, 3);

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-created"), 3);
  fail_unless (grown (before, after, "bytes-allocated") >= 3 * 1000);
  fail_unless_equals_int (grown (before, after, "pool-new"), 0);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* A pool refuses a buffer whose memory was tagged as changed: the return
 * is followed at once by the free. */
GST_START_TEST (test_pool_refused_return)
{
  GstStructure *before = get_stats (), *after;
  GstBufferPool *pool = new_active_pool (1024, 0, 1);
  GstBuffer *buf = acquire (pool);

  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_TAG_MEMORY);
  gst_buffer_unref (buf);

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "pool-returns"), 1);
  fail_unless_equals_int (grown (before, after, "pool-freed"), 1);
  fail_unless_equals_int (grown (before, after, "buffers-freed"), 1);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* Memory that a GstBucketAllocator recycles is not created again: ten
 * allocations of one size are one real allocation and ten recycling
 * unrefs; the allocator frees it when it goes away. */
GST_START_TEST (test_recycled_memory_not_created)
{
  GstStructure *before = get_stats (), *after;
  GstAllocator *alloc = gst_bucket_allocator_new ();
  gint i;

  for (i = 0; i < 10; i++)
    gst_memory_unref (gst_allocator_alloc (alloc, 3000, NULL));

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-created"), 1);
  fail_unless_equals_int (grown (before, after, "memories-recycled"), 10);
  fail_unless_equals_int (grown (before, after, "memories-freed"), 0);
  fail_unless_equals_int (row_value (after, "allocators",
          "GstBucketAllocator", "memories"), 1);
  gst_structure_free (after);

  gst_object_unref (alloc);
  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-freed"), 1);
  fail_unless_equals_int (grown (before, after, "memories-recycled"), 10);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* Buffers and memories belong to the element that pushed them first, not
 * to the ones that pass them on. */
GST_START_TEST (test_element_attribution)
{
  GstStructure *s;

  run_pipeline ("fakesrc name=attrsrc num-buffers=5 sizetype=fixed "
      "sizemax=4096 ! identity name=attrid ! fakesink");

  s = get_stats ();
  fail_unless_equals_int (row_value (s, "elements", "attrsrc", "buffers"), 5);
  fail_unless_equals_int (row_value (s, "elements", "attrsrc", "memories"), 5);
  fail_unless_equals_int (row_value (s, "elements", "attrsrc", "bytes"),
      5 * 4096);
  fail_unless_equals_int (row_value (s, "elements", "attrsrc", "pooled"), 0);
  fail_unless_equals_int (row_value (s, "elements", "attrid", "buffers"), 0);
  gst_structure_free (s);
}

GST_END_TEST;

/* A pooled source's buffers are created once and pushed many times. */
GST_START_TEST (test_element_pooled_buffers)
{
  GstStructure *before = get_stats (), *after;
  guint64 created;

  run_pipeline ("videotestsrc name=poolsrc num-buffers=20 ! "
      "video/x-raw,width=64,height=48 ! fakesink");

  after = get_stats ();
  created = row_value (after, "elements", "poolsrc", "buffers");
  fail_unless (created >= 1 && created < 20);
  fail_unless_equals_int (row_value (after, "elements", "poolsrc", "pooled"),
      created);
  fail_unless_equals_int (grown (before, after, "pool-new") +
      grown (before, after, "pool-reuses"), 20);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* fanout's copies (copy-threshold here: a branch that sleeps 20 ms per
 * buffer gets copies while it has one queued) are counted in "copies",
 * as many as fanout's own stats say, and under fanout in the elements
 * table. */
GST_START_TEST (test_fanout_copies)
{
  GstStructure *before = get_stats (), *after, *fstats;
  GstElement *pipeline = launch ("fakesrc num-buffers=30 sizetype=fixed "
      "sizemax=1024 ! fanout name=copyfan src_1::copy-threshold=1 "
      "copyfan. ! fakesink copyfan. ! identity sleep-time=20000 ! fakesink");
  GstElement *fanout = gst_bin_get_by_name (GST_BIN (pipeline), "copyfan");
  guint64 copies;

  run_to_eos (pipeline);
  g_object_get (fanout, "stats", &fstats, NULL);
  fail_unless (gst_structure_get_uint64 (fstats, "copies", &copies));
  gst_element_set_state (pipeline, GST_STATE_NULL);

  after = get_stats ();
  fail_unless (copies > 0);
  fail_unless_equals_uint64 (grown (before, after, "copies"), copies);
  fail_unless_equals_uint64 (row_value (after, "elements", "copyfan",
          "buffers"), copies);
  gst_structure_free (fstats);
  gst_object_unref (fanout);
  gst_object_unref (pipeline);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* A buffer handed to gst_pad_chain() by code outside any element is not
 * the element's that pushes it on. */
GST_START_TEST (test_direct_chain_attribution)
{
  GstHarness *h = gst_harness_new ("identity");
  GstStructure *before, *after;
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");

  gst_object_set_name (GST_OBJECT (h->element), "chainid");
  gst_harness_set_src_caps_str (h, "application/x-test");
  before = get_stats ();
  fail_unless_equals_int (gst_pad_chain (sinkpad,
          gst_buffer_new_allocate (NULL, 100, NULL)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));

  after = get_stats ();
  fail_unless_equals_int (row_value (after, "elements", "(no element)",
          "buffers") - row_value (before, "elements", "(no element)",
          "buffers"), 1);
  fail_unless_equals_int (row_value (after, "elements", "chainid",
          "buffers"), 0);
  gst_object_unref (sinkpad);
  gst_harness_teardown (h);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* Buffers and memories pass between streaming threads (tee, queues,
 * jpegenc) and die on any of them: once the pipeline is stopped, every
 * object created was freed, and every return was either reused or freed
 * by its pool. */
GST_START_TEST (test_threads_balance)
{
  GstStructure *before = get_stats (), *after;

  run_pipeline ("videotestsrc num-buffers=100 ! video/x-raw,width=64,"
      "height=48 ! tee name=t t. ! queue ! jpegenc ! fakesink "
      "t. ! queue ! fakesink t. ! queue max-size-buffers=1 ! fakesink");

  after = get_stats ();
  fail_unless (grown (before, after, "buffers-created") > 100);
  fail_unless_equals_int (grown (before, after, "buffers-created"),
      grown (before, after, "buffers-freed"));
  fail_unless_equals_int (grown (before, after, "memories-created"),
      grown (before, after, "memories-freed"));
  fail_unless_equals_int (grown (before, after, "bytes-allocated"),
      grown (before, after, "bytes-freed"));
  fail_unless_equals_int (grown (before, after, "pool-returns"),
      grown (before, after, "pool-reuses") + grown (before, after,
          "pool-freed"));
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

static gboolean
gst_at_least (guint minor)
{
  guint major, gst_minor, micro, nano;

  gst_version (&major, &gst_minor, &micro, &nano);
  return major > 1 || gst_minor >= minor;
}

static gpointer
alloc_memory (gpointer unused)
{
  return gst_allocator_alloc (NULL, 1000, NULL);
}

/* What each version measures. A memory whose creating thread runs no
 * other hook is sized by memory-init at once on 1.26+; on 1.22 its bytes
 * wait for its first use (here its last unref). */
GST_START_TEST (test_memory_sized_at_init)
{
  GstStructure *before = get_stats (), *after;
  GstMemory *mem = g_thread_join (g_thread_new ("alloc", alloc_memory, NULL));
  guint64 maxsize = mem->maxsize;

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "memories-created"), 1);
  fail_unless_equals_int (grown (before, after, "bytes-allocated"),
      gst_at_least (26) ? maxsize : 0);
  gst_structure_free (after);

  gst_memory_unref (mem);
  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "bytes-allocated"), maxsize);
  fail_unless_equals_int (grown (before, after, "bytes-freed"), maxsize);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* A buffer handed to gst_buffer_pool_release_buffer() directly is a
 * return only pool-buffer-queued shows (1.28+), and its next acquire a
 * reuse; on older versions the tracer sees neither, and the buffer is
 * new to it at its first last unref. */
GST_START_TEST (test_pool_direct_release)
{
  GstStructure *before = get_stats (), *after;
  GstBufferPool *pool = new_active_pool (1024, 0, 1);
  GstBuffer *buf = acquire (pool);
  gboolean hooks = gst_at_least (28);

  gst_buffer_pool_release_buffer (pool, buf);
  fail_unless (acquire (pool) == buf);
  gst_buffer_unref (buf);

  after = get_stats ();
  fail_unless_equals_int (grown (before, after, "pool-new"), 1);
  fail_unless_equals_int (grown (before, after, "pool-returns"), hooks ? 2 : 1);
  fail_unless_equals_int (grown (before, after, "pool-reuses"), hooks ? 1 : 0);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_structure_free (before);
  gst_structure_free (after);
}

GST_END_TEST;

/* The sharedpool's holder report names, for each buffer out, the element
 * and pad that last had it: the tracer's last holder. */
GST_START_TEST (test_holder_report_names_holders)
{
  GstStructure *report = wait_holder_report ();
  guint i;

  fail_unless_equals_int (structure_uint (report, "outstanding"), 2);
  for (i = 0; i < 2; i++) {
    const GstStructure *held = held_buffer (report, i);

    fail_unless_equals_string (gst_structure_get_string (held, "last-holder"),
        "stuck:sink");
    fail_unless_equals_string (gst_structure_get_string (held, "acquired-by"),
        "src:src");
  }
  gst_structure_free (report);
}

GST_END_TEST;

/* The leak report gives the last holder too: here the appsink that
 * keeps the buffer pushed into it. */
GST_START_TEST (test_leak_report_last_holder)
{
  GstBufferPool *pool = gst_shared_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstElement *keeper = gst_element_factory_make ("appsink", "keeper");
  GstHarness *h = gst_harness_new_with_element (keeper, "sink", NULL);
  GstBuffer *buf;
  gchar *report;

  /* the harness took its own reference */
  gst_object_unref (keeper);

  gst_buffer_pool_config_set_params (config, NULL, 1000, 0, 0);
  gst_shared_pool_config_set_track_leaks (config, TRUE);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  g_object_set (h->element, "sync", FALSE, NULL);
  gst_harness_set_src_caps_str (h, "test/x");

  buf = acquire (pool);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  report = gst_shared_pool_get_leak_report (GST_SHARED_POOL (pool));
  fail_unless (report != NULL);
  fail_unless (strstr (report, "last held by keeper:sink") != NULL, "%s",
      report);

  g_free (report);
  gst_harness_teardown (h);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
}

GST_END_TEST;

/* ---- in a child process ---- */

#define ARGS(...) ((const gchar *[]) { __VA_ARGS__, NULL })

/* Runs the runner with GST_TRACERS=@tracers (and, with @count_file, under
 * the malloc counter writing to it) and the runner arguments @args.
 * Returns its stderr; its stdout goes to @out if not NULL. */
static gchar *
run_child (const gchar * tracers, const gchar * count_file, gchar ** out,
    const gchar ** args)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar **env = g_get_environ (), *err = NULL;
  gint status;

  g_ptr_array_add (argv, (gpointer) ALLOCSTATS_RUNNER);
  for (; *args; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);

  env = g_environ_setenv (env, "GST_TRACERS", tracers, TRUE);
  if (count_file) {
    env = g_environ_setenv (env, "LD_PRELOAD", MALLOCCOUNT_LIB, TRUE);
    env = g_environ_setenv (env, "MALLOCCOUNT_FILE", count_file, TRUE);
    env = g_environ_setenv (env, "MALLOCCOUNT_MIN", BIG_ALLOC, TRUE);
    env = g_environ_setenv (env, "MALLOCCOUNT_PROG", "allocstats-runner", TRUE);
  }

  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, env, 0, NULL,
          NULL, out, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "runner failed: %s",
      err);
  g_ptr_array_free (argv, TRUE);
  g_strfreev (env);
  return err;
}

static gchar *
tracers_with (const gchar * params, const gchar * file)
{
  return g_strdup_printf ("allocstats(%s%sfile=%s)", params,
      *params ? "," : "", file);
}

/* Runs @pipeline with allocstats(@params,file=@name in the temporary
 * folder) and returns what the tracer wrote to the file. */
static gchar *
run_to_file (const gchar * params, const gchar * name, const gchar * pipeline)
{
  gchar *path = tmp_path (name), *tracers = tracers_with (params, path);
  gchar *text = NULL;

  g_free (run_child (tracers, NULL, NULL, ARGS (pipeline)));
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "no %s", path);
  g_free (tracers);
  g_free (path);
  return text;
}

/* Runs the runner as run_child() does, with the tracer records in the
 * debug log; returns that log. */
static gchar *
run_child_logged (const gchar * tracers, const gchar ** args)
{
  gchar *err;

  g_setenv ("GST_DEBUG", "GST_TRACER:7", TRUE);
  err = run_child (tracers, NULL, NULL, args);
  g_unsetenv ("GST_DEBUG");
  return err;
}

static gchar **
read_lines (const gchar * path)
{
  gchar *text = NULL, **lines;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "no %s", path);
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  return lines;
}

/* The value of @column in row @index (from the end when negative) of the
 * CSV file @lines, header first. */
static guint64
csv_value (gchar ** lines, gint index, const gchar * column)
{
  gchar **header = g_strsplit (lines[0], ",", -1), **row;
  guint n = g_strv_length (lines), col;
  guint64 v;

  for (col = 0; header[col] && !g_str_equal (header[col], column); col++);
  fail_unless (header[col] != NULL, "no column %s", column);
  row = g_strsplit (lines[index < 0 ? (gint) n + index : index], ",", -1);
  fail_unless_equals_int (g_strv_length (row), g_strv_length (header));
  v = g_ascii_strtoull (row[col], NULL, 10);
  g_strfreev (header);
  g_strfreev (row);
  return v;
}

static guint64
final_value (const gchar * csv_path, const gchar * column)
{
  gchar **lines = read_lines (csv_path);
  guint64 v = csv_value (lines, -1, column);

  g_strfreev (lines);
  return v;
}

/* A total of the malloc counter's file ("key=value" lines). */
static guint64
malloc_total (const gchar * path, const gchar * key)
{
  gchar **lines = read_lines (path), **l;
  gchar *prefix = g_strconcat (key, "=", NULL);
  guint64 v = G_MAXUINT64;

  for (l = lines; *l; l++)
    if (g_str_has_prefix (*l, prefix))
      v = g_ascii_strtoull (*l + strlen (prefix), NULL, 10);
  fail_unless (v != G_MAXUINT64, "no %s in %s", key, path);
  g_free (prefix);
  g_strfreev (lines);
  return v;
}

/* Runs @pipeline under the tracer and the malloc counter; checks that every
 * GstMemory the tracer counted is one big malloc the counter saw, and
 * that the bytes agree but for each block's header. Returns the CSV. */
static gchar *
check_malloc_agreement (const gchar ** args)
{
  gchar *csv = tmp_path ("agree.csv"), *count = tmp_path ("agree.count");
  gchar *tracers = tracers_with ("summary=false", csv);
  guint64 mems, bytes, calls, big_bytes;

  g_free (run_child (tracers, count, NULL, args));

  mems = final_value (csv, "memories-created");
  bytes = final_value (csv, "bytes-allocated");
  calls = malloc_total (count, "big_calls");
  big_bytes = malloc_total (count, "big_bytes");
  GST_INFO ("%" G_GUINT64_FORMAT " memories, %" G_GUINT64_FORMAT
      " big mallocs", mems, calls);
  fail_unless (mems > 0);
  fail_unless_equals_int (mems, calls);
  fail_unless (big_bytes >= bytes && big_bytes - bytes <= calls * MAX_HEADER,
      "%" G_GUINT64_FORMAT " bytes counted, %" G_GUINT64_FORMAT " malloc'd",
      bytes, big_bytes);

  g_free (tracers);
  g_free (count);
  return csv;
}

/* Unpooled: fakesrc mallocs every buffer's data: one memory, one malloc. */
GST_START_TEST (test_malloc_agreement_unpooled)
{
  gchar *csv = check_malloc_agreement (ARGS ("fakesrc num-buffers="
          G_STRINGIFY (N_FRAMES) " sizetype=fixed sizemax="
          G_STRINGIFY (FRAME_SIZE) " ! fakesink"));

  fail_unless_equals_int (final_value (csv, "memories-created"), N_FRAMES);
  g_free (csv);
}

GST_END_TEST;

/* Pooled: videotestsrc's pool allocates a few frames and reuses them. */
GST_START_TEST (test_malloc_agreement_pooled)
{
  gchar *csv = check_malloc_agreement (ARGS ("videotestsrc num-buffers="
          G_STRINGIFY (N_FRAMES) " ! video/x-raw,format=I420,width=320,"
          "height=240 ! fakesink"));

  fail_unless (final_value (csv, "memories-created") < N_FRAMES);
  fail_unless_equals_int (final_value (csv, "pool-new") +
      final_value (csv, "pool-reuses"), N_FRAMES);
  g_free (csv);
}

GST_END_TEST;

/* The final row of the CSV @path, without its time. */
static gchar *
final_counts (const gchar * path)
{
  gchar **lines = read_lines (path);
  gchar *row = g_strdup (strchr (lines[g_strv_length (lines) - 1], ','));

  g_strfreev (lines);
  return row;
}

/* The final counts of one pipeline: the same on every GStreamer version,
 * with the exact hooks of the running version and with the 1.22
 * inference, and in agreement with the malloc counter. */
static void
check_counts (const gchar * expected, const gchar ** args)
{
  gchar *csv = tmp_path ("counts.csv");
  gchar *tracers = tracers_with ("summary=false,interval=0,"
      "exact-hooks=false", csv);
  gchar *exact_csv = check_malloc_agreement (args);
  gchar *exact = final_counts (exact_csv), *inferred;

  g_free (run_child (tracers, NULL, NULL, args));
  inferred = final_counts (csv);
  GST_INFO ("GStreamer %s: %s", gst_version_string (), exact);
  fail_unless_equals_string (exact, expected);
  fail_unless_equals_string (inferred, expected);

  g_free (inferred);
  g_free (exact);
  g_free (exact_csv);
  g_free (tracers);
  g_free (csv);
}

/* Columns: buffers-created, buffers-freed, memories-created,
 * memories-freed, memories-recycled, memories-shared, bytes-allocated,
 * bytes-freed, pool-new, pool-reuses, pool-returns, pool-freed, copies,
 * final.
 * One thread runs each pipeline, so the counts are exact. */
GST_START_TEST (test_same_counts_every_version)
{
  /* fakesrc mallocs each frame: 40 memories, no pool */
  check_counts (",40,40,40,40,0,0,5242880,5242880,0,0,0,0,0,1",
      ARGS ("fakesrc num-buffers=40 sizetype=fixed sizemax=131072 ! "
          "fakesink"));
  /* videotestsrc's pool: 2 buffers serve 40 frames */
  check_counts (",2,2,2,2,0,0,230414,230414,2,38,40,2,0,1",
      ARGS ("videotestsrc num-buffers=40 ! video/x-raw,format=I420,"
          "width=320,height=240 ! fakesink"));
  /* jpegenc allocates each output from the default allocator, here a
   * GstBucketAllocator: 2 of its memories and the source's 1 serve all */
  check_counts (",41,41,3,3,41,0,393216,393216,1,39,40,1,0,1",
      ARGS ("--bucket-default", "videotestsrc num-buffers=40 ! "
          "video/x-raw,format=I420,width=320,height=240 ! jpegenc ! "
          "fakesink"));
}

GST_END_TEST;

/* Recycled: a GstBucketAllocator as the default allocator serves the
 * appsrc buffers from recycled memory, which is not created again. */
GST_START_TEST (test_malloc_agreement_recycled)
{
  gchar *csv = check_malloc_agreement (ARGS ("--bucket-default",
          "--app-buffers=" G_STRINGIFY (N_FRAMES),
          "--app-size=" G_STRINGIFY (FRAME_SIZE),
          "appsrc name=app block=true max-bytes=" G_STRINGIFY (FRAME_SIZE)
          " ! fakesink"));

  fail_unless (final_value (csv, "memories-created") < N_FRAMES);
  fail_unless (final_value (csv, "memories-recycled") > 0);
  g_free (csv);
}

GST_END_TEST;

static guint
count_matches (const gchar * text, const gchar * pattern)
{
  GRegex *regex = g_regex_new (pattern, 0, 0, NULL);
  GMatchInfo *match = NULL;
  guint n = 0;

  for (g_regex_match (regex, text, 0, &match); g_match_info_matches (match);
      g_match_info_next (match, NULL))
    n++;
  g_match_info_free (match);
  g_regex_unref (regex);
  return n;
}

static guint
count_substrings (const gchar * haystack, const gchar * needle)
{
  guint n = 0;

  while ((haystack = strstr (haystack, needle))) {
    n++;
    haystack += strlen (needle);
  }
  return n;
}

/* A live source spreads the events over several intervals: rows are
 * written while buffers flow, each with a tracer record, and the last row
 * and record are the final ones. */
GST_START_TEST (test_interval_rows_and_records)
{
  gchar *csv = tmp_path ("interval.csv");
  gchar *tracers = tracers_with ("interval=50,summary=false", csv);
  gchar *err, **lines;
  guint n, i, interval_rows = 0;

  err = run_child_logged (tracers, ARGS ("videotestsrc is-live=true "
          "num-buffers=15 ! video/x-raw,width=64,height=48,framerate=30/1 ! "
          "fakesink"));

  lines = read_lines (csv);
  n = g_strv_length (lines);
  for (i = 2; i < n - 1; i++)
    interval_rows += csv_value (lines, i, "final") == 0;
  fail_unless (interval_rows >= 2, "%u interval rows", interval_rows);
  fail_unless_equals_int (csv_value (lines, -1, "final"), 1);
  /* one record per row, the first (all zero) included */
  fail_unless_equals_int (count_matches (err,
          "allocstats, time=\\(guint64\\)[0-9]"), n - 1);
  fail_unless_equals_int (count_substrings (err, "final=(boolean)1;"), 1);
  fail_unless (strstr (err, "allocstats-element, name=(string)") != NULL);
  fail_unless (strstr (err, "allocstats-allocator, name=(string)") != NULL);
  fail_unless (strstr (err, "allocstats-pool, name=(string)") != NULL);

  g_strfreev (lines);
  g_free (err);
  g_free (tracers);
  g_free (csv);
}

GST_END_TEST;

/* The final totals record of a child's debug log @err, parsed. */
static GstStructure *
final_record (const gchar * err)
{
  gchar **lines = g_strsplit (err, "\n", -1), **l;
  GstStructure *record = NULL;

  for (l = lines; *l && record == NULL; l++)
    if (strstr (*l, "final=(boolean)1;"))
      record = gst_structure_from_string (strstr (*l, "allocstats, "), NULL);
  g_strfreev (lines);
  fail_unless (record != NULL, "no final record in %s", err);
  return record;
}

static guint64
record_value (const GstStructure * record, const gchar * field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (record, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, record);
  return v;
}

/* The totals record has a field for each row of the counter table, with
 * the value of the CSV's final row: its fields and the values of each log
 * come from the one table, so none is shifted. */
GST_START_TEST (test_record_has_every_counter)
{
  gchar *csv = tmp_path ("record.csv");
  gchar *tracers = tracers_with ("interval=0,summary=false", csv);
  GstStructure *record;
  gchar *err;

  err = run_child_logged (tracers, ARGS ("videotestsrc num-buffers=5 ! "
          "video/x-raw,width=64,height=48 ! fakesink"));

  record = final_record (err);
#define CHECK_COUNTER(id, name, description) \
  fail_unless_equals_uint64 (record_value (record, name), \
      final_value (csv, name));
  ALLOCSTATS_COUNTERS (CHECK_COUNTER);
#undef CHECK_COUNTER
  /* and time and final */
  fail_unless_equals_int (gst_structure_n_fields (record), N_COUNTERS + 2);

  gst_structure_free (record);
  g_free (err);
  g_free (tracers);
  g_free (csv);
}

GST_END_TEST;

/* Checks one row of a memory-tracer file against the allocs before it:
 * a free must have its alloc, not later in time. Returns TRUE for a free. */
static gboolean
check_memory_row (GRegex * row, const gchar * line, GHashTable * allocs)
{
  GMatchInfo *m = NULL;
  gchar *ts, *event, *ptr;
  gboolean is_free;

  fail_unless (g_regex_match (row, line, 0, &m), "bad row '%s'", line);
  ts = g_match_info_fetch (m, 1);
  event = g_match_info_fetch (m, 2);
  ptr = g_match_info_fetch (m, 3);
  is_free = g_str_equal (event, "free");
  if (is_free) {
    fail_unless (g_hash_table_contains (allocs, ptr), "free of %s", ptr);
    fail_unless (GPOINTER_TO_SIZE (g_hash_table_lookup (allocs, ptr)) <=
        g_ascii_strtoull (ts, NULL, 10));
    g_hash_table_remove (allocs, ptr);
    g_free (ptr);
  } else {
    g_hash_table_insert (allocs, ptr,
        GSIZE_TO_POINTER (g_ascii_strtoull (ts, NULL, 10)));
  }
  g_free (ts);
  g_free (event);
  g_match_info_free (m);
  return is_free;
}

/* format=memory-tracer: gst-plugins-rs' memory-tracer rows (ts, alloc or
 * free, pointer, parent, memory type, maxsize) and the element; every
 * memory freed was allocated before. */
GST_START_TEST (test_memory_tracer_file)
{
  gchar *text = run_to_file ("format=memory-tracer,summary=false", "m.csv",
      "fakesrc name=memsrc num-buffers=10 sizetype=fixed sizemax=4096 ! "
      "fakesink");
  GRegex *row = g_regex_new ("^([0-9]+),(alloc|free),([0-9]+),0x0{8},"
      "\"SystemMemory\",4096,\"memsrc\"$", 0, 0, NULL);
  GHashTable *allocs = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  gchar **lines = g_strsplit (g_strchomp (text), "\n", -1), **l;
  guint n_free = 0;

  for (l = lines; *l; l++)
    n_free += check_memory_row (row, *l, allocs);
  fail_unless_equals_int (n_free, 10);
  fail_unless_equals_int (g_strv_length (lines), 20);

  g_hash_table_unref (allocs);
  g_strfreev (lines);
  g_regex_unref (row);
  g_free (text);
}

GST_END_TEST;

/* The bytes (group 4) of a memory-tracer alloc row, and its element
 * (group 5) counted in @elements. */
static guint64
alloc_row_bytes (GRegex * row, const gchar * line, GHashTable * elements)
{
  GMatchInfo *m = NULL;
  gchar *bytes, *element;
  guint64 v;

  fail_unless (g_regex_match (row, line, 0, &m));
  bytes = g_match_info_fetch (m, 4);
  element = g_match_info_fetch (m, 5);
  v = g_ascii_strtoull (bytes, NULL, 10);
  g_hash_table_insert (elements, element, GUINT_TO_POINTER
      (GPOINTER_TO_UINT (g_hash_table_lookup (elements, element)) + 1));
  g_free (bytes);
  g_match_info_free (m);
  return v;
}

/* format=memory-tracer agrees with the tracer's own counters: an alloc
 * row per memory created, a free row per memory freed, each free after
 * its alloc, the alloc rows' maxsize adding up to bytes-allocated; and
 * the element column names the element that first pushed each memory:
 * the source for its pool's frames, the encoder for its output. */
GST_START_TEST (test_memory_tracer_counts)
{
  gchar *path = tmp_path ("counts.mt");
  gchar *tracers = tracers_with ("format=memory-tracer,summary=false,"
      "interval=0", path);
  GRegex *row = g_regex_new ("^([0-9]+),(alloc|free),([0-9]+),0x0{8},"
      "\"SystemMemory\",([0-9]+),\"(vsrc|enc)\"$", 0, 0, NULL);
  GHashTable *allocs = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  GHashTable *elements = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  guint64 n_alloc = 0, n_free = 0, bytes = 0;
  GstStructure *record;
  gchar *err, **lines, **l;

  err = run_child_logged (tracers, ARGS ("videotestsrc name=vsrc "
          "num-buffers=20 ! video/x-raw,width=64,height=48 ! sharedpool ! "
          "jpegenc name=enc ! fakesink"));
  record = final_record (err);
  lines = read_lines (path);

  for (l = lines; *l; l++) {
    if (check_memory_row (row, *l, allocs)) {
      n_free++;
    } else {
      n_alloc++;
      bytes += alloc_row_bytes (row, *l, elements);
    }
  }
  fail_unless_equals_int (g_hash_table_size (allocs), 0);
  fail_unless_equals_uint64 (n_alloc, record_value (record,
          "memories-created"));
  fail_unless_equals_uint64 (n_free, record_value (record, "memories-freed"));
  fail_unless_equals_uint64 (bytes, record_value (record, "bytes-allocated"));
  fail_unless (g_hash_table_contains (elements, "vsrc"));
  fail_unless (g_hash_table_contains (elements, "enc"));

  gst_structure_free (record);
  g_strfreev (lines);
  g_hash_table_unref (elements);
  g_hash_table_unref (allocs);
  g_regex_unref (row);
  g_free (err);
  g_free (tracers);
  g_free (path);
}

GST_END_TEST;

#define CSV_HEADER "time,buffers-created,buffers-freed,memories-created," \
    "memories-freed,memories-recycled,memories-shared,bytes-allocated," \
    "bytes-freed,pool-new,pool-reuses,pool-returns,pool-freed,copies,final"

/* Without interval rows the CSV file has its header, the row at the start
 * (all zero) and the final row with the totals. */
GST_START_TEST (test_csv_file)
{
  gchar *csv = tmp_path ("a.csv");
  gchar *tracers = tracers_with ("interval=0,summary=false", csv);
  gchar **lines;

  g_free (run_child (tracers, NULL, NULL, ARGS ("fakesrc num-buffers=10 "
              "sizetype=fixed sizemax=4096 ! fakesink")));

  lines = read_lines (csv);
  fail_unless_equals_int (g_strv_length (lines), 3);
  fail_unless_equals_string (lines[0], CSV_HEADER);
  fail_unless_equals_string (lines[1], "0.000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
  fail_unless_equals_int (csv_value (lines, 2, "buffers-created"), 10);
  fail_unless_equals_int (csv_value (lines, 2, "buffers-freed"), 10);
  fail_unless_equals_int (csv_value (lines, 2, "memories-created"), 10);
  fail_unless_equals_int (csv_value (lines, 2, "bytes-allocated"), 40960);
  fail_unless_equals_int (csv_value (lines, 2, "final"), 1);

  g_strfreev (lines);
  g_free (tracers);
  g_free (csv);
}

GST_END_TEST;

/* format=json wins over the file name; the document holds the rows, the
 * totals and the tables. */
GST_START_TEST (test_json_file)
{
  gchar *text = run_to_file ("format=json,summary=false", "a.txt",
      "fakesrc name=fsrc num-buffers=10 sizetype=fixed sizemax=4096 ! "
      "fakesink");

  fail_unless (g_str_has_prefix (text, "{\n  \"tracer\": \"allocstats\",\n"
          "  \"interval-ms\": 1000,\n  \"rows\": [\n    {\"time\": "));
  fail_unless (strstr (text, "\n  \"totals\": {\"time\": ") != NULL);
  fail_unless (strstr (text, "\"memories-created\": 10,") != NULL);
  fail_unless (strstr (text, "{\"name\": \"fsrc\", \"buffers\": 10, "
          "\"pooled\": 0, \"memories\": 10, \"bytes\": 40960}") != NULL);
  fail_unless (strstr (text, "\n  \"allocators\": [") != NULL);
  fail_unless (strstr (text, "\n  \"pools\": []") != NULL);
  fail_unless (g_str_has_suffix (text, "\n}\n"));
  g_free (text);
}

GST_END_TEST;

/* Every param is read from the GST_TRACERS string. */
GST_START_TEST (test_params_parsed)
{
  gchar *out = NULL;

  g_free (run_child ("allocstats(interval=250,format=json,summary=false,"
          "max-rows=7)", NULL, &out, ARGS ("--print-params",
              "fakesrc num-buffers=1 ! fakesink")));

  fail_unless_equals_string (out, "interval=250 file=(NULL) format=json "
      "summary=false max-rows=7\n");
  g_free (out);
}

GST_END_TEST;

/* Bad params are reported one by one; each keeps its default and the
 * tracer works. */
GST_START_TEST (test_bad_params_keep_defaults)
{
  gchar *out = NULL, *err;

  err = run_child ("allocstats(interval=-5,max-rows=0,format=xml,bogus=1)",
      NULL, &out, ARGS ("--print-params", "fakesrc num-buffers=3 ! fakesink"));

  fail_unless (strstr (err, "invalid value '-5' for param 'interval'"));
  fail_unless (strstr (err, "invalid value '0' for param 'max-rows'"));
  fail_unless (strstr (err, "invalid value 'xml' for param 'format'"));
  fail_unless (strstr (err, "unknown param 'bogus' ignored"));
  fail_unless_equals_string (out, "interval=1000 file=(NULL) format=auto "
      "summary=true max-rows=256\n");
  fail_unless (strstr (err, "GstBuffer  3 created, 3 freed") != NULL);
  g_free (out);
  g_free (err);
}

GST_END_TEST;

/* Params that are no structure at all leave every default. */
GST_START_TEST (test_unparsable_params)
{
  gchar *out = NULL, *err;

  err = run_child ("allocstats(interval=5,()", NULL, &out,
      ARGS ("--print-params", "fakesrc num-buffers=1 ! fakesink"));

  fail_unless (strstr (err, "cannot parse params") != NULL);
  fail_unless_equals_string (out, "interval=1000 file=(NULL) format=auto "
      "summary=true max-rows=256\n");
  g_free (out);
  g_free (err);
}

GST_END_TEST;

/* The summary table goes to stderr with the totals and the tables. */
GST_START_TEST (test_summary_table)
{
  gchar *err = run_child ("allocstats", NULL, NULL,
      ARGS ("fakesrc name=sumsrc num-buffers=4 sizetype=fixed sizemax=1000 ! "
          "fakesink"));

  fail_unless (strstr (err, "allocstats: ") != NULL);
  fail_unless (strstr (err, "GstBuffer  4 created, 4 freed") != NULL);
  fail_unless (strstr (err, "GstMemory  4 created (0 of them shares), 4 "
          "freed, 0 recycled by their allocator") != NULL);
  fail_unless (g_regex_match_simple ("\n  sumsrc +4 +0 +4 +3[.,]9 KiB\n", err,
          0, 0), "%s", err);
  fail_unless (strstr (err, "allocator type") != NULL);
  fail_unless (strstr (err, "pool type") != NULL);
  g_free (err);
}

GST_END_TEST;

/* Past max-rows, new element names are counted in one "(other)" row. */
GST_START_TEST (test_max_rows)
{
  gchar *text = run_to_file ("max-rows=1,summary=false", "rows.json",
      "fakesrc name=a num-buffers=1 ! fakesink "
      "fakesrc name=b num-buffers=1 ! fakesink");

  fail_unless (strstr (text, "{\"name\": \"(other)\", \"buffers\": 1,"));
  fail_unless_equals_int (count_substrings (text, "\"buffers\": 1,"), 2);
  g_free (text);
}

GST_END_TEST;

/* Nothing runs at exit: a program that never calls gst_deinit() never
 * finalizes the tracer, so its file ends with the rows written so far
 * (here the first), and it gets no final row and no summary. */
GST_START_TEST (test_no_final_row_without_deinit)
{
  gchar *csv = tmp_path ("exit.csv");
  gchar *tracers = tracers_with ("interval=0", csv);
  gchar *err = run_child (tracers, NULL, NULL, ARGS ("--no-deinit",
          "fakesrc num-buffers=2 ! fakesink"));

  fail_unless_equals_int (final_value (csv, "final"), 0);
  fail_unless_equals_int (final_value (csv, "buffers-created"), 0);
  fail_unless (strstr (err, "GstBuffer ") == NULL, "summary in %s", err);
  g_free (err);
  g_free (tracers);
  g_free (csv);
}

GST_END_TEST;

static Suite *
allocstats_suite (void)
{
  Suite *s = suite_create ("allocstats");
  TCase *tc = tcase_create ("in-process");
  TCase *child = tcase_create ("child");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stats_fields);
  tcase_add_test (tc, test_buffer_created_freed);
  tcase_add_test (tc, test_memory_bytes);
  tcase_add_test (tc, test_share_has_no_bytes);
  tcase_add_test (tc, test_pool_return_reuse_free);
  tcase_add_test (tc, test_preallocated_bytes);
  tcase_add_test (tc, test_pool_refused_return);
  tcase_add_test (tc, test_recycled_memory_not_created);
  tcase_add_test (tc, test_element_attribution);
  tcase_add_test (tc, test_element_pooled_buffers);
  tcase_add_test (tc, test_fanout_copies);
  tcase_add_test (tc, test_direct_chain_attribution);
  tcase_add_test (tc, test_threads_balance);
  tcase_add_test (tc, test_memory_sized_at_init);
  tcase_add_test (tc, test_pool_direct_release);
  tcase_add_test (tc, test_holder_report_names_holders);
  tcase_add_test (tc, test_leak_report_last_holder);

  suite_add_tcase (s, child);
  tcase_add_checked_fixture (child, tmpdir_setup, tmpdir_teardown);
  /* Under valgrind, its own preload owns malloc: the counter sees nothing
   * (the tracer's side of these tests runs in the other setups). */
  if (!RUNNING_ON_VALGRIND) {
    tcase_add_test (child, test_malloc_agreement_unpooled);
    tcase_add_test (child, test_malloc_agreement_pooled);
    tcase_add_test (child, test_malloc_agreement_recycled);
    tcase_add_test (child, test_same_counts_every_version);
  }
  tcase_add_test (child, test_interval_rows_and_records);
  tcase_add_test (child, test_record_has_every_counter);
  tcase_add_test (child, test_csv_file);
  tcase_add_test (child, test_json_file);
  tcase_add_test (child, test_memory_tracer_file);
  tcase_add_test (child, test_memory_tracer_counts);
  tcase_add_test (child, test_params_parsed);
  tcase_add_test (child, test_bad_params_keep_defaults);
  tcase_add_test (child, test_unparsable_params);
  tcase_add_test (child, test_summary_table);
  tcase_add_test (child, test_max_rows);
  tcase_add_test (child, test_no_final_row_without_deinit);

  return s;
}

/* The in-process tests need the tracer loaded by gst_init(), alongside
 * the leaks tracer of the leaks test setup. */
int
main (int argc, char **argv)
{
  const gchar *others = g_getenv ("GST_TRACERS");
  gchar *tracers = others && *others ?
      g_strconcat (others, ";" IN_PROCESS_TRACER, NULL) :
      g_strdup (IN_PROCESS_TRACER);

  g_setenv ("GST_TRACERS", tracers, TRUE);
  g_free (tracers);
  gst_check_init (&argc, &argv);

  return gst_check_run_suite (allocstats_suite (), "allocstats", __FILE__);
}
