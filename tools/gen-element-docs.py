#!/usr/bin/env python3
# GStreamer shared pool library
# Copyright (C) 2026 gst-sharedpool developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the registry reference of each element and tracer into its page.

    meson devenv -C BUILD -w . tools/gen-element-docs.py [--build-dir BUILD]
        [--docs-dir DOCS] [--check]

Loads the plugins of a build tree (on GStreamer's plugin path, which
`meson devenv` sets; no system plugins, a throw-away registry), introspects every element and tracer they
register (properties with types, ranges, defaults, flags and blurbs; pad
templates with caps; signals) with PyGObject, and rewrites the part of the
feature's page between these two lines, leaving the rest of the page, the
hand-written usage, alone:

    <!-- gst-inspect:begin -->
    <!-- gst-inspect:end -->

Pages, in DOCS (docs/ by default), by factory name:

    sharedpool      sharedpool-element.md  (sharedpool.md is the GstSharedPool
                                            library page)
    fanout          fanout.md
    watermarkqueue  watermarkqueue.md
    framebatch      framebatch.md
    allocstats      allocstats.md          (the tracer)
    sharedfdsink    sharedfdsink.md
    sharedfdsrc     sharedfdsrc.md         (both in multiprocess.md too)

A mapped page that does not exist yet, or a mapped factory that the build
does not have, is skipped with a note. A page without exactly one pair of
markers, or a factory of the build's plugins with no page in the map, is
an error. The output holds no path and no version, so it only changes when
the code does.

