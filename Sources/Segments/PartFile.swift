import Crypto
import Foundation
import Frames
import Photosensitivity
import TTable

/// Why a part file was refused. The description is the cause; the command line puts the part's
/// path in front.
public struct PartError: Error, Sendable, Equatable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

/// What identifies the source film of a part: the path as given and made absolute, its size, its
/// modification time (recorded, not compared: a copy on another node has another), and the
/// SHA-256 of its first and of its last MiB (the whole file when smaller).
public struct SourceIdentity: Codable, Sendable, Equatable {
  public var path: String
  public var absolutePath: String
  public var sizeBytes: Int64
  public var modified: String
  public var headSHA256: String
  public var tailSHA256: String

  /// The bytes hashed at each end.
  public static let endBytes = 1 << 20

  public init(
    path: String, absolutePath: String, sizeBytes: Int64, modified: String, headSHA256: String,
    tailSHA256: String
  ) {
    self.path = path
    self.absolutePath = absolutePath
    self.sizeBytes = sizeBytes
    self.modified = modified
    self.headSHA256 = headSHA256
    self.tailSHA256 = tailSHA256
  }

  /// Reads `path`'s identity. Throws `PartError` when it cannot be read.
  public static func of(path: String) throws -> SourceIdentity {
    let url = URL(fileURLWithPath: path)
    guard let handle = try? FileHandle(forReadingFrom: url) else {
      throw PartError("cannot open the source '\(path)'")
    }
    defer { try? handle.close() }
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = (attributes?[.size] as? NSNumber)?.int64Value else {
      throw PartError("cannot read the size of the source '\(path)'")
    }
    let date = (attributes?[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
    func hash(from offset: Int64) throws -> String {
      try handle.seek(toOffset: UInt64(max(0, offset)))
      let data = try handle.read(upToCount: endBytes) ?? Data()
      return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
    do {
      let head = try hash(from: 0)
      let tail = try hash(from: size - Int64(endBytes))
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      return SourceIdentity(
        path: path, absolutePath: url.standardizedFileURL.path, sizeBytes: size,
        modified: formatter.string(from: date), headSHA256: head, tailSHA256: tail)
    } catch {
      throw PartError("cannot read the source '\(path)': \(error)")
    }
  }

  /// Same size and end hashes (the path and time are not compared).
  public func sameContent(as other: SourceIdentity) -> Bool {
    sizeBytes == other.sizeBytes && headSHA256 == other.headSHA256
      && tailSHA256 == other.tailSHA256
  }
}

/// Every option that changes what a segment records.
public struct PartOptions: Codable, Sendable, Equatable {
  public var topK: Int
  public var gray: String
  public var stream: Int?
  public var parameters: AnalysisParameters

  public init(topK: Int, gray: GrayMode, stream: Int?, parameters: AnalysisParameters) {
    self.topK = topK
    self.gray = gray.rawValue
    self.stream = stream
    self.parameters = parameters
  }
}

/// The stream facts the merge rebuilds the analysis and the report's input section from.
public struct PartVideo: Codable, Sendable, Equatable {
  public var codec: String
  public var width: Int
  public var height: Int
  public var frameRate: Double?
  public var duration: Double?
  public var startTimecode: String?
  public var color: ColorFacts
  /// Frames of the whole stream (packets in the packet index).
  public var frameCount: Int
  public var streamIndex: Int

  public init(
    codec: String, width: Int, height: Int, frameRate: Double?, duration: Double?,
    startTimecode: String?, color: ColorFacts, frameCount: Int, streamIndex: Int
  ) {
    self.codec = codec
    self.width = width
    self.height = height
    self.frameRate = frameRate
    self.duration = duration
    self.startTimecode = startTimecode
    self.color = color
    self.frameCount = frameCount
    self.streamIndex = streamIndex
  }
}

/// The part's header (JSON in the file).
public struct PartHeader: Codable, Sendable, Equatable {
  public var format = "flashscan-part"
  public var formatVersion = PartFile.formatVersion
  public var toolVersion: String
  public var toolCommit: String
  public var source: SourceIdentity
  public var options: PartOptions
  public var video: PartVideo
  /// K of N, and the plan's first frame of every segment plus the frame count (N + 1 numbers).
  public var segment: Int
  public var segments: Int
  public var cuts: [Int]
  /// The segment's frames `firstFrame..<endFrame` and their times (the first frame's time and
  /// the end: the next segment's first frame's time, or the stream's end).
  public var firstFrame: Int
  public var endFrame: Int
  public var startTime: Double
  public var endTime: Double
  /// Decoder warnings of the segment (the merge lists each once, in segment order).
  public var decodeWarnings: [String]

  public init(
    toolVersion: String, toolCommit: String, source: SourceIdentity, options: PartOptions,
    video: PartVideo, segment: Int, segments: Int, cuts: [Int], firstFrame: Int, endFrame: Int,
    startTime: Double, endTime: Double, decodeWarnings: [String]
  ) {
    self.toolVersion = toolVersion
    self.toolCommit = toolCommit
    self.source = source
    self.options = options
    self.video = video
    self.segment = segment
    self.segments = segments
    self.cuts = cuts
    self.firstFrame = firstFrame
    self.endFrame = endFrame
    self.startTime = startTime
    self.endTime = endTime
    self.decodeWarnings = decodeWarnings
  }
}

/// One segment's results: the header, its T rows, and per frame the photosensitivity measures
/// (and the pattern measures when the profile checks patterns).
///
/// The file (Docs/Scale.md, "Part files"): the 16 bytes `FLASHSCAN-PART` `\n` and the format
/// version byte; the header's length (UInt32 little-endian) and the header (JSON); the body;
/// the SHA-256 of everything before it (32 bytes). Body, all little-endian: the T rows (count
/// UInt64; per row frame Int64, time, t, pos, neg Float64); the frame measures (count; per frame
/// index Int64, time Float64, the three cell arrays each as count UInt32 and Float32 values,
/// luminance and red means Float32, changed counts Int64, mean cd/m2 Float64); the pattern
/// measures (count, 0 without patterns; per frame index, time, tiles, regions, then a byte 1 and
/// IRIS's detection under --profile iris --patterns, else a byte 0).
public struct PartFile: Sendable {
  public static let magic = Array("FLASHSCAN-PART\n".utf8)
  public static let formatVersion = 2
  public static let fileExtension = "fspart"
  /// Limits a reader enforces: frames in a part, floats in one cell array, tiles and regions of
  /// one frame, header bytes.
  public static let maxFrames = 10_000_000
  public static let maxCellValues = 1 << 22
  public static let maxPatternItems = 1 << 16
  public static let maxHeaderBytes = 1 << 20

  public var header: PartHeader
  public var rows: [TRow]
  public var measures: [FrameMeasure]
  public var patterns: [PatternFrameMeasure]

  public init(
    header: PartHeader, rows: [TRow], measures: [FrameMeasure], patterns: [PatternFrameMeasure]
  ) {
    self.header = header
    self.rows = rows
    self.measures = measures
    self.patterns = patterns
  }

  /// The file's bytes.
  public func encoded() throws -> [UInt8] {
    var w = ByteWriter()
    w.bytes(Self.magic)
    w.u8(UInt8(Self.formatVersion))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(header)
    w.u32(UInt32(json.count))
    w.bytes(Array(json))
    w.u64(UInt64(rows.count))
    for r in rows {
      w.i64(Int64(r.frame))
      w.f64(r.time)
      w.f64(r.t)
      w.f64(r.pos)
      w.f64(r.neg)
    }
    w.u64(UInt64(measures.count))
    for m in measures {
      w.i64(Int64(m.index))
      w.f64(m.time)
      w.floats(m.cellLinearRGB)
      w.floats(m.cellRed)
      w.floats(m.cellCandela)
      w.f32(m.luminanceMean)
      w.f32(m.redMean)
      w.i64(Int64(m.luminanceChanged))
      w.i64(Int64(m.redChanged))
      w.f64(m.meanCandela)
    }
    w.u64(UInt64(patterns.count))
    for p in patterns {
      w.i64(Int64(p.index))
      w.f64(p.time)
      w.u32(UInt32(p.tiles.count))
      for t in p.tiles {
        for v in [t.level, t.column, t.row, t.kx, t.ky] { w.i64(Int64(v)) }
        w.f32(t.phase)
        w.f32(t.contrast)
      }
      w.u32(UInt32(p.regions.count))
      for r in p.regions {
        for v in [
          r.areaShare, r.pairs, r.periodPixels, r.orientationDegrees, r.coherence, r.light, r.dark,
        ] { w.f64(v) }
        for v in [r.box.x, r.box.y, r.box.width, r.box.height] { w.i64(Int64(v)) }
        w.u32(UInt32(r.tiles.count))
        for t in r.tiles { w.i64(Int64(t)) }
      }
      // IRIS's method (--profile iris --patterns): its per-frame detection, or a 0 byte.
      if let i = p.iris {
        w.u8(1)
        for v in [i.width, i.height, i.changedPixels, i.components, i.areaPixels] {
          w.i64(Int64(v))
        }
        w.f64(i.lightLuminance)
        w.f64(i.darkLuminance)
        w.u8(i.harmful ? 1 : 0)
        if let b = i.box {
          w.u8(1)
          for v in [b.x, b.y, b.width, b.height] { w.i64(Int64(v)) }
        } else {
          w.u8(0)
        }
      } else {
        w.u8(0)
      }
    }
    let digest = SHA256.hash(data: w.data)
    w.bytes(Array(digest))
    return w.data
  }

  /// Reads a part's bytes, checking the magic, the version, the checksum and every count
  /// against the limits. Throws `PartError` naming the cause.
  public static func decode(_ data: Data, profile expected: Profile? = nil) throws -> PartFile {
    try data.withUnsafeBytes { raw -> PartFile in
      let all = raw.bindMemory(to: UInt8.self)
      guard all.count >= magic.count + 1 + 4 + 32 else {
        throw PartError("not a flashscan part (too short: \(all.count) bytes)")
      }
      guard Array(all[0..<magic.count]) == magic else {
        throw PartError("not a flashscan part (no FLASHSCAN-PART signature)")
      }
      let version = Int(all[magic.count])
      guard version == formatVersion else {
        throw PartError(
          "part format version \(version), this flashscan reads version \(formatVersion)")
      }
      let bodyEnd = all.count - 32
      let digest = Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: raw[0..<bodyEnd])))
      guard digest == Array(all[bodyEnd...]) else {
        throw PartError("checksum mismatch: the part is damaged or truncated")
      }
      var r = ByteReader(bytes: UnsafeBufferPointer(rebasing: all[0..<bodyEnd]))
      r.offset = magic.count + 1
      let headerBytes = Int(try r.u32())
      guard headerBytes <= maxHeaderBytes else {
        throw PartError("header of \(headerBytes) bytes, more than the \(maxHeaderBytes) allowed")
      }
      let json = try r.take(headerBytes)
      let header: PartHeader
      do {
        header = try JSONDecoder().decode(PartHeader.self, from: Data(json))
      } catch {
        throw PartError("unreadable header: \(error)")
      }
      guard header.format == "flashscan-part", header.formatVersion == formatVersion else {
        throw PartError("header names format \(header.format) \(header.formatVersion)")
      }
      let rowCount = try r.count(max: maxFrames, "T rows")
      var rows: [TRow] = []
      rows.reserveCapacity(rowCount)
      for _ in 0..<rowCount {
        let frame = try r.index()
        rows.append(
          TRow(frame: frame, time: try r.f64(), t: try r.f64(), pos: try r.f64(), neg: try r.f64()))
      }
      let measureCount = try r.count(max: maxFrames, "frame measures")
      let profile = header.options.parameters.profile
      var measures: [FrameMeasure] = []
      measures.reserveCapacity(measureCount)
      for _ in 0..<measureCount {
        var m = FrameMeasure(index: try r.index(), time: try r.f64(), profile: profile)
        m.cellLinearRGB = try r.floats()
        m.cellRed = try r.floats()
        m.cellCandela = try r.floats()
        m.luminanceMean = try r.f32()
        m.redMean = try r.f32()
        m.luminanceChanged = try r.index()
        m.redChanged = try r.index()
        m.meanCandela = try r.f64()
        measures.append(m)
      }
      let patternCount = try r.count(max: maxFrames, "pattern measures")
      var patterns: [PatternFrameMeasure] = []
      patterns.reserveCapacity(patternCount)
      for _ in 0..<patternCount {
        let index = try r.index()
        let time = try r.f64()
        let tileCount = Int(try r.u32())
        guard tileCount <= maxPatternItems else { throw PartError("too many pattern tiles") }
        var tiles: [PatternTile] = []
        for _ in 0..<tileCount {
          tiles.append(
            PatternTile(
              level: try r.small(), column: try r.small(), row: try r.small(), kx: try r.small(),
              ky: try r.small(), phase: try r.f32(), contrast: try r.f32()))
        }
        let regionCount = Int(try r.u32())
        guard regionCount <= maxPatternItems else { throw PartError("too many pattern regions") }
        var regions: [PatternRegion] = []
        for _ in 0..<regionCount {
          let values = try (0..<7).map { _ in try r.f64() }
          let box = PixelRect(
            x: try r.small(), y: try r.small(), width: try r.small(), height: try r.small())
          let count = Int(try r.u32())
          guard count <= maxPatternItems else { throw PartError("too many tiles in a region") }
          let regionTiles = try (0..<count).map { _ in try r.small() }
          guard regionTiles.allSatisfy({ $0 < tileCount }) else {
            throw PartError("a pattern region names a tile that is not there")
          }
          regions.append(
            PatternRegion(
              areaShare: values[0], pairs: values[1], periodPixels: values[2],
              orientationDegrees: values[3], coherence: values[4], light: values[5],
              dark: values[6], box: box, tiles: regionTiles))
        }
        var iris: IrisPatternFrame? = nil
        if try r.flag("IRIS pattern measure") {
          let v = try (0..<5).map { _ in try r.small() }
          let light = try r.f64()
          let dark = try r.f64()
          let harmful = try r.flag("IRIS harm flag")
          let box =
            try r.flag("IRIS pattern box")
            ? PixelRect(
              x: try r.small(), y: try r.small(), width: try r.small(), height: try r.small())
            : nil
          iris = IrisPatternFrame(
            width: v[0], height: v[1], changedPixels: v[2], components: v[3], areaPixels: v[4],
            lightLuminance: light, darkLuminance: dark, harmful: harmful, box: box)
        }
        patterns.append(
          PatternFrameMeasure(
            index: index, time: time, tiles: tiles, regions: regions, iris: iris))
      }
      guard r.offset == bodyEnd else {
        throw PartError("\(bodyEnd - r.offset) bytes left over after the last record")
      }
      return PartFile(header: header, rows: rows, measures: measures, patterns: patterns)
    }
  }
}

