#!/bin/sh
# Debian's Chromium for the browser tests (tests/browser), installed with apt when it is
# missing and we are root; otherwise say so: the browser tests then skip, naming why.
# Playwright never downloads a browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
set -e
for found in chromium chromium-browser; do
    if command -v "$found" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests (apt-get install chromium)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; } \
        || echo "could not install chromium: the browser tests will be skipped"
else
    echo "chromium is not installed (run as root: apt-get install chromium); the browser tests will be skipped"
fi
