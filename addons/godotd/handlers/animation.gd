@tool
extends "../handler.gd"
## Commands on the animations of an AnimationPlayer (any AnimationMixer) in the edited scene:
## list_animations, get_animation, create_animation, delete_animation,
## set_animation_properties, add_animation_track, set_animation_track, remove_animation_track,
## insert_animation_key, remove_animation_key.
##
## Animations are named as the player lists them: "walk" in the default library (""), or
## "library/walk". A track path is relative to the player's root_node (by default the player's
## parent) plus ":property" ("Sprite2D:position", "Sprite2D:modulate:a", ".:visible" for the root
## node itself); the node it names must exist. A track is given by index or by its path.
##
## Every change goes through the edited scene's undo history (the animations are saved with the
## scene: save_scene writes them).

const ClassInfo := preload("classdb.gd")
const ResourceHandler := preload("resource.gd")

## Keys of one track get_animation returns by default (max_keys).
const MAX_KEYS_DEFAULT := 50
## Track types by registry name, and back.
const TRACK_TYPES := {
	"value": Animation.TYPE_VALUE,
	"position_3d": Animation.TYPE_POSITION_3D,
	"rotation_3d": Animation.TYPE_ROTATION_3D,
	"scale_3d": Animation.TYPE_SCALE_3D,
	"blend_shape": Animation.TYPE_BLEND_SHAPE,
	"method": Animation.TYPE_METHOD,
	"bezier": Animation.TYPE_BEZIER,
	"audio": Animation.TYPE_AUDIO,
	"animation": Animation.TYPE_ANIMATION,
}
const LOOP_MODES := {"none": Animation.LOOP_NONE, "linear": Animation.LOOP_LINEAR,
		"pingpong": Animation.LOOP_PINGPONG}
const INTERPOLATIONS := {"nearest": Animation.INTERPOLATION_NEAREST,
		"linear": Animation.INTERPOLATION_LINEAR, "cubic": Animation.INTERPOLATION_CUBIC,
		"linear_angle": Animation.INTERPOLATION_LINEAR_ANGLE,
		"cubic_angle": Animation.INTERPOLATION_CUBIC_ANGLE}
const UPDATE_MODES := {"continuous": Animation.UPDATE_CONTINUOUS,
		"discrete": Animation.UPDATE_DISCRETE, "capture": Animation.UPDATE_CAPTURE}
## Characters an animation or library name cannot have (the player uses "/" between them).
const BAD_NAME_CHARS: PackedStringArray = ["/", ":", ",", "["]


# --------------------------------------------------------------------------------------------
# Commands


## [code]list_animations[/code] [code]{node_path?}[/code]: the animations (name, length, loop,
## track count) of one player, or of every AnimationPlayer/AnimationMixer in the edited scene.
func cmd_list_animations(params: Dictionary) -> Dictionary:
	var players: Array[AnimationMixer] = []
	if params.has("node_path"):
		var found := _player(params["node_path"])
		if not found["ok"]:
			return found
		players.append(found["result"]["player"])
	else:
		_collect_players(scene_root(), players)
	var out: Array[Dictionary] = []
	for player: AnimationMixer in players:
		var animations: Array[Dictionary] = []
		for name: StringName in player.get_animation_list():
			var anim := player.get_animation(name)
			animations.append({"name": str(name), "length": anim.length,
					"loop_mode": _key_of(LOOP_MODES, anim.loop_mode), "tracks": anim.get_track_count()})
		var info := {"node_path": path_of(player), "class": player.get_class(),
				"root_node": str(player.root_node), "animations": animations,
				"libraries": Array(player.get_animation_library_list()).map(func(n: StringName) -> String: return str(n))}
		if player is AnimationPlayer and not (player as AnimationPlayer).autoplay.is_empty():
			info["autoplay"] = (player as AnimationPlayer).autoplay
		out.append(info)
	return ok({"players": out, "count": out.size()})


