import Foundation
import Frames

/// One frame's pattern findings: the per-frame pattern columns of the frames CSV and JSON.
public struct PatternFrameRow: Codable, Sendable, Equatable {
  /// Whole light-dark pairs of the largest pattern that counts (enough pairs, light enough);
  /// 0 when there is none. Under IRIS's method: the components of a pattern that passes
  /// IRIS's harm test (0 otherwise), as IRIS records them.
  public var pairs: Int
  /// Share of the screen the patterns that count cover together.
  public var areaShare: Double
  /// Stripe direction of the largest one, degrees counter-clockwise from horizontal.
  public var orientationDegrees: Double?
  /// How the patterns move (over the last `minDurationSeconds`).
  public var motion: PatternMotion
  /// Pass, or the rule's verdict when the frame is part of a pattern incident.
  public var verdict: Verdict
  /// Bounding box of the patterns that count, source pixels.
  public var region: PixelRect?
}

/// What a pattern incident adds to an incident (kind `pattern`).
public struct PatternIncidentDetail: Codable, Sendable, Equatable {
  /// The most whole light-dark pairs seen in the run.
  public var pairs: Int
  /// Stripe direction at the worst frame (largest area), degrees counter-clockwise from
  /// horizontal (0 = horizontal stripes, 90 = vertical); nil under IRIS's method, which has no
  /// orientation.
  public var orientationDegrees: Double?
  /// Largest share of the screen covered.
  public var areaShare: Double
  /// `stationary` or `oscillating` (drifting patterns are exempt); `unassessed` under IRIS's
  /// method, which does not look at motion.
  public var motion: PatternMotion
  /// What `pairs` counts: light-dark `pairs` (flashscan's tiles) or IRIS's `components`
  /// (contours of one shape, about one per stripe).
  public var counts: PatternCountUnit?
}

/// The pattern analysis of a whole video.
public struct PatternResult: Sendable, Equatable {
  public var rule: PatternRule
  /// Frame indices and the frame's row, in frame order.
  public var frames: [(Int, PatternFrameRow)]
  public var incidents: [Incident]
  public var criterion: CriterionResult

  public static func == (a: PatternResult, b: PatternResult) -> Bool {
    a.rule == b.rule && a.incidents == b.incidents && a.criterion == b.criterion
      && a.frames.map(\.0) == b.frames.map(\.0) && a.frames.map(\.1) == b.frames.map(\.1)
  }
}

/// The sequential half of the pattern check: consumes `PatternFrameMeasure`s in frame order,
/// follows each tile's phase between frames to tell stationary, drifting and oscillating
/// patterns apart, applies the rule and the duration limit, and builds incidents.
public struct PatternAnalyzer: Sendable {
  public let rule: PatternRule
  public let width: Int
  public let height: Int
  public let frameRate: Double?

  struct TileKey: Hashable, Sendable {
    var level: Int
    var column: Int
    var row: Int
  }
  enum Event: Sendable { case unknown, still, moving, oscillation }

  /// The last time each tile had a pattern: its tile and the frame index.
  var lastTiles: [TileKey: (tile: PatternTile, frame: Int)] = [:]
  /// The last direction each tile moved in (+1 or -1).
  var lastSign: [TileKey: Int] = [:]
  /// Frame events within the last `minDurationSeconds`.
  var history: [(time: Double, event: Event)] = []

  struct Run: Sendable {
    var first: Int  // index into rows
    var lastFlagged: Int
    var worst: Int
    var worstArea: Double
    var pairs: Int
    var motion: PatternMotion
    var box: PixelRect
    /// IRIS's method: the run reached IRIS's frame count.
    var failed = false
  }
  var run: Run?
  /// IRIS's frame count (`rule.method == .iris`).
  var irisCounter: IrisPatternCounter?
  /// Every frame consumed: index, time, row.
  public private(set) var frames: [Int] = []
  public private(set) var times: [Double] = []
  public private(set) var rows: [PatternFrameRow] = []
  public private(set) var incidents: [Incident] = []
  /// The frames of the last `consume` call that are flagged (over the limit), with the first
  /// frame of their run and their area: the thumbnail stage follows these.
  public private(set) var lastFlagged: [(frame: Int, runStart: Int, area: Double)] = []
  /// Keep every frame's row (`result().frames`, the criterion counted from them). False (a live
  /// watch): only the rows of the open run are kept, and the criterion is tallied as runs close,
  /// with the same figures, so memory stays flat while no pattern is on screen.
  public var keepsRows = true
  /// The criterion's figures, tallied as frames are judged (used when `keepsRows` is false).
  var tally = (flaggedFrames: 0, firstFlaggedTime: Double?.none, peak: 0)

