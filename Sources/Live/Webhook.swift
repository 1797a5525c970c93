import CHTTPPost
import Foundation

/// An `http://` or `https://` URL for `--webhook`, and the POST to it (through libcurl: TLS
/// with the peer's certificate and host name verified against the system's certificate
/// authorities, or against `caFile`'s, as curl's `--cacert`).
public struct WebhookURL: Sendable, Equatable {
  /// The URL as given.
  public var text: String
  /// `http` or `https`.
  public var scheme: String
  public var host: String
  public var port: Int
  /// The path and query (`/` when the URL has none).
  public var path: String
  /// A PEM file of the certificate authorities to trust instead of the system's (`--webhook-ca`).
  public var caFile: String?

  /// Why a webhook URL was refused.
  public struct Invalid: Error, CustomStringConvertible {
    public var description: String
  }

  public init(parsing text: String, caFile: String? = nil) throws {
    let lower = text.lowercased()
    guard let scheme = ["https", "http"].first(where: { lower.hasPrefix($0 + "://") }) else {
      throw Invalid(description: "--webhook \(text): must be an http:// or https:// URL")
    }
    let rest = text.dropFirst(scheme.count + 3)
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    var path = String(rest.dropFirst(authority.count))
    if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
    var host = String(authority)
    var port = scheme == "https" ? 443 : 80
    if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
      host = String(authority[..<colon])
      guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p)
      else { throw Invalid(description: "--webhook \(text): bad port") }
      port = p
    }
    guard !host.isEmpty, !host.contains("@"), !path.contains("#"),
      text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else { throw Invalid(description: "--webhook \(text): not a URL flashscan can POST to") }
    if caFile != nil && scheme != "https" {
      throw Invalid(description: "--webhook-ca needs an https:// --webhook URL")
    }
    self.text = text
    self.scheme = scheme
    self.host = host
    self.port = port
    self.path = path
    self.caFile = caFile
  }

  /// The outcome of one POST: nil when the server answered 2xx within the timeout, else why
  /// not (one line: the TLS or network error, the time out, the HTTP status, or `abandon` set
  /// before the answer came).
  func post(_ body: [UInt8], timeout: Double, abandon: AbandonFlag? = nil) -> String? {
    var result = fs_http_result()
    let milliseconds = max(1, Int((timeout * 1000).rounded()))
    body.withUnsafeBufferPointer { bytes in
      bytes.withMemoryRebound(to: CChar.self) { chars in
        fs_http_post(
          text, chars.baseAddress, chars.count, caFile, milliseconds, abandon?.pointer, &result)
      }
    }
    if result.abandoned != 0 { return "no answer yet at exit: given up" }
    if result.curl_code != 0 {
      let message = withUnsafeBytes(of: result.error) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      return message.isEmpty ? "libcurl error \(result.curl_code)" : message
    }
    guard (200..<300).contains(result.status) else {
      return "the server answered HTTP \(result.status)"
    }
    return nil
  }
}
