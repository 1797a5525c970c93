import Frames
import Photosensitivity
import Reports

/// Where one connection's frames sit in the whole watch: its first frame's number and the
/// stream time its time 0 is at (earlier connections and the gaps between them).
public struct SegmentPlacement: Sendable, Equatable {
  public var frameOffset: Int
  public var timeOffset: Double
  public init(frameOffset: Int = 0, timeOffset: Double = 0) {
    self.frameOffset = frameOffset
    self.timeOffset = timeOffset
  }
}

/// Follows one connection's analysis frame by frame (it comes after the
/// `PhotosensitivityStage` in the pass, like the report's thumbnails) and turns its rows into
/// events: `incident-start` at the frame whose window first crosses a limit, `incident-end`
/// with the incident's record as the JSON report has it. With a `PatternStage` (the profile's
/// pattern check, run before this stage in the same pass) it follows its runs too: a pattern
/// incident starts at the frame where its run becomes one (it has lasted the rule's duration)
/// and ends once no later run can join it under the report's merge rule. Also keeps the live
/// figures the status events and the metrics read.
public final class LiveMonitorStage: Stage {
  public let analysis: PhotosensitivityStage
  public let patterns: PatternStage?
  /// The pattern incident being followed: its closed runs merged so far (nil before the first
  /// closes), and whether its `incident-start` was written.
  var patternIncident: Incident? = nil
  var patternStarted = false
  /// The pattern analyzer's incidents taken so far.
  var patternTaken = 0
  public let placement: SegmentPlacement
  var follower: LiveIncidentFollower
  let output: LiveOutput
  let figures: LiveFigures
  /// Incidents ended so far in the whole watch (numbers the `incident-end` records).
  let numbering: IncidentNumbering
  /// The rolling report's periods (`--report-every`), nil without.
  let periods: WatchPeriods?

  public init(
    following analysis: PhotosensitivityStage, patterns: PatternStage? = nil,
    placement: SegmentPlacement, output: LiveOutput,
    figures: LiveFigures, numbering: IncidentNumbering, periods: WatchPeriods? = nil
  ) {
    self.periods = periods
    self.analysis = analysis
    self.patterns = patterns
    self.placement = placement
    self.output = output
    self.figures = figures
    self.numbering = numbering
    follower = LiveIncidentFollower(
      parameters: analysis.analyzer.parameters, width: analysis.analyzer.grid.width,
      height: analysis.analyzer.grid.height)
  }

  var frameRate: Double { analysis.analyzer.frameRate ?? 25 }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> Void { { _ in } }

  public func consume(_: Void, window: ChunkWindow) throws {
    for (n, row) in analysis.lastRows.enumerated() {
      if let periods, n < analysis.lastRed.count {
        periods.add(
          row, red: analysis.lastRed[n], watchTime: row.time + placement.timeOffset,
          template: { analysis.result() })
      }
      figures.frame(
        time: row.time + placement.timeOffset, localTime: row.time,
        flashesPerSecond: row.flashesPerSecond)
      for change in follower.add(row) { try report(change) }
    }
    if patterns != nil, let time = analysis.lastRows.last?.time {
      try followPatterns(time: time, ending: false)
    }
  }

  /// Ends every incident still open: the connection ended.
  public func endIncidents() throws {
    for change in follower.endAll() { try report(change) }
    if let patterns {
      // Closes the open run (a second call after the pass's own is a no-op).
      try patterns.finish()
      try followPatterns(time: analysis.analyzer.frameTimes.last ?? 0, ending: true)
    }
  }

  /// The pattern incident after the frame at `time`: runs that closed as incidents join the one
  /// followed (when less than the merge gap after it) or end it and start the next; a run that
  /// has become an incident starts one; the one followed ends once the merge gap has passed
  /// with no run open that could still join it (or at once when `ending`).
  func followPatterns(time: Double, ending: Bool) throws {
    guard let patterns else { return }
    let analyzer = patterns.analyzer
    let gap = IncidentTracker.mergeGapSeconds
    let closed = analyzer.incidents
    while patternTaken < closed.count {
      let next = closed[patternTaken]
      patternTaken += 1
      if let current = patternIncident, next.start - current.end >= gap {
        try endPattern(current)
      }
      if !patternStarted { try startPattern(time: time, verdict: next.verdict) }
      patternIncident =
        patternIncident.map { PatternAnalyzer.merged([$0, next]).last ?? next } ?? next
    }
    if analyzer.openRunIsIncident, let start = analyzer.openRunStartTime {
      if let current = patternIncident, start - current.end >= gap { try endPattern(current) }
      if !patternStarted { try startPattern(time: time, verdict: analyzer.rule.verdict) }
    }
    guard let current = patternIncident else { return }
    let runMayJoin = analyzer.openRunStartTime.map { $0 - current.end < gap } ?? false
    if ending || (time - current.end >= gap && !runMayJoin) { try endPattern(current) }
  }

