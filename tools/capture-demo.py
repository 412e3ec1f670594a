#!/usr/bin/env python3
"""The gst-sharedpool demo: a capture-like live pipeline run twice, once with
stock GStreamer and once through sharedpool, both under the allocstats
tracer, then the allocations side by side and a plot.

usage: meson devenv -C BUILDDIR -w . tools/capture-demo.py BUILDDIR
           [--seconds S] [--outdir DIR]

(`./dev.sh demo` runs it so: `meson devenv` puts the build's plugins on
GStreamer's path.)

The pipeline is what a capture application runs: a live 640x480 source at
30 fps, fanned out to a JPEG encoder branch and a raw branch (a display
stand-in). Stock: tee and two queues. With sharedpool: sharedpool after the
source (the source's frames come from its pool, jpegenc's output from its
recycling default allocator) and fanout when the build has it.
"""

import argparse
import csv
import os
import subprocess
import sys

CAPS = "video/x-raw,format=I420,width=640,height=480,framerate=30/1"


def has_element(env, name):
    # not --exists: that also asks for a plugin version >= GStreamer's
    return subprocess.run(["gst-inspect-1.0", name], env=env,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def pipelines(frames, fanout):
    src = "videotestsrc is-live=true num-buffers=%d ! %s" % (frames, CAPS)
    stock = ("%s ! tee name=t t. ! queue ! jpegenc ! fakesink "
             "t. ! queue ! fakesink" % src)
    if fanout:
        ours = ("%s ! sharedpool ! fanout name=f f. ! jpegenc ! fakesink "
                "f. ! fakesink" % src)
    else:
        ours = ("%s ! sharedpool ! tee name=t t. ! queue ! jpegenc ! "
                "fakesink t. ! queue ! fakesink" % src)
    return stock, ours


def run(name, pipeline, csv_path, env):
    print("demo: running %s: gst-launch-1.0 %s" % (name, pipeline),
          flush=True)
    env = dict(env, GST_TRACERS="allocstats(interval=250,file=%s)" % csv_path)
    proc = subprocess.run(["gst-launch-1.0", "-q"] + pipeline.split(),
                          env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit("demo: the %s pipeline failed:\n%s" % (name, proc.stderr))
    return proc.stderr


def steady_rows(csv_path, warmup):
    """The first row after the warm-up and the final row: the counters are
    cumulative, so their difference is the steady state."""
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) < 2:
        sys.exit("demo: %s has too few rows" % csv_path)
    start = next((r for r in rows if float(r["time"]) >= warmup), rows[0])
    if start is rows[-1]:
        start = rows[0]
    return start, rows[-1]


def figures(rows):
    start, end = rows

    def delta(key):
        return int(end[key]) - int(start[key])

    secs = (float(end["time"]) - float(start["time"])) or 1.0
    reuses, new = delta("pool-reuses"), delta("pool-new")
    return {
        "GstBuffers allocated /s": delta("buffers-created") / secs,
        "GstMemories allocated /s": delta("memories-created") / secs,
        "bytes allocated /s": delta("bytes-allocated") / secs,
        "pool hit rate %": 100.0 * reuses / (reuses + new) if reuses + new
        else 0.0,
    }


def human(value, key):
    if key.startswith("bytes"):
        for unit in ("B", "KiB", "MiB", "GiB"):
            if value < 1024 or unit == "GiB":
                return "%.1f %s" % (value, unit)
            value /= 1024.0
    return "%.1f" % value


def print_table(stock, ours, warmup):
    print()
    print("steady state (after the first %.1f s):" % warmup)
    print("%-26s %14s %14s %10s" % ("", "stock", "sharedpool", "drop"))
    for key in stock:
        s, o = stock[key], ours[key]
        if key.startswith("pool hit"):
            drop = ""
        else:
            drop = "%.1f %%" % (100.0 * (1 - o / s)) if s else "-"
        print("%-26s %14s %14s %10s" % (key, human(s, key), human(o, key),
                                         drop))
    print("(jpegenc wraps each output in a GstBuffer it creates itself; "
          "only its memory can be recycled)")
    print()


def plot(builddir, stock_csv, ours_csv, png):
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "allocplot.py")
    proc = subprocess.run([sys.executable, tool, "--stock", stock_csv,
                           "--sharedpool", ours_csv, "-o", png],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        print("demo: no plot: %s" % proc.stdout.strip())
        return
    print("demo: plot of allocations and bytes over time: %s" % png)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("builddir")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--outdir", default=None)
    args = parser.parse_args()

    builddir = os.path.abspath(args.builddir)
    outdir = os.path.abspath(args.outdir or os.path.join(builddir, "demo"))
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ,
               GST_REGISTRY_1_0=os.path.join(outdir, "registry.bin"))

    stock, ours = pipelines(int(args.seconds * 30),
                            has_element(env, "fanout"))
    stock_csv = os.path.join(outdir, "stock.csv")
    ours_csv = os.path.join(outdir, "sharedpool.csv")
    run("stock", stock, stock_csv, env)
    summary = run("sharedpool", ours, ours_csv, env)

    warmup = min(1.0, args.seconds / 4)
    print_table(figures(steady_rows(stock_csv, warmup)),
                figures(steady_rows(ours_csv, warmup)), warmup)
    print("allocstats summary of the sharedpool run:")
    print(summary.rstrip())
    print()
    print("demo: tracer rows: %s, %s" % (stock_csv, ours_csv))
    plot(builddir, stock_csv, ours_csv, os.path.join(outdir,
                                                      "allocations.png"))


if __name__ == "__main__":
    main()
