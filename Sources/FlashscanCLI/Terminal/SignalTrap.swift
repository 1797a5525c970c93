import Dispatch
import Foundation
import Frames

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C and friends. SIGPIPE is ignored so that a closed stdout shows up as EPIPE (and the run
/// stops quietly). On SIGINT or SIGTERM every temporary file is removed at once and commits are
/// refused, the run is asked to stop, and if it has not exited after `grace` seconds (e.g. blocked
/// reading a pipe) the process exits with 128 + signal. A second signal exits immediately.
///
/// No code of ours runs inside a signal handler: the signals are set to SIG_IGN and observed
/// through dispatch signal sources, whose event handlers run later on an ordinary dispatch queue
/// thread. Taking locks there (the state below, `TempFiles`, `StopFlag`) is therefore safe.
enum SignalTrap {
  private struct State {
    /// Kept alive for the life of the process.
    var sources: [DispatchSourceSignal] = []
    var received = false
    /// Runs once, on the first signal, before the run is asked to stop (the batch index).
    var onInterrupt: (@Sendable () -> Void)? = nil
  }
  private static let state = Locked(State())

  /// Sets what runs on the first signal (e.g. writing the batch index as it stands, the inputs
  /// not finished `skipped`), before the grace period starts.
  static func onInterrupt(_ action: @escaping @Sendable () -> Void) {
    state.withLock { $0.onInterrupt = action }
  }

  static func install(stop: StopFlag, grace: Double = 1.0) {
    signal(SIGPIPE, SIG_IGN)
    for sig in [SIGINT, SIGTERM, SIGHUP] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler {
        let again = state.withLock { state in
          defer { state.received = true }
          return state.received
        }
        TempFiles.shared.removeAllAndFreeze()
        if again { _exit(128 + sig) }
        state.withLock { $0.onInterrupt }?()
        stop.stop(.interrupted(signal: sig))
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { _exit(128 + sig) }
      }
      source.resume()
      state.withLock { $0.sources.append(source) }
    }
  }
}
