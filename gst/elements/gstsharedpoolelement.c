/* GStreamer shared pool elements
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-sharedpool
 * @title: sharedpool
 *
 * Passthrough that offers a #GstSharedPool to upstream.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! sharedpool ! fakesink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsharedpoolelement.h"

struct _GstSharedPoolElement
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GST_DEBUG_CATEGORY_STATIC (gst_shared_pool_element_debug);
#define GST_CAT_DEFAULT gst_shared_pool_element_debug

#define gst_shared_pool_element_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSharedPoolElement, gst_shared_pool_element,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (gst_shared_pool_element_debug,
        "sharedpool", 0, "sharedpool element"));
GST_ELEMENT_REGISTER_DEFINE (sharedpool, "sharedpool", GST_RANK_NONE,
    GST_TYPE_SHARED_POOL_ELEMENT);

static GstFlowReturn
gst_shared_pool_element_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstSharedPoolElement *self = GST_SHARED_POOL_ELEMENT (parent);

  return gst_pad_push (self->srcpad, buffer);
}

static void
gst_shared_pool_element_class_init (GstSharedPoolElementClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Shared pool",
      "Generic", "Offers a recycling buffer pool to upstream",
      "gst-sharedpool developers");
}

static void
gst_shared_pool_element_init (GstSharedPoolElement * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_shared_pool_element_chain));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
