/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstWatermarkFifo: the bounded queue core of watermarkqueue and of each
 * fanout src pad. Internal to the plugin: not installed, not an element.
 *
 * It holds GstMiniObjects in order: buffers, buffer lists, serialized
 * events and serialized queries. Buffers (a list counts its buffers) fill
 * it in three dimensions, buffers, bytes and running time (from the
 * SEGMENT events pushed through it and the buffers' DTS-or-PTS and
 * duration, with GstQueue's rules: from what went out last to what came
 * in last, a SEGMENT counting at its start). The writer blocks when any enabled dimension
 * reaches its pause watermark and is woken only when every enabled
 * dimension has fallen to its resume watermark: hysteresis, so a writer
 * faster than its reader is woken once per (pause - resume) items instead
 * of once per item. A level may overshoot a pause watermark by one item.
 *
 * Usage, one writer thread and one reader thread (a GstTask) per fifo:
 *
 *   static void
 *   on_fifo (GstWatermarkFifo * fifo, GstWatermarkFifoEvent what,
 *       GstMiniObject * dropped, const GstWatermarkLevel * level,
 *       gpointer user_data)
 *   {
 *     // no fifo lock held here: emit signals, post messages, notify
 *   }
 *
 *   GstWatermarks wm = { 200, 100, 0, 0, GST_SECOND, GST_SECOND / 2 };
 *   const gchar *why = gst_watermarks_validate (&wm);   // NULL: valid
 *   fifo = gst_watermark_fifo_new (GST_OBJECT (pad), on_fifo, self);
 *   gst_watermark_fifo_set_watermarks (fifo, &wm);
 *   gst_watermark_fifo_set_policy (fifo, GST_WATERMARK_FIFO_BLOCK);
 *
 *   // writer (chain / serialized event / serialized query functions):
 *   ret = gst_watermark_fifo_push (fifo, GST_MINI_OBJECT_CAST (buffer));
 *   res = gst_watermark_fifo_push_query (fifo, query);  // waits for answer
 *
 *   // reader: the pad task is gst_watermark_fifo_forward_one (fifo,
 *   //   srcpad, GST_WATERMARK_FIFO_READER_QUEUE): pop, push or ask
 *   //   downstream, the flow handled, the task paused when flushing
 *
 *   // flush-start, pad deactivation: wakes both sides at once
 *   gst_watermark_fifo_set_flushing (fifo, TRUE);  then pause/stop the task
 *   // flush-stop: the stream state (sticky events) is queued again
 *   gst_watermark_fifo_restart (fifo, sinkpad);  then start the task
 *   // pad activation:
 *   gst_watermark_fifo_set_flushing (fifo, FALSE); then start the task
 *
 * Flow: the fifo keeps the last flow return. FLUSHING (set_flushing) drops
 * everything queued and makes both sides return at once. Any other
 * non-OK flow, set by the reader with set_flow() from what downstream
 * returned, is what push() then returns to the writer; pop() waits while
 * it is set (only FLUSHING makes pop() return), so a reader parked on
 * NOT_LINKED or EOS needs no task restart: set_flow (fifo, GST_FLOW_OK)
 * (on RECONFIGURE, say) lets it run again. EOS set by the reader is the
 * exception, GstQueue's rule: the data queued up to the next EOS or
 * SEGMENT event is discarded (counted in dropped) and the reader goes on
 * with the events, while push() refuses data with EOS until a SEGMENT or
 * STREAM_START, so the EOS upstream sends next is delivered and the
 * pipeline ends. get_flow() then says EOS. An EOS event pushed makes
 * push() return GST_FLOW_EOS for data and for events other than
 * STREAM_START and SEGMENT (which clear it); the EOS itself is queued
 * behind the data, so a drained EOS is delivered.
 *
 * Policies for a full fifo: BLOCK waits (hysteresis, counted in pauses and
 * resumes); DROP_OLDEST drops the oldest queued buffers until the new one
 * fits; DROP_NEWEST drops the new one. Drops happen at the pause
 * watermark with no hysteresis and are counted in dropped. Events and
 * queries are never dropped and never wait for room.
 *
 * Locking: one GMutex, one GCond per direction. Callbacks are called with
 * no fifo lock held. PAUSED, RESUMED and DROPPED come from the writer's
 * thread: a paused writer is released (under the lock, where resumes are
 * counted) by the reader at the resume watermarks, by set_flushing(),
 * set_flow(), set_watermarks() or set_policy() (none of which calls
 * back, so they may be called with a lock the callback takes), and then
 * reports RESUMED itself. So PAUSED and RESUMED alternate, starting with
 * PAUSED, every PAUSED is followed by one RESUMED (a flush counts as
 * one), and pauses == resumes whenever the fifo is not paused. ROOM,
 * FLOW and ANSWERED come from the reader's thread.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