  /// A pattern that vanishes for at most this long and comes back is the same pattern, flashing.
  public static let gapSeconds = 0.25

  /// `fps`: IRIS's integer frame rate for its frame count (default: the rate rounded, 25
  /// when unknown).
  public init(width: Int, height: Int, frameRate: Double?, rule: PatternRule, fps: Int? = nil) {
    self.rule = rule
    self.width = width
    self.height = height
    self.frameRate = frameRate
    if rule.method == .iris {
      let rate = frameRate.flatMap { $0.isFinite && $0 > 0 && $0 < 10_000 ? $0 : nil } ?? 25
      irisCounter = IrisPatternCounter(
        fps: fps ?? Int(rate.rounded()), seconds: rule.minDurationSeconds)
    }
  }

  /// The first frame of the open run (nil when none is open).
  public var openRunStart: Int? { run.map { frames[$0.first] } }

  /// The time of the open run's first frame (nil when none is open).
  public var openRunStartTime: Double? { run.map { times[$0.first] } }

  /// Whether the open run already is an incident: it has lasted `minDurationSeconds` (to the
  /// end of its last flagged frame), or under IRIS's method reached IRIS's frame count.
  public var openRunIsIncident: Bool {
    guard let open = run else { return false }
    if rule.method == .iris { return open.failed }
    let end = times[open.lastFlagged] + frameDuration
    return end - times[open.first] >= rule.minDurationSeconds - 1e-9
  }

  public mutating func consume(_ measures: [PatternFrameMeasure]) throws {
    lastFlagged = []
    for m in measures {
      if let last = frames.last, m.index <= last {
        throw PhotosensitivityError.measureMismatch(
          frame: m.index, reason: "pattern measure out of order (after frame \(last))")
      }
      add(m)
      if !keepsRows { trim() }
    }
  }

  /// Drops the rows no open run needs (all but the last while none is open).
  mutating func trim() {
    guard run == nil, rows.count > 1 else { return }
    let drop = rows.count - 1
    frames.removeFirst(drop)
    times.removeFirst(drop)
    rows.removeFirst(drop)
  }

