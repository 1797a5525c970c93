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
/// with the incident's record as the JSON report has it. Also keeps the live figures the status
/// events and the metrics read.
public final class LiveMonitorStage: Stage {
  public let analysis: PhotosensitivityStage
  public let placement: SegmentPlacement
  var follower: LiveIncidentFollower
  let output: LiveOutput
  let figures: LiveFigures
  /// Incidents ended so far in the whole watch (numbers the `incident-end` records).
  let numbering: IncidentNumbering
  /// The rolling report's periods (`--report-every`), nil without.
  let periods: WatchPeriods?

  public init(
    following analysis: PhotosensitivityStage, placement: SegmentPlacement, output: LiveOutput,
    figures: LiveFigures, numbering: IncidentNumbering, periods: WatchPeriods? = nil
  ) {
    self.periods = periods
    self.analysis = analysis
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
  }

  /// Ends every incident still open: the connection ended.
  public func endIncidents() throws {
    for change in follower.endAll() { try report(change) }
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
