import ArgumentParser
import Foundation
import Photosensitivity
import Reports

extension Profile: ExpressibleByArgument {}
extension FieldAreaReading: ExpressibleByArgument {}
extension RedRule: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}

/// A format `--report-dir` writes.
enum DirectoryReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case json, html, md

  var format: ReportFormat {
    switch self {
    case .json: return .json
    case .html: return .html
    case .md: return .markdown
    }
  }
}

/// Which verdict makes the run exit 3.
enum FailOn: String, ExpressibleByArgument, CaseIterable, Sendable {
  case fail, warning, never

  func matches(_ verdict: Verdict) -> Bool {
    switch self {
    case .fail: return verdict == .fail
    case .warning: return verdict >= .warning
    case .never: return false
    }
  }
}

/// The photosensitivity report's options of the scan command (Docs/Reports.md): outputs,
/// profile, every threshold, and the verdict that fails the run.
struct ReportOptions: ParsableArguments {
  @Option(
    name: .customLong("report"),
    help: ArgumentHelp(
      "Write the photosensitivity report to PATH (repeatable; .json, .html or .md by extension).",
      valueName: "PATH"))
  var reports: [String] = []

  @Option(
    help: ArgumentHelp(
      "Write each input's report under DIR, mirroring the input paths (any number of inputs).",
      valueName: "DIR"))
  var reportDir: String?

  @Option(
    name: .customLong("report-format"),
    help: ArgumentHelp(
      "The formats --report-dir writes: json, html, md (repeatable; default json and html).",
      valueName: "FORMAT"))
  var reportFormats: [DirectoryReportFormat] = []

  @Flag(
    help:
      "Print only the verdict line of each file (PASS/WARNING/FAIL/INCOMPLETE, path, profile, incidents)."
  )
  var check = false

  @Option(
    name: .customLong("frames-csv"),
    help: ArgumentHelp(
      "Write the per-frame analysis (T among its columns) as CSV to PATH.", valueName: "PATH"))
  var framesCSV: String?

  @Flag(
    help:
      "With --report, --report-dir, --frames-csv or --markers and no -o or --output-dir: print the T table on standard output too (by default each file's verdict line replaces it)."
  )
  var table = false

  @Option(
    help: ArgumentHelp(
      "Write the incidents as editor markers to PATH: .edl (CMX 3600, DaVinci Resolve markers) or .csv.",
      valueName: "PATH"))
  var markers: String?

  @Option(
    help:
      "Rule set: wcag (area-aware WCAG 2.3.1, default), ofcom, iris (IRIS's algorithm), or bt1702 (ITU-R BT.1702-3: cd/m2 for SDR, PQ and HLG)."
  )
  var profile: Profile = .wcag

  @Option(
    name: .customLong("hlg-peak"),
    help: ArgumentHelp(
      "bt1702: nominal peak of the HLG display in cd/m2 (1000); the system gamma follows it.",
      valueName: "CD_M2"))
  var hlgPeak: Double?

  @Option(help: "Exit 3 when a file's verdict is fail (default), warning or worse, or never.")
  var failOn: FailOn = .fail

  @Option(
    help: ArgumentHelp(
      "Luminance change of a transition (wcag/iris 0.1 relative; ofcom 20 cd/m2).", valueName: "X"))
  var flashThreshold: Double?

  @Option(
    help: ArgumentHelp(
      "The darker state must be below this (0.8 relative; ofcom 160 cd/m2).", valueName: "X"))
  var darkThreshold: Double?

  @Option(
    parsing: .upToNextOption,
    help: ArgumentHelp(
      "Red rules: classic, chromaticity, saturationChange (profile's default).", valueName: "RULE"))
  var redRules: [RedRule] = []

  @Option(
    help: ArgumentHelp(
      "Saturated red: R/(R+G+B) on linear values at least this (0.8).", valueName: "X"))
  var redRatio: Double?

  @Option(
    help: ArgumentHelp(
      "Classic red-value change of a red transition (20; pure red is 320).", valueName: "X"))
  var redThreshold: Double?

  @Option(help: ArgumentHelp("WCAG 2.2 u'v' distance of a red transition (0.2).", valueName: "X"))
  var redDistance: Double?

  @Option(
    help: ArgumentHelp(
      "Regions darker than this relative luminance are never saturated red (0.002).", valueName: "X"
    ))
  var redMinLuminance: Double?

  @Option(
    help: ArgumentHelp(
      "More transitions than this in a window fail (6: more than 3 flashes).", valueName: "N"))
  var maxTransitions: Int?

