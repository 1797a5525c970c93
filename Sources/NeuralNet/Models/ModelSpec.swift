import Foundation

/// One layer in the exam's notation (Q3): `CONV3-8`, `POOL-2`, `BATCHNORM`, `FLATTEN`, `FC-10`, ...
///
/// Grammar (case-insensitive; spaces and underscores ignored, so "Leaky ReLU" reads as LEAKYRELU):
/// - `CONVk-n[-Ss][-Pp][-NOBIAS]`: n filters of k x k, stride s (default 1), padding p (default 1,
///   as the exam assumes), bias unless NOBIAS.
/// - `POOL-n[-Ss][-Pp]` (alias `MAXPOOL-n`), `AVGPOOL-n[-Ss][-Pp]`: n x n window, stride n and
///   padding 0 unless given.
/// - `BATCHNORM` (alias `BN`), `FLATTEN`, `FC-n` (alias `DENSE-n`), `RELU`, `LEAKYRELU[-slope]`
///   (default slope 0.01), `SIGMOID`, `TANH`, `SOFTMAX`, `DROPOUT-rate` (drop probability).
public enum LayerSpec: Equatable, Sendable {
  case conv(kernel: Int, filters: Int, stride: Int, padding: Int, bias: Bool)
  case maxPool(kernel: Int, stride: Int, padding: Int)
  case avgPool(kernel: Int, stride: Int, padding: Int)
  case batchNorm
  case flatten
  case dense(units: Int)
  case relu
  case leakyReLU(slope: Double)
  case sigmoid
  case tanh
  case softmax
  case dropout(rate: Double)

  /// The canonical token (defaults omitted), which parses back to the same layer.
  public var name: String {
    switch self {
    case .conv(let k, let n, let s, let p, let bias):
      return "CONV\(k)-\(n)" + (s != 1 ? "-S\(s)" : "") + (p != 1 ? "-P\(p)" : "")
        + (bias ? "" : "-NOBIAS")
    case .maxPool(let k, let s, let p):
      return "POOL-\(k)" + (s != k ? "-S\(s)" : "") + (p != 0 ? "-P\(p)" : "")
    case .avgPool(let k, let s, let p):
      return "AVGPOOL-\(k)" + (s != k ? "-S\(s)" : "") + (p != 0 ? "-P\(p)" : "")
    case .batchNorm: return "BATCHNORM"
    case .flatten: return "FLATTEN"
    case .dense(let n): return "FC-\(n)"
    case .relu: return "RELU"
    case .leakyReLU(let a): return a == 0.01 ? "LEAKYRELU" : "LEAKYRELU-\(a)"
    case .sigmoid: return "SIGMOID"
    case .tanh: return "TANH"
    case .softmax: return "SOFTMAX"
    case .dropout(let r): return "DROPOUT-\(r)"
    }
  }

