import CFFmpeg
import CYUVToRGB
import Foundation
import Frames
import Testing

@testable import MediaIO

/// The rgb24 conversion without swscale (YUVConversion.swift, CYUVToRGB): its bytes against
/// swscale's for every (Y, U, V) triple, its AVX2 and scalar loops against each other, and
/// `FrameConverter` with and without it.
@Suite struct YUVConversionTests {
  /// A colour setting as `FrameConverter` gives a context: the matrix `colorspace` (an
  /// AVColorSpace value) and the range, on `format`.
  static func setting(format: AVPixelFormat, colorspace: Int32, fullRange: Bool) throws
    -> ColourSetting
  {
    let context = try #require(
      fs_sws_create(64, 48, format.rawValue, 64, 48, AV_PIX_FMT_RGB24.rawValue, SWS_BICUBIC, 1))
    defer { sws_freeContext(context) }
    let frame = try #require(av_frame_alloc())
    defer {
      var f: UnsafeMutablePointer<AVFrame>? = frame
      av_frame_free(&f)
    }
    frame.pointee.colorspace = AVColorSpace(rawValue: UInt32(colorspace))
    frame.pointee.color_range = fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
    #expect(fs_sws_apply_frame_colorspace(context, frame) >= 0)
    return try #require(ColourSetting(context: context, format: format.rawValue))
  }

  static let settings: [(String, AVPixelFormat, Int32, Bool)] = [
    ("BT.601 limited", AV_PIX_FMT_YUV420P, Int32(AVCOL_SPC_BT470BG.rawValue), false),
    ("BT.709 limited", AV_PIX_FMT_YUV420P, Int32(AVCOL_SPC_BT709.rawValue), false),
    ("BT.709 full", AV_PIX_FMT_YUV420P, Int32(AVCOL_SPC_BT709.rawValue), true),
    ("BT.2020 limited", AV_PIX_FMT_YUV420P, Int32(AVCOL_SPC_BT2020_NCL.rawValue), false),
    ("yuvj420p BT.601 full", AV_PIX_FMT_YUVJ420P, Int32(AVCOL_SPC_BT470BG.rawValue), true),
    ("FCC limited", AV_PIX_FMT_YUV420P, Int32(AVCOL_SPC_FCC.rawValue), false),
  ]

  static var paths: [YUVConversionPath] {
    fs_yuv_path_available(Int32(FS_YUV_PATH_AVX2)) != 0 ? [.scalar, .avx2] : [.scalar]
  }

  @Test("every (Y, U, V) triple converts to swscale's bytes", arguments: 0..<settings.count)
  func exhaustive(index: Int) throws {
    let (name, format, colorspace, full) = Self.settings[index]
    let setting = try Self.setting(format: format, colorspace: colorspace, fullRange: full)
    for path in Self.paths {
      #expect(
        try ExactnessCheck.matchesSwscale(
          setting, path: path.cValue!, width: 1024, blocks: ExactnessCheck.allTriples),
        "\(name), \(path)")
    }
  }

  @Test("the run-time check passes at the widths frames come in, 16-pixel multiples or not")
  func runTimeCheckAtWidths() throws {
    let setting = try Self.setting(
      format: AV_PIX_FMT_YUV420P, colorspace: Int32(AVCOL_SPC_BT709.rawValue), fullRange: false)
    for width in [2, 34, 40, 854, 1080, 1920] {
      for path in Self.paths {
        #expect(
          try ExactnessCheck.matchesSwscale(
            setting, path: path.cValue!, width: width, blocks: ExactnessCheck.runTimeBlocks),
          "width \(width), \(path)")
      }
    }
  }

  @Test("the check fails for constants that are one step off")
  func checkCanFail() throws {
    let setting = try Self.setting(
      format: AV_PIX_FMT_YUV420P, colorspace: Int32(AVCOL_SPC_BT709.rawValue), fullRange: false)
    // (vg_coeff - 1 alone changes no byte for BT.709: no product V' vg crosses a multiple of
    // 65,536 by the one step; 16 steps do.)
    for change in [
      { (c: inout fs_yuv_rgb_coefficients) in c.y_coeff += 1 },
      { (c: inout fs_yuv_rgb_coefficients) in c.vg_coeff -= 16 },
      { (c: inout fs_yuv_rgb_coefficients) in c.y_offset += 1 },
    ] {
      var constants = setting.coefficients
      change(&constants)
      #expect(
        try !ExactnessCheck.matchesSwscale(
          setting, path: Int32(FS_YUV_PATH_SCALAR), width: 64,
          blocks: ExactnessCheck.runTimeBlocks, constants: constants))
    }
  }

  @Test("AVX2 and scalar write the same bytes, saturating settings and odd sizes included")
  func avx2MatchesScalar() throws {
    try #require(fs_yuv_path_available(Int32(FS_YUV_PATH_AVX2)) != 0, "no AVX2 on this CPU")
    var generator = SystemRandomNumberGenerator()
    let tables: [[Int32]] = [[117489, 138438, 13975, 34925], [104597, 132201, 25675, 53279]]
    for (w, h) in [(1, 1), (31, 3), (32, 2), (33, 5), (64, 4), (95, 7), (130, 9)] {
      for table in tables {
        // (full range, brightness, contrast, saturation): the default ones, and ones whose
        // constants make the 16-bit sums saturate.
        let adjustments: [(Int32, Int32, Int32, Int32)] = [
          (0, 0, 65536, 65536), (1, 0, 65536, 65536), (0, -100, 196_608, 262_144),
          (1, 200, 32768, 458_752),
        ]
        for (full, brightness, contrast, saturation) in adjustments {
          var c = fs_yuv_rgb_coefficients()
          table.withUnsafeBufferPointer {
            fs_yuv_rgb_coefficients_make($0.baseAddress, full, brightness, contrast, saturation, &c)
          }
          let cw = (w + 1) / 2
          let ch = (h + 1) / 2
          let ys = w + 3
          let cs = cw + 5
          let y = (0..<(ys * h)).map { _ in UInt8.random(in: 0...255, using: &generator) }
          let u = (0..<(cs * ch)).map { _ in UInt8.random(in: 0...255, using: &generator) }
          let v = (0..<(cs * ch)).map { _ in UInt8.random(in: 0...255, using: &generator) }
          var outputs: [[UInt8]] = []
          for path in [FS_YUV_PATH_SCALAR, FS_YUV_PATH_AVX2] {
            var out = [UInt8](repeating: 0, count: w * 3 * h)
            let status = fs_yuv420_to_rgb24(
              &c, y, ys, u, cs, v, cs, Int32(w), Int32(h), &out, w * 3, Int32(path))
            #expect(status == 0)
            outputs.append(out)
          }
          #expect(outputs[0] == outputs[1], "\(w)x\(h) \(table) \(full) \(brightness)")
        }
      }
    }
  }

  @Test("bad arguments are refused, not read")
  func refusesBadArguments() {
    var c = fs_yuv_rgb_coefficients()
    let byte: [UInt8] = [0]
    var out: [UInt8] = [0, 0, 0]
    #expect(
      fs_yuv420_to_rgb24(&c, byte, 1, byte, 1, byte, 1, -1, 1, &out, 3, Int32(FS_YUV_PATH_SCALAR))
        == -1)
    #expect(fs_yuv420_to_rgb24(&c, byte, 1, byte, 1, byte, 1, 1, 1, &out, 3, 99) == -2)
  }

  /// A frame of `format` with smooth gradients and noise, as a decoder would hand it over.
  static func frame(width: Int, height: Int, format: AVPixelFormat, seed: UInt64) throws
    -> UnsafeMutablePointer<AVFrame>
  {
    var frame: UnsafeMutablePointer<AVFrame>?
    let f = try reusedFrame(&frame, width: width, height: height, format: format.rawValue)
    var state = seed
    func next() -> UInt8 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
    for plane in 0..<3 {
      let w = plane == 0 ? width : (width + 1) / 2
      let h = plane == 0 ? height : (height + 1) / 2
      let stride = Int(fs_frame_linesize(f, Int32(plane)))
      let p = fs_frame_plane(f, Int32(plane))!
      for r in 0..<h {
        for x in 0..<w { p[r * stride + x] = UInt8((x * 3 + r * 5) & 255) ^ (next() & 15) }
      }
    }
    return f
  }

  @Test("FrameConverter with the fast path writes swscale's bytes, and falls back where it must")
  func converterAgreesWithSwscale() throws {
    let cases: [(Int, Int, AVPixelFormat, AVColorSpace, AVColorRange)] = [
      (64, 48, AV_PIX_FMT_YUV420P, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG),
      (1920, 1080, AV_PIX_FMT_YUV420P, AVCOL_SPC_UNSPECIFIED, AVCOL_RANGE_UNSPECIFIED),
      (40, 24, AV_PIX_FMT_YUVJ420P, AVCOL_SPC_BT470BG, AVCOL_RANGE_JPEG),
      (34, 18, AV_PIX_FMT_YUV420P, AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG),
      // Odd sizes: swscale converts (its unscaled converter needs an even height).
      (33, 17, AV_PIX_FMT_YUV420P, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG),
      (32, 17, AV_PIX_FMT_YUV420P, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG),
    ]
    for (index, (w, h, format, colorspace, range)) in cases.enumerated() {
      var frame: UnsafeMutablePointer<AVFrame>? = try Self.frame(
        width: w, height: h, format: format, seed: UInt64(index + 1))
      defer { av_frame_free(&frame) }
      frame!.pointee.colorspace = colorspace
      frame!.pointee.color_range = range
      var outputs: [[UInt8]] = []
      for path in [YUVConversionPath.swscale] + Self.paths {
        let converter = FrameConverter(yuvPath: path)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        try out.withUnsafeMutableBufferPointer {
          try converter.convert(
            frame!, layout: .rgb24, size: FrameSize(width: w, height: h), into: $0.baseAddress!)
        }
        outputs.append(out)
      }
      for out in outputs.dropFirst() { #expect(out == outputs[0], "\(w)x\(h) \(format)") }
    }
  }
}
