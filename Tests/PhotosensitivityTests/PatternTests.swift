import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import TestSupport
import Testing

/// Tiny lossless clips for the pattern check, drawn directly as rgb24 tensors.
enum PatternClips {
  static let width = 160
  static let height = 120

  /// `count` frames; `value(x, y, t)` gives each pixel's grey level.
  static func frames(
    count: Int, rate: Double, width: Int = width, height: Int = height,
    _ value: (Int, Int, Double) -> UInt8
  ) -> Tensor<UInt8> {
    var storage = [UInt8](repeating: 0, count: count * width * height * 3)
    var o = 0
    for f in 0..<count {
      let t = Double(f) / rate
      for y in 0..<height {
        for x in 0..<width {
          let v = value(x, y, t)
          storage[o] = v
          storage[o + 1] = v
          storage[o + 2] = v
          o += 3
        }
      }
    }
    return Tensor(shape: [count, height, width, 3], storage: storage)
  }

  /// A square-wave grating: `period` pixels per light-dark pair along the normal at `degrees`
  /// (0: vertical stripes), shifted by `shift(t)` pixels, inside `box` (grey 128 outside).
  static func grating(
    period: Double, degrees: Double = 0, box: PixelRect? = nil, light: UInt8 = 255,
    dark: UInt8 = 0, shift: @escaping (Double) -> Double = { _ in 0 },
    visible: @escaping (Double) -> Bool = { _ in true }
  ) -> (Int, Int, Double) -> UInt8 {
    let c = cos(degrees * Double.pi / 180)
    let s = sin(degrees * Double.pi / 180)
    return { x, y, t in
      if let b = box, !(x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height) {
        return 128
      }
      guard visible(t) else { return 128 }
      let u = (Double(x) + 0.5) * c + (Double(y) + 0.5) * s + shift(t)
      let phase = (u / period).truncatingRemainder(dividingBy: 1)
      return (phase < 0 ? phase + 1 : phase) < 0.5 ? light : dark
    }
  }

  static func analyze(
    _ frames: Tensor<UInt8>, rate: Double, parameters: AnalysisParameters,
    engine: ScanEngine = ScanEngine(threads: 1, chunkFrames: 8)
  ) throws -> PhotosensitivityResult {
    try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: frames, frameRate: rate), parameters: parameters, engine: engine)
  }

  static func patternVerdict(_ r: PhotosensitivityResult) -> Verdict? {
    r.criteria.first { $0.id == .pattern }?.verdict
  }

  static func patternIncidents(_ r: PhotosensitivityResult) -> [Incident] {
    r.incidents.filter { $0.kind == .pattern }
  }

  /// A clip file made by the ffmpeg CLI from `input` arguments (lossless FFV1).
  static func ffmpegClip(
    _ input: [String], seconds: Double, in dir: TemporaryDirectory, name: String
  )
    throws -> String
  {
    let path = dir.file(name)
    try FFmpegCLI.run(
      input + ["-t", "\(seconds)", "-pix_fmt", "gbrp", "-c:v", "ffv1", path])
    return path
  }
}

@Suite("Patterns")
struct PatternTests {
  let rate = 25.0
  let ofcom = AnalysisParameters.ofcom

