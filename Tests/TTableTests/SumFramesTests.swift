import CYUVToRGB
import FrameTensor
import Frames
import MediaIO
import TestSupport
import Testing

@testable import TTable

/// The T table from `RGBSumFrames` (`PixelLayout.rgbSumFromPlanes`: held 4:2:0 planes whose keys
/// are computed a strip at a time, mixed with key planes): the same P and N, to the bit, as the
/// Swift kernel on the frames' rgb24 bytes, on every kernel and conversion path; and whole scans
/// of decoded clips equal the key-plane layout's rows whatever the chunks and threads.
@Suite struct SumFramesTests {
  /// swscale's constants for BT.601 limited range (`fs_yuv_rgb_coefficients_make` of its inverse
  /// table), a setting that saturates at both ends.
  static let coefficients: fs_yuv_rgb_coefficients = {
    var c = fs_yuv_rgb_coefficients()
    let inverse: [Int32] = [117489, 138438, 13975, 34925]
    fs_yuv_rgb_coefficients_make(inverse, 0, 0, 1 << 16, 1 << 16, &c)
    return c
  }()

  /// One frame's planes, `pad` bytes past each row.
  struct Planes {
    var y: [UInt8]
    var u: [UInt8]
    var v: [UInt8]
    var strides: (y: Int, u: Int, v: Int)
  }

