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
/* Totals since the tracer started; the names are the CSV columns, the JSON
 * and stats fields and the record fields. */
    typedef enum
{
  COUNTER_BUFFERS_CREATED,
  COUNTER_BUFFERS_FREED,
  COUNTER_MEMORIES_CREATED,
  COUNTER_MEMORIES_FREED,
  COUNTER_MEMORIES_RECYCLED,
  COUNTER_MEMORIES_SHARED,
  COUNTER_BYTES_ALLOCATED,
  COUNTER_BYTES_FREED,
  COUNTER_POOL_NEW,
  COUNTER_POOL_REUSES,
  COUNTER_POOL_RETURNS,
  COUNTER_POOL_FREED,
  N_COUNTERS
} AllocStatsCounter;

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
  GstTracerRecord *record;
} AllocStatsTable;

/* What the report functions read, under the tracer's object lock. */
typedef struct
{
  GstClockTime time;            /* since the tracer started */
  guint64 counters[N_COUNTERS];
  AllocStatsTable *tables;      /* N_TABLES */
} AllocStatsSnapshot;

extern const gchar *const allocstats_counter_names[N_COUNTERS];

void allocstats_table_init (AllocStatsTable * table, AllocStatsTableId id);
void allocstats_table_clear (AllocStatsTable * table);
AllocStatsRow *allocstats_table_row (AllocStatsTable * table,
    const gchar * name, guint max_rows);

GstTracerRecord *allocstats_totals_record_new (void);
void allocstats_log_totals (GstTracerRecord * record,
    const AllocStatsSnapshot * snap, gboolean final);
void allocstats_log_tables (const AllocStatsSnapshot * snap);

void allocstats_csv_begin (FILE * out);
void allocstats_csv_row (FILE * out, const AllocStatsSnapshot * snap,
    gboolean final);

void allocstats_json_begin (FILE * out, guint interval_ms);
void allocstats_json_row (FILE * out, const AllocStatsSnapshot * snap,
    gboolean first);
void allocstats_json_end (FILE * out, const AllocStatsSnapshot * snap);

gchar *allocstats_summary (const AllocStatsSnapshot * snap);
GstStructure *allocstats_to_structure (const AllocStatsSnapshot * snap);

G_END_DECLS
