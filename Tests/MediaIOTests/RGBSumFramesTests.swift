import CYUVToRGB
import Foundation
import FrameTensor
import Frames
import TestSupport
import Testing

@testable import MediaIO

/// `PixelLayout.rgbSumFromPlanes`: the decoder hands over its 8-bit 4:2:0 planes (or key planes
/// where it cannot), and the keys computed from them are the ffmpeg CLI's R + G + B, byte for
/// byte, whatever the format, size, rotation or chunk length.
@Suite struct RGBSumFramesTests {
  /// The key planes (little-endian `UInt16` bytes) of a chunk's `RGBSumFrames`, the held planes
  /// converted on their own path and, as a cross-check, on the scalar loop.
  static func keyBytes(_ chunk: FrameChunk) throws -> [UInt8] {
    let sums = try #require(chunk.rgbSumFrames)
    #expect(chunk.channels == 0 && chunk.frameSize == 0)
    let (w, h) = (chunk.width, chunk.height)
    var out: [UInt8] = []
    for frame in sums.frames {
      var keys = [UInt16](repeating: 0, count: w * h)
      switch frame {
      case .keys(let plane):
        keys = Array(UnsafeBufferPointer(start: plane, count: w * h))
      case .planes(let y, let u, let v, let strides, let k, let path):
        var c = fs_yuv_rgb_coefficients(
          y_coeff: k[0], y_offset: k[1], u_offset: k[2], v_offset: k[3], vr_coeff: k[4],
          ub_coeff: k[5], ug_coeff: k[6], vg_coeff: k[7])
        func convert(_ path: Int32) -> [UInt16] {
          var out = [UInt16](repeating: 0, count: w * h)
          let status = out.withUnsafeMutableBufferPointer {
            fs_yuv420_to_rgb_sum(
              &c, y, strides.y, u, strides.u, v, strides.v, Int32(w), Int32(h), $0.baseAddress,
              w, path)
          }
          #expect(status == 0)
          return out
        }
        keys = convert(path)
        let scalar = convert(Int32(FS_YUV_PATH_SCALAR))
        #expect(keys == scalar)
      }
      for key in keys {
        out.append(UInt8(key & 0xFF))
        out.append(UInt8(key >> 8))
      }
    }
    return out
  }

  /// Every chunk of `decoder`: the key bytes, and how many frames were held planes.
  static func decodeKeys(_ decoder: VideoDecoder, chunk: Int) throws -> (
    bytes: [UInt8], held: Int, frames: Int, shapes: Set<[Int]>
  ) {
    var bytes: [UInt8] = []
    var held = 0
    var frames = 0
    var shapes: Set<[Int]> = []
    while let next = try decoder.nextChunk(maxFrames: chunk) {
      bytes += try keyBytes(next)
      shapes.insert(Array(next.frames.shape.dropFirst()))
      frames += next.count
      for frame in next.rgbSumFrames?.frames ?? [] {
        if case .planes = frame { held += 1 }
      }
    }
    return (bytes, held, frames, shapes)
  }

  /// Whether this process converts 8-bit 4:2:0 itself (AVX2 and no `FLASHSCAN_CPU=generic`):
  /// only then are planes handed over.
  static var holdsPlanes: Bool { YUVConversionPath.environmentChoice.cValue != nil }

  @Test(arguments: clipRecipes)
  func keysEqualTheCLIs(_ recipe: ClipRecipe) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.\(recipe.fileExtension)")
    try FFmpegCLI.run(["-f", "lavfi", "-i", recipe.source] + recipe.arguments + [path])
    let reference = CLIEquivalenceTests.keyPlanes(try FFmpegCLI.rawRGB24(path))
    for chunk in [1, 4] {
      let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: .rgbSumFromPlanes))
      #expect(decoder.info.layout == .rgbSumFromPlanes)
      let got = try Self.decodeKeys(decoder, chunk: chunk)
      #expect(got.frames == 10)
      #expect(got.shapes == [[decoder.info.height, decoder.info.width, 0]])
      #expect(got.bytes == reference, "\(recipe.name), chunk \(chunk)")
      // Planes are held exactly for the frames the decoder's own converter takes.
      let eligible =
        ["yuv420p", "yuvj420p"].contains(recipe.expectedPixelFormat)
        && decoder.info.width % 2 == 0 && decoder.info.height % 2 == 0 && Self.holdsPlanes
      #expect(got.held == (eligible ? 10 : 0), "\(recipe.name)")
    }
  }

  /// A stream whose frames change size: the first part's frames are held, the later ones
  /// (scaled to the first size, as the CLI does) are key planes, in the same chunks.
  @Test func sizeChangesMixHeldAndWrittenFrames() throws {
    let dir = try TemporaryDirectory()
    let path = try Issue14Media.concatenatedTS(
      sizes: ["320x240", "160x120"], frames: 10, in: dir)
    let reference = CLIEquivalenceTests.keyPlanes(try FFmpegCLI.rawRGB24(path))
    for (threads, chunk) in [(1, 3), (3, 7)] {
      let decoder = try VideoDecoder(
        path: path, options: DecodeOptions(layout: .rgbSumFromPlanes, decoderThreads: threads))
      let got = try Self.decodeKeys(decoder, chunk: chunk)
      #expect(got.shapes == [[240, 320, 0]])
      #expect(got.bytes == reference, "threads \(threads), chunk \(chunk)")
      #expect(got.held == (Self.holdsPlanes ? 10 : 0))
    }
  }

  /// A rotated stream is turned upright on the decoding thread, so its frames are key planes.
  @Test func rotatedFramesAreWrittenUpright() throws {
    let dir = try TemporaryDirectory()
    let plain = dir.file("plain.mp4")
    let rotated = dir.file("rotated.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", plain,
    ])
    try FFmpegCLI.run(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", rotated])
    let reference = CLIEquivalenceTests.keyPlanes(try FFmpegCLI.rawRGB24(rotated))
    let decoder = try VideoDecoder(
      path: rotated, options: DecodeOptions(layout: .rgbSumFromPlanes))
    let got = try Self.decodeKeys(decoder, chunk: 2)
    #expect(got.shapes == [[64, 48, 0]])
    #expect(got.bytes == reference)
    #expect(got.held == 0)
  }

  /// The chunk length counts a key plane's 2 bytes a pixel for each frame, as `.rgbSum` does.
  @Test func chunkLengthCountsTwoBytesAPixel() {
    var info = VideoInfo(
      path: "x", streamIndex: 0, codecName: "h264", width: 1920, height: 1080,
      pixelFormatName: "yuv420p", frameRate: 30, duration: nil, estimatedFrameCount: nil,
      layout: .rgbSumFromPlanes)
    #expect(info.bytesPerFrame == 1920 * 1080 * 2)
    #expect(ScanEngine().chunkFrames(for: info) == 4)
    info.layout = .rgbSum
    #expect(info.bytesPerFrame == 1920 * 1080 * 2)
  }
}
