import ArgumentParser
import Foundation
import Frames
import Live
import MediaIO
import Photosensitivity
import Reports
import TextOutput

/// `flashscan watch URL`: the photosensitivity analysis on a live input, events as JSON Lines on
/// standard output (Docs/Live.md). The work is `LiveWatcher` (module Live); this wires the
/// decoder, the signals and the report files to it.
struct WatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch",
    abstract: "Watch a live stream (or a file) and report flashing as it happens.",
    discussion: """
      URL is anything FFmpeg opens (udp://, srt://, rtmp://, rtsp://, an HLS playlist) or a file. \
      Events go to standard output as JSON Lines, one object a line, flushed at once: \
      incident-start, incident-end, status, disconnected, reconnected (Docs/Live.md). A network \
      input is opened again after it ends or fails (0.5, 1, 2, 4, then every 8 seconds); a file \
      ends the watch at its end.

      Exit status: 0 the file ended (or the reader of standard output went away); 1 the input \
      could not be opened, or an output could not be written; 2 usage error; 128 + signal when \
      stopped by a signal (130 Ctrl-C, 143 SIGTERM), after writing the --report files.
      """)

  @Argument(help: ArgumentHelp("The stream URL or a video file.", valueName: "URL"))
  var url: String

  @Option(
    help:
      "Rule set: wcag (default), ofcom, iris or bt1702 (Docs/Photosensitivity.md)."
  )
  var profile: Profile = .wcag

  @Flag(
    help:
      "Check harmful regular patterns under iris too, with IRIS's pattern settings (wcag and ofcom always check them)."
  )
  var patterns = false

  @Flag(help: "Read a file no faster than real time (as if it were live).")
  var realtime = false

  @Option(
    name: .customLong("status-every"),
    help: ArgumentHelp(
      "Seconds between status events (10); 0 for none.", valueName: "SECONDS"))
  var statusEvery: Double = 10

  @Option(
    name: .customLong("read-timeout"),
    help: ArgumentHelp(
      "Network inputs: seconds without data before the input counts as disconnected (3).",
      valueName: "SECONDS"))
  var readTimeout: Double = 3

  @Option(
    name: .customLong("exec"),
    help: ArgumentHelp(
      "Run CMD with /bin/sh for every event but status, the event's JSON line on its standard input.",
      valueName: "CMD"))
  var exec: String?

  @Option(
    name: .customLong("webhook"),
    help: ArgumentHelp(
      "POST every event but status, as JSON, to this http:// or https:// URL.",
      valueName: "URL"))
  var webhook: String?

  @Option(
    name: .customLong("webhook-ca"),
    help: ArgumentHelp(
      "Trust the certificate authorities in this PEM file instead of the system's for an https --webhook (as curl's --cacert).",
      valueName: "FILE"))
  var webhookCA: String?

  @Option(
    name: .customLong("exec-timeout"),
    help: ArgumentHelp(
      "Seconds a --exec command or a --webhook POST may take before it is killed or abandoned (10).",
      valueName: "SECONDS"))
  var execTimeout: Double = 10

  @Option(
    name: .customLong("metrics"),
    help: ArgumentHelp(
      "Serve Prometheus metrics at http://HOST:PORT/metrics (port 0: any free port, said on stderr).",
      valueName: "HOST:PORT"))
  var metrics: String?

  @Option(
    name: .customLong("report"),
    help: ArgumentHelp(
      "Write the report of everything watched to PATH when the watch ends, also on SIGINT or SIGTERM (repeatable; .json, .html or .md).",
      valueName: "PATH"))
  var reports: [String] = []

  @Option(
    name: .customLong("report-every"),
    help: ArgumentHelp(
      "Also write a report of each period of DURATION (30s, 10m, 1h: a whole number and s, m or h) of the watch, to every --report path with the period's start in the name (NAME-00h10m00s.EXT).",
      valueName: "DURATION"))
  var reportEvery: String?

  /// A `--report-every` duration in seconds: a whole number from 1 to 999999 and its unit (s, m,
  /// h), nothing else; nil when malformed.
  static func periodSeconds(_ text: String) -> Int? {
    guard let unit = text.last, let scale = ["s": 1, "m": 60, "h": 3600][String(unit)] else {
      return nil
    }
    let digits = text.dropLast()
    guard (1...6).contains(digits.count), digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
      let n = Int(digits), n > 0
    else { return nil }
    return n * scale
  }

  /// The path of a period's report: `dir/name.json` for the period starting at 3600 s is
  /// `dir/name-01h00m00s.json`.
  static func periodPath(_ path: String, start: Int) -> String {
    let url = URL(fileURLWithPath: path)
    let ext = url.pathExtension
    let stem = url.deletingPathExtension().lastPathComponent
    let label =
      "\(start / 3600 < 10 ? "0" : "")\(start / 3600)h"
      + "\(start % 3600 / 60 < 10 ? "0" : "")\(start % 3600 / 60)m"
      + "\(start % 60 < 10 ? "0" : "")\(start % 60)s"
    let name = "\(stem)-\(label)" + (ext.isEmpty ? "" : ".\(ext)")
    let dir = (path as NSString).deletingLastPathComponent
    return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
  }

  func validate() throws {
    if url.isEmpty { throw ValidationError("watch needs a URL or a file") }
    if webhookCA != nil && webhook == nil {
      throw ValidationError("--webhook-ca needs --webhook")
    }
    if let webhook {
      do { _ = try WebhookURL(parsing: webhook, caFile: webhookCA) } catch {
        throw ValidationError("\(error)")
      }
    }
    if let webhookCA {
      // Read now, so a missing or unreadable file is one clear line, not a failure per alert.
      guard let handle = FileHandle(forReadingAtPath: webhookCA) else {
        throw ValidationError("--webhook-ca \(webhookCA): cannot be read")
      }
      let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
      try? handle.close()
      guard String(decoding: head, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
        throw ValidationError("--webhook-ca \(webhookCA): no PEM certificate in the file")
      }
    }
    if metrics != nil && metricsAddress == nil {
      throw ValidationError("--metrics must be HOST:PORT, e.g. 127.0.0.1:9464")
    }
    if let reportEvery {
      guard Self.periodSeconds(reportEvery) != nil else {
        throw ValidationError(
          "--report-every \(reportEvery): expected a whole number of seconds, minutes or hours (1 to 999999), as 30s, 10m or 1h"
        )
      }
      if reports.isEmpty {
        throw ValidationError("--report-every needs --report PATH (where and in which formats)")
      }
    }
    for path in reports where ReportFormat(path: path) == nil {
      throw ValidationError("--report \(path): the extension must be .json, .html or .md")
    }
    for (name, value, least) in [
      ("--status-every", statusEvery, 0.0), ("--read-timeout", readTimeout, 0.1),
      ("--exec-timeout", execTimeout, 0.1),
    ] where !(value.isFinite && value >= least && value <= 86_400) {
      throw ValidationError("\(name) must be a number from \(NumberText.shortest(least)) to 86400")
    }
  }

  /// `--metrics HOST:PORT` split, nil when malformed.
  var metricsAddress: (host: String, port: Int)? {
    guard let metrics, let colon = metrics.lastIndex(of: ":") else { return nil }
    let host = String(metrics[..<colon])
    guard !host.isEmpty, let port = Int(metrics[metrics.index(after: colon)...]),
      (0...65535).contains(port)
    else { return nil }
    return (host, port)
  }

  /// A URL FFmpeg opens by protocol (reconnected when it ends) rather than a file.
  var isNetwork: Bool { url.contains("://") && !url.hasPrefix("file://") }

  func run() throws {
    let stop = StopFlag()
    let interrupt = InterruptFlag()
    SignalTrap.onInterrupt { interrupt.set() }
    SignalTrap.install(stop: stop, grace: 10)
    let console = Console(forceProgress: false, quiet: false)
    var hooks: [AlertHooks] = []
    let warn: @Sendable (String) -> Void = { console.error($0) }
    if let exec {
      hooks.append(try AlertHooks(action: .exec(exec), timeout: execTimeout, warn: warn))
    }
    if let webhook, let url = try? WebhookURL(parsing: webhook, caFile: webhookCA) {
      hooks.append(try AlertHooks(action: .post(url), timeout: execTimeout, warn: warn))
    }
    let output = LiveOutput(hooks: hooks)
    var parameters = AnalysisParameters(profile: profile)
    if patterns && parameters.patterns == nil {
      parameters.patterns = PatternRule.enabledRule(
        for: profile, displayModel: parameters.displayModel)
    }
    let settings = WatchSettings(
      parameters: parameters, statusEvery: statusEvery, realtime: realtime,
      reconnect: isNetwork)
    let watcher = LiveWatcher(settings: settings, output: output) {
      if stop.reason != nil { return true }
      return false
    }
    var firstInfo: VideoInfo?
    if let every = reportEvery.flatMap(Self.periodSeconds) {
      let (url, reports, frameRate) = (self.url, self.reports, { watcher.frameRate })
      watcher.periods = WatchPeriods(seconds: Double(every), parameters: parameters) { period in
        var input = InputFacts(
          path: url, sha256Note: "not available: a live input", codec: firstInfo?.codecName,
          frameRate: frameRate(), complete: period.complete)
        if let info = firstInfo { input.setColor(info.color) }
        var report = FlashReport(
          tool: ToolInfo(version: BuildInfo.version), input: input, result: period.result,
          tSeries: TSeries())
        for i in report.document.incidents.indices where i < period.worstFrameTimes.count {
          report.document.incidents[i].worstFrameTime = period.worstFrameTimes[i]
        }
        for path in reports {
          guard let format = ReportFormat(path: path) else { continue }
          let target = Self.periodPath(path, start: Int(period.start))
          do {
            let bytes = try report.render(format, png: PNGEncoder.encode(rgb:))
            try AtomicFileWriter.write([UInt8](bytes), to: target, registry: nil)
          } catch {
            console.error("\(error)")
          }
        }
      }
    }
    var server: MetricsServer?
    if let (host, port) = metricsAddress {
      let metrics = LiveMetrics(figures: watcher.figures)
      do {
        server = try MetricsServer(host: host, port: port) { metrics.exposition() }
      } catch {
        console.error("\(error)")
        throw ExitCode(ExitStatus.inputFailed)
      }
      console.info("metrics at http://\(server!.address)/metrics")
    }
    defer { server?.stop() }
    var options = DecodeOptions(decoderThreads: 1)
    options.highPrecision = profile == .bt1702
    options.interrupt = interrupt
    if isNetwork {
      let micros = String(Int(readTimeout * 1e6))
      options.inputOptions = ["rw_timeout": micros, "analyzeduration": "1000000"]
      if url.hasPrefix("udp://") || url.hasPrefix("srt://") {
        options.inputOptions["timeout"] = micros
      }
    }
    let (url, isNetwork) = (self.url, self.isNetwork)
    var outcome: Error?
    do {
      try watcher.run(
        connect: {
          let decoder =
            isNetwork
            ? try VideoDecoder(url: url, options: options)
            : try VideoDecoder(path: url, options: options)
          if firstInfo == nil { firstInfo = decoder.info }
          return decoder
        },
        log: { console.error($0) })
    } catch {
      outcome = error
    }
    if output.isClosed { interrupt.set() }
    // The last, partial period, then the report of the whole watch.
    watcher.periods?.close()
    // The report first: after a signal the process has `grace` seconds in all.
    var failed = false
    if !reports.isEmpty {
      failed = !writeReports(watcher, info: firstInfo, console: console)
    }
    // Then the alerts still queued: up to three timeouts, or a few seconds after a signal.
    let drainSeconds = stop.reason == nil ? execTimeout * 3 + 1 : min(execTimeout, 5)
    let drainDeadline = Date().addingTimeInterval(drainSeconds)
    for hook in hooks { hook.drain(until: drainDeadline) }
    if case .interrupted(let signal) = stop.reason { throw ExitCode(128 + signal) }
    switch outcome {
    case nil, is OutputClosed:
      break
    case let error?:
      console.error("\(error)")
      throw ExitCode(ExitStatus.inputFailed)
    }
    if failed { throw ExitCode(ExitStatus.inputFailed) }
  }

  /// The report of the whole watch, to every `--report` path (through a temporary file and a
  /// rename, also after a signal). False when one could not be written (said on stderr).
  func writeReports(_ watcher: LiveWatcher, info: VideoInfo?, console: Console) -> Bool {
    guard let result = WatchReport.joined(watcher.segments, frameRate: watcher.frameRate) else {
      console.error("\(url): no frame was watched: no report written")
      return false
    }
    var input = InputFacts(
      path: url, sha256Note: "not available: a live input",
      codec: info?.codecName, frameRate: watcher.frameRate,
      complete: watcher.segments.count == 1)
    if let info { input.setColor(info.color) }
    var report = FlashReport(
      tool: ToolInfo(version: BuildInfo.version), input: input, result: result,
      tSeries: TSeries())
    WatchReport.placeWorstFrames(
      &report.document, frameTimes: WatchReport.frameTimes(watcher.segments))
    var ok = true
    for path in reports {
      guard let format = ReportFormat(path: path) else { continue }
      do {
        let bytes = try report.render(format, png: PNGEncoder.encode(rgb:))
        try AtomicFileWriter.write([UInt8](bytes), to: path, registry: nil)
      } catch {
        console.error("\(error)")
        ok = false
      }
    }
    return ok
  }
}
