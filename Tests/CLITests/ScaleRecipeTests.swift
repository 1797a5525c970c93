import Foundation
import TestSupport
import Testing

/// Docs/Scale.md's recipes are files under Docs/scale/, each quoted verbatim in the page, and
/// checked here: YAML parses (Python's yaml), Jobs handle exit codes the way Docs/CLI.md
/// documents them, and every `flashscan` command line uses only what the built binary's `--help`
/// lists. Every file in Docs/scale/ is picked up, whoever adds it.
@Suite("scale-out recipes", .serialized)
struct ScaleRecipeTests {
  static let folder = LibraryExampleTests.root.appendingPathComponent("Docs/scale")
  static let page = LibraryExampleTests.root.appendingPathComponent("Docs/Scale.md")

  static func recipes() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
      .filter { !$0.lastPathComponent.hasPrefix(".") }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  static func isYAML(_ url: URL) -> Bool { ["yaml", "yml"].contains(url.pathExtension) }

  // MARK: Scale.md quotes each file

  /// `<!-- include: Docs/scale/NAME -->` followed by a fenced block: (name, block text).
  static func includes(in markdown: String) -> [(name: String, body: String)] {
    var out: [(String, String)] = []
    let lines = markdown.components(separatedBy: "\n")
    var i = 0
    while i < lines.count {
      let line = lines[i]
      if line.hasPrefix("<!-- include: Docs/scale/"), line.hasSuffix(" -->"),
        i + 1 < lines.count, lines[i + 1].hasPrefix("```")
      {
        let name = String(line.dropFirst("<!-- include: Docs/scale/".count).dropLast(" -->".count))
        var body: [String] = []
        var j = i + 2
        while j < lines.count, lines[j] != "```" {
          body.append(lines[j])
          j += 1
        }
        out.append((name, body.map { $0 + "\n" }.joined()))
        i = j
      }
      i += 1
    }
    return out
  }

