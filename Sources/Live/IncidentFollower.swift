import Photosensitivity

/// Follows the incidents of a live analysis frame by frame, as the rows arrive: an incident
/// starts at the frame whose window first crosses a limit (the `IncidentTracker` opens a run
/// there), and ends once its kind has been quiet long enough that no later flashing can join it
/// under the report's merge rule (`settleSeconds` of stream time after its last flagged frame).
/// Runs of one kind that the report merges are one incident here too: a run that opens while an
/// ended-but-unsettled incident of its kind is pending continues that incident (no new start).
public struct LiveIncidentFollower: Sendable {
  public enum Change: Sendable, Equatable {
    /// A window crossed a limit at `frame` (`time`): a new incident of `kind`, judged `verdict`
    /// by the frame that opened it.
    case started(kind: IncidentKind, verdict: Verdict, frame: Int, time: Double)
    /// The incident of `kind` whose flagged frames span `firstFrame...lastFrame` is over.
    case ended(kind: IncidentKind, firstFrame: Int, lastFrame: Int)
  }

  struct Open: Sendable {
    var firstFrame: Int
    var lastFrame: Int
    /// The time of the first unflagged frame after the last run, while no run is open.
    var quietSince: Double?
  }

  public private(set) var tracker: IncidentTracker
  var open: [IncidentKind: Open] = [:]
  /// Stream seconds of quiet after which an incident is over: the report's merge gap plus the
  /// longest window (a later run's incident starts at most one window before its first flagged
  /// frame).
  public let settleSeconds: Double

  public init(parameters: AnalysisParameters, width: Int, height: Int) {
    tracker = IncidentTracker(parameters: parameters, width: width, height: height)
    settleSeconds =
      IncidentTracker.mergeGapSeconds
      + max(parameters.windowSeconds, parameters.extendedWindowSeconds)
  }

  /// Incidents open or not yet settled.
  public var pending: Int { open.count }

  /// Feeds the next row (rows in frame order); returns what started and what ended.
  public mutating func add(_ row: FrameRow) -> [Change] {
    var changes: [Change] = []
    for kind in IncidentKind.allCases {
      if let o = open[kind], let quiet = o.quietSince, row.time - quiet >= settleSeconds {
        open[kind] = nil
        changes.append(.ended(kind: kind, firstFrame: o.firstFrame, lastFrame: o.lastFrame))
      }
    }
    let steps = tracker.add(row)
    for (kind, step) in zip(IncidentKind.allCases, steps) {
      switch step {
      case .opened:
        if var o = open[kind] {
          o.quietSince = nil
          o.lastFrame = row.frame
          open[kind] = o
        } else {
          open[kind] = Open(firstFrame: row.frame, lastFrame: row.frame, quietSince: nil)
          let verdict = tracker.parameters.incidentFlag(kind, row)?.verdict ?? .fail
          changes.append(.started(kind: kind, verdict: verdict, frame: row.frame, time: row.time))
        }
      case .extended:
        open[kind]?.lastFrame = row.frame
      case .closed:
        open[kind]?.quietSince = row.time
      case .idle:
        break
      }
    }
    return changes
  }

  /// Ends every incident still open or pending (the stream ended or the watch stops).
  public mutating func endAll() -> [Change] {
    var changes: [Change] = []
    for kind in IncidentKind.allCases {
      guard let o = open.removeValue(forKey: kind) else { continue }
      changes.append(.ended(kind: kind, firstFrame: o.firstFrame, lastFrame: o.lastFrame))
    }
    return changes
  }
}
