import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 14: two inputs whose mirrored outputs are the same file stop the run before any work.
@Suite("Output collisions", .serialized)
struct OutputCollisionTests {
  @Test("two inputs with the same mirrored output stop the run before any work (exit 2)")
  func outputCollisionsStopTheRun() throws {
    let dir = try TemporaryDirectory(prefix: "cli-collide")
    let work = dir.file("work")
    try makeFolder(work + "/__")
    try clipNamed(dir.file("up.mkv"), frames: 4, seed: 1, in: dir)
    try clipNamed(work + "/__/up.mkv", frames: 5, seed: 2, in: dir)
    let cases: [([String], String)] = [
      (["--output-dir", "out"], "out/__/up.mkv.csv"),
      (["--output-dir", "out", "--format", "jsonl"], "out/__/up.mkv.jsonl"),
      (["--report-dir", "out"], "out/__/up.mkv.json"),
      (["--report-dir", "out", "--report-format", "json"], "out/__/up.mkv.json"),
      (["--report-dir", "out", "--report-format", "html"], "out/__/up.mkv.html"),
      (["--report-dir", "out", "--report-format", "md", "--check"], "out/__/up.mkv.md"),
      (["--output-dir", "tables", "--report-dir", "out"], "tables/__/up.mkv.csv"),
    ]
    for (options, output) in cases {
      let result = try Flashscan.run(options + ["../up.mkv", "__/up.mkv"], cwd: work)
      #expect(result.status == 2, "\(options): \(result.status) \(result.stderr)")
      #expect(
        result.stderr
          == "flashscan: output collision: '../up.mkv' and '__/up.mkv' would both be written to "
          + "\(output) (outputs mirror the input paths, '..' as '__'); scan them in separate runs "
          + "or rename one\n", "\(options)")
      #expect(result.stdout.isEmpty)
      #expect(listing(work) == ["__", "__/up.mkv"], "nothing written: \(listing(work))")
    }
    // Without the clash the same options work.
    let fine = try Flashscan.run(["--output-dir", "out", "__/up.mkv"], cwd: work)
    #expect(fine.status == 0, "\(fine.stderr)")
  }

  @Test func collisionRules() {
    func find(_ inputs: [String], _ dirs: [(String, [String])]) -> OutputCollision? {
      OutputCollision.find(
        inputs: inputs, directories: dirs.map { (directory: $0.0, extensions: $0.1) })
    }
    #expect(find(["a/x.mkv", "b/x.mkv", "x.mkv", "-"], [("o", ["csv"])]) == nil)
    #expect(
      find(["../up.gif", "__/up.gif"], [("o", ["csv"])])
        == OutputCollision(first: "../up.gif", second: "__/up.gif", output: "o/__/up.gif.csv"))
    #expect(
      find(["/a/x.mkv", "a/x.mkv"], [("o/", ["json", "html"])])
        == OutputCollision(first: "/a/x.mkv", second: "a/x.mkv", output: "o/a/x.mkv.json"))
    #expect(
      find(["-", "stdin"], [("o", ["csv"])])
        == OutputCollision(first: "-", second: "stdin", output: "o/stdin.csv"))
    #expect(find(["./a.mkv", "a.mkv"], [("o", ["csv"])])?.output == "o/a.mkv.csv")
    // A file where another needs a folder, across the table and report directories (the same
    // folder spelt two ways).
    #expect(
      find(["x", "x.json/y.mkv"], [("o", ["csv"]), ("./o/", ["json"])])
        == OutputCollision(first: "x", second: "x.json/y.mkv", output: "./o/x.json", asFolder: true)
    )
    #expect(
      find(["a", "a.csv/b.mkv"], [("o", ["csv"])])?.description
        == "output collision: 'a' would be written to o/a.csv, a folder 'a.csv/b.mkv' needs "
        + "(outputs mirror the input paths, '..' as '__'); scan them in separate runs or rename one"
    )
  }
}
