import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import TestSupport
import Testing

/// The transfer functions against values computed independently (40-digit decimal arithmetic
/// from the published formulas) and ST 2084's reference points.
@Suite struct HDRTransferTests {
  func close(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(b), 1e-12)
  }

  @Test func pqEOTFReferencePoints() {
    #expect(HDRTransfer.pqEOTF(0) == 0)
    #expect(close(HDRTransfer.pqEOTF(1), 10_000))
    #expect(close(HDRTransfer.pqEOTF(0.25), 5.154176009833052))
    #expect(close(HDRTransfer.pqEOTF(0.5), 92.24570899406408))
    #expect(close(HDRTransfer.pqEOTF(0.75), 983.3778555870977))
    // ST 2084: 100 cd/m2 <-> E' ~ 0.508, 1,000 cd/m2 <-> E' ~ 0.752.
    #expect(close(HDRTransfer.pqInverseEOTF(100), 0.5080784215173949))
    #expect(close(HDRTransfer.pqInverseEOTF(1000), 0.7518270962470418))
    #expect(abs(HDRTransfer.pqInverseEOTF(100) - 0.508) < 0.0005)
    #expect(abs(HDRTransfer.pqInverseEOTF(1000) - 0.752) < 0.0005)
    #expect(close(HDRTransfer.pqInverseEOTF(10_000), 1))
    for l in [0.01, 1, 20, 160, 203, 4000] {
      #expect(close(HDRTransfer.pqEOTF(HDRTransfer.pqInverseEOTF(l)), l, relative: 1e-9))
    }
  }

  @Test func hlgInverseOETF() {
    #expect(HDRTransfer.hlgInverseOETF(0) == 0)
    #expect(close(HDRTransfer.hlgInverseOETF(0.25), 0.020833333333333332))
    #expect(close(HDRTransfer.hlgInverseOETF(0.5), 1.0 / 12))
    #expect(close(HDRTransfer.hlgInverseOETF(0.75), 0.26496256042100718))
    #expect(close(HDRTransfer.hlgInverseOETF(1), 1.0000000269348074))
    for e in [0.001, 0.05, 1.0 / 12, 0.2, 0.9] {
      #expect(close(HDRTransfer.hlgInverseOETF(HDRTransfer.hlgOETF(e)), e, relative: 1e-12))
    }
  }

  @Test func hlgOOTFAndSystemGamma() {
    #expect(close(HDRTransfer.hlgSystemGamma(peak: 1000), 1.2))
    #expect(close(HDRTransfer.hlgSystemGamma(peak: 2000), 1.326432598178872))
    // A gray: Fd = Lw * E^gamma.
    let gray = HDRTransfer.hlgOOTF(r: 0.25, g: 0.25, b: 0.25, peak: 1000)
    #expect(close(gray.r, 1000 * pow(0.25, 1.2)))
    #expect(close(gray.g, gray.r) && close(gray.b, gray.r))
    // A colour: every component scaled by Lw * Ys^(gamma - 1), Ys from BT.2020's weights.
    let c = HDRTransfer.hlgOOTF(r: 0.5, g: 0.1, b: 0.2, peak: 1000)
    let ys = 0.2627 * 0.5 + 0.6780 * 0.1 + 0.0593 * 0.2
    #expect(close(c.r, 1000 * pow(ys, 0.2) * 0.5))
    #expect(close(c.b, 1000 * pow(ys, 0.2) * 0.2))
  }

  @Test func sdrModelMatchesBT1702Table() {
    // BT.1702-2 Table 1: 10-bit narrow-range code 400 -> 20.1 cd/m2, 863 -> 160.4 cd/m2.
    let model = BT1702DisplayModel()
    func cd(_ code: Double) -> Double {
      let v = (code - 64) / 876
      return model.candela(r: v, g: v, b: v, transfer: .sdr, weights: .bt709)
    }
    #expect(abs(cd(400) - 20.1) < 0.05)
    #expect(abs(cd(863) - 160.4) < 0.05)
    #expect(close(cd(940), 200))
  }

  @Test func luminanceModelPerProfile() {
    let pq = ColorFacts(
      transfer: "smpte2084", primaries: "bt2020", matrix: "bt2020nc", range: "tv", bitDepth: 10)
    let e = HDRTransfer.pqInverseEOTF(100)
    let bt1702 = LuminanceModel(parameters: .bt1702, color: pq)
    #expect(bt1702.weights == .bt2020)
    #expect(close(bt1702.candela(r: e, g: e, b: e), 100, relative: 1e-9))
    // The SDR profiles read the signal as SDR whatever its transfer.
    let wcag = LuminanceModel(parameters: .wcag, color: pq)
    #expect(close(wcag.candela(r: 1, g: 1, b: 1), 80))
    let ofcom = LuminanceModel(parameters: .ofcom, color: pq)
    #expect(close(ofcom.candela(r: 1, g: 1, b: 1), DisplayModel().candela(luma: 255)))
    let hlg = ColorFacts(
      transfer: "arib-std-b67", primaries: "bt2020", matrix: "bt2020nc", range: "tv", bitDepth: 10)
    var p = AnalysisParameters.bt1702
    p.bt1702Display?.hlgPeak = 2000
    let s = HDRTransfer.hlgOETF(0.25)
    #expect(
      close(
        LuminanceModel(parameters: p, color: hlg).candela(r: s, g: s, b: s),
        2000 * pow(0.25, HDRTransfer.hlgSystemGamma(peak: 2000)), relative: 1e-9))
  }
}

