import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import Testing

/// Issue 13: the verdict sentence counts the listed incidents per verdict, and an input not
/// read whole never passes.
@Suite("verdict counts and incomplete input")
struct VerdictCountTests {
  /// IRIS (warns on 2 to 3 flashes a second): a 2.5 Hz flash from 1 s to 2 s (warning), then a
  /// 5 Hz flash from 4 s to 5 s (fail).
  static func mixed() throws -> PhotosensitivityResult {
    let slow = Fixture.flashing(width: 64, height: 48, count: 175, rate: 25, hertz: 2.5, box: nil)
    let fast = Fixture.flashing(width: 64, height: 48, count: 175, rate: 25, hertz: 5, box: nil)
    let calm = Fixture.flashing(
      width: 64, height: 48, count: 175, rate: 25, hertz: 5,
      box: PixelRect(x: 0, y: 0, width: 0, height: 0))
    var storage = calm.frames.storage
    let frameSize = 64 * 48 * 3
    storage.replaceSubrange(
      (25 * frameSize)..<(50 * frameSize),
      with: slow.frames.storage[(25 * frameSize)..<(50 * frameSize)])
    storage.replaceSubrange(
      (100 * frameSize)..<(125 * frameSize),
      with: fast.frames.storage[(100 * frameSize)..<(125 * frameSize)])
    let frames = Tensor<UInt8>(shape: [175, 48, 64, 3], storage: storage)
    return try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: frames, times: calm.times, frameRate: 25), parameters: .iris)
  }

  @Test("the sentence's incident count is the list's, per verdict")
  func counts() throws {
    let document = ReportDocument(
      tool: ToolInfo(version: "test"), input: InputFacts(path: "clip.mkv"), result: try Self.mixed()
    )
    #expect(document.verdict == .fail)
    let fails = document.incidents.filter { $0.verdict == .fail }.count
    let warnings = document.incidents.filter { $0.verdict == .warning }.count
    #expect(fails >= 1 && warnings >= 1, "\(document.incidents)")
    #expect(
      document.summary.hasSuffix(
        "; \(document.incidents.count) incidents (\(fails) fail, \(warnings) warning)."),
      "\(document.summary)")
  }

  @Test("an input not read whole is incomplete unless what was read fails")
  func incomplete() throws {
    let calm = Fixture.flashing(
      width: 64, height: 48, count: 50, rate: 25, hertz: 5,
      box: PixelRect(x: 0, y: 0, width: 0, height: 0))
    let passing = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: calm.frames, times: calm.times, frameRate: 25), parameters: .wcag)
    #expect(passing.verdict == .pass)
    let partial = InputFacts(path: "cut.mkv", complete: false, decodeWarnings: ["truncated"])
    let document = ReportDocument(tool: ToolInfo(version: "test"), input: partial, result: passing)
    #expect(document.verdict == .incomplete)
    #expect(
      document.summary
        == "Incomplete: the input could not be read whole, so it cannot pass WCAG 2.3.1 (three flashes or below threshold); only 2 s (50 frames) were analysed, no incidents in that part."
    )
    let object = try #require(
      try JSONSerialization.jsonObject(with: document.jsonData()) as? [String: Any])
    #expect(object["verdict"] as? String == "incomplete")
    #expect(try ReportDocument.decode(json: document.jsonData()) == document)

    let report = FlashReport(
      tool: ToolInfo(version: "test"), input: partial, result: passing, tSeries: TSeries())
    #expect(report.checkLine.hasPrefix("INCOMPLETE\tcut.mkv\t"))
    #expect(report.checkLine.contains("partial: analysed up to 2 s"))
    #expect(report.markdown().contains("analysed up to 2 s (50 frames)"))
    #expect(report.html(png: { _ in [] }).contains("analysed up to 2 s (50 frames)"))

    let failing = try Self.mixed()
    let failed = ReportDocument(tool: ToolInfo(version: "test"), input: partial, result: failing)
    #expect(failed.verdict == .fail)
    let whole = ReportDocument(
      tool: ToolInfo(version: "test"), input: InputFacts(path: "a.mkv"), result: passing)
    #expect(whole.verdict == .pass)
  }
}

@Suite("play commands and timeline order")
struct PlayCommandTests {
  @Test("each incident gives an ffplay and an mpv command, quoted, a leading '-' made ./-")
  func playCommands() throws {
    let clip = Clip.flashing()
    let report = try Fixture.report(
      frames: clip.frames, times: clip.times, rate: Clip.rate, path: "-flash clip.mkv"
    ).report
    let html = report.html(png: PNGEncoder.encode(rgb:))
    // The flash: transitions from frame 25 (1.0 s) to frame 73 (2.92 s), so the incident runs
    // from 1 s to the end of frame 73, 2.96 s.
    let i = try #require(report.document.incidents.first)
    #expect(i.start == 1.0 && abs(i.end - 2.96) < 1e-9)
    // In the HTML the shell quotes are escaped: './-flash clip.mkv'.
    #expect(html.contains("<code>ffplay -ss 1 -t 1.96 &#39;./-flash clip.mkv&#39;</code>"))
    #expect(html.contains("mpv --start=1 --ab-loop-a=1 --ab-loop-b=2.96 "))
    #expect(
      html.components(separatedBy: "<tr class=\"play\">").count - 1
        == report.document.incidents.count)
    // The flashes-per-second panel comes first, the T chart after it, labelled a measure.
    let fps = try #require(html.range(of: "Flashes per second (in the one-second window"))
    let t = try #require(
      html.range(of: "T per frame: the exam&#39;s measure (signed luminance step), not a verdict"))
    #expect(fps.lowerBound < t.lowerBound)
  }
}
