@tool
extends RefCounted
## The error codes of the bridge protocol (docs/protocol.md), shared with the daemon
## (src/errors.h). An error response carries one of these in [code]error.code[/code].
##
## Use through a preload: [code]const ErrorCodes := preload("error_codes.gd")[/code].

## A message was not valid JSON.
const INVALID_JSON := "invalid_json"
## The params of a command are missing a key, have a key of the wrong type, or an unknown key.
const INVALID_PARAMS := "invalid_params"
## No handler is registered for the command.
const UNKNOWN_COMMAND := "unknown_command"
## A file or resource the command names does not exist.
const NOT_FOUND := "not_found"
## A path points outside the project ([code]res://[/code]).
const OUTSIDE_PROJECT := "outside_project"
## The command needs an edited scene and the editor has none.
const NO_SCENE := "no_scene"
## The editor is not ready yet (e.g. importing); retryable.
const NOT_READY := "not_ready"
## No editor is connected; retryable (daemon side).
const EDITOR_UNAVAILABLE := "editor_unavailable"
## The command did not finish in time (daemon side).
const TIMEOUT := "timeout"
## The response could not be queued because the outbound buffer is full; retryable.
const OVERLOADED := "overloaded"
## A message or body is larger than allowed.
const PAYLOAD_TOO_LARGE := "payload_too_large"
## HTTP method not allowed on a route (daemon side).
const METHOD_NOT_ALLOWED := "method_not_allowed"
## The request is not allowed (daemon side: Host/Origin checks, rejected sessions).
const FORBIDDEN := "forbidden"
## The editor refused or failed to do what was asked.
const FAILED := "failed"
## A bug: a handler broke or returned something malformed.
const INTERNAL := "internal"
## HTTP only: a malformed HTTP request (daemon side).
const BAD_REQUEST := "bad_request"
## HTTP only: the request headers are too large, status 431 (daemon side).
const HEADERS_TOO_LARGE := "headers_too_large"
## HTTP only: a required bearer token is missing or wrong, status 401 (daemon side).
const UNAUTHORIZED := "unauthorized"
## A screenshot was asked of a process that renders nothing (a headless editor or game): run
## the daemon with [code]--display xvfb[/code]. Status 409.
const NO_RENDERER := "no_renderer"
## The daemon and the addon speak different protocol versions (only in [code]reject[/code]).
const PROTOCOL_MISMATCH := "protocol_mismatch"
