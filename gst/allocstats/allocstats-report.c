/* GStreamer shared pool tracers
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Everything the allocstats tracer writes: the per-interval rows (CSV,
 * JSON, tracer records), the final summary table, the per-element and
 * per-type tables and the stats structure. All of it reads an
 * AllocStatsSnapshot under the tracer's object lock and creates no mini
 * object, so it never calls back into the tracer's hooks. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "allocstats-report.h"

#define MAX_ROWS_OTHER "(other)"
#define MIN_NAME_WIDTH 24

#define COUNTER_DEF(id, name, description) [COUNTER_##id] = {name, description},
const AllocStatsCounterDef allocstats_counters[N_COUNTERS] = {
  ALLOCSTATS_COUNTERS (COUNTER_DEF)
};

#undef COUNTER_DEF

/* *INDENT-OFF* */
static const AllocStatsTableDef table_defs[N_TABLES] = {
  {"elements", "element", "element (first pusher)",
   "name of the element whose pad first pushed the objects",
   {"buffers", "pooled", "memories", "bytes"},
   {"GstBuffers created and first pushed by the element",
    "of those, buffers that came from a buffer pool",
    "GstMemory objects created and first pushed in its buffers",
    "maxsize bytes of those memories"}},
  {"allocators", "allocator", "allocator type",
   "GType name of the GstMemory's allocator",
   {"memories", "bytes", "freed", "recycled"},
   {"GstMemory objects created", "maxsize bytes of those",
    "GstMemory objects freed", "last unrefs that kept the memory"}},
  {"pools", "pool", "pool type", "GType name of the buffer pool",
   {"new", "reuses", "returns", "freed"},
   {"buffers seen in use for the first time",
    "buffers seen in use again after a return",
    "buffers returned by their last unref",
    "returned buffers the pool then freed"}},
};
/* *INDENT-ON* */

static void
row_free (AllocStatsRow * row)
{
  g_free (row->name);
  g_free (row);
}

static GstStructure *
value_spec (GType type, const gchar * description, gboolean aggregated)
{
  return gst_structure_new ("value", "type", G_TYPE_GTYPE, type,
      "description", G_TYPE_STRING, description,
      "flags", GST_TYPE_TRACER_VALUE_FLAGS, aggregated ?
      GST_TRACER_VALUE_FLAGS_AGGREGATED : GST_TRACER_VALUE_FLAGS_NONE, NULL);
}

/* Records are GstObjects that may be created before the leaks tracer and
 * live until gst_deinit(). */
static GstTracerRecord *
record_sink (GstTracerRecord * record)
{
  if (g_object_is_floating (record))
    gst_object_ref_sink (record);
  GST_OBJECT_FLAG_SET (record, GST_OBJECT_FLAG_MAY_BE_LEAKED);
  return record;
}

/* The record of one row of table @id. A table's columns are not a
 * table of their own: all tables have TABLE_COLUMNS, passed one by one. */
GstTracerRecord *
allocstats_table_record_new (AllocStatsTableId id)
{
  const AllocStatsTableDef *def = &table_defs[id];
  gchar *name = g_strdup_printf ("allocstats-%s.class", def->singular);
  GstTracerRecord *record;

  G_STATIC_ASSERT (TABLE_COLUMNS == 4);
  record = gst_tracer_record_new (name,
      "name", GST_TYPE_STRUCTURE,
      value_spec (G_TYPE_STRING, def->key_description, FALSE),
      def->columns[0], GST_TYPE_STRUCTURE,
      value_spec (G_TYPE_UINT64, def->descriptions[0], TRUE),
      def->columns[1], GST_TYPE_STRUCTURE,
      value_spec (G_TYPE_UINT64, def->descriptions[1], TRUE),
      def->columns[2], GST_TYPE_STRUCTURE,
      value_spec (G_TYPE_UINT64, def->descriptions[2], TRUE),
      def->columns[3], GST_TYPE_STRUCTURE,
      value_spec (G_TYPE_UINT64, def->descriptions[3], TRUE), NULL);
  g_free (name);

  return record_sink (record);
}

void
allocstats_table_init (AllocStatsTable * table, AllocStatsTableId id)
{
  table->def = &table_defs[id];
  table->rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) row_free);
}

void
allocstats_table_clear (AllocStatsTable * table)
{
  g_clear_pointer (&table->rows, g_hash_table_destroy);
}

/* The row of @name; once @max_rows rows exist, new names share one
 * "(other)" row so that a process that keeps creating elements with new
 * names does not grow the table without bound. */
