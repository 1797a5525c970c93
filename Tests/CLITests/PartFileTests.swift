import Crypto
import Foundation
import Frames
import Photosensitivity
import Segments
import TTable
import Testing

/// The part file format (Docs/Scale.md, "Part files"): a round trip, and damaged bytes refused
/// with a `PartError`, never a crash.
@Suite("Part file format")
struct PartFileTests {
  static func sample() -> PartFile {
    let parameters = AnalysisParameters(profile: .wcag)
    let header = PartHeader(
      toolVersion: "0.1.0", toolCommit: "abc",
      source: SourceIdentity(
        path: "film.mp4", absolutePath: "/films/film.mp4", sizeBytes: 1234,
        modified: "2026-01-01T00:00:00.000Z", headSHA256: String(repeating: "a", count: 64),
        tailSHA256: String(repeating: "b", count: 64)),
      options: PartOptions(topK: 5, gray: .mean, stream: nil, parameters: parameters),
      video: PartVideo(
        codec: "h264", width: 64, height: 36, frameRate: 10, duration: 1, startTimecode: nil,
        color: .unspecified8Bit, frameCount: 10, streamIndex: 0),
      segment: 1, segments: 2, cuts: [0, 5, 10], firstFrame: 5, endFrame: 10, startTime: 0.5,
      endTime: 1, decodeWarnings: [])
    let rows = (5..<10).map { TRow(frame: $0, time: Double($0) / 10, p: 0.25, n: 0.5) }
    let measures = (5..<10).map { i -> FrameMeasure in
      var m = FrameMeasure(index: i, time: Double(i) / 10, profile: .wcag)
      m.cellLinearRGB = [0.1, 0.2, Float(i)]
      m.cellRed = [Float(i) / 3]
      m.meanCandela = 12.5
      return m
    }
    let patterns = (5..<10).map { i in
      PatternFrameMeasure(
        index: i, time: Double(i) / 10,
        tiles: [PatternTile(level: 0, column: 1, row: 2, kx: 3, ky: 4, phase: 0.5, contrast: 80)],
        regions: [
          PatternRegion(
            areaShare: 0.3, pairs: 6, periodPixels: 4, orientationDegrees: 90, coherence: 0.9,
            light: 200, dark: 20, box: PixelRect(x: 1, y: 2, width: 30, height: 20), tiles: [0])
        ],
        // IRIS's detection (--profile iris --patterns) on some frames: with and without a box.
        iris: i == 5
          ? nil
          : IrisPatternFrame(
            width: 64, height: 36, changedPixels: 900 + i, components: i - 4, areaPixels: 700,
            lightLuminance: 0.75, darkLuminance: 0.05, harmful: i % 2 == 0,
            box: i == 6 ? nil : PixelRect(x: i, y: 1, width: 40, height: 30)))
    }
    return PartFile(header: header, rows: rows, measures: measures, patterns: patterns)
  }

  /// `bytes` with its checksum made valid again (to reach the checks behind it).
  static func resigned(_ bytes: [UInt8]) -> [UInt8] {
    let body = Array(bytes.dropLast(32))
    return body + Array(SHA256.hash(data: body))
  }

  @Test func roundTrip() throws {
    let part = Self.sample()
    let bytes = try part.encoded()
    let back = try PartFile.decode(Data(bytes))
    #expect(back.header == part.header)
    #expect(back.rows == part.rows)
    #expect(back.measures == part.measures)
    #expect(back.patterns.map(\.tiles) == part.patterns.map(\.tiles))
    #expect(back.patterns.map(\.regions) == part.patterns.map(\.regions))
    #expect(back.patterns.map(\.iris) == part.patterns.map(\.iris))
    #expect(
      back.patterns.contains { $0.iris == nil } && back.patterns.contains { $0.iris?.box == nil })
    #expect(try back.encoded() == bytes, "same part, same bytes")
  }

  @Test func everyTruncationIsRefused() throws {
    let bytes = try Self.sample().encoded()
    for length in 0..<bytes.count {
      #expect(throws: PartError.self) { try PartFile.decode(Data(bytes.prefix(length))) }
      // Even when the checksum is made to fit, a cut record is a clean error.
      if length > 52 && length != bytes.count - 32 {
        #expect(throws: PartError.self) {
          try PartFile.decode(
            Data(Self.resigned(Array(bytes.prefix(length)) + [UInt8](repeating: 0, count: 32))))
        }
      }
    }
  }

  @Test func damagedBytesAreRefused() throws {
    let bytes = try Self.sample().encoded()
    var random = SystemRandomNumberGenerator()
    for i in stride(from: 0, to: bytes.count, by: 7) {
      var damaged = bytes
      damaged[i] ^= UInt8.random(in: 1...255, using: &random)
      #expect(throws: PartError.self) { try PartFile.decode(Data(damaged)) }
      // With a matching checksum the reader still never traps: it reads or refuses.
      _ = try? PartFile.decode(Data(Self.resigned(damaged)))
    }
  }

  @Test func hugeCountsAreRefused() throws {
    var bytes = try Self.sample().encoded()
    // The T row count follows the header: signature (16), length (4), header.
    let headerLength = Int(bytes[16]) | Int(bytes[17]) << 8 | Int(bytes[18]) << 16
    let countOffset = 20 + headerLength
    for i in 0..<8 { bytes[countOffset + i] = 0xFF }
    #expect(throws: PartError.self) { try PartFile.decode(Data(Self.resigned(bytes))) }
  }
}
