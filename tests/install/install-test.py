#!/usr/bin/env python3
# GStreamer shared pool library
# Copyright (C) 2026 gst-sharedpool developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that `meson install` gives a usable library and plugins.

Installs the build into a temporary DESTDIR, checks that every file meson
plans to install is there (plugins in the plugin dir, no private header),
builds consumer.c out of tree with nothing but the installed
gstreamer-sharedpool-1.0.pc, runs it against the installed library, and
loads each installed plugin with gst-inspect-1.0.

The .pc file says prefix=<prefix>; a copy with prefix=<DESTDIR><prefix> is
what pkg-config reads (PKG_CONFIG_SYSROOT_DIR would also prefix the system
GStreamer's paths, which are not in the DESTDIR).
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
PC_NAME = 'gstreamer-sharedpool-1.0.pc'
EXPECTED_OUTPUT = """\
block for 3000 = 3072
rent 1 -> 1
rent 3000 -> 3000
rent 8192 -> 8192
rent 3000 -> 3000
stats hits=1 misses=3 outstanding=0
"""


class Failure(Exception):
    pass


def run(cmd, env=None, cwd=None):
    res = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    if res.returncode != 0:
        raise Failure('%s exited with %d:\n%s' % (shlex.join(cmd),
                                                 res.returncode, res.stdout))
    return res.stdout


def in_destdir(destdir, path):
    return os.path.join(destdir, os.path.relpath(path, os.sep))


def check_installed_files(args, destdir):
    """Every file of `meson introspect --installed` exists in DESTDIR and
    the plugins went to the plugin dir. Returns the installed plugins."""
    plan = json.loads(run([args.meson, 'introspect', args.build,
                           '--installed']))
    missing = [d for d in plan.values()
               if not os.path.lexists(in_destdir(destdir, d))]
    if missing:
        raise Failure('not installed: %s' % ', '.join(sorted(missing)))
    plugins_dir = os.path.join(args.prefix, args.plugins_dir)
    # gst/<plugin>/ holds the plugins, one per folder
    plugins_build = os.path.join(os.path.realpath(args.build), 'gst')
    plugins = [d for s, d in plan.items()
               if os.path.dirname(os.path.dirname(os.path.realpath(s))) ==
               plugins_build]
    if not plugins:
        raise Failure('no plugin in the install plan')
    for d in plugins:
        if os.path.dirname(d) != plugins_dir:
            raise Failure('plugin %s not in %s' % (d, plugins_dir))
    for d in plan.values():
        if d.endswith('-private.h'):
            raise Failure('private header installed: %s' % d)
    return [in_destdir(destdir, d) for d in plugins]


def relocated_pc_dir(args, destdir, tmp):
    """A pkgconfig dir with a copy of the installed .pc whose prefix points
    into DESTDIR."""
    pc = in_destdir(destdir, os.path.join(args.prefix, args.libdir,
                                          'pkgconfig', PC_NAME))
    if not os.path.exists(pc):
        raise Failure('%s not installed' % PC_NAME)
    lines = open(pc).read().splitlines(True)
    pc_dir = os.path.join(tmp, 'pkgconfig')
    os.mkdir(pc_dir)
    with open(os.path.join(pc_dir, PC_NAME), 'w') as out:
        for line in lines:
            if line.startswith('prefix='):
                line = 'prefix=%s\n' % in_destdir(destdir, args.prefix)
            out.write(line)
    return pc_dir


def build_consumer(args, pc_dir, tmp):
    """Compiles a copy of consumer.c in the temp dir: no include path of
    the source or build tree can leak in."""
    env = dict(os.environ)
    env['PKG_CONFIG_PATH'] = os.pathsep.join(
        [pc_dir] + [p for p in [env.get('PKG_CONFIG_PATH')] if p])
    flags = run([args.pkg_config, '--cflags', '--libs',
                 PC_NAME[:-3]], env=env)
    source = shutil.copy(args.source, tmp)
    exe = os.path.join(tmp, 'consumer')
    run(args.cc + ['-Wall', '-Werror', source, '-o', exe] +
        shlex.split(flags), cwd=tmp)
    return exe


def installed_env(args, destdir, tmp):
    env = dict(os.environ)
    env['LD_LIBRARY_PATH'] = in_destdir(destdir, os.path.join(args.prefix,
                                                              args.libdir))
    env['GST_PLUGIN_PATH_1_0'] = ''
    env['GST_PLUGIN_SYSTEM_PATH_1_0'] = ''
    env['GST_REGISTRY_1_0'] = os.path.join(tmp, 'registry.bin')
    env.pop('GST_TRACERS', None)
    return env


def check(args, tmp):
    destdir = os.path.join(tmp, 'destdir')
    run([args.meson, 'install', '-C', args.build, '--destdir', destdir,
         '--no-rebuild', '--quiet'])
    plugins = check_installed_files(args, destdir)
    exe = build_consumer(args, relocated_pc_dir(args, destdir, tmp), tmp)
    env = installed_env(args, destdir, tmp)
    output = run([exe], env=env)
    if output != EXPECTED_OUTPUT:
        raise Failure('consumer printed:\n%s\nexpected:\n%s' %
                      (output, EXPECTED_OUTPUT))
    for plugin in plugins:
        run([args.gst_inspect, plugin], env=env)
    print('installed %d plugin(s); consumer built and ran:\n%s' %
          (len(plugins), output), end='')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--meson', default='')
    parser.add_argument('--build', required=True)
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--libdir', required=True)
    parser.add_argument('--plugins-dir', required=True)
    parser.add_argument('--source', required=True)
    parser.add_argument('--pkg-config', required=True)
    parser.add_argument('--gst-inspect', required=True)
    parser.add_argument('--cc', nargs='+', required=True)
    args = parser.parse_args()
    if not args.meson:
        print('SKIP: meson is not on PATH, cannot run meson install')
        return SKIP
    tmp = tempfile.mkdtemp(prefix='sharedpool-install-')
    try:
        check(args, tmp)
    except Failure as e:
        print('FAIL:', e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
