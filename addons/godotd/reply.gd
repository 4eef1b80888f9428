@tool
extends RefCounted
## What a command handler returns: [method ok] with a result, or [method error] with a code.
##
## The dispatcher turns either into the protocol's response message.

const ErrorCodes := preload("error_codes.gd")


## A successful outcome carrying [param result] (the response's [code]result[/code]).
static func ok(result: Dictionary) -> Dictionary:
	return {"ok": true, "result": result}


## A failed outcome: [param code] is one of [code]error_codes.gd[/code], [param message] says why
## for a person.
static func error(code: String, message: String) -> Dictionary:
	return {"ok": false, "error": {"code": code, "message": message}}


## Whether [param outcome] has the shape [method ok] or [method error] gives.
static func is_well_formed(outcome: Variant) -> bool:
	if typeof(outcome) != TYPE_DICTIONARY:
		return false
	var dict: Dictionary = outcome
	if typeof(dict.get("ok")) != TYPE_BOOL:
		return false
	if dict["ok"]:
		return typeof(dict.get("result")) == TYPE_DICTIONARY
	if typeof(dict.get("error")) != TYPE_DICTIONARY:
		return false
	var err: Dictionary = dict["error"]
	return typeof(err.get("code")) == TYPE_STRING and typeof(err.get("message")) == TYPE_STRING
