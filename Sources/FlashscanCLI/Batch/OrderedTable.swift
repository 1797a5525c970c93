import Dispatch
import Foundation
import Frames
import TextOutput

/// Where text goes: standard output or an atomically written file.
protocol TextSink: AnyObject {
  func write(_ text: String) throws
  func write(bytes: [UInt8]) throws
  func flush() throws
}

extension DescriptorWriter: TextSink {}

extension AtomicFileWriter: TextSink {
  func flush() throws {}  // the whole file is flushed on commit
}

/// One table shared by all the files of a run (stdout or `-o`), filled by concurrent workers.
///
/// Rows of different files never interleave and files appear in input order: the file whose turn it
/// is (the lowest index not yet finished) writes straight through; the others collect their text in
/// memory until their turn comes. The header goes out before the first row, and only if some input
/// could be opened at all.
final class OrderedTable: Sendable {
  private struct State {
    /// Only written to with the lock held, so it need not be Sendable itself.
    let sink: TextSink
    let header: String?
    var head = 0
    var pending: [Int: [UInt8]] = [:]
    var finished = Set<Int>()
    var anyStarted = false
    var headerWritten = false
    /// Files `0..<delivered` are in the sink whole and flushed (what a failed write cannot take
    /// back).
    var delivered = 0

    mutating func drain(_ index: Int) throws {
      if let bytes = pending.removeValue(forKey: index) {
        try writeHeaderIfNeeded()
        try sink.write(bytes: bytes)
      }
    }

    mutating func writeHeaderIfNeeded() throws {
      guard anyStarted, !headerWritten else { return }
      headerWritten = true
      if let header { try sink.write(header) }
    }
  }

  private let state: Locked<State>
  /// Flushes the sink while rows are coming (standard output), so that a reader of the pipe sees
  /// them promptly; cancelled by `finish` (and when dropped).
  private let timer: Locked<DispatchSourceTimer?> = Locked(nil)
  /// Every row is flushed at once (standard output on a terminal).
  private let flushEveryRow: Bool

  /// `flushInterval` (seconds): the sink is flushed at least that often while the run lasts, from
  /// a timer thread, under the same lock as the writes (one syscall per interval, nothing per
  /// row); a flush that fails calls `onFlushError` (the run stops on EPIPE as on a failed row).
  /// `flushEveryRow` flushes after every row, as a terminal wants.
  init(
    sink: TextSink, header: String?, flushInterval: Double? = nil, flushEveryRow: Bool = false,
    onFlushError: (@Sendable (Error) -> Void)? = nil
  ) {
    state = Locked(State(sink: sink, header: header))
    self.flushEveryRow = flushEveryRow
    if let flushInterval, flushInterval > 0, !flushEveryRow {
      let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "flashscan.flush"))
      source.schedule(
        deadline: .now() + flushInterval, repeating: flushInterval,
        leeway: .milliseconds(Int(flushInterval * 100)))
      source.setEventHandler { [state] in
        do {
          try state.withLock { try $0.sink.flush() }
        } catch {
          onFlushError?(error)
        }
      }
      source.resume()
      timer.withLock { $0 = source }
    }
  }

  deinit { timer.withLock { $0?.cancel() } }

  /// Stops the flush timer (the last flush is `finish`'s or `end`'s).
  private func stopTimer() {
    timer.withLock {
      $0?.cancel()
      $0 = nil
    }
  }

  /// Input `index` opened: the table will have a header even if no row follows.
  func begin(_ index: Int) throws {
    try state.withLock { s in
      s.anyStarted = true
      if index == s.head { try s.writeHeaderIfNeeded() }
    }
  }

  func append(_ index: Int, _ text: String) throws {
    try state.withLock { s in
      if index == s.head {
        try s.writeHeaderIfNeeded()
        try s.sink.write(text)
        if flushEveryRow { try s.sink.flush() }
      } else {
        s.pending[index, default: []].append(contentsOf: text.utf8)
      }
    }
  }

  /// Input `index` is done (with or without rows); later files whose turn has come are written out.
  func end(_ index: Int) throws {
    try state.withLock { s in
      s.finished.insert(index)
      guard index == s.head else { return }
      while s.finished.contains(s.head) {
        try s.drain(s.head)
        s.finished.remove(s.head)
        s.head += 1
      }
      // The new head may still be running: hand it what it collected so far; it writes directly
      // now.
      try s.drain(s.head)
      try s.sink.flush()
      s.delivered = s.head
    }
  }

  /// After the last file: the header if nothing printed it yet, then flush.
  func finish() throws {
    stopTimer()
    try state.withLock { s in
      if s.anyStarted { try s.writeHeaderIfNeeded() }
      try s.sink.flush()
    }
  }

  var started: Bool { state.withLock { $0.anyStarted } }

  /// How many files, from the first, have all their text written and flushed: after a write error
  /// the files from this index on did not get their rows out (whole).
  var delivered: Int { state.withLock { $0.delivered } }
}
