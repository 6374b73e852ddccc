#!/usr/bin/env bash
# install.sh ZHILIANG_EXE - `meson install` into a temporary DESTDIR, then
# use only what was installed:
#   - the public headers: each compiles on its own (C11, pedantic; C++ too
#     when a C++ compiler is there), zhiliang.h includes them all, and no
#     internal header (lib/, demo.h) is installed;
#   - a small program built with `pkg-config --cflags --libs zhiliang`
#     against the shared library, and again against the static one, runs
#     and hashes a document exactly as `zhiliang hash` does;
#   - the installed zhiliang and zhiliang-verify run, zhiliang on the
#     installed shared library, calling only functions declared in the
#     installed headers; the library exports only zl_ names;
#   - the man pages exist, groff reads them without a warning, man renders
#     them, and zhiliang(1) has one section per command group of `zhiliang
#     --help`, each with that group's usage line (and the page follows
#     --help: a recent option is in it);
#   - the systemd unit runs the installed binary with ZHILIANG_STORE set.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
B=${ZL_BUILD_DIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "install: $*"; exit 1; }

D=$T/dest
meson install -C "$B" --destdir "$D" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
  { cat "$T/install.log"; fail "meson install failed"; }

opt() { meson introspect --buildoptions "$B" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
v = o[sys.argv[1]]
print(v if v.startswith("/") else o["prefix"] + "/" + v)' "$1"; }
prefix=$(opt prefix); bindir=$D$(opt bindir); libdir=$D$(opt libdir)
incdir=$D$(opt includedir)/zhiliang; man1=$D$(opt mandir)/man1

# --- files -----------------------------------------------------------------
for f in "$bindir/zhiliang" "$bindir/zhiliang-verify" "$libdir/libzhiliang.a" \
         "$libdir/libzhiliang.so" "$libdir/pkgconfig/zhiliang.pc" \
         "$incdir/zhiliang.h" "$incdir/buf.h" "$man1/zhiliang.1" \
         "$man1/zhiliang-verify.1" "$D$prefix/lib/systemd/system/zhiliang.service"; do
  [ -e "$f" ] || fail "not installed: ${f#"$D"}"
done
[ ! -e "$incdir/demo.h" ] || fail "demo.h is not public API"
[ "$(find "$D" -name '*_int.h' -o -name store.h -path '*util*' | wc -l)" = 0 ] ||
  fail "an internal header was installed"
# only zl_ names leave the shared library
bad=$(nm -D --defined-only "$libdir/libzhiliang.so" | awk 'NF==3 && $3 !~ /^zl_/ {print $3}')
[ -z "$bad" ] || fail "libzhiliang.so exports non-zl symbols: $bad"

# --- headers ---------------------------------------------------------------
CC=${CC:-cc}
for h in "$incdir"/*.h; do
  n=$(basename "$h")
  printf '#include <zhiliang/%s>\nint main(void) { return 0; }\n' "$n" >"$T/h.c"
  "$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$D$(opt includedir)" \
    -c "$T/h.c" -o "$T/h.o" || fail "$n is not self-contained"
  [ "$n" = zhiliang.h ] || grep >/dev/null "#include \"zhiliang/$n\"" "$incdir/zhiliang.h" ||
    fail "zhiliang.h does not include $n"
done

# the umbrella (so every header) as C++
if command -v c++ >/dev/null; then
  printf '#include <zhiliang/zhiliang.h>\nint main() { return 0; }\n' >"$T/h.cc"
  c++ -Wall -Werror -I"$D$(opt includedir)" -c "$T/h.cc" -o "$T/h.o" ||
    fail "the headers do not compile as C++"
fi

# --- a client program --------------------------------------------------------
cat >"$T/client.c" <<'C'
/* Hash every event of a document, through the public API only. */
#include <zhiliang/zhiliang.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    struct zl_buf in, out;
    struct zl_error err;
    zl_epcis_doc *doc = NULL;
    char chunk[4096], when[32];
    size_t n, i;
    FILE *f;
    int rc = 1;

    if (argc != 2 || !(f = fopen(argv[1], "rb")))
        return 2;
    zl_global_init();
    zl_buf_init(&in, (size_t)1 << 24);
    zl_buf_init(&out, (size_t)1 << 20);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (zl_buf_add(&in, chunk, n) != 0)
            goto out;
    if (zl_epcis_parse(in.data, in.len, NULL, &doc, &err) != 0) {
        fprintf(stderr, "%s: %s\n", err.path, err.rule);
        goto out;
    }
    for (i = 0; i < zl_epcis_doc_count(doc); i++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, i);
        zl_time_format_utc(e->event_time_ms, when);
        if (zl_buf_printf(&out, "%s\n", e->hash_id) != 0)
            goto out;
    }
    fputs(out.data ? out.data : "", stdout);
    fprintf(stderr, "first event at %s\n", when);
    rc = 0;