  /// Parses one token; `position` (1-based) only labels errors.
  public static func parse(_ token: String, position: Int) throws -> LayerSpec {
    let raw = token.trimmingCharacters(in: .whitespacesAndNewlines)
    let compact = String(raw.uppercased().filter { $0 != " " && $0 != "_" && $0 != "\t" })
    func fail(_ reason: String) -> ModelSpecError {
      ModelSpecError(position: position, token: raw, reason: reason)
    }
    guard !compact.isEmpty else { throw fail("empty layer (two commas in a row?)") }
    let parts = compact.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    let head = parts[0]
    func positive(_ text: String, _ what: String) throws -> Int {
      guard let v = Int(text), v > 0 else {
        throw fail("\(what) must be a positive integer, got '\(text)'")
      }
      return v
    }
    /// Reads -Ss / -Pp / -NOBIAS options.
    func options(_ rest: ArraySlice<String>, allowBias: Bool) throws -> (
      stride: Int?, padding: Int?, bias: Bool
    ) {
      var stride: Int?
      var padding: Int?
      var bias = true
      for option in rest {
        if option.hasPrefix("S"), let v = Int(option.dropFirst()), v > 0, stride == nil {
          stride = v
        } else if option.hasPrefix("P"), let v = Int(option.dropFirst()), v >= 0, padding == nil {
          padding = v
        } else if allowBias && option == "NOBIAS" && bias {
          bias = false
        } else {
          throw fail(
            "unknown option '\(option)' (expected S<stride>, P<padding>\(allowBias ? " or NOBIAS" : ""))"
          )
        }
      }
      return (stride, padding, bias)
    }
    func noArguments(_ spec: LayerSpec) throws -> LayerSpec {
      guard parts.count == 1 else { throw fail("\(head) takes no arguments") }
      return spec
    }
    if head.hasPrefix("CONV") {
      guard parts.count >= 2 else { throw fail("expected CONVk-n, e.g. CONV3-8") }
      let k = try positive(String(head.dropFirst(4)), "kernel size")
      let n = try positive(parts[1], "filter count")
      let o = try options(parts[2...], allowBias: true)
      return .conv(
        kernel: k, filters: n, stride: o.stride ?? 1, padding: o.padding ?? 1, bias: o.bias)
    }
    switch head {
    case "POOL", "MAXPOOL", "AVGPOOL":
      guard parts.count >= 2 else { throw fail("expected \(head)-n, e.g. \(head)-2") }
      let k = try positive(parts[1], "pool size")
      let o = try options(parts[2...], allowBias: false)
      let stride = o.stride ?? k
      let padding = o.padding ?? 0
      guard padding <= k / 2 else {
        throw fail("padding \(padding) is more than half the \(k)x\(k) window")
      }
      return head == "AVGPOOL"
        ? .avgPool(kernel: k, stride: stride, padding: padding)
        : .maxPool(kernel: k, stride: stride, padding: padding)
    case "BATCHNORM", "BN": return try noArguments(.batchNorm)
    case "FLATTEN": return try noArguments(.flatten)
    case "FC", "DENSE":
      guard parts.count == 2 else { throw fail("expected FC-n, e.g. FC-10") }
      return .dense(units: try positive(parts[1], "neuron count"))
    case "RELU": return try noArguments(.relu)
    case "LEAKYRELU":
      if parts.count == 1 { return .leakyReLU(slope: 0.01) }
      guard parts.count == 2, let a = Double(parts[1]), a >= 0, a < 1 else {
        throw fail("expected LEAKYRELU or LEAKYRELU-slope with 0 <= slope < 1")
      }
      return .leakyReLU(slope: a)
    case "SIGMOID": return try noArguments(.sigmoid)
    case "TANH": return try noArguments(.tanh)
    case "SOFTMAX": return try noArguments(.softmax)
    case "DROPOUT":
      guard parts.count == 2, let r = Double(parts[1]), r >= 0, r < 1 else {
        throw fail("expected DROPOUT-rate with 0 <= rate < 1")
      }
      return .dropout(rate: r)
    default:
      throw fail(
        "unknown layer; expected CONVk-n, POOL-n, AVGPOOL-n, BATCHNORM, FLATTEN, FC-n, RELU, LEAKYRELU, SIGMOID, TANH, SOFTMAX or DROPOUT-rate"
      )
    }
  }

  /// The output shape (per example, no batch axis) for an input shape, and the trainable
  /// parameter count; throws naming the layer when the shape is impossible or larger than
  /// `NNLimits` allows.
  public func propagate(_ input: [Int], position: Int) throws -> (output: [Int], parameters: Int) {
    let sizes = try checkedSizes(input, position: position)
    return (sizes.output, sizes.parameters)
  }

