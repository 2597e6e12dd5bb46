#!/usr/bin/env bash
# Build the one-folder desktop bundle for this platform into dist/inbox/.
#   packaging/build.sh            # icons + metainfo release + PyInstaller
# PyInstaller runs inside the project's uv environment (`uv run --with`), so the bundle holds exactly
# the locked dependencies; nothing is added to the project's own dependency list.
set -euo pipefail
cd "$(dirname "$0")/.."
PYINSTALLER="${PYINSTALLER:-pyinstaller>=6.10}"

start=$(date +%s)
uv run python packaging/icons.py build/icons
uv run python packaging/metainfo.py            # <release version> from pyproject.toml
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" \
  uv run --with "$PYINSTALLER" pyinstaller --noconfirm --clean \
  --distpath dist --workpath build/pyinstaller packaging/inbox.spec
end=$(date +%s)

case "$(uname -s)" in
  Darwin) exe="dist/inbox/inbox" ;;   # and dist/Inbox.app
  MINGW*|MSYS*|CYGWIN*) exe="dist/inbox/inbox.exe" ;;
  *) exe="dist/inbox/inbox" ;;
esac
echo "built $("$exe" --version) in $((end - start)) s: $(du -sh dist/inbox | cut -f1) in dist/inbox/"
