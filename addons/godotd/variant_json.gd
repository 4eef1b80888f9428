@tool
extends RefCounted
## Converts Godot values to JSON and back, so commands can read and write properties of any
## type (Vector2/3/4, Color, Rect2, Transform2D/3D, Basis, Quaternion, NodePath, resources...).
##
## JSON out: bool, int, float, String, Array, Dictionary stay as they are; StringName and
## NodePath become strings; every other type becomes an object tagged with its type, e.g.
## [code]{"$type": "Vector2", "x": 1.0, "y": 2.0}[/code], and a resource becomes
## [code]{"$type": "Resource", "class": "Texture2D", "path": "res://icon.svg"}[/code].
##
## JSON in ([method from_json], given the target's type): the same tagged objects; untagged
## objects with the same keys; arrays of components ([code][1, 2][/code] for a Vector2,
## [code][r, g, b, a][/code] for a Color); Godot literals as strings
## ([code]"Vector2(1, 2)"[/code], [code]"Color(1, 0, 0)"[/code]); colors also as
## [code]"#rrggbb[aa]"[/code] or names ([code]"red"[/code]); resources as a
## [code]res://[/code] path (loaded) or null. With an unknown target type, JSON values stay as
## they are unless tagged.

const TAG := "$type"

const _COMPONENTS := {
	TYPE_VECTOR2: ["x", "y"], TYPE_VECTOR2I: ["x", "y"],
	TYPE_VECTOR3: ["x", "y", "z"], TYPE_VECTOR3I: ["x", "y", "z"],
	TYPE_VECTOR4: ["x", "y", "z", "w"], TYPE_VECTOR4I: ["x", "y", "z", "w"],
	TYPE_QUATERNION: ["x", "y", "z", "w"], TYPE_COLOR: ["r", "g", "b", "a"],
	TYPE_PLANE: ["x", "y", "z", "d"],
}


## [param value] as JSON-compatible data (see the class description).
static func to_json(value: Variant) -> Variant:
	match typeof(value):
		TYPE_NIL, TYPE_BOOL, TYPE_INT, TYPE_STRING:
			return value
		TYPE_FLOAT:
			var f: float = value
			if is_nan(f) or is_inf(f):
				return {TAG: "float", "value": str(f)}
			return f
		TYPE_STRING_NAME, TYPE_NODE_PATH:
			return str(value)
		TYPE_VECTOR2, TYPE_VECTOR2I, TYPE_VECTOR3, TYPE_VECTOR3I, TYPE_VECTOR4, TYPE_VECTOR4I, \
				TYPE_QUATERNION, TYPE_COLOR, TYPE_PLANE:
			var out := {TAG: type_string(typeof(value))}
			var keys: Array = _COMPONENTS[typeof(value)]
			for i in keys.size():
				out[keys[i]] = _component(value, i, keys[i])
			return out
		TYPE_RECT2, TYPE_RECT2I:
			return {TAG: type_string(typeof(value)), "position": _xy(value.position),
					"size": _xy(value.size)}
		TYPE_AABB:
			return {TAG: "AABB", "position": _xyz(value.position), "size": _xyz(value.size)}
		TYPE_TRANSFORM2D:
			var t: Transform2D = value
			return {TAG: "Transform2D", "x": _xy(t.x), "y": _xy(t.y), "origin": _xy(t.origin)}
		TYPE_BASIS:
			var b: Basis = value
			return {TAG: "Basis", "x": _xyz(b.x), "y": _xyz(b.y), "z": _xyz(b.z)}
		TYPE_TRANSFORM3D:
			var t3: Transform3D = value
			return {TAG: "Transform3D", "basis": {"x": _xyz(t3.basis.x), "y": _xyz(t3.basis.y),
					"z": _xyz(t3.basis.z)}, "origin": _xyz(t3.origin)}
		TYPE_ARRAY:
			var list := []
			for item: Variant in value:
				list.append(to_json(item))
			return list
		TYPE_DICTIONARY:
			var dict := {}
			var source: Dictionary = value
			for key: Variant in source:
				dict[str(key)] = to_json(source[key])
			return dict
		TYPE_PACKED_BYTE_ARRAY:
			var bytes: PackedByteArray = value
			return {TAG: "PackedByteArray", "base64": Marshalls.raw_to_base64(bytes)}
		TYPE_PACKED_INT32_ARRAY, TYPE_PACKED_INT64_ARRAY, TYPE_PACKED_FLOAT32_ARRAY, \
				TYPE_PACKED_FLOAT64_ARRAY, TYPE_PACKED_STRING_ARRAY, TYPE_PACKED_VECTOR2_ARRAY, \
				TYPE_PACKED_VECTOR3_ARRAY, TYPE_PACKED_COLOR_ARRAY, TYPE_PACKED_VECTOR4_ARRAY:
			var items := []
			for item: Variant in value:
				items.append(to_json(item))
			return items
		TYPE_OBJECT:
			var object: Object = value
			if object == null:
				return null
			if object is Resource:
				var res: Resource = object
				var out := {TAG: "Resource", "class": res.get_class()}
				if not res.resource_path.is_empty() and not res.resource_path.contains("::"):
					out["path"] = res.resource_path
				var script: Script = res.get_script()
				if script != null and not script.resource_path.is_empty():
					out["script"] = script.resource_path
				return out
			if object is Node:
				var node: Node = object
				return {TAG: "Node", "class": node.get_class(), "name": str(node.name)}
			return {TAG: "Object", "class": object.get_class()}
		TYPE_CALLABLE, TYPE_SIGNAL, TYPE_RID:
			return {TAG: type_string(typeof(value)), "text": str(value)}
	return {TAG: type_string(typeof(value)), "text": var_to_str(value)}


