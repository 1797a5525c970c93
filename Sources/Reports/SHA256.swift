import Crypto
import Foundation

/// The report's input hash: SHA-256 (FIPS 180-4) from swift-crypto (CryptoKit on Apple
/// platforms, BoringSSL elsewhere, both with the CPU's SHA instructions where it has them), as
/// 64 lowercase hex digits, the form `sha256sum` prints.
extension InputFacts {
  /// The SHA-256 of `bytes` as 64 lowercase hex digits.
  public static func sha256Hex<Bytes: Sequence>(of bytes: Bytes) -> String
  where Bytes.Element == UInt8 {
    hex(Crypto.SHA256.hash(data: Array(bytes)))
  }

  /// The SHA-256 of the file at `path`, read in 1 MiB pieces (memory stays flat on any size).
  /// Throws when the file cannot be opened or read.
  public static func sha256Hex(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var hasher = Crypto.SHA256()
    while true {
      let data = try handle.read(upToCount: 1 << 20) ?? Data()
      if data.isEmpty { break }
      hasher.update(data: data)
    }
    return hex(hasher.finalize())
  }

  /// Lowercase hex digits of a digest's bytes.
  private static func hex<Digest: Sequence>(_ digest: Digest) -> String
  where Digest.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in digest {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
