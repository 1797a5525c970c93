/// One row of the exam's T table as the reports plot it: the later frame of the pair, its
/// presentation time in seconds, and T (../shared/docs/flashinator-spec.md, "Row identity").
public struct TPoint: Sendable, Equatable, Codable {
  public var frame: Int
  public var time: Double
  public var t: Double
}

/// The T table of a video, in frame order (F - 1 rows: frame 0 has no T). Collected from the
/// Flashinator's rows during the decoding pass; the HTML timeline and the frames CSV use it.
public struct TSeries: Sendable, Equatable {
  public private(set) var points: [TPoint] = []

  public init() {}
  public init(_ points: [TPoint]) { self.points = points }
  public init(_ rows: [(frame: Int, time: Double, t: Double)]) {
    points = rows.map { TPoint(frame: $0.frame, time: $0.time, t: $0.t) }
  }

  public mutating func append(frame: Int, time: Double, t: Double) {
    points.append(TPoint(frame: frame, time: time, t: t))
  }

  public var isEmpty: Bool { points.isEmpty }

  /// T of `frame`, when the table has a row for it (rows are in frame order, usually one per
  /// frame from frame 1, so the lookup tries the direct position first).
  public func t(frame: Int) -> Double? {
    let guess = frame - 1
    if points.indices.contains(guess), points[guess].frame == frame { return points[guess].t }
    var lo = 0
    var hi = points.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if points[mid].frame < frame { lo = mid + 1 } else { hi = mid }
    }
    return lo < points.count && points[lo].frame == frame ? points[lo].t : nil
  }
}
