#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (tests/Backprop.Dashboard.Tests drive /usr/bin/chromium through
# Playwright; these machines cannot download Playwright's own browser builds).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
