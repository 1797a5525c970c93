import Foundation
import Photosensitivity
import Reports

/// One period of a watch's rolling report (`--report-every`): the frames whose time on the
/// watch's timeline falls in `start..<end`, and the incidents whose `incident-end` event was
/// written while those frames were analysed.
public struct WatchPeriod: Sendable {
  /// The period's number from 0 (its start is `index` periods into the watch).
  public var index: Int
  /// Seconds on the watch's timeline.
  public var start: Double
  public var end: Double
  /// The period's analysis: its criteria, its incidents (placed on the watch's timeline), its
  /// frame count; no per-frame rows.
  public var result: PhotosensitivityResult
  /// Each of `result.incidents`' worst frame's time.
  public var worstFrameTimes: [Double]
  /// False when the watch was disconnected during the period (a gap is video not seen).
  public var complete: Bool
}

/// Cuts a watch into report periods of `seconds` of the watch's timeline and hands each one
/// over (`emit`) as soon as the first frame of a later period arrives; `close` hands over the
/// last, partial one. A period without frames (within a gap) gives nothing. Keeps one
/// period's criteria tallies and incidents, nothing per frame.
public final class WatchPeriods {
  public let seconds: Double
  let parameters: AnalysisParameters
  let emit: (WatchPeriod) -> Void
  var index: Int? = nil
  var tally: CriteriaTally
  var incidents: [(incident: Incident, worstFrameTime: Double)] = []
  var lastTime = 0.0
  var gap = false
  var template: PhotosensitivityResult? = nil

  /// `seconds` must be positive and finite.
  public init(
    seconds: Double, parameters: AnalysisParameters, emit: @escaping (WatchPeriod) -> Void
  ) {
    precondition(seconds > 0 && seconds.isFinite)
    self.seconds = seconds
    self.parameters = parameters
    self.emit = emit
    tally = CriteriaTally(parameters: parameters)
  }

  /// The next analysed frame: its row, its red transitions per rule and its time on the
  /// watch's timeline. `template` gives the connection's result (the report's geometry and
  /// parameters), asked once a period.
  func add(
    _ row: FrameRow, red: RedCounts, watchTime: Double,
    template: () -> PhotosensitivityResult
  ) {
    let i = Int((max(0, watchTime) / seconds).rounded(.down))
    if let current = index, i != current { close() }
    if index == nil {
      index = i
      self.template = template()
    }
    var placed = row
    placed.time = watchTime
    tally.add(placed, red: red)
    lastTime = watchTime
  }

  /// An incident ended (its `incident-end` was written), placed on the watch's timeline.
  func ended(_ incident: Incident, worstFrameTime: Double) {
    incidents.append((incident, worstFrameTime))
  }

  /// The watch lost its input: the current period is not complete.
  func disconnected() { gap = true }

  /// Hands over the current period, if it has frames, and starts the next afresh.
  public func close() {
    defer {
      index = nil
      tally = CriteriaTally(parameters: parameters)
      incidents = []
      gap = false
    }
    guard let i = index, var result = template, tally.frames > 0 else { return }
    let start = Double(i) * seconds
    let end = start + seconds
    let rate = result.video.frameRate ?? 25
    let sorted = incidents.sorted {
      ($0.incident.start, $0.incident.kind.rawValue) < (
        $1.incident.start, $1.incident.kind.rawValue
      )
    }
    result.frames = []
    result.criteria = tally.criteria
    result.verdict =
      (result.criteria.map(\.verdict) + sorted.map(\.incident.verdict)).max() ?? .pass
    result.incidents = sorted.map(\.incident)
    result.video.frameCount = tally.frames
    result.video.duration = max(0, min(lastTime + 1 / rate, end) - start)
    result.video.startTimecode = nil
    emit(
      WatchPeriod(
        index: i, start: start, end: end, result: result,
        worstFrameTimes: sorted.map(\.worstFrameTime), complete: !gap))
  }
}
