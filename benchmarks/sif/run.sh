#!/bin/bash
# SIF conversion benchmark (not a test): on an image of >= 1 GB built from debian:trixie, compare in one run
#   native   : Pharos' converter (java -Xmx256m, ConvertMain) on the saved archive (conversion only)
#              (PIPES=1 adds: the floor fed through a 64 KiB and a 1 MiB pipe)
#   goal     : the same converter from the engine: save through the engine API + convert (what pharos:sif does)
#   floor    : mksquashfs alone on the already-flattened tar (docker export), same options, read from a file
#   scripted : what a user would script: docker save, extract the layers with whiteouts applied, mksquashfs the tree,
#              siftool new + siftool add
# and print the ratios and the JVM's peak heap. The targets are read as (docs/decisions.md, "SIF benchmark"):
#   native / floor     <= 1.10  (both start from what the engine gave: a saved / an exported tar)
#   native / scripted  <= 0.70  (the scripted pipeline as the issue lists it, its docker save included)
# and reported besides: native / the scripted steps from the same saved archive (its own save timed apart), and
# goal / scripted (both include their save) with the bound a converter that starts when the save is complete cannot
# beat: (engine save + floor) / scripted. The engine's time to the first byte of a save is measured too (the engine
# writes the whole image to a temporary directory before it sends anything).
# native, goal and floor are alternated ROUNDS times and the best of each is kept (the machine may be shared).
#
# Usage: benchmarks/sif/run.sh [workdir] [compression]     (run from the repository root, after ./mvnw -o compile)
# Needs: docker (engine with debian:trixie), mksquashfs >= 4.5, siftool, GNU tar, java 17, bc, root (for the scripted
# extraction to keep owners).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-/tmp/pharos-sif-bench}
COMP=${2:-gzip}
TAG=${TAG:-pharos-sif-bench:1}
BIG_MB=${BIG_MB:-1100}
SMALL_FILES=${SMALL_FILES:-20000}
mkdir -p "$WORK"
cd "$WORK"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

if ! docker image inspect "$TAG" >/dev/null 2>&1; then
  mkdir -p ctx
  cat > ctx/Dockerfile <<DOCKERFILE
FROM debian:trixie
RUN mkdir -p /data/big /data/small && for i in \$(seq 1 $((BIG_MB / 100))); do head -c 100M /dev/urandom > /data/big/r\$i; done
RUN for i in \$(seq 1 $SMALL_FILES); do d=/data/small/\$((i % 200)); mkdir -p \$d; head -c \$((i % 7000 + 100)) /dev/urandom > \$d/f\$i; done
RUN rm -rf /data/small/1 /data/big/r1 && mkdir -p /data/text && for i in \$(seq 1 2000); do seq 1 \$i > /data/text/t\$i; done
DOCKERFILE
  docker build --network host -q -t "$TAG" ctx >/dev/null
fi

