import Frames

/// A profile's flash engine: turns each frame's measure, in frame order, into the frame's
/// counts and results. The region engine (wcag, ofcom, bt1702) and IRIS's engine implement it.
protocol FlashEngine: Sendable {
  mutating func consume(_ m: FrameMeasure) throws -> RawFrame
}

/// Why the analysis refused its input.
public enum PhotosensitivityError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A frame the measurer cannot read: another size than the analysis was set up for, or not
  /// rgb24.
  case frameMismatch(frame: Int, reason: String)
  /// A measure the analyser cannot use (out of order, another profile, another grid).
  case measureMismatch(frame: Int, reason: String)

  public var description: String {
    switch self {
    case .frameMismatch(let frame, let reason): return "frame \(frame): \(reason)"
    case .measureMismatch(let frame, let reason): return "measure of frame \(frame): \(reason)"
    }
  }
}

/// The sequential, stateful half of the analysis: consumes `FrameMeasure`s in frame order
/// (from `PhotosensitivityMeasurer`, whatever thread made them) and builds the result.
public struct PhotosensitivityAnalyzer: Sendable {
  public let parameters: AnalysisParameters
  public let grid: RegionGrid
  public let frameRate: Double?
  /// The profile's engine. A stored existential mutated in place stays uniquely referenced, so
  /// the engine's per-cell arrays are never copied per frame.
  var engine: any FlashEngine
  /// Every analysed frame's row, in frame order (empty when `keepsRows` is false).
  public private(set) var rows: [FrameRow] = []
  /// Keep every frame's row (the default). A live watch sets it false: the criteria are tallied
  /// as the rows arrive either way, so only the frame times (8 bytes a frame, which the
  /// incidents' spans need) grow with the length of the input.
  public var keepsRows = true
  /// Every analysed frame's time, in frame order.
  public private(set) var frameTimes: [Double] = []
  /// The last analysed frame's number.
  public private(set) var lastFrame: Int? = nil
  /// The criteria so far, tallied frame by frame.
  var criteriaTally: CriteriaTally
  /// The incidents, followed as the rows arrive.
  public private(set) var tracker: IncidentTracker
  /// The source's start timecode (`VideoInfo.startTimecode`): incident timecodes count from it.
  /// One that does not read as a timecode at the rate is ignored.
  public var startTimecode: String? = nil

  /// `frameRate` is the stream's average rate (IRIS rounds it to its integer fps; the region
  /// profiles only use it for the first frame's duration and timecodes).
  public init(width: Int, height: Int, frameRate: Double?, parameters: AnalysisParameters) {
    self.parameters = parameters
    self.frameRate = frameRate
    grid = RegionGrid(width: width, height: height, parameters: parameters)
    tracker = IncidentTracker(parameters: parameters, width: width, height: height)
    criteriaTally = CriteriaTally(parameters: parameters)
    switch parameters.profile {
    case .iris:
      let fps = parameters.irisFrameRate ?? Int((frameRate ?? 25).rounded())
      engine = IrisEngine(parameters: parameters, width: width, height: height, fps: fps)
    case .wcag, .ofcom, .bt1702:
      engine = RegionEngine(parameters: parameters, grid: grid, frameRate: frameRate)
    }
  }

  /// Consumes the next measures, in frame order.
  public mutating func consume(_ measures: [FrameMeasure]) throws {
    // `consumed` holds this call's rows only: callers that feed many frames (the merge) keep
    // no second copy of every row.
    consumed.removeAll(keepingCapacity: true)
    consumedRed.removeAll(keepingCapacity: true)
    for m in measures {
      if let last = lastFrame, m.index <= last {
        throw PhotosensitivityError.measureMismatch(
          frame: m.index, reason: "out of order (after frame \(last))")
      }
      guard m.profile == parameters.profile else {
        throw PhotosensitivityError.measureMismatch(
          frame: m.index, reason: "measured for \(m.profile), analysing \(parameters.profile)")
      }
      let r = try engine.consume(m)
      var row = FrameRow(
        frame: r.index, time: r.time, luminanceTransitions: r.luminanceTransitions,
        redTransitions: r.redTransitions,
        flashesPerSecond: Double(max(r.luminanceTransitions, r.redTransitions)) / 2,
        maxRegionTransitions: r.maxRegionTransitions, flashingAreaShare: r.screenShare,
        fieldShare: r.fieldShare, luminanceExtendedCount: r.luminanceExtendedCount,
        redExtendedCount: r.redExtendedCount, luminanceResult: r.luminanceResult,
        redResult: r.redResult,
        verdict: max(severity(r.luminanceResult), severity(r.redResult)),
        region: r.region
          ?? (isIris && max(r.luminanceResult, r.redResult) > .pass ? wholeFrame : nil))
      row.luminance = m.meanCandela
      if keepsRows { rows.append(row) }
      frameTimes.append(row.time)
      lastFrame = row.frame
      criteriaTally.add(row, red: r.redByRule)
      consumed.append(row)
      consumedRed.append(r.redByRule)
      _ = tracker.add(row, windows: r.windows)
    }
  }

