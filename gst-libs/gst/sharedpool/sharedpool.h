/* GStreamer shared pool library
 * Copyright (C) 2026 gst-sharedpool developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Umbrella header of libgstsharedpool-1.0. */

#pragma once

#include <gst/sharedpool/sharedpool-prelude.h>
#include <gst/sharedpool/gstbucketallocator.h>
#include <gst/sharedpool/gstbucketfdallocator.h>
#include <gst/sharedpool/gstsharedpool.h>
#include <gst/sharedpool/gstframebatchmeta.h>
