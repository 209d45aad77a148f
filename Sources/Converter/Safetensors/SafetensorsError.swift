/// A failure reading or writing a safetensors file: which file, and what is wrong with it.
///
/// `description` is one line, `<path>: <problem>`, which is what the CLI prints. `problem` is an
/// enum so callers and tests can tell the cases apart without matching on message text.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }

    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        // Reading: the file and its header length.
        case notRegularFile
        case fileTooShort(size: Int)
        case headerTooLarge(length: UInt64, limit: Int)
        case headerBeyondFile(length: UInt64, fileSize: Int)
        // Reading: the header's JSON.
        case headerNotUTF8
        case headerNotJSON(detail: String)
        case headerNotObject
        case duplicateKey(String)
        case metadataNotObject
        case metadataValueNotString(key: String)
        // Reading: one tensor entry.
        case entryNotObject(tensor: String)
        case missingField(tensor: String, field: String)
        case wrongFieldType(tensor: String, field: String, expected: String)
        case unknownDType(tensor: String, dtype: String)
        case negativeDimension(tensor: String, shape: [Int])
        case shapeOverflow(tensor: String)
        case invalidOffsets(tensor: String, begin: Int, end: Int)
        case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
        /// `end` is nil when the offset is too large to represent at all.
        case offsetsOutOfBounds(tensor: String, end: Int?, bufferSize: Int)
        // Reading: how the entries tile the data buffer.
        case overlap(tensor: String, other: String)
        case gap(before: String, from: Int, to: Int)
        case bufferNotCovered(coveredTo: Int, bufferSize: Int)
        // Reading: a request the file cannot serve.
        case notFloatTensor(tensor: String, dtype: String)
        // Writing: the declaration.
        case reservedMetadataKey(String)
        case reservedTensorName(String)
        case duplicateTensorName(String)
        // Writing: the calls.
        case unexpectedTensor(declared: Int)
        case elementCountMismatch(tensor: String, expected: Int, actual: Int)
        case incomplete(written: Int, declared: Int)
        case writerClosed
        case placeholderMissing(String)
        // Either direction: the operating system said no.
        case io(operation: String, message: String)

        public var description: String {
            switch self {
            case .notRegularFile:
                return "not a regular file"
            case let .fileTooShort(size):
                return "file is \(size) bytes, shorter than the 8-byte header length"
            case let .headerTooLarge(length, limit):
                return "header length \(length) exceeds the \(limit)-byte limit"
            case let .headerBeyondFile(length, fileSize):
                return "header length \(length) runs past the end of the \(fileSize)-byte file"
            case .headerNotUTF8:
                return "header is not valid UTF-8"
            case let .headerNotJSON(detail):
                return "header is not valid JSON: \(detail)"
            case .headerNotObject:
                return "header is not a JSON object"
            case let .duplicateKey(key):
                return "header has the key \"\(key)\" more than once"
            case .metadataNotObject:
                return "__metadata__ is not an object of strings"
            case let .metadataValueNotString(key):
                return "__metadata__ value for \"\(key)\" is not a string"
            case let .entryNotObject(tensor):
                return "tensor \"\(tensor)\": entry is not an object"
            case let .missingField(tensor, field):
                return "tensor \"\(tensor)\": missing \"\(field)\""
            case let .wrongFieldType(tensor, field, expected):
                return "tensor \"\(tensor)\": \"\(field)\" is not \(expected)"
            case let .unknownDType(tensor, dtype):
                return "tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
            case let .negativeDimension(tensor, shape):
                return "tensor \"\(tensor)\": shape \(shape) has a negative dimension"
            case let .shapeOverflow(tensor):
                return "tensor \"\(tensor)\": shape is too large (its byte size overflows)"
            case let .invalidOffsets(tensor, begin, end):
                return "tensor \"\(tensor)\": data_offsets [\(begin), \(end)] are not an ascending pair of non-negative integers"
            case let .sizeMismatch(tensor, expected, actual):
                return "tensor \"\(tensor)\": data_offsets span \(actual) bytes but shape and dtype need \(expected)"
            case let .offsetsOutOfBounds(tensor, end, bufferSize):
                let position = end.map { "at \($0)" } ?? "beyond any file"
                return "tensor \"\(tensor)\": data ends \(position), past the \(bufferSize)-byte data buffer"
            case let .overlap(tensor, other):
                return "tensor \"\(tensor)\" overlaps tensor \"\(other)\""
            case let .gap(before, from, to):
                return "data bytes \(from)..<\(to) before tensor \"\(before)\" belong to no tensor"
            case let .bufferNotCovered(coveredTo, bufferSize):
                return "data bytes \(coveredTo)..<\(bufferSize) at the end belong to no tensor"
            case let .notFloatTensor(tensor, dtype):
                return "tensor \"\(tensor)\": dtype \(dtype) cannot be read as floats"
            case let .reservedMetadataKey(key):
                return "metadata key \"\(key)\" is reserved for the writer"
            case let .reservedTensorName(name):
                return "tensor name \"\(name)\" is reserved"
            case let .duplicateTensorName(name):
                return "tensor name \"\(name)\" is declared twice"
            case let .unexpectedTensor(declared):
                return "more tensors appended than the \(declared) declared"
            case let .elementCountMismatch(tensor, expected, actual):
                return "tensor \"\(tensor)\": got \(actual) values, its shape needs \(expected)"
            case let .incomplete(written, declared):
                return "finished after \(written) of \(declared) declared tensors"
            case .writerClosed:
                return "writer already finished or failed"
            case let .placeholderMissing(placeholder):
                return "no metadata placeholder \"\(placeholder)\" of the replacement's length to patch"
            case let .io(operation, message):
                return "cannot \(operation): \(message)"
            }
        }
    }
}
