/// Cache-blocked matrix multiplies on row-major buffers: the arithmetic behind Conv2D (through
/// im2col) and Dense.
///
/// Three shapes cover every forward and backward pass:
/// - `gemm`:   C[M,N] (+)= A[M,K] * B[K,N]        (forward; input gradients after a transpose)
/// - `gemmTN`: C[K,N] += A[M,K]^T * B[M,N]         (weight gradients, a sum over the batch)
/// - `transpose`
/// The loops are i-p-j with j innermost and contiguous, so the compiler vectorises the inner loop;
/// p is unrolled by four to cut loads and stores of C. `@_specialize` makes the generic entry points
/// dispatch to Float and Double copies compiled for those types.

/// C[M,N] = A[M,K] * B[K,N] (or += when `accumulate`), leading dimensions lda, ldb, ldc.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gemm<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int,
  accumulate: Bool
) {
  if !accumulate {
    for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
  }
  guard m > 0, n > 0, k > 0 else { return }
  let parts = threadParts(work: m * n * k, rows: m)
  let ap = SendablePointer(a)
  let bp = SendablePointer(b)
  let cp = SendablePointer(c)
  parallelParts(parts) { part in
    let rows = partRange(part, of: parts, count: m)
    guard !rows.isEmpty else { return }
    if NNCompute.simdKernels && n <= 128 {
      gemmStrips(
        m: rows.count, n: n, k: k, a: ap.pointer + rows.lowerBound * lda, lda: lda,
        b: bp.pointer, ldb: ldb, c: cp.pointer + rows.lowerBound * ldc, ldc: ldc)
    } else {
      gemmBlocked(
        m: rows.count, n: n, k: k, a: ap.pointer + rows.lowerBound * lda, lda: lda,
        b: bp.pointer, ldb: ldb, c: cp.pointer + rows.lowerBound * ldc, ldc: ldc)
    }
  }
}

@inline(__always) func load8<T: NNScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

@inline(__always) func store8<T: NNScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self)
}

/// C += A * B for narrow B (the convolutions' 8 or 16 filters): a 4 x 8 register block of C
/// accumulates over all of k before it is stored, so C is loaded and stored once. Columns past
/// the last multiple of 8 take a scalar loop.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gemmStrips<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int
) {
  let fullStrips = n / 8 * 8
  let tail = UnsafeMutablePointer<T>.allocate(capacity: 8 * max(k, 1))
  defer { tail.deallocate() }
  if fullStrips < n {
    tail.initialize(repeating: 0, count: 8 * k)
    for p in 0..<k {
      for j in fullStrips..<n { tail[p * 8 + j - fullStrips] = b[p * ldb + j] }
    }
  }
  var i = 0
  while i < m {
    let rows = min(4, m - i)
    var j0 = 0
    while j0 < fullStrips {
      if rows == 4 {
        let a0 = a + i * lda
        let a1 = a0 + lda
        let a2 = a1 + lda
        let a3 = a2 + lda
        let c0 = c + i * ldc + j0
        var s0 = load8(c0)
        var s1 = load8(c0 + ldc)
        var s2 = load8(c0 + 2 * ldc)
        var s3 = load8(c0 + 3 * ldc)
        var bp = b + j0
        for p in 0..<k {
          let bv = load8(bp)
          s0 += a0[p] * bv
          s1 += a1[p] * bv
          s2 += a2[p] * bv
          s3 += a3[p] * bv
          bp += ldb
        }
        store8(s0, c0)
        store8(s1, c0 + ldc)
        store8(s2, c0 + 2 * ldc)
        store8(s3, c0 + 3 * ldc)
      } else {
        for r in i..<(i + rows) {
          let ar = a + r * lda
          let cr = c + r * ldc + j0
          var s = load8(cr)
          var bp = b + j0
          for p in 0..<k {
            s += ar[p] * load8(bp)
            bp += ldb
          }
          store8(s, cr)
        }
      }
      j0 += 8
    }
    if fullStrips < n {
      // The last, partial strip: B's columns padded to 8 with zeros (built once below), summed in
      // registers, and only the real lanes added to C.
      for r in i..<(i + rows) {
        let ar = a + r * lda
        var s = SIMD8<T>()
        var bp = UnsafePointer(tail)
        for p in 0..<k {
          s += ar[p] * load8(bp)
          bp += 8
        }
        let cr = c + r * ldc + fullStrips
        for j in 0..<(n - fullStrips) { cr[j] += s[j] }
      }
    }
    i += rows
  }
}

