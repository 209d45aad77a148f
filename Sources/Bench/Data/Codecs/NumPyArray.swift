import Foundation
import Tensor

/// A float32 array in NumPy's `.npy` format (version 1, 2 or 3): what `np.save` writes for `zoo predict --input NAME=x.npy`,
/// the values of a model's non-image input (a skin-lesion model's clinical metadata, say).
///
/// The format: the magic `\x93NUMPY`, a version, a little-endian header length, then a Python dict literal
/// (`{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }`) padded with spaces, then the values. Only little-endian
/// float32 in C order is read; anything else is refused by name, and the header's sizes are checked against the file
/// before anything is allocated from them.
public enum NumPyArray {
    /// Far above any model input Zoo runs; a header declaring more is refused before its values are read.
    static let maximumElements = 1 << 28

    /// The array as a tensor of its stored shape.
    public static func read(path: String) throws -> Tensor {
        func refuse(_ kind: DataError.Kind, _ problem: String) -> DataError { DataError(file: path, kind: kind, problem: problem) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw refuse(.unreadable, "cannot be read (\(error.localizedDescription))")
        }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw refuse(.unsupported, "is not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let version = bytes[6]
        let (headerLength, headerStart): (Int, Int)
        switch version {
        case 1: (headerLength, headerStart) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
        case 2, 3:
            guard bytes.count >= 12 else { throw refuse(.corrupt, "is truncated inside its header length") }
            headerLength = (8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default: throw refuse(.unsupported, "is .npy format version \(version); Zoo reads versions 1 to 3")
        }
        guard headerLength <= data.count - headerStart else {
            throw refuse(.corrupt, "declares a \(headerLength)-byte header in a \(data.count)-byte file")
        }
        let header = String(decoding: data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)], as: UTF8.self)
        let description = try field("descr", in: header, path: path)
        guard description == "'<f4'" || description == "'float32'" else {
            throw refuse(.unsupported, "holds \(description) values; Zoo reads float32 ('<f4'): save it with np.save(path, x.astype(np.float32))")
        }
        guard try field("fortran_order", in: header, path: path) == "False" else {
            throw refuse(.unsupported, "is stored in Fortran order; save it with np.save(path, np.ascontiguousarray(x))")
        }
        let shape = try Self.shape(try field("shape", in: header, path: path), path: path)
        let count = try shape.reduce(1) { product, size in
            let (result, overflow) = product.multipliedReportingOverflow(by: size)
            guard !overflow, result <= maximumElements else { throw refuse(.unsupported, "declares shape \(shape), more than \(maximumElements) values") }
            return result
        }
        let valuesStart = headerStart + headerLength
        guard data.count - valuesStart == count * 4 else {
            throw refuse(.corrupt, "holds \(data.count - valuesStart) bytes of values where shape \(shape) needs \(count * 4)")
        }
        let tensor = try Tensor(shape: shape)
        data[(data.startIndex + valuesStart)...].withUnsafeBytes { raw in
            UnsafeMutableRawBufferPointer(start: tensor.pointer, count: count * 4).copyMemory(from: raw)
        }
        return tensor
    }

    /// The text of `key`'s value in the header dict: up to the next comma outside brackets, or the closing brace.
    private static func field(_ key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)':") else {
            throw DataError(file: path, kind: .corrupt, problem: "has no '\(key)' in its .npy header")
        }
        var depth = 0, value = ""
        for character in header[keyRange.upperBound...] {
            if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
            if depth == 0 && (character == "," || character == "}") { break }
            value.append(character)
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// `(10,)`, `(2, 3)` or `()` as sizes.
    private static func shape(_ text: String, path: String) throws -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw DataError(file: path, kind: .corrupt, problem: "has an unreadable shape \(text) in its .npy header")
        }
        let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try parts.map { part in
            guard let size = Int(part), size >= 0 else {
                throw DataError(file: path, kind: .corrupt, problem: "has an unreadable shape \(text) in its .npy header")
            }
            return size
        }
    }
}
