# bench/lib.sh: what bench/run and bench/images share, sourced by them after their option
# parsing: logging, processes started and stopped by pid (never by name), the temporary
# directory and its removal on exit, starting Wharf and Debian's dockerd on their own roots.
#
# The sourcing script sets, before calling bench_setup:
#   here, top        bench/ and the checkout
#   java             the JDK 25 java binary (run/lib/java-home.sh)
#   wharfd_cmd       array: how to start Wharf (run/wharfd, or $WHARFD split on spaces)
#   dockerd_bin      the dockerd binary
# and may set start_timeout and stop_timeout (seconds; defaults 60 and 30).
# bench_setup makes $tmp (removed on exit, with whatever a daemon left mounted below it) and
# installs the traps; the script calls bench_compile_probe before the first start.

: "${start_timeout:=60}"  # seconds a daemon gets to answer /_ping
: "${stop_timeout:=30}"   # seconds a daemon gets to exit after SIGTERM

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

declare -A tracked=() # pid -> start time (field 22 of /proc/pid/stat): processes this script started
created_policy=0
had_run_docker=1
failed=0
tmp=

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

# Resident memory of pid's process tree, in kB.
tree_rss() {
  local p kb sum=0
  for p in $(tree "$1"); do
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
  local rc=$? p
  trap - EXIT INT TERM
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
        --pidfile "$dir/pid" -H "unix://$dir/sock" --bridge=none --iptables=false "$@" \
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

# The start-up probe (and bench/run's load client).
bench_compile_probe() {
  [ -f "$tmp/classes/HttpLoad.class" ] || "$JAVA_HOME/bin/javac" -nowarn -d "$tmp/classes" "$here/HttpLoad.java"
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