/// BT.1702-3's flash rule at its boundaries, on measures fed straight to the analysis (one
/// region covering the screen): 20 cd/m2 below 160, Michelson 1/17 at or above it.
@Suite struct BT1702RuleTests {
  /// A whole-screen flicker between `a` and `b` cd/m2, switching every 3 frames at 24 fps
  /// (4 flashes a second) for 2 s.
  func verdict(_ a: Float, _ b: Float) throws -> Verdict {
    var p = AnalysisParameters.bt1702
    p.gridColumns = 1
    p.gridRows = 1
    var analyzer = PhotosensitivityAnalyzer(width: 8, height: 8, frameRate: 24, parameters: p)
    var measures: [FrameMeasure] = []
    for i in 0..<48 {
      var m = FrameMeasure(index: i, time: Double(i) / 24, profile: .bt1702)
      let l = (i / 3) % 2 == 0 ? a : b
      m.cellCandela = [l]
      m.cellLinearRGB = [l / 200, l / 200, l / 200]
      m.cellRed = [0]
      m.meanCandela = Double(l)
      measures.append(m)
    }
    try analyzer.consume(measures)
    let result = analyzer.finish()
    #expect(result.frames.allSatisfy { $0.luminance != nil })
    return result.verdict
  }

  @Test func twentyCandelaBelow160() throws {
    #expect(try verdict(100, 119.9) == .pass)
    #expect(try verdict(100, 120.1) == .fail)
    #expect(try verdict(139.9, 159.8) == .pass)  // 19.9 apart
    #expect(try verdict(139.9, 160.0) == .fail)  // 20.1 apart, darker below 160
  }

  @Test func michelsonAtOrAbove160() throws {
    // (191.25 - 170) / (191.25 + 170) is exactly 1/17.
    #expect(try verdict(170, 191.0) == .pass)  // 0.0582
    #expect(try verdict(170, 191.5) == .fail)  // 0.0595
    #expect(try verdict(160, 180) == .pass)  // exactly 1/17: not above
    #expect(try verdict(1000, 1120) == .pass)  // 120 apart, Michelson 0.0566
    #expect(try verdict(1000, 1130) == .fail)  // Michelson 0.0610
  }