struct ByteWriter {
  var data: [UInt8] = []
  mutating func bytes(_ b: [UInt8]) { data += b }
  mutating func u8(_ v: UInt8) { data.append(v) }
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
  mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
  mutating func f64(_ v: Double) { u64(v.bitPattern) }
  mutating func f32(_ v: Float) { u32(v.bitPattern) }
  mutating func floats(_ values: [Float]) {
    u32(UInt32(values.count))
    data.reserveCapacity(data.count + values.count * 4)
    for v in values { f32(v) }
  }
}

/// Bounds-checked little-endian reads: running past the end throws, never traps.
struct ByteReader {
  let bytes: UnsafeBufferPointer<UInt8>
  var offset = 0

  mutating func take(_ n: Int) throws -> UnsafeBufferPointer<UInt8> {
    guard n >= 0, n <= bytes.count - offset else {
      throw PartError("truncated: a record runs past the end of the part")
    }
    defer { offset += n }
    return UnsafeBufferPointer(rebasing: bytes[offset..<offset + n])
  }
  mutating func u32() throws -> UInt32 {
    let b = try take(4)
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(b[i]) << (8 * UInt32(i)) }
    return v
  }
  mutating func u64() throws -> UInt64 {
    let b = try take(8)
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(b[i]) << (8 * UInt64(i)) }
    return v
  }
  mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
  /// A 0 or 1 byte.
  mutating func flag(_ what: String) throws -> Bool {
    let b = try take(1)[0]
    guard b <= 1 else { throw PartError("\(what): a flag byte of \(b), not 0 or 1") }
    return b == 1
  }
  mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
  /// A frame index or count stored as Int64: 0 ... 2^40.
  mutating func index() throws -> Int {
    let v = Int64(bitPattern: try u64())
    guard v >= 0, v <= 1 << 40 else {
      throw PartError("a frame number or count out of range (\(v))")
    }
    return Int(v)
  }
  /// A tile coordinate, a pixel or a tile index: -2^31 ... 2^31.
  mutating func small() throws -> Int {
    let v = Int64(bitPattern: try u64())
    guard v >= -(1 << 31), v <= 1 << 31 else { throw PartError("a coordinate out of range (\(v))") }
    return Int(v)
  }
  mutating func count(max: Int, _ what: String) throws -> Int {
    let v = try u64()
    guard v <= UInt64(max) else { throw PartError("\(v) \(what), more than the \(max) allowed") }
    return Int(v)
  }
  mutating func floats() throws -> [Float] {
    let n = Int(try u32())
    guard n <= PartFile.maxCellValues else {
      throw PartError(
        "a cell array of \(n) values, more than the \(PartFile.maxCellValues) allowed")
    }
    let b = try take(n * 4)
    return [Float](unsafeUninitializedCapacity: n) { out, count in
      for i in 0..<n {
        let o = i * 4
        let bits =
          UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
        out[i] = Float(bitPattern: bits)
      }
      count = n
    }
  }
}
