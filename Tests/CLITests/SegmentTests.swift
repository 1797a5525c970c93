import Foundation
import Segments
import TestSupport
import Testing

/// `flashscan FILE --segment K/N --part-out DIR` and `flashscan merge DIR` (Docs/Scale.md, "One
/// film on many machines"): the merged outputs are the whole run's, byte for byte.
@Suite("Segments and merge")
struct SegmentTests {
  /// A 60 s clip at 10 fps, 64x36, H.264 with B-frames and a fixed GOP of 25 frames (keyframes
  /// every 2.5 s, no scene-cut keyframes): a drifting, noisy background; a flash burst (black and
  /// white each frame, 10 transitions a second) at 28.0-32.9 s, across the 2-segment cut at 30 s;
  /// extended flashing (dark and light every 2 frames, 5 transitions a second) at 15-24 s, across
  /// the 7-segment cut at 17.5 s and the 3-segment cut at 20 s.
  static let clip: (directory: TemporaryDirectory, path: String) = {
    let dir = try! TemporaryDirectory(prefix: "flashscan-segments")
    let (w, h, count) = (64, 36, 600)
    var rgb = [UInt8](repeating: 0, count: count * w * h * 3)
    var random = SeededGenerator(seed: 15)
    for f in 0..<count {
      for y in 0..<h {
        for x in 0..<w {
          var v = 90 + (x + y + f) % 40 + Int(random.next() % 9)
          if f >= 280 && f < 330 { v = f % 2 == 0 ? 0 : 255 }
          if f >= 150 && f < 240 { v = (f / 2) % 2 == 0 ? 40 : 220 }
          let i = ((f * h + y) * w + x) * 3
          rgb[i] = UInt8(v)
          rgb[i + 1] = UInt8(max(0, v - 10))
          rgb[i + 2] = UInt8(min(255, v + 5))
        }
      }
    }
    let path = dir.file("film.mp4")
    try! FFmpegCLI.encodeRGB24(
      rgb, width: w, height: h, rate: "10", to: path,
      [
        "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "2",
        "-crf", "20", "-pix_fmt", "yuv420p",
      ])
    return (dir, path)
  }()

  /// The outputs compared, by file name.
  static let outputs = [
    "table.csv", "report.json", "report.md", "report.html", "frames.csv", "markers.edl",
  ]

  static func outputArguments(in dir: String) -> [String] {
    [
      "-o", dir + "/table.csv", "--report", dir + "/report.json", "--report", dir + "/report.html",
      "--report",
      dir + "/report.md", "--frames-csv", dir + "/frames.csv", "--markers", dir + "/markers.edl",
    ]
  }

  /// Scans every segment of `n` into `parts`, each as its own process.
  static func scanSegments(_ n: Int, into parts: String, options: [String] = []) throws {
    for k in 0..<n {
      let r = try Flashscan.run(
        [clip.path, "--segment", "\(k)/\(n)", "--part-out", parts, "--threads", "2"] + options)
      #expect(r.status == 0, "segment \(k)/\(n): \(r.stderr)")
      #expect(!r.signaled)
    }
  }

