import Foundation

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
final class OrderedTable: @unchecked Sendable {
  private let sink: TextSink
  private let header: String?
  private let lock = NSLock()
  private var head = 0
  private var pending: [Int: [UInt8]] = [:]
  private var finished = Set<Int>()
  private var anyStarted = false
  private var headerWritten = false

  init(sink: TextSink, header: String?) {
    self.sink = sink
    self.header = header
  }

  /// Input `index` opened: the table will have a header even if no row follows.
  func begin(_ index: Int) throws {
    lock.lock()
    defer { lock.unlock() }
    anyStarted = true
    if index == head { try writeHeaderIfNeeded() }
  }

  func append(_ index: Int, _ text: String) throws {
    lock.lock()
    defer { lock.unlock() }
    if index == head {
      try writeHeaderIfNeeded()
      try sink.write(text)
    } else {
      pending[index, default: []].append(contentsOf: text.utf8)
    }
  }

  /// Input `index` is done (with or without rows); later files whose turn has come are written out.
  func end(_ index: Int) throws {
    lock.lock()
    defer { lock.unlock() }
    finished.insert(index)
    guard index == head else { return }
    while finished.contains(head) {
      try drain(head)
      finished.remove(head)
      head += 1
    }
    // The new head may still be running: hand it what it collected so far; it writes directly now.
    try drain(head)
    try sink.flush()
  }

  /// After the last file: the header if nothing printed it yet, then flush.
  func finish() throws {
    lock.lock()
    defer { lock.unlock() }
    if anyStarted { try writeHeaderIfNeeded() }
    try sink.flush()
  }

  var started: Bool {
    lock.lock()
    defer { lock.unlock() }
    return anyStarted
  }

  private func drain(_ index: Int) throws {
    if let bytes = pending.removeValue(forKey: index) {
      try writeHeaderIfNeeded()
      try sink.write(bytes: bytes)
    }
  }

  private func writeHeaderIfNeeded() throws {
    guard anyStarted, !headerWritten else { return }
    headerWritten = true
    if let header { try sink.write(header) }
  }
}