  /// `propagate`, plus the tensors the layer holds: its weights by name and shape (as
  /// `Sequential` names them: parameters, then state) and the size of its largest working tensor
  /// for one example (a convolution's im2col matrix). Every size is computed with checked
  /// arithmetic and held to `NNLimits.maxTensorElements`.
  func checkedSizes(_ input: [Int], position: Int) throws -> (
    output: [Int], parameters: Int, tensors: [(name: String, shape: [Int])], working: Int
  ) {
    func fail(_ reason: String) -> ModelSpecError {
      ModelSpecError(position: position, token: name, reason: reason)
    }
    /// The number of values in `dims`, which must stay within the tensor limit.
    func count(_ dims: [Int], _ what: @autoclosure () -> String) throws -> Int {
      guard let n = checkedProduct(dims), n <= NNLimits.maxTensorElements else {
        throw fail("\(what()) would hold \(NNLimits.tensorLimitText)")
      }
      return n
    }
    func image() throws -> (h: Int, w: Int, c: Int) {
      guard input.count == 3 else {
        throw fail("needs an H x W x C input, got \(formatShape(input))")
      }
      return (input[0], input[1], input[2])
    }
    /// Output rows or columns of a k x k window with stride s and padding p over `size` pixels,
    /// or nil when the window does not fit.
    func windowOutput(_ size: Int, _ k: Int, _ s: Int, _ p: Int) throws -> Int? {
      guard let twice = checkedProduct([2, p]), let padded = checkedSum(size, twice) else {
        throw fail("padding \(p) is too large")
      }
      return padded >= k ? (padded - k) / s + 1 : nil
    }
    switch self {
    case .conv(let k, let n, let s, let p, let bias):
      guard k > 0, n > 0, s > 0, p >= 0 else {
        throw fail("kernel size, filter count and stride must be positive, padding not negative")
      }
      let (h, w, c) = try image()
      guard let oh = try windowOutput(h, k, s, p), let ow = try windowOutput(w, k, s, p) else {
        throw fail(
          "\(k)x\(k) kernel does not fit the \(formatShape(input)) input with padding \(p)")
      }
      let output = [oh, ow, n]
      _ = try count(output, "its output \(formatShape(output))")
      let weights = try count([k, k, c, n], "its \(k) x \(k) x \(c) x \(n) weights")
      let working = try count(
        [oh, ow, k, k, c], "its im2col matrix (\(oh) x \(ow) rows of \(k) x \(k) x \(c))")
      var tensors: [(name: String, shape: [Int])] = [(name: "weight", shape: [k, k, c, n])]
      if bias { tensors.append((name: "bias", shape: [n])) }
      return (output, weights + (bias ? n : 0), tensors, working)
    case .maxPool(let k, let s, let p), .avgPool(let k, let s, let p):
      guard k > 0, s > 0, p >= 0 else {
        throw fail("pool size and stride must be positive, padding not negative")
      }
      if case .maxPool = self, p > k / 2 {
        throw fail("padding \(p) is more than half the \(k)x\(k) window")
      }
      let (h, w, c) = try image()
      guard let oh = try windowOutput(h, k, s, p), let ow = try windowOutput(w, k, s, p) else {
        throw fail("pool window \(k)x\(k) is larger than its \(formatShape(input)) input")
      }
      let output = [oh, ow, c]
      _ = try count(output, "its output \(formatShape(output))")
      return (output, 0, [], 0)
    case .batchNorm:
      guard let c = input.last else { throw fail("needs an input") }
      let names = ["gamma", "beta", "running_mean", "running_var"]
      return (input, 2 * c, names.map { (name: $0, shape: [c]) }, 0)
    case .flatten:
      return ([try count(input, "its output")], 0, [], 0)
    case .dense(let n):
      guard n > 0 else { throw fail("neuron count must be positive") }
      guard input.count == 1 else {
        throw fail(
          "a dense layer needs a flat input, got \(formatShape(input)); add FLATTEN before it")
      }
      // Its output (n) is never larger than its weights (input x n).
      let weights = try count([input[0], n], "its \(input[0]) x \(n) weights")
      return (
        [n], weights + n, [(name: "weight", shape: [input[0], n]), (name: "bias", shape: [n])], 0
      )
    case .leakyReLU(let a):
      guard a >= 0 && a < 1 else { throw fail("slope must be in [0, 1)") }
      return (input, 0, [], 0)
    case .dropout(let r):
      guard r >= 0 && r < 1 else { throw fail("rate must be in [0, 1)") }
      return (input, 0, [], 0)
    case .relu, .sigmoid, .tanh, .softmax:
      return (input, 0, [], 0)
    }
  }
}

