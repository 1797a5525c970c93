import ArgumentParser
import TextOutput

/// What a table is written as.
enum TableFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
  /// Comma-separated values with a header line; fields quoted as RFC 4180 says.
  case csv
  /// JSON Lines: one object per row with the CSV header's keys, no header line.
  case jsonl

  /// The file-name extension of a table in this format (for `--output-dir`).
  var fileExtension: String { rawValue }
}

/// One row of the T table as the command line prints it (spec "Row identity").
struct TableRow: Sendable, Equatable {
  /// Index of the pair's later frame, frames counted from 0.
  var frame: Int
  /// That frame's presentation time in seconds from the stream's first frame.
  var time: Double
  var t: Double
  /// P, the brightening side.
  var pos: Double
  /// -N, the darkening side as a non-positive number.
  var neg: Double

  init(frame: Int, time: Double, t: Double, pos: Double, neg: Double) {
    self.frame = frame
    self.time = time
    self.t = t
    self.pos = pos
    self.neg = neg
  }
}

/// Turns rows into text lines: the header, then one line per row, each ending in `\n`.
///
/// Keys: `file` (only when `withFile`), `frame`, `time`, `T`, and with `detail` also `pos`, `neg`.
struct RowFormatter: Sendable {
  var format: TableFormat
  var detail: Bool
  var withFile: Bool

  init(format: TableFormat, detail: Bool, withFile: Bool) {
    self.format = format
    self.detail = detail
    self.withFile = withFile
  }

  var keys: [String] {
    (withFile ? ["file"] : []) + ["frame", "time", "T"] + (detail ? ["pos", "neg"] : [])
  }

  /// The header line (CSV), or nil when the format has none (JSON Lines).
  var header: String? {
    switch format {
    case .csv: return keys.joined(separator: ",") + "\n"
    case .jsonl: return nil
    }
  }

  func line(file: String, row: TableRow) -> String {
    var numbers = [String(row.frame), NumberText.shortest(row.time), NumberText.shortest(row.t)]
    if detail { numbers += [NumberText.shortest(row.pos), NumberText.shortest(row.neg)] }
    switch format {
    case .csv:
      let fields = (withFile ? [CSV.quote(file)] : []) + numbers
      return fields.joined(separator: ",") + "\n"
    case .jsonl:
      let values = (withFile ? [JSON.string(file)] : []) + numbers
      var out = "{"
      for (i, (key, value)) in zip(keys, values).enumerated() {
        if i > 0 { out += "," }
        out += JSON.string(key) + ":" + value
      }
      return out + "}\n"
    }
  }
}

/// The little JSON the tables need.
enum JSON {
  /// A JSON string literal: quotes, backslashes and control characters escaped.
  static func string(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
