/// A rectangle in pixels (x, y from the top-left corner).
public struct PixelRect: Codable, Sendable, Equatable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }
  /// The smallest rectangle holding both.
  public func union(_ o: PixelRect) -> PixelRect {
    let x0 = min(x, o.x)
    let y0 = min(y, o.y)
    let x1 = max(x + width, o.x + o.width)
    let y1 = max(y + height, o.y + o.height)
    return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
  }
}

/// The regions flashing is measured in: the frame cut into `columns x rows` cells (cell `c`
/// spans pixels `bound[c] ..< bound[c+1]` with `bound[c] = c * size / cells`), and the
/// 10-degree field (341x256 at 1024x768, scaled per axis to the video) as a window of cells.
public struct RegionGrid: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public let columns: Int
  public let rows: Int
  /// Pixel boundaries, `columns + 1` and `rows + 1` of them.
  public let columnBounds: [Int]
  public let rowBounds: [Int]
  /// The same boundaries as 32-bit integers, for the C kernel.
  let columnBounds32: [Int32]
  let rowBounds32: [Int32]
  /// The 10-degree field at the video's size, in pixels.
  public let fieldWidth: Double
  public let fieldHeight: Double
  /// The field as a window of whole cells (at least 1 x 1).
  public let fieldColumns: Int
  public let fieldRows: Int

  public init(width: Int, height: Int, parameters p: AnalysisParameters) {
    precondition(width > 0 && height > 0)
    self.width = width
    self.height = height
    let columns = max(1, min(p.gridColumns, width))
    let rows = max(1, min(p.gridRows, height))
    self.columns = columns
    self.rows = rows
    columnBounds = (0...columns).map { $0 * width / columns }
    rowBounds = (0...rows).map { $0 * height / rows }
    columnBounds32 = columnBounds.map { Int32($0) }
    rowBounds32 = rowBounds.map { Int32($0) }
    fieldWidth = Double(width) * p.fieldWidthAtReference / p.referenceWidth
    fieldHeight = Double(height) * p.fieldHeightAtReference / p.referenceHeight
    let fc = Int((Double(columns) * p.fieldWidthAtReference / p.referenceWidth).rounded())
    let fr = Int((Double(rows) * p.fieldHeightAtReference / p.referenceHeight).rounded())
    fieldColumns = min(columns, max(1, fc))
    fieldRows = min(rows, max(1, fr))
  }

  public var cellCount: Int { columns * rows }

  /// Pixels in cell `i` (row-major cell index).
  public func cellArea(_ i: Int) -> Int {
    let cx = i % columns
    let cy = i / columns
    return (columnBounds[cx + 1] - columnBounds[cx]) * (rowBounds[cy + 1] - rowBounds[cy])
  }

  public func cellRect(_ i: Int) -> PixelRect {
    let cx = i % columns
    let cy = i / columns
    return PixelRect(
      x: columnBounds[cx], y: rowBounds[cy], width: columnBounds[cx + 1] - columnBounds[cx],
      height: rowBounds[cy + 1] - rowBounds[cy])
  }

  /// Area of the 10-degree field window in pixels (as scaled, not rounded to cells).
  public var fieldArea: Double { fieldWidth * fieldHeight }
}
