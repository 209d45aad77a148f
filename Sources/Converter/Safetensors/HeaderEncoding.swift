/// The header a writer puts in front of the data, laid out before any data exists.
///
/// Everything in it follows from the declaration (names, shapes, dtype, metadata), except the
/// data hash, which is written as 64 zeros and patched in place at `hashValueOffset` once known;
/// a fixed-length value is what makes the header's size, and so every offset, known up front.
struct HeaderLayout {
    /// The JSON, padded with spaces to the alignment; the 8-byte length prefix is not included.
    let json: [UInt8]
    /// Where the 64 placeholder hex digits start, counted from the start of `json`.
    let hashValueOffset: Int
    let elementCounts: [Int]
    let dataSize: Int

    static let hashPlaceholder = String(repeating: "0", count: 64)

    /// Lays the header out deterministically: `__metadata__` first with keys in UTF-8 byte order,
    /// then the tensors in declaration order, each `{"dtype","shape","data_offsets"}`.
    init(path: String, tensors: [(name: String, shape: [Int])], dtype: StorageDType,
         metadata: [String: String]) throws(SafetensorsError) {
        func fail(_ problem: SafetensorsError.Problem) -> SafetensorsError {
            SafetensorsError(path: path, problem: problem)
        }
        guard metadata[SafetensorsFormat.dataHashKey] == nil else {
            throw fail(.reservedMetadataKey(SafetensorsFormat.dataHashKey))
        }

        var json: [UInt8] = []
        json.append(contentsOf: "{".utf8)
        appendJSONString(SafetensorsFormat.metadataKey, to: &json)
        json.append(contentsOf: ":{".utf8)
        var entries = metadata
        entries[SafetensorsFormat.dataHashKey] = Self.hashPlaceholder
        var hashValueOffset = 0
        for (index, key) in entries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(key, to: &json)
            json.append(UInt8(ascii: ":"))
            if key == SafetensorsFormat.dataHashKey { hashValueOffset = json.count + 1 }  // past the quote
            appendJSONString(entries[key]!, to: &json)
        }
        json.append(UInt8(ascii: "}"))

        var names: Set<String> = []
        var elementCounts: [Int] = []
        var offset = 0
        for (name, shape) in tensors {
            guard name != SafetensorsFormat.metadataKey else { throw fail(.reservedTensorName(name)) }
            guard names.insert(name).inserted else { throw fail(.duplicateTensorName(name)) }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail(.negativeDimension(tensor: name, shape: shape)) }
            guard let count = elementCount(of: shape),
                  case (let byteCount, false) = count.multipliedReportingOverflow(by: dtype.byteWidth),
                  case (let end, false) = offset.addingReportingOverflow(byteCount)
            else { throw fail(.shapeOverflow(tensor: name)) }
            json.append(UInt8(ascii: ","))
            appendJSONString(name, to: &json)
            json.append(contentsOf: #":{"dtype":""#.utf8)
            json.append(contentsOf: dtype.rawValue.utf8)
            json.append(contentsOf: #"","shape":["#.utf8)
            json.append(contentsOf: shape.map(String.init).joined(separator: ",").utf8)
            json.append(contentsOf: #"],"data_offsets":["#.utf8)
            json.append(contentsOf: "\(offset),\(end)]}".utf8)
            elementCounts.append(count)
            offset = end
        }
        json.append(UInt8(ascii: "}"))

        let alignment = SafetensorsFormat.headerAlignment
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (alignment - json.count % alignment) % alignment))
        guard json.count <= SafetensorsFormat.maximumHeaderLength else {
            throw fail(.headerTooLarge(length: UInt64(json.count), limit: SafetensorsFormat.maximumHeaderLength))
        }
        self.json = json
        self.hashValueOffset = hashValueOffset
        self.elementCounts = elementCounts
        self.dataSize = offset
    }
}

/// The number of elements of a shape with no negative dimensions, or nil if it overflows `Int`.
func elementCount(of shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        if overflow { return nil }
        count = product
    }
    return count
}

/// Appends `string` as a JSON string literal. Quote, backslash and control characters are escaped
/// (the only characters JSON requires escaping); everything else, non-ASCII included, is copied
/// as UTF-8, which JSON allows and which keeps long values such as the model graph compact.
func appendJSONString(_ string: String, to json: inout [UInt8]) {
    let hexDigits = Array("0123456789abcdef".utf8)
    json.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): json.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): json.append(contentsOf: #"\\"#.utf8)
        case 0x0A: json.append(contentsOf: #"\n"#.utf8)
        case 0x0D: json.append(contentsOf: #"\r"#.utf8)
        case 0x09: json.append(contentsOf: #"\t"#.utf8)
        case 0x00..<0x20:
            json.append(contentsOf: #"\u00"#.utf8)
            json.append(hexDigits[Int(byte >> 4)])
            json.append(hexDigits[Int(byte & 0xF)])
        default: json.append(byte)
        }
    }
    json.append(UInt8(ascii: "\""))
}