## [code]get_animation[/code] [code]{node_path, animation, track?, max_keys?}[/code]: length,
## loop, step and the tracks (type, path, interpolation, keys with time and JSON value).
func cmd_get_animation(params: Dictionary) -> Dictionary:
	var found := _find(params)
	if not found["ok"]:
		return found
	var anim: Animation = found["result"]["animation"]
	var indices: Array[int] = []
	if params.has("track"):
		var track := _track(anim, params["track"])
		if not track["ok"]:
			return track
		indices.append(track["result"]["index"])
	else:
		for i in anim.get_track_count():
			indices.append(i)
	var max_keys: int = params.get("max_keys", MAX_KEYS_DEFAULT)
	var tracks: Array[Dictionary] = []
	for i: int in indices:
		tracks.append(_describe_track(anim, i, max_keys))
	return ok({"node_path": path_of(found["result"]["player"]), "animation": found["result"]["name"],
			"length": anim.length, "loop_mode": _key_of(LOOP_MODES, anim.loop_mode), "step": anim.step,
			"track_count": anim.get_track_count(), "tracks": tracks})


## [code]create_animation[/code] [code]{node_path, name, library?, length?, loop_mode?,
## step?}[/code]: a new empty animation in a library of the player (created if missing).
func cmd_create_animation(params: Dictionary) -> Dictionary:
	var found := _player(params["node_path"], true)
	if not found["ok"]:
		return found
	var player: AnimationMixer = found["result"]["player"]
	var name: String = params["name"]
	var library_name: String = params.get("library", "")
	var bad := _bad_name(name, "name")
	if bad.is_empty() and not library_name.is_empty():
		bad = _bad_name(library_name, "library")
	if not bad.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, bad)
	var full := name if library_name.is_empty() else "%s/%s" % [library_name, name]
	if player.has_animation(full):
		return fail(ErrorCodes.FAILED, "'%s' already has an animation '%s' (delete_animation or pick another name)"
				% [path_of(player), full])
	if player.has_animation_library(library_name):
		var refused := _read_only(player.get_animation_library(library_name), null)
		if not refused["ok"]:
			return refused
	var anim := Animation.new()
	anim.resource_name = name
	anim.length = params.get("length", 1.0)
	anim.loop_mode = LOOP_MODES[params.get("loop_mode", "none")]
	if params.has("step"):
		anim.step = params["step"]
	var ur := begin_action("Create animation %s" % full, scene_root())
	var library: AnimationLibrary = null
	if player.has_animation_library(library_name):
		library = player.get_animation_library(library_name)
	else:
		library = AnimationLibrary.new()
		ur.add_do_method(player, "add_animation_library", library_name, library)
		ur.add_do_reference(library)
	ur.add_do_method(library, "add_animation", name, anim)
	ur.add_do_reference(anim)
	ur.add_undo_method(library, "remove_animation", name)
	if not player.has_animation_library(library_name):
		ur.add_undo_method(player, "remove_animation_library", library_name)
	commit_action()
	if not player.has_animation(full):
		return fail(ErrorCodes.FAILED, "the editor did not add '%s' (see the editor log)" % full)
	return ok({"node_path": path_of(player), "animation": full, "length": anim.length,
			"loop_mode": _key_of(LOOP_MODES, anim.loop_mode)})


## [code]delete_animation[/code] [code]{node_path, animation}[/code]: removes an animation from
## its library (and from the player's autoplay); undoable.
func cmd_delete_animation(params: Dictionary) -> Dictionary:
	var found := _find(params, true)
	if not found["ok"]:
		return found
	var player: AnimationMixer = found["result"]["player"]
	var anim: Animation = found["result"]["animation"]
	var library: AnimationLibrary = found["result"]["library"]
	var full: String = found["result"]["name"]
	var own: String = found["result"]["own_name"]
	var ur := begin_action("Delete animation %s" % full, scene_root())
	ur.add_do_method(library, "remove_animation", own)
	ur.add_undo_method(library, "add_animation", own, anim)
	ur.add_undo_reference(anim)
	if player is AnimationPlayer and (player as AnimationPlayer).autoplay == full:
		ur.add_do_property(player, "autoplay", "")
		ur.add_undo_property(player, "autoplay", full)
	commit_action()
	return ok({"node_path": path_of(player), "deleted": full,
			"animations": Array(player.get_animation_list()).map(func(n: StringName) -> String: return str(n))})


