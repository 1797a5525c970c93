import Dispatch
import Foundation

/// How many threads the numeric kernels may use.
///
/// Defaults to the machine's active processor count; the environment variable
/// `FLASHSCAN_NN_THREADS` overrides it (the benchmark uses it to compare 1 and 2 threads).
public enum NNCompute {
  public static let threads: Int = {
    if let text = ProcessInfo.processInfo.environment["FLASHSCAN_NN_THREADS"], let n = Int(text),
      n > 0
    {
      return n
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
  }()

  /// Whether the matrix multiplies use their SIMD register-blocked kernels. Release builds do;
  /// debug builds (the test suite) take the scalar kernels, because unoptimised generic SIMD code
  /// is some 50 times slower than scalar code at -Onone. The kernel tests call both kinds directly.
  #if DEBUG
    static let simdKernels = false
  #else
    static let simdKernels = true
  #endif

  /// Work (multiply-adds) below which splitting across threads costs more than it saves.
  static let parallelThreshold = 1 << 19
}

/// A pointer handed to the worker threads of one `parallelParts` call.
///
/// `@unchecked Sendable` is safe because every use keeps one rule: during the call the threads only
/// read through the pointer, or each writes its own disjoint range of it, and the memory's owner
/// neither touches nor frees it until `parallelParts` returns (concurrentPerform returns only when
/// every part has finished). Read-only buffers are wrapped too (`init(_: UnsafePointer)`); the
/// kernels never write through those.
struct SendablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>
  init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
  init(_ pointer: UnsafePointer<T>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}

/// How many parts (threads) a kernel splits `rows` rows into: one below the work (multiply-adds or
/// copied values) at which splitting pays, otherwise up to `NNCompute.threads`.
@inline(__always) func threadParts(work: Int, rows: Int) -> Int {
  work >= NNCompute.parallelThreshold ? min(NNCompute.threads, rows) : 1
}

/// Runs `body(part)` for part in 0..<parts, in parallel when there is more than one part.
func parallelParts(_ parts: Int, _ body: @Sendable (Int) -> Void) {
  if parts <= 1 {
    body(0)
  } else {
    DispatchQueue.concurrentPerform(iterations: parts, execute: body)
  }
}

/// Splits 0..<count into `parts` nearly equal ranges.
@inline(__always) func partRange(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
  let per = (count + parts - 1) / parts
  let lo = min(count, part * per)
  return lo..<min(count, lo + per)
}
