import Foundation
import Testing
@testable import Bench

/// A result file in an output folder is written whole and renamed into place. A symbolic link found at its name is
/// replaced by the new file like any earlier result, and the file the link pointed to, outside the folder, keeps its
/// bytes: nothing is ever written through a link inside a results folder (docs/command-line.md, "Output folders").
@Test func atomicFileReplacesALinkAtItsNameAndNeverWritesThroughIt() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-atomic-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let results = root.appendingPathComponent("results"), outside = root.appendingPathComponent("precious.csv")
    try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
    try Data("someone else's file".utf8).write(to: outside)
    let link = results.appendingPathComponent("results.csv")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: outside.path)

    try AtomicFile.write(Data("model,accuracy\n".utf8), to: link)

    #expect(try String(contentsOf: outside, encoding: .utf8) == "someone else's file")
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == nil, "the link was replaced by a file")
    #expect(try String(contentsOf: link, encoding: .utf8) == "model,accuracy\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: results.path) == ["results.csv"], "no temporary file left")
}
