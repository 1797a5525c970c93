import Foundation
import Frames

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A buffered writer on a file descriptor. EPIPE becomes `OutputClosed` (SIGPIPE is ignored, see
/// `SignalTrap`); any other failure becomes an `OutputError` naming `path`.
final class DescriptorWriter {
  let fd: Int32
  let path: String
  private var buffer: [UInt8] = []
  private let flushThreshold: Int

  init(fd: Int32, path: String, flushThreshold: Int = 1 << 16) {
    self.fd = fd
    self.path = path
    self.flushThreshold = flushThreshold
    buffer.reserveCapacity(flushThreshold + 4096)
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= flushThreshold { try flush() }
  }

  func write(bytes: [UInt8]) throws {
    buffer.append(contentsOf: bytes)
    if buffer.count >= flushThreshold { try flush() }
  }

  func flush() throws {
    guard !buffer.isEmpty else { return }
    defer { buffer.removeAll(keepingCapacity: true) }
    try buffer.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          if e == EPIPE { throw OutputClosed() }
          throw OutputError(path: path, reason: String(cString: strerror(e)))
        }
        offset += n
      }
    }
  }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
  write(fd, p, n)
}

/// Temporary files that must not outlive the run: a signal removes them all and freezes the
/// registry so that no rename can make a half-written table look complete.
final class TempFiles: Sendable {
  static let shared = TempFiles()

  init() {}

  private struct State {
    var paths: Set<String> = []
    var frozen = false
    var counter = 0
  }
  private let state = Locked(State())

  /// A fresh temporary name beside `finalPath`, hidden (a leading dot) so walks skip it.
  func reserveName(beside finalPath: String) throws -> String {
    try state.withLock { s in
      if s.frozen { throw Stopped() }
      s.counter += 1
      let (dir, base) = splitPath(finalPath)
      let name = ".\(base).flashscan-\(getpid())-\(s.counter).tmp"
      let path = dir.isEmpty ? name : dir + "/" + name
      s.paths.insert(path)
      return path
    }
  }

  /// Renames `temp` to `final` unless the run was interrupted (then the temp file is already gone).
  func commit(_ temp: String, to final: String) throws {
    try state.withLock { s in
      if s.frozen { throw Stopped() }
      if rename(temp, final) != 0 {
        let reason = String(cString: strerror(errno))
        unlink(temp)
        s.paths.remove(temp)
        throw OutputError(path: final, reason: reason)
      }
      s.paths.remove(temp)
    }
  }

  func discard(_ temp: String) {
    state.withLock { s in
      unlink(temp)
      s.paths.remove(temp)
    }
  }

  /// Removes every temporary file and refuses later commits (Ctrl-C).
  func removeAllAndFreeze() {
    state.withLock { s in
      s.frozen = true
      for p in s.paths { unlink(p) }
      s.paths.removeAll()
    }
  }

  var pending: Set<String> { state.withLock { $0.paths } }
}

/// ("dir", "base") of a path; dir is "" for a bare name and "/" for a file in the root.
func splitPath(_ path: String) -> (String, String) {
  guard let slash = path.lastIndex(of: "/") else { return ("", path) }
  let dir = String(path[..<slash])
  return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

/// A table written to a temporary file beside its final path and renamed into place only when
/// complete, so a reader never sees half a table (and `--skip-existing` can trust what exists).
final class AtomicFileWriter {
  let path: String
  let tempPath: String
  private let out: DescriptorWriter
  private var finished = false

  /// Opens the temporary file; with `createDirectories`, missing parent folders are made first.
  private let registry: TempFiles

  init(path: String, createDirectories: Bool = false, registry: TempFiles = .shared) throws {
    self.path = path
    self.registry = registry
    let (dir, _) = splitPath(path)
    if createDirectories && !dir.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      } catch {
        throw OutputError(path: dir, reason: "cannot create directory")
      }
    }
    tempPath = try registry.reserveName(beside: path)
    let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    if fd < 0 {
      let reason = String(cString: strerror(errno))
      registry.discard(tempPath)
      throw OutputError(path: path, reason: reason)
    }
    out = DescriptorWriter(fd: fd, path: path)
  }

  func write(_ text: String) throws { try out.write(text) }
  func write(bytes: [UInt8]) throws { try out.write(bytes: bytes) }

  /// Flushes, syncs and renames the table into place.
  func commit() throws {
    precondition(!finished)
    finished = true
    do {
      try out.flush()
      if fsync(out.fd) != 0 {
        throw OutputError(path: path, reason: String(cString: strerror(errno)))
      }
    } catch {
      close(out.fd)
      registry.discard(tempPath)
      throw error
    }
    close(out.fd)
    try registry.commit(tempPath, to: path)
  }

  /// Drops the temporary file; the final path is left as it was.
  func discard() {
    guard !finished else { return }
    finished = true
    close(out.fd)
    registry.discard(tempPath)
  }

  deinit { discard() }
}
