#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine with Node 20 for telecart: system packages, npm packages, build.
# Idempotent; safe to run again. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# dbus-daemon: private buses for the BlueZ look-alike; build tools: better-sqlite3 compiles from source on
# Node 20; chromium: the browser tests (playwright-core drives the Debian build, never a downloaded one);
# socat: pseudo-terminal pairs for the serial simulators; mosquitto and postgresql: the external broker
# and the cloud's PostgreSQL store (tests start their own instances on free ports); mosquitto-clients:
# mosquitto_pub/_sub, outside clients of the embedded broker in the tests; nftables, iproute2:
# network namespaces and impaired links in the fault tests; GStreamer (+ dev headers for the Node
# bindings) and flac: stethoscope and camera media.
DEB_PACKAGES=(
  dbus python3 make g++ chromium socat mosquitto mosquitto-clients postgresql nftables iproute2 flac pulseaudio
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x fonts-dejavu-core libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  coturn # TURN relay for teleconsultation media behind NAT (tests start their own on loopback)
  poppler-utils # pdftotext: the report PDF tests read back what the cloud rendered
  rabbitmq-server # clustered MQTT broker (its MQTT plugin) for the cluster tests: tests start their own nodes on loopback
  ffmpeg onvif-tools # outside tools the simulated camera is tested with: ffmpeg plays its RTSP stream, onvif-util (libonvif) reads its ONVIF replies
  procps # sysctl: .ci/run raises net.core.rmem_max for the forwarding unit's UDP receive buffers
  sqlite3 # the sqlite3 command: an outside reader of the cloud's SQLite file in the in-process ingest's test
  curl # an outside HTTP client of the gateway's link report (gateway/src/http/routes/uplink-curl.test.ts); python3 above is the act sockets' outside WebSocket client
  nginx-light # a load balancer (WebSocket upgrade proxied) in front of two cloud instances in the multi-instance test; the test starts its own on loopback
)
# The system packages install in the background while npm installs and builds (neither needs them: the
# native addons need only python3, make and g++, installed first when missing); this saves the shorter
# of the two, 1.5–2 minutes on a fresh machine.
apt_pid=""
apt_log=""
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ] || [ "${TELECART_APT_ALWAYS:-0}" = "1" ]; then
    apt_opts=()
    # Set by CI (a throwaway machine): dpkg without fsync.
    if [ "${TELECART_APT_UNSAFE_IO:-0}" = "1" ]; then apt_opts+=(-o Dpkg::Options::=--force-unsafe-io); fi
    apt_install() {
      $SUDO apt-get update -qq
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_opts[@]}" "${DEB_PACKAGES[@]}" >/dev/null
    }
    if command -v python3 >/dev/null && command -v make >/dev/null && command -v g++ >/dev/null; then
      apt_log=$(mktemp)
      apt_install >"$apt_log" 2>&1 &
      apt_pid=$!
    else
      apt_install
    fi
  fi
else
  echo "setup: no apt-get; make sure these are installed: ${DEB_PACKAGES[*]}" >&2
fi

node -e 'const [M]=process.versions.node.split(".").map(Number); if (M < 20) { console.error("telecart needs Node.js 20 or later, found " + process.version); process.exit(1) }'

# `npm install` with the committed lockfile (versions are those of package-lock.json), skipped when
# node_modules is current so a second run changes nothing. The lockfile must be committed exactly as
# `npm install` writes it, every platform's optional binaries included (biome's @biomejs/cli-*):
# one that lacks some is rewritten here and leaves the work tree dirty (.ci/run fails on that).
# JOBS=max: node-gyp's make runs a job per core, so each SQLite addon (better-sqlite3, sqlite3) compiles its C++
# beside SQLite's amalgamation. npm still runs the two packages' install scripts one after the other (its
# limit is the cores less one); running them side by side with `--ignore-scripts` and `npm rebuild` was
# tried and lost npm's handling of an optional package whose script fails (docs/testing.md, sixth round).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  JOBS=max npm install --no-audit --no-fund
fi
npm run build --silent

if [ -n "$apt_pid" ]; then
  if ! wait "$apt_pid"; then
    echo "setup: installing the Debian packages failed:" >&2
    cat "$apt_log" >&2
    rm -f "$apt_log"
    exit 1
  fi
  rm -f "$apt_log"
fi
