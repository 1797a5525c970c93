import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import TestSupport
import Testing

/// One clip for the plane path's equivalence: made with the ffmpeg CLI from a noisy test pattern,
/// lossless, tagged with a transfer, matrix and range.
struct PlaneCase: Sendable, CustomTestStringConvertible {
  var width: Int
  var height: Int
  var pixelFormat: String
  var transfer: String
  var range: String
  var matrix: String = "bt2020nc"
  var testDescription: String { "\(width)x\(height) \(pixelFormat) \(transfer) \(range) \(matrix)" }

  func make(in dir: TemporaryDirectory) throws -> String {
    let path = dir.file("clip.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i",
      // (testsrc2 would round odd sizes down for 4:2:0; converting in the graph keeps them.)
      "testsrc2=size=\(width)x\(height):rate=24:duration=0.25,format=yuv444p10le,"
        + "noise=alls=30:allf=t,format=\(pixelFormat)",
      "-color_trc", transfer, "-color_primaries", "bt2020",
      "-colorspace", matrix, "-color_range", range, "-c:v", "ffv1", path,
    ])
    return path
  }
}

let planeCases: [PlaneCase] = [
  PlaneCase(width: 67, height: 35, pixelFormat: "yuv420p10le", transfer: "smpte2084", range: "tv"),
  PlaneCase(
    width: 66, height: 36, pixelFormat: "yuv420p10le", transfer: "arib-std-b67", range: "tv"),
  PlaneCase(
    width: 45, height: 31, pixelFormat: "yuv422p10le", transfer: "arib-std-b67", range: "tv"),
  PlaneCase(width: 41, height: 29, pixelFormat: "yuv444p12le", transfer: "smpte2084", range: "pc"),
  PlaneCase(width: 40, height: 22, pixelFormat: "yuv420p12le", transfer: "smpte2084", range: "tv"),
  PlaneCase(
    width: 33, height: 17, pixelFormat: "yuv444p10le", transfer: "bt709", range: "tv",
    matrix: "bt709"),
]

/// The bt1702 profile measured from the decoder's planes (`FrameChunk.sourcePlanes`, converted
/// on the workers by the C kernel) gives exactly what it gives from 16-bit RGB frames
/// (`FrameChunk.highPrecision`, the reference path).
@Suite struct SourcePlanesTests {
  /// Every chunk of `path` measured both ways.
  func measures(_ path: String, parameters: AnalysisParameters, autorotate: Bool = true) throws
    -> (planes: [FrameMeasure], rgb16: [FrameMeasure], info: VideoInfo)
  {
    var options = DecodeOptions()
    options.autorotate = autorotate
    options.highPrecision = true
    options.sourcePlanes = true
    let decoder = try VideoDecoder(path: path, options: options)
    let info = decoder.info
    let measurer = PhotosensitivityMeasurer(
      width: info.width, height: info.height, parameters: parameters, color: info.color)
    var planes: [FrameMeasure] = []
    var rgb16: [FrameMeasure] = []
    while let chunk = try decoder.nextChunk(maxFrames: 2) {
      #expect(chunk.sourcePlanes != nil && chunk.highPrecision != nil)
      planes += try measurer.measure(ChunkWindow(chunk: chunk, previous: nil))
      var reference = chunk
      reference.sourcePlanes = nil
      rgb16 += try measurer.measure(ChunkWindow(chunk: reference, previous: nil))
    }
    return (planes, rgb16, info)
  }

  @Test(arguments: planeCases)
  func planesMeasureAsSixteenBitRGB(_ testCase: PlaneCase) throws {
    let dir = try TemporaryDirectory()
    let path = try testCase.make(in: dir)
    var small = AnalysisParameters.bt1702
    small.gridColumns = 5
    small.gridRows = 3
    for parameters in [AnalysisParameters.bt1702, small] {
      let (planes, rgb16, info) = try measures(path, parameters: parameters)
      #expect(info.sourcePlaneBytes > 0)
      #expect(info.width == testCase.width && info.height == testCase.height)
      #expect(planes.count == 6)
      #expect(planes == rgb16)
      #expect(planes.contains { $0.meanCandela > 0 })
    }
  }

