import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 14: a file whose name starts with '-': the error says to use '--', and '--' works.
@Suite("Names that start with '-'", .serialized)
struct DashNameTests {
  @Test("a name that starts with '-': the error says to use '--', which works")
  func namesStartingWithADash() throws {
    let dir = try TemporaryDirectory(prefix: "cli-dash")
    try clipNamed(dir.file("-x.mkv"), in: dir)
    let refused = try Flashscan.run(["-x.mkv"], cwd: dir.path)
    #expect(refused.status == 2)
    #expect(
      refused.stderr
        == "flashscan: unknown option '-x.mkv'; there is a file of that name: to scan it, put '--' "
        + "before it: flashscan -- -x.mkv\n")
    let absent = try Flashscan.run(["--detail", "-y z.mkv"], cwd: dir.path)
    #expect(absent.status == 2)
    #expect(
      absent.stderr
        == "flashscan: unknown option '-y z.mkv'; to scan a file whose name starts with '-', put "
        + "'--' before it: flashscan -- '-y z.mkv'\n")

    let expected = try Flashscan.run(["./-x.mkv"], cwd: dir.path)
    #expect(expected.status == 0 && !expected.stdout.isEmpty)
    for args in [["--", "-x.mkv"], ["scan", "--", "-x.mkv"], ["--top-k", "5", "--", "-x.mkv"]] {
      let scanned = try Flashscan.run(args, cwd: dir.path)
      #expect(scanned.status == 0, "\(args): \(scanned.stderr)")
      #expect(scanned.stdout == expected.stdout, "\(args)")
      #expect(scanned.stderr.hasPrefix("-x.mkv: ok, 4 frames"), "\(scanned.stderr)")
    }
    // A mistyped option keeps ArgumentParser's own message (with its suggestion).
    let typo = try Flashscan.run(["--detial", "./-x.mkv"], cwd: dir.path)
    #expect(typo.status == 2)
    #expect(typo.stderr.contains("--detail") && !typo.stderr.contains("put '--'"), "\(typo.stderr)")
  }

  @Test func dashArgumentsFound() {
    let find = DashNameHint.unknownDashArgument(in:)
    #expect(find(["-x.mp4"]) == "-x.mp4")
    #expect(find(["--detail", "a.mp4", "-x.mp4"]) == "-x.mp4")
    #expect(find(["scan", "--format=csv", "-x"]) == "-x")
    #expect(find(["--stream", "-1", "a.mp4"]) == nil, "an option's value")
    #expect(find(["-o", "-t.csv", "a.mp4"]) == nil)
    #expect(find(["--", "-x.mp4"]) == nil)
    #expect(find(["nn", "-x.mp4"]) == nil)
    #expect(find(["--report-dir", "r", "--check", "--jobs", "2", "a"]) == nil)
    #expect(DashNameHint.options.names.isSuperset(of: ["-o", "--output", "--check", "--quiet"]))
    #expect(DashNameHint.options.valued.isSuperset(of: ["-o", "--format", "--report-dir"]))
    #expect(!DashNameHint.options.valued.contains("--detail"))
    #expect(DashNameHint.message(for: ["--bogus"], fileExists: { _ in false }) == nil)
  }
}
