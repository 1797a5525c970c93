import CFFmpeg

/// `frame` when it already has this size and format, else a newly allocated frame with its own
/// buffers, which replaces (and frees) the old one in `frame`. The converter's staging frame and
/// the rotator's output frame are kept across frames this way.
func reusedFrame(
  _ frame: inout UnsafeMutablePointer<AVFrame>?, width: Int, height: Int, format: Int32
) throws -> UnsafeMutablePointer<AVFrame> {
  if let frame, frame.pointee.width == Int32(width), frame.pointee.height == Int32(height),
    frame.pointee.format == format
  {
    return frame
  }
  av_frame_free(&frame)
  guard let fresh = av_frame_alloc() else { throw ConversionError(reason: "out of memory") }
  fresh.pointee.width = Int32(width)
  fresh.pointee.height = Int32(height)
  fresh.pointee.format = format
  if av_frame_get_buffer(fresh, 0) < 0 {
    var f: UnsafeMutablePointer<AVFrame>? = fresh
    av_frame_free(&f)
    throw ConversionError(reason: "out of memory")
  }
  frame = fresh
  return fresh
}