## [code]set_animation_properties[/code] [code]{node_path, animation, length?, loop_mode?,
## step?, new_name?}[/code]: changes an animation's length, loop mode, step or name; undoable.
func cmd_set_animation_properties(params: Dictionary) -> Dictionary:
	var found := _find(params, true)
	if not found["ok"]:
		return found
	var player: AnimationMixer = found["result"]["player"]
	var anim: Animation = found["result"]["animation"]
	var library: AnimationLibrary = found["result"]["library"]
	var full: String = found["result"]["name"]
	var own: String = found["result"]["own_name"]
	var changes := {}
	if params.has("length"):
		changes["length"] = float(params["length"])
	if params.has("loop_mode"):
		changes["loop_mode"] = LOOP_MODES[params["loop_mode"]]
	if params.has("step"):
		changes["step"] = float(params["step"])
	var new_name: String = params.get("new_name", own)
	if changes.is_empty() and new_name == own:
		return fail(ErrorCodes.INVALID_PARAMS, "nothing to change: pass length, loop_mode, step or new_name")
	var new_full := full
	if new_name != own:
		var bad := _bad_name(new_name, "new_name")
		if not bad.is_empty():
			return fail(ErrorCodes.INVALID_PARAMS, bad)
		new_full = new_name if found["result"]["library_name"].is_empty() \
				else "%s/%s" % [found["result"]["library_name"], new_name]
		if library.has_animation(new_name):
			return fail(ErrorCodes.FAILED, "an animation '%s' exists already" % new_full)
	var ur := begin_action("Change animation %s" % full, scene_root())
	for property: String in changes:
		ur.add_do_property(anim, property, changes[property])
		ur.add_undo_property(anim, property, anim.get(property))
	if new_name != own:
		ur.add_do_method(library, "rename_animation", own, new_name)
		ur.add_do_property(anim, "resource_name", new_name)
		ur.add_undo_method(library, "rename_animation", new_name, own)
		ur.add_undo_property(anim, "resource_name", anim.resource_name)
		if player is AnimationPlayer and (player as AnimationPlayer).autoplay == full:
			ur.add_do_property(player, "autoplay", new_full)
			ur.add_undo_property(player, "autoplay", full)
	commit_action()
	return ok({"node_path": path_of(player), "animation": new_full, "length": anim.length,
			"loop_mode": _key_of(LOOP_MODES, anim.loop_mode), "step": anim.step})


