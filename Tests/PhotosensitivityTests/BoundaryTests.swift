import Foundation
import FrameTensor
import MediaIO
import Photosensitivity
import Testing

/// Thresholds at their edges, on lossless synthetic frames (160x90).
@Suite("Boundaries")
struct BoundaryTests {
  /// Full-screen alternation between two colours every frame at 10 fps (5 Hz, 10 transitions a
  /// second when each change is a transition).
  static func alternate(_ a: Clips.RGB, _ b: Clips.RGB, count: Int = 15, rate: Double = 10)
    throws -> (Tensor<UInt8>, [Double])
  {
    let times = Clips.times(count: count, rate: rate)
    let frames = Clips.make(
      width: 160, height: 90, times: times,
      background: { t in Int((t * rate).rounded()) % 2 == 0 ? a : b })
    return (frames, times)
  }

  static func verdict(_ a: Clips.RGB, _ b: Clips.RGB, _ p: AnalysisParameters = .wcag) throws
    -> PhotosensitivityResult
  {
    let (frames, times) = try alternate(a, b)
    return try Clips.analyze(frames, times: times, rate: 10, parameters: p)
  }

  @Test("relative luminance fixtures")
  func luminanceFixtures() {
    let cases: [(UInt8, Double)] = [
      (89, 0.0999), (90, 0.1022), (128, 0.2159), (231, 0.7991), (232, 0.8070),
    ]
    for (g, want) in cases {
      #expect(abs(Colorimetry.relativeLuminance(g, g, g) - want) < 0.00005, "gray \(g)")
    }
    #expect(abs(Colorimetry.relativeLuminance(255, 0, 0) - 0.2126) < 1e-9)
    #expect(abs(Colorimetry.relativeLuminance(0, 0, 255) - 0.0722) < 1e-9)
  }

  @Test("0<->89 gray is below the 0.1 luminance change; 0<->90 flashes", arguments: [wcag, iris])
  func grayThreshold(profile: AnalysisParameters) throws {
    let below = try Self.verdict((0, 0, 0), (89, 89, 89), profile)
    #expect(below.frames.map(\.luminanceTransitions).max() == 0)
    #expect(below.verdict == .pass)
    let above = try Self.verdict((0, 0, 0), (90, 90, 90), profile)
    #expect(above.frames.map(\.luminanceTransitions).max()! >= 7)
    #expect(above.verdict == .fail)
  }

  @Test(
    "231<->255 has its darker state below 0.8 and flashes; 232<->255 does not",
    arguments: [wcag, iris])
  func darkThreshold(profile: AnalysisParameters) throws {
    let dark = try Self.verdict((231, 231, 231), (255, 255, 255), profile)
    #expect(dark.verdict == .fail)
    let bright = try Self.verdict((232, 232, 232), (255, 255, 255), profile)
    #expect(bright.frames.map(\.luminanceTransitions).max() == 0)
    #expect(bright.verdict == .pass)
  }

  @Test("3 flashes a second pass (6 transitions), 4 fail (8)")
  func threeVersusFour() throws {
    // 24 fps: half a 3 Hz cycle is 4 frames, half a 4 Hz cycle 3 frames.
    let times = Clips.times(count: 72, rate: 24)
    for (hertz, transitions, verdict) in [(3.0, 6, Verdict.pass), (4.0, 8, Verdict.fail)] {
      let frames = Clips.make(
        width: 160, height: 90, times: times,
        background: { t in Clips.squareWave(t, hertz: hertz) ? (255, 255, 255) : (0, 0, 0) })
      let result = try Clips.analyze(frames, times: times, rate: 24, parameters: .wcag)
      #expect(result.frames.map(\.luminanceTransitions).max() == transitions, "\(hertz) Hz")
      let general = result.criteria.first { $0.id == .generalFlash }
      #expect(general?.verdict == verdict, "\(hertz) Hz")
    }
  }

