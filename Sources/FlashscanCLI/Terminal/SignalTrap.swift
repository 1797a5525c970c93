import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C and friends. SIGPIPE is ignored so that a closed stdout shows up as EPIPE (and the run
/// stops quietly). On SIGINT or SIGTERM every temporary file is removed at once and commits are
/// refused, the run is asked to stop, and if it has not exited after `grace` seconds (e.g. blocked
/// reading a pipe) the process exits with 128 + signal. A second signal exits immediately.
enum SignalTrap {
  private final class Holder: @unchecked Sendable {
    let lock = NSLock()
    var sources: [DispatchSourceSignal] = []
    var received = false
  }
  private static let holder = Holder()

  static func install(stop: StopFlag, grace: Double = 1.0) {
    signal(SIGPIPE, SIG_IGN)
    for sig in [SIGINT, SIGTERM, SIGHUP] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler {
        holder.lock.lock()
        let again = holder.received
        holder.received = true
        holder.lock.unlock()
        TempFiles.shared.removeAllAndFreeze()
        if again { _exit(128 + sig) }
        stop.stop(.interrupted(signal: sig))
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { _exit(128 + sig) }
      }
      source.resume()
      holder.lock.lock()
      holder.sources.append(source)
      holder.lock.unlock()
    }
  }
}