  mutating func add(_ m: PatternFrameMeasure) {
    if let f = m.iris {
      addIris(m, f)
      return
    }
    let counted = m.regions.filter {
      Int($0.pairs.rounded(.down)) >= rule.minPairs && rule.lightEnough(luma: $0.light)
    }
    let area = counted.reduce(0) { $0 + $1.areaShare }
    let largest = counted.max { $0.areaShare < $1.areaShare }
    var used = Set<Int>()
    for r in counted { used.formUnion(r.tiles) }

    // Tile events against the last time each tile had a pattern.
    let gapFrames = max(1, Int(((frameRate ?? 25) * Self.gapSeconds).rounded()))
    var matched = 0
    var still = 0
    var moving = 0
    var oscillating = 0
    for i in used.sorted() {
      let t = m.tiles[i]
      let key = TileKey(level: t.level, column: t.column, row: t.row)
      guard let (before, frame) = lastTiles[key], m.index - frame <= gapFrames,
        before.kx == t.kx, before.ky == t.ky
      else { continue }
      matched += 1
      if frame != m.index - 1 {
        oscillating += 1  // gone and back: flashing
        continue
      }
      let ratio = t.contrast / max(before.contrast, 1)
      var d = Double(t.phase - before.phase)
      if d > Double.pi { d -= 2 * Double.pi }
      if d <= -Double.pi { d += 2 * Double.pi }
      if ratio < 0.5 || ratio > 2 || abs(d) > 0.8 * Double.pi {
        oscillating += 1  // contrast flash or reversal
      } else if abs(d) < 0.15 {
        still += 1
      } else {
        let sign = d > 0 ? 1 : -1
        if let last = lastSign[key], last != sign {
          oscillating += 1
        } else {
          moving += 1
        }
        lastSign[key] = sign
      }
    }
    for t in m.tiles {
      lastTiles[TileKey(level: t.level, column: t.column, row: t.row)] = (t, m.index)
    }
    let event: Event
    if matched == 0 {
      event = .unknown
    } else if oscillating > 0 && 4 * oscillating >= matched {
      event = .oscillation
    } else if 2 * moving >= matched {
      event = .moving
    } else {
      event = .still
    }
    _ = still
    history.append((m.time, event))
    history.removeAll { $0.time <= m.time - rule.minDurationSeconds + 1e-9 }
    let motion: PatternMotion
    if counted.isEmpty {
      motion = .none
    } else if history.contains(where: { $0.event == .oscillation }) {
      motion = .oscillating
    } else {
      let movingFrames = history.filter { $0.event == .moving }.count
      let stillFrames = history.filter { $0.event == .still }.count
      motion = movingFrames > stillFrames ? .drifting : .stationary
    }
    var box: PixelRect? = nil
    for r in counted { box = box.map { $0.union(r.box) } ?? r.box }
    let row = PatternFrameRow(
      pairs: largest.map { Int($0.pairs.rounded(.down)) } ?? 0, areaShare: area,
      orientationDegrees: largest?.orientationDegrees, motion: motion, verdict: .pass,
      region: box)
    frames.append(m.index)
    times.append(m.time)
    rows.append(row)
    tally.peak = max(tally.peak, row.pairs)
    let here = rows.count - 1
    let flagged = !counted.isEmpty && rule.overArea(area, motion: motion)

    if flagged {
      if var open = run, m.index - frames[open.lastFlagged] <= gapFrames {
        open.lastFlagged = here
        if area > open.worstArea {
          open.worstArea = area
          open.worst = here
        }
        open.pairs = max(open.pairs, row.pairs)
        if motion == .oscillating { open.motion = .oscillating }
        open.box = open.box.union(box!)
        run = open
      } else {
        close(next: here)
        run = Run(
          first: here, lastFlagged: here, worst: here, worstArea: area, pairs: row.pairs,
          motion: motion, box: box!)
      }
      lastFlagged.append((m.index, frames[run!.first], area))
    } else if let open = run, m.index - frames[open.lastFlagged] > gapFrames {
      close(next: open.lastFlagged + 1)
    }
  }

  /// Ends the open run; `next` is the row after its last flagged frame (its end time), or
  /// `rows.count` when there is none yet.
  mutating func close(next: Int) {
    guard let open = run else { return }
    run = nil
    let start = times[open.first]
    let end = next < times.count ? times[next] : times[open.lastFlagged] + frameDuration
    guard end - start >= rule.minDurationSeconds - 1e-9 else { return }
    for i in open.first...open.lastFlagged { rows[i].verdict = rule.verdict }
    if rule.verdict > .pass {
      tally.flaggedFrames += open.lastFlagged - open.first + 1
      if tally.firstFlaggedTime == nil { tally.firstFlaggedTime = start }
    }
    let worst = rows[open.worst]
    incidents.append(
      Incident(
        kind: .pattern, verdict: rule.verdict, start: start, end: end, startTimecode: "",
        endTimecode: "", firstFrame: frames[open.first], lastFrame: frames[open.lastFlagged],
        peakTransitionsPerSecond: 0, peakFlashesPerSecond: 0, largestScreenShare: open.worstArea,
        largestFieldShare: nil, boundingBox: open.box, worstFrame: frames[open.worst],
        pattern: PatternIncidentDetail(
          pairs: open.pairs, orientationDegrees: worst.orientationDegrees ?? 0,
          areaShare: open.worstArea, motion: open.motion, counts: .pairs)))
  }

