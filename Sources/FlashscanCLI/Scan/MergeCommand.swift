import ArgumentParser
import Foundation
import Photosensitivity
import Reports
import Segments
import TTable

/// `flashscan merge DIR`: joins the part files of `flashscan FILE --segment K/N --part-out DIR`
/// into the T table, report, frames CSV and markers one whole run writes (Docs/Scale.md).
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join the part files of a segmented scan into the whole film's table and report.",
    discussion: """
      Reads every part file (*.fspart) in DIR, checks they are the segments 0..N-1 of one film \
      scanned with one flashscan and the same options, and writes what one whole run writes: \
      the T table (standard output or -o), the report, frames CSV and markers. The profile and \
      thresholds are the ones recorded in the parts. Reports need the source film at the path \
      the parts recorded (for its SHA-256 and, in HTML, the thumbnails, decoded again).

      Exit status: as a scan's (0 ok, 1 a part is missing, damaged or does not match, 2 usage, \
      3 a verdict matched --fail-on).
      """)

  @Argument(help: ArgumentHelp("The directory holding the part files.", valueName: "DIR"))
  var directory: String

  @Option(help: "Output format: csv (header line) or jsonl (one JSON object per row).")
  var format: TableFormat = .csv

  @Flag(help: "Add the columns pos (P, brightening) and neg (-N, darkening).")
  var detail = false

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "Write the table to PATH (through a temporary file and a rename; default: standard output).",
      valueName: "PATH"))
  var output: String?

  @Option(
    help: ArgumentHelp(
      "Write the film's record (file, status, verdict, incidents, frames, duration, error, reports) to PATH: .csv, .json or .jsonl.",
      valueName: "PATH"))
  var index: String?

  @Flag(help: "Print nothing on stderr but errors (no summary).")
  var quiet = false

  @OptionGroup(title: "Photosensitivity report (Docs/Reports.md)")
  var reportOptions: ReportOptions

  func validate() throws {
    if let index, BatchIndex.format(of: index) == nil {
      throw ValidationError("--index must end in .csv, .json or .jsonl: '\(index)'")
    }
    if !reportOptions.active && reportOptions.failOn != .fail {
      throw ValidationError(
        "--fail-on needs --report, --report-dir, --check, --frames-csv or --markers")
    }
    if let markers = reportOptions.markers, Markers.format(of: markers) == nil {
      throw ValidationError("--markers must end in .edl or .csv: '\(markers)'")
    }
    if reportOptions.check && output != nil {
      throw ValidationError("--check prints verdict lines only: it cannot be used with -o")
    }
  }

  func run() throws {
    let stop = StopFlag()
    SignalTrap.install(stop: stop)
    let console = Console(forceProgress: false, quiet: quiet)
    let headers: [(path: String, header: PartHeader)]
    do {
      headers = try PartMerge.checkedHeaders(paths: try PartMerge.partPaths(in: directory))
    } catch {
      console.error("\(error)")
      throw ExitCode(ExitStatus.inputFailed)
    }
    let recorded = headers[0].header
    // The parts fix the analysis: options given here must say the same, or be left out.
    if reportOptions.thresholdsGiven || reportOptions.profile != .wcag || reportOptions.patterns,
      reportOptions.parameters() != recorded.options.parameters
    {
      console.error(
        "flashscan: the profile and threshold options given (profile \(reportOptions.profile.rawValue)) differ from the ones the parts were scanned with (profile \(recorded.options.parameters.profile.rawValue)): the merge uses the parts'; leave them out"
      )
      throw ExitCode(ExitStatus.usage)
    }
    let path = recorded.source.path
    let target: OutputTarget =
      output.map { $0 == "-" ? .standardOutput : .file($0) } ?? .standardOutput
    let formatter = RowFormatter(format: format, detail: detail, withFile: false)
    var reportOutput =
      reportOptions.active
      ? ReportOutput(
        parameters: recorded.options.parameters, reportPaths: reportOptions.reports,
        reportDirectory: reportOptions.reportDir,
        directoryFormats: reportOptions.directoryFormats,
        framesCSV: reportOptions.framesCSV, markers: reportOptions.markers,
        check: reportOptions.check, failOn: reportOptions.failOn,
        thumbnails: reportOptions.needsThumbnails, reportVideo: reportOptions.reportVideo,
        tool: ToolInfo(version: BuildInfo.version, commit: BuildInfo.commit))
      : nil
    reportOutput?.printTable = reportOptions.table || output != nil
    let scanner = MergeScanner(
      parts: headers.map(\.path), analyse: reportOutput != nil,
      thumbnails: reportOutput?.thumbnails ?? false,
      tool: ToolInfo(version: BuildInfo.version, commit: BuildInfo.commit))
    let runner = BatchRunner(
      items: [InputItem(path: path)], scanner: scanner, formatter: formatter, target: target,
      jobs: 1, threads: 1, console: console, stop: stop, reportOutput: reportOutput)
    let report = runner.run()
    var indexFailed = false
    if let index {
      do {
        try BatchIndex.write(report.files, to: index, registry: TempFiles.shared)
      } catch {
        console.error("\(error)")
        indexFailed = true
      }
    }
    switch report.stop {
    case .interrupted(let signal):
      throw ExitCode(128 + signal)
    case .outputClosed:
      break
    case .outputFailed, nil:
      if !quiet, let file = report.files.first, file.status == .ok {
        console.info(
          "\(SummaryText.fileLine(file)) (merged from \(headers.count) part\(headers.count == 1 ? "" : "s"))"
        )
      }
    }
    let status =
      indexFailed
      ? ExitStatus.inputFailed : ExitStatus.of(report, failOn: reportOutput?.failOn ?? .never)
    if status != ExitStatus.ok { throw ExitCode(status) }
  }
}

/// The merge as the batch's scanner: the one "file" is the film the parts name; its rows and
/// report come from the parts (`PartMerge`), so the table, verdict lines, report files, index and
/// exit status are written by the same code as a scan's.
struct MergeScanner: FileScanner {
  var parts: [String]
  var analyse: Bool
  /// An HTML report is asked for: its thumbnails are decoded from the source.
  var thumbnails: Bool
  var tool: ToolInfo

  func scan(
    path: String, threads: Int, stop: StopFlag,
    started: (ScanStart) throws -> Void,
    decoded: @escaping @Sendable (Int) -> Void,
    row: (TableRow) throws -> Void
  ) throws -> ScanOutcome {
    let film = try PartMerge.merge(paths: parts, analyse: analyse, keepForThumbnails: thumbnails)
    var report: FlashReport? = nil
    // Validated before the run (ScanCommand), so this cannot throw for a bad value here.
    let created = try ReportTime.creationDate()
    if analyse && thumbnails {
      let pictures = try MergeThumbnails.collect(
        film: film, source: try PartMerge.sourcePath(of: film.header))
      report = try PartMerge.report(
        of: film, tool: tool, createdAt: created, thumbnails: pictures.collector,
        patternPictures: pictures.patternPictures,
        omittedPatternPictures: pictures.omittedPatternPictures)
    } else if analyse {
      report = try PartMerge.report(of: film, tool: tool, createdAt: created)
    }
    try started(ScanStart(estimatedFrames: film.frameCount))
    for r in film.rows { try row(r) }
    decoded(film.frameCount)
    var outcome = ScanOutcome(
      frames: film.frameCount, duration: film.header.video.duration ?? film.lastFrameTime,
      partialReason: nil, warnings: film.decodeWarnings)
    outcome.report = report
    return outcome
  }
}
