import Foundation
import FrameTensor
import Frames
import Photosensitivity
import Testing

/// Incidents mark the material to fix (issue 13): spanned to the transitions that made frames
/// fail, merged when less than a second apart, each kind with its own area.
@Suite("incident spans")
struct IncidentSpanTests {
  /// 160x90 full-screen black/white 5 Hz flashing in each burst `[start, end)` (lit at each
  /// burst's start), black otherwise.
  static func bursts(_ bursts: [(Double, Double)], seconds: Double, rate: Double) -> (
    frames: Tensor<UInt8>, times: [Double]
  ) {
    let times = Clips.times(count: Int((seconds * rate).rounded()), rate: rate)
    let frames = Clips.make(
      width: 160, height: 90, times: times,
      background: { t in
        bursts.contains { t >= $0.0 && t < $0.1 && Clips.squareWave(t - $0.0, hertz: 5) }
          ? (255, 255, 255) : (0, 0, 0)
      })
    return (frames, times)
  }

  @Test("bursts less than one second apart are one incident, from first to last transition")
  func merge() throws {
    // Transitions at frames 25 ... 48, then 63 ... 85: 0.56 s between the first burst's end
    // (end of frame 48, 1.96 s) and the second's start (2.52 s).
    let near = Self.bursts([(1, 2), (2.5, 3.5)], seconds: 5, rate: 25)
    let merged = try Clips.analyze(near.frames, times: near.times, rate: 25, parameters: .wcag)
    #expect(merged.incidents.count == 1, "\(merged.incidents)")
    let i = try #require(merged.incidents.first)
    #expect(i.kind == .luminance && i.verdict == .fail)
    #expect(abs(i.start - 1.0) < 1e-9 && i.firstFrame == 25)
    #expect(i.lastFrame == 85 && abs(i.end - 86.0 / 25) < 1e-9)
    #expect((i.firstFrame...i.lastFrame).contains(i.worstFrame))

    // 1.56 s apart (frames 25 ... 48 and 88 ... 110): two incidents.
    let far = Self.bursts([(1, 2), (3.5, 4.5)], seconds: 6, rate: 25)
    let two = try Clips.analyze(far.frames, times: far.times, rate: 25, parameters: .wcag)
    #expect(two.incidents.count == 2, "\(two.incidents)")
    #expect(two.incidents.map(\.firstFrame) == [25, 88])
    #expect(two.incidents.map(\.lastFrame) == [48, 110])
  }

  @Test(
    "a continuous 5 Hz flash at 29.97 fps is one incident under every profile",
    arguments: [AnalysisParameters.wcag, .ofcom, .iris])
  func ntscFlash(parameters: AnalysisParameters) throws {
    let rate = 30000.0 / 1001
    let clip = Self.bursts([(1, 9)], seconds: 10, rate: rate)
    let result = try Clips.analyze(
      clip.frames, times: clip.times, rate: rate, parameters: parameters)
    #expect(result.verdict == .fail)
    let luminance = result.incidents.filter { $0.kind == .luminance }
    #expect(luminance.count == 1, "\(result.incidents)")
    let i = try #require(luminance.first)
    // The first transition is the frame at 1 s or just after (frame 30 at 1.001 s).
    #expect(i.firstFrame == 30, "\(i)")
    #expect(i.end > 8.9 && i.end < 9.1, "\(i)")
    #expect(i.startTimecode == "00:00:01;00")
  }

  @Test("a red incident has the area and box that flash red; the luminance one its own")
  func redArea() throws {
    // Left half: saturated red / black at 5 Hz; right half: white / black at 5 Hz. Both halves
    // are luminance flashes, only the left one is a red flash.
    let times = Clips.times(count: 100, rate: 25)
    let frames = Clips.make(
      width: 160, height: 90, times: times, box: PixelRect(x: 0, y: 0, width: 80, height: 90),
      background: { t in
        t >= 1 && t < 3 && Clips.squareWave(t, hertz: 5) ? (255, 255, 255) : (0, 0, 0)
      },
      foreground: { t in t >= 1 && t < 3 && Clips.squareWave(t, hertz: 5) ? (255, 0, 0) : (0, 0, 0)
      })
    let result = try Clips.analyze(frames, times: times, rate: 25, parameters: .wcag)
    let red = try #require(result.incidents.first { $0.kind == .red })
    let luminance = try #require(result.incidents.first { $0.kind == .luminance })
    #expect(luminance.boundingBox == PixelRect(x: 0, y: 0, width: 160, height: 90))
    #expect(abs(luminance.largestScreenShare - 1) < 1e-9)
    #expect(red.boundingBox.x == 0 && red.boundingBox.x + red.boundingBox.width <= 90, "\(red)")
    #expect(red.largestScreenShare > 0.4 && red.largestScreenShare < 0.6, "\(red)")
  }

  @Test("incidents do not depend on threads or chunk length", arguments: [1, 3, 8])
  func chunking(chunk: Int) throws {
    let clip = Self.bursts([(1, 2), (2.5, 3.5)], seconds: 5, rate: 25)
    let source = TensorFrameSource(frames: clip.frames, times: clip.times, frameRate: 25)
    let reference = try Clips.analyze(clip.frames, times: clip.times, rate: 25, parameters: .ofcom)
    let other = try PhotosensitivityAnalyzer.analyze(
      source, parameters: .ofcom, engine: ScanEngine(threads: 2, chunkFrames: chunk))
    #expect(other.incidents == reference.incidents)
  }
}
