#!/bin/sh
# Liaison Desk for macOS: a signed, notarized "Liaison Desk.app" in a .dmg. Run on a Mac
# (macOS 12 or later, Xcode command line tools, Python 3.11) from the project root:
#
#   CODESIGN_IDENTITY="Developer ID Application: Example (TEAMID1234)" \
#   NOTARY_PROFILE=liaison-notary packaging/macos/build-dmg.sh
#
# NOTARY_PROFILE is a keychain profile made once with
#   xcrun notarytool store-credentials liaison-notary --apple-id ... --team-id ...
# Output: dist/liaison-desk-VERSION-macos-ARCH.dmg and its .sha256 beside it. The build is
# for the Mac's own architecture (arm64 or x86_64): run it on each to ship both.
set -eu

: "${CODESIGN_IDENTITY:?set CODESIGN_IDENTITY to a Developer ID Application identity}"
: "${NOTARY_PROFILE:?set NOTARY_PROFILE to a notarytool keychain profile}"

python3.11 -m venv .venv
.venv/bin/python -m pip install --quiet -e '.[package]' -c packaging/constraints.txt
# PyInstaller signs every binary and the .app with the hardened runtime (see the spec).
CODESIGN_IDENTITY="$CODESIGN_IDENTITY" .venv/bin/python packaging/build.py

VERSION=$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
APP="dist/Liaison Desk.app"
DMG="dist/liaison-desk-$VERSION-macos-$(uname -m).dmg"

codesign --verify --deep --strict --verbose=2 "$APP"
"$APP/Contents/MacOS/liaison-desk" --version
"$APP/Contents/MacOS/liaison-desk" self-test

rm -f "$DMG"
hdiutil create -volname "Liaison Desk" -srcfolder "$APP" -ov -format UDZO "$DMG"
codesign --sign "$CODESIGN_IDENTITY" --timestamp "$DMG"
xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
xcrun stapler staple "$DMG"
spctl --assess --type open --context context:primary-signature --verbose "$DMG"
(cd dist && shasum -a 256 "$(basename "$DMG")" > "$(basename "$DMG").sha256")
echo "$DMG"