/* Pause and resume watermarks of one fifo. A pause value of 0 disables its
 * dimension (its resume value is then ignored); otherwise resume must be
 * below pause. At least one dimension must be enabled, so that the fifo is
 * bounded (time alone bounds timestamped data; data without timestamps
 * then falls back to 200/100 buffers, with a GST_ELEMENT_WARNING from
 * the owner's element, once in the fifo's life). */
    typedef struct
{
  guint pause_buffers;
  guint resume_buffers;
  guint64 pause_bytes;
  guint64 resume_bytes;
  GstClockTime pause_time;
  GstClockTime resume_time;
} GstWatermarks;

/* What a fifo holds. */
typedef struct
{
  guint buffers;
  guint64 bytes;
  GstClockTime time;
} GstWatermarkLevel;

/* What a full fifo does with a new buffer, the `full-policy` of a fanout
 * branch and the `leaky` of watermarkqueue: one enum type, GstWatermarkPolicy,
 * registered once, with nicks block, drop-newest, drop-oldest and queue's
 * leaky nicks as aliases (no, upstream, downstream). The values are
 * queue's `leaky` ones. */
typedef enum
{
  GST_WATERMARK_FIFO_BLOCK,
  GST_WATERMARK_FIFO_DROP_NEWEST,
  GST_WATERMARK_FIFO_DROP_OLDEST,
} GstWatermarkFifoPolicy;

#define GST_TYPE_WATERMARK_FIFO_POLICY (gst_watermark_fifo_policy_get_type ())
GType gst_watermark_fifo_policy_get_type (void);

typedef enum
{
  GST_WATERMARK_FIFO_PAUSED,
  GST_WATERMARK_FIFO_RESUMED,
  GST_WATERMARK_FIFO_DROPPED,
  /* only with gst_watermark_fifo_watch_room(): the reader took the fifo
   * below its pause watermarks (from the reader, no lock held) */
  GST_WATERMARK_FIFO_ROOM,
  /* the reader set a flow that is not OK (from forward_one(): downstream
   * returned it, or its pad is not linked) */
  GST_WATERMARK_FIFO_FLOW,
  /* a query given with gst_watermark_fifo_post_query() was answered
   * (from the reader, no lock held): @dropped is the query, or NULL when
   * the answer was FALSE */
  GST_WATERMARK_FIFO_ANSWERED,
} GstWatermarkFifoEvent;

typedef struct _GstWatermarkFifo GstWatermarkFifo;

/* @dropped: the dropped buffer or list for DROPPED, the query for
 * ANSWERED (valid for the call only: ref it to keep it), else NULL; @level: the level right after the event. */
typedef void (*GstWatermarkFifoNotify) (GstWatermarkFifo * fifo,
    GstWatermarkFifoEvent what, GstMiniObject * dropped,
    const GstWatermarkLevel * level, gpointer user_data);

/* NULL when @wm is valid, else why not, naming the properties
 * ("resume-buffers must be below pause-buffers"). */
const gchar *gst_watermarks_validate (const GstWatermarks * wm);

