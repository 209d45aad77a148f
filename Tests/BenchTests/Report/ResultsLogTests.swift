import Foundation
import Testing
@testable import Bench

/// results.jsonl: records round-trip one per line; a torn last line (a run killed mid-write) is reported and
/// skipped on read and cut off on the next append; a damaged line elsewhere is an error naming file and line.
@Suite struct ResultsLogTests {
    static func scratchLog() -> ResultsLog {
        ResultsLog(url: FileManager.default.temporaryDirectory.appendingPathComponent("zoo-results-\(UUID().uuidString).jsonl"))
    }

    static func records() throws -> [RunRecord] { Array(try ReportFixtures.runs().prefix(3)) }

    static func appendRaw(_ bytes: String, to log: ResultsLog) throws {
        let handle = try FileHandle(forWritingTo: log.url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes.utf8))
        try handle.close()
    }

    @Test func recordsRoundTripOnePerLine() throws {
        let log = Self.scratchLog()
        defer { try? FileManager.default.removeItem(at: log.url) }
        #expect(try log.read().records.isEmpty)  // no file yet: an empty log
        let records = try Self.records()
        for record in records { #expect(try log.append(record) == nil) }
        let contents = try log.read()
        #expect(contents.records == records)
        #expect(contents.warnings.isEmpty)
        let text = try String(contentsOf: log.url, encoding: .utf8)
        #expect(text.split(separator: "\n").count == records.count)
        #expect(text.contains("\"protocol\":\"clean\""), "the protocol's JSON key is \"protocol\"")
    }

    @Test func aTornLastLineIsReportedThenCutOffByTheNextAppend() throws {
        let log = Self.scratchLog()
        defer { try? FileManager.default.removeItem(at: log.url) }
        let records = try Self.records()
        try log.append(records[0])
        try log.append(records[1])
        let line = try String(decoding: JSONEncoder().encode(records[2]), as: UTF8.self)
        try Self.appendRaw(String(line.prefix(line.count / 2)), to: log)  // killed halfway through the third record

        let torn = try log.read()
        #expect(torn.records == Array(records.prefix(2)))
        #expect(torn.warnings.count == 1)
        #expect(torn.warnings.first?.contains("line 3 is an incomplete record") == true, "\(torn.warnings)")

        let warning = try log.append(records[2])
        #expect(warning?.contains("cut off an incomplete last record") == true)
        let repaired = try log.read()
        #expect(repaired.records == records)
        #expect(repaired.warnings.isEmpty)
    }

    @Test func aWholeRecordMissingOnlyItsNewlineIsKept() throws {
        let log = Self.scratchLog()
        defer { try? FileManager.default.removeItem(at: log.url) }
        let records = try Self.records()
        try log.append(records[0])
        try Self.appendRaw(String(decoding: try JSONEncoder().encode(records[1]), as: UTF8.self), to: log)
        #expect(try log.read().records == Array(records.prefix(2)))
        #expect(try log.append(records[2]) == nil)
        let contents = try log.read()
        #expect(contents.records == records)
        #expect(contents.warnings.isEmpty)
    }

    @Test func aDamagedCompleteLineIsAnErrorNamingFileAndLine() throws {
        let log = Self.scratchLog()
        defer { try? FileManager.default.removeItem(at: log.url) }
        let records = try Self.records()
        try log.append(records[0])
        try Self.appendRaw("{\"recipe\": \"vgg16-tb\"}\n", to: log)
        try log.append(records[1])
        do {
            _ = try log.read()
            Issue.record("a damaged line in the middle was accepted")
        } catch let error as DataError {
            #expect(error.file == log.url.path)
            #expect(error.problem.hasPrefix("line 2 is not a run record"), "\(error)")
        }
    }
}