  @Test func extendedFlashingIsAWarningAfterFiveSeconds() throws {
    // 3 flashes a second (6 transitions, the band) for 7 s: a warning, never a failure.
    var p = AnalysisParameters.bt1702
    p.gridColumns = 1
    p.gridRows = 1
    var analyzer = PhotosensitivityAnalyzer(width: 8, height: 8, frameRate: 24, parameters: p)
    var measures: [FrameMeasure] = []
    for i in 0..<(24 * 7) {
      var m = FrameMeasure(index: i, time: Double(i) / 24, profile: .bt1702)
      let l: Float = (i / 4) % 2 == 0 ? 50 : 150
      m.cellCandela = [l]
      m.cellLinearRGB = [l / 200, l / 200, l / 200]
      m.cellRed = [0]
      measures.append(m)
    }
    try analyzer.consume(measures)
    let result = analyzer.finish()
    #expect(result.verdict == .warning)
    let extended = result.criteria.first { $0.id == .extendedFlashing }
    #expect(extended?.verdict == .warning)
    // Not before 5 s of flashing.
    let first = result.frames.first { $0.luminanceResult == .extendedFailure }
    #expect(first.map { $0.time >= 5 } == true)
  }
}

/// Synthetic clips made with the ffmpeg CLI from raw 10-bit YUV with colour tags (lossless
/// FFV1), decoded with the 16-bit payload and analysed under bt1702.
@Suite struct BT1702ClipTests {
  static let width = 64
  static let height = 36

  /// Narrow-range 10-bit code of a gray whose non-linear signal is `e`.
  static func code(_ e: Double) -> UInt16 { UInt16((64 + 876 * e).rounded()) }

  /// Writes a 2 s, 24 fps gray clip flickering at 4 Hz between signals `a` and `b` and returns
  /// its path.
  static func clip(
    _ a: Double, _ b: Double, transfer: String, in dir: TemporaryDirectory, name: String
  ) throws -> String {
    var raw: [UInt8] = []
    let lumaCount = width * height
    for i in 0..<48 {
      let y = code((i / 3) % 2 == 0 ? a : b)
      for _ in 0..<lumaCount { raw += [UInt8(y & 0xFF), UInt8(y >> 8)] }
      for _ in 0..<(lumaCount / 2) { raw += [0x00, 0x02] }  // 512: neutral chroma
    }
    let path = dir.file(name)
    try FFmpegCLI.run(
      [
        "-f", "rawvideo", "-pix_fmt", "yuv420p10le", "-s", "\(width)x\(height)", "-r", "24",
        "-i", "-", "-color_trc", transfer, "-color_primaries", "bt2020", "-colorspace",
        "bt2020nc", "-color_range", "tv", "-c:v", "ffv1", path,
      ], input: raw)
    return path
  }

  static func analyse(_ path: String, parameters: AnalysisParameters = .bt1702, threads: Int = 1)
    throws -> (PhotosensitivityResult, VideoInfo)
  {
    var options = DecodeOptions()
    options.highPrecision = true
    let decoder = try VideoDecoder(path: path, options: options)
    let result = try PhotosensitivityAnalyzer.analyze(
      decoder, parameters: parameters, engine: ScanEngine(threads: threads, chunkFrames: 5))
    return (result, decoder.info)
  }

  func pq(_ low: Double, _ high: Double, expect verdict: Verdict) throws {
    let dir = try TemporaryDirectory()
    let path = try Self.clip(
      HDRTransfer.pqInverseEOTF(low), HDRTransfer.pqInverseEOTF(high), transfer: "smpte2084",
      in: dir, name: "pq.mkv")
    let (result, info) = try Self.analyse(path)
    #expect(info.highPrecision)
    #expect(info.color.transfer == "smpte2084" && info.color.bitDepth == 10)
    #expect(info.color.isHDR && info.color.isBT2020)
    // The measured levels are the targets to within one 10-bit code.
    let first = try #require(result.frames.first?.luminance)
    let fourth = try #require(result.frames[3].luminance)
    #expect(abs(first - low) < low * 0.012, "measured \(first) for \(low)")
    #expect(abs(fourth - high) < high * 0.012, "measured \(fourth) for \(high)")
    #expect(result.verdict == verdict, "\(low) <-> \(high)")
  }

  @Test func pq100to1000Fails() throws { try pq(100, 1000, expect: .fail) }
  @Test func pq100to115Passes() throws { try pq(100, 115, expect: .pass) }
  @Test func pq100to125Fails() throws { try pq(100, 125, expect: .fail) }
  @Test func pq170to180Passes() throws { try pq(170, 180, expect: .pass) }
  @Test func pq170to215Fails() throws { try pq(170, 215, expect: .fail) }

