@tool
extends RefCounted
## Routes [code]request[/code] messages to command handlers and builds their responses.
##
## The dispatch table comes from the registry copy this addon ships
## ([code]commands.gen.json[/code], generated from [code]schema/commands/*.json[/code]): each
## command of category [code]C[/code] is the method [code]cmd_<name>[/code] of
## [code]handlers/C.gd[/code] (a handler.gd). A registry entry without a method, or a
## [code]cmd_[/code] method without an entry, is reported by [method mismatches] (get_status
## shows it; the test suite fails on it).
##
## Before a handler runs, its params are checked against the entry's schema (schema_check.gd)
## and a [code]needs: scene[/code] command gets no_scene when no scene is open. A handler that
## breaks (a script error makes it return null) or returns something malformed still yields a
## response: an [code]internal[/code] error.

const ErrorCodes := preload("error_codes.gd")
const Reply := preload("reply.gd")
const SchemaCheck := preload("schema_check.gd")

## Largest request id accepted: ids travel as JSON numbers (doubles), exact up to 2^53.
const MAX_ID := 9007199254740992
## The registry copy, next to this script.
const REGISTRY_FILE := "commands.gen.json"
## Method prefix of a command's handler.
const METHOD_PREFIX := "cmd_"

## name -> {"spec": registry entry, "module": Object, "method": StringName}
var _commands: Dictionary = {}
## category -> handler module (kept alive here)
var _modules: Dictionary = {}
var _missing: PackedStringArray = []
var _unregistered: PackedStringArray = []
var _load_error: String = ""


## Loads the registry copy and the handler module of each category; [param ctx] (context.gd) is
## given to every module.
func _init(ctx: RefCounted) -> void:
	var base: String = get_script().resource_path.get_base_dir()
	var text := FileAccess.get_file_as_string(base.path_join(REGISTRY_FILE))
	var parsed: Variant = JSON.parse_string(text)
	if typeof(parsed) != TYPE_DICTIONARY or typeof(parsed.get("commands")) != TYPE_ARRAY:
		_load_error = "cannot read %s" % base.path_join(REGISTRY_FILE)
		push_error("godotd: " + _load_error)
		return
	for spec: Dictionary in parsed["commands"]:
		var name: String = spec["name"]
		var category: String = spec["category"]
		if not _modules.has(category):
			_modules[category] = _load_module(base.path_join("handlers/%s.gd" % category), ctx)
		var module: Object = _modules[category]
		var method := StringName(METHOD_PREFIX + name)
		if module == null or not _defines(module, method):
			_missing.append(name)
			continue
		_commands[name] = {"spec": spec, "module": module, "method": method}
	for category: String in _modules:
		var module: Object = _modules[category]
		if module == null:
			continue
		for info: Dictionary in module.get_script().get_script_method_list():
			var method_name: String = info["name"]
			if method_name.begins_with(METHOD_PREFIX) \
					and not _commands.has(method_name.substr(METHOD_PREFIX.length())):
				_unregistered.append("%s.gd:%s" % [category, method_name])
	if not _missing.is_empty() or not _unregistered.is_empty():
		push_error("godotd: registry and handlers differ: %s" % JSON.stringify(mismatches()))


## How the registry copy and the handler files differ: {"commands": n, "missing_handlers":
## [names], "unregistered_handlers": ["file.gd:cmd_x"], "error": ""}.
func mismatches() -> Dictionary:
	return {
		"commands": _commands.size(),
		"missing_handlers": Array(_missing),
		"unregistered_handlers": Array(_unregistered),
		"error": _load_error,
	}


## The registry entry of [param name], or an empty Dictionary.
func spec_of(name: String) -> Dictionary:
	return _commands[name]["spec"] if _commands.has(name) else {}


## The id of a request [param message], or 0 when it has no valid id (a positive integer).
## Such a request cannot be answered.
static func request_id(message: Dictionary) -> int:
	var id: Variant = message.get("id")
	if typeof(id) == TYPE_INT:
		return id if id > 0 and id <= MAX_ID else 0
	if typeof(id) == TYPE_FLOAT:
		var number: float = id
		if number >= 1.0 and number <= MAX_ID and number == floorf(number):
			return int(number)
	return 0


## Handles one request [param message] (already parsed, with a valid id) and returns the
## response message. [param received_usec] is when it came off the socket; the response's
## [code]timing.handle_us[/code] runs from then to now.
func dispatch(message: Dictionary, received_usec: int) -> Dictionary:
	var id := request_id(message)
	var outcome: Dictionary
	if typeof(message.get("command")) != TYPE_STRING:
		outcome = Reply.error(ErrorCodes.INVALID_PARAMS, "the request has no command")
	else:
		outcome = call_command(message["command"], message.get("params"))
	var response := {"type": "response", "id": id, "ok": outcome["ok"]}
	if outcome["ok"]:
		response["result"] = outcome["result"]
	else:
		response["error"] = outcome["error"]
	response["timing"] = {"handle_us": Time.get_ticks_usec() - received_usec}
	return response


## Runs [param command] with [param raw_params] (null = {}): checks, calls the handler, and
## returns its Reply outcome (always well formed).
func call_command(command: String, raw_params: Variant) -> Dictionary:
	# A script error inside _run() aborts it and leaves an empty Dictionary: still answer.
	var outcome := _run(command, raw_params)
	if not Reply.is_well_formed(outcome):
		push_error("godotd: command '%s' failed with a script error" % command)
		return Reply.error(ErrorCodes.INTERNAL,
				"the handler of '%s' failed (see the editor log)" % command)
	return outcome


func _run(command: String, raw: Variant) -> Dictionary:
	if not _commands.has(command):
		if command in _missing:
			return Reply.error(ErrorCodes.INTERNAL, "'%s' has no handler in this addon" % command)
		return Reply.error(ErrorCodes.UNKNOWN_COMMAND, "unknown command '%s'" % command)
	var entry: Dictionary = _commands[command]
	if raw == null:
		raw = {}
	if typeof(raw) != TYPE_DICTIONARY:
		return Reply.error(ErrorCodes.INVALID_PARAMS, "params must be an object")
	var checked := SchemaCheck.check(entry["spec"]["params"], raw)
	if not checked["ok"]:
		return Reply.error(ErrorCodes.INVALID_PARAMS, checked["message"])
	if entry["spec"].get("needs") == "scene" and EditorInterface.get_edited_scene_root() == null:
		return Reply.error(ErrorCodes.NO_SCENE,
				"'%s' needs an open scene: open one with open_scene or create one with new_scene"
				% command)
	var module: Object = entry["module"]
	var outcome: Variant = module.call(entry["method"], checked["value"])
	if not Reply.is_well_formed(outcome):
		return Reply.error(ErrorCodes.INTERNAL,
				"the handler of '%s' failed (see the editor log)" % command)
	return outcome


static func _load_module(path: String, ctx: RefCounted) -> Object:
	if not ResourceLoader.exists(path):
		push_error("godotd: no handler file %s" % path)
		return null
	var script: GDScript = load(path)
	if script == null or not script.can_instantiate():
		push_error("godotd: handler file %s does not compile" % path)
		return null
	var module: Object = script.new()
	module.set("ctx", ctx)
	return module


## Whether [param module]'s own script (not Object or a base) defines [param method].
static func _defines(module: Object, method: StringName) -> bool:
	for info: Dictionary in module.get_script().get_script_method_list():
		if info["name"] == method:
			return true
	return false