  @Option(help: ArgumentHelp("Lower end of the extended-flashing band (4).", valueName: "N"))
  var minTransitions: Int?

  @Option(help: ArgumentHelp("Flash-counting window in seconds (1).", valueName: "SECONDS"))
  var window: Double?

  @Option(
    help: ArgumentHelp(
      "Extended flashing: the window looked back over, seconds (5).", valueName: "SECONDS"))
  var extendedWindow: Double?

  @Option(
    help: ArgumentHelp(
      "Extended flashing: seconds in the band within that window (4).", valueName: "SECONDS"))
  var extendedSeconds: Double?

  @Option(help: "What extended flashing makes a frame: warning (wcag) or fail (ofcom, iris).")
  var extendedVerdict: Verdict?

  @Option(
    help: "WCAG area limit reading: 21824 (G176, default) or 87296 (a whole 10-degree field).")
  var fieldArea: FieldAreaReading?

  @Option(
    help: ArgumentHelp(
      "Ofcom: flashing over more than this share of the screen fails; IRIS: changed-pixel share (0.25).",
      valueName: "X"))
  var screenShare: Double?

  @Option(
    help: ArgumentHelp(
      "Ofcom: flashes whose leading edges are this many seconds apart are exempt (0.36; 0 turns it off).",
      valueName: "SECONDS"))
  var leadingEdge: Double?

  @Option(
    help: ArgumentHelp(
      "Region grid COLUMNSxROWS flashing is measured on (48x48).", valueName: "CxR"))
  var grid: String?

  @Option(
    name: .customLong("iris-fps"),
    help: ArgumentHelp(
      "IRIS: its integer frame rate (default: the video's rounded).", valueName: "N"))
  var irisFPS: Int?

  @Flag(
    help:
      "HTML reports show the source video (by a path relative to the report) in a player; clicking an incident seeks it to its start."
  )
  var reportVideo = false

  @Flag(
    help:
      "Check harmful regular patterns under iris too, with IRIS's pattern settings (wcag and ofcom always check them)."
  )
  var patterns = false

  /// True when some output needs the photosensitivity analysis.
  var active: Bool {
    !reports.isEmpty || check || framesCSV != nil || reportDir != nil || markers != nil
  }

  /// The formats `--report-dir` writes, each once, in a fixed order.
  var directoryFormats: [ReportFormat] {
    guard reportDir != nil else { return [] }
    let chosen = reportFormats.isEmpty ? [.json, .html] : reportFormats
    return DirectoryReportFormat.allCases.filter(chosen.contains).map(\.format)
  }

  /// Whether any report needs thumbnails (only HTML shows them).
  var needsThumbnails: Bool {
    reports.contains { ReportFormat(path: $0) == .html } || directoryFormats.contains(.html)
  }

  func validate() throws {
    for path in reports where ReportFormat(path: path) == nil {
      throw ValidationError("--report \(path): the extension must be .json, .html or .md")
    }
    if Set(reports).count != reports.count {
      throw ValidationError("--report: the same path twice")
    }
    if let framesCSV, reports.contains(framesCSV) {
      throw ValidationError("--frames-csv and --report name the same file")
    }
    if !reportFormats.isEmpty && reportDir == nil {
      throw ValidationError("--report-format needs --report-dir")
    }
    if let reportDir, reportDir.isEmpty {
      throw ValidationError("--report-dir needs a directory")
    }
    if reportVideo && !needsThumbnails {
      throw ValidationError(
        "--report-video needs an HTML report (--report PATH.html, or --report-dir with html)")
    }
    if active {
      do { _ = try ReportTime.creationDate() } catch { throw ValidationError("\(error)") }
    }
    if let grid, parseGrid(grid) == nil {
      throw ValidationError("--grid must be COLUMNSxROWS, e.g. 48x48")
    }
    let p = parameters()
    if p.maxTransitions < 1 || p.minTransitions < 1 || p.minTransitions > p.maxTransitions {
      throw ValidationError("--min-transitions and --max-transitions must satisfy 1 <= min <= max")
    }
    if p.windowSeconds <= 0 || p.extendedWindowSeconds <= 0 || p.extendedSeconds <= 0 {
      throw ValidationError("--window, --extended-window and --extended-seconds must be positive")
    }
    if p.gridColumns < 1 || p.gridRows < 1 {
      throw ValidationError("--grid needs at least one cell")
    }
    if let irisFPS, irisFPS < 1 { throw ValidationError("--iris-fps must be at least 1") }
    if let hlgPeak {
      guard profile == .bt1702 else { throw ValidationError("--hlg-peak needs --profile bt1702") }
      guard hlgPeak.isFinite, hlgPeak >= 1, hlgPeak <= 10_000 else {
        throw ValidationError("--hlg-peak must be a number from 1 to 10000 (cd/m2)")
      }
    }
    for (name, value) in [
      ("--flash-threshold", flashThreshold), ("--dark-threshold", darkThreshold),
      ("--red-ratio", redRatio),
      ("--red-threshold", redThreshold), ("--red-distance", redDistance),
      ("--red-min-luminance", redMinLuminance), ("--screen-share", screenShare),
      ("--leading-edge", leadingEdge),
    ] {
      if let value, !(value.isFinite && value >= 0) {
        throw ValidationError("\(name) must be a number >= 0")
      }
    }
  }

