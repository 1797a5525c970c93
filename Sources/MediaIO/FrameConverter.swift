import CFFmpeg
internal import CYUVToRGB
import Frames

/// Converts decoded frames into packed 8-bit rows, one frame at a time, straight into the caller's
/// storage.
///
/// RGB24 reproduces the conversion the ffmpeg 5.1 CLI inserts for `-pix_fmt rgb24` (vf_scale):
/// SWS_BICUBIC, the same context options, and per frame the frame's colour matrix and range.
/// The swscale context is re-created whenever a frame's size or pixel format changes.
final class FrameConverter {
  private struct Key: Equatable {
    var srcWidth: Int32
    var srcHeight: Int32
    var srcFormat: Int32
    var dstWidth: Int32
    var dstHeight: Int32
    var dstFormat: Int32
  }

  private var sws: OpaquePointer?
  private var key: Key?
  /// An FFmpeg-allocated frame (padded, aligned rows) used when the destination rows are not a
  /// multiple of 16 bytes: swscale's SIMD paths may write whole 8-pixel blocks past a row's end,
  /// and the CLI converts into padded frames, so converting into the same kind of buffer gives the
  /// same bytes and never writes outside the chunk.
  private var staging: UnsafeMutablePointer<AVFrame>?
  /// rgb24 rows of a frame converted to a key plane through swscale (`convertSum`).
  private var sumScratch: [UInt8] = []

  /// swscale slice threads per conversion (1: the calling thread alone).
  let threads: Int
  /// Whether 8-bit 4:2:0 frames to rgb24 go through `fs_yuv420_to_rgb24` (YUVConversion.swift).
  let yuvPath: YUVConversionPath

  init(threads: Int = 1, yuvPath: YUVConversionPath = .environmentChoice) {
    self.threads = max(1, threads)
    self.yuvPath = yuvPath
  }

  deinit {
    if let sws { sws_freeContext(sws) }
    av_frame_free(&staging)
  }

