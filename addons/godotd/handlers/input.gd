@tool
extends "../handler.gd"
## Commands about the project's input map: the actions of Project Settings > Input Map and the
## key, mouse button and joypad events bound to them.
##
## An action is the project setting [code]input/<action>[/code], a Dictionary
## [code]{"deadzone": float, "events": [InputEvent...]}[/code], which is what the Input Map tab
## edits and what project.godot stores. The editor's own InputMap singleton (its shortcuts) is
## never touched. Built-in actions ([code]ui_*[/code]) are settings with a default value: their
## events and deadzone can be changed, but they cannot be removed or renamed.
##
## Every change is one action in the editor's global undo history, and project.godot is written
## in the do and in the undo step, so the file on disk always matches the editor.

## The prefix of the project settings that are input actions.
const PREFIX := "input/"
## The deadzone of a new action, as the Input Map tab gives it (InputMap's DEFAULT_DEADZONE).
const DEFAULT_DEADZONE := 0.2
## The device of a new event: all devices, as the Input Map tab's event dialog defaults to.
const ALL_DEVICES := -1
## Highest joypad axis index Godot accepts (JOY_AXIS_MAX is one past it).
const MAX_JOY_AXIS := JOY_AXIS_MAX - 1
## Highest joypad button index Godot accepts (JOY_BUTTON_MAX is one past it).
const MAX_JOY_BUTTON := JOY_BUTTON_MAX - 1
## Characters the Input Map tab refuses in an action name (plus control characters).
const BAD_NAME_CHARS := ["/", ":", "\"", "=", "\\", "[", "]"]

## Mouse button, joypad button and axis names (shared with the game's runtime agent).
const InputNames := preload("../input_names.gd")
const MOUSE_BUTTONS := InputNames.MOUSE_BUTTONS
const JOY_BUTTONS := InputNames.JOY_BUTTONS
const JOY_AXES := InputNames.JOY_AXES
## Modifier names accepted in a key combination ("Ctrl+S") → the event flag they set.
const MODIFIER_NAMES := {
	"shift": "shift", "ctrl": "ctrl", "control": "ctrl", "alt": "alt", "option": "alt",
	"meta": "meta", "cmd": "meta", "command": "meta", "super": "meta", "win": "meta",
}
## The modifier flags, in the order results list them.
const MODIFIERS := ["shift", "ctrl", "alt", "meta"]

## The result of the last write of project.godot by a do/undo step.
var _last_save: int = OK


## [code]list_actions[/code] [code]{include_builtin?, filter?}[/code]: the project's input
## actions with their deadzone and a one-line text per event.
func cmd_list_actions(params: Dictionary) -> Dictionary:
	var include_builtin: bool = params.get("include_builtin", false)
	var filter: String = params.get("filter", "")
	var actions: Array[Dictionary] = []
	var hidden := 0
	for name: String in _action_names():
		var builtin := _is_builtin(name)
		if not filter.is_empty() and not name.containsn(filter):
			continue
		if builtin and not include_builtin:
			hidden += 1
			continue
		var value: Dictionary = _action_value(name)
		var texts: Array[String] = []
		for event: Variant in value.get("events", []):
			texts.append(event.as_text() if event is InputEvent else str(event))
		actions.append({"name": name, "deadzone": float(value.get("deadzone", DEFAULT_DEADZONE)),
				"event_count": texts.size(), "builtin": builtin, "events": texts})
	return ok({"actions": actions, "count": actions.size(), "builtin_hidden": hidden})


