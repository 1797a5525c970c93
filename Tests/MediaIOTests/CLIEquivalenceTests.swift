import Foundation
import FrameTensor
import MediaIO
import TestSupport
import Testing

/// One generated clip: how ffmpeg encodes it, and what its decoded format must be.
struct ClipRecipe: Sendable, CustomTestStringConvertible {
  var name: String
  var source: String = "testsrc2=size=64x48:rate=25:duration=0.4"
  var fileExtension: String = "mkv"
  var arguments: [String]
  /// The pixel format the decoder must report, so the test really covers that format.
  var expectedPixelFormat: String
  var testDescription: String { name }
}

let clipRecipes: [ClipRecipe] = [
  ClipRecipe(
    name: "h264 yuv420p", fileExtension: "mp4",
    arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p"], expectedPixelFormat: "yuv420p"),
  ClipRecipe(
    name: "h264 BT.709 tagged", fileExtension: "mp4",
    arguments: [
      "-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
      "-color_trc", "bt709",
    ],
    expectedPixelFormat: "yuv420p"),
  ClipRecipe(
    name: "h264 full range", fileExtension: "mp4",
    arguments: ["-c:v", "libx264", "-pix_fmt", "yuvj420p", "-color_range", "pc"],
    expectedPixelFormat: "yuvj420p"),
  ClipRecipe(
    name: "h264 BT.709 full range",
    arguments: [
      "-c:v", "libx264", "-pix_fmt", "yuvj420p", "-color_range", "pc", "-colorspace", "bt709",
    ],
    expectedPixelFormat: "yuvj420p"),
  ClipRecipe(
    name: "h264 10-bit", arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"],
    expectedPixelFormat: "yuv420p10le"),
  ClipRecipe(
    name: "h264 10-bit full range",
    arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-color_range", "pc"],
    expectedPixelFormat: "yuv420p10le"),
  ClipRecipe(
    name: "h264 4:2:2", arguments: ["-c:v", "libx264", "-pix_fmt", "yuv422p"],
    expectedPixelFormat: "yuv422p"),
  ClipRecipe(
    name: "h264 4:4:4", arguments: ["-c:v", "libx264", "-pix_fmt", "yuv444p"],
    expectedPixelFormat: "yuv444p"),
  ClipRecipe(
    name: "ffv1 gray", arguments: ["-c:v", "ffv1", "-pix_fmt", "gray"], expectedPixelFormat: "gray"),
  ClipRecipe(
    name: "ffv1 gray 10-bit", arguments: ["-c:v", "ffv1", "-pix_fmt", "gray10le"],
    expectedPixelFormat: "gray10le"),
  ClipRecipe(
    name: "gif (decoded as bgra)", fileExtension: "gif", arguments: ["-pix_fmt", "pal8"],
    expectedPixelFormat: "bgra"),
  ClipRecipe(
    name: "png pal8 in mkv", arguments: ["-c:v", "png", "-pix_fmt", "pal8"],
    expectedPixelFormat: "pal8"),
  ClipRecipe(
    name: "ffv1 yuva420p (alpha)", arguments: ["-c:v", "ffv1", "-pix_fmt", "yuva420p"],
    expectedPixelFormat: "yuva420p"),
  ClipRecipe(
    name: "png rgba (alpha)", arguments: ["-c:v", "png", "-pix_fmt", "rgba"],
    expectedPixelFormat: "rgba"),
  ClipRecipe(
    name: "ffv1 yuv420p odd 33x17", source: "testsrc2=size=33x17:rate=25:duration=0.4",
    arguments: ["-c:v", "ffv1", "-pix_fmt", "yuv420p"], expectedPixelFormat: "yuv420p"),
  ClipRecipe(
    name: "h264 yuv444p odd 33x17", source: "testsrc2=size=33x17:rate=25:duration=0.4",
    arguments: ["-c:v", "libx264", "-pix_fmt", "yuv444p"], expectedPixelFormat: "yuv444p"),
  ClipRecipe(
    name: "h264 yuv420p 40x24 (rows not 16-byte multiples)",
    source: "testsrc2=size=40x24:rate=25:duration=0.4",
    arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p"], expectedPixelFormat: "yuv420p"),
  ClipRecipe(
    name: "mpeg4 part 2", fileExtension: "avi", arguments: ["-c:v", "mpeg4", "-q:v", "5"],
    expectedPixelFormat: "yuv420p"),
]

@Suite struct CLIEquivalenceTests {
  @Test(arguments: clipRecipes)
  func rgbBytesEqualTheCLI(_ recipe: ClipRecipe) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.\(recipe.fileExtension)")
    try FFmpegCLI.run(["-f", "lavfi", "-i", recipe.source] + recipe.arguments + [path])
    let reference = try FFmpegCLI.rawRGB24(path)
    // On the decoding thread alone, and in swscale's slices on 2 and 3 threads.
    for threads in [1, 2, 3] {
      var options = DecodeOptions()
      options.conversionThreads = threads
      let decoder = try VideoDecoder(path: path, options: options)
      #expect(decoder.info.pixelFormatName == recipe.expectedPixelFormat)
      let (frames, times) = try decodeAll(decoder, chunk: 3)
      let decoded = try #require(frames)
      #expect(decoded.shape == [10, decoder.info.height, decoder.info.width, 3])
      #expect(times.count == 10)
      #expect(decoded.storage.count == reference.count)
      let firstDifference = zip(decoded.storage, reference).enumerated().first {
        $0.element.0 != $0.element.1
      }
      #expect(
        firstDifference == nil,
        "\(threads) threads: first differing byte at \(firstDifference?.offset ?? -1)")
      #expect(!decoder.isPartial)
    }
    // The key plane: each pixel's R + G + B of those bytes, as a little-endian UInt16.
    let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: .rgbSum))
    let (frames, _) = try decodeAll(decoder, chunk: 4)
    let keys = try #require(frames)
    #expect(keys.shape == [10, decoder.info.height, decoder.info.width, 2])
    #expect(keys.storage == Self.keyPlanes(reference))
  }

  /// R + G + B of every pixel of rgb24 `bytes`, each as two little-endian bytes.
  static func keyPlanes(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count / 3 * 2)
    for p in 0..<(bytes.count / 3) {
      let key = UInt16(bytes[3 * p]) + UInt16(bytes[3 * p + 1]) + UInt16(bytes[3 * p + 2])
      out.append(UInt8(key & 0xFF))
      out.append(UInt8(key >> 8))
    }
    return out
  }

  /// The luma layout for an 8-bit YUV stream is the decoder's Y plane, untouched.
  @Test func lumaIsTheYPlane() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: .luma))
    let (frames, _) = try decodeAll(decoder, chunk: 4)
    let yuv = try FFmpegCLI.rawVideo(path, pixelFormat: "yuv420p")
    let planeBytes = 64 * 48
    let frameBytes = planeBytes * 3 / 2
    #expect(yuv.count == 10 * frameBytes)
    var y: [UInt8] = []
    for f in 0..<10 { y += yuv[(f * frameBytes)..<(f * frameBytes + planeBytes)] }
    let luma = try #require(frames)
    #expect(luma.shape == [10, 48, 64, 1])
    #expect(luma.storage == y)
  }

  /// Formats without a plain 8-bit Y plane are converted to GRAY8 as `ffmpeg -pix_fmt gray` does.
  @Test func lumaOfTenBitEqualsCLIGray() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=40x24:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p10le", path,
    ])
    let decoder = try VideoDecoder(path: path, options: DecodeOptions(layout: .luma))
    let (frames, _) = try decodeAll(decoder)
    let gray = try FFmpegCLI.rawVideo(path, pixelFormat: "gray")
    #expect(try #require(frames).storage == gray)
  }

  /// outputSize resizes in one bicubic swscale step, like an explicit scale filter to rgb24.
  @Test func outputSizeResizes() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    let decoder = try VideoDecoder(
      path: path, options: DecodeOptions(outputSize: FrameSize(width: 32, height: 20)))
    let chunk = try #require(try decoder.nextChunk(maxFrames: 100))
    #expect(chunk.frames.shape == [5, 20, 32, 3])
    let reference = try FFmpegCLI.run([
      "-i", path, "-vf", "scale=32:20:flags=bicubic,format=rgb24", "-f", "rawvideo", "-fps_mode",
      "passthrough", "-",
    ])
    #expect(chunk.frames.storage == reference)
    #expect(try decoder.nextChunk(maxFrames: 100) == nil)
    let luma = try VideoDecoder(
      path: path,
      options: DecodeOptions(layout: .luma, outputSize: FrameSize(width: 16, height: 12)))
    #expect(try luma.nextChunk(maxFrames: 2)?.frames.shape == [2, 12, 16, 1])
  }
}

