import CHTTPPost
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
/// `drain(until:)` ends the thread, and returns only once it has ended.
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
  /// Set by `drain` at its deadline: the alert still running gives up (a POST reads it in
  /// libcurl's progress callback on the hooks' thread, hence a C int).
  private let abandon: AbandonFlag
  private let thread = JoinableThread(name: "flashscan.hooks")

  /// `warn`: one line (without a newline) per alert not delivered, from the hooks' thread.
  /// Throws when the hooks' thread cannot be started.
  public init(
    action: AlertAction, timeout: Double = 10, capacity: Int = 64,
    warn: @escaping @Sendable (String) -> Void = { _ in }
  ) throws {
    self.action = action
    self.timeout = timeout
    self.capacity = max(1, capacity)
    self.warn = warn
    self.abandon = AbandonFlag()
    try thread.start { [self] in run() }
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

  /// Alerts dropped (the queue was full, or they were still waiting at `drain`'s deadline),
  /// alerts run, commands killed (at the timeout or the deadline), and alerts that failed
  /// (a command that did not start or exited non-zero, a POST not answered 2xx).
  public var counts: (dropped: Int, ran: Int, killed: Int, failed: Int) {
    state.withLock { ($0.dropped, $0.ran, $0.killed, $0.failed) }
  }

  /// Runs what is queued (each bounded by `timeout`) until `deadline`, then stops taking alerts.
  /// What still runs at the deadline is given up (a command killed at once, a POST within about
  /// a second, each one warning line) and alerts still waiting are dropped (one line each). Returns
  /// once the hooks' thread has ended, so nothing of it is left running when the process exits.
  public func drain(until deadline: Date) {
    let waiting: [String] = state.wait(
      until: { ($0.queue.isEmpty && !$0.busy) || $0.closed }, deadline: deadline,
      then: { s, _ in
        s.closed = true
        defer { s.queue.removeAll() }
        s.dropped += s.queue.count
        return s.queue
      })
    abandon.set()
    thread.join()
    for line in waiting {
      warn("warning: \(action.label): \(Self.eventName(line)) event dropped: still waiting at exit")
    }
  }

  private func run() {
    // A command that exits without reading all of its input makes the write to its stdin
    // fail: with SIGPIPE blocked on this thread that is EPIPE, not a signal that kills a host
    // process which has not ignored SIGPIPE (the command line ignores it; a library user or a
    // test runner may not). The signal stays pending on this thread alone, and goes with it.
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
    while true {
      let next: String? = state.wait(
        until: { !$0.queue.isEmpty || $0.closed },
        then: { s in
          if s.closed { return nil }
          s.busy = true
          return s.queue.removeFirst()
        })
      guard let line = next else { return }
      let outcome: Outcome
      var why = ""
      switch action {
      case .exec(let command):
        outcome = Self.execute(command, input: line, timeout: timeout) { [abandon] in
          abandon.isSet
        }
        switch outcome {
        case .killed: why = "still running after \(NumberText.shortest(timeout)) s: killed"
        case .abandoned: why = "still running at exit: killed"
        default: why = "the command failed or exited non-zero"
        }
      case .post(let url):
        let failure = url.post(Array(line.dropLast().utf8), timeout: timeout, abandon: abandon)
        outcome = failure == nil ? .ok : .failed
        why = failure ?? ""
      }
      if outcome != .ok {
        warn("warning: \(action.label): \(Self.eventName(line)) event not delivered: \(why)")
      }
      state.withLock { s in
        s.busy = false
        s.ran += 1
        if outcome == .killed || outcome == .abandoned { s.killed += 1 }
        if outcome == .failed { s.failed += 1 }
      }
    }
  }

  /// `abandoned`: killed because `drain` gave up on it at its deadline.
  enum Outcome { case ok, failed, killed, abandoned }

  /// Runs `sh -c command` in a process group of its own, writes `input` to its stdin (without
  /// blocking past the deadline), waits at most `timeout` seconds, then kills the group; kills
  /// it sooner, within 10 ms, once `giveUp()` is true.
  static func execute(
    _ command: String, input: String, timeout: Double, giveUp: () -> Bool = { false }
  ) -> Outcome {
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
    while offset < bytes.count && WallClock.monotonic() < deadline && !giveUp() {
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
      let late = WallClock.monotonic() >= deadline
      if late || giveUp() {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return late ? .killed : .abandoned
      }
      usleep(10_000)
    }
  }
}

/// A C int one thread sets and another reads (libcurl's progress callback, through
/// `fs_http_post`), with atomic stores and loads.
final class AbandonFlag: @unchecked Sendable {
  // @unchecked: the int is only written by `fs_http_abandon` and read by atomic loads.
  let pointer: UnsafeMutablePointer<Int32>

  init() {
    pointer = .allocate(capacity: 1)
    pointer.initialize(to: 0)
  }

  deinit { pointer.deallocate() }

  func set() { fs_http_abandon(pointer) }

  var isSet: Bool { fs_http_is_set(pointer) != 0 }
}
