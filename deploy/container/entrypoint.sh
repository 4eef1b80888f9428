#!/bin/sh
# The container's entrypoint: `godotd serve --project /project "$@"`, with the bearer token taken
# from a mounted secret. godotd accepts a token file only when it belongs to its own user and
# nobody else may read it (mode 0600); a Kubernetes Secret or Docker secret is mounted owned by
# root, group-readable at best, so it is copied into a private file first.
set -eu
project=${GODOTD_PROJECT:-/project}
if [ -n "${GODOTD_TOKEN_FILE:-}" ]; then
  umask 077
  private=${XDG_RUNTIME_DIR:-/tmp}/godotd-token
  cp "$GODOTD_TOKEN_FILE" "$private"
  chmod 600 "$private"
  set -- --token-file "$private" "$@"
fi
if [ ! -f "$project/project.godot" ]; then
  echo "entrypoint: $project has no project.godot: mount a Godot project there" >&2
  exit 2
fi
exec "${GODOTD_BIN:-/opt/godotd/build/godotd}" serve --project "$project" --log-format json "$@"
