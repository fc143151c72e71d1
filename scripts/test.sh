#!/bin/bash
# The one command for every test of medic, on a fresh Debian machine as root:
# host packages, npm ci (which brings Node 24), dist/medic, types, lint, the testbed (its images built in the
# background meanwhile), then the integration tests of the box beside a second lane: the fleet's hosts, the
# unit tests and a fuzz pass of the parsers.
#   scripts/test.sh               everything
#   scripts/test.sh --unit-only   no testbed: for machines without root or systemd-nspawn
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

unit_only=0
for arg in "$@"; do
  case "$arg" in
    --unit-only) unit_only=1 ;;
    -h | --help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "test.sh: unknown option $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

summary=()
started=$SECONDS
step() {
  local name=$1 t0=$SECONDS
  shift
  echo
  echo "==> $name"
  if "$@"; then
    summary+=("ok    $(printf '%4ss' $((SECONDS - t0)))  $name")
  else
    summary+=("FAIL  $(printf '%4ss' $((SECONDS - t0)))  $name")
    print_summary
    exit 1
  fi
}
# What failed, after the summary where a reader of the output's end sees it: each failing test's name and the
# first lines of its assertion, from the spec reporter's "failing tests" part of every log kept in $failed_logs.
failed_logs=()
print_summary() {
  echo
  echo "==> summary ($((SECONDS - started)) s)"
  printf '  %s\n' "${summary[@]}"
  local entry log
  for entry in "${failed_logs[@]}"; do
    log=${entry#*:}
    [ -s "$log" ] || continue
    echo
    echo "==> what failed in ${entry%%:*}"
    awk '/^✖ failing tests:/ { on = 1; next }
      on && /^✖ / { print; left = 6; next }
      on && left > 0 && !/^ *(at |test at |$)/ { print; left-- }' "$log" | head -60
  done
}

testbed_possible() {
  [ "$(id -u)" = 0 ] || {
    echo "not root"
    return 1
  }
  [ -d /sys/fs/cgroup ] || {
    echo "no cgroup file system"
    return 1
  }
  command -v apt-get >/dev/null || command -v systemd-nspawn >/dev/null || {
    echo "no systemd-nspawn and no apt-get to install it"
    return 1
  }
}

host_packages() {
  local need=()
  command -v systemd-nspawn >/dev/null || need+=(systemd-container)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  [ -x /lib/systemd/systemd-journal-remote ] || need+=(systemd-journal-remote)
  command -v ss >/dev/null || need+=(iproute2)
  # the browser the dashboard's tests drive through playwright-core (never a browser of its own)
  command -v chromium >/dev/null || need+=(chromium)
  # Installed without recommends: the testbed's Docker engine (dockerd, containerd, runc and Debian's matching
  # client) and a real Alertmanager and Prometheus (with promtool) for the host tests of notifiers and /metrics
  # (with recommends, prometheus brings node-exporter and services of its own).
  local engine=()
  command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || engine+=(docker.io)
  command -v prometheus-alertmanager >/dev/null || engine+=(prometheus-alertmanager)
  command -v prometheus >/dev/null && command -v promtool >/dev/null || engine+=(prometheus)
  # the shared store's tests start a PostgreSQL cluster of their own with Debian's server binaries
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || engine+=(postgresql)
  # real OpenSSH servers on 127.0.0.1 (started by the fleet tests themselves) and the client medic runs
  [ -x /usr/sbin/sshd ] || engine+=(openssh-server)
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || engine+=(openssh-client)
  [ ${#need[@]} = 0 ] && [ ${#engine[@]} = 0 ] && return 0
  echo "installing ${need[*]} ${engine[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  [ ${#need[@]} = 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ ${#engine[@]} = 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${engine[@]}" >/dev/null
}

if [ "$unit_only" = 0 ]; then
  if ! why=$(testbed_possible); then
    cat >&2 <<MSG

!!! The testbed cannot run here ($why): medic's integration tests need root and systemd-nspawn.
!!! Run as root on a Debian machine, or run 'scripts/test.sh --unit-only' to skip them on purpose.

MSG
    exit 1
  fi
  step "host packages" host_packages
fi

# The box's image and the Docker side's images (debootstrap, provisioning, docker build: minutes on a fresh
# machine, cached on disk after) build in the background while the unit tests use the CPU.
images_log=$(mktemp /tmp/medic-testbed-build.XXXXXX.log)
if [ "$unit_only" = 0 ]; then
  # a session of its own, so that a failed step ends it with its children (debootstrap, the box)
  setsid scripts/testbed build >"$images_log" 2>&1 &
  images_pid=$!
  images_t0=$SECONDS
  trap '[ -n "${images_pid:-}" ] && kill -- "-$images_pid" 2>/dev/null; rm -f "$images_log"' EXIT
fi

step "npm ci" npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
# dist/medic, medic and Node in one file: the box (no Node on its PATH) runs it from /opt/medic/dist.
step "single executable" npm run build
step "type check" tsc --noEmit -p .
step "lint" eslint .
step "format" prettier --check .
unit_tests() { node --test --test-reporter=spec 'test/unit/**/*.test.ts' 'test/host/**/*.test.ts'; }
# Every parser of text fed hostile inputs (npm run test:fuzz runs 100,000 each; here a quick pass of each).
fuzz() { env MEDIC_FUZZ_RUNS="${MEDIC_FUZZ_RUNS:-3000}" node --test --test-reporter=spec 'test/fuzz/**/*.fuzz.ts'; }

if [ "$unit_only" = 1 ]; then
  step "unit tests" unit_tests
  step "fuzz of the parsers" fuzz
  summary+=("skip        integration tests (--unit-only)")
  print_summary
  exit 0
fi

images() {
  local rc=0
  wait "$images_pid" || rc=$?
  images_pid=
  cat "$images_log"
  echo "(built in the background: $((SECONDS - images_t0)) s since it started)"
  return $rc
}
step "testbed images" images
step "testbed (a fresh boot)" scripts/testbed reset

# Two lanes side by side. The box's: every integration file but the fleet's, one at a time (they share the
# box and its Docker side). Beside it: the fleet's three hosts (their own bridge, their own boots), then the
# unit tests and the fuzz pass, which need no testbed. The second lane's output follows the first's.
other_lane() {
  local part s r
  for part in fleet unit fuzz; do
    s=$SECONDS
    r=0
    case $part in
      fleet)
        echo "==> integration tests: the fleet"
        node --test --test-concurrency=1 --test-reporter=spec test/integration/fleet.test.ts || r=$?
        ;;
      unit)
        echo "==> unit tests"
        unit_tests || r=$?
        ;;
      fuzz)
        echo "==> fuzz of the parsers"
        fuzz || r=$?
        ;;
    esac
    echo "$part $r $((SECONDS - s))" >>"$lane_status"
  done
}

