import Foundation
import FrameTensor
import MediaIO
import TestSupport
import Testing

@Suite struct DecoderBasicsTests {
  @Test func h264MatchesCLI() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("a.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.6", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", "-bf", "2", path,
    ])
    let decoder = try VideoDecoder(path: path)
    let (frames, times) = try decodeAll(decoder, chunk: 4)
    let reference = try FFmpegCLI.rawRGB24(path)
    #expect(frames?.storage == reference)
    #expect(times.count == 15)
    #expect(times.first == 0)
    #expect(abs(times.last! - 14.0 / 25) < 1e-9)
    #expect(decoder.info.width == 64 && decoder.info.height == 48)
    #expect(decoder.info.estimatedFrameCount == 15)
    #expect(!decoder.isPartial && decoder.warnings.isEmpty)
  }
}
