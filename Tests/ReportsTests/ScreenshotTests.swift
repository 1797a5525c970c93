import Foundation
import FrameTensor
import MediaIO
import Photosensitivity
import Reports
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium` package; `Scripts/setup chromium` installs it).
enum Chromium {
  static var path: String? {
    if let p = ProcessInfo.processInfo.environment["FLASHSCAN_CHROMIUM"] { return p }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    where FileManager.default.isExecutableFile(atPath: p) {
      return p
    }
    return nil
  }

  /// Under CI the screenshot test must run (and fail without a browser); elsewhere it runs
  /// when a browser is installed.
  static var shouldRun: Bool { path != nil || ProcessInfo.processInfo.environment["CI"] != nil }

  /// Renders `html` (a file) to a PNG of `width x height`; throws when the browser fails.
  static func screenshot(html: String, png: String, profile: String, width: Int, height: Int) throws
  {
    let browser = try #require(path, "chromium is not installed (CI is set): run Scripts/setup")
    try FFmpegCLI.execute(
      browser,
      [
        "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
        "--user-data-dir=\(profile)", "--screenshot=\(png)", "--window-size=\(width),\(height)",
        URL(fileURLWithPath: html).absoluteString,
      ])
  }
}

@Suite("HTML screenshot")
struct ScreenshotTests {
  @Test(
    "headless Chromium renders the report of a real flashing clip: banner, thumbnail outline, not blank",
    .enabled(if: Chromium.shouldRun, "chromium is not installed (CI would fail here)"))
  func rendersInChromium() throws {
    let dir = try TemporaryDirectory()
    // 4 s at 25 fps, 320x180 FFV1: a test pattern with a 160x90 box flashing white/black at
    // 5 Hz from 1 s to 3 s.
    let clip = dir.file("box <flash>.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=white:size=160x90:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=black:size=160x90:rate=25:duration=4",
      "-filter_complex",
      "[0][1]overlay=x=80:y=45:enable='between(t,1,2.99)*lt(mod(t,0.2),0.1)'[a];"
        + "[a][2]overlay=x=80:y=45:enable='between(t,1,2.99)*gte(mod(t,0.2),0.1)'",
      "-c:v", "ffv1", "-pix_fmt", "bgr0", clip,
    ])
    let report = try Fixture.report(file: clip)
    #expect(report.document.verdict == .fail)
    let incident = try #require(report.document.incidents.first)
    #expect(report.pictures[incident.worstFrame]?.opposite != nil)
    let html = dir.file("report.html")
    try report.render(.html, png: PNGEncoder.encode(rgb:)).write(to: URL(fileURLWithPath: html))

    let png = dir.file("shot.png")
    try Chromium.screenshot(
      html: html, png: png, profile: dir.file("profile"), width: 1200, height: 1600)
    let decoder = try VideoDecoder(path: png)
    let shot = try #require(try decoder.nextChunk(maxFrames: 1))
    #expect(shot.width == 1200 && shot.height == 1600)

    var banner = 0  // the fail banner's #c62828
    var yellow = 0  // the thumbnail outline's (255, 221, 0)
    var colours = Set<Int>()
    var sum = 0.0
    var sumSquares = 0.0
    let pixels = shot.width * shot.height
    shot.frames.withUnsafeBufferPointer { p in
      for i in 0..<pixels {
        let r = Int(p[i * 3])
        let g = Int(p[i * 3 + 1])
        let b = Int(p[i * 3 + 2])
        if abs(r - 198) + abs(g - 40) + abs(b - 40) <= 12 { banner += 1 }
        if r >= 220 && g >= 180 && g <= 240 && b <= 60 { yellow += 1 }
        colours.insert((r >> 3) << 10 | (g >> 3) << 5 | b >> 3)
        let y = Double(r + g + b) / 3
        sum += y
        sumSquares += y * y
      }
    }
    let mean = sum / Double(pixels)
    let variance = sumSquares / Double(pixels) - mean * mean
    // The banner spans the page width and is about 100 px tall.
    #expect(banner > 1200 * 60, "banner pixels: \(banner)")
    #expect(yellow > 200, "outline pixels: \(yellow)")
    #expect(variance > 100, "luminance variance \(variance)")
    #expect(colours.count > 50, "distinct colours \(colours.count)")
  }
}
