"""The file commands against the real editor: effects checked on disk, undo, the sandbox, caps.

One shared daemon + headless editor on a fresh demo copy (module fixture ``shared``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from pathlib import Path

import pytest

from conftest import project_setting, raw_request, wait_for, SHORT_DEADLINE_S

pytestmark = pytest.mark.shared

MIB = 1 << 20


def temp_files(project: Path) -> list[Path]:
    """Atomic-write temporaries left anywhere in the project (there must be none)."""
    return [p for p in project.rglob(".godotd-tmp-*")]


def user_data_dir(project: Path) -> Path:
    """Where Godot keeps user:// for this project (no custom user dir in the demo)."""
    name = project_setting(project, "application", "config/name")
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "godot" / "app_userdata" / name


def undo(shared) -> dict:
    return shared.command("undo", {"history": "global"})


# --------------------------------------------------------------------------------------------
# read_file


def test_read_file_whole_and_slices(shared):
    disk = (shared.project / "main.gd").read_text()
    r = shared.command("read_file", {"path": "res://main.gd"})
    assert r["content"] == disk
    assert r["size"] == len(disk.encode())
    assert r["total_lines"] == len(disk.splitlines()) and r["eof"] is True
    lines = disk.splitlines(keepends=True)
    r = shared.command("read_file", {"path": "res://main.gd", "offset": 2, "limit": 3})
    assert r["content"] == "".join(lines[2:5])
    assert r["count"] == 3 and r["eof"] is False and r["next_offset"] == 5
    r = shared.command("read_file", {"path": "res://main.gd", "unit": "bytes", "offset": 10, "limit": 20})
    assert r["content"] == disk.encode()[10:30].decode()


def test_read_file_binary_needs_base64(shared):
    blob = bytes(range(256)) * 4
    (shared.project / "blob.bin").write_bytes(blob)
    status, err = shared.command_error("read_file", {"path": "res://blob.bin"})
    assert (status, err["code"]) == (400, "invalid_params"), err
    r = shared.command("read_file", {"path": "res://blob.bin", "encoding": "base64"})
    assert base64.b64decode(r["content"]) == blob
    r = shared.command("read_file", {"path": "res://blob.bin", "encoding": "base64", "offset": 256, "limit": 8})
    assert base64.b64decode(r["content"]) == blob[256:264]


