import Foundation
import TestSupport
import Testing

/// `flashscan FILE --report ...` on a clip with a harmful pattern: the pattern criterion, its
/// incident, the frames CSV columns, the HTML timeline lane and thumbnail, `--patterns` (issue 12).
@Suite("flashscan pattern reports end to end", .serialized)
struct PatternEndToEndTests {
  /// 192x108 at 25 fps for 2 s, FFV1 (lossless): mid grey for 0.4 s, then a stationary
  /// full-screen grating of 12 black/white pairs (vertical stripes, 16 px a pair).
  static func clip(_ path: String) throws {
    try FFmpegCLI.run([
      "-f", "lavfi", "-i",
      "nullsrc=size=192x108:rate=25:duration=2,format=gray,geq=lum='if(lt(T,0.4),128,if(lt(mod(X,16),8),255,0))'",
      "-c:v", "ffv1", "-pix_fmt", "gray", path,
    ])
  }

  @Test("ofcom fails the grating: criterion, incident, frames CSV, HTML; iris only with --patterns")
  func reports() throws {
    let dir = try TemporaryDirectory(prefix: "cli-pattern")
    let clip = dir.file("grating.mkv")
    try Self.clip(clip)
    // SOURCE_DATE_EPOCH: the reports of the runs below are compared byte for byte.
    let result = try Flashscan.run(
      [
        clip, "--profile", "ofcom", "--report", dir.file("r.json"), "--report", dir.file("r.html"),
        "--frames-csv", dir.file("f.csv"),
      ], environment: ReportProvenanceTests.epoch)
    #expect(result.status == 3, "\(result.stderr)")
    let doc = try ReportEndToEndTests.json(dir.file("r.json"))
    #expect(doc["verdict"] as? String == "fail")
    let criteria = try #require(doc["criteria"] as? [[String: Any]])
    let pattern = try #require(criteria.first { $0["id"] as? String == "pattern" })
    #expect(pattern["verdict"] as? String == "fail")
    #expect(pattern["peakUnit"] as? String == "light-dark pairs")
    let incidents = try #require(doc["incidents"] as? [[String: Any]])
    let incident = try #require(incidents.first { $0["kind"] as? String == "pattern" })
    #expect(abs((incident["start"] as? Double ?? -1) - 0.4) < 1e-9)
    #expect(abs((incident["end"] as? Double ?? -1) - 2) < 1e-9)
    #expect(incident["startTimecode"] as? String == "00:00:00:10")
    let detail = try #require(incident["pattern"] as? [String: Any])
    #expect((10...14).contains(detail["pairs"] as? Int ?? 0), "\(detail)")
    #expect(detail["motion"] as? String == "stationary")
    #expect(abs((detail["orientationDegrees"] as? Double ?? 0) - 90) < 5)
    #expect((detail["areaShare"] as? Double ?? 0) > 0.9)
    let box = try #require(incident["boundingBox"] as? [String: Int])
    #expect(box["width"]! >= 180 && box["height"]! >= 96, "\(box)")
    #expect((doc["summary"] as? String ?? "").contains("regular pattern"))

    let csv = try String(contentsOfFile: dir.file("f.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let header = lines[0]
    for column in [
      "pattern_pairs", "pattern_area_share", "pattern_orientation", "pattern_motion",
      "pattern_verdict",
    ] {
      #expect(header.contains(column), "\(column)")
    }
    let verdict = header.firstIndex(of: "pattern_verdict")!
    let motion = header.firstIndex(of: "pattern_motion")!
    #expect(lines.count == 51)
    #expect(lines[1][motion] == "none" && lines[1][verdict] == "pass")
    #expect(lines[20][motion] == "stationary" && lines[20][verdict] == "fail")

    let html = try String(contentsOfFile: dir.file("r.html"), encoding: .utf8)
    #expect(html.contains("harmful regular pattern"))
    #expect(html.contains("light&ndash;dark pairs"))
    #expect(html.contains("fill=\"url(#hatch)\""), "pattern lane bar in the timeline")
    #expect(html.contains("pattern region outlined in yellow"), "the pattern thumbnail")

    // The same bytes whatever the threads and chunk length.
    for (threads, chunk) in [("1", "1"), ("3", "7")] {
      let again = try Flashscan.run(
        [
          clip, "--profile", "ofcom", "--threads", threads, "--chunk-frames", chunk, "--report",
          dir.file("r\(threads).json"), "--frames-csv", dir.file("f\(threads).csv"),
        ], environment: ReportProvenanceTests.epoch)
      #expect(again.status == 3, "\(again.stderr)")
      #expect(
        try Data(contentsOf: URL(fileURLWithPath: dir.file("r\(threads).json")))
          == Data(contentsOf: URL(fileURLWithPath: dir.file("r.json"))), "threads \(threads)")
      #expect(
        try String(contentsOfFile: dir.file("f\(threads).csv"), encoding: .utf8) == csv,
        "threads \(threads)")
    }

    // iris: no pattern check unless asked; with --patterns, IRIS's settings fail it.
    let iris = try Flashscan.run([clip, "--profile", "iris", "--report", dir.file("i.json")])
    #expect(iris.status == 0, "\(iris.stderr)")
    let irisDoc = try ReportEndToEndTests.json(dir.file("i.json"))
    #expect(
      (irisDoc["criteria"] as? [[String: Any]])?.contains { $0["id"] as? String == "pattern" }
        == false)
    // IRIS's method finds no pattern in this grating: its period divides the frame, so all
    // its energy is in a few spectral peaks, removing them changes every pixel, and the
    // change is one contour (IRIS needs 5). A period of 40/3 px (12 pairs over 160) leaks
    // into neighbouring bins, and IRIS's method sees its stripes.
    let irisClip = dir.file("iris-grating.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i",
      "nullsrc=size=160x120:rate=25:duration=1,format=gray,geq=lum='if(lt(mod(X*12+6,160),80),255,0)'",
      "-c:v", "ffv1", "-pix_fmt", "gray", irisClip,
    ])
    let asked = try Flashscan.run([
      irisClip, "--profile", "iris", "--patterns", "--report", dir.file("p.json"), "--report",
      dir.file("p.html"), "--frames-csv", dir.file("p.csv"),
    ])
    #expect(asked.status == 3, "\(asked.stderr)")
    let askedDoc = try ReportEndToEndTests.json(dir.file("p.json"))
    let parameters = try #require(askedDoc["parameters"] as? [String: Any])
    let rule = try #require(parameters["patterns"] as? [String: Any])
    #expect(rule["minPairs"] as? Int == 6)
    #expect(rule["lightThreshold"] as? Double == 0.25)
    #expect(rule["method"] as? String == "iris")
    // IRIS's method: components, no orientation, motion not assessed; the schema holds.
    let irisIncident = try #require(
      (askedDoc["incidents"] as? [[String: Any]])?.first { $0["kind"] as? String == "pattern" })
    let irisDetail = try #require(irisIncident["pattern"] as? [String: Any])
    #expect(irisDetail["counts"] as? String == "components")
    #expect(irisDetail["orientationDegrees"] == nil)
    #expect(irisDetail["motion"] as? String == "unassessed")
    #expect((irisDetail["pairs"] as? Int ?? 0) >= 6, "\(irisDetail)")
    #expect(irisIncident["boundingBox"] != nil)
    let validation = try ReportSchemaTests.validate([dir.file("p.json")])
    #expect(validation.status == 0, "\(validation.output)")
    let irisCSV = try String(contentsOfFile: dir.file("p.csv"), encoding: .utf8)
    #expect(irisCSV.contains(",unassessed,fail,"), "\(irisCSV.prefix(600))")
    let irisHTML = try String(contentsOfFile: dir.file("p.html"), encoding: .utf8)
    #expect(irisHTML.contains("components (IRIS)"))
    #expect(irisHTML.contains("pattern region outlined in yellow"), "the iris pattern thumbnail")
    // --patterns needs a report.
    #expect(try Flashscan.run([clip, "--patterns"]).status == 2)
  }
}
