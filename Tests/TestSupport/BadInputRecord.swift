import Foundation

/// The tests that feed Zoo hostile input note each case here, so the README's "Bad inputs tried" table
/// (docs/bad-inputs.md, written by scripts/bad-inputs.sh) counts what actually ran. Nothing is written
/// unless `ZOO_BAD_INPUTS_RECORD` names a folder: one line per case, `class<TAB>case<TAB>outcome`.
public enum BadInputRecord {
    private static let lock = NSLock()

    public static func note(_ inputClass: String, _ label: String, outcome: String) {
        guard let folder = ProcessInfo.processInfo.environment["ZOO_BAD_INPUTS_RECORD"] else { return }
        let line = [inputClass, label, outcome].map { $0.replacingOccurrences(of: "\t", with: " ") }
            .joined(separator: "\t") + "\n"
        lock.lock()
        defer { lock.unlock() }
        let path = (folder as NSString).appendingPathComponent("tests.tsv")
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(line.utf8))
        }
    }
}