  func startPattern(time: Double, verdict: Verdict) throws {
    patternStarted = true
    figures.incidentStarted(kind: .pattern, verdict: verdict)
    try output.emit(
      LiveEvent(
        .incidentStart, time: time + placement.timeOffset, frameRate: frameRate,
        fields: [
          .string("kind", IncidentKind.pattern.rawValue), .string("verdict", verdict.rawValue),
        ]
      ))
  }

  func endPattern(_ incident: Incident) throws {
    patternIncident = nil
    patternStarted = false
    let record = placed(incident)
    figures.incidentEnded(kind: .pattern, verdict: record.verdict)
    try output.emit(
      LiveEvent(
        .incidentEnd, time: record.end, frameRate: frameRate,
        fields: [
          .string("kind", IncidentKind.pattern.rawValue),
          .string("verdict", record.verdict.rawValue),
          LiveEvent.Field("incident", json: try IncidentJSON.encode(record)),
        ]))
  }

  func report(_ change: LiveIncidentFollower.Change) throws {
    switch change {
    case .started(let kind, let verdict, _, let time):
      figures.incidentStarted(kind: kind, verdict: verdict)
      try output.emit(
        LiveEvent(
          .incidentStart, time: time + placement.timeOffset, frameRate: frameRate,
          fields: [.string("kind", kind.rawValue), .string("verdict", verdict.rawValue)]))
    case .ended(let kind, let first, let last):
      guard let record = record(kind: kind, firstFrame: first, lastFrame: last) else { return }
      figures.incidentEnded(kind: kind, verdict: record.verdict)
      let json = try IncidentJSON.encode(record)
      try output.emit(
        LiveEvent(
          .incidentEnd, time: record.end, frameRate: frameRate,
          fields: [
            .string("kind", kind.rawValue), .string("verdict", record.verdict.rawValue),
            LiveEvent.Field("incident", json: json),
          ]))
    }
  }

  /// The incident of `kind` covering the flagged frames `firstFrame...lastFrame`, as the JSON
  /// report of this connection has it, placed in the whole watch (frames, times, timecodes)
  /// and numbered in the order incidents ended.
  func record(kind: IncidentKind, firstFrame: Int, lastFrame: Int) -> IncidentReport? {
    let analyzer = analysis.analyzer
    let times = analyzer.frameTimes
    guard let lastTime = times.last else { return nil }
    let rate = frameRate
    let incidents = analyzer.tracker.incidents(
      endTime: lastTime + 1 / rate, frameRate: rate, frameTimes: times)
    guard
      let incident = incidents.first(where: {
        $0.kind == kind && $0.firstFrame <= lastFrame && $0.lastFrame >= firstFrame
      })
    else { return nil }
    return placed(incident)
  }

  /// An incident of this connection as the JSON report has it, placed in the whole watch
  /// (frames, times, timecodes) and numbered in the order incidents ended.
  func placed(_ incident: Incident) -> IncidentReport {
    let times = analysis.analyzer.frameTimes
    let rate = frameRate
    var r = IncidentReport(number: numbering.next(), incident: incident, frameTimes: times)
    var placed = incident
    placed.start += placement.timeOffset
    placed.end += placement.timeOffset
    placed.firstFrame += placement.frameOffset
    placed.lastFrame += placement.frameOffset
    placed.worstFrame += placement.frameOffset
    r.start += placement.timeOffset
    r.end += placement.timeOffset
    r.worstFrameTime += placement.timeOffset
    r.firstFrame += placement.frameOffset
    r.lastFrame += placement.frameOffset
    r.worstFrame += placement.frameOffset
    r.startTimecode = Timecode.smpte(seconds: r.start, frameRate: rate)
    r.endTimecode = Timecode.smpte(seconds: r.end, frameRate: rate)
    placed.startTimecode = r.startTimecode
    placed.endTimecode = r.endTimecode
    periods?.ended(placed, worstFrameTime: r.worstFrameTime)
    return r
  }
}

/// Numbers incidents in the order they end, across connections.
public final class IncidentNumbering: Sendable {
  private let count = Locked(0)
  public init() {}
  func next() -> Int {
    count.withLock {
      $0 += 1
      return $0
    }
  }
}