AllocStatsRow *
allocstats_table_row (AllocStatsTable * table, const gchar * name,
    guint max_rows)
{
  AllocStatsRow *row = g_hash_table_lookup (table->rows, name);

  if (row)
    return row;
  if (g_hash_table_size (table->rows) >= max_rows) {
    name = MAX_ROWS_OTHER;
    if ((row = g_hash_table_lookup (table->rows, name)))
      return row;
  }

  row = g_new0 (AllocStatsRow, 1);
  row->name = g_strdup (name);
  g_hash_table_insert (table->rows, row->name, row);
  return row;
}

static gint
row_compare (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (((const AllocStatsRow *) a)->name,
      ((const AllocStatsRow *) b)->name);
}

/* The rows of @table sorted by name (free the list, not the rows). */
static GList *
table_sorted_rows (const AllocStatsTable * table)
{
  return g_list_sort (g_hash_table_get_values (table->rows), row_compare);
}

/* The fields of the totals record and the values of each of its logs,
 * both from ALLOCSTATS_COUNTERS, so they cannot disagree. */
#define RECORD_FIELD(id, name, description) \
    name, GST_TYPE_STRUCTURE, value_spec (G_TYPE_UINT64, description, TRUE),
#define RECORD_VALUE(id, name, description) snap->counters[COUNTER_##id],

GstTracerRecord *
allocstats_totals_record_new (void)
{
  return record_sink (gst_tracer_record_new ("allocstats.class",
          "time", GST_TYPE_STRUCTURE, value_spec (G_TYPE_UINT64,
              "nanoseconds since the tracer started", FALSE),
          ALLOCSTATS_COUNTERS (RECORD_FIELD)
          "final", GST_TYPE_STRUCTURE, value_spec (G_TYPE_BOOLEAN,
              "TRUE for the record written when the tracer finishes", FALSE),
          NULL));
}

void
allocstats_log_totals (GstTracerRecord * record,
    const AllocStatsSnapshot * snap, gboolean final)
{
  gst_tracer_record_log (record, (guint64) snap->time,
      ALLOCSTATS_COUNTERS (RECORD_VALUE) final);
}

#undef RECORD_FIELD
#undef RECORD_VALUE

void
allocstats_log_tables (GstTracerRecord * const *records,
    const AllocStatsSnapshot * snap)
{
  guint t;

  G_STATIC_ASSERT (TABLE_COLUMNS == 4);
  for (t = 0; t < N_TABLES; t++) {
    GList *rows = table_sorted_rows (&snap->tables[t]), *l;

    for (l = rows; l; l = l->next) {
      const AllocStatsRow *row = l->data;

      gst_tracer_record_log (records[t], row->name, row->v[0], row->v[1],
          row->v[2], row->v[3]);
    }
    g_list_free (rows);
  }
}

static gdouble
seconds (GstClockTime t)
{
  return (gdouble) t / GST_SECOND;
}

void
allocstats_csv_begin (FILE * out)
{
  guint i;

  fputs ("time", out);
  for (i = 0; i < N_COUNTERS; i++)
    fprintf (out, ",%s", allocstats_counters[i].name);
  fputs (",final\n", out);
}

void
allocstats_csv_row (FILE * out, const AllocStatsSnapshot * snap, gboolean final)
{
  guint i;

  fprintf (out, "%.6f", seconds (snap->time));
  for (i = 0; i < N_COUNTERS; i++)
    fprintf (out, ",%" G_GUINT64_FORMAT, snap->counters[i]);
  fprintf (out, ",%d\n", final ? 1 : 0);
}

/* A CSV field in double quotes, a quote doubled (RFC 4180: pandas and
 * Python's csv module read it back). */
static void
csv_string (FILE * out, const gchar * s)
{
  fputc ('"', out);
  for (; *s; s++) {
    if (*s == '"')
      fputc ('"', out);
    fputc (*s, out);
  }
  fputc ('"', out);
}

/* gst-plugins-rs' memory-tracer writes "{ts},{alloc|free},{ptr},
 * 0x{parent:08x},{type:?},{maxsize}": the pointer in decimal, the parent
 * in hex, the type quoted. memory_usage.py names the first six columns
 * and reads only those, so the element can follow them. */
