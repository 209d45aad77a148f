/// What a header says once checked: the metadata, and tensors that tile the data buffer exactly.
struct ValidatedHeader {
    let metadata: [String: String]
    /// In data-offset order.
    let tensors: [SafetensorsFile.TensorInfo]

    /// Parses and checks the JSON header of `path` against a data buffer of `dataSize` bytes,
    /// with the rules the Rust loader applies: known dtypes, non-negative shapes whose byte size
    /// matches `data_offsets`, and tensors that cover the buffer with no gap and no overlap.
    init(path: String, json: UnsafeRawBufferPointer, dataSize: Int) throws(SafetensorsError) {
        func fail(_ problem: SafetensorsError.Problem) -> SafetensorsError {
            SafetensorsError(path: path, problem: problem)
        }
        // Checked up front so the parser can copy string bytes through unexamined. Not
        // `String(validating:)`, which needs macOS 15 where the package supports 14.
        let isUTF8 = !transcode(json.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true) { _ in }
        guard isUTF8 else { throw fail(.headerNotUTF8) }
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            switch error {
            case .duplicateKey(let key): throw fail(.duplicateKey(key))
            case .syntax(let offset, let detail): throw fail(.headerNotJSON(detail: "\(detail) at byte \(offset)"))
            }
        }
        guard case .object(let members) = root else { throw fail(.headerNotObject) }

        var metadata: [String: String] = [:]
        var tensors: [SafetensorsFile.TensorInfo] = []
        for (key, value) in members {
            if key == SafetensorsFormat.metadataKey {
                metadata = try Self.metadata(from: value, fail: fail)
            } else {
                tensors.append(try Self.tensor(named: key, from: value, dataSize: dataSize, fail: fail))
            }
        }

        // Sorting by (begin, end) puts zero-length tensors before a tensor starting at the same
        // offset, so they tile; one inside another tensor's range is an overlap, as in Rust.
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        var covered = 0
        var previous: String?
        for tensor in tensors {
            if tensor.byteRange.lowerBound < covered {
                throw fail(.overlap(tensor: tensor.name, other: previous ?? ""))
            }
            if tensor.byteRange.lowerBound > covered {
                throw fail(.gap(before: tensor.name, from: covered, to: tensor.byteRange.lowerBound))
            }
            covered = tensor.byteRange.upperBound
            previous = tensor.name
        }
        guard covered == dataSize else { throw fail(.bufferNotCovered(coveredTo: covered, bufferSize: dataSize)) }

        self.metadata = metadata
        self.tensors = tensors
    }

    private static func metadata(from value: JSONValue,
                                 fail: (SafetensorsError.Problem) -> SafetensorsError) throws(SafetensorsError) -> [String: String] {
        switch value {
        case .null:
            // Rust reads `__metadata__` as an optional map, so null means none.
            return [:]
        case .object(let members):
            var metadata: [String: String] = [:]
            for (key, value) in members {
                guard case .string(let string) = value else { throw fail(.metadataValueNotString(key: key)) }
                metadata[key] = string
            }
            return metadata
        default:
            throw fail(.metadataNotObject)
        }
    }

    private static func tensor(named name: String, from value: JSONValue, dataSize: Int,
                               fail: (SafetensorsError.Problem) -> SafetensorsError) throws(SafetensorsError) -> SafetensorsFile.TensorInfo {
        guard case .object(let members) = value else { throw fail(.entryNotObject(tensor: name)) }
        func field(_ key: String) throws(SafetensorsError) -> JSONValue {
            guard let member = members.first(where: { $0.key == key }) else {
                throw fail(.missingField(tensor: name, field: key))
            }
            return member.value
        }
        func integers(_ key: String, _ expected: String,
                      tooLarge: SafetensorsError.Problem) throws(SafetensorsError) -> [Int] {
            guard case .array(let elements) = try field(key) else {
                throw fail(.wrongFieldType(tensor: name, field: key, expected: expected))
            }
            var result: [Int] = []
            for element in elements {
                guard case .integer(let integer) = element else {
                    if case .number(let text) = element, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                        throw fail(tooLarge)  // an integer, but too large for Int
                    }
                    throw fail(.wrongFieldType(tensor: name, field: key, expected: expected))
                }
                result.append(integer)
            }
            return result
        }

        guard case .string(let dtype) = try field("dtype") else {
            throw fail(.wrongFieldType(tensor: name, field: "dtype", expected: "a string"))
        }
        let shape = try integers("shape", "an array of integers", tooLarge: .shapeOverflow(tensor: name))
        let offsets = try integers("data_offsets", "an array of two integers",
                                   tooLarge: .offsetsOutOfBounds(tensor: name, end: nil, bufferSize: dataSize))
        guard offsets.count == 2 else {
            throw fail(.wrongFieldType(tensor: name, field: "data_offsets", expected: "an array of two integers"))
        }
        guard let width = SafetensorsDType.byteWidth(of: dtype) else { throw fail(.unknownDType(tensor: name, dtype: dtype)) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail(.negativeDimension(tensor: name, shape: shape)) }
        guard let count = elementCount(of: shape),
              case (let byteCount, false) = count.multipliedReportingOverflow(by: width)
        else { throw fail(.shapeOverflow(tensor: name)) }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else { throw fail(.invalidOffsets(tensor: name, begin: begin, end: end)) }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch(tensor: name, expectedBytes: byteCount, actualBytes: end - begin))
        }
        guard end <= dataSize else { throw fail(.offsetsOutOfBounds(tensor: name, end: end, bufferSize: dataSize)) }
        return SafetensorsFile.TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }
}
