import Foundation
import Frames

/// Why a run stops before its inputs are done.
enum StopReason: Sendable, Equatable {
  /// SIGINT or SIGTERM: exit 128 + signal, no partial files left behind.
  case interrupted(signal: Int32)
  /// The reader of standard output went away (EPIPE): stop quietly.
  case outputClosed
  /// An output file could not be written: already reported on stderr.
  case outputFailed
}

/// A run-wide stop request that every worker polls between chunks and rows.
final class StopFlag: Sendable {
  private let state = Locked<StopReason?>(nil)

  /// Records the first reason; later ones are ignored.
  func stop(_ reason: StopReason) {
    state.withLock { current in
      if current == nil { current = reason }
    }
  }

  var reason: StopReason? { state.withLock { $0 } }

  /// Throws `Stopped` once a stop was requested.
  func check() throws {
    if reason != nil { throw Stopped() }
  }
}

/// Thrown through the scan to unwind it once the run stops.
struct Stopped: Error {}
