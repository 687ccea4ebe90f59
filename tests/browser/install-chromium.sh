#!/bin/sh
# Debian's Chromium and a Korean font for the browser tests (tests/browser), installed
# with apt when missing and we are root; otherwise say so: the browser tests then skip,
# naming why (without the font, the screenshots show boxes for Korean).
# Playwright never downloads a browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="chromium"
[ -d /usr/share/fonts/truetype/nanum ] || missing="$missing fonts-nanum"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing for the browser tests: $missing (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; } \
        || echo "could not install$missing: the browser tests may be skipped"
else
    echo "missing for the browser tests:$missing (as root: apt-get install$missing)"
fi
