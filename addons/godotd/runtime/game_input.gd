extends RefCounted
## Builds Godot InputEvents from send_input's JSON events (schema/commands/game.json), for the
## runtime agent to feed to [method Input.parse_input_event]: what the game sees is what a real
## keyboard, mouse or pad would have produced.

const InputNames := preload("../input_names.gd")
const MOUSE_BUTTONS := InputNames.MOUSE_BUTTONS
const JOY_BUTTONS := InputNames.JOY_BUTTONS
const JOY_AXES := InputNames.JOY_AXES

## The last absolute mouse position sent, for the relative part of the next motion.
var mouse_position := Vector2.ZERO
## Mouse buttons held down by sent events (InputEventMouse.button_mask of later events).
var button_mask: int = 0


## The events [param spec] stands for, in order: [code]{"ok": true, "events": [[event,
## frames_after_previous, after_a_tick], ...]}[/code] (a tap is a press and, one process frame
## and one physics tick later, a release: a headless game runs many frames per tick, and a game
## that reads input in _physics_process must see the press; typed text is a press and release
## per character), or [code]{"ok": false, "message": why}[/code].
func build(spec: Dictionary) -> Dictionary:
	match str(spec.get("type", "")):
		"key":
			return _key(spec)
		"text":
			return _text(spec)
		"mouse_button":
			return _mouse_button(spec)
		"mouse_motion":
			return _mouse_motion(spec)
		"action":
			return _action(spec)
		"joypad_button":
			return _joy_button(spec)
		"joypad_motion":
			return _joy_motion(spec)
	return _bad("unknown event type '%s'" % spec.get("type"))


## Whether [param spec] is an absolute mouse event (its position is warped to, so what the game
## polls follows).
static func absolute_position(spec: Dictionary) -> Variant:
	var p: Variant = spec.get("position")
	if typeof(p) == TYPE_ARRAY and (p as Array).size() == 2:
		return Vector2(float(p[0]), float(p[1]))
	return null


func _key(spec: Dictionary) -> Dictionary:
	var code := _keycode(spec.get("keycode"))
	if code == KEY_NONE:
		return _bad("keycode '%s' is not a key Godot knows (e.g. 'A', 'Space', 'Right', 'F1')"
				% spec.get("keycode"))
	var make := func(pressed: bool) -> InputEventKey:
		var ev := InputEventKey.new()
		if spec.get("physical", false):
			ev.physical_keycode = code
		else:
			ev.keycode = code
		ev.key_label = code
		ev.pressed = pressed
		_modifiers(ev, spec)
		if pressed and code >= 32 and code < 127:
			var ch := char(code)
			ev.unicode = (ch if spec.get("shift", false) else ch.to_lower()).unicode_at(0)
		return ev
	return _press_or_tap(spec, make)


func _text(spec: Dictionary) -> Dictionary:
	var text: String = spec.get("text", "")
	if text.is_empty():
		return _bad("a text event needs text")
	var out: Array = []
	for i in text.length():
		var ch := text[i]
		var code := OS.find_keycode_from_string(ch.to_upper()) if ch != " " else KEY_SPACE
		var press := InputEventKey.new()
		press.keycode = code
		press.unicode = ch.unicode_at(0)
		press.pressed = true
		press.shift_pressed = ch != ch.to_lower()
		var release := press.duplicate() as InputEventKey
		release.pressed = false
		release.unicode = 0
		out.append([press, 0])
		out.append([release, 0])
	return {"ok": true, "events": out}


func _mouse_button(spec: Dictionary) -> Dictionary:
	var button := _lookup(spec.get("button", "left"), MOUSE_BUTTONS)
	if button <= 0:
		return _bad("button '%s' is not a mouse button (%s)" % [spec.get("button"),
				", ".join(MOUSE_BUTTONS.keys())])
	var pos: Variant = absolute_position(spec)
	if pos != null:
		mouse_position = pos
	var make := func(pressed: bool) -> InputEventMouseButton:
		var ev := InputEventMouseButton.new()
		ev.button_index = button
		ev.pressed = pressed
		ev.double_click = pressed and spec.get("double_click", false)
		ev.position = mouse_position
		ev.global_position = mouse_position
		var bit := 1 << (button - 1)
		button_mask = (button_mask | bit) if pressed else (button_mask & ~bit)
		ev.button_mask = button_mask
		_modifiers(ev, spec)
		return ev
	return _press_or_tap(spec, make)


