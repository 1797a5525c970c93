import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A small lossless clip at `path`, made under a plain name and renamed (ffmpeg need not cope with
/// control characters or a leading '-').
func clipNamed(_ path: String, frames: Int = 4, seed: UInt64 = 1, in dir: TemporaryDirectory)
  throws
{
  let plain = dir.file("plain-\(UUID().uuidString).mkv")
  try Clips.lossless(plain, frames: frames, width: 8, height: 6, seed: seed)
  try FileManager.default.moveItem(atPath: plain, toPath: path)
}

func makeFolder(_ path: String) throws {
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

/// No character of `text` is a control character but the line ends (and tabs, when allowed).
func hasOnlyLineEnds(_ text: String, tabs: Bool = false) -> Bool {
  !text.unicodeScalars.contains {
    ($0.value < 0x20 && $0 != "\n" && !(tabs && $0 == "\t")) || (0x7F...0x9F).contains($0.value)
  }
}

/// Issue 14: file names with control characters reach the terminal escaped (Escaping.terminal).
@Suite("Names on the terminal end to end", .serialized)
struct TerminalNamesTests {
  static let evil = "a\u{1B}]0;pwned\u{07}\nb\rc\u{9B}2J.mkv"
  static let evilShown = "a\\x1b]0;pwned\\x07\\nb\\rc\\x9b2J.mkv"

  @Test("control characters in names are escaped on stderr, kept in CSV and JSON Lines")
  func namesAreEscapedOnTheTerminal() throws {
    let dir = try TemporaryDirectory(prefix: "cli-names")
    let root = dir.file("in")
    try makeFolder(root)
    try clipNamed(root + "/" + Self.evil, in: dir)
    try clipNamed(root + "/z.mkv", seed: 2, in: dir)
    let missing = dir.file("gone\u{1B}[2J\\.mkv")
    let result = try Flashscan.run(["--progress", root, missing])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(hasOnlyLineEnds(result.stderr), "\(result.stderr.debugDescription)")
    // Summary, progress and error lines, each whole on its line.
    #expect(result.stderr.contains(root + "/" + Self.evilShown + ": ok, 4 frames"))
    #expect(result.stderr.contains("\\x9b2J.mkv  0/"), "progress: \(result.stderr)")
    #expect(result.stderr.contains("flashscan: \(dir.path)/gone\\x1b[2J\\\\.mkv: no such file"))
    for line in result.errorLines where line.contains("pwned") {
      #expect(line.contains("pwned\\x07\\nb\\rc"), "a name split a line: \(line.debugDescription)")
    }
    // The table keeps the real name (RFC 4180 quoting), as does JSON Lines.
    #expect(Set(Table(result.stdout).column("file")) == [root + "/" + Self.evil, root + "/z.mkv"])
    let jsonl = try Flashscan.run(["--format", "jsonl", root])
    let files = try jsonl.stdout.split(separator: "\n").map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return object?["file"] as? String
    }
    #expect(Set(files) == [root + "/" + Self.evil, root + "/z.mkv"])

    // A command-line error quoting an argument is escaped too.
    let usage = try Flashscan.run(["--format", "x\u{1B}[2J", root])
    #expect(usage.status == 2)
    #expect(hasOnlyLineEnds(usage.stderr) && usage.stderr.contains("x\\x1b[2J"), "\(usage.stderr)")
  }

  @Test("--check: one verdict line per file, the name escaped")
  func checkLinesStayOneLine() throws {
    let dir = try TemporaryDirectory(prefix: "cli-names")
    let root = dir.file("in")
    try makeFolder(root)
    try ReportEndToEndTests.clip(dir.file("calm.mkv"), flashing: false)
    try FileManager.default.moveItem(atPath: dir.file("calm.mkv"), toPath: root + "/" + Self.evil)
    try ReportEndToEndTests.clip(root + "/z.mkv", flashing: false)
    let result = try Flashscan.run(["--check", root])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(hasOnlyLineEnds(result.stdout, tabs: true) && hasOnlyLineEnds(result.stderr))
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "PASS\t\(root)/\(Self.evilShown)\t(profile wcag, 0 incidents)",
        "PASS\t\(root)/z.mkv\t(profile wcag, 0 incidents)",
      ], "\(result.stdout.debugDescription)")
  }
}