  /// True when the Y plane of `format` can be copied as 8-bit luma with no conversion.
  static func hasPlainLumaPlane(_ format: Int32) -> Bool {
    guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)) else {
      return false
    }
    let d = descriptor.pointee
    let excluded =
      UInt64(AV_PIX_FMT_FLAG_RGB) | UInt64(AV_PIX_FMT_FLAG_PAL) | UInt64(AV_PIX_FMT_FLAG_HWACCEL)
      | UInt64(AV_PIX_FMT_FLAG_BITSTREAM) | UInt64(AV_PIX_FMT_FLAG_BE)
      | UInt64(AV_PIX_FMT_FLAG_FLOAT)
      | UInt64(AV_PIX_FMT_FLAG_BAYER)
    guard d.flags & excluded == 0 else { return false }
    let y = d.comp.0
    return y.plane == 0 && y.step == 1 && y.offset == 0 && y.shift == 0 && y.depth == 8
  }

  /// Writes `frame` as `size` frame of `layout` at `destination` (rows of width * channels bytes).
  func convert(
    _ frame: UnsafeMutablePointer<AVFrame>, layout: PixelLayout, size: FrameSize,
    into destination: UnsafeMutablePointer<UInt8>
  ) throws {
    let width = Int(frame.pointee.width)
    let height = Int(frame.pointee.height)
    if layout == .luma, size.width == width, size.height == height,
      Self.hasPlainLumaPlane(frame.pointee.format)
    {
      copyPlane(
        from: fs_frame_plane(frame, 0), stride: Int(fs_frame_linesize(frame, 0)),
        rowBytes: width, rows: height, to: destination)
      return
    }
    if layout == .rgbSum {
      try convertSum(frame, size: size, into: destination)
      return
    }
    if layout == .rgb24, try convertYUV420(frame, size: size, into: destination) { return }
    try convert(
      frame, format: layout == .rgb24 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_GRAY8,
      bytesPerPixel: layout == .rgb24 ? 3 : 1, size: size, into: destination)
  }

  /// The constants and path to convert `frame` without swscale with the same bytes, or nil:
  /// an 8-bit 4:2:0 frame (yuv420p, yuvj420p) of even width and height, not scaled, whose colour
  /// setting passed `ExactnessCheck` at this width, on a path this converter may use.
  func checkedYUV420(_ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize) throws -> (
    fs_yuv_rgb_coefficients, Int32
  )? {
    let format = frame.pointee.format
    guard let path = yuvPath.cValue,
      format == AV_PIX_FMT_YUV420P.rawValue || format == AV_PIX_FMT_YUVJ420P.rawValue,
      size.width == Int(frame.pointee.width), size.height == Int(frame.pointee.height),
      size.width % 2 == 0, size.height % 2 == 0, size.width > 0, size.height > 0,
      fs_frame_plane(frame, 0) != nil, fs_frame_plane(frame, 1) != nil,
      fs_frame_plane(frame, 2) != nil
    else { return nil }
    // The context swscale would convert with, given the frame's matrix and range: its colour
    // setting is what the check compared.
    let context = try context(for: frame, size: size, dstFormat: AV_PIX_FMT_RGB24)
    _ = fs_sws_apply_frame_colorspace(context, frame)
    guard let setting = ColourSetting(context: context, format: format),
      let coefficients = ExactnessCheck.coefficients(for: setting, path: path, width: size.width)
    else { return nil }
    return (coefficients, path)
  }

  /// Writes `frame` as rgb24 with `fs_yuv420_to_rgb24` and returns true where that gives
  /// swscale's bytes (`checkedYUV420`); else false, and nothing is written.
  private func convertYUV420(
    _ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize,
    into destination: UnsafeMutablePointer<UInt8>
  ) throws -> Bool {
    guard let (checked, path) = try checkedYUV420(frame, size: size) else { return false }
    var coefficients = checked
    let status = fs_yuv420_to_rgb24(
      &coefficients, fs_frame_plane(frame, 0), Int(fs_frame_linesize(frame, 0)),
      fs_frame_plane(frame, 1), Int(fs_frame_linesize(frame, 1)), fs_frame_plane(frame, 2),
      Int(fs_frame_linesize(frame, 2)), Int32(size.width), Int32(size.height), destination,
      size.width * 3, path)
    return status == 0
  }

  /// Writes `frame` as a key plane (`PixelLayout.rgbSum`: R + G + B of its rgb24 bytes, a
  /// `UInt16` a pixel) at `destination`: straight from the planes where `checkedYUV420` allows,
  /// else from swscale's rgb24 bytes.
  private func convertSum(
    _ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize,
    into destination: UnsafeMutablePointer<UInt8>
  ) throws {
    let keys = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: UInt16.self)
    if let (checked, path) = try checkedYUV420(frame, size: size),
      var coefficients = Optional(checked),
      fs_yuv420_to_rgb_sum(
        &coefficients, fs_frame_plane(frame, 0), Int(fs_frame_linesize(frame, 0)),
        fs_frame_plane(frame, 1), Int(fs_frame_linesize(frame, 1)), fs_frame_plane(frame, 2),
        Int(fs_frame_linesize(frame, 2)), Int32(size.width), Int32(size.height), keys,
        size.width, path) == 0
    {
      return
    }
    let bytes = size.width * size.height * 3
    if sumScratch.count < bytes + 64 { sumScratch = [UInt8](repeating: 0, count: bytes + 64) }
    try sumScratch.withUnsafeMutableBufferPointer { scratch in
      try convert(
        frame, format: AV_PIX_FMT_RGB24, bytesPerPixel: 3, size: size, into: scratch.baseAddress!)
      fs_rgb24_to_sum(
        scratch.baseAddress!, size.width * 3, Int32(size.width), Int32(size.height), keys,
        size.width)
    }
  }

  /// Writes `frame` as `size` frame of `dstFormat`, a packed format of `bytesPerPixel` bytes a
  /// pixel, at `destination` (rows of width * bytesPerPixel bytes), through swscale with the
  /// frame's matrix and range.
  func convert(
    _ frame: UnsafeMutablePointer<AVFrame>, format dstFormat: AVPixelFormat, bytesPerPixel: Int,
    size: FrameSize, into destination: UnsafeMutablePointer<UInt8>
  ) throws {
    let context = try context(for: frame, size: size, dstFormat: dstFormat)
    _ = fs_sws_apply_frame_colorspace(context, frame)
    let rowBytes = size.width * bytesPerPixel
    func scale(_ out: UnsafeMutablePointer<UInt8>?, _ stride: Int32) -> Int32 {
      threads > 1
        ? fs_sws_scale_frame_into(
          context, frame, out, stride, Int32(size.width), Int32(size.height), dstFormat.rawValue)
        : fs_sws_scale_frame_to(context, frame, out, stride)
    }
    if rowBytes % 16 == 0 {
      let done = scale(destination, Int32(rowBytes))
      guard done == Int32(size.height) else {
        throw ConversionError(reason: "swscale produced \(done) of \(size.height) rows")
      }
      return
    }
    let stage = try stagingFrame(size: size, format: dstFormat)
    let done = scale(fs_frame_plane(stage, 0), fs_frame_linesize(stage, 0))
    guard done == Int32(size.height) else {
      throw ConversionError(reason: "swscale produced \(done) of \(size.height) rows")
    }
    copyPlane(
      from: fs_frame_plane(stage, 0), stride: Int(fs_frame_linesize(stage, 0)), rowBytes: rowBytes,
      rows: size.height, to: destination)
  }

  private func context(
    for frame: UnsafeMutablePointer<AVFrame>, size: FrameSize, dstFormat: AVPixelFormat
  ) throws -> OpaquePointer {
    let wanted = Key(
      srcWidth: frame.pointee.width, srcHeight: frame.pointee.height,
      srcFormat: frame.pointee.format,
      dstWidth: Int32(size.width), dstHeight: Int32(size.height), dstFormat: dstFormat.rawValue)
    if let sws, key == wanted { return sws }
    if let sws { sws_freeContext(sws) }
    sws = nil
    key = nil
    guard
      let created = fs_sws_create(
        wanted.srcWidth, wanted.srcHeight, wanted.srcFormat, wanted.dstWidth, wanted.dstHeight,
        wanted.dstFormat, SWS_BICUBIC, Int32(threads))
    else {
      let name =
        av_get_pix_fmt_name(AVPixelFormat(rawValue: wanted.srcFormat)).map { String(cString: $0) }
        ?? "?"
      throw ConversionError(
        reason: "cannot convert \(name) \(wanted.srcWidth)x\(wanted.srcHeight) to \(size)")
    }
    sws = created
    key = wanted
    return created
  }

  private func stagingFrame(size: FrameSize, format: AVPixelFormat) throws -> UnsafeMutablePointer<
    AVFrame
  > {
    try reusedFrame(&staging, width: size.width, height: size.height, format: format.rawValue)
  }

  private func copyPlane(
    from source: UnsafeMutablePointer<UInt8>?, stride: Int, rowBytes: Int, rows: Int,
    to destination: UnsafeMutablePointer<UInt8>
  ) {
    guard let source else { return }
    if stride == rowBytes {
      destination.update(from: source, count: rowBytes * rows)
      return
    }
    for row in 0..<rows {
      (destination + row * rowBytes).update(from: source + row * stride, count: rowBytes)
    }
  }
}

struct ConversionError: Error {
  var reason: String
}
