import Foundation
import Frames
import Photosensitivity

/// The live figures, written by the analysis thread and read by the status timer (and the
/// metrics): frames, the frame rate over the last period, the lag behind real time, the current
/// flashes per second, incidents by kind and verdict, connection state.
public final class LiveFigures: Sendable {
  public struct Snapshot: Sendable, Equatable {
    /// Frames analysed in the whole watch.
    public var frames = 0
    /// Stream seconds of the last frame (whole watch).
    public var time = 0.0
    /// Frames analysed per second over the last full second of wall time.
    public var fps = 0.0
    /// Flashes per second of the last frame (the larger of luminance and red).
    public var flashesPerSecond = 0.0
    /// How far the analysis is behind real time, in seconds: the frame's arrival (wall time
    /// minus stream time) against the earliest arrival seen on this connection, so 0 while it
    /// keeps up, growing when frames are analysed later than they play out. A file read faster
    /// than real time stays at 0.
    public var lag = 0.0
    public var connected = false
    /// Incidents started and ended, by "kind/verdict".
    public var started: [String: Int] = [:]
    public var ended: [String: Int] = [:]
    /// Connections lost, and frames estimated lost in the gaps.
    public var disconnections = 0
    public var framesLost = 0
    /// The watch's frame rate (timecodes).
    public var frameRate = 25.0
  }

  private struct State {
    var snapshot = Snapshot()
    /// The smallest wall-minus-stream time of this connection's frames so far.
    var earliest: Double?
    /// The start of the current one-second fps window, and the frames before it.
    var fpsWindow: (wall: Double, frames: Int)?
  }
  private let state = Locked(State())

  public init() {}

  public var snapshot: Snapshot { state.withLock { $0.snapshot } }

  func frame(time: Double, localTime: Double, flashesPerSecond: Double) {
    let now = WallClock.monotonic()
    state.withLock { s in
      s.snapshot.frames += 1
      if let w = s.fpsWindow, now - w.wall >= 1 {
        s.snapshot.fps = Double(s.snapshot.frames - w.frames) / (now - w.wall)
        s.fpsWindow = (now, s.snapshot.frames)
      } else if s.fpsWindow == nil {
        s.fpsWindow = (now, s.snapshot.frames)
      }
      s.snapshot.time = time
      s.snapshot.flashesPerSecond = flashesPerSecond
      let arrival = now - localTime
      let earliest = min(s.earliest ?? arrival, arrival)
      s.earliest = earliest
      s.snapshot.lag = arrival - earliest
    }
  }

  func incidentStarted(kind: IncidentKind, verdict: Verdict) {
    state.withLock { $0.snapshot.started[kind.rawValue + "/" + verdict.rawValue, default: 0] += 1 }
  }

  func incidentEnded(kind: IncidentKind, verdict: Verdict) {
    state.withLock { $0.snapshot.ended[kind.rawValue + "/" + verdict.rawValue, default: 0] += 1 }
  }

  func connected(frameRate: Double) {
    state.withLock { s in
      s.snapshot.frameRate = frameRate
      s.snapshot.connected = true
      s.earliest = nil
    }
  }

  func disconnected() {
    state.withLock { s in
      s.snapshot.connected = false
      s.snapshot.fps = 0
      s.fpsWindow = nil
      s.snapshot.disconnections += 1
    }
  }

  func lost(frames: Int) {
    state.withLock { $0.snapshot.framesLost += frames }
  }
}
