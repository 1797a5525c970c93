import Foundation
import Frames
import MediaIO
import Photosensitivity
import Reports
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a scanner knows about a file once it is open.
struct ScanStart: Sendable {
  var estimatedFrames: Int?
}

/// How the scan of one file ended (when it did not throw).
struct ScanOutcome: Sendable {
  /// Frames decoded.
  var frames: Int
  /// Seconds of video read: the container's duration for a whole file, the last decoded frame's
  /// time for a partial one.
  var duration: Double
  /// Set when the file could not be read to its end (truncated, corrupt): the one line the user sees
  /// after `flashscan: PATH: `.
  var partialReason: String?
  /// Problems that did not stop decoding (e.g. a few undecodable packets), one line each.
  var warnings: [String] = []
  /// The photosensitivity report, when one was asked for.
  var report: FlashReport? = nil
}

/// Scans one input into rows. Errors thrown before `started` mean the input could not be read at
/// all; their `description` is the `PATH: reason` line.
protocol FileScanner: Sendable {
  func scan(
    path: String, threads: Int, stop: StopFlag,
    started: (ScanStart) throws -> Void,
    decoded: @escaping @Sendable (Int) -> Void,
    row: (TableRow) throws -> Void
  ) throws -> ScanOutcome
}

/// Where the tables of a run go.
enum OutputTarget: Sendable, Equatable {
  case standardOutput
  /// `-o PATH`: one table for the whole run, renamed into place at the end.
  case file(String)
  /// `--output-dir DIR`: one table per input, mirroring the input paths.
  case directory(String, skipExisting: Bool)
}

struct FileReport: Sendable, Equatable {
  enum Status: String, Sendable {
    case ok, partial, failed, skipped
    /// Not reached: the run stopped first.
    case notRun = "not run"
  }
  var path: String
  var status: Status = .notRun
  var frames = 0
  var duration = 0.0
  var maxAbsT = 0.0
  var seconds = 0.0
  /// The photosensitivity verdict and incident count, when a report was made.
  var verdict: Verdict? = nil
  /// The report's profile assumes SDR but the video is HDR (the summary line says so).
  var sdrProfileOnHDR = false
  var incidents: Int? = nil
  /// Why the input failed or was read only in part (the stderr line without the path).
  var error: String? = nil
  /// The report files written for it (`--report`, `--report-dir`, `--frames-csv`).
  var reportPaths: [String] = []
  /// Set (with status `failed`) when the file's rows, table or report could not be written: the
  /// output error (`PATH: reason`), for the summary.
  var outputError: String? = nil
  /// Its scan had started (the input opened and its table begun) when the run stopped.
  var began = false
}

struct BatchReport: Sendable {
  var files: [FileReport]
  var stop: StopReason?
  var seconds: Double
  /// True when the shared table (stdout or `-o`) got at least a header.
  var tableStarted: Bool
}

/// Runs the scans of a run: `jobs` files at a time, each with `threads / jobs` threads, rows to the
/// output target in input order; bad inputs get their line and the batch goes on.
final class BatchRunner: Sendable {
  let items: [InputItem]
  let scanner: FileScanner
  let formatter: RowFormatter
  let target: OutputTarget
  let jobs: Int
  let threads: Int
  let console: Console
  let progress: ProgressTracker
  let stop: StopFlag
  /// Photosensitivity outputs of each file (`--report`, `--frames-csv`, `--check`).
  let reportOutput: ReportOutput?
  /// `--skip-existing`: an input whose every per-input output (its `--output-dir` table, its
  /// `--report-dir` reports) exists is skipped.
  let skipExisting: Bool

  private struct State {
    var reports: [FileReport]
    var nextIndex = 0
    /// The first output error of the run (`PATH: reason`), already printed.
    var outputFailure: String?
    /// The shared table's periodic flush failed: the file then writing its rows straight to it
    /// was stopped mid-scan, not by an error of its own.
    var flushFailed = false
  }
  private let state: Locked<State>

