@tool
extends RefCounted
## Routes [code]request[/code] messages to command handlers and builds their responses.
##
## Handlers register here with a params spec; the dispatcher validates params against it (so a
## handler only ever sees well-typed params), times the handler, and turns its outcome (see
## [code]reply.gd[/code]) into exactly one response per request id. A handler that breaks (a
## script error makes it return null) or returns something malformed still yields a response:
## an [code]internal[/code] error.
##
## A params spec maps each param name to [code]{"type": TYPE_*, "required": bool,
## "min": n, "max": n}[/code] ("required", "min", "max" optional). Params not in the spec are
## refused, like the registry's [code]additionalProperties: false[/code]. A [code]TYPE_INT[/code]
## param accepts any JSON number with an integral value and reaches the handler as an int.

const ErrorCodes := preload("error_codes.gd")
const Reply := preload("reply.gd")

## Largest request id accepted: ids travel as JSON numbers (doubles), exact up to 2^53.
const MAX_ID := 9007199254740992

## name -> {"params": Dictionary, "handler": Callable}
var _commands: Dictionary = {}
## The handler modules, kept alive here: a Callable does not keep its object alive.
var _modules: Array[Object] = []


## Registers [param handler] ([code]func(params: Dictionary) -> Dictionary[/code], returning a
## [code]reply.gd[/code] outcome) for [param command], with its [param params] spec. The
## handler's object must stay alive (see [method add_module]).
func register(command: String, params: Dictionary, handler: Callable) -> void:
	assert(not _commands.has(command), "command registered twice: " + command)
	_commands[command] = {"params": params, "handler": handler}


## Keeps [param module] and registers the commands its [code]commands()[/code] method lists,
## each [code]{"name": String, "params": Dictionary, "handler": Callable}[/code].
func add_module(module: Object) -> void:
	_modules.append(module)
	var specs: Array[Dictionary] = module.call("commands")
	for spec: Dictionary in specs:
		var command: String = spec["name"]
		var params: Dictionary = spec["params"]
		var handler: Callable = spec["handler"]
		register(command, params, handler)


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
	# A script error inside _run() aborts it and leaves an empty Dictionary: still answer.
	var outcome := _run(message)
	if not Reply.is_well_formed(outcome):
		push_error("godotd: command '%s' failed with a script error" % str(message.get("command")))
		outcome = Reply.error(ErrorCodes.INTERNAL,
				"the handler of '%s' failed (see the editor log)" % str(message.get("command")))
	var response := {"type": "response", "id": id, "ok": outcome["ok"]}
	if outcome["ok"]:
		response["result"] = outcome["result"]
	else:
		response["error"] = outcome["error"]
	response["timing"] = {"handle_us": Time.get_ticks_usec() - received_usec}
	return response


func _run(message: Dictionary) -> Dictionary:
	if typeof(message.get("command")) != TYPE_STRING:
		return Reply.error(ErrorCodes.INVALID_PARAMS, "the request has no command")
	var command: String = message["command"]
	if not _commands.has(command):
		return Reply.error(ErrorCodes.UNKNOWN_COMMAND, "unknown command '%s'" % command)
	var entry: Dictionary = _commands[command]
	var raw: Variant = message.get("params")
	if raw == null:
		raw = {}
	if typeof(raw) != TYPE_DICTIONARY:
		return Reply.error(ErrorCodes.INVALID_PARAMS, "params must be an object")
	var params: Dictionary = raw
	var spec: Dictionary = entry["params"]
	var checked := _check_params(params, spec)
	if not checked["ok"]:
		return checked
	var handler: Callable = entry["handler"]
	if not handler.is_valid():
		return Reply.error(ErrorCodes.INTERNAL, "the handler of '%s' is gone" % command)
	var outcome: Variant = handler.call(checked["result"])
	if not Reply.is_well_formed(outcome):
		return Reply.error(ErrorCodes.INTERNAL,
				"the handler of '%s' failed (see the editor log)" % command)
	return outcome


## Validates [param params] against [param spec]; returns Reply.ok(converted params) or an
## invalid_params error naming the first bad key.
func _check_params(params: Dictionary, spec: Dictionary) -> Dictionary:
	var converted := {}
	for key: Variant in params:
		if typeof(key) != TYPE_STRING or not spec.has(key):
			return Reply.error(ErrorCodes.INVALID_PARAMS, "unknown param '%s'" % str(key))
	for key: String in spec:
		var rule: Dictionary = spec[key]
		if not params.has(key):
			if rule.get("required", false):
				return Reply.error(ErrorCodes.INVALID_PARAMS, "missing param '%s'" % key)
			continue
		var value: Variant = params[key]
		var wanted: int = rule["type"]
		if wanted == TYPE_INT:
			if typeof(value) == TYPE_FLOAT:
				var number: float = value
				if number == floorf(number) and absf(number) <= MAX_ID:
					value = int(number)
			if typeof(value) != TYPE_INT:
				return Reply.error(ErrorCodes.INVALID_PARAMS, "param '%s' must be an integer" % key)
			var integer: int = value
			var low: int = rule.get("min", -MAX_ID)
			var high: int = rule.get("max", MAX_ID)
			if integer < low or integer > high:
				return Reply.error(ErrorCodes.INVALID_PARAMS,
						"param '%s' must be between %d and %d" % [key, low, high])
		elif typeof(value) != wanted:
			return Reply.error(ErrorCodes.INVALID_PARAMS,
					"param '%s' must be a %s" % [key, _json_type_name(wanted)])
		converted[key] = value
	return Reply.ok(converted)


static func _json_type_name(type: int) -> String:
	match type:
		TYPE_STRING:
			return "string"
		TYPE_BOOL:
			return "boolean"
		TYPE_FLOAT:
			return "number"
		TYPE_DICTIONARY:
			return "object"
		TYPE_ARRAY:
			return "array"
	return type_string(type)