  /// HLG at Lw = 1,000 cd/m2: a gray of `l` cd/m2 has scene light `(l / 1000)^(1/1.2)`.
  func hlg(_ low: Double, _ high: Double) -> (Double, Double) {
    func signal(_ l: Double) -> Double { HDRTransfer.hlgOETF(pow(l / 1000, 1 / 1.2)) }
    return (signal(low), signal(high))
  }

  @Test func hlgBothSidesOfTwentyCandela() throws {
    let dir = try TemporaryDirectory()
    let (a, b) = hlg(100, 115)
    let under = try Self.clip(a, b, transfer: "arib-std-b67", in: dir, name: "under.mkv")
    let (c, d) = hlg(100, 125)
    let over = try Self.clip(c, d, transfer: "arib-std-b67", in: dir, name: "over.mkv")
    let (passing, info) = try Self.analyse(under)
    #expect(info.color.transfer == "arib-std-b67")
    let level = try #require(passing.frames.first?.luminance)
    #expect(abs(level - 100) < 1.5, "measured \(level)")
    #expect(passing.verdict == .pass)
    #expect(try Self.analyse(over).0.verdict == .fail)
    // A brighter nominal display (2,000 cd/m2) makes the same signal brighter, and the
    // 15 cd/m2 flicker becomes more than 20 apart.
    var p = AnalysisParameters.bt1702
    p.bt1702Display?.hlgPeak = 2000
    let bright = try Self.analyse(under, parameters: p).0
    #expect(try #require(bright.frames.first?.luminance) > 150)
    #expect(bright.verdict == .fail)
  }

  @Test func sameResultWhateverThreadsAndChunks() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.clip(
      HDRTransfer.pqInverseEOTF(100), HDRTransfer.pqInverseEOTF(125), transfer: "smpte2084",
      in: dir, name: "pq.mkv")
    let one = try Self.analyse(path, threads: 1).0
    let three = try Self.analyse(path, threads: 3).0
    #expect(one == three)
  }

  @Test func eightBitBT709BothSidesOfTwentyCandela() throws {
    // Under BT.1702's SDR model, 200 (v/255)^2.4: 128 -> 38.25, 152 -> 57.78 (19.5 apart),
    // 153 -> 58.69 (20.4 apart).
    let dir = try TemporaryDirectory()
    func clip(_ a: UInt8, _ b: UInt8, _ name: String) throws -> String {
      var frames: [UInt8] = []
      for i in 0..<48 {
        frames += [UInt8](repeating: (i / 3) % 2 == 0 ? a : b, count: Self.width * Self.height * 3)
      }
      let path = dir.file(name)
      try FFmpegCLI.encodeRGB24(
        frames, width: Self.width, height: Self.height, rate: "24", to: path,
        ["-c:v", "ffv1", "-pix_fmt", "bgr0", "-color_trc", "bt709", "-color_primaries", "bt709"])
      return path
    }
    let under = try Self.analyse(try clip(128, 152, "under.mkv"))
    #expect(!under.1.highPrecision)  // 8 bits: measured from the rgb24 frames
    #expect(under.1.color.transfer == "bt709" && !under.1.color.isHDR)
    #expect(abs(try #require(under.0.frames.first?.luminance) - 38.2505) < 0.01)
    #expect(under.0.verdict == .pass)
    #expect(try Self.analyse(try clip(128, 153, "over.mkv")).0.verdict == .fail)
  }

  @Test func sdrProfilesStillRunOnHDR() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.clip(
      HDRTransfer.pqInverseEOTF(100), HDRTransfer.pqInverseEOTF(1000), transfer: "smpte2084",
      in: dir, name: "pq.mkv")
    for parameters in [AnalysisParameters.wcag, .ofcom, .iris] {
      // Read as SDR, 0.508 <-> 0.752 is a large flicker: the analysis runs and fails it.
      let (result, _) = try Self.analyse(path, parameters: parameters)
      #expect(result.frames.count == 48)
      #expect(result.verdict == .fail, "\(parameters.profile)")
    }
  }
}
