import ArgumentParser
import Dispatch
import Foundation
import FrameTensor
import NeuralNet

/// `flashscan nn bench`: times one forward plus backward pass (softmax cross-entropy included) of
/// the Question 3 CNN, the Swift side of Scripts/bench-nn.
struct NNBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time forward+backward of the Question 3 CNN on random 32x32x3 images (Float).")

  @Option(help: "Images per batch.")
  var batch: Int = 64

  @Option(help: "Timed iterations (the median is reported).")
  var iterations: Int = 30

  @Option(help: "Untimed warm-up iterations.")
  var warmup: Int = 3

  @OptionGroup var network: NNSpecOption

  @Flag(help: "Also print the median time of each layer's forward and backward pass.")
  var perLayer = false

  func validate() throws {
    guard batch > 1, iterations > 0, warmup >= 0 else {
      throw ValidationError("batch must be > 1 and iterations > 0")
    }
  }

  func run() throws {
    try reportingFailures {
      let spec = try ModelSpec(network.spec, inputShape: [32, 32, 3])
      // The batch's largest tensor (e.g. the first convolution's im2col matrix) is held to the
      // tensor limit like any other.
      guard spec.outputShape.count == 1 else {
        throw NNUsageError(
          "--spec: the network ends in \(formatShape(spec.outputShape)), not in class scores (end it with FLATTEN and FC-n)"
        )
      }
      let perExample = try spec.largestTensorPerExample()
      let (values, overflow) = batch.multipliedReportingOverflow(by: perExample)
      guard !overflow, values <= NNLimits.maxTensorElements else {
        throw NNUsageError(
          "--batch \(batch): \(batch) images of \(perExample) values each (the network's largest tensor per image) would hold \(NNLimits.tensorLimitText)"
        )
      }
      measure(Sequential<Float>(spec: spec, seed: 1))
    }
  }

  /// Times the passes of `model` (the command's body once the options are checked).
  func measure(_ model: Sequential<Float>) {
    var g = SeededGenerator(seed: 2)
    let x = Tensor<Float>(
      shape: [batch, 32, 32, 3], storage: (0..<(batch * 3072)).map { _ in Float(g.nextUnit()) })
    let classes = model.spec?.outputShape.first ?? 10
    let labels = (0..<batch).map { $0 % classes }
    func once() {
      model.zeroGradients()
      let logits = model.forward(x, training: true)
      model.backward(Loss.softmaxCrossEntropy(logits: logits, labels: labels).gradient)
    }
    for _ in 0..<warmup { once() }
    var times: [Double] = []
    var cpuTimes: [Double] = []
    for _ in 0..<iterations {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = processCPUNanoseconds()
      once()
      cpuTimes.append(Double(processCPUNanoseconds() - cpuStart) / 1e6)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    cpuTimes.sort()
    let median = times[times.count / 2]
    if perLayer { printPerLayer(model: model, input: x, labels: labels) }
    print(
      "swift median_ms=\(format3(median)) min_ms=\(format3(times[0])) cpu_median_ms=\(format3(cpuTimes[cpuTimes.count / 2]))"
        + " batch=\(batch) threads=\(NNCompute.threads)")
  }
}

extension NNBenchCommand {
  func printPerLayer(model: Sequential<Float>, input: Tensor<Float>, labels: [Int]) {
    let n = model.layers.count
    var forward = [[Double]](repeating: [], count: n)
    var backward = [[Double]](repeating: [], count: n)
    for _ in 0..<iterations {
      var x = input
      for (i, layer) in model.layers.enumerated() {
        let start = processCPUNanoseconds()
        x = layer.forward(x, training: true)
        forward[i].append(Double(processCPUNanoseconds() - start) / 1e6)
      }
      var dy = Loss.softmaxCrossEntropy(logits: x, labels: labels).gradient
      for (i, layer) in model.layers.enumerated().reversed() {
        let start = processCPUNanoseconds()
        dy = layer.backward(dy)
        backward[i].append(Double(processCPUNanoseconds() - start) / 1e6)
      }
    }
    for i in 0..<n {
      let f = forward[i].sorted()[iterations / 2]
      let b = backward[i].sorted()[iterations / 2]
      print(
        "layer \(model.layers[i].name) forward_cpu_ms=\(format3(f)) backward_cpu_ms=\(format3(b))")
    }
  }
}

/// CPU time of the whole process (all threads): unlike wall time, it does not count the time
/// other programs on a busy machine hold the cores.
func processCPUNanoseconds() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func format3(_ x: Double) -> String {
  let scaled = (x * 1000).rounded() / 1000
  return String(scaled)
}
