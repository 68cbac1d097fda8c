#!/usr/bin/env bash
# Installs the optional system libraries (speech, sound, virtual screen for screenshots) when
# this user may (root, or sudo without a password). Otherwise prints one line naming them.
# Never fails the build: without them callsim still runs, with captions only.
set -u
pkgs=(espeak-ng libespeak-ng1 libportaudio2 xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0)
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian/Ubuntu: nothing to do here
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "callsim: optional system packages missing (voice falls back to captions): sudo apt-get install ${missing[*]}"
  exit 0
fi
echo "callsim: installing system packages: ${missing[*]}"
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >/tmp/callsim-apt.log 2>&1; then
  echo "callsim: could not install ${missing[*]} (see /tmp/callsim-apt.log); continuing with captions only"
fi
exit 0
