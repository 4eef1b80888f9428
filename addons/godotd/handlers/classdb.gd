@tool
extends "../handler.gd"
## Read-only lookups in Godot's class database (the engine's API as the running editor knows
## it): get_class_info, list_class_methods, list_class_properties, list_class_signals,
## list_class_constants, get_class_inheritance, list_classes, search_class_members.
##
## Answers are compact (agents pay per token): members are listed as readable signature strings
## ("move_and_slide() -> bool"), own members only unless [code]inherited[/code] is asked, and
## every list has a name filter and a limit.

## Default number of entries one list returns (the registry caps limit at 5000).
const LIMIT_DEFAULT := 100
## Default number of matches search_class_members returns.
const SEARCH_LIMIT_DEFAULT := 50
## Classes suggested at most when a class name is unknown.
const SUGGESTIONS := 5
## Least String.similarity() of a suggested class name (typos like "CharacterBody2d").
const SUGGEST_SIMILARITY := 0.6
## Characters of a property's hint string kept in a listing (long enum lists are cut).
const HINT_CHARS := 200

## Short names of the property hints worth showing (the type says the rest).
const HINT_NAMES := {
	PROPERTY_HINT_RANGE: "range",
	PROPERTY_HINT_ENUM: "enum",
	PROPERTY_HINT_ENUM_SUGGESTION: "enum_suggestion",
	PROPERTY_HINT_EXP_EASING: "exp_easing",
	PROPERTY_HINT_LINK: "link",
	PROPERTY_HINT_FLAGS: "flags",
	PROPERTY_HINT_LAYERS_2D_RENDER: "layers_2d_render",
	PROPERTY_HINT_LAYERS_2D_PHYSICS: "layers_2d_physics",
	PROPERTY_HINT_LAYERS_2D_NAVIGATION: "layers_2d_navigation",
	PROPERTY_HINT_LAYERS_3D_RENDER: "layers_3d_render",
	PROPERTY_HINT_LAYERS_3D_PHYSICS: "layers_3d_physics",
	PROPERTY_HINT_LAYERS_3D_NAVIGATION: "layers_3d_navigation",
	PROPERTY_HINT_FILE: "file",
	PROPERTY_HINT_DIR: "dir",
	PROPERTY_HINT_MULTILINE_TEXT: "multiline",
	PROPERTY_HINT_PLACEHOLDER_TEXT: "placeholder",
	PROPERTY_HINT_COLOR_NO_ALPHA: "color_no_alpha",
	PROPERTY_HINT_NODE_PATH_VALID_TYPES: "node_path_types",
	PROPERTY_HINT_NODE_TYPE: "node_type",
}
## Hints whose hint string is worth showing after the name ("enum:A,B,C", "range:0,1,0.01").
const HINTS_WITH_TEXT: Array[int] = [PROPERTY_HINT_RANGE, PROPERTY_HINT_ENUM,
		PROPERTY_HINT_ENUM_SUGGESTION, PROPERTY_HINT_FLAGS, PROPERTY_HINT_FILE,
		PROPERTY_HINT_PLACEHOLDER_TEXT, PROPERTY_HINT_NODE_PATH_VALID_TYPES,
		PROPERTY_HINT_NODE_TYPE]
## Names of ClassDB.APIType values.
const API_NAMES := ["core", "editor", "extension", "editor_extension", "none"]
## Member kinds search_class_members looks through.
const KINDS: PackedStringArray = ["method", "property", "signal", "constant"]


# --------------------------------------------------------------------------------------------
# Commands