## Converts JSON [param value] to Godot type [param type] (a [code]TYPE_*[/code];
## [code]TYPE_NIL[/code] = unknown). [param class_hint] names the class a resource must be
## (e.g. "Texture2D"), "" for any. Returns [code]{"ok": true, "value": v}[/code] or
## [code]{"ok": false, "message": why}[/code].
static func from_json(value: Variant, type: int, class_hint: String = "") -> Dictionary:
	if typeof(value) == TYPE_DICTIONARY and (value as Dictionary).has(TAG):
		var tagged := _from_tagged(value)
		if not tagged["ok"] or type == TYPE_NIL or type == TYPE_OBJECT:
			return tagged
		value = tagged["value"]
	if type == TYPE_NIL:
		return _ok(_plain(value))
	if typeof(value) == type:
		return _ok(value)
	if typeof(value) == TYPE_STRING and type != TYPE_STRING and type != TYPE_STRING_NAME \
			and type != TYPE_NODE_PATH and type != TYPE_OBJECT:
		var text: String = value
		if type == TYPE_COLOR and (text.begins_with("#") or Color.html_is_valid(text)):
			return _ok(Color.html(text))
		if type == TYPE_COLOR and Color.from_string(text, Color(0, 0, 0, -1)).a != -1:
			return _ok(Color.from_string(text, Color()))
		var parsed: Variant = str_to_var(text)
		if typeof(parsed) == type:
			return _ok(parsed)
		if type in [TYPE_INT, TYPE_FLOAT] and text.is_valid_float():
			return _ok(int(text) if type == TYPE_INT else text.to_float())
		return _bad("'%s' is not a %s" % [text, type_string(type)])
	match type:
		TYPE_BOOL:
			return _bad("expected a boolean, got %s" % _kind(value))
		TYPE_INT:
			if typeof(value) == TYPE_FLOAT and value == floorf(value):
				return _ok(int(value))
			return _bad("expected an integer, got %s" % _kind(value))
		TYPE_FLOAT:
			if typeof(value) == TYPE_INT:
				return _ok(float(value))
			return _bad("expected a number, got %s" % _kind(value))
		TYPE_STRING:
			if typeof(value) in [TYPE_STRING_NAME, TYPE_NODE_PATH]:
				return _ok(str(value))
			return _bad("expected a string, got %s" % _kind(value))
		TYPE_STRING_NAME:
			if typeof(value) == TYPE_STRING:
				return _ok(StringName(value))
			return _bad("expected a string, got %s" % _kind(value))
		TYPE_NODE_PATH:
			if typeof(value) == TYPE_STRING:
				return _ok(NodePath(value))
			return _bad("expected a node path string, got %s" % _kind(value))
		TYPE_OBJECT:
			return _resource(value, class_hint)
		TYPE_ARRAY:
			if typeof(value) == TYPE_ARRAY:
				return _ok(_plain(value))
			return _bad("expected an array, got %s" % _kind(value))
		TYPE_DICTIONARY:
			if typeof(value) == TYPE_DICTIONARY:
				return _ok(_plain(value))
			return _bad("expected an object, got %s" % _kind(value))
	if _COMPONENTS.has(type):
		return _from_components(value, type)
	match type:
		TYPE_RECT2, TYPE_RECT2I:
			if typeof(value) == TYPE_ARRAY and (value as Array).size() == 4:
				var a: Array = value
				return _ok(Rect2(a[0], a[1], a[2], a[3]) if type == TYPE_RECT2
						else Rect2i(int(a[0]), int(a[1]), int(a[2]), int(a[3])))
			if typeof(value) == TYPE_DICTIONARY:
				var vt := TYPE_VECTOR2 if type == TYPE_RECT2 else TYPE_VECTOR2I
				var pos := _from_components(value.get("position"), vt)
				var size := _from_components(value.get("size"), vt)
				if pos["ok"] and size["ok"]:
					return _ok(Rect2(pos["value"], size["value"]) if type == TYPE_RECT2
							else Rect2i(pos["value"], size["value"]))
			return _bad("expected {position, size} or [x, y, w, h] for a %s" % type_string(type))
		TYPE_TRANSFORM2D:
			if typeof(value) == TYPE_DICTIONARY:
				var d: Dictionary = value
				if d.has("origin") and not d.has("x"):
					var origin := _from_components(d["origin"], TYPE_VECTOR2)
					if origin["ok"]:
						return _ok(Transform2D(float(d.get("rotation", 0.0)),
								_v2(d.get("scale", [1, 1])), float(d.get("skew", 0.0)),
								origin["value"]))
				var x := _from_components(d.get("x"), TYPE_VECTOR2)
				var y := _from_components(d.get("y"), TYPE_VECTOR2)
				var o := _from_components(d.get("origin"), TYPE_VECTOR2)
				if x["ok"] and y["ok"] and o["ok"]:
					return _ok(Transform2D(x["value"], y["value"], o["value"]))
			return _bad("expected {x, y, origin} or {origin, rotation?, scale?} for a Transform2D")
		TYPE_BASIS:
			if typeof(value) == TYPE_DICTIONARY:
				var bx := _from_components(value.get("x"), TYPE_VECTOR3)
				var by := _from_components(value.get("y"), TYPE_VECTOR3)
				var bz := _from_components(value.get("z"), TYPE_VECTOR3)
				if bx["ok"] and by["ok"] and bz["ok"]:
					return _ok(Basis(bx["value"], by["value"], bz["value"]))
			return _bad("expected {x, y, z} for a Basis")
		TYPE_TRANSFORM3D:
			if typeof(value) == TYPE_DICTIONARY:
				var d3: Dictionary = value
				var o3 := _from_components(d3.get("origin", [0, 0, 0]), TYPE_VECTOR3)
				if not o3["ok"]:
					return _bad("Transform3D origin: " + o3["message"])
				if d3.has("basis"):
					var basis := from_json(d3["basis"], TYPE_BASIS)
					if not basis["ok"]:
						return basis
					return _ok(Transform3D(basis["value"], o3["value"]))
				var rot := _from_components(d3.get("rotation", [0, 0, 0]), TYPE_VECTOR3)
				var scl := _from_components(d3.get("scale", [1, 1, 1]), TYPE_VECTOR3)
				if rot["ok"] and scl["ok"]:
					var b := Basis.from_euler(rot["value"]).scaled(scl["value"])
					return _ok(Transform3D(b, o3["value"]))
			return _bad("expected {basis, origin} or {origin, rotation?, scale?} for a Transform3D")
		TYPE_AABB:
			if typeof(value) == TYPE_DICTIONARY:
				var p := _from_components(value.get("position"), TYPE_VECTOR3)
				var s := _from_components(value.get("size"), TYPE_VECTOR3)
				if p["ok"] and s["ok"]:
					return _ok(AABB(p["value"], s["value"]))
			return _bad("expected {position, size} for an AABB")
	if type >= TYPE_PACKED_BYTE_ARRAY and type < TYPE_MAX and typeof(value) == TYPE_ARRAY:
		var element := _packed_element(type)
		var items := []
		for item: Variant in value:
			var converted := from_json(item, element)
			if not converted["ok"]:
				return converted
			items.append(converted["value"])
		return _ok(type_convert(items, type))
	if type == TYPE_PACKED_BYTE_ARRAY and typeof(value) == TYPE_DICTIONARY \
			and (value as Dictionary).has("base64"):
		return _ok(Marshalls.base64_to_raw(str(value["base64"])))
	return _bad("cannot make a %s from %s" % [type_string(type), _kind(value)])


