import CFFmpeg
import Frames

/// The decoded frames a chunk's `SourcePlanes` or `RGBSumFrames` point into: references to the
/// decoder's frames (released with the last copy of the chunk), and the frames converted (16-bit
/// RGB, key planes) for those whose planes cannot be handed over as they are.
final class HeldFrames {
  var frames: [UnsafeMutablePointer<AVFrame>?] = []
  var converted: [UnsafeMutableRawPointer] = []

  deinit {
    for i in frames.indices { av_frame_free(&frames[i]) }
    for buffer in converted { buffer.deallocate() }
  }
}

/// The decoder's output of `FrameChunk.sourcePlanes` (`DecodeOptions.sourcePlanes`): each
/// frame's planes by reference (`av_frame_clone`: no copy, no conversion on the decoding thread)
/// with the tables of its matrix and range; a frame the plane reader does not take (another
/// format, a frame scaled to the first frame's size, a rotated stream) is converted to 16-bit RGB
/// by `HighPrecisionOutput` instead, with the same results as `FrameChunk.highPrecision`.
final class SourcePlanesOutput {
  private let rotation: DisplayRotation
  private let converter: HighPrecisionOutput
  private var reader: PlaneReader?
  private var readerKey: [Int] = []
  private var held = HeldFrames()
  private var frames: [PlaneFrame] = []

  init(rotation: DisplayRotation) {
    self.rotation = rotation
    converter = HighPrecisionOutput(rotation: rotation)
  }

  /// Bytes a frame of `format` at the upright `size` holds: its planes (2 bytes a sample) when
  /// they are handed over as they are, else 6 a pixel.
  static func bytesPerFrame(format: Int32, size: FrameSize, rotation: DisplayRotation) -> Int {
    let (w, h) = (size.width, size.height)
    guard rotation == .none, PlaneReader.accepts(format: format),
      let d = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format))?.pointee
    else { return w * h * 6 }
    let cw = -((-w) >> Int(d.log2_chroma_w))
    let ch = -((-h) >> Int(d.log2_chroma_h))
    return (w * h + 2 * cw * ch) * 2
  }

  func begin() {
    held = HeldFrames()
    frames = []
  }

  /// Adds `frame` (as decoded), delivered upright at `size`.
  func add(_ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize) throws {
    if rotation == .none {
      let key = [
        Int(frame.pointee.format), Int(frame.pointee.width), Int(frame.pointee.height),
        Int(frame.pointee.colorspace.rawValue), Int(frame.pointee.color_range.rawValue),
        size.width, size.height,
      ]
      if key != readerKey {
        reader = PlaneReader(frame: frame, size: size)
        readerKey = key
      }
      if let reader {
        guard let clone = av_frame_clone(frame) else {
          throw ConversionError(reason: "out of memory holding a decoded frame")
        }
        held.frames.append(clone)
        frames.append(reader.planeFrame(clone))
        return
      }
    }
    let samples = size.width * size.height * 3
    let buffer = UnsafeMutableRawPointer.allocate(
      byteCount: samples * 2, alignment: MemoryLayout<UInt16>.alignment)
    do {
      try converter.convert(frame, size: size, into: buffer)
    } catch {
      buffer.deallocate()
      throw error
    }
    held.converted.append(buffer)
    frames.append(
      PlaneFrame(
        rgb16: UnsafeRawPointer(buffer), stride: size.width * 6, width: size.width,
        height: size.height))
  }

  /// The chunk's first `count` frames.
  func finish(count: Int) -> SourcePlanes {
    let result = SourcePlanes(frames: Array(frames.prefix(count)), owner: held)
    held = HeldFrames()
    frames = []
    return result
  }
}