## [code]get_class_info[/code] [code]{class}[/code]: parent chain, instantiable, node/resource,
## member counts of a native class (or of a script class_name); not_found with suggestions.
func cmd_get_class_info(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		var script_class := _script_class(name)
		if script_class.is_empty():
			return _unknown(name)
		var native := _native_base(name)
		return ok({
			"class": name,
			"script": str(script_class.get("path", "")),
			"ancestors": _script_ancestors(name),
			"native_base": native,
			"instantiable": not bool(script_class.get("is_abstract", false)) \
					and ClassDB.can_instantiate(native),
			"is_node": ClassDB.is_parent_class(native, "Node"),
			"is_resource": ClassDB.is_parent_class(native, "Resource"),
		})
	var children := 0
	for child: String in ClassDB.get_inheriters_from_class(name):
		if ClassDB.get_parent_class(child) == name:
			children += 1
	var enums := ClassDB.class_get_enum_list(name, true)
	var enum_constants := 0
	for e: String in enums:
		enum_constants += ClassDB.class_get_enum_constants(name, e, true).size()
	return ok({
		"class": name,
		"ancestors": _ancestors(name),
		"instantiable": ClassDB.can_instantiate(name),
		"is_node": ClassDB.is_parent_class(name, "Node"),
		"is_resource": ClassDB.is_parent_class(name, "Resource"),
		"api": _api(name),
		"counts": {
			"methods": ClassDB.class_get_method_list(name, true).size(),
			"properties": _properties(name, true).size(),
			"signals": ClassDB.class_get_signal_list(name, true).size(),
			"constants": ClassDB.class_get_integer_constant_list(name, true).size(),
			"enums": enums.size(),
			"direct_children": children,
		},
	})


## [code]list_class_methods[/code] [code]{class, filter?, inherited?, include_virtual?,
## limit?}[/code]: method signatures, own methods first, then each ancestor's.
func cmd_list_class_methods(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		return _unknown(name)
	var filter: String = params.get("filter", "")
	var virtuals: bool = params.get("include_virtual", true)
	var items: Array[Dictionary] = []
	for owner: String in _owners(name, params.get("inherited", false)):
		var methods := ClassDB.class_get_method_list(owner, true)
		methods.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return str(a["name"]) < str(b["name"]))
		for m: Dictionary in methods:
			if not _matches(str(m["name"]), filter):
				continue
			if not virtuals and int(m["flags"]) & METHOD_FLAG_VIRTUAL:
				continue
			var item := {"name": str(m["name"]), "signature": method_signature(m)}
			if owner != name:
				item["class"] = owner
			items.append(item)
	return ok(_limited({"class": name}, "methods", items, params.get("limit", LIMIT_DEFAULT)))


## [code]list_class_properties[/code] [code]{class, filter?, inherited?, limit?}[/code]:
## properties with type, hint and default value.
func cmd_list_class_properties(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		return _unknown(name)
	var filter: String = params.get("filter", "")
	var items: Array[Dictionary] = []
	for owner: String in _owners(name, params.get("inherited", false)):
		for p: Dictionary in _properties(owner, true):
			if not _matches(str(p["name"]), filter):
				continue
			var item := {"name": str(p["name"]), "type": _property_type(owner, p)}
			var hint := hint_text(p)
			if not hint.is_empty():
				item["hint"] = hint
			var usage: int = p["usage"]
			if not usage & PROPERTY_USAGE_EDITOR:
				item["inspector"] = false
			var default_value: Variant = ClassDB.class_get_property_default_value(owner, p["name"])
			if default_value != null:
				item["default"] = VariantJson.to_json(default_value)
			if owner != name:
				item["class"] = owner
			items.append(item)
	return ok(_limited({"class": name}, "properties", items, params.get("limit", LIMIT_DEFAULT)))


## [code]list_class_signals[/code] [code]{class, filter?, inherited?, limit?}[/code]: signals
## with their argument names and types.
func cmd_list_class_signals(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		return _unknown(name)
	var filter: String = params.get("filter", "")
	var items: Array[Dictionary] = []
	for owner: String in _owners(name, params.get("inherited", false)):
		var signals := ClassDB.class_get_signal_list(owner, true)
		signals.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return str(a["name"]) < str(b["name"]))
		for s: Dictionary in signals:
			if not _matches(str(s["name"]), filter):
				continue
			var args: PackedStringArray = []
			for arg: Dictionary in s["args"]:
				args.append("%s: %s" % [arg["name"], type_name(arg)])
			var item := {"name": str(s["name"]), "signature": "%s(%s)" % [s["name"], ", ".join(args)],
					"arg_count": args.size()}
			if owner != name:
				item["class"] = owner
			items.append(item)
	return ok(_limited({"class": name}, "signals", items, params.get("limit", LIMIT_DEFAULT)))


## [code]list_class_constants[/code] [code]{class, filter?, inherited?, limit?}[/code]: enums
## with their values, and the integer constants outside any enum.
func cmd_list_class_constants(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		return _unknown(name)
	var filter: String = params.get("filter", "")
	var limit: int = params.get("limit", LIMIT_DEFAULT)
	var enums: Array[Dictionary] = []
	var constants := {}
	var total := 0
	for owner: String in _owners(name, params.get("inherited", false)):
		var in_enum := {}
		for e: String in ClassDB.class_get_enum_list(owner, true):
			var values := {}
			var names := ClassDB.class_get_enum_constants(owner, e, true)
			for c: String in names:
				in_enum[c] = true
			var enum_matches := _matches(e, filter)
			for c: String in names:
				if enum_matches or _matches(c, filter):
					values[c] = ClassDB.class_get_integer_constant(owner, c)
			if values.is_empty():
				continue
			total += 1
			if enums.size() + constants.size() >= limit:
				continue
			var item := {"name": e, "values": values}
			if owner != name:
				item["class"] = owner
			if ClassDB.is_class_enum_bitfield(owner, e, true):
				item["bitfield"] = true
			enums.append(item)
		for c: String in ClassDB.class_get_integer_constant_list(owner, true):
			if in_enum.has(c) or not _matches(c, filter) or constants.has(c):
				continue
			total += 1
			if enums.size() + constants.size() >= limit:
				continue
			constants[c] = ClassDB.class_get_integer_constant(owner, c)
	return ok({"class": name, "enums": enums, "constants": constants,
			"count": enums.size() + constants.size(), "total": total,
			"truncated": enums.size() + constants.size() < total})


## [code]get_class_inheritance[/code] [code]{class, limit?}[/code]: the parent chain and the
## direct children (sorted), with the number of all descendants.
func cmd_get_class_inheritance(params: Dictionary) -> Dictionary:
	var name: String = params["class"]
	if not ClassDB.class_exists(name):
		return _unknown(name)
	var descendants := ClassDB.get_inheriters_from_class(name)
	var children: Array[String] = []
	for c: String in descendants:
		if ClassDB.get_parent_class(c) == name:
			children.append(c)
	children.sort()
	var limit: int = params.get("limit", LIMIT_DEFAULT)
	return ok({
		"class": name,
		"ancestors": _ancestors(name),
		"children": children.slice(0, limit),
		"children_total": children.size(),
		"descendants_total": descendants.size(),
		"truncated": children.size() > limit,
	})


## [code]list_classes[/code] [code]{base?, filter?, instantiable?, limit?}[/code]: class names,
## sorted, narrowed by base class, name substring and instantiability.
func cmd_list_classes(params: Dictionary) -> Dictionary:
	var base: String = params.get("base", "")
	if not base.is_empty() and not ClassDB.class_exists(base):
		return _unknown(base)
	var filter: String = params.get("filter", "")
	var instantiable: bool = params.get("instantiable", false)
	var names: PackedStringArray
	if base.is_empty():
		names = ClassDB.get_class_list()
	else:
		names = ClassDB.get_inheriters_from_class(base)
		names.append(base)
	var items: Array[String] = []
	for c: String in names:
		if not _matches(c, filter):
			continue
		if instantiable and not ClassDB.can_instantiate(c):
			continue
		items.append(c)
	items.sort()
	var limit: int = params.get("limit", LIMIT_DEFAULT)
	return ok({"classes": items.slice(0, limit), "count": mini(items.size(), limit),
			"total": items.size(), "truncated": items.size() > limit})


## [code]search_class_members[/code] [code]{query, kinds?, base?, exact?, limit?}[/code]: which
## classes declare a method/property/signal/constant whose name contains the query.
func cmd_search_class_members(params: Dictionary) -> Dictionary:
	var query: String = params["query"]
	var exact: bool = params.get("exact", false)
	var kinds: Array = params.get("kinds", Array(KINDS))
	var base: String = params.get("base", "")
	if not base.is_empty() and not ClassDB.class_exists(base):
		return _unknown(base)
	var classes: PackedStringArray
	if base.is_empty():
		classes = ClassDB.get_class_list()
	else:
		classes = ClassDB.get_inheriters_from_class(base)
		classes.append(base)
	classes.sort()
	var exact_hits: Array[Dictionary] = []
	var other_hits: Array[Dictionary] = []
	for c: String in classes:
		var members := {}
		if "method" in kinds:
			members["method"] = ClassDB.class_get_method_list(c, true).map(
					func(m: Dictionary) -> String: return str(m["name"]))
		if "property" in kinds:
			members["property"] = _properties(c, true).map(
					func(p: Dictionary) -> String: return str(p["name"]))
		if "signal" in kinds:
			members["signal"] = ClassDB.class_get_signal_list(c, true).map(
					func(s: Dictionary) -> String: return str(s["name"]))
		if "constant" in kinds:
			members["constant"] = Array(ClassDB.class_get_integer_constant_list(c, true))
		for kind: String in members:
			for member: String in members[kind]:
				if member.nocasecmp_to(query) == 0:
					exact_hits.append({"class": c, "kind": kind, "name": member})
				elif not exact and member.containsn(query):
					other_hits.append({"class": c, "kind": kind, "name": member})
	var hits := exact_hits + other_hits
	var limit: int = params.get("limit", SEARCH_LIMIT_DEFAULT)
	return ok({"query": query, "matches": hits.slice(0, limit), "count": mini(hits.size(), limit),
			"total": hits.size(), "truncated": hits.size() > limit})


# --------------------------------------------------------------------------------------------
# Shared helpers (resource.gd and animation.gd use them too)


## A readable type name of a property/argument/return [param info] (a PropertyInfo dictionary):
## "int", "Vector2", "Node2D", "Node.ProcessMode", "Array[NodePath]", "Variant", "void".
static func type_name(info: Dictionary) -> String:
	var type: int = info.get("type", TYPE_NIL)
	var cls := str(info.get("class_name", ""))
	var hint: int = info.get("hint", PROPERTY_HINT_NONE)
	var hint_string := str(info.get("hint_string", ""))
	var usage: int = info.get("usage", 0)
	match type:
		TYPE_NIL:
			return "Variant" if usage & PROPERTY_USAGE_NIL_IS_VARIANT else "void"
		TYPE_OBJECT:
			if not cls.is_empty():
				return cls
			if hint == PROPERTY_HINT_RESOURCE_TYPE and not hint_string.is_empty():
				return hint_string
			return "Object"
		TYPE_INT:
			if usage & PROPERTY_USAGE_CLASS_IS_BITFIELD and not cls.is_empty():
				return "BitField[%s]" % cls
			if usage & PROPERTY_USAGE_CLASS_IS_ENUM and not cls.is_empty():
				return cls
		TYPE_ARRAY:
			if hint == PROPERTY_HINT_ARRAY_TYPE and not hint_string.is_empty():
				return "Array[%s]" % _element_type(hint_string)
		TYPE_DICTIONARY:
			if hint == PROPERTY_HINT_DICTIONARY_TYPE and hint_string.contains(";"):
				var parts := hint_string.split(";")
				return "Dictionary[%s, %s]" % [_element_type(parts[0]), _element_type(parts[1])]
	return type_string(type)


## A method [param m] (a ClassDB method dictionary) as "name(arg: Type = default) -> Return",
## prefixed with "static"/"virtual" and suffixed with "const" / "vararg" where they apply.
static func method_signature(m: Dictionary) -> String:
	var args: Array = m.get("args", [])
	var defaults: Array = m.get("default_args", [])
	var first_default := args.size() - defaults.size()
	var parts: PackedStringArray = []
	for i in args.size():
		var arg: Dictionary = args[i]
		var text := "%s: %s" % [arg["name"], type_name(arg)]
		if i >= first_default:
			text += " = " + var_to_str(defaults[i - first_default])
		parts.append(text)
	var flags: int = m.get("flags", 0)
	if flags & METHOD_FLAG_VARARG:
		parts.append("...")
	var text := "%s(%s) -> %s" % [m["name"], ", ".join(parts), type_name(m.get("return", {}))]
	if flags & METHOD_FLAG_STATIC:
		text = "static " + text
	if flags & METHOD_FLAG_VIRTUAL:
		text = "virtual " + text
	if flags & METHOD_FLAG_CONST:
		text += " const"
	return text


## The type name of property [param p] of [param owner]: an int property whose setter takes an
## enum or bitfield is named by it ("Node.ProcessMode"), as the class reference does.
static func _property_type(owner: String, p: Dictionary) -> String:
	var plain := type_name(p)
	if int(p["type"]) != TYPE_INT or plain != "int":
		return plain
	var setter := ClassDB.class_get_property_setter(owner, p["name"])
	if setter.is_empty():
		return plain
	for m: Dictionary in ClassDB.class_get_method_list(owner, true):
		if m["name"] == setter:
			var args: Array = m.get("args", [])
			return type_name(args[args.size() - 1]) if not args.is_empty() else plain
	return plain


## "range:0,1,0.01", "enum:A,B,C", "layers_2d_physics"... or "" for a property [param info].
static func hint_text(info: Dictionary) -> String:
	var hint: int = info.get("hint", PROPERTY_HINT_NONE)
	if not HINT_NAMES.has(hint):
		return ""
	var text: String = HINT_NAMES[hint]
	var hint_string := str(info.get("hint_string", ""))
	if hint in HINTS_WITH_TEXT and not hint_string.is_empty():
		if hint_string.length() > HINT_CHARS:
			hint_string = hint_string.substr(0, HINT_CHARS) + "..."
		text += ":" + hint_string
	return text


## The real properties of [param cls] (no categories, groups, subgroups).
static func _properties(cls: String, own_only: bool) -> Array[Dictionary]:
	var out: Array[Dictionary] = []
	for p: Dictionary in ClassDB.class_get_property_list(cls, own_only):
		var usage: int = p["usage"]
		if usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP):
			continue
		out.append(p)
	return out


## [param cls]'s parents, nearest first.
static func _ancestors(cls: String) -> Array[String]:
	var out: Array[String] = []
	var parent := ClassDB.get_parent_class(cls)
	while not parent.is_empty():
		out.append(parent)
		parent = ClassDB.get_parent_class(parent)
	return out


## [param cls] alone, or with its ancestors when [param inherited].
static func _owners(cls: String, inherited: bool) -> Array[String]:
	var out: Array[String] = [cls]
	if inherited:
		out.append_array(_ancestors(cls))
	return out


static func _matches(name: String, filter: String) -> bool:
	return filter.is_empty() or name.containsn(filter)


static func _api(cls: String) -> String:
	var api: int = ClassDB.class_get_api_type(cls)
	return API_NAMES[api] if api >= 0 and api < API_NAMES.size() else str(api)


## The element type of a typed array hint string ("NodePath", or "24/17:Texture2D").
static func _element_type(hint_string: String) -> String:
	var colon := hint_string.find(":")
	if colon == -1:
		return hint_string
	var head := hint_string.substr(0, colon)
	var type := head.get_slice("/", 0)
	if type.is_valid_int() and int(type) != TYPE_OBJECT and int(type) < TYPE_MAX:
		return type_string(int(type))
	return hint_string.substr(colon + 1)


## The global script class (class_name) [param name] as ProjectSettings lists it, or {}.
static func _script_class(name: String) -> Dictionary:
	for info: Dictionary in ProjectSettings.get_global_class_list():
		if str(info["class"]) == name:
			return info
	return {}


## A script class's bases up to and including the native class, nearest first.
static func _script_ancestors(name: String) -> Array[String]:
	var out: Array[String] = []
	var current := name
	for i in 64:
		var info := _script_class(current)
		if info.is_empty():
			break
		current = str(info["base"])
		out.append(current)
		if ClassDB.class_exists(current):
			out.append_array(_ancestors(current))
			break
	return out


static func _native_base(name: String) -> String:
	for c: String in _script_ancestors(name):
		if ClassDB.class_exists(c):
			return c
	return "Object"


## Adds [param items] (cut to [param limit]) under [param key] to [param result], with
## count/total/truncated.
static func _limited(result: Dictionary, key: String, items: Array, limit: int) -> Dictionary:
	result[key] = items.slice(0, limit)
	result["count"] = mini(items.size(), limit)
	result["total"] = items.size()
	result["truncated"] = items.size() > limit
	return result


## The not_found failure for an unknown class, with close names.
func _unknown(name: String) -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND, unknown_class_message(name))


## "no class 'X' ..." with up to SUGGESTIONS similar class names.
static func unknown_class_message(name: String) -> String:
	var scored: Array = []
	for c: String in ClassDB.get_class_list():
		var score := c.similarity(name)
		if c.nocasecmp_to(name) == 0:
			score = 2.0
		elif c.containsn(name) or name.containsn(c):
			score = maxf(score, SUGGEST_SIMILARITY + 0.01)
		if score >= SUGGEST_SIMILARITY:
			scored.append([score, c])
	scored.sort_custom(func(a: Array, b: Array) -> bool: return a[0] > b[0])
	var close: PackedStringArray = []
	for pair: Array in scored.slice(0, SUGGESTIONS):
		close.append(pair[1])
	for t in TYPE_MAX:
		if t != TYPE_NIL and t != TYPE_OBJECT and type_string(t) == name:
			return "'%s' is a built-in type (a Variant), not an engine class: ClassDB does not describe it; see its page in the Godot class reference" % name
	var message := "no class '%s' in this Godot (class names are case-sensitive)" % name
	if not close.is_empty():
		message += "; did you mean: %s?" % ", ".join(close)
	return message + " (list_classes lists them)"