  static func contents(_ dir: String) -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    for name in outputs {
      out[name] = FileManager.default.contents(atPath: dir + "/" + name).map { [UInt8]($0) }
    }
    return out
  }

  @Test(
    "merged outputs equal the whole run's, byte for byte",
    arguments: [
      ("wcag", [1, 2, 3, 7]), ("ofcom", [3]), ("iris", [2]), ("iris --patterns", [3]),
    ])
  func mergedEqualsWhole(profile: String, counts: [Int]) throws {
    let work = try TemporaryDirectory(prefix: "flashscan-merge")
    let options = ["--profile"] + profile.split(separator: " ").map(String.init)
    let wholeDir = work.file("whole")
    try FileManager.default.createDirectory(atPath: wholeDir, withIntermediateDirectories: true)
    // createdAt records when a report was made: both runs fix it (SOURCE_DATE_EPOCH).
    let fixedTime = ["SOURCE_DATE_EPOCH": "1700000000"]
    let whole = try Flashscan.run(
      [Self.clip.path, "--threads", "2"] + options + Self.outputArguments(in: wholeDir),
      environment: fixedTime)
    #expect(whole.status == 3, "the clip fails: \(whole.stderr)")
    let expected = Self.contents(wholeDir)
    for name in Self.outputs { #expect(expected[name] != nil, "whole run wrote \(name)") }

    for n in counts {
      let parts = work.file("parts-\(n)")
      try Self.scanSegments(n, into: parts, options: options)
      let mergedDir = work.file("merged-\(n)")
      try FileManager.default.createDirectory(atPath: mergedDir, withIntermediateDirectories: true)
      let merged = try Flashscan.run(
        ["merge", parts] + Self.outputArguments(in: mergedDir), environment: fixedTime)
      #expect(merged.status == 3, "N=\(n): \(merged.stderr)")
      let got = Self.contents(mergedDir)
      for name in Self.outputs {
        let same = got[name] == expected[name]  // not inside #expect: it would print the bytes
        #expect(same, "\(profile) N=\(n): \(name) differs from the whole run's")
      }

      // The cuts fall where the test needs them: inside the flash burst (N=2) and inside the
      // extended flashing (N=3, N=7), and an incident of that kind spans them.
      let headers = try PartMerge.checkedHeaders(paths: try PartMerge.partPaths(in: parts))
      let cutTimes = headers.dropFirst().map(\.header.startTime)
      let report =
        try JSONSerialization.jsonObject(
          with: Data(got["report.json"] ?? [])) as? [String: Any]
      let incidents = report?["incidents"] as? [[String: Any]] ?? []
      func spansCut(_ kind: String) -> Bool {
        incidents.contains { i in
          guard i["kind"] as? String == kind, let s = i["start"] as? Double,
            let e = i["end"] as? Double
          else { return false }
          return cutTimes.contains { $0 > s && $0 < e }
        }
      }
      if profile == "wcag" && n == 2 {
        #expect(cutTimes == [30.0])
        #expect(spansCut("luminance"), "a flash incident spans the cut: \(incidents)")
      }
      if n == 3 || n == 7 {
        #expect(spansCut("extended"), "an extended-flashing incident spans a cut: \(incidents)")
      }
    }
  }

  @Test("the part's identification and frame range")
  func partHeader() throws {
    let work = try TemporaryDirectory(prefix: "flashscan-part")
    let parts = work.file("parts")
    let r = try Flashscan.run(
      [Self.clip.path, "--segment", "1/3", "--part-out", parts, "--top-k", "7", "--threads", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: parts)
    #expect(names == ["part-1-of-3.fspart"])
    let header = try PartMerge.header(path: parts + "/part-1-of-3.fspart")
    #expect(header.segment == 1 && header.segments == 3)
    #expect(header.source.path == Self.clip.path)
    #expect(header.source.sizeBytes > 0 && header.source.headSHA256.count == 64)
    #expect(header.options.topK == 7 && header.options.parameters.profile == .wcag)
    #expect(header.cuts.first == 0 && header.cuts.last == 600 && header.cuts.count == 4)
    // Cuts at keyframes (every 25 frames), at or after a third and two thirds of 60 s.
    #expect(header.firstFrame == 200 && header.endFrame == 400)
    #expect(header.startTime == 20.0)
  }

  /// Three good parts of the clip, in a fresh directory.
  static func goodParts(_ work: TemporaryDirectory, name: String = "parts") throws -> String {
    let parts = work.file(name)
    try scanSegments(3, into: parts)
    return parts
  }

  /// Runs `flashscan merge parts` with a table output and checks it fails with one line naming
  /// `part` and `cause`, writing nothing.
  static func expectRefused(
    _ parts: String, naming part: String, _ cause: String, extra: [String] = [],
    status: Int32 = 1, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let out = parts + "-table.csv"
    let r = try Flashscan.run(["merge", parts, "-o", out] + extra)
    #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.signaled, sourceLocation: sourceLocation)
    #expect(r.errorLines.count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(part), "names \(part): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(cause), "says \(cause): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(!FileManager.default.fileExists(atPath: out), sourceLocation: sourceLocation)
  }

  @Test("missing, duplicate, foreign, other-option, damaged and truncated parts are refused")
  func mismatchedParts() throws {
    let work = try TemporaryDirectory(prefix: "flashscan-badparts")
    let parts = try Self.goodParts(work)
    let fm = FileManager.default
    let p0 = parts + "/part-0-of-3.fspart"
    let p1 = parts + "/part-1-of-3.fspart"
    let p2 = parts + "/part-2-of-3.fspart"

    // Missing: segment 1 gone.
    let saved = try fm.contentsOfDirectory(atPath: parts)
    #expect(saved.count == 3)
    try fm.moveItem(atPath: p1, toPath: work.file("p1"))
    try Self.expectRefused(parts, naming: parts, "segment 1/3 is missing")
    try fm.moveItem(atPath: work.file("p1"), toPath: p1)

    // Duplicate: segment 0 twice.
    let copy = parts + "/part-0-copy.fspart"
    try fm.copyItem(atPath: p0, toPath: copy)
    try Self.expectRefused(parts, naming: copy, "duplicate: segment 0/3 is also in")
    try fm.removeItem(atPath: copy)

    // A part of another file (same length, other pixels) in place of segment 2.
    let other = work.file("other.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=10:duration=60", "-c:v", "libx264", "-g",
      "25", "-sc_threshold", "0", "-pix_fmt", "yuv420p", other,
    ])
    let otherParts = work.file("other-parts")
    let r = try Flashscan.run([other, "--segment", "2/3", "--part-out", otherParts])
    #expect(r.status == 0, "\(r.stderr)")
    try fm.moveItem(atPath: p2, toPath: work.file("p2"))
    try fm.copyItem(atPath: otherParts + "/part-2-of-3.fspart", toPath: p2)
    try Self.expectRefused(parts, naming: p2, "from another file")
    try fm.removeItem(atPath: p2)

    // Segment 2 scanned with other options.
    let optionParts = work.file("option-parts")
    let o = try Flashscan.run([
      Self.clip.path, "--segment", "2/3", "--part-out", optionParts, "--top-k", "9",
    ])
    #expect(o.status == 0, "\(o.stderr)")
    try fm.copyItem(atPath: optionParts + "/part-2-of-3.fspart", toPath: p2)
    try Self.expectRefused(parts, naming: p2, "other options")
    try fm.removeItem(atPath: p2)

    // Segment 2 of another split (2/4 is not 2/3).
    let fourParts = work.file("four-parts")
    let f = try Flashscan.run([Self.clip.path, "--segment", "2/4", "--part-out", fourParts])
    #expect(f.status == 0, "\(f.stderr)")
    let foreign = parts + "/part-2-of-4.fspart"
    try fm.copyItem(atPath: fourParts + "/part-2-of-4.fspart", toPath: foreign)
    try fm.moveItem(atPath: work.file("p2"), toPath: p2)
    try Self.expectRefused(parts, naming: foreign, "segment 2/4")
    try fm.removeItem(atPath: foreign)

    // Conflicting analysis options on the merge command line.
    try Self.expectRefused(
      parts, naming: "profile ofcom", "differ from the ones the parts were scanned with",
      extra: ["--report", parts + "-r.json", "--profile", "ofcom"], status: 2)

    // And the good set merges.
    let good = try Flashscan.run(["merge", parts, "-o", work.file("t.csv")])
    #expect(good.status == 0, "\(good.stderr)")

    // Damaged and truncated parts: a clear line, never a crash.
    let original = try #require(FileManager.default.contents(atPath: p1))

    var flipped = [UInt8](original)
    flipped[flipped.count / 2] ^= 0x40
    try Data(flipped).write(to: URL(fileURLWithPath: p1))
    try Self.expectRefused(parts, naming: p1, "checksum mismatch")

    try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: p1))
    try Self.expectRefused(parts, naming: p1, "truncated")

    try original.prefix(20).write(to: URL(fileURLWithPath: p1))
    try Self.expectRefused(parts, naming: p1, "truncated")

    try Data("this is not a flashscan part file at all\n".utf8).write(to: URL(fileURLWithPath: p1))
    try Self.expectRefused(parts, naming: p1, "not a flashscan part")

    try Self.expectRefused(work.file("nothing-here"), naming: "nothing-here", "cannot list")
  }

  @Test("--segment's usage errors")
  func usage() throws {
    let work = try TemporaryDirectory(prefix: "flashscan-segusage")
    for (args, message) in [
      ([Self.clip.path, "--segment", "3/3", "--part-out", work.path], "--segment"),
      ([Self.clip.path, "--segment", "0/2"], "--segment and --part-out go together"),
      (
        [Self.clip.path, "--segment", "0/2", "--part-out", work.path, "--report", "r.json"],
        "flashscan merge"
      ),
      (["merge", work.path, "--report", work.file("r.html"), "--profile", "nope"], "--profile"),
    ] {
      let r = try Flashscan.run(args)
      #expect(r.status == 2, "\(args): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
    }
  }
}