  init(
    items: [InputItem], scanner: FileScanner, formatter: RowFormatter, target: OutputTarget,
    jobs: Int, threads: Int, console: Console, stop: StopFlag, reportOutput: ReportOutput? = nil,
    skipExisting: Bool = false
  ) {
    self.reportOutput = reportOutput
    if case .directory(_, true) = target {
      self.skipExisting = true
    } else {
      self.skipExisting = skipExisting
    }
    self.items = items
    self.scanner = scanner
    self.formatter = formatter
    self.target = target
    self.jobs = max(1, min(jobs, items.count))
    self.threads = max(1, threads)
    self.console = console
    self.stop = stop
    progress = ProgressTracker(console: console, filesTotal: items.count)
    state = Locked(State(reports: items.map { FileReport(path: $0.path) }))
  }

  /// Seconds between flushes of the table on standard output when it is not a terminal.
  static let pipeFlushInterval = 0.25

  /// Opens the shared output (fails before any work when `-o` cannot be created), runs every input,
  /// then commits or drops the shared output.
  func run() -> BatchReport {
    let clock = ProgressTracker.now()
    // The shared table (stdout or `-o`); nil with `--output-dir`.
    var table: OrderedTable?
    var sharedFile: AtomicFileWriter?
    switch target {
    case .standardOutput:
      // Rows reach a pipe at least every 250 ms and a terminal at once (Docs/CLI.md).
      table = OrderedTable(
        sink: DescriptorWriter(fd: 1, path: "standard output"), header: tableHeader,
        flushInterval: Self.pipeFlushInterval, flushEveryRow: isatty(1) == 1,
        onFlushError: { [self] error in
          state.withLock { $0.flushFailed = true }
          handle(outputError: error)
        })
    case .file(let path):
      do {
        let writer = try AtomicFileWriter(path: path)
        sharedFile = writer
        table = OrderedTable(sink: writer, header: tableHeader)
      } catch {
        console.error("\(error)")
        stop.stop(.outputFailed)
      }
    case .directory:
      break
    }

    if stop.reason == nil {
      let perFile = max(1, threads / jobs)
      if jobs == 1 {
        worker(threads: perFile, table: table)
      } else {
        let group = DispatchGroup()
        for _ in 0..<jobs {
          group.enter()
          let thread = Thread { [self, table] in
            worker(threads: perFile, table: table)
            group.leave()
          }
          thread.stackSize = 8 << 20
          thread.start()
        }
        group.wait()
      }
    }

    var tableStarted = false
    if let table, stop.reason == nil {
      do {
        try table.finish()
        tableStarted = table.started
        if let sharedFile {
          if tableStarted { try sharedFile.commit() } else { sharedFile.discard() }
        }
      } catch {
        handle(outputError: error)
      }
    }
    sharedFile?.discard()
    progress.finish()
    if let table, stop.reason == .outputFailed {
      // The shared table failed (or the run stopped on another output's error): files whose rows
      // did not all get out are not ok. With -o nothing got out: the file is never committed.
      markUndelivered(from: sharedFile == nil ? table.delivered : 0)
      if sharedFile == nil { markFlushVictim(table.delivered) }
    }
    let seconds = Double(ProgressTracker.now() - clock) / 1e9
    return BatchReport(
      files: state.withLock { $0.reports }, stop: stop.reason, seconds: seconds,
      tableStarted: tableStarted)
  }

  /// Files from `first` on that were read (`ok` or `partial`) but whose rows never reached the
  /// table become `failed`, with the run's output error.
  private func markUndelivered(from first: Int) {
    state.withLock { s in
      let reason = s.outputFailure ?? "the output could not be written"
      for i in s.reports.indices where i >= first {
        guard s.reports[i].status == .ok || s.reports[i].status == .partial else { continue }
        s.reports[i].status = .failed
        s.reports[i].outputError = reason
      }
    }
  }

