extends SceneTree
## Stand-in for gdUnit4's command-line tool (addons/gdUnit4/bin/GdUnitCmdTool.gd): takes
## -a PATH, -rd DIR (relative to the project, as gdUnit4 takes it), --ignoreHeadlessMode, writes
## DIR/report_1/results.xml as a real gdUnit4 run did, and exits 100 as gdUnit4 does when a test
## failed.


func _init() -> void:
	var args := OS.get_cmdline_args()
	var at := args.find("-rd")
	# Like gdUnit4, the report directory is taken relative to the project.
	var dir: String = "res://" + (args[at + 1] if at >= 0 and at + 1 < args.size() else "reports")
	print("fake gdUnit4: args ", " ".join(args))
	DirAccess.make_dir_recursive_absolute(dir + "/report_1")
	var out := FileAccess.open(dir + "/report_1/results.xml", FileAccess.WRITE)
	out.store_string(FileAccess.get_file_as_string("res://reports/gdunit4-junit.xml"))
	out.close()
	quit(100)
