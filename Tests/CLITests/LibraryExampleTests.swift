import Foundation
import TestSupport
import Testing

/// Docs/Library.md's program is `Sources/library-example/main.swift`, built with the package: the
/// page shows the same code, and the built program gives the CLI's T table and verdict.
@Suite("Library example")
struct LibraryExampleTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test("Docs/Library.md shows the example program as it is built")
  func docsShowTheBuiltCode() throws {
    let page = try String(
      contentsOf: Self.root.appendingPathComponent("Docs/Library.md"), encoding: .utf8)
    let source = try String(
      contentsOf: Self.root.appendingPathComponent("Sources/library-example/main.swift"),
      encoding: .utf8)
    let start = try #require(page.range(of: "```swift\n"))
    let end = try #require(page.range(of: "\n```", range: start.upperBound..<page.endIndex))
    #expect(String(page[start.upperBound..<end.lowerBound]) + "\n" == source)
  }

  @Test("the example prints the same T table as the CLI and writes the report")
  func exampleMatchesTheCLI() throws {
    let binary = try #require(Flashscan.binary, "flashscan was not built")
    let example = URL(fileURLWithPath: binary).deletingLastPathComponent()
      .appendingPathComponent("library-example").path
    let sample = Self.root.appendingPathComponent("Samples/flashing.mp4").path
    let dir = try TemporaryDirectory()
    let html = dir.file("report.html")
    let out = try FFmpegCLI.execute(example, [sample, html])
    var lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
    #expect(lines.popLast() == "verdict: fail")
    let cli = try Flashscan.run([sample])
    #expect(cli.status == 0)
    let want = cli.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    let got = lines.map { $0.split(separator: ",") }
    #expect(got.count == want.count && got.count == 179)
    for (g, w) in zip(got, want) {
      #expect(
        Int(g[0]) == Int(w[0]) && Double(g[1]) == Double(w[1]) && Double(g[2]) == Double(w[2]))
    }
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("data:image/png;base64,"))
  }
}
