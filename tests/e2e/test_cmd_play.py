"""The play commands against the real editor: the game process on the machine and its prints
as ground truth for play_current_scene and get_play_state."""

from __future__ import annotations

import pytest

from conftest import SHORT_DEADLINE_S, game_processes, read_proc_cmdline, wait_for

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


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
        shared.command("play", {"scene_path": LEVEL})
        first = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
        assert len(first) == 1, first
        res = shared.command("restart_game")
        assert res["playing"] is True and res["scene"] == LEVEL, res
        assert res["stopped_pids"] == first, (res, first)
        # the old process ends, a new one runs the same scene
        second = wait_for(lambda: (g := game_processes(shared.project)) and first[0] not in g and g,
                          SHORT_DEADLINE_S, 0.2, "the restarted game process")
        assert len(second) == 1, second
        assert "level.tscn" in " ".join(read_proc_cmdline(second[0]))
        state = shared.command("get_play_state")
        assert state["playing"] is True and state["scene"] == LEVEL and state["pids"] == second, state
        # the edited scene is not what restart runs
        assert state["edited_scene"] == MAIN, state
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
