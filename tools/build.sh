#!/usr/bin/env bash
# Builds the pinned real tools once into a cache folder and reuses them afterwards. The cache
# is outside the checkout (default ~/.cache/fleet-manifests/tools) so that every clone on a
# machine, CI's fresh ones included, shares one build; binaries are keyed by their module's
# go.mod, go.sum and sources, so a pin change builds anew beside the old one.
# Only Go modules (from the module proxy, checked against go.sum) and Debian packages are
# fetched. A tool is rebuilt when its module's go.mod or go.sum changes.
#
#   tools/build.sh            build what is missing, print this checkout's bin folder
#
# The bin folder is one per checkout (links/<hash of its path>/, links to the keyed builds), so
# two checkouts on one machine with different pins never run each other's tools.
#   FLEET_TOOLS_DIR=/x tools/build.sh   cache somewhere else
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${FLEET_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fleet-manifests/tools}"
mkdir -p "$tools_dir"
bin_dir="$tools_dir/links/$(printf '%s' "$root" | sha256sum | cut -c1-12)"
mkdir -p "$bin_dir"
export GOFLAGS="${GOFLAGS:-} -trimpath"
export GOTOOLCHAIN=local

log() { echo "tools: $*" >&2; }

if ! command -v go >/dev/null; then
  log "go is missing: the tools are built from pinned Go modules with Go >= 1.26 (setup-go in GitHub Actions)"
  exit 1
fi

# build MODULE_DIR OUTPUT_NAME PACKAGE [go build flags…]
build() {
  local module="$1" out="$2" pkg="$3"; shift 3
  local dir="$root/tools/$module"
  local key
  key="$(cat "$dir/go.mod" "$dir/go.sum" "$dir"/*.go | sha256sum | cut -c1-16)"
  local target="$tools_dir/$out-$key"
  if [ ! -x "$target" ]; then
    log "building $out from tools/$module (first run only; minutes on 2 cores)"
    local start=$SECONDS
    (cd "$dir" && go build -o "$target.tmp.$$" "$@" -ldflags='-s -w' "$pkg")
    mv "$target.tmp.$$" "$target"
    log "built $out in $((SECONDS - start)) s"
  fi
  ln -sfn "../../$(basename "$target")" "$bin_dir/$out"
}

build etcd etcd .
# providerless: no in-tree cloud providers (none is used; smaller and faster to build).
build kubernetes-1.27 kube-apiserver-1.27 k8s.io/kubernetes/cmd/kube-apiserver -tags providerless
build kubernetes-1.27 kubectl-1.27 k8s.io/kubernetes/cmd/kubectl -tags providerless
build kubernetes-1.37 kube-apiserver-1.37 k8s.io/kubernetes/cmd/kube-apiserver -tags providerless
build kubernetes-1.37 kubectl-1.37 k8s.io/kubernetes/cmd/kubectl -tags providerless
# The simulated cluster (scripts/simulate/): the real controllers and scheduler of 1.37, kwok's
# fake nodes and pods, and Argo CD's sync engine (tools/gitops-sync, ours).
build kubernetes-1.37 kube-controller-manager-1.37 k8s.io/kubernetes/cmd/kube-controller-manager -tags providerless
build kubernetes-1.37 kube-scheduler-1.37 k8s.io/kubernetes/cmd/kube-scheduler -tags providerless
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
# gitops-engine v3.6 needs Go 1.27: this one module may fetch that toolchain from the module
# proxy (go.mod's toolchain line); every other tool builds with the local Go.
GOTOOLCHAIN=go1.27.0 build gitops-sync gitops-sync .
build kube-score kube-score github.com/zegl/kube-score/cmd/kube-score

# promtool: Debian's prometheus package (bookworm: 2.42). Installs only when missing.
if ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's prometheus package for promtool"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a Prometheus server; only its promtool is wanted here.
    (systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true)
  else
    log "promtool is missing: install Debian's 'prometheus' package (apt-get install prometheus)"
    exit 1
  fi
fi
ln -sfn "$(command -v promtool)" "$bin_dir/promtool"
echo "$bin_dir"
