import Foundation

/// The image-processing primitives IRIS's pattern detector takes from OpenCV, written out
/// (Docs/Patterns.md, "The iris profile"): Otsu's threshold, a mixed-radix 2-D DFT, Suzuki-Abe
/// border following of outer contours, polygon area and moments, Hu's invariants and
/// `matchShapes`, convex hulls and the minimum-area rectangle, polygon filling, bilinear
/// resizing and the midpoint circle. Images are row-major arrays; every size is checked by the
/// caller (`IrisPatternDetector`), which bounds them.
public enum IrisVision {

  // MARK: - Otsu

  /// Otsu's threshold of a 256-bin histogram, as OpenCV's `THRESH_OTSU` computes it: the bin
  /// `t` that maximises the between-class variance `q1 q2 (mu1 - mu2)^2` of the classes
  /// `<= t` and `> t` (the first such bin on ties; 0 for an empty or one-valued histogram).
  /// Pixels `> t` are the foreground (`THRESH_BINARY`).
  public static func otsuThreshold(histogram h: [Int]) -> Int {
    precondition(h.count == 256)
    let total = h.reduce(0, +)
    guard total > 0 else { return 0 }
    let scale = 1 / Double(total)
    var mu = 0.0
    for i in 0..<256 { mu += Double(i) * Double(h[i]) }
    mu *= scale
    var mu1 = 0.0
    var q1 = 0.0
    var maxSigma = 0.0
    var maxValue = 0
    let eps = Double(Float.ulpOfOne)
    for i in 0..<256 {
      let p = Double(h[i]) * scale
      mu1 *= q1
      q1 += p
      let q2 = 1 - q1
      if min(q1, q2) < eps || max(q1, q2) > 1 - eps { continue }
      mu1 = (mu1 + Double(i) * p) / q1
      let mu2 = (mu - q1 * mu1) / q2
      let sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2)
      if sigma > maxSigma {
        maxSigma = sigma
        maxValue = i
      }
    }
    return maxValue
  }

  /// The histogram of 8-bit values.
  public static func histogram(_ pixels: [UInt8]) -> [Int] {
    var h = [Int](repeating: 0, count: 256)
    for p in pixels { h[Int(p)] += 1 }
    return h
  }

  // MARK: - DFT

  /// OpenCV's `getOptimalDFTSize`: the smallest `m >= n` whose only prime factors are 2, 3
  /// and 5 (1 for `n <= 1`).
  public static func optimalDFTSize(_ n: Int) -> Int {
    var m = max(n, 1)
    while true {
      var r = m
      for p in [2, 3, 5] { while r % p == 0 { r /= p } }
      if r == 1 { return m }
      m += 1
    }
  }

  /// A complex DFT of one size `n` (factors 2, 3 and 5 only), by recursive decimation in time:
  /// `X[k] = sum_j x[j] e^(-2 pi i jk/n)` forward, `e^(+...)` inverse, unscaled.
  public final class DFT: @unchecked Sendable {
    public let n: Int
    let factors: [Int]
    let cosTable: [Double]
    let sinTable: [Double]

    public init(size n: Int) {
      precondition(n >= 1 && IrisVision.optimalDFTSize(n) == n, "DFT size needs factors 2, 3, 5")
      self.n = n
      var f: [Int] = []
      var r = n
      for p in [4, 2, 3, 5] {
        while r % p == 0 {
          f.append(p)
          r /= p
        }
      }
      factors = f
      cosTable = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
      sinTable = (0..<n).map { sin(2 * Double.pi * Double($0) / Double(n)) }
    }

    /// Transforms `n` samples read from `inRe/inIm` at `stride` into `outRe/outIm` (contiguous).
    public func transform(
      inRe: UnsafePointer<Double>, inIm: UnsafePointer<Double>, stride: Int,
      outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>, inverse: Bool
    ) {
      cosTable.withUnsafeBufferPointer { c in
        sinTable.withUnsafeBufferPointer { s in
          withUnsafeTemporaryAllocation(of: Double.self, capacity: 10) { scratch in
            step(
              inRe: inRe, inIm: inIm, stride: stride, outRe: outRe, outIm: outIm, size: n,
              level: 0, sign: inverse ? 1 : -1, cos: c.baseAddress!, sin: s.baseAddress!,
              scratch: scratch.baseAddress!)
          }
        }
      }
    }

    private func step(
      inRe: UnsafePointer<Double>, inIm: UnsafePointer<Double>, stride: Int,
      outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>, size: Int,
      level: Int, sign: Double, cos: UnsafePointer<Double>, sin: UnsafePointer<Double>,
      scratch: UnsafeMutablePointer<Double>
    ) {
      if size == 1 {
        outRe[0] = inRe[0]
        outIm[0] = inIm[0]
        return
      }
      let p = factors[level]
      let m = size / p
      for q in 0..<p {
        step(
          inRe: inRe + q * stride, inIm: inIm + q * stride, stride: stride * p,
          outRe: outRe + q * m, outIm: outIm + q * m, size: m, level: level + 1, sign: sign,
          cos: cos, sin: sin, scratch: scratch)
      }
      // Twiddle W_size^e = W_n^(e * n / size).
      let unit = n / size
      if p == 2 {
        var e = 0
        for k in 0..<m {
          let c = cos[e]
          let s = sign * sin[e]
          let br = outRe[m + k]
          let bi = outIm[m + k]
          let tr = br * c - bi * s
          let ti = br * s + bi * c
          let ar = outRe[k]
          let ai = outIm[k]
          outRe[k] = ar + tr
          outIm[k] = ai + ti
          outRe[m + k] = ar - tr
          outIm[m + k] = ai - ti
          e += unit
        }
        return
      }
      let ar = scratch
      let ai = scratch + 5
      for k in 0..<m {
        // Y_q[k] times W_size^(q k), gathered before the outputs overwrite them.
        var e = 0
        for q in 0..<p {
          let c = cos[e]
          let s = sign * sin[e]
          let r = outRe[q * m + k]
          let i = outIm[q * m + k]
          ar[q] = r * c - i * s
          ai[q] = r * s + i * c
          e += k * unit
        }
        for j in 0..<p {
          var sr = 0.0
          var si = 0.0
          // W_p^(q j) = W_n^(q j n / p).
          let stepE = (j * (n / p)) % n
          var e2 = 0
          for q in 0..<p {
            let c = cos[e2]
            let s = sign * sin[e2]
            sr += ar[q] * c - ai[q] * s
            si += ar[q] * s + ai[q] * c
            e2 += stepE
            if e2 >= n { e2 -= n }
          }
          outRe[k + j * m] = sr
          outIm[k + j * m] = si
        }
      }
    }
  }

  /// The 2-D DFT of a `rows x cols` complex image in place (rows, then columns), unscaled.
  public static func dft2D(
    re: inout [Double], im: inout [Double], rows: Int, cols: Int, inverse: Bool
  ) {
    precondition(re.count == rows * cols && im.count == rows * cols)
    let rowDFT = DFT(size: cols)
    let colDFT = rows == cols ? rowDFT : DFT(size: rows)
    let longest = max(rows, cols)
    var tr = [Double](repeating: 0, count: longest)
    var ti = [Double](repeating: 0, count: longest)
    var cr = [Double](repeating: 0, count: longest)
    var ci = [Double](repeating: 0, count: longest)
    re.withUnsafeMutableBufferPointer { rp in
      im.withUnsafeMutableBufferPointer { ip in
        tr.withUnsafeMutableBufferPointer { trp in
          ti.withUnsafeMutableBufferPointer { tip in
            cr.withUnsafeMutableBufferPointer { crp in
              ci.withUnsafeMutableBufferPointer { cip in
                let r = rp.baseAddress!
                let i = ip.baseAddress!
                for y in 0..<rows {
                  rowDFT.transform(
                    inRe: r + y * cols, inIm: i + y * cols, stride: 1, outRe: trp.baseAddress!,
                    outIm: tip.baseAddress!, inverse: inverse)
                  (r + y * cols).update(from: trp.baseAddress!, count: cols)
                  (i + y * cols).update(from: tip.baseAddress!, count: cols)
                }
                for x in 0..<cols {
                  for y in 0..<rows {
                    crp[y] = r[y * cols + x]
                    cip[y] = i[y * cols + x]
                  }
                  colDFT.transform(
                    inRe: crp.baseAddress!, inIm: cip.baseAddress!, stride: 1,
                    outRe: trp.baseAddress!, outIm: tip.baseAddress!, inverse: inverse)
                  for y in 0..<rows {
                    r[y * cols + x] = trp[y]
                    i[y * cols + x] = tip[y]
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  // MARK: - Contours

  /// An integer point (x to the right, y down), as OpenCV's `cv::Point`.
  public struct Point: Hashable, Sendable, Comparable {
    public var x: Int
    public var y: Int
    public init(_ x: Int, _ y: Int) {
      self.x = x
      self.y = y
    }
    public static func < (a: Point, b: Point) -> Bool { (a.x, a.y) < (b.x, b.y) }
  }

  /// The outer borders of a binary image's outermost 8-connected components (OpenCV's
  /// `findContours` with `RETR_EXTERNAL`), by Suzuki-Abe border following; the image is
  /// treated as if surrounded by a one-pixel zero frame, so components touching the edge are
  /// traced along it. Each contour is compressed as `CHAIN_APPROX_SIMPLE` does (only the
  /// points where the chain code turns) and starts at its component's first pixel in raster
  /// order. The list is in reverse raster order of those first pixels, the order OpenCV's
  /// tracer links outer contours in.
  public static func externalContours(_ mask: [Bool], width: Int, height: Int) -> [[Point]] {
    precondition(mask.count == width * height)
    let pw = width + 2
    let ph = height + 2
    // 0: background, 1: foreground; the padded frame is background.
    var img = [Int32](repeating: 0, count: pw * ph)
    for y in 0..<height {
      for x in 0..<width where mask[y * width + x] { img[(y + 1) * pw + x + 1] = 1 }
    }
    // The background reachable from the frame (4-connected: the dual of 8-connected objects).
    var outside = [Bool](repeating: false, count: pw * ph)
    img.withUnsafeBufferPointer { im in
      outside.withUnsafeMutableBufferPointer { out in
        var stack: [Int] = [0]
        out[0] = true
        while let p = stack.popLast() {
          let x = p % pw
          // East, west, south, north, within the padded image.
          if x + 1 < pw && !out[p + 1] && im[p + 1] == 0 {
            out[p + 1] = true
            stack.append(p + 1)
          }
          if x > 0 && !out[p - 1] && im[p - 1] == 0 {
            out[p - 1] = true
            stack.append(p - 1)
          }
          if p + pw < pw * ph && !out[p + pw] && im[p + pw] == 0 {
            out[p + pw] = true
            stack.append(p + pw)
          }
          if p >= pw && !out[p - pw] && im[p - pw] == 0 {
            out[p - pw] = true
            stack.append(p - pw)
          }
        }
      }
    }
    // Clockwise neighbour order starting east, in image coordinates (y down):
    // 0 E, 1 SE, 2 S, 3 SW, 4 W, 5 NW, 6 N, 7 NE.
    let dxs = [1, 1, 0, -1, -1, -1, 0, 1]
    let dys = [0, 1, 1, 1, 0, -1, -1, -1]
    var visited = [Bool](repeating: false, count: pw * ph)
    var contours: [[Point]] = []
    for y in 1..<(ph - 1) {
      for x in 1..<(pw - 1) {
        let p = y * pw + x
        guard img[p] == 1, !visited[p], img[p - 1] == 0, outside[p - 1] else { continue }
        // A new outermost component: mark it (8-connected) so its other pixels do not start
        // contours, then follow its outer border.
        var fill: [Int] = [p]
        visited[p] = true
        while let c = fill.popLast() {
          let cx = c % pw
          let cy = c / pw
          for d in 0..<8 {
            let q = (cy + dys[d]) * pw + cx + dxs[d]
            if img[q] == 1 && !visited[q] {
              visited[q] = true
              fill.append(q)
            }
          }
        }
        contours.append(
          traceBorder(img: img, pw: pw, startX: x, startY: y, dxs: dxs, dys: dys))
      }
    }
    return contours.reversed()
  }

  /// Suzuki-Abe's border following (steps 3.1-3.5) from an outer-border start pixel whose west
  /// neighbour is background, in padded coordinates; returns unpadded, compressed points.
  static func traceBorder(
    img: [Int32], pw: Int, startX: Int, startY: Int, dxs: [Int], dys: [Int]
  ) -> [Point] {
    func isSet(_ x: Int, _ y: Int) -> Bool { img[y * pw + x] != 0 }
    // 3.1: from the west neighbour, look clockwise around the start for a foreground pixel
    // (i1): the border's last pixel before it closes.
    var first: Int? = nil
    for k in 0..<8 {
      let d = (4 + k) % 8
      if isSet(startX + dxs[d], startY + dys[d]) {
        first = d
        break
      }
    }
    guard let d1 = first else { return [Point(startX - 1, startY - 1)] }
    let i1x = startX + dxs[d1]
    let i1y = startY + dys[d1]
    var points: [Point] = []
    var lastCode = -1
    var cx = startX
    var cy = startY
    var back = d1  // direction from the current pixel (i3) to the previous one (i2)
    while true {
      // 3.3: from the element after i2, look counter-clockwise around i3 for i4 (i2 itself,
      // checked last, is always set).
      var found = back
      for k in 1...8 {
        let d = (back - k + 8) % 8
        if isSet(cx + dxs[d], cy + dys[d]) {
          found = d
          break
        }
      }
      // CHAIN_APPROX_SIMPLE: a point where the chain code changes.
      if found != lastCode {
        points.append(Point(cx - 1, cy - 1))
        lastCode = found
      }
      let nx = cx + dxs[found]
      let ny = cy + dys[found]
      // 3.5: at i1 and about to step onto the start: the border is closed.
      if nx == startX && ny == startY && cx == i1x && cy == i1y { break }
      back = (found + 4) % 8
      cx = nx
      cy = ny
    }
    return points
  }

  // MARK: - Polygons

  /// Area of a closed polygon (OpenCV's `contourArea`, unoriented): the shoelace formula.
  public static func contourArea(_ c: [Point]) -> Double {
    guard c.count >= 3 else { return 0 }
    var a = 0
    for i in 0..<c.count {
      let p = c[i]
      let q = c[(i + 1) % c.count]
      a += p.x * q.y - q.x * p.y
    }
    return abs(Double(a)) / 2
  }

  /// The spatial moments of a closed polygon (OpenCV's `moments` of a contour), by Green's
  /// theorem; signs follow the polygon's orientation and are made positive, so either
  /// orientation gives the same moments. All zero when its area is about zero.
  public struct Moments: Sendable, Equatable {
    public var m00 = 0.0, m10 = 0.0, m01 = 0.0, m20 = 0.0, m11 = 0.0, m02 = 0.0
    public var m30 = 0.0, m21 = 0.0, m12 = 0.0, m03 = 0.0
  }

  public static func moments(_ c: [Point]) -> Moments {
    var m = Moments()
    guard c.count >= 3 else { return m }
    var a00 = 0.0
    var a10 = 0.0
    var a01 = 0.0
    var a20 = 0.0
    var a11 = 0.0
    var a02 = 0.0
    var a30 = 0.0
    var a21 = 0.0
    var a12 = 0.0
    var a03 = 0.0
    for i in 0..<c.count {
      let x0 = Double(c[i].x)
      let y0 = Double(c[i].y)
      let x1 = Double(c[(i + 1) % c.count].x)
      let y1 = Double(c[(i + 1) % c.count].y)
      let a = x0 * y1 - x1 * y0
      a00 += a
      a10 += a * (x0 + x1)
      a01 += a * (y0 + y1)
      a20 += a * (x0 * x0 + x0 * x1 + x1 * x1)
      a02 += a * (y0 * y0 + y0 * y1 + y1 * y1)
      a11 += a * (x0 * (2 * y0 + y1) + x1 * (y0 + 2 * y1))
      a30 += a * (x0 + x1) * (x0 * x0 + x1 * x1)
      a03 += a * (y0 + y1) * (y0 * y0 + y1 * y1)
      a21 += a * (x0 * x0 * (3 * y0 + y1) + 2 * x0 * x1 * (y0 + y1) + x1 * x1 * (y0 + 3 * y1))
      a12 += a * (y0 * y0 * (3 * x0 + x1) + 2 * y0 * y1 * (x0 + x1) + y1 * y1 * (x0 + 3 * x1))
    }
    guard abs(a00) > Double(Float.ulpOfOne) else { return m }
    let s = a00 > 0 ? 1.0 : -1.0
    m.m00 = s * a00 / 2
    m.m10 = s * a10 / 6
    m.m01 = s * a01 / 6
    m.m20 = s * a20 / 12
    m.m11 = s * a11 / 24
    m.m02 = s * a02 / 12
    m.m30 = s * a30 / 20
    m.m21 = s * a21 / 60
    m.m12 = s * a12 / 60
    m.m03 = s * a03 / 20
    return m
  }

  /// Hu's seven invariants of the normalised central moments `nu_pq = mu_pq / m00^(1+(p+q)/2)`
  /// (OpenCV's `HuMoments`); all zero for zero moments.
  public static func huMoments(_ m: Moments) -> [Double] {
    guard m.m00 != 0 else { return [Double](repeating: 0, count: 7) }
    let cx = m.m10 / m.m00
    let cy = m.m01 / m.m00
    let mu20 = m.m20 - m.m10 * cx
    let mu11 = m.m11 - m.m10 * cy
    let mu02 = m.m02 - m.m01 * cy
    let mu30 = m.m30 - cx * (3 * mu20 + cx * m.m10)
    let mu21 = m.m21 - cx * (2 * mu11 + cx * m.m01) - cy * mu20
    let mu12 = m.m12 - cy * (2 * mu11 + cy * m.m10) - cx * mu02
    let mu03 = m.m03 - cy * (3 * mu02 + cy * m.m01)
    let s2 = 1 / (m.m00 * m.m00)
    let s3 = s2 / m.m00.squareRoot()
    let n20 = mu20 * s2
    let n11 = mu11 * s2
    let n02 = mu02 * s2
    let n30 = mu30 * s3
    let n21 = mu21 * s3
    let n12 = mu12 * s3
    let n03 = mu03 * s3
    let t0 = n30 + n12
    let t1 = n21 + n03
    let q0 = t0 * t0
    let q1 = t1 * t1
    let n4 = 4 * n11
    let s = n20 + n02
    let d = n20 - n02
    var hu = [Double](repeating: 0, count: 7)
    hu[0] = s
    hu[1] = d * d + n4 * n11
    hu[3] = q0 + q1
    hu[5] = d * (q0 - q1) + n4 * t0 * t1
    let t0b = t0 * (q0 - 3 * q1)
    let t1b = t1 * (3 * q0 - q1)
    let r0 = n30 - 3 * n12
    let r1 = 3 * n21 - n03
    hu[2] = r0 * r0 + r1 * r1
    hu[4] = r0 * t0b + r1 * t1b
    hu[6] = r1 * t0b - r0 * t1b
    return hu
  }

  /// OpenCV's `matchShapes` methods over Hu invariants `m_i = sign(h_i) log10|h_i|`:
  /// I1 `sum |1/m_a - 1/m_b|`, I2 `sum |m_a - m_b|`, I3 `sum |m_a - m_b| / |m_a|`, over the
  /// invariants larger than 1e-5 in both shapes; `Double.greatestFiniteMagnitude` when one
  /// shape has a non-zero invariant and the other none.
  public enum MatchMethod: Int, Sendable { case i1 = 1, i2 = 2, i3 = 3 }

  public static func matchShapes(_ a: [Point], _ b: [Point], method: MatchMethod) -> Double {
    matchShapes(hu: huMoments(moments(a)), huMoments(moments(b)), method: method)
  }

  public static func matchShapes(hu ma: [Double], _ mb: [Double], method: MatchMethod) -> Double {
    let eps = 1e-5
    var result = 0.0
    var anyA = false
    var anyB = false
    for i in 0..<7 {
      var ama = abs(ma[i])
      var amb = abs(mb[i])
      if ama > 0 { anyA = true }
      if amb > 0 { anyB = true }
      let sma: Double = ma[i] > 0 ? 1 : (ma[i] < 0 ? -1 : 0)
      let smb: Double = mb[i] > 0 ? 1 : (mb[i] < 0 ? -1 : 0)
      guard ama > eps && amb > eps else { continue }
      switch method {
      case .i1:
        ama = 1 / (sma * log10(ama))
        amb = 1 / (smb * log10(amb))
        result += abs(-ama + amb)
      case .i2:
        ama = sma * log10(ama)
        amb = smb * log10(amb)
        result += abs(-ama + amb)
      case .i3:
        ama = sma * log10(ama)
        amb = smb * log10(amb)
        let m = abs((ama - amb) / ama)
        result = max(result, m)
      }
    }
    if anyA != anyB { result = Double.greatestFiniteMagnitude }
    return result
  }

  /// Convex hull (Andrew's monotone chain), counter-clockwise in image coordinates, without
  /// collinear points.
  public static func convexHull(_ points: [Point]) -> [Point] {
    let p = Array(Set(points)).sorted()
    guard p.count >= 3 else { return p }
    func cross(_ o: Point, _ a: Point, _ b: Point) -> Int {
      (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    }
    var lower: [Point] = []
    for q in p {
      while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], q) <= 0 {
        lower.removeLast()
      }
      lower.append(q)
    }
    var upper: [Point] = []
    for q in p.reversed() {
      while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], q) <= 0 {
        upper.removeLast()
      }
      upper.append(q)
    }
    return Array(lower.dropLast() + upper.dropLast())
  }

  /// The corners of the minimum-area enclosing rectangle of `points` (OpenCV's `minAreaRect`
  /// then `RotatedRect::points`), found over the hull's edge directions, rounded to integers
  /// as IRIS's `cv::Point` conversion does. The first edge direction wins ties.
  public static func minAreaRectCorners(_ points: [Point]) -> [Point] {
    let hull = convexHull(points)
    guard hull.count >= 3 else {
      // A point or a segment: its end points (a degenerate rectangle).
      guard let a = hull.first, let b = hull.last else { return [] }
      return [a, b, b, a]
    }
    var best: (area: Double, corners: [(Double, Double)])? = nil
    for i in 0..<hull.count {
      let a = hull[i]
      let b = hull[(i + 1) % hull.count]
      let ex = Double(b.x - a.x)
      let ey = Double(b.y - a.y)
      let len = (ex * ex + ey * ey).squareRoot()
      guard len > 0 else { continue }
      let ux = ex / len
      let uy = ey / len
      var minU = Double.infinity
      var maxU = -Double.infinity
      var minV = Double.infinity
      var maxV = -Double.infinity
      for q in hull {
        let u = Double(q.x - a.x) * ux + Double(q.y - a.y) * uy
        let v = -Double(q.x - a.x) * uy + Double(q.y - a.y) * ux
        minU = min(minU, u)
        maxU = max(maxU, u)
        minV = min(minV, v)
        maxV = max(maxV, v)
      }
      let area = (maxU - minU) * (maxV - minV)
      if best == nil || area < best!.area - 1e-9 {
        let corner = { (u: Double, v: Double) -> (Double, Double) in
          (Double(a.x) + u * ux - v * uy, Double(a.y) + u * uy + v * ux)
        }
        best = (
          area,
          [corner(minU, minV), corner(maxU, minV), corner(maxU, maxV), corner(minU, maxV)]
        )
      }
    }
    return best!.corners.map {
      Point(Int($0.0.rounded(.toNearestOrEven)), Int($0.1.rounded(.toNearestOrEven)))
    }
  }

  /// Fills a convex polygon into `mask`: every pixel whose centre lies inside or on the
  /// polygon (integer vertices at pixel centres), clipped to the image.
  public static func fillConvex(
    _ polygon: [Point], into mask: inout [Bool], width: Int, height: Int
  ) {
    let hull = convexHull(polygon)
    guard let minY = hull.map(\.y).min(), let maxY = hull.map(\.y).max() else { return }
    if hull.count < 3 {
      // A point or a segment: its pixels along the segment.
      let a = hull[0]
      let b = hull[hull.count - 1]
      let steps = max(abs(b.x - a.x), abs(b.y - a.y))
      for s in 0...steps {
        let t = steps == 0 ? 0 : Double(s) / Double(steps)
        let x = Int((Double(a.x) + t * Double(b.x - a.x)).rounded())
        let y = Int((Double(a.y) + t * Double(b.y - a.y)).rounded())
        if x >= 0 && x < width && y >= 0 && y < height { mask[y * width + x] = true }
      }
      return
    }
    for y in max(minY, 0)...min(maxY, height - 1) where minY <= height - 1 && maxY >= 0 {
      // The hull's extent on this row: intersect every edge with the line.
      var lo = Double.infinity
      var hi = -Double.infinity
      let fy = Double(y)
      for i in 0..<hull.count {
        let a = hull[i]
        let b = hull[(i + 1) % hull.count]
        let ay = Double(a.y)
        let by = Double(b.y)
        if (ay <= fy && fy <= by) || (by <= fy && fy <= ay) {
          if a.y == b.y {
            lo = min(lo, Double(min(a.x, b.x)))
            hi = max(hi, Double(max(a.x, b.x)))
          } else {
            let x = Double(a.x) + (fy - ay) * Double(b.x - a.x) / (by - ay)
            lo = min(lo, x)
            hi = max(hi, x)
          }
        }
      }
      guard lo <= hi else { continue }
      let x0 = max(Int((lo - 1e-9).rounded(.up)), 0)
      let x1 = min(Int((hi + 1e-9).rounded(.down)), width - 1)
      guard x0 <= x1 else { continue }
      for x in x0...x1 { mask[y * width + x] = true }
    }
  }

  // MARK: - Resizing and drawing

  /// Bilinear resize (OpenCV's `INTER_LINEAR`): destination pixel centre `(d + 0.5) * s - 0.5`
  /// in the source, its two neighbours on each axis weighted by distance, clamped at the edges.
  public static func resizeBilinear(
    _ src: [Double], width: Int, height: Int, toWidth: Int, toHeight: Int
  ) -> [Double] {
    precondition(src.count == width * height && toWidth >= 1 && toHeight >= 1)
    let xs = bilinearTaps(from: width, to: toWidth)
    let ys = bilinearTaps(from: height, to: toHeight)
    var out = [Double](repeating: 0, count: toWidth * toHeight)
    for (dy, (y0, y1, ty)) in ys.enumerated() {
      for (dx, (x0, x1, tx)) in xs.enumerated() {
        let top = src[y0 * width + x0] * (1 - tx) + src[y0 * width + x1] * tx
        let bottom = src[y1 * width + x0] * (1 - tx) + src[y1 * width + x1] * tx
        out[dy * toWidth + dx] = top * (1 - ty) + bottom * ty
      }
    }
    return out
  }

  /// The two source samples and the second one's weight for each of `m` destination samples
  /// resized from `n` (bilinear, OpenCV's centre mapping, clamped at the edges).
  public static func bilinearTaps(from n: Int, to m: Int) -> [(Int, Int, Double)] {
    let scale = Double(n) / Double(m)
    return (0..<m).map { d in
      let f = (Double(d) + 0.5) * scale - 0.5
      var i0 = Int(f.rounded(.down))
      var t = f - Double(i0)
      if i0 < 0 {
        i0 = 0
        t = 0
      }
      if i0 >= n - 1 {
        i0 = n - 1
        t = 0
      }
      return (i0, min(i0 + 1, n - 1), t)
    }
  }

  /// The pixels of a filled circle of integer radius (OpenCV's `circle` with thickness -1 and
  /// `LINE_8`: the midpoint circle, whose spans are filled row by row), as offsets from its
  /// centre.
  public static func filledCircleOffsets(radius: Int) -> [Point] {
    var set = Set<Point>()
    var err = 0
    var dx = radius
    var dy = 0
    var plus = 1
    var minus = (radius << 1) - 1
    while dx >= dy {
      for x in -dx...dx {
        set.insert(Point(x, -dy))
        set.insert(Point(x, dy))
      }
      for x in -dy...dy {
        set.insert(Point(x, -dx))
        set.insert(Point(x, dx))
      }
      dy += 1
      err += plus
      plus += 2
      let mask = (err <= 0 ? 1 : 0) - 1
      err -= minus & mask
      dx += mask
      minus -= mask & 2
    }
    return set.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
  }
}
