@tool
extends RefCounted
## Checks command params against the registry's JSON Schema subset, the same subset and the
## same messages as the daemon's validator (src/registry.c): type, anyOf, enum, properties,
## required, additionalProperties, minimum, maximum, minLength, maxLength, items, minItems,
## maxItems.
##
## The daemon checks params before they leave it; this check stands for direct callers and
## [code]batch[/code] steps, and converts integer-valued JSON numbers to int where the schema
## says "integer", so handlers see GDScript ints.

## Largest integer a JSON number (a double) carries exactly.
const MAX_SAFE_INT := 9007199254740992.0


## Checks [param value] against [param schema]. Returns [code]{"ok": true, "value": v}[/code]
## with integers converted, or [code]{"ok": false, "message": why}[/code] naming the param by its
## path (e.g. "commands[2].command"). [param where] is the path of [param value] ("" for params).
static func check(schema: Dictionary, value: Variant, where: String = "") -> Dictionary:
	var label := where if not where.is_empty() else "params"
	# anyOf: one of several shapes (a Variant value, an id that is an index or a name). The first
	# branch that takes the value converts it (an integer-valued float to int).
	if typeof(schema.get("anyOf")) == TYPE_ARRAY and not (schema["anyOf"] as Array).is_empty():
		var taken := false
		for branch: Variant in schema["anyOf"]:
			if typeof(branch) != TYPE_DICTIONARY:
				continue
			var outcome := check(branch, value, where)
			if outcome["ok"]:
				value = outcome["value"]
				taken = true
				break
		if not taken:
			var names: Array = (schema["anyOf"] as Array).map(
					func(b: Variant) -> String: return str(b.get("type", "a listed shape")) if b is Dictionary else "?")
			return _bad("%s must be %s, got %s" % [label, " or ".join(names), _type_name(value)])
	if schema.has("type"):
		var types: Array = schema["type"] if typeof(schema["type"]) == TYPE_ARRAY else [schema["type"]]
		var matched := ""
		for t: Variant in types:
			if _is_type(str(t), value):
				matched = str(t)
				break
		if matched.is_empty():
			return _bad("%s must be %s, got %s" % [label, " or ".join(types.map(func(t): return str(t))),
					_type_name(value)])
		if matched == "integer" and typeof(value) == TYPE_FLOAT:
			value = int(value)
	if schema.has("enum"):
		var allowed: Array = schema["enum"]
		var found := false
		for candidate: Variant in allowed:
			if typeof(candidate) == typeof(value) and candidate == value:
				found = true
				break
		if not found:
			return _bad("%s must be one of %s" % [label, JSON.stringify(allowed)])
	match typeof(value):
		TYPE_INT, TYPE_FLOAT:
			if schema.has("minimum") and float(value) < float(schema["minimum"]):
				return _bad("%s must be >= %s" % [label, _num(schema["minimum"])])
			if schema.has("maximum") and float(value) > float(schema["maximum"]):
				return _bad("%s must be <= %s" % [label, _num(schema["maximum"])])
		TYPE_STRING:
			var text: String = value
			if schema.has("minLength") and text.length() < int(schema["minLength"]):
				return _bad("%s must have at least %d characters" % [label, int(schema["minLength"])])
			if schema.has("maxLength") and text.length() > int(schema["maxLength"]):
				return _bad("%s must have at most %d characters" % [label, int(schema["maxLength"])])
		TYPE_ARRAY:
			var list: Array = value
			if schema.has("minItems") and list.size() < int(schema["minItems"]):
				return _bad("%s must have at least %d items" % [label, int(schema["minItems"])])
			if schema.has("maxItems") and list.size() > int(schema["maxItems"]):
				return _bad("%s must have at most %d items" % [label, int(schema["maxItems"])])
			if typeof(schema.get("items")) == TYPE_DICTIONARY:
				var converted := []
				for i in list.size():
					var item := check(schema["items"], list[i], "%s[%d]" % [where, i])
					if not item["ok"]:
						return item
					converted.append(item["value"])
				value = converted
		TYPE_DICTIONARY:
			var object: Dictionary = value
			var props: Dictionary = schema.get("properties", {})
			for name: Variant in schema.get("required", []):
				if not object.has(name):
					if where.is_empty():
						return _bad("'%s' is required" % name)
					return _bad("%s: '%s' is required" % [where, name])
			var closed: bool = schema.get("additionalProperties", true) is bool \
					and schema.get("additionalProperties", true) == false
			var converted := {}
			for key: Variant in object:
				var sub := ("%s.%s" % [where, key]) if not where.is_empty() else str(key)
				if not props.has(key):
					if closed:
						if where.is_empty():
							return _bad("unknown param '%s'" % key)
						return _bad("%s: unknown key '%s'" % [where, key])
					converted[key] = object[key]
					continue
				var item := check(props[key], object[key], sub)
				if not item["ok"]:
					return item
				converted[key] = item["value"]
			value = converted
	return {"ok": true, "value": value}


static func _bad(message: String) -> Dictionary:
	return {"ok": false, "message": message}


static func _num(n: Variant) -> String:
	var f := float(n)
	return str(int(f)) if f == floorf(f) else str(f)


static func _is_type(want: String, value: Variant) -> bool:
	match want:
		"null":
			return value == null
		"boolean":
			return typeof(value) == TYPE_BOOL
		"string":
			return typeof(value) == TYPE_STRING or typeof(value) == TYPE_STRING_NAME
		"object":
			return typeof(value) == TYPE_DICTIONARY
		"array":
			return typeof(value) == TYPE_ARRAY
		"number":
			return typeof(value) == TYPE_INT or typeof(value) == TYPE_FLOAT
		"integer":
			if typeof(value) == TYPE_INT:
				return true
			if typeof(value) == TYPE_FLOAT:
				var f: float = value
				return f == floorf(f) and absf(f) < MAX_SAFE_INT
	return false


static func _type_name(value: Variant) -> String:
	match typeof(value):
		TYPE_NIL:
			return "null"
		TYPE_BOOL:
			return "boolean"
		TYPE_INT:
			return "integer"
		TYPE_FLOAT:
			var f: float = value
			return "integer" if f == floorf(f) else "number"
		TYPE_STRING, TYPE_STRING_NAME:
			return "string"
		TYPE_DICTIONARY:
			return "object"
		TYPE_ARRAY:
			return "array"
	return type_string(typeof(value))