  /// When the table's periodic flush failed, the file whose turn it was (`head`: its rows went
  /// straight to the table) stopped on that failure, so it `failed` with the output error; it is
  /// not "not run" (which files the run never reached are). Which of its own writes or the flush
  /// meets the broken output first is a matter of timing; the summary is the same either way.
  private func markFlushVictim(_ head: Int) {
    state.withLock { s in
      guard s.flushFailed, s.reports.indices.contains(head), s.reports[head].status == .notRun,
        s.reports[head].began
      else { return }
      s.reports[head].status = .failed
      s.reports[head].outputError = s.outputFailure ?? "the output could not be written"
    }
  }

  /// `--check`, and a report-first run (`ReportOutput.printTable` false), print verdict lines
  /// instead of the table: no header then.
  private var verdictLines: Bool { reportOutput.map { $0.check || !$0.printTable } ?? false }
  private var tableHeader: String? { verdictLines ? nil : formatter.header }

  /// The files' reports so far (the batch index written on Ctrl-C reads them).
  var currentReports: [FileReport] { state.withLock { $0.reports } }

  /// `--check --format jsonl`: the index records replace the verdict lines.
  private var checkRecords: Bool { verdictLines && formatter.format == .jsonl }

  /// Writes a file's report outputs (each through a temporary file and a rename) and, with
  /// `--check`, queues its verdict line; returns the paths written. Throws `OutputError` when a
  /// file cannot be written.
  @discardableResult
  private func deliver(report: FlashReport, index: Int, table: OrderedTable?) throws -> [String] {
    guard let out = reportOutput else { return [] }
    var written: [String] = []
    var targets = out.reportPaths.compactMap { path in
      ReportFormat(path: path).map { (path: path, format: $0, createDirectories: false) }
    }
    targets += directoryReports(index).map {
      (path: $0.path, format: $0.format, createDirectories: true)
    }
    for target in targets {
      var report = report
      if out.reportVideo && target.format == .html {
        report.videoSource = ReportVideo.relativeURL(
          reportPath: target.path, videoPath: items[index].path)
      }
      let bytes: Data
      do {
        bytes = try report.render(target.format, png: PNGEncoder.encode(rgb:))
      } catch {
        throw OutputError(path: target.path, reason: "cannot render the report: \(error)")
      }
      try AtomicFileWriter.write(
        [UInt8](bytes), to: target.path, createDirectories: target.createDirectories,
        registry: TempFiles.shared)
      written.append(target.path)
    }
    if let path = out.framesCSV {
      try AtomicFileWriter.write(
        Array(report.framesCSV().utf8), to: path, registry: TempFiles.shared)
      written.append(path)
    }
    if let path = out.markers, let format = Markers.format(of: path) {
      try AtomicFileWriter.write(
        Array(report.markers(format).utf8), to: path, registry: TempFiles.shared)
      written.append(path)
    }
    if verdictLines && !checkRecords { try table?.append(index, report.checkLine + "\n") }
    return written
  }

  /// The `--report-dir` reports of input `index`, mirroring its path.
  private func directoryReports(_ index: Int) -> [(path: String, format: ReportFormat)] {
    guard let out = reportOutput, let dir = out.reportDirectory else { return [] }
    return out.directoryFormats.map { format in
      (mirroredOutputPath(for: items[index].path, in: dir, extension: format.fileExtension), format)
    }
  }

  private func takeIndex() -> Int? {
    state.withLock { s in
      guard stop.reason == nil, s.nextIndex < items.count else { return nil }
      s.nextIndex += 1
      return s.nextIndex - 1
    }
  }

  private func worker(threads: Int, table: OrderedTable?) {
    while let index = takeIndex() {
      let report = scanOne(index, threads: threads, table: table)
      state.withLock { $0.reports[index] = report }
      progress.fileFinished(index)
    }
  }

  private func handle(outputError error: Error) {
    switch error {
    case is OutputClosed:
      stop.stop(.outputClosed)
    case is Stopped:
      break
    default:
      if stop.reason == nil { console.error("\(error)") }
      state.withLock { s in
        if s.outputFailure == nil { s.outputFailure = "\(error)" }
      }
      stop.stop(.outputFailed)
    }
  }

