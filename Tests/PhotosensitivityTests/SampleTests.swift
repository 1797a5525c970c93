import Foundation
import Frames
import MediaIO
import Photosensitivity
import TTable
import Testing

/// The repository's sample clips (Scripts/make-samples), decoded with `VideoDecoder`.
@Suite("Samples")
struct SampleTests {
  static func sample(_ name: String) -> String {
    IrisData.packageRoot.appendingPathComponent("Samples/\(name)").path
  }

  @Test("flashing.mp4 fails (5 Hz full-screen flash from 2 s to 4 s), calm.mp4 passes")
  func flashingAndCalm() throws {
    let flashing = try PhotosensitivityAnalyzer.analyze(
      VideoDecoder(path: Self.sample("flashing.mp4")), parameters: .wcag)
    #expect(flashing.verdict == .fail)
    let incident = try #require(flashing.incidents.first { $0.kind == .luminance })
    // The incident spans the flashing to fix: the overlay starts at 2.0 s (frame 60), and the
    // moving test pattern's own changes before it do not pull the start earlier. Its last
    // change (white off) is in the frame at 3.9 s or 3.933 s.
    #expect(abs(incident.start - 2.0) < 1e-9 && incident.firstFrame == 60, "\(incident)")
    #expect(incident.end > 3.9 && incident.end < 4.0 + 1e-9, "\(incident)")
    #expect(flashing.incidents.filter { $0.kind == .luminance }.count == 1)
    // 10 changes a second; ffmpeg's `mod(t, 0.2) < 0.1` on 1/30 s frame times makes some
    // half-periods 2 or 4 frames instead of 3, so a one-second window can hold 11.
    #expect((10...11).contains(incident.peakTransitionsPerSecond))
    let calm = try PhotosensitivityAnalyzer.analyze(
      VideoDecoder(path: Self.sample("calm.mp4")), parameters: .wcag)
    #expect(calm.verdict == .pass)
    #expect(calm.incidents.isEmpty)
  }

  @Test("red-flash.mp4 fails the red rules, not the luminance one, within the red box")
  func redFlash() throws {
    let result = try PhotosensitivityAnalyzer.analyze(
      VideoDecoder(path: Self.sample("red-flash.mp4")), parameters: .wcag)
    #expect(result.verdict == .fail)
    let red = try #require(result.incidents.first { $0.kind == .red })
    // The box is x 80..<240 of 320, the full height.
    #expect(red.boundingBox.x >= 70 && red.boundingBox.x <= 80)
    #expect(red.boundingBox.x + red.boundingBox.width >= 240)
    #expect(red.boundingBox.x + red.boundingBox.width <= 250)
    #expect(result.criteria.first { $0.id == .redFlashClassic }?.verdict == .fail)
    #expect(result.criteria.first { $0.id == .redFlashChromaticity }?.verdict == .fail)
  }

  @Test("measuring on the pipeline's worker threads gives the same result as one thread")
  func parallelEqualsSerial() throws {
    for p in [AnalysisParameters.wcag, .iris] {
      let serial = try PhotosensitivityAnalyzer.analyze(
        VideoDecoder(path: Self.sample("flashing.mp4")), parameters: p,
        engine: ScanEngine(threads: 1, chunkFrames: 5))
      let parallel = try PhotosensitivityAnalyzer.analyze(
        VideoDecoder(path: Self.sample("flashing.mp4")), parameters: p,
        engine: ScanEngine(threads: 2, chunkFrames: 7, queueDepth: 3))
      #expect(parallel == serial, "\(p.profile)")
      #expect(serial.frames.count == 180)
    }
  }
}