  @Test("a static full-screen vertical grating of 12 pairs fails, of 5 pairs passes")
  func pairCount() throws {
    let twelve = try PatternClips.analyze(
      PatternClips.frames(count: 30, rate: rate, PatternClips.grating(period: 160.0 / 12)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(twelve) == .fail)
    #expect(twelve.verdict == .fail)
    let incident = try #require(PatternClips.patternIncidents(twelve).first)
    let detail = try #require(incident.pattern)
    #expect((10...14).contains(detail.pairs), "\(detail)")
    #expect(detail.motion == .stationary)
    #expect(detail.areaShare > 0.9)
    #expect(abs((detail.orientationDegrees ?? .nan) - 90) < 5)
    #expect(incident.start == 0)
    #expect(abs(incident.end - 1.2) < 1e-9)
    #expect(twelve.frames.allSatisfy { $0.pattern?.verdict == .fail })

    let five = try PatternClips.analyze(
      PatternClips.frames(count: 30, rate: rate, PatternClips.grating(period: 160.0 / 5)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(five) == .pass)
    #expect(PatternClips.patternIncidents(five).isEmpty)
    // The 5 pairs are seen, and counted as 5, not more.
    #expect(five.frames.allSatisfy { ($0.pattern?.pairs ?? 0) <= 5 })
  }

  @Test("a 12-pair grating rotated by 37 degrees over 48% of the screen fails")
  func rotated() throws {
    let box = PixelRect(x: 16, y: 16, width: 128, height: 72)  // 48% of 160x120
    let extent = 128 * cos(37 * Double.pi / 180) + 72 * sin(37 * Double.pi / 180)
    let r = try PatternClips.analyze(
      PatternClips.frames(
        count: 30, rate: rate,
        PatternClips.grating(period: extent / 12, degrees: 37, box: box)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(r) == .fail)
    let detail = try #require(PatternClips.patternIncidents(r).first?.pattern)
    #expect(detail.areaShare > 0.4 && detail.areaShare < 0.6, "\(detail)")
    // Stripes of a grating whose normal is at 37 degrees (y down) run at 53 degrees
    // counter-clockwise from horizontal.
    #expect(abs((detail.orientationDegrees ?? .nan) - 53) < 8, "\(detail)")
    #expect(detail.pairs >= 9 && detail.pairs <= 15, "\(detail)")
  }

  @Test("a stationary 12-pair grating over 30% of the screen passes; oscillating, it fails")
  func stationaryAndOscillating() throws {
    let box = PixelRect(x: 0, y: 0, width: 160, height: 36)  // 30% of 160x120
    let still = try PatternClips.analyze(
      PatternClips.frames(
        count: 40, rate: rate, PatternClips.grating(period: 160.0 / 12, box: box)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(still) == .pass)
    #expect(still.frames.contains { $0.pattern?.motion == .stationary && $0.pattern!.pairs >= 6 })

    // Left and right, 3 px either way, twice a second.
    let moving = try PatternClips.analyze(
      PatternClips.frames(
        count: 40, rate: rate,
        PatternClips.grating(
          period: 160.0 / 12, box: box, shift: { 3 * sin(2 * Double.pi * 2 * $0) })),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(moving) == .fail)
    let detail = try #require(PatternClips.patternIncidents(moving).first?.pattern)
    #expect(detail.motion == .oscillating)
    #expect(detail.areaShare > 0.25 && detail.areaShare <= 0.4, "\(detail)")
  }

  @Test("the full-screen grating drifting steadily in one direction passes")
  func drifting() throws {
    let r = try PatternClips.analyze(
      PatternClips.frames(
        count: 40, rate: rate, PatternClips.grating(period: 160.0 / 12, shift: { 25 * $0 })),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(r) == .pass)
    #expect(PatternClips.patternIncidents(r).isEmpty)
    // Seen as a drifting pattern once its motion is known.
    #expect(r.frames.suffix(20).allSatisfy { $0.pattern?.motion == .drifting })
  }

  @Test("a full-screen grating shown for 0.3 s passes, for 0.7 s fails")
  func duration() throws {
    let rate = 30.0
    for (seconds, verdict) in [(0.3, Verdict.pass), (0.7, .fail)] {
      let r = try PatternClips.analyze(
        PatternClips.frames(
          count: 45, rate: rate,
          PatternClips.grating(period: 160.0 / 12, visible: { $0 < seconds - 1e-9 })),
        rate: rate, parameters: ofcom)
      #expect(PatternClips.patternVerdict(r) == verdict, "\(seconds) s")
      if verdict == .fail {
        let incident = try #require(PatternClips.patternIncidents(r).first)
        #expect(abs(incident.end - incident.start - seconds) < 1e-9)
      }
    }
  }

  @Test("pattern incidents less than 1 s apart merge, as other kinds do; 1.3 s apart they do not")
  func mergeUnderOneSecond() throws {
    let rate = 25.0
    // Shown from 0, 1.4 and 3.4 s for 18 frames each (0.72 s): gaps of 0.68 s and 1.28 s.
    let shown: [(Double, Double)] = [(0, 0.7), (1.4, 2.1), (3.4, 4.1)]
    let r = try PatternClips.analyze(
      PatternClips.frames(
        count: 113, rate: rate,
        PatternClips.grating(
          period: 160.0 / 12,
          visible: { t in shown.contains { t >= $0.0 - 1e-9 && t < $0.1 - 1e-9 } })),
      rate: rate, parameters: ofcom)
    let incidents = PatternClips.patternIncidents(r)
    #expect(incidents.count == 2)
    guard incidents.count == 2 else { return }
    #expect(abs(incidents[0].start - 0) < 1e-9)
    #expect(abs(incidents[0].end - 2.12) < 1e-9)
    #expect(incidents[0].firstFrame == 0 && incidents[0].lastFrame == 52)
    #expect(incidents[0].pattern?.pairs == 12)
    #expect(abs(incidents[1].start - 3.4) < 1e-9)
    #expect(abs(incidents[1].end - 4.12) < 1e-9)
    // Every shown frame is flagged (18 a run); the gaps are not.
    #expect(r.criteria.first { $0.id == .pattern }?.flaggedFrames == 3 * 18)
  }

  @Test("a grating of dark stripes only (light stripes under 50 cd/m2) passes")
  func darkOnly() throws {
    // Luma 90 is about 22 cd/m2 in the SDR display model; black stripes between.
    #expect(DisplayModel().candela(luma: 90) < 50)
    let r = try PatternClips.analyze(
      PatternClips.frames(
        count: 30, rate: rate, PatternClips.grating(period: 160.0 / 12, light: 90, dark: 0)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(r) == .pass)
    // The same geometry with bright stripes fails: it is the light level that passes it.
    let bright = try PatternClips.analyze(
      PatternClips.frames(
        count: 30, rate: rate, PatternClips.grating(period: 160.0 / 12, light: 200, dark: 0)),
      rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(bright) == .fail)
  }

  @Test("a full-screen checkerboard and concentric rings fail")
  func checkerboardAndRings() throws {
    let checker = try PatternClips.analyze(
      PatternClips.frames(count: 30, rate: rate) { x, y, _ in
        (x / 10 + y / 10) % 2 == 0 ? 255 : 0
      }, rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(checker) == .fail)
    let rings = try PatternClips.analyze(
      PatternClips.frames(count: 30, rate: rate) { x, y, _ in
        let dx = Double(x) - 80
        let dy = Double(y) - 60
        let r = (dx * dx + dy * dy).squareRoot()
        return Int(r / 6) % 2 == 0 ? 255 : 0
      }, rate: rate, parameters: ofcom)
    #expect(PatternClips.patternVerdict(rings) == .fail)
    let detail = try #require(PatternClips.patternIncidents(rings).first?.pattern)
    #expect(detail.pairs >= 6, "\(detail)")
  }

  @Test("wcag makes the same finding a warning; iris checks patterns only when asked")
  func profiles() throws {
    let frames = PatternClips.frames(
      count: 30, rate: rate, PatternClips.grating(period: 160.0 / 12))
    let wcag = try PatternClips.analyze(frames, rate: rate, parameters: .wcag)
    #expect(PatternClips.patternVerdict(wcag) == .warning)
    #expect(PatternClips.patternIncidents(wcag).first?.verdict == .warning)
    let iris = try PatternClips.analyze(frames, rate: rate, parameters: .iris)
    #expect(PatternClips.patternVerdict(iris) == nil)
    var asked = AnalysisParameters.iris
    asked.patterns = PatternRule.enabledRule(for: .iris, displayModel: asked.displayModel)
    #expect(asked.patterns == .iris)
    let irisOn = try PatternClips.analyze(frames, rate: rate, parameters: asked)
    #expect(PatternClips.patternVerdict(irisOn) == .fail)
    // IRIS does not look at motion: the drifting grating fails there too.
    let drifting = PatternClips.frames(
      count: 30, rate: rate, PatternClips.grating(period: 160.0 / 12, shift: { 25 * $0 }))
    #expect(
      PatternClips.patternVerdict(try PatternClips.analyze(drifting, rate: rate, parameters: asked))
        == .fail)
  }

  @Test("the pattern result does not depend on threads or chunk length")
  func deterministic() throws {
    let box = PixelRect(x: 0, y: 0, width: 160, height: 36)
    let frames = PatternClips.frames(count: 40, rate: rate) { x, y, t in
      // An oscillating strip on top, rings below, a checkerboard appearing at 0.6 s.
      if y < 36 {
        return PatternClips.grating(
          period: 13, box: box, shift: { 3 * sin(2 * Double.pi * 2 * $0) })(x, y, t)
      }
      if t > 0.6 && x < 64 { return (x / 8 + y / 8) % 2 == 0 ? 230 : 20 }
      let r = (Double((x - 100) * (x - 100) + (y - 80) * (y - 80))).squareRoot()
      return Int(r / 5) % 2 == 0 ? 250 : 10
    }
    func run(_ engine: ScanEngine) throws -> (PatternResult, PhotosensitivityResult) {
      let source = TensorFrameSource(frames: frames, frameRate: rate)
      let stage = PatternStage(info: source.info, rule: ofcom.patterns!)
      try engine.run(source, stages: [stage])
      return (
        stage.result(),
        try PatternClips.analyze(frames, rate: rate, parameters: ofcom, engine: engine)
      )
    }
    let (one, oneFull) = try run(ScanEngine(threads: 1, chunkFrames: 1))
    #expect(!one.incidents.isEmpty)
    for engine in [
      ScanEngine(threads: 2, chunkFrames: 7), ScanEngine(threads: 3, chunkFrames: 3, queueDepth: 5),
      ScanEngine(threads: 4, chunkFrames: 40),
    ] {
      let (other, otherFull) = try run(engine)
      #expect(other == one)
      #expect(otherFull == oneFull)
    }
  }
}

/// No false positives on moving natural-looking content.
@Suite("Patterns: no false positives")
struct PatternFalsePositiveTests {
  static func analyze(_ path: String, _ parameters: AnalysisParameters) throws
    -> PhotosensitivityResult
  {
    try PhotosensitivityAnalyzer.analyze(
      VideoDecoder(path: path), parameters: parameters,
      engine: ScanEngine(threads: 2, chunkFrames: 8))
  }

  @Test(
    "FFmpeg's testsrc2, mandelbrot, life and cellauto sources pass",
    arguments: [
      "testsrc2=s=320x240:r=25", "mandelbrot=s=320x240:r=25", "life=s=320x240:r=25",
      "cellauto=s=320x240:r=25",
    ])
  func lavfiSources(_ source: String) throws {
    let dir = try TemporaryDirectory()
    let path = try PatternClips.ffmpegClip(
      ["-f", "lavfi", "-i", source], seconds: 2, in: dir, name: "clip.mkv")
    // wcag runs the same detector (only the verdict differs), so ofcom covers both.
    let r = try Self.analyze(path, .ofcom)
    #expect(PatternClips.patternVerdict(r) == .pass, "\(source)")
    #expect(PatternClips.patternIncidents(r).isEmpty, "\(source): \(r.incidents)")
  }

  @Test("scrolling end credits (lines of white text moving up) pass")
  func credits() throws {
    // Lines of white "words" (blocks of glyph-like strokes) on black, 14 px apart, scrolling
    // up 2 px a frame; word lengths from a fixed pseudo-random sequence.
    var generator = SeededGenerator(seed: 7)
    let lines = (0..<40).map { _ in
      (0..<6).map { _ in (Int(generator.next() % 5) + 2, Int(generator.next() % 3) + 1) }
    }
    let frames = PatternClips.frames(count: 50, rate: 25, width: 192, height: 108) { x, y, t in
      let scrolled = y + Int((t * 50).rounded())
      let line = scrolled / 14
      let inLine = scrolled % 14
      guard inLine >= 3 && inLine < 11, line < lines.count else { return 0 }
      // Words start at x = 20 and are separated by 6 px; glyphs are 5 px wide with a 1 px gap,
      // strokes vary with the glyph index.
      var cursor = 20
      for (letters, style) in lines[line] {
        let end = cursor + letters * 6
        if x >= cursor && x < end {
          let glyph = (x - cursor) / 6
          let column = (x - cursor) % 6
          guard column < 5 else { return 0 }
          let stroke = (glyph * 7 + style * 3 + line) % 4
          let on = column == 0 || inLine == 3 + stroke || (stroke == 2 && column == 4)
          return on ? 240 : 0
        }
        cursor = end + 6
      }
      return 0
    }
    for p in [AnalysisParameters.ofcom, .wcag] {
      let r = try PatternClips.analyze(frames, rate: 25, parameters: p)
      #expect(PatternClips.patternVerdict(r) == .pass, "\(p.profile): \(r.incidents)")
    }
  }

  @Test("the repository's Samples pass the pattern check")
  func samples() throws {
    for name in ["calm.mp4", "flashing.mp4", "red-flash.mp4", "lossless.mkv"] {
      let r = try Self.analyze(SampleTests.sample(name), .ofcom)
      #expect(PatternClips.patternVerdict(r) == .pass, "\(name): \(r.incidents)")
    }
  }
}

/// IRIS's own pattern images, used in place (`FLASHSCAN_IRIS_DATA`).
@Suite("Patterns: IRIS images", .enabled(if: IrisData.shouldRun, IrisData.skipNote))
struct PatternIrisImageTests {
  /// The profiles with flashscan's detector (`--profile iris --patterns`, IRIS's own method, is
  /// in IrisPatternImageTests).
  static var profiles: [AnalysisParameters] { [.ofcom, .wcag] }

  static func clip(_ image: String, in dir: TemporaryDirectory) throws -> String {
    try PatternClips.ffmpegClip(
      ["-loop", "1", "-framerate", "10", "-i", "\(IrisData.path)/patterns/\(image)"], seconds: 1,
      in: dir, name: "held.mkv")
  }

  @Test("20stripes.png held for 1 s fails under every profile that checks patterns")
  func twentyStripes() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.clip("20stripes.png", in: dir)
    for p in Self.profiles {
      let r = try PatternFalsePositiveTests.analyze(path, p)
      let expected = p.patterns!.verdict
      #expect(PatternClips.patternVerdict(r) == expected, "\(p.profile)")
      let detail = try #require(PatternClips.patternIncidents(r).first?.pattern)
      #expect((8...12).contains(detail.pairs), "\(p.profile): \(detail)")
    }
  }

  @Test("shapes.png held for 1 s passes under every profile that checks patterns")
  func shapes() throws {
    let dir = try TemporaryDirectory()
    let path = try Self.clip("shapes.png", in: dir)
    for p in Self.profiles {
      let r = try PatternFalsePositiveTests.analyze(path, p)
      #expect(PatternClips.patternVerdict(r) == .pass, "\(p.profile): \(r.incidents)")
    }
  }
}
