import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An output file or stream failed; `description` is `PATH: reason` (the line after `flashscan: `).
public struct OutputError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}

/// The reader of standard output closed the pipe.
public struct OutputClosed: Error {
  public init() {}
}

/// A buffered writer on a file descriptor. EPIPE becomes `OutputClosed` (with SIGPIPE ignored);
/// any other failure becomes an `OutputError` naming `path`. A failure is final: the buffered
/// text it did not write is gone, so every later write and flush throws the same error rather
/// than let a caller take an empty buffer's flush for its text having got out.
public final class DescriptorWriter {
  public let fd: Int32
  public let path: String
  private var buffer: [UInt8] = []
  private let flushThreshold: Int
  private var failure: Error?

  public init(fd: Int32, path: String, flushThreshold: Int = 1 << 16) {
    self.fd = fd
    self.path = path
    self.flushThreshold = flushThreshold
    buffer.reserveCapacity(flushThreshold + 4096)
  }

  public func write(_ text: String) throws {
    if let failure { throw failure }
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= flushThreshold { try flush() }
  }

  public func write(bytes: [UInt8]) throws {
    if let failure { throw failure }
    buffer.append(contentsOf: bytes)
    if buffer.count >= flushThreshold { try flush() }
  }

  public func flush() throws {
    if let failure { throw failure }
    guard !buffer.isEmpty else { return }
    defer { buffer.removeAll(keepingCapacity: true) }
    let error: Error? = buffer.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          if e == EPIPE { return OutputClosed() }
          return OutputError(path: path, reason: String(cString: strerror(e)))
        }
        offset += n
      }
      return nil
    }
    if let error {
      failure = error
      throw error
    }
  }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
  write(fd, p, n)
}

/// Someone who must know every temporary file while it exists, e.g. to remove them all when the
/// process is interrupted and to refuse renames after that (the command line's `TempFiles`).
public protocol TemporaryFileRegistry: AnyObject, Sendable {
  /// `path` is about to be created. Throw to refuse (nothing is created then).
  func register(_ path: String) throws
  /// Runs `rename` (which moves `path` into place, or removes it and throws) and forgets `path`,
  /// atomically with respect to a removal of all the files. Throw instead of calling `rename` to
  /// refuse the commit.
  func commit(_ path: String, by rename: () throws -> Void) throws
  /// Forgets `path` (the writer removes the file right after).
  func unregister(_ path: String)
}

/// A file written to a hidden temporary file beside its final path (`.NAME.flashscan-PID-N.tmp`)
/// and renamed into place only when complete, so a reader never sees half a file (and whatever
/// exists at the final path is complete). A writer dropped or discarded without a commit removes
/// its temporary file and leaves the final path as it was.
public final class AtomicFileWriter {
  public let path: String
  public let tempPath: String
  private let out: DescriptorWriter
  private let registry: (any TemporaryFileRegistry)?
  private var finished = false

  /// Opens the temporary file; with `createDirectories`, missing parent folders are made first.
  /// Failures are `OutputError`s; a `registry` may refuse with its own error.
  public init(
    path: String, createDirectories: Bool = false, registry: (any TemporaryFileRegistry)?
  ) throws {
    self.path = path
    self.registry = registry
    let (dir, base) = splitPath(path)
    if createDirectories && !dir.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      } catch {
        throw OutputError(path: dir, reason: "cannot create directory")
      }
    }
    // O_EXCL picks a name no one else is using (another writer, a leftover of a crashed run).
    var n = 0
    while true {
      n += 1
      let name = ".\(base).flashscan-\(getpid())-\(n).tmp"
      let temp = dir.isEmpty ? name : dir + "/" + name
      try registry?.register(temp)
      let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 {
        tempPath = temp
        out = DescriptorWriter(fd: fd, path: path)
        return
      }
      let code = errno
      registry?.unregister(temp)
      if code != EEXIST { throw OutputError(path: path, reason: String(cString: strerror(code))) }
    }
  }

  public func write(_ text: String) throws { try out.write(text) }
  public func write(bytes: [UInt8]) throws { try out.write(bytes: bytes) }

  /// Flushes, syncs and renames the file into place.
  public func commit() throws {
    precondition(!finished)
    finished = true
    do {
      try out.flush()
      if fsync(out.fd) != 0 {
        throw OutputError(path: path, reason: String(cString: strerror(errno)))
      }
    } catch {
      close(out.fd)
      removeTemporary()
      throw error
    }
    close(out.fd)
    let (temp, final) = (tempPath, path)
    let move = {
      if rename(temp, final) != 0 {
        let reason = String(cString: strerror(errno))
        unlink(temp)
        throw OutputError(path: final, reason: reason)
      }
    }
    if let registry { try registry.commit(temp, by: move) } else { try move() }
  }

  /// Drops the temporary file; the final path is left as it was.
  public func discard() {
    guard !finished else { return }
    finished = true
    close(out.fd)
    removeTemporary()
  }

  deinit { discard() }

  private func removeTemporary() {
    // Forgotten first: once the name is free again another writer may take it.
    registry?.unregister(tempPath)
    unlink(tempPath)
  }

  /// Writes `bytes` to `path` atomically: all of them or, on any failure, nothing (the final path
  /// is left as it was and the temporary file is removed).
  public static func write(
    _ bytes: [UInt8], to path: String, createDirectories: Bool = false,
    registry: (any TemporaryFileRegistry)? = nil
  ) throws {
    let writer = try AtomicFileWriter(
      path: path, createDirectories: createDirectories, registry: registry)
    defer { writer.discard() }
    try writer.write(bytes: bytes)
    try writer.commit()
  }
}

/// ("dir", "base") of a path; dir is "" for a bare name and "/" for a file in the root.
func splitPath(_ path: String) -> (String, String) {
  guard let slash = path.lastIndex(of: "/") else { return ("", path) }
  let dir = String(path[..<slash])
  return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}