CP="$ROOT/pharos-maven-plugin/target/classes:$(cat "$WORK/cp.txt" 2>/dev/null || true)"
if [ ! -s "$WORK/cp.txt" ]; then
  (cd "$ROOT" && ./mvnw -B -q -pl pharos-maven-plugin dependency:build-classpath -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
  CP="$ROOT/pharos-maven-plugin/target/classes:$(cat "$WORK/cp.txt")"
fi

rm -rf image.tar export.tar rootfs layers native.sif floor.sqfs scripted.sqfs scripted.sif out
t0=$(now); docker save -o image.tar "$TAG"; t1=$(now); SAVE=$(elapsed "$t0" "$t1")
# how long the engine works before the first byte of a save arrives (nothing can be converted before that)
t0=$(now); docker save "$TAG" | { head -c 1 >/dev/null; now > ttfb; cat >/dev/null; }; TTFB=$(elapsed "$t0" "$(cat ttfb)")
IMAGE_BYTES=$(stat -c %s image.tar)

# the flattened tar for the floor
cid=$(docker create --network host "$TAG" true); docker export -o export.tar "$cid"; docker rm "$cid" >/dev/null

# native vs goal vs floor, alternated ROUNDS times (the machine may be shared: the best of each is compared)
mkdir -p out goal classes
javac -d classes -cp "$CP" "$ROOT/benchmarks/sif/ConvertMain.java"
ROUNDS=${ROUNDS:-2}
NATIVE=""; GOAL=""; FLOOR=""; PEAK=0
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
peak() { P=$(sed -n 's/^peak_heap_bytes=//p' "$1"); [ "$P" -gt "$PEAK" ] && PEAK=$P || true; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -f floor.sqfs out/native.sif goal/*; sync
  t0=$(now)
  mksquashfs - floor.sqfs -tar -noappend -comp "$COMP" -root-mode 755 -root-uid 0 -root-gid 0 -no-progress -quiet < export.tar
  t1=$(now); F=$(elapsed "$t0" "$t1"); FLOOR=$(min "$FLOOR" "$F")
  sync
  t0=$(now)
  java -Xmx256m -cp "classes:$CP" ConvertMain image.tar out native "$TAG" "$COMP" > native.log
  t1=$(now); N=$(elapsed "$t0" "$t1"); NATIVE=$(min "$NATIVE" "$N"); peak native.log
  sync
  t0=$(now)
  java -Xmx256m -cp "classes:$CP" ConvertMain engine goal goal "$TAG" "$COMP" > goal.log
  t1=$(now); G=$(elapsed "$t0" "$t1"); GOAL=$(min "$GOAL" "$G"); peak goal.log
  echo "  floor ${F}s native ${N}s goal ${G}s"
  if [ "${PIPES:-0}" = 1 ]; then # the floor fed through a pipe: default 64 KiB, and 1 MiB (F_SETPIPE_SZ = 1031)
    rm -f floor.sqfs; sync; t0=$(now)
    cat export.tar | mksquashfs - floor.sqfs -tar -noappend -comp "$COMP" -root-mode 755 -root-uid 0 -root-gid 0 -no-progress -quiet
    t1=$(now); P64=$(elapsed "$t0" "$t1")
    rm -f floor.sqfs; sync; t0=$(now)
    cat export.tar | perl -e 'fcntl(STDIN, 1031, 1 << 20) or die "F_SETPIPE_SZ: $!"; exec { $ARGV[0] } @ARGV or die' \
      mksquashfs - floor.sqfs -tar -noappend -comp "$COMP" -root-mode 755 -root-uid 0 -root-gid 0 -no-progress -quiet
    t1=$(now); P1M=$(elapsed "$t0" "$t1")
    echo "  floor through a pipe: 64 KiB ${P64}s, 1 MiB ${P1M}s"
  fi
done

# scripted: extract layers applying whiteouts, mksquashfs the tree, siftool new/add
rm -rf layers rootfs scripted.sqfs scripted.sif; sync
t0=$(now)
docker save -o scripted-image.tar "$TAG"
ts=$(now); SCRIPTED_SAVE=$(elapsed "$t0" "$ts")
mkdir -p layers rootfs
tar -xf scripted-image.tar -C layers
for layer in $(python3 -c 'import json;print("\n".join(json.load(open("layers/manifest.json"))[0]["Layers"]))'); do
  { tar -tf "layers/$layer" | grep -E '(^|/)\.wh\.' || true; } | while read -r wh; do
    dir=$(dirname "$wh"); base=$(basename "$wh")
    if [ "$base" = ".wh..wh..opq" ]; then
      find "rootfs/$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
    else
      rm -rf "rootfs/$dir/${base#.wh.}"
    fi
  done
  tar -xpf "layers/$layer" -C rootfs --numeric-owner --same-owner --exclude='.wh.*'
done
mksquashfs rootfs scripted.sqfs -noappend -comp "$COMP" -no-progress -quiet
siftool new scripted.sif
siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 scripted.sif scripted.sqfs
t1=$(now); SCRIPTED=$(elapsed "$t0" "$t1"); SCRIPTED_ARCHIVE=$(elapsed "$ts" "$t1")

siftool list out/native.sif >/dev/null
FASTEST_SAVE=$(min "$SAVE" "$SCRIPTED_SAVE")
printf '%s\n' \
  "image: $TAG, saved archive $(numfmt --to=iec "$IMAGE_BYTES"), compression $COMP, $(nproc) cores" \
  "docker save (CLI)     : ${SAVE}s (once, for native and the floor's input); first byte after ${TTFB}s" \
  "native (archive->SIF) : ${NATIVE}s  -> $(numfmt --to=iec "$(stat -c %s out/native.sif)")" \
  "goal (engine->SIF)    : ${GOAL}s  (save through the engine API + convert)" \
  "floor (mksquashfs)    : ${FLOOR}s" \
  "scripted pipeline     : ${SCRIPTED}s  (docker save ${SCRIPTED_SAVE}s + extract + mksquashfs + siftool ${SCRIPTED_ARCHIVE}s)" \
  "native / floor        : $(echo "scale=3; $NATIVE / $FLOOR" | bc)   (target <= 1.10)" \
  "native / scripted     : $(echo "scale=3; $NATIVE / $SCRIPTED" | bc)   (target <= 0.70; the scripted pipeline as the issue lists it, its save included)" \
  "native / scripted steps from the same archive: $(echo "scale=4; $NATIVE / $SCRIPTED_ARCHIVE" | bc)   (reported: its save left out)" \
  "goal / scripted       : $(echo "scale=3; $GOAL / $SCRIPTED" | bc)   (reported: both include their save; a converter that starts compressing when the save is complete cannot go below (save + floor) / scripted = $(echo "scale=3; ($FASTEST_SAVE + $FLOOR) / $SCRIPTED" | bc), with the faster of the two CLI saves)" \
  "JVM peak heap         : $(numfmt --to=iec "$PEAK") with -Xmx256m   (target <= 256M)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf layers rootfs export.tar classes scripted-image.tar goal ttfb
