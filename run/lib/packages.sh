# Sourced by Wharf's scripts: installs Debian packages for commands a fresh machine lacks.
# ensure_commands cmd:package ...
ensure_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  ensure_packages "${missing[@]}"
}

# ensure_packages package ...: installs them (as root) with apt.
ensure_packages() {
  local missing=("$@")
  if [ "$(id -u)" != 0 ]; then
    echo "wharf: missing packages ${missing[*]} and not root to install them" >&2
    return 1
  fi
  echo "wharf: installing ${missing[*]}" >&2
  # No service of these packages (containerd, docker-registry) is started: Wharf and its tests
  # start their own, on their own paths and ports.
  local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
  fi
  apt-get update -qq >&2 || rc=$?
  [ "$rc" = 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || rc=$?; }
  [ "$made_policy" = 1 ] && rm -f "$policy"
  return "$rc"
}