void
allocstats_memory_row (FILE * out, const AllocStatsMemoryEvent * ev)
{
  fprintf (out, "%" G_GUINT64_FORMAT ",%s,%" G_GUINTPTR_FORMAT ",0x%08"
      G_GINTPTR_MODIFIER "x,", (guint64) ev->ts, ev->alloc ? "alloc" : "free",
      (guintptr) ev->memory, (guintptr) ev->parent);
  csv_string (out, ev->memory_type);
  fprintf (out, ",%" G_GUINT64_FORMAT ",", ev->maxsize);
  csv_string (out, ev->element);
  fputc ('\n', out);
}

/* Element names are the only strings that come from outside. */
static void
json_string (FILE * out, const gchar * s)
{
  fputc ('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf (out, "\\%c", *s);
    else if ((guchar) * s < 0x20)
      fprintf (out, "\\u%04x", (guint) (guchar) * s);
    else
      fputc (*s, out);
  }
  fputc ('"', out);
}

void
allocstats_json_begin (FILE * out, guint interval_ms)
{
  fprintf (out, "{\n  \"tracer\": \"allocstats\",\n  \"interval-ms\": %u,\n"
      "  \"rows\": [", interval_ms);
}

static void
json_counters (FILE * out, const AllocStatsSnapshot * snap)
{
  guint i;

  fprintf (out, "{\"time\": %.6f", seconds (snap->time));
  for (i = 0; i < N_COUNTERS; i++)
    fprintf (out, ", \"%s\": %" G_GUINT64_FORMAT, allocstats_counters[i].name,
        snap->counters[i]);
  fputc ('}', out);
}

void
allocstats_json_row (FILE * out, const AllocStatsSnapshot * snap,
    gboolean first)
{
  fputs (first ? "\n    " : ",\n    ", out);
  json_counters (out, snap);
}

static void
json_table (FILE * out, const AllocStatsTable * table)
{
  GList *rows = table_sorted_rows (table), *l;
  guint i;

  fprintf (out, ",\n  \"%s\": [", table->def->name);
  for (l = rows; l; l = l->next) {
    const AllocStatsRow *row = l->data;

    fputs (l == rows ? "\n    {\"name\": " : ",\n    {\"name\": ", out);
    json_string (out, row->name);
    for (i = 0; i < TABLE_COLUMNS; i++)
      fprintf (out, ", \"%s\": %" G_GUINT64_FORMAT, table->def->columns[i],
          row->v[i]);
    fputc ('}', out);
  }
  fputs (rows ? "\n  ]" : "]", out);
  g_list_free (rows);
}

void
allocstats_json_end (FILE * out, const AllocStatsSnapshot * snap)
{
  guint t;

  fputs ("\n  ],\n  \"totals\": ", out);
  json_counters (out, snap);
  for (t = 0; t < N_TABLES; t++)
    json_table (out, &snap->tables[t]);
  fputs ("\n}\n", out);
}

/* g_format_size() separates with a no-break space, which a terminal in
 * the C locale prints as garbage. */
static void
format_bytes (guint64 bytes, gchar * buf, gsize len)
{
  static const gchar *units[] = { "KiB", "MiB", "GiB", "TiB" };
  gdouble v = bytes;
  gint u = -1;

  while (v >= 1024 && u < (gint) G_N_ELEMENTS (units) - 1) {
    v /= 1024;
    u++;
  }
  if (u < 0)
    g_snprintf (buf, len, "%" G_GUINT64_FORMAT " B", bytes);
  else
    g_snprintf (buf, len, "%.1f %s", v, units[u]);
}

static void
append_cell (GString * s, const gchar * column, guint64 v)
{
  gchar size[32];

  if (!g_str_equal (column, "bytes")) {
    g_string_append_printf (s, " %12" G_GUINT64_FORMAT, v);
    return;
  }
  format_bytes (v, size, sizeof (size));
  g_string_append_printf (s, " %12s", size);
}

static guint
table_name_width (const AllocStatsTable * table)
{
  GHashTableIter iter;
  AllocStatsRow *row;
  guint width = MAX (MIN_NAME_WIDTH, strlen (table->def->key_title));

  g_hash_table_iter_init (&iter, table->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & row))
    width = MAX (width, strlen (row->name) + 2);
  return width;
}

static void
summary_table (GString * s, const AllocStatsTable * table)
{
  const AllocStatsTableDef *def = table->def;
  guint width = table_name_width (table), i;
  GList *rows = table_sorted_rows (table), *l;

  g_string_append_printf (s, "\n%-*s", width, def->key_title);
  for (i = 0; i < TABLE_COLUMNS; i++)
    g_string_append_printf (s, " %12s", def->columns[i]);
  for (l = rows; l; l = l->next) {
    const AllocStatsRow *row = l->data;

    g_string_append_printf (s, "\n  %-*s", width - 2, row->name);
    for (i = 0; i < TABLE_COLUMNS; i++)
      append_cell (s, def->columns[i], row->v[i]);
  }
  if (rows == NULL)
    g_string_append (s, "\n  (none)");
  g_string_append_c (s, '\n');
  g_list_free (rows);
}

