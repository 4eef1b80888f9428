extends RefCounted
## The game commands of the runtime agent (schema/commands/game.json, "runs": "game"): one
## method [code]cmd_<name>(params) -> Dictionary[/code] each, returning reply.gd's ok/error
## shape; a method may wait for frames. The daemon has checked the params against the
## registry already. Node paths and Variant JSON are the editor commands' own: a path is
## relative to the current scene ("." for its root) or absolute from /root.

const ErrorCodes := preload("../error_codes.gd")
const Reply := preload("../reply.gd")
const Screenshot := preload("../screenshot.gd")
const VariantJson := preload("../variant_json.gd")

## Nodes in one get_game_tree answer at most (the rest are marked truncated).
const MAX_TREE_NODES := 10000
const METHOD_PREFIX := "cmd_"

var _agent: Node


func _init(agent: Node) -> void:
	_agent = agent


## The commands this agent implements (sent in the hello, so the daemon can tell a mismatch).
func names() -> PackedStringArray:
	var out: PackedStringArray = []
	for info: Dictionary in get_script().get_script_method_list():
		var name: String = info["name"]
		if name.begins_with(METHOD_PREFIX):
			out.append(name.substr(METHOD_PREFIX.length()))
	return out


## Runs [param command]; always answers a well-formed outcome.
func run(command: String, params: Dictionary) -> Dictionary:
	var method := METHOD_PREFIX + command
	if not has_method(method):
		return Reply.error(ErrorCodes.UNKNOWN_COMMAND,
				"the game's runtime agent has no command '%s'" % command)
	var outcome: Variant = await call(method, params)
	if not Reply.is_well_formed(outcome):
		push_error("godotd: game command '%s' failed with a script error" % command)
		return Reply.error(ErrorCodes.INTERNAL, "the game's handler of '%s' failed" % command)
	return outcome


func _tree() -> SceneTree:
	return _agent.get_tree()


# ---- state ----------------------------------------------------------------------------------


## [code]get_state[/code] (for get_game_state): what the game is doing now.
func cmd_get_state(_params: Dictionary) -> Dictionary:
	var window := _tree().root
	return Reply.ok({
		"scene": _agent._scene_path(),
		"fps": Engine.get_frames_per_second(),
		"process_frames": Engine.get_process_frames(),
		"physics_frames": Engine.get_physics_frames(),
		"active_frames": _agent.active_frames,
		"paused": _tree().paused,
		"time_scale": Engine.time_scale,
		"headless": DisplayServer.get_name() == "headless",
		"renderer": RenderingServer.get_current_rendering_driver_name(),
		"window_size": [window.size.x, window.size.y],
	})


## [code]ping_game[/code]: answers at once (the daemon measures the round trip).
func cmd_ping_game(_params: Dictionary) -> Dictionary:
	return Reply.ok({"pong": true})


## [code]take_screenshot[/code]: the game's viewport after its next drawn frame.
func cmd_take_screenshot(params: Dictionary) -> Dictionary:
	if DisplayServer.get_name() == "headless" \
			or RenderingServer.get_current_rendering_driver_name() in ["dummy", ""]:
		return Reply.error(ErrorCodes.NO_RENDERER,
				"this game runs headless and renders nothing; start the daemon with --display xvfb to take screenshots")
	await RenderingServer.frame_post_draw
	var image := _tree().root.get_texture().get_image()
	if image == null or image.is_empty():
		return Reply.error(ErrorCodes.FAILED, "the game's viewport has no image yet")
	return Reply.ok(Screenshot.encode(image, "game", params))


# ---- input ----------------------------------------------------------------------------------


## [code]send_input {events}[/code]: every event is checked before any is applied.
func cmd_send_input(params: Dictionary) -> Dictionary:
	var items: Array = []
	var specs: Array = params["events"]
	for i in specs.size():
		var spec: Dictionary = specs[i]
		var built: Dictionary = _agent.input_builder.build(spec)
		if not built["ok"]:
			return Reply.error(ErrorCodes.INVALID_PARAMS, "events[%d]: %s" % [i, built["message"]])
		var first := true
		for pair: Array in built["events"]:
			items.append([pair[0], pair[1], int(spec.get("delay_ms", -1)) if first else -1,
					_agent.input_builder.absolute_position(spec) if first else null,
					int(spec.get("frame", -1)) if first else -1, pair.size() > 2 and pair[2]])
			first = false
	var batch := {"applied": 0, "total": items.size()}
	var start: int = _agent.active_frames
	_agent.queue_input(items, batch)
	# A paused game applies them in stepped frames: answer now, so the caller can step.
	while int(batch["applied"]) < items.size() and not _tree().paused:
		await _tree().process_frame
	var applied: int = batch["applied"]
	return Reply.ok({"applied": applied, "queued": items.size() - applied,
			"paused": _tree().paused, "frames": _agent.active_frames - start})


