import CFFmpeg
internal import CYUVToRGB
import Foundation
import Frames

/// The rgb24 conversion of 8-bit 4:2:0 frames without swscale: `fs_yuv420_to_rgb24` (CYUVToRGB)
/// does the fixed-point steps of swscale's unscaled converter, 32 pixels at a time with AVX2,
/// where swscale's SSSE3 code does 16 (Docs/Decoding.md, "8-bit 4:2:0 without swscale").
///
/// It is used for a colour setting and frame width only after `ExactnessCheck` has converted
/// frames of that width holding every (U, V) pair and every Y value both ways in this process and
/// found the same bytes; anywhere else (another pixel
/// format, a scaled frame, an odd size, a CPU without AVX2, `FLASHSCAN_CPU=generic`, or a
/// setting whose check failed) swscale converts as before.
enum YUVConversionPath: Sendable, Equatable {
  /// swscale converts every frame.
  case swscale
  /// `fs_yuv420_to_rgb24` with AVX2 where it applies and was checked.
  case avx2
  /// The scalar loop of the same arithmetic (tests only: the reference).
  case scalar

  var cValue: Int32? {
    switch self {
    case .swscale: return nil
    case .avx2: return Int32(FS_YUV_PATH_AVX2)
    case .scalar: return Int32(FS_YUV_PATH_SCALAR)
    }
  }

  /// The path for a `FLASHSCAN_CPU` value (Docs/Benchmarks.md): `generic` keeps swscale, FFmpeg's
  /// own portable code; anything else uses AVX2 when the CPU has it.
  static func choice(forEnvironmentValue value: String?) -> YUVConversionPath {
    if value == "generic" { return .swscale }
    return fs_yuv_path_available(Int32(FS_YUV_PATH_AVX2)) != 0 ? .avx2 : .swscale
  }

  /// This process's choice, from its `FLASHSCAN_CPU` (read once).
  static let environmentChoice = choice(
    forEnvironmentValue: ProcessInfo.processInfo.environment["FLASHSCAN_CPU"])
}

/// One colour setting of a swscale context, as `sws_getColorspaceDetails` reports it, with the
/// source pixel format: what decides the bytes of an unscaled 4:2:0 conversion.
struct ColourSetting: Hashable, Sendable {
  var format: Int32
  var inverseTable: [Int32]
  var table: [Int32]
  var sourceFullRange: Int32
  var destinationFullRange: Int32
  var brightness: Int32
  var contrast: Int32
  var saturation: Int32

  /// The setting `context` converts with now, nil when swscale reports none.
  init?(context: OpaquePointer, format: Int32) {
    var inv: UnsafeMutablePointer<Int32>?
    var tab: UnsafeMutablePointer<Int32>?
    var srcRange: Int32 = 0
    var dstRange: Int32 = 0
    var b: Int32 = 0
    var c: Int32 = 0
    var s: Int32 = 0
    guard sws_getColorspaceDetails(context, &inv, &srcRange, &tab, &dstRange, &b, &c, &s) >= 0,
      let inv, let tab
    else { return nil }
    self.format = format
    inverseTable = (0..<4).map { inv[$0] }
    table = (0..<4).map { tab[$0] }
    sourceFullRange = srcRange
    destinationFullRange = dstRange
    brightness = b
    contrast = c
    saturation = s
  }

  var coefficients: fs_yuv_rgb_coefficients {
    var out = fs_yuv_rgb_coefficients()
    inverseTable.withUnsafeBufferPointer {
      fs_yuv_rgb_coefficients_make(
        $0.baseAddress, sourceFullRange, brightness, contrast, saturation, &out)
    }
    return out
  }

  /// Gives `context` this setting.
  func apply(to context: OpaquePointer) -> Bool {
    inverseTable.withUnsafeBufferPointer { inv in
      table.withUnsafeBufferPointer { tab in
        sws_setColorspaceDetails(
          context, inv.baseAddress, sourceFullRange, tab.baseAddress, destinationFullRange,
          brightness, contrast, saturation) >= 0
      }
    }
  }
}

/// The check behind the fast conversion: for a colour setting and a frame width, frames of that
/// width are converted by swscale (a context made like `FrameConverter`'s, so the same converter
/// runs) and by `fs_yuv420_to_rgb24` and `fs_yuv420_to_rgb_sum`, and the setting is used only
/// when every byte and every R + G + B agrees. Block b
/// (a 2 x 2 block of Y with one U and one V) holds (U, V) = the low 16 bits of b and the four Y
/// values (4 q + k + 16 (b mod 16)) mod 256, k = 0...3, q = b >> 16: at run time 262,144 blocks
/// (a few milliseconds), so every (U, V) pair meets 16 Y values and every Y value 4,096 pairs; the tests
/// run 4,194,304 blocks, every (Y, U, V) triple. Each setting and width is checked once per
/// process and the verdict kept.
enum ExactnessCheck {
  private struct Key: Hashable {
    var setting: ColourSetting
    var path: Int32
    var width: Int
  }
  private static let verdicts = Locked<[Key: Bool]>([:])

  /// Blocks the run-time check converts.
  static let runTimeBlocks = 1 << 18
  /// Blocks that hold every (Y, U, V) triple.
  static let allTriples = 1 << 22