  @Test(
    "every file in Docs/scale/ is quoted in Docs/Scale.md as it is, and every quote names a file")
  func pageQuotesEveryFile() throws {
    let markdown = try String(contentsOf: Self.page, encoding: .utf8)
    let quoted = Self.includes(in: markdown)
    let files = try Self.recipes()
    #expect(!files.isEmpty)
    for file in files {
      let text = try String(contentsOf: file, encoding: .utf8)
      let blocks = quoted.filter { $0.name == file.lastPathComponent }
      #expect(
        !blocks.isEmpty, "Docs/Scale.md does not include Docs/scale/\(file.lastPathComponent)")
      for block in blocks {
        #expect(block.body == text, "Docs/Scale.md's copy of \(file.lastPathComponent) differs")
      }
    }
    for q in quoted {
      #expect(
        files.contains { $0.lastPathComponent == q.name }, "Docs/scale/\(q.name) does not exist")
    }
  }

  // MARK: YAML structure

  /// The documents of a YAML file, parsed by Python's yaml (Scripts/setup installs python3-yaml).
  static func yamlDocuments(_ url: URL) throws -> [Any] {
    let script =
      "import json, sys, yaml\n"
      + "print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))\n"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, url.path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(url.lastPathComponent) does not parse: \(problem)")
    return try #require(try JSONSerialization.jsonObject(with: data) as? [Any])
  }

  /// The exit codes Docs/CLI.md's "Exit status" table lists, and 129...255 when it documents
  /// `128 + signal`.
  static func documentedExitCodes() throws -> Set<Int> {
    let cli = try String(
      contentsOf: LibraryExampleTests.root.appendingPathComponent("Docs/CLI.md"), encoding: .utf8)
    let section =
      try #require(cli.components(separatedBy: "## Exit status").dropFirst().first)
      .components(separatedBy: "\n## ").first ?? ""
    var codes = Set<Int>()
    for line in section.split(separator: "\n") where line.hasPrefix("| ") {
      let cell = line.dropFirst(2).prefix { $0 != " " && $0 != "|" }
      if let code = Int(cell) { codes.insert(code) }
    }
    if section.contains("128 + signal") { codes.formUnion(129...255) }
    return codes
  }

  /// Every string in a parsed YAML value (commands and their arguments among them).
  static func strings(in value: Any) -> [String] {
    switch value {
    case let s as String: return [s]
    case let a as [Any]: return a.flatMap(strings)
    case let d as [String: Any]: return d.keys.sorted().flatMap { strings(in: d[$0]!) }
    default: return []
    }
  }

  @Test(
    "YAML parses; Jobs fail on usage errors, never Ignore an exit code, use only documented codes; Indexed Jobs bound retries per index and shard by completions"
  )
  func jobsHandleExitCodes() throws {
    let documented = try Self.documentedExitCodes()
    #expect([0, 1, 2, 3, 130, 143].allSatisfy(documented.contains), "\(documented.sorted())")
    var indexedJobs = 0
    for file in try Self.recipes() where Self.isYAML(file) {
      let name = file.lastPathComponent
      for case let doc as [String: Any] in try Self.yamlDocuments(file) {
        #expect(doc["apiVersion"] is String && doc["kind"] is String, "\(name)")
        guard doc["kind"] as? String == "Job" else { continue }
        let spec = try #require(doc["spec"] as? [String: Any], "\(name): a Job without spec")
        let template = try #require(
          (spec["template"] as? [String: Any])?["spec"] as? [String: Any], "\(name): no pod spec")
        #expect(template["restartPolicy"] as? String == "Never", "\(name): restartPolicy")
        let policy = try #require(
          spec["podFailurePolicy"] as? [String: Any], "\(name): a Job needs a podFailurePolicy")
        let rules = try #require(policy["rules"] as? [[String: Any]], "\(name): no rules")
        var failJobOn2 = false
        for rule in rules {
          let action = rule["action"] as? String
          #expect(["FailJob", "FailIndex", "Ignore", "Count"].contains(action ?? ""), "\(name)")
          guard let exits = rule["onExitCodes"] as? [String: Any] else {
            #expect(rule["onPodConditions"] is [Any], "\(name): a rule without a condition")
            continue
          }
          let values = try #require(exits["values"] as? [Int], "\(name): onExitCodes.values")
          for v in values {
            #expect(documented.contains(v), "\(name): exit code \(v) is not in Docs/CLI.md")
          }
          // Ignore replaces the pod: an exit code the same input gives again would loop forever.
          #expect(action != "Ignore", "\(name): Ignore on exit codes \(values) reruns forever")
          if action == "FailJob", exits["operator"] as? String == "In", values.contains(2) {
            failJobOn2 = true
          }
        }
        #expect(failJobOn2, "\(name): a usage error (exit 2) must fail the Job")
        guard spec["completionMode"] as? String == "Indexed" else { continue }
        indexedJobs += 1
        #expect(spec["backoffLimitPerIndex"] is Int, "\(name): backoffLimitPerIndex")
        let completions = try #require(spec["completions"] as? Int, "\(name): completions")
        for text in Self.strings(in: template) {
          for command in Self.commands(in: text) {
            guard let i = command.firstIndex(of: "--shard"), i + 1 < command.count else { continue }
            let n = command[i + 1].split(separator: "/").last.map(String.init)
            #expect(
              n == "\(completions)",
              "\(name): --shard \(command[i + 1]), completions \(completions)")
          }
        }
      }
    }
    #expect(indexedJobs >= 1, "Docs/scale/ has no Indexed Job")
  }

  // MARK: command lines against --help

  /// Shell words of one line (quotes removed, `$VAR` kept as written); a word starting with `#`
  /// ends it (a comment).
  static func words(_ line: String) -> [String] {
    var out: [String] = []
    var word = ""
    var inWord = false
    var quote: Character? = nil
    for c in line {
      if let q = quote {
        if c == q { quote = nil } else { word.append(c) }
        continue
      }
      switch c {
      case "'", "\"":
        quote = c
        inWord = true
      case " ", "\t":
        if inWord { out.append(word) }
        word = ""
        inWord = false
      case "#" where !inWord:
        return out
      case ";", "|", "&", "(", ")":
        if inWord { out.append(word) }
        out.append(String(c))
        word = ""
        inWord = false
      default:
        word.append(c)
        inWord = true
      }
    }
    if inWord { out.append(word) }
    return out
  }

  /// The `flashscan` command lines in `text` (shell line continuations joined), each as its
  /// arguments after `flashscan`: a word `flashscan` at the start of a command (after nothing,
  /// `exec`, `$(`, `;`, `|`, `&` or `(`), up to the next operator.
  static func commands(in text: String) -> [[String]] {
    let joined = text.replacingOccurrences(of: "\\\n", with: " ")
    var out: [[String]] = []
    for line in joined.split(separator: "\n") {
      let w = words(String(line))
      for (i, word) in w.enumerated() where word == "flashscan" {
        let before = i > 0 ? w[i - 1] : nil
        guard before == nil || ["exec", ";", "|", "&", "(", "$", "then", "do"].contains(before!)
        else { continue }
        out.append(Array(w[(i + 1)...].prefix { ![";", "|", "&", ")", "(", ">"].contains($0) }))
      }
    }
    return out
  }

  /// The option names in a `--help` text (`-o, --output <PATH>`: both, and whether they take a
  /// value) and the subcommands it lists, as Sources/FlashscanCLI's DashNameHint reads help.
  static func helpEntries(_ help: String) -> (options: [String: Bool], subcommands: Set<String>) {
    var options: [String: Bool] = ["-h": false, "--help": false]
    var subcommands = Set<String>()
    var inSubcommands = false
    for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("SUBCOMMANDS:") {
        inSubcommands = true
        continue
      }
      if !line.hasPrefix(" ") { inSubcommands = false }
      let trimmed = line.drop { $0 == " " }
      if inSubcommands, let name = trimmed.split(separator: " ").first, !name.hasPrefix("-"),
        line.hasPrefix("  ") && !line.hasPrefix("        ")
      {
        subcommands.insert(String(name))
        continue
      }
      guard trimmed.hasPrefix("-") else { continue }
      let column = trimmed.range(of: "  ").map { trimmed[..<$0.lowerBound] } ?? trimmed
      let takesValue = column.contains("<")
      for part in column.components(separatedBy: ", ") {
        guard let name = part.split(separator: " ").first, name.hasPrefix("-") else { continue }
        options[String(name)] = takesValue
      }
    }
    return (options, subcommands)
  }

  /// What is wrong with `arguments` (after `flashscan`), checked against the binary's help;
  /// nil when nothing is.
  static func problem(
    _ arguments: [String], help: (String?) throws -> String, subcommands: Set<String>
  ) throws -> String? {
    var args = arguments[...]
    var subcommand: String? = nil
    if let first = args.first, subcommands.contains(first) {
      subcommand = first
      args = args.dropFirst()
    }
    let (options, _) = Self.helpEntries(try help(subcommand ?? "scan"))
    var valueNext = false
    for arg in args {
      if valueNext {
        valueNext = false
        continue
      }
      if arg == "--" { break }
      guard arg.hasPrefix("-"), arg != "-" else { continue }
      let name = String(arg.split(separator: "=", maxSplits: 1)[0])
      guard let takesValue = options[name] else {
        return "\(name) is not an option of flashscan \(subcommand ?? "scan")"
      }
      valueNext = takesValue && !arg.contains("=")
    }
    return nil
  }

  @Test(
    "every flashscan command line in Docs/scale/ uses only subcommands and options the binary's --help lists"
  )
  func commandsMatchTheRealOptions() throws {
    let root = try Flashscan.run(["--help"])
    #expect(root.status == 0)
    let subcommands = Self.helpEntries(root.stdout).subcommands
    #expect(subcommands.contains("scan") && subcommands.contains("nn"), "\(subcommands)")
    var helps: [String: String] = [:]
    func help(_ subcommand: String?) throws -> String {
      let key = subcommand ?? ""
      if let h = helps[key] { return h }
      let r = try Flashscan.run((subcommand.map { [$0] } ?? []) + ["--help"])
      #expect(r.status == 0, "flashscan \(key) --help")
      helps[key] = r.stdout
      return r.stdout
    }
    // The checker rejects what it must (else the checks below could not fail).
    #expect(try Self.problem(["--shrad", "0/2", "v"], help: help, subcommands: subcommands) != nil)
    #expect(
      try Self.problem(["--report-dir", "--skip-existing"], help: help, subcommands: subcommands)
        == nil, "a value is not an option")
    #expect(
      try Self.problem(["nn", "--shard", "0/2"], help: help, subcommands: subcommands) != nil,
      "scan's options are not nn's")
    #expect(
      Self.commands(in: "x=1; exec flashscan --a \\\n  --b c | tee log # flashscan --z") == [
        ["--a", "--b", "c"]
      ])

    var found = 0
    for file in try Self.recipes() {
      let text = try String(contentsOf: file, encoding: .utf8)
      let texts = Self.isYAML(file) ? try Self.yamlDocuments(file).flatMap(Self.strings) : [text]
      for command in texts.flatMap(Self.commands) {
        found += 1
        let issue = try Self.problem(command, help: help, subcommands: subcommands)
        #expect(
          issue == nil,
          "\(file.lastPathComponent): flashscan \(command.joined(separator: " ")): \(issue ?? "")")
      }
    }
    #expect(found >= 2, "no flashscan command lines found in Docs/scale/")
  }
}