# ---- time -----------------------------------------------------------------------------------


func _frames() -> Dictionary:
	return {"paused": _tree().paused, "process_frames": Engine.get_process_frames(),
			"physics_frames": Engine.get_physics_frames()}


func cmd_game_pause(_params: Dictionary) -> Dictionary:
	_agent.pause()
	return Reply.ok(_frames())


func cmd_game_resume(_params: Dictionary) -> Dictionary:
	_agent.resume()
	return Reply.ok(_frames())


func cmd_game_step(params: Dictionary) -> Dictionary:
	var frames: int = params["frames"]
	var kind: String = params.get("kind", "process")
	await _agent.step(frames, kind)
	var out := _frames()
	out["frames"] = frames
	out["kind"] = kind
	return Reply.ok(out)


func cmd_game_step_until(params: Dictionary) -> Dictionary:
	var target := _property_and_value(params)
	if not target["ok"]:
		return target
	var node: Node = target["node"]
	var property: String = params["property"]
	var op: String = params["op"]
	var kind: String = params.get("kind", "process")
	_agent.pause()
	var frames := 0
	var met := _compare(node.get_indexed(NodePath(property)), op, target["value"])
	while not met and frames < int(params["max_frames"]):
		await _agent.step(1, kind)
		frames += 1
		if not is_instance_valid(node):
			return Reply.error(ErrorCodes.NOT_FOUND, "the node went away after %d frames" % frames)
		met = _compare(node.get_indexed(NodePath(property)), op, target["value"])
	return Reply.ok({"met": met, "frames": frames,
			"value": VariantJson.to_json(node.get_indexed(NodePath(property)))})


func cmd_set_time_scale(params: Dictionary) -> Dictionary:
	Engine.time_scale = float(params["scale"])
	return Reply.ok({"time_scale": Engine.time_scale})


static func _compare(a: Variant, op: String, b: Variant) -> bool:
	var numeric := typeof(a) in [TYPE_INT, TYPE_FLOAT] and typeof(b) in [TYPE_INT, TYPE_FLOAT]
	match op:
		"==":
			return float(a) == float(b) if numeric else a == b
		"!=":
			return float(a) != float(b) if numeric else a != b
	if not numeric:
		return false
	match op:
		"<":
			return float(a) < float(b)
		"<=":
			return float(a) <= float(b)
		">":
			return float(a) > float(b)
		">=":
			return float(a) >= float(b)
	return false


# ---- inspection -----------------------------------------------------------------------------


func cmd_get_game_tree(params: Dictionary) -> Dictionary:
	var root_path: String = params.get("root", ".")
	var root := _node(root_path)
	if root == null:
		return _missing(root_path)
	var budget := [MAX_TREE_NODES]
	return Reply.ok({"scene": _agent._scene_path(),
			"root": _describe(root, int(params.get("max_depth", 1000)), budget)})


func cmd_get_game_node(params: Dictionary) -> Dictionary:
	var node := _node(params["node_path"])
	if node == null:
		return _missing(params["node_path"])
	var children: Array[String] = []
	for child in node.get_children():
		children.append(str(child.name))
	var properties := {}
	for info: Dictionary in node.get_property_list():
		var usage: int = info["usage"]
		if usage & (PROPERTY_USAGE_EDITOR | PROPERTY_USAGE_SCRIPT_VARIABLE) == 0 \
				or usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP) != 0:
			continue
		properties[info["name"]] = VariantJson.to_json(node.get(info["name"]))
	var script: Script = node.get_script()
	var groups: Array[String] = []
	for g in node.get_groups():
		if not str(g).begins_with("_"):
			groups.append(str(g))
	return Reply.ok({
		"node_path": _path_of(node), "name": str(node.name), "type": node.get_class(),
		"parent": _path_of(node.get_parent()) if node.get_parent() != null else "",
		"index": node.get_index(), "children": children, "groups": groups,
		"script": script.resource_path if script != null else "",
		"properties": properties,
	})


func cmd_get_game_property(params: Dictionary) -> Dictionary:
	var node := _node(params["node_path"])
	if node == null:
		return _missing(params["node_path"])
	var read := _read(node, params["property"])
	if not read["ok"]:
		return read
	return Reply.ok({"node_path": _path_of(node), "property": params["property"],
			"value": VariantJson.to_json(read["value"])})


func cmd_set_game_property(params: Dictionary) -> Dictionary:
	var target := _property_and_value(params)
	if not target["ok"]:
		return target
	var node: Node = target["node"]
	var property: String = params["property"]
	node.set_indexed(NodePath(property), target["value"])
	return Reply.ok({"node_path": _path_of(node), "property": property,
			"value": VariantJson.to_json(node.get_indexed(NodePath(property)))})


