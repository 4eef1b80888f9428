@tool
extends "../handler.gd"
## The editor's part of the game category: screenshots of the editor itself. The other game
## commands run in the game's runtime agent (runtime/game_agent.gd); the daemon sends
## take_screenshot here only for the editor targets.

const Screenshot := preload("../screenshot.gd")


## [code]take_screenshot {target: editor_2d|editor_3d|editor, max_width?, max_height?,
## format?, quality?}[/code]: the 2D or 3D viewport of the editor, or its whole window, as
## [code]{target, width, height, format, data_base64}[/code].
func cmd_take_screenshot(params: Dictionary) -> Dictionary:
	var target: String = params.get("target", "editor")
	if DisplayServer.get_name() == "headless":
		return fail(ErrorCodes.NO_RENDERER,
				"this editor runs headless and renders nothing; start the daemon with --display xvfb to take screenshots")
	var viewport: Viewport
	match target:
		"editor_2d":
			viewport = EditorInterface.get_editor_viewport_2d()
		"editor_3d":
			viewport = EditorInterface.get_editor_viewport_3d(0)
		"editor":
			viewport = EditorInterface.get_base_control().get_viewport()
		_:
			return fail(ErrorCodes.INVALID_PARAMS, "target '%s' is not an editor target" % target)
	if viewport == null:
		return fail(ErrorCodes.FAILED, "the editor has no %s viewport" % target)
	var image := viewport.get_texture().get_image()
	if image == null or image.is_empty():
		return fail(ErrorCodes.FAILED, "the %s viewport has no image yet" % target)
	return ok(Screenshot.encode(image, target, params))
