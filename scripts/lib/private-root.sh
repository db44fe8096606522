# shellcheck shell=bash
# The part scripts/bird-versions.sh and scripts/openbgpd-versions.sh share: run a Debian package of
# another suite without changing the system's apt sources. The package is fetched with a private apt
# configuration (own sources.list, lists, cache and an empty dpkg status, so nothing of the system's
# apt state is read or written) and unpacked with `dpkg -x`, together with the suite's libc6 and
# every library it depends on, into a private root; the caller starts its binaries through that
# root's own ld.so, so the host's older (or newer) glibc is not used.
#
# Sourced, not run. The caller sets, before sourcing:
#   CACHE        absolute cache directory (apt state in $CACHE/apt/<suite>, .debs in $CACHE/debs/<suite>)
#   MIRROR       Debian mirror URL;  KEYRING  the archive keyring
#   ARCH_LIBDIR  the multiarch library directory (x86_64-linux-gnu)
#   LOG_NAME     prefix of log lines (the script's name)
#   host_suite   the host's Debian codename (or "none")

log() { echo "$LOG_NAME: $*" >&2; }

native_version() {  # pkg suite: the installed Debian package's version, if the host is its suite
  local pkg=$1 suite=$2
  [ "$suite" = "$host_suite" ] || return 1
  dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null | awk '/install ok installed/{print $4}' | grep .
}

apt_private() {  # apt-get/apt-cache with a private configuration for one suite
  local suite=$1 tool=$2
  shift 2
  local dir="$CACHE/apt/$suite"
  "$tool" -q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=- \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Dir::State::status="$dir/status" \
    -o Dir::Etc::Preferences="$dir/preferences" -o Dir::Etc::PreferencesParts="$dir/preferences.d" \
    -o APT::Architecture=amd64 -o APT::Sandbox::User="$(id -un)" "$@"
}

apt_update_once() {  # suite: read its package lists once (the stamp file "updated" says it was done)
  local suite=$1 dir="$CACHE/apt/$1"
  [ -f "$dir/updated" ] && return 0
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/preferences.d"
  echo "deb [signed-by=$KEYRING] $MIRROR $suite main" > "$dir/sources.list"
  : > "$dir/status"
  log "reading the $suite package lists (private apt configuration in $dir)"
  apt_private "$suite" apt-get update >/dev/null
  touch "$dir/updated"
}

lib_closure() {  # suite pkg: the package and every lib* package it depends on, recursively
  local suite=$1 seen="" todo="$2" new n
  while [ -n "$todo" ]; do
    seen="$seen $todo"
    # shellcheck disable=SC2086
    new=$(apt_private "$suite" apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances $todo 2>/dev/null |
          awk '/^ *\|?(Pre)?Depends: [^<]/{print $2}' | grep -E '^(lib|zlib)' | sort -u || true)
    todo=""
    for n in $new; do
      case " $seen " in *" $n "*) ;; *) todo="$todo $n" ;; esac
    done
  done
  echo "$seen"
}

latest_deb() {  # suite pkg: the newest downloaded .deb of pkg
  ls -t "$CACHE/debs/$1/${2}_"*.deb | head -1
}

deb_version() {  # suite pkg: the Version of the newest downloaded .deb of pkg
  dpkg-deb -f "$(latest_deb "$1" "$2")" Version
}

unpack_closure() {  # what series pkg suite: pkg and its library closure unpacked into $CACHE/<series>.tmp/root
  local what=$1 series=$2 pkg=$3 suite=$4
  local dir="$CACHE/$series" debs="$CACHE/debs/$suite" pkgs p
  apt_update_once "$suite"
  pkgs=$(lib_closure "$suite" "$pkg")
  log "fetching $what $series from Debian $suite:$pkgs"
  mkdir -p "$debs"
  # shellcheck disable=SC2086
  (cd "$debs" && apt_private "$suite" apt-get download $pkgs >/dev/null)
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/root"
  for p in $pkgs; do
    dpkg -x "$(latest_deb "$suite" "$p")" "$dir.tmp/root"
  done
}

root_ldso() {  # root: the path, inside root, of its unpacked libc6's ld.so (fails when there is none)
  local cand
  for cand in usr/lib/$ARCH_LIBDIR lib/$ARCH_LIBDIR; do
    [ -e "$1/$cand/ld-linux-x86-64.so.2" ] && { echo "$cand/ld-linux-x86-64.so.2"; return 0; }
  done
  return 1
}

root_libpath() {  # root: the --library-path for the root's ld.so
  echo "$1/usr/lib/$ARCH_LIBDIR:$1/lib/$ARCH_LIBDIR"
}

libs_outside() {  # ldso libpath binary prefix: "lib => path" for each library not loaded from under prefix
  # Every library must come from the root: one taken from the host would tie it to the host's glibc.
  "$1" --library-path "$2" --list "$3" | awk -v r="$4" '/=>/ && index($3, r) != 1 {print $1" => "$3}' || true
}

write_bin_wrappers() {  # comment series dir name...: $CACHE/bin/<name>-<series> execs dir/<name>
  local comment=$1 series=$2 dir=$3 name
  shift 3
  for name in "$@"; do
    # Written aside and renamed: a test starting the wrapper meanwhile never sees half of it.
    cat > "$CACHE/bin/$name-$series.tmp" <<WRAPPER
#!/bin/sh
# $comment
exec $dir/$name "\$@"
WRAPPER
    chmod +x "$CACHE/bin/$name-$series.tmp"
    mv "$CACHE/bin/$name-$series.tmp" "$CACHE/bin/$name-$series"
  done
}
