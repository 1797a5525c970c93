import CKernels
import Foundation

/// Streaming SHA-256 (FIPS 180-4), so a report can name the exact file it judged without a
/// crypto package. Feed bytes with `update`, read the digest with `finalize`. Whole blocks go
/// through the CPU's SHA extensions when it has them (CKernels, about 1.5 GB/s here), else
/// through the Swift compression function below (both are tested against known digests).
public struct SHA256: Sendable {
  /// Round constants: the first 32 bits of the fractional parts of the cube roots of the first
  /// 64 primes (FIPS 180-4, 4.2.2).
  static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  /// Initial hash value H(0) (FIPS 180-4, 5.3.3).
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )
  /// Bytes of a block not yet compressed (fewer than 64).
  private var buffer: [UInt8] = []
  private var length: UInt64 = 0

  /// Whether this CPU has the SHA extensions.
  public static let hardware = fs_sha256_available() != 0
  /// False keeps this hasher on the Swift compression function (tests compare the two).
  public var useHardware = true

  public init() { buffer.reserveCapacity(64) }

  /// Hashes the next bytes of the message.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0, let base = bytes.baseAddress else { return }
    length &+= UInt64(bytes.count)
    var offset = 0
    if !buffer.isEmpty {
      let take = min(64 - buffer.count, bytes.count)
      buffer.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
      offset = take
      if buffer.count == 64 {
        buffer.withUnsafeBytes { compress($0.baseAddress!) }
        buffer.removeAll(keepingCapacity: true)
      }
    }
    let blocks = (bytes.count - offset) / 64
    if blocks > 0 && Self.hardware && useHardware {
      var words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
      fs_sha256_compress(&words, base.assumingMemoryBound(to: UInt8.self) + offset, blocks)
      state = (words[0], words[1], words[2], words[3], words[4], words[5], words[6], words[7])
      offset += 64 * blocks
    }
    while bytes.count - offset >= 64 {
      compress(base + offset)
      offset += 64
    }
    if offset < bytes.count {
      buffer.append(
        contentsOf: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
    }
  }

  public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    let array = Array(bytes)
    array.withUnsafeBytes { update($0) }
  }

  /// Pads the message (a 1 bit, zeros, the 64-bit big-endian bit length) and returns the
  /// 32-byte digest. The value should not be updated afterwards.
  public mutating func finalize() -> [UInt8] {
    let bits = length &* 8
    var tail: [UInt8] = [0x80]
    let used = (buffer.count + 1) % 64
    tail += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
    }
    let savedLength = length
    tail.withUnsafeBytes { update($0) }
    length = savedLength
    precondition(buffer.isEmpty, "SHA-256 padding did not end on a block boundary")
    var digest: [UInt8] = []
    digest.reserveCapacity(32)
    for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
      digest += [
        UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16),
        UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word),
      ]
    }
    return digest
  }

  /// The digest of `bytes` as 64 lowercase hex digits.
  public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hasher = SHA256()
    hasher.update(bytes)
    return hexString(hasher.finalize())
  }

  /// The digest of the file at `path`, read in 1 MiB pieces (memory stays flat on any size).
  /// Throws when the file cannot be opened or read.
  public static func hex(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
      let data = try handle.read(upToCount: 1 << 20) ?? Data()
      if data.isEmpty { break }
      data.withUnsafeBytes { hasher.update($0) }
    }
    return hexString(hasher.finalize())
  }

  /// 64 lowercase hex digits of a digest.
  public static func hexString(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(digest.count * 2)
    for b in digest {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// One 64-byte block through the compression function (FIPS 180-4, 6.2.2).
  private mutating func compress(_ block: UnsafeRawPointer) {
    var w = (
      UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
      UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0)
    )
    var (a, b, c, d, e, f, g, h) = state
    Self.k.withUnsafeBufferPointer { k in
      withUnsafeMutableBytes(of: &w) { raw in
        let w = raw.bindMemory(to: UInt32.self)
        for t in 0..<16 {
          w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
        }
        // The message schedule is kept as a 16-word ring: W[t] for t >= 16 overwrites W[t-16].
        for t in 0..<64 {
          let wt: UInt32
          if t < 16 {
            wt = w[t]
          } else {
            let w15 = w[(t - 15) & 15]
            let w2 = w[(t - 2) & 15]
            let s0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
            let s1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
            wt = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
            w[t & 15] = wt
          }
          let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
          let ch = (e & f) ^ (~e & g)
          let t1 = h &+ s1 &+ ch &+ k[t] &+ wt
          let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
          let maj = (a & b) ^ (a & c) ^ (b & c)
          let t2 = s0 &+ maj
          h = g
          g = f
          f = e
          e = d &+ t1
          d = c
          c = b
          b = a
          a = t1 &+ t2
        }
      }
    }
    state = (
      state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f,
      state.6 &+ g, state.7 &+ h
    )
  }
}

extension UInt32 {
  @inline(__always) fileprivate func rotatedRight(_ n: UInt32) -> UInt32 {
    (self >> n) | (self << (32 - n))
  }
}
