# bench/lib.sh: what bench/run, bench/images and bench/containers share, sourced by them after
# their option parsing: logging, processes started and stopped by pid (never by name), the
# temporary directory and its removal on exit, starting Wharf and Debian's dockerd on their own
# roots, the docker CLI against them.
#
# The sourcing script sets, before calling bench_setup:
#   here, top        bench/ and the checkout
#   java             the JDK 25 java binary (run/lib/java-home.sh)
#   wharfd_cmd       array: how to start Wharf (run/wharfd, or $WHARFD split on spaces)
#   dockerd_bin      the dockerd binary
# and may set start_timeout and stop_timeout (seconds; defaults 60 and 30), and
# dockerd_network_flags (default: --bridge=none --iptables=false, no bridge and no firewall rules).
# bench_setup makes $tmp (removed on exit, with whatever a daemon left mounted below it) and
# installs the traps; the script calls bench_compile_probe before the first start. Commands the
# script adds to before_stop_hooks run on exit before the processes it started are stopped (e.g.
# removing containers from a daemon), those in after_stop_hooks after (e.g. removing cgroups).

[ -n "${dockerd_network_flags+set}" ] || dockerd_network_flags=(--bridge=none --iptables=false)

: "${start_timeout:=60}"  # seconds a daemon gets to answer /_ping
: "${stop_timeout:=30}"   # seconds a daemon gets to exit after SIGTERM

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

declare -A tracked=() # pid -> start time (field 22 of /proc/pid/stat): processes this script started
created_policy=0
had_run_docker=1
failed=0
tmp=
before_stop_hooks=()
after_stop_hooks=()

# Makes $tmp (/tmp/wharf-bench.*) and installs the traps that stop every process the script
# started and remove $tmp on exit, failure or Ctrl-C.
bench_setup() {
  tmp="$(mktemp -d /tmp/wharf-bench.XXXXXX)"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # A sleep without a fork per call: read with a timeout from a FIFO nobody writes to.
  mkfifo "$tmp/.sleep"
  exec {sleep_fd}<>"$tmp/.sleep"
}

# ---------------------------------------------------------------- processes

# Sets _start to the start time of pid, or to nothing when it is gone or a zombie (no fork:
# this runs every 50 ms while a daemon starts).
proc_start() {
  local stat rest
  _start=
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 0
  rest="${stat##*) }"        # past "pid (comm) "
  set -- $rest               # state ppid ... (field 3 onwards)
  if [ "$1" != Z ]; then _start="${20}"; fi
  return 0
}
alive() { proc_start "$1"; [ -n "$_start" ]; }
is_ours() { [ -n "${tracked[$1]:-}" ] || return 1; proc_start "$1"; [ "$_start" = "${tracked[$1]}" ]; }
track() { proc_start "$1"; if [ -n "$_start" ]; then tracked[$1]="$_start"; fi; }

nap() { read -r -t "$1" -u "$sleep_fd" _ || true; }

# pid and its descendants, parents first.
tree() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END { q[0] = root; n = 1
          for (i = 0; i < n; i++) { print q[i]; m = split(kids[q[i]], k, " "); for (j = 1; j <= m; j++) q[n++] = k[j] } }'
}

# tree_rss PID [PREFIX]: resident memory of pid's process tree, in kB; with PREFIX, without
# the processes whose name (comm) starts with it.
tree_rss() {
  local p kb comm sum=0
  for p in $(tree "$1"); do
    if [ -n "${2:-}" ]; then
      comm="$(cat "/proc/$p/comm" 2>/dev/null || true)"
      [[ "$comm" == "$2"* ]] && continue
    fi
    kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)"
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}

# Waits up to $2 seconds for pid $1 to be gone; reaps it when it is our child.
wait_gone() {
  local pid="$1" deadline=$((${EPOCHREALTIME/./} + $2 * 1000000))
  while alive "$pid"; do
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || return 1
    nap 0.05
  done
  wait "$pid" 2>/dev/null || true
  return 0
}

# SIGTERM to a process we started, then waits for it to exit; whatever of its tree outlives it
# (e.g. containerd, had dockerd needed SIGKILL) gets SIGTERM too. SIGKILL only on a timeout.
# Only pids recorded with their start time while they were in the tree are signalled.
stop_tree() {
  local pid="$1" p t0
  local -a rest=()
  is_ours "$pid" || return 0
  for p in $(tree "$pid"); do
    if [ "$p" != "$pid" ]; then
      track "$p"
      rest+=("$p")
    fi
  done
  t0="${EPOCHREALTIME/./}"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$stop_timeout"; then
    log "pid $pid did not exit within ${stop_timeout}s of SIGTERM; SIGKILL"
    if is_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait_gone "$pid" 5 || true
  fi
  for p in "${rest[@]}"; do
    if is_ours "$p" && ! wait_gone "$p" 10; then
      log "pid $p (started by $pid) outlived it; SIGTERM"
      if is_ours "$p"; then kill -TERM "$p" 2>/dev/null || true; fi
      if ! wait_gone "$p" 10 && is_ours "$p"; then
        kill -KILL "$p" 2>/dev/null || true
        wait_gone "$p" 5 || true
      fi
    fi
    unset "tracked[$p]"
  done
  unset "tracked[$pid]"
  # until the whole tree is gone
  STOP_SECONDS="$(awk -v a="$t0" -v b="${EPOCHREALTIME/./}" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')"
}

