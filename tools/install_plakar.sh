#!/usr/bin/env bash
# Print the path of a plakar v1.1.4 binary on stdout; everything else goes to
# stderr. Non-interactive (safe with CI=true and no stdin).
#
#   PLAKAR_BIN   where the binary lives or is installed
#                (default: $HOME/.cache/plakar-deno/plakar-v1.1.4/plakar)
#
# Order of attempts:
#   1. reuse PLAKAR_BIN if it exists and `plakar version` says v1.1.4;
#   2. `go install github.com/PlakarKorp/plakar@v1.1.4` (GOBIN = a temp dir,
#      then moved to PLAKAR_BIN);
#   3. build with the wrapper module in tools/plakar/ (go.mod requires plakar
#      v1.1.4 and replaces go.omarpolo.com/ttlmap by a local stand-in, for
#      hosts where the Go proxy does not serve that module or the version
#      list of plakar).
# Go's module and build caches are the defaults, so later runs are fast.
#
# Every plakar invocation made by this script is isolated in a temporary
# directory (-cachedir/-datadir/-configdir): no prompt, no update check.
set -euo pipefail

readonly VERSION="v1.1.4"
readonly MODULE="github.com/PlakarKorp/plakar"
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly WRAPPER_DIR="${script_dir}/plakar"
target="${PLAKAR_BIN:-${HOME}/.cache/plakar-deno/plakar-${VERSION}/plakar}"

log() { printf 'install_plakar: %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/install-plakar.XXXXXX")"
cleanup() { rm -rf -- "${work}"; }
trap cleanup EXIT

# is_v114 BIN: true if BIN runs and reports plakar/v1.1.4. A fresh cache
# directory means "first run": plakar prints a banner and skips the update
# check, so this never touches the network.
is_v114() {
	local bin="$1" iso out
	[[ -x "${bin}" ]] || return 1
	iso="$(mktemp -d "${work}/check.XXXXXX")"
	out="$("${bin}" -cachedir "${iso}/cache" -datadir "${iso}/data" \
		-configdir "${iso}/config" version </dev/null 2>/dev/null)" || return 1
	grep -qx "plakar/${VERSION}" <<<"${out}"
}

# install_to SRC: move a freshly built binary to ${target} atomically.
install_to() {
	local src="$1" dir
	dir="$(dirname -- "${target}")"
	mkdir -p -- "${dir}"
	cp -- "${src}" "${dir}/.plakar.tmp.$$"
	chmod 0755 "${dir}/.plakar.tmp.$$"
	mv -f -- "${dir}/.plakar.tmp.$$" "${target}"
}

done_ok() {
	if ! is_v114 "${target}"; then
		log "ERROR: ${target} does not report plakar/${VERSION}"
		exit 1
	fi
	printf '%s\n' "${target}"
	exit 0
}

if is_v114 "${target}"; then
	log "reusing ${target}"
	done_ok
fi

if ! command -v go >/dev/null 2>&1; then
	log "ERROR: no plakar ${VERSION} at ${target} and no 'go' in PATH"
	exit 1
fi
log "using $(go version)"

# 2. plain go install (a GOFLAGS such as -mod=mod would break it: drop it).
log "trying: go install ${MODULE}@${VERSION}"
start=${SECONDS}
if GOBIN="${work}/gobin" GOFLAGS="-buildvcs=false" \
	go install "${MODULE}@${VERSION}" </dev/null >&2; then
	log "go install succeeded in $((SECONDS - start)) s"
	install_to "${work}/gobin/plakar"
	done_ok
fi
log "go install failed; building with the wrapper module ${WRAPPER_DIR}"

# 3. wrapper module, built from a copy so the repository is never modified.
if [[ ! -f "${WRAPPER_DIR}/go.mod" ]]; then
	log "ERROR: ${WRAPPER_DIR}/go.mod not found"
	exit 1
fi
cp -R -- "${WRAPPER_DIR}" "${work}/wrapper"
start=${SECONDS}
if ! (cd "${work}/wrapper" &&
	GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off \
		go build -o "${work}/plakar" "${MODULE}" </dev/null >&2); then
	log "ERROR: building ${MODULE} ${VERSION} with the wrapper module failed"
	exit 1
fi
log "wrapper build succeeded in $((SECONDS - start)) s"
install_to "${work}/plakar"
done_ok