func cmd_call_game_method(params: Dictionary) -> Dictionary:
	var node := _node(params["node_path"])
	if node == null:
		return _missing(params["node_path"])
	var method: String = params["method"]
	if not node.has_method(method):
		return Reply.error(ErrorCodes.NOT_FOUND,
				"%s (%s) has no method '%s'" % [_path_of(node), node.get_class(), method])
	var types := _arg_types(node, method)
	var raw: Array = params.get("args", [])
	var args: Array = []
	for i in raw.size():
		var converted := VariantJson.from_json(raw[i], types[i] if i < types.size() else TYPE_NIL)
		if not converted["ok"]:
			return Reply.error(ErrorCodes.INVALID_PARAMS, "args[%d]: %s" % [i, converted["message"]])
		args.append(converted["value"])
	var result: Variant = node.callv(method, args)
	return Reply.ok({"node_path": _path_of(node), "method": method,
			"result": VariantJson.to_json(result)})


## The types of [param method]'s arguments on [param node]. The script's own methods are looked
## up first: a Node2D's whole method list (hundreds of engine methods) took 4 ms to build.
static func _arg_types(node: Node, method: String) -> Array:
	var script := node.get_script() as Script
	if script != null:
		var own: Variant = _arg_types_in(script.get_script_method_list(), method)
		if own != null:
			return own
	var engine: Variant = _arg_types_in(node.get_method_list(), method)
	return engine if engine != null else []


## The argument types of the entry named [param method] in [param infos] (method info
## dictionaries), or null when there is none.
static func _arg_types_in(infos: Array[Dictionary], method: String) -> Variant:
	for info: Dictionary in infos:
		if info["name"] == method:
			var types: Array = []
			for arg: Dictionary in info["args"]:
				types.append(arg["type"])
			return types
	return null


# ---- paths ----------------------------------------------------------------------------------


## The node at [param path]: relative to the current scene ("" or "." its root, its own name as
## a first segment too), or absolute from /root. null when none.
func _node(path: String) -> Node:
	var tree := _tree()
	if path.begins_with("/"):
		return tree.root.get_node_or_null(NodePath(path))
	var scene := tree.current_scene
	if scene == null:
		return null
	if path.is_empty() or path == "." or path == str(scene.name):
		return scene
	if path.begins_with(str(scene.name) + "/"):
		path = path.substr(str(scene.name).length() + 1)
	return scene.get_node_or_null(NodePath(path))


## [param node]'s path as [method _node] takes it: relative inside the current scene.
func _path_of(node: Node) -> String:
	var scene := _tree().current_scene
	if scene != null and (node == scene or scene.is_ancestor_of(node)):
		var rel := str(scene.get_path_to(node))
		return "." if rel.is_empty() else rel
	return str(node.get_path())


func _missing(path: String) -> Dictionary:
	return Reply.error(ErrorCodes.NOT_FOUND,
			"no node at '%s' in the running game (paths are relative to its current scene, or absolute from /root; see get_game_tree)" % path)


## {ok, value} of a property (a name or a sub-path such as position:x), or a not_found error.
func _read(node: Node, property: String) -> Dictionary:
	var base := property.get_slice(":", 0)
	if base.is_empty() or not (base in node):
		return Reply.error(ErrorCodes.NOT_FOUND,
				"%s (%s) has no property '%s'" % [_path_of(node), node.get_class(), base])
	return {"ok": true, "value": node.get_indexed(NodePath(property))}


## The node and property of [param params] and its value param converted to the property's
## type: [code]{ok: true, node, value}[/code], or an error (not_found, invalid_params).
func _property_and_value(params: Dictionary) -> Dictionary:
	var node := _node(params["node_path"])
	if node == null:
		return _missing(params["node_path"])
	var current := _read(node, params["property"])
	if not current["ok"]:
		return current
	var converted := VariantJson.from_json(params.get("value"), typeof(current["value"]))
	if not converted["ok"]:
		return Reply.error(ErrorCodes.INVALID_PARAMS, "value: %s" % converted["message"])
	return {"ok": true, "node": node, "value": converted["value"]}


func _describe(node: Node, depth: int, budget: Array) -> Dictionary:
	budget[0] -= 1
	var out := {"name": str(node.name), "type": node.get_class(), "path": _path_of(node)}
	var script: Script = node.get_script()
	if script != null and not script.resource_path.is_empty():
		out["script"] = script.resource_path
	if not node.scene_file_path.is_empty() and node != _tree().current_scene:
		out["instance"] = node.scene_file_path
	var children: Array = []
	if node.get_child_count() > 0:
		if depth <= 0 or budget[0] <= 0:
			out["truncated"] = true
		else:
			for child in node.get_children():
				if budget[0] <= 0:
					out["truncated"] = true
					break
				children.append(_describe(child, depth - 1, budget))
	out["children"] = children
	return out