# Unmounts whatever a daemon left mounted below $1, then removes $1 without crossing filesystems.
remove_dir() {
  local m
  for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
  rm -rf --one-file-system "$1"
}

cleanup() {
  local rc=$? p h
  trap - EXIT INT TERM
  set +e # clean up as much as possible
  for h in "${before_stop_hooks[@]}"; do $h; done
  for p in "${!tracked[@]}"; do
    # a daemon, a start-up probe or the load client, when a run is cut short
    if is_ours "$p"; then stop_tree "$p"; fi
  done
  if [ "$created_policy" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
  fi
  if [ "$had_run_docker" = 0 ]; then
    # dockerd creates its plugin discovery directory /run/docker/plugins whatever the flags;
    # remove it again when it is empty and was not there before
    rmdir /run/docker/plugins /run/docker 2>/dev/null || true
  fi
  for h in "${after_stop_hooks[@]}"; do $h; done
  [ -n "${sleep_fd:-}" ] && exec {sleep_fd}>&-
  remove_dir "$tmp"
  exit "$rc"
}

# ---------------------------------------------------------------- daemons

# run/wharfd runs Maven first when its build is missing or older than the sources. A benchmark
# must not build behind one's back (nor race someone else's build), so before each start of
# run/wharfd this makes the same check and stops when a build would happen.
check_built() {
  [ -z "${WHARFD:-}" ] || return 0
  local built="$top/run/target/wharf/.built"
  if [ ! -f "$built" ] || [ -n "$(find "$top/pom.xml" "$top/bnd.bnd" "$top/cnf" "$top/bundles" "$top/run/pom.xml" \
        "$top/run/wharf.bndrun" "$top/run/src" -newer "$built" -type f -not -path '*/target/*' -print -quit)" ]; then
    die "Wharf's build is missing or older than its sources, so run/wharfd would build it: build it first (e.g. run/wharfd --version), or set WHARFD"
  fi
}

# launch KIND DIR [FLAG...]: starts the daemon in the background with everything of its own
# under DIR, with the FLAGs (e.g. --storage-driver vfs) added to its command line.
launch() {
  local kind="$1" dir="$2"
  shift 2
  mkdir -p "$dir"
  case "$kind" in
    wharf)
      "${wharfd_cmd[@]}" -H "unix://$dir/sock" --data-root "$dir/root" --exec-root "$dir/exec" \
        --pidfile "$dir/pid" --deploy-dir "$dir/deploy" "$@" </dev/null >"$dir/log" 2>&1 &
      ;;
    dockerd)
      # Its own config file, so that /etc/docker/daemon.json is not read and the trust key
      # (which dockerd 20.10 would otherwise create as /etc/docker/key.json) stays in $dir.
      printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" > "$dir/daemon.json"
      "$dockerd_bin" --config-file "$dir/daemon.json" --data-root "$dir/root" --exec-root "$dir/exec" \
        --pidfile "$dir/pid" -H "unix://$dir/sock" "${dockerd_network_flags[@]}" "$@" \
        </dev/null >"$dir/log" 2>&1 &
      ;;
  esac
  DPID=$!
  track "$DPID"
}

probe_opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx32m -XX:-UsePerfData)