## [code]get_action[/code] [code]{action}[/code]: one action's deadzone and its events as JSON.
func cmd_get_action(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	if _action_value(name) == null:
		return _missing(name)
	return ok(_describe_action(name))


## [code]add_action[/code] [code]{action, deadzone?, events?}[/code]: creates an action
## (refused when it exists), undoably.
func cmd_add_action(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var problem := _name_problem(name)
	if not problem.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, problem)
	if ProjectSettings.has_setting(PREFIX + name):
		return fail(ErrorCodes.FAILED, "action '%s' already exists%s; use get_action to see it, the add_*_event commands to bind more events"
				% [name, " (a built-in one)" if _is_builtin(name) else ""])
	var events: Array = []
	var specs: Array = params.get("events", [])
	for i in specs.size():
		var made := _event_from_spec(specs[i])
		if not made["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "events[%d]: %s" % [i, made["message"]])
		var same := _find_same(events, made["event"])
		if same >= 0:
			return fail(ErrorCodes.INVALID_PARAMS, "events[%d] is the same event as events[%d] (%s)"
					% [i, same, made["event"].as_text()])
		events.append(made["event"])
	var value := {"deadzone": float(params.get("deadzone", DEFAULT_DEADZONE)), "events": events}
	var outcome := _commit("Add input action %s" % name, [_entry(name, value)], [_entry(name, null)])
	if not outcome["ok"]:
		return outcome
	return ok(_describe_action(name))


## [code]remove_action[/code] [code]{action}[/code]: deletes a (non built-in) action, undoably.
func cmd_remove_action(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	if _is_builtin(name):
		return fail(ErrorCodes.FAILED, "'%s' is a built-in action and cannot be removed (the Input Map tab refuses it too); clear_action_events unbinds its events, set_project_setting {name: \"input/%s\", value: null} resets it to its default"
				% [name, name])
	var order := ProjectSettings.get_order(PREFIX + name)
	var outcome := _commit("Remove input action %s" % name, [_entry(name, null)],
			[_entry(name, value, order)])
	if not outcome["ok"]:
		return outcome
	return ok({"action": name, "removed_events": (value["events"] as Array).size()})


## [code]rename_action[/code] [code]{action, new_name}[/code]: renames a (non built-in) action,
## keeping its place, deadzone and events, undoably.
func cmd_rename_action(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var new_name: String = params["new_name"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	if _is_builtin(name):
		return fail(ErrorCodes.FAILED, "'%s' is a built-in action and cannot be renamed; add_action makes a new one"
				% name)
	var problem := _name_problem(new_name)
	if not problem.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, problem)
	if ProjectSettings.has_setting(PREFIX + new_name):
		return fail(ErrorCodes.FAILED, "an action named '%s' already exists" % new_name)
	var order := ProjectSettings.get_order(PREFIX + name)
	var outcome := _commit("Rename input action %s to %s" % [name, new_name],
			[_entry(name, null), _entry(new_name, value, order)],
			[_entry(new_name, null), _entry(name, value, order)])
	if not outcome["ok"]:
		return outcome
	return ok({"action": new_name, "previous_name": name})


## [code]set_action_deadzone[/code] [code]{action, deadzone}[/code]: changes an action's
## deadzone (0..1), undoably.
func cmd_set_action_deadzone(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	var deadzone := float(params["deadzone"])
	var previous := float(value.get("deadzone", DEFAULT_DEADZONE))
	var changed := _with(value, deadzone, value["events"])
	var outcome := _change(name, value, changed, "Set deadzone of input action %s" % name)
	if not outcome["ok"]:
		return outcome
	return ok({"action": name, "deadzone": deadzone, "previous": previous})


## [code]add_key_event[/code] [code]{action, key, physical?, shift?, ctrl?, alt?, meta?,
## device?}[/code]: binds a keyboard key (a Godot key name, e.g. "W", "Space", "Ctrl+S").
func cmd_add_key_event(params: Dictionary) -> Dictionary:
	return _add_event(params, "key")


## [code]add_mouse_button_event[/code] [code]{action, button_index, shift?, ctrl?, alt?,
## meta?, device?}[/code]: binds a mouse button (index from 1, or a name like "left").
func cmd_add_mouse_button_event(params: Dictionary) -> Dictionary:
	return _add_event(params, "mouse_button")


## [code]add_joypad_button_event[/code] [code]{action, button_index, device?}[/code]: binds a
## joypad button (index, or a name like "a", "start", "dpad_up").
func cmd_add_joypad_button_event(params: Dictionary) -> Dictionary:
	return _add_event(params, "joypad_button")


## [code]add_joypad_axis_event[/code] [code]{action, axis, axis_value, device?}[/code]: binds one
## direction (-1 or 1) of a joypad axis (index, or a name like "left_x").
func cmd_add_joypad_axis_event(params: Dictionary) -> Dictionary:
	return _add_event(params, "joypad_axis")


## [code]remove_action_event[/code] [code]{action, index}[/code]: unbinds the event at
## [code]index[/code] (as get_action lists them), undoably.
func cmd_remove_action_event(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	var events: Array = value["events"]
	var index: int = params["index"]
	if index >= events.size():
		return fail(ErrorCodes.INVALID_PARAMS, "action '%s' has %d event(s); index must be 0..%d (see get_action)"
				% [name, events.size(), events.size() - 1] if not events.is_empty()
				else "action '%s' has no events" % name)
	var removed: Variant = events[index]
	var remaining := events.duplicate()
	remaining.remove_at(index)
	var outcome := _change(name, value, _with(value, float(value["deadzone"]), remaining),
			"Remove event from input action %s" % name)
	if not outcome["ok"]:
		return outcome
	return ok({"action": name, "removed": _describe_event(removed, index),
			"event_count": remaining.size()})


## [code]clear_action_events[/code] [code]{action}[/code]: unbinds every event of an action,
## undoably.
func cmd_clear_action_events(params: Dictionary) -> Dictionary:
	var name: String = params["action"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	var count := (value["events"] as Array).size()
	if count > 0:
		var outcome := _change(name, value, _with(value, float(value["deadzone"]), []),
				"Clear events of input action %s" % name)
		if not outcome["ok"]:
			return outcome
	return ok({"action": name, "removed_count": count})


# --------------------------------------------------------------------------------------------
# Events


## Builds the event of [param kind] from the command's params and appends it to the action.
func _add_event(params: Dictionary, kind: String) -> Dictionary:
	var name: String = params["action"]
	var value: Variant = _action_value(name)
	if value == null:
		return _missing(name)
	var spec := params.duplicate()
	spec.erase("action")
	spec["type"] = kind
	var made := _event_from_spec(spec)
	if not made["ok"]:
		return fail(ErrorCodes.INVALID_PARAMS, made["message"])
	var event: InputEvent = made["event"]
	var events: Array = value["events"]
	var same := _find_same(events, event)
	if same >= 0:
		return fail(ErrorCodes.FAILED, "action '%s' already has this event at index %d (%s)"
				% [name, same, event.as_text()])
	var added := events.duplicate()
	added.append(event)
	var outcome := _change(name, value, _with(value, float(value["deadzone"]), added),
			"Add %s event to input action %s" % [kind.replace("_", " "), name])
	if not outcome["ok"]:
		return outcome
	return ok({"action": name, "index": added.size() - 1,
			"event": _describe_event(event, added.size() - 1), "event_count": added.size()})


## An InputEvent from a spec {type, key | button_index | axis + axis_value, physical, shift,
## ctrl, alt, meta, device}: [code]{"ok": true, "event": e}[/code] or
## [code]{"ok": false, "message": why}[/code].
func _event_from_spec(spec: Dictionary) -> Dictionary:
	var kind: String = spec.get("type", "")
	var allowed: Array = []
	match kind:
		"key":
			allowed = ["key", "physical", "device"] + MODIFIERS
		"mouse_button":
			allowed = ["button_index", "device"] + MODIFIERS
		"joypad_button":
			allowed = ["button_index", "device"]
		"joypad_axis":
			allowed = ["axis", "axis_value", "device"]
		_:
			return _bad("type must be one of key, mouse_button, joypad_button, joypad_axis")
	for key: String in spec:
		if key != "type" and not key in allowed:
			return _bad("'%s' does not apply to a %s event (it takes %s)" % [key, kind, ", ".join(allowed)])
	var device := int(spec.get("device", ALL_DEVICES))
	if device < ALL_DEVICES:
		return _bad("device must be -1 (all devices) or a device index >= 0")
	match kind:
		"key":
			return _key_event(spec, device)
		"mouse_button":
			var button := _index_or_name(spec.get("button_index"), MOUSE_BUTTONS, 1, 24,
					"button_index")
			if not button["ok"]:
				return button
			var mouse := InputEventMouseButton.new()
			mouse.button_index = button["index"]
			_set_modifiers(mouse, spec)
			mouse.device = device
			return {"ok": true, "event": mouse}
		"joypad_button":
			var jbutton := _index_or_name(spec.get("button_index"), JOY_BUTTONS, 0, MAX_JOY_BUTTON,
					"button_index")
			if not jbutton["ok"]:
				return jbutton
			var joy_button := InputEventJoypadButton.new()
			joy_button.button_index = jbutton["index"]
			joy_button.device = device
			return {"ok": true, "event": joy_button}
		_:
			var axis := _index_or_name(spec.get("axis"), JOY_AXES, 0, MAX_JOY_AXIS, "axis")
			if not axis["ok"]:
				return axis
			if not spec.has("axis_value"):
				return _bad("axis_value is required (-1 or 1: the direction of the axis)")
			var direction := float(spec["axis_value"])
			if direction != -1.0 and direction != 1.0:
				return _bad("axis_value must be -1 or 1 (the direction of the axis), got %s"
						% spec["axis_value"])
			var motion := InputEventJoypadMotion.new()
			motion.axis = axis["index"]
			motion.axis_value = direction
			motion.device = device
			return {"ok": true, "event": motion}


## A key event from spec.key ("W", "Space", "Ctrl+Shift+S"...), spec.physical and modifiers.
func _key_event(spec: Dictionary, device: int) -> Dictionary:
	if typeof(spec.get("key")) != TYPE_STRING or str(spec["key"]).strip_edges().is_empty():
		return _bad("key is required: a Godot key name such as \"W\", \"Space\", \"Escape\", \"Up\", \"F1\", \"Ctrl+S\"")
	var text: String = str(spec["key"]).strip_edges()
	var parts := text.split("+")
	var key_name := parts[parts.size() - 1].strip_edges()
	if key_name.is_empty() and text.ends_with("+"):
		key_name = "+"  # "Ctrl++": the plus key itself
		parts.remove_at(parts.size() - 1)
	var mods := {}
	for i in parts.size() - 1:
		var mod := parts[i].strip_edges().to_lower()
		if mod.is_empty():
			continue
		if not MODIFIER_NAMES.has(mod):
			return _bad("unknown modifier '%s' in key '%s' (use Shift, Ctrl, Alt, Meta)" % [parts[i], text])
		mods[MODIFIER_NAMES[mod]] = true
	var code: int = OS.find_keycode_from_string(key_name) & KEY_CODE_MASK
	if code == KEY_NONE:
		return _bad("unknown key name '%s' (Godot's names, as OS.get_keycode_string gives them: \"A\", \"1\", \"Space\", \"Enter\", \"Escape\", \"Tab\", \"Up\", \"Left\", \"F1\", \"Kp 1\", \"Shift\")"
				% key_name)
	var key := InputEventKey.new()
	if spec.get("physical", false):
		key.physical_keycode = code as Key
	else:
		key.keycode = code as Key
	for flag: String in MODIFIERS:
		if mods.get(flag, false):
			spec = spec.duplicate()
			spec[flag] = true
	_set_modifiers(key, spec)
	key.device = device
	return {"ok": true, "event": key}


## Sets the modifier flags of [param event] from the spec's shift/ctrl/alt/meta booleans.
static func _set_modifiers(event: InputEventWithModifiers, spec: Dictionary) -> void:
	event.shift_pressed = spec.get("shift", false)
	event.ctrl_pressed = spec.get("ctrl", false)
	event.alt_pressed = spec.get("alt", false)
	event.meta_pressed = spec.get("meta", false)


## An index from an int in [param low]..[param high] or a name of [param names]:
## [code]{"ok": true, "index": i}[/code] or a failure naming the choices.
func _index_or_name(value: Variant, names: Dictionary, low: int, high: int, what: String) -> Dictionary:
	if value == null:
		return _bad("%s is required (%d..%d or one of %s)" % [what, low, high, ", ".join(names.keys())])
	if typeof(value) == TYPE_STRING:
		var key := str(value).strip_edges().to_lower()
		if key.is_valid_int():
			value = key.to_int()
		elif names.has(key):
			return {"ok": true, "index": names[key]}
		else:
			return _bad("unknown %s name '%s' (one of %s, or %d..%d)"
					% [what, value, ", ".join(names.keys()), low, high])
	if typeof(value) == TYPE_FLOAT and float(value) == floorf(value):
		value = int(value)
	if typeof(value) != TYPE_INT or int(value) < low or int(value) > high:
		return _bad("%s must be %d..%d or one of %s, got %s" % [what, low, high, ", ".join(names.keys()), value])
	return {"ok": true, "index": int(value)}


## The index in [param events] of an event equal to [param event], or -1.
func _find_same(events: Array, event: InputEvent) -> int:
	var wanted := _describe_event(event, 0)
	for i in events.size():
		if events[i] is InputEvent and _describe_event(events[i], 0) == wanted:
			return i
	return -1


## An event as JSON: type, its key/button/axis, modifiers, device, Godot's text for it, and
## its index in the action.
func _describe_event(event: Variant, index: int) -> Dictionary:
	if not event is InputEvent:
		return {"index": index, "type": "other", "class": type_string(typeof(event)), "text": str(event),
				"device": 0}
	var ev: InputEvent = event
	var out := {"index": index, "device": ev.device, "text": ev.as_text()}
	if ev is InputEventKey:
		var key: InputEventKey = ev
		out["type"] = "key"
		if key.keycode != KEY_NONE:
			out["keycode"] = OS.get_keycode_string(key.keycode)
		if key.physical_keycode != KEY_NONE:
			out["physical_keycode"] = OS.get_keycode_string(key.physical_keycode)
		if key.key_label != KEY_NONE:
			out["key_label"] = OS.get_keycode_string(key.key_label)
		out["modifiers"] = _modifiers_of(key)
	elif ev is InputEventMouseButton:
		var mouse: InputEventMouseButton = ev
		out["type"] = "mouse_button"
		out["button_index"] = int(mouse.button_index)
		var mouse_name: Variant = MOUSE_BUTTONS.find_key(int(mouse.button_index))
		if mouse_name != null:
			out["button"] = mouse_name
		out["modifiers"] = _modifiers_of(mouse)
	elif ev is InputEventJoypadButton:
		var joy: InputEventJoypadButton = ev
		out["type"] = "joypad_button"
		out["button_index"] = int(joy.button_index)
		var joy_name: Variant = JOY_BUTTONS.find_key(int(joy.button_index))
		if joy_name != null:
			out["button"] = joy_name
	elif ev is InputEventJoypadMotion:
		var motion: InputEventJoypadMotion = ev
		out["type"] = "joypad_axis"
		out["axis"] = int(motion.axis)
		var axis_name: Variant = JOY_AXES.find_key(int(motion.axis))
		if axis_name != null:
			out["axis_name"] = axis_name
		out["axis_value"] = motion.axis_value
	else:
		out["type"] = "other"
		out["class"] = ev.get_class()
	return out


## The modifier flags set on [param event], e.g. ["shift", "ctrl"].
static func _modifiers_of(event: InputEventWithModifiers) -> Array[String]:
	var out: Array[String] = []
	if event.shift_pressed:
		out.append("shift")
	if event.ctrl_pressed:
		out.append("ctrl")
	if event.alt_pressed:
		out.append("alt")
	if event.meta_pressed:
		out.append("meta")
	if event.command_or_control_autoremap:
		out.append("cmd_or_ctrl")
	return out


# --------------------------------------------------------------------------------------------
# Actions


## Names of the input actions in project order (built-in ones included).
func _action_names() -> Array[String]:
	var found: Array[Dictionary] = []
	for info: Dictionary in ProjectSettings.get_property_list():
		var setting: String = info["name"]
		if setting.begins_with(PREFIX) and _action_value(setting.substr(PREFIX.length())) != null:
			found.append({"name": setting.substr(PREFIX.length()), "order": ProjectSettings.get_order(setting)})
	found.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return a["order"] < b["order"])
	var out: Array[String] = []
	for item: Dictionary in found:
		out.append(item["name"])
	return out


## The setting value of action [param name] ({deadzone, events}), or null when there is none.
func _action_value(name: String) -> Variant:
	if name.is_empty() or not ProjectSettings.has_setting(PREFIX + name):
		return null
	var value: Variant = ProjectSettings.get_setting(PREFIX + name)
	if typeof(value) != TYPE_DICTIONARY or typeof(value.get("events")) != TYPE_ARRAY:
		return null
	return value


## Whether [param name] is one of Godot's built-in actions: a setting with a default value
## (property_can_revert is no test: it is true for any setting project.godot adds).
func _is_builtin(name: String) -> bool:
	return ProjectSettings.property_get_revert(PREFIX + name) != null


## Action [param name] as get_action returns it.
func _describe_action(name: String) -> Dictionary:
	var value: Dictionary = _action_value(name)
	var events: Array[Dictionary] = []
	var list: Array = value["events"]
	for i in list.size():
		events.append(_describe_event(list[i], i))
	return {"action": name, "deadzone": float(value.get("deadzone", DEFAULT_DEADZONE)),
			"builtin": _is_builtin(name), "events": events}


## A new action value like [param value] (other keys kept) with the given deadzone and events.
static func _with(value: Dictionary, deadzone: float, events: Array) -> Dictionary:
	var out := value.duplicate()
	out["deadzone"] = deadzone
	out["events"] = events
	return out


## Why [param name] cannot be an action name, or "".
static func _name_problem(name: String) -> String:
	if name.strip_edges().is_empty():
		return "an action name cannot be empty"
	if name != name.strip_edges():
		return "an action name cannot start or end with whitespace"
	for bad: String in BAD_NAME_CHARS:
		if name.contains(bad):
			return "an action name cannot contain '%s'" % bad
	for i in name.length():
		if name.unicode_at(i) < 32:
			return "an action name cannot contain control characters"
	return ""


func _missing(name: String) -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND,
			"no input action '%s'; list_actions shows them (include_builtin for ui_*), add_action creates one"
			% name)


static func _bad(message: String) -> Dictionary:
	return {"ok": false, "message": message}


# --------------------------------------------------------------------------------------------
# Undo


## Replaces action [param name]'s value [param before] by [param after], undoably.
func _change(name: String, before: Dictionary, after: Dictionary, label: String) -> Dictionary:
	return _commit(label, [_entry(name, after)], [_entry(name, before)])


## One step of a do/undo list: set action [param name] to [param value] (null erases it), at
## [param order] when >= 0 (its place in the Input Map and in project.godot).
static func _entry(name: String, value: Variant, order: int = -1) -> Dictionary:
	return {"setting": PREFIX + name, "value": value, "order": order}


## Runs [param do_steps] as one action of the global history, [param undo_steps] undoing it;
## both write project.godot. Fails when the first write fails.
func _commit(label: String, do_steps: Array, undo_steps: Array) -> Dictionary:
	var ur := begin_action(label)
	ur.add_do_method(self, "_apply", do_steps)
	ur.add_undo_method(self, "_apply", undo_steps)
	commit_action()
	if _last_save != OK:
		return fail(ErrorCodes.FAILED, "could not write project.godot: %s (the input map is changed in the editor; undo reverts it)"
				% error_string(_last_save))
	return ok()


## Do/undo step: sets (or erases) the settings of [param steps] in order, then saves
## project.godot once.
func _apply(steps: Array) -> void:
	for step: Dictionary in steps:
		var setting: String = step["setting"]
		ProjectSettings.set_setting(setting, step["value"])
		if step["value"] != null and int(step["order"]) >= 0:
			ProjectSettings.set_order(setting, int(step["order"]))
	_last_save = ProjectSettings.save()