  /// Any option that changes the analysis or the exit status (the commands check they come with
  /// an output that uses them).
  var analysisOptionsGiven: Bool {
    thresholdsGiven || profile != .wcag || failOn != .fail || patterns
  }

  var thresholdsGiven: Bool {
    let values: [Any?] = [
      flashThreshold, darkThreshold, redRatio, redThreshold, redDistance, redMinLuminance,
      maxTransitions,
      minTransitions, window, extendedWindow, extendedSeconds, extendedVerdict, fieldArea,
      screenShare,
      leadingEdge, grid, irisFPS, hlgPeak,
    ]
    return values.contains { $0 != nil } || !redRules.isEmpty
  }

  /// The profile's documented defaults with every given option applied.
  func parameters() -> AnalysisParameters {
    var p = AnalysisParameters(profile: profile)
    if let flashThreshold { p.flashThreshold = flashThreshold }
    if let darkThreshold { p.darkThreshold = darkThreshold }
    if !redRules.isEmpty { p.redRules = redRules }
    if let redRatio { p.redSaturationRatio = redRatio }
    if let redThreshold { p.redThreshold = redThreshold }
    if let redDistance { p.redChromaticityDistance = redDistance }
    if let redMinLuminance { p.redMinimumLuminance = redMinLuminance }
    if let maxTransitions { p.maxTransitions = maxTransitions }
    if let minTransitions { p.minTransitions = minTransitions }
    if let window { p.windowSeconds = window }
    if let extendedWindow { p.extendedWindowSeconds = extendedWindow }
    if let extendedSeconds { p.extendedSeconds = extendedSeconds }
    if let extendedVerdict { p.extendedVerdict = extendedVerdict }
    if let fieldArea { p.fieldAreaReading = fieldArea }
    if let screenShare { p.screenAreaShare = screenShare }
    if let leadingEdge { p.leadingEdgeExemptionSeconds = leadingEdge > 0 ? leadingEdge : nil }
    if let grid, let (c, r) = parseGrid(grid) {
      p.gridColumns = c
      p.gridRows = r
    }
    if let irisFPS { p.irisFrameRate = irisFPS }
    if let hlgPeak, p.bt1702Display != nil {
      p.bt1702Display?.hlgPeak = hlgPeak
      if case .bt1702(var model, let transfer) = p.patterns?.lightScale {
        model.hlgPeak = hlgPeak
        p.patterns?.lightScale = .bt1702(model, transfer)
      }
    }
    if patterns && p.patterns == nil {
      p.patterns = PatternRule.enabledRule(for: profile, displayModel: p.displayModel)
    }
    return p
  }

  func parseGrid(_ text: String) -> (Int, Int)? {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let c = Int(parts[0]), let r = Int(parts[1]), c > 0, r > 0 else {
      return nil
    }
    return (c, r)
  }
}

/// What the batch does with each file's report.
struct ReportOutput: Sendable {
  var parameters: AnalysisParameters
  var reportPaths: [String]
  /// `--report-dir`: each input's reports under it, mirroring the input paths, in these formats.
  var reportDirectory: String? = nil
  var directoryFormats: [ReportFormat] = []
  var framesCSV: String?
  /// `--markers`: the incidents as an EDL or CSV marker list.
  var markers: String? = nil
  /// False in a report-first run (a report asked for, the table bound for standard output, no
  /// `--table`): each file's verdict line is printed instead of the T table.
  var printTable = true
  var check: Bool
  var failOn: FailOn
  var thumbnails: Bool
  /// `--report-video`: HTML reports embed the source in a player.
  var reportVideo = false
  var tool: ToolInfo
}