  /// With no option set, a scan with the bt1702 stage asks the decoder for its planes itself,
  /// and gets the same result as the 16-bit RGB path.
  @Test func scanRequestsPlanesItself() throws {
    let dir = try TemporaryDirectory()
    let path = try planeCases[0].make(in: dir)
    let plain = try VideoDecoder(path: path)
    #expect(plain.info.sourcePlaneBytes == 0)
    let automatic = try PhotosensitivityAnalyzer.analyze(
      plain, parameters: .bt1702, engine: ScanEngine(threads: 2, chunkFrames: 2))
    #expect(plain.info.sourcePlaneBytes == 67 * 35 * 2 + 2 * 34 * 18 * 2)
    var options = DecodeOptions()
    options.highPrecision = true
    let reference = try PhotosensitivityAnalyzer.analyze(
      try VideoDecoder(path: path, options: options), parameters: .bt1702,
      engine: ScanEngine(threads: 1, chunkFrames: 5))
    #expect(automatic == reference)
    // The 8-bit frames alone measure something else (which is why the request matters).
    let eightBit = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(
        frames: try #require(decodeAll(try VideoDecoder(path: path)).frames),
        frameRate: 24, color: plain.info.color),
      parameters: .bt1702)
    #expect(eightBit.frames.map(\.luminance) != reference.frames.map(\.luminance))
  }

  /// A rotated 10-bit stream: the 16-bit frames are turned upright exactly like the rgb24 ones,
  /// and the plane path (which converts rotated frames to 16-bit RGB) measures the same.
  @Test(arguments: [90, 180, 270])
  func rotatedHighPrecisionInput(_ angle: Int) throws {
    let dir = try TemporaryDirectory()
    let plain = dir.file("plain.mp4")
    let rotated = dir.file("rotated.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=24x14:rate=24:duration=0.125,noise=alls=30:allf=t",
      "-pix_fmt", "yuv444p10le", "-c:v", "libx264", "-qp", "0", "-color_trc", "smpte2084",
      "-color_primaries", "bt2020", "-colorspace", "bt2020nc", "-color_range", "tv", plain,
    ])
    try FFmpegCLI.run(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=\(angle)", rotated])
    var options = DecodeOptions()
    options.highPrecision = true
    func frames(_ path: String, autorotate: Bool) throws -> (Tensor<UInt8>, Tensor<UInt16>) {
      var o = options
      o.autorotate = autorotate
      let chunk = try #require(try VideoDecoder(path: path, options: o).nextChunk(maxFrames: 8))
      return (chunk.frames, try #require(chunk.highPrecision))
    }
    let (coded8, coded16) = try frames(rotated, autorotate: false)
    let (upright8, upright16) = try frames(rotated, autorotate: true)
    #expect(upright8.shape[0] == 3 && coded8.shape[0] == 3)
    let (h, w) = (coded8.shape[1], coded8.shape[2])
    // Find the map (coded (cx, cy) for each upright (x, y)) that the rgb24 frames follow, then
    // require the 16-bit frames to follow it too.
    let uh = upright8.shape[1]
    let uw = upright8.shape[2]
    let candidates: [(Int, Int) -> (Int, Int)] = [
      { x, y in (y, h - 1 - x) },  // 90 one way
      { x, y in (w - 1 - y, x) },  // 90 the other way
      { x, y in (w - 1 - x, h - 1 - y) },  // 180
    ]
    func follows(_ map: (Int, Int) -> (Int, Int)) -> (Bool, Bool) {
      var eight = true
      var sixteen = true
      for f in 0..<3 {
        for y in 0..<uh {
          for x in 0..<uw {
            let (cx, cy) = map(x, y)
            guard cx >= 0, cx < w, cy >= 0, cy < h else { return (false, false) }
            for c in 0..<3 {
              let u = ((f * uh + y) * uw + x) * 3 + c
              let k = ((f * h + cy) * w + cx) * 3 + c
              if upright8.storage[u] != coded8.storage[k] { eight = false }
              if upright16.storage[u] != coded16.storage[k] { sixteen = false }
            }
          }
        }
      }
      return (eight, sixteen)
    }
    let results = candidates.map(follows)
    #expect(results.filter(\.0).count == 1, "exactly one way of turning matches the rgb24 frames")
    #expect(results.allSatisfy { $0.0 == $0.1 }, "the 16-bit frames are turned the same way")
    let (planes, rgb16, info) = try measures(rotated, parameters: .bt1702)
    #expect(info.rotation != 0)
    #expect(planes.count == 3 && planes == rgb16)
  }
}