static func _from_tagged(value: Dictionary) -> Dictionary:
	var tag := str(value[TAG])
	if tag == "Resource":
		return _resource(value.get("path", null), str(value.get("class", "")))
	if tag == "float":
		return _ok(str(value.get("value", "nan")).to_float())
	var type := -1
	for t in TYPE_MAX:
		if type_string(t) == tag:
			type = t
			break
	if type <= TYPE_NIL or type == TYPE_OBJECT:
		return _bad("unknown %s '%s'" % [TAG, tag])
	var copy := value.duplicate()
	copy.erase(TAG)
	return from_json(copy, type)


static func _from_components(value: Variant, type: int) -> Dictionary:
	var keys: Array = _COMPONENTS[type]
	var numbers := []
	if typeof(value) == TYPE_ARRAY:
		var list: Array = value
		if type == TYPE_COLOR and list.size() == 3:
			list = list + [1.0]
		if list.size() != keys.size():
			return _bad("a %s needs %d numbers" % [type_string(type), keys.size()])
		numbers = list
	elif typeof(value) == TYPE_DICTIONARY:
		var d: Dictionary = value
		for key: String in keys:
			if d.has(key):
				numbers.append(d[key])
			elif type == TYPE_COLOR and key == "a":
				numbers.append(1.0)
			else:
				return _bad("a %s needs '%s'" % [type_string(type), key])
	elif typeof(value) == TYPE_STRING:
		return from_json(value, type)
	else:
		return _bad("expected {%s} or an array for a %s" % [", ".join(keys), type_string(type)])
	for n: Variant in numbers:
		if typeof(n) != TYPE_INT and typeof(n) != TYPE_FLOAT:
			return _bad("%s components must be numbers" % type_string(type))
	var f := numbers.map(func(n): return float(n))
	match type:
		TYPE_VECTOR2:
			return _ok(Vector2(f[0], f[1]))
		TYPE_VECTOR2I:
			return _ok(Vector2i(int(f[0]), int(f[1])))
		TYPE_VECTOR3:
			return _ok(Vector3(f[0], f[1], f[2]))
		TYPE_VECTOR3I:
			return _ok(Vector3i(int(f[0]), int(f[1]), int(f[2])))
		TYPE_VECTOR4:
			return _ok(Vector4(f[0], f[1], f[2], f[3]))
		TYPE_VECTOR4I:
			return _ok(Vector4i(int(f[0]), int(f[1]), int(f[2]), int(f[3])))
		TYPE_QUATERNION:
			return _ok(Quaternion(f[0], f[1], f[2], f[3]))
		TYPE_COLOR:
			return _ok(Color(f[0], f[1], f[2], f[3]))
		TYPE_PLANE:
			return _ok(Plane(f[0], f[1], f[2], f[3]))
	return _bad("unsupported type")


