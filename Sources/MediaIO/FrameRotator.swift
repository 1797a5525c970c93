import CFFmpeg

/// How the ffmpeg CLI turns a stream with a display matrix upright (-autorotate, on by default):
/// `transpose=clock` for 90°, `hflip,vflip` for 180°, `transpose=cclock` for 270°.
public enum DisplayRotation: Int, Sendable, Equatable {
  case none = 0
  case clockwise90 = 90
  case upsideDown = 180
  case counterClockwise90 = 270

  /// The rotation for a clockwise angle from `fs_stream_rotation`; other angles (which the CLI
  /// handles with its `rotate` filter, interpolating) are not applied.
  init(degrees: Double) {
    if abs(degrees - 90) < 1 {
      self = .clockwise90
    } else if abs(degrees - 180) < 1 {
      self = .upsideDown
    } else if abs(degrees - 270) < 1 {
      self = .counterClockwise90
    } else {
      self = .none
    }
  }

  var swapsAxes: Bool { self == .clockwise90 || self == .counterClockwise90 }
}

/// Rotates decoded frames plane by plane in their own pixel format, exactly as vf_transpose and
/// vf_hflip + vf_vflip do, so the RGB conversion that follows sees the same input as the CLI's.
final class FrameRotator {
  let rotation: DisplayRotation
  private var output: UnsafeMutablePointer<AVFrame>?

  init(rotation: DisplayRotation) {
    self.rotation = rotation
  }

  deinit { av_frame_free(&output) }

  /// True when the CLI's filters accept `format` directly (no conversion before rotating):
  /// vf_transpose wants equal horizontal and vertical chroma subsampling; hflip excludes packed
  /// subsampled formats; none takes palettes (transpose), hardware or bitstream formats.
  static func supports(format: Int32, rotation: DisplayRotation) -> Bool {
    guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)) else {
      return false
    }
    let d = descriptor.pointee
    let excluded = UInt64(AV_PIX_FMT_FLAG_HWACCEL) | UInt64(AV_PIX_FMT_FLAG_BITSTREAM)
    if d.flags & excluded != 0 { return false }
    switch rotation {
    case .none: return true
    case .clockwise90, .counterClockwise90:
      return d.flags & UInt64(AV_PIX_FMT_FLAG_PAL) == 0 && d.log2_chroma_w == d.log2_chroma_h
    case .upsideDown:
      return !(d.log2_chroma_w != d.log2_chroma_h && d.comp.0.plane == d.comp.1.plane)
    }
  }

  /// `frame` rotated into an internal frame (valid until the next call), with the same properties.
  func rotate(_ frame: UnsafeMutablePointer<AVFrame>) throws -> UnsafeMutablePointer<AVFrame> {
    let inWidth = Int(frame.pointee.width)
    let inHeight = Int(frame.pointee.height)
    let outWidth = rotation.swapsAxes ? inHeight : inWidth
    let outHeight = rotation.swapsAxes ? inWidth : inHeight
    let out = try outputFrame(width: outWidth, height: outHeight, format: frame.pointee.format)
    guard av_frame_copy_props(out, frame) >= 0 else {
      throw ConversionError(reason: "out of memory")
    }
    let format = AVPixelFormat(rawValue: frame.pointee.format)
    guard let descriptor = av_pix_fmt_desc_get(format) else {
      throw ConversionError(reason: "unknown pixel format")
    }
    var steps: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    withUnsafeMutablePointer(to: &steps) {
      $0.withMemoryRebound(to: Int32.self, capacity: 4) {
        av_image_fill_max_pixsteps($0, nil, descriptor)
      }
    }
    let pixelSteps = [Int(steps.0), Int(steps.1), Int(steps.2), Int(steps.3)]
    let hsub = Int(descriptor.pointee.log2_chroma_w)
    let vsub = Int(descriptor.pointee.log2_chroma_h)
    for plane in 0..<4 {
      guard let source = fs_frame_plane(frame, Int32(plane)),
        fs_frame_linesize(frame, Int32(plane)) != 0,
        let destination = fs_frame_plane(out, Int32(plane))
      else { break }
      let chroma = plane == 1 || plane == 2
      let shiftW = chroma ? hsub : 0
      let shiftH = chroma ? vsub : 0
      func ceilShift(_ v: Int, _ s: Int) -> Int { -((-v) >> s) }
      let step = pixelSteps[plane]
      if descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0 && plane == 1 {
        destination.update(from: source, count: 256 * 4)  // the palette
        continue
      }
      transformPlane(
        source: source, sourceStride: Int(fs_frame_linesize(frame, Int32(plane))),
        destination: destination, destinationStride: Int(fs_frame_linesize(out, Int32(plane))),
        outWidth: ceilShift(outWidth, shiftW), outHeight: ceilShift(outHeight, shiftH),
        inHeight: ceilShift(inHeight, shiftH), inWidth: ceilShift(inWidth, shiftW), step: step)
    }
    return out
  }

  /// Rotates packed pixels (`step` bytes each, rows without padding): the fallback for pixel
  /// formats the CLI would convert before rotating.
  func rotatePacked(
    _ source: UnsafeMutablePointer<UInt8>, width: Int, height: Int, step: Int,
    into destination: UnsafeMutablePointer<UInt8>
  ) {
    let outWidth = rotation.swapsAxes ? height : width
    let outHeight = rotation.swapsAxes ? width : height
    transformPlane(
      source: source, sourceStride: width * step, destination: destination,
      destinationStride: outWidth * step, outWidth: outWidth, outHeight: outHeight,
      inHeight: height,
      inWidth: width, step: step)
  }

  /// One plane: out[y][x] = in[inH-1-x][y] (clockwise), in[x][outH-1-y] (counter-clockwise),
  /// in[inH-1-y][inW-1-x] (180°); `step` bytes a pixel.
  private func transformPlane(
    source: UnsafeMutablePointer<UInt8>, sourceStride: Int,
    destination: UnsafeMutablePointer<UInt8>,
    destinationStride: Int, outWidth: Int, outHeight: Int, inHeight: Int, inWidth: Int, step: Int
  ) {
    for y in 0..<outHeight {
      let row = destination + y * destinationStride
      switch rotation {
      case .none:
        row.update(from: source + y * sourceStride, count: outWidth * step)
      case .upsideDown:
        let from = source + (inHeight - 1 - y) * sourceStride
        for x in 0..<outWidth {
          (row + x * step).update(from: from + (inWidth - 1 - x) * step, count: step)
        }
      case .clockwise90:
        // vf_transpose dir=clock: source read bottom-up, out[y][x] = in[inH-1-x][y].
        for x in 0..<outWidth {
          (row + x * step).update(
            from: source + (inHeight - 1 - x) * sourceStride + y * step, count: step)
        }
      case .counterClockwise90:
        // vf_transpose dir=cclock: destination written bottom-up, out[y][x] = in[x][outH-1-y].
        for x in 0..<outWidth {
          (row + x * step).update(
            from: source + x * sourceStride + (outHeight - 1 - y) * step, count: step)
        }
      }
    }
  }

  private func outputFrame(width: Int, height: Int, format: Int32) throws -> UnsafeMutablePointer<
    AVFrame
  > {
    try reusedFrame(&output, width: width, height: height, format: format)
  }

}
