import CRegionSums
import Foundation

/// The implementations of the region sums (the C kernel `CRegionSums`,
/// Docs/Photosensitivity.md, "Region sums"), and of the bt1702 profile's plane kernel
/// (`fs_absolute_sums`; `avx512` runs its AVX2 code). Every one gives the same sums, bit for bit;
/// they differ only in speed. `FLASHSCAN_CPU` forces one (Docs/Benchmarks.md).
public enum RegionKernel: String, CaseIterable, Sendable, CustomStringConvertible {
  /// One pixel at a time: the reference the others are tested against (not a `FLASHSCAN_CPU`
  /// value).
  case scalar
  /// Portable C the compiler vectorises for the CPU it builds for (SSE2 on x86-64, NEON on arm64).
  case generic
  /// x86-64 with AVX2: 16 pixels at a time, gathered lookups in a table of pixel pairs.
  case avx2
  /// x86-64 with AVX-512 VBMI: 64 pixels at a time, `vpermi2b` table lookups.
  case avx512

  var cValue: Int32 {
    switch self {
    case .scalar: return Int32(FS_REGION_PATH_SCALAR)
    case .generic: return Int32(FS_REGION_PATH_GENERIC)
    case .avx2: return Int32(FS_REGION_PATH_AVX2)
    case .avx512: return Int32(FS_REGION_PATH_AVX512)
    }
  }

  public var description: String { rawValue }

  /// Whether this CPU (and this build) runs it.
  public var isAvailable: Bool { fs_region_path_available(cValue) != 0 }

  /// The kernels this CPU runs, `scalar` first.
  public static var available: [RegionKernel] { allCases.filter(\.isAvailable) }

  /// The fastest kernel this CPU runs.
  public static var best: RegionKernel {
    switch Int(fs_region_best_path()) {
    case Int(FS_REGION_PATH_AVX512): return .avx512
    case Int(FS_REGION_PATH_AVX2): return .avx2
    default: return .generic
    }
  }

  /// The values `FLASHSCAN_CPU` takes.
  public static let environmentValues: [RegionKernel] = [.generic, .avx2, .avx512]

  /// The kernel a `FLASHSCAN_CPU` value asks for, and a warning when it cannot be honoured: no
  /// value (or an empty one) is the best kernel; an unknown value, or a kernel this CPU lacks, is
  /// named in the warning and the best kernel runs.
  public static func choice(forEnvironmentValue value: String?) -> (
    kernel: RegionKernel, warning: String?
  ) {
    let best = Self.best
    guard let value, !value.isEmpty else { return (best, nil) }
    guard let kernel = RegionKernel(rawValue: value), environmentValues.contains(kernel) else {
      let known = environmentValues.map(\.rawValue).joined(separator: ", ")
      return (
        best,
        "FLASHSCAN_CPU=\(value) is not a kernel path (\(known)); using \(best)"
      )
    }
    guard kernel.isAvailable else {
      return (best, "FLASHSCAN_CPU=\(value): this CPU has no \(value) path; using \(best)")
    }
    return (kernel, nil)
  }

  /// This process's choice, from its `FLASHSCAN_CPU` (read once).
  public static let environmentChoice = choice(
    forEnvironmentValue: ProcessInfo.processInfo.environment["FLASHSCAN_CPU"])
}