/// Clips with a display matrix: the CLI turns them upright (-autorotate) before converting.
struct RotationCase: Sendable, CustomTestStringConvertible {
  var rotate: Int
  var source: String
  var arguments: [String]
  /// Whether the CLI's filters take the format as it is (so the bytes must match exactly).
  var exact: Bool
  var testDescription: String { "rotate=\(rotate) \(arguments.joined(separator: " "))" }
}

let rotationCases: [RotationCase] = [90, 180, 270].flatMap { angle in
  [
    RotationCase(
      rotate: angle, source: "testsrc2=size=64x48:rate=25:duration=0.2",
      arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p"], exact: true),
    RotationCase(
      rotate: angle, source: "testsrc2=size=33x17:rate=25:duration=0.2",
      arguments: ["-c:v", "libx264", "-pix_fmt", "yuv444p"], exact: true),
    RotationCase(
      rotate: angle, source: "testsrc2=size=40x24:rate=25:duration=0.2",
      arguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"], exact: true),
    RotationCase(
      rotate: angle, source: "testsrc2=size=40x24:rate=25:duration=0.2",
      arguments: ["-c:v", "libx264", "-pix_fmt", "yuv422p"], exact: angle == 180),
  ]
}

@Suite struct RotationTests {
  @Test(arguments: rotationCases)
  func rotatedClipMatchesCLI(_ testCase: RotationCase) throws {
    let dir = try TemporaryDirectory()
    let plain = dir.file("plain.mp4")
    let rotated = dir.file("rotated.mp4")
    try FFmpegCLI.run(["-f", "lavfi", "-i", testCase.source] + testCase.arguments + [plain])
    try FFmpegCLI.run([
      "-i", plain, "-c", "copy", "-metadata:s:v", "rotate=\(testCase.rotate)", rotated,
    ])
    let decoder = try VideoDecoder(path: rotated)
    let plainInfo = try VideoDecoder(path: plain).info
    #expect(decoder.info.rotation != 0)
    if testCase.rotate != 180 {
      #expect(decoder.info.width == plainInfo.height && decoder.info.height == plainInfo.width)
    }
    let (frames, _) = try decodeAll(decoder)
    let decoded = try #require(frames)
    #expect(decoded.shape == [5, decoder.info.height, decoder.info.width, 3])
    let reference = try FFmpegCLI.rawRGB24(rotated)
    #expect(decoded.storage.count == reference.count)
    if testCase.exact {
      #expect(decoded.storage == reference)
      let keys = try decodeAll(
        try VideoDecoder(path: rotated, options: DecodeOptions(layout: .rgbSum)))
      #expect(keys.frames?.storage == CLIEquivalenceTests.keyPlanes(reference))
    } else {
      let worst = zip(decoded.storage, reference).map { abs(Int($0) - Int($1)) }.max() ?? 0
      #expect(worst <= 16, "largest difference \(worst)")
      #expect(decoder.warnings.contains { $0.contains("rotating") })
    }
    // -noautorotate: frames as coded.
    let unrotated = try decodeAll(
      try VideoDecoder(path: rotated, options: DecodeOptions(autorotate: false)))
    #expect(unrotated.frames?.storage == (try FFmpegCLI.rawRGB24(plain)))
  }
}
