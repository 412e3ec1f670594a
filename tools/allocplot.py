#!/usr/bin/env python3
# GStreamer shared pool library
# Copyright (C) 2026 gst-sharedpool developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plots allocstats rows: allocations and bytes over time, one or two runs.

    tools/allocplot.py [--stock FILE] [--sharedpool FILE] -o OUT.png
                       [--title TEXT]

FILE is what the allocstats tracer wrote with file= (CSV, or JSON when the
name ends in .json): GST_TRACERS="allocstats(interval=250,file=run.csv)".
The picture has two panels over the seconds since each tracer started:
GstMemory objects and GstBuffers created (cumulative), and bytes allocated
(cumulative, GstMemory maxsize). A flat line after the start is a pipeline
that no longer allocates.

Needs matplotlib (Debian: python3-matplotlib). When the interpreter running
this has none and /usr/bin/python3 is another one, it runs itself again
with /usr/bin/python3, where Debian's package lives. Exit status 2: bad
arguments or input; 3: matplotlib is missing.
"""

import argparse
import csv
import json
import os
import sys

BAD_INPUT = 2
COLUMNS = ("time", "buffers-created", "memories-created", "bytes-allocated")
MISSING_MATPLOTLIB = 3
DEBIAN_PYTHON = "/usr/bin/python3"


def load_pyplot():
    """matplotlib.pyplot with a file-only backend, or exit."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        pass
    if (os.access(DEBIAN_PYTHON, os.X_OK)
            and os.path.realpath(sys.executable)
            != os.path.realpath(DEBIAN_PYTHON)
            and "ALLOCPLOT_REEXEC" not in os.environ):
        os.environ["ALLOCPLOT_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    sys.stderr.write("allocplot: matplotlib is missing; install it with "
                     "'apt-get install python3-matplotlib'\n")
    sys.exit(MISSING_MATPLOTLIB)


def fail(message):
    sys.stderr.write("allocplot: %s\n" % message)
    sys.exit(BAD_INPUT)


def read_rows(path):
    """The rows of an allocstats CSV or JSON file, as dicts of numbers."""
    try:
        with open(path) as f:
            if path.endswith(".json"):
                rows = json.load(f)["rows"]
            else:
                rows = list(csv.DictReader(f))
    except (OSError, ValueError, KeyError) as e:
        fail("cannot read %s: %s" % (path, e))
    if not rows or any(c not in rows[0] for c in COLUMNS):
        fail("%s is not an allocstats file (it needs the columns %s)"
             % (path, ", ".join(COLUMNS)))
    return [{c: float(r[c]) for c in COLUMNS} for r in rows]


def series(rows, column, scale=1.0):
    return [r["time"] for r in rows], [r[column] / scale for r in rows]


def plot_run(axes, rows, label, color):
    mem_ax, bytes_ax = axes
    end = rows[-1]
    mem_ax.plot(*series(rows, "memories-created"), color=color,
                marker=".", label="%s: GstMemory (%d)" %
                (label, end["memories-created"]))
    mem_ax.plot(*series(rows, "buffers-created"), color=color,
                linestyle="--", label="%s: GstBuffer (%d)" %
                (label, end["buffers-created"]))
    bytes_ax.plot(*series(rows, "bytes-allocated", 1024.0 * 1024.0),
                  color=color, marker=".", label="%s (%.1f MiB)" %
                  (label, end["bytes-allocated"] / (1024.0 * 1024.0)))


def draw(plt, runs, out, title):
    fig, axes = plt.subplots(2, 1, sharex=True, figsize=(9, 7))
    for (label, rows), color in zip(runs, ("tab:red", "tab:blue")):
        plot_run(axes, rows, label, color)
    axes[0].set_title(title)
    axes[0].set_ylabel("objects created")
    axes[1].set_ylabel("bytes allocated (MiB)")
    axes[1].set_xlabel("seconds since the tracer started")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
        ax.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n")[4:]))
    parser.add_argument("--stock", metavar="FILE",
                        help="allocstats rows of the stock run")
    parser.add_argument("--sharedpool", metavar="FILE",
                        help="allocstats rows of the sharedpool run")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.png")
    parser.add_argument("--title", default="allocations over time "
                        "(allocstats)")
    args = parser.parse_args()

    runs = [(label, path) for label, path in (("stock", args.stock),
                                              ("sharedpool", args.sharedpool))
            if path]
    if not runs:
        parser.error("give --stock FILE, --sharedpool FILE or both")
    runs = [(label, read_rows(path)) for label, path in runs]
    draw(load_pyplot(), runs, args.output, args.title)
    print("allocplot: wrote %s" % args.output)


if __name__ == "__main__":
    main()