  /// Saturated red `(255, 99, 99)` (R/(R+G+B) = 0.8003) and `(255, 100, 100)` (0.7969), each
  /// alternating with a gray of nearly the same luminance, so only the red rule can fire.
  @Test("a red ratio just over 0.8 flashes red; just under does not", arguments: [wcag, iris])
  func redRatio(profile: AnalysisParameters) throws {
    func ratio(_ c: Clips.RGB) -> Double {
      let r = Colorimetry.linear(c.0)
      return r / (r + Colorimetry.linear(c.1) + Colorimetry.linear(c.2))
    }
    let over: Clips.RGB = (255, 99, 99)
    let under: Clips.RGB = (255, 100, 100)
    let gray: Clips.RGB = (150, 150, 150)
    #expect(ratio(over) >= 0.8 && ratio(under) < 0.8)
    #expect(
      abs(Colorimetry.relativeLuminance(255, 99, 99) - Colorimetry.relativeLuminance(150, 150, 150))
        < 0.1)
    let red = try Self.verdict(over, gray, profile)
    #expect(red.frames.map(\.luminanceTransitions).max() == 0)
    #expect(red.frames.map(\.redTransitions).max()! >= 7)
    #expect(red.verdict == .fail)
    #expect(red.incidents.contains { $0.kind == .red })
    let notRed = try Self.verdict(under, gray, profile)
    #expect(notRed.frames.map(\.redTransitions).max() == 0)
    #expect(notRed.verdict == .pass)
  }

  @Test(
    "the WCAG 2.2 chromaticity rule: saturated red <-> black flashes, red <-> dimmer red does not")
  func chromaticityRule() throws {
    var p = AnalysisParameters.wcag
    p.redRules = [.chromaticity]
    let black = try Self.verdict((255, 0, 0), (0, 0, 0), p)
    #expect(black.criteria.first { $0.id == .redFlashChromaticity }?.verdict == .fail)
    let dimmer = try Self.verdict((255, 0, 0), (120, 0, 0), p)
    #expect(dimmer.criteria.first { $0.id == .redFlashChromaticity }?.verdict == .pass)
    // The classic rule does count red <-> dimmer red (320 vs 59 red value).
    p.redRules = [.classic]
    let classic = try Self.verdict((255, 0, 0), (120, 0, 0), p)
    #expect(classic.criteria.first { $0.id == .redFlashClassic }?.verdict == .fail)
  }

  static let wcag = AnalysisParameters.wcag
  static let iris = AnalysisParameters.iris
}

/// The same flashing at 25, 29.97 and 60 fps and with a variable frame rate: the one-second
/// window runs on presentation times, not frame counts.
@Suite("Frame rates")
struct FrameRateTests {
  static func flashing(hertz: Double, times: [Double]) -> Tensor<UInt8> {
    Clips.make(
      width: 64, height: 36, times: times,
      background: { t in Clips.squareWave(t, hertz: hertz) ? (255, 255, 255) : (0, 0, 0) })
  }

  /// 1.6 s of timestamps whose steps alternate 1/50, 1/20 and 1/33 s.
  static let variableTimes: [Double] = {
    var t = 0.0
    var out: [Double] = []
    let steps = [1.0 / 50, 1.0 / 20, 1.0 / 33]
    var i = 0
    while t < 1.6 {
      out.append(t)
      t += steps[i % 3]
      i += 1
    }
    return out
  }()

  @Test(
    "4 Hz fails with 8 transitions a second at any rate; 2 Hz passes",
    arguments: [25.0, 30000.0 / 1001, 60.0, 0])
  func sameFlashing(rate: Double) throws {
    let times = rate > 0 ? Clips.times(count: Int(1.6 * rate), rate: rate) : Self.variableTimes
    let r: Double? = rate > 0 ? rate : nil
    for p in [AnalysisParameters.wcag, .ofcom] {
      let fast = try Clips.analyze(
        Self.flashing(hertz: 4, times: times), times: times, rate: r, parameters: p)
      let peak = fast.frames.map(\.luminanceTransitions).max() ?? 0
      // At 25 and 60 fps a one-second window holds whole frames: exactly 8. At 29.97 fps and
      // with a variable rate a change is shown up to a frame late, so a window can hold 9.
      if rate == 25 || rate == 60 {
        #expect(peak == 8, "\(p.profile) at \(rate)")
      } else {
        #expect((8...9).contains(peak), "\(p.profile) at \(rate)")
      }
      #expect(fast.verdict == .fail, "\(p.profile) at \(rate)")
      let slow = try Clips.analyze(
        Self.flashing(hertz: 2, times: times), times: times, rate: r, parameters: p)
      #expect((slow.frames.map(\.luminanceTransitions).max() ?? 0) <= 5, "\(p.profile) at \(rate)")
      #expect(slow.verdict == .pass, "\(p.profile) at \(rate)")
    }
  }
}