def test_read_file_errors(shared):
    status, err = shared.command_error("read_file", {"path": "res://no/such.txt"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("read_file", {"path": "res://addons"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("read_file", {"path": "res://main.gd", "unit": "pages"})
    assert (status, err["code"]) == (400, "invalid_params")


def test_read_file_size_cap(shared):
    big = shared.project / "big.txt"
    line = "x" * 99 + "\n"
    big.write_text(line * (17 * MIB // 100))  # 17 MiB, over the 16 MiB cap
    status, err = shared.command_error("read_file", {"path": "res://big.txt"})
    assert (status, err["code"]) == (413, "payload_too_large"), err
    r = shared.command("read_file", {"path": "res://big.txt", "offset": 1000, "limit": 3})
    assert r["content"] == line * 3 and r["count"] == 3
    r = shared.command("read_file", {"path": "res://big.txt", "unit": "bytes", "offset": 100, "limit": 100})
    assert r["content"] == line
    status, err = shared.command_error("read_file", {"path": "res://big.txt", "unit": "bytes", "limit": 17 * MIB})
    assert (status, err["code"]) == (413, "payload_too_large")
    big.unlink()


# --------------------------------------------------------------------------------------------
# the sandbox


@pytest.mark.parametrize("path", ["res://../outside.txt", "res://a/../../outside.txt", "/etc/passwd",
                                  "file:///etc/passwd", "C:/x.txt"])
def test_sandbox_refuses_outside_paths(shared, path):
    for cmd, params in [("read_file", {"path": path}), ("write_file", {"path": path, "content": "x"}),
                        ("file_info", {"path": path}), ("delete_file", {"path": path})]:
        status, err = shared.command_error(cmd, params)
        assert (status, err["code"]) == (403, "outside_project"), (cmd, path, err)
    assert not (shared.project.parent / "outside.txt").exists()


def test_sandbox_refuses_symlink_out(shared, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    link = shared.project / "escape"
    link.symlink_to(outside)
    try:
        for cmd, params in [("read_file", {"path": "res://escape/secret.txt"}),
                            ("write_file", {"path": "res://escape/new.txt", "content": "x"}),
                            ("list_files", {"path": "res://escape"}),
                            ("copy_file", {"from": "res://main.gd", "to": "res://escape/m.gd"})]:
            status, err = shared.command_error(cmd, params)
            assert (status, err["code"]) == (403, "outside_project"), (cmd, err)
        assert not (outside / "new.txt").exists() and not (outside / "m.gd").exists()
        listed = shared.command("list_files", {"recursive": True, "limit": 5000})["entries"]
        assert not any(e["path"].startswith("res://escape/") for e in listed), listed
    finally:
        link.unlink()


@pytest.mark.parametrize("path", ["res://.godot/evil.cfg", "res://addons/godotd/plugin.gd",
                                  "res://addons/godotd/new.gd", "res://project.godot"])
def test_forbidden_write_targets(shared, path):
    before = (shared.project / path.removeprefix("res://")).read_bytes() \
        if (shared.project / path.removeprefix("res://")).exists() else None
    status, err = shared.command_error("write_file", {"path": path, "content": "x"})
    assert (status, err["code"]) == (403, "forbidden"), err
    status, err = shared.command_error("delete_file", {"path": path})
    assert (status, err["code"]) == (403, "forbidden"), err
    after = (shared.project / path.removeprefix("res://")).read_bytes() \
        if (shared.project / path.removeprefix("res://")).exists() else None
    assert before == after


def test_user_dir_maps_to_project_user_data(shared):
    name = f"godotd-test-{uuid.uuid4().hex}.txt"
    r = shared.command("write_file", {"path": f"user://{name}", "content": "in user data\n"})
    assert r["created"] is True
    info = shared.command("file_info", {"path": f"user://{name}"})
    expected = user_data_dir(shared.project) / name
    assert Path(info["absolute_path"]) == expected, info
    assert expected.read_text() == "in user data\n"
    assert shared.command("read_file", {"path": f"user://{name}"})["content"] == "in user data\n"
    shared.command("delete_file", {"path": f"user://{name}"})
    assert not expected.exists()


# --------------------------------------------------------------------------------------------
# write_file


def test_write_file_creates_with_dirs_and_undo_deletes(shared):
    target = shared.project / "notes" / "deep" / "todo.txt"
    r = shared.command("write_file", {"path": "res://notes/deep/todo.txt", "content": "one\ntwo\n"})
    assert r == {"path": "res://notes/deep/todo.txt", "bytes": 8, "created": True}
    assert target.read_text() == "one\ntwo\n"
    assert temp_files(shared.project) == []
    u = undo(shared)
    assert u["undone"].startswith("Write res://notes/deep/todo.txt"), u
    assert not target.exists() and not (shared.project / "notes").exists()
    shared.command("redo", {"history": "global"})
    assert target.read_text() == "one\ntwo\n"
    undo(shared)
    assert not target.exists()


def test_write_file_overwrite_undo_restores(shared):
    target = shared.project / "README.md"
    old = target.read_bytes()
    shared.command("write_file", {"path": "res://README.md", "content": "replaced\n"})
    assert target.read_text() == "replaced\n"
    assert temp_files(shared.project) == []
    undo(shared)
    assert target.read_bytes() == old
    status, err = shared.command_error("write_file", {"path": "res://README.md", "content": "x", "overwrite": False})
    assert (status, err["code"]) == (422, "failed")
    assert target.read_bytes() == old


def test_write_file_base64_and_bad_params(shared):
    data = bytes([0, 1, 2, 255, 254, 10, 13])
    shared.command("write_file", {"path": "res://bin/data.bin", "content": base64.b64encode(data).decode(),
                                  "encoding": "base64"})
    assert (shared.project / "bin" / "data.bin").read_bytes() == data
    undo(shared)
    assert not (shared.project / "bin").exists()
    status, err = shared.command_error("write_file", {"path": "res://x.txt"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("write_file", {"path": "res://x.txt", "content": "x", "mode": 1})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("write_file", {"path": "res://nodir/x.txt", "content": "x",
                                                      "create_dirs": False})
    assert (status, err["code"]) == (404, "not_found")
    assert not (shared.project / "nodir").exists()


def test_write_file_too_large(shared):
    # Over the daemon's request limit (32 MiB by default): refused before the editor. The head
    # alone is sent (Expect: 100-continue), so the early 413 cannot race the upload.
    head = (f"POST /godot/write_file HTTP/1.1\r\nHost: 127.0.0.1:{shared.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {33 * MIB}\r\n"
            "Expect: 100-continue\r\n\r\n").encode()
    status, _, body = raw_request(shared.port, head)
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large", body
    assert not (shared.project / "huge.txt").exists()


# --------------------------------------------------------------------------------------------
# list_files, make_dir


def test_list_files(shared):
    r = shared.command("list_files", {"pattern": "*.tscn"})
    expected = sorted("res://" + p.name for p in shared.project.glob("*.tscn"))
    assert [e["path"] for e in r["entries"]] == expected and r["truncated"] is False
    assert all(e["type"] == "file" and e["size"] == (shared.project / e["path"][6:]).stat().st_size
               for e in r["entries"])
    r = shared.command("list_files", {"recursive": True, "limit": 5000})
    paths = {e["path"] for e in r["entries"]}
    assert "res://addons/godotd/handlers/file.gd" in paths
    assert not any("/." in p or p.endswith(".import") or p.endswith(".uid") for p in paths), paths
    r = shared.command("list_files", {"include_sidecars": True, "pattern": "*.import"})
    assert [e["path"] for e in r["entries"]] == ["res://icon.svg.import"]
    r = shared.command("list_files", {"type": "dirs"})
    assert [e["path"] for e in r["entries"]] == ["res://addons"]
    r = shared.command("list_files", {"limit": 2})
    assert r["count"] == 2 and r["truncated"] is True
    status, err = shared.command_error("list_files", {"path": "res://nope"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("list_files", {"limit": 0})
    assert (status, err["code"]) == (400, "invalid_params")


def test_make_dir_and_undo(shared):
    r = shared.command("make_dir", {"path": "res://levels/world1"})
    assert r == {"path": "res://levels/world1", "created": True}
    assert (shared.project / "levels" / "world1").is_dir()
    assert shared.command("make_dir", {"path": "res://levels/world1"})["created"] is False
    undo(shared)
    assert not (shared.project / "levels").exists()
    status, err = shared.command_error("make_dir", {"path": "res://main.gd"})
    assert (status, err["code"]) == (422, "failed")


# --------------------------------------------------------------------------------------------
# delete_file, move_file, copy_file


def test_delete_file_with_sidecar_and_undo(shared):
    shared.command("create_script", {"path": "res://tmp_del/victim.gd", "extends": "Node"})
    src = shared.project / "tmp_del" / "victim.gd"
    content = src.read_bytes()
    sidecar = shared.project / "tmp_del" / "victim.gd.uid"
    wait_for(sidecar.exists, SHORT_DEADLINE_S, what="the editor to write the script's .uid")
    uid = sidecar.read_text()
    r = shared.command("delete_file", {"path": "res://tmp_del/victim.gd"})
    assert r["undoable"] is True and r["deleted"] == 2
    assert not src.exists() and not sidecar.exists()
    undo(shared)
    assert src.read_bytes() == content
    assert sidecar.read_text() == uid
    status, err = shared.command_error("delete_file", {"path": "res://tmp_del"})
    assert (status, err["code"]) == (400, "invalid_params")
    r = shared.command("delete_file", {"path": "res://tmp_del", "recursive": True})
    assert r["undoable"] is True and not (shared.project / "tmp_del").exists()
    undo(shared)
    assert src.read_bytes() == content
    shared.command("delete_file", {"path": "res://tmp_del", "recursive": True})
    status, err = shared.command_error("delete_file", {"path": "res://tmp_del"})
    assert (status, err["code"]) == (404, "not_found")


def test_move_file_like_the_dock_and_undo(shared):
    shared.command("open_scene", {"scene_path": "res://main.tscn"})
    proj = shared.project
    uid = (proj / "main.gd.uid").read_text().strip()
    scene_before = (proj / "main.tscn").read_text()
    r = shared.command("move_file", {"from": "res://main.gd", "to": "res://scripts/main_moved.gd"})
    assert r["to"] == "res://scripts/main_moved.gd" and r["updated_owners"] == ["res://main.tscn"]
    assert not (proj / "main.gd").exists() and not (proj / "main.gd.uid").exists()
    assert (proj / "scripts" / "main_moved.gd.uid").read_text().strip() == uid
    assert 'path="res://scripts/main_moved.gd"' in (proj / "main.tscn").read_text()
    info = shared.command("file_info", {"path": "res://scripts/main_moved.gd"})
    assert info["type"] == "GDScript" and info["uid"] == uid
    assert shared.command("resolve_uid", {"uid": uid})["path"] == "res://scripts/main_moved.gd"
    tree = shared.command("get_scene_tree", {"max_depth": 0})
    assert tree["root"]["script"] == "res://scripts/main_moved.gd"
    undo(shared)
    assert (proj / "main.gd.uid").read_text().strip() == uid
    assert (proj / "main.tscn").read_text() == scene_before
    assert not (proj / "scripts").exists()
    assert shared.command("get_scene_tree", {"max_depth": 0})["root"]["script"] == "res://main.gd"
    assert shared.command("resolve_uid", {"uid": uid})["path"] == "res://main.gd"


def test_move_file_refusals(shared):
    status, err = shared.command_error("move_file", {"from": "res://main.tscn", "to": "res://level.tscn"})
    assert (status, err["code"]) == (422, "failed")
    status, err = shared.command_error("move_file", {"from": "res://nothing.gd", "to": "res://x.gd"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("move_file", {"from": "res://main.gd", "to": "res://.godot/main.gd"})
    assert (status, err["code"]) == (403, "forbidden")
    status, err = shared.command_error("move_file", {"from": "res://main.gd", "to": "res://../main.gd"})
    assert (status, err["code"]) == (403, "outside_project")
    assert (shared.project / "main.gd").exists() and (shared.project / "level.tscn").exists()


def test_move_file_folder_and_overwrite(shared):
    shared.command("write_file", {"path": "res://dir_a/one.txt", "content": "1"})
    shared.command("write_file", {"path": "res://dir_a/sub/two.txt", "content": "2"})
    shared.command("move_file", {"from": "res://dir_a", "to": "res://dir_b"})
    assert (shared.project / "dir_b" / "sub" / "two.txt").read_text() == "2"
    assert not (shared.project / "dir_a").exists()
    undo(shared)
    assert (shared.project / "dir_a" / "sub" / "two.txt").read_text() == "2"
    assert not (shared.project / "dir_b").exists()
    shared.command("move_file", {"from": "res://dir_a/one.txt", "to": "res://dir_a/sub/two.txt", "overwrite": True})
    assert (shared.project / "dir_a" / "sub" / "two.txt").read_text() == "1"
    undo(shared)
    assert (shared.project / "dir_a" / "sub" / "two.txt").read_text() == "2"
    assert (shared.project / "dir_a" / "one.txt").read_text() == "1"
    shared.command("delete_file", {"path": "res://dir_a", "recursive": True})
    assert not (shared.project / "dir_a").exists()


def test_copy_file_new_uid_and_undo(shared):
    proj = shared.project
    r = shared.command("copy_file", {"from": "res://level.tscn", "to": "res://copies/level2.tscn"})
    assert r["bytes"] > 0
    orig = (proj / "level.tscn").read_text()
    copy = (proj / "copies" / "level2.tscn").read_text()
    uid_re = re.compile(r'uid="(uid://[a-z0-9]+)"')
    assert uid_re.search(copy.splitlines()[0]).group(1) != uid_re.search(orig.splitlines()[0]).group(1)
    assert copy.splitlines()[1:] == orig.splitlines()[1:]
    # The editor lists a file in a new folder after its (threaded) scan.
    wait_for(lambda: shared.command("file_info", {"path": "res://copies/level2.tscn"})["type"] == "PackedScene",
             SHORT_DEADLINE_S, what="the editor to list the copy as a PackedScene")
    status, err = shared.command_error("copy_file", {"from": "res://level.tscn", "to": "res://copies/level2.tscn"})
    assert (status, err["code"]) == (422, "failed")
    undo(shared)
    assert not (proj / "copies").exists()
    status, err = shared.command_error("copy_file", {"from": "res://nope.tscn", "to": "res://x.tscn"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("copy_file", {"from": "res://addons", "to": "res://x"})
    assert (status, err["code"]) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# file_info, search_in_files, resolve_uid


def test_file_info(shared):
    proj = shared.project
    info = shared.command("file_info", {"path": "res://icon.svg"})
    assert info["kind"] == "file" and info["size"] == (proj / "icon.svg").stat().st_size
    assert info["modified"] == int((proj / "icon.svg").stat().st_mtime)
    assert info["type"] == "CompressedTexture2D"
    import_uid = re.search(r'uid="(uid://[a-z0-9]+)"', (proj / "icon.svg.import").read_text()).group(1)
    assert info["uid"] == import_uid
    assert info["sidecars"] == ["res://icon.svg.import"]
    assert Path(info["absolute_path"]).resolve() == (proj / "icon.svg").resolve()
    d = shared.command("file_info", {"path": "res://addons"})
    assert d["kind"] == "dir"
    status, err = shared.command_error("file_info", {"path": "res://nope"})
    assert (status, err["code"]) == (404, "not_found")


def test_search_in_files(shared):
    lines = (shared.project / "main.gd").read_text().splitlines()
    want = next(i for i, ln in enumerate(lines) if "timeout.connect" in ln) + 1
    r = shared.command("search_in_files", {"query": "timeout.connect", "glob": "*.gd"})
    hits = [(m["path"], m["line"]) for m in r["matches"]]
    assert ("res://main.gd", want) in hits, r
    assert all(m["path"].endswith(".gd") for m in r["matches"])
    r = shared.command("search_in_files", {"query": r"func _on_\w+_timeout", "regex": True, "path": "res://"})
    assert [(m["path"], m["text"]) for m in r["matches"]] == [("res://main.gd", "func _on_timer_timeout() -> void:")]
    r = shared.command("search_in_files", {"query": "TICKS", "case_sensitive": False, "glob": "main.gd"})
    assert r["count"] >= 2
    r = shared.command("search_in_files", {"query": "e", "limit": 3})
    assert r["count"] == 3 and r["truncated"] is True
    status, err = shared.command_error("search_in_files", {"query": "(", "regex": True})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("search_in_files", {"query": ""})
    assert (status, err["code"]) == (400, "invalid_params")


def test_resolve_uid(shared):
    uid = (shared.project / "main.gd.uid").read_text().strip()
    assert shared.command("resolve_uid", {"uid": uid}) == {"uid": uid, "path": "res://main.gd", "exists": True}
    status, err = shared.command_error("resolve_uid", {"uid": "res://main.gd"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("resolve_uid", {"uid": "uid://zzzzzzzzzzzz"})
    assert (status, err["code"]) == (404, "not_found")


def test_no_temp_files_left(shared):
    assert temp_files(shared.project) == []


def test_read_file_with_control_characters(shared):
    # Godot's JSON writes a vertical tab as \v and other control characters raw, which JSON
    # forbids: the daemon repairs the answer (it used to drop it, and the read timed out).
    data = "a\x0bb\x01c\x1fd\te\n"
    (shared.project / "ctl.txt").write_text(data)
    r = shared.command("read_file", {"path": "res://ctl.txt"}, timeout=20)
    assert r["content"] == data, r
    (shared.project / "ctl.txt").unlink()
