// swift-tools-version:6.0
// flashscan: find the flashes in real video files.
// Data flow, one module per step (Docs/Architecture.md):
//   MediaIO (decode; the only module that links FFmpeg) -> Frames (frame chunks, the scan engine)
//   -> TTable (the exam's T table) / Photosensitivity (WCAG, Ofcom, IRIS; CRegionSums: C kernel)
//   -> Reports -> Live (`flashscan watch`) -> FlashscanCLI -> flashscan
//   FrameTensor is the one tensor type; NeuralNet works on it too. TextOutput: CSV, numbers, files.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
  name: "flashscan",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "flashscan", targets: ["flashscan"]),
    .library(name: "FrameTensor", targets: ["FrameTensor"]),
    .library(name: "Frames", targets: ["Frames"]),
    .library(name: "MediaIO", targets: ["MediaIO"]),
    .library(name: "TTable", targets: ["TTable"]),
    .library(name: "Photosensitivity", targets: ["Photosensitivity"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "NeuralNet", targets: ["NeuralNet"]),
    .library(name: "TextOutput", targets: ["TextOutput"]),
    .library(name: "Live", targets: ["Live"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CFFmpeg",
      pkgConfig: "libavformat",
      providers: [
        .apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev", "pkg-config"])
      ]
    ),
    .target(name: "FrameTensor", swiftSettings: strict),
    // CSV fields, number text and atomic file writes: the one copy of each (Foundation only).
    .target(name: "TextOutput", swiftSettings: strict),
    .target(name: "Frames", dependencies: ["FrameTensor"], swiftSettings: strict),
    .target(
      name: "MediaIO", dependencies: ["CFFmpeg", "Frames", "FrameTensor", "CYUVToRGB"],
      swiftSettings: strict),
    // swscale's unscaled 8-bit 4:2:0 -> rgb24 arithmetic again, 32 pixels a step with AVX2;
    // MediaIO uses it only where it checked, in the same process, that the bytes are swscale's.
    .target(name: "CYUVToRGB", dependencies: ["CCPUFeatures"]),
    .target(
      name: "TTable", dependencies: ["Frames", "FrameTensor", "CTKernel"], swiftSettings: strict),
    // The T table's pair kernel for the mean and luma modes in C (portable vector code, and an
    // AVX2 path chosen at run time on x86-64); the same values as the Swift kernel, bit for bit.
    .target(name: "CTKernel", dependencies: ["CCPUFeatures", "CYUVToRGB"]),
    // The region profiles' per-pixel sums in C (AVX-512 VBMI table lookups where the CPU has
    // them, a scalar loop with the same results elsewhere).
    .target(name: "CRegionSums", dependencies: ["CCPUFeatures"]),
    // The cpuid questions the C kernels ask to pick their path (AVX2, AVX-512 VBMI), in one place.
    .target(name: "CCPUFeatures"),
    // The pattern detector's box filter, tile FFT and quadrant sums in C (vectorised, with the
    // same float operations in the same order as scalar code: bit-identical results).
    .target(name: "CPatternKernels"),
    // One HTTP(S) POST through libcurl (the library FoundationNetworking is built on), for
    // `flashscan watch --webhook` with its own trusted CA file (Sources/CHTTPPost).
    .target(name: "CHTTPPost", linkerSettings: [.linkedLibrary("curl")]),
    // The git commit of the build (set by Scripts/package; empty in a plain `swift build`).
    .target(name: "CBuildInfo"),
    .target(
      name: "Photosensitivity",
      dependencies: ["Frames", "FrameTensor", "CRegionSums", "CPatternKernels"],
      swiftSettings: strict),
    .target(
      name: "Reports",
      dependencies: [
        "Photosensitivity", "TTable", "Frames", "FrameTensor", "TextOutput",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    // One film on many machines: segment scans write part files, the merge joins them.
    .target(
      name: "Segments",
      dependencies: [
        "MediaIO", "Frames", "TTable", "Photosensitivity", "Reports",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    // `flashscan watch`: the analysis on a live input, its events, alert hooks, reconnection.
    .target(
      name: "Live",
      dependencies: [
        "Photosensitivity", "Reports", "Frames", "TextOutput", "CHTTPPost",
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      swiftSettings: strict),
    .target(name: "NeuralNet", dependencies: ["FrameTensor", "TextOutput"], swiftSettings: strict),
    .target(
      name: "FlashscanCLI",
      dependencies: [
        "FrameTensor", "Frames", "MediaIO", "TTable", "Photosensitivity", "Reports", "Live",
        "NeuralNet", "TextOutput", "CBuildInfo", "Segments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    .executableTarget(name: "flashscan", dependencies: ["FlashscanCLI"], swiftSettings: strict),
    // The program of Docs/Library.md (the CLI tests check the two agree, and run it).
    .executableTarget(
      name: "library-example", dependencies: ["Frames", "MediaIO", "Reports", "TTable"],
      swiftSettings: strict),
    .target(
      name: "TestSupport", dependencies: ["FrameTensor", "Frames", "MediaIO"],
      path: "Tests/TestSupport",
      swiftSettings: strict),
    .testTarget(name: "FrameTensorTests", dependencies: ["FrameTensor"], swiftSettings: strict),
    .testTarget(name: "TextOutputTests", dependencies: ["TextOutput"], swiftSettings: strict),
    .testTarget(
      name: "FramesTests", dependencies: ["Frames", "FrameTensor"], swiftSettings: strict),
    .testTarget(
      name: "MediaIOTests",
      dependencies: ["MediaIO", "Frames", "FrameTensor", "TestSupport", "CYUVToRGB"],
      swiftSettings: strict),
    .testTarget(
      name: "TTableTests",
      dependencies: ["TTable", "Frames", "FrameTensor", "MediaIO", "TestSupport", "CYUVToRGB"],
      swiftSettings: strict),
    .testTarget(
      name: "PhotosensitivityTests",
      dependencies: [
        "Photosensitivity", "CRegionSums", "Frames", "FrameTensor", "MediaIO", "TestSupport",
        "CPatternKernels", "TTable",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Photosensitivity", "Frames", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "NeuralNetTests", dependencies: ["NeuralNet", "FrameTensor"], swiftSettings: strict),
    .testTarget(
      name: "CLITests",
      dependencies: [
        "TestSupport", "FlashscanCLI", "Photosensitivity", "Reports", "Live", "TextOutput",
        "Segments", "TTable", "Frames", .product(name: "Crypto", package: "swift-crypto"),
        "flashscan",
        "library-example",
      ],
      swiftSettings: strict),
  ]
)