integration() {
  local lane_log box_log lane_status rc=0 t0=$SECONDS lane_pid box=() part r secs
  lane_log=$(mktemp /tmp/medic-lane.XXXXXX.log)
  lane_status=$(mktemp /tmp/medic-lane.XXXXXX.status)
  for f in test/integration/*.test.ts; do
    [ "$f" = test/integration/fleet.test.ts ] || box+=("$f")
  done
  other_lane >"$lane_log" 2>&1 &
  lane_pid=$!
  box_log=$(mktemp /tmp/medic-box.XXXXXX.log)
  node --test --test-concurrency=1 --test-reporter=spec "${box[@]}" 2>&1 | tee "$box_log" || rc=$?
  local box_s=$((SECONDS - t0))
  wait "$lane_pid" || true
  echo
  cat "$lane_log"
  # (kept for print_summary when they hold a failure, removed otherwise)
  if [ $rc = 0 ]; then rm -f "$box_log"; else failed_logs+=("the box lane:$box_log"); fi
  if grep -q '^✖ failing tests:' "$lane_log"; then failed_logs+=("the second lane:$lane_log"); else rm -f "$lane_log"; fi
  summary+=("$([ $rc = 0 ] && echo 'ok  ' || echo 'FAIL')  $(printf '%4ss' "$box_s")  integration: the box and its Docker side")
  declare -A name=([fleet]="integration: the fleet (beside the box)" [unit]="unit tests (beside the box)" [fuzz]="fuzz of the parsers (beside the box)")
  while read -r part r secs; do
    summary+=("$([ "$r" = 0 ] && echo 'ok  ' || echo 'FAIL')  $(printf '%4ss' "$secs")  ${name[$part]}")
    [ "$r" = 0 ] || rc=1
  done <"$lane_status"
  [ "$(wc -l <"$lane_status")" = 3 ] || {
    summary+=("FAIL         the second lane ended early")
    rc=1
  }
  rm -f "$lane_status"
  # down whether they passed or not: a failed run leaves no box running
  scripts/testbed down
  return $rc
}
step "integration tests" integration
print_summary