--check writes nothing: it prints a diff and exits with 1 when a page is
out of date. Exit status 2 is an error, 77 that PyGObject or GStreamer's
typelib cannot be loaded (python3-gi, gir1.2-gstreamer-1.0).
"""

import argparse
import ctypes
import difflib
import os
import sys
import tempfile

PAGES = {
    'sharedpool': 'sharedpool-element.md',
    'fanout': 'fanout.md',
    'watermarkqueue': 'watermarkqueue.md',
    'framebatch': 'framebatch.md',
    'allocstats': 'allocstats.md',
    'sharedfdsink': 'sharedfdsink.md',
    'sharedfdsrc': 'sharedfdsrc.md',
}
BEGIN = '<!-- gst-inspect:begin -->'
END = '<!-- gst-inspect:end -->'
NOTICE = ('<!-- Generated from the registry by tools/gen-element-docs.py; '
          'edit the code, then run it. -->')

OUT_OF_DATE, ERROR, SKIP = 1, 2, 77

# Properties of these types are on every element or tracer and say
# nothing about this one.
HIDDEN_OWNERS = ('GObject', 'GstObject', 'GstTracer', 'GstPad')
# Signals of these types and above are left out for the same reason.
SIGNAL_ROOTS = ('GObject', 'GstObject', 'GstElement', 'GstBin', 'GstTracer')

# Limits printed by name rather than as a 20-digit number.
NAMED_LIMITS = {
    2 ** 31 - 1: 'G_MAXINT', -2 ** 31: 'G_MININT', 2 ** 32 - 1: 'G_MAXUINT',
    2 ** 63 - 1: 'G_MAXINT64', -2 ** 63: 'G_MININT64',
    2 ** 64 - 1: 'G_MAXUINT64',
}
RANKS = {0: 'none', 64: 'marginal', 128: 'secondary', 256: 'primary'}


class Error(Exception):
    pass


def load_gst(registry):
    """Imports Gst with only the plugins on GST_PLUGIN_PATH_1_0 (the
    build's, under `meson devenv`) in the registry."""
    os.environ['GST_PLUGIN_SYSTEM_PATH_1_0'] = ''
    os.environ['GST_REGISTRY_1_0'] = registry
    os.environ.pop('GST_TRACERS', None)
    try:
        import gi
        gi.require_version('Gst', '1.0')
        from gi.repository import GObject, Gst
    except (ImportError, ValueError) as e:
        print('SKIP: %s cannot load PyGObject and the Gst-1.0 typelib '
              '(install python3-gi and gir1.2-gstreamer-1.0): %s' %
              (sys.executable, e))
        sys.exit(SKIP)
    Gst.init(None)
    return GObject, Gst


class _EnumValue(ctypes.Structure):
    """GEnumValue, and GFlagsValue (the same layout with a guint)."""
    _fields_ = [('value', ctypes.c_int), ('value_name', ctypes.c_char_p),
                ('value_nick', ctypes.c_char_p)]


class _EnumClass(ctypes.Structure):
    _fields_ = [('g_type', ctypes.c_size_t), ('minimum', ctypes.c_int),
                ('maximum', ctypes.c_int), ('n_values', ctypes.c_uint),
                ('values', ctypes.POINTER(_EnumValue))]


class _FlagsClass(ctypes.Structure):
    _fields_ = [('g_type', ctypes.c_size_t), ('mask', ctypes.c_uint),
                ('n_values', ctypes.c_uint),
                ('values', ctypes.POINTER(_EnumValue))]


def type_values(type_name, is_flags):
    """[(value, nick, name)] of the GEnumValue / GFlagsValue array of a
    registered enum or flags type, through libgobject's C API."""
    gobject = ctypes.CDLL('libgobject-2.0.so.0')
    gobject.g_type_from_name.restype = ctypes.c_size_t
    gobject.g_type_from_name.argtypes = [ctypes.c_char_p]
    gobject.g_type_class_ref.restype = ctypes.c_void_p
    gobject.g_type_class_ref.argtypes = [ctypes.c_size_t]
    klass = gobject.g_type_class_ref(gobject.g_type_from_name(
        type_name.encode()))
    cls = ctypes.cast(klass, ctypes.POINTER(
        _FlagsClass if is_flags else _EnumClass)).contents
    mask = 0xffffffff if is_flags else -1
    return [(v.value & mask, v.value_nick.decode(), v.value_name.decode())
            for v in (cls.values[i] for i in range(cls.n_values))]


class Describer:
    """Markdown for one loaded element or tracer factory."""

    def __init__(self, GObject, Gst):
        self.GObject = GObject
        self.Gst = Gst

    # Values

    def number(self, value):
        if isinstance(value, float):
            if abs(value) >= 1.7976931348623157e308:
                return '-G_MAXDOUBLE' if value < 0 else 'G_MAXDOUBLE'
            if abs(value) == 3.4028234663852886e38:
                return '-G_MAXFLOAT' if value < 0 else 'G_MAXFLOAT'
            return '%g' % value
        return NAMED_LIMITS.get(value, str(value))

    def enum_values(self, pspec):
        """[(value, nick, name)] of an enum or flags property's type."""
        # Read from the GEnumClass / GFlagsClass itself: PyGObject makes
        # Python classes only for some types, differently from version to
        # version (3.5x gives a plain int as the default of a type without
        # introspection data, such as a tracer's enum).
        is_flags = pspec.value_type.is_a(self.GObject.TYPE_FLAGS)
        # by value, aliases after the first name of a value (stable sort)
        return sorted(type_values(pspec.value_type.name, is_flags),
                      key=lambda v: v[0])

    def flags_nicks(self, pspec, value):
        nicks = [nick for k, nick, name in self.enum_values(pspec)
                 if k and (int(value) & k) == k]
        return ' \\| '.join('`%s`' % n for n in nicks) or '(none)'

    def default(self, pspec):
        GObject = self.GObject
        vtype = pspec.value_type
        try:
            value = pspec.default_value
        except (AttributeError, TypeError):
            return '—'
        if vtype.is_a(GObject.TYPE_ENUM):
            return '`%s`' % next(nick for k, nick, name in
                                 self.enum_values(pspec) if k == int(value))
        if vtype.is_a(GObject.TYPE_FLAGS):
            return self.flags_nicks(pspec, value)
        if vtype == GObject.TYPE_BOOLEAN:
            return '`%s`' % ('true' if value else 'false')
        if vtype == GObject.TYPE_STRING:
            return '`"%s"`' % value if value is not None else '`NULL`'
        if isinstance(value, (int, float)):
            return '`%s`' % self.number(value)
        return '—'

    def range(self, pspec):
        GObject = self.GObject
        vtype = pspec.value_type
        if vtype.is_a(GObject.TYPE_ENUM) or vtype.is_a(GObject.TYPE_FLAGS):
            return 'see `%s`' % vtype.name
        lo = getattr(pspec, 'minimum', None)
        hi = getattr(pspec, 'maximum', None)
        if lo is None or hi is None:
            return '—'
        return '%s – %s' % (self.number(lo), self.number(hi))

    def flags(self, pspec):
        Gst = self.Gst
        f = int(pspec.flags)
        readable, writable = f & 1, f & 2
        words = ['read/write' if readable and writable else
                 'read-only' if readable else 'write-only']
        if f & 8:
            words.append('construct-only')
        # The states in which a property may change, as gst-inspect says.
        mutable = [(Gst.PARAM_MUTABLE_PLAYING, 'changeable in PLAYING'),
                   (Gst.PARAM_MUTABLE_PAUSED, 'changeable up to PAUSED'),
                   (Gst.PARAM_MUTABLE_READY, 'changeable in NULL or READY')]
        words += [w for bit, w in mutable if f & bit][:1]
        if f & Gst.PARAM_CONTROLLABLE:
            words.append('controllable')
        if f & (1 << 31):
            words.append('deprecated')
        return ', '.join(words)

    # Sections

    def properties(self, gtype):
        rows, enums, bases = [], {}, []
        for p in self.GObject.list_properties(gtype):
            owner = p.owner_type.name
            if owner in HIDDEN_OWNERS:
                continue
            # a GStreamer base class's properties change with the version
            # (GstBaseSrc's automatic-eos is 1.24+): named, not listed, so
            # the page is the same on every version
            if p.owner_type != gtype:
                if owner not in bases:
                    bases.append(owner)
                continue
            blurb = cell(p.blurb or '')
            rows.append('| `%s` | `%s` | %s | %s | %s | %s |' % (
                p.name, p.value_type.name, self.range(p), self.default(p),
                self.flags(p), blurb))
            if p.value_type.is_a(self.GObject.TYPE_ENUM) or \
                    p.value_type.is_a(self.GObject.TYPE_FLAGS):
                enums.setdefault(p.value_type.name, p)
        inherited = []
        if bases:
            inherited = ['', 'Plus the properties of %s, which depend on the '
                         'GStreamer version: `gst-inspect-1.0` lists those '
                         'of the running one.' % ', '.join(
                             '`%s`' % b for b in bases)]
        if not rows:
            return ['### Properties', '', 'None.'] + inherited
        lines = ['### Properties', '',
                 '| property | type | range | default | flags | description |',
                 '|---|---|---|---|---|---|'] + rows + inherited
        for pspec in enums.values():
            lines += [''] + self.enum_list(pspec)
        return lines

    def enum_list(self, pspec):
        form = '0x%x' if pspec.value_type.is_a(self.GObject.TYPE_FLAGS) \
            else '%d'
        return ['`%s`:' % pspec.value_type.name, ''] + [
            '- `%s` (%s): %s' % (nick, form % value, cell(name))
            for value, nick, name in self.enum_values(pspec)]

    def pad_templates(self, factory):
        lines = ['### Pad templates', '',
                 '| name | direction | presence | caps |',
                 '|---|---|---|---|']
        for t in factory.get_static_pad_templates():
            lines.append('| `%s` | %s | %s | `%s` |' % (
                t.name_template, t.direction.value_nick,
                t.presence.value_nick, cell(t.get_caps().to_string())))
        return lines

    def pad_properties(self, factory):
        """Properties of the pad subclasses the element's templates make
        (fanout's GstFanoutPad, say), settable as `name::prop` in
        gst-launch."""
        element = factory.create(None)
        lines = []
        for t in factory.get_static_pad_templates():
            templ = element.get_pad_template(t.name_template)
            gtype = templ.props.gtype if templ else None
            if gtype is None or gtype.name == 'GstPad' or \
                    not gtype.is_a(self.GObject.TYPE_OBJECT):
                continue
            props = self.properties(gtype)
            lines += ['', '### Pad properties of `%s` (`%s`)'
                      % (t.name_template, gtype.name)] + props[1:]
        return lines

    def signals(self, gtype):
        GObject = self.GObject
        plain, action = [], []
        t = gtype
        while t.name not in SIGNAL_ROOTS:
            for sid in GObject.signal_list_ids(t):
                q = GObject.signal_query(sid)
                row = '| `%s` | %s | `%s` |' % (
                    q.signal_name,
                    ', '.join('`%s`' % p.name for p in q.param_types) or '—',
                    q.return_type.name)
                is_action = int(q.signal_flags) & GObject.SignalFlags.ACTION
                (action if is_action else plain).append(row)
            t = t.parent
        lines = []
        for title, rows in (('Signals', plain), ('Action signals', action)):
            if rows:
                lines += ['### ' + title, '',
                          '| signal | arguments | returns |',
                          '|---|---|---|'] + rows + ['']
        return lines[:-1]

    def hierarchy(self, gtype):
        names = []
        t = gtype
        while t.name not in ('GObject', 'GInitiallyUnowned', 'GstObject'):
            names.append('`%s`' % t.name)
            t = t.parent
        return ' → '.join(names)

    def element(self, factory, plugin):
        gtype = factory.get_element_type()
        meta = factory.get_metadata
        lines = ['| | |', '|---|---|',
                 '| factory | `%s` |' % factory.get_name(),
                 '| long name | %s |' % cell(meta('long-name')),
                 '| class | %s |' % cell(meta('klass')),
                 '| description | %s |' % cell(meta('description')),
                 '| plugin | `%s` |' % plugin,
                 '| rank | %s |' % RANKS.get(factory.get_rank(),
                                             factory.get_rank()),
                 '| type | %s |' % self.hierarchy(gtype), '']
        lines += self.pad_templates(factory) + ['']
        lines += self.properties(gtype)
        lines += self.pad_properties(factory)
        signals = self.signals(gtype)
        return lines + ([''] + signals if signals else [])

    def tracer(self, factory, plugin):
        gtype = factory.get_tracer_type()
        lines = ['| | |', '|---|---|',
                 '| tracer | `%s` |' % factory.get_name(),
                 '| plugin | `%s` |' % plugin,
                 '| type | %s |' % self.hierarchy(gtype), '']
        lines += self.properties(gtype)
        signals = self.signals(gtype)
        return lines + ([''] + signals if signals else [])

    def describe(self, feature, plugin):
        factory = feature.load()
        if factory is None:
            raise Error('cannot load %s' % feature.get_name())
        if isinstance(factory, self.Gst.ElementFactory):
            body = self.element(factory, plugin)
        else:
            body = self.tracer(factory, plugin)
        return '\n'.join([NOTICE, ''] + body) + '\n\n'


def cell(text):
    """Text made safe for one Markdown table cell."""
    return ' '.join(text.split()).replace('|', '\\|')


def build_features(Gst, build_dir):
    """{factory name: (feature, plugin name)} of the build's plugins."""
    build_dir = os.path.realpath(build_dir)
    registry = Gst.Registry.get()
    features = {}
    for plugin in registry.get_plugin_list():
        filename = plugin.get_filename()
        if not filename or not os.path.realpath(filename).startswith(
                build_dir + os.sep):
            continue
        for f in registry.get_feature_list_by_plugin(plugin.get_name()):
            if isinstance(f, (Gst.ElementFactory, Gst.TracerFactory)):
                features[f.get_name()] = (f, plugin.get_name())
    if not features:
        raise Error('no element or tracer in the plugins of %s: is it on '
                    'GST_PLUGIN_PATH_1_0? (run this under `meson devenv -C '
                    '%s -w .`)' % (build_dir, build_dir))
    unmapped = sorted(set(features) - set(PAGES))
    if unmapped:
        raise Error('no page for %s: add it to PAGES in %s' %
                    (', '.join(unmapped), sys.argv[0]))
    return features


def read_page(path):
    """The text of a page, checked to have its markers."""
    with open(path) as f:
        text = f.read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or \
            text.index(BEGIN) > text.index(END):
        raise Error('%s: needs one "%s" line and, after it, one "%s" line' %
                    (path, BEGIN, END))
    return text


def splice(text, generated):
    """@text with @generated between its markers."""
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return '%s%s\n%s%s%s' % (head, BEGIN, generated, END, tail)


def update(args, describer, features):
    """Rewrites (or, with --check, compares) every page; True if all were
    up to date."""
    up_to_date = True
    for name, page in sorted(PAGES.items()):
        path = os.path.join(args.docs_dir, page)
        if not os.path.exists(path):
            print('note: %s: no %s yet, skipped' % (name, path))
            continue
        old = read_page(path)
        if name not in features:
            print('note: %s: not in the build, %s left as it is' % (name, path))
            continue
        new = splice(old, describer.describe(*features[name]))
        if old == new:
            continue
        up_to_date = False
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), path,
                path + ' (from the registry)'))
        else:
            with open(path, 'w') as f:
                f.write(new)
            print('updated %s' % path)
    return up_to_date


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--build-dir', default=os.path.join(root, 'build'),
                        help='the meson build tree (default: build/)')
    parser.add_argument('--docs-dir', default=os.path.join(root, 'docs'),
                        help='where the pages are (default: docs/)')
    parser.add_argument('--check', action='store_true',
                        help='change nothing; exit with 1 and a diff when a '
                        'page is out of date')
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix='gen-element-docs-') as tmp:
        GObject, Gst = load_gst(os.path.join(tmp, 'registry.bin'))
        try:
            features = build_features(Gst, args.build_dir)
            ok = update(args, Describer(GObject, Gst), features)
        except (Error, OSError) as e:
            print('error: %s' % e, file=sys.stderr)
            return ERROR
    if not ok and args.check:
        print('out of date: run meson devenv -C %s -w . '
              'tools/gen-element-docs.py --build-dir %s' %
              (args.build_dir, args.build_dir))
        return OUT_OF_DATE
    return 0


if __name__ == '__main__':
    sys.exit(main())