## [code]add_animation_track[/code] [code]{node_path, animation, type, path, interpolation?,
## update_mode?, index?, keys?}[/code]: adds a track (and its first keys) in one undoable step.
func cmd_add_animation_track(params: Dictionary) -> Dictionary:
	var found := _find(params, true)
	if not found["ok"]:
		return found
	var player: AnimationMixer = found["result"]["player"]
	var anim: Animation = found["result"]["animation"]
	var type: int = TRACK_TYPES[params["type"]]
	var target := _target(player, str(params["path"]), type)
	if not target["ok"]:
		return target
	var index: int = params.get("index", anim.get_track_count())
	if index > anim.get_track_count():
		return fail(ErrorCodes.INVALID_PARAMS, "index %d is past the end (%d tracks)" % [index, anim.get_track_count()])
	var keys: Array[Dictionary] = []
	for raw: Dictionary in params.get("keys", []):
		var key := _key_value(raw.get("value"), type, target["result"])
		if not key["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "key at %s: %s" % [raw["time"], key["error"]["message"]])
		keys.append({"time": float(raw["time"]), "value": key["result"]["value"],
				"transition": float(raw.get("transition", 1.0))})
	var ur := begin_action("Add %s track %s" % [params["type"], params["path"]], scene_root())
	ur.add_do_method(anim, "add_track", type, index)
	ur.add_do_method(anim, "track_set_path", index, NodePath(params["path"]))
	if params.has("interpolation"):
		ur.add_do_method(anim, "track_set_interpolation_type", index, INTERPOLATIONS[params["interpolation"]])
	if params.has("update_mode") and type == Animation.TYPE_VALUE:
		ur.add_do_method(anim, "value_track_set_update_mode", index, UPDATE_MODES[params["update_mode"]])
	for key: Dictionary in keys:
		ur.add_do_method(anim, "track_insert_key", index, key["time"], key["value"], key["transition"])
	ur.add_undo_method(anim, "remove_track", index)
	commit_action()
	return ok({"animation": found["result"]["name"], "index": index, "type": params["type"],
			"path": str(anim.track_get_path(index)), "key_count": anim.track_get_key_count(index)})


## [code]set_animation_track[/code] [code]{node_path, animation, track, path?, enabled?,
## interpolation?, update_mode?, loop_wrap?}[/code]: changes a track's settings; undoable.
func cmd_set_animation_track(params: Dictionary) -> Dictionary:
	var found := _find_track(params)
	if not found["ok"]:
		return found
	var anim: Animation = found["result"]["animation"]
	var i: int = found["result"]["index"]
	var type := anim.track_get_type(i)
	var steps: Array[Array] = []  # [setter, new value, old value]
	if params.has("path"):
		var target := _target(found["result"]["player"], str(params["path"]), type)
		if not target["ok"]:
			return target
		steps.append(["track_set_path", NodePath(params["path"]), anim.track_get_path(i)])
	if params.has("enabled"):
		steps.append(["track_set_enabled", params["enabled"], anim.track_is_enabled(i)])
	if params.has("interpolation"):
		steps.append(["track_set_interpolation_type", INTERPOLATIONS[params["interpolation"]],
				anim.track_get_interpolation_type(i)])
	if params.has("loop_wrap"):
		steps.append(["track_set_interpolation_loop_wrap", params["loop_wrap"],
				anim.track_get_interpolation_loop_wrap(i)])
	if params.has("update_mode"):
		if type != Animation.TYPE_VALUE:
			return fail(ErrorCodes.INVALID_PARAMS, "update_mode is for value tracks; track %d is a %s track"
					% [i, _key_of(TRACK_TYPES, type)])
		steps.append(["value_track_set_update_mode", UPDATE_MODES[params["update_mode"]],
				anim.value_track_get_update_mode(i)])
	if steps.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "nothing to change: pass path, enabled, interpolation, update_mode or loop_wrap")
	var ur := begin_action("Change track %d of %s" % [i, found["result"]["name"]], scene_root())
	for step: Array in steps:
		ur.add_do_method(anim, step[0], i, step[1])
		ur.add_undo_method(anim, step[0], i, step[2])
	commit_action()
	return ok(_describe_track(anim, i, 0))


## [code]remove_animation_track[/code] [code]{node_path, animation, track}[/code]: removes a
## track (by index or path); undo puts it back with its keys.
func cmd_remove_animation_track(params: Dictionary) -> Dictionary:
	var found := _find_track(params)
	if not found["ok"]:
		return found
	var anim: Animation = found["result"]["animation"]
	var i: int = found["result"]["index"]
	var path := str(anim.track_get_path(i))
	var ur := begin_action("Remove track %s of %s" % [path, found["result"]["name"]], scene_root())
	ur.add_do_method(anim, "remove_track", i)
	var type := anim.track_get_type(i)
	ur.add_undo_method(anim, "add_track", type, i)
	ur.add_undo_method(anim, "track_set_path", i, anim.track_get_path(i))
	ur.add_undo_method(anim, "track_set_enabled", i, anim.track_is_enabled(i))
	ur.add_undo_method(anim, "track_set_imported", i, anim.track_is_imported(i))
	ur.add_undo_method(anim, "track_set_interpolation_type", i, anim.track_get_interpolation_type(i))
	ur.add_undo_method(anim, "track_set_interpolation_loop_wrap", i, anim.track_get_interpolation_loop_wrap(i))
	if type == Animation.TYPE_VALUE:
		ur.add_undo_method(anim, "value_track_set_update_mode", i, anim.value_track_get_update_mode(i))
	for k in anim.track_get_key_count(i):
		ur.add_undo_method(anim, "track_insert_key", i, anim.track_get_key_time(i, k),
				anim.track_get_key_value(i, k), anim.track_get_key_transition(i, k))
	commit_action()
	return ok({"animation": found["result"]["name"], "removed": path, "index": i,
			"track_count": anim.get_track_count()})


