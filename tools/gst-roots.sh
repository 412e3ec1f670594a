# Other GStreamer versions for dev.sh (sourced by it, needs its PACKAGES).
#
# Each version is a minimal Debian root made with debootstrap from this
# machine's own Debian mirror, cached in $ROOTS/<suite> and made again when
# its stamp (suite, mirror, package list) changes. dev.sh then runs itself
# in that root, on this same tree bound at /src, with a build directory of
# its own (build/gst-<version>). Needs root (debootstrap, mount, chroot).

ROOTS=${ROOTS_DIR:-build/roots}
declare -A GST_SUITES=([1.26]=trixie [1.28]=sid)
GST_ALL="host 1.26 1.28"
CURRENT_ROOT=

# The first Debian archive of apt's sources, one-line or deb822 format.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' \
      -e 's/^URIs: *\([^ ]*\).*/\1/p' |
    grep -v -e security -e '^cdrom:' | head -n 1) || true
  if [ -z "$uri" ]; then
    echo "dev.sh: no Debian mirror found in /etc/apt/sources.list*" >&2
    exit 1
  fi
  echo "$uri"
}

# "host" and the host's own major.minor mean this machine; others must be
# in GST_SUITES.
gst_versions() {
  local list=${1//,/ } v host
  host=$(pkg-config --modversion gstreamer-1.0 | cut -d. -f1,2)
  [ "$list" = all ] && list=$GST_ALL
  for v in $list; do
    if [ "$v" = host ] || [ "$v" = "$host" ]; then
      echo host
    elif [ -n "${GST_SUITES[$v]:-}" ]; then
      echo "$v"
    else
      echo "dev.sh: no root for GStreamer $v (have: $host (host)" \
        "${!GST_SUITES[*]}, all)" >&2
      exit 2
    fi
  done
}

need_root() {
  [ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null && return 0
  echo "dev.sh: --gst needs root and debootstrap (mount, chroot):" >&2
  echo "  apt-get install -y debootstrap && ./dev.sh $*" >&2
  exit 1
}

unmount_root() {
  [ -n "$CURRENT_ROOT" ] || return 0
  umount -R -l "$CURRENT_ROOT/dev" "$CURRENT_ROOT/proc" "$CURRENT_ROOT/src" \
    2>/dev/null || true
  CURRENT_ROOT=
}

# Runs "$@" in the root $1 with the tree at /src and a clean environment.
in_root() {
  local root=$1 status=0
  shift
  mkdir -p "$root/src"
  CURRENT_ROOT=$root
  trap unmount_root EXIT
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --bind "$PWD" "$root/src"
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive ${NINJA_JOBS:+NINJA_JOBS=$NINJA_JOBS} \
    ${MESON_TESTTHREADS:+MESON_TESTTHREADS=$MESON_TESTTHREADS} \
    "$@" || status=$?
  unmount_root
  return $status
}

# Refuses to delete a root that still has something mounted in it.
remove_root() {
  local abs
  abs=$(realpath -m "$1")
  if grep -q " $abs/" /proc/mounts; then
    echo "dev.sh: $1 still has mounts; not removing it" >&2
    exit 1
  fi
  rm -rf "$1"
}

# Debian's unstable Release file may be past its Valid-Until: allowed.
bootstrap_root() {
  local suite=$1 root=$2 log=$ROOTS/$1.log
  echo "dev.sh: making the $suite root in $root (log: $log)" >&2
  mkdir -p "$ROOTS"
  if ! debootstrap --variant=minbase "$suite" "$root" "$(debian_mirror)" \
      >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "dev.sh: debootstrap of $suite failed (log: $log)" >&2
    exit 1
  fi
  echo 'Acquire::Check-Valid-Until "false";' \
    >"$root/etc/apt/apt.conf.d/99dev-sh"
  in_root "$root" /bin/sh -c 'apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends "$@"' sh "${PACKAGES[@]}" \
    >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    echo "dev.sh: installing the packages in $root failed (log: $log)" >&2
    exit 1
  }
}

# Sets ROOT to the up-to-date root of GStreamer $1.
make_root() {
  local suite=${GST_SUITES[$1]} stamp
  ROOT=$ROOTS/$suite
  stamp="$suite $(debian_mirror) ${PACKAGES[*]}"
  [ "$(cat "$ROOT/.dev-sh-stamp" 2>/dev/null)" = "$stamp" ] && return 0
  remove_root "$ROOT"
  bootstrap_root "$suite" "$ROOT"
  echo "$stamp" >"$ROOT/.dev-sh-stamp"
}

# Runs `./dev.sh "$@"` for GStreamer $1 in its root, building in
# build/gst-$1.
dev_in_root() {
  local version=$1
  shift
  make_root "$version"
  echo "dev.sh: GStreamer $(chroot "$ROOT" pkg-config --modversion \
    gstreamer-1.0) in $ROOT" >&2
  in_root "$ROOT" /usr/bin/env BUILD_DIR="build/gst-$version" \
    /bin/bash -c 'cd /src && exec ./dev.sh "$@"' dev.sh "$@"
}
