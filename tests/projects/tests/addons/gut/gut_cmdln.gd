extends SceneTree
## Stand-in for GUT's command-line runner (addons/gut/gut_cmdln.gd): takes its options
## (-gdir, -gtest, -gexit, -gjunit_xml_file=PATH), prints like a run, writes the report a real
## GUT run wrote, and exits 1 as GUT does when a test failed. While res://hang.flag exists it
## never ends (a hung suite).


func _init() -> void:
	var report := ""
	for arg: String in OS.get_cmdline_args():
		if arg.begins_with("-gjunit_xml_file="):
			report = arg.trim_prefix("-gjunit_xml_file=")
	print("fake GUT: args ", " ".join(OS.get_cmdline_args()))
	if FileAccess.file_exists("res://hang.flag"):
		print("fake GUT: a suite hangs")
		while true:
			OS.delay_msec(50)
	var text := FileAccess.get_file_as_string("res://reports/gut-junit.xml")
	var out := FileAccess.open(report, FileAccess.WRITE)
	out.store_string(text)
	out.close()
	printerr("fake GUT: 1 test failed")
	quit(1)