/// Single-threaded C += A * B over panels of B small enough to stay in cache.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gemmBlocked<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int
) {
  let kBlock = 128
  let nBlock = 256
  var p0 = 0
  while p0 < k {
    let kb = min(kBlock, k - p0)
    var j0 = 0
    while j0 < n {
      let nb = min(nBlock, n - j0)
      for i in 0..<m {
        let cRow = c + i * ldc + j0
        let aRow = a + i * lda + p0
        var p = 0
        while p + 4 <= kb {
          let a0 = aRow[p]
          let a1 = aRow[p + 1]
          let a2 = aRow[p + 2]
          let a3 = aRow[p + 3]
          let b0 = b + (p0 + p) * ldb + j0
          let b1 = b0 + ldb
          let b2 = b1 + ldb
          let b3 = b2 + ldb
          for j in 0..<nb {
            cRow[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j]
          }
          p += 4
        }
        while p < kb {
          let a0 = aRow[p]
          let b0 = b + (p0 + p) * ldb + j0
          for j in 0..<nb { cRow[j] += a0 * b0[j] }
          p += 1
        }
      }
      j0 += nb
    }
    p0 += kb
  }
}

/// C[K,N] += A[M,K]^T * B[M,N]: a sum over the M rows (the batch, or every output pixel).
/// With several threads each sums its rows into a private C, then the copies are added.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gemmTN<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int
) {
  guard m > 0, n > 0, k > 0 else { return }
  let parts = threadParts(work: m * n * k, rows: m)
  if parts == 1 {
    gemmTNRows(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    return
  }
  let scratch = UnsafeMutablePointer<T>.allocate(capacity: parts * k * n)
  scratch.initialize(repeating: 0, count: parts * k * n)
  defer { scratch.deallocate() }
  let ap = SendablePointer(a)
  let bp = SendablePointer(b)
  let sp = SendablePointer(scratch)
  parallelParts(parts) { part in
    let rows = partRange(part, of: parts, count: m)
    guard !rows.isEmpty else { return }
    gemmTNRows(
      m: rows.count, n: n, k: k, a: ap.pointer + rows.lowerBound * lda, lda: lda,
      b: bp.pointer + rows.lowerBound * ldb, ldb: ldb, c: sp.pointer + part * k * n, ldc: n)
  }
  for part in 0..<parts {
    let src = scratch + part * k * n
    for p in 0..<k {
      let cRow = c + p * ldc
      let sRow = src + p * n
      for j in 0..<n { cRow[j] += sRow[j] }
    }
  }
}

@_specialize(where T == Float)
@_specialize(where T == Double)
func gemmTNRows<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int
) {
  var i = 0
  if NNCompute.simdKernels && n % 8 == 0 && n <= 64 {
    i = gemmTNStrips(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
  }
  while i + 4 <= m {
    let a0 = a + i * lda
    let a1 = a0 + lda
    let a2 = a1 + lda
    let a3 = a2 + lda
    let b0 = b + i * ldb
    let b1 = b0 + ldb
    let b2 = b1 + ldb
    let b3 = b2 + ldb
    for p in 0..<k {
      let x0 = a0[p]
      let x1 = a1[p]
      let x2 = a2[p]
      let x3 = a3[p]
      let cRow = c + p * ldc
      for j in 0..<n {
        cRow[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j]
      }
    }
    i += 4
  }
  while i < m {
    let a0 = a + i * lda
    let b0 = b + i * ldb
    for p in 0..<k {
      let x0 = a0[p]
      let cRow = c + p * ldc
      for j in 0..<n { cRow[j] += x0 * b0[j] }
    }
    i += 1
  }
}

/// The SIMD part of `gemmTNRows` for narrow B (n a multiple of 8, a convolution's filters): four
/// rows of B stay in registers per 8-column strip. Returns how many rows of A it consumed (a
/// multiple of 4); the caller finishes the rest.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gemmTNStrips<T: NNScalar>(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<T>, lda: Int,
  b: UnsafePointer<T>, ldb: Int,
  c: UnsafeMutablePointer<T>, ldc: Int
) -> Int {
  precondition(n % 8 == 0)
  var i = 0
  while i + 4 <= m {
    let a0 = a + i * lda
    let a1 = a0 + lda
    let a2 = a1 + lda
    let a3 = a2 + lda
    var j0 = 0
    while j0 < n {
      let b0 = load8(b + i * ldb + j0)
      let b1 = load8(b + (i + 1) * ldb + j0)
      let b2 = load8(b + (i + 2) * ldb + j0)
      let b3 = load8(b + (i + 3) * ldb + j0)
      var cp = c + j0
      for p in 0..<k {
        var s = load8(cp)
        s += a0[p] * b0
        s += a1[p] * b1
        s += a2[p] * b2
        s += a3[p] * b3
        store8(s, cp)
        cp += ldc
      }
      j0 += 8
    }
    i += 4
  }
  return i
}

/// out[N,M] = in[M,N]^T.
@_specialize(where T == Float)
@_specialize(where T == Double)
func transpose<T: NNScalar>(
  rows: Int, cols: Int, _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>
) {
  for i in 0..<rows {
    for j in 0..<cols { dst[j * rows + i] = src[i * cols + j] }
  }
}
