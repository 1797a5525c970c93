import Foundation
import Frames
import Photosensitivity
import Prometheus

/// The watch's figures as Prometheus metrics (swift-prometheus), brought up to date from
/// `LiveFigures` each time they are scraped:
///
/// | metric | type | meaning |
/// |---|---|---|
/// | `flashscan_watch_frames_total` | counter | frames analysed |
/// | `flashscan_watch_fps` | gauge | frames analysed per second over the last second |
/// | `flashscan_watch_lag_seconds` | gauge | how far the analysis is behind real time |
/// | `flashscan_watch_flashes_per_second` | gauge | flashes per second of the last frame |
/// | `flashscan_watch_incidents_total{kind,verdict}` | counter | incidents started |
/// | `flashscan_watch_connected` | gauge | 1 while the input is connected |
/// | `flashscan_watch_disconnections_total` | counter | connections lost |
/// | `flashscan_watch_frames_lost_total` | counter | frames estimated lost in gaps |
public final class LiveMetrics: Sendable {
  public let registry = PrometheusCollectorRegistry()
  let figures: LiveFigures
  let frames: Counter
  let fps: Gauge
  let lag: Gauge
  let flashes: Gauge
  let connected: Gauge
  let disconnections: Counter
  let framesLost: Counter
  /// What the counters were last brought up to.
  private let counted = Locked(LiveFigures.Snapshot())

  public init(figures: LiveFigures) {
    self.figures = figures
    frames = registry.makeCounter(
      descriptor: Self.name("flashscan_watch_frames_total", "Frames analysed."))
    fps = registry.makeGauge(
      descriptor: Self.name(
        "flashscan_watch_fps", "Frames analysed per second over the last second."))
    lag = registry.makeGauge(
      descriptor: Self.name(
        "flashscan_watch_lag_seconds", "How far the analysis is behind real time."))
    flashes = registry.makeGauge(
      descriptor: Self.name(
        "flashscan_watch_flashes_per_second", "Flashes per second of the last frame."))
    connected = registry.makeGauge(
      descriptor: Self.name("flashscan_watch_connected", "1 while the input is connected."))
    disconnections = registry.makeCounter(
      descriptor: Self.name("flashscan_watch_disconnections_total", "Connections lost."))
    framesLost = registry.makeCounter(
      descriptor: Self.name("flashscan_watch_frames_lost_total", "Frames estimated lost in gaps."))
    // Every kind and verdict from the start, so a dashboard sees 0 rather than nothing.
    for kind in IncidentKind.allCases where kind != .pattern {
      for verdict in [Verdict.warning, .fail] {
        _ = incidentCounter(kind: kind.rawValue, verdict: verdict.rawValue)
      }
    }
  }

  static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
  }

  func incidentCounter(kind: String, verdict: String) -> Counter {
    registry.makeCounter(
      descriptor: Self.name(
        "flashscan_watch_incidents_total", "Incidents started, by kind and verdict."),
      labels: [("kind", kind), ("verdict", verdict)])
  }

  /// The exposition text (Prometheus text format 0.0.4), up to date.
  public func exposition() -> [UInt8] {
    let s = figures.snapshot
    counted.withLock { last in
      if s.frames > last.frames { frames.increment(by: Int64(s.frames - last.frames)) }
      if s.disconnections > last.disconnections {
        disconnections.increment(by: Int64(s.disconnections - last.disconnections))
      }
      if s.framesLost > last.framesLost {
        framesLost.increment(by: Int64(s.framesLost - last.framesLost))
      }
      for (key, count) in s.started.sorted(by: { $0.key < $1.key }) {
        let before = last.started[key] ?? 0
        guard count > before else { continue }
        let parts = key.split(separator: "/").map(String.init)
        guard parts.count == 2 else { continue }
        incidentCounter(kind: parts[0], verdict: parts[1]).increment(by: Int64(count - before))
      }
      last = s
    }
    fps.set(s.fps)
    lag.set(s.lag)
    flashes.set(s.flashesPerSecond)
    connected.set(s.connected ? 1.0 : 0.0)
    return registry.emitToBuffer()
  }
}
