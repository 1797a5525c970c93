import Foundation

/// A value and the lock that guards it, in one object: the only way to reach the value is inside
/// `withLock`, so no caller can forget to take the lock (the shape of swift-nio's
/// `NIOLockedValueBox`). `wait(until:)` and the condition's broadcast let one thread sleep until
/// another changes the value (the scan engine's queue, the batch runner's hand-over).
///
/// The standard library's `Mutex` would do for the plain locking, but it needs macOS 15 and has no
/// condition variable; this is the project's one lock primitive instead.
public final class Locked<Value>: @unchecked Sendable {
  // @unchecked: `value` is only read or written between `condition.lock()` and `unlock()`, in
  // the three methods below, so every access is serialised; `Value` itself need not be Sendable
  // because it never leaves the lock (callers return Sendable projections of it).
  private let condition = NSCondition()
  private var value: Value

  public init(_ value: Value) {
    self.value = value
  }

  /// Runs `body` with the value while holding the lock; wakes every waiter afterwards, since
  /// `body` may have changed what they wait for.
  @discardableResult
  public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    return try body(&value)
  }

  /// Waits until `ready(value)` holds, then runs `body` with the value, all under the lock.
  @discardableResult
  public func wait<R>(until ready: (Value) -> Bool, then body: (inout Value) throws -> R) rethrows
    -> R
  {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    while !ready(value) { condition.wait() }
    return try body(&value)
  }

  /// Like `wait(until:then:)`, but gives up at `deadline`: `body` then sees the value as it is and
  /// `timedOut` is true.
  @discardableResult
  public func wait<R>(
    until ready: (Value) -> Bool, deadline: Date,
    then body: (inout Value, _ timedOut: Bool) throws -> R
  ) rethrows -> R {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    var timedOut = false
    while !ready(value) {
      if !condition.wait(until: deadline) {
        timedOut = !ready(value)
        break
      }
    }
    return try body(&value, timedOut)
  }
}
