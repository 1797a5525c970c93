import Testing

@testable import NeuralNet

@Suite("Matrix multiply kernels")
struct GEMMTests {
  /// Odd sizes exercise the blocking and strip remainders; the large case takes the threaded path
  /// of `gemm`. The SIMD kernels, which only release builds route to, are called directly here.
  @Test(
    "Every kernel equals the naive triple loop",
    arguments: [(1, 1, 1), (5, 7, 3), (9, 8, 27), (67, 16, 131), (300, 40, 50), (13, 27, 8)])
  func matchesNaive(_ size: (Int, Int, Int)) {
    let (m, n, k) = size
    var g = SeededGenerator(seed: UInt64(m * n * k))
    let a = (0..<(m * k)).map { _ in g.nextUnit() - 0.5 }
    let b = (0..<(k * n)).map { _ in g.nextUnit() - 0.5 }
    let bt = (0..<(m * n)).map { _ in g.nextUnit() - 0.5 }
    var expected = [Double](repeating: 1, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        for p in 0..<k { expected[i * n + j] += a[i * k + p] * b[p * n + j] }
      }
    }
    var expectedTN = [Double](repeating: 0, count: k * n)
    for p in 0..<k {
      for j in 0..<n {
        for i in 0..<m { expectedTN[p * n + j] += a[i * k + p] * bt[i * n + j] }
      }
    }
    func close(_ x: [Double], _ y: [Double]) -> Bool {
      zip(x, y).allSatisfy { abs($0 - $1) < 1e-12 }
    }

    var c = [Double](repeating: 1, count: m * n)
    gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, accumulate: true)
    #expect(close(c, expected), "gemm")
    c = [Double](repeating: 1, count: m * n)
    gemmBlocked(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
    #expect(close(c, expected), "gemmBlocked")
    c = [Double](repeating: 1, count: m * n)
    gemmStrips(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
    #expect(close(c, expected), "gemmStrips")

    var ctn = [Double](repeating: 0, count: k * n)
    gemmTN(m: m, n: n, k: k, a: a, lda: k, b: bt, ldb: n, c: &ctn, ldc: n)
    #expect(close(ctn, expectedTN), "gemmTN")
    if n % 8 == 0 {
      ctn = [Double](repeating: 0, count: k * n)
      let done = gemmTNStrips(m: m, n: n, k: k, a: a, lda: k, b: bt, ldb: n, c: &ctn, ldc: n)
      #expect(done == m / 4 * 4)
      gemmTNRows(
        m: m - done, n: n, k: k, a: Array(a[(done * k)...]), lda: k, b: Array(bt[(done * n)...]),
        ldb: n, c: &ctn, ldc: n)
      #expect(close(ctn, expectedTN), "gemmTNStrips")
    }
  }
}