func _mouse_motion(spec: Dictionary) -> Dictionary:
	var pos: Variant = absolute_position(spec)
	var rel_spec: Variant = spec.get("relative")
	var relative := Vector2.ZERO
	if typeof(rel_spec) == TYPE_ARRAY and (rel_spec as Array).size() == 2:
		relative = Vector2(float(rel_spec[0]), float(rel_spec[1]))
	if pos == null and relative == Vector2.ZERO and rel_spec == null:
		return _bad("a mouse_motion event needs position or relative")
	var target: Vector2 = pos if pos != null else mouse_position + relative
	if pos != null and rel_spec == null:
		relative = target - mouse_position
	var ev := InputEventMouseMotion.new()
	ev.position = target
	ev.global_position = target
	ev.relative = relative
	ev.screen_relative = relative
	# One frame's worth of movement: Input.get_last_mouse_velocity() follows.
	var fps := maxf(Engine.get_frames_per_second(), 1.0)
	ev.velocity = relative * fps
	ev.screen_velocity = ev.velocity
	ev.button_mask = button_mask
	_modifiers(ev, spec)
	mouse_position = target
	return {"ok": true, "events": [[ev, 0]]}


func _action(spec: Dictionary) -> Dictionary:
	var action := str(spec.get("action", ""))
	if action.is_empty() or not InputMap.has_action(action):
		return _bad("'%s' is not an InputMap action of this game (list_actions shows them)" % action)
	var strength: float = spec.get("strength", 1.0)
	var make := func(pressed: bool) -> InputEventAction:
		var ev := InputEventAction.new()
		ev.action = action
		ev.pressed = pressed
		ev.strength = strength if pressed else 0.0
		return ev
	return _press_or_tap(spec, make)


func _joy_button(spec: Dictionary) -> Dictionary:
	var button := _lookup(spec.get("button", ""), JOY_BUTTONS)
	if button < 0:
		return _bad("button '%s' is not a joypad button (%s)" % [spec.get("button"),
				", ".join(JOY_BUTTONS.keys())])
	var make := func(pressed: bool) -> InputEventJoypadButton:
		var ev := InputEventJoypadButton.new()
		ev.button_index = button
		ev.pressed = pressed
		ev.pressure = 1.0 if pressed else 0.0
		ev.device = int(spec.get("device", 0))
		return ev
	return _press_or_tap(spec, make)


func _joy_motion(spec: Dictionary) -> Dictionary:
	var axis := _lookup(spec.get("axis", ""), JOY_AXES)
	if axis < 0:
		return _bad("axis '%s' is not a joypad axis (%s)" % [spec.get("axis"),
				", ".join(JOY_AXES.keys())])
	var ev := InputEventJoypadMotion.new()
	ev.axis = axis
	ev.axis_value = float(spec.get("value", 0.0))
	ev.device = int(spec.get("device", 0))
	return {"ok": true, "events": [[ev, 0]]}


## A press, a release, or (pressed absent) a tap: press now, release one frame later.
func _press_or_tap(spec: Dictionary, make: Callable) -> Dictionary:
	if spec.has("pressed"):
		return {"ok": true, "events": [[make.call(bool(spec["pressed"])), 0]]}
	return {"ok": true, "events": [[make.call(true), 0], [make.call(false), 1, true]]}


func _modifiers(ev: InputEventWithModifiers, spec: Dictionary) -> void:
	ev.shift_pressed = spec.get("shift", false)
	ev.ctrl_pressed = spec.get("ctrl", false)
	ev.alt_pressed = spec.get("alt", false)
	ev.meta_pressed = spec.get("meta", false)


static func _keycode(value: Variant) -> int:
	if typeof(value) == TYPE_INT or typeof(value) == TYPE_FLOAT:
		return int(value)
	var text := str(value)
	if text.is_valid_int():
		return text.to_int()
	return OS.find_keycode_from_string(text)


static func _lookup(value: Variant, names: Dictionary) -> int:
	if typeof(value) == TYPE_INT or typeof(value) == TYPE_FLOAT:
		return int(value)
	var text := str(value).to_lower()
	if text.is_valid_int():
		return text.to_int()
	return names.get(text, -1)


static func _bad(message: String) -> Dictionary:
	return {"ok": false, "message": message}
