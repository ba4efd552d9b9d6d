# deps.sh - the Debian packages tongchou needs, installed when missing.
#
#   . scripts/lib/deps.sh && tc_ensure_deps
#
# Idempotent and quiet when everything is present.  Installs with apt-get
# as root, through sudo otherwise; says exactly what is missing when it
# can do neither.

TC_DEPS=(
  cmake make gcc pkg-config
  libpq-dev libxml2-dev zlib1g-dev libssl-dev
  libcmocka-dev libjansson-dev libcsv-dev libinih-dev libxlsxwriter-dev
  postgresql-15 postgresql-client-15
  libxml2-utils gzip
  chromium unzip
  fontconfig fonts-noto-cjk   # the pages' Chinese in headless Chromium, not empty boxes
  libcairo2-dev libpango1.0-dev libqrencode-dev   # the printed documents (documents/)
  libharfbuzz-dev libfontconfig-dev   # the build's cut of the documents' font (documents/fontcut.c)
  poppler-utils zbar-tools    # pdftotext, pdffonts, pdftoppm, zbarimg: the documents' tests read the PDFs
  sqlite3                     # extract_unload exports a county with its csv and list modes
)

tc_ensure_deps() {
  local missing=() p
  for p in "${TC_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "tongchou: installing ${missing[*]}" >&2
  local sudo=
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=sudo
    else
      echo "tongchou: missing Debian packages: ${missing[*]} (install them as root)" >&2
      return 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configure and build one build type into a folder: tc_build DIR TYPE.
# The build takes minutes on a small machine: its progress is shown (the
# compiler's errors too, on stderr), not a silence.
tc_build() {
  local dir=$1 type=$2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$(nproc)" | tc_build_progress
}

# cmake --build's output on stdin ("[ 42%] Building C object ..." from make,
# "[12/150] ..." from ninja) as progress on stdout: on a terminal one line
# rewritten in place, otherwise a line at each tenth of the way.
tc_build_progress() {
  local tty=0
  [ -t 1 ] && tty=1
  awk -v tty="$tty" '
    { p = -1 }
    match($0, /^\[ *[0-9]+%\]/) { p = substr($0, RSTART + 1, RLENGTH - 3) + 0 }
    match($0, /^\[[0-9]+\/[0-9]+\]/) {
      split(substr($0, 2, RLENGTH - 2), n, "/"); p = int(100 * n[1] / n[2]) }
    p < 0 { next }
    tty { printf "\r   built %3d%%", p; fflush(); shown = 1; next }
    p >= next_at { printf "   built %3d%%\n", p; fflush(); next_at = (int(p / 10) + 1) * 10 }
    END { if (shown) printf "\n" }'
}