/* The six watermark properties of both elements (watermarkqueue, each
 * fanout src pad), installed and dispatched here so that their docs,
 * ranges and defaults are written once; modelled on
 * gst_video_overlay_install_properties(). An object class installs them
 * with ids @last_prop_id + 1 to @last_prop_id + 6 (pause-buffers,
 * resume-buffers, pause-bytes, resume-bytes, pause-time, resume-time),
 * @last_prop_id being the last id of its own. Its set_property and
 * get_property pass every id to the functions below first: they return
 * TRUE when the id was one of these (handled through @fifo), FALSE when it
 * is the caller's. A set that would leave the watermarks invalid is
 * refused with a warning naming @object, and the old values stay.
 * Lowering a pause watermark to or below its resume watermark also takes
 * the resume watermark down to half of it, so that a user may set the two
 * in any order (gst-launch sets pad properties in reverse order) or set a
 * pause watermark alone. */
void gst_watermark_fifo_install_properties (GObjectClass * oclass,
    guint last_prop_id);
gboolean gst_watermark_fifo_set_property (GstWatermarkFifo * fifo,
    GObject * object, guint last_prop_id, guint property_id,
    const GValue * value);
gboolean gst_watermark_fifo_get_property (GstWatermarkFifo * fifo,
    guint last_prop_id, guint property_id, GValue * value);

/* @owner: the object debug output is about (not reffed). @notify may be
 * NULL. A new fifo is not flushing, empty, BLOCK, with the properties'
 * default watermarks (200/100 buffers, 10/5 MiB, 1/0.5 s, like queue's
 * max-size-*: whichever is reached first). */
GstWatermarkFifo *gst_watermark_fifo_new (GstObject * owner,
    GstWatermarkFifoNotify notify, gpointer user_data);
/* Drops what is queued (queries are the writer's and are not unreffed).
 * No thread may be using the fifo any more. */
void gst_watermark_fifo_free (GstWatermarkFifo * fifo);

/* @wm must be valid (gst_watermarks_validate). May be called at any time;
 * a writer that the new values no longer hold resumes. */
void gst_watermark_fifo_set_watermarks (GstWatermarkFifo * fifo,
    const GstWatermarks * wm);
void gst_watermark_fifo_get_watermarks (GstWatermarkFifo * fifo,
    GstWatermarks * wm);
void gst_watermark_fifo_set_policy (GstWatermarkFifo * fifo,
    GstWatermarkFifoPolicy policy);
GstWatermarkFifoPolicy gst_watermark_fifo_get_policy (GstWatermarkFifo * fifo);

/* Writer side. Takes @item (a buffer, buffer list or serialized event)
 * and always consumes it. Data: waits for room (BLOCK) or drops; returns
 * GST_FLOW_OK when queued or dropped by policy, else the flow that kept it
 * out (FLUSHING, EOS after an EOS event, or the flow set by set_flow).
 * Events never wait: returns GST_FLOW_OK when queued, else the reason; a
 * sticky event is queued even when the flow is not OK (but not when
 * flushing or after EOS), and the flow is returned. */
GstFlowReturn gst_watermark_fifo_push (GstWatermarkFifo * fifo,
    GstMiniObject * item);
/* Queues @query (not taken) behind the data and waits until the reader has
 * answered it with gst_watermark_fifo_query_done(), or until the fifo
 * flushes or a non-OK flow is set (FALSE then; it waits for a reader that
 * is answering it, so @query is never used after this returns). */
gboolean gst_watermark_fifo_push_query (GstWatermarkFifo * fifo,
    GstQuery * query);

/* Queues @query (transfer full) behind the data like push_query(), but
 * the writer does not wait for it: the reader answers it as any query
 * (pop, then query_done) and the fifo reports GST_WATERMARK_FIFO_ANSWERED.
 * A query flushed out is dropped without a report. FALSE (and @query unreffed) when the flow
 * is not OK: nobody would answer it. */