## [code]insert_animation_key[/code] [code]{node_path, animation, track, time, value?,
## transition?}[/code]: adds a key (or replaces the key at that time), the value converted to
## the track's type; undoable.
func cmd_insert_animation_key(params: Dictionary) -> Dictionary:
	var found := _find_track(params)
	if not found["ok"]:
		return found
	var anim: Animation = found["result"]["animation"]
	var i: int = found["result"]["index"]
	var type := anim.track_get_type(i)
	var target := _target(found["result"]["player"], str(anim.track_get_path(i)), type)
	var converted := _key_value(params.get("value"), type, target["result"] if target["ok"] else {})
	if not converted["ok"]:
		return converted
	var value: Variant = converted["result"]["value"]
	var time: float = params["time"]
	var transition: float = params.get("transition", 1.0)
	var existing := anim.track_find_key(i, time, Animation.FIND_MODE_APPROX)
	var ur := begin_action("Insert key at %s in track %d of %s" % [time, i, found["result"]["name"]], scene_root())
	if existing == -1:
		ur.add_do_method(anim, "track_insert_key", i, time, value, transition)
		ur.add_undo_method(anim, "track_remove_key_at_time", i, time)
	else:
		ur.add_do_method(anim, "track_set_key_value", i, existing, value)
		ur.add_do_method(anim, "track_set_key_transition", i, existing, transition)
		ur.add_undo_method(anim, "track_set_key_value", i, existing, anim.track_get_key_value(i, existing))
		ur.add_undo_method(anim, "track_set_key_transition", i, existing, anim.track_get_key_transition(i, existing))
	commit_action()
	var key := anim.track_find_key(i, time, Animation.FIND_MODE_APPROX)
	var result := {"animation": found["result"]["name"], "track": i, "key": key, "time": time,
			"value": _key_json(anim, i, key), "replaced": existing != -1,
			"key_count": anim.track_get_key_count(i)}
	if time > anim.length:
		result["warning"] = "the key is after the animation's end (length %s): set_animation_properties length" % anim.length
	if not target["ok"]:
		result["warning"] = "the track's node or property does not resolve: %s" % target["error"]["message"]
	return ok(result)


## [code]remove_animation_key[/code] [code]{node_path, animation, track, time? | key?}[/code]:
## removes a key by time or index; undoable.
func cmd_remove_animation_key(params: Dictionary) -> Dictionary:
	var found := _find_track(params)
	if not found["ok"]:
		return found
	var anim: Animation = found["result"]["animation"]
	var i: int = found["result"]["index"]
	if params.has("key") == params.has("time"):
		return fail(ErrorCodes.INVALID_PARAMS, "pass either key (index) or time")
	var k: int
	if params.has("key"):
		k = params["key"]
		if k >= anim.track_get_key_count(i):
			return fail(ErrorCodes.NOT_FOUND, "track %d has %d keys, no key %d" % [i, anim.track_get_key_count(i), k])
	else:
		k = anim.track_find_key(i, float(params["time"]), Animation.FIND_MODE_APPROX)
		if k == -1:
			return fail(ErrorCodes.NOT_FOUND, "track %d has no key at %s (get_animation lists the keys)" % [i, params["time"]])
	var time := anim.track_get_key_time(i, k)
	var ur := begin_action("Remove key at %s in track %d of %s" % [time, i, found["result"]["name"]], scene_root())
	ur.add_do_method(anim, "track_remove_key", i, k)
	ur.add_undo_method(anim, "track_insert_key", i, time, anim.track_get_key_value(i, k),
			anim.track_get_key_transition(i, k))
	commit_action()
	return ok({"animation": found["result"]["name"], "track": i, "time": time,
			"key_count": anim.track_get_key_count(i)})


# --------------------------------------------------------------------------------------------
# Internals


## The AnimationMixer at [param node_path]: Reply.ok({player}). [param for_write]: failed for
## a player inside an instanced scene whose children are not editable (nothing would be saved).
func _player(node_path: String, for_write: bool = false) -> Dictionary:
	var node := node_at(node_path)
	if node == null:
		return missing_node(node_path)
	if not node is AnimationMixer:
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is a %s, not an AnimationPlayer (list_animations without node_path finds the players)"
				% [node_path, node.get_class()])
	if for_write:
		var foreign := ResourceHandler.foreign_node_reason(node)
		if not foreign.is_empty():
			return fail(ErrorCodes.FAILED, foreign)
	return ok({"player": node})


