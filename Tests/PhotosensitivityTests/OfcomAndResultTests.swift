import Foundation
import FrameTensor
import MediaIO
import Photosensitivity
import Testing

/// Ofcom's numbers: cd/m2 through the display model, 25% of the screen, leading edges.
@Suite("Ofcom profile")
struct OfcomTests {
  static func alternate(_ a: UInt8, _ b: UInt8) throws -> PhotosensitivityResult {
    let times = Clips.times(count: 15, rate: 10)
    let frames = Clips.make(
      width: 160, height: 90, times: times,
      background: { t in
        let v = Int((t * 10).rounded()) % 2 == 0 ? a : b
        return (v, v, v)
      })
    return try Clips.analyze(frames, times: times, rate: 10, parameters: .ofcom)
  }

  static func candela(_ gray: UInt8) -> Double { DisplayModel().candela(luma: Double(gray)) }

  @Test("the display model gives about 200 cd/m2 at white")
  func displayModel() {
    #expect(abs(Self.candela(255) - 200) < 0.5)
  }

  @Test("a change just under 20 cd/m2 is no transition; 20 or more is")
  func twentyCandela() throws {
    let level = try #require((1...255).first { Self.candela(UInt8($0)) - Self.candela(0) >= 20 })
    #expect(try Self.alternate(0, UInt8(level - 1)).verdict == .pass)
    let fail = try Self.alternate(0, UInt8(level))
    #expect(fail.verdict == .fail)
    #expect(fail.frames.map(\.luminanceTransitions).max()! >= 7)
  }

  @Test("the darker state must be below 160 cd/m2")
  func darkerState() throws {
    let level = try #require((0...255).first { Self.candela(UInt8($0)) >= 160 })
    #expect(Self.candela(255) - Self.candela(UInt8(level)) >= 20)
    #expect(try Self.alternate(UInt8(level - 1), 255).verdict == .fail)
    #expect(try Self.alternate(UInt8(level), 255).verdict == .pass)
  }

  @Test(
    "flashing over 20% of the screen passes, over 30% fails",
    arguments: [(0.2, Verdict.pass), (0.3, .fail)])
  func screenShare(share: Double, verdict: Verdict) throws {
    let w = 160
    let h = 90
    let bw = Int((Double(w * h) * share * 16 / 9).squareRoot())
    let bh = Int(Double(w * h) * share / Double(bw))
    let times = Clips.times(count: 15, rate: 10)
    let frames = Clips.make(
      width: w, height: h, times: times, box: PixelRect(x: 8, y: 8, width: bw, height: bh),
      background: { _ in (40, 40, 40) },
      foreground: { t in Clips.squareWave(t, hertz: 5) ? (255, 255, 255) : (0, 0, 0) })
    let result = try Clips.analyze(frames, times: times, rate: 10, parameters: .ofcom)
    #expect(result.verdict == verdict)
  }

  /// Flashes whose leading edges are 0.38 s apart (19 frames at 50 fps) put 7 transitions in
  /// one second: WCAG fails it, Ofcom's leading-edge rule accepts it.
  @Test("successive leading edges 9 frames (at 25 fps) or more apart are acceptable")
  func leadingEdges() throws {
    let white: [Range<Int>] = [5..<23, 24..<25, 43..<44, 62..<63]
    let times = Clips.times(count: 70, rate: 50)
    let frames = Clips.make(
      width: 64, height: 36, times: times,
      background: { t in
        let f = Int((t * 50).rounded())
        return white.contains { $0.contains(f) } ? (255, 255, 255) : (0, 0, 0)
      })
    let wcag = try Clips.analyze(frames, times: times, rate: 50, parameters: .wcag)
    #expect(wcag.frames.map(\.luminanceTransitions).max() == 7)
    #expect(wcag.verdict == .fail)
    let ofcom = try Clips.analyze(frames, times: times, rate: 50, parameters: .ofcom)
    // Every region's 7 transitions are accepted, so no count goes above 6.
    #expect(ofcom.frames.map(\.maxRegionTransitions).max() == 6)
    #expect(ofcom.criteria.first { $0.id == .generalFlash }?.verdict == .pass)
    var strict = AnalysisParameters.ofcom
    strict.leadingEdgeExemptionSeconds = nil
    let noExemption = try Clips.analyze(frames, times: times, rate: 50, parameters: strict)
    #expect(noExemption.frames.map(\.luminanceTransitions).max() == 7)
    #expect(noExemption.verdict == .fail)
  }
}

@Suite("Result model")
struct ResultModelTests {
  /// A full-screen 5 Hz flash from 1 s to 3 s, at 25 fps.
  static func flashing() throws -> PhotosensitivityResult {
    let times = Clips.times(count: 100, rate: 25)
    let frames = Clips.make(
      width: 160, height: 90, times: times,
      background: { t in
        t >= 1 && t < 3 && Clips.squareWave(t, hertz: 5) ? (255, 255, 255) : (0, 0, 0)
      })
    return try Clips.analyze(frames, times: times, rate: 25, parameters: .wcag)
  }

  @Test("an incident has its time range, timecodes, frames, peak, area, box and worst frame")
  func incident() throws {
    let result = try Self.flashing()
    #expect(result.verdict == .fail)
    #expect(result.incidents.count == 1)
    let i = try #require(result.incidents.first)
    #expect(i.kind == .luminance && i.verdict == .fail)
    // 20 transitions, about every 0.1 s from 1.0 s to 2.92 s: the 7th, at 1.6 s, is the first
    // moment of failure and frames fail until about 3.3 s, but the incident spans the flashing
    // that made them fail: from the first transition (1.0 s, frame 25) to the end of the frame
    // of the last one (2.92 s, frame 73).
    #expect(abs(i.start - 1.0) < 1e-9)
    #expect(i.firstFrame == 25)
    #expect(i.startTimecode == "00:00:01:00")
    #expect(i.lastFrame == 73)
    #expect(abs(i.end - 74.0 / 25) < 1e-9)
    #expect(i.endTimecode == "00:00:02:24")
    #expect(i.peakTransitionsPerSecond == 10 && i.peakFlashesPerSecond == 5)
    #expect(i.largestScreenShare == 1)
    #expect(i.boundingBox == PixelRect(x: 0, y: 0, width: 160, height: 90))
    #expect((i.firstFrame...i.lastFrame).contains(i.worstFrame))
    #expect(result.frames[i.worstFrame].luminanceTransitions == 10)
    #expect(result.parameters == .wcag)
    #expect(result.video.frameCount == 100 && abs(result.video.duration - 4) < 1e-9)
  }

  @Test("the result survives a JSON round trip, echoing every parameter")
  func json() throws {
    let result = try Self.flashing()
    let data = try JSONEncoder().encode(result)
    let back = try JSONDecoder().decode(PhotosensitivityResult.self, from: data)
    #expect(back == result)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let parameters = try #require(object["parameters"] as? [String: Any])
    #expect(parameters["profile"] as? String == "wcag")
    #expect(parameters["fieldAreaReading"] as? String == "21824")
    #expect(parameters["flashThreshold"] as? Double == 0.1)
    #expect(object["verdict"] as? String == "fail")
  }
}
