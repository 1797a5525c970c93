import Foundation
import Testing
import TextOutput

@testable import FlashscanCLI

@Suite("Number and row formatting")
struct FormattingTests {
  @Test func csvRoundTripOfAwkwardNames() {
    let names = [
      "a, b.mkv", "say \"hi\".mkv", "two\nlines.mkv", "cr\r\nlf.mkv", "plain", "", "é, ü",
    ]
    let formatter = RowFormatter(format: .csv, detail: true, withFile: true)
    var text = formatter.header!
    for (i, name) in names.enumerated() {
      text += formatter.line(
        file: name, row: TableRow(frame: i + 1, time: 0.04, t: -12, pos: 10, neg: -12))
    }
    let records = CSV.parse(text)
    #expect(records.count == names.count + 1)
    #expect(records[0] == ["file", "frame", "time", "T", "pos", "neg"])
    for (i, name) in names.enumerated() {
      #expect(records[i + 1] == [name, "\(i + 1)", "0.04", "-12", "10", "-12"])
    }
  }

  @Test func headersAndLines() {
    let plain = RowFormatter(format: .csv, detail: false, withFile: false)
    #expect(plain.header == "frame,time,T\n")
    #expect(
      plain.line(file: "x", row: TableRow(frame: 1, time: 0.5, t: 0, pos: 0, neg: -0.0))
        == "1,0.5,0\n")
    let detail = RowFormatter(format: .csv, detail: true, withFile: false)
    #expect(detail.header == "frame,time,T,pos,neg\n")
    #expect(
      detail.line(file: "x", row: TableRow(frame: 2, time: 1, t: 12, pos: 12, neg: -10))
        == "2,1,12,12,-10\n")
    let json = RowFormatter(format: .jsonl, detail: true, withFile: true)
    #expect(json.header == nil)
    #expect(
      json.line(file: "a\"b", row: TableRow(frame: 3, time: 0.1, t: -0.5, pos: 0, neg: -0.5))
        == "{\"file\":\"a\\\"b\",\"frame\":3,\"time\":0.1,\"T\":-0.5,\"pos\":0,\"neg\":-0.5}\n")
  }

  @Test func jsonStringsRoundTrip() throws {
    for s in [
      "plain", "tab\there", "new\nline", "quote\"back\\slash", "\u{1}\u{1F}\u{7F}", "é ü 🎬",
    ] {
      let literal = JSON.string(s)
      let back = try JSONSerialization.jsonObject(
        with: Data(literal.utf8), options: [.fragmentsAllowed])
      #expect(back as? String == s)
    }
  }

  @Test func jsonlLinesParse() throws {
    let json = RowFormatter(format: .jsonl, detail: false, withFile: false)
    let line = json.line(
      file: "", row: TableRow(frame: 7, time: 0.28, t: 1234.5678, pos: 0, neg: 0))
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(Set(object.keys) == ["frame", "time", "T"])
    #expect((object["T"] as? NSNumber)?.doubleValue == 1234.5678)
  }
}

@Suite("Progress and summary text")
struct ProgressTextTests {
  @Test func etaFormats() {
    #expect(ProgressText.eta(0) == "0:00")
    #expect(ProgressText.eta(59.2) == "1:00")
    #expect(ProgressText.eta(125) == "2:05")
    #expect(ProgressText.eta(3725) == "1:02:05")
    #expect(ProgressText.eta(.infinity) == "--:--")
  }

  @Test func lineWithEstimate() {
    let s = ProgressSnapshot(
      file: "clips/a.mp4", framesDone: 250, framesTotal: 1000, framesPerSecond: 125, filesDone: 2,
      filesTotal: 5)
    #expect(
      ProgressText.line(s) == "clips/a.mp4  250/~1000 frames  25.0%  125 fps  ETA 0:06  [2/5 files]"
    )
  }

  @Test func lineWithoutEstimateAndOverrun() {
    let unknown = ProgressSnapshot(
      file: "-", framesDone: 40, framesTotal: nil, framesPerSecond: 20, filesDone: 0, filesTotal: 1)
    #expect(ProgressText.line(unknown) == "-  40 frames  20.0 fps")
    let over = ProgressSnapshot(
      file: "x", framesDone: 120, framesTotal: 100, framesPerSecond: 60, filesDone: 0, filesTotal: 1
    )
    #expect(ProgressText.line(over) == "x  120/~120 frames  100.0%  60.0 fps  ETA 0:00")
  }

  @Test func longNamesKeepTheirEnd() {
    let s = ProgressSnapshot(
      file: String(repeating: "d/", count: 80) + "movie.mp4", framesDone: 1, framesTotal: 2,
      framesPerSecond: 1, filesDone: 0, filesTotal: 1)
    let line = ProgressText.line(s, width: 80)
    #expect(line.count <= 80)
    #expect(line.hasPrefix("...") && line.contains("movie.mp4  1/~2 frames"))
  }

  @Test func summaryAndExitStatus() {
    var ok = FileReport(path: "a.mkv")
    ok.status = .ok
    ok.frames = 250
    ok.duration = 10
    ok.maxAbsT = 1234.567
    #expect(SummaryText.fileLine(ok) == "a.mkv: ok, 250 frames, 10.000 s, max |T| 1234.57")
    var bad = FileReport(path: "b.txt")
    bad.status = .failed
    #expect(SummaryText.fileLine(bad) == "b.txt: failed")
    let report = BatchReport(files: [ok, bad], stop: nil, seconds: 2, tableStarted: true)
    #expect(
      SummaryText.totalLine(report)
        == "total: 2 files: 1 ok, 1 failed; 250 frames, 10.000 s of video, scanned in 2.00 s (125 frames/s)"
    )
    #expect(ExitStatus.of(report) == 1)
    #expect(ExitStatus.of(BatchReport(files: [ok], stop: nil, seconds: 1, tableStarted: true)) == 0)
    #expect(
      ExitStatus.of(BatchReport(files: [ok], stop: .outputClosed, seconds: 1, tableStarted: true))
        == 0)
    #expect(
      ExitStatus.of(
        BatchReport(files: [ok], stop: .interrupted(signal: 2), seconds: 1, tableStarted: true))
        == 130)
    var partial = ok
    partial.status = .partial
    #expect(
      ExitStatus.of(BatchReport(files: [ok, partial], stop: nil, seconds: 1, tableStarted: true))
        == 1)
  }
}