  static func randomPlanes(width: Int, height: Int, pad: Int, using g: inout SeededGenerator)
    -> Planes
  {
    let (cw, ch) = ((width + 1) / 2, (height + 1) / 2)
    func plane(_ w: Int, _ h: Int) -> [UInt8] {
      (0..<((w + pad) * h + 64)).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
    return Planes(
      y: plane(width, height), u: plane(cw, ch), v: plane(cw, ch),
      strides: (width + pad, cw + pad, cw + pad))
  }

  /// rgb24 bytes of `planes` (the scalar loop, the reference conversion).
  static func rgb(_ p: Planes, width: Int, height: Int) -> [UInt8] {
    var c = coefficients
    var out = [UInt8](repeating: 0, count: width * height * 3)
    let status = out.withUnsafeMutableBufferPointer {
      fs_yuv420_to_rgb24(
        &c, p.y, p.strides.y, p.u, p.strides.u, p.v, p.strides.v, Int32(width), Int32(height),
        $0.baseAddress, width * 3, Int32(FS_YUV_PATH_SCALAR))
    }
    precondition(status == 0)
    return out
  }

  static var conversionPaths: [Int32] {
    [Int32(FS_YUV_PATH_SCALAR), Int32(FS_YUV_PATH_AVX2)].filter { fs_yuv_path_available($0) != 0 }
  }

  /// Sizes that end mid-group, mid-strip and mid-row-pair; one so wide a strip is one row pair,
  /// one so narrow a strip is thousands of rows.
  static let sizes: [(Int, Int)] = [
    (2, 2), (34, 6), (33, 17), (1, 9), (3000, 5), (64, 130), (7, 700),
  ]

  @Test(arguments: sizes.indices)
  func heldPlanesGiveTheReferencePairs(_ index: Int) throws {
    let (width, height) = Self.sizes[index]
    var g = SeededGenerator(seed: UInt64(100 + index))
    let count = 6
    // Frames 0 and 3 move little from their predecessors' planes so the threshold rises slowly
    // in some pairs and fast in others.
    var planes: [Planes] = []
    for f in 0..<count {
      var p = Self.randomPlanes(width: width, height: height, pad: 3 * (f % 2), using: &g)
      if f > 0 && f % 3 == 0 {
        p.u = planes[f - 1].u
        p.v = planes[f - 1].v
        p.strides.u = planes[f - 1].strides.u
        p.strides.v = planes[f - 1].strides.v
      }
      planes.append(p)
    }
    let rgbFrames = planes.map { Self.rgb($0, width: width, height: height) }
    let pixels = width * height
    // Frame 2 is handed over as a key plane (the decoder's fallback), the others as planes.
    var keyPlane = [UInt16](repeating: 0, count: pixels + 32)
    for j in 0..<pixels {
      let r = UInt16(rgbFrames[2][3 * j])
      let g = UInt16(rgbFrames[2][3 * j + 1])
      let b = UInt16(rgbFrames[2][3 * j + 2])
      keyPlane[j] = r + g + b
    }
    let k = Self.coefficients
    let constants = [
      k.y_coeff, k.y_offset, k.u_offset, k.v_offset, k.vr_coeff, k.ub_coeff, k.ug_coeff,
      k.vg_coeff,
    ]
    for topK in [1, 5, 40] {
      let want = KernelPathTests.pairs(
        rgbFrames, pixels: pixels, topK: topK, mode: .mean, path: .swift)
      for conversion in Self.conversionPaths {
        for path in KernelPathTests.cPaths {
          let got = withExtendedLifetime((planes, keyPlane)) { () -> [(p: Double, n: Double)] in
            let frames: [RGBSumFrame] = planes.indices.map { f in
              if f == 2 {
                return keyPlane.withUnsafeBufferPointer { .keys($0.baseAddress!) }
              }
              let p = planes[f]
              return p.y.withUnsafeBufferPointer { y in
                p.u.withUnsafeBufferPointer { u in
                  p.v.withUnsafeBufferPointer { v in
                    .planes(
                      y: y.baseAddress!, u: u.baseAddress!, v: v.baseAddress!,
                      strides: p.strides, coefficients: constants, path: conversion)
                  }
                }
              }
            }
            let kernel = FlashKernel(model: LuminanceModel.shared(.mean), topK: topK, path: path)
            return kernel.pairsOfSumFrames(frames, width: width, height: height)
          }
          #expect(got.count == count - 1)
          let same = zip(got, want).allSatisfy {
            $0.p.bitPattern == $1.p.bitPattern && $0.n.bitPattern == $1.n.bitPattern
          }
          #expect(same, "\(width)x\(height), k \(topK), conversion \(conversion), \(path)")
        }
      }
    }
  }

  /// All rows of a scan of `path` decoded into `layout`.
  static func rows(
    _ path: String, layout: PixelLayout, threads: Int, chunk: Int
  ) throws -> [TRow] {
    let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: layout))
    let options = FlashinatorOptions(threads: threads, chunkFrames: chunk)
    var rows: [TRow] = []
    try Flashinator.scan(decoder, options: options) { rows.append($0) }
    return rows
  }

  /// Decoded clips (held planes; size changes that mix held and written frames; odd sizes that
  /// are all written) give the key-plane layout's rows, bit for bit, on any chunks and threads.
  @Test func scansEqualTheKeyPlaneLayout() throws {
    let dir = try TemporaryDirectory()
    let noisy = dir.file("noisy.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i",
      "testsrc2=size=96x64:rate=25:duration=1.2,noise=alls=30:allf=t,format=yuv420p",
      "-c:v", "libx264", noisy,
    ])
    let odd = dir.file("odd.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=33x17:rate=25:duration=0.4", "-c:v", "ffv1",
      "-pix_fmt", "yuv420p", odd,
    ])
    let joined = try Issue14Media.concatenatedTS(
      sizes: ["160x120", "96x64"], frames: 9, in: dir)
    for path in [noisy, odd, joined] {
      let want = try Self.rows(path, layout: .rgbSum, threads: 1, chunk: 4)
      #expect(want.count > 5)
      for (threads, chunk) in [(1, 1), (2, 3), (3, 7)] {
        let got = try Self.rows(path, layout: .rgbSumFromPlanes, threads: threads, chunk: chunk)
        #expect(got == want, "\(path): threads \(threads), chunk \(chunk)")
      }
    }
  }

  /// Chunks of `RGBSumFrames` feed only the mean mode; any other mode refuses them.
  @Test func otherModesRefuseThem() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x16:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    for mode in [GrayMode.luma, .bt601, .bt709] {
      let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: .rgbSumFromPlanes))
      var options = FlashinatorOptions()
      options.gray = mode
      #expect(throws: FlashinatorError.self) {
        try Flashinator.scan(decoder, options: options) { _ in }
      }
    }
  }
}
