import Foundation
import Testing
import TextOutput

@testable import FlashscanCLI

/// A fresh empty directory, removed by the caller.
func makeTempDirectory(_ tag: String = "cli") throws -> String {
  let path = NSTemporaryDirectory() + "flashscan-\(tag)-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

func listing(_ dir: String) -> [String] {
  ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).sorted()
}

func readText(_ path: String) -> String? {
  FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

@Suite("Atomic files and ordered tables")
struct FileOutputTests {
  @Test func commitRenamesIntoPlace() throws {
    let dir = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let registry = TempFiles()
    let writer = try AtomicFileWriter(
      path: dir + "/sub/t.csv", createDirectories: true, registry: registry)
    try writer.write("frame,time,T\n")
    #expect(readText(dir + "/sub/t.csv") == nil, "nothing at the final path before the commit")
    #expect(registry.pending.count == 1)
    try writer.commit()
    #expect(readText(dir + "/sub/t.csv") == "frame,time,T\n")
    #expect(listing(dir) == ["sub", "sub/t.csv"])
    #expect(registry.pending.isEmpty)
  }

  @Test func discardLeavesTheOldFile() throws {
    let dir = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "old\n".write(toFile: dir + "/t.csv", atomically: false, encoding: .utf8)
    let registry = TempFiles()
    do {
      let writer = try AtomicFileWriter(path: dir + "/t.csv", registry: registry)
      try writer.write("new, half written")
      // dropped without a commit
    }
    #expect(readText(dir + "/t.csv") == "old\n")
    #expect(listing(dir) == ["t.csv"])
  }

  @Test func interruptRemovesTempFilesAndRefusesCommits() throws {
    let dir = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let registry = TempFiles()
    let a = try AtomicFileWriter(path: dir + "/a.csv", registry: registry)
    try a.write(String(repeating: "x", count: 200_000))
    #expect(listing(dir).count == 1)
    registry.removeAllAndFreeze()
    #expect(listing(dir).isEmpty)
    #expect(throws: Stopped.self) { try a.commit() }
    #expect(throws: Stopped.self) {
      _ = try AtomicFileWriter(path: dir + "/b.csv", registry: registry)
    }
    #expect(listing(dir).isEmpty)
  }

  @Test func unwritableDirectoryIsAnOutputError() throws {
    #expect(throws: OutputError.self) {
      _ = try AtomicFileWriter(path: "/nonexistent-flashscan-dir/t.csv", registry: TempFiles())
    }
  }

  final class MemorySink: TextSink {
    var text = ""
    var flushes = 0
    func write(_ s: String) throws { text += s }
    func write(bytes: [UInt8]) throws { text += String(decoding: bytes, as: UTF8.self) }
    func flush() throws { flushes += 1 }
  }

  @Test func filesFinishingOutOfOrderComeOutInOrder() throws {
    let sink = MemorySink()
    let table = OrderedTable(sink: sink, header: "H\n")
    try table.begin(2)
    try table.append(2, "c1\n")
    try table.begin(1)
    try table.append(1, "b1\n")
    try table.end(2)
    #expect(sink.text == "", "file 0 has not finished: nothing may be written")
    try table.end(0)  // file 0 failed without rows
    #expect(sink.text == "H\nb1\n", "file 1 is the head now and gets its collected rows out")
    try table.append(1, "b2\n")
    #expect(sink.text == "H\nb1\nb2\n", "the head writes straight through")
    try table.end(1)
    #expect(sink.text == "H\nb1\nb2\nc1\n")
    try table.finish()
    #expect(sink.text == "H\nb1\nb2\nc1\n")
  }

  @Test func headerOnlyWhenSomethingOpened() throws {
    let none = MemorySink()
    let t1 = OrderedTable(sink: none, header: "H\n")
    try t1.end(0)
    try t1.finish()
    #expect(none.text == "" && !t1.started)
    let empty = MemorySink()
    let t2 = OrderedTable(sink: empty, header: "H\n")
    try t2.begin(0)
    try t2.end(0)
    try t2.finish()
    #expect(empty.text == "H\n")
  }

  @Test func concurrentWritersNeverInterleave() throws {
    let sink = MemorySink()
    let table = OrderedTable(sink: sink, header: nil)
    let files = 8
    DispatchQueue.concurrentPerform(iterations: files) { i in
      let index = files - 1 - i
      try! table.begin(index)
      for r in 0..<200 { try! table.append(index, "\(index):\(r)\n") }
      try! table.end(index)
    }
    try table.finish()
    let expected = (0..<files).flatMap { f in (0..<200).map { "\(f):\($0)\n" } }.joined()
    #expect(sink.text == expected)
  }
}