  private func scanOne(_ index: Int, threads: Int, table: OrderedTable?) -> FileReport {
    let began = ProgressTracker.now()
    var report = scanOneUntimed(index, threads: threads, table: table)
    report.seconds = Double(ProgressTracker.now() - began) / 1e9
    if checkRecords, report.status != .notRun, let table {
      do {
        try table.append(index, IndexRecord(report).json + "\n")
      } catch {
        handle(outputError: error)
      }
    }
    // The shared table must hear about every index, or later files would wait forever. Its rows
    // are flushed here: if that fails they did not get out, and the file is not ok.
    if let table {
      do {
        try table.end(index)
      } catch {
        handle(outputError: error)
        if error is OutputError, report.status == .ok || report.status == .partial {
          report.status = .failed
          report.outputError = "\(error)"
        }
      }
    }
    return report
  }

  private func scanOneUntimed(_ index: Int, threads: Int, table: OrderedTable?) -> FileReport {
    let item = items[index]
    var report = FileReport(path: item.path)

    if let problem = item.problem {
      console.error("\(item.path): \(problem)")
      report.error = "\(problem)"
      report.status = .failed
      return report
    }

    var fileWriter: AtomicFileWriter?
    var outPath: String?
    if case .directory(let dir, _) = target {
      outPath = mirroredOutputPath(for: item.path, in: dir, format: formatter.format)
    }
    if skipExisting {
      // Done only when every output it asks for exists: each is renamed into place whole, so an
      // interrupted input lacks one and runs again.
      let reports = directoryReports(index).map(\.path)
      let wanted = (outPath.map { [$0] } ?? []) + reports
      if !wanted.isEmpty && wanted.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
        report.status = .skipped
        report.reportPaths = reports
        return report
      }
    }
    defer { fileWriter?.discard() }

    let formatter = self.formatter
    let checkOnly = verdictLines
    var maxAbsT = 0.0
    do {
      let outcome = try scanner.scan(
        path: item.path, threads: threads, stop: stop,
        started: { start in
          try stop.check()
          report.began = true
          if let outPath {
            let writer = try AtomicFileWriter(path: outPath, createDirectories: true)
            if let header = formatter.header { try writer.write(header) }
            fileWriter = writer
          } else {
            try table?.begin(index)
          }
          progress.fileStarted(index, name: item.path, estimatedFrames: start.estimatedFrames)
        },
        decoded: { [progress] frames in progress.framesDecoded(index, total: frames) },
        row: { row in
          try stop.check()
          maxAbsT = max(maxAbsT, abs(row.t))
          if checkOnly { return }  // --check: the verdict line replaces the table
          let text = formatter.line(file: item.path, row: row)
          if let fileWriter { try fileWriter.write(text) } else { try table?.append(index, text) }
        })
      try stop.check()
      try fileWriter?.commit()
      if let flashReport = outcome.report {
        report.reportPaths = try deliver(report: flashReport, index: index, table: table)
        report.verdict = flashReport.document.verdict
        report.sdrProfileOnHDR = flashReport.document.sdrProfileOnHDR
        report.incidents = flashReport.document.incidents.count
      }
      report.frames = outcome.frames
      report.duration = outcome.duration
      report.maxAbsT = maxAbsT
      for warning in outcome.warnings { console.error("\(item.path): warning: \(warning)") }
      if let reason = outcome.partialReason {
        console.error("\(item.path): \(reason)")
        report.error = reason
        report.status = .partial
      } else {
        report.status = .ok
      }
    } catch is Stopped {
      report.status = .notRun
    } catch let error as OutputClosed {
      handle(outputError: error)
      report.status = .notRun
    } catch let error as OutputError {
      handle(outputError: error)
      report.status = .failed
      report.outputError = "\(error)"
    } catch {
      console.error("\(error)")
      let line = "\(error)"
      report.error =
        line.hasPrefix(item.path + ": ") ? String(line.dropFirst(item.path.count + 2)) : line
      report.status = .failed
    }
    return report
  }
}
