// Scans one video in one decoding pass: prints its T table and writes a photosensitivity report.
// Usage: library-example VIDEO REPORT.html
import Foundation
import Frames
import MediaIO
import Reports
import TTable

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  print("usage: library-example VIDEO REPORT.html")
  exit(2)
}
do {
  let decoder = try VideoDecoder(path: arguments[1])
  let report = ReportStages(info: decoder.info, path: arguments[1], parameters: .wcag)
  let table = TTableStage { rows in
    report.add(rows)
    for row in rows { print("\(row.frame),\(row.time),\(row.t)") }
  }
  try ScanEngine().run(decoder, stages: [table] + report.stages)
  let flashReport = try report.report(tool: ToolInfo(version: "library-example"))
  let html = try flashReport.render(.html, png: PNGEncoder.encode(rgb:))
  try html.write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
  print("verdict: \(flashReport.document.verdict.rawValue)")
} catch {
  print("library-example: \(error)")
  exit(1)
}
