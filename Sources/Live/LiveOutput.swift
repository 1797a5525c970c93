import Foundation
import Frames
import TextOutput

/// Where the events go: standard output, one line each, flushed at once (a pipe reader sees an
/// event the moment it happens), and to the alert hooks. Safe from any thread: the analysis
/// thread and the status timer write through it.
public final class LiveOutput: Sendable {
  private struct State {
    let writer: DescriptorWriter
    var closed = false
  }
  private let state: Locked<State>
  private let hooks: [AlertHooks]

  /// `fd` is usually 1; `hooks` get every event but `status`.
  public init(fd: Int32 = 1, path: String = "standard output", hooks: [AlertHooks] = []) {
    state = Locked(State(writer: DescriptorWriter(fd: fd, path: path, flushThreshold: 1 << 16)))
    self.hooks = hooks
  }

  /// Writes the event's line and flushes. Throws `OutputClosed` when the reader went away (the
  /// watch then stops quietly), `OutputError` for other failures.
  public func emit(_ event: LiveEvent) throws {
    let line = event.line
    try state.withLock { s in
      if s.closed { throw OutputClosed() }
      do {
        try s.writer.write(line)
        try s.writer.flush()
      } catch {
        s.closed = true
        throw error
      }
    }
    if event.name != .status { for hook in hooks { hook.offer(line) } }
  }

  /// Whether a write failed (the watch stops).
  public var isClosed: Bool { state.withLock { $0.closed } }
}
