import Dispatch
import Foundation
import Frames
import Photosensitivity
import Reports
import TextOutput

/// When to try again after a connection fails or ends: attempt `n` (from 0) waits
/// `delays[min(n, delays.count - 1)]` seconds, a fixed schedule (no jitter), so the same
/// outage gives the same attempts. `maxAttempts` nil tries for ever.
public struct ReconnectBackoff: Sendable, Equatable {
  public var delays: [Double]
  public var maxAttempts: Int?

  public init(delays: [Double] = [0.5, 1, 2, 4, 8], maxAttempts: Int? = nil) {
    self.delays = delays.isEmpty ? [1] : delays
    self.maxAttempts = maxAttempts
  }

  public func delay(attempt: Int) -> Double { delays[min(max(0, attempt), delays.count - 1)] }
}

/// How `flashscan watch` watches.
public struct WatchSettings: Sendable {
  public var parameters: AnalysisParameters
  /// Seconds of wall time between `status` events; 0: none.
  public var statusEvery: Double
  /// Deliver frames no faster than their timestamps (a file played as if live).
  public var realtime: Bool
  /// Reconnect when the input ends or fails (a network URL); false: the end of the input ends
  /// the watch (a file).
  public var reconnect: Bool
  public var backoff: ReconnectBackoff

  public init(
    parameters: AnalysisParameters, statusEvery: Double = 10, realtime: Bool = false,
    reconnect: Bool = true, backoff: ReconnectBackoff = ReconnectBackoff()
  ) {
    self.parameters = parameters
    self.statusEvery = statusEvery
    self.realtime = realtime
    self.reconnect = reconnect
    self.backoff = backoff
  }
}

/// One connection's analysis, placed in the whole watch.
public struct WatchSegment: Sendable {
  /// The connection's analysis, without per-frame rows (`frames` is empty: a watch keeps none).
  public var result: PhotosensitivityResult
  public var placement: SegmentPlacement
  /// Each analysed frame's time in the connection (the incidents' worst frames' times).
  public var frameTimes: [Double] = []
}

/// Runs the photosensitivity analysis on a live input until it is stopped: each connection is
/// one scan-engine pass (one frame a chunk, consumed before the next frame is read, so an
/// incident is reported as soon as its frame is analysed), with a `PhotosensitivityStage` and
/// a `LiveMonitorStage` that writes the events. When a connection ends or fails, `disconnected`
/// is written and the input is opened again on the `ReconnectBackoff` schedule; the next
/// connection starts fresh windows (nothing is compared across the gap, so a gap never counts
/// as a flash), and `reconnected` says how long the gap was and about how many frames it lost.
public final class LiveWatcher {
  public let settings: WatchSettings
  public let output: LiveOutput
  public let figures = LiveFigures()
  let numbering = IncidentNumbering()
  let shouldStop: @Sendable () -> Bool
  /// Every connection's analysis so far (the report of the whole watch joins them).
  public private(set) var segments: [WatchSegment] = []
  /// The rolling report's periods (`--report-every`), nil without; `close()` it after `run`
  /// for the last, partial period.
  public var periods: WatchPeriods? = nil
  /// The frame rate of the first connection (timecodes of the whole watch).
  public private(set) var frameRate: Double?

  public init(
    settings: WatchSettings, output: LiveOutput, shouldStop: @escaping @Sendable () -> Bool
  ) {
    self.settings = settings
    self.output = output
    self.shouldStop = shouldStop
  }

  private var stopping: Bool { shouldStop() || output.isClosed }

  /// Watches until stopped (or, without `reconnect`, until the input ends). `connect` opens the
  /// input (throws when it cannot); `log` gets one line per failed attempt (stderr). Throws
  /// when the first connection of a non-reconnecting watch fails, when `maxAttempts` is
  /// exhausted, or when the output fails (`OutputClosed`: the reader went away).
  public func run(
    connect: () throws -> FrameSource, describe: (Error) -> String = { "\($0)" },
    log: (String) -> Void = { _ in }
  ) throws {
    let timer = startStatusTimer()
    defer { timer?.cancel() }
    var placement = SegmentPlacement()
    var attempt = 0
    var disconnectedAt: Double? = nil
    var connections = 0
    while !stopping {
      let source: FrameSource
      do {
        source = try connect()
      } catch {
        if stopping { break }
        if !settings.reconnect { throw error }
        if let max = settings.backoff.maxAttempts, attempt + 1 >= max { throw error }
        let wait = settings.backoff.delay(attempt: attempt)
        log("\(describe(error)); trying again in \(NumberText.shortest(wait)) s")
        attempt += 1
        sleep(seconds: wait)
        continue
      }
      let rate = source.info.frameRate ?? frameRate ?? 25
      if frameRate == nil { frameRate = source.info.frameRate ?? 25 }
      if let disconnectedAt {
        let gap = max(0, WallClock.monotonic() - disconnectedAt)
        let lost = Int((gap * rate).rounded())
        figures.lost(frames: lost)
        placement.timeOffset += gap
        try output.emit(
          LiveEvent(
            .reconnected, time: placement.timeOffset, frameRate: watchRate,
            fields: [
              .integer("attempts", attempt + 1), .number("gapSeconds", rounded(gap)),
              .integer("framesLost", lost),
            ]))
      }
      attempt = 0
      connections += 1
      figures.connected(frameRate: watchRate)
      let (segment, failure) = try watch(source, placement: placement)
      if let segment {
        segments.append(segment)
        placement.frameOffset += segment.result.video.frameCount
        placement.timeOffset += segment.result.video.duration
      }
      if stopping || !settings.reconnect { break }
      disconnectedAt = WallClock.monotonic()
      figures.disconnected()
      periods?.disconnected()
      try output.emit(
        LiveEvent(
          .disconnected, time: placement.timeOffset, frameRate: watchRate,
          fields: [
            .string("reason", failure.map(describe) ?? "the stream ended"),
            .integer("frames", segment?.result.video.frameCount ?? 0),
          ]))
    }
  }