## A resource from a res:// path (loaded), a tagged/untagged {path}, or null.
static func _resource(value: Variant, class_hint: String) -> Dictionary:
	if value == null:
		return _ok(null)
	var path := ""
	if typeof(value) == TYPE_STRING:
		path = value
	elif typeof(value) == TYPE_DICTIONARY and typeof(value.get("path")) == TYPE_STRING:
		path = value["path"]
	else:
		return _bad("expected a res:// path of a resource, or null")
	if path.begins_with("uid://"):
		path = ResourceUID.ensure_path(path)
	if not path.begins_with("res://") or path.contains(".."):
		return _bad("a resource must be given by a res:// path inside the project, got '%s'" % path)
	if not ResourceLoader.exists(path):
		return _bad("no resource at '%s'" % path)
	var res := load(path)
	if res == null:
		return _bad("'%s' could not be loaded" % path)
	if not class_hint.is_empty() and ClassDB.class_exists(class_hint) \
			and not res.is_class(class_hint):
		return _bad("'%s' is a %s, not a %s" % [path, res.get_class(), class_hint])
	return _ok(res)


## JSON numbers arrive as floats: integral ones become ints inside untyped containers.
static func _plain(value: Variant) -> Variant:
	match typeof(value):
		TYPE_FLOAT:
			var f: float = value
			return int(f) if f == floorf(f) and absf(f) < 9007199254740992.0 else f
		TYPE_ARRAY:
			var list := []
			for item: Variant in value:
				list.append(_plain(item))
			return list
		TYPE_DICTIONARY:
			var d: Dictionary = value
			if d.has(TAG):
				var tagged := _from_tagged(d)
				if tagged["ok"]:
					return tagged["value"]
			var out := {}
			for key: Variant in d:
				out[key] = _plain(d[key])
			return out
	return value


