import Foundation
import Reports
import TestSupport
import Testing

/// `--report-video`: the HTML report's player of the source, which clicking an incident seeks.
/// The seek is proved in headless Chromium (Debian's `chromium`; Scripts/setup installs it).
@Suite("report video", .serialized)
struct ReportVideoTests {
  static var chromium: String? {
    if let p = ProcessInfo.processInfo.environment["FLASHSCAN_CHROMIUM"] { return p }
    return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  /// Under CI the browser test must run (and fail without a browser).
  static var browserTestRuns: Bool {
    chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil
  }

  /// A 4 s 160x90 VP8 WebM (which Chromium plays) with a white/black box flashing at 5 Hz from
  /// 1 s to 3 s, named with a space, a quote and a `#`.
  static func clip(in dir: TemporaryDirectory) throws -> String {
    try FileManager.default.createDirectory(
      atPath: dir.file("clips"), withIntermediateDirectories: true)
    let path = dir.file("clips/flash clip's #1.webm")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=0x808080:size=160x90:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=white:size=80x44:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=black:size=80x44:rate=25:duration=4",
      "-filter_complex",
      "[0][1]overlay=x=40:y=23:enable='between(t,1,2.99)*lt(mod(t,0.2),0.1)'[a];"
        + "[a][2]overlay=x=40:y=23:enable='between(t,1,2.99)*gte(mod(t,0.2),0.1)'",
      "-c:v", "libvpx", "-b:v", "1M", "-pix_fmt", "yuv420p", path,
    ])
    return path
  }

  /// The report with a test script added (its hash joins the page's CSP, which otherwise stays
  /// as written): once the video's metadata is loaded it clicks the element `selector` picks,
  /// and writes `seeked <currentTime> <readyState>` (or `error <code>`) into `body[data-result]`.
  static func withClickScript(_ html: String, selector: String) throws -> String {
    let script =
      "(function(){var v=document.getElementById('source-video');"
      + "function done(s){document.body.setAttribute('data-result',s);}"
      + "v.addEventListener('error',function(){done('error '+(v.error&&v.error.code));});"
      + "v.addEventListener('seeked',function(){done('seeked '+v.currentTime+' '+v.readyState);});"
      + "function go(){var t=document.querySelector(\"\(selector)\");if(!t){done('no target');return;}"
      + "t.dispatchEvent(new MouseEvent('click',{bubbles:true}));}"
      + "if(v.readyState>=1)go();else v.addEventListener('loadedmetadata',go);})();"
    let hex = Array(InputFacts.sha256Hex(of: Array(script.utf8)).utf8)
    let digest = stride(from: 0, to: hex.count, by: 2).map {
      UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
    let hash = "sha256-" + Data(digest).base64EncodedString()
    let csp = try #require(html.range(of: "script-src '"))
    var page = html
    page.insert(contentsOf: "'\(hash)' ", at: page.index(csp.upperBound, offsetBy: -1))
    let end = try #require(page.range(of: "</body>"))
    page.insert(contentsOf: "<script>\(script)</script>\n", at: end.lowerBound)
    return page
  }

  /// Loads `page` in headless Chromium (bounded: virtual time 10 s, 120 s of real time) and
  /// returns `body[data-result]`.
  static func clickResult(_ page: String, profile: String) throws -> String {
    let browser = try #require(chromium, "chromium is not installed (CI is set): run Scripts/setup")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = [
      "120", browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
      "--mute-audio", "--user-data-dir=\(profile)", "--virtual-time-budget=10000", "--dump-dom",
      URL(fileURLWithPath: page).absoluteString,
    ]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let start = dom.range(of: "data-result=\""),
      let end = dom[start.upperBound...].firstIndex(of: "\"")
    else { return "no result (exit \(process.terminationStatus))" }
    return String(dom[start.upperBound..<end])
  }

  @Test(
    "the report in another folder points at the clip by a relative URL; a click on an incident row or band seeks the player there",
    .enabled(if: browserTestRuns, "chromium is not installed (CI would fail here)"))
  func clickSeeksThePlayer() throws {
    let dir = try TemporaryDirectory(prefix: "cli-video")
    _ = try Self.clip(in: dir)
    try FileManager.default.createDirectory(
      atPath: dir.file("reports/deep"), withIntermediateDirectories: true)
    let result = try Flashscan.run(
      [
        "clips/flash clip's #1.webm", "--report", "reports/deep/r.html", "--report",
        "reports/r.json", "--report-video",
      ], cwd: dir.path)
    #expect(result.status == 3, "\(result.stderr)")
    let html = try String(contentsOfFile: dir.file("reports/deep/r.html"), encoding: .utf8)
    #expect(
      html.contains(
        "<video id=\"source-video\" controls preload=\"metadata\" src=\"../../clips/flash%20clip%27s%20%231.webm\">"
      ))
    let doc = try ReportEndToEndTests.json(dir.file("reports/r.json"))
    let incidents = try #require(doc["incidents"] as? [[String: Any]])
    let start = try #require(incidents.first?["start"] as? Double)
    #expect(start > 0.9 && start < 1.1, "the flashing starts at 1 s: \(start)")

    for (name, selector) in [("row", "tr.seek[data-start] td"), ("band", "rect.seek[data-start]")] {
      let page = dir.file("reports/deep/\(name).html")
      try Self.withClickScript(html, selector: selector).write(
        toFile: page, atomically: true, encoding: .utf8)
      // A loaded machine can end the browser's virtual time before the player has loaded (the
      // page then reports nothing): only that outcome is tried again, at most twice; a wrong
      // answer fails at once.
      var answer = ""
      for attempt in 1...3 {
        answer = try Self.clickResult(page, profile: dir.file("profile-\(name)-\(attempt)"))
        if !answer.hasPrefix("no result") { break }
      }
      let parts = answer.split(separator: " ")
      #expect(parts.first == "seeked", "\(name): \(answer)")
      let time = parts.count == 3 ? Double(parts[1]) : nil
      #expect(time.map { abs($0 - start) < 0.001 } == true, "\(name): \(answer), start \(start)")
      #expect(parts.count == 3 && Int(parts[2]).map { $0 >= 1 } == true, "\(name): \(answer)")
    }
  }

  @Test(
    "without --report-video no player and no script; standard input or no HTML report is one usage line"
  )
  func optionalAndRefused() throws {
    let dir = try TemporaryDirectory(prefix: "cli-video-off")
    let clip = dir.file("calm.mkv")
    try ReportEndToEndTests.clip(clip, flashing: true)
    _ = try Flashscan.run([clip, "--report", dir.file("plain.html")])
    let plain = try String(contentsOfFile: dir.file("plain.html"), encoding: .utf8)
    #expect(
      !plain.contains("<video") && !plain.contains("<script") && !plain.contains("data-start"))
    #expect(
      plain.contains("content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\""))

    let piped = try Flashscan.run(
      ["-", "--report", dir.file("stdin.html"), "--report-video"], stdinFile: clip)
    #expect(piped.status == 2)
    // One error line (then ArgumentParser's usage hint, as for every usage error).
    #expect(piped.errorLines.filter { $0.hasPrefix("flashscan: ") }.count == 1, "\(piped.stderr)")
    #expect(
      piped.errorLines.first?.hasPrefix("flashscan: --report-video: standard input") == true,
      "\(piped.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.file("stdin.html")))

    let noHTML = try Flashscan.run([clip, "--report", dir.file("r.json"), "--report-video"])
    #expect(noHTML.status == 2)
    #expect(noHTML.stderr.contains("--report-video needs an HTML report"), "\(noHTML.stderr)")
  }
}
