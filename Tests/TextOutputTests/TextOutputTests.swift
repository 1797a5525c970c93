import Foundation
import Testing

@testable import TextOutput

/// Moved from the CLI's FormattingTests with the code they test.
@Suite("Number text and CSV fields")
struct NumberTextAndCSVTests {
  @Test func zeroAndIntegers() {
    #expect(NumberText.shortest(0) == "0")
    #expect(NumberText.shortest(-0.0) == "0")
    #expect(NumberText.shortest(12) == "12")
    #expect(NumberText.shortest(-12) == "-12")
    #expect(NumberText.shortest(100) == "100")
    #expect(NumberText.shortest(1e20) == "100000000000000000000")
  }

  @Test func fractionsAndExponents() {
    #expect(NumberText.shortest(0.1) == "0.1")
    #expect(NumberText.shortest(0.04) == "0.04")
    #expect(NumberText.shortest(1.0 / 3) == "0.3333333333333333")
    #expect(NumberText.shortest(-12.5) == "-12.5")
    #expect(NumberText.shortest(0.000001) == "0.000001")
    #expect(NumberText.shortest(1e-7) == "1e-7")
    #expect(NumberText.shortest(1.5e-7) == "1.5e-7")
    #expect(NumberText.shortest(1e21) == "1e+21")
    #expect(NumberText.shortest(123456789012.25) == "123456789012.25")
    #expect(NumberText.shortest(.leastNonzeroMagnitude) == "5e-324")
    #expect(NumberText.shortest(Double.greatestFiniteMagnitude) == "1.7976931348623157e+308")
  }

  /// The fewest significant digits that read back to `x`, found by trying 1...17 with printf.
  static func minimalDigitCount(_ x: Double) -> Int {
    for p in 1...17 where Double(String(format: "%.\(p)g", x)) == x { return p }
    return 17
  }

  @Test func randomValuesRoundTripWithTheFewestDigits() {
    var rng = SystemRandomNumberGenerator()
    for i in 0..<4000 {
      let x: Double
      switch i % 4 {
      case 0: x = Double.random(in: -30000...30000, using: &rng)
      case 1:
        x = Double(
          bitPattern: rng.next() & ~(0x7FF << 52) | (UInt64.random(in: 1...2046, using: &rng) << 52)
        )
      case 2: x = Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 64
      default: x = Double(Int.random(in: 0...10000, using: &rng)) / 30
      }
      let text = NumberText.shortest(x)
      #expect(Double(text) == x, "\(text) does not read back to \(x)")
      let digits = NumberText.decimalDigits(of: abs(x)).digits.count
      #expect(x == 0 || digits == Self.minimalDigitCount(x), "\(x): \(text)")
      #expect(!text.hasSuffix(".0") && text != "-0")
      // JSON's number grammar (Foundation's Linux JSON parser does not round correctly, so the
      // value itself is checked with Double(_:) above).
      #expect(
        text.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil, "\(text)")
    }
  }

  @Test func csvQuotingFollowsRFC4180() {
    #expect(CSV.quote("plain.mkv") == "plain.mkv")
    #expect(CSV.quote("a, b.mkv") == "\"a, b.mkv\"")
    #expect(CSV.quote("say \"hi\".mkv") == "\"say \"\"hi\"\".mkv\"")
    #expect(CSV.quote("two\nlines.mkv") == "\"two\nlines.mkv\"")
    #expect(CSV.quote("cr\r\n.mkv") == "\"cr\r\n.mkv\"")
  }
}

@Suite("The other number layouts")
struct OtherNumberLayoutTests {
  @Test func shortestDescriptionIsTheFramesCSVLayout() {
    #expect(NumberText.shortestDescription(0) == "0")
    #expect(NumberText.shortestDescription(-0.0) == "0")
    #expect(NumberText.shortestDescription(2) == "2")
    #expect(NumberText.shortestDescription(-3) == "-3")
    #expect(NumberText.shortestDescription(0.04) == "0.04")
    #expect(NumberText.shortestDescription(0.00005) == "5e-05")
    #expect(NumberText.shortestDescription(1e16) == "1e+16")
  }

  @Test func fixedDropsTrailingZeros() {
    #expect(NumberText.fixed(2) == "2")
    #expect(NumberText.fixed(2.5) == "2.5")
    #expect(NumberText.fixed(1.23456) == "1.23")
    #expect(NumberText.fixed(37.5, decimals: 1) == "37.5")
    #expect(NumberText.fixed(12.5, decimals: 3) == "12.5")
    #expect(NumberText.fixed(-0.001) == "0")
    #expect(NumberText.fixed(.nan) == "n/a")
    #expect(NumberText.fixed(.infinity) == "inf" && NumberText.fixed(-.infinity) == "-inf")
  }
}

