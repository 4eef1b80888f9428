#!/bin/sh
# A fake Godot for the crash-loop test: answers --version like Godot, and otherwise exits 1 at
# once (a crash on start). Each crashing start appends a line to $FAKE_GODOT_LOG when it is set.
for a in "$@"; do
  case "$a" in
    --version) echo "4.6.3.stable.fake"; exit 0 ;;
  esac
done
if [ -n "${FAKE_GODOT_LOG:-}" ]; then
  echo "$$ $*" >> "$FAKE_GODOT_LOG"
fi
echo "fake godot: crashing on purpose" >&2
exit 1
