import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An `http://HOST[:PORT]/PATH` URL for `--webhook`, and the POST to it: HTTP/1.1 over a POSIX
/// socket (no TLS: `https://` is refused; POST through `--exec` with curl for HTTPS).
public struct WebhookURL: Sendable, Equatable {
  public var host: String
  public var port: Int
  public var path: String

  /// Why a webhook URL was refused.
  public struct Invalid: Error, CustomStringConvertible {
    public var description: String
  }

  public init(parsing text: String) throws {
    if text.lowercased().hasPrefix("https://") {
      throw Invalid(
        description:
          "--webhook \(text): https is not supported; POST with --exec and curl instead (Docs/Live.md)"
      )
    }
    guard text.lowercased().hasPrefix("http://") else {
      throw Invalid(description: "--webhook \(text): must be an http:// URL")
    }
    let rest = text.dropFirst("http://".count)
    let authority = rest.prefix { $0 != "/" && $0 != "?" }
    var path = String(rest.dropFirst(authority.count))
    if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
    var host = String(authority)
    var port = 80
    if let colon = authority.lastIndex(of: ":"), !authority.hasPrefix("[") {
      host = String(authority[..<colon])
      guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p)
      else { throw Invalid(description: "--webhook \(text): bad port") }
      port = p
    }
    guard !host.isEmpty, !host.contains("@"),
      path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else { throw Invalid(description: "--webhook \(text): not a URL flashscan can POST to") }
    self.host = host
    self.port = port
    self.path = path
  }

  /// POSTs `body` as `application/json`; true when the server answered 2xx within `timeout`
  /// seconds (connect, send and the status line together).
  func post(_ body: [UInt8], timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var found: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
      return false
    }
    defer { freeaddrinfo(found) }
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let a = entry {
      defer { entry = a.pointee.ai_next }
      let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
        continue
      }
      guard wait(fd, for: Int16(POLLOUT), until: deadline) else { continue }
      var error: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
      guard error == 0 else { continue }
      let hostHeader = port == 80 ? host : "\(host):\(port)"
      let request =
        Array(
          ("POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: flashscan\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n").utf8) + body
      guard send(fd, request, until: deadline) else { return false }
      return statusIsSuccess(fd, until: deadline)
    }
    return false
  }

  private func wait(_ fd: Int32, for events: Int16, until deadline: Date) -> Bool {
    while true {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return false }
      var p = pollfd(fd: fd, events: events, revents: 0)
      let n = poll(&p, 1, Int32(min(left, 1) * 1000) + 1)
      if n > 0 { return true }
      if n < 0 && errno != EINTR { return false }
    }
  }

  private func send(_ fd: Int32, _ bytes: [UInt8], until deadline: Date) -> Bool {
    var offset = 0
    while offset < bytes.count {
      guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return false }
      let n = bytes.withUnsafeBytes {
        Foundation.send(fd, $0.baseAddress! + offset, $0.count - offset, MetricsServer.noSignal)
      }
      if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
      if n <= 0 { return false }
      offset += n
    }
    return true
  }

  /// Reads until the status line is complete (at most 1 KB) and checks for 2xx.
  private func statusIsSuccess(_ fd: Int32, until deadline: Date) -> Bool {
    var got: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 512)
    while !got.contains(0x0A) && got.count < 1024 {
      guard wait(fd, for: Int16(POLLIN), until: deadline) else { return false }
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
      if n <= 0 { break }
      got += buffer[0..<n]
    }
    let line = String(decoding: got.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    let parts = line.split(separator: " ")
    return parts.count >= 2 && parts[0].hasPrefix("HTTP/1.") && parts[1].hasPrefix("2")
  }
}