out:
    zl_epcis_doc_free(doc);
    zl_buf_cleanup(&in);
    zl_buf_cleanup(&out);
    zl_global_cleanup();
    fclose(f);
    return rc;
}
C
export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
pc_cflags=$(pkg-config --cflags zhiliang)
pc_libs=$(pkg-config --libs zhiliang)
pc_static=$(pkg-config --static --libs zhiliang)
# Debian's libpq.pc names private libraries that libpq-dev does not ship
# (libpgcommon and libpgport are inside libpq.so; libgssapi_krb5 needs
# libkrb5-dev). Only libzhiliang is linked statically here, libpq from its
# .so, so leave out the -l the linker cannot find.
kept=()
for a in $pc_static; do
  case "$a" in
    -lzhiliang) ;;
    -l*) [ "$("$CC" -print-file-name="lib${a#-l}.so")" != "lib${a#-l}.so" ] ||
           [ "$("$CC" -print-file-name="lib${a#-l}.a")" != "lib${a#-l}.a" ] || continue ;;
  esac
  kept+=("$a")
done
pc_static=${kept[*]}
# shellcheck disable=SC2086
"$CC" -std=c11 -Wall -Wextra -Werror $pc_cflags "$T/client.c" -o "$T/client" $pc_libs
# shellcheck disable=SC2086
"$CC" -std=c11 -Wall -Wextra -Werror $pc_cflags "$T/client.c" -o "$T/client_static" \
  ${pc_static/-lzhiliang/-l:libzhiliang.a}
LD_LIBRARY_PATH=$libdir ldd "$T/client" | grep >/dev/null "$libdir/libzhiliang.so" ||
  fail "client does not use the installed shared library"
! ldd "$T/client_static" | grep >/dev/null libzhiliang || fail "static client links the .so"
DOC=tests/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld
[ -f "$DOC" ] || DOC=/work/shared/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld
want=$("$ZL" hash "$DOC")
[ -n "$want" ] || fail "zhiliang hash printed nothing"
[ "$(LD_LIBRARY_PATH=$libdir "$T/client" "$DOC" 2>/dev/null)" = "$want" ] ||
  fail "shared client disagrees with zhiliang hash"
[ "$("$T/client_static" "$DOC" 2>/dev/null)" = "$want" ] ||
  fail "static client disagrees with zhiliang hash"

# --- installed programs ------------------------------------------------------
ver=$(LD_LIBRARY_PATH=$libdir "$bindir/zhiliang" --version)
[[ "$ver" == "zhiliang "* ]] || fail "installed zhiliang: $ver"
LD_LIBRARY_PATH=$libdir ldd "$bindir/zhiliang" | grep >/dev/null "$libdir/libzhiliang.so" ||
  fail "installed zhiliang does not use the shared library"
[ "$(LD_LIBRARY_PATH=$libdir "$bindir/zhiliang" hash "$DOC")" = "$want" ] ||
  fail "installed zhiliang hash"
# the CLI is a client of the public API: every library function it calls is
# declared in an installed header
grep -ho 'zl_[a-z0-9_]*(' "$incdir"/*.h | tr -d '(' | sort -u >"$T/declared"
nm -D --undefined-only "$bindir/zhiliang" | awk '{print $2}' | sed 's/@.*//' |
  grep '^zl_' | sort -u >"$T/imported"
extra=$(comm -23 "$T/imported" "$T/declared" || true)
[ -z "$extra" ] || fail "zhiliang calls library functions outside the public API: $extra"
"$bindir/zhiliang-verify" --help | grep >/dev/null "usage: zhiliang-verify" ||
  fail "installed zhiliang-verify"

# --- man pages ---------------------------------------------------------------
for p in zhiliang zhiliang-verify; do
  if command -v groff >/dev/null; then
    groff -man -Tutf8 -ww -z "$man1/$p.1" 2>"$T/groff.err"
    [ ! -s "$T/groff.err" ] || { cat "$T/groff.err"; fail "groff warns on $p.1"; }
  fi
  if command -v man >/dev/null; then
    LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$man1/$p.1" 2>/dev/null | col -bx >"$T/$p.txt" || true
    grep -q "^NAME" "$T/$p.txt" && grep -q "^SYNOPSIS" "$T/$p.txt" ||
      fail "man -l does not render $p.1"
  fi
done
groups=$("$ZL" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 && /^  /{print $1}')
[ "$(echo "$groups" | wc -l)" -ge 10 ] || fail "few command groups: $groups"
for g in $groups; do
  grep -q "^\.SS \"zhiliang $g " "$man1/zhiliang.1" || fail "zhiliang.1 has no section for $g"
  if [ -s "$T/zhiliang.txt" ]; then
    u=$("$ZL" "$g" --help | grep -m1 '^usage:' | sed 's/ *$//')
    grep -qF -- "$u" "$T/zhiliang.txt" || fail "zhiliang.1 lacks '$u'"
  fi
done
"$ZL" hash --help | grep >/dev/null -- --ignore-fields-extension
grep -q 'ignore\\-fields\\-extension' "$man1/zhiliang.1" || fail "man page is not the current --help"

# --- systemd unit ------------------------------------------------------------
unit=$D$prefix/lib/systemd/system/zhiliang.service
grep -q "^ExecStart=$prefix/$(meson introspect --buildoptions "$B" | python3 -c '
import json, sys
print({x["name"]: x["value"] for x in json.load(sys.stdin)}["bindir"])')/zhiliang serve" "$unit" ||
  fail "unit does not run the installed zhiliang serve"
grep -q '^Environment=ZHILIANG_STORE=' "$unit" || fail "unit sets no ZHILIANG_STORE"
grep -q '^NoNewPrivileges=yes' "$unit" && grep -q '^ProtectSystem=strict' "$unit" ||
  fail "unit is not hardened"
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
  systemd-analyze verify "$unit" || fail "systemd-analyze verify"
fi
echo "ok: installed into $D$prefix"