static func _packed_element(type: int) -> int:
	match type:
		TYPE_PACKED_BYTE_ARRAY, TYPE_PACKED_INT32_ARRAY, TYPE_PACKED_INT64_ARRAY:
			return TYPE_INT
		TYPE_PACKED_FLOAT32_ARRAY, TYPE_PACKED_FLOAT64_ARRAY:
			return TYPE_FLOAT
		TYPE_PACKED_STRING_ARRAY:
			return TYPE_STRING
		TYPE_PACKED_VECTOR2_ARRAY:
			return TYPE_VECTOR2
		TYPE_PACKED_VECTOR3_ARRAY:
			return TYPE_VECTOR3
		TYPE_PACKED_COLOR_ARRAY:
			return TYPE_COLOR
		TYPE_PACKED_VECTOR4_ARRAY:
			return TYPE_VECTOR4
	return TYPE_NIL


static func _component(value: Variant, index: int, key: String) -> Variant:
	if typeof(value) == TYPE_COLOR:
		return value[key]
	return value[index]


static func _xy(v: Variant) -> Dictionary:
	return {"x": v.x, "y": v.y}


static func _xyz(v: Vector3) -> Dictionary:
	return {"x": v.x, "y": v.y, "z": v.z}


static func _v2(value: Variant) -> Vector2:
	var r := _from_components(value, TYPE_VECTOR2)
	return r["value"] if r["ok"] else Vector2.ONE


static func _kind(value: Variant) -> String:
	match typeof(value):
		TYPE_NIL:
			return "null"
		TYPE_BOOL:
			return "a boolean"
		TYPE_INT, TYPE_FLOAT:
			return "a number"
		TYPE_STRING:
			return "a string"
		TYPE_ARRAY:
			return "an array"
		TYPE_DICTIONARY:
			return "an object"
	return type_string(typeof(value))


static func _ok(value: Variant) -> Dictionary:
	return {"ok": true, "value": value}


static func _bad(message: String) -> Dictionary:
	return {"ok": false, "message": message}
