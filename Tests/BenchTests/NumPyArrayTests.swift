import Bench
import Foundation
import Testing
import TestSupport

/// The `.npy` reader behind `zoo predict --input NAME=x.npy`, on files NumPy itself wrote (Tests/GoldenOutputs/
/// npy_reference.py: format versions 1 and 2, vectors, a matrix, a 0-d array), on the kinds Zoo refuses (float64,
/// Fortran order), and on damaged copies: each refusal one line naming the file and what to do.
@Suite struct NumPyArrayTests {
    @Test func readsWhatNumPyWritesAndRefusesTheRest() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestEnvironment.generateReference("npy_reference.py", into: directory)
        struct Stored: Decodable { let shape: [Int]; let values: [Float] }
        let stored = try JSONDecoder().decode([String: Stored].self, from: Data(contentsOf: directory.appendingPathComponent("values.json")))
        for (name, expected) in stored {
            let array = try NumPyArray.read(path: directory.appendingPathComponent("\(name).npy").path)
            #expect(array.shape == expected.shape && array.toArray() == expected.values, "\(name): \(array.shape)")
        }

        let vector = directory.appendingPathComponent("vector.npy")
        let bytes = try [UInt8](Data(contentsOf: vector))
        func replacing(_ old: String, _ new: String) -> [UInt8] {
            var data = Data(bytes)
            if let range = data.range(of: Data(old.utf8)) { data.replaceSubrange(range, with: Data(new.utf8)) }
            return [UInt8](data)
        }
        let refused: [(String, [UInt8]?, String)] = [
            ("float64", nil, "Zoo reads float32"),
            ("fortran", nil, "Fortran order"),
            ("truncated values", Array(bytes.dropLast(4)), "bytes of values where shape [10] needs 40"),
            ("a header longer than the file", Array(bytes.prefix(8)) + [0xFF, 0x7F] + Array(bytes.dropFirst(10)), "-byte header in a"),
            ("no magic", Array("NOTNUMPY".utf8) + bytes.dropFirst(8), "is not a NumPy .npy file"),
            ("version 9", Array(bytes.prefix(6)) + [9] + Array(bytes.dropFirst(7)), "format version 9"),
            ("a shape of 2^62 x 2^62", replacing("(10,)", "(4611686018427387904, 4611686018427387904)"), "more than"),
            ("an unreadable shape", replacing("(10,)", "(ten,)"), "unreadable shape"),
        ]
        for (label, content, message) in refused {
            let file = content == nil ? directory.appendingPathComponent("\(label).npy") : directory.appendingPathComponent("damaged.npy")
            if let content { try Data(content).write(to: file) }
            let error = #expect(throws: DataError.self, "\(label)") { try NumPyArray.read(path: file.path) }
            #expect(error.map { "\($0)".contains(message) && "\($0)".contains(file.path) } == true, "\(label): \(String(describing: error))")
        }
    }
}
