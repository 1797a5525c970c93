import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The built `flashscan` binary on clips the tests make (issue 2 section 5, issue 4).
@Suite("flashscan end to end", .serialized)
struct EndToEndTests {
  @Test func tTableEqualsTheSpecReference() throws {
    let dir = try TemporaryDirectory(prefix: "cli-t")
    let clip = dir.file("clip.mkv")
    let (w, h) = (16, 12)
    let written = try Clips.lossless(clip, frames: 14, width: w, height: h, seed: 7)
    let rgb = try FFmpegCLI.rawRGB24(clip)
    #expect(rgb == written, "FFV1 gbrp must be lossless")
    let times = try FFmpegCLI.frameTimes(clip)

    for k in [5, 10, 1] {
      let reference = Clips.referenceTable(rgb: rgb, width: w, height: h, k: k)
      let result = try Flashscan.run(["--detail", "--top-k", "\(k)", clip])
      #expect(result.status == 0, "\(result.stderr)")
      let table = Table(result.stdout)
      #expect(table.header == ["frame", "time", "T", "pos", "neg"])
      #expect(table.rows.count == 13)
      for (i, row) in table.rows.enumerated() {
        let ref = reference[i]
        #expect(row[0] == "\(i + 1)")
        #expect(
          Clips.close(Double(row[1])!, times[i + 1]),
          "time of row \(i + 1): \(row[1]) vs \(times[i + 1])")
        for (text, want, name) in [
          (row[2], ref.t, "T"), (row[3], ref.pos, "pos"), (row[4], ref.neg, "neg"),
        ] {
          let got = try #require(Double(text), "\(text) is not a number")
          #expect(
            Clips.close(got, want),
            "k=\(k) row \(i + 1) \(name): got \(text), want \(want), tol 1e-9 rel")
          #expect(text != "-0" && !text.hasSuffix(".0"), "\(text)")
        }
      }
      // The repeated frames (every fifth frame repeats its predecessor) print exactly 0.
      #expect(table.rows[2][2] == "0" && table.rows[7][2] == "0")
    }

    // JSON Lines: the same keys and values.
    let csv = Table(try Flashscan.run(["--detail", clip]).stdout)
    let jsonl = try Flashscan.run(["--format", "jsonl", "--detail", clip])
    #expect(jsonl.status == 0)
    let lines = jsonl.stdout.split(separator: "\n")
    #expect(lines.count == csv.rows.count)
    for (line, row) in zip(lines, csv.rows) {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(Set(object.keys) == ["frame", "time", "T", "pos", "neg"])
      #expect(
        line.hasPrefix(
          "{\"frame\":\(row[0]),\"time\":\(row[1]),\"T\":\(row[2]),\"pos\":\(row[3]),\"neg\":\(row[4])}"
        ))
    }
    // Plain table: no detail columns; the summary is on stderr only.
    let plain = try Flashscan.run([clip])
    #expect(Table(plain.stdout).header == ["frame", "time", "T"])
    #expect(Table(plain.stdout).rows.map { Array($0[0..<3]) } == csv.rows.map { Array($0[0..<3]) })
    #expect(plain.stderr.contains("14 frames"), "summary: \(plain.stderr)")
  }

  @Test func oneFrameVideoPrintsTheHeaderOnly() throws {
    let dir = try TemporaryDirectory(prefix: "cli-one")
    let clip = dir.file("one.mkv")
    try Clips.lossless(clip, frames: 1)
    let result = try Flashscan.run([clip])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "frame,time,T\n")
    #expect(!result.signaled)
  }

  @Test func badInputsGetOneClearLineAndExit1() throws {
    let dir = try TemporaryDirectory(prefix: "cli-bad")
    try "hello, I am text\n".write(
      toFile: dir.file("notes.txt"), atomically: false, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: dir.file("empty.mp4"), contents: Data())
    let cases: [(String, String)] = [
      (dir.file("notes.txt"), "not a media file"), (dir.file("empty.mp4"), "empty file"),
      (dir.file("missing.mkv"), "no such file or directory"),
    ]
    for (path, cause) in cases {
      let result = try Flashscan.run([path])
      #expect(result.status == 1, "\(path): \(result.stderr)")
      #expect(result.stdout.isEmpty)
      #expect(result.errorLines.count == 1, "\(result.stderr)")
      #expect(
        result.errorLines.first?.hasPrefix("flashscan: \(path): ") == true, "\(result.stderr)")
      #expect(result.stderr.contains(cause), "\(result.stderr)")
    }
  }

  /// Issue 4's "Done when" folder.
  @Test func mixedFolder() throws {
    let dir = try TemporaryDirectory(prefix: "cli-folder")
    let root = dir.file("uploads")
    try FileManager.default.createDirectory(
      atPath: root + "/sub", withIntermediateDirectories: true)
    try Clips.lossless(root + "/good.mkv", frames: 6, seed: 1)
    try Clips.lossless(root + "/a, b c.mkv", frames: 5, seed: 2)
    try Clips.lossless(root + "/sub/nested.MKV", frames: 4, seed: 3)
    try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=d=0.3", "-c:a", "flac", root + "/audio-only.mkv"])
    try "just text\n".write(toFile: root + "/notes.mp4", atomically: false, encoding: .utf8)
    try "readme\n".write(toFile: root + "/readme.txt", atomically: false, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: root + "/empty.mp4", contents: Data())
    try Clips.lossless(dir.file("whole.mkv"), frames: 40, width: 64, height: 48, seed: 4)
    let whole = try #require(FileManager.default.contents(atPath: dir.file("whole.mkv")))
    _ = FileManager.default.createFile(
      atPath: root + "/truncated.mkv", contents: whole.prefix(whole.count * 6 / 10))

    let result = try Flashscan.run([root])
    #expect(result.status == 1)
    #expect(!result.signaled)
    let table = Table(result.stdout)
    #expect(table.header == ["file", "frame", "time", "T"])
    // Good files: all their rows, in sorted order, equal to their single-file tables.
    var expected: [[String]] = []
    for name in ["a, b c.mkv", "good.mkv"] {
      let single = Table(try Flashscan.run([root + "/" + name]).stdout)
      expected += single.rows.map { [root + "/" + name] + $0 }
    }
    // Sorted by bytes: ".../sub/nested.MKV" comes before ".../truncated.mkv".
    let truncatedRows = table.rows.filter { $0[0] == root + "/truncated.mkv" }
    let nestedSingle = Table(try Flashscan.run([root + "/sub/nested.MKV"]).stdout)
    expected += nestedSingle.rows.map { [root + "/sub/nested.MKV"] + $0 }
    expected += truncatedRows
    #expect(table.rows == expected)
    #expect(result.stdout.contains("\"\(root)/a, b c.mkv\",1,"), "RFC 4180 quoting")
    // The truncated file: rows it could decode (a prefix of the whole clip's table), one line.
    let wholeRows = Table(try Flashscan.run([dir.file("whole.mkv")]).stdout).rows
    #expect(truncatedRows.count < wholeRows.count)
    #expect(
      truncatedRows.map { Array($0.dropFirst()) } == Array(wholeRows.prefix(truncatedRows.count)))
    // One line per bad file, each naming it.
    let errors = result.errorLines.filter { $0.hasPrefix("flashscan: ") }
    for bad in ["audio-only.mkv", "notes.mp4", "empty.mp4", "truncated.mkv"] {
      #expect(
        errors.filter { $0.hasPrefix("flashscan: \(root)/\(bad): ") }.count == 1,
        "\(bad): \(result.stderr)")
    }
    #expect(errors.count == 4, "\(result.stderr)")
    #expect(
      result.stderr.contains("\(root)/truncated.mkv: partial"), "summary status: \(result.stderr)")
    #expect(result.stderr.contains("note: 1 file(s) without a video extension"))

    // --all-files probes readme.txt too.
    let all = try Flashscan.run(["--all-files", "--quiet", root])
    #expect(all.status == 1)
    #expect(all.errorLines.count == 5, "\(all.stderr)")
    #expect(all.errorLines.contains { $0.hasPrefix("flashscan: \(root)/readme.txt: ") })
    #expect(all.stdout == result.stdout)
  }

  @Test func standardInputEqualsTheFile() throws {
    let dir = try TemporaryDirectory(prefix: "cli-stdin")
    let mkv = dir.file("clip.mkv")
    try Clips.lossless(mkv, frames: 9, seed: 5)
    let fromFile = try Flashscan.run(["--detail", mkv])
    let fromPipe = try Flashscan.run(["--detail", "-"], stdinFile: mkv)
    #expect(fromFile.status == 0 && fromPipe.status == 0, "\(fromPipe.stderr)")
    #expect(fromPipe.stdout == fromFile.stdout)
    #expect(Table(fromPipe.stdout).rows.count == 8)

    // An MP4 with its index at the end (spooled by the decoder), as a real pipe via cat.
    let mp4 = dir.file("moov-last.mp4")
    try FFmpegCLI.run([
      "-i", mkv, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", mp4,
    ])
    let file = try Flashscan.run([mp4])
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = [
      "-c", "cat \"$1\" | \"$2\" - > \"$3\"", "sh", mp4, Flashscan.binary!, dir.file("out.csv"),
    ]
    try shell.run()
    shell.waitUntilExit()
    #expect(shell.terminationStatus == 0)
    #expect(
      String(
        decoding: FileManager.default.contents(atPath: dir.file("out.csv")) ?? Data(), as: UTF8.self
      ) == file.stdout)
    #expect(Table(file.stdout).rows.count == 8)
  }
}
