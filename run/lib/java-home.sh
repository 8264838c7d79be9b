# Sourced by Wharf's scripts: points JAVA_HOME at a JDK 25 (the machine's default java is older).
find_jdk25() {
  local candidate
  for candidate in "${WHARF_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | grep -qE 'version "25'; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME="$(find_jdk25)"; then
  echo "wharf: no JDK 25 found (looked at \$WHARF_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm); install Temurin 25" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
