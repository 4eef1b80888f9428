@tool
extends EditorImportPlugin
## Imports [code].slow[/code] files, each taking as many milliseconds of the editor's main
## thread as the file's text says: a stand-in for a large texture or model whose first import
## keeps the editor busy for minutes.


func _get_importer_name() -> String:
	return "godotd_tests.slow"


func _get_visible_name() -> String:
	return "Slow (godotd tests)"


func _get_recognized_extensions() -> PackedStringArray:
	return PackedStringArray(["slow"])


func _get_save_extension() -> String:
	return "res"


func _get_resource_type() -> String:
	return "Resource"


func _get_preset_count() -> int:
	return 1


func _get_preset_name(_preset_index: int) -> String:
	return "Default"


func _get_import_options(_path: String, _preset_index: int) -> Array[Dictionary]:
	return []


func _get_import_order() -> int:
	return 0


func _get_priority() -> float:
	return 1.0


func _get_option_visibility(_path: String, _option_name: StringName, _options: Dictionary) -> bool:
	return true


func _import(source_file: String, save_path: String, _options: Dictionary,
		_platform_variants: Array[String], _gen_files: Array[String]) -> Error:
	var busy_msec := FileAccess.get_file_as_string(source_file).strip_edges().to_int()
	print("busy_fixtures: importing %s for %d ms" % [source_file, busy_msec])
	var until := Time.get_ticks_msec() + busy_msec
	while Time.get_ticks_msec() < until:
		OS.delay_msec(5)
	return ResourceSaver.save(Resource.new(), "%s.%s" % [save_path, _get_save_extension()])
