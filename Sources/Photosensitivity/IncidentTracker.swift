/// Turns analysed frames into incidents as they arrive: a run of consecutive frames flagged for
/// one kind (`AnalysisParameters.incidentFlag`) becomes an incident spanning the transitions that
/// made those frames fail, and runs of one kind less than a second apart are one incident. The
/// analysis builds its incident list with it, and the report's thumbnail stage follows the same
/// runs frame by frame through the `Step`s it returns, so both agree on each run's worst frame
/// (a merged incident shows the worst of its runs').
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
  /// Incidents of one kind less than this many seconds apart (from one's end to the next's
  /// start) are one incident: one stretch of material to fix.
  public static let mergeGapSeconds = 1.0

  /// One run of flagged frames, with what the incident rule needs beyond the incident itself.
  struct Run: Sendable {
    var incident: Incident
    /// The worst frame's rank: (transitions, flashing area share of the row).
    var score: (Int, Double)
    /// The first transition that counted toward the run's first flagged frame, and the last
    /// that counted toward its last (nil when the rows came without windows).
    var firstTransition: Double?
    var lastTransition: Double?
  }
  var open: [IncidentKind: Run] = [:]
  /// Finished runs, in the order they ended.
  var finishedRuns: [Run] = []
  /// Finished runs' incidents, in the order they ended (flagged frames only, not yet spanned
  /// to their transitions or merged: `incidents` does that).
  public var finished: [Incident] { finishedRuns.map(\.incident) }

  public init(parameters: AnalysisParameters, width: Int, height: Int) {
    self.parameters = parameters
    wholeFrame = PixelRect(x: 0, y: 0, width: width, height: height)
  }

  /// Feeds the next frame's row (rows in frame order) and, when known, each kind's window at
  /// that frame (`FlashWindow`: the transitions that counted and the kind's own area); returns
  /// each kind's step, in `IncidentKind.allCases` order. Timecodes are left empty: `incidents`
  /// fills them. Steps depend on the rows only, so a follower without windows (the report's
  /// thumbnails) sees the same runs and worst frames.
  public mutating func add(_ row: FrameRow, windows: [IncidentKind: FlashWindow] = [:]) -> [Step] {
    IncidentKind.allCases.map { step($0, row, windows[$0]) }
  }

  mutating func step(_ kind: IncidentKind, _ row: FrameRow, _ window: FlashWindow?) -> Step {
    guard let (verdict, transitions) = parameters.incidentFlag(kind, row) else {
      guard var run = open.removeValue(forKey: kind) else { return .idle }
      run.incident.end = row.time
      finishedRuns.append(run)
      return .closed(run.incident)
    }
    let box = window.map { $0.box ?? wholeFrame } ?? row.region ?? wholeFrame
    let share = window?.screenShare ?? row.flashingAreaShare
    let field = window != nil ? window?.fieldShare : row.fieldShare
    let score = (transitions, row.flashingAreaShare)
    guard var run = open[kind] else {
      open[kind] = Run(
        incident: Incident(
          kind: kind, verdict: verdict, start: row.time, end: row.time, startTimecode: "",
          endTimecode: "", firstFrame: row.frame, lastFrame: row.frame,
          peakTransitionsPerSecond: transitions, peakFlashesPerSecond: Double(transitions) / 2,
          largestScreenShare: share, largestFieldShare: field, boundingBox: box,
          worstFrame: row.frame),
        score: score, firstTransition: window?.firstTransition,
        lastTransition: window?.lastTransition)
      return .opened
    }
    run.incident.verdict = max(run.incident.verdict, verdict)
    run.incident.lastFrame = row.frame
    run.incident.peakTransitionsPerSecond = max(run.incident.peakTransitionsPerSecond, transitions)
    run.incident.peakFlashesPerSecond = Double(run.incident.peakTransitionsPerSecond) / 2
    run.incident.largestScreenShare = max(run.incident.largestScreenShare, share)
    if let f = field {
      run.incident.largestFieldShare = max(run.incident.largestFieldShare ?? 0, f)
    }
    run.incident.boundingBox = run.incident.boundingBox.union(box)
    // The first failing window gives the start, the last one the end.
    if let w = window {
      if run.firstTransition == nil { run.firstTransition = w.firstTransition }
      run.lastTransition = w.lastTransition
    }
    let newWorst = score > run.score
    if newWorst {
      run.score = score
      run.incident.worstFrame = row.frame
    }
    open[kind] = run
    return .extended(newWorst: newWorst)
  }

  /// Every incident, with timecodes at `frameRate` counted from frame number `timecodeStart`
  /// (the source's start timecode), sorted by start time (then kind).
  ///
  /// Each run of flagged frames is spanned to the material to fix: from the first transition
  /// that counted toward its first flagged frame to the end of the frame of the last transition
  /// that counted toward its last flagged frame (`FlashWindow`) (`frameTimes`, every analysed frame's time in
  /// order, gives the frames; a run without windows keeps its flagged frames, the open ones
  /// ending at `endTime`). Then runs of one kind less than `mergeGapSeconds` apart merge.
  public func incidents(
    endTime: Double, frameRate: Double, frameTimes: [Double] = [], timecodeStart: Int = 0
  ) -> [Incident] {
    var runs = finishedRuns
    for kind in IncidentKind.allCases {
      guard var run = open[kind] else { continue }
      run.incident.end = endTime
      runs.append(run)
    }
    for i in runs.indices {
      guard let first = runs[i].firstTransition, let last = runs[i].lastTransition,
        let a = Self.frame(at: first, in: frameTimes), let b = Self.frame(at: last, in: frameTimes)
      else { continue }
      runs[i].incident.start = frameTimes[a]
      runs[i].incident.firstFrame = a
      runs[i].incident.lastFrame = b
      runs[i].incident.end = b + 1 < frameTimes.count ? frameTimes[b + 1] : endTime
    }
    var merged: [Run] = []
    for kind in IncidentKind.allCases {
      let ofKind = runs.filter { $0.incident.kind == kind }.sorted {
        ($0.incident.start, $0.incident.firstFrame) < ($1.incident.start, $1.incident.firstFrame)
      }
      var current: Run? = nil
      for run in ofKind {
        guard var c = current else {
          current = run
          continue
        }
        if run.incident.start - c.incident.end < Self.mergeGapSeconds {
          c.incident.merge(run.incident, worse: run.score > c.score)
          if run.score > c.score { c.score = run.score }
          current = c
        } else {
          merged.append(c)
          current = run
        }
      }
      if let c = current { merged.append(c) }
    }
    var all = merged.map(\.incident)
    for i in all.indices {
      all[i].startTimecode = Timecode.smpte(
        seconds: all[i].start, frameRate: frameRate, start: timecodeStart)
      all[i].endTimecode = Timecode.smpte(
        seconds: all[i].end, frameRate: frameRate, start: timecodeStart)
    }
    return all.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
  }

  /// The index of the frame presented at `time` (the nearest frame time), nil without frames.
  static func frame(at time: Double, in times: [Double]) -> Int? {
    guard !times.isEmpty else { return nil }
    var lo = 0
    var hi = times.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      if times[mid] < time { lo = mid + 1 } else { hi = mid }
    }
    if lo > 0 && time - times[lo - 1] < times[lo] - time { return lo - 1 }
    return lo
  }
}

extension Incident {
  /// Takes in a later incident of the same kind: the span grows to cover it, peaks and areas
  /// are the larger, boxes unite; its worst frame becomes this one's when it is `worse`.
  mutating func merge(_ o: Incident, worse: Bool) {
    verdict = max(verdict, o.verdict)
    if o.end > end {
      end = o.end
      lastFrame = o.lastFrame
    }
    peakTransitionsPerSecond = max(peakTransitionsPerSecond, o.peakTransitionsPerSecond)
    peakFlashesPerSecond = Double(peakTransitionsPerSecond) / 2
    largestScreenShare = max(largestScreenShare, o.largestScreenShare)
    if let f = o.largestFieldShare { largestFieldShare = max(largestFieldShare ?? 0, f) }
    boundingBox = boundingBox.union(o.boundingBox)
    if worse { worstFrame = o.worstFrame }
  }
}
