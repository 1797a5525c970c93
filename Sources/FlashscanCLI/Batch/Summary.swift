import Foundation

/// The summary printed on stderr at the end of a run.
enum SummaryText {
  /// One file: `PATH: ok, 250 frames, 10.000 s, max |T| 1234.57`, plus the speed when `speed`;
  /// `PATH: failed, its output could not be written (standard output: No space left on device)`
  /// when its rows (or table, or report) did not get out.
  static func fileLine(_ r: FileReport, speed: Bool = false) -> String {
    switch r.status {
    case .ok, .partial:
      var line =
        "\(r.path): \(r.status.rawValue), \(r.frames) frames, "
        + String(format: "%.3f s, max |T| %.2f", r.duration, r.maxAbsT)
      if speed { line += ", " + rate(frames: r.frames, seconds: r.seconds) }
      if r.sdrProfileOnHDR {
        line += ", warning: HDR input measured with an SDR profile (use --profile bt1702)"
      }
      return line
    case .skipped:
      return "\(r.path): skipped (its table exists)"
    case .failed where r.outputError != nil:
      return "\(r.path): failed, its output could not be written (\(r.outputError!))"
    case .failed, .notRun:
      return "\(r.path): \(r.status.rawValue)"
    }
  }

  /// The batch totals: `total: 7 files: 3 ok, 1 partial, 3 failed; 750 frames, 30.000 s of video
  /// in 1.20 s (625 frames/s)`.
  static func totalLine(_ b: BatchReport) -> String {
    var counts: [String] = []
    for status in [FileReport.Status.ok, .partial, .failed, .skipped, .notRun] {
      let n = b.files.filter { $0.status == status }.count
      if n > 0 || status == .ok || status == .failed { counts.append("\(n) \(status.rawValue)") }
    }
    let frames = b.files.reduce(0) { $0 + $1.frames }
    let video = b.files.reduce(0.0) { $0 + $1.duration }
    return "total: \(b.files.count) files: " + counts.joined(separator: ", ")
      + "; \(frames) frames, "
      + String(format: "%.3f s of video, ", video) + rate(frames: frames, seconds: b.seconds)
  }

  static func rate(frames: Int, seconds: Double) -> String {
    let fps = seconds > 0 ? Double(frames) / seconds : 0
    return String(format: "scanned in %.2f s (%.0f frames/s)", seconds, fps)
  }
}

/// Exit codes (Docs/CLI.md). 3 is kept for `--fail-on` (a verdict, not a failure to read).
enum ExitStatus {
  static let ok: Int32 = 0
  /// An input failed or was read only in part, or an output could not be written.
  static let inputFailed: Int32 = 1
  /// Bad command line (ArgumentParser's validation errors are mapped to it).
  static let usage: Int32 = 2

  /// A photosensitivity verdict that `--fail-on` names (only when every input was read).
  static let verdict: Int32 = 3

  static func of(_ report: BatchReport, failOn: FailOn = .never) -> Int32 {
    switch report.stop {
    case .interrupted(let signal): return 128 + signal
    case .outputFailed: return inputFailed
    case .outputClosed, nil:
      let bad = report.files.contains { $0.status == .failed || $0.status == .partial }
      if bad { return inputFailed }
      let flagged = report.files.contains { $0.verdict.map(failOn.matches) ?? false }
      return flagged ? verdict : ok
    }
  }
}
