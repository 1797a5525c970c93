import Foundation
import MediaIO
import Photosensitivity
import Reports
import Testing

@Suite("HTML report")
struct HTMLTests {
  @Test("self-contained: no network reference, no script, images only as data: URIs")
  func selfContained() throws {
    let clip = Clip.flashing()
    let html = try Fixture.report(frames: clip.frames, times: clip.times, rate: Clip.rate).report
      .html(png: PNGEncoder.encode(rgb:))
    let withoutXMLNS = html.replacingOccurrences(
      of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    #expect(!withoutXMLNS.lowercased().contains("http://"))
    #expect(!withoutXMLNS.lowercased().contains("https://"))
    #expect(!html.lowercased().contains("<script"))
    #expect(!html.contains("@import") && !html.contains("url("))
    let sources = html.components(separatedBy: "src=\"").dropFirst()
    #expect(!sources.isEmpty)
    #expect(sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
    #expect(html.contains("Content-Security-Policy"))
  }

  @Test("banner, verdict sentence, timeline and one row per incident with a thumbnail")
  func contents() throws {
    let clip = Clip.flashing()
    let report = try Fixture.report(frames: clip.frames, times: clip.times, rate: Clip.rate).report
    let html = report.html(png: PNGEncoder.encode(rgb:))
    #expect(html.contains("<header class=\"banner fail\" id=\"verdict\">"))
    #expect(html.contains("<div class=\"verdict\">FAIL</div>"))
    #expect(html.contains(HTML.escape(report.document.summary)))
    #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(html.contains("limit: 3 flashes/s"))
    let rows = html.components(separatedBy: "<tr class=\"fail\">").count - 1
    #expect(rows == report.document.incidents.count && rows > 0)
    let pictures = report.document.incidents.map { report.pictures[$0.worstFrame] }
    let images = pictures.reduce(0) { $0 + ($1 == nil ? 0 : $1!.opposite == nil ? 1 : 2) }
    #expect(images >= rows)
    #expect(html.components(separatedBy: "<img src=\"data:image/png;base64,").count - 1 == images)
    // Incidents are shaded on the timeline, numbered like the table.
    #expect(html.contains(">#1</text>"))
    // Every parameter is listed.
    #expect(html.contains("<code>maxTransitions</code></th><td>6</td>"))
    #expect(html.contains("<code>displayModel.gamma</code></th><td>2.2</td>"))
  }

  @Test("user-controlled text is escaped")
  func escaping() throws {
    let clip = Clip.flashing()
    let path = "x/<script>alert('hi')</script> & \"q\".mkv"
    let html = try Fixture.report(
      frames: clip.frames, times: clip.times, rate: Clip.rate, path: path
    ).report.html(png: PNGEncoder.encode(rgb:))
    #expect(!html.contains("<script>"))
    #expect(
      html.contains("&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; &quot;q&quot;.mkv"))
    #expect(HTML.escape("a\u{1}b") == "a&#xFFFD;b")
  }

  @Test("a passing video: green banner, no incident table")
  func pass() throws {
    let calm = Fixture.flashing(width: 64, height: 48, count: 50, rate: 25, hertz: 1, box: nil)
    let html = try Fixture.report(frames: calm.frames, times: calm.times, rate: 25).report.html(
      png: PNGEncoder.encode(rgb:))
    #expect(html.contains("<header class=\"banner pass\""))
    #expect(html.contains("No incidents"))
    #expect(!html.contains("<img"))
  }
}
