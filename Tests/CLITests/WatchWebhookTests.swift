import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A Python HTTPS receiver on 127.0.0.1 (any free port) with a certificate made by the
/// `openssl` CLI: it writes `PATH CONTENT-TYPE BODY` per POST to `received` and answers 200.
final class HTTPSReceiver {
  let process = Process()
  let port: Int
  /// The receiver's self-signed certificate (PEM): the CA file a client must trust.
  let certificate: String

  init(in dir: TemporaryDirectory, received: String) throws {
    certificate = dir.file("receiver-cert.pem")
    let key = dir.file("receiver-key.pem")
    _ = try FFmpegCLI.execute(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      ])
    let script = """
      import http.server, ssl, sys
      class H(http.server.BaseHTTPRequestHandler):
          def do_POST(self):
              body = self.rfile.read(int(self.headers["Content-Length"]))
              with open(sys.argv[1], "a") as f:
                  f.write("%s %s %s\\n" % (self.path, self.headers["Content-Type"], body.decode()))
              self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
          def log_message(self, *a): pass
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
      context.load_cert_chain(sys.argv[2], sys.argv[3])
      s.socket = context.wrap_socket(s.socket, server_side=True)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, received, certificate, key]
    let portPipe = Pipe()
    process.standardOutput = portPipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let portLine = LineCollector(fd: portPipe.fileHandleForReading.fileDescriptor)
    let deadline = monotonicNow() + 20
    while portLine.all.isEmpty && process.isRunning && monotonicNow() < deadline {
      usleep(20_000)
    }
    guard let port = portLine.all.first.flatMap({ Int($0.text) }) else {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      throw ReceiverDidNotStart()
    }
    self.port = port
  }

  struct ReceiverDidNotStart: Error {}

  func stop() {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}

@Suite("flashscan watch --webhook over HTTPS", .serialized)
struct WatchWebhookTests {
  /// An 8 s clip with a 5 Hz flash from 2 s to 4 s: two events (incident-start, incident-end).
  func flashClip(_ dir: TemporaryDirectory) throws -> String {
    let clip = dir.file("flash.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=c=black:s=32x24:r=25:d=8", "-vf",
      "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,2,4)*lt(mod(n,5),2)'",
      "-c:v", "ffv1", clip,
    ])
    return clip
  }

  /// The receiver's lines: path, content type and body of each POST.
  func posts(_ received: String) -> [[String]] {
    (readText(received) ?? "").split(separator: "\n").map {
      $0.split(separator: " ", maxSplits: 2).map(String.init)
    }
  }

  /// A real HTTPS server on loopback with a self-signed certificate: with `--webhook-ca` naming
  /// that certificate, each event but status arrives whole as the POST's JSON body, and nothing
  /// is warned about.
  @Test func httpsWebhookWithTrustedCertificate() throws {
    let dir = try TemporaryDirectory(prefix: "watch-https")
    let clip = try flashClip(dir)
    let received = dir.file("received.txt")
    let receiver = try HTTPSReceiver(in: dir, received: received)
    defer { receiver.stop() }
    let result = try Flashscan.run(
      [
        "watch", clip, "--webhook", "https://127.0.0.1:\(receiver.port)/hooks/ch1?x=1",
        "--webhook-ca", receiver.certificate, "--exec-timeout", "5", "--status-every", "0",
      ], environment: ["no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let got = posts(received)
    #expect(got.count == 2)
    #expect(got.allSatisfy { $0.count == 3 && $0[0] == "/hooks/ch1?x=1" })
    #expect(got.allSatisfy { $0.count == 3 && $0[1] == "application/json" })
    // The bodies are the events' lines, byte for byte, and parse as the events.
    #expect(got.map { $0.count == 3 ? $0[2] : "" } == lines)
    let bodies = got.compactMap {
      $0.count == 3
        ? try? JSONSerialization.jsonObject(with: Data($0[2].utf8)) as? [String: Any] : nil
    }
    #expect(bodies.map { $0["event"] as? String } == ["incident-start", "incident-end"])
    #expect(bodies.first?["kind"] as? String == "luminance")
    #expect((bodies.last?["incident"] as? [String: Any])?["verdict"] as? String == "fail")
  }

  /// The same server without `--webhook-ca`: its certificate is not trusted (the system's
  /// authorities never signed it), so each POST fails at the TLS handshake, with one warning
  /// line per event on stderr, nothing reaches the receiver, and the analysis runs to the end.
  @Test func untrustedCertificateWarnsAndAnalysisContinues() throws {
    let dir = try TemporaryDirectory(prefix: "watch-https-untrusted")
    let clip = try flashClip(dir)
    let received = dir.file("received.txt")
    let receiver = try HTTPSReceiver(in: dir, received: received)
    defer { receiver.stop() }
    let url = "https://127.0.0.1:\(receiver.port)/hook"
    let result = try Flashscan.run(
      ["watch", clip, "--webhook", url, "--exec-timeout", "5", "--status-every", "0"],
      environment: ["no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"])
    #expect(result.status == 0, "\(result.stderr)")
    let events = result.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(events.map { $0["event"] as? String } == ["incident-start", "incident-end"])
    let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning") }
    #expect(warnings.count == 2, "\(result.stderr)")
    #expect(
      warnings.first?.hasPrefix(
        "flashscan: warning: --webhook \(url): incident-start event not delivered: ") == true,
      "\(result.stderr)")
    #expect(warnings.allSatisfy { $0.contains("certificate") }, "\(result.stderr)")
    #expect(posts(received).isEmpty)
  }

  /// Usage errors, one line each, exit 2: --webhook-ca without --webhook, with an http:// URL,
  /// with a file that does not exist or holds no certificate.
  @Test func webhookCAUsageErrors() throws {
    let dir = try TemporaryDirectory(prefix: "watch-webhook-ca")
    let notPEM = dir.file("not.pem")
    try Data("hello\n".utf8).write(to: URL(fileURLWithPath: notPEM))
    let cases: [([String], String)] = [
      (["--webhook-ca", notPEM], "--webhook-ca needs --webhook"),
      (
        ["--webhook", "http://127.0.0.1:9/x", "--webhook-ca", notPEM],
        "--webhook-ca needs an https:// --webhook URL"
      ),
      (
        ["--webhook", "https://127.0.0.1:9/x", "--webhook-ca", dir.file("missing.pem")],
        "missing.pem: cannot be read"
      ),
      (
        ["--webhook", "https://127.0.0.1:9/x", "--webhook-ca", notPEM],
        "not.pem: no PEM certificate in the file"
      ),
    ]
    for (arguments, message) in cases {
      let result = try Flashscan.run(["watch", "in.mkv"] + arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
  }
}
