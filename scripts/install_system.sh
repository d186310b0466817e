#!/usr/bin/env bash
# Installs the Debian packages the project uses beyond Python: chromium (browser test and
# screenshots), poppler-utils (pdftoppm, to look at the PDF), and the fonts (DejaVu, Noto CJK)
# and pango libraries WeasyPrint needs. Run as root on Debian; says what it does, does nothing when all is present.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
# Case quotes may be in any script (a Korean rule quoted for Seoul): CJK fonts render them in the PDF.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || need+=(libpangoft2-1.0-0)
if [ ${#need[@]} -eq 0 ]; then
  echo "Paquets système : déjà installés."
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Paquets système manquants : ${need[*]} — installez-les (Debian : apt-get install ${need[*]})." >&2
  exit 0
fi
echo "Installation des paquets système : ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