## The player and animation params name: Reply.ok({player, animation, name (full),
## own_name, library_name, library}). [param for_write]: failed when the animation or its
## library belongs to another scene (an instanced or inherited one) or to an imported file.
func _find(params: Dictionary, for_write: bool = false) -> Dictionary:
	var found := _player(params["node_path"], for_write)
	if not found["ok"]:
		return found
	var player: AnimationMixer = found["result"]["player"]
	var full: String = params["animation"]
	if not player.has_animation(full):
		var names := Array(player.get_animation_list()).map(func(n: StringName) -> String: return str(n))
		return fail(ErrorCodes.NOT_FOUND, "'%s' has no animation '%s'; it has: %s"
				% [params["node_path"], full, ", ".join(names) if not names.is_empty() else "none (create_animation)"])
	var library_name := full.get_slice("/", 0) if full.contains("/") else ""
	var own := full.substr(library_name.length() + 1) if full.contains("/") else full
	if for_write:
		var refused := _read_only(player.get_animation_library(library_name), player.get_animation(full))
		if not refused["ok"]:
			return refused
	return ok({"player": player, "animation": player.get_animation(full), "name": full, "own_name": own,
			"library_name": library_name, "library": player.get_animation_library(library_name)})


## [method _find] for writing, plus the track the [code]track[/code] param names: its result
## with [code]index[/code] added.
func _find_track(params: Dictionary) -> Dictionary:
	var found := _find(params, true)
	if not found["ok"]:
		return found
	var track := _track(found["result"]["animation"], params["track"])
	if not track["ok"]:
		return track
	found["result"]["index"] = track["result"]["index"]
	return found


## failed when [param library] or [param anim] (either may be null) cannot be changed from the
## edited scene (resource.gd read_only_reason), else Reply.ok().
func _read_only(library: AnimationLibrary, anim: Animation) -> Dictionary:
	for res: Resource in [library, anim]:
		if res == null:
			continue
		var reason := ResourceHandler.read_only_reason(res)
		if not reason.is_empty():
			return fail(ErrorCodes.FAILED, "the animation is read-only here: " + reason)
	return ok()


## The index of the track [param which] (an index, or a track path): Reply.ok({index}).
func _track(anim: Animation, which: Variant) -> Dictionary:
	if typeof(which) == TYPE_INT:
		var i: int = which
		if i < 0 or i >= anim.get_track_count():
			return fail(ErrorCodes.NOT_FOUND, "no track %d (the animation has %d)" % [i, anim.get_track_count()])
		return ok({"index": i})
	var path := NodePath(str(which))
	for i in anim.get_track_count():
		if anim.track_get_path(i) == path:
			return ok({"index": i})
	var paths: PackedStringArray = []
	for i in anim.get_track_count():
		paths.append(str(anim.track_get_path(i)))
	return fail(ErrorCodes.NOT_FOUND, "no track with path '%s'; tracks: %s"
			% [which, ", ".join(paths) if not paths.is_empty() else "none"])


