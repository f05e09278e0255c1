#!/usr/bin/env bash
# The README's test command (`npm test`); .ci/run calls exactly this.
# 1. installs what the tests need: Debian packages for real peers (socat for the serial pty pair, Chromium for
#    the end-to-end tests, ffmpeg as the live video source, mosquitto as the centre's MQTT broker) and the npm dependencies (Electron's binary is not needed: everything but electron/
#    is proven in Node and Chromium);
# 2. type-checks every folder with its own compiler settings and lints the import boundaries;
# 3. runs the unit and system tests (vitest) and the end-to-end tests (Playwright in Debian's Chromium);
# 4. prints one closing line "total: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v socat >/dev/null 2>&1 || need_pkgs+=(socat)
# ffmpeg: the video tests' real source (libx264/libx265 → RTP) and ffprobe to check recordings.
[ -x /usr/bin/ffmpeg ] && [ -x /usr/bin/ffprobe ] || need_pkgs+=(ffmpeg)
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
# mosquitto: the real MQTT broker the centre link's tests start (TLS, password file, ACL); its clients for checks by hand.
[ -x /usr/sbin/mosquitto ] && command -v mosquitto_passwd >/dev/null 2>&1 || need_pkgs+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need_pkgs+=(mosquitto-clients)
# The font list is read whole before it is searched: `fc-list | grep -q` under pipefail failed at random
# (grep -q quits at the first match, fc-list then dies of SIGPIPE and the pipeline reads as "no font").
fonts="$(fc-list 2>/dev/null || true)"
grep -qi "wqy\|noto sans cjk" <<<"$fonts" || need_pkgs+=(fonts-wqy-zenhei)
# janus: the kiosk/centre video path (station/video/janus.ts) against a real WebRTC gateway (streaming plugin, HTTP transport).
[ -x /usr/bin/janus ] || need_pkgs+=(janus)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "kongxun test: installing Debian packages: ${need_pkgs[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "kongxun test: need ${need_pkgs[*]} (apt-get install -y ${need_pkgs[*]}) and cannot become root" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# npm ci only when node_modules is not what the lockfile asks for (scripts/deps-current.mjs: the optional
# packages of other platforms, which npm install leaves out, do not count).
if [ "${CI:-}" = "true" ] || ! node scripts/deps-current.mjs; then
  echo "kongxun test: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "kongxun test: type-check"
npm run --silent typecheck
echo "kongxun test: lint"
npm run --silent lint

mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
e2e_status=0
if compgen -G "tests/e2e/*.spec.ts" >/dev/null; then
  npx playwright test || e2e_status=$?
  [ $e2e_status -ne 0 ] && status=$e2e_status
fi
node scripts/summary.mjs
exit $status
