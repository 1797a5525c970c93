#if canImport(Glibc)
  import Glibc
#endif

/// Keeps glibc from handing frame-chunk memory back to the kernel after every chunk.
///
/// A chunk (4 frames, ~25 MB at 1080p) is allocated by the decoding thread and freed by a worker.
/// With glibc's defaults a freed chunk at the top of the heap is trimmed (or, before the dynamic
/// mmap threshold has grown, was an mmap of its own), so the next chunk faults its pages in again:
/// Scripts/bench counted ~150,000 page faults for a 20 s 1080p clip and 4% of the CPU time.
/// A fixed mmap threshold above the largest chunk (DecodeOptions.maxChunkBytes is 30 MiB) and a
/// trim threshold far above it let freed chunks be reused (~20,000 faults); peak memory is the
/// same, since the chunks in flight are bounded anyway. Process-wide, so set by the command only.
enum MallocTuning {
  private static let M_TRIM_THRESHOLD: Int32 = -1
  private static let M_MMAP_THRESHOLD: Int32 = -3

  static func apply() {
    #if canImport(Glibc)
      // mallopt is not in Swift's Glibc module (it lives in <malloc.h>); look it up instead.
      typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
      let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
      _ = mallopt(M_MMAP_THRESHOLD, 64 << 20)
      _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
    #endif
  }
}