/// Why a model specification was rejected: one line naming the offending layer.
public struct ModelSpecError: Error, Equatable, CustomStringConvertible, Sendable {
  /// 1-based position of the layer in the list, or nil for the input shape.
  public var position: Int?
  public var token: String
  public var reason: String

  public var description: String {
    if let position { return "layer \(position) '\(token)': \(reason)" }
    return "input shape '\(token)': \(reason)"
  }
}

/// "32 x 32 x 3" for an image shape, "1024" for a vector.
public func formatShape(_ shape: [Int]) -> String {
  shape.map(String.init).joined(separator: " x ")
}

/// A network in the exam's notation with its input shape, checked layer by layer.
public struct ModelSpec: Equatable, Sendable {
  public var inputShape: [Int]
  public var layers: [LayerSpec]

  /// Parses "CONV3-8, LEAKYRELU, POOL-2, ..." and checks every shape against `inputShape`.
  public init(_ text: String, inputShape: [Int]) throws {
    let tokens = text.split(separator: ",", omittingEmptySubsequences: false)
    var layers: [LayerSpec] = []
    for (i, token) in tokens.enumerated() {
      layers.append(try LayerSpec.parse(String(token), position: i + 1))
    }
    try self.init(layers: layers, inputShape: inputShape)
  }

  public init(layers: [LayerSpec], inputShape: [Int]) throws {
    guard !inputShape.isEmpty, inputShape.count <= 3, inputShape.allSatisfy({ $0 > 0 }) else {
      throw ModelSpecError(
        position: nil, token: formatShape(inputShape), reason: "expected H x W x C or a length")
    }
    guard let values = checkedProduct(inputShape), values <= NNLimits.maxTensorElements else {
      throw ModelSpecError(
        position: nil, token: formatShape(inputShape), reason: "holds \(NNLimits.tensorLimitText)")
    }
    self.inputShape = inputShape
    self.layers = layers
    _ = try summary()
  }

  /// Parses "32x32x3" (or "1024" for vectors).
  public static func parseShape(_ text: String) throws -> [Int] {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let dims = parts.compactMap { Int($0) }
    guard !parts.isEmpty, dims.count == parts.count, dims.allSatisfy({ $0 > 0 }), dims.count <= 3
    else {
      throw ModelSpecError(
        position: nil, token: text, reason: "expected positive sizes like 32x32x3")
    }
    return dims
  }

  /// The canonical text, e.g. "CONV3-8, LEAKYRELU, POOL-2".
  public var text: String { layers.map(\.name).joined(separator: ", ") }

  /// The Q3 table: the input row, then each layer's output shape and parameter count.
  public func summary() throws -> ModelSummary {
    var rows = [ModelSummary.Row(layer: "Input", output: inputShape, parameters: 0)]
    try forEachLayer { _, layer, sizes in
      rows.append(
        ModelSummary.Row(layer: layer.name, output: sizes.output, parameters: sizes.parameters))
    }
    return ModelSummary(rows: rows)
  }

