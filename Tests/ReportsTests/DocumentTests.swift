import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import Testing

/// A 64x48 clip at 25 fps: 1 s calm, then a 5 Hz full-screen black/white flash for 2 s, then
/// 1 s calm (fails every profile), and the same clip without the flash (passes).
enum Clip {
  static let rate = 25.0
  static let none = PixelRect(x: 0, y: 0, width: 0, height: 0)

  static func flashing() -> (frames: Tensor<UInt8>, times: [Double]) {
    let calm = Fixture.flashing(width: 64, height: 48, count: 100, rate: rate, hertz: 5, box: none)
    let flash = Fixture.flashing(width: 64, height: 48, count: 100, rate: rate, hertz: 5, box: nil)
    // Frames 25 ..< 75 flash, the rest are calm.
    var storage = calm.frames.storage
    let frameSize = 64 * 48 * 3
    storage.replaceSubrange(
      (25 * frameSize)..<(75 * frameSize),
      with: flash.frames.storage[(25 * frameSize)..<(75 * frameSize)])
    return (Tensor<UInt8>(shape: [100, 48, 64, 3], storage: storage), calm.times)
  }
}

@Suite("Report document, Markdown, frames CSV")
struct DocumentTests {
  @Test("JSON round trip keeps every field; the schema's keys are the documented ones")
  func jsonRoundTrip() throws {
    let clip = Clip.flashing()
    let report = try Fixture.report(frames: clip.frames, times: clip.times, rate: Clip.rate).report
    let data = try report.render(.json, png: PNGEncoder.encode(rgb:))
    let decoded = try ReportDocument.decode(json: data)
    #expect(decoded == report.document)
    #expect(decoded.verdict == .fail)
    #expect(decoded.schemaVersion == "2.1")

    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "$schema", "schemaVersion", "tool", "reproduce", "profile", "parameters", "input",
        "analysis", "verdict", "summary", "criteria", "incidents",
      ])
    let input = try #require(object["input"] as? [String: Any])
    for key in [
      "path", "sizeBytes", "sha256", "duration", "frameRate", "width", "height", "frameCount",
      "complete",
    ] {
      #expect(input[key] != nil, "input.\(key) missing")
    }
    #expect(input["frameCount"] as? Int == 100)
    #expect(input["width"] as? Int == 64)
    #expect((input["duration"] as? Double).map { abs($0 - 4) < 1e-9 } == true)
    let incidents = try #require(object["incidents"] as? [[String: Any]])
    #expect(!incidents.isEmpty)
    let first = try #require(incidents.first)
    #expect(
      Set(first.keys).isSuperset(of: [
        "number", "kind", "verdict", "start", "end", "startTimecode", "endTimecode", "firstFrame",
        "lastFrame", "peakFlashesPerSecond", "peakTransitionsPerSecond", "largestScreenShare",
        "largestFieldShare", "boundingBox", "worstFrame", "worstFrameTime",
      ]))
    #expect(first["kind"] as? String == "luminance")
    #expect(first["verdict"] as? String == "fail")
    let box = try #require(first["boundingBox"] as? [String: Any])
    #expect(box["x"] as? Int == 0 && box["width"] as? Int == 64 && box["height"] as? Int == 48)
    // The flash starts at frame 25 (1 s): the incident starts at its first transition.
    let start = try #require(first["start"] as? Double)
    #expect(abs(start - 1) < 1e-9)
    #expect((first["peakFlashesPerSecond"] as? Double).map { $0 > 3 } == true)

    let parameters = try #require(object["parameters"] as? [String: Any])
    #expect(parameters["profile"] as? String == "wcag")
    #expect(parameters["maxTransitions"] as? Int == 6)
    #expect(parameters["fieldAreaReading"] as? String == "21824")
    let criteria = try #require(object["criteria"] as? [[String: Any]])
    #expect(criteria.map { $0["id"] as? String }.contains("general-flash"))
  }

  @Test("every profile's document round-trips; the pass clip passes with no incidents")
  func profiles() throws {
    let clip = Clip.flashing()
    for parameters in [AnalysisParameters.wcag, .ofcom, .iris] {
      let report = try Fixture.report(
        frames: clip.frames, times: clip.times, rate: Clip.rate, parameters: parameters
      ).report
      let decoded = try ReportDocument.decode(
        json: try report.render(.json, png: PNGEncoder.encode(rgb:)))
      #expect(decoded == report.document)
      #expect(decoded.profile == parameters.profile)
      #expect(decoded.verdict == .fail, "profile \(parameters.profile)")
      #expect(decoded.summary.hasPrefix("Fails"))
    }
    let calm = Fixture.flashing(
      width: 64, height: 48, count: 50, rate: 25, hertz: 5, box: Clip.none)
    let pass = try Fixture.report(frames: calm.frames, times: calm.times, rate: 25).report
    #expect(pass.document.verdict == .pass)
    #expect(pass.document.incidents.isEmpty)
    #expect(pass.document.summary.hasPrefix("Passes"))
    #expect(pass.checkLine.hasPrefix("PASS\tclip.mkv"))
  }

  @Test("standard input: no hash, and a note saying why")
  func standardInput() throws {
    let facts = try InputFacts.describing(path: "-")
    #expect(facts.sha256 == nil && facts.sizeBytes == nil)
    #expect(facts.sha256Note?.contains("standard input") == true)
  }

  @Test("Markdown: summary, input table and one escaped row per incident")
  func markdown() throws {
    let clip = Clip.flashing()
    let report = try Fixture.report(
      frames: clip.frames, times: clip.times, rate: Clip.rate, path: "dir/a|b*c_.mkv"
    ).report
    let md = report.markdown()
    let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "## flashscan: **FAIL**: a\\|b\\*c\\_.mkv")
    #expect(lines.contains("> " + Markdown_escape(report.document.summary)))
    #expect(md.contains("| File | dir/a\\|b\\*c\\_.mkv |"))
    let header = try #require(lines.firstIndex { $0.hasPrefix("| # | Verdict | Kind |") })
    #expect(lines[header + 1].hasPrefix("|---:|"))
    let rows = lines[(header + 2)...].prefix { $0.hasPrefix("| ") }
    #expect(rows.count == report.document.incidents.count)
    for (row, incident) in zip(rows, report.document.incidents) {
      #expect(row.hasPrefix("| \(incident.number) | **FAIL** | "))
      // 11 cells: 12 unescaped pipes.
      #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 12)
      #expect(row.contains(incident.startTimecode))
    }
  }

  @Test("frames CSV: documented header, one row per frame, T from frame 1")
  func framesCSV() throws {
    let clip = Clip.flashing()
    let report = try Fixture.report(frames: clip.frames, times: clip.times, rate: Clip.rate).report
    let lines = report.framesCSV().split(separator: "\n").map(String.init)
    #expect(lines[0] == FramesCSV.columns.joined(separator: ","))
    #expect(lines[0].hasPrefix("frame,time,t,"))
    #expect(lines.count == 101)
    let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    #expect(first.count == FramesCSV.columns.count)
    #expect(first[0] == "0" && first[1] == "0" && first[2] == "")
    // Frame 25 turns white from gray 40: T is that luminance step, positive.
    let row25 = lines[26].split(separator: ",", omittingEmptySubsequences: false)
    let t25 = try #require(Double(String(row25[2])))
    #expect(t25 == report.tSeries.points[24].t && t25 > 0)
    // A failing frame names its verdict and region.
    let failing = lines.dropFirst().filter { $0.contains(",fail,") }
    #expect(!failing.isEmpty)
    // ... then the frame's mean cd/m2, then the pattern columns (the flashing clip has none).
    #expect(failing.allSatisfy { $0.contains(",0,0,64,48,") && $0.contains(",0,0,,none,pass,") })
    // luminance_cd_m2: the frame's mean cd/m2 under wcag's sRGB reference display (80 cd/m2
    // white); a white frame of the flash is 80.
    let lumColumn = try #require(FramesCSV.columns.firstIndex(of: "luminance_cd_m2"))
    let levels = lines.dropFirst().map {
      Double(String($0.split(separator: ",", omittingEmptySubsequences: false)[lumColumn]))
    }
    #expect(levels.allSatisfy { $0 != nil && $0! >= 0 && $0! <= 80.0001 })
    #expect(levels.contains { $0.map { abs($0 - 80) < 1e-3 } == true })
    // The last column is the frame's timecode (no start timecode: from 00:00:00:00).
    #expect(lines[26].hasSuffix(",00:00:01:00"))
  }
}