@Suite("Atomic file writes")
struct AtomicFileWriterTests {
  static func directory() throws -> String {
    let path = NSTemporaryDirectory() + "flashscan-textoutput-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func listing(_ dir: String) -> [String] {
    ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).sorted()
  }

  @Test func writeReplacesTheFileWhole() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try AtomicFileWriter.write(Array("old".utf8), to: dir + "/m.json")
    try AtomicFileWriter.write(Array("new".utf8), to: dir + "/sub/m.json", createDirectories: true)
    try AtomicFileWriter.write(Array("newer".utf8), to: dir + "/m.json")
    #expect(Self.listing(dir) == ["m.json", "sub", "sub/m.json"])
    #expect(FileManager.default.contents(atPath: dir + "/m.json") == Data("newer".utf8))
  }

  @Test func aTakenTemporaryNameIsSkipped() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let first = try AtomicFileWriter(path: dir + "/t.csv", registry: nil)
    let second = try AtomicFileWriter(path: dir + "/t.csv", registry: nil)
    #expect(first.tempPath != second.tempPath)
    #expect(Self.listing(dir).count == 2)
    first.discard()
    second.discard()
    #expect(Self.listing(dir).isEmpty)
  }

  @Test func failuresAreOutputErrors() throws {
    #expect(throws: OutputError.self) {
      try AtomicFileWriter.write([1], to: "/nonexistent-flashscan-dir/m.json")
    }
  }
}

@Suite("Names on a terminal")
struct TerminalEscapingTests {
  @Test func controlCharactersAndBackslashAreEscaped() {
    #expect(Escaping.terminal("plain/clip.mkv") == "plain/clip.mkv")
    #expect(Escaping.terminal("é ü 🎬, \"q\" 'a'.mkv") == "é ü 🎬, \"q\" 'a'.mkv")
    #expect(Escaping.terminal("a\nb\rc\td") == "a\\nb\\rc\\td")
    #expect(Escaping.terminal("cr\r\nlf") == "cr\\r\\nlf")
    #expect(Escaping.terminal("\u{1B}]0;title\u{07}x") == "\\x1b]0;title\\x07x")
    #expect(
      Escaping.terminal("\u{0}\u{1F}\u{7F}\u{80}\u{9B}\u{9F}\u{A0}")
        == "\\x00\\x1f\\x7f\\x80\\x9b\\x9f\u{A0}")
    #expect(Escaping.terminal("back\\slash") == "back\\\\slash")
    // Unambiguous: a name that spells an escape differs from the control character it spells.
    #expect(Escaping.terminal("\\x1b") != Escaping.terminal("\u{1B}"))
  }

  @Test func escapedTextHasNoControlCharacters() {
    var all = ""
    for v in UInt32(0)...0x2FF { all.unicodeScalars.append(Unicode.Scalar(v)!) }
    let escaped = Escaping.terminal(all)
    #expect(
      !escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
  }
}

@Suite("Buffered descriptor writes")
struct DescriptorWriterTests {
  /// A failed flush loses its buffered text, so the writer must not report a later, empty flush
  /// as a success: the shared table would take the lost rows for delivered.
  @Test func aFailureIsFinal() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let writer = DescriptorWriter(fd: fd, path: "standard output")
    try writer.write("1,0.033,12.5\n")
    #expect(throws: OutputError.self) { try writer.flush() }
    #expect(throws: OutputError.self) { try writer.flush() }
    #expect(throws: OutputError.self) { try writer.write("2,0.067,0\n") }
    #expect(throws: OutputError.self) { try writer.write(bytes: [0x41]) }
  }

  @Test func writesGetOut() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer { close(ends[0]) }
    let writer = DescriptorWriter(fd: ends[1], path: "pipe", flushThreshold: 4)
    try writer.write("ab")
    try writer.write(bytes: Array("cd".utf8))  // reaches the threshold: written
    try writer.write("e")
    try writer.flush()
    try writer.flush()  // nothing buffered: a no-op
    close(ends[1])
    var bytes = [UInt8](repeating: 0, count: 16)
    let n = read(ends[0], &bytes, 16)
    #expect(String(decoding: bytes.prefix(max(0, n)), as: UTF8.self) == "abcde")
  }
}