gboolean gst_watermark_fifo_post_query (GstWatermarkFifo * fifo,
    GstQuery * query);

/* Where the readers of fanout and watermarkqueue must differ:
 * @GST_WATERMARK_FIFO_READER_QUEUE: GstQueue's rules: FLUSHING from
 *   downstream stops the reader and is what the writer gets until a flush;
 *   NOT_LINKED after EOS was queued is posted as an error (nobody upstream
 *   will report it).
 * @GST_WATERMARK_FIFO_READER_BRANCH: one branch of several (fanout): a
 *   FLUSHING from downstream alone (not a flush of the reader's pad) is
 *   transient, that item is gone and the next ones are tried, so that one
 *   branch's sink being started or flushed never stops the producer for
 *   good; a branch not linked after EOS is no error (the stream ends on
 *   the other branches). */
typedef enum
{
  GST_WATERMARK_FIFO_READER_QUEUE,
  GST_WATERMARK_FIFO_READER_BRANCH,
} GstWatermarkFifoReader;

/* The reader's loop, one item per call, for @srcpad's task: when @srcpad
 * is not linked it parks on NOT_LINKED first (pushed, an item would be
 * lost; the link's RECONFIGURE, relink(), lifts it); then pops an item and
 * pushes it out of @srcpad (a buffer, list or event) or asks @srcpad's
 * peer (a query, answered with query_done). A flow that is not OK becomes
 * the fifo's flow (set_flow) as @kind says, and is reported as FLOW; a
 * fatal one after EOS was queued is posted as a flow error on the owner's
 * element and EOS is pushed, as GstQueue does. Pauses @srcpad's task when
 * the fifo or @srcpad is flushing. */
void gst_watermark_fifo_forward_one (GstWatermarkFifo * fifo, GstPad * srcpad,
    GstWatermarkFifoReader kind);

/* A reader without a thread of its own, for many fifos served by a few
 * threads (fanout's shared workers). @ready is called, with the fifo's
 * lock held, each time the fifo has something to take (an item, a flow
 * back to OK) after gst_watermark_fifo_forward_ready() found nothing, and
 * when set while something is queued: it may
 * only take a lock of its own that is never held while calling into a
 * fifo, and must not call into the fifo. Set it before the reader starts;
 * readers with a ready function do not batch (batching is for a thread
 * per reader). */
typedef void (*GstWatermarkFifoReady) (GstWatermarkFifo * fifo,
    gpointer user_data);
void gst_watermark_fifo_set_ready_func (GstWatermarkFifo * fifo,
    GstWatermarkFifoReady ready, gpointer user_data);
/* forward_one() without waiting, for a reader with a ready function and
 * @srcpad's stream lock held: TRUE when it forwarded an item (call it
 * again), FALSE when there was nothing to take (the ready function is
 * called when there is), the fifo flushes or @srcpad is being flushed. */
gboolean gst_watermark_fifo_forward_ready (GstWatermarkFifo * fifo,
    GstPad * srcpad, GstWatermarkFifoReader kind);

/* Reader side. Waits until an item is queued and the flow is OK, or the
 * fifo flushes; returns GST_FLOW_OK and the item (transfer full; a query
 * remains the writer's: answer it with query_done), or GST_FLOW_FLUSHING
 * and NULL. */
GstFlowReturn gst_watermark_fifo_pop (GstWatermarkFifo * fifo,
    GstMiniObject ** item);
void gst_watermark_fifo_query_done (GstWatermarkFifo * fifo,
    GstQuery * query, gboolean result);

/* TRUE: drops everything queued, resets the level, EOS and the flow to
 * FLUSHING and wakes both sides (pad deactivation). FALSE: flow OK, ready
 * for a new stream (activation, flush-stop). */
void gst_watermark_fifo_set_flushing (GstWatermarkFifo * fifo,
    gboolean flushing);