# start KIND DIR TIMEOUT [FLAG...]: launches the daemon (with the FLAGs) and waits for its first
# 200 to GET /_ping.
# Sets DPID, T0 (launch time, epoch microseconds) and STARTUP (seconds from launch to that answer).
# The probe is a JVM started and warmed up beforehand, so its own start-up is not counted; it
# tries every millisecond and stamps the wall-clock time of the answer.
start() {
  local kind="$1" dir="$2" timeout="$3" probe up
  shift 3
  mkdir -p "$dir"
  [ "$kind" = wharf ] && check_built
  : >"$dir/probe"
  "$java" "${probe_opts[@]}" -cp "$tmp/classes" HttpLoad --await "$dir/sock" "$timeout" >"$dir/probe" 2>&1 &
  probe=$!
  track "$probe"
  until grep -q '^ready' "$dir/probe"; do
    alive "$probe" || die "the start-up probe failed: $(cat "$dir/probe")"
    nap 0.02
  done
  nap 0.3 # let the probe's JIT settle
  T0="${EPOCHREALTIME/./}"
  launch "$kind" "$dir" "$@"
  while alive "$probe"; do
    if ! alive "$DPID"; then
      log "$kind exited before answering /_ping; the end of its log:"
      tail -n 20 "$dir/log" >&2
      die "$kind did not start"
    fi
    nap 0.05
  done
  wait "$probe" || true
  unset "tracked[$probe]"
  up="$(awk '$1 == "up" { print $2 }' "$dir/probe")"
  if [ -z "$up" ]; then
    tail -n 20 "$dir/log" >&2
    die "$kind did not answer GET /_ping within ${timeout}s"
  fi
  STARTUP="$(awk -v a="$T0" -v b="$up" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
}

# Sleeps until $1 seconds after T0.
until_after_launch() {
  local left
  left="$(awk -v t0="$T0" -v d="$1" -v now="${EPOCHREALTIME/./}" 'BEGIN { l = (t0 + d * 1e6 - now) / 1e6; printf "%.3f", (l > 0) ? l : 0 }')"
  nap "$left"
}

# bench_compile NAME: compiles bench/NAME.java into $tmp/classes (beside what is there already).
bench_compile() {
  [ -f "$tmp/classes/$1.class" ] || "$JAVA_HOME/bin/javac" -nowarn -cp "$tmp/classes" -d "$tmp/classes" "$here/$1.java"
}

# The start-up probe (and bench/run's load client).
bench_compile_probe() {
  bench_compile HttpLoad
}

# The median of the numbers on stdin (separated by spaces or newlines).
median() {
  tr ' ' '\n' | awk 'NF { v[n++] = $1 } END {
    if (n == 0) exit 1
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    print ((n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) }'
}

# apt-get install docker.io, with a policy-rc.d in place so that no service starts.
install_dockerd() {
  [ "$(id -u)" = 0 ] || die "installing docker.io needs root"
  command -v apt-get >/dev/null || die "$dockerd_bin is missing and there is no apt-get to install docker.io"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # keeps the package from starting docker or containerd services
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  log "installing docker.io (apt-get install -y docker.io)..."
  if ! DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y docker.io >"$tmp/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update >>"$tmp/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y docker.io >>"$tmp/apt.log" 2>&1 \
      || { tail -n 20 "$tmp/apt.log" >&2; die "apt-get install docker.io failed"; }
  fi
  if [ "$created_policy" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    created_policy=0
  fi
  [ -x "$dockerd_bin" ] || die "docker.io is installed but $dockerd_bin is missing"
}

# ---------------------------------------------------------------- docker CLI

# bench_docker_cli: finds the docker CLI ($DOCKER, else docker on PATH) for dk, after
# bench_setup. The CLI talks to the daemons named with -H only, and keeps its configuration in
# $tmp. dk's time limit is $cli_timeout (seconds), which the script sets.
bench_docker_cli() {
  docker_cli="${DOCKER:-$(command -v docker || true)}"
  [ -n "$docker_cli" ] && [ -x "$docker_cli" ] || die "no docker CLI (set DOCKER=<path>)"
  unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION
  export DOCKER_CONFIG="$tmp/docker-config"
  mkdir -p "$DOCKER_CONFIG"
}

# dk DIR OUT ARG...: the docker CLI against the daemon under DIR, stdout to OUT and stderr to
# OUT.err, with a time limit. It runs in the background so that a signal to this script is
# acted on at once (the cleanup then stops it). Sets DK_SECONDS: wall time from fork to exit.
dk() {
  local dir="$1" out="$2" pid rc=0 t0 t1
  shift 2
  t0="${EPOCHREALTIME/./}"
  timeout -k 5 "$cli_timeout" "$docker_cli" -H "unix://$dir/sock" "$@" >"$out" 2>"$out.err" &
  pid=$!
  track "$pid"
  wait "$pid" || rc=$?
  t1="${EPOCHREALTIME/./}"
  unset "tracked[$pid]"
  DK_SECONDS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
  if [ "$rc" = 124 ]; then log "docker $* did not finish within ${cli_timeout}s"; fi
  return "$rc"
}

# dk_ok DIR OUT ARG...: dk, and the run fails with the CLI's error when the command does.
dk_ok() {
  local dir="$1" out="$2"
  if ! dk "$@"; then
    shift 2
    log "docker $* failed: $(tail -n 5 "$out.err")"
    log "the end of the daemon's log ($dir/log):"
    tail -n 20 "$dir/log" >&2 || true
    die "docker $1 failed"
  fi
}