static void
summary_totals (GString * s, const guint64 * c)
{
  guint64 acquires = c[COUNTER_POOL_NEW] + c[COUNTER_POOL_REUSES];
  gchar allocated[32], freed[32];

  format_bytes (c[COUNTER_BYTES_ALLOCATED], allocated, sizeof (allocated));
  format_bytes (c[COUNTER_BYTES_FREED], freed, sizeof (freed));
  g_string_append_printf (s, "  GstBuffer  %" G_GUINT64_FORMAT " created, %"
      G_GUINT64_FORMAT " freed\n", c[COUNTER_BUFFERS_CREATED],
      c[COUNTER_BUFFERS_FREED]);
  g_string_append_printf (s, "  GstMemory  %" G_GUINT64_FORMAT " created (%"
      G_GUINT64_FORMAT " of them shares), %" G_GUINT64_FORMAT " freed, %"
      G_GUINT64_FORMAT " recycled by their allocator\n",
      c[COUNTER_MEMORIES_CREATED], c[COUNTER_MEMORIES_SHARED],
      c[COUNTER_MEMORIES_FREED], c[COUNTER_MEMORIES_RECYCLED]);
  g_string_append_printf (s, "  bytes      %s allocated, %s freed "
      "(GstMemory maxsize)\n", allocated, freed);
  g_string_append_printf (s, "  pools      %" G_GUINT64_FORMAT " new, %"
      G_GUINT64_FORMAT " reused, %" G_GUINT64_FORMAT " returned, %"
      G_GUINT64_FORMAT " freed by their pool; hit rate ",
      c[COUNTER_POOL_NEW], c[COUNTER_POOL_REUSES], c[COUNTER_POOL_RETURNS],
      c[COUNTER_POOL_FREED]);
  if (acquires)
    g_string_append_printf (s, "%.1f %%\n",
        100.0 * c[COUNTER_POOL_REUSES] / acquires);
  else
    g_string_append (s, "-\n");
  if (c[COUNTER_COPIES])
    g_string_append_printf (s,
        "  copies     %" G_GUINT64_FORMAT " buffers made as "
        "copies so that the originals go back to their pool\n",
        c[COUNTER_COPIES]);
}

/* The table printed when the tracer finishes. */
gchar *
allocstats_summary (const AllocStatsSnapshot * snap)
{
  GString *s = g_string_new (NULL);
  guint t;

  g_string_append_printf (s, "allocstats: %.3f s since the tracer started\n",
      seconds (snap->time));
  summary_totals (s, snap->counters);
  for (t = 0; t < N_TABLES; t++)
    summary_table (s, &snap->tables[t]);

  return g_string_free (s, FALSE);
}

static void
append_table_value (GstStructure * s, const AllocStatsTable * table)
{
  GValue array = G_VALUE_INIT;
  GList *rows = table_sorted_rows (table), *l;
  guint i;

  g_value_init (&array, GST_TYPE_ARRAY);
  for (l = rows; l; l = l->next) {
    const AllocStatsRow *row = l->data;
    GstStructure *rs = gst_structure_new (table->def->singular,
        "name", G_TYPE_STRING, row->name, NULL);
    GValue v = G_VALUE_INIT;

    for (i = 0; i < TABLE_COLUMNS; i++)
      gst_structure_set (rs, table->def->columns[i], G_TYPE_UINT64,
          row->v[i], NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, rs);
    gst_value_array_append_and_take_value (&array, &v);
  }
  g_list_free (rows);
  gst_structure_take_value (s, table->def->name, &array);
}

/* The value of the tracer's stats property. */
GstStructure *
allocstats_to_structure (const AllocStatsSnapshot * snap)
{
  GstStructure *s = gst_structure_new ("allocstats",
      "time", G_TYPE_UINT64, (guint64) snap->time, NULL);
  guint i;

  for (i = 0; i < N_COUNTERS; i++)
    gst_structure_set (s, allocstats_counters[i].name, G_TYPE_UINT64,
        snap->counters[i], NULL);
  for (i = 0; i < N_TABLES; i++)
    append_table_value (s, &snap->tables[i]);

  return s;
}
