import Foundation
import Photosensitivity
import TextOutput

extension FlashReport {
  /// The summary and incident table as GitHub-flavoured Markdown, for pasting into a ticket.
  public func markdown() -> String {
    let d = document
    let name = (d.input.path as NSString).lastPathComponent
    var m = "## flashscan: **\(VerdictText.label(d.verdict))**: \(Markdown.escape(name))\n\n"
    m += "> \(Markdown.escape(d.summary))\n\n"
    m += "| | |\n|---|---|\n"
    m += "| File | \(Markdown.cell(d.input.path)) |\n"
    if let size = d.input.sizeBytes { m += "| Size | \(VerdictText.bytes(size)) |\n" }
    m +=
      "| SHA-256 | \(d.input.sha256.map { "`\($0)`" } ?? Markdown.cell(d.input.sha256Note ?? "not available")) |\n"
    m += "| Video | \(Markdown.cell(VerdictText.videoLine(d.input))) |\n"
    if let colour = VerdictText.colorLine(d.input) {
      m += "| Colour | \(Markdown.cell(colour)) |\n"
    }
    m += "| Profile | \(d.profile.rawValue): \(Markdown.cell(VerdictText.standard(d.profile))) |\n"
    if !d.input.complete {
      m +=
        "| Decoding | not read whole, analysed up to \(VerdictText.seconds(d.input.duration)) (\(d.input.frameCount) frames): \(Markdown.cell(d.input.decodeWarnings.joined(separator: "; "))) |\n"
    } else if !d.input.decodeWarnings.isEmpty {
      // Notes on a complete decode, e.g. a frame size change scaled like the ffmpeg CLI.
      m += "| Decoding | \(Markdown.cell(d.input.decodeWarnings.joined(separator: "; "))) |\n"
    }
    m +=
      "| Tool | \(Markdown.cell(VerdictText.toolLine(d.tool))) (report schema \(d.schemaVersion)) |\n"
    if let created = d.createdAt { m += "| Created | \(Markdown.cell(created)) |\n" }
    if let reproduce = d.reproduce { m += "| Reproduce | \(Markdown.cell(reproduce)) |\n" }
    m += "\n"

    m += "### Incidents (\(d.incidents.count))\n\n"
    if d.incidents.isEmpty {
      m += "No incidents: no frame was flagged.\n\n"
    } else {
      m +=
        "| # | Verdict | Kind | Start (s) | End (s) | Timecode | Frames | Peak flashes/s (pattern: pairs) | Screen | 10° field | Bounding box (px) |\n"
      m += "|---:|---|---|---:|---:|---|---|---:|---:|---:|---|\n"
      for i in d.incidents {
        let b = i.boundingBox
        let cells = [
          "\(i.number)", VerdictText.label(i.verdict), VerdictText.kind(i.kind),
          NumberText.fixed(i.start, decimals: 3), NumberText.fixed(i.end, decimals: 3),
          "\(i.startTimecode) – \(i.endTimecode)", "\(i.firstFrame)–\(i.lastFrame)",
          i.pattern.map { "\($0.pairs) pairs, \($0.motion.rawValue)" }
            ?? NumberText.fixed(i.peakFlashesPerSecond), VerdictText.percent(i.largestScreenShare),
          i.largestFieldShare.map(VerdictText.percent) ?? "–",
          "x \(b.x), y \(b.y), \(b.width)×\(b.height)",
        ]
        var escaped = cells.map(Markdown.cell)
        escaped[1] = "**\(escaped[1])**"
        m += "| " + escaped.joined(separator: " | ") + " |\n"
      }
      m += "\n"
    }

    m += "### Criteria\n\n| Criterion | Verdict | Flagged frames | Peak |\n|---|---|---:|---:|\n"
    for c in d.criteria {
      m += "| \(Markdown.cell(c.title)) | \(VerdictText.label(c.verdict)) | \(c.flaggedFrames) | "
      m += "\(c.peak) \(Markdown.cell(c.peakUnit)) |\n"
    }
    m += "\n"
    return m
  }
}

/// Markdown escaping: file names and text become literal text, one table cell each.
enum Markdown {
  /// Backslash-escapes the inline punctuation of CommonMark (backslash, backtick, * _ [ ] < > | ~ &); no escaped
  /// text starts a line, so block markers (`#`, `-`, `+`) need nothing.
  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      if c == "\n" || c == "\r" {
        out += " "
      } else if "\\`*_[]<>|~&".contains(c) {
        out += "\\\(c)"
      } else {
        out.append(c)
      }
    }
    return out
  }

  /// Escaped for a table cell (pipes escaped, no line breaks).
  static func cell(_ text: String) -> String { escape(text) }
}
