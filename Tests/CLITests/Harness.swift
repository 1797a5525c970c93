import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the built `flashscan` executable (the tests check what a user sees).
enum Flashscan {
  /// `.build/<config>/flashscan`, found beside the test runner (or `FLASHSCAN_BINARY`).
  static let binary: String? = {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment["FLASHSCAN_BINARY"] { return path }
    let exe =
      (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("flashscan").path
      if fm.isExecutableFile(atPath: candidate) { return candidate }
      dir.deleteLastPathComponent()
    }
    return nil
  }()

  struct Result {
    var status: Int32
    /// True when the process was killed by a signal (a crash) rather than exiting.
    var signaled: Bool
    var stdoutBytes: [UInt8]
    var stderr: String
    var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    /// stderr lines, without empty ones.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  /// A started process with its pipes.
  final class Running: @unchecked Sendable {
    let process = Process()
    let stdinPipe = Pipe()
    private let lock = NSLock()
    private var out: [UInt8] = []
    private var err: [UInt8] = []
    private var readers = 0
    private let done = DispatchGroup()

    /// stdout's pipe when the caller reads it itself (`captureStdout: false`).
    let stdoutPipe = Pipe()

    init(
      _ arguments: [String], stdinFile: String?, pipeStdin: Bool, cwd: String?, captureStdout: Bool,
      environment: [String: String] = [:]
    ) throws {
      let binary = try #require(
        Flashscan.binary, "the flashscan executable was not built beside the tests")
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = arguments
      if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
      }
      if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
      if let stdinFile {
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinFile))
      } else if pipeStdin {
        process.standardInput = stdinPipe
      } else {
        process.standardInput = FileHandle.nullDevice
      }
      let outPipe = stdoutPipe
      let errPipe = Pipe()
      process.standardOutput = outPipe
      process.standardError = errPipe
      try process.run()
      if captureStdout {
        read(outPipe.fileHandleForReading) { [self] bytes in lock.withLock { out += bytes } }
      }
      read(errPipe.fileHandleForReading) { [self] bytes in lock.withLock { err += bytes } }
    }

    private func read(_ handle: FileHandle, into append: @escaping @Sendable ([UInt8]) -> Void) {
      done.enter()
      let fd = handle.fileDescriptor
      let thread = Thread { [done] in
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
          let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
          if n < 0 && errno == EINTR { continue }
          if n <= 0 { break }
          append(Array(buffer[0..<n]))
        }
        done.leave()
      }
      thread.start()
    }

    var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits (polling, at most `limit` seconds) until stderr satisfies `condition`.
    func waitForStderr(limit: Double = 60, _ condition: (String) -> Bool) -> Bool {
      let deadline = Date().addingTimeInterval(limit)
      while Date() < deadline {
        if condition(stderrSoFar) { return true }
        if !process.isRunning { return condition(stderrSoFar) }
        usleep(10_000)
      }
      return false
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    func finish() -> Result {
      process.waitUntilExit()
      done.wait()
      return lock.withLock {
        Result(
          status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
          stdoutBytes: out, stderr: String(decoding: err, as: UTF8.self))
      }
    }
  }

  static func start(
    _ arguments: [String], stdinFile: String? = nil, pipeStdin: Bool = false, cwd: String? = nil,
    captureStdout: Bool = true, environment: [String: String] = [:]
  ) throws -> Running {
    try Running(
      arguments, stdinFile: stdinFile, pipeStdin: pipeStdin, cwd: cwd, captureStdout: captureStdout,
      environment: environment)
  }

  static func run(
    _ arguments: [String], stdinFile: String? = nil, cwd: String? = nil,
    environment: [String: String] = [:]
  ) throws -> Result {
    try start(arguments, stdinFile: stdinFile, cwd: cwd, environment: environment).finish()
  }
}
