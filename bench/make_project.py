#!/usr/bin/env python3
"""Makes a Godot project that looks like a real game to the editor: many textures, a few large
HDR (EXR) lightmap-like images, big scenes and many scripts, so the first import and the first
scene load take as long as they do on real projects (the demo imports in ~4 s; this one in
about a minute on a 2-core machine with the defaults).

Usage: bench/make_project.py DEST [--textures N] [--exr N] [--exr-size PX] [--nodes N] [--scripts N]
The images are written by Godot itself (headless, a throwaway --script), so nothing but Godot is
needed. DEST must not exist.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GENERATOR = r'''
extends SceneTree
# Writes the images of a test project: noisy PNG textures and float EXR images (lightmap-like).
func _init() -> void:
	var args := OS.get_cmdline_user_args()
	var dest: String = args[0]
	var textures := int(args[1])
	var exrs := int(args[2])
	var exr_size := int(args[3])
	var rng := RandomNumberGenerator.new()
	rng.seed = 42
	for i in textures:
		var img := Image.create(512, 512, true, Image.FORMAT_RGBA8)
		for y in range(0, 512, 8):
			for x in range(0, 512, 8):
				img.fill_rect(Rect2i(x, y, 8, 8), Color(rng.randf(), rng.randf(), rng.randf(), 1.0))
		img.generate_mipmaps()
		img.save_png("%s/textures/tex_%03d.png" % [dest, i])
	for i in exrs:
		var img := Image.create(exr_size, exr_size, false, Image.FORMAT_RGBAH)
		for y in range(0, exr_size, 16):
			for x in range(0, exr_size, 16):
				img.fill_rect(Rect2i(x, y, 16, 16), Color(rng.randf() * 4.0, rng.randf() * 4.0, rng.randf() * 4.0, 1.0))
		img.save_exr("%s/lightmaps/lightmap_%02d.exr" % [dest, i])
	quit(0)
'''


def write_scene(path: Path, nodes: int, textures: int, scripts: int) -> None:
    """A 3D level: `nodes` MeshInstance3D/Sprite3D nodes under a few groups, textured and
    scripted, as a level with many props is."""
    ext = []
    for i in range(min(textures, 32)):
        ext.append(f'[ext_resource type="Texture2D" path="res://textures/tex_{i:03d}.png" id="t{i}"]')
    for i in range(min(scripts, 16)):
        ext.append(f'[ext_resource type="Script" path="res://scripts/prop_{i:03d}.gd" id="s{i}"]')
    lines = [f'[gd_scene load_steps={len(ext) + 1} format=3]', "", *ext, "",
             '[node name="Level" type="Node3D"]', ""]
    groups = max(1, nodes // 200)
    for g in range(groups):
        lines += [f'[node name="Group{g}" type="Node3D" parent="."]', ""]
    for n in range(nodes):
        g = n % groups
        lines.append(f'[node name="Prop{n}" type="Sprite3D" parent="Group{g}"]')
        lines.append(f"transform = Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, {n % 50}, {n // 50 % 50}, {n // 2500})")
        if textures:
            lines.append(f'texture = ExtResource("t{n % min(textures, 32)}")')
        if scripts and n % 10 == 0:
            lines.append(f'script = ExtResource("s{n // 10 % min(scripts, 16)}")')
        lines.append("")
    path.write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--textures", type=int, default=200)
    ap.add_argument("--exr", type=int, default=2)
    ap.add_argument("--exr-size", type=int, default=1024)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--scripts", type=int, default=100)
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install/bin/godot")))
    a = ap.parse_args()
    dest: Path = a.dest.resolve()
    if dest.exists():
        sys.exit(f"{dest} exists")
    for sub in ("textures", "lightmaps", "scripts", "scenes"):
        (dest / sub).mkdir(parents=True)
    (dest / "project.godot").write_text(
        'config_version=5\n\n[application]\nconfig/name="Big test game"\n'
        'run/main_scene="res://scenes/level_0.tscn"\n')
    for i in range(a.scripts):
        (dest / "scripts" / f"prop_{i:03d}.gd").write_text(
            "@tool\nextends Node3D\n## A prop with a little behaviour, as games have many of.\n\n"
            f"@export var speed: float = {i % 7 + 1}.0\n@export var label: String = \"prop {i}\"\n"
            "var _t: float = 0.0\n\n\nfunc _process(delta: float) -> void:\n"
            "\tif Engine.is_editor_hint():\n\t\treturn\n\t_t += delta * speed\n"
            "\trotation.y = sin(_t)\n")
    for s in range(3):
        write_scene(dest / "scenes" / f"level_{s}.tscn", a.nodes if s == 0 else a.nodes // 5,
                    a.textures, a.scripts)
    with tempfile.NamedTemporaryFile("w", suffix=".gd", delete=False) as f:
        f.write(GENERATOR)
        gen = f.name
    try:
        subprocess.run([a.godot, "--headless", "--script", gen, "--", str(dest), str(a.textures),
                        str(a.exr), str(a.exr_size)], check=True, stdout=subprocess.DEVNULL)
    finally:
        os.unlink(gen)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"{dest}: {a.textures} textures, {a.exr} EXR of {a.exr_size}px, {a.scripts} scripts, "
          f"3 scenes ({a.nodes} nodes in the largest), {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
