@tool
extends RefCounted
## Encoding of screenshots, shared by the editor (handlers/game.gd) and the game's runtime agent
## (runtime/game_agent.gd): no editor API here, so a game can load it.

## JPEG quality when take_screenshot gives none.
const DEFAULT_JPG_QUALITY := 0.85


## [param image] scaled down to fit max_width/max_height of [param params] (aspect ratio kept)
## and encoded as png (default) or jpg:
## [code]{target, width, height, format, data_base64}[/code].
static func encode(image: Image, target: String, params: Dictionary) -> Dictionary:
	var max_w: int = params.get("max_width", 0)
	var max_h: int = params.get("max_height", 0)
	var scale := 1.0
	if max_w > 0 and image.get_width() > max_w:
		scale = minf(scale, float(max_w) / image.get_width())
	if max_h > 0 and image.get_height() > max_h:
		scale = minf(scale, float(max_h) / image.get_height())
	if scale < 1.0:
		image.resize(maxi(1, roundi(image.get_width() * scale)),
				maxi(1, roundi(image.get_height() * scale)), Image.INTERPOLATE_BILINEAR)
	var format: String = params.get("format", "png")
	var bytes: PackedByteArray
	if format == "jpg":
		bytes = image.save_jpg_to_buffer(float(params.get("quality", DEFAULT_JPG_QUALITY)))
	else:
		bytes = image.save_png_to_buffer()
	return {"target": target, "width": image.get_width(), "height": image.get_height(),
			"format": format, "data_base64": Marshalls.raw_to_base64(bytes)}
