#!/usr/bin/env bash
# Installs the system packages the tests need, only where they are missing:
# Debian's Chromium (headless WebGPU through SwiftShader) and Mesa 25's lavapipe
# from bookworm-backports (a CPU Vulkan driver that Dawn accepts, several times
# faster than SwiftShader; Mesa 22 from bookworm is rejected by Dawn).
set -euo pipefail
need_update=1
apt_update() { if [ $need_update = 1 ]; then apt-get update -qq; need_update=0; fi; }

if [ ! -x /usr/bin/chromium ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]'; then
  src=/etc/apt/sources.list.d/debian.sources
  bp=/etc/apt/sources.list.d/bookworm-backports.sources
  if [ ! -f "$bp" ]; then
    uris=$(awk '/^URIs:/{print $2; exit}' "$src" 2>/dev/null || true)
    key=$(awk '/^Signed-By:/{print $2; exit}' "$src" 2>/dev/null || true)
    uris=${uris:-http://deb.debian.org/debian}
    key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uris" "$key" > "$bp"
    need_update=1
  fi
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi
# Fonts for the text in the loss plot (rendered to PNG without a browser).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
echo "lavapipe: $(ls /usr/share/vulkan/icd.d/lvp_icd*.json)"
