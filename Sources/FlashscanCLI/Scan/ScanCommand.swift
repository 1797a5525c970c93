import ArgumentParser
import Foundation
import MediaIO
import Photosensitivity
import Reports
import Segments
import TTable
import TextOutput

extension GrayMode: ExpressibleByArgument {}

extension Shard: ExpressibleByArgument {
  init?(argument: String) { self.init(parsing: argument) }
}

extension SegmentChoice: ExpressibleByArgument {
  public init?(argument: String) { self.init(parsing: argument) }
}

/// `flashscan [scan] [options] FILE...` (the default command): decode videos and print the T table.
///
/// Parsing and validation live here; the work is `BatchRunner` with `VideoTableScanner`.
/// Docs/CLI.md describes every option, the output and the exit codes.
struct ScanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scan",
    abstract: "Decode videos and print the exam's T table (the default command).",
    discussion: """
      Prints one row per delta-frame: frame (the later frame of the pair, counted from 0), time (its \
      presentation time in seconds) and T. With several inputs or a directory, rows gain a leading \
      'file' column. Directories are walked recursively (sorted, hidden names skipped, files with a \
      video extension unless --all-files). The summary and errors go to stderr.

      With --report, --check or --frames-csv the photosensitivity analysis (WCAG 2.3.1, Ofcom, IRIS \
      or ITU-R BT.1702-3 with HDR) runs in the same decoding pass; see Docs/Reports.md.

      Exit status: 0 every input read whole; 1 an input failed or was partial (or an output could \
      not be written); 2 usage error; 3 a photosensitivity verdict matched --fail-on (default: \
      fail); 130 interrupted (Ctrl-C). See Docs/CLI.md.
      """)

  @Argument(
    help: ArgumentHelp("Video files or directories; '-' reads standard input.", valueName: "FILE"))
  var inputs: [String] = []

  @Option(help: "Output format: csv (header line) or jsonl (one JSON object per row).")
  var format: TableFormat = .csv

  @Flag(help: "Add the columns pos (P, brightening) and neg (-N, darkening).")
  var detail = false

  @Option(help: "k of the top-k means P and N (the exam's 5; the staff code's 10).")
  var topK: Int = 5

  @Option(
    help:
      "Gray definition: mean (the exam's), bt601, bt709, or luma (decoder's Y plane, not exam-exact)."
  )
  var gray: GrayMode = .mean

  @Option(
    help: ArgumentHelp(
      "Container stream index of the video stream (default: the first video stream).",
      valueName: "N"))
  var stream: Int?

  @Option(
    help: ArgumentHelp(
      "Threads in all, shared by --jobs (default: all cores, \(Self.cores) here).", valueName: "N"))
  var threads: Int?

  @Option(
    help: ArgumentHelp(
      "Frames decoded and analysed per chunk (default: automatic, about 19 MB of frames, 1-16).",
      valueName: "N"))
  var chunkFrames: Int?

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "Write the table to PATH (through a temporary file and a rename; default: standard output).",
      valueName: "PATH"))
  var output: String?

  @Option(help: ArgumentHelp("Files scanned at once, sharing --threads.", valueName: "N"))
  var jobs: Int = 1

  @Option(
    help: ArgumentHelp(
      "Write one table per input under DIR, mirroring the input paths (default: off).",
      valueName: "DIR"))
  var outputDir: String?

  @Flag(
    help:
      "With --output-dir and/or --report-dir: skip inputs whose every table and report already exists."
  )
  var skipExisting = false

  @Flag(help: "Walks probe every file, not only video extensions.")
  var allFiles = false

  @Option(
    help: ArgumentHelp(
      "Scan only part K of N (K from 0) of the sorted input list (default: all).", valueName: "K/N")
  )
  var shard: Shard?

  @Option(
    help: ArgumentHelp(
      "Analyse only segment K of N (K from 0) of the one input film, cut at keyframes, into a part file in --part-out DIR; join the parts with 'flashscan merge DIR'.",
      valueName: "K/N"))
  var segment: SegmentChoice?

  @Option(
    help: ArgumentHelp(
      "With --segment: the directory the part file is written to (created if missing).",
      valueName: "DIR"))
  var partOut: String?

  @Flag(help: "Show the progress line even when stderr is not a terminal.")
  var progress = false

  @Flag(help: "Print nothing on stderr but errors (no progress, no summary).")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Write one record per input (file, status, verdict, incidents, frames, duration, error, reports) to PATH: .csv, .json or .jsonl; written at the end, also after Ctrl-C.",
      valueName: "PATH"))
  var index: String?

  @OptionGroup(title: "Photosensitivity report (Docs/Reports.md)")
  var reportOptions: ReportOptions

  static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

  static func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
  }

  func validate() throws {
    if inputs.isEmpty {
      throw ValidationError("no input: give files or directories, or '-' for standard input")
    }
    if topK < 1 { throw ValidationError("--top-k must be at least 1") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let chunkFrames, chunkFrames < 1 {
      throw ValidationError("--chunk-frames must be at least 1")
    }
    if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if let stream, stream < 0 { throw ValidationError("--stream must be 0 or more") }
    if output != nil && outputDir != nil {
      throw ValidationError("-o and --output-dir cannot be used together")
    }
    if skipExisting && outputDir == nil && reportOptions.reportDir == nil {
      throw ValidationError("--skip-existing needs --output-dir or --report-dir")
    }
    if let index, BatchIndex.format(of: index) == nil {
      throw ValidationError("--index must end in .csv, .json or .jsonl: '\(index)'")
    }
    if inputs.filter({ $0 == "-" }).count > 1 {
      throw ValidationError("'-' (standard input) can be given once")
    }
    if !reportOptions.active && segment == nil && reportOptions.analysisOptionsGiven {
      throw ValidationError(
        "--profile, --fail-on, --patterns and the thresholds need --report, --report-dir, --check, --frames-csv or --segment"
      )
    }
    if segment != nil || partOut != nil { try validateSegment() }
    if reportOptions.active {
      if gray == .luma {
        throw ValidationError(
          "--gray luma cannot be used with a report (the analysis needs RGB frames)")
      }
      let single = inputs.count == 1 && !Self.isDirectory(inputs[0])
      if !single
        && (!reportOptions.reports.isEmpty || reportOptions.framesCSV != nil
          || reportOptions.markers != nil)
      {
        throw ValidationError(
          "--report, --frames-csv and --markers take a single input file (--report-dir and --check take many)"
        )
      }
      if reportOptions.reportVideo && inputs.contains("-") {
        throw ValidationError(
          "--report-video: standard input ('-') has no path for the report's player to point at")
      }
      if let markers = reportOptions.markers, Markers.format(of: markers) == nil {
        throw ValidationError("--markers must end in .edl or .csv: '\(markers)'")
      }
      if reportOptions.check && (output != nil || outputDir != nil) {
        throw ValidationError(
          "--check prints verdict lines only: it cannot be used with -o or --output-dir")
      }
    }
  }

  /// `--segment K/N --part-out DIR`: one film, a part file; the reports come from the merge.
  func validateSegment() throws {
    guard segment != nil, partOut != nil else {
      throw ValidationError("--segment and --part-out go together")
    }
    if inputs.count != 1 || inputs[0] == "-" || Self.isDirectory(inputs[0]) {
      throw ValidationError("--segment takes one input file (not '-' or a directory)")
    }
    if reportOptions.active {
      throw ValidationError(
        "--segment writes a part file only: the reports, --check, --frames-csv and --markers come from 'flashscan merge'"
      )
    }
    if reportOptions.failOn != .fail {
      throw ValidationError("--fail-on goes to 'flashscan merge', not to a segment")
    }
    if output != nil || outputDir != nil || index != nil || shard != nil || jobs != 1
      || skipExisting
    {
      throw ValidationError(
        "--segment cannot be used with -o, --output-dir, --index, --shard, --jobs or --skip-existing (the T table comes from 'flashscan merge')"
      )
    }
    if gray == .luma {
      throw ValidationError(
        "--gray luma cannot be used with --segment (the analysis needs RGB frames)")
    }
  }

  /// Scans one segment and writes its part (through a temporary file and a rename).
  func runSegment(_ segment: SegmentChoice, into directory: String) throws {
    let console = Console(forceProgress: false, quiet: quiet)
    if let warning = RegionKernel.environmentChoice.warning { console.error("warning: " + warning) }
    let path = inputs[0]
    let request = SegmentRequest(
      path: path, segment: segment, topK: topK, gray: gray, stream: stream,
      parameters: reportOptions.parameters(), threads: threads ?? Self.cores,
      chunkFrames: chunkFrames, toolVersion: BuildInfo.version,
      toolCommit: BuildInfo.commit ?? "unknown")
    let partPath =
      (directory.hasSuffix("/") ? directory : directory + "/") + SegmentScan.fileName(segment)
    do {
      let part = try SegmentScan.run(request)
      try AtomicFileWriter.write(
        try part.encoded(), to: partPath, createDirectories: true, registry: TempFiles.shared)
      let h = part.header
      console.info(
        "\(Escaping.terminal(path)): segment \(segment): frames \(h.firstFrame)..<\(h.endFrame) (\(VerdictText.seconds(h.startTime))-\(VerdictText.seconds(h.endTime))) -> \(Escaping.terminal(partPath))"
      )
    } catch {
      let line = "\(error)"
      console.error(
        line.hasPrefix(path + ": ") || line.hasPrefix(partPath) ? line : "\(path): \(line)")
      throw ExitCode(ExitStatus.inputFailed)
    }
  }

  func run() throws {
    if let segment, let partOut {
      let stop = StopFlag()
      SignalTrap.install(stop: stop)
      return try runSegment(segment, into: partOut)
    }
    let stop = StopFlag()
    SignalTrap.install(stop: stop)
    let console = Console(forceProgress: progress, quiet: quiet)
    // FLASHSCAN_CPU (Docs/Benchmarks.md) picks the T table's kernel and the analysis's
    // region-sum kernel: a value that cannot be honoured is said once, and the best kernels run.
    if let warning = RegionKernel.environmentChoice.warning {
      console.error("warning: " + warning)
    }

    let walker = InputWalker(
      allFiles: allFiles,
      excludedDirectories: [outputDir, reportOptions.reportDir].compactMap { $0 })
    let list = walker.collect(inputs).skippingDanglingLinks()
    if let collision = outputCollision(list) {
      console.error(collision.description)
      throw ExitCode(ExitStatus.usage)
    }
    let items = shard.map { $0.select(list.items) } ?? list.items
    let withFile = inputs.count > 1 || list.walkedDirectory

    let target: OutputTarget
    if let outputDir {
      target = .directory(outputDir, skipExisting: skipExisting)
    } else if let output, output != "-" {
      target = .file(output)
    } else {
      target = .standardOutput
    }
    let formatter = RowFormatter(
      format: format, detail: detail, withFile: withFile && outputDir == nil)
    var engine = FlashinatorOptions()
    engine.topK = topK
    engine.gray = gray
    if let chunkFrames { engine.chunkFrames = chunkFrames }
    var reportOutput =
      reportOptions.active
      ? ReportOutput(
        parameters: reportOptions.parameters(), reportPaths: reportOptions.reports,
        reportDirectory: reportOptions.reportDir,
        directoryFormats: reportOptions.directoryFormats,
        framesCSV: reportOptions.framesCSV, markers: reportOptions.markers,
        check: reportOptions.check, failOn: reportOptions.failOn,
        thumbnails: reportOptions.needsThumbnails, reportVideo: reportOptions.reportVideo,
        tool: ToolInfo(version: BuildInfo.version, commit: BuildInfo.commit))
      : nil
    // A report-first run: the verdict line on standard output, the T table only when asked.
    reportOutput?.printTable = reportOptions.table || target != .standardOutput || output != nil
    let scanner = VideoTableScanner(engine: engine, streamIndex: stream, report: reportOutput)

    let runner = BatchRunner(
      items: items, scanner: scanner, formatter: formatter, target: target, jobs: jobs,
      threads: threads ?? Self.cores, console: console, stop: stop, reportOutput: reportOutput,
      skipExisting: skipExisting)
    if let index {
      SignalTrap.onInterrupt { [runner] in
        try? BatchIndex.write(runner.currentReports, to: index, registry: nil)
      }
    }
    let report = runner.run()
    var indexFailed = false
    if let index {
      do {
        let interrupted = report.stop.map { if case .interrupted = $0 { true } else { false } }
        try BatchIndex.write(
          report.files, to: index, registry: interrupted == true ? nil : TempFiles.shared)
      } catch {
        console.error("\(error)")
        indexFailed = true
      }
    }

    switch report.stop {
    case .interrupted(let signal):
      throw ExitCode(128 + signal)
    case .outputClosed:
      break  // quiet: the reader has gone, nobody wants a summary
    case .outputFailed, nil:
      printSummary(report, list: list, console: console)
    }
    let status =
      indexFailed
      ? ExitStatus.inputFailed : ExitStatus.of(report, failOn: reportOutput?.failOn ?? .never)
    if status != ExitStatus.ok { throw ExitCode(status) }
  }

  /// Two inputs whose tables or reports would be the same file (`OutputCollision`), checked over
  /// the whole list (every shard sees the same answer) before any work. Inputs that already failed
  /// (missing paths) write nothing and are left out.
  private func outputCollision(_ list: InputList) -> OutputCollision? {
    var directories: [(directory: String, extensions: [String])] = []
    if let outputDir { directories.append((outputDir, [format.fileExtension])) }
    if let reportDir = reportOptions.reportDir {
      directories.append((reportDir, reportOptions.directoryFormats.map(\.fileExtension)))
    }
    guard !directories.isEmpty else { return nil }
    let paths = list.items.filter { $0.problem == nil }.map(\.path)
    return OutputCollision.find(inputs: paths, directories: directories)
  }

  private func printSummary(_ report: BatchReport, list: InputList, console: Console) {
    guard !console.quiet else { return }
    if report.files.count == 1 && !list.walkedDirectory {
      let file = report.files[0]
      if file.status == .ok || file.status == .partial || file.status == .skipped
        || file.outputError != nil
      {
        console.info(SummaryText.fileLine(file, speed: true))
      }
    } else {
      for file in report.files { console.info(SummaryText.fileLine(file)) }
      console.info(SummaryText.totalLine(report))
    }
    if list.skippedByExtension > 0 {
      // Name the first few, so a stray file in a folder is not silently passed over.
      let shown = list.skippedPaths.prefix(5).joined(separator: ", ")
      let more = list.skippedByExtension > 5 ? ", and \(list.skippedByExtension - 5) more" : ""
      console.info(
        "note: \(list.skippedByExtension) file(s) without a video extension were not scanned"
          + " (--all-files scans them): \(shown)\(more)")
    }
    if !list.danglingLinks.isEmpty {
      let count = list.danglingLinks.count
      let shown = list.danglingLinks.prefix(5).joined(separator: ", ")
      let more = count > 5 ? ", and \(count - 5) more" : ""
      console.info(
        "note: \(count) symbolic link(s) to nothing (target missing) were not scanned: "
          + "\(shown)\(more)")
    }
  }
}
