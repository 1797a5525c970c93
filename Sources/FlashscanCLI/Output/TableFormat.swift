import ArgumentParser
import TTable
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

/// One row of the T table as the command line prints it: the T table's own row.
typealias TableRow = TRow

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
  /// A JSON string literal (`Escaping.json`).
  static func string(_ s: String) -> String { Escaping.json(s) }
}