  /// The constants for `setting` on `path` for frames `width` wide when the check passed
  /// (running it the first time).
  static func coefficients(for setting: ColourSetting, path: Int32, width: Int)
    -> fs_yuv_rgb_coefficients?
  {
    let key = Key(setting: setting, path: path, width: width)
    let passed = verdicts.withLock { verdicts -> Bool in
      if let known = verdicts[key] { return known }
      let result =
        (try? matchesSwscale(setting, path: path, width: width, blocks: runTimeBlocks)) ?? false
      verdicts[key] = result
      return result
    }
    return passed ? setting.coefficients : nil
  }

  /// True when swscale and `fs_yuv420_to_rgb24` on `path` write the same bytes for the first
  /// `blocks` blocks in frames `width` (even) wide under `setting`; throws when a frame or
  /// context cannot be made. `constants` replaces the setting's own constants (the tests' way to
  /// show the check can fail).
  static func matchesSwscale(
    _ setting: ColourSetting, path: Int32, width: Int, blocks: Int,
    constants: fs_yuv_rgb_coefficients? = nil
  ) throws -> Bool {
    precondition(width >= 2 && width % 2 == 0 && blocks > 0)
    let rows = 32
    let chromaWidth = width / 2
    let blocksPerFrame = chromaWidth * (rows / 2)
    guard
      let sws = fs_sws_create(
        Int32(width), Int32(rows), setting.format, Int32(width), Int32(rows),
        AV_PIX_FMT_RGB24.rawValue, SWS_BICUBIC, 1)
    else { throw ConversionError(reason: "cannot make the check's swscale context") }
    defer { sws_freeContext(sws) }
    guard setting.apply(to: sws) else {
      throw ConversionError(reason: "cannot give the check's context its colour setting")
    }
    var source: UnsafeMutablePointer<AVFrame>?
    var converted: UnsafeMutablePointer<AVFrame>?
    defer {
      av_frame_free(&source)
      av_frame_free(&converted)
    }
    let src = try reusedFrame(&source, width: width, height: rows, format: setting.format)
    let out = try reusedFrame(
      &converted, width: width, height: rows, format: AV_PIX_FMT_RGB24.rawValue)
    let rowBytes = width * 3
    let ours = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes * rows)
    defer { ours.deallocate() }
    let sums = UnsafeMutablePointer<UInt16>.allocate(capacity: width * rows)
    defer { sums.deallocate() }
    var coefficients = constants ?? setting.coefficients
    let yPlane = fs_frame_plane(src, 0)!
    let uPlane = fs_frame_plane(src, 1)!
    let vPlane = fs_frame_plane(src, 2)!
    let yStride = Int(fs_frame_linesize(src, 0))
    let uStride = Int(fs_frame_linesize(src, 1))
    let vStride = Int(fs_frame_linesize(src, 2))
    let outStride = Int(fs_frame_linesize(out, 0))
    var first = 0
    while first < blocks {
      for cy in 0..<(rows / 2) {
        for cx in 0..<chromaWidth {
          let b = (first + cy * chromaWidth + cx) % blocks
          uPlane[cy * uStride + cx] = UInt8(truncatingIfNeeded: b)
          vPlane[cy * vStride + cx] = UInt8(truncatingIfNeeded: b >> 8)
          let y0 = 4 * (b >> 16) + 16 * (b & 15)
          let top = 2 * cy * yStride + 2 * cx
          yPlane[top] = UInt8(truncatingIfNeeded: y0)
          yPlane[top + 1] = UInt8(truncatingIfNeeded: y0 + 1)
          yPlane[top + yStride] = UInt8(truncatingIfNeeded: y0 + 2)
          yPlane[top + yStride + 1] = UInt8(truncatingIfNeeded: y0 + 3)
        }
      }
      first += blocksPerFrame
      guard
        fs_sws_scale_frame_to(sws, src, fs_frame_plane(out, 0), Int32(outStride)) == Int32(rows)
      else { throw ConversionError(reason: "swscale did not convert the check's frame") }
      let status = fs_yuv420_to_rgb24(
        &coefficients, yPlane, yStride, uPlane, uStride, vPlane, vStride, Int32(width),
        Int32(rows), ours, rowBytes, path)
      guard status == 0 else { return false }
      let theirs = fs_frame_plane(out, 0)!
      for row in 0..<rows
      where memcmp(theirs + row * outStride, ours + row * rowBytes, rowBytes) != 0 {
        return false
      }
      // The key plane (`PixelLayout.rgbSum`) from the same planes: R + G + B of swscale's bytes.
      guard
        fs_yuv420_to_rgb_sum(
          &coefficients, yPlane, yStride, uPlane, uStride, vPlane, vStride, Int32(width),
          Int32(rows), sums, width, path) == 0
      else { return false }
      for row in 0..<rows {
        let bytes = theirs + row * outStride
        for x in 0..<width
        where sums[row * width + x]
          != UInt16(bytes[3 * x]) + UInt16(bytes[3 * x + 1]) + UInt16(bytes[3 * x + 2])
        {
          return false
        }
      }
    }
    return true
  }
}
