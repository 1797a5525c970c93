import Foundation
import Frames

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A thread that can be waited for to its very end, which Foundation's `Thread` cannot.
/// `join()` returns once the thread has ended, its thread-local destructors included. The alert
/// thread needs this: libcurl's TLS library (OpenSSL 3) frees its per-thread state in such a
/// destructor, and when that ran while the process's exit handlers were tearing OpenSSL down,
/// `watch --webhook` crashed on its way out now and then (once in a CI run, a bad pointer in the
/// exiting thread's `memmove` while the main thread was in libcrypto).
final class JoinableThread: Sendable {
  /// Why a thread could not be started.
  struct StartFailed: Error, CustomStringConvertible {
    var code: Int32
    var description: String { "could not start a thread: \(String(cString: strerror(code)))" }
  }

  private final class Body {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
  }

  private let name: String
  /// The pthread's handle: nil before `start` and once joined. Locked: joining twice is
  /// undefined behaviour.
  private let handle = Locked<Handle?>(nil)

  /// `pthread_t` in a box the lock can hold (a plain integer on Linux, a pointer on Darwin).
  private struct Handle: @unchecked Sendable {
    var id: pthread_t
  }

  /// A thread named `name` (shown by `ps -L` and in crash reports), not started yet: an owner
  /// can hold it as a constant and start it once all of its own properties are set.
  init(name: String) {
    self.name = name
  }

  /// Starts `run` on the thread (once).
  func start(_ run: @escaping @Sendable () -> Void) throws {
    let name = self.name
    let body = Unmanaged.passRetained(
      Body {
        Thread.current.name = name
        run()
      })
    try handle.withLock { handle in
      precondition(handle == nil, "a JoinableThread starts once")
      #if canImport(Glibc)
        var id = pthread_t()
        let status = pthread_create(
          &id, nil,
          { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
          }, body.toOpaque())
        guard status == 0 else {
          body.release()
          throw StartFailed(code: status)
        }
        handle = Handle(id: id)
      #else
        var id: pthread_t? = nil
        let status = pthread_create(
          &id, nil,
          { raw in
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
          }, body.toOpaque())
        guard status == 0, let id else {
          body.release()
          throw StartFailed(code: status)
        }
        handle = Handle(id: id)
      #endif
    }
  }

  /// Waits until the thread has ended (at once if it has, or was never started); later calls
  /// return at once.
  func join() {
    handle.withLock { handle in
      guard let id = handle?.id else { return }
      handle = nil
      _ = pthread_join(id, nil)
    }
  }
}
