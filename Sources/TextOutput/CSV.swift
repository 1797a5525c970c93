/// RFC 4180 fields.
public enum CSV {
  /// The field as written: quoted (with inner quotes doubled) when it holds a comma, a quote, CR or LF.
  public static func quote(_ field: String) -> String {
    let needs = field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    guard needs else { return field }
    var out = "\""
    for scalar in field.unicodeScalars {
      if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
    }
    return out + "\""
  }

  /// Splits CSV text into records of fields (RFC 4180, LF or CRLF line ends). Used by the tests and
  /// by anything that reads the tables back.
  public static func parse(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var fieldStarted = false
    let bytes = Array(text.utf8)
    var i = 0
    func endField() {
      record.append(String(decoding: field, as: UTF8.self))
      field.removeAll()
      fieldStarted = false
    }
    while i < bytes.count {
      let c = bytes[i]
      if inQuotes {
        if c == 0x22 {
          if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
            field.append(0x22)
            i += 1
          } else {
            inQuotes = false
          }
        } else {
          field.append(c)
        }
      } else if c == 0x22 && field.isEmpty {
        inQuotes = true
        fieldStarted = true
      } else if c == 0x2C {
        endField()
        fieldStarted = true
      } else if c == 0x0A || c == 0x0D {
        if c == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
        endField()
        records.append(record)
        record = []
      } else {
        field.append(c)
        fieldStarted = true
      }
      i += 1
    }
    if fieldStarted || !field.isEmpty || !record.isEmpty {
      endField()
      records.append(record)
    }
    return records
  }
}
