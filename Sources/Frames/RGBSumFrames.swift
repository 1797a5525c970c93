/// A chunk's frames for the T table's mean mode when the decoder does not write them out
/// (`PixelLayout.rgbSumFromPlanes`): each frame is either the decoder's own 8-bit 4:2:0 planes,
/// held by reference, with the checked constants that give each pixel's R + G + B (the key) from
/// them, or a key plane the decoder wrote because it could not hand the planes over (another
/// format, a scaled or rotated frame, a colour setting its converter has not checked). The T
/// table computes the keys of the planes on a worker thread, a strip at a time, and screens each
/// strip while it is still in L1 (Docs/Algorithm.md, "The key plane").
///
/// The memory stays valid while any copy of the value lives (`owner` keeps it).
public struct RGBSumFrames: @unchecked Sendable {
  /// One per frame of the chunk, in order; every frame is the chunk's width and height.
  public let frames: [RGBSumFrame]
  /// Keeps the memory the frames point into alive.
  public let owner: AnyObject

  public init(frames: [RGBSumFrame], owner: AnyObject) {
    self.frames = frames
    self.owner = owner
  }
}

/// One frame of `RGBSumFrames`.
public enum RGBSumFrame: @unchecked Sendable {
  /// Y, U and V planes of 8-bit 4:2:0 (U and V at half the width and height, rounded up), rows
  /// `strides` bytes apart, converted with `coefficients` (swscale's fixed-point constants in
  /// the order of `fs_yuv_rgb_coefficients`: y_coeff, y_offset, u_offset, v_offset, vr_coeff,
  /// ub_coeff, ug_coeff, vg_coeff) on the converter path `path` (`FS_YUV_PATH_*`).
  case planes(
    y: UnsafePointer<UInt8>, u: UnsafePointer<UInt8>, v: UnsafePointer<UInt8>,
    strides: (y: Int, u: Int, v: Int), coefficients: [Int16], path: Int32)
  /// A key plane: height rows of width `UInt16` keys, no gap between rows.
  case keys(UnsafePointer<UInt16>)
}
