import Foundation
import TestSupport
import Testing

/// Issue 14 through the built binary: frame size changes, odd rotations, oversized frames.
@Suite("issue 14 end to end", .serialized)
struct Issue14CLITests {
  @Test(
    "a frame size change: ok, not partial; the T table is the CLI's scaled frames'; the change is named on stderr and in the report; the same summary for every --threads and --chunk-frames"
  )
  func frameSizeChange() throws {
    let dir = try TemporaryDirectory(prefix: "cli-size-change")
    // `cat a.ts b.ts > c.ts`, 320x240 then 160x120 H.264, 8 frames each.
    let path = try Issue14Media.concatenatedTS(
      sizes: ["320x240", "160x120"], frames: 8, in: dir, name: "c.ts")
    let note =
      "frame 8: size changed from 320x240 to 160x120; scaled to 320x240 as the ffmpeg CLI does"

    // The spec's table over the ffmpeg CLI's rgb24 frames (the later ones scaled by the CLI).
    let rgb = try FFmpegCLI.rawRGB24(path)
    #expect(rgb.count == 16 * 320 * 240 * 3)
    let reference = Clips.referenceTable(rgb: rgb, width: 320, height: 240)
    let detail = try Flashscan.run(["--detail", path])
    #expect(detail.status == 0, "\(detail.stderr)")
    let table = Table(detail.stdout)
    #expect(table.rows.count == 15)
    for (row, ref) in zip(table.rows, reference) {
      for (text, want) in [(row[2], ref.t), (row[3], ref.pos), (row[4], ref.neg)] {
        #expect(Clips.close(Double(text) ?? .nan, want), "row \(row[0]): \(text) vs \(want)")
      }
    }

    var summaries: Set<String> = []
    var tables: Set<String> = []
    var warningLines: Set<[String]> = []
    for arguments in [
      [], ["--threads", "1"], ["--threads", "2"], ["--threads", "3", "--chunk-frames", "1"],
      ["--chunk-frames", "3"], ["--threads", "1", "--chunk-frames", "7"], ["--chunk-frames", "16"],
    ] {
      let result = try Flashscan.run([path] + arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      #expect(
        result.errorLines.contains("flashscan: \(path): warning: \(note)"), "\(result.stderr)")
      let summary = result.errorLines.first { $0.hasPrefix("\(path): ok, ") }
      #expect(summary != nil, "\(arguments): \(result.stderr)")
      // The speed at the end varies from run to run; the rest must not.
      summaries.insert(String(summary?.split(separator: ", scanned in").first ?? ""))
      tables.insert(result.stdout)
      warningLines.insert(result.errorLines.filter { $0.contains("warning:") })
    }
    #expect(summaries.count == 1, "\(summaries)")
    #expect(summaries.first?.hasPrefix("\(path): ok, 16 frames, ") == true, "\(summaries)")
    #expect(tables.count == 1)
    #expect(warningLines.count == 1, "\(warningLines)")

    let json = dir.file("r.json")
    let md = dir.file("r.md")
    let reported = try Flashscan.run([path, "--report", json, "--report", md])
    #expect(reported.status == 0, "\(reported.stderr)")
    let data = try Data(contentsOf: URL(fileURLWithPath: json))
    let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let input = try #require(document["input"] as? [String: Any])
    #expect(input["complete"] as? Bool == true)
    let warnings = try #require(input["decodeWarnings"] as? [String])
    #expect(warnings.first == note)
    #expect(warnings.count == 2, "\(warnings)")
    #expect(warnings.last?.hasPrefix("1 packet(s) flagged corrupt by the demuxer") == true)
    #expect(input["frameCount"] as? Int == 16)
    #expect(input["width"] as? Int == 320 && input["height"] as? Int == 240)
    let markdown = try String(contentsOfFile: md, encoding: .utf8)
    #expect(markdown.contains("| Decoding | \(note); 1 packet(s) flagged corrupt"), "\(markdown)")
  }

  @Test("an oversized frame: 'frame too large' and the limit, not 'not a media file'")
  func oversizedFrame() throws {
    let dir = try TemporaryDirectory(prefix: "cli-big")
    let path = try Issue14Media.pngClaiming(width: 30000, height: 30000, in: dir)
    let result = try Flashscan.run([path])
    #expect(result.status == 1)
    #expect(
      result.errorLines.first
        == "flashscan: \(path): frame too large: 30000x30000 pixels; FFmpeg decodes frames only"
        + " while (8 x width + 1024) x (height + 128) < 2^31 - 1 (av_image_check_size), at most"
        + " 16255x16255 for a square frame", "\(result.stderr)")
  }

  @Test("a display matrix rotation that is not a multiple of 90 degrees: a warning naming it")
  func oddRotation() throws {
    let dir = try TemporaryDirectory(prefix: "cli-rotation")
    let path = dir.file("tilted.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    let plain = try Flashscan.run([path])
    try Issue14Media.setDisplayMatrix(of: path, degrees: 45)
    let result = try Flashscan.run([path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.errorLines.contains(
        "flashscan: \(path): warning: rotation of 45° in the display matrix is not applied (only multiples"
          + " of 90° are): frames are analysed as coded, the ffmpeg CLI would rotate them"),
      "\(result.stderr)")
    #expect(result.stdout == plain.stdout)
    #expect(!plain.stderr.contains("warning"))
  }
}
