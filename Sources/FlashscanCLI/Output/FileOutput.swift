import Foundation
import Frames
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Temporary files that must not outlive the run: a signal removes them all and freezes the
/// registry so that no rename can make a half-written table look complete. Every
/// `AtomicFileWriter` of a run registers here (`TempFiles.shared`).
final class TempFiles: TemporaryFileRegistry {
  static let shared = TempFiles()

  init() {}

  private struct State {
    var paths: Set<String> = []
    var frozen = false
  }
  private let state = Locked(State())

  /// Refused (`Stopped`) once the run was interrupted.
  func register(_ path: String) throws {
    try state.withLock { s in
      if s.frozen { throw Stopped() }
      s.paths.insert(path)
    }
  }

  /// Renames unless the run was interrupted (then the temp file is already gone): `Stopped`.
  func commit(_ path: String, by rename: () throws -> Void) throws {
    try state.withLock { s in
      if s.frozen { throw Stopped() }
      defer { s.paths.remove(path) }
      try rename()
    }
  }

  func unregister(_ path: String) {
    state.withLock { _ = $0.paths.remove(path) }
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

extension AtomicFileWriter {
  /// A writer whose temporary file is removed on Ctrl-C (`TempFiles.shared`).
  convenience init(path: String, createDirectories: Bool = false) throws {
    try self.init(path: path, createDirectories: createDirectories, registry: TempFiles.shared)
  }
}