/* For FLUSH_STOP, and for a reader started on a stream that runs: ready
 * for data (set_flushing (fifo, FALSE)), with the stream's state queued
 * first: the sticky events of @sinkpad, the writer's pad, but EOS
 * (stream-start, caps, tags, and the segment when no flush removed it),
 * which upstream does not send again. A flush dropped those still queued,
 * and the reader's pad may have lost them. Call it with the writer's
 * stream lock held or the writer not running, so that none is missed or
 * doubled. */
void gst_watermark_fifo_restart (GstWatermarkFifo * fifo, GstPad * sinkpad);
/* Sets the flow the writer gets (what downstream returned); ignored while
 * flushing. Returns TRUE when an EOS event was already pushed, so the
 * caller can post a flow error that nobody upstream will post. */
gboolean gst_watermark_fifo_set_flow (GstWatermarkFifo * fifo,
    GstFlowReturn flow);
GstFlowReturn gst_watermark_fifo_get_flow (GstWatermarkFifo * fifo);
/* Downstream was linked again (a RECONFIGURE event on the reader's pad):
 * a reader parked on NOT_LINKED takes data again. */
void gst_watermark_fifo_relink (GstWatermarkFifo * fifo);

/* Reader batching, off by default: a reader waiting for data is woken
 * when @buffers buffers are queued, when an event or a query is queued,
 * when the fifo is full (the writer would wait or drop), or @max_delay
 * after the first buffer of the batch came in (GST_CLOCK_TIME_NONE: no
 * limit); it then takes items until the fifo is empty. Fewer wake-ups of
 * the reader for at most @max_delay more latency; while the fifo is empty
 * a batching reader with a @max_delay looks every @max_delay. @buffers 0
 * or 1: the reader is woken for every item. */
void gst_watermark_fifo_set_batch (GstWatermarkFifo * fifo, guint buffers,
    GstClockTime max_delay);
void gst_watermark_fifo_get_batch (GstWatermarkFifo * fifo, guint * buffers,
    GstClockTime * max_delay);
/* FALSE holds batching off (the reader is woken for every item) without
 * forgetting set_batch()'s values; TRUE, the default, lets it work. */
void gst_watermark_fifo_enable_batch (GstWatermarkFifo * fifo, gboolean enable);

void gst_watermark_fifo_get_level (GstWatermarkFifo * fifo,
    GstWatermarkLevel * level);
/* Calls @func on each queued buffer, oldest first, under the fifo's lock
 * (the reader cannot take it meanwhile): @func may replace *buffer with
 * another of the same size (transfer full both ways), and returns FALSE to
 * stop. Returns how many buffers @func saw. */
typedef gboolean (*GstWatermarkFifoBufferFunc) (GstBuffer ** buffer,
    gpointer user_data);
guint gst_watermark_fifo_foreach_buffer (GstWatermarkFifo * fifo,
    GstWatermarkFifoBufferFunc func, gpointer user_data);
/* One look under one lock, for a writer that picks among fifos: the flow
 * a push would get now (get_flow), the level, whether a push would find
 * it full (wait or drop) and what it then does. */
GstFlowReturn gst_watermark_fifo_peek (GstWatermarkFifo * fifo,
    GstWatermarkLevel * level, gboolean * full,
    GstWatermarkFifoPolicy * policy);
/* Reports GST_WATERMARK_FIFO_ROOM each time the reader takes a full fifo
 * below its pause watermarks, for a writer that waits for room in any of
 * several fifos without queueing into one. Off by default. */
void gst_watermark_fifo_watch_room (GstWatermarkFifo * fifo, gboolean watch);
/* Sets on @s: "pushed", "popped", "dropped" (buffers), "pauses",
 * "resumes", "underruns" (pops that found the fifo empty and waited)
 * (guint64), "level-buffers" (guint), "level-bytes", "level-time"
 * (guint64) and "paused" (gboolean). */
void gst_watermark_fifo_fill_stats (GstWatermarkFifo * fifo, GstStructure * s);

G_END_DECLS