  /// IRIS's method: the frame's harm test goes to IRIS's counter; a run of harmful frames
  /// that reaches the count is an incident from its first harmful frame to the end of its
  /// last; only the frames IRIS fails (from the count on) get the verdict.
  mutating func addIris(_ m: PatternFrameMeasure, _ f: IrisPatternFrame) {
    let fails = irisCounter?.add(harmful: f.harmful) ?? false
    let row = PatternFrameRow(
      pairs: f.harmful ? f.components : 0, areaShare: f.harmful ? f.areaShare : 0,
      orientationDegrees: nil, motion: f.harmful ? .unassessed : .none,
      verdict: fails ? rule.verdict : .pass, region: f.harmful ? f.box : nil)
    frames.append(m.index)
    times.append(m.time)
    rows.append(row)
    tally.peak = max(tally.peak, row.pairs)
    if row.verdict > .pass {
      tally.flaggedFrames += 1
      if tally.firstFlaggedTime == nil { tally.firstFlaggedTime = m.time }
    }
    let here = rows.count - 1
    guard f.harmful else {
      closeIris(next: here)
      return
    }
    let box = f.box ?? PixelRect(x: 0, y: 0, width: width, height: height)
    if var open = run {
      open.lastFlagged = here
      if row.areaShare > open.worstArea {
        open.worstArea = row.areaShare
        open.worst = here
      }
      open.pairs = max(open.pairs, row.pairs)
      open.box = open.box.union(box)
      open.failed = open.failed || fails
      run = open
    } else {
      run = Run(
        first: here, lastFlagged: here, worst: here, worstArea: row.areaShare, pairs: row.pairs,
        motion: .unassessed, box: box, failed: fails)
    }
    lastFlagged.append((m.index, frames[run!.first], row.areaShare))
  }

  /// Ends IRIS's open run; an incident when it reached the frame count.
  mutating func closeIris(next: Int) {
    guard let open = run else { return }
    run = nil
    guard open.failed else { return }
    let end = next < times.count ? times[next] : times[open.lastFlagged] + frameDuration
    incidents.append(
      Incident(
        kind: .pattern, verdict: rule.verdict, start: times[open.first], end: end,
        startTimecode: "", endTimecode: "", firstFrame: frames[open.first],
        lastFrame: frames[open.lastFlagged], peakTransitionsPerSecond: 0,
        peakFlashesPerSecond: 0, largestScreenShare: open.worstArea, largestFieldShare: nil,
        boundingBox: open.box, worstFrame: frames[open.worst],
        pattern: PatternIncidentDetail(
          pairs: open.pairs, orientationDegrees: nil, areaShare: open.worstArea,
          motion: .unassessed, counts: .components)))
  }

  var frameDuration: Double {
    if let frameRate, frameRate > 0 { return 1 / frameRate }
    guard times.count > 1, let last = times.last, last > times[0] else { return 1.0 / 25 }
    return (last - times[0]) / Double(times.count - 1)
  }

  /// Closes what is open (call once after the last frame).
  public mutating func finish() {
    if rule.method == .iris {
      closeIris(next: rows.count)
    } else {
      close(next: rows.count)
    }
  }

  /// The result; call after `finish`.
  public func result() -> PatternResult {
    let rate = frameRate ?? 1 / frameDuration
    var list = Self.merged(incidents)
    for i in list.indices {
      list[i].startTimecode = Timecode.smpte(seconds: list[i].start, frameRate: rate)
      list[i].endTimecode = Timecode.smpte(seconds: list[i].end, frameRate: rate)
    }
    var (flaggedFrames, first, peak) = tally
    if keepsRows {
      (flaggedFrames, first, peak) = (0, nil, 0)
      for (i, r) in rows.enumerated() {
        peak = max(peak, r.pairs)
        if r.verdict > .pass {
          flaggedFrames += 1
          if first == nil { first = times[i] }
        }
      }
    }
    let criterion = CriterionResult(
      id: .pattern, title: Self.title(rule), verdict: list.map(\.verdict).max() ?? .pass,
      flaggedFrames: flaggedFrames, peakTransitionsPerSecond: peak, firstFlaggedTime: first)
    return PatternResult(
      rule: rule, frames: Array(zip(frames, rows)), incidents: list, criterion: criterion)
  }

