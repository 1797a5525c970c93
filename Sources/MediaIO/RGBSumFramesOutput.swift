import CFFmpeg
internal import CYUVToRGB
import Frames

/// The decoder's output of `PixelLayout.rgbSumFromPlanes`: each 8-bit 4:2:0 frame the converter
/// may convert itself (`FrameConverter.checkedYUV420`: a colour setting checked against swscale,
/// even size, not scaled, not rotated) is held by reference (`av_frame_clone`: no copy and no
/// conversion on the decoding thread) with its constants; any other frame is written as a key
/// plane on the decoding thread, as `.rgbSum` does.
final class RGBSumFramesOutput {
  /// References to the decoder's frames and the key planes written for the others
  /// (SourcePlanesOutput.swift's holder, released with the last copy of the chunk).
  private var held = HeldFrames()
  private var frames: [RGBSumFrame] = []

  func begin() {
    held = HeldFrames()
    frames = []
  }

  /// Adds `frame` (as decoded): held, with `constants`, when they are given; else its key plane
  /// of `size`, written by `convert`.
  func add(
    _ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize,
    constants: (fs_yuv_rgb_coefficients, Int32)?,
    convert: (UnsafeMutablePointer<UInt8>) throws -> Void
  ) throws {
    if let (c, path) = constants {
      guard let clone = av_frame_clone(frame) else {
        throw ConversionError(reason: "out of memory holding a decoded frame")
      }
      held.frames.append(clone)
      guard let y = fs_frame_plane(clone, 0), let u = fs_frame_plane(clone, 1),
        let v = fs_frame_plane(clone, 2)
      else { throw ConversionError(reason: "a decoded 4:2:0 frame without its planes") }
      frames.append(
        .planes(
          y: UnsafePointer(y), u: UnsafePointer(u), v: UnsafePointer(v),
          strides: (
            Int(fs_frame_linesize(clone, 0)), Int(fs_frame_linesize(clone, 1)),
            Int(fs_frame_linesize(clone, 2))
          ),
          coefficients: [
            c.y_coeff, c.y_offset, c.u_offset, c.v_offset, c.vr_coeff, c.ub_coeff, c.ug_coeff,
            c.vg_coeff,
          ], path: path))
      return
    }
    // 64 bytes of slack past the plane, as the chunks have, for whole-vector reads.
    let plane = UnsafeMutableRawPointer.allocate(
      byteCount: size.width * size.height * 2 + 64, alignment: MemoryLayout<UInt16>.alignment)
    do {
      try convert(plane.assumingMemoryBound(to: UInt8.self))
    } catch {
      plane.deallocate()
      throw error
    }
    held.converted.append(plane)
    frames.append(.keys(UnsafePointer(plane.assumingMemoryBound(to: UInt16.self))))
  }

  /// The chunk's first `count` frames.
  func finish(count: Int) -> RGBSumFrames {
    let result = RGBSumFrames(frames: Array(frames.prefix(count)), owner: held)
    held = HeldFrames()
    frames = []
    return result
  }
}
