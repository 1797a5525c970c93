import Foundation
import Frames
import Live
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP port on 127.0.0.1 that takes connections (the kernel's backlog completes them) and
/// never answers: a webhook receiver that hangs.
final class SilentListener {
  let socket: Int32
  let port: Int

  init() throws {
    let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failed() }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard bound == 0, named == 0, listen(fd, 16) == 0 else {
      close(fd)
      throw Failed()
    }
    socket = fd
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  struct Failed: Error {}

  /// Whether a connection came within `seconds` (it waits in the backlog, never accepted).
  func waitForConnection(seconds: Int32) -> Bool {
    var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, seconds * 1000) == 1
  }

  deinit { close(socket) }
}

/// The process's threads named `name` (their `comm` in /proc/self/task).
private func threads(named name: String) -> Int {
  let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
  return tasks.filter { task in
    let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
    return comm?.trimmingCharacters(in: .whitespacesAndNewlines) == name
  }.count
}

/// `AlertHooks.drain(until:)` at its deadline: what still runs is given up, what still waits is
/// dropped, each with a warning, and it returns only once the hooks' thread has ended (a
/// thread left running while the process exits raced OpenSSL's exit handlers: a crash in CI).
/// Serialized: the thread count below must see this suite's hooks thread alone.
@Suite("alert hooks: drain ends the hooks' thread", .serialized)
struct AlertHooksTests {
  static let start = #"{"event":"incident-start","time":1}"# + "\n"
  static let end = #"{"event":"incident-end","time":2}"# + "\n"

  @Test func unansweredPostIsGivenUpAndTheThreadEnds() throws {
    let listener = try SilentListener()
    let warnings = Locked<[String]>([])
    let url = try WebhookURL(parsing: "http://127.0.0.1:\(listener.port)/hook")
    let hooks = try AlertHooks(action: .post(url), timeout: 60) { line in
      warnings.withLock { $0.append(line) }
    }
    hooks.offer(Self.start)
    hooks.offer(Self.end)
    // The first POST has connected: the thread (named before it took an alert) is busy with
    // it, the second alert waits.
    #expect(listener.waitForConnection(seconds: 20))
    #expect(threads(named: "flashscan.hooks") == 1)
    let began = monotonicNow()
    hooks.drain(until: Date().addingTimeInterval(0.5))
    // Well before the 60 s timeout: libcurl's progress callback sees the flag within a second.
    #expect(monotonicNow() - began < 20)
    #expect(threads(named: "flashscan.hooks") == 0)
    let counts = hooks.counts
    #expect(counts.failed == 1 && counts.dropped == 1 && counts.ran == 1, "\(counts)")
    #expect(
      warnings.withLock { $0 } == [
        "warning: --webhook http://127.0.0.1:\(listener.port)/hook: incident-start event not delivered: no answer yet at exit: given up",
        "warning: --webhook http://127.0.0.1:\(listener.port)/hook: incident-end event dropped: still waiting at exit",
      ])
    // Later alerts are not taken, and a second drain returns at once.
    hooks.offer(Self.start)
    hooks.drain(until: Date())
    #expect(hooks.counts.ran == 1 && warnings.withLock { $0 }.count == 2)
  }

  @Test func runningCommandIsKilledAndTheThreadEnds() throws {
    let dir = try TemporaryDirectory(prefix: "alert-hooks")
    let marker = dir.file("started")
    let warnings = Locked<[String]>([])
    let hooks = try AlertHooks(
      action: .exec("touch '\(marker)'; exec sleep 60"), timeout: 60
    ) { line in warnings.withLock { $0.append(line) } }
    hooks.offer(Self.start)
    let deadline = monotonicNow() + 20
    while !FileManager.default.fileExists(atPath: marker) && monotonicNow() < deadline {
      usleep(20_000)
    }
    #expect(FileManager.default.fileExists(atPath: marker))
    #expect(threads(named: "flashscan.hooks") == 1)
    let began = monotonicNow()
    hooks.drain(until: Date().addingTimeInterval(0.2))
    #expect(monotonicNow() - began < 20)
    #expect(threads(named: "flashscan.hooks") == 0)
    let counts = hooks.counts
    #expect(counts.killed == 1 && counts.ran == 1 && counts.dropped == 0, "\(counts)")
    #expect(
      warnings.withLock { $0 } == [
        "warning: --exec: incident-start event not delivered: still running at exit: killed"
      ])
  }

  /// 256 KiB of input to a command that exits at once: the write to its stdin fills the pipe
  /// (64 KiB) and then fails. That must be EPIPE on the hooks' thread, not SIGPIPE to this
  /// process (the test runner does not ignore SIGPIPE: it would die here).
  @Test func commandThatDoesNotReadItsInputIsNoSignal() throws {
    let hooks = try AlertHooks(action: .exec("exit 0"), timeout: 20)
    let padding = String(repeating: "x", count: 256 << 10)
    hooks.offer(#"{"event":"incident-start","pad":""# + padding + "\"}\n")
    hooks.drain(until: Date().addingTimeInterval(20))
    #expect(hooks.counts.ran == 1 && hooks.counts.failed == 0 && hooks.counts.killed == 0)
  }

  @Test func idleHooksEndAtOnce() throws {
    let hooks = try AlertHooks(action: .exec("true"), timeout: 5)
    hooks.offer(Self.start)
    hooks.drain(until: Date().addingTimeInterval(20))
    #expect(hooks.counts.ran == 1 && hooks.counts.failed == 0)
    #expect(threads(named: "flashscan.hooks") == 0)
  }
}
