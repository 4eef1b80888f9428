"""The play commands against the real editor: the game process on the machine and its prints
as ground truth for play_current_scene and get_play_state."""

from __future__ import annotations

import pytest

from conftest import SHORT_DEADLINE_S, game_processes, read_proc_cmdline, wait_for

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"
# How long a game may take to start and have its runtime agent connect (a loaded machine).
GAME_START_S = 60.0
# Restarts in a row: a run the editor stops behind the command's back (a stale debugger session
# of the stopped game, see play.gd _end_stale_debug_sessions) hit about 1 start in 8 under load.
RESTARTS = 3


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


def output_cursor(shared) -> int:
    return shared.command("get_output", {"limit": 1})["cursor"]


def wait_started(shared, since: int, scene: str, pid: int) -> dict:
    """The game_started entry of game process pid, newer than since: its runtime agent connected.

    A game that gets this far outlived the frame in which its editor could still stop the run
    behind the command's back."""
    pattern = rf"^game [0-9]+ started: {scene.replace('.', '[.]')} \(pid {pid}\)$"
    return shared.command("wait_for_output", {"pattern": pattern, "since": since,
                                              "timeout_ms": int(GAME_START_S * 1000)})["entry"]


def replacement(shared, old: list[int]) -> list[int]:
    """The game processes once none of old is left and a new one runs."""
    return wait_for(lambda: (g := game_processes(shared.project)) and not set(old) & set(g) and g,
                    SHORT_DEADLINE_S, 0.2, "the restarted game process")


def stop_and_wait(shared) -> None:
    shared.command("stop")
    wait_for(lambda: not shared.command("get_play_state")["playing"], 15, 0.2, "not playing")
    wait_for(lambda: not game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game to exit")


def test_get_play_state_idle(shared):
    state = shared.command("get_play_state")
    assert state["playing"] is False and state["scene"] == "" and state["pids"] == [], state
    assert state["main_scene"] == MAIN, state
    assert not game_processes(shared.project)


def test_play_current_scene_runs_the_edited_scene(shared):
    assert shared.command("open_scene", {"scene_path": LEVEL})["edited_scene"] == LEVEL
    state = shared.command("get_play_state")
    assert state["edited_scene"] == LEVEL and state["playing"] is False, state
    try:
        res = shared.command("play_current_scene")
        assert res == {"playing": True, "scene": LEVEL}, res
        games = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
        assert len(games) == 1, games
        # the game's own command line names the scene it runs
        cmd = " ".join(read_proc_cmdline(games[0]))
        assert "level.tscn" in cmd, cmd
        state = shared.command("get_play_state")
        assert state["playing"] is True and state["scene"] == LEVEL, state
        # the pids the editor reports are the game processes on the machine
        assert state["pids"] == games, (state, games)
        assert shared.command("get_status")["playing_scene"] == LEVEL
    finally:
        stop_and_wait(shared)
    state = shared.command("get_play_state")
    assert state["playing"] is False and state["scene"] == "", state


def test_play_current_scene_other_scene_and_main(shared):
    shared.command("open_scene", {"scene_path": MAIN})
    try:
        assert shared.command("play_current_scene")["scene"] == MAIN
        games = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
        assert len(games) == 1, games
        assert shared.command("get_play_state")["scene"] == MAIN
    finally:
        stop_and_wait(shared)


def test_restart_game_runs_the_same_scene_in_a_new_process(shared):
    shared.command("open_scene", {"scene_path": MAIN})
    try:
        since = output_cursor(shared)
        shared.command("play", {"scene_path": LEVEL})
        game = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
        assert len(game) == 1, game
        # a game whose debugger session is open (it is by the time its agent connects)
        wait_started(shared, since, LEVEL, game[0])
        for _ in range(RESTARTS):
            since = output_cursor(shared)
            res = shared.command("restart_game")
            assert res["playing"] is True and res["scene"] == LEVEL, res
            assert res["stopped_pids"] == game, (res, game)
            # the old process ends, a new one runs the same scene and stays: its agent connects
            new = replacement(shared, game)
            assert len(new) == 1, new
            assert "level.tscn" in " ".join(read_proc_cmdline(new[0]))
            wait_started(shared, since, LEVEL, new[0])
            state = shared.command("get_play_state")
            assert state["playing"] is True and state["scene"] == LEVEL and state["pids"] == new, state
            # the edited scene is not what restart runs
            assert state["edited_scene"] == MAIN, state
            game = new
    finally:
        stop_and_wait(shared)


def test_play_over_a_running_game_replaces_it(shared):
    try:
        since = output_cursor(shared)
        assert shared.command("play", {"scene_path": LEVEL})["scene"] == LEVEL
        game = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
        wait_started(shared, since, LEVEL, game[0])
        for scene in (MAIN, LEVEL):
            since = output_cursor(shared)
            res = shared.command("play", {"scene_path": scene})
            assert res == {"playing": True, "scene": scene}, res
            new = replacement(shared, game)
            assert len(new) == 1, new
            assert scene.removeprefix("res://") in " ".join(read_proc_cmdline(new[0]))
            wait_started(shared, since, scene, new[0])
            state = shared.command("get_play_state")
            assert state["playing"] is True and state["scene"] == scene and state["pids"] == new, state
            game = new
    finally:
        stop_and_wait(shared)


def test_play_saves_unsaved_scenes_first_by_default(shared):
    # the editor setting the descriptions of play* name: on by default
    setting = shared.command("get_editor_setting", {"name": "run/auto_save/save_before_running"})
    assert setting["value"] is True, setting
    shared.command("open_scene", {"scene_path": LEVEL})
    shared.command("create_node", {"parent_path": ".", "type": "Node3D", "name": "BeforeRun"})
    assert "BeforeRun" not in (shared.project / "level.tscn").read_text()
    try:
        shared.command("play_current_scene")
        assert 'name="BeforeRun"' in (shared.project / "level.tscn").read_text()
        unsaved = {s["scene_path"]: s["unsaved"] for s in shared.command("list_open_scenes")["scenes"]}
        assert unsaved[LEVEL] is False, unsaved
    finally:
        stop_and_wait(shared)
        shared.command("undo", {"history": "scene"})
        shared.command("save_scene")
    assert "BeforeRun" not in (shared.project / "level.tscn").read_text()


def test_restart_game_without_a_game(shared):
    assert not shared.command("get_play_state")["playing"]
    assert err(shared, "restart_game", {}) == (422, "failed")
    assert err(shared, "restart_game", {"scene_path": LEVEL}) == (400, "invalid_params")
    assert not game_processes(shared.project)


def test_play_current_scene_bad_params(shared):
    assert err(shared, "play_current_scene", {"scene_path": LEVEL}) == (400, "invalid_params")
    assert err(shared, "get_play_state", {"verbose": 1}) == (400, "invalid_params")
    assert not shared.command("get_play_state")["playing"]