## Checks a track path for a track of [param type] against the player's root node:
## Reply.ok({node, property_info?, type}) where type is the animated value's TYPE_* (or NIL).
func _target(player: AnimationMixer, path_text: String, type: int) -> Dictionary:
	if path_text.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "the track path is empty")
	var root := player.get_node_or_null(player.root_node)
	if root == null:
		return fail(ErrorCodes.FAILED, "the player's root_node '%s' does not resolve to a node" % player.root_node)
	var path := NodePath(path_text)
	var node_part := path.get_concatenated_names()
	var node := root.get_node_or_null(NodePath(node_part if not node_part.is_empty() else "."))
	if node == null:
		return fail(ErrorCodes.NOT_FOUND,
				"no node '%s' under the player's root node '%s' (track paths are relative to it, e.g. \"Sprite2D:position\")"
				% [node_part, path_of(root)])
	var subnames := path.get_concatenated_subnames()
	var out := {"node": node, "type": TYPE_NIL}
	match type:
		Animation.TYPE_VALUE, Animation.TYPE_BEZIER:
			if subnames.is_empty():
				return fail(ErrorCodes.INVALID_PARAMS, "a %s track path needs a property: \"%s:property\""
						% [_key_of(TRACK_TYPES, type), node_part])
			var first := path.get_subname(0)
			var info := {}
			for p: Dictionary in node.get_property_list():
				if str(p["name"]) == first:
					info = p
			if info.is_empty():
				return fail(ErrorCodes.INVALID_PARAMS, "%s '%s' has no property '%s' (list_class_properties shows them)"
						% [node.get_class(), node_part, first])
			out["info"] = info
			if path.get_subname_count() == 1:
				out["type"] = int(info["type"])
			else:
				out["type"] = typeof(node.get_indexed(NodePath(":" + subnames)))
			if type == Animation.TYPE_BEZIER and not out["type"] in [TYPE_FLOAT, TYPE_INT]:
				return fail(ErrorCodes.INVALID_PARAMS, "a bezier track animates one number: use a component like \"%s:%s:x\""
						% [node_part, subnames])
		Animation.TYPE_POSITION_3D, Animation.TYPE_ROTATION_3D, Animation.TYPE_SCALE_3D:
			if not node is Node3D:
				return fail(ErrorCodes.INVALID_PARAMS, "%s tracks animate a Node3D; '%s' is a %s (use a value track)"
						% [_key_of(TRACK_TYPES, type), node_part, node.get_class()])
		Animation.TYPE_BLEND_SHAPE:
			if not node is MeshInstance3D or subnames.is_empty():
				return fail(ErrorCodes.INVALID_PARAMS, "a blend_shape track path is \"MeshInstance3D:shape_name\"")
	return ok(out)


## Converts a key's JSON [param raw] for a track of [param type] ([param target] from _target):
## Reply.ok({value}).
func _key_value(raw: Variant, type: int, target: Dictionary) -> Dictionary:
	match type:
		Animation.TYPE_VALUE:
			var info: Dictionary = target.get("info", {})
			var hint := ""
			if int(info.get("hint", 0)) == PROPERTY_HINT_RESOURCE_TYPE:
				hint = str(info.get("hint_string", ""))
			var converted := VariantJson.from_json(raw, int(target.get("type", TYPE_NIL)), hint)
			if not converted["ok"]:
				return fail(ErrorCodes.INVALID_PARAMS, "value: %s" % converted["message"])
			return ok({"value": converted["value"]})
		Animation.TYPE_POSITION_3D, Animation.TYPE_SCALE_3D:
			return _converted(raw, TYPE_VECTOR3)
		Animation.TYPE_ROTATION_3D:
			if typeof(raw) == TYPE_ARRAY and (raw as Array).size() == 3:
				var euler := VariantJson.from_json(raw, TYPE_VECTOR3)
				if euler["ok"]:
					return ok({"value": Quaternion.from_euler(euler["value"])})
			return _converted(raw, TYPE_QUATERNION)
		Animation.TYPE_BLEND_SHAPE:
			return _converted(raw, TYPE_FLOAT)
		Animation.TYPE_BEZIER:
			if typeof(raw) == TYPE_DICTIONARY and not (raw as Dictionary).has(VariantJson.TAG):
				var d: Dictionary = raw
				var v := VariantJson.from_json(d.get("value"), TYPE_FLOAT)
				var h_in := VariantJson.from_json(d.get("in_handle", [-0.25, 0]), TYPE_VECTOR2)
				var h_out := VariantJson.from_json(d.get("out_handle", [0.25, 0]), TYPE_VECTOR2)
				if not (v["ok"] and h_in["ok"] and h_out["ok"]):
					return fail(ErrorCodes.INVALID_PARAMS, "a bezier key is a number or {value, in_handle?: [x, y], out_handle?: [x, y]}")
				var a: Vector2 = h_in["value"]
				var b: Vector2 = h_out["value"]
				return ok({"value": [v["value"], a.x, a.y, b.x, b.y]})
			var n := VariantJson.from_json(raw, TYPE_FLOAT)
			if not n["ok"]:
				return fail(ErrorCodes.INVALID_PARAMS, "a bezier key is a number or {value, in_handle?, out_handle?}")
			return ok({"value": [n["value"], -0.25, 0.0, 0.25, 0.0]})
		Animation.TYPE_METHOD:
			if typeof(raw) == TYPE_STRING:
				return ok({"value": {"method": StringName(raw), "args": []}})
			if typeof(raw) != TYPE_DICTIONARY or typeof(raw.get("method")) != TYPE_STRING:
				return fail(ErrorCodes.INVALID_PARAMS, "a method key is {method: name, args?: [...]} or a method name")
			var args := VariantJson.from_json(raw.get("args", []), TYPE_ARRAY)
			if not args["ok"]:
				return fail(ErrorCodes.INVALID_PARAMS, "args: %s" % args["message"])
			return ok({"value": {"method": StringName(raw["method"]), "args": args["value"]}})
		Animation.TYPE_AUDIO:
			var d: Dictionary = raw if typeof(raw) == TYPE_DICTIONARY else {"stream": raw}
			var stream := VariantJson.from_json(d.get("stream"), TYPE_OBJECT, "AudioStream")
			if not stream["ok"]:
				return fail(ErrorCodes.INVALID_PARAMS, "stream: %s" % stream["message"])
			return ok({"value": {"stream": stream["value"], "start_offset": float(d.get("start_offset", 0.0)),
					"end_offset": float(d.get("end_offset", 0.0))}})
		Animation.TYPE_ANIMATION:
			if typeof(raw) != TYPE_STRING:
				return fail(ErrorCodes.INVALID_PARAMS, "an animation key is the name of an animation to play")
			return ok({"value": StringName(raw)})
	return fail(ErrorCodes.INVALID_PARAMS, "unsupported track type")