  /// The rows of the last `consume` call.
  public private(set) var consumed: [FrameRow] = []

  /// The red transitions per rule of the rows of the last `consume` call (what a
  /// `CriteriaTally` of another span of frames needs besides the rows).
  public private(set) var consumedRed: [RedCounts] = []

  /// The verdict a frame result gives under this profile.
  func severity(_ result: FrameResult) -> Verdict { parameters.severity(result) }

  /// The result of everything consumed so far.
  public func finish() -> PhotosensitivityResult {
    let criteria = makeCriteria()
    let verdict = criteria.map(\.verdict).max() ?? .pass
    let duration: Double
    if let last = frameTimes.last {
      let step =
        frameTimes.count > 1
        ? (last - frameTimes[0]) / Double(frameTimes.count - 1)
        : (frameRate.map { 1 / $0 } ?? 0)
      duration = last + step
    } else {
      duration = 0
    }
    let screen = Double(grid.width * grid.height)
    let limit: Double
    switch parameters.profile {
    case .wcag:
      limit =
        parameters.fieldAreaReading.pixelsAtReference * screen
        / (parameters.referenceWidth * parameters.referenceHeight)
    case .ofcom, .iris, .bt1702:
      limit = parameters.screenAreaShare * screen
    }
    let rate = frameRate ?? estimatedRate
    let timecodeStart = startTimecode.flatMap { Timecode.frames(of: $0, frameRate: rate) }
    var video = AnalysedVideo(
      width: grid.width, height: grid.height, frameRate: frameRate, frameCount: frameTimes.count,
      duration: duration)
    if timecodeStart != nil { video.startTimecode = startTimecode }
    return PhotosensitivityResult(
      parameters: parameters,
      video: video,
      fieldWidth: grid.fieldWidth, fieldHeight: grid.fieldHeight, gridColumns: grid.columns,
      gridRows: grid.rows, areaLimitPixels: limit, verdict: verdict, criteria: criteria,
      frames: rows,
      incidents: tracker.incidents(
        endTime: (frameTimes.last ?? 0) + 1 / rate, frameRate: rate, frameTimes: frameTimes,
        timecodeStart: timecodeStart ?? 0))
  }

  var isIris: Bool { parameters.profile == .iris }
  var wholeFrame: PixelRect { PixelRect(x: 0, y: 0, width: grid.width, height: grid.height) }

  /// A criterion: its id, its title, and what a row (with its red transitions per rule) gives
  /// it: the row's verdict and its peak.
  typealias CriterionRule = (
    CriterionID, String,
    @Sendable (FrameRow, (classic: Int, chromaticity: Int, saturation: Int)) -> (Verdict, Int)
  )

