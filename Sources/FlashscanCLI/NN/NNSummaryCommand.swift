import ArgumentParser
import NeuralNet

/// `flashscan nn summary SPEC --input 32x32x3`: the exam's Question 3 table for any layer list.
struct NNSummaryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "summary",
    abstract:
      "Print each layer's output shape and parameter count for a network in the exam's notation.",
    discussion: """
      SPEC is a comma-separated layer list, e.g.
        "CONV3-8, LEAKYRELU, POOL-2, BATCHNORM, CONV3-16, LEAKYRELU, POOL-2, FLATTEN, FC-10"
      Convolutions use padding 1 and stride 1 unless given (CONV5-8-S2-P0); POOL-n has stride n and no
      padding. See Docs/NeuralNet.md for the whole grammar.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

  @Argument(help: "The layer list in the exam's notation.")
  var spec: String

  @Option(help: "Input shape H x W x C (or a length for vector input).")
  var input: String = "32x32x3"

  @Option(help: "Output format: table, csv or json.")
  var format: Format = .table

  func run() throws {
    try reportingFailures {
      let summary = try ModelSpec(spec, inputShape: ModelSpec.parseShape(input)).summary()
      switch format {
      case .table: print(summary.table(), terminator: "")
      case .csv: print(summary.csv(), terminator: "")
      case .json: print(summary.json(), terminator: "")
      }
    }
  }
}
