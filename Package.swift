// swift-tools-version:6.0
// flashscan: find the flashes in real video files.
// Data flow, one module per stage:
//   CFFmpeg -> MediaIO (demux, decode, convert) -> FrameTensor (frames as (F, H, W, 3) UInt8)
//   -> Flashinator (T table) / Photosensitivity (WCAG, Ofcom, IRIS; CKernels: C SIMD kernels)
//   -> Reports -> FlashscanCLI -> flashscan
//   NeuralNet works on the same FrameTensor type.
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
    .library(name: "Flashinator", targets: ["Flashinator"]),
    .library(name: "Photosensitivity", targets: ["Photosensitivity"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "NeuralNet", targets: ["NeuralNet"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
    .target(name: "Frames", dependencies: ["FrameTensor"], swiftSettings: strict),
    .target(
      name: "MediaIO", dependencies: ["CFFmpeg", "Frames", "FrameTensor"], swiftSettings: strict),
    .target(name: "Flashinator", dependencies: ["Frames", "FrameTensor"], swiftSettings: strict),
    // The region profiles' per-pixel sums in C (AVX-512 VBMI table lookups where the CPU has
    // them, a scalar loop with the same results elsewhere).
    .target(name: "CRegionSums"),
    .target(
      name: "Photosensitivity",
      dependencies: ["Frames", "FrameTensor", "Flashinator", "CRegionSums"],
      swiftSettings: strict),
    .target(
      name: "Reports",
      dependencies: [
        "Photosensitivity", "Flashinator", "Frames", "MediaIO", "FrameTensor",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .target(name: "NeuralNet", dependencies: ["FrameTensor"], swiftSettings: strict),
    .target(
      name: "FlashscanCLI",
      dependencies: [
        "FrameTensor", "Frames", "MediaIO", "Flashinator", "Photosensitivity", "Reports", "NeuralNet",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    .executableTarget(name: "flashscan", dependencies: ["FlashscanCLI"], swiftSettings: strict),
    .target(
      name: "TestSupport", dependencies: ["FrameTensor", "Frames", "MediaIO"], path: "Tests/TestSupport",
      swiftSettings: strict),
    .testTarget(name: "FrameTensorTests", dependencies: ["FrameTensor"], swiftSettings: strict),
    .testTarget(
      name: "MediaIOTests", dependencies: ["MediaIO", "Frames", "FrameTensor", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "FlashinatorTests",
      dependencies: ["Flashinator", "Frames", "FrameTensor", "MediaIO", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "PhotosensitivityTests",
      dependencies: ["Photosensitivity", "Frames", "FrameTensor", "MediaIO", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Photosensitivity", "Frames", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "NeuralNetTests", dependencies: ["NeuralNet", "FrameTensor"], swiftSettings: strict),
    .testTarget(
      name: "CLITests", dependencies: ["TestSupport", "FlashscanCLI", "flashscan"],
      swiftSettings: strict),
  ]
)
