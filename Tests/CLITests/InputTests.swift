import Foundation
import Testing

@testable import FlashscanCLI

@Suite("Walking, sorting and sharding inputs")
struct InputTests {
  func touch(_ path: String, _ text: String = "x") throws {
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
  }

  @Test func walkIsRecursiveSortedAndSkipsHiddenAndNonVideo() throws {
    let dir = try makeTempDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for name in [
      "b.mkv", "A.MP4", "a, b.mov", "sub/z.WebM", "sub/deeper/y.ts", ".hidden.mkv", ".git/x.mkv",
      "notes.txt", "sub/readme", "noext",
    ] { try touch(dir + "/" + name) }
    let list = InputWalker().collect([dir])
    #expect(list.walkedDirectory)
    #expect(
      list.items.map(\.path) == [
        "\(dir)/A.MP4", "\(dir)/a, b.mov", "\(dir)/b.mkv", "\(dir)/sub/deeper/y.ts",
        "\(dir)/sub/z.WebM",
      ])
    #expect(list.items.allSatisfy { $0.problem == nil })
    #expect(list.skippedByExtension == 3)
    #expect(Set(list.skippedPaths) == ["\(dir)/noext", "\(dir)/notes.txt", "\(dir)/sub/readme"])

    let all = InputWalker(allFiles: true).collect([dir + "/"])
    #expect(
      all.items.map(\.path) == [
        "\(dir)/A.MP4", "\(dir)/a, b.mov", "\(dir)/b.mkv", "\(dir)/noext", "\(dir)/notes.txt",
        "\(dir)/sub/deeper/y.ts", "\(dir)/sub/readme", "\(dir)/sub/z.WebM",
      ])
  }

  @Test func explicitFilesAreAlwaysTriedAndMissingOnesReported() throws {
    let dir = try makeTempDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try touch(dir + "/.hidden.txt")
    let list = InputWalker().collect([
      dir + "/.hidden.txt", dir + "/missing.mp4", "-", dir + "/.hidden.txt",
    ])
    #expect(!list.walkedDirectory)
    #expect(
      list.items == [
        InputItem(path: "-"), InputItem(path: dir + "/.hidden.txt"),
        InputItem(path: dir + "/missing.mp4", problem: "no such file or directory"),
      ])
  }

  @Test func symlinkLoopsAndSpecialFilesCannotHangTheWalk() throws {
    let dir = try makeTempDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try touch(dir + "/a/clip.mkv")
    try FileManager.default.createSymbolicLink(atPath: dir + "/a/loop", withDestinationPath: "..")
    try FileManager.default.createSymbolicLink(atPath: dir + "/a/self", withDestinationPath: ".")
    try FileManager.default.createSymbolicLink(
      atPath: dir + "/dangling.mkv", withDestinationPath: "nowhere")
    #expect(mkfifo(dir + "/pipe.mkv", 0o600) == 0)
    let list = InputWalker().collect([dir])
    #expect(
      list.items == [
        InputItem(path: dir + "/a/clip.mkv"),
        InputItem(path: dir + "/dangling.mkv", problem: "no such file or directory"),
      ])
  }

  @Test func outputDirectoryIsNotWalked() throws {
    let dir = try makeTempDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try touch(dir + "/clip.mkv")
    try touch(dir + "/out/clip.mkv.csv")
    try touch(dir + "/out/old.mkv")
    let list = InputWalker(allFiles: true, excludedDirectories: [dir + "/out"]).collect([dir])
    #expect(list.items.map(\.path) == [dir + "/clip.mkv"])
  }

  @Test func extensionsAreCaseInsensitive() {
    #expect(InputWalker.hasVideoExtension("x.MKV"))
    #expect(InputWalker.hasVideoExtension("x.Mp4"))
    #expect(InputWalker.hasVideoExtension("a.b.webm"))
    #expect(!InputWalker.hasVideoExtension("x.txt"))
    #expect(!InputWalker.hasVideoExtension(".mkv"))
    #expect(!InputWalker.hasVideoExtension("mkv"))
  }

  @Test func shardParsing() {
    #expect(Shard(parsing: "0/4") == Shard(index: 0, count: 4))
    #expect(Shard(parsing: "3/4") == Shard(index: 3, count: 4))
    for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", "", "/2"] {
      #expect(Shard(parsing: bad) == nil, "\(bad)")
    }
  }

  @Test func shardsPartitionAnyList() {
    for length in [0, 1, 2, 7, 30, 101] {
      let list = (0..<length).map { "f\($0)" }
      for n in 1...6 {
        let parts = (0..<n).map { Shard(index: $0, count: n).select(list) }
        #expect(parts.flatMap { $0 }.sorted() == list.sorted())
        #expect(Set(parts.flatMap { $0 }).count == length, "no file in two shards")
        let sizes = parts.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1, "balanced")
        #expect(
          parts.allSatisfy {
            $0 == $0.sorted { list.firstIndex(of: $0)! < list.firstIndex(of: $1)! }
          })
      }
    }
  }

  @Test func mirroredPaths() {
    #expect(
      mirroredOutputPath(for: "clips/a.mp4", in: "out", format: .csv) == "out/clips/a.mp4.csv")
    #expect(
      mirroredOutputPath(for: "/data/x/b.mkv", in: "out/", format: .jsonl)
        == "out/data/x/b.mkv.jsonl")
    #expect(
      mirroredOutputPath(for: "./../c.mkv", in: "/tmp/o", format: .csv) == "/tmp/o/__/c.mkv.csv")
    #expect(mirroredOutputPath(for: "-", in: "o", format: .csv) == "o/stdin.csv")
    #expect(mirroredOutputPath(for: "a//b.mkv", in: "o", format: .csv) == "o/a/b.mkv.csv")
  }
}