/// The same escaping the Markdown report applies (kept here to compare the quoted summary).
func Markdown_escape(_ s: String) -> String {
  var out = ""
  for c in s {
    if "\\`*_[]<>|~&".contains(c) { out += "\\\(c)" } else { out.append(c) }
  }
  return out
}

@Suite("SDR profiles on HDR input")
struct HDRWarningTests {
  @Test(
    "the report and the check line warn for wcag, ofcom, iris on PQ/HLG, never for bt1702 or SDR")
  func warnings() throws {
    let clip = Clip.flashing()
    let facts = [
      ("smpte2084", true), ("arib-std-b67", true), ("bt709", false), ("unknown", false),
    ]
    for (transfer, hdr) in facts {
      for profile in Profile.allCases {
        let result = try PhotosensitivityAnalyzer.analyze(
          TensorFrameSource(frames: clip.frames, times: clip.times, frameRate: Clip.rate),
          parameters: AnalysisParameters(profile: profile))
        var input = InputFacts(path: "clip.mkv")
        input.setColor(
          ColorFacts(
            transfer: transfer, primaries: "bt2020", matrix: "bt2020nc", range: "tv", bitDepth: 10))
        let report = FlashReport(
          tool: ToolInfo(version: "test"), input: input, result: result, tSeries: TSeries(),
          thumbnails: nil)
        let d = report.document
        let warns = hdr && profile != .bt1702
        #expect(d.input.hdr == hdr)
        #expect(d.sdrProfileOnHDR == warns, "\(transfer) \(profile)")
        #expect((d.warnings != nil) == warns)
        #expect(d.summary.contains("use --profile bt1702") == warns)
        #expect(report.checkLine.contains("warning: HDR input") == warns)
        let md = String(
          decoding: try report.render(.markdown, png: PNGEncoder.encode(rgb:)), as: UTF8.self)
        #expect(md.contains("| Colour | \(transfer) transfer"))
      }
    }
  }
}
