import Foundation
import Frames
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What an alert does: run a command (`--exec`) or POST to a URL (`--webhook`).
public enum AlertAction: Sendable, Equatable {
  /// `/bin/sh -c CMD` with the event's JSON line on its standard input.
  case exec(String)
  /// An HTTP POST of the event's JSON to an `http://` or `https://` URL.
  case post(WebhookURL)

  /// How warnings name it: `--exec` or `--webhook URL`.
  var label: String {
    switch self {
    case .exec: return "--exec"
    case .post(let url): return "--webhook \(url.text)"
    }
  }
}

/// Runs an `AlertAction` once per alert, on a thread of its own, never on the analysis thread.
/// Alerts wait in a bounded queue (`capacity`); when it is full the oldest waiting alert is
/// dropped and counted, so a slow or hung hook can never stall the analysis or grow memory. Each
/// run gets `timeout` seconds: a command is then killed with SIGKILL (its process group: `sh` and
/// what it started), a POST abandoned. Nothing is lost silently: each alert dropped, each
/// command that fails or is killed and each POST not answered 2xx is one line to `warn`.
public final class AlertHooks: Sendable {
  public let action: AlertAction
  public let timeout: Double
  public let capacity: Int
  let warn: @Sendable (String) -> Void

  private struct State {
    var queue: [String] = []
    var dropped = 0
    var ran = 0
    var killed = 0
    var failed = 0
    var closed = false
    var busy = false
  }
  private let state = Locked(State())

  /// `warn`: one line (without a newline) per alert not delivered, from the hooks' thread.
  public init(
    action: AlertAction, timeout: Double = 10, capacity: Int = 64,
    warn: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.action = action
    self.timeout = timeout
    self.capacity = max(1, capacity)
    self.warn = warn
    let thread = Thread { [self] in run() }
    thread.name = "flashscan.hooks"
    thread.start()
  }

  /// Queues one alert (the event's JSON line); never blocks.
  public func offer(_ line: String) {
    let dropped: String? = state.withLock { s in
      guard !s.closed else { return nil }
      var dropped: String? = nil
      if s.queue.count >= capacity {
        dropped = s.queue.removeFirst()
        s.dropped += 1
      }
      s.queue.append(line)
      return dropped
    }
    if let dropped {
      warn(
        "warning: \(action.label): \(Self.eventName(dropped)) event dropped: \(capacity) alerts were already waiting"
      )
    }
  }

  /// The `event` of an event's JSON line (`incident-start`, ...), for warnings.
  static func eventName(_ line: String) -> String {
    guard let key = line.range(of: "\"event\":\"") else { return "an" }
    return String(line[key.upperBound...].prefix { $0 != "\"" })
  }

  /// Alerts dropped because the queue was full, commands run, killed at the timeout, and
  /// failed to start or exited non-zero.
  public var counts: (dropped: Int, ran: Int, killed: Int, failed: Int) {
    state.withLock { ($0.dropped, $0.ran, $0.killed, $0.failed) }
  }

  /// Runs what is queued (each bounded by `timeout`) until `deadline`, then stops taking alerts.
  public func drain(until deadline: Date) {
    state.wait(
      until: { ($0.queue.isEmpty && !$0.busy) || $0.closed }, deadline: deadline
    ) { s, _ in s.closed = true }
  }

  private func run() {
    while true {
      let next: String? = state.wait(until: { !$0.queue.isEmpty || $0.closed }) { s in
        if s.closed { return nil }
        s.busy = true
        return s.queue.removeFirst()
      }
      guard let line = next else { return }
      let outcome: Outcome
      var why = ""
      switch action {
      case .exec(let command):
        outcome = Self.execute(command, input: line, timeout: timeout)
        why =
          outcome == .killed
          ? "still running after \(NumberText.shortest(timeout)) s: killed"
          : "the command failed or exited non-zero"
      case .post(let url):
        let failure = url.post(Array(line.dropLast().utf8), timeout: timeout)
        outcome = failure == nil ? .ok : .failed
        why = failure ?? ""
      }
      if outcome != .ok {
        warn("warning: \(action.label): \(Self.eventName(line)) event not delivered: \(why)")
      }
      state.withLock { s in
        s.busy = false
        s.ran += 1
        if outcome == .killed { s.killed += 1 }
        if outcome == .failed { s.failed += 1 }
      }
    }
  }

  enum Outcome { case ok, failed, killed }

  /// Runs `sh -c command` in a process group of its own, writes `input` to its stdin (without
  /// blocking past the deadline), waits at most `timeout` seconds, then kills the group.
  static func execute(_ command: String, input: String, timeout: Double) -> Outcome {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return .failed }
    let (readEnd, writeEnd) = (fds[0], fds[1])
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
    posix_spawn_file_actions_addclose(&actions, writeEnd)
    posix_spawn_file_actions_addclose(&actions, readEnd)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    var pid: pid_t = 0
    let words: [String] = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
    close(readEnd)
    guard spawned == 0 else {
      close(writeEnd)
      return .failed
    }
    let deadline = WallClock.monotonic() + timeout
    // The JSON on stdin, never blocking: a command that does not read gets what fits.
    _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
    var bytes = Array(input.utf8)
    var offset = 0
    while offset < bytes.count && WallClock.monotonic() < deadline {
      let n = bytes.withUnsafeMutableBytes {
        write(writeEnd, $0.baseAddress! + offset, $0.count - offset)
      }
      if n > 0 {
        offset += n
      } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
        usleep(5_000)
      } else {
        break
      }
    }
    close(writeEnd)
    var status: Int32 = 0
    while true {
      let done = waitpid(pid, &status, WNOHANG)
      if done == pid { return (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0 ? .ok : .failed }
      if done < 0 && errno != EINTR { return .failed }
      if WallClock.monotonic() >= deadline {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return .killed
      }
      usleep(10_000)
    }
  }
}
