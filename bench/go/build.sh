#!/bin/sh
# Build the gofs connectors (plus the synthetic gosynth importer and the
# transport bench client) into OUTDIR and
# copy the manifest beside them, ready for:
#   plakar pkg create OUTDIR/manifest.yaml v1.0.0
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
GO=${GO:-go}
command -v "$GO" >/dev/null 2>&1 || GO=/usr/local/go/bin/go

cd "$here"
for c in importer exporter storage; do
	CGO_ENABLED=0 "$GO" build -trimpath -o "$out/gofs-$c" "./$c"
done
CGO_ENABLED=0 "$GO" build -trimpath -o "$out/gosynth-importer" ./synthetic
CGO_ENABLED=0 "$GO" build -trimpath -o "$out/transportbench" ./transportbench
cp manifest.yaml "$out/manifest.yaml"