  /// Runs `body` on every layer with its checked sizes, in order; throws naming the layer where a
  /// shape is impossible or a size passes `NNLimits` (the model's total parameters included).
  private func forEachLayer(
    _ body: (
      Int, LayerSpec,
      (output: [Int], parameters: Int, tensors: [(name: String, shape: [Int])], working: Int)
    ) throws -> Void
  ) throws {
    var shape = inputShape
    var total = 0
    for (i, layer) in layers.enumerated() {
      let sizes = try layer.checkedSizes(shape, position: i + 1)
      guard let sum = checkedSum(total, sizes.parameters), sum <= NNLimits.maxParameters else {
        throw ModelSpecError(
          position: i + 1, token: layer.name,
          reason: "brings the model to \(NNLimits.parameterLimitText)")
      }
      total = sum
      try body(i, layer, sizes)
      shape = sizes.output
    }
  }

  /// Every tensor a network built from this spec saves, by name ("i.weight", "i.running_var") and
  /// shape, in the order `Sequential.modelFile` writes them.
  public func tensorShapes() throws -> [(name: String, shape: [Int])] {
    var tensors: [(name: String, shape: [Int])] = []
    try forEachLayer { i, _, sizes in
      tensors += sizes.tensors.map { (name: "\(i).\($0.name)", shape: $0.shape) }
    }
    return tensors
  }

  /// The most values one example needs in any single tensor: its input, a layer's output or a
  /// convolution's im2col matrix (at most `NNLimits.maxTensorElements`). A batch of n examples
  /// needs n times as much.
  public func largestTensorPerExample() throws -> Int {
    var largest = checkedProduct(inputShape) ?? Int.max
    try forEachLayer { _, _, sizes in
      largest = max(largest, sizes.output.reduce(1, *), sizes.working)
    }
    return largest
  }

  /// Shape of one example after the last layer.
  public var outputShape: [Int] { (try? summary().rows.last?.output) ?? inputShape }
}

/// Output shape and parameter count per layer, printable as a table, CSV or JSON.
public struct ModelSummary: Equatable, Sendable {
  public struct Row: Equatable, Sendable {
    public var layer: String
    public var output: [Int]
    public var parameters: Int
  }

  public var rows: [Row]
  public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }

  /// Aligned columns and a total line with thousands separators ("11,658").
  public func table() -> String {
    let header = ("layer", "output (H x W x C)", "parameters")
    let cells = rows.map { ($0.layer, formatShape($0.output), String($0.parameters)) }
    let w0 = max(header.0.count, cells.map(\.0.count).max() ?? 0)
    let w1 = max(header.1.count, cells.map(\.1.count).max() ?? 0)
    let w2 = max(header.2.count, cells.map(\.2.count).max() ?? 0)
    func line(_ a: String, _ b: String, _ c: String) -> String {
      a.padding(toLength: w0, withPad: " ", startingAt: 0) + "  "
        + b.padding(toLength: w1, withPad: " ", startingAt: 0) + "  "
        + String(repeating: " ", count: w2 - c.count) + c
    }
    var out = [line(header.0, header.1, header.2)]
    out += cells.map { line($0.0, $0.1, $0.2) }
    out.append("Total trainable parameters: \(groupThousands(totalParameters))")
    return out.joined(separator: "\n") + "\n"
  }

  /// `layer,output,parameters` rows (output as HxWxC), then a `Total,,N` row.
  public func csv() -> String {
    var out = ["layer,output,parameters"]
    out += rows.map {
      "\($0.layer),\($0.output.map(String.init).joined(separator: "x")),\($0.parameters)"
    }
    out.append("Total,,\(totalParameters)")
    return out.joined(separator: "\n") + "\n"
  }

  /// {"layers":[{"layer":..,"output":[..],"parameters":..}],"total_parameters":N}
  public func json() -> String {
    let items = rows.map {
      "{\"layer\":\"\($0.layer)\",\"output\":[\($0.output.map(String.init).joined(separator: ","))],\"parameters\":\($0.parameters)}"
    }
    return
      "{\"layers\":[\(items.joined(separator: ","))],\"total_parameters\":\(totalParameters)}\n"
  }
}

func groupThousands(_ n: Int) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (i, ch) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(ch)
  }
  return (n < 0 ? "-" : "") + out
}