func _converted(raw: Variant, type: int) -> Dictionary:
	var converted := VariantJson.from_json(raw, type)
	if not converted["ok"]:
		return fail(ErrorCodes.INVALID_PARAMS, "value: %s" % converted["message"])
	return ok({"value": converted["value"]})


## One track as {index, type, path, interpolation, ..., key_count, keys (up to max_keys)}.
func _describe_track(anim: Animation, i: int, max_keys: int) -> Dictionary:
	var type := anim.track_get_type(i)
	var out := {"index": i, "type": _key_of(TRACK_TYPES, type), "path": str(anim.track_get_path(i)),
			"interpolation": _key_of(INTERPOLATIONS, anim.track_get_interpolation_type(i)),
			"loop_wrap": anim.track_get_interpolation_loop_wrap(i), "enabled": anim.track_is_enabled(i),
			"key_count": anim.track_get_key_count(i)}
	if type == Animation.TYPE_VALUE:
		out["update_mode"] = _key_of(UPDATE_MODES, anim.value_track_get_update_mode(i))
	if max_keys <= 0:
		return out
	var keys: Array[Dictionary] = []
	for k in mini(anim.track_get_key_count(i), max_keys):
		var key := {"time": anim.track_get_key_time(i, k), "value": _key_json(anim, i, k)}
		var transition := anim.track_get_key_transition(i, k)
		if transition != 1.0:
			key["transition"] = transition
		keys.append(key)
	out["keys"] = keys
	if anim.track_get_key_count(i) > max_keys:
		out["truncated"] = true
	return out


## Key [param k] of track [param i] as JSON.
func _key_json(anim: Animation, i: int, k: int) -> Variant:
	if k < 0:
		return null
	var value: Variant = anim.track_get_key_value(i, k)
	if anim.track_get_type(i) == Animation.TYPE_BEZIER and typeof(value) == TYPE_ARRAY:
		var a: Array = value
		return {"value": a[0], "in_handle": [a[1], a[2]], "out_handle": [a[3], a[4]]}
	return VariantJson.to_json(value)


## Every AnimationMixer under [param node] that belongs to the edited scene, in tree order.
func _collect_players(node: Node, out: Array[AnimationMixer]) -> void:
	if node == null:
		return
	var root := scene_root()
	if node is AnimationMixer and (node == root or node.owner == root):
		out.append(node)
	for child: Node in node.get_children():
		_collect_players(child, out)


## "" or why [param name] cannot name an animation or library.
static func _bad_name(name: String, what: String) -> String:
	if name.is_empty():
		return "%s is empty" % what
	for c: String in BAD_NAME_CHARS:
		if name.contains(c):
			return "%s '%s' cannot contain '%s'" % [what, name, c]
	return ""


## The key of [param table] whose value is [param value] (its registry name), or str(value).
static func _key_of(table: Dictionary, value: int) -> String:
	for key: String in table:
		if table[key] == value:
			return key
	return str(value)