  /// The criteria in report order.
  static func criterionRules(_ parameters: AnalysisParameters) -> [CriterionRule] {
    @Sendable func band(_ result: FrameResult) -> Verdict {
      result == .flashFailure || result == .transitionBand ? parameters.severity(result) : .pass
    }
    var list: [CriterionRule] = [
      (
        .generalFlash, "General (luminance) flash: more than 3 flashes in any one second",
        { row, _ in (band(row.luminanceResult), row.luminanceTransitions) }
      )
    ]
    let titles: [RedRule: (CriterionID, String)] = [
      .classic: (.redFlashClassic, "Red flash, classic saturated-red value (R-G-B)*320"),
      .chromaticity: (
        .redFlashChromaticity, "Red flash, WCAG 2.2 u'v' chromaticity change > 0.2"
      ),
      .saturationChange: (
        .redFlashSaturation, "Red flash, any transition to or from saturated red"
      ),
    ]
    let maxT = parameters.maxTransitions
    let iris = parameters.profile == .iris
    for rule in parameters.redRules {
      let (id, title) = titles[rule]!
      list.append(
        (
          id, title,
          { row, red in
            let n: Int
            switch rule {
            case .classic: n = red.classic
            case .chromaticity: n = red.chromaticity
            case .saturationChange: n = red.saturation
            }
            if n > maxT { return (.fail, n) }
            return (iris ? band(row.redResult) : .pass, n)
          }
        ))
    }
    let extended = parameters.extendedVerdict
    list.append(
      (
        .extendedFlashing, "Extended flashing: 4 to 6 transitions a second for 4 of 5 seconds",
        { row, _ in
          (
            row.luminanceResult == .extendedFailure || row.redResult == .extendedFailure
              ? extended : .pass,
            max(row.luminanceExtendedCount, row.redExtendedCount)
          )
        }
      ))
    return list
  }

  func makeCriteria() -> [CriterionResult] { criteriaTally.criteria }

  /// Frames per second from the timestamps when the stream declares no rate.
  var estimatedRate: Double {
    guard frameTimes.count > 1, let last = frameTimes.last, last > frameTimes[0] else {
      return 25
    }
    return Double(frameTimes.count - 1) / (last - frameTimes[0])
  }
}

extension PhotosensitivityAnalyzer {
  /// Measures and analyses a whole source with the scan engine (a `PhotosensitivityStage`, and
  /// a `PatternStage` when the parameters check patterns): the one entry point for an analysis
  /// without a T table or a report.
  public static func analyze(
    _ source: FrameSource, parameters: AnalysisParameters,
    engine: ScanEngine = ScanEngine(threads: 1, chunkFrames: 32)
  ) throws -> PhotosensitivityResult {
    let stage = PhotosensitivityStage(info: source.info, parameters: parameters)
    let patterns = parameters.patterns.map {
      PatternStage(info: source.info, rule: $0, irisFPS: parameters.irisFrameRate)
    }
    try engine.run(source, stages: [stage] + (patterns.map { [$0] } ?? []))
    let result = stage.result()
    return patterns.map { result.adding(patterns: $0.result()) } ?? result
  }
}

/// A frame's red transitions under each red rule.
public typealias RedCounts = (classic: Int, chromaticity: Int, saturation: Int)

/// The criteria of a span of frames, tallied frame by frame (the analysis tallies the whole
/// input; a live watch also tallies each report period).
public struct CriteriaTally: Sendable {
  let rules: [PhotosensitivityAnalyzer.CriterionRule]
  var tallies: [CriterionTally]
  /// Frames tallied.
  public private(set) var frames = 0

  public init(parameters: AnalysisParameters) {
    rules = PhotosensitivityAnalyzer.criterionRules(parameters)
    tallies = Array(repeating: CriterionTally(), count: rules.count)
  }

  /// Adds a frame's row, with its red transitions per rule.
  public mutating func add(_ row: FrameRow, red: RedCounts) {
    frames += 1
    for (i, rule) in rules.enumerated() {
      let (v, peak) = rule.2(row, red)
      tallies[i].top = max(tallies[i].top, peak)
      if v > .pass {
        tallies[i].count += 1
        if tallies[i].first == nil { tallies[i].first = row.time }
        tallies[i].verdict = max(tallies[i].verdict, v)
      }
    }
  }

  /// The criteria of the frames tallied, in report order.
  public var criteria: [CriterionResult] {
    zip(rules, tallies).map { rule, t in
      CriterionResult(
        id: rule.0, title: rule.1, verdict: t.verdict, flaggedFrames: t.count,
        peakTransitionsPerSecond: t.top, firstFlaggedTime: t.first)
    }
  }
}

/// One criterion's figures so far.
struct CriterionTally: Sendable {
  var verdict = Verdict.pass
  var count = 0
  var first: Double? = nil
  var top = 0
}
