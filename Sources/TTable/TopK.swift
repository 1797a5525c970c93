/// The k largest values seen so far, zero-filled, kept ascending in a small array: the smallest
/// kept value is the threshold a new value must beat (spec, "Steps" 4). Insertions are rare once
/// the threshold has risen, so a threshold-guarded insertion beats any sort or heap for small k.
struct TopK {
  /// Ascending; starts as `capacity` zeros, the zero fill for pixels that did not change.
  private(set) var values: [Double]

  init(capacity: Int) {
    values = [Double](repeating: 0, count: capacity)
  }

  /// Kept values computed elsewhere (the C kernel), ascending.
  init(values: [Double]) {
    self.values = values
  }

  /// The smallest kept value: anything not above it cannot enter.
  @inline(__always) var threshold: Double { values.isEmpty ? .infinity : values[0] }

  /// Inserts `x`, which must be above `threshold`, dropping the smallest kept value.
  @inline(__always) mutating func insert(_ x: Double) {
    values.withUnsafeMutableBufferPointer { v in
      var i = 0
      let last = v.count - 1
      while i < last && v[i + 1] < x {
        v[i] = v[i + 1]
        i += 1
      }
      v[i] = x
    }
  }

  /// The mean of the kept values: their sum in descending order with numpy's summation order,
  /// divided by their count. That is what `np.sort(x)[::-1][:k].mean()` computes, so the reference
  /// scripts reproduce it bit for bit (given the same luminance table).
  var mean: Double {
    if values.isEmpty { return 0 }
    return Flashinator.numpySum(values.reversed()) / Double(values.count)
  }
}

extension Flashinator {
  /// Sum in the order numpy's `add.reduce` uses on a contiguous run of doubles (pairwise_sum in
  /// numpy/_core/src/umath/loops_utils.h): fewer than 8 values left to right; up to 128 values in
  /// 8 interleaved partial sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the
  /// remainder; more than 128 split in two halves (the first a multiple of 8) and added.
  public static func numpySum(_ a: [Double]) -> Double {
    a.withUnsafeBufferPointer { pairwise($0.baseAddress, $0.count) }
  }

  private static func pairwise(_ a: UnsafePointer<Double>?, _ n: Int) -> Double {
    guard let a, n > 0 else { return 0 }
    if n < 8 {
      var res = 0.0
      for i in 0..<n { res += a[i] }
      return res
    }
    if n <= 128 {
      var r = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
      var i = 8
      while i < n - (n % 8) {
        r.0 += a[i]
        r.1 += a[i + 1]
        r.2 += a[i + 2]
        r.3 += a[i + 3]
        r.4 += a[i + 4]
        r.5 += a[i + 5]
        r.6 += a[i + 6]
        r.7 += a[i + 7]
        i += 8
      }
      var res = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
      while i < n {
        res += a[i]
        i += 1
      }
      return res
    }
    var n2 = n / 2
    n2 -= n2 % 8
    return pairwise(a, n2) + pairwise(a + n2, n - n2)
  }
}

extension Flashinator {
  /// P, N and T of one delta-frame given directly as its luminance changes D (spec, "Steps" 4-5),
  /// with the same top-k code the kernel uses: P = mean of the k largest max(D, 0), N = mean of the
  /// k largest max(-D, 0), zero-filled, over min(k, count) values; T = P if P > N else -N (never -0).
  public static func summarize(deltas: [Double], topK: Int = 5) -> (p: Double, n: Double, t: Double)
  {
    precondition(topK >= 1, "top-k must be at least 1")
    var pos = TopK(capacity: min(topK, deltas.count))
    var neg = TopK(capacity: min(topK, deltas.count))
    for d in deltas {
      if d > pos.threshold { pos.insert(d) } else if -d > neg.threshold { neg.insert(-d) }
    }
    let row = TRow(frame: 0, time: 0, p: pos.mean, n: neg.mean)
    return (row.pos, neg.mean, row.t)
  }
}