  var watchRate: Double { frameRate ?? 25 }

  func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

  /// One connection: its pass, then its open incidents ended. Returns its analysis (nil without
  /// frames) and the error that ended it, if any (the output's own errors are rethrown).
  func watch(_ source: FrameSource, placement: SegmentPlacement) throws -> (
    WatchSegment?, Error?
  ) {
    // No per-frame rows: the watch's memory stays flat but for the frame times (8 bytes a frame).
    let analysis = PhotosensitivityStage(
      info: source.info, parameters: settings.parameters, keepsRows: false)
    // The profile's pattern check (Docs/Patterns.md), as a file scan runs it; only the open
    // run's rows are kept.
    let patterns = settings.parameters.patterns.map {
      PatternStage(
        info: source.info, rule: $0, irisFPS: settings.parameters.irisFrameRate, keepsRows: false)
    }
    let monitor = LiveMonitorStage(
      following: analysis, patterns: patterns, placement: placement, output: output,
      figures: figures, numbering: numbering, periods: periods)
    let paced = PacedSource(
      source, realtime: settings.realtime,
      shouldStop: { [output, shouldStop] in
        shouldStop() || output.isClosed
      })
    var failure: Error?
    do {
      try ScanEngine(threads: 1, chunkFrames: 1, queueDepth: 1).run(
        paced, stages: [analysis] + (patterns.map { [$0] } ?? []) + [monitor])
    } catch let error as OutputClosed {
      throw error
    } catch let error as OutputError {
      throw error
    } catch {
      failure = error
    }
    try monitor.endIncidents()
    guard !analysis.analyzer.frameTimes.isEmpty else { return (nil, failure) }
    var result = analysis.result()
    if let patterns { result = result.adding(patterns: patterns.result()) }
    return (
      WatchSegment(
        result: result, placement: placement,
        frameTimes: analysis.analyzer.frameTimes), failure
    )
  }

  /// Sleeps `seconds`, waking early when the watch is stopped.
  func sleep(seconds: Double) {
    let end = WallClock.monotonic() + seconds
    while !stopping {
      let left = end - WallClock.monotonic()
      if left <= 0 { return }
      usleep(UInt32(min(left, 0.05) * 1e6))
    }
  }

  /// `status` every `statusEvery` seconds of wall time, from a timer thread (also while
  /// disconnected or blocked reading).
  func startStatusTimer() -> DispatchSourceTimer? {
    guard settings.statusEvery > 0 else { return nil }
    let every = settings.statusEvery
    let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "flashscan.status"))
    let (figures, output) = (self.figures, self.output)
    let last = Locked((frames: 0, wall: WallClock.monotonic()))
    timer.schedule(deadline: .now() + every, repeating: every, leeway: .milliseconds(50))
    timer.setEventHandler {
      let s = figures.snapshot
      let now = WallClock.monotonic()
      let fps = last.withLock { l -> Double in
        defer { l = (s.frames, now) }
        return now > l.wall ? Double(s.frames - l.frames) / (now - l.wall) : 0
      }
      try? output.emit(
        LiveEvent(
          .status, time: s.time, frameRate: s.frameRate,
          fields: [
            .integer("frames", s.frames), .number("fps", (fps * 100).rounded() / 100),
            .number("lag", (s.lag * 1000).rounded() / 1000),
            .number("flashesPerSecond", s.flashesPerSecond),
            LiveEvent.Field("connected", json: s.connected ? "true" : "false"),
          ]))
    }
    timer.resume()
    return timer
  }
}

/// Passes a source's chunks through, no faster than their timestamps when `realtime` (a file
/// played as if it were live), and ends the stream once the watch is stopped.
final class PacedSource: FrameSource {
  let base: FrameSource
  let realtime: Bool
  let shouldStop: () -> Bool
  var start: (wall: Double, stream: Double)?

  init(_ base: FrameSource, realtime: Bool, shouldStop: @escaping () -> Bool) {
    self.base = base
    self.realtime = realtime
    self.shouldStop = shouldStop
  }

  var info: VideoInfo { base.info }

  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames, buffers: nil)
  }

  func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    if shouldStop() { return nil }
    guard let chunk = try base.nextChunk(maxFrames: maxFrames, buffers: buffers) else {
      return nil
    }
    if realtime, let t = chunk.times.first {
      let now = WallClock.monotonic()
      if start == nil { start = (now, t) }
      let due = start!.wall + (t - start!.stream)
      while !shouldStop() {
        let left = due - WallClock.monotonic()
        if left <= 0 { break }
        usleep(UInt32(min(left, 0.05) * 1e6))
      }
    }
    return chunk
  }
}
