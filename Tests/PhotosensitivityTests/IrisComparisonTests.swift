import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Testing

/// `--profile iris` against IRIS's own suite, used in place (never copied): per-frame integers
/// equal to IRIS's expected CSVs on every clip, and the same overall verdict.
@Suite("IRIS comparison", .enabled(if: IrisData.shouldRun, IrisData.skipNote))
struct IrisComparisonTests {
  static let clips = [
    "2Hz_5s", "2Hz_6s", "3Hz_6s", "GradualRedIncrease", "extendedFLONG", "flashStripes", "gray",
    "intermitentEF",
  ]

  /// The overall verdicts docs/photosensitivity.md lists for the suite.
  static let documentedVerdicts: [String: Verdict] = [
    "2Hz_5s": .warning, "2Hz_6s": .fail, "3Hz_6s": .fail, "extendedFLONG": .pass,
    "intermitentEF": .pass, "gray": .pass, "GradualRedIncrease": .pass,
  ]

  @Test("per-frame transitions, extended counts and frame results equal IRIS's", arguments: clips)
  func matchesIris(clip: String) throws {
    guard IrisData.available else {
      Issue.record("IRIS test data not found at \(IrisData.path) (required under CI)")
      return
    }
    let decoder = try VideoDecoder(path: "\(IrisData.path)/videos/\(clip).mp4")
    // Odd chunk size: chunk boundaries land mid-flash, exercising `previous`.
    let result = try PhotosensitivityAnalyzer.analyze(
      decoder, parameters: .iris, engine: ScanEngine(threads: 1, chunkFrames: 7))
    let (header, expected) = try IrisData.expected(clip)
    #expect(result.frames.count == expected.count, "\(clip): frame count")

    // Current IRIS column set, or flashStripes' older one (no extended counts; FlashFailedFrames
    // is 2 where a frame fails the flash rule).
    let modern = header.contains("FlashLuminanceFailedFrame")
    var mismatches: [String] = []
    for (row, want) in zip(result.frames, expected) {
      var got: [String: Int] = [
        "LuminanceTransitions": row.luminanceTransitions, "RedTransitions": row.redTransitions,
      ]
      if modern {
        got["LuminanceExtendedFailCount"] = row.luminanceExtendedCount
        got["RedExtendedFailCount"] = row.redExtendedCount
        got["FlashLuminanceFailedFrame"] = row.luminanceResult.rawValue
        got["FlashRedFailedFrame"] = row.redResult.rawValue
      } else {
        got["TotalTransitions"] = row.luminanceTransitions + row.redTransitions
        got["FlashFailedFrames"] = max(row.luminanceResult, row.redResult) == .flashFailure ? 2 : 0
      }
      for (column, value) in got.sorted(by: { $0.key < $1.key }) {
        guard let w = want[column] else {
          Issue.record("\(clip): expected CSV has no column \(column)")
          continue
        }
        if Int(w) != value {
          mismatches.append("frame \(row.frame + 1) \(column): IRIS \(Int(w)), flashscan \(value)")
        }
      }
    }
    #expect(mismatches.isEmpty, "\(clip): \(mismatches.count) mismatches: \(mismatches.prefix(12))")

    // Overall verdict, as IRIS derives it from its own frame results.
    let codes = expected.flatMap { row in
      modern
        ? [row["FlashLuminanceFailedFrame"] ?? 0, row["FlashRedFailedFrame"] ?? 0]
        : [(row["FlashFailedFrames"] ?? 0) > 0 ? 3 : 0]
    }
    let irisVerdict: Verdict =
      codes.contains { $0 >= 2 } ? .fail : codes.contains(1) ? .warning : .pass
    #expect(result.verdict == irisVerdict, "\(clip): verdict")
    if let documented = Self.documentedVerdicts[clip] {
      #expect(result.verdict == documented, "\(clip): documented verdict")
    }
  }
}
