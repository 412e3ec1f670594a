/* GStreamer shared pool tracers
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The counters of the allocstats tracer and the code that writes them out
 * (CSV, JSON, the summary table, tracer records, the stats structure).
 * Private to the plugin. */

#pragma once

#include <stdio.h>

#include <gst/gst.h>

G_BEGIN_DECLS
/* The totals since the tracer started, one row each: the id, the name (of
 * the CSV column, the JSON, stats and record field) and the description
 * (of the record field). Every output is generated from this table, the
 * record's varargs included, so adding a counter is adding a row (and
 * counting it). All counters are guint64. */
/* *INDENT-OFF* */
#define ALLOCSTATS_COUNTERS(COUNTER)                                         \
  COUNTER (BUFFERS_CREATED, "buffers-created", "GstBuffers created")        \
  COUNTER (BUFFERS_FREED, "buffers-freed", "GstBuffers freed")              \
  COUNTER (MEMORIES_CREATED, "memories-created",                            \
      "GstMemory objects created (real allocations: recycled memory is "     \
      "not created again)")                                                 \
  COUNTER (MEMORIES_FREED, "memories-freed", "GstMemory objects freed")     \
  COUNTER (MEMORIES_RECYCLED, "memories-recycled",                          \
      "GstMemory objects whose last unref did not free them (kept by "       \
      "their allocator for reuse)")                                         \
  COUNTER (MEMORIES_SHARED, "memories-shared",                              \
      "GstMemory objects created as shares (sub-memories, no bytes of "      \
      "their own)")                                                         \
  COUNTER (BYTES_ALLOCATED, "bytes-allocated",                              \
      "maxsize bytes of the GstMemory objects created (shares excluded)")   \
  COUNTER (BYTES_FREED, "bytes-freed",                                      \
      "maxsize bytes of the GstMemory objects freed")                       \
  COUNTER (POOL_NEW, "pool-new",                                            \
      "pooled buffers seen in use for the first time")                      \
  COUNTER (POOL_REUSES, "pool-reuses",                                      \
      "pooled buffers seen in use again after a return to their pool")      \
  COUNTER (POOL_RETURNS, "pool-returns",                                    \
      "buffers handed back to their pool by their last unref")              \
  COUNTER (POOL_FREED, "pool-freed",                                        \
      "buffers freed after they had been returned to their pool")           \
  COUNTER (COPIES, "copies",                                                \
      "buffers an element made as copies so that the originals go back to " \
      "their pool (fanout's copy-threshold and copy-when-exhausted), "      \
      "counted at their first push")
/* *INDENT-ON* */
#define ALLOCSTATS_COUNTER_ID(id, name, description) COUNTER_##id,
    typedef enum
{
  ALLOCSTATS_COUNTERS (ALLOCSTATS_COUNTER_ID)
  N_COUNTERS
} AllocStatsCounter;
#undef ALLOCSTATS_COUNTER_ID

typedef struct
{
  const gchar *name;
  const gchar *description;
} AllocStatsCounterDef;

/* One table per thing the counts are broken down by. */
typedef enum
{
  TABLE_ELEMENTS,
  TABLE_ALLOCATORS,
  TABLE_POOLS,
  N_TABLES
} AllocStatsTableId;

#define TABLE_COLUMNS 4

/* Columns of each table. */
enum
{
  ELEMENT_BUFFERS,
  ELEMENT_POOLED,
  ELEMENT_MEMORIES,
  ELEMENT_BYTES,
};

enum
{
  ALLOCATOR_MEMORIES,
  ALLOCATOR_BYTES,
  ALLOCATOR_FREED,
  ALLOCATOR_RECYCLED,
};

enum
{
  POOL_NEW,
  POOL_REUSES,
  POOL_RETURNS,
  POOL_FREED,
};

typedef struct
{
  const gchar *name;            /* "elements", "allocators", "pools" */
  const gchar *singular;        /* row structure and record name */
  const gchar *key_title;       /* heading of the name column */
  const gchar *key_description;
  const gchar *columns[TABLE_COLUMNS];
  const gchar *descriptions[TABLE_COLUMNS];
} AllocStatsTableDef;

typedef struct
{
  gchar *name;
  guint64 v[TABLE_COLUMNS];
} AllocStatsRow;

typedef struct
{
  const AllocStatsTableDef *def;
  GHashTable *rows;             /* name -> AllocStatsRow, owns both */
} AllocStatsTable;

/* What the report functions read, under the tracer's object lock. */
typedef struct
{
  GstClockTime time;            /* since the tracer started */
  guint64 counters[N_COUNTERS];
  AllocStatsTable *tables;      /* N_TABLES */
} AllocStatsSnapshot;

extern const AllocStatsCounterDef allocstats_counters[N_COUNTERS];

void allocstats_table_init (AllocStatsTable * table, AllocStatsTableId id);
void allocstats_table_clear (AllocStatsTable * table);
AllocStatsRow *allocstats_table_row (AllocStatsTable * table,
    const gchar * name, guint max_rows);

/* The tracer records: created once, in the tracer's class_init. */
GstTracerRecord *allocstats_totals_record_new (void);
GstTracerRecord *allocstats_table_record_new (AllocStatsTableId id);
void allocstats_log_totals (GstTracerRecord * record,
    const AllocStatsSnapshot * snap, gboolean final);
void allocstats_log_tables (GstTracerRecord * const *records,
    const AllocStatsSnapshot * snap);

void allocstats_csv_begin (FILE * out);
void allocstats_csv_row (FILE * out, const AllocStatsSnapshot * snap,
    gboolean final);

/* One GstMemory allocated or freed, as a row of gst-plugins-rs'
 * memory-tracer CSV (plus the element column). */
typedef struct
{
  GstClockTime ts;              /* the hook's, as the memory-tracer's */
  gboolean alloc;
  gconstpointer memory;
  gconstpointer parent;
  const gchar *memory_type;     /* the allocator's mem_type */
  guint64 maxsize;
  const gchar *element;         /* first pusher, "" if none yet */
} AllocStatsMemoryEvent;

void allocstats_memory_row (FILE * out, const AllocStatsMemoryEvent * ev);

void allocstats_json_begin (FILE * out, guint interval_ms);
void allocstats_json_row (FILE * out, const AllocStatsSnapshot * snap,
    gboolean first);
void allocstats_json_end (FILE * out, const AllocStatsSnapshot * snap);

gchar *allocstats_summary (const AllocStatsSnapshot * snap);
GstStructure *allocstats_to_structure (const AllocStatsSnapshot * snap);

G_END_DECLS
