import Foundation

/// Media made for the issue 14 tests (frame size changes, display matrices, oversized frames).
public enum Issue14Media {
  /// H.264 MPEG-TS parts of the given sizes (`frames` testsrc2 frames each at 25 fps),
  /// concatenated byte for byte as `cat a.ts b.ts > c.ts` does; returns the joined file's path.
  public static func concatenatedTS(
    sizes: [String], frames: Int, in dir: TemporaryDirectory, name: String = "joined.ts"
  ) throws -> String {
    var joined = Data()
    for (i, size) in sizes.enumerated() {
      let part = dir.file("part\(i).ts")
      try FFmpegCLI.run([
        "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25", "-frames:v", "\(frames)",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", part,
      ])
      joined += try Data(contentsOf: URL(fileURLWithPath: part))
    }
    let path = dir.file(name)
    try joined.write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The CRC-32 of PNG chunks (and zlib).
  public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  /// A small PNG whose IHDR claims `width` x `height` (CRC fixed): FFmpeg reads the header and
  /// refuses the size without any pixel data being needed.
  public static func pngClaiming(
    width: UInt32, height: UInt32, in dir: TemporaryDirectory, name: String = "big.png"
  ) throws -> String {
    let small = dir.file("small.png")
    try FFmpegCLI.run(["-f", "lavfi", "-i", "color=c=red:s=8x8", "-frames:v", "1", small])
    var png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: small)))
    // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC (4).
    guard png.count > 33, Array(png[12..<16]) == Array("IHDR".utf8) else {
      throw MediaPatchError(reason: "\(small) does not start with IHDR")
    }
    png.replaceSubrange(16..<20, with: withUnsafeBytes(of: width.bigEndian, Array.init))
    png.replaceSubrange(20..<24, with: withUnsafeBytes(of: height.bigEndian, Array.init))
    let crc = crc32(png[12..<29])
    png.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
    let path = dir.file(name)
    try Data(png).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Rewrites the display matrix of the `tkhd` box of an MP4 to turn the picture `degrees`
  /// clockwise for display (FFmpeg's layout: a b u / c d v / x y w, 16.16 fixed point, w = 1 in
  /// 2.30; `av_display_rotation_get` then says -`degrees`, counter-clockwise).
  public static func setDisplayMatrix(of path: String, degrees: Double) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let radians = degrees * Double.pi / 180
    let cosine = Int32((cos(radians) * 65536).rounded())
    let sine = Int32((sin(radians) * 65536).rounded())
    let matrix: [Int32] = [cosine, sine, 0, -sine, cosine, 0, 0, 0, 1 << 30]
    let tag = Array("tkhd".utf8)
    var patched = 0
    var i = 4
    while i + 4 <= bytes.count {
      defer { i += 1 }
      guard Array(bytes[i..<(i + 4)]) == tag else { continue }
      let version = bytes[i + 4]
      // type (4) version+flags (4), times/track/duration (20 or 32), reserved (8), layer,
      // alternate group, volume, reserved (2 each).
      let start = i + 4 + 4 + (version == 1 ? 32 : 20) + 8 + 8
      var offset = start
      for value in matrix {
        bytes.replaceSubrange(
          offset..<(offset + 4), with: withUnsafeBytes(of: value.bigEndian, Array.init))
        offset += 4
      }
      patched += 1
    }
    guard patched == 1 else {
      throw MediaPatchError(reason: "\(path) has \(patched) tkhd boxes, not 1")
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }
}

/// A test file could not be patched as expected.
public struct MediaPatchError: Error, CustomStringConvertible {
  public var reason: String
  public var description: String { reason }
}
