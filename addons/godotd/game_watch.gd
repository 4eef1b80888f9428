@tool
extends RefCounted
## Watches the game processes the editor runs and reports each one's end with its exit code.
##
## Only the parent of a process learns how it ended, and the editor is the parent of the games
## it plays: [method OS.get_process_exit_code] answers for them (Godot 4.4+). The daemon pairs
## these reports with the games' runtime agents by pid (a game whose link dropped without an
## "exiting" and was not stopped by the editor crashed). Polled from the plugin's _process.

const PlayHandler := preload("handlers/play.gd")
## How often the game pids are read from /proc while a game runs (µs).
const POLL_USEC := 250_000

## pid -> true: games seen running.
var _pids: Dictionary = {}
## pid -> true: games a godotd command is about to stop (stop, restart_game, play over one).
var _stopping: Dictionary = {}
var _next_poll_usec: int = 0


## Notes that the editor is about to stop the running games, so their end is not a crash.
func mark_stopping() -> void:
	for pid: int in PlayHandler.game_pids():
		_pids[pid] = true
		_stopping[pid] = true


## The ends seen since the last call, each [code]{pid, exit_code, stopped}[/code]
## ([code]exit_code[/code] is -1 when Godot does not know it). [param playing]: whether the
## editor says a game runs (pids are only looked up then).
func poll(playing: bool) -> Array[Dictionary]:
	var ended: Array[Dictionary] = []
	if not playing and _pids.is_empty():
		return ended
	var now := Time.get_ticks_usec()
	if now < _next_poll_usec:
		return ended
	_next_poll_usec = now + POLL_USEC
	# /proc is asked instead of OS.is_process_running(): a game the editor stopped was reaped by
	# OS.kill() behind Godot's process table, and asking about it prints an ECHILD error.
	var live := PlayHandler.game_pids()
	for pid: int in live:
		_pids[pid] = true
	for pid: int in _pids.keys():
		if pid in live:
			continue
		var stopped := _stopping.has(pid)
		# Gone from /proc's command lines is not gone yet: an exiting process drops its memory
		# (and command line) before it becomes a zombie with an exit status to collect.
		if not stopped and OS.is_process_running(pid):
			continue
		ended.append({"pid": pid, "exit_code": -1 if stopped else OS.get_process_exit_code(pid),
				"stopped": stopped})
		_pids.erase(pid)
		_stopping.erase(pid)
	return ended
