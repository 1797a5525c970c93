import Foundation
import TextOutput

/// One input's line of the batch index (`--index`) and of `--check --format jsonl`.
struct IndexRecord: Sendable, Equatable {
  /// The fields, in order: the CSV header and the JSON keys.
  static let keys = [
    "file", "status", "verdict", "incidents", "frames", "duration", "error", "reports",
  ]

  var file: String
  /// `ok`, `partial`, `failed` or `skipped` (skipped: `--skip-existing` found its outputs, or
  /// the run stopped before reaching it).
  var status: String
  /// `pass`, `warning`, `fail` or `incomplete`; nil without an analysis.
  var verdict: String?
  /// Incidents in its report; nil without an analysis.
  var incidents: Int?
  var frames: Int
  /// Seconds of video read.
  var duration: Double
  /// What went wrong (the line printed on stderr without the path), when something did.
  var error: String?
  /// The report files written for it.
  var reports: [String]

  init(_ r: FileReport) {
    file = r.path
    switch r.status {
    case .ok, .partial, .failed, .skipped: status = r.status.rawValue
    case .notRun: status = "skipped"
    }
    verdict = r.verdict?.rawValue
    incidents = r.incidents
    frames = r.frames
    duration = r.duration
    error = r.outputError ?? r.error
    reports = r.reportPaths
  }

  /// `4.000`: milliseconds, like the summary.
  var durationText: String { String(format: "%.3f", duration) }

  /// One JSON object, keys in `keys` order; absent values are `null`.
  var json: String {
    let values: [String] = [
      Escaping.json(file), Escaping.json(status), verdict.map(Escaping.json) ?? "null",
      incidents.map(String.init) ?? "null", String(frames), durationText,
      error.map(Escaping.json) ?? "null",
      "[" + reports.map(Escaping.json).joined(separator: ",") + "]",
    ]
    return "{" + zip(Self.keys, values).map { Escaping.json($0) + ":" + $1 }.joined(separator: ",")
      + "}"
  }

  /// One CSV line (RFC 4180 quoting); absent values are empty, report paths joined by `;`.
  var csv: String {
    [
      CSV.quote(file), status, verdict ?? "", incidents.map(String.init) ?? "", String(frames),
      durationText, CSV.quote(error ?? ""), CSV.quote(reports.joined(separator: ";")),
    ].joined(separator: ",")
  }
}

/// The batch index: one record per input, in input order, written atomically once the run ends
/// (also after Ctrl-C, with the inputs not reached `skipped`).
enum BatchIndex {
  enum Format: String, Sendable {
    case csv, json, jsonl
  }

  /// The format the path's extension names (`.csv`, `.json`, `.jsonl`, any case), nil otherwise.
  static func format(of path: String) -> Format? {
    Format(rawValue: (path as NSString).pathExtension.lowercased())
  }

  static func render(_ records: [IndexRecord], as format: Format) -> String {
    switch format {
    case .csv:
      return ([IndexRecord.keys.joined(separator: ",")] + records.map(\.csv)).map { $0 + "\n" }
        .joined()
    case .jsonl:
      return records.map { $0.json + "\n" }.joined()
    case .json:
      return "[" + records.map { "\n  " + $0.json }.joined(separator: ",")
        + (records.isEmpty ? "" : "\n") + "]\n"
    }
  }

  /// Writes the index of `files` to `path` (temporary file, then rename); `registry` nil after
  /// Ctrl-C, when the shared registry refuses commits.
  static func write(
    _ files: [FileReport], to path: String,
    registry: (any TemporaryFileRegistry)? = TempFiles.shared
  ) throws {
    guard let format = format(of: path) else {
      throw OutputError(path: path, reason: "the index must end in .csv, .json or .jsonl")
    }
    let text = render(files.map(IndexRecord.init), as: format)
    try AtomicFileWriter.write(Array(text.utf8), to: path, registry: registry)
  }
}