  /// Pattern incidents less than `IncidentTracker.mergeGapSeconds` apart (end to start) are one
  /// incident, as incidents of the other kinds are: the span covers both, the pairs, area and
  /// box are the larger, the motion is oscillating when either's is, and the worst frame (and
  /// its orientation) is the one of larger area.
  public static func merged(_ incidents: [Incident]) -> [Incident] {
    var out: [Incident] = []
    for next in incidents {
      guard var last = out.last, next.start - last.end < IncidentTracker.mergeGapSeconds else {
        out.append(next)
        continue
      }
      let worse = next.largestScreenShare > last.largestScreenShare
      last.merge(next, worse: worse)
      if var p = last.pattern, let q = next.pattern {
        p.pairs = max(p.pairs, q.pairs)
        p.areaShare = max(p.areaShare, q.areaShare)
        if q.motion == .oscillating { p.motion = .oscillating }
        if worse { p.orientationDegrees = q.orientationDegrees }
        last.pattern = p
      }
      out[out.count - 1] = last
    }
    return out
  }

  static func title(_ rule: PatternRule) -> String {
    let pct = { (x: Double) in "\(Int((x * 100).rounded()))%" }
    let light =
      "light stripes \(rule.lightInclusive ? ">=" : ">") \(rule.lightThreshold.formatted()) \(rule.lightScale.unit)"
    if rule.method == .iris {
      return
        "Harmful regular pattern (IRIS's method): \(rule.minPairs)+ components (stripes), light part >= \(rule.lightThreshold.formatted()) relative luminance, region >= \(pct(rule.stationaryAreaShare)), for int(fps x \(rule.minDurationSeconds.formatted())) frames"
    }
    if rule.exemptDrifting {
      return
        "Harmful regular pattern: \(rule.minPairs)+ light-dark pairs, \(light), for \(rule.minDurationSeconds.formatted()) s, over \(pct(rule.stationaryAreaShare)) stationary or \(pct(rule.movingAreaShare)) oscillating"
    }
    return
      "Harmful regular pattern: \(rule.minPairs)+ stripes pairs, \(light), for \(rule.minDurationSeconds.formatted()) s, over \(rule.areaInclusive ? ">=" : "") \(pct(rule.stationaryAreaShare))"
  }
}

/// The pattern check as a stage of the scan engine: `PatternMeasurer` on the workers,
/// `PatternAnalyzer` in frame order.
public final class PatternStage: Stage {
  public let frameMeasurer: PatternMeasurer
  public private(set) var analyzer: PatternAnalyzer

  /// `irisFPS`: IRIS's integer frame rate (`AnalysisParameters.irisFrameRate`) for IRIS's
  /// method; nil: the stream's rate rounded.
  /// `keepsRows`: false keeps only the open run's rows (`PatternAnalyzer.keepsRows`).
  public init(info: VideoInfo, rule: PatternRule, irisFPS: Int? = nil, keepsRows: Bool = true) {
    var rule = rule
    rule.lightScale = rule.lightScale.resolved(for: info.color)
    frameMeasurer = PatternMeasurer(width: info.width, height: info.height, rule: rule)
    analyzer = PatternAnalyzer(
      width: info.width, height: info.height, frameRate: info.frameRate, rule: rule,
      fps: irisFPS)
    analyzer.keepsRows = keepsRows
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> [PatternFrameMeasure] {
    let measurer = frameMeasurer
    return { window in try measurer.measure(window) }
  }

  public func consume(_ measures: [PatternFrameMeasure], window: ChunkWindow) throws {
    try analyzer.consume(measures)
  }

  public func finish() throws { analyzer.finish() }

  /// The pattern analysis (after the pass).
  public func result() -> PatternResult { analyzer.result() }
}

extension PhotosensitivityResult {
  /// The result with the pattern check added: the `pattern` criterion, its incidents (in start
  /// order with the others), each frame's pattern columns, the frame and overall verdicts.
  public func adding(patterns: PatternResult) -> PhotosensitivityResult {
    var out = self
    var byFrame: [Int: PatternFrameRow] = [:]
    for (f, row) in patterns.frames { byFrame[f] = row }
    for i in out.frames.indices {
      guard let row = byFrame[out.frames[i].frame] else { continue }
      out.frames[i].pattern = row
      out.frames[i].verdict = max(out.frames[i].verdict, row.verdict)
    }
    out.criteria.append(patterns.criterion)
    out.incidents = (out.incidents + patterns.incidents).sorted {
      ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue)
    }
    out.verdict = max(out.verdict, patterns.criterion.verdict)
    return out
  }
}
