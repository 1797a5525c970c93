/// Turns analysed frames into incidents as they arrive: a run of consecutive frames flagged for
/// one kind (`AnalysisParameters.incidentFlag`) is one incident. The analysis builds its incident
/// list with it, and the report's thumbnail stage follows the same runs frame by frame through
/// the `Step`s it returns, so both always agree on where an incident starts, ends and peaks.
public struct IncidentTracker: Sendable {
  /// What one frame did to one kind's run.
  public enum Step: Sendable, Equatable {
    /// Not flagged, and no run was open.
    case idle
    /// Flagged, starting a run.
    case opened
    /// Flagged, continuing the open run; `newWorst` when this frame is now its worst (most
    /// transitions, then largest area).
    case extended(newWorst: Bool)
    /// Not flagged, ending the open run; the finished incident is the payload.
    case closed(Incident)
  }

  public let parameters: AnalysisParameters
  /// The whole frame, the box of a flagged frame that names no region.
  public let wholeFrame: PixelRect
  var open: [IncidentKind: (incident: Incident, score: (Int, Double))] = [:]
  /// Finished incidents, in the order they ended.
  public private(set) var finished: [Incident] = []

  public init(parameters: AnalysisParameters, width: Int, height: Int) {
    self.parameters = parameters
    wholeFrame = PixelRect(x: 0, y: 0, width: width, height: height)
  }

  /// Feeds the next frame's row (rows in frame order); returns each kind's step, in
  /// `IncidentKind.allCases` order. Timecodes are left empty: `finish` fills them.
  public mutating func add(_ row: FrameRow) -> [Step] {
    IncidentKind.allCases.map { step($0, row) }
  }

  mutating func step(_ kind: IncidentKind, _ row: FrameRow) -> Step {
    guard let (verdict, transitions) = parameters.incidentFlag(kind, row) else {
      guard var run = open.removeValue(forKey: kind) else { return .idle }
      run.incident.end = row.time
      finished.append(run.incident)
      return .closed(run.incident)
    }
    let box = row.region ?? wholeFrame
    let score = (transitions, row.flashingAreaShare)
    guard var run = open[kind] else {
      open[kind] = (
        Incident(
          kind: kind, verdict: verdict, start: row.time, end: row.time, startTimecode: "",
          endTimecode: "", firstFrame: row.frame, lastFrame: row.frame,
          peakTransitionsPerSecond: transitions, peakFlashesPerSecond: Double(transitions) / 2,
          largestScreenShare: row.flashingAreaShare, largestFieldShare: row.fieldShare,
          boundingBox: box, worstFrame: row.frame),
        score
      )
      return .opened
    }
    run.incident.verdict = max(run.incident.verdict, verdict)
    run.incident.lastFrame = row.frame
    run.incident.peakTransitionsPerSecond = max(run.incident.peakTransitionsPerSecond, transitions)
    run.incident.peakFlashesPerSecond = Double(run.incident.peakTransitionsPerSecond) / 2
    run.incident.largestScreenShare = max(run.incident.largestScreenShare, row.flashingAreaShare)
    if let f = row.fieldShare {
      run.incident.largestFieldShare = max(run.incident.largestFieldShare ?? 0, f)
    }
    run.incident.boundingBox = run.incident.boundingBox.union(box)
    let newWorst = score > run.score
    if newWorst {
      run.score = score
      run.incident.worstFrame = row.frame
    }
    open[kind] = run
    return .extended(newWorst: newWorst)
  }

  /// Every incident, the open ones ended at `endTime` (the end of the last frame), with
  /// timecodes at `frameRate`, sorted by start time (then kind).
  public func incidents(endTime: Double, frameRate: Double) -> [Incident] {
    var all = finished
    for kind in IncidentKind.allCases {
      guard var run = open[kind] else { continue }
      run.incident.end = endTime
      all.append(run.incident)
    }
    for i in all.indices {
      all[i].startTimecode = Timecode.smpte(seconds: all[i].start, frameRate: frameRate)
      all[i].endTimecode = Timecode.smpte(seconds: all[i].end, frameRate: frameRate)
    }
    return all.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
  }
}
