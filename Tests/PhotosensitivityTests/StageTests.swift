import Foundation
import FrameTensor
import Frames
import Photosensitivity
import Testing

/// The analysis as a stage: the same result on any engine settings, errors instead of crashes on
/// frames it cannot read, and one incident rule followed step by step.
@Suite("Photosensitivity stage")
struct StageTests {
  /// 4 s at 25 fps: a 5 Hz black/white flash over the whole 64x48 frame from 1 s to 3 s.
  static func clip() -> (Tensor<UInt8>, [Double]) {
    let times = Clips.times(count: 100, rate: 25)
    let frames = Clips.make(
      width: 64, height: 48, times: times,
      background: { t in
        t >= 1 && t < 3 && Clips.squareWave(t, hertz: 5) ? (255, 255, 255) : (0, 0, 0)
      })
    return (frames, times)
  }

  @Test(
    "the result does not depend on threads, chunk length or queue depth",
    arguments: [AnalysisParameters.wcag, .ofcom, .iris])
  func sameOnAnyEngine(parameters: AnalysisParameters) throws {
    let (frames, times) = Self.clip()
    let reference = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: frames, times: times, frameRate: 25), parameters: parameters,
      engine: ScanEngine(threads: 1, chunkFrames: 100))
    #expect(reference.verdict == .fail)
    for (threads, chunk, depth) in [(2, 1, 1), (3, 7, 2), (2, 16, nil)] as [(Int, Int, Int?)] {
      let result = try PhotosensitivityAnalyzer.analyze(
        TensorFrameSource(frames: frames, times: times, frameRate: 25), parameters: parameters,
        engine: ScanEngine(threads: threads, chunkFrames: chunk, queueDepth: depth))
      #expect(result == reference, "\(threads) threads, \(chunk)-frame chunks")
    }
  }

  @Test("frames of another size or layout are errors, not crashes")
  func mismatchedFramesThrow() throws {
    let measurer = PhotosensitivityMeasurer(width: 64, height: 48, parameters: .wcag)
    let wrongSize = FrameChunk(
      frames: Tensor(shape: [1, 10, 10, 3], repeating: 0), times: [0], firstIndex: 0)
    #expect(throws: PhotosensitivityError.self) {
      try measurer.measure(ChunkWindow(chunk: wrongSize, previous: nil))
    }
    let luma = FrameChunk(
      frames: Tensor(shape: [1, 48, 64, 1], repeating: 0), times: [0], firstIndex: 0)
    #expect(throws: PhotosensitivityError.self) {
      try measurer.measure(ChunkWindow(chunk: luma, previous: nil))
    }
    // Measures handed over out of order are refused too.
    var analyzer = PhotosensitivityAnalyzer(
      width: 64, height: 48, frameRate: 25, parameters: .wcag)
    let (frames, times) = Self.clip()
    let chunk = FrameChunk(frames: frames.slice(0..<2), times: Array(times[0..<2]), firstIndex: 0)
    let measures = try measurer.measure(ChunkWindow(chunk: chunk, previous: nil))
    try analyzer.consume(measures)
    #expect(throws: PhotosensitivityError.self) { try analyzer.consume(measures) }
  }

  @Test("the incident tracker's steps open, extend and close the analysis's incidents")
  func trackerSteps() throws {
    let (frames, times) = Self.clip()
    let result = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: frames, times: times, frameRate: 25), parameters: .wcag)
    var tracker = IncidentTracker(parameters: .wcag, width: 64, height: 48)
    var opened: [Int: Int] = [:]  // kind index -> first frame
    var closed: [Incident] = []
    for row in result.frames {
      for (k, step) in tracker.add(row).enumerated() {
        switch step {
        case .opened: opened[k] = row.frame
        case .closed(let incident):
          #expect(incident.firstFrame == opened[k])
          #expect(incident.lastFrame == row.frame - 1)
          closed.append(incident)
        case .idle, .extended: break
        }
      }
    }
    // Without windows the tracker keeps the flagged frames; the analysis spans the same runs to
    // their transitions (earlier start and end), with the same peaks, areas and worst frames.
    let all = tracker.incidents(
      endTime: result.frames.last!.time + 1.0 / 25, frameRate: 25)
    #expect(all.count == result.incidents.count)
    #expect(!result.incidents.isEmpty)
    #expect(closed.count <= all.count)
    for (flagged, spanned) in zip(all, result.incidents) {
      #expect(flagged.kind == spanned.kind && flagged.verdict == spanned.verdict)
      #expect(flagged.worstFrame == spanned.worstFrame)
      #expect(flagged.peakTransitionsPerSecond == spanned.peakTransitionsPerSecond)
      #expect(spanned.firstFrame < flagged.firstFrame && spanned.lastFrame < flagged.lastFrame)
    }
  }
}
