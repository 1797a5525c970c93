import Foundation
import Reports
import TestSupport
import Testing

/// The report's input hash (`InputFacts.sha256Hex`, swift-crypto underneath) against known
/// digests and coreutils.
@Suite("SHA-256")
struct SHA256Tests {
  /// FIPS 180-4 examples (NIST CSRC "Examples with intermediate values") and the classic
  /// one-million-'a' vector.
  @Test(
    "NIST test vectors",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
      (
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
      ),
    ])
  func vectors(message: String, digest: String) {
    #expect(InputFacts.sha256Hex(of: Array(message.utf8)) == digest)
  }

  @Test("a million 'a'")
  func millionA() {
    let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(
      InputFacts.sha256Hex(of: bytes)
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  /// Every length around the padding boundaries (55, 56, 63, 64, 119, 120 ...), against coreutils.
  @Test("lengths 0...130 and file hashing agree with sha256sum")
  func againstCoreutils() throws {
    let dir = try TemporaryDirectory()
    var generator = SystemRandomNumberGenerator()
    for length in 0...130 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let path = dir.file("m\(length).bin")
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let out = String(decoding: try FFmpegCLI.execute("/usr/bin/sha256sum", [path]), as: UTF8.self)
      let expected = String(out.prefix(64))
      #expect(InputFacts.sha256Hex(of: bytes) == expected, "length \(length)")
      #expect(try InputFacts.sha256Hex(ofFile: path) == expected, "file of length \(length)")
    }
  }

  @Test("a file larger than the 1 MiB read size")
  func largeFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("big.bin")
    let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let out = String(decoding: try FFmpegCLI.execute("/usr/bin/sha256sum", [path]), as: UTF8.self)
    #expect(try InputFacts.sha256Hex(ofFile: path) == String(out.prefix(64)))
  }

  @Test("a missing file throws")
  func missing() {
    #expect(throws: (any Error).self) {
      try InputFacts.sha256Hex(ofFile: "/nonexistent/flashscan/x.bin")
    }
  }
}
